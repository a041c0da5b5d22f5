// The PPO trading strategy the demo and bench/evaluation.ts evaluate: for evaluateStrategies,
// it trains on the training bars only (features normalised on them) and trades held-out bars
// through a TradingEnv with the same fees. One copy, imported by both.
import { backtest, FeaturePipeline, MarketData, Normalizer, TradingEnv, type EvaluatedStrategy, type FeatureFrame } from '../../src/index.js';
import { PPO, type LogRecord } from '../../src/agents/index.js';

// Trend features over the horizons the trends live on (a day to five days of 15-minute bars):
// where the price sits against its moving averages, and its log return over those spans. No
// 1-bar returns or oscillators: their noise is what a small sample lets the policy overfit.
export const pipeline = new FeaturePipeline([
  { name: 'priceToSma', period: 96 },
  { name: 'priceToSma', period: 192 },
  { name: 'priceToSma', period: 288 },
  { name: 'priceToSma', period: 480 },
  { name: 'logReturns', period: 96 },
  { name: 'logReturns', period: 192 },
  { name: 'logReturns', period: 288 },
]);
/** PPO's settings for this env (the seed is the caller's). */
export const PPO_TRADING_OPTIONS = { nSteps: 2048, batchSize: 256, nEpochs: 10, entCoef: 0.03 } as const;

/** The trading env over normalised features: window 4, discrete-3, 10 bps fee, fees counted three times in the reward. */
export const envFor = (norm: Normalizer, frame: FeatureFrame<MarketData>, episodeLength?: number) =>
  new TradingEnv({ features: norm.transform(frame), windowSize: 4, actionScheme: 'discrete-3', fee: 10, reward: { weights: { pnl: 1, fee: 2 } }, ...(episodeLength ? { episodeLength } : {}) });

/** Options of {@link ppoStrategy}. */
export interface PpoStrategyOptions {
  /**
   * Agents trained per training seed (default 1); the one with the highest Sharpe ratio on
   * the training bars is kept. PPO on this weak a signal sometimes collapses to a constant
   * position; picking the best of a few on the bars it trained on (never the test bars)
   * discards those runs.
   */
  readonly candidates?: number;
}

/**
 * PPO on a `TradingEnv` (window 4 of trend features, discrete-3, 10 bps fee, fees counted
 * three times in the reward), trained for `timesteps` steps per agent. The kept agent of each
 * training seed is passed to `onTrained` with its training log (the caller disposes the agents
 * when done); the candidates not kept are disposed here.
 */
export function ppoStrategy(timesteps: number, onTrained: (agent: PPO, seed: number, log: LogRecord[]) => void, options: PpoStrategyOptions = {}): EvaluatedStrategy {
  const candidates = options.candidates ?? 1;
  return {
    name: 'PPO',
    // sees the training bars only; returns how it trades bars it has never seen
    async train(train, seed) {
      const frame = pipeline.compute(train).dropWarmup();
      const norm = new Normalizer({ method: 'robust', clip: 5 }).fit(frame);
      let best: { agent: PPO; log: LogRecord[]; sharpe: number } | undefined;
      for (let k = 0; k < candidates; k++) {
        const log: LogRecord[] = [];
        const agent = new PPO(envFor(norm, frame, 1000), { ...PPO_TRADING_OPTIONS, seed: seed * 100 + k });
        await agent.learn({ totalTimesteps: timesteps, callback: (r) => void log.push(r), progressBar: process.stderr.isTTY === true });
        // with one candidate there is nothing to choose: skip the in-sample backtest
        const measured = candidates === 1 ? 0 : backtest({ data: frame.bars, strategy: { env: envFor(norm, frame), agent } }).metrics.sharpeRatio;
        const sharpe = Number.isNaN(measured) ? -Infinity : measured; // NaN: never traded
        if (best === undefined || sharpe > best.sharpe) {
          best?.agent.dispose();
          best = { agent, log, sharpe };
        } else agent.dispose();
      }
      const { agent, log } = best as { agent: PPO; log: LogRecord[] };
      onTrained(agent, seed, log);
      // on the test bars: features computed over the training bars followed by the test bars
      // and cut to the test bars, so the long averages have warmed up on the past (as the
      // moving-average cross baseline does) and no test bar is read before its time
      return (test) => ({ env: envFor(norm, pipeline.compute(MarketData.concat([train, test])).slice(train.length)), agent });
    },
  };
}

// The PPO trading strategy the demo and bench/evaluation.ts evaluate: for evaluateStrategies,
// it trains on the training bars only (features normalised on them) and trades held-out bars
// through a TradingEnv with the same fees. One copy, imported by both.
import { FeaturePipeline, Normalizer, TradingEnv, type EvaluatedStrategy, type FeatureFrame, type MarketData } from '../../src/index.js';
import { PPO, type LogRecord } from '../../src/agents/index.js';

const pipeline = new FeaturePipeline(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'macd', 'bbands', 'timeOfDay']);
const envFor = (norm: Normalizer, frame: FeatureFrame<MarketData>, episodeLength?: number) =>
  new TradingEnv({ features: norm.transform(frame), windowSize: 16, actionScheme: 'discrete-3', fee: 10, reward: { weights: { pnl: 1, fee: 2 } }, ...(episodeLength ? { episodeLength } : {}) });

/**
 * PPO on a `TradingEnv` (window 16, discrete-3, 10 bps fee, fees counted three times in the
 * reward), trained for `timesteps` steps per training seed. Every trained agent is passed to
 * `onTrained` with its training log (the caller disposes the agents when done).
 */
export function ppoStrategy(timesteps: number, onTrained: (agent: PPO, seed: number, log: LogRecord[]) => void): EvaluatedStrategy {
  return {
    name: 'PPO',
    // sees the training bars only; returns how it trades bars it has never seen
    async train(train, seed) {
      const frame = pipeline.compute(train).dropWarmup();
      const norm = new Normalizer({ method: 'robust', clip: 5, preserve: ['timeOfDay_sin', 'timeOfDay_cos'] }).fit(frame);
      const log: LogRecord[] = [];
      const agent = new PPO(envFor(norm, frame, 1000), { nSteps: 1024, batchSize: 64, nEpochs: 5, entCoef: 0.01, seed });
      await agent.learn({ totalTimesteps: timesteps, callback: (r) => void log.push(r), progressBar: process.stderr.isTTY === true });
      onTrained(agent, seed, log);
      // on the test bars: features from those bars alone; the env starts trading once the
      // indicators have warmed up on the first of them
      return (test) => ({ env: envFor(norm, pipeline.compute(test)), agent });
    },
  };
}

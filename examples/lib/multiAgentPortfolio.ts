// The comparison behind examples/multi-agent-portfolio.ts and bench/multi-agent-portfolio.ts:
// three synthetic assets from three regime presets, a hierarchical system (a specialist PPO per
// asset and a meta-agent PPO allocating across them, MultiAgentTradingEnv) trained on the first
// 70% of the bars, backtested on the held-out 30% through the env's own Account against equal
// weights (rebalanced every bar, through the same env), buy-and-hold of each asset (backtest()
// with buyAndHoldSignal, same start and fee) and a single PPO on PortfolioEnv given the same
// budget of agent steps. Every strategy pays 10 bps per trade and fills at the next open.
import { backtest, buyAndHoldSignal, MultiAgentTradingEnv, PortfolioEnv, RegimeGenerator, type BacktestResult, type GeneratorPresetName, type MarketData, type TradingAgent } from '../../src/index.js';
import { backtestMultiAgent, type MultiAgentBacktestResult } from '../../src/backtest/multiAgent.js';
import { backtestPortfolio } from '../../src/backtest/portfolio.js';
import { MultiAgentTrainer, PPO, type LogRecord } from '../../src/agents/index.js';

/** The three markets: one preset each (symbol: preset). */
export const MARKETS: Readonly<Record<string, GeneratorPresetName>> = { MIXED: 'crypto-15m', TREND: 'crypto-15m-structured', NOISE: 'crypto-15m-null' };
const WINDOW = 16;
const FEE = 10; // bps
/** PPO's settings for every policy (the specialists', the meta-agent's, the single PPO's). */
const PPO_OPTIONS = { nSteps: 256, batchSize: 64, nEpochs: 5, entCoef: 0.01 };

/** What one market's comparison gives. */
export interface Comparison {
  /** The backtests by strategy name, the joint system first. */
  readonly results: Readonly<Record<string, BacktestResult>>;
  /** The joint system's backtest (with each specialist's and the meta-agent's decisions). */
  readonly joint: MultiAgentBacktestResult;
  /** The multi-agent trainer's log rows. */
  readonly log: readonly LogRecord[];
  /** 'joint' or 'staged' training. */
  readonly training: 'joint' | 'staged';
  /** Wall time in seconds of each part. */
  readonly seconds: Readonly<Record<'data' | 'trainSystem' | 'trainPPO' | 'backtests', number>>;
}

/** Sharpe ratio, total return and max drawdown of a backtest, as printed. */
export function row(r: BacktestResult): { sharpe: number; totalReturn: number; maxDrawdown: number } {
  return { sharpe: r.metrics.sharpeRatio, totalReturn: r.metrics.totalReturn, maxDrawdown: r.metrics.maxDrawdown };
}

/**
 * One market (asset i from preset i, generator seed `10 * seed + i`), trained and backtested.
 * @param seed - the market's seed; the agents are seeded with it too.
 * @param steps - the training budget in agent steps, for the system (4 agents per env step) and for the single PPO.
 * @param numSamples - bars per asset.
 * @param training - `'joint'`: every policy learns at once; `'staged'`: the specialists first (half the budget), then the meta-agent with the specialists frozen.
 * @param say - progress lines.
 */
export async function compareOnSeed(seed: number, steps: number, numSamples: number, training: 'joint' | 'staged', say: (line: string) => void = () => undefined): Promise<Comparison> {
  const clock = () => performance.now() / 1000;
  let t = clock();
  const assets = Object.entries(MARKETS).map(([symbol, preset], i) => RegimeGenerator.preset(preset).generate({ numSamples, seed: 10 * seed + i, symbol }).data);
  const cut = Math.floor(0.7 * (assets[0] as MarketData).length);
  const train = assets.map((a) => a.slice(0, cut));
  const test = assets.map((a) => a.slice(cut));
  const seconds = { data: clock() - t, trainSystem: 0, trainPPO: 0, backtests: 0 };

  // the hierarchical system: one specialist policy per asset (separate parameters) and the
  // meta-agent, on 500-bar episodes from random starts of the training bars
  t = clock();
  const envFn = () => new MultiAgentTradingEnv({ assets: train, windowSize: WINDOW, fee: FEE, episodeLength: 500 });
  const policyMappingFn = (agent: TradingAgent) => agent;
  const specialists = Object.keys(MARKETS).map((s) => `specialist:${s}`);
  const fresh = Object.fromEntries([...specialists, 'meta'].map((id) => [id, { options: PPO_OPTIONS }]));
  const log: LogRecord[] = [];
  const callback = (r: LogRecord) => void log.push(r);
  let system: MultiAgentTrainer<TradingAgent>;
  let stage1: MultiAgentTrainer<TradingAgent> | undefined;
  if (training === 'joint') {
    // every policy learns at once, from the same episodes
    system = new MultiAgentTrainer(envFn, { policies: fresh, policyMappingFn, seed });
    await system.learn({ totalTimesteps: steps, callback });
  } else {
    // stage 1, half the budget: the specialists learn while the untrained meta-agent acts
    // (sampling: allocations spread at random across the sleeves and cash)
    stage1 = new MultiAgentTrainer(envFn, { policies: fresh, policyMappingFn, policiesToTrain: specialists, seed });
    await stage1.learn({ totalTimesteps: Math.floor(steps / 2), callback });
    // stage 2, the other half: the specialists frozen (their most likely action, as in the
    // backtest), a new meta-agent learning to allocate across them
    const frozen = Object.fromEntries(specialists.map((id) => [id, { policy: (stage1 as MultiAgentTrainer<TradingAgent>).policy(id), deterministic: true }]));
    system = new MultiAgentTrainer(envFn, { policies: { ...frozen, meta: { options: PPO_OPTIONS } }, policyMappingFn, seed: seed + 1000 });
    await system.learn({ totalTimesteps: steps - Math.floor(steps / 2), callback: (r: LogRecord) => void log.push({ ...r, 'time/total_timesteps': (r['time/total_timesteps'] ?? 0) + Math.floor(steps / 2) }) });
  }
  seconds.trainSystem = clock() - t;
  say(`  system trained (${training}): ${(stage1?.numTimesteps ?? 0) + system.numTimesteps} agent steps in ${seconds.trainSystem.toFixed(0)} s`);

  // the single-agent baseline: one PPO choosing all the weights (softmax of N+1 logits), the same agent-step budget
  t = clock();
  const ppo = new PPO(new PortfolioEnv({ assets: train, windowSize: WINDOW, fee: FEE, episodeLength: 500 }), { ...PPO_OPTIONS, seed });
  await ppo.learn({ totalTimesteps: steps });
  seconds.trainPPO = clock() - t;
  say(`  single PPO trained: ${ppo.numTimesteps} steps in ${seconds.trainPPO.toFixed(0)} s`);

  // the backtests, on the held-out bars, from the first bar the window allows
  t = clock();
  const testEnv = () => new MultiAgentTradingEnv({ assets: test, windowSize: WINDOW, fee: FEE });
  const joint = backtestMultiAgent({ env: testEnv(), agent: system });
  const n = Object.keys(MARKETS).length;
  const equalWeights = backtestMultiAgent({
    env: testEnv(),
    // every specialist long, the meta-agent a third each and no cash (e^-1000 is 0): rebalanced every bar
    policy: () => ({ ...Object.fromEntries(Object.keys(MARKETS).map((s) => [`specialist:${s}`, 2])), meta: Float32Array.from({ length: n + 1 }, (_, i) => (i < n ? 0 : -1000)) }),
  });
  const single = backtestPortfolio({ env: new PortfolioEnv({ assets: test, windowSize: WINDOW, fee: FEE }), agent: ppo });
  const results: Record<string, BacktestResult> = { 'specialists + meta': joint, 'equal weights': equalWeights, 'PPO (PortfolioEnv)': single };
  // buy-and-hold of one asset: bought at the first fill (bar WINDOW + 1's open), held to the end
  for (const a of test) results[`buy and hold ${a.symbol}`] = backtest({ data: a, strategy: buyAndHoldSignal(a), account: { fee: FEE }, start: WINDOW });
  seconds.backtests = clock() - t;
  system.dispose();
  stage1?.dispose(); // after the trainer its policies were lent to
  ppo.dispose();
  return { results, joint, log, training, seconds };
}

// The main job, end to end on built-in synthetic data (npm run demo):
// 1. generate 120 days of 15-minute crypto-like bars from a fixed seed (regime-switching),
// 2. build features and normalise them on the training split only (no leakage),
// 3. train PPO on the first 70% of the bars (10 bps fees, next-open fills; the reward is the
//    step's return with the fees counted twice more, so the agent learns to trade less),
// 4. backtest the deterministic agent on the held-out 30% through the same Account, against
//    buy-and-hold and a random policy, print a metrics table, and write out/report.html.
//   npx tsx examples/demo.ts        TRADEGYM_DEMO_SEED=3 picks another market and agent seed
// TRADEGYM_EXAMPLE_TIMESTEPS shortens training (CI uses a tiny budget).
import { backtest, FeaturePipeline, Normalizer, RegimeGenerator, Rng, splitByFraction, TradingEnv, type FeatureFrame, type MarketData } from '../src/index.js';
import { PPO, useBackend, type LogRecord } from '../src/agents/index.js';
import { writeReport } from '../src/report/index.js';

const seed = Number(process.env.TRADEGYM_DEMO_SEED ?? 11);
const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 300_000);
const t0 = performance.now();
console.log(`backend: ${await useBackend('auto')}, seed ${seed}, ${timesteps} training steps`);

const { data, regimes, regimeNames } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 120, seed });
// the frame carries its bars: trimming the warm-up and splitting keep features and bars together
const frame = new FeaturePipeline(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'macd', 'bbands', 'timeOfDay']).compute(data).dropWarmup();
const warm = data.length - frame.length;
const f = splitByFraction(frame, { train: 0.7 });
const b = { train: f.train.bars, test: f.test.bars };
const norm = new Normalizer({ method: 'robust', clip: 5, preserve: ['timeOfDay_sin', 'timeOfDay_cos'] }).fit(f.train);
const envFor = (x: FeatureFrame<MarketData>, episodeLength?: number) =>
  new TradingEnv({ features: norm.transform(x), windowSize: 16, actionScheme: 'discrete-3', fee: 10, reward: { weights: { pnl: 1, fee: 2 } }, ...(episodeLength ? { episodeLength } : {}) });

const log: LogRecord[] = [];
const agent = new PPO(envFor(f.train, 1000), { nSteps: 1024, batchSize: 64, nEpochs: 5, entCoef: 0.01, seed });
await agent.learn({ totalTimesteps: timesteps, callback: (r) => void log.push(r), progressBar: process.stderr.isTTY === true });

// the held-out test split: the agent, buy-and-hold (the result's benchmark) and a random policy
const testEnv = envFor(f.test);
const result = backtest({ data: b.test, strategy: { env: testEnv, agent } });
const rng = new Rng(seed);
const random = backtest({ data: b.test, strategy: { env: envFor(f.test), policy: () => rng.integer(0, 3) } });
const row = (name: string, m: { totalReturn: number; sharpeRatio: number; sortinoRatio: number; maxDrawdown: number; annualVolatility: number }, trades: number | string, fees: string) =>
  console.log(`${name.padEnd(14)}${(100 * m.totalReturn).toFixed(2).padStart(9)}%${m.sharpeRatio.toFixed(2).padStart(9)}${m.sortinoRatio.toFixed(2).padStart(9)}${(100 * m.maxDrawdown).toFixed(2).padStart(9)}%${(100 * m.annualVolatility).toFixed(1).padStart(8)}%${String(trades).padStart(8)}${fees.padStart(11)}`);
console.log(`\nheld-out test split: ${b.test.length} bars of 15 minutes, 10 bps fee, periods per year ${result.periodsPerYear}`);
console.log(`${''.padEnd(14)}${'return'.padStart(10)}${'Sharpe'.padStart(9)}${'Sortino'.padStart(9)}${'max DD'.padStart(10)}${'vol'.padStart(9)}${'trades'.padStart(8)}${'fees'.padStart(11)}`);
row('PPO agent', result.metrics, result.trades.length, `$${result.fees.toFixed(2)}`);
row('buy and hold', result.benchmark.metrics, 1, '$0.00');
row('random', random.metrics, random.trades.length, `$${random.fees.toFixed(2)}`);

const start = warm + b.train.length + result.startIndex;
const path = await writeReport(result, 'out/report.html', {
  title: `PPO on synthetic crypto-15m (seed ${seed}): held-out test split`,
  regimes: regimes.subarray(start, start + result.equity.length),
  regimeNames,
  trainingLog: log,
  compare: { random },
});
console.log(`\nreport: ${path}   (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
console.log(`DEMO_RESULT ${JSON.stringify({ seed, agentSharpe: result.metrics.sharpeRatio, buyAndHoldSharpe: result.benchmark.metrics.sharpeRatio, randomSharpe: random.metrics.sharpeRatio, agentReturn: result.metrics.totalReturn, buyAndHoldReturn: result.benchmark.metrics.totalReturn, trades: result.trades.length, seconds: (performance.now() - t0) / 1000 })}`);
agent.dispose();

// PPO with a temporal convolutional network over the TradingEnv's window: the built-in
// tcnExtractor reads the observation as what it is, 32 bars x 13 features (oldest first) plus the
// 4 account values, through dilated causal convolutions, instead of one flat vector.
// 1. generate 120 days of 15-minute crypto-like bars (seeded), build features and normalise
//    them on the training split only;
// 2. train PPO with the TCN extractor on the first 70% (10 bps fees, fees counted twice more in
//    the reward), with an EvalCallback that keeps the best agent by its return on the
//    validation bars that follow the training ones;
// 3. backtest the final and the best agent on the held-out last 15% through the same ledger,
//    against buy-and-hold and a random policy.
//   npx tsx examples/trading-ppo-tcn.ts     (50,000 steps: about 10 minutes on the wasm backend)
// TRADEGYM_EXAMPLE_TIMESTEPS shortens training (CI uses a tiny budget).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtest, FeaturePipeline, Normalizer, RegimeGenerator, Rng, splitByFraction, TradingEnv, type FeatureFrame, type MarketData } from '../src/index.js';
import { EvalCallback, PPO, tcnExtractor, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
// convolutions are several times faster on the wasm backend than on the pure-JS cpu backend
console.log(`backend: ${await useBackend('auto')}, ${timesteps} training steps`);

const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 120, seed: 11 });
const frame = new FeaturePipeline(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'macd', 'bbands', 'timeOfDay']).compute(data).dropWarmup();
const f = splitByFraction(frame, { train: 0.7, validation: 0.15 });
const norm = new Normalizer({ method: 'robust', clip: 5, preserve: ['timeOfDay_sin', 'timeOfDay_cos'] }).fit(f.train);
const envFor = (x: FeatureFrame<MarketData>, episodeLength?: number) =>
  new TradingEnv({ features: norm.transform(x), windowSize: 32, actionScheme: 'discrete-3', fee: 10, reward: { weights: { pnl: 1, fee: 2 } }, ...(episodeLength ? { episodeLength } : {}) });

const train = envFor(f.train, 1000);
console.log(`observation: ${train.observationSpace.size} values, window ${JSON.stringify(train.observationLayout)} + 4 account values`);
const agent = new PPO(train, {
  // three residual blocks, dilations 1, 2, 4, kernel 3: each feature sees the last 29 bars
  featuresExtractor: tcnExtractor({ channels: [16, 16, 16], kernelSize: 3, layout: train.observationLayout }),
  netArch: { pi: [64], vf: [64] },
  nSteps: 1024,
  batchSize: 128,
  nEpochs: 4,
  entCoef: 0.01,
  seed: 11,
});
const bestDir = mkdtempSync(join(tmpdir(), 'tradegym-tcn-'));
const evaluation = new EvalCallback(envFor(f.validation), { evalFreq: Math.max(1024, Math.floor(timesteps / 5)), nEvalEpisodes: 1, bestModelSavePath: bestDir });
await agent.learn({
  totalTimesteps: timesteps,
  callback: [evaluation, (r) => void console.log(`steps ${r['time/total_timesteps']}  ep_rew_mean ${r['rollout/ep_rew_mean']?.toFixed(4)}  fps ${r['time/fps']}`)],
});
console.log(`validation returns at each evaluation: ${evaluation.evaluations.map((e) => `${e.timesteps}: ${e.mean.toFixed(4)}`).join(', ')}`);

// the held-out test split, never seen in training or in choosing the best agent
const best = await PPO.load(bestDir, envFor(f.validation));
const result = backtest({ data: f.test.bars, strategy: { env: envFor(f.test), agent } });
const bestResult = backtest({ data: f.test.bars, strategy: { env: envFor(f.test), agent: best } });
const rng = new Rng(11);
const random = backtest({ data: f.test.bars, strategy: { env: envFor(f.test), policy: () => rng.integer(0, 3) } });
const row = (name: string, m: { totalReturn: number; sharpeRatio: number; maxDrawdown: number }, trades: number) =>
  console.log(`${name.padEnd(16)}${(100 * m.totalReturn).toFixed(2).padStart(9)}%${m.sharpeRatio.toFixed(2).padStart(9)}${(100 * m.maxDrawdown).toFixed(2).padStart(9)}%${String(trades).padStart(8)}`);
console.log(`\nheld-out test split: ${f.test.bars.length} bars, 10 bps fee`);
console.log(`${''.padEnd(16)}${'return'.padStart(10)}${'Sharpe'.padStart(9)}${'max DD'.padStart(10)}${'trades'.padStart(8)}`);
row('PPO-TCN final', result.metrics, result.trades.length);
row('PPO-TCN best', bestResult.metrics, bestResult.trades.length);
row('buy and hold', result.benchmark.metrics, 1);
row('random', random.metrics, random.trades.length);
agent.dispose();
best.dispose();
rmSync(bestDir, { recursive: true, force: true });

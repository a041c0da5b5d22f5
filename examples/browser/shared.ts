// What the page and the worker build alike, from the same plain config: the envs (CartPole, or
// a TradingEnv over a synthetic market) and the agent's options. The worker trains; the page
// rebuilds the same env to load the trained agent, evaluate it and backtest it.
import { make, MarketData, Normalizer, RegimeGenerator, splitByFraction } from '../../src/index.js';
import { envFor, pipeline, PPO_TRADING_OPTIONS } from '../lib/ppoStrategy.js';
import type { BackendName, Compute, PPOOptions, TrainEnv } from '../../src/agents/index.js';

/** The config the page posts to the worker: plain data. */
export interface TrainConfig {
  /** CartPole (a learning check with a known answer) or trading a synthetic market. */
  readonly task: 'cartpole' | 'trading';
  /** The agent's kernel set: 'wasm' (WebAssembly SIMD) or 'js'. */
  readonly compute: Compute;
  /** The tfjs backend in the worker (used by checkpoints; the kernels do the maths). */
  readonly backend: BackendName;
  readonly steps: number;
  readonly seed: number;
  /** The synthetic market's seed (trading). */
  readonly marketSeed: number;
}

/** PPO's options per task: SB3 zoo's CartPole settings, and the demo's trading settings (examples/lib/ppoStrategy.ts). */
export function ppoOptions(c: TrainConfig): PPOOptions {
  return c.task === 'cartpole'
    ? { nSteps: 512, batchSize: 64, nEpochs: 10, gaeLambda: 0.8, gamma: 0.98, learningRate: 1e-3, seed: c.seed, compute: c.compute }
    : { ...PPO_TRADING_OPTIONS, seed: c.seed, compute: c.compute };
}

/**
 * The demo's market and env (npm run demo): 120 days of synthetic 15-minute crypto bars, 70% to
 * train on; trend features normalised on the training bars; on the test bars the features warm
 * up on the training bars before them (the past only).
 */
export function tradingMarket(marketSeed: number) {
  const { data, regimes, regimeNames } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 120, seed: marketSeed });
  const { train, test } = splitByFraction(data, { train: 0.7 });
  const frame = pipeline.compute(train).dropWarmup();
  const norm = new Normalizer({ method: 'robust', clip: 5 }).fit(frame);
  return {
    test,
    trainEnv: () => envFor(norm, frame, 1000),
    testEnv: () => envFor(norm, pipeline.compute(MarketData.concat([train, test])).slice(train.length)),
    testRegimes: regimes.slice(train.length),
    regimeNames,
  };
}

/** The env a config trains on (both take Discrete actions). */
export function trainEnv(c: TrainConfig): TrainEnv<number> {
  return c.task === 'cartpole' ? make('CartPole-v1') : (tradingMarket(c.marketSeed).trainEnv() as TrainEnv<number>);
}

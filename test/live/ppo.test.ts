// A real tfjs agent: PPO trained briefly in a TradingEnv trades a replay through the live runner
// exactly as backtest() of { env, agent } on the same bars.
import { afterAll, describe, expect, it } from 'vitest';
import { backtest, FeaturePipeline, Normalizer, RegimeGenerator, splitByFraction, TradingEnv } from '../../src/index.js';
import { PPO, useBackend } from '../../src/agents/index.js';
import { LiveRunner, ReplayFeed, replayFeatures } from '../../src/live/index.js';

describe('a PPO agent on a replay', () => {
  let agent: PPO | undefined;
  afterAll(() => agent?.dispose());

  it.each(['next-open', 'close'] as const)('makes the decisions and fills of backtest({ env, agent }) (%s)', async (execution) => {
    await useBackend('cpu');
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1600, seed: 12 });
    const frame = new FeaturePipeline(['logReturns', 'rsi', 'bbands']).compute(data).dropWarmup();
    const f = splitByFraction(frame, { train: 0.6 });
    const norm = new Normalizer({ method: 'zscore', clip: 5 }).fit(f.train);
    const options = { windowSize: 8, actionScheme: 'discrete-4', fee: 10, slippage: 1, borrowRate: 1e-5, execution } as const;
    agent ??= new PPO(new TradingEnv({ features: norm.transform(f.train), episodeLength: 256, ...options }), { nSteps: 256, batchSize: 64, nEpochs: 2, seed: 3 });
    if (agent.numTimesteps === 0) await agent.learn({ totalTimesteps: 512 });
    const test = norm.transform(f.test);
    const expected = backtest({ data: test.bars, strategy: { env: new TradingEnv({ features: test, ...options }), agent } });
    const live = await new LiveRunner({
      feed: new ReplayFeed(test.bars),
      strategy: { agent, features: replayFeatures(test), windowSize: 8, actionScheme: 'discrete-4' },
      account: { fee: 10, slippage: 1, borrowRate: 1e-5 },
      execution,
      closeAtEnd: true,
    }).run();
    expect(expected.trades.length).toBeGreaterThan(0);
    expect(live.startIndex).toBe(expected.startIndex);
    expect(Array.from(live.equity).every((e, i) => Object.is(e, expected.equity[i]))).toBe(true);
    expect(live.equity.length).toBe(expected.equity.length);
    expect(live.trades).toEqual(expected.trades);
    expect(Object.is(live.fees, expected.fees)).toBe(true);
  }, 120_000);
});

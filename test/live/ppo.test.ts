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

  it('refuses, when the runner is built, a window or an action scheme other than the agent was trained with', async () => {
    await useBackend('cpu');
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 2 });
    const frame = new FeaturePipeline(['logReturns', 'rsi']).compute(data).dropWarmup();
    // trained on 8 rows of 2 features plus the 4 account features (20 numbers), discrete-3
    const ppo = new PPO(new TradingEnv({ features: frame, windowSize: 8, actionScheme: 'discrete-3' }), { nSteps: 64, batchSize: 32, seed: 1 });
    try {
      const make = (windowSize: number, actionScheme: 'discrete-3' | 'discrete-4') => () => new LiveRunner({ feed: new ReplayFeed(frame.bars), strategy: { agent: ppo, features: replayFeatures(frame), windowSize, actionScheme } });
      expect(make(8, 'discrete-4')).toThrow(/^strategy\.actionScheme must be the scheme the agent was trained with \(its actions are Discrete\(3\); 'discrete-4' gives Discrete\(4\)\), got "discrete-4"$/);
      expect(make(12, 'discrete-3')).toThrow(/^strategy\.windowSize must be the agent's window: its observations hold 20 numbers, 2 features × windowSize \+ 4 account features hold 28, got 12$/);
      expect(make(8, 'discrete-3')).not.toThrow();
    } finally {
      ppo.dispose();
    }
  });
});

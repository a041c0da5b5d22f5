// Parity by construction, checked: the live runner on a ReplayFeed with a PaperBroker makes the
// backtest's decisions and fills, bit for bit (Object.is on every number), over several
// datasets, strategies, both execution modes, costs, and every risk rule.
import { describe, expect, it } from 'vitest';
import { backtest, dcaBotStrategy, FeaturePipeline, RegimeGenerator, TradingEnv, type BacktestResult, type MarketData, type RiskOptions, type Slippage, type StrategyContext } from '../../src/index.js';
import { LiveRunner, ReplayFeed, replayFeatures, type LiveResult } from '../../src/live/index.js';
import { randomBars } from '../helpers/randomBars.js';
import { meanCross } from '../helpers/strategies.js';

const DATASETS: [string, () => MarketData][] = [
  ['crypto-15m seed 1', () => RegimeGenerator.preset('crypto-15m').generate({ numSamples: 700, seed: 1 }).data],
  ['crypto-15m-structured seed 2', () => RegimeGenerator.preset('crypto-15m-structured').generate({ numSamples: 700, seed: 2 }).data],
  ['equity-daily seed 3', () => RegimeGenerator.preset('equity-daily').generate({ numSamples: 400, seed: 3 }).data],
  ['randomBars seed 4', () => randomBars(600, 4)],
];

/** A rule-based mean reversion that holds (NaN) between its triggers and reads its own position. */
const reversion = ({ index, data, position }: StrategyContext): number => {
  if (index < 10) return Number.NaN;
  const r = (data.close[index] as number) / (data.close[index - 10] as number) - 1;
  if (r < -0.01 && position <= 0) return 0.8;
  if (r > 0.01 && position >= 0) return -0.5;
  return Number.NaN;
};

const slipFn: Slippage = ({ bar, units }) => 2 + (10 * (bar.high - bar.low)) / bar.close + (units > 0 ? 0.5 : 0);

const RISKS: [string, RiskOptions][] = [
  ['no risk rules', {}],
  ['stop-loss and take-profit', { stopLoss: 0.01, takeProfit: 0.02 }],
  ['trailing stop with cooldown', { trailingStop: 0.015, cooldownBars: 5 }],
  ['volatility sizing and maxPosition', { sizing: { kind: 'volatility', targetVolatility: 0.003 }, maxPosition: 0.9 }],
  ['kelly sizing and daily loss limit', { sizing: { kind: 'kelly', minTrades: 5 }, dailyLossLimit: 0.01, stopLoss: 0.02 }],
  ['fixed sizing, min hold and session close in New York', { sizing: { kind: 'fixed', fraction: 0.7 }, minHoldBars: 6, sessionClose: { time: '16:00', minutesBefore: 60 }, timeZone: 'America/New_York', dailyLossLimit: 0.02 }],
];

function expectSame(live: LiveResult, bt: BacktestResult): void {
  expect(live.startIndex).toBe(bt.startIndex);
  expect(live.equity.length).toBe(bt.equity.length);
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
  expect(diff(live.timestamps, bt.timestamps)).toBe(-1);
  expect(diff(live.equity, bt.equity)).toBe(-1);
  expect(diff(live.positions, bt.positions)).toBe(-1);
  expect(live.trades.length).toBe(bt.trades.length);
  live.trades.forEach((t, k) => {
    const u = bt.trades[k] as (typeof bt.trades)[number];
    for (const key of Object.keys(u) as (keyof typeof u)[]) expect(Object.is(t[key], u[key]), `trade ${k}.${key}: ${t[key]} vs ${u[key]}`).toBe(true);
  });
  expect(Object.is(live.fees, bt.fees)).toBe(true);
  expect(Object.is(live.borrow, bt.borrow)).toBe(true);
  expect(live.riskEvents).toEqual(bt.events);
}

describe('LiveRunner on a ReplayFeed with a PaperBroker equals backtest()', () => {
  describe.each(DATASETS)('%s', (_name, make) => {
    const data = make();
    it.each(['next-open', 'close'] as const)('signal function, rule-based and array strategies, every risk rule, with costs (%s)', async (execution) => {
      const signal = Array.from({ length: data.length }, (_, t) => (t % 37 < 18 ? 1 : t % 37 < 30 ? -0.5 : Number.NaN));
      const strategies: [string, (ctx: StrategyContext) => number, Parameters<typeof backtest>[0]['strategy']][] = [
        ['mean cross', meanCross(20), meanCross(20)],
        ['reversion', reversion, reversion],
        ['signal array', ({ index }) => signal[index] as number, signal],
      ];
      let trades = 0;
      for (const [, live, bt] of strategies) {
        for (const [, risk] of RISKS) {
          for (const account of [{ fee: 10, slippage: 5, borrowRate: 1e-5 }, { fee: 4, slippage: slipFn, initialCash: 2500 }]) {
            const expected = backtest({ data, strategy: bt, account, risk, execution });
            const result = await new LiveRunner({ feed: new ReplayFeed(data), strategy: live, account, risk, execution }).run();
            expectSame(result, expected);
            trades += expected.trades.length;
          }
        }
      }
      expect(trades).toBeGreaterThan(100); // the comparisons are not of empty books
    }, 120_000);

    it('from a start bar, with the bars before it as history', async () => {
      const start = 150;
      const risk: RiskOptions = { sizing: { kind: 'volatility', targetVolatility: 0.004 }, stopLoss: 0.015 };
      const expected = backtest({ data, strategy: meanCross(30), account: { fee: 10 }, risk, start });
      const live = await new LiveRunner({ feed: new ReplayFeed(data, { start }), history: data.slice(0, start), strategy: meanCross(30), account: { fee: 10 }, risk }).run();
      expectSame(live, expected);
    });
  });

  it.each(['next-open', 'close'] as const)('the DCA bot strategy, with a stop-loss (%s)', async (execution) => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 3000, seed: 21 });
    const options = { firstBuy: 0.05, step: 0.008, multiplier: 1.6, maxBuy: 0.3, takeProfit: 0.01 };
    for (const risk of [{}, { stopLoss: 0.05 }]) {
      const expected = backtest({ data, strategy: dcaBotStrategy(options), account: { fee: 10, slippage: 2 }, risk, execution });
      const live = await new LiveRunner({ feed: new ReplayFeed(data), strategy: dcaBotStrategy(options), account: { fee: 10, slippage: 2 }, risk, execution }).run();
      expectSame(live, expected);
      expect(expected.trades.length).toBeGreaterThan(10);
    }
  });

  describe('an agent, observing as its TradingEnv', () => {
    const data = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 800, seed: 11 }).data;
    const frame = new FeaturePipeline(['logReturns', 'rsi', 'bbands']).compute(data);
    // deterministic functions of the whole observation: the window and the account features
    const score = (o: Float32Array) => {
      let s = 0;
      for (let i = 0; i < o.length; i++) s += Math.sin(o[i]! * (i + 1) * 7.3);
      return s;
    };
    const agents = {
      'discrete-4': { predict: (o: Float32Array) => [0, 1, 2, 3][Math.floor(Math.abs(score(o)) * 10) % 4]! },
      'discrete-3': { predict: (o: Float32Array) => Math.floor(Math.abs(score(o)) * 10) % 3 },
      continuous: { predict: (o: Float32Array) => Float32Array.of(Math.tanh(score(o))) },
    } as const;
    it("with the pipeline's own stream as its features (no precomputed frame)", async () => {
      const env = new TradingEnv({ data, features: frame, windowSize: 12, actionScheme: 'discrete-3', fee: 8 });
      const expected = backtest({ data, strategy: { env, agent: agents['discrete-3'] } });
      const features = new FeaturePipeline(['logReturns', 'rsi', 'bbands']).stream({ timeframe: data.timeframe });
      const live = await new LiveRunner({ feed: new ReplayFeed(data), strategy: { agent: agents['discrete-3'], features, windowSize: 12, actionScheme: 'discrete-3' }, account: { fee: 8 }, closeAtEnd: true }).run();
      expectSame(live, expected);
    });

    it.each([
      ['discrete-4', 'next-open'],
      ['discrete-3', 'close'],
      ['continuous', 'next-open'],
      ['continuous', 'close'],
    ] as const)('%s, %s: the same equity, positions, trades and fees', async (scheme, execution) => {
      const costs = { fee: 8, slippage: 3, borrowRate: 2e-5, initialCash: 5000, maxLeverage: 1.5 };
      const env = new TradingEnv({ data, features: frame, windowSize: 12, actionScheme: scheme, positionSize: 1.2, execution, ...costs });
      const agent = agents[scheme];
      const expected = backtest({ data, strategy: { env, agent } });
      const live = await new LiveRunner({
        feed: new ReplayFeed(data),
        strategy: { agent, features: replayFeatures(frame), windowSize: 12, actionScheme: scheme, positionSize: 1.2 },
        account: costs,
        execution,
        closeAtEnd: true,
      }).run();
      expectSame(live, expected);
      expect(expected.trades.length).toBeGreaterThan(5);
    });
  });
});

// Defects an adversarial review found after the first hardening pass (issue 14), one test each.
import { describe, expect, it } from 'vitest';
import {
  CartPole,
  FeatureFrame,
  InvalidActionError,
  InvalidArgumentError,
  MarketData,
  MultiAgentTradingEnv,
  PortfolioEnv,
  TradingEnv,
} from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const H = 3_600_000;
const flat = (symbol: string, n: number, price = 100) =>
  new MarketData({ symbol, timeframe: '1h', timestamps: Array.from({ length: n }, (_, i) => i * H), open: Array(n).fill(price), high: Array(n).fill(price), low: Array(n).fill(price), close: Array(n).fill(price), volume: Array(n).fill(1) });

describe('rebalancing reduces gross exposure first, covering shorts included', () => {
  it('PortfolioEnv (signed): from A short 0.6 / B long 0.4 to A flat / B 0.9 reaches the target under a 1x cap', () => {
    // gross after: 0.9 <= 1; if B's increase ran before A's cover, the cap (0.6 + 0.4 in use) would cut B to 0.4
    const env = new PortfolioEnv({ assets: [flat('A', 12), flat('B', 12)], windowSize: 2, weighting: 'signed', fee: 0 });
    env.reset({ options: { start: 5 } });
    env.step(Float32Array.of(-0.6, 0.4));
    const w = env.step(Float32Array.of(0, 0.9)).info.weights;
    expect(w[0]).toBeCloseTo(0, 12);
    expect(w[1]).toBeCloseTo(0.9, 6); // the action is a float32
    expect(w[2]).toBeCloseTo(0.1, 6);
  });

  it('MultiAgentTradingEnv: the same rebalance through the specialists and the meta allocation', () => {
    const env = new MultiAgentTradingEnv({ assets: [flat('A', 12), flat('B', 12)], windowSize: 2, fee: 0 });
    env.reset({ options: { start: 4 } });
    // meta logits: weights 0.6 / 0.4 / 0 cash (ln ratios), A short, B long
    const meta = (a: number, b: number) => Float32Array.of(Math.log(a), Math.log(b), -50);
    env.step({ 'specialist:A': 0, 'specialist:B': 2, meta: meta(0.6, 0.4) });
    env.step({ 'specialist:A': 1, 'specialist:B': 2, meta: meta(0.1, 0.9) });
    const equity = env.account.lastEquity;
    expect(((env.account.positions[1] as number) * 100) / equity).toBeCloseTo(0.9, 6);
    expect(env.account.positions[0]).toBe(0);
  });
});

describe('log-return rewards stay finite at ruin', () => {
  it('a short through a 4x gap: equity below zero gives a floored log return, not NaN', () => {
    const n = 8;
    const open = [100, 100, 100, 100, 400, 400, 400, 400];
    const data = new MarketData({ timeframe: '1h', timestamps: Array.from({ length: n }, (_, i) => i * H), open, high: open, low: open, close: open, volume: Array(n).fill(1) });
    const features = new FeatureFrame(data.timestamps, ['one'], [new Float64Array(n).fill(1)]);
    const env = new TradingEnv({ data, features, windowSize: 1, fee: 0, actionScheme: 'discrete-3', reward: { returnType: 'log' } });
    env.reset({ options: { start: 2 } });
    const r = env.step(0); // short at bar 3's open (100), marked at bar 3's close (100)
    expect(Number.isFinite(r.reward)).toBe(true);
    const ruin = env.step(0); // bar 4 at 400: equity 10,000 - 3 * 10,000 < 0
    expect(ruin.info.equity).toBeLessThan(0);
    expect(ruin.terminated).toBe(true);
    expect(ruin.reward).toBeCloseTo(Math.log(1e-12), 9); // a total loss: ln(1e-12)
  });
});

describe('TradingEnv compares every feature row with its bar', () => {
  it('rejects features whose middle timestamps differ (a shifted bar would leak the next bar into the observation)', () => {
    const data = randomBars(10, 1);
    const ts = Float64Array.from(data.timestamps);
    ts[3] = (ts[3] as number) + 1_800_000; // same length, same ends, one row off
    const features = new FeatureFrame(ts, ['x'], [new Float64Array(10).fill(1)]);
    expect(() => new TradingEnv({ data, features, windowSize: 1 })).toThrow(/features must be aligned with data/);
  });
});

describe('option and reset checks', () => {
  const data = randomBars(80, 2);
  it.each([
    ['reset params with an unknown key (options forgotten)', () => new TradingEnv({ data, windowSize: 2 }).reset({ start: 5 } as never), /reset params.start is not a known option/],
    ['reset params on a classic env', () => new CartPole().reset({ sed: 1 } as never), /reset params.sed is not a known option/],
    ['multi-agent reset params', () => new MultiAgentTradingEnv({ assets: [data], windowSize: 2 }).reset({ start: 5 } as never), /reset params.start is not a known option/],
    ['multi-agent seed', () => new MultiAgentTradingEnv({ assets: [data], windowSize: 2 }).reset({ seed: -1 }), /seed must be a safe integer >= 0, got -1/],
    ["randomStart 'no'", () => new TradingEnv({ data, windowSize: 2, randomStart: 'no' as never }), /randomStart must be true or false, got "no"/],
    ["PortfolioEnv randomStart 'false'", () => new PortfolioEnv({ assets: [data], windowSize: 2, randomStart: 'false' as never }), /randomStart must be true or false/],
    ["longOnly with 'discrete-3'", () => new TradingEnv({ data, windowSize: 2, actionScheme: 'discrete-3', longOnly: true }), /longOnly must be left out with actionScheme 'discrete-3'/],
    ['a null fee (not the default)', () => new TradingEnv({ data, windowSize: 2, fee: null as never }), /options.fee must be a value, or left out for the default, got null/],
  ])('rejects %s', (_, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('an infinite logit is an invalid action, not a NaN weight (PortfolioEnv and the meta agent)', () => {
    const p = new PortfolioEnv({ assets: [data], windowSize: 2 });
    p.reset();
    expect(() => p.step(Float32Array.of(Infinity, 0))).toThrow(InvalidActionError);
    expect(() => p.step(Float32Array.of(Infinity, 0))).toThrow(/action\[0\] must be finite, got Infinity/);
    const m = new MultiAgentTradingEnv({ assets: [data], windowSize: 2 });
    m.reset();
    expect(() => m.step({ 'specialist:TEST/USD': 1, meta: Float32Array.of(0, -Infinity) })).toThrow(/actions.meta must hold finite numbers/);
  });
});

describe('a step that closes two round trips reports both', () => {
  it("'discrete-3': long, then short on the last step: the flip's trade and the final close's trade are both in info.closedTrades", () => {
    const data = randomBars(12, 5);
    const features = new FeatureFrame(data.timestamps, ['one'], [new Float64Array(12).fill(1)]);
    const env = new TradingEnv({ data, features, windowSize: 1, fee: 10, actionScheme: 'discrete-3' });
    env.reset({ options: { start: 8 } });
    env.step(2); // long
    env.step(2);
    const last = env.step(0); // flips short at bar 11's open, then the episode's end closes the short
    expect(last.truncated).toBe(true);
    expect(last.info.closedTrades?.map((t) => t.side)).toEqual([1, -1]);
    expect(env.account.trades).toHaveLength(2);
    const sum = (last.info.closedTrades ?? []).reduce((s, t) => s + t.pnl, 0);
    expect(sum).toBeCloseTo(env.account.cash - env.account.initialCash, 9); // flat at the end: the PnLs are the cash change
  });
});

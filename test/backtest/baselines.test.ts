import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, InvalidArgumentError, MarketData, RegimeGenerator, type GeneratedMarket } from '../../src/index.js';

import { buyAndHoldSignal, dcaStrategy, movingAverageCrossSignal, randomSignal, randomSignalDistribution, regimeOracleSignal } from '../../src/backtest/baselines.js';

const HOUR = 3_600_000;
/** Bars from closes: each open is the previous close (no gaps), high and low the extremes. */
const fromCloses = (close: readonly number[]) => {
  const open = close.map((c, i) => (i === 0 ? c : close[i - 1]!));
  return new MarketData({
    timestamps: close.map((_, i) => Date.UTC(2024, 0, 1) + i * HOUR),
    open,
    high: close.map((c, i) => Math.max(c, open[i]!)),
    low: close.map((c, i) => Math.min(c, open[i]!)),
    close,
    volume: close.map(() => 1),
    timeframe: '1h',
  });
};

/** A reference MA cross, written from the definition: each window summed afresh from the closes up to t. */
function referenceCross(close: readonly number[], fast: number, slow: number, mode: 'long-flat' | 'long-short'): number[] {
  const mean = (t: number, w: number) => {
    let s = 0;
    for (let k = t - w + 1; k <= t; k++) s += close[k]!;
    return s / w;
  };
  return close.map((_, t) => {
    if (t < slow - 1) return 0;
    const f = mean(t, fast);
    const s = mean(t, slow);
    // equal within a relative 1e-10, as documented
    const gap = 1e-10 * Math.abs(s);
    return f - s > gap ? 1 : s - f > gap ? (mode === 'long-short' ? -1 : 0) : 0;
  });
}

/** A random walk of closes from a list of steps (fast-check draws the steps). */
const walk = (steps: readonly number[]) => {
  const out: number[] = [];
  let p = 100;
  for (const s of steps) out.push((p *= Math.exp(s)));
  return out;
};
const stepsArb = fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 2, maxLength: 300 });

describe('buyAndHoldSignal', () => {
  it('is a target of 1 at every bar', () => {
    const data = fromCloses([100, 101, 99, 102]);
    expect(Array.from(buyAndHoldSignal(data))).toEqual([1, 1, 1, 1]);
  });

  // Invariant: all in at bar 0's close without costs is the backtest's own cost-free benchmark.
  it('equals the cost-free benchmark when filled at the close with no fee', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 2 });
    const r = backtest({ data, strategy: buyAndHoldSignal(data), execution: 'close' });
    for (let k = 0; k < r.equity.length; k++) expect(r.equity[k]).toBeCloseTo(r.benchmark.equity[k]!, 6);
  });

  it('pays the fee once: one entry, nothing after', () => {
    // entry at open[1] = 100 with a 10 bps fee: notional 10000 / 1.001, fee 10000 - 10000 / 1.001
    const r = backtest({ data: fromCloses([100, 100, 110, 120]), strategy: buyAndHoldSignal(fromCloses([100, 100, 110, 120])), account: { fee: 10 } });
    expect(r.fees).toBeCloseTo(10_000 - 10_000 / 1.001, 9);
  });

  it('refuses what is not a MarketData', () => {
    expect(() => buyAndHoldSignal([1, 2] as unknown as MarketData)).toThrow(/^data must be a MarketData, got \[1,2\]$/);
  });
});

describe('movingAverageCrossSignal', () => {
  // fast 1 (the close itself) against slow 2 (the mean of the last two closes):
  // t=0: no slow window -> 0; t=1: 2 > 1.5 -> 1; t=2: 3 > 2.5 -> 1; t=3: 2 < 2.5 -> -1 or 0;
  // t=4: 2 = 2 -> 0 (equal); t=5: 5 > 3.5 -> 1
  it.each([
    ['long-flat', [0, 1, 1, 0, 0, 1]],
    ['long-short', [0, 1, 1, -1, 0, 1]],
  ] as const)('matches a hand calculation (%s)', (mode, expected) => {
    const data = fromCloses([1, 2, 3, 2, 2, 5]);
    expect(Array.from(movingAverageCrossSignal(data, { fast: 1, slow: 2, mode }))).toEqual(expected);
  });

  // An unchanged price has equal averages, but the running sums round differently: with 12 and
  // 26 bars of 29999.7 they give 29999.7 and 29999.700000000004, and an exact comparison went
  // short on every bar (and long on 0.1 with 3 and 7 bars).
  it.each([
    [29_999.7, 12, 26],
    [0.1, 3, 7],
    [101.37, 12, 26],
  ])('stays flat on an unchanged price (%s, %s/%s bars)', (price, fast, slow) => {
    const data = fromCloses(new Array<number>(300).fill(price));
    expect(movingAverageCrossSignal(data, { fast, slow, mode: 'long-short' }).every((v) => v === 0)).toBe(true);
  });

  it('defaults to long-flat', () => {
    const data = fromCloses([3, 2, 1, 2, 3]);
    expect(Array.from(movingAverageCrossSignal(data, { fast: 1, slow: 3 }))).toEqual([0, 0, 0, 1, 1]);
  });

  it.each(['long-flat', 'long-short'] as const)('equals a reference written from the definition over random walks (%s)', (mode) => {
    fc.assert(
      fc.property(stepsArb, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), (steps, fast, extra) => {
        const close = walk(steps);
        const slow = fast + extra;
        expect(Array.from(movingAverageCrossSignal(fromCloses(close), { fast, slow, mode }))).toEqual(referenceCross(close, fast, slow, mode));
      }),
      { numRuns: 200, seed: 21 },
    );
  });

  // No look-ahead: the decision at bar t is the same whatever the closes after t are.
  it('decides at bar t from closes up to t only', () => {
    fc.assert(
      fc.property(stepsArb, stepsArb, fc.integer({ min: 1, max: 10 }), (a, b, fast) => {
        const head = walk(a);
        const tail = walk(b).map((c) => c * (head[head.length - 1]! / 100));
        const slow = fast + 5;
        const short = movingAverageCrossSignal(fromCloses(head), { fast, slow, mode: 'long-short' });
        const long = movingAverageCrossSignal(fromCloses([...head, ...tail]), { fast, slow, mode: 'long-short' });
        expect(Array.from(long.subarray(0, head.length))).toEqual(Array.from(short));
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  const data = fromCloses([1, 2, 3]);
  it.each([
    [{ fast: 0, slow: 2 }, /^options\.fast must be an integer >= 1, got 0$/],
    [{ fast: 1.5, slow: 2 }, /^options\.fast must be an integer >= 1, got 1\.5$/],
    [{ fast: 3, slow: 3 }, /^options\.slow must be an integer > options\.fast \(3\), got 3$/],
    [{ fast: 5, slow: 2 }, /^options\.slow must be an integer > options\.fast \(5\), got 2$/],
    [{ fast: 1, slow: '2' }, /^options\.slow must be an integer >= 1, got "2"$/],
    [{ fast: 1, slow: 2, mode: 'short' }, /^options\.mode must be one of 'long-flat', 'long-short', got "short"$/],
    [{ fast: 1, slow: 2, mode: null }, /^options\.mode must be a value, or left out for the default, got null$/],
    [{ fast: 1, slow: 2, window: 3 }, /^options\.window is not a known option \(known: fast, slow, mode\), got 3$/],
  ])('refuses %j', (options, message) => {
    expect(() => movingAverageCrossSignal(data, options as never)).toThrow(InvalidArgumentError);
    expect(() => movingAverageCrossSignal(data, options as never)).toThrow(message);
  });
});

describe('randomSignal', () => {
  const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 50_000, seed: 1 });

  it('is deterministic per seed and differs between seeds', () => {
    const a = randomSignal(data, { seed: 3 });
    expect(Array.from(randomSignal(data, { seed: 3 }))).toEqual(Array.from(a));
    expect(Array.from(randomSignal(data, { seed: 4 }))).not.toEqual(Array.from(a));
  });

  it.each([
    ['long-flat', [0, 1]],
    ['long-short', [-1, 0, 1]],
  ] as const)('draws every position of %s and nothing else', (mode, positions) => {
    expect([...new Set(randomSignal(data, { seed: 1, mode, changeProbability: 0.2 }))].sort()).toEqual([...positions].sort());
  });

  // A redraw happens with probability p per bar and lands on a different position with
  // probability 1 - 1/k (k positions), so the signal changes at a bar with probability
  // q = p (1 - 1/k); over n - 1 bars the count is binomial: within 5 standard deviations.
  it.each([
    ['long-flat', 0.01, 2],
    ['long-short', 0.05, 3],
  ] as const)('changes at the rate its probability implies (%s, p = %s)', (mode, p, k) => {
    const s = randomSignal(data, { seed: 9, mode, changeProbability: p });
    let changes = 0;
    for (let t = 1; t < s.length; t++) if (s[t] !== s[t - 1]) changes++;
    const n = s.length - 1;
    const q = p * (1 - 1 / k);
    expect(Math.abs(changes - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
  });

  it.each([
    [{ seed: -1 }, /^options\.seed must be a safe integer >= 0, got -1$/],
    [{ seed: 1, changeProbability: 0 }, /^options\.changeProbability must be a number in \(0, 1\], got 0$/],
    [{ seed: 1, changeProbability: 1.5 }, /^options\.changeProbability must be a number in \(0, 1\], got 1\.5$/],
    [{ seed: 1, mode: 'long' }, /^options\.mode must be one of 'long-flat', 'long-short', got "long"$/],
    [{ seed: 1, p: 0.1 }, /^options\.p is not a known option/],
    [{}, /^options\.seed must be a safe integer >= 0, got undefined$/],
  ])('refuses %j', (options, message) => {
    expect(() => randomSignal(data, options as never)).toThrow(message);
  });
});

describe('randomSignalDistribution', () => {
  const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 2000, seed: 5 });

  it('is the backtest of randomSignal at seeds seed, seed + 1, ...', () => {
    const dist = randomSignalDistribution({ data, runs: 4, seed: 10, mode: 'long-short', changeProbability: 0.02, account: { fee: 5 } });
    expect(dist.seeds).toEqual([10, 11, 12, 13]);
    dist.seeds.forEach((seed, i) => {
      const r = backtest({ data, strategy: randomSignal(data, { seed, mode: 'long-short', changeProbability: 0.02 }), account: { fee: 5 } });
      expect(dist.values.sharpeRatio[i]).toBe(r.metrics.sharpeRatio);
      expect(dist.values.maxDrawdown[i]).toBe(r.metrics.maxDrawdown);
      expect(dist.fees[i]).toBe(r.fees);
    });
  });

  // numpy: np.percentile(x, [5, 50, 95]) with linear interpolation, recomputed here by sorting
  it('summarises each metric by its median and 5th and 95th percentiles', () => {
    const dist = randomSignalDistribution({ data, runs: 21 });
    const sorted = Array.from(dist.values.totalReturn).sort((a, b) => a - b);
    const pct = (q: number) => {
      const pos = (q / 100) * (sorted.length - 1);
      const lo = Math.floor(pos);
      return sorted[lo]! + (pos - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
    };
    expect(dist.summary.totalReturn.median).toBe(sorted[10]);
    expect(dist.summary.totalReturn.lower).toBeCloseTo(pct(5), 12);
    expect(dist.summary.totalReturn.upper).toBeCloseTo(pct(95), 12);
    expect(dist.summary.totalReturn.nanRuns).toBe(0);
  });

  // Different seeds are different paths: the distribution has spread, it is not one path repeated.
  it('has spread across seeds', () => {
    const dist = randomSignalDistribution({ data, runs: 10 });
    expect(new Set(dist.values.sharpeRatio).size).toBe(10);
    expect(dist.summary.sharpeRatio.upper).toBeGreaterThan(dist.summary.sharpeRatio.lower);
  });

  it.each([
    [{ runs: 0 }, /^options\.runs must be an integer >= 1, got 0$/],
    [{ runs: 2, seed: 1.5 }, /^options\.seed must be a safe integer >= 0, got 1\.5$/],
    [{ runs: 2, strategy: [] }, /^options\.strategy is not a known option/],
    [{ runs: 2, account: { fees: 1 } }, /^account\.fees is not a known option/],
    [{ runs: 2, changeProbability: 2 }, /^options\.changeProbability must be a number in \(0, 1\], got 2$/],
  ])('refuses %j', (extra, message) => {
    expect(() => randomSignalDistribution({ data, ...(extra as { runs: number }) })).toThrow(message);
  });
});

describe('dcaStrategy', () => {
  const close = [100, 80, 125, 50, 100, 200, 100, 100, 100, 100];
  const data = fromCloses(close);

  // Filled at the close with no costs, each purchase buys `amount` of notional:
  // bars 0, 3, 6 at prices 100, 50, 100 with 2,000 each: 20 + 40 + 20 units, 6,000 spent.
  it('buys `amount` of notional every `every` bars (execution at the close, no costs)', () => {
    const r = backtest({ data, strategy: dcaStrategy({ amount: 2000, every: 3 }), execution: 'close' });
    // positions[k] is the holding at close k, after the fills at closes up to k - 1; the
    // purchase due at bar 9, the last, is never made (no bar after it to hold)
    const units = [20, 20, 20, 60, 60, 60, 80, 80, 80];
    for (let k = 1; k < r.positions.length; k++) expect(r.positions[k]).toBeCloseTo(units[k - 1]!, 9);
    // equity at the end: 80 units at 100 plus 10,000 - 6,000 cash
    expect(r.equity[9]).toBeCloseTo(8000 + 4000, 9);
  });

  // 6,000 every 2 bars: 6,000 at bar 0 (60 units at 100), then at bar 2 (price 125, equity
  // 4,000 + 60 * 125 = 11,500) the target 7,500 / 11,500 + 6,000 / 11,500 > 1 is capped at 1:
  // the remaining 4,000 buys 32 units, and later purchases find no cash.
  it('stops at maxFraction when the cash runs out', () => {
    const r = backtest({ data, strategy: dcaStrategy({ amount: 6000, every: 2 }), execution: 'close' });
    expect(r.positions[1]).toBeCloseTo(60, 9);
    expect(r.positions[3]).toBeCloseTo(92, 9);
    for (let k = 4; k < r.positions.length; k++) expect(r.positions[k]).toBeCloseTo(92, 9);
  });

  it('starts at offset and holds (NaN) between purchases', () => {
    const f = dcaStrategy({ amount: 100, every: 4, offset: 2 });
    const at = (index: number) => f({ index, data, position: 0, equity: 1000 });
    expect([0, 1, 2, 3, 6, 10].map(at)).toEqual([NaN, NaN, 0.1, NaN, 0.1, 0.1]);
  });

  it('never sells: the position only grows', () => {
    const { data: d } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 2000, seed: 6 });
    const r = backtest({ data: d, strategy: dcaStrategy({ amount: 300, every: 96 }), account: { fee: 10 } });
    for (let k = 1; k < r.positions.length; k++) expect(r.positions[k]).toBeGreaterThanOrEqual(r.positions[k - 1]!);
    expect(r.trades).toHaveLength(0);
  });

  it.each([
    [{ amount: 0, every: 1 }, /^options\.amount must be a finite number > 0, got 0$/],
    [{ amount: Infinity, every: 1 }, /^options\.amount must be a finite number > 0, got Infinity$/],
    [{ amount: 10, every: 0 }, /^options\.every must be an integer >= 1, got 0$/],
    [{ amount: 10, every: 1, offset: -1 }, /^options\.offset must be an integer >= 0, got -1$/],
    [{ amount: 10, every: 1, maxFraction: 2 }, /^options\.maxFraction must be a number in \(0, 1\], got 2$/],
    [{ amount: 10, every: 1, budget: 5 }, /^options\.budget is not a known option/],
  ])('refuses %j', (options, message) => {
    expect(() => dcaStrategy(options as never)).toThrow(message);
  });
});

describe('regimeOracleSignal', () => {
  const generator = RegimeGenerator.preset('crypto-15m');
  const market = generator.generate({ numSamples: 3000, seed: 8 });
  const drift = generator.config.regimes.map((r) => r.drift);

  // The position for bar t + 1 from that bar's regime: the oracle knows the label of the bar it holds.
  it.each([
    ['long-flat', (d: number) => (d > 0 ? 1 : 0)],
    ['long-short', (d: number) => Math.sign(d)],
  ] as const)('takes the side of the next bar regime drift (%s)', (mode, side) => {
    const s = regimeOracleSignal(market, generator.config, { mode });
    const n = s.length;
    for (let t = 0; t < n; t++) expect(s[t]).toBe(side(drift[market.regimes[Math.min(t + 1, n - 1)]!]!) + 0);
  });

  it('counts a drift within minDrift as flat', () => {
    // crypto-15m: uptrend 0.00015, downtrend -0.0002; minDrift 0.00018 leaves only downtrend
    const s = regimeOracleSignal(market, generator.config, { mode: 'long-short', minDrift: 0.00018 });
    expect(new Set(s)).toEqual(new Set([0, -1]));
  });

  it('refuses a market from another config, labels that do not fit, and bad options', () => {
    const other = RegimeGenerator.preset('crypto-15m-structured').config;
    expect(() => regimeOracleSignal(market, other)).toThrow(/^market\.regimeNames must be the config's regime names \(uptrend, downtrend\), got \["uptrend","downtrend","ranging"/);
    const cut: GeneratedMarket = { ...market, regimes: market.regimes.subarray(1) };
    expect(() => regimeOracleSignal(cut, generator.config)).toThrow(/^market\.regimes must be a Uint8Array of 3000 labels \(one per bar\)/);
    const wild: GeneratedMarket = { ...market, regimes: new Uint8Array(3000).fill(9) };
    expect(() => regimeOracleSignal(wild, generator.config)).toThrow(/^market\.regimes\[1\] must be a regime index < 5, got 9$/);
    expect(() => regimeOracleSignal(market, generator.config, { minDrift: -1 })).toThrow(/^options\.minDrift must be a finite number >= 0, got -1$/);
    expect(() => regimeOracleSignal(market, generator.config, { short: true } as never)).toThrow(/^options\.short is not a known option/);
  });
});

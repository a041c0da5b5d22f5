import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, tradeStats, type Trade, type TradeStats } from '../../src/index.js';

const N = Number.NaN;

/** A closed trade with the fields tradeStats reads; the rest fixed. */
const trade = (pnl: number, o: { size?: number; entryPrice?: number; duration?: number; side?: 1 | -1 } = {}): Trade => {
  const size = o.size ?? 1;
  const entryPrice = o.entryPrice ?? 100;
  const side = o.side ?? 1;
  const duration = o.duration ?? 1;
  return { asset: 0, side, entryIndex: 0, exitIndex: duration, entryPrice, exitPrice: entryPrice + (side * pnl) / size, size, pnl, fees: 0, borrow: 0, duration };
};

/**
 * A reference written from backtesting.py's `backtesting/_stats.py` (kernc/backtesting.py,
 * `compute_stats` and `geometric_mean`), with pandas' semantics spelt out: the mean, max and
 * min of an empty Series are NaN, `std` has ddof 1 (NaN for one value), and Python's
 * `x or np.nan` turns only 0 into NaN.
 */
function reference(trades: readonly Trade[]): Record<string, number> {
  const pl = trades.map((t) => t.pnl);
  const returns = trades.map((t) => t.pnl / (t.size * t.entryPrice)); // `ReturnPct`
  const durations = trades.map((t) => t.duration);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const mean = (xs: number[]) => (xs.length === 0 ? N : sum(xs) / xs.length);
  const std = (xs: number[]) => (xs.length < 2 ? N : Math.sqrt(sum(xs.map((x) => (x - mean(xs)) ** 2)) / (xs.length - 1)));
  const max = (xs: number[]) => (xs.length === 0 ? N : Math.max(...xs));
  const min = (xs: number[]) => (xs.length === 0 ? N : Math.min(...xs));
  const orNaN = (x: number) => (x === 0 ? N : x);
  // def geometric_mean(returns): returns = returns.fillna(0) + 1
  //   if np.any(returns <= 0): return 0
  //   return np.exp(np.log(returns).sum() / (len(returns) or np.nan)) - 1
  const geometricMean = (rs: number[]) => {
    const g = rs.map((r) => r + 1);
    if (g.some((x) => x <= 0)) return 0;
    return Math.exp(sum(g.map(Math.log)) / orNaN(g.length)) - 1;
  };
  const n = trades.length;
  const winRate = n === 0 ? N : pl.filter((p) => p > 0).length / n; // (pl > 0).mean()
  return {
    trades: n,
    winRate,
    bestTrade: max(returns),
    worstTrade: min(returns),
    avgTrade: geometricMean(returns),
    maxTradeDuration: max(durations),
    avgTradeDuration: mean(durations),
    profitFactor: sum(returns.filter((r) => r > 0)) / orNaN(Math.abs(sum(returns.filter((r) => r < 0)))),
    expectancy: mean(returns),
    sqn: (Math.sqrt(n) * mean(pl)) / orNaN(std(pl)),
    kellyCriterion: winRate - (1 - winRate) / (mean(pl.filter((p) => p > 0)) / -mean(pl.filter((p) => p < 0))),
  };
}

const same = (actual: number, expected: number, label?: string) => {
  if (Number.isNaN(expected)) expect(actual, label).toBeNaN();
  else expect(actual, label).toBeCloseTo(expected, 12);
};

const equity = [100, 101, 102];
const flat = [0, 0, 0];
const stats = (trades: readonly Trade[]): TradeStats => tradeStats(trades, equity, flat, equity);

describe('tradeStats: edge cases as backtesting.py compute_stats', () => {
  const cases: [string, Trade[]][] = [
    ['no trades', []],
    ['one win', [trade(10)]],
    ['one loss', [trade(-10)]],
    ['all wins', [trade(10), trade(5, { size: 2, duration: 3 }), trade(1, { entryPrice: 50 })]],
    ['all losses', [trade(-10), trade(-5, { duration: 4 }), trade(-20, { size: 4, entryPrice: 25 })]],
    ['zero-PnL trades only', [trade(0), trade(0, { duration: 2 })]],
    ['a zero-PnL trade among wins and losses', [trade(10), trade(0), trade(-5, { duration: 5 })]],
    ['a mix', [trade(10), trade(-4, { size: 2 }), trade(30, { entryPrice: 200, duration: 6 }), trade(-1), trade(2, { size: 0.5 })]],
    ['a short losing 150%', [trade(20), trade(-150, { side: -1 })]],
    ['a trade losing exactly 100%', [trade(5), trade(-100)]],
  ];
  it.each(cases)('%s', (_name, trades) => {
    const got = stats(trades);
    const want = reference(trades);
    for (const [k, v] of Object.entries(want)) same(got[k as keyof TradeStats], v, k);
  });

  // backtesting.py: `geometric_mean` returns 0 when any `1 + return <= 0` (the log is undefined);
  // the old code took log1p(-1.5) = NaN, so Avg. Trade was NaN (and -1 for a loss of exactly 100%)
  it('avgTrade is 0 when a short loses more than 100%, as backtesting.py geometric_mean', () => {
    // short 1 unit at 100, covered at 250: PnL -150, return -150 / 100 = -1.5
    expect(stats([trade(20), trade(-150, { side: -1 })]).avgTrade).toBe(0);
    expect(stats([trade(5), trade(-100)]).avgTrade).toBe(0);
  });

  it('avgTrade by hand: returns 0.1 and -0.05 give sqrt(1.1 * 0.95) - 1', () => {
    same(stats([trade(10), trade(-5)]).avgTrade, Math.sqrt(1.1 * 0.95) - 1);
  });

  it('a mix by hand: win rate 3/5, profit factor, SQN, Kelly', () => {
    // returns: 0.1, -0.02, 0.15, -0.01, 0.04; PnL: 10, -4, 30, -1, 2
    const s = stats([trade(10), trade(-4, { size: 2 }), trade(30, { entryPrice: 200, duration: 6 }), trade(-1), trade(2, { size: 0.5 })]);
    same(s.winRate, 3 / 5);
    same(s.profitFactor, 0.29 / 0.03);
    same(s.expectancy, 0.26 / 5);
    // PnL mean 37 / 5 = 7.4; squared deviations 6.76 + 129.96 + 510.76 + 70.56 + 29.16 = 747.2; std sqrt(747.2 / 4)
    same(s.sqn, (Math.sqrt(5) * 7.4) / Math.sqrt(747.2 / 4));
    // mean win 42 / 3 = 14, mean loss 5 / 2 = 2.5: 0.6 - 0.4 / 5.6
    same(s.kellyCriterion, 0.6 - 0.4 / 5.6);
    expect([s.maxTradeDuration, s.avgTradeDuration]).toEqual([6, 10 / 5]);
  });
});

describe('tradeStats: one check of every argument', () => {
  const ok = [100, 110, 120];
  const bad: [string, () => unknown, RegExp][] = [
    // the review's reproductions
    ['positions shorter than equity', () => tradeStats([], ok, [0], [100]), /positions must be a series of 3 values \(aligned with equity\), got 1 values/],
    ['trades a string', () => tradeStats('abc' as never, ok, [0, 0, 0], ok), /trades must be an array of trades, got "abc"/],
    ['benchmarkEquity longer than equity', () => tradeStats([], ok, [0, 0, 0], [100, 1, 2, 3]), /benchmarkEquity must be a series of 3 values \(aligned with equity\), got 4 values/],
    ['a trade that is null', () => tradeStats([null] as never, ok, [0, 0, 0], ok), /trades\[0\] must be a plain object, got null/],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in trades', () => tradeStats([trade(1), , trade(2)] as never, ok, [0, 0, 0], ok), /trades\[1\] must be a plain object, got undefined/],
    ['a NaN pnl', () => tradeStats([trade(N)], ok, [0, 0, 0], ok), /trades\[0\]\.pnl must be a finite number, got NaN/],
    ['a zero size', () => tradeStats([trade(1), trade(1, { size: 0 })], ok, [0, 0, 0], ok), /trades\[1\]\.size must be a finite number > 0, got 0/],
    ['a negative entry price', () => tradeStats([trade(1, { entryPrice: -5 })], ok, [0, 0, 0], ok), /trades\[0\]\.entryPrice must be a finite number > 0, got -5/],
    ['a fractional duration', () => tradeStats([trade(1, { duration: 1.5 })], ok, [0, 0, 0], ok), /trades\[0\]\.duration must be an integer >= 0, got 1\.5/],
    ['equity a string', () => tradeStats([], 'abc' as never, [0, 0, 0], ok), /equity must be an array or typed array of numbers, got "abc"/],
    ['a NaN in equity', () => tradeStats([], [100, N, 120], [0, 0, 0], ok), /equity\[1\] must be a finite number, got NaN/],
    ['Infinity in positions', () => tradeStats([], ok, [0, Infinity, 0], ok), /positions\[1\] must be a finite number, got Infinity/],
    ['a string in benchmarkEquity', () => tradeStats([], ok, [0, 0, 0], [100, '1' as never, 2]), /benchmarkEquity\[1\] must be a finite number, got "1"/],
    ['empty equity', () => tradeStats([], [], [], []), /equity must be a series of at least 1 value, got \[\]/],
    ['a first equity of 0', () => tradeStats([], [0, 1, 2], [0, 0, 0], ok), /equity\[0\] must be a finite number > 0, got 0/],
    ['a first benchmark of -1', () => tradeStats([], ok, [0, 0, 0], [-1, 1, 2]), /benchmarkEquity\[0\] must be a finite number > 0, got -1/],
  ];
  it.each(bad)('refuses %s, naming the argument', (_what, f, re) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(re);
  });

  it('takes typed arrays', () => {
    const s = tradeStats([trade(10)], new Float64Array(ok), new Float32Array([1, 1, 0]), new Float64Array(ok));
    same(s.return, 0.2);
    same(s.exposureTime, 2 / 3);
  });
});

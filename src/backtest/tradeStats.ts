import { fail, requireFinite, requireInt, requireRecord } from '../core/checks.js';
import type { Trade } from '../envs/trading/Account.js';
import { nanmean, nanstd } from './nan.js';
import { requireFiniteSeries, requireLength } from './series.js';

/** Trade statistics as backtesting.py reports them (percentages as fractions; durations in bars). */
export interface TradeStats {
  /** Fraction of bars with a position. */
  readonly exposureTime: number;
  /** Closed trades. */
  readonly trades: number;
  /** Fraction of trades with PnL > 0 (NaN without trades; a zero-PnL trade is not a win). */
  readonly winRate: number;
  /** Best trade return (PnL over entry value); NaN without trades. */
  readonly bestTrade: number;
  /** Worst trade return; NaN without trades. */
  readonly worstTrade: number;
  /**
   * Geometric mean trade return, as backtesting.py's `Avg. Trade`: 0 when a trade lost 100% or
   * more (a short can), NaN without trades.
   */
  readonly avgTrade: number;
  /** Longest trade, in bars; NaN without trades. */
  readonly maxTradeDuration: number;
  /** Mean trade length, in bars; NaN without trades. */
  readonly avgTradeDuration: number;
  /** Sum of winning trade returns over |sum of losing ones|: NaN without losses, 0 without wins. */
  readonly profitFactor: number;
  /** Mean trade return; NaN without trades. */
  readonly expectancy: number;
  /** System Quality Number: sqrt(n) * mean(PnL) / std(PnL, ddof 1); NaN for fewer than 2 trades or a std of 0. */
  readonly sqn: number;
  /** Kelly criterion: W - (1 - W) / (mean win / mean loss), PnL-based; NaN without a win or without a loss. */
  readonly kellyCriterion: number;
  /**
   * Longest drawdown (peak to recovery, or to the end), in bars; 0 without a drawdown (where
   * backtesting.py's empty table gives NaN), and a drawdown starting on the last bar counts 1
   * (backtesting.py's `compute_drawdown_duration_peaks` drops it).
   */
  readonly maxDrawdownDuration: number;
  /** Mean drawdown duration, in bars; 0 without a drawdown (as above). */
  readonly avgDrawdownDuration: number;
  /** Buy-and-hold's return over the same bars. */
  readonly buyAndHoldReturn: number;
  /** Total return. */
  readonly return: number;
}

/**
 * backtesting.py's geometric mean (`backtesting/_stats.py`, `geometric_mean`): 0 as soon as a
 * return is <= -1 (its `np.any(returns + 1 <= 0)`: the log is undefined there), NaN for none.
 */
function geometricMean(rets: readonly number[]): number {
  if (rets.length === 0) return Number.NaN;
  if (rets.some((r) => r <= -1)) return 0;
  return Math.exp(rets.reduce((a, r) => a + Math.log1p(r), 0) / rets.length) - 1;
}

/** A finite number > 0. */
function requirePositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) fail(name, 'a finite number > 0', value);
  return value;
}

/**
 * The trades, each with the fields the statistics read: a finite `pnl`, a `size` and an
 * `entryPrice` > 0 (a trade's return is its PnL over its entry value, which must be positive),
 * an integer `duration` >= 0.
 */
function requireTrades(value: unknown): readonly Trade[] {
  if (!Array.isArray(value)) fail('trades', 'an array of trades', value);
  for (let i = 0; i < value.length; i++) {
    const t = requireRecord(`trades[${i}]`, value[i]);
    requireFinite(`trades[${i}].pnl`, t.pnl);
    requirePositive(`trades[${i}].size`, t.size);
    requirePositive(`trades[${i}].entryPrice`, t.entryPrice);
    requireInt(`trades[${i}].duration`, t.duration, 0);
  }
  return value as readonly Trade[];
}

/**
 * backtesting.py's trade statistics (`_stats.compute_stats`) from closed trades and an equity
 * curve. A trade's return is its PnL (net of its fees and borrow) over its entry value. Edge
 * cases follow backtesting.py: without trades, every trade statistic but `trades` is NaN; a
 * zero-PnL trade is neither a win nor a loss (it counts in `trades` and in the means).
 * @param trades - closed trades (e.g. an Account's `trades`): each with a finite `pnl`, a `size`
 * and an `entryPrice` > 0 and an integer `duration` >= 0.
 * @param equity - equity at each bar: at least one finite value, the first > 0.
 * @param positions - position at each bar (units), finite, aligned with `equity`.
 * @param benchmarkEquity - buy-and-hold equity at each bar, finite, the first > 0, aligned with `equity`.
 * @returns the statistics.
 * @throws `InvalidArgumentError` naming the argument (and the index or trade field) for a value
 * that is not an array, a value that is not a finite number (NaN included), a bad trade field,
 * an empty `equity`, a first equity or benchmark value <= 0, or series of different lengths.
 * @example
 * ```ts
 * import { tradeStats } from 'tradegym';
 * const t = { asset: 0, side: 1 as const, entryIndex: 0, exitIndex: 2, entryPrice: 100, exitPrice: 110, size: 1, pnl: 10, fees: 0, borrow: 0, duration: 2 };
 * const s = tradeStats([t], [100, 105, 110], [1, 1, 0], [100, 105, 110]);
 * console.log(s.winRate, s.bestTrade); // 1 0.1
 * ```
 */
export function tradeStats(trades: readonly Trade[], equity: ArrayLike<number>, positions: ArrayLike<number>, benchmarkEquity: ArrayLike<number>): TradeStats {
  requireTrades(trades);
  requireFiniteSeries('equity', equity);
  if (equity.length === 0) fail('equity', 'a series of at least 1 value', equity);
  requirePositive('equity[0]', equity[0]);
  requireLength('positions', requireFiniteSeries('positions', positions), equity.length, 'equity');
  requireLength('benchmarkEquity', requireFiniteSeries('benchmarkEquity', benchmarkEquity), equity.length, 'equity');
  requirePositive('benchmarkEquity[0]', benchmarkEquity[0]);
  const n = trades.length;
  const pnl = trades.map((t) => t.pnl);
  const rets = trades.map((t) => t.pnl / (t.size * t.entryPrice));
  let held = 0;
  for (let i = 0; i < positions.length; i++) if (positions[i] !== 0) held++;
  const wins = pnl.filter((p) => p > 0);
  const losses = pnl.filter((p) => p < 0);
  const winRate = n === 0 ? Number.NaN : wins.length / n;
  const posRet = rets.filter((r) => r > 0).reduce((a, b) => a + b, 0);
  const negRet = Math.abs(rets.filter((r) => r < 0).reduce((a, b) => a + b, 0));
  const sd = nanstd(pnl, 1);
  // drawdown periods: from the last peak to the bar equity regains it (or the end)
  const durations: number[] = [];
  let peak = -Infinity;
  let peakAt = 0;
  let inDd = false;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    if (e >= peak) {
      if (inDd) durations.push(i - peakAt);
      inDd = false;
      peak = e;
      peakAt = i;
    } else inDd = true;
  }
  if (inDd) durations.push(equity.length - 1 - peakAt);
  const last = equity.length - 1;
  return {
    exposureTime: held / positions.length,
    trades: n,
    winRate,
    bestTrade: n === 0 ? Number.NaN : rets.reduce((a, b) => Math.max(a, b)),
    worstTrade: n === 0 ? Number.NaN : rets.reduce((a, b) => Math.min(a, b)),
    avgTrade: geometricMean(rets),
    maxTradeDuration: n === 0 ? Number.NaN : trades.reduce((a, t) => Math.max(a, t.duration), 0),
    avgTradeDuration: n === 0 ? Number.NaN : nanmean(trades.map((t) => t.duration)),
    profitFactor: negRet === 0 ? Number.NaN : posRet / negRet,
    expectancy: n === 0 ? Number.NaN : nanmean(rets),
    sqn: sd === 0 || Number.isNaN(sd) ? Number.NaN : (Math.sqrt(n) * nanmean(pnl)) / sd,
    kellyCriterion: wins.length === 0 || losses.length === 0 ? Number.NaN : winRate - (1 - winRate) / (nanmean(wins) / -nanmean(losses)),
    maxDrawdownDuration: durations.reduce((a, d) => Math.max(a, d), 0),
    avgDrawdownDuration: durations.length === 0 ? 0 : nanmean(durations),
    buyAndHoldReturn: (benchmarkEquity[last] as number) / (benchmarkEquity[0] as number) - 1,
    return: (equity[last] as number) / (equity[0] as number) - 1,
  };
}

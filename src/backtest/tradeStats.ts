import type { Trade } from '../envs/trading/Account.js';
import { nanmean, nanstd } from './nan.js';

/** Trade statistics as backtesting.py reports them (percentages as fractions; durations in bars). */
export interface TradeStats {
  /** Fraction of bars with a position. */
  readonly exposureTime: number;
  /** Closed trades. */
  readonly trades: number;
  /** Fraction of trades with PnL > 0 (NaN without trades). */
  readonly winRate: number;
  /** Best trade return (PnL over entry value). */
  readonly bestTrade: number;
  /** Worst trade return. */
  readonly worstTrade: number;
  /** Geometric mean trade return, as backtesting.py's `Avg. Trade`. */
  readonly avgTrade: number;
  /** Longest trade, in bars. */
  readonly maxTradeDuration: number;
  /** Mean trade length, in bars. */
  readonly avgTradeDuration: number;
  /** Sum of winning trade returns over |sum of losing ones| (NaN without losses). */
  readonly profitFactor: number;
  /** Mean trade return. */
  readonly expectancy: number;
  /** System Quality Number: sqrt(n) * mean(PnL) / std(PnL, ddof 1). */
  readonly sqn: number;
  /** Kelly criterion: W - (1 - W) / (mean win / mean loss). */
  readonly kellyCriterion: number;
  /** Longest drawdown (peak to recovery, or to the end), in bars. */
  readonly maxDrawdownDuration: number;
  /** Mean drawdown duration, in bars. */
  readonly avgDrawdownDuration: number;
  /** Buy-and-hold's return over the same bars. */
  readonly buyAndHoldReturn: number;
  /** Total return. */
  readonly return: number;
}

/**
 * backtesting.py's trade statistics (`_stats.compute_stats`) from closed trades and an equity
 * curve. A trade's return is its PnL (net of its fees and borrow) over its entry value.
 * @param trades - closed trades (e.g. an Account's `trades`).
 * @param equity - equity at each bar.
 * @param positions - position at each bar (units).
 * @param benchmarkEquity - buy-and-hold equity at each bar.
 * @returns the statistics.
 * @example
 * ```ts
 * import { tradeStats } from 'tradegym';
 * const t = { asset: 0, side: 1 as const, entryIndex: 0, exitIndex: 2, entryPrice: 100, exitPrice: 110, size: 1, pnl: 10, fees: 0, borrow: 0, duration: 2 };
 * const s = tradeStats([t], [100, 105, 110], [1, 1, 0], [100, 105, 110]);
 * console.log(s.winRate, s.bestTrade); // 1 0.1
 * ```
 */
export function tradeStats(trades: readonly Trade[], equity: ArrayLike<number>, positions: ArrayLike<number>, benchmarkEquity: ArrayLike<number>): TradeStats {
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
  const geo = n === 0 ? Number.NaN : Math.exp(rets.reduce((a, r) => a + Math.log1p(r), 0) / n) - 1;
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
    exposureTime: positions.length === 0 ? Number.NaN : held / positions.length,
    trades: n,
    winRate,
    bestTrade: n === 0 ? Number.NaN : rets.reduce((a, b) => Math.max(a, b)),
    worstTrade: n === 0 ? Number.NaN : rets.reduce((a, b) => Math.min(a, b)),
    avgTrade: geo,
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

import { fail, requireKnownKeys } from '../core/checks.js';
import { MarketData } from './MarketData.js';
import { timeframeToMs } from './timeframe.js';

/** Options of {@link resample}. */
export interface ResampleOptions {
  /**
   * The last bucket when it may still be open: `'drop'` (default) leaves it out, so every bar
   * returned has closed; `'keep'` includes it as far as it goes. See {@link resample} for
   * when the last bucket counts as closed.
   */
  readonly partial?: 'drop' | 'keep';
}

/**
 * Aggregates bars into a longer timeframe: each bucket of `timeframe` (aligned to the UTC
 * epoch, stamped by its open time) takes the first open, highest high, lowest low, last
 * close and summed volume of the bars inside it. Buckets with no bars are absent (a gap).
 *
 * Which buckets have closed: every bucket but the last, since later bars exist. The last
 * bucket has closed when its last bar closes at the bucket's end, or (for data that trades in
 * sessions) when its last bar closes at or after the latest point within a bucket that any
 * earlier bucket's bars reached: three 14:00-20:00 hourly sessions make three daily bars,
 * because the earlier days show that the session ends at 21:00. For 24/7 data that point
 * is the bucket's end, so the last bucket closes only when its last slot is present. A
 * single bucket is judged by its end alone; a last session cut short (an early close) counts
 * as open. With `partial: 'drop'` a bucket judged open is left out.
 *
 * @param data - the bars; `timeframe` must be a whole multiple of theirs.
 * @param timeframe - e.g. `'1h'` from 15-minute bars.
 * @param options - `partial`.
 * @returns the resampled bars.
 * @throws {@link InvalidArgumentError} for an unknown option key, or a timeframe that is not a
 *   multiple of the data's.
 * @example
 * ```ts
 * import { MarketData, resample } from 'tradegym';
 * const m15 = new MarketData({
 *   timeframe: '15m', timestamps: [0, 900e3, 1800e3, 2700e3, 3600e3],
 *   open: [1, 2, 3, 4, 5], high: [2, 3, 4, 5, 6], low: [0.5, 1.5, 2.5, 3.5, 4.5],
 *   close: [2, 3, 4, 5, 6], volume: [1, 1, 1, 1, 1],
 * });
 * const h1 = resample(m15, '1h');  // one closed hour; the 01:00 bucket is still open
 * console.log(h1.length, h1.open[0], h1.high[0], h1.close[0], h1.volume[0]); // 1 1 5 5 4
 * ```
 */
export function resample(data: MarketData, timeframe: string, options: ResampleOptions = {}): MarketData {
  requireKnownKeys('options', options, ['partial']);
  const target = timeframeToMs(timeframe);
  if (target % data.timeframeMs !== 0) fail('timeframe', `a whole multiple of the data's ${data.timeframe}`, timeframe);
  const partial = options.partial ?? 'drop';
  if (partial !== 'drop' && partial !== 'keep') fail('partial', "'drop' or 'keep'", partial);
  const ts: number[] = [];
  const o: number[] = [];
  const h: number[] = [];
  const l: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const n = data.length;
  const sub = data.timeframeMs;
  let reach = 0; // the latest close, measured from its bucket's open, of any bucket before this one
  for (let i = 0; i < n; ) {
    const bucket = Math.floor((data.timestamps[i] as number) / target) * target;
    const end = bucket + target;
    let hi = -Infinity;
    let lo = Infinity;
    let vol = 0;
    const first = i;
    while (i < n && (data.timestamps[i] as number) < end) {
      hi = Math.max(hi, data.high[i] as number);
      lo = Math.min(lo, data.low[i] as number);
      vol += data.volume[i] as number;
      i++;
    }
    const lastClose = (data.timestamps[i - 1] as number) + sub - bucket;
    // closed: the data runs past it, its last slot is present, or it reaches the session's end
    const closed = i < n || lastClose >= target || (reach > 0 && lastClose >= reach);
    if (!closed && partial === 'drop') break;
    if (lastClose > reach) reach = lastClose;
    ts.push(bucket);
    o.push(data.open[first] as number);
    h.push(hi);
    l.push(lo);
    c.push(data.close[i - 1] as number);
    v.push(vol);
  }
  return new MarketData({
    timestamps: ts, open: o, high: h, low: l, close: c, volume: v, symbol: data.symbol, timeframe, allowNonPositivePrices: data.allowNonPositivePrices,
  });
}

/**
 * For each bar of `lower`, the index of the latest bar of `higher` that had closed by the
 * time that lower bar closed, or -1 if none had: the no-look-ahead join of two timeframes.
 * A higher bar opening at T with length H is visible from the lower bar whose close
 * (open + its length) is >= T + H.
 *
 * @param lower - the finer bars (e.g. 15m).
 * @param higher - the coarser bars (e.g. from {@link resample} to 1h).
 * @returns one index per lower bar.
 * @example
 * ```ts
 * import { MarketData, closedBarIndex, resample } from 'tradegym';
 * const m15 = new MarketData({
 *   timeframe: '15m', timestamps: [0, 900e3, 1800e3, 2700e3, 3600e3],
 *   open: [1, 1, 1, 1, 1], high: [1, 1, 1, 1, 1], low: [1, 1, 1, 1, 1], close: [1, 1, 1, 1, 1], volume: [1, 1, 1, 1, 1],
 * });
 * console.log(Array.from(closedBarIndex(m15, resample(m15, '1h')))); // [-1, -1, -1, 0, 0]
 * ```
 */
export function closedBarIndex(lower: MarketData, higher: MarketData): Int32Array {
  const out = new Int32Array(lower.length);
  let j = -1;
  for (let i = 0; i < lower.length; i++) {
    const lowerClose = (lower.timestamps[i] as number) + lower.timeframeMs;
    while (j + 1 < higher.length && (higher.timestamps[j + 1] as number) + higher.timeframeMs <= lowerClose) j++;
    out[i] = j;
  }
  return out;
}

import type { OhlcvBar } from './OhlcvBar.js';
import { fail, requireInt, requireKnownKeys, requireOneOf, show } from '../core/checks.js';
import { DataValidationError, InvalidArgumentError } from '../core/errors.js';
import { lowerBound } from './lowerBound.js';
import { iso, timeframeToMs } from './timeframe.js';

/** The six OHLCV columns. */
export const OHLCV_COLUMNS = ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The name of one OHLCV column. */
export type OhlcvColumn = (typeof OHLCV_COLUMNS)[number];

/**
 * What {@link MarketData}'s constructor takes. Arrays are copied into `Float64Array`s; every
 * value of a plain array must be a number (NaN for a missing one): strings, null, booleans and
 * holes are errors, not converted.
 */
export interface MarketDataInit {
  /** Bar-open times, ms since the epoch, UTC; strictly increasing. */
  readonly timestamps: ArrayLike<number>;
  /** Open prices. */
  readonly open: ArrayLike<number>;
  /** High prices. */
  readonly high: ArrayLike<number>;
  /** Low prices. */
  readonly low: ArrayLike<number>;
  /** Close prices. */
  readonly close: ArrayLike<number>;
  /** Volumes, >= 0. */
  readonly volume: ArrayLike<number>;
  /** The instrument, e.g. `'BTC/USDT'` (default `''`). */
  readonly symbol?: string;
  /** The bar length, e.g. `'15m'`: every timestamp step must be a whole number of bars. */
  readonly timeframe: string;
  /**
   * What to do with bad rows. Omitted (the default), any bad row throws. `'drop'` removes
   * every bad row; `'forward-fill'` replaces non-finite prices with the previous close and
   * non-finite volume with 0, and throws for the faults a fill cannot mend. What was
   * changed is in {@link MarketData.repairs}.
   */
  readonly repair?: 'drop' | 'forward-fill';
  /**
   * Accept prices that are zero or negative (default false: every open, high, low and close
   * must be > 0). Some instruments do trade at or below zero (spreads, power, the May 2020
   * WTI future); set this to hold their bars. The other rules still apply (finite values,
   * high >= max(open, close), low <= min(open, close)). Anything that divides by a price or
   * takes its log (returns, log-return features, fees and position sizes in percent of
   * notional) has no meaning at a price <= 0: such data is for storage, resampling and
   * custom analysis, and the flag travels with it ({@link MarketData.allowNonPositivePrices})
   * so that consumers can refuse it.
   */
  readonly allowNonPositivePrices?: boolean;
}

/** The keys {@link MarketData}'s constructor accepts. */
const INIT_KEYS = ['timestamps', 'open', 'high', 'low', 'close', 'volume', 'symbol', 'timeframe', 'repair', 'allowNonPositivePrices'] as const;

const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;

/** What a repair changed: original row indices. */
export interface RepairReport {
  /** Rows removed by `repair: 'drop'`. */
  readonly dropped: readonly number[];
  /** Rows with values filled by `repair: 'forward-fill'`. */
  readonly filled: readonly number[];
}

/** A run of missing bars between two present ones. */
export interface Gap {
  /** The open time of the first missing bar. */
  readonly start: number;
  /** The open time of the bar after the gap (the next present bar). */
  readonly end: number;
  /** How many bars are missing. */
  readonly missingBars: number;
}

const MAX_LISTED = 5;

interface Columns {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** The columns as the row checks read them. */
type ColumnsView = Readonly<Record<keyof Columns, ArrayLike<number>>>;

/**
 * What is wrong with one bar arriving after a bar opened at `prevTs` (NaN for the first), by
 * the very rules a MarketData row is checked with; undefined when nothing is. For streams of
 * bars (live features, feeds), which cannot build a MarketData per bar. @internal
 */
export function barFault(bar: OhlcvBar, prevTs: number, tfMs: number, allowNonPositivePrices = false): string | undefined {
  if (rowOk(bar.open, bar.high, bar.low, bar.close, bar.volume, bar.timestamp, prevTs, tfMs, allowNonPositivePrices)) return undefined;
  // the message, built only for a bad bar
  const c: ColumnsView = { timestamps: [bar.timestamp], open: [bar.open], high: [bar.high], low: [bar.low], close: [bar.close], volume: [bar.volume] };
  return rowFault(c, 0, prevTs, tfMs, allowNonPositivePrices);
}

/**
 * Whether a row (its open, high, low, close, volume and timestamp) is valid: the fast path of
 * {@link rowFault}, which it must agree with. `x - x === 0` is false for NaN and the
 * infinities; NaN fails every comparison.
 */
function rowOk(o: number, h: number, l: number, cl: number, v: number, ts: number, prevTs: number, tfMs: number, anyPrice: boolean): boolean {
  return (
    o - o === 0 && h - h === 0 && l - l === 0 && cl - cl === 0 && v - v === 0 &&
    h >= o && h >= cl && l <= o && l <= cl && v >= 0 &&
    // low > 0 with the two lines above puts every price above 0
    (anyPrice || l > 0) &&
    Number.isSafeInteger(ts) &&
    (Number.isNaN(prevTs) || (ts > prevTs && (ts - prevTs) % tfMs === 0))
  );
}

/** The first fault of row i, or undefined. `prevTs` is the previous kept row's timestamp. */
function rowFault(c: ColumnsView, i: number, prevTs: number, tfMs: number, anyPrice: boolean): string | undefined {
  for (const k of OHLCV_COLUMNS) {
    const v = c[k][i] as number;
    if (!Number.isFinite(v)) return `${k} must be finite, got ${v}`;
  }
  if (!anyPrice) {
    // every price column at fault is named: a negative close usually comes with a negative low
    const bad = PRICE_COLUMNS.filter((k) => !((c[k][i] as number) > 0));
    if (bad.length > 0) return bad.map((k) => `${k} must be > 0, got ${Object.is(c[k][i], -0) ? '-0' : c[k][i]}`).join('; ');
  }
  const o = c.open[i] as number;
  const h = c.high[i] as number;
  const l = c.low[i] as number;
  const cl = c.close[i] as number;
  if (h < l) return `high ${h} < low ${l}`;
  if (h < Math.max(o, cl)) return `high ${h} < max(open ${o}, close ${cl})`;
  if (l > Math.min(o, cl)) return `low ${l} > min(open ${o}, close ${cl})`;
  if ((c.volume[i] as number) < 0) return `volume must be >= 0, got ${c.volume[i]}`;
  const ts = c.timestamps[i] as number;
  if (!Number.isSafeInteger(ts)) return `timestamp must be an integer number of ms, got ${ts}`;
  if (!Number.isNaN(prevTs)) {
    if (ts === prevTs) return `duplicate timestamp ${iso(ts)}`;
    if (ts < prevTs) return `timestamp ${iso(ts)} is before the previous row's ${iso(prevTs)} (unsorted)`;
    if ((ts - prevTs) % tfMs !== 0) {
      // a step that is a whole number of bars once multiplied by 1000 is a step in seconds
      const seconds = ts - prevTs < tfMs && ((ts - prevTs) * 1000) % tfMs === 0 ? '; the timestamps look like epoch seconds: MarketData takes ms, multiply them by 1000' : ': mixed timeframes';
      return `timestamp ${iso(ts)} is ${ts - prevTs} ms after the previous row, not a multiple of the timeframe (${tfMs} ms)${seconds}`;
    }
  }
  return undefined;
}

function toColumns(init: MarketDataInit): Columns {
  const n = init.timestamps?.length;
  if (typeof n !== 'number') fail('timestamps', 'an array of numbers', init.timestamps);
  const out = {} as Columns;
  for (const k of OHLCV_COLUMNS) {
    const col = init[k];
    if (col === null || typeof col !== 'object' || typeof col.length !== 'number') fail(k, 'an array of numbers', col);
    if (col.length !== n) fail(`${k}.length`, `${n} (the length of timestamps)`, col.length);
    out[k] = copyNumbers(k, col);
  }
  return out;
}

/**
 * A column copied into a Float64Array. A numeric typed array holds numbers already; any other
 * array must hold only numbers (NaN included, for the validator or a repair to handle): a
 * string, null, boolean or hole is an error, never converted (`Float64Array.from` would read
 * null as 0, `'2'` as 2 and `true` as 1).
 * @throws {@link DataValidationError} naming the column, the row and the value.
 */
function copyNumbers(column: OhlcvColumn, col: ArrayLike<unknown>): Float64Array {
  if (col instanceof Float64Array) return col.slice();
  if (ArrayBuffer.isView(col) && !(col instanceof BigInt64Array || col instanceof BigUint64Array)) return Float64Array.from(col as ArrayLike<number>);
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (typeof v !== 'number') throw new DataValidationError(`${column}[${i}] must be a number, got ${show(v)}`);
    out[i] = v;
  }
  return out;
}

function select(c: Columns, keep: Uint8Array, count: number): Columns {
  const out = {} as Columns;
  for (const k of OHLCV_COLUMNS) {
    const src = c[k];
    const dst = new Float64Array(count);
    let j = 0;
    for (let i = 0; i < src.length; i++) if (keep[i] === 1) dst[j++] = src[i] as number;
    out[k] = dst;
  }
  return out;
}

/**
 * Columnar OHLCV bars of one symbol and timeframe: `timestamps` (bar-open times, ms UTC),
 * `open`, `high`, `low`, `close`, `volume`, each a `Float64Array`. Construction validates
 * every row (finite values; prices > 0 unless `allowNonPositivePrices`; high >= max(open,
 * close); low <= min(open, close); volume >= 0; strictly increasing integer timestamps in ms
 * whose steps are whole bars of the timeframe) and throws {@link DataValidationError}
 * listing the first offending rows. Every reader (CSV, danfo.js, ccxt, the generator,
 * `resample`, `concat`) builds its bars through this constructor, so all share these rules.
 * Nothing is repaired unless asked (`repair`). `slice` shares memory: no copy.
 *
 * @example
 * ```ts
 * import { MarketData } from 'tradegym';
 * const data = new MarketData({
 *   symbol: 'BTC/USDT', timeframe: '1h',
 *   timestamps: [0, 3_600_000, 7_200_000],
 *   open: [100, 101, 102], high: [102, 103, 104], low: [99, 100, 101],
 *   close: [101, 102, 103], volume: [5, 6, 7],
 * });
 * const lastTwo = data.slice(1);       // a view, no copy
 * console.log(lastTwo.length, lastTwo.close[0]); // 2 102
 * ```
 */
export class MarketData {
  /** Bar-open times, ms UTC, strictly increasing. */
  readonly timestamps: Float64Array;
  /** Open prices. */
  readonly open: Float64Array;
  /** High prices. */
  readonly high: Float64Array;
  /** Low prices. */
  readonly low: Float64Array;
  /** Close prices. */
  readonly close: Float64Array;
  /** Volumes. */
  readonly volume: Float64Array;
  /** The instrument. */
  readonly symbol: string;
  /** The bar length, e.g. `'15m'`. */
  readonly timeframe: string;
  /** The bar length in ms. */
  readonly timeframeMs: number;
  /** What a repair changed (empty lists when nothing was repaired). */
  readonly repairs: RepairReport;
  /**
   * Whether prices <= 0 were allowed at construction (see
   * {@link MarketDataInit.allowNonPositivePrices}); false means every price is > 0.
   */
  readonly allowNonPositivePrices: boolean;

  /**
   * @param init - the columns, symbol, timeframe, optional repair mode and
   *   `allowNonPositivePrices`.
   * @throws {@link InvalidArgumentError} for an unknown key, columns of unequal length, a bad
   *   timeframe, repair mode or flag.
   * @throws {@link DataValidationError} for a column value that is not a number (e.g.
   *   `volume[0] must be a number, got null`), or listing the first offending rows (index,
   *   time and fault, e.g. `row 3 (2024-01-01T03:00:00.000Z): open must be > 0, got 0`).
   */
  constructor(init: MarketDataInit) {
    requireKnownKeys('init', init, INIT_KEYS);
    const tfMs = timeframeToMs(init.timeframe);
    const symbol = init.symbol ?? '';
    if (typeof symbol !== 'string') fail('symbol', 'a string', symbol);
    const repair = init.repair === undefined ? undefined : requireOneOf('repair', init.repair, ['drop', 'forward-fill']);
    const anyPrice = init.allowNonPositivePrices ?? false;
    if (typeof anyPrice !== 'boolean') fail('allowNonPositivePrices', 'a boolean', anyPrice);
    let c = toColumns(init);
    const n = c.timestamps.length;
    const dropped: number[] = [];
    const filled: number[] = [];

    if (repair === 'forward-fill') {
      for (let i = 0; i < n; i++) {
        let touched = false;
        const prevClose = i > 0 ? (c.close[i - 1] as number) : Number.NaN;
        for (const k of ['open', 'high', 'low', 'close'] as const) {
          if (!Number.isFinite(c[k][i]) && Number.isFinite(prevClose)) {
            c[k][i] = prevClose;
            touched = true;
          }
        }
        if (!Number.isFinite(c.volume[i])) {
          c.volume[i] = 0;
          touched = true;
        }
        if (touched) {
          // a filled bar must still be a bar: widen high/low over the filled prices
          c.high[i] = Math.max(c.high[i] as number, c.open[i] as number, c.close[i] as number);
          c.low[i] = Math.min(c.low[i] as number, c.open[i] as number, c.close[i] as number);
          filled.push(i);
        }
      }
    }

    const faults: string[] = [];
    let faultCount = 0;
    let priceFault = false;
    const keep = repair === 'drop' ? new Uint8Array(n) : undefined;
    let prevTs = Number.NaN;
    for (let i = 0; i < n; i++) {
      const ok = rowOk(c.open[i] as number, c.high[i] as number, c.low[i] as number, c.close[i] as number, c.volume[i] as number, c.timestamps[i] as number, prevTs, tfMs, anyPrice);
      const fault = ok ? undefined : rowFault(c, i, prevTs, tfMs, anyPrice);
      if (fault === undefined) {
        if (keep !== undefined) keep[i] = 1;
        prevTs = c.timestamps[i] as number;
        continue;
      }
      if (keep !== undefined) {
        dropped.push(i);
        continue;
      }
      faultCount++;
      if (fault.includes('must be > 0')) priceFault = true;
      if (faults.length < MAX_LISTED) faults.push(`row ${i} (${iso(c.timestamps[i] as number)}): ${fault}`);
      prevTs = c.timestamps[i] as number;
    }
    if (faultCount > 0) {
      const more = faultCount > faults.length ? `\n  ... and ${faultCount - faults.length} more` : '';
      const hint = repair === 'forward-fill' ? ' (forward-fill mends only non-finite values; use repair: "drop" for the rest)' : '';
      const prices = priceFault ? '\n  prices must be > 0: pass allowNonPositivePrices: true only for an instrument that trades at or below zero' : '';
      throw new DataValidationError(
        `${symbol || 'market data'} (${init.timeframe}) has ${faultCount} invalid row(s)${hint}:\n  ${faults.join('\n  ')}${more}${prices}`,
      );
    }
    if (keep !== undefined && dropped.length > 0) c = select(c, keep, n - dropped.length);

    this.timestamps = c.timestamps;
    this.open = c.open;
    this.high = c.high;
    this.low = c.low;
    this.close = c.close;
    this.volume = c.volume;
    this.symbol = symbol;
    this.timeframe = init.timeframe;
    this.timeframeMs = tfMs;
    this.repairs = Object.freeze({ dropped: Object.freeze(dropped), filled: Object.freeze(filled) });
    this.allowNonPositivePrices = anyPrice;
  }

  /** The number of bars. */
  get length(): number {
    return this.timestamps.length;
  }

  /**
   * Bars `[start, end)` as a view sharing this data's memory (no copy, no re-validation:
   * a slice of valid data is valid). Negative indices count from the end, as `Array.slice`.
   * @param start - the first bar (default 0).
   * @param end - one past the last bar (default `length`).
   * @returns a new MarketData over the same buffers.
   */
  slice(start = 0, end = this.length): MarketData {
    const n = this.length;
    requireInt('start', start);
    requireInt('end', end);
    const s = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
    const e = end < 0 ? Math.max(0, n + end) : Math.min(end, n);
    const view = Object.create(MarketData.prototype) as { -readonly [K in keyof MarketData]: MarketData[K] };
    for (const k of OHLCV_COLUMNS) view[k] = this[k].subarray(s, Math.max(s, e));
    view.symbol = this.symbol;
    view.timeframe = this.timeframe;
    view.timeframeMs = this.timeframeMs;
    view.repairs = this.repairs;
    view.allowNonPositivePrices = this.allowNonPositivePrices;
    return view as MarketData;
  }

  /**
   * The index of the first bar whose open time is >= `time` (binary search).
   * @param time - ms UTC.
   * @returns an index in `[0, length]`.
   */
  lowerBound(time: number): number {
    return lowerBound(this.timestamps, time);
  }

  /**
   * Bars whose open time lies in `[start, end)`, as a view.
   * @param start - ms UTC, inclusive.
   * @param end - ms UTC, exclusive (default: after the last bar).
   * @returns a view sharing memory.
   */
  sliceByTime(start: number, end = Infinity): MarketData {
    return this.slice(this.lowerBound(start), end === Infinity ? this.length : this.lowerBound(end));
  }

  /**
   * The runs of missing bars: places where consecutive timestamps are more than one
   * timeframe apart.
   * @returns one {@link Gap} per run, in time order.
   */
  gaps(): Gap[] {
    const out: Gap[] = [];
    const ts = this.timestamps;
    for (let i = 1; i < ts.length; i++) {
      const step = (ts[i] as number) - (ts[i - 1] as number);
      if (step > this.timeframeMs) {
        out.push({ start: (ts[i - 1] as number) + this.timeframeMs, end: ts[i] as number, missingBars: step / this.timeframeMs - 1 });
      }
    }
    return out;
  }

  /**
   * One column by name.
   * @param name - `'timestamps'`, `'open'`, `'high'`, `'low'`, `'close'` or `'volume'`.
   * @returns the column (shared, not a copy).
   * @throws {@link InvalidArgumentError} for another name.
   */
  column(name: OhlcvColumn): Float64Array {
    if (!(OHLCV_COLUMNS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`name must be one of ${OHLCV_COLUMNS.join(', ')}, got ${show(name)}`);
    }
    return this[name];
  }

  /**
   * Joins bars of the same symbol and timeframe in time order, e.g. stored history and a
   * fresh download; rows must not overlap.
   * @param parts - MarketData to join.
   * @returns a new, validated MarketData.
   * @throws {@link InvalidArgumentError} if `parts` is empty or mixes symbols or timeframes.
   * @throws {@link DataValidationError} if the joined timestamps are not strictly increasing.
   */
  static concat(parts: readonly MarketData[]): MarketData {
    if (!Array.isArray(parts) || parts.length === 0) fail('parts', 'a non-empty array of MarketData', parts);
    const first = parts[0] as MarketData;
    for (const [i, p] of parts.entries()) {
      if (p.timeframe !== first.timeframe || p.symbol !== first.symbol) {
        fail(`parts[${i}]`, `of symbol ${JSON.stringify(first.symbol)} and timeframe ${first.timeframe}`, `${p.symbol} ${p.timeframe}`);
      }
    }
    const n = parts.reduce((a, p) => a + p.length, 0);
    const cols = {} as Record<OhlcvColumn, Float64Array>;
    for (const k of OHLCV_COLUMNS) {
      const out = new Float64Array(n);
      let off = 0;
      for (const p of parts) {
        out.set(p[k], off);
        off += p.length;
      }
      cols[k] = out;
    }
    const allowNonPositivePrices = parts.some((p) => p.allowNonPositivePrices);
    return new MarketData({ ...cols, symbol: first.symbol, timeframe: first.timeframe, allowNonPositivePrices });
  }
}

/**
 * tradegym/danfo: MarketData to and from danfo.js DataFrames. Uses only the DataFrame API
 * that danfojs and danfojs-node share, and never imports danfo itself: pass your `dfd`.
 *
 * @packageDocumentation
 */
import { fail, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { checkColumnMap, marketDataFromColumns, parseValue, resolveColumns, TimestampReader, type ColumnMap, type TimestampFormat } from '../market/columns.js';
import type { MarketData, MarketDataInit } from '../market/MarketData.js';

/** The part of a danfo.js Series the adapter reads. */
export interface SeriesLike {
  /** The cells, in row order. */
  readonly values: ArrayLike<unknown>;
}

/** The part of a danfo.js DataFrame the adapter reads. */
export interface DataFrameLike {
  /** The column names. */
  readonly columns: readonly string[];
  /** One column as a Series. */
  column(name: string): SeriesLike;
}

/** danfo's DataFrame constructor, as the adapter calls it. */
export interface DataFrameConstructor<D> {
  /** Builds a frame from named columns. */
  new (data: Record<string, unknown[]>): D;
}

/** The part of the danfo.js module the adapter uses: `import * as dfd from 'danfojs-node'`. */
export interface DanfoLike<D> {
  /** danfo's DataFrame constructor. */
  readonly DataFrame: DataFrameConstructor<D>;
}

/** Options of {@link fromDataFrame}. */
export interface FromDataFrameOptions {
  /** Which column holds each field (matched case-insensitively; defaults as for CSV). */
  readonly columns?: ColumnMap;
  /**
   * How timestamps are held: numbers (`'ms'` or `'s'`), Dates or ISO strings (`'iso'`);
   * default `'auto'`, which reads the unit of plain numbers once for the whole column as
   * `readCsv` does (an error when it is ambiguous).
   */
  readonly timestampFormat?: TimestampFormat;
  /** The symbol to record. */
  readonly symbol?: string;
  /** The timeframe; inferred from the smallest step when omitted. */
  readonly timeframe?: string;
  /** `'drop'` or `'forward-fill'` bad rows instead of throwing. */
  readonly repair?: MarketDataInit['repair'];
  /** Accept prices <= 0 (default false); see `MarketDataInit.allowNonPositivePrices`. */
  readonly allowNonPositivePrices?: boolean;
}

/**
 * Builds validated {@link MarketData} from a danfo.js DataFrame.
 *
 * @param df - a DataFrame with time, open, high, low, close and volume columns.
 * @param options - column mapping, timestamp format, symbol, timeframe, repair.
 * @returns the bars.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option key or a bad option.
 * @throws `DataValidationError` (from `tradegym`) for a missing column (naming it and the
 *   frame's columns), a cell that is not a number or time (naming row and column), numeric
 *   timestamps of ambiguous unit, or invalid rows.
 * @example
 * ```ts
 * import * as dfd from 'danfojs-node';
 * import { fromDataFrame } from 'tradegym/danfo';
 * const df = new dfd.DataFrame({ Date: ['2024-01-01', '2024-01-02'], Open: [1, 2], High: [2, 3], Low: [0.5, 1.5], Close: [1.5, 2.5], Volume: [10, 11] });
 * const data = fromDataFrame(df, { symbol: 'ABC' });
 * console.log(data.timeframe, data.close[1]); // '1d' 2.5
 * ```
 */
export function fromDataFrame(df: DataFrameLike, options: FromDataFrameOptions = {}): MarketData {
  requireKnownKeys('options', options, ['columns', 'timestampFormat', 'symbol', 'timeframe', 'repair', 'allowNonPositivePrices']);
  if (df === null || typeof df !== 'object' || !Array.isArray(df.columns) || typeof df.column !== 'function') {
    fail('df', 'a danfo.js DataFrame', df);
  }
  const format = requireOneOf('timestampFormat', options.timestampFormat ?? 'auto', ['auto', 'ms', 's', 'iso']);
  const idx = resolveColumns(df.columns, checkColumnMap('options.columns', options.columns), 'DataFrame');
  const names = idx.map((i) => df.columns[i] as string);
  const values = names.map((name) => df.column(name).values);
  const n = (values[0] as ArrayLike<unknown>).length;
  const cols = values.map(() => new Float64Array(n));
  const times = new TimestampReader(format, `DataFrame column "${names[0]}"`);
  for (let j = 0; j < 6; j++) {
    const src = values[j] as ArrayLike<unknown>;
    const dst = cols[j] as Float64Array;
    const where = (i: number) => () => `row ${i}, column "${names[j]}"`;
    for (let i = 0; i < n; i++) dst[i] = j === 0 ? times.read(src[i], where(i)()) : parseValue(src[i], where(i));
  }
  times.finish(cols[0] as Float64Array);
  return marketDataFromColumns(cols, options);
}

/** Options of {@link toDataFrame}. */
export interface ToDataFrameOptions {
  /** The timestamp column: `'ms'` numbers (default), `'iso'` strings or `'date'` Date objects. */
  readonly timestampFormat?: 'ms' | 'iso' | 'date';
}

/**
 * A danfo.js DataFrame of the bars, columns `timestamp, open, high, low, close, volume`.
 *
 * @param data - the bars.
 * @param dfd - the danfo module (`danfojs` or `danfojs-node`).
 * @param options - `timestampFormat`.
 * @returns a new DataFrame.
 * @throws `InvalidArgumentError` (from `tradegym`) for a bad `dfd`, an unknown option key or format.
 * @example
 * ```ts
 * import * as dfd from 'danfojs-node';
 * import { MarketData } from 'tradegym';
 * import { toDataFrame } from 'tradegym/danfo';
 * const data = new MarketData({ timeframe: '1h', timestamps: [0, 3_600_000], open: [1, 2], high: [2, 3], low: [0.5, 1.5], close: [1.5, 2.5], volume: [10, 11] });
 * const df = toDataFrame(data, dfd);
 * console.log(df.columns); // ['timestamp', 'open', 'high', 'low', 'close', 'volume']
 * ```
 */
export function toDataFrame<D>(data: MarketData, dfd: DanfoLike<D>, options: ToDataFrameOptions = {}): D {
  if (dfd === null || typeof dfd !== 'object' || typeof dfd.DataFrame !== 'function') fail('dfd', 'the danfo.js module', dfd);
  requireKnownKeys('options', options, ['timestampFormat']);
  const format = requireOneOf('timestampFormat', options.timestampFormat ?? 'ms', ['ms', 'iso', 'date']);
  const ts = Array.from(data.timestamps);
  return new dfd.DataFrame({
    timestamp: format === 'ms' ? ts : format === 'iso' ? ts.map((t) => new Date(t).toISOString()) : ts.map((t) => new Date(t)),
    open: Array.from(data.open),
    high: Array.from(data.high),
    low: Array.from(data.low),
    close: Array.from(data.close),
    volume: Array.from(data.volume),
  });
}

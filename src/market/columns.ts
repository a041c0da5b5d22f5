// Column matching and timestamp parsing shared by the CSV reader and the DataFrame adapter.
import { DataValidationError } from '../core/errors.js';
import { MarketData, type MarketDataInit } from './MarketData.js';
import { inferTimeframe } from './timeframe.js';

/** Which source column holds each OHLCV field. */
export interface ColumnMap {
  /** The bar-open time column (default: the first of timestamp, time, date, datetime, open_time). */
  readonly timestamp?: string;
  /** Default `open`. */
  readonly open?: string;
  /** Default `high`. */
  readonly high?: string;
  /** Default `low`. */
  readonly low?: string;
  /** Default `close`. */
  readonly close?: string;
  /** Default `volume`. */
  readonly volume?: string;
}

/** How timestamps are written in a source. */
export type TimestampFormat = 'auto' | 'ms' | 's' | 'iso';

const TIME_NAMES = ['timestamp', 'time', 'date', 'datetime', 'open_time'];

/**
 * The index of each OHLCV field among `headers` (timestamp first), matched case-insensitively.
 * @throws {@link DataValidationError} naming the missing field and listing the headers.
 * @internal
 */
export function resolveColumns(headers: readonly string[], map: ColumnMap, source: string): number[] {
  const lower = headers.map((h) => h.trim().toLowerCase());
  const find = (field: keyof ColumnMap, candidates: string[]): number => {
    const given = map[field];
    const wanted = given !== undefined ? [given.toLowerCase()] : candidates;
    const i = lower.findIndex((h) => wanted.includes(h));
    if (i < 0) {
      throw new DataValidationError(
        `${source} is missing the ${field} column (looked for ${wanted.map((w) => JSON.stringify(w)).join(' or ')}); columns: ${headers.join(', ')}`,
      );
    }
    return i;
  };
  return [
    find('timestamp', TIME_NAMES),
    find('open', ['open']),
    find('high', ['high']),
    find('low', ['low']),
    find('close', ['close']),
    find('volume', ['volume']),
  ];
}

/**
 * A bar-open time in ms from a number, Date or string. `'auto'`: numbers above 1e11 are ms,
 * other numbers seconds, strings ISO 8601 (no zone means UTC).
 * @throws {@link DataValidationError} naming `where` and the value.
 * @internal
 */
export function parseTimestamp(value: unknown, format: TimestampFormat, where: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new DataValidationError(`${where}: an invalid Date`);
    return ms;
  }
  const text = typeof value === 'string' ? value.trim() : undefined;
  const num = typeof value === 'number' ? value : text === undefined || text === '' ? Number.NaN : Number(text);
  if (format === 'ms' || format === 's' || (format === 'auto' && !Number.isNaN(num))) {
    if (Number.isNaN(num)) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not a number of ${format === 's' ? 'seconds' : 'ms'}`);
    if (format === 's' || (format === 'auto' && Math.abs(num) < 1e11)) return Math.round(num * 1000);
    return num;
  }
  if (text === undefined) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not a time`);
  // ISO 8601; a time without a zone is UTC, not the machine's local time
  let s = text.includes(' ') && !text.includes('T') ? text.replace(' ', 'T') : text;
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not an ISO 8601 time`);
  return ms;
}

/**
 * A price or volume from a source cell: numbers as they are, numeric strings parsed, and
 * empty, null, undefined or "NaN" as NaN (for the validator or a repair to handle).
 * @throws {@link DataValidationError} for anything else, naming `where()` (built only on error).
 * @internal
 */
export function parseValue(value: unknown, where: () => string): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'string') {
    const v = +value; // the fast path; '' and blanks also give 0, so they are told apart below
    if (!Number.isNaN(v) && (v !== 0 || value.trim() !== '')) return v;
    const t = value.trim();
    if (t === '' || t.toLowerCase() === 'nan') return Number.NaN;
  }
  throw new DataValidationError(`${where()}: ${JSON.stringify(value)} is not a number`);
}

/**
 * MarketData from six parsed columns (timestamps, open, high, low, close, volume), with the
 * timeframe inferred when not given: the last step of every reader. @internal
 */
export function marketDataFromColumns(
  cols: readonly Float64Array[],
  options: { readonly symbol?: string; readonly timeframe?: string; readonly repair?: MarketDataInit['repair'] },
): MarketData {
  const [timestamps, open, high, low, close, volume] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return new MarketData({
    timestamps,
    open,
    high,
    low,
    close,
    volume,
    symbol: options.symbol ?? '',
    timeframe: options.timeframe ?? inferTimeframe(timestamps),
    repair: options.repair,
  });
}

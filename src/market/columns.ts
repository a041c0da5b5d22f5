// Column matching and timestamp parsing shared by the CSV reader and the DataFrame adapter.
import { fail, requireKnownKeys } from '../core/checks.js';
import { DataValidationError } from '../core/errors.js';
import { MarketData, type MarketDataInit } from './MarketData.js';
import { inferTimeframe, iso, parseIsoUtc } from './timeframe.js';

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
const COLUMN_MAP_KEYS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Checks a {@link ColumnMap} option: known fields only, each a column name.
 * @throws {@link InvalidArgumentError} naming the bad entry, e.g. `options.columns.clsoe`.
 * @internal
 */
export function checkColumnMap(name: string, map: unknown): ColumnMap {
  if (map === undefined) return {};
  const rec = requireKnownKeys(name, map, COLUMN_MAP_KEYS);
  for (const [k, v] of Object.entries(rec)) if (v !== undefined && typeof v !== 'string') fail(`${name}.${k}`, 'a column name', v);
  return rec as ColumnMap;
}

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
 * A bar-open time in ms from a Date or an ISO 8601 string (see {@link parseIsoUtc}).
 * @throws {@link DataValidationError} naming `where` and the value.
 */
function parseDate(value: unknown, text: string | undefined, where: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new DataValidationError(`${where}: an invalid Date`);
    return ms;
  }
  if (text === undefined) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not a time`);
  const ms = parseIsoUtc(text);
  if (Number.isNaN(ms)) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not an ISO 8601 time of a real date (month 01-12, a day the month has, hours 00-23, minutes and seconds 00-59)`);
  return ms;
}

// Plain numbers in 'auto' mode: from 1e11 on they can only be ms (as seconds they would be
// after the year 5000); from 1e8 to 1e11 only seconds (as ms they would fall in 1970-1973).
// Below 1e8 both readings are dates in 1970-1973, so the unit must be given.
const MS_FROM = 1e11;
const SECONDS_FROM = 1e8;

/**
 * Reads one column of bar-open times cell by cell, as ms. Dates are read as they are;
 * formats `'ms'`, `'s'` and `'iso'` read other cells as that; `'auto'` reads strings that are
 * not numbers as ISO 8601 and decides
 * the unit of plain numbers once for the whole column in {@link TimestampReader.finish}
 * (never per cell, which would mix units inside one column). @internal
 */
export class TimestampReader {
  readonly #format: TimestampFormat;
  readonly #column: string;
  #numbers = 0;
  #dates = 0;
  #minAbs = Infinity;
  #maxAbs = 0;

  /**
   * @param format - how the column is written.
   * @param column - the column's description for messages, e.g. `CSV column "time"`.
   */
  constructor(format: TimestampFormat, column: string) {
    this.#format = format;
    this.#column = column;
  }

  /**
   * One cell: ms, except plain numbers in `'auto'`, which stay raw until `finish`.
   * @throws {@link DataValidationError} naming `where` and the value.
   */
  read(value: unknown, where: string): number {
    const text = typeof value === 'string' ? value.trim() : undefined;
    const format = this.#format;
    // a Date is unambiguous whatever the format
    if (format === 'iso' || (value instanceof Date && format !== 'auto')) return parseDate(value, text, where);
    const num = typeof value === 'number' ? value : text === undefined || text === '' ? Number.NaN : Number(text);
    if (format === 'ms' || format === 's') {
      if (Number.isNaN(num)) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not a number of ${format === 's' ? 'seconds' : 'ms'}`);
      return format === 's' ? Math.round(num * 1000) : num;
    }
    if (Number.isNaN(num) || value instanceof Date) {
      if (this.#numbers > 0) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is not a number, but earlier rows hold numbers; one format per column`);
      this.#dates++;
      return parseDate(value, text, where);
    }
    if (this.#dates > 0) throw new DataValidationError(`${where}: ${JSON.stringify(value)} is a number, but earlier rows hold dates; one format per column`);
    this.#numbers++;
    const abs = Math.abs(num);
    if (abs < this.#minAbs) this.#minAbs = abs;
    if (abs > this.#maxAbs) this.#maxAbs = abs;
    return num;
  }

  /**
   * Converts the column to ms in place once all cells are read (`'auto'` numbers only).
   * @throws {@link DataValidationError} when plain numbers could be either ms or seconds.
   */
  finish(column: Float64Array): void {
    if (this.#format !== 'auto' || this.#numbers === 0 || this.#maxAbs >= MS_FROM) return;
    if (this.#minAbs < SECONDS_FROM) {
      const lo = this.#minAbs;
      const hi = this.#maxAbs;
      throw new DataValidationError(
        `${this.#column}: numeric timestamps (|t| from ${lo} to ${hi}) are ambiguous: as epoch ms they run ${iso(lo)} to ${iso(hi)}, as epoch seconds ${iso(lo * 1000)} to ${iso(hi * 1000)}; pass timestampFormat: 'ms' or 's'`,
      );
    }
    for (let i = 0; i < column.length; i++) column[i] = Math.round((column[i] as number) * 1000);
  }
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
  options: Pick<MarketDataInit, 'repair' | 'allowNonPositivePrices' | 'symbol'> & { readonly timeframe?: string },
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
    allowNonPositivePrices: options.allowNonPositivePrices,
  });
}

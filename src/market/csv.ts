import type * as Fs from 'node:fs';
import { nodeBuiltin } from '../core/nodeBuiltin.js';
import { fail, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { DataValidationError } from '../core/errors.js';
import { checkColumnMap, marketDataFromColumns, parseValue, resolveColumns, TimestampReader, type ColumnMap, type TimestampFormat } from './columns.js';
import { OHLCV_COLUMNS, type MarketData, type MarketDataInit } from './MarketData.js';

/** Which CSV header holds each OHLCV field (the same {@link ColumnMap} the DataFrame adapter takes). */
export type CsvColumnMap = ColumnMap;

/** Options of {@link readCsv} and {@link parseCsv}. */
export interface ReadCsvOptions {
  /** Header names per field (matched case-insensitively); see {@link CsvColumnMap}. */
  readonly columns?: CsvColumnMap;
  /** The field separator (default `,`). */
  readonly delimiter?: string;
  /**
   * How timestamps are written: `'ms'` or `'s'` since the epoch, `'iso'` (ISO 8601; no zone
   * means UTC), or `'auto'` (default): ISO 8601 text, or plain numbers whose unit is decided
   * once for the whole column: ms when any |t| >= 1e11, seconds when every |t| is in
   * [1e8, 1e11), and an error when some |t| < 1e8 (both readings would be dates in 1970-1973,
   * e.g. synthetic times from 0): then say `'ms'` or `'s'`.
   */
  readonly timestampFormat?: TimestampFormat;
  /** The symbol to record (default `''`). */
  readonly symbol?: string;
  /** The timeframe, e.g. `'1h'`; inferred from the smallest timestamp step when omitted (see {@link inferTimeframe}). */
  readonly timeframe?: string;
  /** Passed to {@link MarketData}: `'drop'` or `'forward-fill'` bad rows instead of throwing. */
  readonly repair?: MarketDataInit['repair'];
  /** Passed to {@link MarketData}: accept prices <= 0 (default false). */
  readonly allowNonPositivePrices?: boolean;
}

/** The keys of {@link ReadCsvOptions}. */
const READ_KEYS = ['columns', 'delimiter', 'timestampFormat', 'symbol', 'timeframe', 'repair', 'allowNonPositivePrices'] as const;

/** Growable Float64Array columns. */
class Columns {
  n = 0;
  cap = 1024;
  cols: Float64Array[] = OHLCV_COLUMNS.map(() => new Float64Array(1024));
  push(values: readonly number[]): void {
    if (this.n === this.cap) {
      this.cap *= 2;
      this.cols = this.cols.map((c) => {
        const d = new Float64Array(this.cap);
        d.set(c);
        return d;
      });
    }
    for (let j = 0; j < 6; j++) (this.cols[j] as Float64Array)[this.n] = values[j] as number;
    this.n++;
  }
  final(): Float64Array[] {
    return this.cols.map((c) => c.slice(0, this.n));
  }
}

function unquote(f: string): string {
  return f.length > 1 && f.charCodeAt(0) === 34 && f.charCodeAt(f.length - 1) === 34 ? f.slice(1, -1) : f;
}

/** Parses lines one at a time, so files never need to be one string. @internal */
class CsvParser {
  readonly #options: ReadCsvOptions;
  readonly #columns: ColumnMap;
  readonly #delimiter: string;
  #times: TimestampReader | undefined;
  #index: number[] | undefined; // CSV field index per OHLCV column
  #headers: string[] = [];
  #line = 0;
  readonly #rows = new Columns();
  readonly #values = [0, 0, 0, 0, 0, 0];
  #fields: string[] = [];

  constructor(options: ReadCsvOptions) {
    requireKnownKeys('options', options, READ_KEYS);
    this.#options = options;
    this.#columns = checkColumnMap('options.columns', options.columns);
    this.#delimiter = options.delimiter ?? ',';
    if (typeof this.#delimiter !== 'string' || this.#delimiter.length !== 1) fail('delimiter', 'one character', options.delimiter);
    requireOneOf('timestampFormat', options.timestampFormat ?? 'auto', ['auto', 'ms', 's', 'iso']);
  }

  line(raw: string): void {
    this.#line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.#index === undefined) {
      if (text.trim() !== '') this.#header(text.split(this.#delimiter).map(unquote));
      return;
    }
    if (text.length === 0 || text.trim() === '') return;
    // scan the fields in place: no array of substrings per line
    const fields = this.#fields;
    let count = 0;
    let start = 0;
    for (;;) {
      const end = text.indexOf(this.#delimiter, start);
      fields[count++] = end < 0 ? text.slice(start) : text.slice(start, end);
      if (end < 0 || count === fields.length) break;
      start = end + 1;
    }
    if (count < this.#headers.length) {
      throw new DataValidationError(`line ${this.#line}: expected ${this.#headers.length} fields, got ${count}`);
    }
    const idx = this.#index;
    const ti = idx[0] as number;
    this.#values[0] = (this.#times as TimestampReader).read(unquote(fields[ti] as string), `line ${this.#line}, column "${this.#headers[ti]}"`);
    for (let j = 1; j < 6; j++) {
      const k = idx[j] as number;
      this.#values[j] = parseValue(unquote(fields[k] as string), () => `line ${this.#line}, column "${this.#headers[k]}"`);
    }
    this.#rows.push(this.#values);
  }

  #header(fields: string[]): void {
    this.#headers = fields.map((f) => f.trim());
    this.#fields = new Array<string>(this.#headers.length).fill('');
    this.#index = resolveColumns(this.#headers, this.#columns, 'CSV');
    const time = this.#headers[this.#index[0] as number] as string;
    this.#times = new TimestampReader(this.#options.timestampFormat ?? 'auto', `CSV column "${time}"`);
  }

  finish(): MarketData {
    if (this.#index === undefined) throw new DataValidationError('CSV is empty: no header line');
    const cols = this.#rows.final();
    (this.#times as TimestampReader).finish(cols[0] as Float64Array);
    return marketDataFromColumns(cols, this.#options);
  }
}

/**
 * Parses CSV text into {@link MarketData}. For files, {@link readCsv} streams instead.
 * @param text - the CSV, header first.
 * @param options - column mapping, delimiter, timestamp format, symbol, timeframe, repair,
 *   allowNonPositivePrices.
 * @returns validated market data.
 * @throws {@link InvalidArgumentError} for an unknown option key (e.g. `delimeter`) or a bad
 *   option value.
 * @throws {@link DataValidationError} for a missing column (naming it and the header), a
 *   field that is not a number or time (naming line and column), numeric timestamps of
 *   ambiguous unit, or invalid rows.
 * @example
 * ```ts
 * import { parseCsv } from 'tradegym';
 * const data = parseCsv('time,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00Z,1.5,2,1,1.8,12\n');
 * console.log(data.timeframe, data.close[1]); // '1h' 1.8
 * ```
 */
export function parseCsv(text: string, options: ReadCsvOptions = {}): MarketData {
  const parser = new CsvParser(options);
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      parser.line(text.slice(start));
      break;
    }
    parser.line(text.slice(start, nl));
    start = nl + 1;
  }
  return parser.finish();
}

/** What {@link readCsvStream} reads: a browser's `File` or `Blob`, a `ReadableStream` (a `fetch` body), or any async iterable of text or bytes (a Node stream). */
export type CsvSource = Blob | ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/** The chunks of `source`, from a reader where it has no async iterator (older browsers' ReadableStream). */
async function* chunksOf(source: CsvSource): AsyncGenerator<unknown> {
  const s = source as { stream?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    yield* chunksOf(source.stream() as ReadableStream<Uint8Array>);
    return;
  }
  if (typeof s[Symbol.asyncIterator] === 'function') {
    yield* source as AsyncIterable<unknown>;
    return;
  }
  if (typeof s.getReader === 'function') {
    const reader = (source as ReadableStream<unknown>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  fail('source', 'a Blob or File, a ReadableStream, or an async iterable of strings or Uint8Arrays', source);
}

/**
 * Reads CSV from a stream into {@link MarketData}, chunk by chunk, so a file of millions of
 * rows never becomes one string: a `File` from an `<input type="file">`, a `fetch` response's
 * body, or a Node stream. Bytes are decoded as UTF-8, a character split across chunks
 * included. Works in browsers and in Node; {@link readCsv} reads a file by path.
 * @param source - a `Blob`/`File`, a `ReadableStream`, or an async iterable of strings or `Uint8Array`s.
 * @param options - as {@link parseCsv}.
 * @returns validated market data.
 * @throws {@link InvalidArgumentError} for a source of none of these kinds, a chunk that is
 *   neither a string nor a `Uint8Array`, an unknown option key or a bad option value.
 * @throws {@link DataValidationError} as {@link parseCsv}.
 * @example
 * ```ts
 * import { readCsvStream } from 'tradegym';
 * const csv = 'time,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00Z,1.5,2,1,1.8,12\n';
 * const data = await readCsvStream(new Blob([csv])); // in a page: readCsvStream(input.files[0])
 * console.log(data.length, data.timeframe); // 2 '1h'
 * ```
 */
export async function readCsvStream(source: CsvSource, options: ReadCsvOptions = {}): Promise<MarketData> {
  const parser = new CsvParser(options);
  if (typeof source !== 'object' || source === null) fail('source', 'a Blob or File, a ReadableStream, or an async iterable of strings or Uint8Arrays', source);
  return parseChunks(parser, chunksOf(source));
}

/** Feeds `chunks` (text or UTF-8 bytes) to `parser` line by line, and finishes it. */
async function parseChunks(parser: CsvParser, chunks: AsyncIterable<unknown>): Promise<MarketData> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  const feed = (chunk: string) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      parser.line(carry + chunk.slice(start, nl));
      carry = '';
      start = nl + 1;
    }
    carry += chunk.slice(start);
  };
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') feed(chunk);
    else if (chunk instanceof Uint8Array) feed(decoder.decode(chunk, { stream: true }));
    else fail('source chunk', 'a string or a Uint8Array', chunk);
  }
  feed(decoder.decode());
  if (carry !== '') parser.line(carry);
  return parser.finish();
}

/**
 * Reads a CSV file into {@link MarketData}, streaming it in chunks so a file of millions of
 * rows never becomes one string (Node; in a browser, {@link readCsvStream} reads a `File`).
 * @param path - the file.
 * @param options - as {@link parseCsv}.
 * @returns validated market data.
 * @throws {@link InvalidArgumentError} for an unknown option key or a bad option value.
 * @throws {@link DataValidationError} as {@link parseCsv}; file errors as Node reports them.
 * @example
 * ```ts
 * import { readCsv, writeCsv, parseCsv } from 'tradegym';
 * import { mkdtempSync } from 'node:fs';
 * import { join } from 'node:path';
 * import { tmpdir } from 'node:os';
 * const file = join(mkdtempSync(join(tmpdir(), 'tg-')), 'bars.csv');
 * await writeCsv(parseCsv('timestamp,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,2,1,2,1\n', { timestampFormat: 'ms' }), file);
 * const data = await readCsv(file, { symbol: 'X' }); // writeCsv wrote ISO 8601 times
 * console.log(data.length, data.timeframe); // 2 '1m'
 * ```
 */
export async function readCsv(path: string, options: ReadCsvOptions = {}): Promise<MarketData> {
  const parser = new CsvParser(options); // the options are checked before the file is opened
  const stream = nodeBuiltin<typeof Fs>('node:fs', 'readCsv', 'read a File or a fetch body with readCsvStream').createReadStream(path, { highWaterMark: 1 << 20 });
  return parseChunks(parser, stream as AsyncIterable<Uint8Array>);
}

/** Options of {@link writeCsv} and {@link toCsv}. */
export interface WriteCsvOptions {
  /** `'iso'` (default) writes ISO 8601 UTC times; `'ms'` writes epoch milliseconds. */
  readonly timestampFormat?: 'iso' | 'ms';
}

/** Whether {@link WriteCsvOptions} ask for ISO times; rejects unknown keys and other formats. */
function writeIso(options: WriteCsvOptions): boolean {
  requireKnownKeys('options', options, ['timestampFormat']);
  return requireOneOf('timestampFormat', options.timestampFormat ?? 'iso', ['iso', 'ms']) === 'iso';
}

function rowText(data: MarketData, i: number, iso: boolean): string {
  const t = data.timestamps[i] as number;
  // String(number) is the shortest text that parses back to the same double: exact round trip
  return `${iso ? new Date(t).toISOString() : t},${data.open[i]},${data.high[i]},${data.low[i]},${data.close[i]},${data.volume[i]}\n`;
}

/**
 * The data as CSV text with the header `timestamp,open,high,low,close,volume`.
 * @param data - the bars.
 * @param options - `timestampFormat`.
 * @returns the CSV; numbers round-trip exactly through {@link parseCsv}.
 * @throws {@link InvalidArgumentError} for an unknown option key or format.
 * @example
 * ```ts
 * import { parseCsv, toCsv } from 'tradegym';
 * const data = parseCsv('timestamp,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,2,1,2,1\n', { timestampFormat: 'ms' });
 * console.log(toCsv(data).split('\n')[1]); // 1970-01-01T00:00:00.000Z,1,1,1,1,1
 * ```
 */
export function toCsv(data: MarketData, options: WriteCsvOptions = {}): string {
  const iso = writeIso(options);
  const parts = ['timestamp,open,high,low,close,volume\n'];
  for (let i = 0; i < data.length; i++) parts.push(rowText(data, i, iso));
  return parts.join('');
}

/**
 * Writes the data to a CSV file, streaming in chunks.
 * @param data - the bars.
 * @param path - the file (overwritten).
 * @param options - `timestampFormat`.
 * @returns when the file is flushed and closed.
 * @throws {@link InvalidArgumentError} for an unknown option key or format; file errors as Node reports them.
 * @example
 * ```ts
 * import { parseCsv, writeCsv } from 'tradegym';
 * import { mkdtempSync } from 'node:fs';
 * import { join } from 'node:path';
 * import { tmpdir } from 'node:os';
 * await writeCsv(parseCsv('timestamp,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,2,1,2,1\n', { timestampFormat: 'ms' }), join(mkdtempSync(join(tmpdir(), 'tg-')), 'out.csv'));
 * ```
 */
export async function writeCsv(data: MarketData, path: string, options: WriteCsvOptions = {}): Promise<void> {
  const iso = writeIso(options);
  const out = nodeBuiltin<typeof Fs>('node:fs', 'writeCsv').createWriteStream(path, { encoding: 'utf8' });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
  let buf = 'timestamp,open,high,low,close,volume\n';
  for (let i = 0; i < data.length; i++) {
    buf += rowText(data, i, iso);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await done;
}

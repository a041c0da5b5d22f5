import { fail, requireInt, requireKnownKeys } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { MarketData, type Gap } from '../market/MarketData.js';
import { timeframeToMs, timeToMs } from '../market/timeframe.js';

/** One candle as ccxt returns it: `[time, open, high, low, close, volume]`. */
export type OHLCVRow = readonly [number, number, number, number, number, number] | readonly (number | undefined)[];

/**
 * The part of a ccxt `Exchange` the downloader uses; any ccxt exchange instance fits.
 * Typed structurally so tradegym does not pin a ccxt version.
 */
export interface OHLCVExchange {
  /** The exchange id, e.g. `'binance'`. */
  readonly id: string;
  /** Minimum ms between requests, which ccxt's throttler enforces when `enableRateLimit`. */
  readonly rateLimit?: number | undefined;
  /** Whether ccxt throttles requests itself. */
  readonly enableRateLimit?: boolean | undefined;
  /** ccxt's `fetchOHLCV`. */
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<OHLCVRow[]>;
}

/** Progress of a download, reported after every page. */
export interface DownloadProgress {
  /** Pages fetched so far. */
  readonly pages: number;
  /** Distinct bars collected so far. */
  readonly bars: number;
  /** The open time the next page starts from. */
  readonly cursor: number;
  /** The fraction of `[since, until)` covered, 0..1. */
  readonly fraction: number;
  /** Retries so far. */
  readonly retries: number;
}

/** Options of {@link downloadOHLCV}. */
export interface DownloadOptions {
  /** The market, e.g. `'BTC/USDT'`. */
  readonly symbol: string;
  /** The bar length, e.g. `'1h'`. */
  readonly timeframe: string;
  /** The first bar's open time (ms, ISO string or Date). Omitted with `existing`: after its last bar. */
  readonly since?: number | string | Date;
  /** Stop before this time (default: now). */
  readonly until?: number | string | Date;
  /** Bars per request (default 1000). */
  readonly limit?: number;
  /** Bars already held: only what is missing before and after them is fetched, then all is joined. */
  readonly existing?: MarketData;
  /** Retries per request on transient errors (default 5). */
  readonly maxRetries?: number;
  /** The first retry's base delay in ms; it doubles per retry (default 500). */
  readonly retryBaseMs?: number;
  /** The longest delay between retries in ms (default 30000). */
  readonly retryMaxMs?: number;
  /** Seed of the jitter on retry delays (default 0). */
  readonly seed?: number;
  /** Called after every page. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Extra exchange-specific parameters for `fetchOHLCV`. */
  readonly params?: Record<string, unknown>;
  /** The clock that decides which candle is still open (default `Date.now`). */
  readonly now?: () => number;
  /** How to wait (default `setTimeout`); tests pass a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What {@link downloadOHLCV} returns. */
export interface DownloadResult {
  /** The bars, validated, de-duplicated, in order (joined with `existing` if given). */
  readonly data: MarketData;
  /** Runs of bars the exchange did not return, inside the downloaded range. */
  readonly gaps: readonly Gap[];
  /** Requests that returned a page. */
  readonly pages: number;
  /** Requests retried after a network error. */
  readonly retries: number;
  /** Bars that came twice (overlapping pages) and were kept once. */
  readonly duplicates: number;
  /** Whether the last candle was still open at `now` and was dropped. */
  readonly droppedOpenCandle: boolean;
}

/**
 * The exchange refused the request (an ExchangeError such as BadSymbol), or a network error
 * outlasted the retries. `cause` holds ccxt's error.
 *
 * @example
 * ```ts
 * import { DownloadError } from 'tradegym/ccxt';
 * const err = new DownloadError('binance rejected XYZ/USDT 1h: BadSymbol', new Error('BadSymbol'));
 * console.log(err.name); // "DownloadError"
 * ```
 */
export class DownloadError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'DownloadError';
  /**
   * @param message - what failed and why.
   * @param cause - the underlying error.
   */
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** Whether `e` is an instance of ccxt's class `name`, by the class names on its prototype chain. @internal */
export function isCcxt(e: unknown, name: string): boolean {
  for (let p = e === null || typeof e !== 'object' ? null : Object.getPrototypeOf(e); p !== null; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

/** An error as `ClassName: message`, for messages that name ccxt's error class. @internal */
export function errName(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/**
 * Whether `e` is worth retrying: ccxt's OperationFailed family, i.e. NetworkError (RequestTimeout,
 * DDoSProtection, RateLimitExceeded, ExchangeNotAvailable) and bad or empty responses.
 * ExchangeError (BadSymbol, BadRequest, AuthenticationError, ...) is final. @internal
 */
export function isTransientCcxtError(e: unknown): boolean {
  return isCcxt(e, 'OperationFailed') || isCcxt(e, 'NetworkError');
}

/**
 * The wait before retry `attempt` (0 for the first): `baseMs * factor^attempt` capped at `maxMs`,
 * times a jitter in [0.5, 1.5) from `rng` so that clients do not retry in step, capped again. @internal
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rng: Rng, factor = 2): number {
  return Math.min(maxMs, Math.min(maxMs, baseMs * factor ** attempt) * (0.5 + rng.uniform()));
}

/** The keys of {@link DownloadOptions}. */
const OPTION_KEYS = [
  'symbol', 'timeframe', 'since', 'until', 'limit', 'existing', 'maxRetries', 'retryBaseMs', 'retryMaxMs', 'seed', 'onProgress', 'params', 'now', 'sleep',
] as const;

/**
 * Downloads OHLCV history through a ccxt exchange, safely: pages forward from `since`,
 * de-duplicates overlapping pages, drops the still-open last candle, reports gaps,
 * retries transient errors (ccxt's OperationFailed family: NetworkError and its kinds
 * RequestTimeout, RateLimitExceeded, DDoSProtection, ExchangeNotAvailable, and bad
 * responses) with bounded exponential backoff and jitter, fails
 * at once with a clear {@link DownloadError} on BadSymbol and other ExchangeErrors, leaves
 * request pacing to ccxt's rate limiter (or waits `rateLimit` ms itself when that is off),
 * and resumes: given `existing` bars, it fetches only what is missing.
 *
 * @param exchange - a ccxt exchange instance, e.g. `new ccxt.binance()`.
 * @param options - symbol, timeframe, range and retry policy.
 * @returns the bars with a report of pages, retries, duplicates and gaps.
 * @throws {@link DownloadError} on an exchange error or after the retries.
 * @throws `InvalidArgumentError` (from `tradegym`) for bad options or an unknown option key.
 * @example
 * ```ts
 * import { downloadOHLCV } from 'tradegym/ccxt';
 * // a stand-in exchange: two pages of hourly bars, then nothing
 * const H = 3_600_000;
 * const exchange = {
 *   id: 'demo', rateLimit: 0, enableRateLimit: true,
 *   async fetchOHLCV(_s: string, _tf?: string, since = 0, limit = 2) {
 *     return Array.from({ length: limit }, (_, i) => since + i * H)
 *       .filter((t) => t < 4 * H)
 *       .map((t) => [t, 1, 2, 0.5, 1.5, 10] as const);
 *   },
 * };
 * const { data, pages } = await downloadOHLCV(exchange, { symbol: 'X/Y', timeframe: '1h', since: 0, until: 4 * H, limit: 2 });
 * console.log(data.length, pages); // 4 2
 * ```
 */
export async function downloadOHLCV(exchange: OHLCVExchange, options: DownloadOptions): Promise<DownloadResult> {
  requireKnownKeys('options', options, OPTION_KEYS);
  if (exchange === null || typeof exchange !== 'object' || typeof exchange.fetchOHLCV !== 'function') {
    fail('exchange', 'a ccxt exchange with fetchOHLCV', exchange);
  }
  const { symbol, timeframe } = options;
  if (typeof symbol !== 'string' || symbol.length === 0) fail('symbol', 'a market symbol such as "BTC/USDT"', symbol);
  const tf = timeframeToMs(timeframe);
  const now = options.now ?? Date.now;
  const until = options.until === undefined ? now() : timeToMs('until', options.until);
  const limit = requireInt('limit', options.limit ?? 1000, 1);
  const maxRetries = requireInt('maxRetries', options.maxRetries ?? 5, 0);
  const baseMs = options.retryBaseMs ?? 500;
  const maxMs = options.retryMaxMs ?? 30_000;
  if (!(baseMs >= 0) || !(maxMs >= baseMs)) fail('retryBaseMs', `a number in [0, retryMaxMs (${maxMs})]`, baseMs);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const jitter = new Rng(options.seed ?? 0);
  const existing = options.existing;
  if (existing !== undefined && (existing.timeframe !== timeframe || (existing.symbol !== '' && existing.symbol !== symbol))) {
    fail('existing', `bars of ${symbol} ${timeframe}`, `${existing.symbol} ${existing.timeframe}`);
  }
  if (options.since === undefined && (existing === undefined || existing.length === 0)) fail('since', 'given (or existing bars to resume after)', undefined);
  const since = Math.ceil((options.since === undefined ? (existing?.timestamps[existing.length - 1] as number) + tf : timeToMs('since', options.since)) / tf) * tf;

  // the ranges still missing: before the existing bars and after them
  const ranges: [number, number][] = [];
  if (existing !== undefined && existing.length > 0) {
    const first = existing.timestamps[0] as number;
    const last = existing.timestamps[existing.length - 1] as number;
    if (since < first) ranges.push([since, Math.min(first, until)]);
    ranges.push([Math.max(since, last + tf), until]);
  } else {
    ranges.push([since, until]);
  }

  const rows = new Map<number, readonly number[]>();
  let pages = 0;
  let retries = 0;
  let duplicates = 0;
  const span = ranges.reduce((a, [s, e]) => a + Math.max(0, e - s), 0) || 1;
  let covered = 0;

  const fetchPage = async (cursor: number): Promise<OHLCVRow[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const pace = exchange.rateLimit ?? 0;
        if (exchange.enableRateLimit === false && pages + retries > 0 && pace > 0) await sleep(pace);
        return await exchange.fetchOHLCV(symbol, timeframe, cursor, limit, options.params ?? {});
      } catch (e) {
        const transient = isTransientCcxtError(e);
        if (transient && attempt < maxRetries) {
          retries++;
          await sleep(backoffDelay(attempt, baseMs, maxMs, jitter));
          continue;
        }
        if (transient) {
          throw new DownloadError(`${exchange.id} ${symbol} ${timeframe}: gave up after ${maxRetries} retries at ${new Date(cursor).toISOString()}: ${errName(e)}`, e);
        }
        if (isCcxt(e, 'BaseError')) {
          throw new DownloadError(`${exchange.id} rejected ${symbol} ${timeframe} from ${new Date(cursor).toISOString()}: ${errName(e)}`, e);
        }
        throw e;
      }
    }
  };

  for (const [start, end] of ranges) {
    let cursor = start;
    while (cursor < end) {
      const page = await fetchPage(cursor);
      pages++;
      let lastTs = -Infinity;
      for (const r of page) {
        const ts = r[0];
        if (typeof ts !== 'number' || ts < start || ts >= end) continue;
        if (rows.has(ts)) duplicates++;
        rows.set(ts, r.map((v) => (v === undefined ? Number.NaN : v)));
        if (ts > lastTs) lastTs = ts;
      }
      if (lastTs === -Infinity) break; // nothing at or after the cursor: the exchange has no more
      const next = lastTs + tf;
      covered += next - cursor;
      cursor = next;
      options.onProgress?.({ pages, bars: rows.size, cursor, fraction: Math.min(1, covered / span), retries });
    }
  }

  const times = [...rows.keys()].sort((a, b) => a - b);
  let droppedOpenCandle = false;
  const lastTime = times[times.length - 1];
  if (lastTime !== undefined && lastTime + tf > now()) {
    times.pop();
    droppedOpenCandle = true;
  }
  // the exchange's values as they came (a null volume stays null): MarketData's check names the row, no silent 0
  const col = (j: number) => times.map((t) => (rows.get(t) as readonly unknown[])[j]) as number[];
  let data = new MarketData({ symbol, timeframe, timestamps: Float64Array.from(times), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) });
  const gaps = data.gaps();
  if (existing !== undefined && existing.length > 0) {
    const before = data.sliceByTime(-Infinity, existing.timestamps[0] as number);
    const after = data.sliceByTime((existing.timestamps[existing.length - 1] as number) + tf);
    const { timestamps, open, high, low, close, volume, allowNonPositivePrices } = existing;
    const withSymbol = existing.symbol === symbol ? existing : new MarketData({ timestamps, open, high, low, close, volume, allowNonPositivePrices, symbol, timeframe });
    data = MarketData.concat([before, withSymbol, after].filter((d) => d.length > 0));
  }
  if (data.length === 0 && existing === undefined) {
    throw new DownloadError(`${exchange.id} returned no ${symbol} ${timeframe} bars between ${new Date(since).toISOString()} and ${new Date(until).toISOString()}`, undefined);
  }
  return { data, gaps, pages, retries, duplicates, droppedOpenCandle };
}

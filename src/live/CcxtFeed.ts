import { fail } from '../core/checks.js';
import { DataValidationError, TradegymError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { backoffDelay, errName, isCcxt, isTransientCcxtError } from '../ccxt/downloadOHLCV.js';
import { barFault } from '../market/MarketData.js';
import { iso } from '../market/timeframe.js';
import { canWatch, checkExchange, resolveFeedOptions, type CcxtFeedEvent, type CcxtFeedExchange, type CcxtFeedOptions, type FeedConfig } from './ccxtFeedOptions.js';
import type { Bar, Feed } from './types.js';

/**
 * The feed cannot go on: the exchange refused a request (BadSymbol and other ExchangeErrors), a
 * transient failure outlasted `maxRetries`, or (with `onGap: 'error'`) the exchange lacks bars.
 * `cause` holds ccxt's error, if any.
 *
 * @example
 * ```ts
 * import { CcxtFeedError } from 'tradegym/live';
 * const err = new CcxtFeedError('binance rejected fetchOHLCV for XYZ/USDT 1h: BadSymbol', undefined);
 * console.log(err.name); // "CcxtFeedError"
 * ```
 */
export class CcxtFeedError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'CcxtFeedError';
  /**
   * @param message - what failed and why.
   * @param cause - the underlying error, or undefined.
   */
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** A candle as ccxt gives it, copied: `[time, open, high, low, close, volume]`, values possibly missing. */
type Row = readonly (number | undefined)[];

/** What the websocket pump hands the feed. */
type Item = { readonly kind: 'rows'; readonly rows: Row[] } | { readonly kind: 'resync' } | { readonly kind: 'error'; readonly error: unknown };

/** Thrown through any wait once the feed is closed; never seen by callers. */
const CLOSED = Symbol('closed');

/** How long `close()` waits for the exchange to confirm an unsubscribe (real ms; it is unref'd). */
const RELEASE_MS = 1000;

const ts = (r: Row): number => r[0] as number;

function toBar(r: Row): Bar {
  const v = (j: number): number => r[j] ?? Number.NaN;
  return Object.freeze({ timestamp: ts(r), open: v(1), high: v(2), low: v(3), close: v(4), volume: v(5) });
}

function sameBar(a: Bar, b: Bar): boolean {
  return Object.is(a.open, b.open) && Object.is(a.high, b.high) && Object.is(a.low, b.low) && Object.is(a.close, b.close) && Object.is(a.volume, b.volume);
}

/** `p`, or an early end after `ms` real milliseconds; failures of `p` are ignored. */
async function bounded(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (p === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((r) => {
    timer = setTimeout(r, ms);
    timer.unref?.();
  });
  await Promise.race([p.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/**
 * A live {@link Feed} of closed candles from any ccxt exchange: REST polling with
 * `fetchOHLCV`, or ccxt pro's `watchOHLCV` websocket where the exchange has it. It emits a bar
 * only once closed (its close, plus `settleMs`, has passed on the exchange's clock, or a later
 * candle exists), each bar once and in order: duplicates are dropped, a revision of the last
 * emitted bar is reported and not emitted again, a late bar is waited for, and bars missing from
 * an answer or the stream are fetched by REST before the bar after them, or reported as a gap
 * when the exchange has none.
 * Transient failures (429, 5xx, timeouts) are retried, and a dropped websocket re-subscribed,
 * with exponential backoff and seeded jitter; after a reconnect what was missed comes by REST.
 * Every bar is validated by `MarketData`'s rules (finite values, prices > 0, high and
 * low bounding open and close, volume >= 0, a whole number of bars after the previous one).
 *
 * Iterate it once with `for await`; `close()` (or leaving the loop) ends it at once.
 *
 * @example
 * ```ts
 * import { CcxtFeed } from 'tradegym/live';
 * const H = 3_600_000;
 * // a stand-in exchange holding bars 0..3; at `now` bar 3 is still forming
 * const exchange = {
 *   id: 'demo',
 *   async fetchOHLCV(_symbol: string, _tf?: string, since = 0, limit = 10) {
 *     return [0, 1, 2, 3].map((i) => [i * H, 10 + i, 11 + i, 9 + i, 10.5 + i, 5] as const).filter(([t]) => t >= since).slice(0, limit);
 *   },
 * };
 * const feed = new CcxtFeed({ exchange, symbol: 'X/Y', timeframe: '1h', since: 0, now: () => 3.5 * H });
 * const closes: number[] = [];
 * for await (const bar of feed) {
 *   closes.push(bar.close);
 *   if (closes.length === 3) break; // bar 3 would come only once closed
 * }
 * console.log(closes); // [10.5, 11.5, 12.5]
 * ```
 */
export class CcxtFeed implements Feed {
  readonly #cfg: FeedConfig;
  readonly #abort = new AbortController();
  readonly #rng: Rng;
  #exchange: CcxtFeedExchange | undefined;
  #mode: 'poll' | 'watch' | undefined;
  #iterated = false;
  #closing: Promise<void> | undefined;
  #pump: Promise<void> | undefined;
  /** Exchange time minus local time, measured by fetchTime (0 without). */
  #offset = 0;
  /** The open time of the first bar wanted. */
  #since = 0;
  /** The open time of the next bar to emit; undefined until the exchange's bar grid is known. */
  #next: number | undefined;
  #last: Bar | undefined;
  /** The last values the exchange showed for `#last`'s time, to report a revision once. */
  #lastSeen: Bar | undefined;
  readonly #ready: Bar[] = [];
  /** The open time of a bar that was due and absent when asked for, if any. */
  #overdue: number | undefined;
  /** Exchange time before which a fruitless REST request is not repeated. */
  #retryAt = -Infinity;
  readonly #queue: Item[] = [];
  #wake: (() => void) | undefined;
  /** Websocket candles at or after `#next` not yet known to be closed, by open time. */
  readonly #pending = new Map<number, Row>();

  /**
   * @param options - the exchange, symbol, timeframe and policies; see {@link CcxtFeedOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for a bad option, naming it and showing the
   *   value, for an unknown option key, and for `mode: 'watch'` on an exchange without `watchOHLCV`.
   */
  constructor(options: CcxtFeedOptions) {
    this.#cfg = resolveFeedOptions(options);
    this.#rng = new Rng(this.#cfg.backoff.seed);
    this.#use(this.#cfg.exchange);
  }

  /** `'poll'` or `'watch'`, as `mode` and the exchange settle it. */
  get mode(): 'poll' | 'watch' {
    return this.#mode as 'poll' | 'watch';
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** The bar length, as given (`'1h'`). */
  get timeframe(): string {
    return this.#cfg.timeframe;
  }

  /** The market, as given (`'BTC/USDT'`). */
  get symbol(): string {
    return this.#cfg.symbol;
  }

  /**
   * The bars, closed, once each, in order. A feed is iterated once.
   * @returns an async iterator of {@link Bar}s; it throws {@link CcxtFeedError} when the feed
   *   cannot go on (after yielding the bars it already had) and `DataValidationError` for an invalid bar.
   * @throws `TradegymError` on a second call.
   */
  [Symbol.asyncIterator](): AsyncIterator<Bar> {
    if (this.#iterated) throw new TradegymError('a CcxtFeed is iterated once; create another feed to start again');
    this.#iterated = true;
    return this.#run();
  }

  /**
   * Ends the feed: a pending iteration ends (done), timers stop, the websocket subscription ends
   * (the exchange itself stays the caller's). Safe to call more than once.
   * @returns when released.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#abort.abort();
      this.#wake?.();
      this.#closing = this.#release();
    }
    return this.#closing;
  }

  async #release(): Promise<void> {
    const ex = this.#exchange;
    if (ex === undefined) return;
    if (this.#pump !== undefined && typeof ex.unWatchOHLCV === 'function') {
      await bounded(ex.unWatchOHLCV(this.#cfg.symbol, this.#cfg.timeframe, { ...this.#cfg.params }), RELEASE_MS);
    }
    await this.#pump;
  }

  async *#run(): AsyncGenerator<Bar, void, undefined> {
    let failure: { error: unknown } | undefined;
    let started = false;
    try {
      while (!this.closed) {
        const bar = this.#ready.shift();
        if (bar !== undefined) {
          yield bar;
          continue;
        }
        if (failure !== undefined) throw failure.error;
        try {
          if (!started) {
            started = true;
            await this.#start();
          } else if (this.#mode === 'watch') await this.#watchStep();
          else await this.#pollStep();
        } catch (e) {
          if (e === CLOSED || this.closed) break;
          failure = { error: e };
        }
      }
    } finally {
      await this.close();
    }
  }

  /** Adopts an exchange instance and settles the mode. */
  #use(exchange: CcxtFeedExchange): void {
    checkExchange(exchange, this.#cfg.mode);
    if (this.#cfg.syncTime === true && typeof exchange.fetchTime !== 'function') fail('syncTime', 'false for an exchange without fetchTime', true);
    this.#exchange = exchange;
    this.#mode = this.#cfg.mode === 'auto' ? (canWatch(exchange) ? 'watch' : 'poll') : this.#cfg.mode;
  }

  get #ex(): CcxtFeedExchange {
    return this.#exchange as CcxtFeedExchange;
  }

  #exchangeNow(): number {
    return this.#cfg.now() + this.#offset;
  }

  #report(event: CcxtFeedEvent): void {
    this.#cfg.onEvent(event);
  }

  async #start(): Promise<void> {
    await this.#syncTime();
    this.#since = this.#cfg.since ?? this.#exchangeNow() - this.#cfg.tf + 1; // default: the bar forming now
    if (this.#mode === 'watch') {
      this.#pump = this.#runPump().catch((e: unknown) => this.#push({ kind: 'error', error: e }));
    }
    await this.#catchUp();
    if (this.#next === undefined) this.#retryAt = this.#exchangeNow() + this.#cfg.pollIntervalMs;
  }

  /** Measures the exchange's clock. The offset is taken against the local time after the answer, so the feed's idea of exchange time is never ahead of it. */
  async #syncTime(): Promise<void> {
    const ex = this.#ex;
    if (!(this.#cfg.syncTime ?? ex.has?.['fetchTime'] === true) || typeof ex.fetchTime !== 'function') return;
    const server = await this.#call('fetchTime', () => (ex.fetchTime as NonNullable<CcxtFeedExchange['fetchTime']>).call(ex));
    if (typeof server === 'number' && Number.isFinite(server)) this.#offset = server - this.#cfg.now();
  }

  // ---- waiting ----

  /** `p`, or CLOSED as soon as the feed closes; `p`'s failure is always handled. */
  #untilClosed<T>(p: Promise<T>): Promise<T> {
    const signal = this.#abort.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(CLOSED);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Waits `ms` (or until `wake` settles); throws CLOSED once closed. */
  async #sleep(ms: number, wake?: Promise<void>): Promise<void> {
    const main = this.#abort.signal;
    if (main.aborted) throw CLOSED;
    const own = new AbortController();
    const stop = (): void => own.abort();
    main.addEventListener('abort', stop, { once: true });
    const stopped = new Promise<void>((r) => own.signal.addEventListener('abort', () => r(), { once: true }));
    try {
      await Promise.race([this.#cfg.sleep(Math.max(0, ms), own.signal), stopped, ...(wake === undefined ? [] : [wake])]);
    } finally {
      main.removeEventListener('abort', stop);
      own.abort();
    }
    if (main.aborted) throw CLOSED;
  }

  #delay(attempt: number): number {
    const { initialMs, maxMs, factor } = this.#cfg.backoff;
    return backoffDelay(attempt, initialMs, maxMs, this.#rng, factor);
  }

  /** A REST call with retries on transient errors. */
  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    const { symbol, timeframe, maxRetries } = this.#cfg;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#untilClosed(request());
      } catch (e) {
        if (e === CLOSED) throw e;
        const transient = isTransientCcxtError(e);
        if (transient && attempt < maxRetries) {
          const delayMs = this.#delay(attempt);
          this.#report({ type: 'retry', attempt: attempt + 1, delayMs, error: errName(e) });
          await this.#sleep(delayMs);
          continue;
        }
        const id = this.#ex.id;
        if (transient) throw new CcxtFeedError(`${id} ${symbol} ${timeframe}: ${what} gave up after ${maxRetries} retries: ${errName(e)}`, e);
        if (isCcxt(e, 'BaseError')) throw new CcxtFeedError(`${id} rejected ${what} for ${symbol} ${timeframe}: ${errName(e)}`, e);
        throw e;
      }
    }
  }

  /** ccxt's candles copied (its websocket cache mutates them later) and sorted by time. */
  #rows(raw: unknown): Row[] {
    if (!Array.isArray(raw)) throw new CcxtFeedError(`${this.#ex.id} returned ${typeof raw} for ${this.#cfg.symbol} candles, not an array`, undefined);
    const rows = raw.map((r: unknown): Row => {
      if (!Array.isArray(r) || typeof r[0] !== 'number' || !Number.isFinite(r[0])) {
        throw new DataValidationError(`${this.#ex.id} sent a ${this.#cfg.symbol} candle without a timestamp: ${JSON.stringify(r)}`);
      }
      return (r as unknown[]).slice(0, 6).map((v) => (typeof v === 'number' ? v : undefined));
    });
    return rows.sort((a, b) => ts(a) - ts(b));
  }

  async #fetch(since: number, limit: number): Promise<Row[]> {
    const { symbol, timeframe, params } = this.#cfg;
    const ex = this.#ex;
    return this.#rows(await this.#call(`fetchOHLCV from ${iso(since)}`, () => ex.fetchOHLCV(symbol, timeframe, since, limit, { ...params })));
  }

  // ---- the stream's state ----

  /** Settles the bar grid from the first candle seen: the first bar wanted is the first on it at or after `since`. */
  #anchor(rows: readonly Row[]): void {
    const first = rows[0];
    if (this.#next !== undefined || first === undefined) return;
    const tf = this.#cfg.tf;
    this.#next = ts(first) + Math.ceil((this.#since - ts(first)) / tf) * tf;
  }

  /** The bar after validation with the previous one by MarketData's row rules. */
  #validate(r: Row): Bar {
    const { symbol, timeframe, allowNonPositivePrices, tf } = this.#cfg;
    const bar = toBar(r);
    const fault = barFault(bar, this.#last?.timestamp ?? Number.NaN, tf, allowNonPositivePrices);
    if (fault !== undefined) throw new DataValidationError(`${this.#ex.id} sent an invalid ${symbol} ${timeframe} bar at ${iso(ts(r))}: ${fault}`);
    return bar;
  }

  #emit(r: Row): void {
    const bar = this.#validate(r);
    const tf = this.#cfg.tf;
    this.#ready.push(bar);
    this.#last = bar;
    this.#lastSeen = bar;
    this.#next = bar.timestamp + tf;
    if (this.#overdue === bar.timestamp) {
      this.#report({ type: 'late', timestamp: bar.timestamp, delayMs: Math.max(0, this.#exchangeNow() - bar.timestamp - tf) });
    }
    if (this.#overdue !== undefined && this.#overdue < this.#next) this.#overdue = undefined;
  }

  /**
   * A candle before `#next`. The last emitted bar comes again in every REST answer (requests
   * overlap it by one bar): different values are a revision, reported once; the emitted bar
   * stands. Older candles are ignored.
   */
  #old(r: Row): void {
    const seen = this.#lastSeen;
    if (seen === undefined || ts(r) !== seen.timestamp) return;
    const bar = toBar(r);
    if (sameBar(seen, bar)) return;
    this.#report({ type: 'revised', timestamp: bar.timestamp, emitted: this.#last as Bar, revised: bar });
    this.#lastSeen = bar;
  }

  /** Bars `[start, end)` are missing for good: report (or fail), and move past them. */
  #hole(start: number, end: number): void {
    const { tf, onGap, symbol, timeframe } = this.#cfg;
    const missingBars = Math.round((end - start) / tf);
    if (onGap === 'error') {
      throw new CcxtFeedError(`${this.#ex.id} has no ${symbol} ${timeframe} bars from ${iso(start)} to ${iso(end)} (${missingBars} missing, even by REST)`, undefined);
    }
    this.#report({ type: 'gap', start, end, missingBars });
    this.#next = end;
    if (this.#overdue !== undefined && this.#overdue < end) this.#overdue = undefined;
  }

  /**
   * Closed candles in time order: emits what is next, fills gaps first, reports the rest. Bars
   * before `closedBefore` (the open time of a later candle the exchange has) are closed too: any
   * the rows lack are fetched by REST now, not when a later bar closes.
   */
  async #accept(rows: readonly Row[], closedBefore = -Infinity): Promise<void> {
    this.#anchor(rows);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as Row;
      const time = ts(r);
      if (i + 1 < rows.length && ts(rows[i + 1] as Row) === time) {
        this.#report({ type: 'duplicate', timestamp: time }); // the later copy is kept
        continue;
      }
      if (time < this.#since) continue;
      const next = this.#next as number;
      if (time < next) {
        this.#old(r);
        continue;
      }
      if (time > next && (time - next) % this.#cfg.tf === 0) await this.#fillGap(next, time);
      this.#emit(r);
    }
    const next = this.#next;
    if (next !== undefined && next < closedBefore && (closedBefore - next) % this.#cfg.tf === 0) await this.#fillGap(next, closedBefore);
  }

  /** Fetches bars `[start, end)` by REST, emits them, and reports those the exchange lacks. */
  async #fillGap(start: number, end: number): Promise<void> {
    const { tf, limit } = this.#cfg;
    const found = new Map<number, Row>();
    for (let cursor = start; cursor < end; ) {
      const page = (await this.#fetch(cursor, Math.min(limit, Math.round((end - cursor) / tf)))).filter((r) => ts(r) >= cursor && ts(r) < end);
      const last = page[page.length - 1];
      if (last === undefined) break;
      for (const r of page) found.set(ts(r), r);
      cursor = ts(last) + tf;
    }
    let expected = start;
    for (const r of [...found.values()].sort((a, b) => ts(a) - ts(b))) {
      if (ts(r) > expected) this.#hole(expected, ts(r));
      this.#emit(r);
      expected = ts(r) + tf;
    }
    if (expected < end) this.#hole(expected, end);
    if (found.size > 0) this.#report({ type: 'backfilled', start, end, bars: found.size });
  }

  /**
   * Fetches by REST the closed bars from `#next` on (pages of `limit`, overlapping the last bar
   * emitted to see a revision of it), emits them, and notes a due bar that is absent. A bar counts as closed when a later candle came with it, or when its
   * close plus `settleMs` is before the exchange time taken before the request (the answer cannot
   * be older than that).
   */
  async #catchUp(): Promise<void> {
    const { tf, limit, settleMs } = this.#cfg;
    for (;;) {
      const asked = this.#exchangeNow();
      const from = this.#last?.timestamp ?? this.#next ?? this.#since;
      const want = Math.max(1, Math.min(limit, Math.floor((asked - from) / tf) + 2));
      const rows = await this.#fetch(from, want);
      const newest = rows.length === 0 ? -Infinity : ts(rows[rows.length - 1] as Row);
      const before = this.#next;
      this.#anchor(rows);
      await this.#accept(rows.filter((r) => ts(r) < newest || ts(r) + tf + settleMs <= asked), newest);
      if (rows.length < want || this.#next === before) break;
    }
    const next = this.#next;
    if (next !== undefined && this.#overdue === undefined && this.#exchangeNow() >= next + tf + settleMs) this.#overdue = next;
  }

  // ---- the two modes ----

  /** Poll mode: wait until the next bar is due (or a fruitless request may be repeated), then ask. */
  async #pollStep(): Promise<void> {
    const { tf, settleMs, pollIntervalMs } = this.#cfg;
    const now = this.#exchangeNow();
    const due = this.#next === undefined ? this.#retryAt : Math.max(this.#next + tf + settleMs, this.#retryAt);
    if (now < due) return this.#sleep(due - now);
    const before = this.#next;
    await this.#catchUp();
    if (this.#next === before) this.#retryAt = this.#exchangeNow() + pollIntervalMs;
  }

  /**
   * Watch mode: take what the websocket sent; when it stays silent `pollIntervalMs` past the
   * next bar's close, ask REST (and again every `pollIntervalMs`).
   */
  async #watchStep(): Promise<void> {
    const item = this.#queue.shift();
    if (item !== undefined) {
      if (item.kind === 'error') throw item.error;
      if (item.kind === 'rows') return this.#ingest(item.rows);
      await this.#syncTime();
      return this.#catchUp();
    }
    const { tf, pollIntervalMs } = this.#cfg;
    const now = this.#exchangeNow();
    const due = this.#next === undefined ? this.#retryAt : Math.max(this.#next + tf + pollIntervalMs, this.#retryAt);
    if (now < due) return this.#sleep(due - now, new Promise<void>((r) => (this.#wake = r)));
    const before = this.#next;
    await this.#catchUp();
    if (this.#next === before) this.#retryAt = this.#exchangeNow() + pollIntervalMs;
  }

  /**
   * Websocket candles from `#next` on: each update of a forming candle replaces the last; a
   * candle counts as closed once a later one has come (the exchange has moved on), never by the
   * local clock, so its values are the exchange's final ones (streams send in order).
   */
  async #ingest(rows: readonly Row[]): Promise<void> {
    this.#anchor(rows);
    for (const r of rows) if (ts(r) >= (this.#next ?? this.#since)) this.#pending.set(ts(r), r);
    const newest = Math.max(...this.#pending.keys());
    const closed = [...this.#pending.values()].filter((r) => ts(r) < newest).sort((a, b) => ts(a) - ts(b));
    for (const r of closed) this.#pending.delete(ts(r));
    await this.#accept(closed, newest);
    for (const t of this.#pending.keys()) if (t < (this.#next ?? this.#since)) this.#pending.delete(t);
  }

  #push(item: Item): void {
    this.#queue.push(item);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Keeps a `watchOHLCV` call outstanding, re-subscribing with backoff after a failure. */
  async #runPump(): Promise<void> {
    const { symbol, timeframe, params, maxRetries } = this.#cfg;
    const ex = this.#ex;
    const watch = ex.watchOHLCV as NonNullable<CcxtFeedExchange['watchOHLCV']>;
    let failures = 0;
    while (!this.closed) {
      let raw: unknown;
      try {
        // from the next bar on: ccxt hands out the newest `n` cached candles when `n` were
        // updated, so an older candle in the window could take the place of a pending one's update
        raw = await this.#untilClosed(watch.call(ex, symbol, timeframe, this.#next ?? this.#since, undefined, { ...params }));
      } catch (e) {
        if (e === CLOSED || this.closed) return;
        if (!isTransientCcxtError(e) || failures >= maxRetries) {
          const why = isTransientCcxtError(e) ? `gave up after ${maxRetries} reconnects` : 'rejected the subscription';
          this.#push({ kind: 'error', error: new CcxtFeedError(`${ex.id} watchOHLCV ${symbol} ${timeframe}: ${why}: ${errName(e)}`, e) });
          return;
        }
        const delayMs = this.#delay(failures++);
        this.#report({ type: 'reconnect', attempt: failures, delayMs, error: errName(e) });
        await this.#sleep(delayMs).catch(() => undefined);
        continue;
      }
      if (failures > 0) {
        this.#report({ type: 'reconnected', attempts: failures });
        failures = 0;
        this.#push({ kind: 'resync' });
      }
      this.#push({ kind: 'rows', rows: this.#rows(raw) });
    }
  }
}

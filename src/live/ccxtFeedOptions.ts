// The options of CcxtFeed, the events it reports, and their checks: the class file holds the
// feed's logic only.
import { fail, requireBool, requireFinite, requireInt, requireKnownKeys, requireOneOf, requireRecord, requireSeed } from '../core/checks.js';
import type { OHLCVExchange, OHLCVRow } from '../ccxt/downloadOHLCV.js';
import type { Gap } from '../market/MarketData.js';
import { timeframeToMs, timeToMs } from '../market/timeframe.js';
import type { Bar } from './types.js';

/**
 * The part of a ccxt exchange the feed uses; any ccxt exchange instance fits (`new ccxt.binance()`
 * for REST polling, `new ccxt.pro.binance()` for websockets too). Typed structurally so tradegym
 * does not pin a ccxt version.
 */
export interface CcxtFeedExchange extends OHLCVExchange {
  /** ccxt's capability map: `has.watchOHLCV` picks websockets in mode `'auto'`, `has.fetchTime` the exchange's clock. */
  readonly has?: Readonly<Record<string, boolean | string | undefined>> | undefined;
  /** ccxt's `fetchTime`: the exchange's time in ms. */
  fetchTime?(params?: Record<string, unknown>): Promise<number | undefined>;
  /** ccxt pro's `watchOHLCV`: resolves with the candles updated since the last call. */
  watchOHLCV?(symbol: string, timeframe?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<OHLCVRow[]>;
  /** ccxt pro's `unWatchOHLCV`: ends the subscription. */
  unWatchOHLCV?(symbol: string, timeframe?: string, params?: Record<string, unknown>): Promise<unknown>;
  /** ccxt's `close`: closes the exchange's websockets. */
  close?(): Promise<unknown>;
}

/** The retry and reconnect policy: waits grow from `initialMs` by `factor` up to `maxMs`, with seeded jitter. */
export interface CcxtFeedBackoff {
  /** The first wait in ms (default 500). */
  readonly initialMs?: number;
  /** The longest wait in ms (default 30000). */
  readonly maxMs?: number;
  /** The growth per attempt, >= 1 (default 2). */
  readonly factor?: number;
  /** Seed of the jitter in [0.5, 1.5) on every wait (default 0). */
  readonly seed?: number;
}

/**
 * What the feed reports besides bars, through {@link CcxtFeedOptions.onEvent}:
 * - `duplicate`: an answer held a candle twice; one was kept.
 * - `revised`: the exchange changed the last bar emitted (seen by REST, which re-reads it with
 *   each request); the emitted one stands.
 * - `late`: a bar was not there when first asked for after its close; it came `delayMs` after
 *   its close, and was emitted in order.
 * - `backfilled`: `bars` bars of `[start, end)` missing from the stream were fetched by REST
 *   before the bar at `end` was emitted.
 * - `gap`: the exchange has no bars `[start, end)` even by REST; the feed went on (with
 *   `onGap: 'backfill-or-report'`).
 * - `retry`: a REST request failed transiently (429, 5xx, timeout, ...) and is retried after `delayMs`.
 * - `reconnect`: the websocket failed or closed; the feed subscribes again after `delayMs`.
 * - `reconnected`: candles flow again over the websocket after `attempts` attempts; what was
 *   missed meanwhile is fetched by REST.
 */
export type CcxtFeedEvent =
  | {
      /** A candle the feed had already emitted came again, unchanged: dropped. */
      readonly type: 'duplicate';
      /** Its open time. */
      readonly timestamp: number;
    }
  | {
      /** A candle the feed had already emitted came again with other values: reported, not emitted again. */
      readonly type: 'revised';
      /** Its open time. */
      readonly timestamp: number;
      /** The bar as emitted. */
      readonly emitted: Bar;
      /** The bar as the exchange now gives it. */
      readonly revised: Bar;
    }
  | {
      /** A bar arrived after its close plus `settleMs`. */
      readonly type: 'late';
      /** Its open time. */
      readonly timestamp: number;
      /** How long after it was due, in ms. */
      readonly delayMs: number;
    }
  | {
      /** Bars missing from an answer or the stream were fetched by REST before the bar after them. */
      readonly type: 'backfilled';
      /** The first missing bar's open time. */
      readonly start: number;
      /** The open time of the bar after the gap. */
      readonly end: number;
      /** How many bars were fetched. */
      readonly bars: number;
    }
  | ({
      /** Bars the exchange does not have: the feed goes on after them (or fails, with `onGap: 'error'`). */
      readonly type: 'gap';
    } & Gap)
  | {
      /** A transient failure (429, 5xx, a timeout): the request is tried again after `delayMs`. */
      readonly type: 'retry';
      /** The attempt that failed, from 1. */
      readonly attempt: number;
      /** The wait before the next, in ms. */
      readonly delayMs: number;
      /** The failure, as `Name: message`. */
      readonly error: string;
    }
  | {
      /** The websocket dropped: it is opened again after `delayMs`. */
      readonly type: 'reconnect';
      /** The attempt that failed, from 1. */
      readonly attempt: number;
      /** The wait before the next, in ms. */
      readonly delayMs: number;
      /** The failure, as `Name: message`. */
      readonly error: string;
    }
  | {
      /** The websocket is back; what it missed comes by REST. */
      readonly type: 'reconnected';
      /** The attempts it took. */
      readonly attempts: number;
    };

/** Options of {@link CcxtFeed}. */
export interface CcxtFeedOptions {
  /**
   * A ccxt exchange instance, e.g. `new ccxt.pro.binance()` (ccxt pro's class, for
   * `watchOHLCV`) or `new ccxt.binance()`. The caller keeps it: `close()` only ends the feed's
   * subscription. tradegym loads nothing from ccxt itself, so this entry bundles without it.
   */
  readonly exchange: CcxtFeedExchange;
  /** The market, e.g. `'BTC/USDT'`. */
  readonly symbol: string;
  /** The bar length, e.g. `'1m'`, `'1h'`. */
  readonly timeframe: string;
  /**
   * `'poll'`: REST `fetchOHLCV` after each bar's close. `'watch'`: ccxt pro's `watchOHLCV`, with
   * REST for gaps, reconnects and a silent socket. `'auto'` (default): `'watch'` where
   * `exchange.has.watchOHLCV`, else `'poll'`.
   */
  readonly mode?: 'poll' | 'watch' | 'auto';
  /**
   * The open time of the first bar to emit (ms, ISO string or Date). Earlier than now, the feed
   * first catches up through REST. Default: the bar forming when iteration starts.
   */
  readonly since?: number | string | Date;
  /**
   * Poll mode: how long to wait before asking again for a bar that is due but not there yet.
   * Watch mode: how long after a bar's close to wait for the websocket before asking REST (and
   * asking again). In ms (default 5000).
   */
  readonly pollIntervalMs?: number;
  /**
   * How long after a bar's close the exchange is given to settle it, in ms (default 1000): poll
   * mode asks for the bar then, and a bar counts as closed by time only this long after its close.
   */
  readonly settleMs?: number;
  /** Bars per REST request at most (default 1000). */
  readonly limit?: number;
  /** Waits between retries of REST requests and between websocket reconnects. */
  readonly backoff?: CcxtFeedBackoff;
  /** Consecutive transient failures (of one request, or of the websocket) before the feed fails (default 8). */
  readonly maxRetries?: number;
  /**
   * What to do about bars the exchange lacks even by REST: `'backfill-or-report'` (default)
   * reports a `gap` event and goes on; `'error'` ends the feed with a {@link CcxtFeedError}.
   */
  readonly onGap?: 'backfill-or-report' | 'error';
  /**
   * Measure the exchange's clock with `fetchTime` at start and after each reconnect, and decide
   * which bars are closed by it (default: where `exchange.has.fetchTime`). Otherwise `now` decides.
   */
  readonly syncTime?: boolean;
  /** Accept prices <= 0 (as `MarketData`'s option of that name; default false). */
  readonly allowNonPositivePrices?: boolean;
  /** Called with every {@link CcxtFeedEvent}. */
  readonly onEvent?: (event: CcxtFeedEvent) => void;
  /** Extra exchange-specific parameters for `fetchOHLCV` and `watchOHLCV`. */
  readonly params?: Record<string, unknown>;
  /** The local clock in ms (default `Date.now`); tests pass a fake. */
  readonly now?: () => number;
  /**
   * How to wait (default `setTimeout`); it must resolve early when `signal` aborts. Tests pass a
   * fake clock's.
   */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The keys of {@link CcxtFeedOptions}. */
const OPTION_KEYS = [
  'exchange', 'symbol', 'timeframe', 'mode', 'since', 'pollIntervalMs', 'settleMs', 'limit', 'backoff', 'maxRetries', 'onGap',
  'syncTime', 'allowNonPositivePrices', 'onEvent', 'params', 'now', 'sleep',
] as const;

/** A backoff option checked, its defaults filled in (the feed's and the broker's). @internal */
export function resolveBackoff(backoff: CcxtFeedBackoff | undefined, initialDefault: number, maxDefault: number): { readonly initialMs: number; readonly maxMs: number; readonly factor: number; readonly seed: number } {
  const b = backoff === undefined ? {} : requireKnownKeys('backoff', backoff, ['initialMs', 'maxMs', 'factor', 'seed']);
  const initialMs = requireInt('backoff.initialMs', b['initialMs'] ?? initialDefault, 0);
  const maxMs = requireInt('backoff.maxMs', b['maxMs'] ?? Math.max(maxDefault, initialMs), 0);
  if (maxMs < initialMs) fail('backoff.maxMs', `an integer >= backoff.initialMs (${initialMs})`, maxMs);
  const factor = requireFinite('backoff.factor', b['factor'] ?? 2);
  if (factor < 1) fail('backoff.factor', 'a finite number >= 1', factor);
  return { initialMs, maxMs, factor, seed: requireSeed('backoff.seed', b['seed'] ?? 0) };
}

/** The options resolved and checked once. @internal */
export interface FeedConfig {
  readonly exchange: CcxtFeedExchange;
  readonly symbol: string;
  readonly timeframe: string;
  readonly tf: number;
  readonly mode: 'poll' | 'watch' | 'auto';
  readonly since: number | undefined;
  readonly pollIntervalMs: number;
  readonly settleMs: number;
  readonly limit: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly factor: number; readonly seed: number };
  readonly maxRetries: number;
  readonly onGap: 'backfill-or-report' | 'error';
  readonly syncTime: boolean | undefined;
  readonly allowNonPositivePrices: boolean;
  readonly onEvent: (event: CcxtFeedEvent) => void;
  readonly params: Record<string, unknown>;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

function requireFunction<T>(name: string, value: T | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') fail(name, 'a function', value);
  return value;
}

/** `setTimeout` as a promise that resolves early on abort; waits beyond setTimeout's range are cut to it. */
function sleepTimer(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Whether the exchange can stream candles: ccxt pro's class, with `has.watchOHLCV`. @internal */
export function canWatch(exchange: CcxtFeedExchange): boolean {
  return exchange.has?.['watchOHLCV'] === true && typeof exchange.watchOHLCV === 'function';
}

/**
 * Checks an exchange instance: it has fetchOHLCV, and watchOHLCV for mode 'watch'.
 * @throws InvalidArgumentError naming the option. @internal
 */
export function checkExchange(exchange: unknown, mode: FeedConfig['mode']): CcxtFeedExchange {
  if (exchange === null || typeof exchange !== 'object' || typeof (exchange as CcxtFeedExchange).fetchOHLCV !== 'function') {
    fail('exchange', 'a ccxt exchange instance with fetchOHLCV (new ccxt.pro.binance(), ...)', exchange);
  }
  const ex = exchange as CcxtFeedExchange;
  if (mode === 'watch' && !canWatch(ex)) {
    fail('mode', `'poll' or 'auto' for an exchange without watchOHLCV (use ccxt.pro.${ex.id} for websockets)`, mode);
  }
  return ex;
}

/**
 * Resolves and checks {@link CcxtFeedOptions}.
 * @throws InvalidArgumentError naming the option and showing the value, and for unknown keys. @internal
 */
export function resolveFeedOptions(options: CcxtFeedOptions): FeedConfig {
  requireKnownKeys('options', options, OPTION_KEYS);
  const mode = requireOneOf('mode', options.mode ?? 'auto', ['poll', 'watch', 'auto']);
  const { exchange } = options;
  checkExchange(exchange, mode);
  const { symbol } = options;
  if (typeof symbol !== 'string' || symbol.length === 0) fail('symbol', 'a market symbol such as "BTC/USDT"', symbol);
  const tf = timeframeToMs(options.timeframe);
  const { initialMs, maxMs, factor, seed } = resolveBackoff(options.backoff, 500, 30_000);
  return {
    exchange,
    symbol,
    timeframe: options.timeframe,
    tf,
    mode,
    since: options.since === undefined ? undefined : timeToMs('since', options.since),
    pollIntervalMs: requireInt('pollIntervalMs', options.pollIntervalMs ?? 5000, 1),
    settleMs: requireInt('settleMs', options.settleMs ?? 1000, 0),
    limit: requireInt('limit', options.limit ?? 1000, 1),
    backoff: { initialMs, maxMs, factor, seed },
    maxRetries: requireInt('maxRetries', options.maxRetries ?? 8, 0),
    onGap: requireOneOf('onGap', options.onGap ?? 'backfill-or-report', ['backfill-or-report', 'error']),
    syncTime: options.syncTime === undefined ? undefined : requireBool('syncTime', options.syncTime),
    allowNonPositivePrices: requireBool('allowNonPositivePrices', options.allowNonPositivePrices ?? false),
    onEvent: requireFunction('onEvent', options.onEvent, () => undefined),
    params: options.params === undefined ? {} : requireRecord('params', options.params),
    now: requireFunction('now', options.now, Date.now),
    sleep: requireFunction('sleep', options.sleep, sleepTimer),
  };
}

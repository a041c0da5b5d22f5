// The options of CcxtBroker, the exchange shape it needs, the events it reports, and their
// checks: the class file holds the broker's logic only.
import { fail, requireInt, requireKnownKeys, requireRecord } from '../core/checks.js';
import { resolveBackoff, type CcxtFeedBackoff } from './ccxtFeedOptions.js';

/** An order as ccxt returns it (the fields the broker reads). */
export interface CcxtOrderLike {
  /** The exchange's order id. */
  readonly id?: string | undefined;
  /** The client order id. */
  readonly clientOrderId?: string | undefined;
  /** `'open'`, `'closed'`, `'canceled'`, `'expired'`, `'rejected'`. */
  readonly status?: string | undefined;
  /** `'buy'` or `'sell'`. */
  readonly side?: string | undefined;
  /** The amount ordered. */
  readonly amount?: number | undefined;
  /** The amount filled so far. */
  readonly filled?: number | undefined;
  /** The average fill price. */
  readonly average?: number | undefined;
  /** The limit price. */
  readonly price?: number | undefined;
}

/** A trade (one fill) as ccxt returns it (the fields the broker reads). */
export interface CcxtTradeLike {
  /** The exchange's trade id. */
  readonly id?: string | undefined;
  /** The exchange's id of the order it filled. */
  readonly order?: string | undefined;
  /** `'buy'` or `'sell'`. */
  readonly side?: string | undefined;
  /** The base amount traded. */
  readonly amount?: number | undefined;
  /** The price. */
  readonly price?: number | undefined;
  /** The fee charged, and in which currency. */
  readonly fee?:
    | {
        /** The amount. */
        readonly cost?: number | undefined;
        /** Its currency, e.g. `'BTC'`. */
        readonly currency?: string | undefined;
      }
    | undefined;
}

/** A ticker as ccxt returns it (the fields the broker reads). */
export interface CcxtTickerLike {
  /** The last traded price. */
  readonly last?: number | undefined;
  /** The last close (ccxt sets it to `last`). */
  readonly close?: number | undefined;
}

/** A market as ccxt describes it (the fields the broker reads). */
export interface CcxtMarketLike {
  /** The base currency, e.g. `'BTC'`. */
  readonly base: string;
  /** The quote currency, e.g. `'USDT'`. */
  readonly quote: string;
  /** Whether it is a spot market. */
  readonly spot?: boolean | undefined;
  /** The exchange's limits of an order. */
  readonly limits?:
    | {
        /** Of its amount, in the base currency. */
        readonly amount?: {
          /** The smallest. */
          readonly min?: number | undefined;
        };
        /** Of its cost (amount times price), in the quote currency. */
        readonly cost?: {
          /** The smallest. */
          readonly min?: number | undefined;
        };
      }
    | undefined;
}

/**
 * The part of a ccxt exchange the broker uses; any ccxt exchange instance with trading
 * credentials fits (`new ccxt.binance({ apiKey, secret })`). Typed structurally so tradegym
 * neither loads nor pins ccxt.
 */
export interface CcxtBrokerExchange {
  /** The exchange id, e.g. `'binance'`. */
  readonly id: string;
  /** ccxt's `loadMarkets`. */
  loadMarkets(reload?: boolean): Promise<unknown>;
  /** ccxt's `market`: the market of a symbol (after `loadMarkets`). */
  market(symbol: string): CcxtMarketLike;
  /** ccxt's `amountToPrecision`: an amount rounded (down, on most exchanges) to the market's step, as a string. */
  amountToPrecision(symbol: string, amount: number): string | undefined;
  /** ccxt's `priceToPrecision`: a price rounded to the market's tick, as a string. */
  priceToPrecision(symbol: string, price: number): string | undefined;
  /** ccxt's `createOrder`. */
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  /** ccxt's `fetchOrder` (with `params.clientOrderId`: by client id). */
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  /** ccxt's `cancelOrder`. */
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
  /** ccxt's `fetchOpenOrders`. */
  fetchOpenOrders(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike[]>;
  /** ccxt's `fetchMyTrades`: the account's recent trades (filtered by order where `fetchOrderTrades` is missing). */
  fetchMyTrades(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<CcxtTradeLike[]>;
  /** ccxt's `fetchOrderTrades`: one order's trades, used where `has.fetchOrderTrades`. */
  fetchOrderTrades?(id: string, symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<CcxtTradeLike[]>;
  /** ccxt's capability map. */
  readonly has?: Readonly<Record<string, boolean | string | undefined>> | undefined;
  /** ccxt's `fetchBalance`: its `total` maps each currency to free plus used. */
  fetchBalance(params?: Record<string, unknown>): Promise<Readonly<Record<string, unknown>>>;
  /** ccxt's `fetchTicker`: its last price values a position held at start. */
  fetchTicker(symbol: string, params?: Record<string, unknown>): Promise<CcxtTickerLike>;
}

/**
 * What the broker reports besides fills, through {@link CcxtBrokerOptions.onEvent}:
 * - `retry`: an exchange call failed transiently (429, 5xx, a timeout, a dropped connection)
 *   and is tried again after `delayMs`.
 * - `found`: after a failed `createOrder`, the order was found at the exchange by its client id
 *   (it had been placed; the answer was lost): it is tracked, not placed again.
 * - `foreign-order`: at `start()`, an open order on the symbol that this broker did not place
 *   (its client id lacks the prefix): left alone.
 * - `foreign-fee`: a fill's fee was charged in a third currency (e.g. BNB): it is not in the
 *   quote-currency book (booked as 0).
 */
export type CcxtBrokerEvent =
  | {
      /** A transient failure: the call is tried again. */
      readonly type: 'retry';
      /** The ccxt method. */
      readonly call: string;
      /** The attempt that failed, from 1. */
      readonly attempt: number;
      /** The wait before the next, in ms. */
      readonly delayMs: number;
      /** The failure, as `Name: message`. */
      readonly error: string;
    }
  | {
      /** An order whose placing failed was found at the exchange. */
      readonly type: 'found';
      /** Its client id. */
      readonly clientOrderId: string;
      /** The failure that hid it, as `Name: message`. */
      readonly error: string;
    }
  | {
      /** An open order this broker did not place. */
      readonly type: 'foreign-order';
      /** The exchange's order id. */
      readonly id: string;
      /** Its client id, if any. */
      readonly clientOrderId: string | undefined;
      /** `'buy'` or `'sell'`. */
      readonly side: string | undefined;
      /** Its amount. */
      readonly amount: number | undefined;
      /** Its limit price. */
      readonly price: number | undefined;
    }
  | {
      /** A fee in a currency that is neither the base nor the quote. */
      readonly type: 'foreign-fee';
      /** The exchange's trade id. */
      readonly fillId: string;
      /** The fee. */
      readonly cost: number;
      /** Its currency. */
      readonly currency: string;
    };

/** Options of {@link CcxtBroker}. */
export interface CcxtBrokerOptions {
  /**
   * A ccxt exchange instance with an API key and secret, e.g. `new ccxt.binance({ apiKey, secret })`.
   * The caller keeps it. tradegym loads nothing from ccxt itself, so this entry bundles without it.
   */
  readonly exchange: CcxtBrokerExchange;
  /** The spot market, e.g. `'BTC/USDT'`: the position is the base balance, the cash the quote balance. */
  readonly symbol: string;
  /**
   * The start of every client order id this broker places (default `'tg-'`; 1 to 12 letters,
   * digits or `. _ : -`): ids are a `LiveRunner`'s `<prefix><run>-<bar>-<n>` (at most 36
   * characters, Binance's limit, up to bar 9,999,999). An order submitted with another id is
   * refused, and open orders whose id is not of that form are someone else's (left alone). Make
   * it unique per strategy on one account (`'btc1-'`, `'eth1-'`).
   */
  readonly clientOrderIdPrefix?: string;
  /** Consecutive transient failures of one call before the broker gives up with a {@link CcxtBrokerError} (default 5). */
  readonly retries?: number;
  /** Waits between retries: from `initialMs` (default 250) by `factor` (2) up to `maxMs` (10000), seeded jitter (seed 0). */
  readonly backoff?: CcxtFeedBackoff;
  /**
   * The fraction of the quote cash a buy leaves unspent (default 0.01), in [0, 1): a buy, market
   * or limit, never costs more than `cash * (1 - cashBuffer)` at its reference price (the last
   * close for a market buy, the limit price for a limit buy). A market buy sized on all the cash
   * at the last close is refused for an insufficient balance when the price ticks up before it
   * fills, or when the exchange takes its fee in the quote currency; the buffer absorbs both. It
   * binds only when the target would spend more (a target of 0.5 from flat is unchanged). Choose
   * it above the price move you expect between a bar's close and the fill plus the quote fee:
   * larger on volatile markets or where fees are taken in quote, 0 to spend every unit of cash.
   */
  readonly cashBuffer?: number;
  /** Extra exchange-specific parameters for `createOrder`. */
  readonly params?: Record<string, unknown>;
  /** Called with every {@link CcxtBrokerEvent}. */
  readonly onEvent?: (event: CcxtBrokerEvent) => void;
  /** How to wait between retries (default `setTimeout`); tests pass a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The options resolved and checked once. @internal */
export interface BrokerConfig {
  readonly exchange: CcxtBrokerExchange;
  readonly symbol: string;
  readonly prefix: string;
  readonly retries: number;
  readonly cashBuffer: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly factor: number; readonly seed: number };
  readonly params: Record<string, unknown>;
  readonly onEvent: (event: CcxtBrokerEvent) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

const OPTION_KEYS = ['exchange', 'symbol', 'clientOrderIdPrefix', 'retries', 'cashBuffer', 'backoff', 'params', 'onEvent', 'sleep'] as const;
const METHODS = ['loadMarkets', 'market', 'amountToPrecision', 'priceToPrecision', 'createOrder', 'fetchOrder', 'cancelOrder', 'fetchOpenOrders', 'fetchMyTrades', 'fetchBalance', 'fetchTicker'] as const;

function fn<T>(name: string, value: T | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') fail(name, 'a function', value);
  return value;
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves and checks {@link CcxtBrokerOptions}.
 * @throws InvalidArgumentError naming the option and showing the value, and for unknown keys. @internal
 */
export function resolveBrokerOptions(options: CcxtBrokerOptions): BrokerConfig {
  requireKnownKeys('options', options, OPTION_KEYS);
  const { exchange, symbol } = options;
  const missing = exchange !== null && typeof exchange === 'object' ? METHODS.find((m) => typeof (exchange as unknown as Record<string, unknown>)[m] !== 'function') : 'loadMarkets';
  if (missing !== undefined) fail('exchange', `a ccxt exchange instance with ${missing} (new ccxt.binance({ apiKey, secret }), ...)`, exchange);
  if (typeof symbol !== 'string' || !/^[^/]+\/[^/:]+$/.test(symbol)) fail('symbol', "a spot market symbol such as 'BTC/USDT'", symbol);
  const prefix = options.clientOrderIdPrefix ?? 'tg-';
  // with a LiveRunner's <run 8>-<bar>-<n> (up to 7 digits each), an id stays within Binance's 36 characters
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9._:-]{1,12}$/.test(prefix)) fail('clientOrderIdPrefix', 'a string of 1 to 12 letters, digits or . _ : -', prefix);
  const cashBuffer: unknown = options.cashBuffer ?? 0.01;
  if (typeof cashBuffer !== 'number' || !(cashBuffer >= 0 && cashBuffer < 1)) fail('cashBuffer', 'a fraction in [0, 1) (the share of the cash a buy leaves unspent)', cashBuffer);
  return {
    exchange,
    symbol,
    prefix,
    retries: requireInt('retries', options.retries ?? 5, 0),
    cashBuffer,
    backoff: resolveBackoff(options.backoff, 250, 10_000),
    params: options.params === undefined ? {} : requireRecord('params', options.params),
    onEvent: fn('onEvent', options.onEvent, () => undefined),
    sleep: fn('sleep', options.sleep, wait),
  };
}

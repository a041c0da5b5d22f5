import { fail, requireKnownKeys, requireRecord } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { backoffDelay, errName, isCcxt, isTransientCcxtError } from '../ccxt/downloadOHLCV.js';
import { Account } from '../envs/trading/Account.js';
import type { Broker, BrokerSnapshot, FillEvent, OrderRequest, OrderStatus } from './broker.js';
import { resolveBrokerOptions, type BrokerConfig, type CcxtBrokerOptions, type CcxtOrderLike, type CcxtTradeLike } from './ccxtBrokerOptions.js';
import type { Bar } from './types.js';

/**
 * The exchange could not be reached for long enough (a transient failure outlasted `retries`),
 * or answered what the broker cannot use. `cause` holds ccxt's error, if any. An exchange's
 * refusal of an order is not this error: it is a `'rejected'` status.
 *
 * @example
 * ```ts
 * import { CcxtBrokerError } from 'tradegym/live';
 * const err = new CcxtBrokerError('binance BTC/USDT: fetchBalance gave up after 5 retries', undefined);
 * console.log(err.name); // "CcxtBrokerError"
 * ```
 */
export class CcxtBrokerError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'CcxtBrokerError';
  /**
   * @param message - what failed and why.
   * @param cause - the underlying error, or undefined.
   */
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** Where the book starts when it is not read from the exchange: a restarted runner's first start. */
export interface CcxtBrokerBook {
  /** Quote-currency cash (> 0 with the position's value). */
  readonly cash: number;
  /** Base units held (>= 0). */
  readonly position: number;
  /** The price the position is valued and entered at (> 0; any, with no position). */
  readonly price: number;
}

/** What `start()` found at the exchange. */
export interface CcxtBrokerStart {
  /** The exchange's position, cash and this broker's open orders (now tracked). */
  readonly snapshot: BrokerSnapshot;
  /** Open orders on the symbol that this broker did not place: left alone. */
  readonly foreignOrders: readonly CcxtOrderLike[];
}

/** An order this broker tracks. */
interface Tracked {
  readonly clientOrderId: string;
  /** The exchange's order id ('' for an order that never reached it). */
  readonly exchangeId: string;
  status: OrderStatus;
  /** Base amount the exchange reports filled, and the part of it seen in trades. */
  filled: number;
  booked: number;
  /** The trade ids seen of this order. */
  readonly seen: Set<string>;
  /** Terminal at the exchange and every fill booked: nothing to poll. */
  settled: boolean;
}

const STATES: Record<string, OrderStatus['state']> = { open: 'open', closed: 'filled', canceled: 'canceled', expired: 'canceled', rejected: 'rejected' };
const REASONS = ['signal', 'stop-loss', 'take-profit', 'trailing-stop', 'daily-loss-limit', 'session-close', 'end', 'kill-switch'];
/** A LiveRunner's client id after its prefix: `<run>-<bar>-<n>`, or a version 1 journal's `<bar>-<n>`. */
const ID_TAIL = /^(?:[0-9a-z]{8}-)?\d{1,7}-\d{1,7}$/;
/** Within this fraction of the filled amount (or of 1 unit), booked and filled agree: float noise of the sums. */
const EPS = 1e-9;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * A {@link Broker} that trades a spot market on a real exchange through a ccxt exchange
 * instance. Its {@link Account} mirrors the exchange's book in the quote currency: cash is the
 * quote balance, the position the base balance, and every exchange fill is booked with the
 * exchange's own price and fee (a fee charged in the base asset is converted to quote at the
 * fill's price, and the position is what was received net of it).
 *
 * - `'market'` moves the position to `target` times equity (valued at the last close) at the
 *   market; `'exit'` sells the whole position at the market; `'limit'` moves it to `target`
 *   at `price` or better and rests on the book. Targets are fractions in [0, 1]: a spot market
 *   has no shorts and no leverage. A new order replaces the broker's open ones (canceled first,
 *   their fills so far kept), as a new order replaces the paper broker's waiting one.
 * - A buy, market or limit, spends at most `cash * (1 - cashBuffer)` at its reference price
 *   (the last close, or the limit price): see {@link CcxtBrokerOptions.cashBuffer} (default 0.01).
 * - Amounts go through `amountToPrecision` (rounded down to the market's step) and prices
 *   through `priceToPrecision`. An order below the market's minimum amount or cost places
 *   nothing: its status is `'filled'` with 0 units and a `message` saying why (the position is
 *   as close to the target as the exchange allows).
 * - Every order carries its client order id to the exchange. Submitting an id again never
 *   places a second order: the broker asks the exchange for the id first, and when placing fails
 *   on the network (a timeout, a dropped connection) it looks the id up before any retry, since
 *   the order may have been placed.
 * - 429s, 5xx and timeouts are retried with seeded exponential backoff; a refusal
 *   (InsufficientFunds, InvalidOrder, ...) is a `'rejected'` status with the exchange's message.
 * - Each new exchange trade of an order is one {@link FillEvent} (`fillId`: the trade id, booked
 *   once); an order filling in parts is `'open'` with its `filledUnits` until done. `onBar`
 *   polls the open orders.
 *
 * Call `start()` before trading (before building a `LiveRunner` on it): it loads the market,
 * reads the balances into the account, and reconciles the open orders.
 *
 * @example
 * ```ts
 * import { CcxtBroker, LiveRunner, type CcxtBrokerExchange, type Feed } from 'tradegym/live';
 * // not called here: it needs an exchange account (new ccxt.binance({ apiKey, secret }))
 * async function goLive(exchange: CcxtBrokerExchange, feed: Feed) {
 *   const broker = new CcxtBroker({ exchange, symbol: 'BTC/USDT', clientOrderIdPrefix: 'bot1-' });
 *   const { foreignOrders } = await broker.start();
 *   console.log(`${foreignOrders.length} orders of others left alone`);
 *   const runner = new LiveRunner({ feed, strategy: () => 1, broker, realOrders: true, orderIdPrefix: 'bot1-' });
 *   return runner.run();
 * }
 * console.log(typeof goLive); // "function"
 * ```
 */
export class CcxtBroker implements Broker {
  /** Always false: orders go to the exchange. */
  readonly paper = false;
  readonly #cfg: BrokerConfig;
  readonly #rng: Rng;
  readonly #orders = new Map<string, Tracked>();
  /** Exchange trade ids booked (by a poll or `restoreFill`). */
  readonly #fillIds = new Set<string>();
  readonly #listeners = new Set<(fill: FillEvent) => void>();
  #account: Account | undefined;
  /** Whether the account was read from the balances (not from a given book). */
  #fromBalances = false;
  /** The first call that moved the broker on from its start (`onBar`, ...): `restoreBook` comes before it. */
  #stepped: string | undefined;
  #base = '';
  #quote = '';
  #minAmount = 0;
  #minCost = 0;
  #bar: Bar | undefined;
  #index = -1;

  /**
   * @param options - the exchange, symbol and policies; see {@link CcxtBrokerOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a bad value, naming
   *   it and showing the value (`exchange`, `symbol`, `clientOrderIdPrefix`, `retries`, `backoff.*`, ...).
   */
  constructor(options: CcxtBrokerOptions) {
    this.#cfg = resolveBrokerOptions(options);
    this.#rng = new Rng(this.#cfg.backoff.seed);
  }

  /** The market, as given (`'BTC/USDT'`). */
  get symbol(): string {
    return this.#cfg.symbol;
  }

  /**
   * Whether a position no order can sell: rounded down to the market's step, it is below the
   * minimum amount, or worth less than the minimum cost at `price`. A `LiveRunner`'s stops,
   * exits and minimum hold take such a position as flat, so the dust a buy's fee in the base
   * asset leaves after an exit triggers no stop.
   * @param units - the position (its size counts).
   * @param price - the price it would be sold at.
   * @returns true for dust.
   * @throws `TradegymError` (from `tradegym`) before `start()`.
   * @example
   * ```ts
   * import { CcxtBroker, type CcxtBrokerExchange } from 'tradegym/live';
   * // not called here: it needs the exchange's market (Binance BTC/USDT: 0.00001 BTC, 5 USDT)
   * async function dusty(exchange: CcxtBrokerExchange) {
   *   const broker = new CcxtBroker({ exchange, symbol: 'BTC/USDT' });
   *   await broker.start();
   *   return broker.isDust(0.000004, 60_000); // true: below 0.00001 BTC
   * }
   * console.log(typeof dusty); // "function"
   * ```
   */
  isDust(units: number, price: number): boolean {
    this.#requireStarted();
    return this.#belowMinimum(this.#amount(Math.abs(units)), price) !== undefined;
  }

  /** The client order id prefix of this broker's orders. */
  get clientOrderIdPrefix(): string {
    return this.#cfg.prefix;
  }

  /**
   * The ledger mirroring the exchange's book in the quote currency (built by `start()`).
   * @throws `TradegymError` (from `tradegym`) before `start()`.
   */
  get account(): Account {
    if (this.#account === undefined) throw new TradegymError('CcxtBroker.account: call await broker.start() first (it reads the balances into the account)');
    return this.#account;
  }

  /**
   * Loads the market, builds the account from the exchange's balances (cash: the quote total;
   * position: the base total, entered at the ticker's last price with no fee) or from `book`,
   * and reconciles open orders: this broker's (client id with the prefix) are tracked, others
   * are reported (`foreign-order` events) and left alone. With `book` (a restarted runner that
   * restores its journaled fills with `restoreFill`), the balances are not read into the account.
   * @param book - where the book starts, instead of the exchange's balances.
   * @returns what the exchange holds.
   * @throws `InvalidArgumentError` (from `tradegym`) for a market that is not spot, a bad `book`,
   *   no funds, or a second call; {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async start(book?: CcxtBrokerBook): Promise<CcxtBrokerStart> {
    if (this.#account !== undefined) fail('start', 'called once per broker', 'a second call');
    const { exchange: ex, symbol } = this.#cfg;
    if (book !== undefined) {
      requireRecord('book', book);
      if (!(book.position >= 0 && book.position < Infinity)) fail('book.position', 'a finite number >= 0 (spot)', book.position);
      if (!(book.price > 0 && book.price < Infinity)) fail('book.price', 'a finite number > 0', book.price);
      if (!(typeof book.cash === 'number' && Number.isFinite(book.cash))) fail('book.cash', 'a finite number', book.cash);
    }
    await this.#call('loadMarkets', () => ex.loadMarkets());
    const market = ex.market(symbol);
    if (market.spot === false) fail('symbol', 'a spot market (CcxtBroker trades spot: the position is the base balance)', symbol);
    this.#base = market.base;
    this.#quote = market.quote;
    this.#minAmount = num(market.limits?.amount?.min);
    this.#minCost = num(market.limits?.cost?.min);
    const snapshot = await this.#snapshot();
    const open = await this.#call('fetchOpenOrders', () => ex.fetchOpenOrders(symbol));
    let { cash, position } = snapshot;
    let price = book?.price ?? Number.NaN;
    if (book !== undefined) ({ cash, position } = book);
    else if (position !== 0) {
      const t = await this.#call('fetchTicker', () => ex.fetchTicker(symbol));
      price = num(t.last ?? t.close);
      if (!(price > 0)) throw new CcxtBrokerError(`${ex.id} ${symbol}: fetchTicker gave no last price to value the ${this.#base} held`, undefined);
    }
    const equity = cash + (position === 0 ? 0 : position * price);
    if (!(equity > 0)) fail('exchange', `an account holding ${this.#quote} or ${this.#base} (equity > 0)`, equity);
    const acct = new Account({ initialCash: equity });
    if (position !== 0) acct.book(0, position, price, 0, 0);
    acct.cash = cash; // exact: the quote balance (position * price - position * price may leave float dust)
    this.#account = acct;
    this.#fromBalances = book === undefined;
    const foreign: CcxtOrderLike[] = [];
    for (const o of open) {
      const id = o.clientOrderId;
      if (id !== undefined && this.#mine(id)) {
        const t = this.#track(id, o);
        // read from the balances, their fills so far are in the book already (marked booked); from
        // a given book (a restart), they are not booked here: the runner books the journaled ones
        // at their place (restoreFill) and asks fillsOf for the rest
        if (book === undefined) {
          for (const tr of await this.#trades(t)) this.#fillIds.add(String(tr.id));
          await this.#book(t);
        }
      } else {
        foreign.push(o);
        this.#cfg.onEvent({ type: 'foreign-order', id: String(o.id), clientOrderId: o.clientOrderId, side: o.side, amount: o.amount, price: o.price });
      }
    }
    return { snapshot: { ...snapshot, openOrders: [...this.#orders.values()].map((t) => t.status) }, foreignOrders: foreign };
  }

  /**
   * Bar `index` has closed: the open orders' status and new fills are fetched from the exchange
   * (one event per new fill), and `bar.close` values the next orders.
   * @param bar - the bar.
   * @param index - its index, greater than the last bar's.
   * @throws `InvalidArgumentError` (from `tradegym`) for an index that does not increase;
   *   `TradegymError` before `start()`; {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async onBar(bar: Bar, index: number): Promise<void> {
    if (!Number.isSafeInteger(index) || index <= this.#index) fail('index', `an integer > the last bar's (${this.#index})`, index);
    if (!(bar?.close > 0 && bar.close < Infinity)) fail('bar.close', 'a finite number > 0', bar?.close);
    this.#requireStarted();
    this.#stepped ??= 'onBar';
    this.#bar = bar;
    this.#index = index;
    for (const t of this.#orders.values()) if (!t.settled) await this.#refresh(t);
  }

  /**
   * Places an order at the exchange, or returns the status of the order already placed with its
   * client id (asked of the exchange when this process does not know it).
   * @param order - the order; its client id must start with the prefix.
   * @returns its status: `'filled'`, `'open'` (resting, or partly filled), `'rejected'` with the
   *   exchange's message, or `'filled'` with 0 units and a message when below the market's minimum.
   * @throws `InvalidArgumentError` (from `tradegym`) for a malformed order (naming the field), a
   *   target outside [0, 1] (no shorts or leverage on spot), or an order before the first bar;
   *   {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async submit(order: OrderRequest): Promise<OrderStatus> {
    requireRecord('order', order);
    const id: unknown = order.clientOrderId;
    if (typeof id !== 'string' || id === '') fail('order.clientOrderId', 'a non-empty string', id);
    if (!this.#mine(id)) fail('order.clientOrderId', `an id <prefix>[<run>-]<bar>-<n> with the broker's clientOrderIdPrefix ('${this.#cfg.prefix}'), <run> 8 digits or lowercase letters (a LiveRunner's ids)`, id);
    const type = order.type;
    if (type !== 'market' && type !== 'exit' && type !== 'limit') fail('order.type', "one of 'market', 'exit', 'limit'", type);
    if (typeof order.target !== 'number' || !Number.isFinite(order.target)) fail('order.target', 'a finite number', order.target);
    if (type !== 'exit' && (order.target < 0 || order.target > 1)) fail('order.target', `a fraction of equity in [0, 1] on the spot market ${this.#cfg.symbol} (no shorts, no leverage)`, order.target);
    if (type === 'limit' && !(typeof order.price === 'number' && order.price > 0 && order.price < Infinity)) fail('order.price', 'a finite number > 0 for a limit order', order.price);
    if (!REASONS.includes(order.reason)) fail('order.reason', `one of ${REASONS.map((r) => `'${r}'`).join(', ')}`, order.reason);
    const acct = this.account;
    this.#stepped ??= 'submit';
    const known = this.#orders.get(id);
    if (known !== undefined) return known.status;
    const bar = this.#bar;
    if (bar === undefined) fail('order', 'placed after the first bar (call onBar first)', id);
    const { exchange: ex, symbol } = this.#cfg;
    // idempotency across processes: an id the exchange knows is that order, never a new one
    const there = await this.#known(id);
    if (there !== undefined) {
      await this.#book(there);
      return there.status;
    }

    // a new order replaces this broker's open ones, as the paper broker's does: canceled first,
    // their fills so far booked, so the new one is sized on the book as it is
    for (const t of this.#orders.values()) if (!t.settled) await this.cancel(t.clientOrderId);
    const pos = acct.positions[0] as number;
    const limit = type === 'limit' ? Number(ex.priceToPrecision(symbol, order.price)) : Number.NaN;
    if (type === 'limit' && !(limit > 0)) fail('order.price', `a price that is > 0 at the market's tick (${ex.id} gives ${String(limit)})`, order.price);
    const ref = type === 'limit' ? limit : bar.close;
    let delta: number;
    if (type === 'exit') delta = -pos;
    else {
      const equity = acct.cash + pos * bar.close;
      delta = (order.target * equity) / ref - pos;
      // never more than the cash less its buffer buys: the price may tick up before the fill
      if (delta > 0) delta = Math.min(delta, (acct.cash * (1 - this.#cfg.cashBuffer)) / ref);
    }
    const side = delta > 0 ? 'buy' : 'sell';
    const amount = this.#amount(Math.abs(delta));
    const tooSmall = this.#belowMinimum(amount, ref);
    if (tooSmall !== undefined) {
      const status: OrderStatus = { clientOrderId: id, state: 'filled', filledUnits: 0, averagePrice: Number.NaN, message: `nothing placed: ${tooSmall}` };
      return this.#final(status);
    }
    const params = { ...this.#cfg.params, clientOrderId: id };
    const create = () => ex.createOrder(symbol, type === 'limit' ? 'limit' : 'market', side, amount, type === 'limit' ? limit : undefined, params);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#adopt(id, await create())).status;
      } catch (e) {
        if (isCcxt(e, 'InvalidOrder') && /duplicate/i.test(errName(e))) {
          const dup = await this.#lookup(id);
          if (dup !== undefined) return this.#found(id, dup, e);
        }
        if (!isTransientCcxtError(e)) {
          if (!isCcxt(e, 'BaseError')) throw e;
          return this.#final({ clientOrderId: id, state: 'rejected', filledUnits: 0, averagePrice: Number.NaN, message: errName(e) });
        }
        // the order may have been placed and the answer lost: look before placing again
        const placed = await this.#lookup(id);
        if (placed !== undefined) return this.#found(id, placed, e);
        if (attempt >= this.#cfg.retries) throw new CcxtBrokerError(`${ex.id} ${symbol}: createOrder ${id} gave up after ${this.#cfg.retries} retries: ${errName(e)}`, e);
        await this.#retryWait('createOrder', attempt, e);
      }
    }
  }

  /**
   * Cancels an open order; a filled or canceled one is left as it is (its status brought up to
   * date, fills booked).
   * @param clientOrderId - the order's id.
   * @returns its status after, or undefined for an id the exchange does not know.
   * @throws {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async cancel(clientOrderId: string): Promise<OrderStatus | undefined> {
    if (this.#account !== undefined) this.#stepped ??= 'cancel';
    const t = await this.#known(clientOrderId);
    if (t === undefined) return undefined;
    if (!t.settled) {
      const { exchange: ex, symbol } = this.#cfg;
      try {
        await this.#call('cancelOrder', () => ex.cancelOrder(t.exchangeId, symbol));
      } catch (e) {
        // filled or canceled meanwhile: the refresh below says which
        if (!isCcxt(e, 'OrderNotFound')) throw e;
      }
      await this.#refresh(t);
    }
    return t.status;
  }

  /**
   * The status of an order as of the last poll (`onBar`, `submit`, `cancel`). An id this process
   * did not place is asked of the exchange, and tracked from then on (polled at each bar; its
   * fills so far are not booked here: see `fillsOf` and `restoreFill`).
   * @param clientOrderId - the order's id.
   * @returns the status, or undefined for an id the exchange does not know.
   * @throws {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async status(clientOrderId: string): Promise<OrderStatus | undefined> {
    return (await this.#known(clientOrderId))?.status;
  }

  /**
   * @param listener - called with each fill.
   * @returns a function that removes the listener.
   */
  onFill(listener: (fill: FillEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The exchange's book: the base and quote balances (free plus locked) and this broker's open
   * orders (client id with the prefix).
   * @returns the snapshot.
   * @throws {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async snapshot(): Promise<BrokerSnapshot> {
    const { exchange: ex, symbol } = this.#cfg;
    const book = await this.#snapshot();
    const open = (await this.#call('fetchOpenOrders', () => ex.fetchOpenOrders(symbol))).filter((o) => this.#mine(o.clientOrderId));
    return { ...book, openOrders: open.map((o) => this.#statusOf(o.clientOrderId as string, o)) };
  }

  /**
   * Every fill the exchange made of an order so far, as events dated `index` (nothing is booked):
   * `fillId` is the trade id, `units` the position change (net of a fee in the base asset),
   * `fee` in quote, `position` the account's position plus this order's fills not booked yet
   * (by a poll or `restoreFill`) up to that one: the position once that fill is booked, when the
   * fills are booked in order.
   * @param clientOrderId - the order's id.
   * @param index - the bar the events are dated.
   * @returns the fills, oldest first; none for an id the exchange does not know.
   * @throws {@link CcxtBrokerError} when the exchange cannot be reached.
   */
  async fillsOf(clientOrderId: string, index: number): Promise<readonly FillEvent[]> {
    const o = await this.#lookup(clientOrderId);
    if (o === undefined) return [];
    const t: Tracked = this.#orders.get(clientOrderId) ?? this.#untracked(clientOrderId, o);
    let position = this.#account?.positions[0] ?? 0;
    return (await this.#trades(t)).map((tr) => {
      const f = this.#fillOf(tr);
      if (!this.#fillIds.has(f.id)) position += f.units; // a booked one is in the account already
      return { clientOrderId, index, timestamp: this.#bar?.timestamp ?? Number.NaN, units: f.units, price: f.price, fee: f.fee, position, fillId: f.id };
    });
  }

  /**
   * Books a fill an earlier process journaled, as it was, without contacting the exchange and
   * without telling listeners. A fill whose `fillId` is booked already is skipped (so a fill
   * is booked once however it arrives).
   * @param fill - the journaled fill.
   * @throws `InvalidArgumentError` (from `tradegym`) for a fill the account refuses (naming the field);
   *   `TradegymError` before `start()`.
   */
  restoreFill(fill: FillEvent): void {
    const acct = this.account;
    this.#stepped ??= 'restoreFill';
    if (fill.fillId !== undefined) {
      if (this.#fillIds.has(fill.fillId)) return;
      this.#fillIds.add(fill.fillId);
    }
    acct.book(0, fill.units, fill.price, fill.fee, fill.index);
  }

  /**
   * The book as it stands, as data a restart gives back to {@link CcxtBroker.restoreBook}: the
   * account's snapshot and the exchange trades it holds (those read with the balances at
   * `start()`, and booked since). A `LiveRunner` keeps it in its journal when a run first starts.
   * @returns the book: treat it as opaque.
   * @throws `TradegymError` (from `tradegym`) before `start()`.
   * @example
   * ```ts
   * import { CcxtBroker, type CcxtBrokerExchange } from 'tradegym/live';
   * // not called here: it needs an exchange account
   * async function firstBook(exchange: CcxtBrokerExchange) {
   *   const broker = new CcxtBroker({ exchange, symbol: 'BTC/USDT' });
   *   await broker.start();
   *   return broker.saveBook(); // { account, fillIds }
   * }
   * console.log(typeof firstBook); // "function"
   * ```
   */
  saveBook(): Readonly<Record<string, unknown>> {
    return { account: this.account.snapshot(), fillIds: [...this.#fillIds] };
  }

  /**
   * Puts back a restarted run's first book, as the journal of a `LiveRunner` holds it (a
   * {@link CcxtBroker.saveBook} of its first start): a `LiveRunner` restarting from its journal
   * calls it (you need not). The account (the same object) becomes the book's again but for its
   * initial cash (the equity `start()` found, which nothing reads), the trades that book held
   * are the ones taken as booked, and the broker goes on exactly as if `start` had been given
   * that book instead of reading the balances. So the fills made since (the journal's, booked
   * by `restoreFill`, and those it missed, asked with `fillsOf`) are booked once each, at their
   * place in the replay, and the trades the first book held (an open order's from before the
   * run) never again. Call it after `await broker.start()` and before anything else moves the
   * broker on (`onBar`, `submit`, `cancel`, `restoreFill`).
   * @param book - a `saveBook()` of the run's first start (possibly read back through JSON), of an
   *   account of this one's configuration but for the initial cash: one asset, no fee, no
   *   slippage or borrow, leverage 1.
   * @throws `TradegymError` (from `tradegym`) before `start()`, or after `onBar`, `submit`,
   *   `cancel` or `restoreFill`; `InvalidArgumentError` (from `tradegym`) for a book that is not
   *   one (naming the entry, e.g. `book.fillIds` or `snapshot.config.assets`), the broker unchanged.
   * @example
   * ```ts
   * import { CcxtBroker, LiveRunner, type CcxtBrokerExchange, type Feed } from 'tradegym/live';
   * // not called here: it needs an exchange account. The same code starts and restarts a run:
   * // on a journal that has bars, the runner gives the broker the run's first book itself
   * async function run(exchange: CcxtBrokerExchange, feed: Feed) {
   *   const broker = new CcxtBroker({ exchange, symbol: 'BTC/USDT', clientOrderIdPrefix: 'bot1-' });
   *   await broker.start();
   *   return new LiveRunner({ feed, strategy: () => 1, broker, realOrders: true, journal: 'runs/bot1.journal' }).run();
   * }
   * console.log(typeof run); // "function"
   * ```
   */
  restoreBook(book: Readonly<Record<string, unknown>>): void {
    const acct = this.#account;
    if (acct === undefined) throw new TradegymError('CcxtBroker.restoreBook: call await broker.start() first (restoreBook puts back the first book of the run start() resumes)');
    if (this.#stepped !== undefined) throw new TradegymError(`CcxtBroker.restoreBook: call it right after start(), before onBar, submit, cancel or restoreFill (a restart's first step), not after ${this.#stepped}`);
    const b = requireKnownKeys('book', book, ['account', 'fillIds']);
    const ids: unknown = b['fillIds'];
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) fail('book.fillIds', 'an array of trade ids (strings)', ids);
    const snapshot = requireRecord('book.account', b['account']) as Record<string, unknown>;
    // a mirror's initial cash is only the equity start() found (nothing reads it): the
    // snapshot is taken whole but for it; anything else of another configuration is refused
    const config: unknown = snapshot['config'];
    acct.restore(typeof config === 'object' && config !== null ? { ...snapshot, config: { ...config, initialCash: acct.initialCash } } : snapshot);
    this.#fromBalances = false;
    // the trades taken as booked are the first book's, not today's balances'
    this.#fillIds.clear();
    for (const id of ids as string[]) this.#fillIds.add(id);
    for (const t of this.#orders.values()) {
      if (t.exchangeId === '') continue;
      t.seen.clear();
      t.booked = 0;
      t.settled = false;
    }
  }

  /**
   * Whether a client id is one of this broker's: the prefix, then a LiveRunner's `<run>-<bar>-<n>`
   * (or a version 1 journal's `<bar>-<n>`), whole: another bot's prefix that starts with this
   * one (`'tg-'` and `'tg-eth-'`) is not taken for it.
   */
  #mine(id: string | undefined): boolean {
    const prefix = this.#cfg.prefix;
    return id !== undefined && id.startsWith(prefix) && ID_TAIL.test(id.slice(prefix.length));
  }

  #requireStarted(): void {
    if (this.#account === undefined) throw new TradegymError('CcxtBroker: call await broker.start() first (it reads the balances into the account)');
  }

  // ---- the exchange ----

  async #retryWait(call: string, attempt: number, e: unknown): Promise<void> {
    const { initialMs, maxMs, factor } = this.#cfg.backoff;
    const delayMs = backoffDelay(attempt, initialMs, maxMs, this.#rng, factor);
    this.#cfg.onEvent({ type: 'retry', call, attempt: attempt + 1, delayMs, error: errName(e) });
    await this.#cfg.sleep(delayMs);
  }

  /** A call with retries on transient errors; ccxt's other errors pass through. */
  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (e) {
        if (!isTransientCcxtError(e)) throw e;
        if (attempt >= this.#cfg.retries) throw new CcxtBrokerError(`${this.#cfg.exchange.id} ${this.#cfg.symbol}: ${what} gave up after ${this.#cfg.retries} retries: ${errName(e)}`, e);
        await this.#retryWait(what, attempt, e);
      }
    }
  }

  /** The order with this client id at the exchange, or undefined if it has none. */
  async #lookup(id: string): Promise<CcxtOrderLike | undefined> {
    const { exchange: ex, symbol } = this.#cfg;
    try {
      return await this.#call('fetchOrder', () => ex.fetchOrder('', symbol, { clientOrderId: id }));
    } catch (e) {
      if (isCcxt(e, 'OrderNotFound')) return undefined;
      throw e;
    }
  }

  async #snapshot(): Promise<{ position: number; cash: number }> {
    const b = await this.#call('fetchBalance', () => this.#cfg.exchange.fetchBalance());
    const total = (b['total'] ?? {}) as Record<string, unknown>;
    return { position: num(total[this.#base]), cash: num(total[this.#quote]) };
  }

  /**
   * The order's trades, oldest first: by `fetchOrderTrades` where the exchange has it (Binance:
   * myTrades by orderId; a trade without an order id is that order's), else the account's
   * recent trades on the symbol that name the order (one without an order id is nobody's).
   */
  async #trades(t: Tracked): Promise<CcxtTradeLike[]> {
    const { exchange: ex, symbol } = this.#cfg;
    const byOrder = ex.fetchOrderTrades;
    if (typeof byOrder === 'function' && ex.has?.['fetchOrderTrades'] === true) {
      const list = await this.#call('fetchOrderTrades', () => byOrder.call(ex, t.exchangeId, symbol));
      return list.filter((tr) => tr.order === undefined || tr.order === t.exchangeId);
    }
    const list = await this.#call('fetchMyTrades', () => ex.fetchMyTrades(symbol));
    return list.filter((tr) => tr.order === t.exchangeId);
  }

  // ---- orders and fills ----

  /** Why an order of `amount` at `price` is below the market's minimums, if it is. */
  #belowMinimum(amount: number, price: number): string | undefined {
    if (amount <= 0 || amount < this.#minAmount) return `amount ${amount} ${this.#base} is below the market's minimum ${this.#minAmount}`;
    if (amount * price < this.#minCost) return `cost ${amount * price} ${this.#quote} is below the market's minimum ${this.#minCost}`;
    return undefined;
  }

  /** Rounds an amount down to the market's step (0 when below it: ccxt throws then). */
  #amount(x: number): number {
    try {
      return Number(this.#cfg.exchange.amountToPrecision(this.#cfg.symbol, x));
    } catch (e) {
      if (isCcxt(e, 'BaseError')) return 0;
      throw e;
    }
  }

  #statusOf(id: string, o: CcxtOrderLike): OrderStatus {
    const sign = o.side === 'sell' ? -1 : 1;
    const filled = num(o.filled);
    return { clientOrderId: id, state: STATES[o.status ?? 'open'] ?? 'open', filledUnits: filled === 0 ? 0 : sign * filled, averagePrice: filled > 0 ? num(o.average) || Number.NaN : Number.NaN };
  }

  #untracked(id: string, o: CcxtOrderLike): Tracked {
    const status = this.#statusOf(id, o);
    if (typeof o.id !== 'string' || o.id === '') throw new CcxtBrokerError(`${this.#cfg.exchange.id} ${this.#cfg.symbol}: order ${id} came without an exchange id`, undefined);
    return { clientOrderId: id, exchangeId: o.id, status, filled: num(o.filled), booked: 0, seen: new Set(), settled: false };
  }

  /** Records the status of an order that did not reach the exchange (below its minimums, or refused). */
  #final(status: OrderStatus): OrderStatus {
    this.#orders.set(status.clientOrderId, { clientOrderId: status.clientOrderId, exchangeId: '', status, filled: 0, booked: 0, seen: new Set(), settled: true });
    return status;
  }

  /** Starts tracking an order the exchange holds (or updates the one tracked). */
  #track(id: string, o: CcxtOrderLike): Tracked {
    let t = this.#orders.get(id);
    if (t === undefined) {
      t = this.#untracked(id, o);
      this.#orders.set(id, t);
    } else {
      t.status = this.#statusOf(id, o);
      t.filled = num(o.filled);
    }
    return t;
  }

  /** Tracks an order placed (or found), books its fills. */
  async #adopt(id: string, o: CcxtOrderLike): Promise<Tracked> {
    const t = this.#track(id, o);
    await this.#book(t);
    return t;
  }

  async #found(id: string, o: CcxtOrderLike, e: unknown): Promise<OrderStatus> {
    this.#cfg.onEvent({ type: 'found', clientOrderId: id, error: errName(e) });
    return (await this.#adopt(id, o)).status;
  }

  /** Brings a tracked order up to date: its status, then its new fills. */
  async #refresh(t: Tracked): Promise<void> {
    const { exchange: ex, symbol } = this.#cfg;
    const o = await this.#call('fetchOrder', () => ex.fetchOrder(t.exchangeId, symbol));
    this.#track(t.clientOrderId, o);
    await this.#book(t);
  }

  /** Books the order's trades not booked yet (when the exchange reports more filled than booked). */
  async #book(t: Tracked): Promise<void> {
    const unbooked = (): boolean => t.filled - t.booked > EPS * Math.max(1, t.filled);
    if (unbooked()) {
      for (const tr of await this.#trades(t)) {
        const f = this.#fillOf(tr);
        if (t.seen.has(f.id)) continue;
        t.seen.add(f.id);
        t.booked += f.gross;
        if (this.#fillIds.has(f.id)) continue; // booked by restoreFill, or in the balances read at start
        this.#fillIds.add(f.id);
        if (f.units === 0) continue;
        const fill = this.account.book(0, f.units, f.price, f.fee, Math.max(0, this.#index));
        const event: FillEvent = {
          clientOrderId: t.clientOrderId,
          index: Math.max(0, this.#index),
          timestamp: this.#bar?.timestamp ?? Number.NaN,
          units: f.units,
          price: f.price,
          fee: f.fee,
          position: this.account.positions[0] as number,
          ...(fill.closed !== undefined ? { closed: fill.closed } : {}),
          fillId: f.id,
        };
        for (const l of this.#listeners) l(event);
      }
    }
    t.settled = t.status.state !== 'open' && !unbooked();
  }

  /** A trade in the book's terms: the position change and the fee in quote. */
  #fillOf(tr: CcxtTradeLike): { id: string; units: number; gross: number; price: number; fee: number } {
    const gross = num(tr.amount);
    const price = num(tr.price);
    const sign = tr.side === 'sell' ? -1 : 1;
    const id = String(tr.id);
    if (!(price > 0) || !(gross > 0)) throw new CcxtBrokerError(`${this.#cfg.exchange.id} ${this.#cfg.symbol}: trade ${id} has no price or amount`, undefined);
    const cost = num(tr.fee?.cost);
    const currency = tr.fee?.currency;
    if (cost === 0 || currency === this.#quote) return { id, units: sign * gross, gross, price, fee: cost };
    if (currency === this.#base) return { id, units: sign * gross - cost, gross, price, fee: cost * price };
    this.#cfg.onEvent({ type: 'foreign-fee', fillId: id, cost, currency: String(currency) });
    return { id, units: sign * gross, gross, price, fee: 0 };
  }

  /** The tracked order, or the exchange's (then tracked); undefined when nobody knows the id. */
  async #known(id: string): Promise<Tracked | undefined> {
    const t = this.#orders.get(id);
    if (t !== undefined) return t;
    const o = await this.#lookup(id);
    if (o === undefined) return undefined;
    const found = this.#track(id, o);
    // placed before start() (an order placed since is known), and not open then (those are
    // tracked): every fill it has was in the balances read into the account
    if (this.#fromBalances) for (const tr of await this.#trades(found)) this.#fillIds.add(String(tr.id));
    return found;
  }
}

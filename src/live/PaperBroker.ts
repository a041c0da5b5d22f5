import { PaperFills, type StepOrder } from '../backtest/fills.js';
import { accountFor } from '../backtest/account.js';
import type { BacktestAccountOptions } from '../backtest/backtest.js';
import { fail, requireKnownKeys, requireOneOf, requireRecord } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Account, Bar as FillBar, Fill } from '../envs/trading/Account.js';
import type { Broker, FillEvent, OrderRequest, OrderStatus } from './broker.js';
import type { Bar } from './types.js';

/** Options of {@link PaperBroker}. */
export interface PaperBrokerOptions {
  /** Cash and costs, as `backtest()` takes them (the same defaults: 10,000 cash, no costs). */
  readonly account?: BacktestAccountOptions;
  /** `'next-open'` (default): a market order fills at the next bar's open; `'close'`: at the close of the bar it was placed in. */
  readonly execution?: 'next-open' | 'close';
}

const REASONS = ['signal', 'stop-loss', 'take-profit', 'trailing-stop', 'daily-loss-limit', 'session-close', 'end', 'kill-switch'] as const;

/**
 * A simulated broker: it fills orders through an {@link Account} with the backtester's own
 * execution model (the same code `backtest()` fills with), so a run on a {@link ReplayFeed}
 * fills exactly as the backtest. A market order fills at the next bar's open (`'next-open'`) or
 * at the close of the bar it was placed in (`'close'`), paying the account's fee and slippage;
 * an exit fills at once at its price; borrow is charged at each close by the runner's mark.
 * Client order ids are idempotent: an id submitted again returns its status and places nothing.
 *
 * @example
 * ```ts
 * import { PaperBroker } from 'tradegym/live';
 * const broker = new PaperBroker({ account: { initialCash: 1000, fee: 10 }, execution: 'next-open' });
 * broker.onFill((f) => console.log(f.clientOrderId, f.units.toFixed(4), f.price)); // a-1 9.9900 100
 * await broker.onBar({ timestamp: 0, open: 100, high: 101, low: 99, close: 100, volume: 1 }, 0);
 * const order = { clientOrderId: 'a-1', type: 'market', target: 1, price: NaN, index: 0, timestamp: 0, reason: 'signal' } as const;
 * console.log((await broker.submit(order)).state); // 'open': it waits for the next open
 * await broker.onBar({ timestamp: 60_000, open: 100, high: 102, low: 99, close: 101, volume: 1 }, 1);
 * console.log((await broker.submit(order)).state); // 'filled': the same id places nothing twice
 * ```
 */
export class PaperBroker implements Broker {
  /** Always true: nothing leaves this process. */
  readonly paper = true;
  /** The ledger. */
  readonly account: Account;
  /** When market orders fill. */
  readonly execution: 'next-open' | 'close';
  readonly #fills: PaperFills;
  readonly #orders = new Map<string, OrderStatus>();
  readonly #listeners = new Set<(fill: FillEvent) => void>();
  #pendingId: string | undefined;
  #bar: Bar | undefined;
  #index = -1;

  /**
   * @param options - account and execution.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a bad value, naming it
   *   (`account.fee`, `execution`, ...).
   */
  constructor(options: PaperBrokerOptions = {}) {
    requireKnownKeys('options', options, ['account', 'execution']);
    this.account = accountFor(options.account === undefined ? {} : options.account);
    this.execution = requireOneOf('execution', options.execution ?? 'next-open', ['next-open', 'close']);
    this.#fills = new PaperFills(this.account, this.execution);
  }

  /**
   * Bar `index` has closed: the order waiting for the next open fills at its open.
   * @param bar - the bar.
   * @param index - its index, greater than the last bar's.
   * @throws `InvalidArgumentError` (from `tradegym`) for an index that does not increase.
   */
  async onBar(bar: Bar, index: number): Promise<void> {
    if (!Number.isSafeInteger(index) || index <= this.#index) fail('index', `an integer > the last bar's (${this.#index})`, index);
    this.#bar = bar;
    this.#index = index;
    const done = this.#fills.open(index, bar.open, this.#slipBar(bar));
    const id = this.#pendingId;
    if (done === undefined || id === undefined) return;
    this.#pendingId = undefined;
    this.#settle(id, done.fill);
  }

  /**
   * Places an order in the bar last seen.
   * @param order - the order.
   * @returns its status: `'filled'`, or `'open'` for a market order waiting for the next open.
   * @throws `InvalidArgumentError` (from `tradegym`) for a malformed order (naming the field), a
   *   limit order (paper fills market orders and exits only), or an order placed before the first bar.
   */
  async submit(order: OrderRequest): Promise<OrderStatus> {
    requireRecord('order', order);
    const id: unknown = order.clientOrderId;
    if (typeof id !== 'string' || id === '') fail('order.clientOrderId', 'a non-empty string', id);
    const known = this.#orders.get(id);
    if (known !== undefined) return known;
    // a limit order needs a book to rest on: the backtester's execution model has none
    if (order.type === 'limit') throw new InvalidArgumentError(`order.type must be one of 'market', 'exit', got "limit": a PaperBroker fills no limit orders (an exchange broker such as CcxtBroker does)`);
    const type = requireOneOf('order.type', order.type, ['market', 'exit']);
    if (typeof order.target !== 'number' || !Number.isFinite(order.target)) fail('order.target', 'a finite number', order.target);
    if (type === 'exit' && !(typeof order.price === 'number' && order.price > 0 && order.price < Infinity)) fail('order.price', 'a finite number > 0 for an exit', order.price);
    const reason = requireOneOf('order.reason', order.reason, REASONS);
    const bar = this.#bar;
    if (bar === undefined) fail('order', 'placed after the first bar (call onBar first)', id);
    if (this.#pendingId !== undefined && type === 'market') this.#cancelPending('canceled');
    const step: StepOrder = { kind: type === 'exit' ? 'exit' : 'target', target: order.target, price: type === 'exit' ? order.price : Number.NaN, index: this.#index, reason };
    const fill = this.#fills.submit(step, bar.close, this.#slipBar(bar));
    if (fill === 'pending') {
      this.#pendingId = id;
      const status: OrderStatus = { clientOrderId: id, state: 'open', filledUnits: 0, averagePrice: Number.NaN };
      this.#orders.set(id, status);
      return status;
    }
    return this.#settle(id, fill);
  }

  /**
   * Cancels the order if it is still open.
   * @param clientOrderId - the order's id.
   * @returns its status after, or undefined for an unknown id.
   */
  async cancel(clientOrderId: string): Promise<OrderStatus | undefined> {
    if (clientOrderId === this.#pendingId) this.#cancelPending('canceled');
    return this.#orders.get(clientOrderId);
  }

  /**
   * @param clientOrderId - the order's id.
   * @returns the order's status, or undefined for an unknown id.
   */
  async status(clientOrderId: string): Promise<OrderStatus | undefined> {
    return this.#orders.get(clientOrderId);
  }

  /**
   * @param listener - called with each fill.
   * @returns a function that removes the listener.
   */
  onFill(listener: (fill: FillEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #cancelPending(state: 'canceled'): void {
    const id = this.#pendingId as string;
    this.#fills.cancel();
    this.#pendingId = undefined;
    this.#orders.set(id, { clientOrderId: id, state, filledUnits: 0, averagePrice: Number.NaN });
  }

  /** Records a fill (or nothing to trade) as the order's final status and tells the listeners. */
  #settle(id: string, fill: Fill | undefined): OrderStatus {
    const status: OrderStatus = { clientOrderId: id, state: 'filled', filledUnits: fill?.units ?? 0, averagePrice: fill?.price ?? Number.NaN };
    this.#orders.set(id, status);
    if (fill !== undefined) {
      const event: FillEvent = {
        clientOrderId: id,
        index: this.#index,
        timestamp: (this.#bar as Bar).timestamp,
        units: fill.units,
        price: fill.price,
        fee: fill.fee,
        position: this.account.positions[0] as number,
        ...(fill.closed !== undefined ? { closed: fill.closed } : {}),
      };
      for (const l of this.#listeners) l(event);
    }
    return status;
  }

  /** The bar a slippage function sees (none built when the slippage is a constant). */
  #slipBar(bar: Bar): FillBar | undefined {
    return typeof this.account.slippage === 'function' ? { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume } : undefined;
  }
}

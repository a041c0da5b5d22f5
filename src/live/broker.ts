// What the runner asks of a broker: the paper one (PaperBroker.ts) or an exchange's (CcxtBroker.ts).
import type { OrderReason } from '../backtest/fills.js';
import type { Account, Trade } from '../envs/trading/Account.js';
import type { Bar } from './types.js';

export type { OrderReason } from '../backtest/fills.js';

/**
 * An order: a target position, or an exit at a price. Every order carries a client order id,
 * unique per runner, so that submitting it again (after a timeout, a restart) places nothing
 * twice.
 */
export interface OrderRequest {
  /** The caller's id of the order: submitting an id again returns that order's status. */
  readonly clientOrderId: string;
  /**
   * `'market'`: move the position to `target` times equity, at the market (the paper broker
   * fills it by its execution model); `'exit'`: close the whole position at once, at `price`
   * (a stop the risk rules found touched within the bar just closed, at its level or at the
   * open on a gap; a forced exit at the close); `'limit'`: move the position to `target` times
   * equity at `price` or better (an exchange broker rests it on the book until it fills or is
   * canceled; the paper broker refuses it).
   */
  readonly type: 'market' | 'exit' | 'limit';
  /** The target position as a signed fraction of equity (0 for an exit). */
  readonly target: number;
  /** An exit's fill price before slippage, a limit order's limit price (NaN for a market order). */
  readonly price: number;
  /** The bar (index since the runner's first bar, history included) the order was placed at. */
  readonly index: number;
  /** That bar's timestamp (ms). */
  readonly timestamp: number;
  /** Why it was placed. */
  readonly reason: OrderReason;
}

/** Where an order stands. */
export interface OrderStatus {
  /** The order's client id. */
  readonly clientOrderId: string;
  /** `'open'` (waiting to fill), `'filled'`, `'canceled'` or `'rejected'`. */
  readonly state: 'open' | 'filled' | 'canceled' | 'rejected';
  /** Units filled so far (signed). */
  readonly filledUnits: number;
  /** The average fill price (NaN before a fill). */
  readonly averagePrice: number;
  /** Why a rejected order was rejected. */
  readonly message?: string;
}

/** One fill of an order (an order may fill in parts at an exchange: one event per part). */
export interface FillEvent {
  /** The order's client id. */
  readonly clientOrderId: string;
  /** The bar index the fill happened in. */
  readonly index: number;
  /** That bar's timestamp (ms). */
  readonly timestamp: number;
  /** Units traded (signed). */
  readonly units: number;
  /** The price after slippage. */
  readonly price: number;
  /** The fee paid. */
  readonly fee: number;
  /** The units held after the fill. */
  readonly position: number;
  /** The round trip this fill closed, if any. */
  readonly closed?: Trade;
  /** The exchange's id of this fill (its trade id), when there is one: a fill is booked once per id. */
  readonly fillId?: string;
}

/** What an exchange holds for a runner, read when a runner starts or restarts (reconciliation). */
export interface BrokerSnapshot {
  /** Units of the traded asset held at the exchange (signed). */
  readonly position: number;
  /** Quote-currency cash at the exchange (free plus locked in orders). */
  readonly cash: number;
  /** The open orders placed under this broker's client order id prefix. */
  readonly openOrders: readonly OrderStatus[];
}

/**
 * A broker as the {@link LiveRunner} sees it: it takes orders by client id, reports fills as
 * events, and keeps the {@link Account} that mirrors the book (the paper broker's is the book).
 * The shape fits an exchange broker: market orders, exits and limit orders, partial fills (one
 * event each), order status polling at each bar, and reconciliation at a (re)start.
 */
export interface Broker {
  /** True for a simulated broker; the runner refuses any other unless told `realOrders: true`. */
  readonly paper: boolean;
  /** The ledger the fills go through. */
  readonly account: Account;
  /**
   * Whether a position of `units` (not 0) is one no order can trade at `price` (an exchange's
   * dust, below its minimum amount or cost): the runner's stops, exits and minimum hold take it
   * as flat (default: never).
   */
  isDust?(units: number, price: number): boolean;
  /**
   * Bar `index` has closed: orders waiting for its open fill there (paper), or the exchange's
   * fills and order states are brought up to date (live).
   */
  onBar(bar: Bar, index: number): Promise<void>;
  /**
   * Places an order, or returns the status of the order already placed with its client id. The
   * fills the order made before this resolves are told to the `onFill` listeners before it
   * resolves (a journal records them in that order).
   */
  submit(order: OrderRequest): Promise<OrderStatus>;
  /** Cancels an open order; a filled or unknown one is left as it is. */
  cancel(clientOrderId: string): Promise<OrderStatus | undefined>;
  /** The status of an order placed with this client id, if any. */
  status(clientOrderId: string): Promise<OrderStatus | undefined>;
  /** Calls `listener` with every fill from now on. @returns a function that stops the calls. */
  onFill(listener: (fill: FillEvent) => void): () => void;
  /**
   * (A broker whose book lives outside this process.) The exchange's position, cash and open
   * orders, for reconciliation at a (re)start.
   */
  snapshot?(): Promise<BrokerSnapshot>;
  /**
   * (A broker whose book lives outside this process.) Every fill the exchange made of the order
   * with this client id so far, each with its `fillId`, dated `index` (the bar the runner is at).
   */
  fillsOf?(clientOrderId: string, index: number): Promise<readonly FillEvent[]>;
  /**
   * (A broker whose book lives outside this process.) The book as it stands, as plain data (the
   * account's snapshot and whatever else `restoreBook` needs): a runner keeps it in its journal
   * when a run first starts.
   */
  saveBook?(): Readonly<Record<string, unknown>>;
  /**
   * (A broker whose book lives outside this process.) Puts the book back to one `saveBook` gave
   * (the run's first, from the journal), before a restarted runner replays the journaled fills
   * into it with `restoreFill`.
   */
  restoreBook?(book: Readonly<Record<string, unknown>>): void;
  /**
   * (A broker whose book lives outside this process.) Books a fill an earlier process journaled
   * into `account` as it was, without contacting the exchange and without telling listeners (a
   * restarted runner rebuilds its book this way).
   */
  restoreFill?(fill: FillEvent): void;
}

// The paper execution model, written once: backtest() fills through it directly, the live
// PaperBroker (tradegym/live) through the same object, so a replay fills exactly as the backtest.
import type { Account, Bar, Fill } from '../envs/trading/Account.js';
import type { RiskEvent } from './risk.js';

/** Why an order was placed. */
export type OrderReason = 'signal' | RiskEvent['kind'] | 'end' | 'kill-switch';

/**
 * What the stepper asks to fill: `'target'` moves the position to `target` times equity and
 * fills by the execution model; `'exit'` closes the position at `price` (a stop's level, or a
 * close) at once. @internal
 */
export interface StepOrder {
  /** `'target'` or `'exit'`. */
  readonly kind: 'target' | 'exit';
  /** The target position as a signed fraction of equity (0 for an exit). */
  readonly target: number;
  /** An exit's fill price before slippage (NaN for a target). */
  readonly price: number;
  /** The bar the order was decided at (a target) or fills in (an exit). */
  readonly index: number;
  /** Why. */
  readonly reason: OrderReason;
}

/**
 * Fills {@link StepOrder}s on an Account: an exit at once at its price; a target at the close of
 * its bar (`'close'`), or held until the next bar opens and filled at that open (`'next-open'`).
 * Equity for sizing is valued at the fill's reference price, as the envs do. @internal
 */
export class PaperFills {
  readonly #acct: Account;
  readonly #nextOpen: boolean;
  readonly #px = new Float64Array(1);
  #pending: StepOrder | undefined;

  constructor(account: Account, execution: 'next-open' | 'close') {
    this.#acct = account;
    this.#nextOpen = execution === 'next-open';
  }

  /** The order waiting for the next open, if any. */
  get pending(): StepOrder | undefined {
    return this.#pending;
  }

  /**
   * Bar `index` opened at `open`: the pending order fills there.
   * @param bar - the bar, for a slippage function (undefined when the slippage is a constant).
   */
  open(index: number, open: number, bar: Bar | undefined): { readonly order: StepOrder; readonly fill: Fill | undefined } | undefined {
    const order = this.#pending;
    if (order === undefined) return undefined;
    this.#pending = undefined;
    return { order, fill: this.#target(order.target, open, index, bar) };
  }

  /**
   * Places `order` in bar `index`, whose close is `close`.
   * @returns the fill, undefined when nothing needed to trade, or `'pending'` for a target
   *   waiting for the next open.
   */
  submit(order: StepOrder, close: number, bar: Bar | undefined): Fill | undefined | 'pending' {
    const acct = this.#acct;
    if (order.kind === 'exit') {
      const units = acct.positions[0] as number;
      return units === 0 ? undefined : acct.trade(0, -units, order.price, order.index, bar);
    }
    if (this.#nextOpen) {
      this.#pending = order;
      return 'pending';
    }
    return this.#target(order.target, close, order.index, bar);
  }

  /** Drops the pending order. @returns it, if there was one. */
  cancel(): StepOrder | undefined {
    const order = this.#pending;
    this.#pending = undefined;
    return order;
  }

  #target(target: number, price: number, index: number, bar: Bar | undefined): Fill | undefined {
    this.#px[0] = price;
    return this.#acct.setTarget(0, target, price, index, bar, this.#px);
  }
}

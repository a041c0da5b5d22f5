// A broker whose book is outside the process, for restart tests: a tiny in-memory exchange (the
// oracle) that outlives the runner, behind a Broker with paper: false. Every third order fills
// half at once and half at the next bar (a fill that arrives after the answer).
import { Account } from '../../src/envs/trading/Account.js';
import type { Broker, BrokerSnapshot, FillEvent, OrderRequest, OrderStatus } from '../../src/live/broker.js';
import type { Journal } from '../../src/live/journal.js';
import type { Bar } from '../../src/live/types.js';

// and half at the next bar (a fill that arrives after the answer).

export interface ExchangeOrder {
  status: OrderStatus;
  fills: FillEvent[];
  rest: number;
}
export interface ExchangeState {
  cash: number;
  position: number;
  price: number;
  orders: Record<string, ExchangeOrder>;
  submits: string[];
  trades: number;
}
const FEE = 0.001;

export class ExchangeBroker implements Broker {
  readonly paper = false;
  readonly account = new Account({ initialCash: 10_000 });
  readonly #x: ExchangeState;
  readonly #listeners = new Set<(f: FillEvent) => void>();
  readonly #booked = new Set<string>();
  #index = -1;
  #timestamp = 0;
  /** Bars this broker was given; with `requireBar`, it values no order before one (as CcxtBroker). */
  bars = 0;
  requireBar = false;

  constructor(state: ExchangeState) {
    this.#x = state;
  }

  async onBar(bar: Bar, index: number): Promise<void> {
    this.bars++;
    this.#x.price = bar.close;
    this.#index = index;
    this.#timestamp = bar.timestamp;
    for (const [id, o] of Object.entries(this.#x.orders)) {
      if (o.status.state !== 'open') continue;
      this.#fill(id, o, o.rest);
      o.rest = 0;
      o.status = { ...o.status, state: 'filled' };
    }
  }

  async submit(order: OrderRequest): Promise<OrderStatus> {
    if (this.requireBar && this.bars === 0) throw new Error('submit before any bar: no price to value the order');
    const x = this.#x;
    const known = x.orders[order.clientOrderId];
    if (known !== undefined) return known.status;
    x.submits.push(order.clientOrderId);
    const units = order.type === 'exit' ? -x.position : (order.target * (x.cash + x.position * x.price)) / x.price - x.position;
    const o: ExchangeOrder = { status: { clientOrderId: order.clientOrderId, state: 'filled', filledUnits: units, averagePrice: x.price }, fills: [], rest: 0 };
    x.orders[order.clientOrderId] = o;
    if (units === 0) return o.status;
    const later = x.submits.length % 3 === 0 && order.type === 'market';
    this.#fill(order.clientOrderId, o, later ? units / 2 : units, order.type === 'exit' ? order.price : x.price);
    if (later) {
      o.rest = units / 2;
      o.status = { ...o.status, state: 'open' };
    }
    return o.status;
  }

  async cancel(id: string): Promise<OrderStatus | undefined> {
    const o = this.#x.orders[id];
    if (o?.status.state === 'open') {
      o.rest = 0;
      o.status = { ...o.status, state: 'canceled', filledUnits: o.fills.reduce((s, f) => s + f.units, 0) };
    }
    return o?.status;
  }

  async status(id: string): Promise<OrderStatus | undefined> {
    return this.#x.orders[id]?.status;
  }

  onFill(listener: (f: FillEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async snapshot(): Promise<BrokerSnapshot> {
    return { position: this.#x.position, cash: this.#x.cash, openOrders: [] };
  }

  async fillsOf(id: string): Promise<readonly FillEvent[]> {
    return this.#x.orders[id]?.fills ?? [];
  }

  saveBook(): Readonly<Record<string, unknown>> {
    return { account: this.account.snapshot() };
  }

  restoreBook(book: Readonly<Record<string, unknown>>): void {
    this.account.restore(book['account']);
  }

  restoreFill(f: FillEvent): void {
    if (this.#booked.has(f.fillId as string)) return;
    this.#booked.add(f.fillId as string);
    this.account.book(0, f.units, f.price, f.fee, f.index);
  }

  /** The exchange trades; the account books it; the listeners hear of it. */
  #fill(id: string, o: ExchangeOrder, units: number, price = this.#x.price): void {
    const x = this.#x;
    const fee = Math.abs(units) * price * FEE;
    x.cash -= units * price + fee;
    x.position += units;
    const fillId = `t${++x.trades}`;
    this.#booked.add(fillId);
    this.account.book(0, units, price, fee, this.#index);
    const f: FillEvent = { clientOrderId: id, index: this.#index, timestamp: this.#timestamp, units, price, fee, position: this.account.positions[0] as number, fillId };
    o.fills.push(f);
    for (const l of this.#listeners) l(f);
  }
}

/** A journal that keeps, for each append, the exchange's state just before it and just after it. */
export function watchedJournal(inner: Journal, state: ExchangeState, before: ExchangeState[], after: ExchangeState[]): Journal {
  return {
    read: () => inner.read(),
    close: () => inner.close(),
    async append(record) {
      before.push(structuredClone(state));
      await inner.append(record);
      after.push(structuredClone(state));
    },
  };
}

export const freshExchange = (price: number): ExchangeState => ({ cash: 10_000, position: 0, price, orders: {}, submits: [], trades: 0 });

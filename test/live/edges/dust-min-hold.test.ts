// Dust and minHoldBars: the dust an exit leaves is no position to the minimum hold. Re-entering
// from dust is not blocked as if it closed a young position, and a position entered on dust is
// young from its own entry (the account's trade goes on from the dust trade's).
import { describe, expect, it } from 'vitest';
import { Account, MarketData, type StrategyContext } from '../../../src/index.js';
import type { FillEvent, OrderRequest, OrderStatus } from '../../../src/live/broker.js';
import { LiveRunner, ReplayFeed, type Bar, type Broker, type LiveEvent } from '../../../src/live/index.js';

/** A spot-like broker outside the process: fills at the last close, no fee; a sell to 0 leaves `left` units (a Binance exit's dust). */
class DustBroker implements Broker {
  readonly paper = false;
  readonly account = new Account({ initialCash: 10_000 });
  readonly #listeners = new Set<(f: FillEvent) => void>();
  #price = Number.NaN;
  #index = -1;
  #ts = 0;
  constructor(
    readonly left: number,
    readonly dust: number,
  ) {}
  isDust(units: number): boolean {
    return Math.abs(units) <= this.dust;
  }
  async onBar(bar: Bar, index: number) {
    this.#price = bar.close;
    this.#index = index;
    this.#ts = bar.timestamp;
  }
  async submit(order: OrderRequest): Promise<OrderStatus> {
    const pos = this.account.positions[0] as number;
    const eq = this.account.cash + pos * this.#price;
    let units = order.type === 'exit' ? -pos : (order.target * eq) / this.#price - pos;
    if (pos > 0 && pos + units <= this.left) units = this.left - pos; // the unsellable rest stays
    if (Math.abs(units) < 1e-12) return { clientOrderId: order.clientOrderId, state: 'filled', filledUnits: 0, averagePrice: Number.NaN };
    this.account.book(0, units, this.#price, 0, this.#index);
    const f: FillEvent = { clientOrderId: order.clientOrderId, index: this.#index, timestamp: this.#ts, units, price: this.#price, fee: 0, position: this.account.positions[0] as number, fillId: `f${order.clientOrderId}` };
    for (const l of this.#listeners) l(f);
    return { clientOrderId: order.clientOrderId, state: 'filled', filledUnits: units, averagePrice: this.#price };
  }
  async cancel() {
    return undefined;
  }
  async status() {
    return undefined;
  }
  onFill(l: (f: FillEvent) => void) {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}

function bars(n: number, lowAt: Record<number, number> = {}): MarketData {
  const ts = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
  const c = Array.from({ length: n }, () => 100);
  return new MarketData({ symbol: 'BTC/USDT', timeframe: '1h', timestamps: ts, open: c, high: c.map((x) => x + 0.1), low: c.map((x, i) => lowAt[i] ?? x - 0.1), close: c, volume: c });
}

async function live(data: MarketData, strategy: (c: StrategyContext) => number, risk: object, left: number, dust: number, execution: 'close' | 'next-open' = 'close') {
  const orders: string[] = [];
  const r = await new LiveRunner({
    feed: new ReplayFeed(data),
    strategy,
    risk,
    execution,
    broker: new DustBroker(left, dust),
    realOrders: true,
    onEvent: (e: LiveEvent) => {
      if (e.type === 'order' && e.status.filledUnits !== 0) orders.push(`${e.order.index}:${e.order.reason}:${e.order.target}`);
    },
  }).run();
  return { orders, positions: Array.from(r.positions) };
}

describe('dust and minHoldBars', () => {
  it('(a) a stop-loss leaves dust: the re-entry on a new signal is blocked by minHoldBars (backtest and dust 0: re-entered)', async () => {
    const data = bars(20, { 6: 95 });
    const strategy = ({ index }: StrategyContext) => (index < 5 ? 0 : index < 7 ? 1 : 0.5);
    const risk = { stopLoss: 0.02, minHoldBars: 5 };
    const clean = await live(data, strategy, risk, 0, 0.001);
    const dusty = await live(data, strategy, risk, 0.0005, 0.001);
    expect(clean.orders).toContain('7:signal:0.5');
    expect(dusty.orders).toContain('7:signal:0.5');
  });

  it('(b) a position re-entered on dust is not young to minHoldBars: closed at once (backtest and dust 0: held 5 bars)', async () => {
    const data = bars(24);
    // long at 3, flat at 8 (dust left), long again at 12, flat signal at 13
    const strategy = ({ index }: StrategyContext) => (index >= 3 && index < 8 ? 1 : index === 12 ? 1 : 0);
    const risk = { minHoldBars: 5 };
    const clean = await live(data, strategy, risk, 0, 0.001);
    const dusty = await live(data, strategy, risk, 0.0005, 0.001);
    expect(clean.orders).toEqual(dusty.orders);
  });

  it('(c) with next-open execution on a broker that fills at once, a position entered on dust is held as long as one entered from 0', async () => {
    const data = bars(24);
    // long at 3, flat at 8 (dust left), long again at 12, flat signal from 13 on
    const strategy = ({ index }: StrategyContext) => (index >= 3 && index < 8 ? 1 : index === 12 ? 1 : 0);
    const risk = { minHoldBars: 5 };
    const clean = await live(data, strategy, risk, 0, 0.001, 'next-open');
    const dusty = await live(data, strategy, risk, 0.0005, 0.001, 'next-open');
    expect(dusty.orders).toEqual(clean.orders);
  });
});

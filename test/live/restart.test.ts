// A restart from the journal, in process: a paper run whose journal is cut after its k-th record
// (what a crash right after that durable append leaves) and restarted on a fresh broker ends
// exactly as the uninterrupted run (Object.is on every number) and as backtest(), for every k;
// its journal then holds the uninterrupted run's records, each intent once. A changed strategy
// is refused before anything is placed. Through an exchange (a broker outside the process), a
// restart at any point sends no order twice, journals every fill once and agrees with the
// exchange, or refuses to trade.
import { describe, expect, it } from 'vitest';
import { Account, backtest, DataValidationError, FeaturePipeline, InvalidArgumentError, RegimeGenerator, type MarketData, type RiskOptions, type StrategyContext } from '../../src/index.js';
import type { BrokerSnapshot, FillEvent, OrderRequest, OrderStatus } from '../../src/live/broker.js';
import { LiveRunner, ReplayFeed, replayFeatures, type Bar, type Broker, type Feed, type LiveEvent, type LiveResult } from '../../src/live/index.js';
import { memoryJournal, ReconciliationError, RecoveryError, type Journal, type JournalRecord } from '../../src/live/journal.js';
import { randomBars } from '../helpers/randomBars.js';
import { meanCross } from '../helpers/strategies.js';

function expectSame(a: LiveResult, b: LiveResult): void {
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => (x.length !== y.length ? -2 : Array.from(x).findIndex((v, i) => !Object.is(v, y[i])));
  expect(diff(a.timestamps, b.timestamps)).toBe(-1);
  expect(diff(a.equity, b.equity)).toBe(-1);
  expect(diff(a.positions, b.positions)).toBe(-1);
  expect(a.trades).toEqual(b.trades);
  a.trades.forEach((t, k) => expect(Object.is(t.pnl, b.trades[k]?.pnl)).toBe(true));
  expect(Object.is(a.fees, b.fees)).toBe(true);
  expect(Object.is(a.borrow, b.borrow)).toBe(true);
  expect(a.riskEvents).toEqual(b.riskEvents);
}

/** The records without the `start` each (re)start writes. */
const body = (rs: readonly JournalRecord[]) => rs.filter((r) => r.type !== 'start');
/** The records as text, every number kept exactly (NaN and -0 too): a fast exact comparison. */
const text = (rs: readonly JournalRecord[]) => JSON.stringify(body(rs), (_k, v: unknown) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v));

/** Each intent's client id appears at most once. */
function intentsOnce(rs: readonly JournalRecord[]): void {
  const ids = rs.flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
  expect(new Set(ids).size).toBe(ids.length);
}

type Make = (journal: ReturnType<typeof memoryJournal>) => LiveRunner;

/**
 * Runs once uninterrupted, then for each cut k restarts on the first k records: the result and
 * the journal must be the uninterrupted run's. @returns the number of records and of cuts tried.
 */
async function everyCut(make: Make, step = 1): Promise<{ records: number; cuts: number; reference: LiveResult }> {
  const full = memoryJournal();
  const reference = await make(full).run();
  const records = await full.read();
  intentsOnce(records);
  expect(records.filter((r) => r.type === 'intent').length).toBeGreaterThan(10);
  let cuts = 0;
  for (let k = 1; k < records.length; k += step) {
    const journal = memoryJournal(records.slice(0, k));
    const runner = make(journal);
    const restarted = await runner.run();
    expectSame(restarted, reference);
    expect(text(await journal.read())).toBe(text(records));
    cuts++;
  }
  return { records: records.length, cuts, reference };
}

const RISKS: [string, RiskOptions][] = [
  ['no rules', {}],
  ['stop loss, take profit, cooldown', { stopLoss: 0.01, takeProfit: 0.02, cooldownBars: 4 }],
  ['trailing stop, minHoldBars, daily loss limit, volatility sizing', { trailingStop: 0.012, minHoldBars: 5, dailyLossLimit: 0.01, sizing: { kind: 'volatility', targetVolatility: 0.004 } }],
];

describe('a paper run restarted from its journal cut after any record', () => {
  const data = randomBars(100, 12);
  // every cut of the first; every 4th of the others (the cuts are O(records^2) bars to replay)
  it.each(RISKS.flatMap(([name, risk], i) => (['next-open', 'close'] as const).map((execution, e) => [name, execution, risk, i + e === 0 ? 1 : 4] as const)))(
    '%s (%s): equals the uninterrupted run and backtest()',
    async (_name, execution, risk, step) => {
      const account = { fee: 10, slippage: 3, borrowRate: 1e-5 };
      const make: Make = (journal) => new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), account, execution, risk, journal });
      const { records, cuts, reference } = await everyCut(make, step);
      expect(cuts).toBe(Math.ceil((records - 1) / step));
      const bt = backtest({ data, strategy: meanCross(8), account, execution, risk });
      expect(Array.from(reference.equity)).toEqual(Array.from(bt.equity));
      expect(reference.trades).toEqual(bt.trades);
      expect(Object.is(reference.fees, bt.fees)).toBe(true);
    },
  );

  it('an agent with streamed features, closing at the end: the features and the stepper are rebuilt too', async () => {
    const d: MarketData = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 120, seed: 5 }).data;
    const frame = new FeaturePipeline(['logReturns', 'rsi']).compute(d);
    // a deterministic function of the whole observation (window and account features)
    const agent = {
      predict: (o: Float32Array) => {
        let s = 0;
        for (let i = 0; i < o.length; i++) s += Math.sin(o[i]! * (i + 1) * 5.1);
        return Math.floor(Math.abs(s) * 10) % 3;
      },
    };
    const make: Make = (journal) =>
      new LiveRunner({
        feed: new ReplayFeed(d),
        strategy: { agent, features: replayFeatures(frame), windowSize: 6, actionScheme: 'discrete-3' },
        account: { fee: 5 },
        risk: { stopLoss: 0.01, cooldownBars: 3 },
        closeAtEnd: true,
        journal,
      });
    const { cuts } = await everyCut(make, 5);
    expect(cuts).toBeGreaterThan(25);
  });

  // the kill switch pulled at a bar's end, between a decision and its order (the order is
  // refused: a 'blocked' record), or during a bar's fills (no decision: a 'skip' record)
  it.each([
    ['at the end of bar 60', 'flatten'],
    ['between a decision and its order', 'blocked'],
    ['during the fills of a bar', 'skip'],
  ] as const)('a run stopped by its kill switch %s replays its flattening, and the restart trades on', async (when, record) => {
    const journal = memoryJournal();
    let last = Number.NaN;
    const trigger = (e: LiveEvent): boolean => {
      if (when === 'at the end of bar 60') return e.type === 'bar' && e.index === 60;
      if (when === 'during the fills of a bar') return e.type === 'fill' && e.index >= 60;
      if (e.type !== 'signal') return false;
      const changes = e.index >= 60 && e.target !== last;
      last = e.target;
      return changes;
    };
    const runner: LiveRunner = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal, onEvent: (e) => trigger(e) && runner.kill('operator') });
    const killed = await runner.run();
    expect(killed.stopReason).toBe('kill-switch');
    const records = await journal.read();
    const at = killed.equity.length - 1;
    expect(records.some((r) => r.type === 'flatten' && r.index === at && r.reason === 'operator')).toBe(true);
    expect(records.some((r) => r.type === record)).toBe(true);
    const events: LiveEvent[] = [];
    const restart = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records), onEvent: (e) => events.push(e) });
    const r = await restart.run();
    // the bars up to the kill are the killed run's book, exactly; trading goes on after
    expect(Array.from(r.equity.subarray(0, at + 1))).toEqual(Array.from(killed.equity));
    expect(r.equity.length).toBe(data.length);
    expect(killed.positions.at(-1)).toBe(0);
    expect(r.trades.length).toBeGreaterThan(killed.trades.length);
    expect(events[0]).toMatchObject({ type: 'recovery', index: at, bars: at + 1, resolved: 0, position: 0 });
    expect(events.filter((e) => e.type === 'bar')[0]).toMatchObject({ index: at + 1 }); // replayed bars are not told again
  });

  it('journals no bad bar: a run stopped by one restarts on a good feed', async () => {
    const journal = memoryJournal();
    const replay = new ReplayFeed(data);
    // bars 0..49, then bar 10 again: out of order
    const bad: Feed = {
      timeframe: replay.timeframe,
      close: () => replay.close(),
      async *[Symbol.asyncIterator]() {
        let n = 0;
        for await (const b of replay) {
          yield n++ === 50 ? { ...b, timestamp: data.timestamps[10] as number } : b;
        }
      },
    };
    const err = await new LiveRunner({ feed: bad, strategy: meanCross(8), journal }).run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    const records = await journal.read();
    expect(records.filter((r) => r.type === 'bar').at(-1)).toMatchObject({ index: 49 });
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records) }).run();
    expect(r.stopReason).toBe('feed-ended');
    expect(r.equity.length).toBe(data.length);
  });

  it('refuses a changed strategy, order by order, before placing or journaling anything', async () => {
    const journal = memoryJournal();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal }).run();
    const records = (await journal.read()).slice(0, 200);
    const again = memoryJournal(records);
    const events: LiveEvent[] = [];
    const changed = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(9), journal: again, onEvent: (e) => events.push(e) });
    const err = await changed.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryError);
    expect((err as Error).message).toMatch(/^journal record \d+: (the replay ordered tg-\d+-\d+|an intent record the replay did not make).*the strategy, its options, the history or the broker changed/);
    expect(body(await again.read())).toEqual(body(records)); // nothing journaled but the start
    expect(events.map((e) => e.type)).toEqual(['error', 'stop']); // no order, no fill, no flattening
    // another prefix or timeframe is another runner's journal
    const other = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records), orderIdPrefix: 'x-' }).run().catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RecoveryError);
    expect((other as Error).message).toContain('prefix "tg-"');
  });

  it('refuses a bad journal option, and a broker outside the process that cannot restore fills', () => {
    const feed = new ReplayFeed(data);
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), journal: 5 as unknown as string })).toThrow(InvalidArgumentError);
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), journal: '' })).toThrow('journal must be a non-empty file path or a Journal, got ""');
    const outside = { paper: false, account: new LiveRunner({ feed, strategy: meanCross(8) }).account, onBar: async () => {}, submit: async () => ({}), cancel: async () => undefined, status: async () => undefined, onFill: () => () => {} } as unknown as Broker;
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), broker: outside, realOrders: true, journal: memoryJournal() })).toThrow(/broker must be a broker with restoreFill and fillsOf/);
  });
});

// ---------------------------------------------------------------------------------------------
// A broker whose book is outside the process: a tiny in-memory exchange (the oracle) that
// outlives the runner, behind a Broker with paper: false. Every third order fills half at once
// and half at the next bar (a fill that arrives after the answer).

interface ExchangeOrder {
  status: OrderStatus;
  fills: FillEvent[];
  rest: number;
}
interface ExchangeState {
  cash: number;
  position: number;
  price: number;
  orders: Record<string, ExchangeOrder>;
  submits: string[];
  trades: number;
}
const FEE = 0.001;

class ExchangeBroker implements Broker {
  readonly paper = false;
  readonly account = new Account({ initialCash: 10_000 });
  readonly #x: ExchangeState;
  readonly #listeners = new Set<(f: FillEvent) => void>();
  readonly #booked = new Set<string>();
  #index = -1;
  #timestamp = 0;

  constructor(state: ExchangeState) {
    this.#x = state;
  }

  async onBar(bar: Bar, index: number): Promise<void> {
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
function watchedJournal(inner: Journal, state: ExchangeState, before: ExchangeState[], after: ExchangeState[]): Journal {
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

const freshExchange = (price: number): ExchangeState => ({ cash: 10_000, position: 0, price, orders: {}, submits: [], trades: 0 });

describe('a run through an exchange restarted from its journal', () => {
  const data = randomBars(70, 21);
  const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
  const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
    new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

  it('killed before or after any append (with the exchange as it then was): no order twice, every fill once, the books agree', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    const after: ExchangeState[] = [];
    await make(watchedJournal(full, state, before, after), new ExchangeBroker(state)).run();
    const records = await full.read();
    expect(records.filter((r) => r.type === 'intent').length).toBeGreaterThan(10);
    let settled = 0;
    for (let k = 1; k < records.length; k++) {
      // died right after append k, or right before append k + 1 became durable (the exchange had
      // done whatever came between: an order placed whose answer was never journaled...)
      for (const x of [after[k - 1], before[k]]) {
        const exchange = structuredClone(x) as ExchangeState;
        const journal = memoryJournal(records.slice(0, k));
        const broker = new ExchangeBroker(exchange);
        const events: LiveEvent[] = [];
        const r = await make(journal, broker, (e) => events.push(e)).run();
        expect(r.stopReason).toBe('feed-ended');
        const rs = await journal.read();
        const recovery = events.find((e) => e.type === 'recovery');
        if (recovery?.type === 'recovery') settled += recovery.resolved;
        // no client order id sent twice, in either process
        expect(new Set(exchange.submits).size).toBe(exchange.submits.length);
        const intents = rs.flatMap((q) => (q.type === 'intent' ? [q.order.clientOrderId] : []));
        expect(new Set(intents).size).toBe(intents.length);
        // every exchange trade is journaled once
        const traded = Object.values(exchange.orders).flatMap((o) => o.fills.map((f) => f.fillId));
        const journaled = rs.flatMap((q) => (q.type === 'fill' ? [q.fill.fillId] : []));
        expect(journaled.sort()).toEqual(traded.sort());
        // the books agree (the same fills summed in another order: float noise only)
        expect(broker.account.positions[0]).toBeCloseTo(exchange.position, 9);
        expect(broker.account.cash).toBeCloseTo(exchange.cash, 6);
        expect(rs.filter((q) => q.type === 'reconcile').every((q) => q.type === 'reconcile' && q.ok)).toBe(true);
      }
    }
    expect(settled).toBeGreaterThan(10); // orders the journal did not settle were asked of the exchange
  });

  it('refuses to trade, or even flatten, when the exchange holds what the journal does not', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    await make(full, new ExchangeBroker(state)).run();
    const records = (await full.read()).slice(0, 120);
    const exchange = structuredClone(state);
    exchange.position += 0.5; // bought by hand
    exchange.cash -= 0.5 * exchange.price;
    const submitted = exchange.submits.length;
    const events: LiveEvent[] = [];
    const err = await make(memoryJournal(records), new ExchangeBroker(exchange), (e) => events.push(e)).run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconciliationError);
    expect((err as ReconciliationError).position).toBe(exchange.position);
    expect(exchange.submits.length).toBe(submitted);
    expect(events.map((e) => e.type)).toEqual(['error', 'stop']);
    expect(events[0]).toMatchObject({ type: 'error', name: 'ReconciliationError' });
  });
});

// Restarts through CcxtBroker (ccxt's real binance class) against the fake Binance, in process:
// the restarted runner's broker is started from today's balances (`start()`), and the runner
// puts its book back to the run's first one from the journal; right after the replay, the
// broker can place the exit of a flatten (the kill switch pulled from the recovery event, or a
// feed that fails at once); two fresh runs on one exchange never share a client order id.
import { afterEach, describe, expect, it } from 'vitest';
import { CcxtBroker } from '../../src/live/CcxtBroker.js';
import { memoryJournal, type Journal, type JournalRecord } from '../../src/live/journal.js';
import type { LiveEvent } from '../../src/live/events.js';
import { LiveRunner } from '../../src/live/LiveRunner.js';
import { ReplayFeed } from '../../src/live/ReplayFeed.js';
import type { Feed } from '../../src/live/types.js';
import { binanceAt, cashSlack, FILTERS, setPriceAt, start, type FakeOrdersServer } from '../helpers/fakeBinanceOrders.js';
import { randomBars } from '../helpers/randomBars.js';
import { RUN, strategy, tradingAtClose } from './crash-child.js';

const data = randomBars(RUN.bars, RUN.seed);
let fake: FakeOrdersServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A broker started from the exchange's balances, trading at the close of the bar it last saw (as crash-child's). */
async function brokerAt(url: string): Promise<CcxtBroker> {
  const broker = new CcxtBroker({ exchange: binanceAt(url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
  await broker.start();
  return tradingAtClose(broker, url, data.close[0] as number, setPriceAt);
}

/** A journal whose process "dies" after the record `dies` accepts: nothing after it is durable. */
function dyingJournal(inner: Journal, dies: (r: JournalRecord) => boolean): Journal {
  let dead = false;
  return {
    read: () => inner.read(),
    close: () => inner.close(),
    async append(record) {
      if (dead) throw new Error('the process is dead');
      await inner.append(record);
      if (dies(record)) dead = true;
    },
  };
}

const runner = (feed: Feed, broker: CcxtBroker, journal: Journal, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed, strategy, risk: RUN.risk, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

/** Trades until the first buy's fill is journaled, then dies: the exchange holds BTC the journal knows of. */
async function holding(): Promise<{ url: string; records: JournalRecord[] }> {
  fake = await start({ balances: { USDT: 10_000 }, price: data.close[0] as number });
  const journal = memoryJournal();
  const err = await runner(new ReplayFeed(data), await brokerAt(fake.url), dyingJournal(journal, (r) => r.type === 'fill' && r.fill.units > 0))
    .run()
    .catch((e: unknown) => e);
  expect((err as Error).message).toBe('the process is dead');
  expect(fake.state.balances.BTC.free).toBeGreaterThan(10);
  return { url: fake.url, records: await journal.read() };
}

const btc = () => (fake as FakeOrdersServer).state.balances.BTC;
const usdt = () => (fake as FakeOrdersServer).state.balances.USDT;

describe('a LiveRunner with CcxtBroker restarted from its journal, the broker started from today\'s balances', () => {
  it('puts the book back to the run\'s first one, replays the fills into it and agrees with the exchange; then trades on', async () => {
    const { url, records } = await holding();
    const first = records.find((r) => r.type === 'start');
    expect(first?.type === 'start' && first.book).toMatchObject({ account: { cash: 10_000, positions: [0] }, fillIds: [] });
    const broker = await brokerAt(url);
    // start() read today's balances: the BTC bought is in the account before the runner replays its fill
    expect(broker.account.positions[0]).toBe(btc().free + btc().locked);
    const journal = memoryJournal(records);
    const r = await runner(new ReplayFeed(data), broker, journal).run();
    expect(r.stopReason).toBe('feed-ended');
    const rs = await journal.read();
    const reconciled = rs.filter((q) => q.type === 'reconcile');
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]).toMatchObject({ ok: true });
    // the exchange's book is the runner's at the end
    expect(broker.account.positions[0]).toBeCloseTo(btc().free + btc().locked, 9);
    expect(Math.abs(broker.account.cash - (usdt().free + usdt().locked))).toBeLessThanOrEqual(cashSlack((fake as FakeOrdersServer).state)); // the API's 8 decimals
    expect(r.equity.length).toBe(RUN.bars);
  });

  it.each([
    ['the kill switch pulled from the recovery event', 'kill'],
    ['a feed that fails at once', 'feed'],
  ] as const)('flattens the book right after the replay: %s', async (_what, how) => {
    const { url, records } = await holding();
    const broker = await brokerAt(url);
    const replay = new ReplayFeed(data);
    let n = 0;
    // the journaled bars come again (skipped), then the first new one fails
    const failing: Feed = {
      timeframe: replay.timeframe,
      close: () => replay.close(),
      async *[Symbol.asyncIterator]() {
        const last = records.reduce((m, q) => (q.type === 'bar' ? q.index : m), -1);
        for await (const b of replay) {
          if (n++ > last) throw new Error('feed down');
          yield b;
        }
      },
    };
    const orders = fake?.state.orders.length as number;
    const run = runner(how === 'feed' ? failing : replay, broker, memoryJournal(records), (e) => {
      if (how === 'kill' && e.type === 'recovery') run.kill('operator');
    });
    const result = await run.run().catch((e: unknown) => e);
    if (how === 'feed') expect((result as Error).message).toBe('feed down');
    else expect(result).toMatchObject({ stopReason: 'kill-switch' });
    // the exit went to the exchange: a sell, and the BTC left is below the market's step (the buy's fee was taken in BTC)
    const placed = fake?.state.orders.slice(orders) ?? [];
    expect(placed.map((o) => o.side)).toEqual(['SELL']);
    expect(btc().free + btc().locked).toBeLessThan(FILTERS.stepSize);
    expect(broker.account.positions[0]).toBeCloseTo(btc().free + btc().locked, 9);
  });

  it("keeps the first book's trades booked: an order of an earlier run, open and partly filled at the first start, is not booked again", async () => {
    fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    // an earlier run's limit buy of 10 BTC at 100: half fills at once, then the price leaves it
    fake.state.partialFills = [0.5, 0.5];
    await binanceAt(fake.url).createOrder('BTC/USDT', 'limit', 'buy', 10, 100, { clientOrderId: 'tg-0000zzzz-3-0' });
    fake.state.price = 101;
    // 5 BTC bought, less the 0.1 % fee in BTC: 4.995; 500 USDT locked by the rest
    expect(btc().free).toBe(4.995);
    const flat = () => 0; // this run orders nothing: the old order stays open, polled each bar
    const first = await brokerAt(fake.url);
    expect(first.saveBook()).toMatchObject({ fillIds: ['5000'] }); // the half filled is in the first book
    const journal = memoryJournal();
    const dying = dyingJournal(journal, (r) => r.type === 'bar' && r.index === 5);
    await expect(new LiveRunner({ feed: new ReplayFeed(data), strategy: flat, broker: first, realOrders: true, journal: dying }).run()).rejects.toThrow('the process is dead');
    const again = memoryJournal(await journal.read());
    const broker = await brokerAt(fake.url);
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: flat, broker, realOrders: true, journal: again }).run();
    expect(r.stopReason).toBe('feed-ended');
    // booked once: the book is the exchange's (before the fix, 9.99 BTC against 4.995)
    expect(broker.account.positions[0]).toBe(4.995);
    expect(broker.account.cash).toBe(usdt().free + usdt().locked);
    expect((await again.read()).filter((q) => q.type === 'fill')).toEqual([]);
  });

  it("takes another bot's orders, whose prefix starts with its own, for someone else's", async () => {
    fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    await binanceAt(fake.url).createOrder('BTC/USDT', 'limit', 'buy', 1, 90, { clientOrderId: 'tg-eth-0000zzzz-5-0' });
    const broker = new CcxtBroker({ exchange: binanceAt(fake.url), symbol: 'BTC/USDT' }); // prefix 'tg-'
    const { foreignOrders, snapshot } = await broker.start();
    expect(foreignOrders.map((o) => o.clientOrderId)).toEqual(['tg-eth-0000zzzz-5-0']);
    expect(snapshot.openOrders).toEqual([]);
  });

  it('two fresh runs on one exchange: the second places its own orders', async () => {
    fake = await start({ balances: { USDT: 10_000 }, price: data.close[0] as number });
    const a = memoryJournal();
    await runner(new ReplayFeed(data), await brokerAt(fake.url), a).run();
    const first = fake.state.orders.length;
    expect(first).toBeGreaterThan(3);
    const b = memoryJournal();
    await runner(new ReplayFeed(data), await brokerAt(fake.url), b).run();
    const ids = (rs: JournalRecord[]) => rs.flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
    const second = ids(await b.read());
    // every order of the second run was placed (none found as the first run's), and no id repeats
    expect(fake.state.orders.slice(first).map((o) => o.clientOrderId)).toEqual(second.filter((id) => fake?.state.orders.some((o) => o.clientOrderId === id)));
    expect(fake.state.orders.length - first).toBeGreaterThan(3);
    expect(new Set(fake.state.orders.map((o) => o.clientOrderId)).size).toBe(fake.state.orders.length);
    const firstIds = ids(await a.read());
    expect(second.some((id) => firstIds.includes(id))).toBe(false);
  });
});


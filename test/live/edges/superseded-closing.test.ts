// A closing order (a session close) partly filled and replaced by the next order (the broker
// canceled it to place the re-entry), then a crash bars later: the restart does not take the
// replaced order for a lost exit, and leaves the position the strategy re-entered.
import { afterEach, describe, expect, it } from 'vitest';
import { MarketData } from '../../../src/index.js';
import { CcxtBroker } from '../../../src/live/CcxtBroker.js';
import { LiveRunner } from '../../../src/live/LiveRunner.js';
import { ReplayFeed } from '../../../src/live/ReplayFeed.js';
import { memoryJournal, type Journal, type JournalRecord } from '../../../src/live/journal.js';
import { binanceAt, setPriceAt, start, type FakeOrdersServer } from '../../helpers/fakeBinanceOrders.js';
import { tradingAtClose } from '../crash-child.js';

let fake: FakeOrdersServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const n = 22;
const close = Array.from({ length: n }, () => 100);
const ts = close.map((_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
const data = new MarketData({ symbol: 'BTC/USDT', timeframe: '1h', timestamps: ts, open: close, high: close, low: close, close, volume: close });
const risk = { sessionClose: { time: '16:00', minutesBefore: 60 } }; // bar 14 closes

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

async function broker(partialOnSessionClose: boolean): Promise<CcxtBroker> {
  const f = fake as FakeOrdersServer;
  const c = new CcxtBroker({ exchange: binanceAt(f.url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
  await c.start();
  const b = tradingAtClose(c, f.url, 100, setPriceAt);
  const submit = b.submit.bind(b);
  b.submit = async (o) => {
    if (partialOnSessionClose && o.reason === 'session-close') f.state.partialFills = [0.3, 0.3, 0.4];
    return submit(o);
  };
  return b;
}

describe('superseded closing order', () => {
  it('a restart long after a replaced session-close order must not flatten the position', async () => {
    fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    const inner = memoryJournal();
    const err = await new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0.8, risk, broker: await broker(true), realOrders: true, journal: dyingJournal(inner, (r) => r.type === 'bar' && r.index === 18) })
      .run()
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('the process is dead');
    const records = await inner.read();
    const sc = records.find((r) => r.type === 'intent' && r.order.reason === 'session-close');
    expect(sc).toBeDefined();
    const btcBefore = fake.state.balances.BTC.free;
    expect(btcBefore).toBeGreaterThan(50);
    const sellsBefore = fake.state.orders.filter((o) => o.side === 'SELL').length;

    // the restart
    const journal = memoryJournal(records);
    const events: string[] = [];
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0.8, risk, broker: await broker(false), realOrders: true, journal, onEvent: (e) => {
      if (e.type === 'risk' || e.type === 'recovery') events.push(JSON.stringify(e));
    } }).run();
    const after = await journal.read();
    const flattens = after.slice(records.length).filter((r) => r.type === 'flatten');
    expect(flattens).toEqual([]);
    expect(fake.state.orders.filter((o) => o.side === 'SELL').length).toBe(sellsBefore); // no sell sent
  });
});

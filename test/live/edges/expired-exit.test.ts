// The kill switch's exit expired half filled by the exchange (its book ran out): the flatten
// tries again, and never says "flattened" while the exchange holds the position.
import { afterEach, describe, expect, it } from 'vitest';
import { MarketData } from '../../../src/index.js';
import { CcxtBroker } from '../../../src/live/CcxtBroker.js';
import { LiveRunner } from '../../../src/live/LiveRunner.js';
import { ReplayFeed } from '../../../src/live/ReplayFeed.js';
import { memoryJournal } from '../../../src/live/journal.js';
import { binanceAt, setPriceAt, start, type FakeOrdersServer } from '../../helpers/fakeBinanceOrders.js';
import { tradingAtClose } from '../crash-child.js';

let fake: FakeOrdersServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const n = 20;
const close = Array.from({ length: n }, () => 100);
const ts = close.map((_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
const data = new MarketData({ symbol: 'BTC/USDT', timeframe: '1h', timestamps: ts, open: close, high: close, low: close, close, volume: close });

describe('a closing order expired by the exchange during a live run', () => {
  it("the kill switch's exit expired half-filled: the run must not end silently holding the position", async () => {
    fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    const f = fake;
    let expireNext = false;
    const place = f.book.place.bind(f.book);
    f.book.place = (p) => {
      if (expireNext) f.state.partialFills = [0.5, 0.5];
      const r = place(p);
      if (expireNext && 'order' in r) {
        expireNext = false;
        r.order.parts.length = 0;
        (r.order as { status: string }).status = 'EXPIRED';
      }
      return r;
    };
    const c = new CcxtBroker({ exchange: binanceAt(f.url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
    await c.start();
    const broker = tradingAtClose(c, f.url, 100, setPriceAt);
    const events: string[] = [];
    const journal = memoryJournal();
    const runner = new LiveRunner({
      feed: new ReplayFeed(data),
      strategy: () => 0.8,
      broker,
      realOrders: true,
      journal,
      onEvent: (e) => {
        if (e.type === 'bar' && e.index === 8) {
          expireNext = true;
          runner.kill('operator');
        }
        if (e.type === 'risk' || e.type === 'order' || e.type === 'stop' || e.type === 'error') events.push(JSON.stringify(e.type === 'order' ? { type: e.type, reason: e.order.reason, status: e.status } : e));
      },
    });
    const res = await runner.run().then((r) => `resolved: ${r.stopReason}, last position ${r.positions.at(-1)}`, (e: Error) => `rejected: ${e.message}`);
    // the retry sold the rest: flat (below the step), stopped by the kill switch
    expect(res).toBe('resolved: kill-switch, last position 0');
    expect(f.state.balances.BTC.free).toBeLessThan(0.001);
    const exits = (await journal.read()).filter((r) => r.type === 'intent' && r.order.reason === 'kill-switch');
    expect(exits).toHaveLength(2);
    // a restart from that journal makes the same retry in its replay, and trades on
    const again = new CcxtBroker({ exchange: binanceAt(f.url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
    await again.start();
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0.8, broker: tradingAtClose(again, f.url, 100, setPriceAt), realOrders: true, journal: memoryJournal(await journal.read()) }).run();
    expect(r.stopReason).toBe('feed-ended');
  });
});

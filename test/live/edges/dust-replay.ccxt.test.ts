// A CcxtBroker's dust at a restart: dust is judged at the bar being stepped (the replay gives the
// broker no bar), so a position above the minimum amount but below the minimum cost, flat to the
// run, is flat to the replay too: no stop the run never fired, no RecoveryError.
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

describe('CcxtBroker dust at a restart', () => {
  it('a dust position (above minAmount, below minCost): the run takes it as flat, the restart must too', async () => {
    const n = 12;
    const close = Array.from({ length: n }, (_, i) => 100 * 0.995 ** i);
    const ts = close.map((_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
    const data = new MarketData({ symbol: 'BTC/USDT', timeframe: '1h', timestamps: ts, open: close, high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close, volume: close });
    fake = await start({ balances: { USDT: 1000, BTC: 0.0004 }, price: 100 });
    const mk = async () => {
      const c = new CcxtBroker({ exchange: binanceAt((fake as FakeOrdersServer).url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
      await c.start();
      return tradingAtClose(c, (fake as FakeOrdersServer).url, 100, setPriceAt);
    };
    const journal = memoryJournal();
    const first = await new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0, risk: { stopLoss: 0.01 }, broker: await mk(), realOrders: true, journal }).run();
    const records = await journal.read();
    expect(records.filter((r) => r.type === 'intent')).toHaveLength(0); // the run fired no stop on its dust
    // a crash after bar 8: the restart
    const cut = records.findIndex((r) => r.type === 'bar' && r.index === 8);
    const again = new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0, risk: { stopLoss: 0.01 }, broker: await mk(), realOrders: true, journal: memoryJournal(records.slice(0, cut + 1)) });
    const res = await again.run().then(
      (r) => r.stopReason,
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(first.stopReason).toBe('feed-ended');
    expect(res).toBe('feed-ended');
  });
});

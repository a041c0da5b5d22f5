// CcxtBroker.dust covers the minimum cost too: a position above the market's minimum amount but
// worth less than its minimum cost (Binance's 5 USDT notional) cannot be sold either, and the
// stop fires on it once, not on every bar.
import { afterEach, describe, expect, it } from 'vitest';
import { MarketData } from '../../../src/index.js';
import { CcxtBroker } from '../../../src/live/CcxtBroker.js';
import type { LiveEvent } from '../../../src/live/events.js';
import { LiveRunner } from '../../../src/live/LiveRunner.js';
import { ReplayFeed } from '../../../src/live/ReplayFeed.js';
import { binanceAt, setPriceAt, start, type FakeOrdersServer } from '../../helpers/fakeBinanceOrders.js';
import { tradingAtClose } from '../crash-child.js';

let fake: FakeOrdersServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('CcxtBroker dust vs the minimum cost', () => {
  it('a position above minAmount but below minNotional: the stop fires once, not on every bar', async () => {
    const n = 12;
    const close = Array.from({ length: n }, (_, i) => 100 * 0.995 ** i); // a slow fall
    const ts = close.map((_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
    const data = new MarketData({ symbol: 'BTC/USDT', timeframe: '1h', timestamps: ts, open: close, high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close, volume: close });
    // 0.0004 BTC at 100 USDT: 0.04 USDT, 40 times the minimum amount (0.00001), far below 5 USDT
    fake = await start({ balances: { USDT: 1000, BTC: 0.0004 }, price: 100 });
    const ccxt = new CcxtBroker({ exchange: binanceAt(fake.url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 } });
    await ccxt.start();
    const broker = tradingAtClose(ccxt, fake.url, 100, setPriceAt);
    const events: LiveEvent[] = [];
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: () => 0, risk: { stopLoss: 0.01 }, broker, realOrders: true, onEvent: (e) => events.push(e) }).run();
    const stops = events.filter((e) => e.type === 'risk' && e.rule === 'stop-loss');
    expect(stops.length).toBeLessThanOrEqual(1);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { CcxtFeed } from '../../src/live/CcxtFeed.js';
import type { CcxtFeedEvent, CcxtFeedOptions } from '../../src/live/ccxtFeedOptions.js';
import type { Bar } from '../../src/live/types.js';
import { H, T0, trueBar } from '../helpers/fakeBinance.js';
import { fakeBinanceLive, until, VirtualClock, type LiveOptions } from '../helpers/fakeBinanceLive.js';

// ccxt pro's real binance class streams klines from a fake Binance websocket on 127.0.0.1
// (helpers/fakeBinanceLive). Time moves only when a test moves it: crossing a bar's close makes
// the fake send that bar's final update and the next bar's first, as Binance does. At the start
// bar 100 is half formed.
const NOW = T0 + 100 * H + 30 * 60_000;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setup(opts: LiveOptions = {}, more: Partial<CcxtFeedOptions> = {}) {
  const clock = new VirtualClock(NOW, false);
  const fake = await fakeBinanceLive(clock, opts);
  const events: CcxtFeedEvent[] = [];
  const feed = new CcxtFeed({
    exchange: fake.pro, symbol: 'BTC/USDT', timeframe: '1h', since: T0 + 99 * H, pollIntervalMs: 10 * 60_000,
    backoff: { initialMs: 100, maxMs: 500 }, now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e), ...more,
  });
  const it = feed[Symbol.asyncIterator]();
  cleanup = async () => {
    await feed.close();
    await fake.close();
  };
  const first = await it.next(); // bar 99, by REST
  expect(first.value).toEqual(bar(99));
  await until(() => fake.wsMessages.some((m) => m.method === 'SUBSCRIBE'));
  return { clock, fake, events, feed, it };
}

const bar = (i: number): Bar => {
  const [timestamp, open, high, low, close, volume] = trueBar(i);
  return { timestamp, open, high, low, close, volume };
};

/** Whether `p` is still pending after a short real wait. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30))]);
}

describe('CcxtFeed on a local Binance websocket through ccxt pro', () => {
  it('emits a bar when the stream shows it closed, with its final values, and never the forming one', async () => {
    const { clock, fake, feed, it: bars } = await setup();
    expect(feed.mode).toBe('watch'); // ccxt.pro.binance in mode 'auto'
    const next = bars.next();
    expect(await pending(next)).toBe(true); // bar 100 is forming: the stream's updates of it are held back
    const restCalls = fake.klineRequests().length;
    await clock.advanceTo(T0 + 101 * H);
    expect((await next).value).toEqual(bar(100));
    await clock.advanceTo(T0 + 102 * H);
    expect((await bars.next()).value).toEqual(bar(101));
    expect(fake.klineRequests()).toHaveLength(restCalls); // the websocket alone
  });

  it('backfills by REST a bar the stream dropped, before the bar after it', async () => {
    const { clock, fake, events, it: bars } = await setup({ wsSkip: new Set([101]) }, { pollIntervalMs: 2 * H });
    const next = bars.next();
    await clock.advanceTo(T0 + 101 * H); // 100's final update, and nothing of 101
    expect(await pending(next)).toBe(true); // no later candle yet: 100 may still change
    await clock.advanceTo(T0 + 102 * H); // 102 starts: 100 and 101 are closed
    expect((await next).value).toEqual(bar(100));
    expect((await bars.next()).value).toEqual(bar(101));
    expect(events).toEqual([{ type: 'backfilled', start: T0 + 101 * H, end: T0 + 102 * H, bars: 1 }]);
    expect(fake.klineRequests().at(-1)).toContain(`startTime=${T0 + 101 * H}`);
  });

  it('asks REST for a bar when the stream stays silent pollIntervalMs past its close', async () => {
    const { clock, fake, it: bars } = await setup({ wsSkip: new Set([101]) }); // nothing shows 100 closed
    const next = bars.next();
    await clock.advanceTo(T0 + 101 * H + 10 * 60_000 - 1);
    expect(await pending(next)).toBe(true);
    const restCalls = fake.klineRequests().length;
    await clock.advanceTo(T0 + 101 * H + 10 * 60_000);
    expect((await next).value).toEqual(bar(100));
    expect(fake.klineRequests()).toHaveLength(restCalls + 1);
  });

  it('reports a bar the exchange lacks as a gap and goes on; a stale candle sent later changes nothing', async () => {
    const { clock, fake, events, it: bars } = await setup({ missing: new Set([102]) }, { pollIntervalMs: 2 * H });
    await clock.advanceTo(T0 + 101 * H);
    expect((await bars.next()).value).toEqual(bar(100));
    const next = bars.next();
    await clock.advanceTo(T0 + 102 * H); // 101 closes; nothing of 102 comes
    await clock.advanceTo(T0 + 103 * H + 10 * 60_000); // 103 starts: 101 is closed, 102 a gap (REST lacks it too)
    expect((await next).value).toEqual(bar(101));
    const after = bars.next();
    expect(events).toEqual([{ type: 'gap', start: T0 + 102 * H, end: T0 + 103 * H, missingBars: 1 }]);
    // 102 turns up on the stream after all: too late for the feed, and it must not hide 103's
    // later updates (ccxt hands out the newest cached candles, so the feed watches from 103 on)
    fake.sendKline(102, true);
    await new Promise((r) => setTimeout(r, 30)); // ccxt takes it in alone
    await clock.advanceTo(T0 + 104 * H);
    expect((await after).value).toEqual(bar(103)); // its final values
    expect(events).toHaveLength(1);
  });

  it('re-subscribes with backoff after a disconnect and fetches what it missed by REST', async () => {
    // the REST fallback waits 2 h, so only the reconnect can bring bars 101 and 102 in time
    const { clock, fake, events, it: bars } = await setup({}, { pollIntervalMs: 2 * H });
    await clock.advanceTo(T0 + 101 * H);
    expect((await bars.next()).value).toEqual(bar(100));
    const next = bars.next();
    fake.disconnect();
    await until(() => events.some((e) => e.type === 'reconnect'));
    const reconnect = events.find((e) => e.type === 'reconnect') as Extract<CcxtFeedEvent, { type: 'reconnect' }>;
    expect(reconnect.attempt).toBe(1);
    expect(reconnect.error).toMatch(/^NetworkError: connection closed by remote server/);
    expect(reconnect.delayMs).toBeGreaterThanOrEqual(50); // initialMs 100 times a jitter in [0.5, 1.5)
    await clock.advanceTo(T0 + 103 * H + 60_000); // two bars close while the stream is down
    expect((await next).value).toEqual(bar(101));
    expect((await bars.next()).value).toEqual(bar(102));
    expect(events.filter((e) => e.type === 'reconnected')).toEqual([{ type: 'reconnected', attempts: 1 }]);
    expect(fake.wsMessages.filter((m) => m.method === 'SUBSCRIBE')).toHaveLength(2);
    expect(fake.klineRequests().at(-1)).toContain(`startTime=${T0 + 100 * H}`); // from the last bar emitted on
  });

  it('close() ends a pending iteration at once and unsubscribes', async () => {
    const { feed, fake, it: bars } = await setup();
    const next = bars.next();
    expect(await pending(next)).toBe(true);
    const started = performance.now();
    await feed.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(500);
    expect(fake.wsMessages.some((m) => m.method === 'UNSUBSCRIBE')).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { CcxtFeed, CcxtFeedError } from '../../src/live/CcxtFeed.js';
import type { CcxtFeedEvent, CcxtFeedOptions } from '../../src/live/ccxtFeedOptions.js';
import type { Bar } from '../../src/live/types.js';
import { H, T0, trueBar } from '../helpers/fakeBinance.js';
import { fakeBinanceLive, until, VirtualClock, type LiveOptions } from '../helpers/fakeBinanceLive.js';

// Polling through the real ccxt binance class against a live fake Binance on 127.0.0.1
// (helpers/fakeBinanceLive) that shares a simulated clock with the feed: every wait of the
// feed moves the clock at once, so hours of bars take milliseconds. At the start bar 100 is
// half formed.
const NOW = T0 + 100 * H + 30 * 60_000;
const SETTLE = 1000;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setup(opts: LiveOptions = {}, t0 = NOW) {
  const clock = new VirtualClock(t0, true);
  const fake = await fakeBinanceLive(clock, opts);
  const events: CcxtFeedEvent[] = [];
  const feedOptions = (more: Partial<CcxtFeedOptions> = {}): CcxtFeedOptions => ({
    exchange: fake.rest, symbol: 'BTC/USDT', timeframe: '1h', settleMs: SETTLE, pollIntervalMs: 5 * 60_000,
    backoff: { initialMs: 100, maxMs: 2000 }, now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e), ...more,
  });
  cleanup = fake.close;
  return { clock, fake, events, feedOptions };
}

/** The first `n` bars of a feed, each with the clock's time when it came; then the loop is left (closing the feed). */
async function take(feed: CcxtFeed, n: number, clock: VirtualClock): Promise<{ bars: Bar[]; at: number[] }> {
  const bars: Bar[] = [];
  const at: number[] = [];
  for await (const bar of feed) {
    bars.push(bar);
    at.push(clock.now());
    if (bars.length === n) break;
  }
  return { bars, at };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const asBars = (indices: number[]) => indices.map((i) => {
  const [timestamp, open, high, low, close, volume] = trueBar(i);
  return { timestamp, open, high, low, close, volume };
});
const ofType = <T extends CcxtFeedEvent['type']>(events: CcxtFeedEvent[], type: T) => events.filter((e): e is Extract<CcxtFeedEvent, { type: T }> => e.type === type);

describe('CcxtFeed polling a local Binance through ccxt', () => {
  it('catches up from since, then emits each bar once it has closed, with its final values', async () => {
    const { clock, fake, events, feedOptions } = await setup();
    const feed = new CcxtFeed(feedOptions({ since: T0 + 97 * H }));
    expect(feed.mode).toBe('poll'); // ccxt.binance (REST only) in mode 'auto'
    const { bars, at } = await take(feed, 6, clock);
    expect(bars).toEqual(asBars(range(97, 103)));
    // no look-ahead: bar 100 (forming at the start) and later ones come only after close + settle
    for (const [k, bar] of bars.entries()) if (bar.timestamp >= T0 + 100 * H) expect(at[k]).toBeGreaterThanOrEqual(bar.timestamp + H + SETTLE);
    expect(at[3]).toBe(T0 + 101 * H + SETTLE); // asked for at its close + settle, not later
    expect(events).toEqual([]);
    expect(fake.klineRequests()[0]).toContain(`startTime=${T0 + 97 * H}`);
    expect(fake.requests).toContain('/api/v3/time'); // the exchange's clock decides what is closed
  });

  it("does not emit a forming bar when the local clock runs ahead of the exchange's", async () => {
    const { clock, feedOptions } = await setup({ skewMs: -20 * 60_000 }); // the exchange is 20 min behind
    const { bars, at } = await take(new CcxtFeed(feedOptions({ since: T0 + 99 * H })), 3, clock);
    expect(bars).toEqual(asBars([99, 100, 101]));
    // bar 100 closes at 101 h on the exchange's clock, which is 101 h 20 min on the local one
    expect(at[1]).toBeGreaterThanOrEqual(T0 + 101 * H + 20 * 60_000 + SETTLE);
  });

  it('backfills bars dropped from an answer before the bar after them, and says so', async () => {
    // 93 and 94 are left out of the catch-up's answer; 100, just closed, out of the answer that
    // already shows 101 forming
    const { clock, fake, events, feedOptions } = await setup({ drops: new Map([[93, 1], [94, 1], [100, 1]]) });
    const { bars } = await take(new CcxtFeed(feedOptions({ since: T0 + 90 * H })), 11, clock);
    expect(bars).toEqual(asBars(range(90, 101)));
    expect(events).toEqual([
      { type: 'backfilled', start: T0 + 93 * H, end: T0 + 95 * H, bars: 2 },
      { type: 'backfilled', start: T0 + 100 * H, end: T0 + 101 * H, bars: 1 },
    ]);
    expect(fake.klineRequests()[1]).toContain(`startTime=${T0 + 93 * H}`);
  });

  it('reports bars the exchange never has and goes on past them', async () => {
    const { clock, events, feedOptions } = await setup({ missing: new Set([95, 96]) });
    const { bars } = await take(new CcxtFeed(feedOptions({ since: T0 + 93 * H })), 5, clock);
    expect(bars).toEqual(asBars([93, 94, 97, 98, 99]));
    expect(events).toEqual([{ type: 'gap', start: T0 + 95 * H, end: T0 + 97 * H, missingBars: 2 }]);
  });

  it("with onGap: 'error', yields the bars before a gap, then fails naming it", async () => {
    const { clock, feedOptions } = await setup({ missing: new Set([95]) });
    const bars: Bar[] = [];
    const run = async () => {
      for await (const bar of new CcxtFeed(feedOptions({ since: T0 + 93 * H, onGap: 'error' }))) bars.push(bar);
    };
    await expect(run()).rejects.toThrow(/binance has no BTC\/USDT 1h bars from 2024-01-04T23:00:00.000Z to 2024-01-05T00:00:00.000Z \(1 missing, even by REST\)/);
    expect(bars).toEqual(asBars([93, 94]));
    expect(clock.now()).toBe(NOW);
  });

  it('drops duplicated candles and reports each', async () => {
    const { clock, events, feedOptions } = await setup({ faults: ['duplicate-rows'] });
    const { bars } = await take(new CcxtFeed(feedOptions({ since: T0 + 95 * H })), 5, clock);
    expect(bars).toEqual(asBars(range(95, 100)));
    expect(events).toEqual([{ type: 'duplicate', timestamp: T0 + 95 * H }, { type: 'duplicate', timestamp: T0 + 96 * H }]);
  });

  it('waits for a bar the exchange publishes late, keeps the order, and reports the delay', async () => {
    const { clock, events, feedOptions } = await setup({ availableFrom: new Map([[100, T0 + 101 * H + 12 * 60_000]]) });
    const { bars, at } = await take(new CcxtFeed(feedOptions({ since: T0 + 99 * H })), 3, clock);
    expect(bars).toEqual(asBars([99, 100, 101]));
    // asked at 101 h + 1 s, then every 5 min: there at the third retry
    expect(at[1]).toBe(T0 + 101 * H + SETTLE + 15 * 60_000);
    expect(events).toEqual([{ type: 'late', timestamp: T0 + 100 * H, delayMs: 15 * 60_000 + SETTLE }]);
  });

  it('reports a revision of the last bar emitted, once, and does not emit it again', async () => {
    // REST changes bar 99's close 45 min after it closed; each request re-reads the last bar
    const { clock, events, feedOptions } = await setup({ revise: new Map([[99, { from: T0 + 100 * H + 45 * 60_000, close: 199.75 }]]) });
    const { bars } = await take(new CcxtFeed(feedOptions({ since: T0 + 99 * H })), 3, clock);
    expect(bars).toEqual(asBars([99, 100, 101]));
    expect(events).toEqual([{ type: 'revised', timestamp: T0 + 99 * H, emitted: asBars([99])[0], revised: { ...asBars([99])[0], close: 199.75 } }]);
  });

  it('retries 429, 500, 503 and a timeout with growing, seeded backoff, then carries on', async () => {
    const retries = async (seed: number) => {
      const { clock, events, feedOptions } = await setup({ faults: [429, 500, 503, 'timeout'] });
      const { bars } = await take(new CcxtFeed(feedOptions({ since: T0 + 98 * H, backoff: { initialMs: 100, maxMs: 500, seed } })), 2, clock);
      expect(bars).toEqual(asBars([98, 99]));
      await cleanup?.();
      return ofType(events, 'retry');
    };
    const first = await retries(7);
    expect(first.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(first.map((e) => e.error.split(':')[0])).toEqual(['DDoSProtection', 'OperationFailed', 'ExchangeNotAvailable', 'RequestTimeout']);
    // attempt k waits min(500, 100 * 2^k) times a jitter in [0.5, 1.5), capped at 500
    first.forEach((e, k) => {
      expect(e.delayMs).toBeGreaterThanOrEqual(Math.min(500, 100 * 2 ** k) * 0.5);
      expect(e.delayMs).toBeLessThanOrEqual(500);
    });
    expect((await retries(7)).map((e) => e.delayMs)).toEqual(first.map((e) => e.delayMs)); // same seed, same waits
    expect((await retries(8)).map((e) => e.delayMs)).not.toEqual(first.map((e) => e.delayMs));
  });

  it('fails with a CcxtFeedError after maxRetries transient failures in a row', async () => {
    const { fake, feedOptions } = await setup({ faults: [503, 503, 503] });
    const err = await take(new CcxtFeed(feedOptions({ since: T0 + 98 * H, maxRetries: 2 })), 1, new VirtualClock(0, true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CcxtFeedError);
    expect((err as Error).message).toMatch(/^binance BTC\/USDT 1h: fetchOHLCV from 2024-01-05T02:00:00.000Z gave up after 2 retries: ExchangeNotAvailable/);
    expect(fake.klineRequests()).toHaveLength(3);
  });

  it('fails at once, without retrying, when the exchange refuses the request', async () => {
    const { fake, feedOptions } = await setup();
    const err = await take(new CcxtFeed(feedOptions({ symbol: 'XYZ/USDT', since: T0 })), 1, new VirtualClock(0, true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CcxtFeedError);
    expect((err as Error).message).toMatch(/^binance rejected fetchOHLCV from 2024-01-01T00:00:00.000Z for XYZ\/USDT 1h: BadSymbol/);
    expect(fake.klineRequests()).toHaveLength(0);
  });

  it('close() ends a pending iteration at once, and a feed is iterated once', async () => {
    const clock = new VirtualClock(NOW, false); // time stands still: the feed waits for bar 100 forever
    const fake = await fakeBinanceLive(clock);
    cleanup = fake.close;
    const feed = new CcxtFeed({ exchange: fake.rest, symbol: 'BTC/USDT', timeframe: '1h', now: clock.now, sleep: clock.sleep });
    const it = feed[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => clock.sleeps.length > 0); // the feed has asked, and now waits
    expect(clock.sleeps.at(-1)).toBe(30 * 60_000 + 1000); // until bar 100 closes, plus settle
    const started = performance.now();
    await feed.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(500);
    expect(feed.closed).toBe(true);
    expect(() => feed[Symbol.asyncIterator]()).toThrow(/a CcxtFeed is iterated once/);
  });
});

describe('CcxtFeed bar checks', () => {
  it("validates each bar by MarketData's rules, yielding the good bars before a bad one", async () => {
    // a stand-in exchange: bar 1's high is below its close
    const rows = [[0, 10, 11, 9, 10.5, 5], [H, 10, 11, 9, 11.5, 5], [2 * H, 10, 11, 9, 10.5, 5], [3 * H, 10, 11, 9, 10.5, 5]];
    const exchange = { id: 'demo', fetchOHLCV: async (_s: string, _t?: string, since = 0) => rows.filter(([t]) => (t as number) >= since) };
    const bars: Bar[] = [];
    const run = async () => {
      for await (const bar of new CcxtFeed({ exchange, symbol: 'X/Y', timeframe: '1h', since: 0, now: () => 3.5 * H })) bars.push(bar);
    };
    await expect(run()).rejects.toThrow(/^demo sent an invalid X\/Y 1h bar at 1970-01-01T01:00:00\.000Z: high 11 < max\(open 10, close 11\.5\)$/);
    expect(bars.map((b) => b.timestamp)).toEqual([0]);
  });
});

describe('CcxtFeed options', () => {
  const exchange = { id: 'x', fetchOHLCV: async () => [] };
  const base = { exchange, symbol: 'BTC/USDT', timeframe: '1h' };
  it.each([
    [{ ...base, pollMs: 5 }, /options\.pollMs is not a known option/],
    [{ ...base, mode: 'stream' }, /mode must be one of 'poll', 'watch', 'auto', got "stream"/],
    [{ ...base, mode: 'watch' }, /mode must be 'poll' or 'auto' for an exchange without watchOHLCV \(use ccxt\.pro\.x for websockets\), got "watch"/],
    [{ ...base, timeframe: '1M' }, /timeframe must be a count and a unit/],
    [{ ...base, symbol: '' }, /symbol must be a market symbol/],
    [{ ...base, exchange: {} }, /exchange must be a ccxt exchange instance with fetchOHLCV \(new ccxt\.pro\.binance\(\), \.\.\.\), got \{\}/],
    [{ ...base, exchange: 'binance' }, /exchange must be a ccxt exchange instance with fetchOHLCV/],
    [{ ...base, since: 'soon' }, /since must be a time/],
    [{ ...base, pollIntervalMs: 0 }, /pollIntervalMs must be an integer >= 1, got 0/],
    [{ ...base, settleMs: -1 }, /settleMs must be an integer >= 0, got -1/],
    [{ ...base, limit: 0 }, /limit must be an integer >= 1, got 0/],
    [{ ...base, maxRetries: 1.5 }, /maxRetries must be an integer >= 0, got 1.5/],
    [{ ...base, backoff: { factor: 0.5 } }, /backoff\.factor must be a finite number >= 1, got 0\.5/],
    [{ ...base, backoff: { initialMs: 100, maxMs: 10 } }, /backoff\.maxMs must be an integer >= backoff\.initialMs \(100\), got 10/],
    [{ ...base, backoff: { jitter: 1 } }, /backoff\.jitter is not a known option/],
    [{ ...base, onGap: 'skip' }, /onGap must be one of 'backfill-or-report', 'error', got "skip"/],
    [{ ...base, syncTime: true }, /syncTime must be false for an exchange without fetchTime, got true/],
    [{ ...base, onEvent: 'log' }, /onEvent must be a function, got "log"/],
  ])('rejects bad options %#', (opts, message) => {
    expect(() => new CcxtFeed(opts as never)).toThrow(message);
  });
});

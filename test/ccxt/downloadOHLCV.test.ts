import { afterEach, describe, expect, it } from 'vitest';
import { downloadOHLCV, DownloadError } from '../../src/ccxt/index.js';
import type { MarketData } from '../../src/index.js';
import { fakeBinance, H, T0, trueBar, type Fault } from '../helpers/fakeBinance.js';

// The real ccxt binance class talks HTTP to a fake Binance on 127.0.0.1 (helpers/fakeBinance).
// `now` sits half-way through bar 100, so bar 100 is the still-open candle.
const NOW = T0 + 100 * H + 30 * 60_000;
const noWait = async () => undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setup(opts: { bars?: number; missing?: Set<number>; faults?: Fault[] } = {}) {
  const fake = await fakeBinance({ bars: opts.bars ?? 101, missing: opts.missing, faults: opts.faults });
  close = fake.close;
  return fake;
}

function expectTrueBars(data: MarketData, indices: number[]): void {
  expect(Array.from(data.timestamps)).toEqual(indices.map((i) => trueBar(i)[0]));
  expect(Array.from(data.close)).toEqual(indices.map((i) => trueBar(i)[4]));
  expect(Array.from(data.volume)).toEqual(indices.map((i) => trueBar(i)[5]));
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('downloadOHLCV against a local Binance', () => {
  it('pages forward, loses and duplicates nothing, and drops the still-open candle', async () => {
    const fake = await setup();
    const progress: number[] = [];
    const r = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, limit: 30, now: () => NOW, onProgress: (p) => progress.push(p.bars) });
    expectTrueBars(r.data, range(0, 100)); // bar 100 is open at NOW
    expect(r.droppedOpenCandle).toBe(true);
    expect(r.pages).toBe(4); // 30 + 30 + 30 + 11 bars
    expect(fake.klineRequests()[1]).toContain(`startTime=${T0 + 30 * H}`);
    expect(progress).toEqual([30, 60, 90, 101]);
    expect(r.gaps).toEqual([]);
    expect(r.data.symbol).toBe('BTC/USDT');
  });

  it('retries 429, 418, 500, 503 and timeouts with backoff, and still returns every bar once', async () => {
    const fake = await setup({ faults: ['ok', 429, 418, 500, 503, 'timeout', 'ok'] });
    const waits: number[] = [];
    const r = await downloadOHLCV(fake.exchange, {
      symbol: 'BTC/USDT', timeframe: '1h', since: T0, limit: 40, now: () => NOW,
      retryBaseMs: 100, retryMaxMs: 1000, sleep: async (ms) => { waits.push(ms); },
    });
    expectTrueBars(r.data, range(0, 100));
    expect(r.retries).toBe(5);
    // attempt k waits min(1000, 100 * 2^k) times a jitter factor in [0.5, 1.5)
    waits.forEach((w, k) => {
      expect(w).toBeGreaterThanOrEqual(Math.min(1000, 100 * 2 ** k) * 0.5);
      expect(w).toBeLessThanOrEqual(1000);
    });
  });

  it('keeps each bar once when pages overlap or repeat rows', async () => {
    // 'overlap' pages start 3 bars early (ccxt itself filters those by since); 'duplicate-rows'
    // pages carry 3 bars twice, which reach the downloader and are counted
    const fake = await setup({ faults: ['ok', 'overlap', 'duplicate-rows', 'overlap', 'duplicate-rows'] });
    const r = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, limit: 25, now: () => NOW, sleep: noWait });
    expectTrueBars(r.data, range(0, 100));
    expect(r.duplicates).toBe(6);
  });

  it('reports a gap the exchange leaves, without inventing bars', async () => {
    const fake = await setup({ missing: new Set([40, 41, 42]) });
    const r = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, limit: 50, now: () => NOW, sleep: noWait });
    expectTrueBars(r.data, [...range(0, 40), ...range(43, 100)]);
    expect(r.gaps).toEqual([{ start: T0 + 40 * H, end: T0 + 43 * H, missingBars: 3 }]);
  });

  it('resumes: given existing bars, fetches only what is missing after them', async () => {
    const fake = await setup();
    const first = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, until: T0 + 60 * H, limit: 100, now: () => NOW, sleep: noWait });
    expect(first.data.length).toBe(60);
    const before = fake.klineRequests().length;
    const resumed = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', existing: first.data, limit: 100, now: () => NOW, sleep: noWait });
    expectTrueBars(resumed.data, range(0, 100));
    const newRequests = fake.klineRequests().slice(before);
    expect(newRequests).toHaveLength(1);
    expect(newRequests[0]).toContain(`startTime=${T0 + 60 * H}`);
  });

  it('fails at once with a clear DownloadError on an unknown symbol (no retries)', async () => {
    const fake = await setup();
    const err = await downloadOHLCV(fake.exchange, { symbol: 'XYZ/USDT', timeframe: '1h', since: T0, now: () => NOW, sleep: noWait }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/binance rejected XYZ\/USDT 1h from 2024-01-01T00:00:00\.000Z: BadSymbol: binance does not have market symbol XYZ\/USDT/);
    expect(fake.klineRequests()).toHaveLength(0);
  });

  it('fails at once on an exchange error answer (HTTP 400 Invalid symbol)', async () => {
    const fake = await setup({ faults: ['bad-symbol'] });
    const err = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, now: () => NOW, sleep: noWait }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/binance rejected BTC\/USDT 1h .*BadSymbol/);
    expect(fake.klineRequests()).toHaveLength(1);
  });

  it('gives up after maxRetries network errors, saying so', async () => {
    const fake = await setup({ faults: [503, 503, 503] }); // an HTML 503, as during an outage
    const err = await downloadOHLCV(fake.exchange, { symbol: 'BTC/USDT', timeframe: '1h', since: T0, maxRetries: 2, now: () => NOW, sleep: noWait }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/gave up after 2 retries at 2024-01-01T00:00:00\.000Z: ExchangeNotAvailable/);
    expect(fake.klineRequests()).toHaveLength(3);
  });

  it("waits the exchange's rateLimit between requests when ccxt's own limiter is off", async () => {
    const waits: number[] = [];
    const exchange = {
      id: 'paced', rateLimit: 120, enableRateLimit: false,
      async fetchOHLCV(_s: string, _t?: string, since = 0, limit = 2) {
        return Array.from({ length: limit }, (_, i) => since + i * H).filter((t) => t < 6 * H).map((t) => [t, 1, 1, 1, 1, 1]);
      },
    };
    const r = await downloadOHLCV(exchange, { symbol: 'A/B', timeframe: '1h', since: 0, until: 6 * H, limit: 2, now: () => 10 * H, sleep: async (ms) => { waits.push(ms); } });
    expect(r.pages).toBe(3);
    expect(waits).toEqual([120, 120]); // before the 2nd and 3rd request
  });

  it.each([
    [{ symbol: '', timeframe: '1h', since: 0 }, /symbol must be a market symbol/],
    [{ symbol: 'BTC/USDT', timeframe: '1M', since: 0 }, /timeframe must be a count and a unit/],
    [{ symbol: 'BTC/USDT', timeframe: '1h' }, /since must be given \(or existing bars to resume after\)/],
    [{ symbol: 'BTC/USDT', timeframe: '1h', since: 'soon' }, /since must be a time/],
    [{ symbol: 'BTC/USDT', timeframe: '1h', since: 0, limit: 0 }, /limit must be an integer >= 1, got 0/],
  ])('rejects bad options %#', async (opts, message) => {
    const exchange = { id: 'x', rateLimit: 0, enableRateLimit: true, fetchOHLCV: async () => [] };
    await expect(downloadOHLCV(exchange, opts as never)).rejects.toThrow(message);
  });
});

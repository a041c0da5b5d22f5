// Every way bars come in builds them through MarketData's constructor, so a price of 0 (or
// below) is refused the same way on each path, naming the column, the row and the value,
// and `allowNonPositivePrices` is the one way to let it through.
import { describe, expect, it } from 'vitest';
import { downloadOHLCV, type OHLCVExchange } from '../../src/ccxt/index.js';
import { fromDataFrame, type DataFrameLike } from '../../src/danfo/index.js';
import { DataValidationError, MarketData, parseCsv, RegimeGenerator, resample } from '../../src/index.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
// four hourly bars; bar 2 opens at 0
const rows = [
  [T0, 10, 11, 9, 10.5, 5],
  [T0 + H, 10.5, 11, 10, 10.2, 5],
  [T0 + 2 * H, 0, 11, 0, 10.4, 5],
  [T0 + 3 * H, 10.4, 11, 10, 10.8, 5],
] as const;
const column = (j: number) => rows.map((r) => r[j] as number);
const csv = `timestamp,open,high,low,close,volume\n${rows.map((r) => r.join(',')).join('\n')}\n`;
const df: DataFrameLike = {
  columns: ['timestamp', 'open', 'high', 'low', 'close', 'volume'],
  column: (name) => ({ values: column(['timestamp', 'open', 'high', 'low', 'close', 'volume'].indexOf(name)) }),
};
const exchange: OHLCVExchange = {
  id: 'fake',
  fetchOHLCV: async (_symbol, _tf, since = 0) => (since <= T0 ? rows.map((r) => [...r]) : []),
};
const init = { timeframe: '1h', timestamps: column(0), open: column(1), high: column(2), low: column(3), close: column(4), volume: column(5) };

describe('prices must be > 0 on every path that builds MarketData', () => {
  it.each<[string, (allow: boolean) => Promise<MarketData>]>([
    ['the constructor', async (allow) => new MarketData({ ...init, allowNonPositivePrices: allow })],
    ['parseCsv', async (allow) => parseCsv(csv, { allowNonPositivePrices: allow })],
    ['fromDataFrame (danfo)', async (allow) => fromDataFrame(df, { allowNonPositivePrices: allow })],
    ['MarketData.concat', async (allow) => MarketData.concat([new MarketData({ ...init, allowNonPositivePrices: true }).slice(0, 2), new MarketData({ ...init, allowNonPositivePrices: allow }).slice(2)])],
  ])('%s', async (_path, build) => {
    await expect(build(false)).rejects.toThrow(DataValidationError);
    await expect(build(false)).rejects.toThrow(/row 2 \(2024-01-01T02:00:00\.000Z\): open must be > 0, got 0; low must be > 0, got 0/);
    const ok = await build(true);
    expect(ok.open[2]).toBe(0);
    expect(ok.allowNonPositivePrices).toBe(true);
  });

  it('downloadOHLCV (ccxt) refuses a candle at 0 from the exchange', async () => {
    const download = downloadOHLCV(exchange, { symbol: 'X/Y', timeframe: '1h', since: T0, until: T0 + 4 * H, now: () => T0 + 10 * H });
    await expect(download).rejects.toThrow(/row 2 .*: open must be > 0, got 0/);
  });

  it('resample keeps the data strict unless it allowed prices <= 0', () => {
    const strict = resample(new MarketData({ ...init, open: [10, 10.5, 10.1, 10.4], low: [9, 10, 10, 10] }), '2h');
    expect(strict.allowNonPositivePrices).toBe(false);
    expect(resample(new MarketData({ ...init, allowNonPositivePrices: true }), '2h').low[1]).toBe(0);
  });

  it('the generator builds validated, strictly positive bars', () => {
    const { data } = RegimeGenerator.preset('equity-daily').generate({ numSamples: 2000, seed: 3 });
    expect(data).toBeInstanceOf(MarketData);
    expect(data.allowNonPositivePrices).toBe(false);
    expect(Math.min(...data.low)).toBeGreaterThan(0);
  });
});

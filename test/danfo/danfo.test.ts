import * as dfd from 'danfojs-node';
import { describe, expect, it } from 'vitest';
import { fromDataFrame, toDataFrame } from '../../src/danfo/index.js';
import { DataValidationError } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

describe('danfo.js adapter (danfojs-node)', () => {
  it('round-trips MarketData through a DataFrame exactly, with ms, ISO and Date timestamps', () => {
    const data = randomBars(200, 9);
    for (const timestampFormat of ['ms', 'iso', 'date'] as const) {
      const df = toDataFrame(data, dfd, { timestampFormat });
      expect(df.columns).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume']);
      expect(df.shape).toEqual([200, 6]);
      const back = fromDataFrame(df, { symbol: data.symbol });
      expect(back.timeframe).toBe('1h');
      for (const k of ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const) expect(back[k]).toEqual(data[k]);
    }
  });

  it('reads Date cells whatever timestampFormat says, and decides the unit of numbers once per column', () => {
    const data = randomBars(5, 2);
    const back = fromDataFrame(toDataFrame(data, dfd, { timestampFormat: 'date' }), { timestampFormat: 'ms' });
    expect(back.timestamps).toEqual(data.timestamps);
    // ms from 0: one minute apart as ms, 1000 minutes as seconds; 'auto' will not guess
    const df = new dfd.DataFrame({ time: [0, 60000], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] });
    expect(() => fromDataFrame(df)).toThrow(/DataFrame column "time": numeric timestamps .* are ambiguous/);
    expect(fromDataFrame(df, { timestampFormat: 'ms' }).timeframe).toBe('1m');
  });

  it('maps differently named columns case-insensitively and reads seconds', () => {
    const df = new dfd.DataFrame({ T: [1704067200, 1704070800], O: [1, 2], H: [2, 3], L: [0.5, 1.5], C: [1.5, 2.5], V: [5, 6] });
    const d = fromDataFrame(df, { columns: { timestamp: 't', open: 'o', high: 'h', low: 'l', close: 'c', volume: 'v' } });
    expect(Array.from(d.timestamps)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 1)]);
  });

  it.each([
    [new dfd.DataFrame({ time: [0, 60000], open: [1, 1], high: [1, 1], low: [1, 1], volume: [1, 1] }), /DataFrame is missing the close column \(looked for "close"\); columns: time, open, high, low, volume/],
    [new dfd.DataFrame({ time: [0, 60000], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 'x'], volume: [1, 1] }), /row 1, column "close": "x" is not a number/],
    [new dfd.DataFrame({ time: [0, 60000], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, Number.NaN], volume: [1, 1] }), /row 1 .*: close must be finite, got NaN/],
  ])('rejects bad frames with a DataValidationError naming the place %#', (df, message) => {
    expect(() => fromDataFrame(df, { timestampFormat: 'ms' })).toThrow(DataValidationError);
    expect(() => fromDataFrame(df, { timestampFormat: 'ms' })).toThrow(message);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataValidationError, inferTimeframe, parseCsv, readCsv, toCsv, writeCsv } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const dir = mkdtempSync(join(tmpdir(), 'tradegym-csv-'));

describe('CSV', () => {
  it('round-trips every number exactly through a file (ISO and epoch timestamps)', async () => {
    const data = randomBars(3000, 5);
    for (const timestampFormat of ['iso', 'ms'] as const) {
      const file = join(dir, `round-${timestampFormat}.csv`);
      await writeCsv(data, file, { timestampFormat });
      const back = await readCsv(file, { symbol: data.symbol });
      expect(back.timeframe).toBe('1h');
      for (const k of ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const) expect(back[k]).toEqual(data[k]);
    }
  });

  it('streams a file whose lines straddle chunk boundaries', async () => {
    // ~2.3 MB: several 1 MiB chunks, lines split across them
    const data = randomBars(30_000, 6);
    const file = join(dir, 'big.csv');
    await writeCsv(data, file);
    const back = await readCsv(file);
    expect(back.length).toBe(30_000);
    expect(back.close).toEqual(data.close);
  });

  it('maps columns, reads seconds, semicolons, CRLF and quoted fields', () => {
    const text = 'Date;O;H;L;C;Vol\r\n"1704067200";1;2;0.5;1.5;10\r\n1704070800;1.5;2;1;1.8;12\r\n';
    const d = parseCsv(text, { delimiter: ';', columns: { timestamp: 'date', open: 'o', high: 'h', low: 'l', close: 'c', volume: 'vol' } });
    expect(Array.from(d.timestamps)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 1)]);
    expect(d.close[1]).toBe(1.8);
  });

  it('reads ISO times without a zone as UTC, and date-only as midnight UTC', () => {
    const d = parseCsv('date,open,high,low,close,volume\n2024-03-01,1,1,1,1,0\n2024-03-02 00:00:00,1,1,1,1,0\n');
    expect(Array.from(d.timestamps)).toEqual([Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 2)]);
    expect(d.timeframe).toBe('1d');
  });

  it('keeps empty fields as NaN for the validator, which names the row (or repairs it)', () => {
    const text = 'timestamp,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,1,1,,1\n120000,1,1,1,1,1\n';
    expect(() => parseCsv(text)).toThrow(/row 1 .*: close must be finite, got NaN/);
    expect(parseCsv(text, { repair: 'forward-fill' }).close[1]).toBe(1);
  });

  it.each([
    ['a missing column', 'timestamp,open,high,low,volume\n0,1,1,1,1\n', /CSV is missing the close column \(looked for "close"\); columns: timestamp, open, high, low, volume/],
    ['a non-number', 'timestamp,open,high,low,close,volume\n0,1,1,1,abc,1\n', /line 2, column "close": "abc" is not a number/],
    ['a bad time', 'time,open,high,low,close,volume\nyesterday,1,1,1,1,1\n', /line 2, column "time": "yesterday" is not an ISO 8601 time/],
    ['a short line', 'timestamp,open,high,low,close,volume\n0,1,1\n', /line 2: expected 6 fields, got 3/],
    ['no header', '', /CSV is empty: no header line/],
  ])('rejects %s with a DataValidationError naming it', (_name, text, message) => {
    expect(() => parseCsv(text)).toThrow(DataValidationError);
    expect(() => parseCsv(text)).toThrow(message);
  });

  it('infers timeframes from the smallest step', () => {
    expect(inferTimeframe([0, 900_000, 2_700_000])).toBe('15m');
    expect(inferTimeframe([0, 86_400_000 * 7])).toBe('1w');
    expect(() => inferTimeframe([5])).toThrow(/fewer than two distinct timestamps/);
  });

  it('toCsv writes the header and ISO times', () => {
    writeFileSync(join(dir, 'x.csv'), '');
    const d = parseCsv('timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n60000,1,2,0.5,1.5,3\n');
    expect(toCsv(d).split('\n').slice(0, 2)).toEqual(['timestamp,open,high,low,close,volume', '1970-01-01T00:00:00.000Z,1,2,0.5,1.5,3']);
  });
});

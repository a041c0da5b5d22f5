import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataValidationError, inferTimeframe, parseCsv, readCsv, splitByDate, toCsv, writeCsv } from '../../src/index.js';
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
    expect(() => parseCsv(text, { timestampFormat: 'ms' })).toThrow(/row 1 .*: close must be finite, got NaN/);
    expect(parseCsv(text, { timestampFormat: 'ms', repair: 'forward-fill' }).close[1]).toBe(1);
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
    const d = parseCsv('timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n60000,1,2,0.5,1.5,3\n', { timestampFormat: 'ms' });
    expect(d.timeframe).toBe('1m');
    expect(toCsv(d).split('\n').slice(0, 2)).toEqual(['timestamp,open,high,low,close,volume', '1970-01-01T00:00:00.000Z,1,2,0.5,1.5,3']);
  });
});

describe('timestamp units', () => {
  const header = 'timestamp,open,high,low,close,volume\n';
  const csv = (times: readonly (number | string)[]) => header + times.map((t) => `${t},1,1,1,1,1\n`).join('');
  const M = 60_000;

  it("'auto' refuses numbers below 1e8, which read as ms or as seconds alike (the old reading named '1000m')", () => {
    // 0 and 60,000 are one minute apart as ms, 1000 minutes apart as seconds: both are 1970
    const text = csv([0, M, 2 * M]);
    expect(() => parseCsv(text)).toThrow(DataValidationError);
    expect(() => parseCsv(text)).toThrow(/CSV column "timestamp": numeric timestamps \(\|t\| from 0 to 120000\) are ambiguous: .*pass timestampFormat: 'ms' or 's'/);
    expect(parseCsv(text, { timestampFormat: 'ms' }).timeframe).toBe('1m');
    // read as seconds on purpose, the step is 1000 minutes: no timeframe is named for it
    expect(() => parseCsv(text, { timestampFormat: 's' })).toThrow(/\(1000m\), not a canonical bar length/);
    expect(parseCsv(csv([0, 60, 120]), { timestampFormat: 's' }).timeframe).toBe('1m');
  });

  it("'auto' reads 1e8..1e11 as epoch seconds and >= 1e11 as ms, deciding once per column", () => {
    const t0 = 1_704_067_200; // 2024-01-01T00:00Z in seconds
    expect(Array.from(parseCsv(csv([t0, t0 + 60])).timestamps)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 1)]);
    expect(Array.from(parseCsv(csv([t0 * 1000, t0 * 1000 + M])).timestamps)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 1)]);
    // a column of ms crossing 1e11 (1973-03-03T09:46:40Z): read per cell, its first row was
    // taken for seconds (x1000, in the year 5138) and the rows came out unsorted
    const d = parseCsv(csv([1e11 - M, 1e11, 1e11 + M]));
    expect(Array.from(d.timestamps)).toEqual([1e11 - M, 1e11, 1e11 + M]);
    expect(d.timeframe).toBe('1m');
  });

  it('rejects a column mixing numbers and dates, naming the line', () => {
    expect(() => parseCsv(csv([1_704_067_200_000, '2024-01-01T00:01Z']))).toThrow(/line 3, column "timestamp": "2024-01-01T00:01Z" is not a number, but earlier rows hold numbers; one format per column/);
    expect(() => parseCsv(csv(['2024-01-01T00:00Z', 1_704_067_260_000]))).toThrow(/line 3, column "timestamp": "1704067260000" is a number, but earlier rows hold dates/);
  });

  it('never names a timeframe 1000 times a bar, and says when timestamps look like seconds', () => {
    expect(inferTimeframe([0, 900_000, 2_700_000])).toBe('15m');
    expect(inferTimeframe([0, 2 * 604_800_000])).toBe('2w');
    expect(inferTimeframe([0, 23 * 3_600_000])).toBe('23h');
    // ms read as seconds: a 1-minute step becomes 60,000,000 ms, "1000m" before
    expect(() => inferTimeframe([0, 60_000_000])).toThrow(/smallest step between timestamps, 60000000 ms \(1000m\), not a canonical bar length; it is 1000 times 1m: were epoch ms read as seconds\?/);
    // epoch seconds given as ms: a 60 ms step
    expect(() => inferTimeframe([1_704_067_200, 1_704_067_260])).toThrow(/60 ms, not a whole number of seconds; the timestamps look like epoch seconds \(1m bars\): timestamps are ms, so multiply them by 1000/);
    // uncommon lengths are not guessed: say them
    expect(() => inferTimeframe([0, 90 * 60_000])).toThrow(/5400000 ms \(90m\), not a canonical bar length; pass options\.timeframe/);
    expect(parseCsv(csv([0, 90 * M]), { timestampFormat: 'ms', timeframe: '90m' }).timeframe).toBe('90m');
  });

  it('reads ISO times without a zone as UTC in date arguments too, whatever the machine time zone', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York'; // UTC-5 in January: a local reading moves the cut by 5 bars
    try {
      const d = parseCsv(csv(Array.from({ length: 24 }, (_, h) => `2024-01-01T${String(h).padStart(2, '0')}:00`)));
      expect(d.timestamps[0]).toBe(Date.UTC(2024, 0, 1));
      const { train } = splitByDate(d, { trainEnd: '2024-01-01T06:00' });
      expect(train.length).toBe(6);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});

describe('impossible dates', () => {
  const csvAt = (first: string) => `timestamp,open,high,low,close,volume\n${first},1,1,1,1,1\n2024-03-05T00:00:00Z,1,1,1,1,1\n`;
  it.each([
    ['February 30 (Date.parse rolls it over to March 1)', '2024-02-30'],
    ['February 29 of a common year', '2023-02-29'],
    ['February 29 of 1900 (divisible by 100, not by 400)', '1900-02-29'],
    ['April 31', '2024-04-31T00:00:00Z'],
    ['month 13', '2024-13-01'],
    ['month 00', '2024-00-10'],
    ['day 00', '2024-01-00'],
    ['hour 25', '2024-01-01T25:00:00Z'],
    ['hour 24', '2024-01-01T24:00:00Z'],
    ['minute 60', '2024-01-01T10:60'],
    ['second 60', '2024-01-01T00:00:60Z'],
    ['a zone hour of 24', '2024-01-01T00:00:00+24:00'],
    ['a date that is not ISO 8601 (Date.parse reads it in local time)', 'Jan 1 2024'],
  ])('parseCsv rejects %s, naming line, column and value', (_name, value) => {
    expect(() => parseCsv(csvAt(value), { timeframe: '1h' })).toThrow(DataValidationError);
    expect(() => parseCsv(csvAt(value), { timeframe: '1h' })).toThrow(`line 2, column "timestamp": ${JSON.stringify(value)} is not an ISO 8601 time of a real date`);
  });

  it('still reads every real date: leap days, zones, fractions, a space separator', () => {
    const rows = ['2024-02-28', '2024-02-29', '2024-03-01T00:00:00.000Z', '2024-03-02 01:00+01:00', '2024-03-03T00:00:00', '2024-03-04t00:00:00.000z'];
    const d = parseCsv(`date,open,high,low,close,volume\n${rows.map((t) => `${t},1,1,1,1,1\n`).join('')}`);
    expect(Array.from(d.timestamps)).toEqual([
      Date.UTC(2024, 1, 28), Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 2), Date.UTC(2024, 2, 3), Date.UTC(2024, 2, 4),
    ]);
  });

  it('splitByDate rejects an impossible bound instead of moving it', () => {
    const d = parseCsv('date,open,high,low,close,volume\n2024-02-28,1,1,1,1,1\n2024-02-29,1,1,1,1,1\n2024-03-01,1,1,1,1,1\n2024-03-02,1,1,1,1,1\n');
    // old: 2024-02-30 became 2024-03-01, a silent cut at the 3rd bar
    expect(() => splitByDate(d, { trainEnd: '2024-02-30' })).toThrow(/bounds\.trainEnd must be a time \(ms, an ISO 8601 string of a real date, or a Date\), got "2024-02-30"/);
    expect(splitByDate(d, { trainEnd: '2024-02-29' }).train.length).toBe(1);
  });
});

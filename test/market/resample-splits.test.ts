import { describe, expect, it } from 'vitest';
import { closedBarIndex, InvalidArgumentError, MarketData, resample, splitByDate, splitByFraction, walkForward } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const M15 = 900_000;
const H = 3_600_000;

describe('resample', () => {
  it('aggregates open-first, high-max, low-min, close-last, volume-sum per epoch-aligned bucket', () => {
    const d = new MarketData({
      timeframe: '15m',
      timestamps: [0, M15, 2 * M15, 3 * M15, 4 * M15, 5 * M15, 6 * M15, 7 * M15],
      open: [10, 11, 12, 13, 20, 21, 22, 23],
      high: [12, 15, 13, 14, 22, 22, 30, 24],
      low: [9, 10, 8, 12, 19, 20, 21, 18],
      close: [11, 12, 13, 14, 21, 22, 23, 24],
      volume: [1, 2, 3, 4, 5, 6, 7, 8],
    });
    const h = resample(d, '1h');
    expect(Array.from(h.timestamps)).toEqual([0, H]);
    expect(Array.from(h.open)).toEqual([10, 20]);
    expect(Array.from(h.high)).toEqual([15, 30]);
    expect(Array.from(h.low)).toEqual([8, 18]);
    expect(Array.from(h.close)).toEqual([14, 24]);
    expect(Array.from(h.volume)).toEqual([10, 26]);
  });

  it('drops the still-open last bucket unless asked to keep it', () => {
    const d = randomBars(30, 2); // 30 hourly bars from midnight: one full day and 6 hours
    expect(resample(d, '1d').length).toBe(1);
    expect(resample(d, '1d', { partial: 'keep' }).length).toBe(2);
  });

  it('counts a last session as closed when earlier buckets show the session ends there', () => {
    // three complete 14:00-20:00 hourly sessions (last bar 20:00, closing 21:00); old code
    // dropped the third day because its 23:00 sub-bar was absent
    const ts: number[] = [];
    for (let d = 0; d < 3; d++) for (let h = 14; h < 21; h++) ts.push(Date.UTC(2024, 0, 1 + d, h));
    const one = ts.map(() => 1);
    const sessions = new MarketData({ timeframe: '1h', timestamps: ts, open: one, high: one, low: one, close: one, volume: one });
    const days = resample(sessions, '1d');
    expect(Array.from(days.timestamps)).toEqual([1, 2, 3].map((d) => Date.UTC(2024, 0, d)));
    expect(Array.from(days.volume)).toEqual([7, 7, 7]);
    // the third session cut at 18:00 (last bar 17:00) is still open: dropped, or kept if asked
    const cut = sessions.slice(0, 7 * 2 + 4);
    expect(resample(cut, '1d').length).toBe(2);
    expect(Array.from(resample(cut, '1d', { partial: 'keep' }).volume)).toEqual([7, 7, 4]);
    // one lone session has no earlier bucket to learn from: judged by the bucket's end
    expect(resample(sessions.slice(0, 7), '1d').length).toBe(0);
  });

  it('for 24/7 data the last bucket closes only with its last slot', () => {
    const d = randomBars(48 + 21, 3); // two full days and 21 hours of the third, from midnight
    expect(resample(d, '1d').length).toBe(2);
    expect(resample(randomBars(72, 3), '1d').length).toBe(3);
  });

  it('rejects a timeframe that is not a multiple', () => {
    expect(() => resample(randomBars(10), '90m')).toThrow(/timeframe must be a whole multiple of the data's 1h, got "90m"/);
  });

  it('closedBarIndex shows a higher bar only once it has closed', () => {
    const d = randomBars(48, 3);
    const day = resample(d, '1d');
    const idx = closedBarIndex(d, day);
    // hourly bar i closes at (i + 1) h: the first daily bar (00:00-24:00) is visible from bar 23
    expect(idx[22]).toBe(-1);
    expect(idx[23]).toBe(0);
    expect(idx[47]).toBe(1);
    for (let i = 0; i < d.length; i++) {
      if (idx[i]! >= 0) expect(day.timestamps[idx[i]!]! + 86_400_000).toBeLessThanOrEqual(d.timestamps[i]! + H);
    }
  });
});

describe('splits', () => {
  const d = randomBars(100, 4);

  it('splitByFraction is chronological, complete and disjoint', () => {
    const { train, validation, test } = splitByFraction(d, { train: 0.6, validation: 0.2 });
    expect([train.length, validation.length, test.length]).toEqual([60, 20, 20]);
    expect(train.timestamps[59]!).toBeLessThan(validation.timestamps[0]!);
    expect(validation.timestamps[19]!).toBeLessThan(test.timestamps[0]!);
  });

  it('splitByDate puts bars before trainEnd in train', () => {
    const cut = d.timestamps[30]!;
    const { train, validation, test } = splitByDate(d, { trainEnd: new Date(cut), validationEnd: d.timestamps[50]! });
    expect([train.length, validation.length, test.length]).toEqual([30, 20, 50]);
    expect(test.timestamps[0]).toBe(d.timestamps[50]);
  });

  it('walkForward: rolling and anchored folds with an embargo, test always after train', () => {
    const rolling = walkForward(100, { trainSize: 40, testSize: 20, embargo: 5 });
    expect(rolling.map((f) => [f.train, f.test])).toEqual([
      [[0, 40], [45, 65]],
      [[20, 60], [65, 85]],
    ]);
    const anchored = walkForward(100, { trainSize: 40, testSize: 20, step: 10, mode: 'anchored' });
    expect(anchored.map((f) => f.train[0])).toEqual([0, 0, 0, 0, 0]);
    for (const f of [...rolling, ...anchored]) expect(f.test[0]).toBeGreaterThanOrEqual(f.train[1]);
  });

  it.each([
    [() => splitByFraction(d, { train: 1 }), /fractions\.train must be a number in \(0, 1\), got 1/],
    [() => splitByFraction(d, { train: 0.8, validation: 0.2 }), /fractions\.validation must be a number >= 0 with train \+ validation < 1/],
    [() => splitByDate(d, { trainEnd: 'never' }), /bounds\.trainEnd must be a time/],
    [() => walkForward(10, { trainSize: 8, testSize: 5 }), /no walk-forward fold fits: trainSize \+ embargo \+ testSize = 13 > length 10/],
    [() => walkForward(10, { trainSize: 0, testSize: 5 }), /trainSize must be an integer >= 1, got 0/],
  ])('rejects bad input %#', (call, message) => {
    expect(call).toThrow(message);
  });
});

describe('no split comes back empty', () => {
  const three = randomBars(3, 5);
  const H0 = three.timestamps[0]!;

  it.each([
    // floor(3 * 0.2) = 0 training bars: this returned an empty train split before
    ['an empty train split', () => splitByFraction(three, { train: 0.2 }), /fractions\.train must be a fraction giving at least 1 training bar \(floor\(3 \* 0\.2\) = 0\), got 0\.2/],
    // floor(3 * 0.5) = 1, floor(3 * 0.6) = 1: validation asked for but empty
    ['an empty validation split', () => splitByFraction(three, { train: 0.5, validation: 0.1 }), /fractions\.validation must be a fraction giving at least 1 validation bar \(floor\(3 \* 0\.6\) - 1 = 0\), got 0\.1/],
    ['no data', () => splitByFraction(three.slice(0, 0), { train: 0.5 }), /fractions\.train must be a fraction giving at least 1 training bar \(floor\(0 \* 0\.5\) = 0\)/],
    ['a train fraction given as a string', () => splitByFraction(three, { train: '0.5' as never }), /fractions\.train must be a finite number, got "0\.5"/],
    ['trainEnd at or before the first bar', () => splitByDate(three, { trainEnd: H0 }), /bounds\.trainEnd must be after the first bar, so that train is not empty \(bars from 2024-01-01T00:00:00\.000Z to 2024-01-01T02:00:00\.000Z\), got 1704067200000/],
    ['trainEnd after the last bar', () => splitByDate(three, { trainEnd: H0 + 3 * H }), /bounds\.trainEnd must be at or before the last bar, so that test is not empty/],
    ['an empty validation window', () => splitByDate(three, { trainEnd: H0 + H, validationEnd: H0 + H }), /bounds\.validationEnd must be after the first bar at or after trainEnd, so that validation is not empty/],
    ['validationEnd after the last bar', () => splitByDate(three, { trainEnd: H0 + H, validationEnd: '2030-01-01' }), /bounds\.validationEnd must be at or before the last bar, so that test is not empty .*got "2030-01-01"/],
  ])('rejects %s with a typed error naming the argument and value', (_name, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('the smallest splits that fit are accepted, and every part is non-empty', () => {
    const two = splitByFraction(randomBars(2, 1), { train: 0.5 });
    expect([two.train.length, two.validation.length, two.test.length]).toEqual([1, 0, 1]);
    const s = splitByFraction(three, { train: 0.34, validation: 0.33 }); // floor(1.02) = 1, floor(2.01) = 2
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([1, 1, 1]);
    const d = splitByDate(three, { trainEnd: H0 + H, validationEnd: H0 + 2 * H });
    expect([d.train.length, d.validation.length, d.test.length]).toEqual([1, 1, 1]);
  });

  it('walkForward folds always have non-empty train and test windows inside the data', () => {
    for (const [length, trainSize, testSize, step, embargo] of [[10, 1, 1, 1, 0], [50, 7, 3, 2, 4], [13, 5, 8, 20, 0]] as const) {
      for (const mode of ['rolling', 'anchored'] as const) {
        for (const f of walkForward(length, { trainSize, testSize, step, embargo, mode })) {
          expect(f.train[1] - f.train[0]).toBeGreaterThanOrEqual(1);
          expect(f.test[1] - f.test[0]).toBe(testSize);
          expect(f.test[0]).toBe(f.train[1] + embargo);
          expect(f.test[1]).toBeLessThanOrEqual(length);
        }
      }
    }
    expect(() => walkForward(10, { trainSize: 5, testSize: 2, mode: 'expanding' as never })).toThrow(/mode must be one of 'rolling', 'anchored', got "expanding"/);
  });
});

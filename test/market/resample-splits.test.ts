import { describe, expect, it } from 'vitest';
import { closedBarIndex, MarketData, resample, splitByDate, splitByFraction, walkForward } from '../../src/index.js';
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

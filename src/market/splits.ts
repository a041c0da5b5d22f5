import { fail, requireFinite, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { lowerBound } from './lowerBound.js';
import { iso, timeToMs } from './timeframe.js';

/** Anything sliceable by bar index: {@link MarketData} and {@link FeatureFrame}. */
export interface Sliceable<T> {
  /** The number of bars. */
  readonly length: number;
  /** Bars `[start, end)`. */
  slice(start: number, end: number): T;
}

/** Anything with bar-open times, for {@link splitByDate}. */
export interface Timed<T> extends Sliceable<T> {
  /** Bar-open times in ms UTC, increasing. */
  readonly timestamps: Float64Array;
}

/** A chronological train / validation / test split. */
export interface Split<T> {
  /** The earliest bars. */
  readonly train: T;
  /** The bars between train and test (empty when not asked for). */
  readonly validation: T;
  /** The latest bars. */
  readonly test: T;
}

/**
 * Splits bars chronologically by fractions: train first, then validation, then test.
 * Boundaries are floored, so no bar is in two parts and none is lost. No part comes back
 * empty: train and test always hold at least one bar, and validation does when asked for;
 * fractions too small for the data's length throw instead.
 *
 * Split a {@link FeatureFrame} computed by a {@link FeaturePipeline} and each part carries
 * its own bars (`part.bars`), aligned row for row: features and prices split together.
 *
 * @param data - a {@link MarketData} or {@link FeatureFrame}.
 * @param fractions - `train` in (0, 1), optional `validation` > 0, with `train + validation < 1`.
 * @returns the three parts (views, no copy); `validation` is empty when not asked for.
 * @throws {@link InvalidArgumentError} for an unknown key, fractions out of range, or a part
 *   that would be empty, e.g. `fractions.train must give at least 1 training bar (floor(3 *
 *   0.2) = 0), got 0.2`.
 * @example
 * ```ts
 * import { MarketData, splitByFraction } from 'tradegym';
 * const data = new MarketData({ timeframe: '1d', timestamps: [0, 864e5, 1728e5, 2592e5],
 *   open: [1, 1, 1, 1], high: [1, 1, 1, 1], low: [1, 1, 1, 1], close: [1, 1, 1, 1], volume: [0, 0, 0, 0] });
 * const { train, test } = splitByFraction(data, { train: 0.75 });
 * console.log(train.length, test.length); // 3 1
 * ```
 */
export function splitByFraction<T>(data: Sliceable<T>, fractions: { readonly train: number; readonly validation?: number }): Split<T> {
  requireKnownKeys('fractions', fractions, ['train', 'validation']);
  const train = requireFinite('fractions.train', fractions.train);
  if (!(train > 0 && train < 1)) fail('fractions.train', 'a number in (0, 1)', train);
  const asked = fractions.validation !== undefined;
  const validation = asked ? requireFinite('fractions.validation', fractions.validation) : 0;
  if (!(validation >= 0 && train + validation < 1)) fail('fractions.validation', `a number >= 0 with train + validation < 1 (train ${train})`, validation);
  const n = data.length;
  const a = Math.floor(n * train);
  const b = Math.floor(n * (train + validation));
  if (a < 1) fail('fractions.train', `a fraction giving at least 1 training bar (floor(${n} * ${train}) = ${a})`, train);
  if (asked && b - a < 1) {
    fail('fractions.validation', `a fraction giving at least 1 validation bar (floor(${n} * ${train + validation}) - ${a} = ${b - a})`, validation);
  }
  if (n - b < 1) fail('fractions.train', `a fraction leaving at least 1 test bar (${n} bars, ${b} before test)`, train);
  return { train: data.slice(0, a), validation: data.slice(a, b), test: data.slice(b, n) };
}

/**
 * Splits bars chronologically at dates: train is before `trainEnd`, validation from there
 * to `validationEnd` (if given), test from the last boundary on. No part comes back empty:
 * train and test always hold at least one bar, and validation does when `validationEnd` is
 * given; dates that leave one empty throw.
 *
 * @param data - a {@link MarketData} or {@link FeatureFrame}.
 * @param bounds - `trainEnd`, optional `validationEnd` (ms, ISO 8601 strings, UTC when no
 *   zone is written, or Dates).
 * @returns the three parts (views); `validation` is empty when `validationEnd` is not given.
 * @throws {@link InvalidArgumentError} for an unknown key, an unparsable date,
 *   `validationEnd < trainEnd`, or a part that would be empty.
 * @example
 * ```ts
 * import { MarketData, splitByDate } from 'tradegym';
 * const data = new MarketData({ timeframe: '1d', timestamps: [0, 864e5, 1728e5],
 *   open: [1, 1, 1], high: [1, 1, 1], low: [1, 1, 1], close: [1, 1, 1], volume: [0, 0, 0] });
 * const { train, test } = splitByDate(data, { trainEnd: '1970-01-02' });
 * console.log(train.length, test.length); // 1 2
 * ```
 */
export function splitByDate<T>(
  data: Timed<T>,
  bounds: { readonly trainEnd: number | string | Date; readonly validationEnd?: number | string | Date },
): Split<T> {
  requireKnownKeys('bounds', bounds, ['trainEnd', 'validationEnd']);
  const a = timeToMs('bounds.trainEnd', bounds.trainEnd);
  const asked = bounds.validationEnd !== undefined;
  const b = asked ? timeToMs('bounds.validationEnd', bounds.validationEnd) : a;
  if (b < a) fail('bounds.validationEnd', `>= trainEnd (${iso(a)})`, bounds.validationEnd);
  const ts = data.timestamps;
  const n = data.length;
  const i = lowerBound(ts, a);
  const j = lowerBound(ts, b);
  const span = n === 0 ? 'no bars' : `bars from ${iso(ts[0] as number)} to ${iso(ts[n - 1] as number)}`;
  if (i < 1) fail('bounds.trainEnd', `after the first bar, so that train is not empty (${span})`, bounds.trainEnd);
  if (asked && j - i < 1) fail('bounds.validationEnd', `after the first bar at or after trainEnd, so that validation is not empty (${span})`, bounds.validationEnd);
  if (j >= n) fail(asked ? 'bounds.validationEnd' : 'bounds.trainEnd', `at or before the last bar, so that test is not empty (${span})`, asked ? bounds.validationEnd : bounds.trainEnd);
  return { train: data.slice(0, i), validation: data.slice(i, j), test: data.slice(j, n) };
}

/** One fold of {@link walkForward}: half-open bar ranges. */
export interface WalkForwardFold {
  /** The fold number, from 0. */
  readonly index: number;
  /** Training bars `[start, end)`. */
  readonly train: readonly [number, number];
  /** Test bars `[start, end)`, starting `embargo` bars after the training end. */
  readonly test: readonly [number, number];
}

/** Options of {@link walkForward}. */
export interface WalkForwardOptions {
  /** Bars per training window. */
  readonly trainSize: number;
  /** Bars per test window. */
  readonly testSize: number;
  /** Bars between the starts of consecutive folds (default `testSize`: tests tile the data). */
  readonly step?: number;
  /** Bars left out between train and test, so labels that look ahead cannot leak (default 0). */
  readonly embargo?: number;
  /** `'rolling'` (default) moves the training start; `'anchored'` keeps it at bar 0. */
  readonly mode?: 'rolling' | 'anchored';
}

/**
 * Chronological walk-forward folds: train on a window, test on the bars that follow it
 * after an embargo, then step forward. Every test bar is later than every train bar of its
 * fold, and no window is empty; folds that would run past the data are left out. With
 * `step < testSize` the test windows of consecutive folds overlap: score each fold on its
 * own rather than chaining their returns into one curve.
 *
 * @param length - the number of bars (e.g. `data.length`).
 * @param options - sizes, step, embargo, mode.
 * @returns the folds, in time order.
 * @throws {@link InvalidArgumentError} for an unknown key, sizes that are not integers >= 1, or
 *   no fold fits.
 * @example
 * ```ts
 * import { walkForward } from 'tradegym';
 * const folds = walkForward(100, { trainSize: 50, testSize: 20, embargo: 5 });
 * console.log(folds.map((f) => f.test)); // [[55, 75], [75, 95]]
 * ```
 */
export function walkForward(length: number, options: WalkForwardOptions): WalkForwardFold[] {
  requireInt('length', length, 0);
  requireKnownKeys('options', options, ['trainSize', 'testSize', 'step', 'embargo', 'mode']);
  const trainSize = requireInt('trainSize', options.trainSize, 1);
  const testSize = requireInt('testSize', options.testSize, 1);
  const step = requireInt('step', options.step ?? testSize, 1);
  const embargo = requireInt('embargo', options.embargo ?? 0, 0);
  const mode = requireOneOf('mode', options.mode ?? 'rolling', ['rolling', 'anchored']);
  const folds: WalkForwardFold[] = [];
  for (let start = 0; ; start += step) {
    const trainEnd = start + trainSize;
    const testStart = trainEnd + embargo;
    const testEnd = testStart + testSize;
    if (testEnd > length) break;
    folds.push({ index: folds.length, train: [mode === 'anchored' ? 0 : start, trainEnd], test: [testStart, testEnd] });
  }
  if (folds.length === 0) {
    throw new InvalidArgumentError(
      `no walk-forward fold fits: trainSize + embargo + testSize = ${trainSize + embargo + testSize} > length ${length}`,
    );
  }
  return folds;
}

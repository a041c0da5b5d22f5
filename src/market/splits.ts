import { fail, requireInt, requireRecord } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { lowerBound } from './lowerBound.js';

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
 * Boundaries are floored, so no bar is in two parts and none is lost.
 *
 * @param data - a {@link MarketData} or {@link FeatureFrame}.
 * @param fractions - `train` in (0, 1), optional `validation`, with `train + validation < 1`.
 * @returns the three parts (views, no copy).
 * @throws {@link InvalidArgumentError} on fractions out of range.
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
  requireRecord('fractions', fractions);
  const { train, validation = 0 } = fractions;
  if (!(train > 0 && train < 1)) fail('fractions.train', 'a number in (0, 1)', train);
  if (!(validation >= 0 && train + validation < 1)) fail('fractions.validation', `a number >= 0 with train + validation < 1 (train ${train})`, validation);
  const n = data.length;
  const a = Math.floor(n * train);
  const b = Math.floor(n * (train + validation));
  return { train: data.slice(0, a), validation: data.slice(a, b), test: data.slice(b, n) };
}

function toMs(name: string, t: number | string | Date): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : t;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) fail(name, 'a time (ms, ISO string or Date)', t);
  return ms;
}

/**
 * Splits bars chronologically at dates: train is before `trainEnd`, validation from there
 * to `validationEnd` (if given), test from the last boundary on.
 *
 * @param data - a {@link MarketData} or {@link FeatureFrame}.
 * @param bounds - `trainEnd`, optional `validationEnd` (ms, ISO strings or Dates).
 * @returns the three parts (views).
 * @throws {@link InvalidArgumentError} for an unparsable date or `validationEnd < trainEnd`.
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
  requireRecord('bounds', bounds);
  const a = toMs('bounds.trainEnd', bounds.trainEnd);
  const b = bounds.validationEnd === undefined ? a : toMs('bounds.validationEnd', bounds.validationEnd);
  if (b < a) fail('bounds.validationEnd', `>= trainEnd (${new Date(a).toISOString()})`, bounds.validationEnd);
  const i = lowerBound(data.timestamps, a);
  const j = lowerBound(data.timestamps, b);
  return { train: data.slice(0, i), validation: data.slice(i, j), test: data.slice(j, data.length) };
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
 * fold; folds that would run past the data are left out.
 *
 * @param length - the number of bars (e.g. `data.length`).
 * @param options - sizes, step, embargo, mode.
 * @returns the folds, in time order.
 * @throws {@link InvalidArgumentError} for sizes that are not integers >= 1, or no fold fits.
 * @example
 * ```ts
 * import { walkForward } from 'tradegym';
 * const folds = walkForward(100, { trainSize: 50, testSize: 20, embargo: 5 });
 * console.log(folds.map((f) => f.test)); // [[55, 75], [75, 95]]
 * ```
 */
export function walkForward(length: number, options: WalkForwardOptions): WalkForwardFold[] {
  requireInt('length', length, 0);
  requireRecord('options', options);
  const trainSize = requireInt('trainSize', options.trainSize, 1);
  const testSize = requireInt('testSize', options.testSize, 1);
  const step = requireInt('step', options.step ?? testSize, 1);
  const embargo = requireInt('embargo', options.embargo ?? 0, 0);
  const mode = options.mode ?? 'rolling';
  if (mode !== 'rolling' && mode !== 'anchored') fail('mode', "'rolling' or 'anchored'", mode);
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

// The one check of the series every metric and trade statistic takes. Internal: imported by
// path (`./series.js`), never re-exported from a barrel.
import { fail, requireFinite, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * The shared rule: an array or a numeric typed array whose every value is a number other than
 * ±Infinity, and not NaN either unless `missing` (NaN marking a missing period) is allowed.
 * Strings, holes, `null` and bigints are refused, naming the index.
 */
/**
 * The return series the metrics made themselves from a checked one ({@link checkedReturns}):
 * private copies nobody else holds, so checking them again cannot find anything new.
 */
const checked = new WeakSet<object>();

function checkSeries(name: string, value: unknown, missing: boolean): ArrayLike<number> {
  if (missing && value instanceof Float64Array && checked.has(value)) return value;
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (!Array.isArray(value) && !isTyped) fail(name, 'an array or typed array of numbers', value);
  const xs = value as ArrayLike<unknown>;
  const rule = missing ? 'a finite number or NaN (a missing period)' : 'a finite number';
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v !== 'number' || v === Infinity || v === -Infinity || (!missing && v !== v)) fail(`${name}[${i}]`, rule, v);
  }
  return xs as ArrayLike<number>;
}

/**
 * A series of per-period returns: an array or a numeric typed array whose every value is a
 * number, NaN marking a missing period (as in empyrical, whose metrics skip NaN or count it as
 * 0). Strings, holes, `null`, bigints and ±Infinity are refused, naming the index: an infinite
 * return has no meaning, and empyrical turns it into artefacts of `inf - inf` (a max drawdown
 * of 0 for `[Infinity, -0.5]`, a Sharpe ratio of NaN).
 * @returns the series, unchanged.
 * @throws `InvalidArgumentError` naming `name` (and the index of a bad value).
 * @internal
 */
export function requireSeries(name: string, value: unknown): ArrayLike<number> {
  return checkSeries(name, value, true);
}

/**
 * A float64 copy of a checked return series (as {@link requireSeries}), marked so that the
 * metrics it is handed to do not check it again: `returnMetrics` checks once for all of them.
 * The copy is private to the caller, which must not hand it out. @internal
 * @throws `InvalidArgumentError` naming `name` (and the index of a bad value).
 */
export function checkedReturns(name: string, value: unknown): Float64Array {
  const copy = Float64Array.from(requireSeries(name, value));
  checked.add(copy);
  return copy;
}

/**
 * A series with no missing value (an equity curve, positions): as {@link requireSeries}, NaN
 * refused too.
 * @returns the series, unchanged.
 * @throws `InvalidArgumentError` naming `name` (and the index of a bad value).
 * @internal
 */
export function requireFiniteSeries(name: string, value: unknown): ArrayLike<number> {
  return checkSeries(name, value, false);
}

/**
 * That a checked series has `length` values, aligned with the series named `alignedWith`.
 * @returns the series, unchanged.
 * @throws `InvalidArgumentError` naming `name` for another length.
 * @internal
 */
export function requireLength(name: string, xs: ArrayLike<number>, length: number, alignedWith: string): ArrayLike<number> {
  if (xs.length !== length) {
    throw new InvalidArgumentError(`${name} must be a series of ${length} values (aligned with ${alignedWith}), got ${xs.length} values: ${show(xs)}`);
  }
  return xs;
}

/**
 * A series aligned with `length` returns (a benchmark, a factor, a risk-free series).
 * @throws `InvalidArgumentError` naming `name` for a bad value or a length other than `length`.
 * @internal
 */
export function requireAlignedSeries(name: string, value: unknown, length: number): ArrayLike<number> {
  return requireLength(name, requireSeries(name, value), length, 'returns');
}

/**
 * A per-period rate: a finite number for every period, or a series aligned with `length`
 * returns (empyrical's `risk_free` and `required_return` take either).
 * @throws `InvalidArgumentError` naming `name`.
 * @internal
 */
export function requirePerPeriod(name: string, value: unknown, length: number): number | ArrayLike<number> {
  if (typeof value === 'number') return requireFinite(name, value);
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) fail(name, `a finite number or a series of ${length} values`, value);
  return requireAlignedSeries(name, value, length);
}

/**
 * An option's value, or `fallback` when it is left out. Only `undefined` means "left out": a
 * `null` is kept, so it fails the option's own check instead of silently meaning the default
 * (`requireKnownKeys` refuses it first, naming `options.<key>`). @internal
 */
export function option(o: Record<string, unknown>, key: string, fallback: unknown): unknown {
  const v = o[key];
  return v === undefined ? fallback : v;
}

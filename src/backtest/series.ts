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
 * The return series being read by {@link withCheckedReturns}'s callback, checked already:
 * checking them again cannot find anything new while it runs.
 */
const checked = new WeakSet<object>();

function checkSeries(name: string, value: unknown, missing: boolean): ArrayLike<number> {
  const rule = missing ? 'a finite number or NaN (a missing period)' : 'a finite number';
  if (value instanceof Float64Array) {
    if (missing && checked.has(value)) return value;
    // every element of a Float64Array is a number: only ±Infinity (and NaN, unless missing) to find
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as number;
      if (v - v !== 0 && (!missing || v === Infinity || v === -Infinity)) fail(`${name}[${i}]`, rule, v);
    }
    return value;
  }
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (!Array.isArray(value) && !isTyped) fail(name, 'an array or typed array of numbers', value);
  const xs = value as ArrayLike<unknown>;
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
 * Checks a return series once (as {@link requireSeries}) and calls `use` with it as a
 * Float64Array (itself, or a copy of an array of another kind) marked as checked while `use`
 * runs, so that the metrics `use` hands it to do not check it again: `returnMetrics` checks
 * once for all of them. The mark is removed when `use` returns or throws (the caller may change
 * the array afterwards). @internal
 * @returns what `use` returns.
 * @throws `InvalidArgumentError` naming `name` (and the index of a bad value).
 */
export function withCheckedReturns<T>(name: string, value: unknown, use: (returns: Float64Array) => T): T {
  const xs = requireSeries(name, value);
  const r = xs instanceof Float64Array ? xs : Float64Array.from(xs);
  if (checked.has(r)) return use(r); // marked by an outer call, which removes the mark
  checked.add(r);
  try {
    return use(r);
  } finally {
    checked.delete(r);
  }
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

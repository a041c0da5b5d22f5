// The one check of the return series every metric takes. Internal: imported by path
// (`./series.js`), never re-exported from a barrel.
import { fail, requireFinite, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';

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
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (!Array.isArray(value) && !isTyped) fail(name, 'an array or typed array of numbers', value);
  const xs = value as ArrayLike<unknown>;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v !== 'number' || v === Infinity || v === -Infinity) fail(`${name}[${i}]`, 'a finite number or NaN (a missing period)', v);
  }
  return xs as ArrayLike<number>;
}

/**
 * A series aligned with `length` returns (a benchmark, a factor, a risk-free series).
 * @throws `InvalidArgumentError` naming `name` for a bad value or a length other than `length`.
 * @internal
 */
export function requireAlignedSeries(name: string, value: unknown, length: number): ArrayLike<number> {
  const xs = requireSeries(name, value);
  if (xs.length !== length) {
    throw new InvalidArgumentError(`${name} must be a series of ${length} values (aligned with returns), got ${xs.length} values: ${show(value)}`);
  }
  return xs;
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

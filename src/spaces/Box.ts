import { fail, requireInt } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Space, type JsonNumber, type SpaceJSON } from './Space.js';

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal */
export function toJsonNumber(v: number): JsonNumber {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function expandBound(name: string, bound: number | ArrayLike<number>, size: number): Float32Array {
  const out = new Float32Array(size);
  if (typeof bound === 'number') {
    if (Number.isNaN(bound)) fail(name, 'a number (not NaN)', bound);
    out.fill(bound);
    return out;
  }
  if (bound.length !== size) fail(`${name}.length`, `${size} (the product of shape)`, bound.length);
  for (let i = 0; i < size; i++) {
    const v = bound[i];
    if (typeof v !== 'number' || Number.isNaN(v)) fail(`${name}[${i}]`, 'a number (not NaN)', v);
    out[i] = v;
  }
  return out;
}

/**
 * A box in R^n: each element of a `Float32Array` lies in `[low[i], high[i]]`. Values are
 * flattened row-major; `shape` gives the logical shape. Bounds may be infinite.
 *
 * `sample()` follows Gymnasium: uniform where both bounds are finite, `low + Exp(1)` where
 * only the lower is, `high - Exp(1)` where only the upper is, and standard normal where
 * neither is.
 *
 * @example
 * ```ts
 * import { Box } from 'tradegym';
 * const box = new Box(-1, 1, [2, 3]);   // 2x3, every element in [-1, 1]
 * box.seed(0);
 * const x = box.sample();               // Float32Array(6)
 * console.log(box.contains(x));          // true
 * const wide = new Box([0, -Infinity], [1, Infinity]); // shape inferred: [2]
 * ```
 */
export class Box extends Space<Float32Array> {
  /** The lower bounds, one per element (float32). */
  readonly low: Float32Array;
  /** The upper bounds, one per element (float32). */
  readonly high: Float32Array;
  /** The logical shape; values are flattened row-major. */
  readonly shape: readonly number[];
  /** The number of elements, the product of `shape`. */
  readonly size: number;
  /** Always `'float32'`. */
  readonly dtype = 'float32' as const;

  /**
   * @param low - a lower bound for every element, or one per element.
   * @param high - an upper bound for every element, or one per element.
   * @param shape - the shape; required when both bounds are scalars, else inferred as
   *   `[length]` from an array bound.
   * @throws {@link InvalidArgumentError} on a NaN bound, `low > high`, a bound array whose
   *   length is not the shape's size, or a shape entry that is not an integer >= 1.
   */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[]) {
    super();
    let resolved: readonly number[];
    if (shape !== undefined) {
      if (!Array.isArray(shape)) fail('shape', 'an array of integers >= 1', shape);
      shape.forEach((d, i) => requireInt(`shape[${i}]`, d, 1));
      resolved = shape.slice();
    } else if (typeof low !== 'number') {
      resolved = [low.length];
    } else if (typeof high !== 'number') {
      resolved = [high.length];
    } else {
      throw new InvalidArgumentError(
        `shape must be given when low and high are both scalars, got low=${low}, high=${high}`,
      );
    }
    const size = product(resolved);
    this.shape = Object.freeze(resolved);
    this.size = size;
    this.low = expandBound('low', low, size);
    this.high = expandBound('high', high, size);
    for (let i = 0; i < size; i++) {
      if ((this.low[i] as number) > (this.high[i] as number)) {
        fail(`low[${i}]`, `<= high[${i}] (${this.high[i]})`, this.low[i]);
      }
    }
  }

  /** Whether every element has finite lower and upper bounds. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    }
    return true;
  }

  /**
   * A random member; see the class notes for the per-element distribution.
   * @param mask - not supported by this space; leave it out.
   * @returns a new `Float32Array` of `size` elements.
   * @throws {@link InvalidArgumentError} if a mask is given.
   */
  sample(mask?: ArrayLike<number>): Float32Array {
    this.noMask(mask);
    const out = new Float32Array(this.size);
    const rng = this.rng;
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      const loFinite = lo !== -Infinity;
      const hiFinite = hi !== Infinity;
      let v: number;
      if (loFinite && hiFinite) v = lo + (hi - lo) * rng.uniform();
      else if (loFinite) v = lo + rng.exponential();
      else if (hiFinite) v = hi - rng.exponential();
      else v = rng.normal();
      // rounding to float32 can step just past a bound; keep the sample inside
      const f = Math.fround(v);
      out[i] = f < lo ? lo : f > hi ? hi : f;
    }
    return out;
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is a `Float32Array` of `size` elements, each within its bounds
   *   (NaN is never within bounds).
   */
  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) || x.length !== this.size) return false;
    const low = this.low;
    const high = this.high;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (!(v >= (low[i] as number) && v <= (high[i] as number))) return false;
    }
    return true;
  }

  /** @returns the JSON form, infinities as strings. */
  toJSON(): SpaceJSON {
    return {
      type: 'Box',
      shape: this.shape.slice(),
      low: Array.from(this.low, toJsonNumber),
      high: Array.from(this.high, toJsonNumber),
    };
  }

  /** @returns e.g. `Box(-1, 1, [2, 3], float32)`. */
  override toString(): string {
    const bound = (a: Float32Array): string =>
      a.every((v) => v === a[0]) ? String(a[0]) : `[${Array.from(a).join(', ')}]`;
    return `Box(${bound(this.low)}, ${bound(this.high)}, [${this.shape.join(', ')}], float32)`;
  }
}

import { fail, requireInt } from '../core/checks.js';
import { Space, type SpaceJSON } from './Space.js';

/**
 * Binary vectors: every element 0 or 1, as an `Int8Array` (flattened row-major).
 *
 * @example
 * ```ts
 * import { MultiBinary } from 'tradegym';
 * const space = new MultiBinary(4);
 * space.seed(3);
 * console.log(space.contains(Int8Array.of(1, 0, 0, 1))); // true
 * ```
 */
export class MultiBinary extends Space<Int8Array> {
  /** The logical shape. */
  readonly shape: readonly number[];
  /** The number of elements. */
  readonly size: number;
  /** Values are `Int8Array`s. */
  readonly dtype = 'int8' as const;

  /**
   * @param n - the number of elements (an integer >= 1), or a shape.
   * @throws {@link InvalidArgumentError} if `n` (or a shape entry) is not an integer >= 1.
   */
  constructor(n: number | readonly number[]) {
    super();
    if (typeof n === 'number') {
      this.shape = Object.freeze([requireInt('n', n, 1)]);
    } else {
      if (!Array.isArray(n) || n.length === 0) fail('n', 'an integer >= 1 or a non-empty shape', n);
      n.forEach((d, i) => requireInt(`n[${i}]`, d, 1));
      this.shape = Object.freeze(n.slice());
    }
    this.size = this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * @param mask - not supported by this space; leave it out.
   * @returns a new `Int8Array` of fair coin flips.
   * @throws {@link InvalidArgumentError} if a mask is given.
   */
  sample(mask?: ArrayLike<number>): Int8Array {
    this.noMask(mask);
    const out = new Int8Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = this.rng.uniform() < 0.5 ? 0 : 1;
    return out;
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is an `Int8Array` of `size` elements, each 0 or 1.
   */
  contains(x: unknown): x is Int8Array {
    if (!(x instanceof Int8Array) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }

  /** @returns the JSON form. */
  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', shape: this.shape.slice() };
  }

  /** @returns e.g. `MultiBinary([4])`. */
  override toString(): string {
    return `MultiBinary([${this.shape.join(', ')}])`;
  }
}

import { fail, requireInt } from '../core/checks.js';
import { Space, type SpaceJSON } from './Space.js';

/**
 * A vector of independent discrete choices: element `i` is an integer in
 * `[start[i], start[i] + nvec[i])`. Values are `Int32Array`s.
 *
 * @example
 * ```ts
 * import { MultiDiscrete } from 'tradegym';
 * const space = new MultiDiscrete([3, 2]);  // e.g. (direction, size)
 * space.seed(0);
 * const a = space.sample();                 // Int32Array(2)
 * console.log(space.contains(Int32Array.of(2, 1))); // true
 * ```
 */
export class MultiDiscrete extends Space<Int32Array> {
  /** The number of choices per element. */
  readonly nvec: Int32Array;
  /** The smallest value per element. */
  readonly start: Int32Array;
  /** `[nvec.length]`. */
  readonly shape: readonly number[];
  /** Values are `Int32Array`s. */
  readonly dtype = 'int32' as const;

  /**
   * @param nvec - the number of choices per element, each an integer in [1, 2^31).
   * @param start - the smallest value per element (default all 0).
   * @throws {@link InvalidArgumentError} if `nvec` is empty or holds a bad count, or `start`
   *   has a different length or a non-integer.
   */
  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super();
    if (nvec === null || typeof nvec !== 'object' || nvec.length === 0) {
      fail('nvec', 'a non-empty array of integers >= 1', nvec);
    }
    this.nvec = new Int32Array(nvec.length);
    for (let i = 0; i < nvec.length; i++) {
      const n = requireInt(`nvec[${i}]`, nvec[i], 1);
      if (n > 0x7fffffff) fail(`nvec[${i}]`, 'an integer < 2^31', n);
      this.nvec[i] = n;
    }
    this.start = new Int32Array(nvec.length);
    if (start !== undefined) {
      if (start === null || typeof start !== 'object' || start.length !== nvec.length) {
        fail('start', `an array of ${nvec.length} integers`, start);
      }
      for (let i = 0; i < start.length; i++) this.start[i] = requireInt(`start[${i}]`, start[i]);
    }
    this.shape = Object.freeze([nvec.length]);
  }

  /**
   * @param mask - not supported by this space; leave it out.
   * @returns a new `Int32Array`, each element uniform over its choices.
   * @throws {@link InvalidArgumentError} if a mask is given.
   */
  sample(mask?: ArrayLike<number>): Int32Array {
    this.noMask(mask);
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = (this.start[i] as number) + Math.floor(this.rng.uniform() * (this.nvec[i] as number));
    }
    return out;
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is an `Int32Array` of the right length with every element in range.
   */
  contains(x: unknown): x is Int32Array {
    if (!(x instanceof Int32Array) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const lo = this.start[i] as number;
      const v = x[i] as number;
      if (v < lo || v >= lo + (this.nvec[i] as number)) return false;
    }
    return true;
  }

  /** @returns the JSON form. */
  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }

  /** @returns e.g. `MultiDiscrete([3, 2])`. */
  override toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(', ')}])`;
  }
}

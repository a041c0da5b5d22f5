import { fail, requireInt, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Space, type SpaceJSON } from './Space.js';

/**
 * The integers `start, start + 1, ..., start + n - 1`. `sample(mask)` draws only among the
 * actions the mask marks valid (1), as Gymnasium's `Discrete.sample(mask=...)`.
 *
 * @example
 * ```ts
 * import { Discrete } from 'tradegym';
 * const actions = new Discrete(4);
 * actions.seed(1);
 * const a = actions.sample(new Int8Array([1, 0, 0, 1])); // 0 or 3
 * console.log(actions.contains(a), actions.contains(4)); // true false
 * ```
 */
export class Discrete extends Space<number> {
  /** The number of elements. */
  readonly n: number;
  /** The smallest element. */
  readonly start: number;
  /** Scalars have shape `[]`. */
  readonly shape: readonly number[] = Object.freeze([]);
  /** Values are JS integers; `'int64'` as in Gymnasium. */
  readonly dtype = 'int64' as const;

  /**
   * @param n - the number of elements, an integer >= 1.
   * @param start - the smallest element, an integer (default 0).
   * @throws {@link InvalidArgumentError} if `n` is not an integer >= 1 or `start` not an integer.
   */
  constructor(n: number, start = 0) {
    super();
    this.n = requireInt('n', n, 1);
    this.start = requireInt('start', start);
  }

  /**
   * A uniform draw, optionally restricted by a mask.
   * @param mask - optional, one entry per element: 1 if that element may be drawn, 0 if
   *   not. With no valid element, returns `start` (Gymnasium's rule).
   * @returns an integer in the space.
   * @throws {@link InvalidArgumentError} if the mask's length is not `n` or an entry is not 0 or 1.
   */
  sample(mask?: ArrayLike<number>): number {
    if (mask === undefined) return this.start + Math.floor(this.rng.uniform() * this.n);
    if (mask === null || typeof mask !== 'object' || mask.length !== this.n) {
      throw new InvalidArgumentError(`mask must have length n (${this.n}), got ${show(mask)}`);
    }
    let valid = 0;
    for (let i = 0; i < this.n; i++) {
      const m = mask[i];
      if (m !== 0 && m !== 1) fail(`mask[${i}]`, '0 or 1', m);
      valid += m;
    }
    if (valid === 0) return this.start;
    let k = Math.floor(this.rng.uniform() * valid);
    for (let i = 0; i < this.n; i++) {
      if (mask[i] === 1 && k-- === 0) return this.start + i;
    }
    return this.start; // unreachable: k < valid
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is an integer in `[start, start + n)`.
   */
  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  /** @returns the JSON form. */
  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  /** @returns e.g. `Discrete(4)` or `Discrete(4, start=-1)`. */
  override toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

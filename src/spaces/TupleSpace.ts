import { fail } from '../core/checks.js';
import { Space, type SpaceJSON, type SpaceValue } from './Space.js';

/** The value type of a {@link TupleSpace} over `S`. */
export type TupleValue<S extends readonly Space<unknown>[]> = { -readonly [K in keyof S]: SpaceValue<S[K]> };

/**
 * An ordered tuple of subspaces; a value is an array with one member of each.
 *
 * @typeParam S - the tuple of subspaces.
 * @example
 * ```ts
 * import { Box, Discrete, TupleSpace } from 'tradegym';
 * const space = new TupleSpace([new Discrete(2), new Box(-1, 1, [3])] as const);
 * space.seed(9);
 * const [side, weights] = space.sample();
 * console.log(space.contains([side, weights])); // true
 * ```
 */
export class TupleSpace<S extends readonly Space<unknown>[]> extends Space<TupleValue<S>> {
  /** The subspaces, in order. */
  readonly spaces: S;
  /** Composite spaces have no single shape. */
  readonly shape = null;
  /** Composite spaces have no single dtype. */
  readonly dtype = null;

  /**
   * @param spaces - the subspaces (at least one).
   * @throws {@link InvalidArgumentError} if `spaces` is empty or an element is not a Space.
   */
  constructor(spaces: S) {
    super();
    if (!Array.isArray(spaces) || spaces.length === 0) fail('spaces', 'a non-empty array of Space objects', spaces);
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) fail(`spaces[${i}]`, 'a Space', s);
    });
    this.spaces = Object.freeze(spaces.slice()) as unknown as S;
  }

  /**
   * Seeds this space and then each subspace, in order, with a seed derived from it.
   * @param seed - a safe integer >= 0; omitted, drawn from entropy.
   * @returns the seed used for this space.
   * @throws {@link InvalidArgumentError} if `seed` is not a safe integer >= 0.
   */
  override seed(seed?: number): number {
    const used = super.seed(seed);
    for (const s of this.spaces) s.seed(this.rng.deriveSeed());
    return used;
  }

  /**
   * @param mask - not supported by this space; leave it out.
   * @returns a new array with a sample of every subspace.
   * @throws {@link InvalidArgumentError} if a mask is given.
   */
  sample(mask?: ArrayLike<number>): TupleValue<S> {
    this.noMask(mask);
    return this.spaces.map((s) => s.sample()) as TupleValue<S>;
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is an array of the right length, each element in its subspace.
   */
  contains(x: unknown): x is TupleValue<S> {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]));
  }

  /** @returns the JSON form, subspaces in order. */
  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  /** @returns e.g. `Tuple(Discrete(2), Box(-1, 1, [3], float32))`. */
  override toString(): string {
    return `Tuple(${this.spaces.map(String).join(', ')})`;
  }
}

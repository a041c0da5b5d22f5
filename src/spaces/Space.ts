import { show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';

/** The element type of a space's values, numpy-style; `null` for composite spaces. */
export type SpaceDtype = 'float32' | 'int64' | 'int32' | 'int8' | null;

/** The value type a space holds: `SpaceValue<Box>` is `Float32Array`. */
export type SpaceValue<S> = S extends Space<infer T> ? T : never;

/** The JSON form of a {@link Box}. */
export interface BoxJSON {
  /** The kind of space. */
  readonly type: 'Box';
  /** The logical shape. */
  readonly shape: readonly number[];
  /** One lower bound per element. */
  readonly low: readonly JsonNumber[];
  /** One upper bound per element. */
  readonly high: readonly JsonNumber[];
}

/** The JSON form of a {@link Discrete}. */
export interface DiscreteJSON {
  /** The kind of space. */
  readonly type: 'Discrete';
  /** The number of elements. */
  readonly n: number;
  /** The smallest element. */
  readonly start: number;
}

/** The JSON form of a {@link MultiDiscrete}. */
export interface MultiDiscreteJSON {
  /** The kind of space. */
  readonly type: 'MultiDiscrete';
  /** Choices per element. */
  readonly nvec: readonly number[];
  /** The smallest value per element. */
  readonly start: readonly number[];
}

/** The JSON form of a {@link MultiBinary}. */
export interface MultiBinaryJSON {
  /** The kind of space. */
  readonly type: 'MultiBinary';
  /** The logical shape. */
  readonly shape: readonly number[];
}

/** The JSON form of a {@link DictSpace}. */
export interface DictJSON {
  /** The kind of space. */
  readonly type: 'Dict';
  /** The subspaces by key. */
  readonly spaces: { readonly [key: string]: SpaceJSON };
}

/** The JSON form of a {@link TupleSpace}. */
export interface TupleJSON {
  /** The kind of space. */
  readonly type: 'Tuple';
  /** The subspaces in order. */
  readonly spaces: readonly SpaceJSON[];
}

/**
 * The JSON form of a space, from `toJSON()`; {@link spaceFromJSON} rebuilds the space.
 * Infinite bounds are written as the strings `"Infinity"` and `"-Infinity"`.
 */
export type SpaceJSON = BoxJSON | DiscreteJSON | MultiDiscreteJSON | MultiBinaryJSON | DictJSON | TupleJSON;

/** A number as written in {@link SpaceJSON}: finite, or an infinity spelt as a string. */
export type JsonNumber = number | 'Infinity' | '-Infinity';

/**
 * The set of valid observations or actions, as Gymnasium's `Space`: it samples, tests
 * membership, and owns its own {@link Rng}. Unseeded, a space draws its seed from platform
 * entropy on first use (like numpy); call {@link Space.seed} for reproducible samples.
 *
 * @typeParam T - the type of the space's values.
 * @example
 * ```ts
 * import { Discrete } from 'tradegym';
 * const space = new Discrete(3);
 * space.seed(7);
 * const a = space.sample();
 * console.log(space.contains(a)); // true
 * ```
 */
export abstract class Space<T> {
  #rng: Rng | undefined;

  /** The shape of one value (`null` for composite spaces). */
  abstract readonly shape: readonly number[] | null;
  /** The element type (`null` for composite spaces). */
  abstract readonly dtype: SpaceDtype;

  /** This space's random stream, created from entropy on first use if never seeded. */
  protected get rng(): Rng {
    if (this.#rng === undefined) this.#rng = new Rng();
    return this.#rng;
  }

  /**
   * Seeds this space's random stream (composite spaces also seed their subspaces with
   * seeds derived from it).
   * @param seed - a safe integer >= 0; omitted, a seed is drawn from entropy.
   * @returns the seed used.
   * @throws {@link InvalidArgumentError} if `seed` is not a safe integer >= 0.
   */
  seed(seed?: number): number {
    this.#rng = new Rng(seed);
    return this.#rng.seed;
  }

  /**
   * A random member of the space. As in Gymnasium, a space may accept a mask: `Discrete`
   * takes one entry per element (1 allowed, 0 not); the others refuse a mask.
   * @param mask - optional, for spaces that support masking.
   * @returns a fresh value (never shared with an earlier sample).
   * @throws {@link InvalidArgumentError} if a mask is given to a space that does not support one.
   */
  abstract sample(mask?: ArrayLike<number>): T;

  /** Throws unless `mask` is undefined: for spaces without masked sampling. */
  protected noMask(mask: unknown): void {
    if (mask !== undefined) throw new InvalidArgumentError(`mask is not supported by ${String(this)}.sample(), got ${show(mask)}`);
  }

  /**
   * Whether `x` is a member of the space (right type, shape and range).
   * @param x - any value.
   * @returns `true` if `x` belongs to the space.
   */
  abstract contains(x: unknown): x is T;

  /**
   * The space as plain JSON.
   * @returns a {@link SpaceJSON} that {@link spaceFromJSON} turns back into an equal space.
   */
  abstract toJSON(): SpaceJSON;

  /**
   * Structural equality: same kind, shape and bounds.
   * @param other - another space.
   * @returns `true` if both describe the same set.
   */
  equals(other: Space<unknown>): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}

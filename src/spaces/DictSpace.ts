import { fail } from '../core/checks.js';
import { Space, type SpaceJSON, type SpaceValue } from './Space.js';

/** A record of named subspaces. */
export type SpaceRecord = { readonly [key: string]: Space<unknown> };

/** The value type of a {@link DictSpace} over `S`. */
export type DictValue<S extends SpaceRecord> = { [K in keyof S]: SpaceValue<S[K]> };

/**
 * Named subspaces; a value is a plain object with exactly those keys. Keys are kept sorted,
 * as Gymnasium's `Dict` sorts a plain dict's keys, so iteration order never depends on how
 * the space was written.
 *
 * @typeParam S - the record of subspaces.
 * @example
 * ```ts
 * import { Box, DictSpace, Discrete } from 'tradegym';
 * const space = new DictSpace({ position: new Discrete(3), prices: new Box(0, Infinity, [4]) });
 * space.seed(5);
 * const v = space.sample();   // { position: number, prices: Float32Array }
 * console.log(space.contains(v)); // true
 * ```
 */
export class DictSpace<S extends SpaceRecord> extends Space<DictValue<S>> {
  /** The subspaces, keys sorted. */
  readonly spaces: S;
  /** Composite spaces have no single shape. */
  readonly shape = null;
  /** Composite spaces have no single dtype. */
  readonly dtype = null;
  readonly #keys: readonly string[];

  /** The keys, sorted: the order of iteration, sampling, seeding and flattening. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /**
   * @param spaces - the named subspaces (at least one).
   * @throws {@link InvalidArgumentError} if `spaces` is empty or a value is not a Space.
   */
  constructor(spaces: S) {
    super();
    if (spaces === null || typeof spaces !== 'object' || Array.isArray(spaces)) {
      fail('spaces', 'a record of Space objects', spaces);
    }
    const keys = Object.keys(spaces).sort();
    if (keys.length === 0) fail('spaces', 'a non-empty record of Space objects', spaces);
    const sorted: Record<string, Space<unknown>> = {};
    for (const k of keys) {
      const sub = spaces[k];
      if (!(sub instanceof Space)) fail(`spaces.${k}`, 'a Space', sub);
      sorted[k] = sub;
    }
    this.spaces = Object.freeze(sorted) as S;
    this.#keys = Object.freeze(keys);
  }

  /**
   * Seeds this space and then each subspace, in key order, with a seed derived from it.
   * @param seed - a safe integer >= 0; omitted, drawn from entropy.
   * @returns the seed used for this space.
   * @throws {@link InvalidArgumentError} if `seed` is not a safe integer >= 0.
   */
  override seed(seed?: number): number {
    const used = super.seed(seed);
    for (const k of this.#keys) (this.spaces[k] as Space<unknown>).seed(this.rng.deriveSeed());
    return used;
  }

  /**
   * @param mask - not supported by this space; leave it out.
   * @returns a new object with a sample of every subspace.
   * @throws {@link InvalidArgumentError} if a mask is given.
   */
  sample(mask?: ArrayLike<number>): DictValue<S> {
    this.noMask(mask);
    const out: Record<string, unknown> = {};
    for (const k of this.#keys) out[k] = (this.spaces[k] as Space<unknown>).sample();
    return out as DictValue<S>;
  }

  /**
   * @param x - any value.
   * @returns `true` if `x` is a plain object with exactly the space's keys, each value in its subspace.
   */
  contains(x: unknown): x is DictValue<S> {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const rec = x as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length !== this.#keys.length) return false;
    for (const k of this.#keys) {
      if (!Object.prototype.hasOwnProperty.call(rec, k)) return false;
      if (!(this.spaces[k] as Space<unknown>).contains(rec[k])) return false;
    }
    return true;
  }

  /** @returns the JSON form, subspaces by key. */
  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const k of this.#keys) spaces[k] = (this.spaces[k] as Space<unknown>).toJSON();
    return { type: 'Dict', spaces };
  }

  /** @returns e.g. `Dict(position: Discrete(3), prices: Box(...))`. */
  override toString(): string {
    return `Dict(${this.#keys.map((k) => `${k}: ${String(this.spaces[k])}`).join(', ')})`;
  }
}

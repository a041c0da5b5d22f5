import seedrandom from 'seedrandom';
import { fail, requireFinite, requireInt, requireSeed, show } from './checks.js';
import { InvalidArgumentError } from './errors.js';

/** The internal words of seedrandom's xor4096 generator. */
export interface Xor4096State {
  /** The 128 words of the xorgens state. */
  readonly X: readonly number[];
  /** The Weyl sequence word. */
  readonly w: number;
  /** The position in `X`. */
  readonly i: number;
}

/** The serialisable state of an {@link Rng}: enough to resume its stream exactly. */
export interface RngState {
  /** The generator algorithm; always `'xor4096'` (Brent's xorgens-4096, via seedrandom). */
  readonly algorithm: 'xor4096';
  /** The generator's internal words, as seedrandom reports them. */
  readonly state: Xor4096State;
}

/** Anything with a length whose elements can be read and written: arrays and typed arrays. */
export interface MutableArrayLike<T> {
  /** The number of elements. */
  readonly length: number;
  [index: number]: T;
}
type Prng = seedrandom.StatefulPRNG<{ X: number[]; w: number; i: number }>;

const TWO_32 = 2 ** 32;

/**
 * A seed drawn from the platform's cryptographic entropy, for generators the user did not
 * seed (as numpy's `default_rng()` does). Everything that takes a seed is reproducible.
 * @internal
 */
export function entropySeed(): number {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  // 53 bits: a safe integer
  return (words[0] as number) * 2 ** 21 + ((words[1] as number) >>> 11);
}

function makePrng(seed: number): Prng {
  return seedrandom.xor4096(String(seed), { state: true }) as unknown as Prng;
}

/**
 * The one source of randomness in tradegym: a seeded stream over seedrandom's xor4096.
 * Same seed, same numbers, bit for bit, on every platform. Every env, space and generator
 * owns one; `fork()` derives an independent child stream, and `getState()`/`setState()`
 * checkpoint and resume exactly.
 *
 * Ranges follow numpy: `uniform(a, b)` and `integer(a, b)` draw from `[a, b)`.
 *
 * @example
 * ```ts
 * import { Rng } from 'tradegym';
 * const rng = new Rng(42);
 * const u = rng.uniform();          // in [0, 1)
 * const z = rng.normal(0, 1);       // standard normal
 * const k = rng.integer(0, 6);      // a die face 0..5
 * const saved = rng.getState();
 * const next = rng.uniform();
 * rng.setState(saved);
 * console.log(rng.uniform() === next); // true
 * ```
 */
export class Rng {
  #prng: Prng;
  readonly #seed: number;

  /**
   * @param seed - a safe integer >= 0; omitted, a seed is drawn from platform entropy
   *   (readable afterwards from {@link Rng.seed}).
   * @throws {@link InvalidArgumentError} if `seed` is not a safe integer >= 0.
   */
  constructor(seed?: number) {
    this.#seed = seed === undefined ? entropySeed() : requireSeed('seed', seed);
    this.#prng = makePrng(this.#seed);
  }

  /** The seed this stream started from. */
  get seed(): number {
    return this.#seed;
  }

  /**
   * A uniform double in `[low, high)` with 53 bits of randomness.
   * @param low - the inclusive lower bound (default 0).
   * @param high - the exclusive upper bound (default 1).
   * @returns the draw.
   * @throws {@link InvalidArgumentError} if a bound is not finite or `low > high`.
   */
  uniform(low = 0, high = 1): number {
    if (low === 0 && high === 1) return this.#prng.double();
    requireFinite('low', low);
    requireFinite('high', high);
    if (low > high) fail('low', `<= high (${high})`, low);
    return low + (high - low) * this.#prng.double();
  }

  /**
   * A normal draw by the Box-Muller transform (two uniforms per draw, no cached spare, so
   * the stream's state is only the generator's state).
   * @param mean - the mean (default 0).
   * @param std - the standard deviation, >= 0 (default 1).
   * @returns the draw.
   * @throws {@link InvalidArgumentError} if `mean` is not finite or `std` is negative.
   */
  normal(mean = 0, std = 1): number {
    if (!(std >= 0) || !Number.isFinite(std)) fail('std', 'a finite number >= 0', std);
    requireFinite('mean', mean);
    // 1 - u lies in (0, 1], so the log is finite
    const u1 = 1 - this.#prng.double();
    const u2 = this.#prng.double();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * An exponential draw with the given scale (mean), by inversion.
   * @param scale - the mean, > 0 (default 1).
   * @returns the draw, >= 0.
   * @throws {@link InvalidArgumentError} if `scale` is not a finite number > 0.
   */
  exponential(scale = 1): number {
    if (!(scale > 0) || !Number.isFinite(scale)) fail('scale', 'a finite number > 0', scale);
    return -scale * Math.log(1 - this.#prng.double());
  }

  /**
   * A uniform integer in `[low, high)`.
   * @param low - the inclusive lower bound (an integer).
   * @param high - the exclusive upper bound (an integer > low).
   * @returns the draw.
   * @throws {@link InvalidArgumentError} if a bound is not an integer or `high <= low`.
   */
  integer(low: number, high: number): number {
    requireInt('low', low);
    requireInt('high', high);
    if (high <= low) fail('high', `an integer > low (${low})`, high);
    return low + Math.floor(this.#prng.double() * (high - low));
  }

  /**
   * One element of `items`, uniformly.
   * @param items - a non-empty array.
   * @returns the chosen element.
   * @throws {@link InvalidArgumentError} if `items` is empty.
   */
  choice<T>(items: readonly T[]): T {
    if (!Array.isArray(items) || items.length === 0) fail('items', 'a non-empty array', items);
    return items[Math.floor(this.#prng.double() * items.length)] as T;
  }

  /**
   * Shuffles `items` in place (Fisher-Yates) and returns it.
   * @param items - an array or typed array.
   * @returns the same array, shuffled.
   */
  shuffle<A extends MutableArrayLike<unknown>>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.#prng.double() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * A 32-bit unsigned integer.
   * @returns an integer in `[0, 2^32)`.
   */
  uint32(): number {
    return this.#prng.int32() >>> 0;
  }

  /**
   * A child stream, independent of this one, seeded from two of this stream's words. Forking
   * advances this stream, so the children of one parent differ from each other.
   * @returns a new {@link Rng}.
   */
  fork(): Rng {
    return new Rng(this.deriveSeed());
  }

  /**
   * A seed (a safe integer) drawn from this stream, for seeding another component.
   * @returns a safe integer >= 0.
   */
  deriveSeed(): number {
    const hi = this.uint32() >>> 11; // 21 bits
    return hi * TWO_32 + this.uint32();
  }

  /**
   * The generator's state, JSON-serialisable.
   * @returns a deep copy of the state.
   */
  getState(): RngState {
    const s = this.#prng.state();
    return { algorithm: 'xor4096', state: { X: s.X.slice(), w: s.w, i: s.i } };
  }

  /**
   * Restores a state from {@link Rng.getState}; the stream continues exactly from there.
   * @param state - a state from `getState()` (possibly through JSON).
   * @throws {@link InvalidArgumentError} if `state` is not a valid xor4096 state.
   */
  setState(state: RngState): void {
    const s = (state as { state?: unknown } | null)?.state as Partial<{ X: unknown; w: unknown; i: unknown }> | undefined;
    const valid =
      state !== null &&
      typeof state === 'object' &&
      state.algorithm === 'xor4096' &&
      s !== undefined &&
      Array.isArray(s.X) &&
      s.X.length === 128 &&
      s.X.every((x) => Number.isInteger(x)) &&
      Number.isInteger(s.w) &&
      Number.isInteger(s.i);
    if (!valid) {
      throw new InvalidArgumentError(
        `state must be an RngState from Rng.getState() (algorithm 'xor4096', X of 128 integers), got ${show(state)}`,
      );
    }
    this.#prng = seedrandom.xor4096('', {
      state: { X: (s.X as number[]).slice(), w: s.w as number, i: s.i as number },
    } as unknown as { state: true }) as unknown as Prng;
  }
}

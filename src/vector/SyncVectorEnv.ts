import { fail, requireKnownKeys, requireOneOf, requireSeed, show } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { EnvClosedError, InvalidArgumentError, ResetNeededError } from '../core/errors.js';
import type { Info } from '../core/types.js';
import { Box } from '../spaces/Box.js';
import type { Space } from '../spaces/Space.js';
import { spaceFromJSON } from '../spaces/spaceFromJSON.js';
import { TupleSpace } from '../spaces/TupleSpace.js';

/**
 * When a finished sub-env is reset, as Gymnasium 1.x's `AutoresetMode`:
 * - `'next-step'` (default): the step after an episode ends resets that sub-env, ignoring
 *   its action, and returns the reset observation with reward 0 and both flags false.
 * - `'same-step'`: the ending step resets at once; it returns the reset observation, and
 *   `infos[i].finalObservation` / `infos[i].finalInfo` hold the episode's last ones.
 * - `'disabled'`: nothing resets by itself; call `reset({ mask })` for the finished sub-envs.
 */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** Options of {@link SyncVectorEnv}. */
export interface SyncVectorEnvOptions {
  /** See {@link AutoresetMode}; default `'next-step'`. */
  readonly autoresetMode?: AutoresetMode;
  /**
   * Return fresh arrays from `reset`/`step` (default true). With `false`, the same buffers
   * are reused and overwritten by the next call: faster, but copy what you keep.
   */
  readonly copy?: boolean;
}

/** The arguments of {@link SyncVectorEnv.reset}. */
export interface VectorResetParams {
  /** One seed: sub-env `i` gets `seed + i`. Or one seed per sub-env. */
  readonly seed?: number | readonly number[] | undefined;
  /** Reset options passed to every reset sub-env. */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /** Which sub-envs to reset (default all); truthy entries are reset, the others keep their state. */
  readonly mask?: ArrayLike<boolean | number> | undefined;
}

/** What {@link SyncVectorEnv.reset} returns. */
export interface VectorResetResult {
  /** `numEnvs` observations, each `obsSize` long, concatenated. */
  readonly observations: Float32Array;
  /** One info per sub-env. */
  readonly infos: Info[];
}

/** What {@link SyncVectorEnv.step} returns. */
export interface VectorStepResult {
  /** `numEnvs` observations, each `obsSize` long, concatenated. */
  readonly observations: Float32Array;
  /** One reward per sub-env. */
  readonly rewards: Float64Array;
  /** 1 where the sub-env's episode terminated. */
  readonly terminations: Uint8Array;
  /** 1 where the sub-env's episode was truncated. */
  readonly truncations: Uint8Array;
  /** One info per sub-env. */
  readonly infos: Info[];
}

/**
 * Runs `numEnvs` copies of an env in lockstep in this thread and batches their outputs into
 * typed arrays, as Gymnasium 1.x's `SyncVectorEnv`. Observations must come from a Box.
 *
 * @typeParam Act - the sub-envs' action type.
 * @example
 * ```ts
 * import { CartPole, SyncVectorEnv, TimeLimit } from 'tradegym';
 * const envs = new SyncVectorEnv(Array.from({ length: 4 }, () => () => new TimeLimit(new CartPole(), 500)));
 * let { observations } = envs.reset({ seed: 42 });        // Float32Array(16); sub-env i seeded 42 + i
 * envs.actionSpace.seed(42);
 * const { rewards, terminations } = envs.step(envs.actionSpace.sample());
 * ```
 */
export class SyncVectorEnv<Act> {
  /** The sub-envs, in order. */
  readonly envs: readonly Env<Float32Array, Act>[];
  /** How many sub-envs. */
  readonly numEnvs: number;
  /** The observation space of one sub-env. */
  readonly singleObservationSpace: Box;
  /** The action space of one sub-env. */
  readonly singleActionSpace: Space<Act>;
  /** The batched observation space: shape `[numEnvs, ...singleShape]`. */
  readonly observationSpace: Box;
  /** One independent copy of the single action space per sub-env; `sample()` gives a valid `step` argument. */
  readonly actionSpace: TupleSpace<Space<Act>[]>;
  /** The autoreset mode. */
  readonly autoresetMode: AutoresetMode;
  /** Whether results are fresh arrays. */
  readonly copy: boolean;
  /** The length of one observation. */
  readonly obsSize: number;

  readonly #obs: Float32Array;
  readonly #rewards: Float64Array;
  readonly #terms: Uint8Array;
  readonly #truncs: Uint8Array;
  readonly #autoreset: Uint8Array; // sub-envs whose episode ended on the last step
  #started = false;
  #closed = false;

  /**
   * @param envFns - one factory per sub-env (at least one); every sub-env must have equal spaces.
   * @param options - `autoresetMode` and `copy`.
   * @throws {@link InvalidArgumentError} if `envFns` is empty or not functions, the observation
   *   space is not a Box, the sub-envs' spaces differ, or an option is unknown or bad.
   */
  constructor(envFns: ReadonlyArray<() => Env<Float32Array, Act>>, options: SyncVectorEnvOptions = {}) {
    if (!Array.isArray(envFns) || envFns.length === 0) fail('envFns', 'a non-empty array of env factories', envFns);
    envFns.forEach((f, i) => {
      if (typeof f !== 'function') fail(`envFns[${i}]`, 'a function returning an Env', f);
    });
    requireKnownKeys('options', options, ['autoresetMode', 'copy']);
    this.autoresetMode =
      options.autoresetMode === undefined
        ? 'next-step'
        : requireOneOf('autoresetMode', options.autoresetMode, ['next-step', 'same-step', 'disabled']);
    if (options.copy !== undefined && typeof options.copy !== 'boolean') fail('copy', 'a boolean', options.copy);
    this.copy = options.copy ?? true;
    this.envs = Object.freeze(envFns.map((f) => f()));
    this.numEnvs = this.envs.length;
    const repeat = firstRepeat(this.envs);
    if (repeat !== undefined) fail('envFns', `factories returning a new env each (envFns[${repeat[0]}] returned envFns[${repeat[1]}]'s env: one env cannot be two sub-envs)`, envFns);
    const first = this.envs[0] as Env<Float32Array, Act>;
    if (!(first.observationSpace instanceof Box)) {
      fail('envFns[0]().observationSpace', 'a Box (SyncVectorEnv batches Float32Array observations)', String(first.observationSpace));
    }
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.envs.forEach((e, i) => {
      if (!e.observationSpace.equals(this.singleObservationSpace)) {
        fail(`envFns[${i}]().observationSpace`, `equal to sub-env 0's ${String(this.singleObservationSpace)}`, String(e.observationSpace));
      }
      if (!e.actionSpace.equals(this.singleActionSpace)) {
        fail(`envFns[${i}]().actionSpace`, `equal to sub-env 0's ${String(this.singleActionSpace)}`, String(e.actionSpace));
      }
    });
    const single = this.singleObservationSpace;
    this.obsSize = single.size;
    const tile = (a: Float32Array): Float32Array => {
      const out = new Float32Array(a.length * this.numEnvs);
      for (let i = 0; i < this.numEnvs; i++) out.set(a, i * a.length);
      return out;
    };
    this.observationSpace = new Box(tile(single.low), tile(single.high), [this.numEnvs, ...single.shape]);
    const actionJson = this.singleActionSpace.toJSON();
    this.actionSpace = new TupleSpace(Array.from({ length: this.numEnvs }, () => spaceFromJSON(actionJson) as Space<Act>));
    this.#obs = new Float32Array(this.numEnvs * this.obsSize);
    this.#rewards = new Float64Array(this.numEnvs);
    this.#terms = new Uint8Array(this.numEnvs);
    this.#truncs = new Uint8Array(this.numEnvs);
    this.#autoreset = new Uint8Array(this.numEnvs);
  }

  /** Whether `reset` has been called (stepping needs it). */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Resets all sub-envs, or those in `mask`.
   * @param params - `seed` (sub-env `i` gets `seed + i`, or `seed[i]`), `options`, `mask`.
   * @returns the batched observations and one info per sub-env (an empty info for sub-envs
   *   the mask left alone; their observations are the last ones).
   * @throws {@link InvalidArgumentError} on an unknown key, a bad seed, a seed array or mask of
   *   the wrong length, or a mask before the first full reset.
   */
  reset(params: VectorResetParams = {}): VectorResetResult {
    this.#requireOpen();
    tick(this);
    requireKnownKeys('params', params, ['seed', 'options', 'mask']);
    const seeds = this.#seeds(params.seed);
    const mask = params.mask;
    if (mask !== undefined) {
      if (mask === null || typeof mask !== 'object' || mask.length !== this.numEnvs) {
        fail('mask', `an array of ${this.numEnvs} booleans`, mask);
      }
      if (!this.#started) fail('mask', 'omitted on the first reset (every sub-env needs one)', mask);
    }
    const infos: Info[] = new Array<Info>(this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) {
      if (mask !== undefined && !mask[i]) {
        infos[i] = {};
        continue;
      }
      const env = this.envs[i] as Env<Float32Array, Act>;
      const r = env.reset({ seed: seeds?.[i], options: params.options });
      this.#obs.set(r.observation, i * this.obsSize);
      infos[i] = r.info;
      this.#autoreset[i] = 0;
    }
    this.#started = true;
    return { observations: this.copy ? this.#obs.slice() : this.#obs, infos };
  }

  /**
   * Steps every sub-env with its action, autoresetting per {@link SyncVectorEnv.autoresetMode}.
   * @param actions - one action per sub-env, e.g. `actionSpace.sample()` or an `Int32Array`
   *   for Discrete actions.
   * @returns batched observations, rewards, terminations, truncations and infos.
   * @throws {@link ResetNeededError} before the first reset, or in `'disabled'` mode when a
   *   sub-env that ended was not reset.
   * @throws {@link InvalidArgumentError} if `actions` does not have one action per sub-env.
   * @throws {@link InvalidActionError} (from the sub-env) for an action outside its space.
   */
  step(actions: ArrayLike<Act>): VectorStepResult {
    this.#requireOpen();
    if (!this.#started) throw new ResetNeededError('step() called before reset(): call reset() first');
    tick(this);
    if (actions === null || typeof actions !== 'object' || actions.length !== this.numEnvs) {
      fail('actions', `one action per sub-env (${this.numEnvs})`, actions);
    }
    const infos: Info[] = new Array<Info>(this.numEnvs);
    const size = this.obsSize;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i] as Env<Float32Array, Act>;
      if (this.#autoreset[i] === 1) {
        if (this.autoresetMode === 'disabled') {
          throw new ResetNeededError(
            `sub-env ${i} ended on the last step; with autoresetMode 'disabled' call reset({ mask }) for it first`,
          );
        }
        // next-step: this step only resets; the action is ignored
        const r = env.reset();
        this.#obs.set(r.observation, i * size);
        this.#rewards[i] = 0;
        this.#terms[i] = 0;
        this.#truncs[i] = 0;
        this.#autoreset[i] = 0;
        infos[i] = r.info;
        continue;
      }
      const r = env.step(actions[i] as Act);
      this.#rewards[i] = r.reward;
      this.#terms[i] = r.terminated ? 1 : 0;
      this.#truncs[i] = r.truncated ? 1 : 0;
      const done = r.terminated || r.truncated;
      if (done && this.autoresetMode === 'same-step') {
        const again = env.reset();
        this.#obs.set(again.observation, i * size);
        infos[i] = { ...again.info, finalObservation: r.observation, finalInfo: r.info };
      } else {
        this.#obs.set(r.observation, i * size);
        infos[i] = r.info;
        if (done) this.#autoreset[i] = 1;
      }
    }
    if (!this.copy) {
      return { observations: this.#obs, rewards: this.#rewards, terminations: this.#terms, truncations: this.#truncs, infos };
    }
    return {
      observations: this.#obs.slice(),
      rewards: this.#rewards.slice(),
      terminations: this.#terms.slice(),
      truncations: this.#truncs.slice(),
      infos,
    };
  }

  /** Closes every sub-env. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of this.envs) e.close();
  }

  #requireOpen(): void {
    if (this.#closed) throw new EnvClosedError('this SyncVectorEnv is closed: make a new one');
  }

  #seeds(seed: VectorResetParams['seed']): (number | undefined)[] | undefined {
    if (seed === undefined) return undefined;
    if (typeof seed === 'number') {
      requireSeed('seed', seed);
      if (!Number.isSafeInteger(seed + this.numEnvs - 1)) fail('seed', `a safe integer with room for seed + ${this.numEnvs - 1}`, seed);
      return Array.from({ length: this.numEnvs }, (_, i) => seed + i);
    }
    if (!Array.isArray(seed) || seed.length !== this.numEnvs) {
      throw new InvalidArgumentError(`seed must be a number or an array of ${this.numEnvs} seeds, got ${show(seed)}`);
    }
    return seed.map((s, i) => requireSeed(`seed[${i}]`, s));
  }
}

/** Steps and resets each vector env has taken (see {@link vectorEnvClock}). */
const clocks = new WeakMap<object, number>();

function tick(env: object): void {
  clocks.set(env, (clocks.get(env) ?? 0) + 1);
}

/**
 * How many `step` and `reset` calls `env` has taken: the agents compare it with the count at
 * `save` to know whether a live env is still where the checkpoint left it. @internal
 */
export function vectorEnvClock(env: object): number {
  return clocks.get(env) ?? 0;
}

/**
 * The first env that appears twice in `envs`, as `[i, j]` (`envs[i]` is `envs[j]`, j < i), or
 * undefined: one env instance cannot be two sub-envs (their steps would interleave on one
 * state). The check SyncVectorEnv and makeVecEnv share. @internal
 */
export function firstRepeat(envs: readonly unknown[]): [number, number] | undefined {
  for (let i = 0; i < envs.length; i++) {
    const j = envs.indexOf(envs[i]);
    if (j !== i) return [i, j];
  }
  return undefined;
}

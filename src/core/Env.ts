import { requireKnownKeys, requireRecord, requireSeed, show } from './checks.js';
import { EnvClosedError, InvalidActionError, ResetNeededError } from './errors.js';
import { Rng } from './Rng.js';
import type { EnvSpec, Info, ResetParams, ResetResult, StepResult } from './types.js';
import type { Space } from '../spaces/Space.js';

type Phase = 'fresh' | 'running' | 'ended' | 'closed';

/**
 * The environment contract, as Gymnasium 1.x's `Env`, in TypeScript idiom: `reset` and
 * `step` return objects; `terminated` is a true end and `truncated` a cut.
 *
 * Subclasses implement {@link Env.resetEnv} and {@link Env.stepEnv}; the public `reset` and
 * `step` wrap them once for every env and wrapper: `reset` validates its arguments and
 * re-seeds {@link Env.rng} when given a seed; `step` throws {@link ResetNeededError} before
 * the first reset or after the episode ended, and {@link InvalidActionError} for an action
 * outside {@link Env.actionSpace}.
 *
 * @typeParam Obs - the observation type.
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { Box, Discrete, Env, type StepResult, type ResetResult } from 'tradegym';
 *
 * // a one-dimensional random walk that ends when it leaves [-3, 3]
 * class Walk extends Env<Float32Array, number> {
 *   readonly observationSpace = new Box(-3, 3, [1]);
 *   readonly actionSpace = new Discrete(2);
 *   #x = 0;
 *   protected resetEnv(): ResetResult<Float32Array> {
 *     this.#x = this.rng.integer(-1, 2);
 *     return { observation: Float32Array.of(this.#x), info: {} };
 *   }
 *   protected stepEnv(action: number): StepResult<Float32Array> {
 *     this.#x += action === 1 ? 1 : -1;
 *     const terminated = Math.abs(this.#x) >= 3;
 *     return { observation: Float32Array.of(this.#x), reward: terminated ? 1 : 0, terminated, truncated: false, info: {} };
 *   }
 * }
 * const env = new Walk();
 * env.reset({ seed: 1 });
 * env.step(1);
 * ```
 */
export abstract class Env<Obs, Act, I extends Info = Info> {
  /** The space every observation belongs to. */
  abstract readonly observationSpace: Space<Obs>;
  /** The space of valid actions. */
  abstract readonly actionSpace: Space<Act>;
  /** Set by `make` to the registered spec; `undefined` for envs built directly. */
  spec: EnvSpec | undefined = undefined;

  #rng: Rng | undefined;
  #pendingSeed: number | undefined;
  #phase: Phase = 'fresh';

  /**
   * The env's own random stream: re-seeded by `reset({ seed })`, else continuing; an env
   * never reset with a seed draws its seed from platform entropy on first use.
   */
  protected get rng(): Rng {
    if (this.#rng === undefined) {
      this.#rng = new Rng(this.#pendingSeed);
      this.#pendingSeed = undefined;
    }
    return this.#rng;
  }

  /** The innermost env (itself, for an env that is not a wrapper). */
  get unwrapped(): Env<unknown, unknown> {
    return this;
  }

  /**
   * Starts a new episode.
   * @param params - `seed` re-seeds the env's random stream; `options` are env-specific.
   * @returns the first observation and an info object.
   * @throws {@link InvalidArgumentError} if `seed` is not a safe integer >= 0 or `options`
   *   is not a plain object.
   * @throws {@link EnvClosedError} after {@link Env.close}.
   */
  reset(params: ResetParams = {}): ResetResult<Obs, I> {
    this.#requireOpen('reset');
    requireKnownKeys('reset params', params, ['seed', 'options']); // reset({ start: 5 }) without options is a mistake, not a reset
    if (params.seed !== undefined) {
      this.#pendingSeed = requireSeed('seed', params.seed);
      this.#rng = undefined;
    }
    if (params.options !== undefined) requireRecord('options', params.options);
    const result = this.resetEnv(params);
    this.#phase = 'running';
    return result;
  }

  /**
   * Advances the episode by one action.
   * @param action - a member of {@link Env.actionSpace}.
   * @returns the next observation, reward, `terminated`, `truncated` and info.
   * @throws {@link ResetNeededError} before the first `reset` or after the episode ended.
   * @throws {@link InvalidActionError} if `action` is not in the action space.
   * @throws {@link EnvClosedError} after {@link Env.close}.
   */
  step(action: Act): StepResult<Obs, I> {
    this.#requireOpen('step');
    if (this.#phase !== 'running') {
      throw new ResetNeededError(
        this.#phase === 'fresh'
          ? 'step() called before reset(): call reset() to start an episode'
          : 'step() called after the episode ended (terminated or truncated): call reset() first',
      );
    }
    if (!this.actionSpace.contains(action)) {
      throw new InvalidActionError(`action must be in ${String(this.actionSpace)}, got ${show(action)}`);
    }
    const result = this.stepEnv(action);
    if (result.terminated || result.truncated) this.#phase = 'ended';
    return result;
  }

  /**
   * A text view of the current state, or `undefined` if the env does not render.
   * @returns a string, or `undefined`.
   */
  render(): string | undefined {
    return undefined;
  }

  /**
   * Releases resources; afterwards `reset` and `step` throw {@link EnvClosedError}. Safe to
   * call more than once. A subclass that overrides it calls `super.close()`.
   */
  close(): void {
    this.#phase = 'closed';
  }

  /** Whether {@link Env.close} was called. */
  get closed(): boolean {
    return this.#phase === 'closed';
  }

  #requireOpen(method: string): void {
    if (this.#phase === 'closed') throw new EnvClosedError(`${method}() called after close(): this env is closed; make a new one`);
  }

  /**
   * Implements the reset; `params` were validated and the rng re-seeded already.
   * @param params - the validated reset arguments.
   * @returns the first observation and info.
   */
  protected abstract resetEnv(params: ResetParams): ResetResult<Obs, I>;

  /**
   * Implements one step; the action was validated and the episode is running.
   * @param action - a member of the action space.
   * @returns the step's outcome.
   */
  protected abstract stepEnv(action: Act): StepResult<Obs, I>;
}

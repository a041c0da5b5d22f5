import { requireInt } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import type { ResetParams, ResetResult, StepResult } from '../core/types.js';
import { Wrapper } from '../core/Wrapper.js';

/**
 * Truncates the episode after `maxEpisodeSteps` steps, as Gymnasium's `TimeLimit`: the step
 * that reaches the limit returns `truncated: true` (and keeps `terminated` as the env said).
 *
 * @typeParam Obs - the observation type.
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { CartPole, TimeLimit } from 'tradegym';
 * const env = new TimeLimit(new CartPole(), 100);
 * env.reset({ seed: 0 });
 * console.log(env.maxEpisodeSteps); // 100
 * ```
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  /** The step count at which episodes are truncated. */
  readonly maxEpisodeSteps: number;
  #elapsed = 0;

  /**
   * @param env - the env to limit.
   * @param maxEpisodeSteps - an integer >= 1.
   * @throws {@link InvalidArgumentError} if `maxEpisodeSteps` is not an integer >= 1.
   */
  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env, env.observationSpace, env.actionSpace);
    this.maxEpisodeSteps = requireInt('maxEpisodeSteps', maxEpisodeSteps, 1);
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.#elapsed;
  }

  protected resetEnv(params: ResetParams): ResetResult<Obs> {
    this.#elapsed = 0;
    return this.env.reset(params);
  }

  protected stepEnv(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    this.#elapsed++;
    if (this.#elapsed >= this.maxEpisodeSteps && !r.truncated) {
      return { observation: r.observation, reward: r.reward, terminated: r.terminated, truncated: true, info: r.info };
    }
    return r;
  }
}

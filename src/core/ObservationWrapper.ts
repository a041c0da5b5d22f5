import type { ResetParams, ResetResult, StepResult } from './types.js';
import { Wrapper } from './Wrapper.js';

/**
 * A wrapper that transforms every observation (from `reset` and `step`) with
 * {@link ObservationWrapper.observation}.
 *
 * @typeParam WObs - the transformed observation type.
 * @typeParam Obs - the inner env's observation type.
 * @typeParam Act - the action type (unchanged).
 * @example
 * ```ts
 * import { Box, CartPole, ObservationWrapper } from 'tradegym';
 * // keeps only the pole angle
 * class AngleOnly extends ObservationWrapper<Float32Array, Float32Array, number> {
 *   constructor(env: CartPole) { super(env, new Box(-0.42, 0.42, [1]), env.actionSpace); }
 *   observation(obs: Float32Array): Float32Array { return obs.slice(2, 3); }
 * }
 * ```
 */
export abstract class ObservationWrapper<WObs, Obs, Act> extends Wrapper<WObs, Act, Obs, Act> {
  /**
   * Transforms one observation.
   * @param observation - the inner env's observation.
   * @returns the wrapper's observation.
   */
  abstract observation(observation: Obs): WObs;

  protected resetEnv(params: ResetParams): ResetResult<WObs> {
    const r = this.env.reset(params);
    return { observation: this.observation(r.observation), info: r.info };
  }

  protected stepEnv(action: Act): StepResult<WObs> {
    const r = this.env.step(action);
    return {
      observation: this.observation(r.observation),
      reward: r.reward,
      terminated: r.terminated,
      truncated: r.truncated,
      info: r.info,
    };
  }
}

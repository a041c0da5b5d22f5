import type { ResetParams, ResetResult, StepResult } from './types.js';
import { Wrapper } from './Wrapper.js';

/**
 * A wrapper that transforms every reward with {@link RewardWrapper.reward}.
 *
 * @typeParam Obs - the observation type (unchanged).
 * @typeParam Act - the action type (unchanged).
 * @example
 * ```ts
 * import { CartPole, RewardWrapper } from 'tradegym';
 * class Scaled extends RewardWrapper<Float32Array, number> {
 *   constructor(env: CartPole) { super(env, env.observationSpace, env.actionSpace); }
 *   reward(r: number): number { return 0.01 * r; }
 * }
 * ```
 */
export abstract class RewardWrapper<Obs, Act> extends Wrapper<Obs, Act> {
  /**
   * Transforms one reward.
   * @param reward - the inner env's reward.
   * @returns the wrapper's reward.
   */
  abstract reward(reward: number): number;

  protected resetEnv(params: ResetParams): ResetResult<Obs> {
    return this.env.reset(params);
  }

  protected stepEnv(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    return { ...r, reward: this.reward(r.reward) };
  }
}

import type { ResetParams, ResetResult, StepResult } from './types.js';
import { Wrapper } from './Wrapper.js';

/**
 * A wrapper that transforms every action with {@link ActionWrapper.action} before the inner
 * env sees it.
 *
 * @typeParam WAct - the wrapper's action type.
 * @typeParam Obs - the observation type (unchanged).
 * @typeParam Act - the inner env's action type.
 * @example
 * ```ts
 * import { CartPole, Discrete, ActionWrapper } from 'tradegym';
 * // swaps left and right
 * class Mirror extends ActionWrapper<number, Float32Array, number> {
 *   constructor(env: CartPole) { super(env, env.observationSpace, new Discrete(2)); }
 *   action(a: number): number { return 1 - a; }
 * }
 * ```
 */
export abstract class ActionWrapper<WAct, Obs, Act> extends Wrapper<Obs, WAct, Obs, Act> {
  /**
   * Transforms one action.
   * @param action - the wrapper's action.
   * @returns the inner env's action.
   */
  abstract action(action: WAct): Act;

  protected resetEnv(params: ResetParams): ResetResult<Obs> {
    return this.env.reset(params);
  }

  protected stepEnv(action: WAct): StepResult<Obs> {
    return this.env.step(this.action(action));
  }
}

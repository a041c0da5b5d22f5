import { Env } from './Env.js';
import type { Space } from '../spaces/Space.js';

/**
 * An env around another env, as Gymnasium's `Wrapper`: it may change the spaces, and it
 * implements `resetEnv`/`stepEnv` by calling the inner env. `reset` arguments (the seed
 * among them) pass through to the inner env. Use {@link ObservationWrapper},
 * {@link ActionWrapper} or {@link RewardWrapper} for the common single-function cases.
 *
 * @typeParam WObs - the wrapper's observation type.
 * @typeParam WAct - the wrapper's action type.
 * @typeParam Obs - the inner env's observation type.
 * @typeParam Act - the inner env's action type.
 * @example
 * ```ts
 * import { CartPole, Wrapper, type ResetParams, type ResetResult, type StepResult } from 'tradegym';
 *
 * // counts steps into info
 * class StepCounter extends Wrapper<Float32Array, number> {
 *   count = 0;
 *   constructor(env: CartPole) { super(env, env.observationSpace, env.actionSpace); }
 *   protected resetEnv(p: ResetParams): ResetResult<Float32Array> { this.count = 0; return this.env.reset(p); }
 *   protected stepEnv(a: number): StepResult<Float32Array> {
 *     const r = this.env.step(a);
 *     return { ...r, info: { ...r.info, count: ++this.count } };
 *   }
 * }
 * ```
 */
export abstract class Wrapper<WObs, WAct, Obs = WObs, Act = WAct> extends Env<WObs, WAct> {
  /** The wrapped env. */
  readonly env: Env<Obs, Act>;
  /** The wrapper's observation space. */
  readonly observationSpace: Space<WObs>;
  /** The wrapper's action space. */
  readonly actionSpace: Space<WAct>;

  /**
   * @param env - the env to wrap.
   * @param observationSpace - the wrapper's observation space (`env.observationSpace` if unchanged).
   * @param actionSpace - the wrapper's action space (`env.actionSpace` if unchanged).
   */
  constructor(env: Env<Obs, Act>, observationSpace: Space<WObs>, actionSpace: Space<WAct>) {
    super();
    this.env = env;
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
    this.spec = env.spec;
  }

  /** The innermost env. */
  override get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }

  /** @returns the inner env's rendering. */
  override render(): string | undefined {
    return this.env.render();
  }

  /** Closes the inner env. */
  override close(): void {
    super.close();
    this.env.close();
  }
}

import type { Env } from '../core/Env.js';
import { ActionWrapper } from '../core/ActionWrapper.js';
import { Box } from '../spaces/Box.js';
import { requireBox } from './boxOf.js';

/**
 * Clips every action into the inner env's Box, as Gymnasium's `ClipAction`. The wrapper's
 * action space is the same shape but unbounded, so any finite action is accepted (NaN
 * still is not).
 *
 * @typeParam Obs - the observation type.
 * @example
 * ```ts
 * import { ClipAction, Pendulum } from 'tradegym';
 * const env = new ClipAction(new Pendulum());
 * env.reset({ seed: 0 });
 * env.step(Float32Array.of(10)); // the pendulum receives 2, its maximum torque
 * ```
 */
export class ClipAction<Obs> extends ActionWrapper<Float32Array, Obs, Float32Array> {
  /** The unbounded Box of the inner action shape. */
  declare readonly actionSpace: Box;
  readonly #inner: Box;

  /**
   * @param env - an env with a Box action space.
   * @throws {@link InvalidArgumentError} if the env's action space is not a Box.
   */
  constructor(env: Env<Obs, Float32Array>) {
    const inner = requireBox('env.actionSpace (for ClipAction)', env.actionSpace);
    super(env, env.observationSpace, new Box(-Infinity, Infinity, inner.shape));
    this.#inner = inner;
  }

  /**
   * @param action - any finite action of the right shape.
   * @returns a new array clipped into the inner env's bounds.
   */
  action(action: Float32Array): Float32Array {
    const { low, high } = this.#inner;
    const out = new Float32Array(action.length);
    for (let i = 0; i < action.length; i++) {
      const v = action[i] as number;
      const lo = low[i] as number;
      const hi = high[i] as number;
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
  }
}

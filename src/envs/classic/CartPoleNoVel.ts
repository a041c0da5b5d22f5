import { ObservationWrapper } from '../../core/ObservationWrapper.js';
import { Box } from '../../spaces/Box.js';
import { CartPole } from './CartPole.js';

/**
 * CartPole with the velocities removed, as rl-baselines3-zoo's `CartPoleNoVel-v1` (the
 * partially observed task recurrent policies are benchmarked on): the observation is the cart
 * position and the pole angle only, `[x, theta]`, with CartPole's bounds for them
 * (±4.8 and ±0.419 rad); dynamics, reward, termination and seeding are `CartPole`'s, so one
 * seed and action sequence gives the same trajectory, seen without its velocities. A policy that
 * sees one observation cannot balance the pole: stack frames (`FrameStack`) or use a recurrent
 * or windowed features extractor. `make('CartPoleNoVel-v1')` adds a 500-step `TimeLimit`.
 *
 * @example
 * ```ts
 * import { CartPoleNoVel, make } from 'tradegym';
 * const env = new CartPoleNoVel();
 * const { observation } = env.reset({ seed: 0 });
 * console.log(observation.length, make('CartPoleNoVel-v1').spec?.maxEpisodeSteps); // 2 500
 * ```
 */
export class CartPoleNoVel extends ObservationWrapper<Float32Array, Float32Array, number> {
  /** Cart position and pole angle, with CartPole's bounds for them. */
  declare readonly observationSpace: Box;

  constructor() {
    const inner = new CartPole();
    const { low, high } = inner.observationSpace;
    super(inner, new Box([low[0] as number, low[2] as number], [high[0] as number, high[2] as number]), inner.actionSpace);
  }

  /**
   * CartPole's observation without its velocities.
   * @param observation - `[x, xDot, theta, thetaDot]`.
   * @returns `[x, theta]`.
   */
  observation(observation: Float32Array): Float32Array {
    return Float32Array.of(observation[0] as number, observation[2] as number);
  }
}

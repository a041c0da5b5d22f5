import { fail, requireFinite, requireKnownKeys } from '../../core/checks.js';
import { Env } from '../../core/Env.js';
import type { ResetParams, ResetResult, StepResult } from '../../core/types.js';
import { Box } from '../../spaces/Box.js';
import { Discrete } from '../../spaces/Discrete.js';

// Constants of Gymnasium's CartPoleEnv (classic_control/cartpole.py), after Barto, Sutton and
// Anderson (1983).
const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5; // half the pole's length
const POLEMASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds between state updates
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The cart-pole balancing task, an exact port of Gymnasium's `CartPole-v1`: same constants,
 * explicit Euler integrator, termination (|x| > 2.4 or |theta| > 12 degrees) and reward
 * (+1 every step, the terminating step included). The state is kept in float64 and
 * observed as float32, as in Gymnasium, so from one state and action sequence the
 * trajectory equals Gymnasium's to float32 precision.
 *
 * Actions: 0 pushes the cart left, 1 right. `make('CartPole-v1')` adds a 500-step
 * `TimeLimit`. Reset options `low`/`high` (default -0.05/0.05) bound the uniform start.
 *
 * @example
 * ```ts
 * import { CartPole } from 'tradegym';
 * const env = new CartPole();
 * let { observation } = env.reset({ seed: 42 });
 * let total = 0;
 * for (;;) {
 *   const r = env.step(observation[2]! > 0 ? 1 : 0); // push toward the lean
 *   observation = r.observation;
 *   total += r.reward;
 *   if (r.terminated || r.truncated || total >= 500) break;
 * }
 * ```
 */
export class CartPole extends Env<Float32Array, number> {
  /** Cart position, velocity, pole angle, angular velocity; bounds as Gymnasium's. */
  readonly observationSpace = new Box(
    [-X_THRESHOLD * 2, -FLOAT32_MAX, -THETA_THRESHOLD * 2, -FLOAT32_MAX],
    [X_THRESHOLD * 2, FLOAT32_MAX, THETA_THRESHOLD * 2, FLOAT32_MAX],
  );
  /** 0: push left, 1: push right. */
  readonly actionSpace = new Discrete(2);

  #x = 0;
  #xDot = 0;
  #theta = 0;
  #thetaDot = 0;
  #hasState = false;

  /**
   * The physical state `[x, xDot, theta, thetaDot]` in float64 (Gymnasium's
   * `env.unwrapped.state`), or `null` before the first reset. Setting it lets a test start a
   * trajectory from a chosen state; set it after `reset`.
   * @throws {@link InvalidArgumentError} when set to anything but 4 finite numbers.
   */
  get state(): Float64Array | null {
    return this.#hasState ? Float64Array.of(this.#x, this.#xDot, this.#theta, this.#thetaDot) : null;
  }

  /** Sets the physical state; see the getter. */
  set state(value: ArrayLike<number> | null) {
    if (value === null || typeof value !== 'object' || value.length !== 4) {
      fail('state', 'an array of 4 finite numbers', value);
    }
    this.#x = requireFinite('state[0]', value[0]);
    this.#xDot = requireFinite('state[1]', value[1]);
    this.#theta = requireFinite('state[2]', value[2]);
    this.#thetaDot = requireFinite('state[3]', value[3]);
    this.#hasState = true;
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array> {
    const opts = requireKnownKeys('options', params.options ?? {}, ['low', 'high']);
    const low = opts.low === undefined ? -0.05 : requireFinite('options.low', opts.low);
    const high = opts.high === undefined ? 0.05 : requireFinite('options.high', opts.high);
    if (low > high) fail('options.low', `<= options.high (${high})`, low);
    const rng = this.rng;
    this.#x = rng.uniform(low, high);
    this.#xDot = rng.uniform(low, high);
    this.#theta = rng.uniform(low, high);
    this.#thetaDot = rng.uniform(low, high);
    this.#hasState = true;
    return { observation: this.#observe(), info: {} };
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const theta = this.#theta;
    const thetaDot = this.#thetaDot;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    // https://coneural.org/florian/papers/05_cart_pole.pdf, as in Gymnasium
    const temp = (force + POLEMASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLEMASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    // explicit Euler: positions advance with the old velocities
    this.#x += TAU * this.#xDot;
    this.#xDot += TAU * xAcc;
    this.#theta += TAU * thetaDot;
    this.#thetaDot += TAU * thetaAcc;
    const x = this.#x;
    const th = this.#theta;
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || th < -THETA_THRESHOLD || th > THETA_THRESHOLD;
    return { observation: this.#observe(), reward: 1.0, terminated, truncated: false, info: {} };
  }

  /** @returns e.g. `CartPole x=+0.012 v=-0.210 theta=+0.031 omega=+0.402`. */
  override render(): string | undefined {
    if (!this.#hasState) return undefined;
    const f = (v: number): string => (v >= 0 ? '+' : '') + v.toFixed(3);
    return `CartPole x=${f(this.#x)} v=${f(this.#xDot)} theta=${f(this.#theta)} omega=${f(this.#thetaDot)}`;
  }

  #observe(): Float32Array {
    const obs = new Float32Array(4);
    obs[0] = this.#x;
    obs[1] = this.#xDot;
    obs[2] = this.#theta;
    obs[3] = this.#thetaDot;
    return obs;
  }
}

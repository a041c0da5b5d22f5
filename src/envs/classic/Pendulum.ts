import { fail, requireFinite, requireKnownKeys } from '../../core/checks.js';
import { Env } from '../../core/Env.js';
import type { ResetParams, ResetResult, StepResult } from '../../core/types.js';
import { Box } from '../../spaces/Box.js';

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const MASS = 1.0;
const LENGTH = 1.0;

/** Options of {@link Pendulum}. */
export interface PendulumOptions {
  /** Gravity in m/s^2 (Gymnasium's `g`, default 10.0). */
  readonly g?: number;
}

/**
 * Wraps an angle to [-pi, pi) with a floored modulo, as Gymnasium's `angle_normalize`
 * (Python's `%` floors; JavaScript's truncates, so it is corrected here).
 * @internal
 */
export function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  const m = (x + Math.PI) % twoPi;
  return (m < 0 ? m + twoPi : m) - Math.PI;
}

/**
 * The inverted-pendulum swing-up task, an exact port of Gymnasium's `Pendulum-v1`: the
 * same constants (max speed 8, max torque 2, dt 0.05, m = l = 1, g = 10 by default),
 * semi-implicit update and reward `-(theta^2 + 0.1 thetaDot^2 + 0.001 u^2)` with theta
 * wrapped to [-pi, pi). Observation `[cos theta, sin theta, thetaDot]`; action a
 * `Float32Array` of one torque in [-2, 2]. `make('Pendulum-v1')` adds a 200-step
 * `TimeLimit`. Reset options `xInit`/`yInit` (Gymnasium's `x_init`/`y_init`, default pi and
 * 1) bound the uniform start angle and velocity.
 *
 * @example
 * ```ts
 * import { Pendulum } from 'tradegym';
 * const env = new Pendulum();
 * env.reset({ seed: 0 });
 * const { reward } = env.step(Float32Array.of(0.5));
 * console.log(reward <= 0); // true: the reward is a negative cost
 * ```
 */
export class Pendulum extends Env<Float32Array, Float32Array> {
  /** `[cos theta, sin theta, thetaDot]` within `[-1, -1, -8]..[1, 1, 8]`. */
  readonly observationSpace = new Box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  /** One torque in [-2, 2]. */
  readonly actionSpace = new Box(-MAX_TORQUE, MAX_TORQUE, [1]);
  /** Gravity in m/s^2. */
  readonly g: number;

  #theta = 0;
  #thetaDot = 0;
  #hasState = false;

  /**
   * @param options - `g`, gravity (default 10.0).
   * @throws {@link InvalidArgumentError} if `g` is not a finite number.
   */
  constructor(options: PendulumOptions = {}) {
    super();
    requireKnownKeys('options', options, ['g']);
    this.g = options.g === undefined ? 10.0 : requireFinite('g', options.g);
  }

  /**
   * The physical state `[theta, thetaDot]` in float64 (Gymnasium's `env.unwrapped.state`),
   * or `null` before the first reset; settable after `reset` to start from a chosen state.
   * @throws {@link InvalidArgumentError} when set to anything but 2 finite numbers.
   */
  get state(): Float64Array | null {
    return this.#hasState ? Float64Array.of(this.#theta, this.#thetaDot) : null;
  }

  /** Sets the physical state; see the getter. */
  set state(value: ArrayLike<number> | null) {
    if (value === null || typeof value !== 'object' || value.length !== 2) {
      fail('state', 'an array of 2 finite numbers', value);
    }
    this.#theta = requireFinite('state[0]', value[0]);
    this.#thetaDot = requireFinite('state[1]', value[1]);
    this.#hasState = true;
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array> {
    const opts = requireKnownKeys('options', params.options ?? {}, ['xInit', 'yInit']);
    const xHigh = opts.xInit === undefined ? Math.PI : requireFinite('options.xInit', opts.xInit);
    const yHigh = opts.yInit === undefined ? 1.0 : requireFinite('options.yInit', opts.yInit);
    // Gymnasium enforces symmetric limits: low = -high
    this.#theta = -xHigh + 2 * xHigh * this.rng.uniform();
    this.#thetaDot = -yHigh + 2 * yHigh * this.rng.uniform();
    this.#hasState = true;
    return { observation: this.#observe(), info: {} };
  }

  protected stepEnv(action: Float32Array): StepResult<Float32Array> {
    const th = this.#theta;
    const thDot = this.#thetaDot;
    const raw = action[0] as number;
    const u = raw < -MAX_TORQUE ? -MAX_TORQUE : raw > MAX_TORQUE ? MAX_TORQUE : raw;
    const a = angleNormalize(th);
    const cost = a * a + 0.1 * thDot * thDot + 0.001 * (u * u);
    let newThDot = thDot + ((3 * this.g) / (2 * LENGTH) * Math.sin(th) + (3.0 / (MASS * LENGTH * LENGTH)) * u) * DT;
    newThDot = newThDot < -MAX_SPEED ? -MAX_SPEED : newThDot > MAX_SPEED ? MAX_SPEED : newThDot;
    this.#theta = th + newThDot * DT;
    this.#thetaDot = newThDot;
    return { observation: this.#observe(), reward: -cost, terminated: false, truncated: false, info: {} };
  }

  /** @returns e.g. `Pendulum theta=+3.012 omega=-0.210`. */
  override render(): string | undefined {
    if (!this.#hasState) return undefined;
    const f = (v: number): string => (v >= 0 ? '+' : '') + v.toFixed(3);
    return `Pendulum theta=${f(this.#theta)} omega=${f(this.#thetaDot)}`;
  }

  #observe(): Float32Array {
    const obs = new Float32Array(3);
    obs[0] = Math.cos(this.#theta);
    obs[1] = Math.sin(this.#theta);
    obs[2] = this.#thetaDot;
    return obs;
  }
}

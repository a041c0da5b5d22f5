import { fail } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import type { ResetParams, ResetResult, StepResult } from '../core/types.js';
import { Wrapper } from '../core/Wrapper.js';
import { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';

/** Options of {@link NormalizeReward}. */
export interface NormalizeRewardOptions {
  /** The discount of the tracked return (default 0.99). */
  readonly gamma?: number;
  /** Added to the variance before the square root (default 1e-8). */
  readonly epsilon?: number;
}

/**
 * Scales rewards so that the discounted return has roughly unit variance, as Gymnasium
 * 1.x's `NormalizeReward`: `G = G * gamma * (1 - terminated) + r` updates a running
 * variance, and the step returns `r / sqrt(var(G) + epsilon)` (rewards are scaled, not
 * centred). As in Gymnasium, `G` is reset by termination only, not by truncation or `reset`.
 *
 * @typeParam Obs - the observation type.
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { CartPole, NormalizeReward } from 'tradegym';
 * const env = new NormalizeReward(new CartPole(), { gamma: 0.99 });
 * env.reset({ seed: 0 });
 * const { reward } = env.step(0); // 1 / sqrt(var + 1e-8)
 * ```
 */
export class NormalizeReward<Obs, Act> extends Wrapper<Obs, Act> {
  /** The discount of the tracked return. */
  readonly gamma: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** The running statistics of the discounted return. */
  readonly returnRms = new RunningMeanStd(1);
  /** Whether steps update the statistics (false freezes them). */
  updateRunningMean = true;
  #discounted = 0;
  readonly #one = new Float64Array(1);

  /**
   * @param env - the env whose rewards to scale.
   * @param options - `gamma` and `epsilon`.
   * @throws {@link InvalidArgumentError} if `gamma` is outside [0, 1] or `epsilon` <= 0.
   */
  constructor(env: Env<Obs, Act>, options: NormalizeRewardOptions = {}) {
    super(env, env.observationSpace, env.actionSpace);
    const gamma = options.gamma ?? 0.99;
    const eps = options.epsilon ?? 1e-8;
    if (!(gamma >= 0 && gamma <= 1)) fail('gamma', 'a number in [0, 1]', gamma);
    if (!(eps > 0) || !Number.isFinite(eps)) fail('epsilon', 'a finite number > 0', eps);
    this.gamma = gamma;
    this.epsilon = eps;
  }

  /** The current discounted return `G`. */
  get discountedReturn(): number {
    return this.#discounted;
  }

  protected resetEnv(params: ResetParams): ResetResult<Obs> {
    return this.env.reset(params);
  }

  protected stepEnv(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    this.#discounted = this.#discounted * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) {
      this.#one[0] = this.#discounted;
      this.returnRms.update(this.#one);
    }
    const scaled = r.reward / Math.sqrt((this.returnRms.var[0] as number) + this.epsilon);
    return { observation: r.observation, reward: scaled, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }

  /** @returns a copy of the return statistics, JSON-serialisable. */
  getStatistics(): RunningMeanStdState {
    return this.returnRms.getState();
  }

  /**
   * @param state - statistics from {@link NormalizeReward.getStatistics}.
   * @throws {@link InvalidArgumentError} if they are not statistics of one element.
   */
  setStatistics(state: RunningMeanStdState): void {
    this.returnRms.setState(state);
  }
}

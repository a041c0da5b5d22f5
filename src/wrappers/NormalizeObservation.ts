import { fail } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { ObservationWrapper } from '../core/ObservationWrapper.js';
import { Box } from '../spaces/Box.js';
import { requireBox } from './boxOf.js';
import { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';

/** Options of {@link NormalizeObservation}. */
export interface NormalizeObservationOptions {
  /** Added to the variance before the square root (default 1e-8, Gymnasium's). */
  readonly epsilon?: number;
}

/**
 * Normalises each observation element to roughly zero mean and unit variance with running
 * statistics, as Gymnasium 1.x's `NormalizeObservation`: every observation (from `reset`
 * and `step`) first updates the statistics, then is returned as
 * `(obs - mean) / sqrt(var + epsilon)`. Set `updateRunningMean = false` to freeze the
 * statistics for evaluation; `getStatistics`/`setStatistics` move them between runs.
 *
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { CartPole, NormalizeObservation } from 'tradegym';
 * const train = new NormalizeObservation(new CartPole());
 * // ... train ...
 * const evalEnv = new NormalizeObservation(new CartPole());
 * evalEnv.setStatistics(train.getStatistics());
 * evalEnv.updateRunningMean = false; // frozen
 * ```
 */
export class NormalizeObservation<Act> extends ObservationWrapper<Float32Array, Float32Array, Act> {
  /** The wrapper's observation space: unbounded, the inner shape. */
  declare readonly observationSpace: Box;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** The running statistics. */
  readonly obsRms: RunningMeanStd;
  /** Whether observations update the statistics (true by default; false freezes them). */
  updateRunningMean = true;

  /**
   * @param env - an env with a Box observation space.
   * @param options - `epsilon`.
   * @throws {@link InvalidArgumentError} if the observation space is not a Box or `epsilon` is
   *   not a finite number > 0.
   */
  constructor(env: Env<Float32Array, Act>, options: NormalizeObservationOptions = {}) {
    const box = requireBox('env.observationSpace (for NormalizeObservation)', env.observationSpace);
    super(env, new Box(-Infinity, Infinity, box.shape), env.actionSpace);
    const eps = options.epsilon ?? 1e-8;
    if (!(eps > 0) || !Number.isFinite(eps)) fail('epsilon', 'a finite number > 0', eps);
    this.epsilon = eps;
    this.obsRms = new RunningMeanStd(box.size);
  }

  /**
   * @param observation - the inner env's observation.
   * @returns a new, normalised observation.
   */
  observation(observation: Float32Array): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(observation);
    const { mean, var: variance } = this.obsRms;
    const out = new Float32Array(observation.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = ((observation[i] as number) - (mean[i] as number)) / Math.sqrt((variance[i] as number) + this.epsilon);
    }
    return out;
  }

  /** @returns a copy of the running statistics, JSON-serialisable. */
  getStatistics(): RunningMeanStdState {
    return this.obsRms.getState();
  }

  /**
   * @param state - statistics from {@link NormalizeObservation.getStatistics}.
   * @throws {@link InvalidArgumentError} if they do not fit the observation size.
   */
  setStatistics(state: RunningMeanStdState): void {
    this.obsRms.setState(state);
  }
}

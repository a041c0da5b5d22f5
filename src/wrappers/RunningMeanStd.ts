import { fail, requireInt } from '../core/checks.js';

/** The serialisable statistics of a {@link RunningMeanStd}. */
export interface RunningMeanStdState {
  /** Per-element running mean. */
  readonly mean: readonly number[];
  /** Per-element running (population) variance. */
  readonly var: readonly number[];
  /** The (pseudo-)count of samples seen; starts at `epsilon`. */
  readonly count: number;
}

/**
 * Running mean and variance of a stream of vectors by Chan et al.'s parallel update, as
 * Gymnasium's and Stable-Baselines3's `RunningMeanStd`: mean starts at 0, variance at 1
 * and count at `epsilon` (1e-4), so the first update dominates without dividing by zero.
 *
 * @example
 * ```ts
 * import { RunningMeanStd } from 'tradegym';
 * const rms = new RunningMeanStd(1);
 * for (const x of [1, 2, 3]) rms.update([x]);
 * console.log(rms.mean[0]); // ≈ 2 (the 1e-4 prior count pulls it a hair toward 0)
 * ```
 */
export class RunningMeanStd {
  /** Per-element running mean (float64). */
  readonly mean: Float64Array;
  /** Per-element running variance (float64). */
  readonly var: Float64Array;
  /** Samples seen, plus the initial `epsilon`. */
  count: number;

  /**
   * @param size - the vector length, an integer >= 1.
   * @param epsilon - the initial pseudo-count (default 1e-4).
   * @throws {@link InvalidArgumentError} if `size` is not an integer >= 1 or `epsilon` <= 0.
   */
  constructor(size: number, epsilon = 1e-4) {
    requireInt('size', size, 1);
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) fail('epsilon', 'a finite number > 0', epsilon);
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /**
   * Adds one sample (a batch of one: batch variance 0).
   * @param x - a vector of the tracked length.
   * @throws {@link InvalidArgumentError} if `x` has the wrong length.
   */
  update(x: ArrayLike<number>): void {
    const n = this.mean.length;
    if (x.length !== n) fail('x.length', `${n}`, x.length);
    const tot = this.count + 1;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i] as number;
      const delta = (x[i] as number) - m;
      this.mean[i] = m + delta / tot;
      // M2 = var*count + 0*1 + delta^2 * count * 1 / tot
      this.var[i] = ((this.var[i] as number) * this.count + (delta * delta * this.count) / tot) / tot;
    }
    this.count = tot;
  }

  /** @returns a copy of the statistics, JSON-serialisable. */
  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /**
   * Restores statistics from {@link RunningMeanStd.getState}.
   * @param state - statistics of the same length.
   * @throws {@link InvalidArgumentError} on a length mismatch, a negative or non-finite
   *   variance, or a count that is not a finite number > 0.
   */
  setState(state: RunningMeanStdState): void {
    const n = this.mean.length;
    if (!state || !Array.isArray(state.mean) || state.mean.length !== n) fail('state.mean', `an array of ${n} numbers`, state?.mean);
    if (!Array.isArray(state.var) || state.var.length !== n) fail('state.var', `an array of ${n} numbers`, state.var);
    if (!(state.count > 0) || !Number.isFinite(state.count)) fail('state.count', 'a finite number > 0', state.count);
    for (let i = 0; i < n; i++) {
      const m = state.mean[i];
      const v = state.var[i];
      if (typeof m !== 'number' || !Number.isFinite(m)) fail(`state.mean[${i}]`, 'a finite number', m);
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) fail(`state.var[${i}]`, 'a finite number >= 0', v);
    }
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
  }
}

import { requireInt, requireKnownKeys } from '../core/checks.js';
import type { Direction, FrozenTrial } from './samplers.js';

/** Decides whether a running trial stops early, from what it and the others reported. */
export interface Pruner {
  /** The pruner's name. */
  readonly name: string;
  /**
   * Whether `trial` should stop now, after it reported `step`.
   * @param trial - the running trial (its intermediate values include `step`'s).
   * @param trials - every trial of the study.
   * @param direction - of the objective.
   * @param step - the step it just reported.
   */
  prune(trial: FrozenTrial, trials: readonly FrozenTrial[], direction: Direction, step: number): boolean;
}

/** Options of {@link MedianPruner}; the defaults are Optuna's. */
export interface MedianPrunerOptions {
  /** No pruning until this many trials have completed (default 5). */
  readonly nStartupTrials?: number;
  /** No pruning before a trial reaches this step (default 0). */
  readonly nWarmupSteps?: number;
  /** Check every this many steps after the warm-up (default 1). */
  readonly intervalSteps?: number;
}

/**
 * Stops a trial whose best value so far is worse than the median of the other trials' values
 * at the same step (Optuna's `MedianPruner`).
 *
 * @example
 * ```ts
 * import { MedianPruner } from 'tradegym/tune';
 * const pruner = new MedianPruner({ nStartupTrials: 2 });
 * const done = (n: number, v: number) => ({ number: n, params: {}, state: 'complete' as const, value: v, intermediate: { 1: v } });
 * const running = { number: 2, params: {}, state: 'running' as const, intermediate: { 1: 9 } };
 * console.log(pruner.prune(running, [done(0, 1), done(1, 2), running], 'minimize', 1)); // true: 9 is worse than the median 1.5
 * ```
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  readonly #startup: number;
  readonly #warmup: number;
  readonly #interval: number;

  /**
   * @param options - see {@link MedianPrunerOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of range.
   */
  constructor(options: MedianPrunerOptions = {}) {
    const o = requireKnownKeys('options', options, ['nStartupTrials', 'nWarmupSteps', 'intervalSteps']);
    this.#startup = o.nStartupTrials === undefined ? 5 : requireInt('options.nStartupTrials', o.nStartupTrials, 0);
    this.#warmup = o.nWarmupSteps === undefined ? 0 : requireInt('options.nWarmupSteps', o.nWarmupSteps, 0);
    this.#interval = o.intervalSteps === undefined ? 1 : requireInt('options.intervalSteps', o.intervalSteps, 1);
  }

  /**
   * @param trial - the running trial.
   * @param trials - every trial.
   * @param direction - of the objective.
   * @param step - the step just reported.
   * @returns whether to stop it.
   */
  prune(trial: FrozenTrial, trials: readonly FrozenTrial[], direction: Direction, step: number): boolean {
    const complete = trials.filter((t) => t.state === 'complete');
    if (complete.length < this.#startup || step < this.#warmup || (step - this.#warmup) % this.#interval !== 0) return false;
    const sign = direction === 'minimize' ? 1 : -1;
    // the trial's best so far, against the median of the others' at this step
    const own = Object.entries(trial.intermediate).filter(([s]) => Number(s) <= step).map(([, v]) => sign * v);
    if (own.length === 0) return false;
    const best = Math.min(...own);
    const others = trials.filter((t) => t.number !== trial.number && t.state !== 'running' && t.intermediate[step] !== undefined).map((t) => sign * (t.intermediate[step] as number));
    if (others.length === 0) return false;
    others.sort((a, b) => a - b);
    const mid = others.length >> 1;
    const median = others.length % 2 === 1 ? (others[mid] as number) : 0.5 * ((others[mid - 1] as number) + (others[mid] as number));
    return Number.isNaN(best) || best > median;
  }
}

/** Options of {@link SuccessiveHalvingPruner}; the defaults are Optuna's (but `minResource`, which Optuna guesses). */
export interface SuccessiveHalvingOptions {
  /** The step of the first rung (default 1). */
  readonly minResource?: number;
  /** Each rung keeps the best 1 / reductionFactor (default 4). */
  readonly reductionFactor?: number;
  /** Skips the first rungs: rung k is at `minResource * reductionFactor^(minEarlyStoppingRate + k)` (default 0). */
  readonly minEarlyStoppingRate?: number;
}

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020), as Optuna's `SuccessiveHalvingPruner`:
 * rungs at steps `minResource * reductionFactor^(minEarlyStoppingRate + k)`; a trial that
 * reaches a rung goes on only if its value there is among the best `1 / reductionFactor` of
 * every value recorded at that rung so far (the first ones: if it is the best).
 *
 * @example
 * ```ts
 * import { SuccessiveHalvingPruner } from 'tradegym/tune';
 * const asha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
 * const at = (n: number, v: number) => ({ number: n, params: {}, state: 'complete' as const, value: v, intermediate: { 1: v } });
 * const running = { number: 2, params: {}, state: 'running' as const, intermediate: { 1: 5 } };
 * console.log(asha.prune(running, [at(0, 1), at(1, 2), running], 'minimize', 1)); // true: 5 is not in the best half of [1, 2, 5]
 * ```
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'asha';
  readonly #min: number;
  readonly #eta: number;
  readonly #rate: number;

  /**
   * @param options - see {@link SuccessiveHalvingOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of range.
   */
  constructor(options: SuccessiveHalvingOptions = {}) {
    const o = requireKnownKeys('options', options, ['minResource', 'reductionFactor', 'minEarlyStoppingRate']);
    this.#min = o.minResource === undefined ? 1 : requireInt('options.minResource', o.minResource, 1);
    this.#eta = o.reductionFactor === undefined ? 4 : requireInt('options.reductionFactor', o.reductionFactor, 2);
    this.#rate = o.minEarlyStoppingRate === undefined ? 0 : requireInt('options.minEarlyStoppingRate', o.minEarlyStoppingRate, 0);
  }

  /** The steps of the rungs a trial that reported up to `step` has passed. */
  #rungs(step: number): number[] {
    const rungs: number[] = [];
    for (let k = 0; ; k++) {
      const at = this.#min * this.#eta ** (this.#rate + k);
      if (at > step) return rungs;
      rungs.push(at);
    }
  }

  /** A trial's value at rung step `at`: its report at the largest step not past `at` (as it stood when it reached the rung). */
  static #valueAt(t: FrozenTrial, at: number): number | undefined {
    let best: number | undefined;
    let bestStep = -1;
    for (const [s, v] of Object.entries(t.intermediate)) {
      const n = Number(s);
      if (n <= at && n > bestStep) [bestStep, best] = [n, v];
    }
    return bestStep < 0 ? undefined : best;
  }

  /**
   * @param trial - the running trial.
   * @param trials - every trial.
   * @param direction - of the objective.
   * @param step - the step just reported.
   * @returns whether to stop it.
   */
  prune(trial: FrozenTrial, trials: readonly FrozenTrial[], direction: Direction, step: number): boolean {
    const rungs = this.#rungs(step);
    if (rungs.length === 0) return false;
    // only the rung just reached decides (the earlier ones were decided when reached)
    const at = rungs[rungs.length - 1] as number;
    const prev = Object.keys(trial.intermediate).map(Number).filter((s) => s < step);
    if (prev.length > 0 && Math.max(...prev) >= at) return false;
    const value = SuccessiveHalvingPruner.#valueAt(trial, at) as number;
    if (Number.isNaN(value)) return true;
    const sign = direction === 'minimize' ? 1 : -1;
    const competing = trials
      .filter((t) => t.number !== trial.number && Object.keys(t.intermediate).some((s) => Number(s) >= at))
      .map((t) => SuccessiveHalvingPruner.#valueAt(t, at))
      .filter((v): v is number => v !== undefined && !Number.isNaN(v))
      .map((v) => sign * v);
    competing.push(sign * value);
    competing.sort((a, b) => a - b);
    const promotable = Math.max(0, Math.floor(competing.length / this.#eta) - 1);
    return sign * value > (competing[promotable] as number);
  }
}

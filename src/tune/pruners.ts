import { fail, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import type { Direction, FrozenTrial } from './samplers.js';

/**
 * A pruner as plain JSON: its type and options, from which {@link prunerFromSpec} rebuilds it
 * wherever a trial runs (a worker thread, another machine).
 */
export type PrunerSpec =
  | {
      /** A {@link MedianPruner}. */
      readonly type: 'median';
      /** Its options. */
      readonly options: MedianPrunerOptions;
    }
  | {
      /** A {@link SuccessiveHalvingPruner}. */
      readonly type: 'asha';
      /** Its options. */
      readonly options: SuccessiveHalvingOptions;
    };

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
  /**
   * The pruner as JSON, for trials that run outside this thread; a pruner without it works
   * only in-process.
   */
  toSpec?(): PrunerSpec;
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
 * Stops a trial whose best value so far is worse than the median of the complete trials' values
 * at the same step (Optuna's `MedianPruner`: NaN reports ignored, checked at the first report
 * in each interval after the warm-up).
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
   * @returns the pruner as JSON (every option, defaults filled), for {@link prunerFromSpec}.
   */
  toSpec(): PrunerSpec {
    return { type: 'median', options: { nStartupTrials: this.#startup, nWarmupSteps: this.#warmup, intervalSteps: this.#interval } };
  }

  /**
   * @param trial - the running trial.
   * @param trials - every trial.
   * @param direction - of the objective.
   * @param step - the step just reported.
   * @returns whether to stop it.
   */
  prune(trial: FrozenTrial, trials: readonly FrozenTrial[], direction: Direction, step: number): boolean {
    const complete = trials.filter((t) => t.state === 'complete' && t.number !== trial.number);
    if (complete.length < this.#startup || step < this.#warmup) return false;
    // checked at the first report at or after each interval boundary (Optuna's _is_first_in_interval_step)
    const boundary = Math.floor((step - this.#warmup) / this.#interval) * this.#interval + this.#warmup;
    const earlier = Object.keys(trial.intermediate).map(Number).filter((s) => s < step);
    if (earlier.length > 0 && Math.max(...earlier) >= boundary) return false;
    const sign = direction === 'minimize' ? 1 : -1;
    // the trial's best so far (NaN reports ignored; only NaN: pruned), against the median of
    // the complete trials' reports at this step (NaN ignored), as Optuna's MedianPruner
    const own = Object.entries(trial.intermediate).filter(([s, v]) => Number(s) <= step && !Number.isNaN(v)).map(([, v]) => sign * v);
    if (own.length === 0) return Object.keys(trial.intermediate).length > 0;
    const best = Math.min(...own);
    const others = complete.map((t) => t.intermediate[step]).filter((v): v is number => v !== undefined && !Number.isNaN(v)).map((v) => sign * v);
    if (others.length === 0) return false;
    others.sort((a, b) => a - b);
    const mid = others.length >> 1;
    const median = others.length % 2 === 1 ? (others[mid] as number) : 0.5 * ((others[mid - 1] as number) + (others[mid] as number));
    return best > median;
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
 * rungs at steps `minResource * reductionFactor^(minEarlyStoppingRate + k)`; a trial's value at
 * a rung is its first report at or past the rung's step, and it goes on only if that value is
 * among the best `1 / reductionFactor` of every value recorded at that rung so far (the first
 * ones: if it is the best). A report past several rungs is judged at each; NaN is pruned.
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

  /**
   * @returns the pruner as JSON (every option, defaults filled), for {@link prunerFromSpec}.
   */
  toSpec(): PrunerSpec {
    return { type: 'asha', options: { minResource: this.#min, reductionFactor: this.#eta, minEarlyStoppingRate: this.#rate } };
  }

  /** The step of rung `k`. */
  #rungStep(k: number): number {
    return this.#min * this.#eta ** (this.#rate + k);
  }

  /** A trial's value recorded at rung step `at`: its report at the first step it reported at or past `at` (when it reached the rung). */
  static #recorded(t: FrozenTrial, at: number): number | undefined {
    let first = Infinity;
    for (const s of Object.keys(t.intermediate)) {
      const n = Number(s);
      if (n >= at && n < first) first = n;
    }
    return first === Infinity ? undefined : t.intermediate[first];
  }

  /**
   * @param trial - the running trial.
   * @param trials - every trial.
   * @param direction - of the objective.
   * @param step - the step just reported.
   * @returns whether to stop it.
   */
  prune(trial: FrozenTrial, trials: readonly FrozenTrial[], direction: Direction, step: number): boolean {
    const value = trial.intermediate[step];
    if (value === undefined) return false;
    // the rungs decided at earlier reports; then every rung this report reaches, in turn (Optuna's loop)
    const earlier = Object.keys(trial.intermediate).map(Number).filter((s) => s < step);
    const last = earlier.length === 0 ? -Infinity : Math.max(...earlier);
    let rung = 0;
    while (this.#rungStep(rung) <= last) rung++;
    const sign = direction === 'minimize' ? 1 : -1;
    for (; this.#rungStep(rung) <= step; rung++) {
      if (Number.isNaN(value)) return true;
      const at = this.#rungStep(rung);
      const competing = trials
        .filter((t) => t.number !== trial.number)
        .map((t) => SuccessiveHalvingPruner.#recorded(t, at))
        .filter((v): v is number => v !== undefined && !Number.isNaN(v))
        .map((v) => sign * v);
      competing.push(sign * value);
      competing.sort((a, b) => a - b);
      const promotable = Math.max(0, Math.floor(competing.length / this.#eta) - 1);
      if (sign * value > (competing[promotable] as number)) return true;
    }
    return false;
  }
}

/**
 * Rebuilds a pruner from its {@link PrunerSpec} (what `toSpec()` gave), as a trial running in a
 * worker thread or on another machine does.
 * @param spec - `{ type: 'median' | 'asha', options }`.
 * @returns the pruner.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown type or key, or a bad option (named `spec.options.…`).
 * @example
 * ```ts
 * import { prunerFromSpec, SuccessiveHalvingPruner } from 'tradegym/tune';
 * const asha = prunerFromSpec(new SuccessiveHalvingPruner({ reductionFactor: 3 }).toSpec());
 * console.log(asha.name, asha.toSpec?.().options); // asha { minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0 }
 * ```
 */
export function prunerFromSpec(spec: PrunerSpec): Pruner {
  const s = requireKnownKeys('spec', spec, ['type', 'options']);
  const type = requireOneOf('spec.type', s.type, ['median', 'asha']);
  const options = s.options === undefined ? {} : s.options;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('spec.options', 'an object of options', options);
  try {
    return type === 'median' ? new MedianPruner(options) : new SuccessiveHalvingPruner(options);
  } catch (e) {
    // the constructors name `options.x`; here the options sit under `spec`
    if (e instanceof Error && e.message.startsWith('options')) e.message = `spec.${e.message}`;
    throw e;
  }
}

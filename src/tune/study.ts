import { fail, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import type { Pruner } from './pruners.js';
import { TPESampler, type Direction, type FrozenTrial, type Sampler } from './samplers.js';
import { checkParams, checkSpace, type Params, type SearchSpace } from './space.js';

/**
 * Thrown by an objective to end its trial as pruned (after `shouldPrune()` said so), as
 * Optuna's `TrialPruned`; `optimize` records the trial as pruned and goes on.
 * @example
 * ```ts
 * import { TrialPruned } from 'tradegym/tune';
 * console.log(new TrialPruned('trial 3 at step 5').name); // 'TrialPruned'
 * ```
 */
export class TrialPruned extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'TrialPruned';
}

/** What an objective gets: the trial's parameters, and the means to report progress. */
export interface TrialContext {
  /** The trial's number. */
  readonly number: number;
  /** Its parameters. */
  readonly params: Params;
  /**
   * Reports an intermediate value (an evaluation during training) at `step`.
   * @param step - an integer >= 0, increasing.
   * @param value - the value, as the objective's (smaller is better when minimizing).
   */
  report(step: number, value: number): void;
  /** Whether the pruner says to stop now (after the last report): throw `TrialPruned` then. */
  shouldPrune(): boolean;
}

/** Options of {@link Study}. */
export interface StudyOptions {
  /** The search space. */
  readonly space: SearchSpace;
  /** `'minimize'` (default) or `'maximize'`. */
  readonly direction?: Direction;
  /** Default `new TPESampler()` (seed 0). */
  readonly sampler?: Sampler;
  /** Default none: no trial stops early. */
  readonly pruner?: Pruner;
}

/** A study as plain JSON (`toJSON`): what a resumed study starts from. */
export interface StudyRecord {
  /** The search space. */
  readonly space: SearchSpace;
  /** The objective's direction. */
  readonly direction: Direction;
  /** Every trial, in order; a non-finite value or report as its name (`"NaN"`, `"Infinity"`, `"-Infinity"`). */
  readonly trials: readonly StoredTrial[];
}

/** A trial as `toJSON` stores it: numbers JSON cannot hold as their names. */
export type StoredTrial = Omit<FrozenTrial, 'value' | 'intermediate'> & {
  /** The value, or `"Infinity"` / `"-Infinity"`. */
  readonly value?: number | string;
  /** The reports: step → value, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
  readonly intermediate: Readonly<Record<number, number | string>>;
};

/** A number as JSON keeps it: non-finite ones as their names. */
function toJSONNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** A number from JSON (or its name, for a non-finite one), or undefined for anything else. */
function fromJSONNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : undefined;
}

interface MutableTrial {
  number: number;
  params: Params;
  state: FrozenTrial['state'];
  value?: number;
  intermediate: Record<number, number>;
}

/**
 * A hyperparameter search, as an Optuna study: `ask` for a trial's parameters, `tell` its
 * result, or let `optimize` run an objective for `nTrials`. Samplers see every trial; a pruner
 * stops unpromising ones from their reports. `toJSON()` and `Study.fromJSON` resume a study
 * (a running trial at the save is recorded as failed: it never told).
 *
 * @example
 * ```ts
 * import { RandomSampler, Study } from 'tradegym/tune';
 * const study = new Study({
 *   space: { lr: { type: 'loguniform', low: 1e-5, high: 1e-1 }, layers: { type: 'int', low: 1, high: 4 } },
 *   sampler: new RandomSampler({ seed: 3 }),
 * });
 * await study.optimize(({ params }) => Math.abs(Math.log10(params.lr as number) + 3) + (params.layers as number), { nTrials: 20 });
 * console.log(study.trials.length, study.bestTrial!.value! < 2.5); // 20 true
 * ```
 */
export class Study {
  /** The search space. */
  readonly space: SearchSpace;
  /** The objective's direction. */
  readonly direction: Direction;
  readonly #sampler: Sampler;
  readonly #pruner: Pruner | undefined;
  readonly #trials: MutableTrial[] = [];

  /**
   * @param options - space, direction, sampler, pruner.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a bad search space
   *   (naming the path, e.g. `space.lr.low`), a direction other than the two, or a sampler or
   *   pruner without its method.
   */
  constructor(options: StudyOptions) {
    const o = requireKnownKeys('options', options, ['space', 'direction', 'sampler', 'pruner']);
    this.space = checkSpace(o.space, 'space');
    this.direction = requireOneOf('direction', o.direction ?? 'minimize', ['minimize', 'maximize']) as Direction;
    if (o.sampler !== undefined && typeof (o.sampler as Sampler | null)?.sample !== 'function') fail('sampler', 'a sampler (with sample())', o.sampler);
    if (o.pruner !== undefined && typeof (o.pruner as Pruner | null)?.prune !== 'function') fail('pruner', 'a pruner (with prune())', o.pruner);
    this.#sampler = (o.sampler as Sampler | undefined) ?? new TPESampler();
    this.#pruner = o.pruner as Pruner | undefined;
  }

  /**
   * Resumes a study saved with `toJSON()`: the same space and direction, its trials, and the
   * sampler and pruner given here (each trial's draws depend on the sampler's seed and the
   * trial's number, so a resumed study asks what an uninterrupted one would have).
   * @param record - what `toJSON()` gave.
   * @param options - sampler and pruner.
   * @returns the study.
   * @throws `InvalidArgumentError` (from `tradegym`) for a malformed record.
   */
  static fromJSON(record: StudyRecord, options: Omit<StudyOptions, 'space' | 'direction'> = {}): Study {
    const r = requireKnownKeys('record', record, ['space', 'direction', 'trials']);
    const o = requireKnownKeys('options', options, ['sampler', 'pruner']);
    const study = new Study({ space: r.space as SearchSpace, direction: r.direction as Direction, ...o });
    if (!Array.isArray(r.trials)) fail('record.trials', 'an array', r.trials);
    (r.trials as unknown[]).forEach((raw, i) => {
      const at = `record.trials[${i}]`;
      const t = requireKnownKeys(at, raw, ['number', 'params', 'state', 'value', 'intermediate']);
      if (t.number !== i) fail(`${at}.number`, `${i}`, t.number);
      const state = requireOneOf(`${at}.state`, t.state, ['running', 'complete', 'pruned', 'failed']) as FrozenTrial['state'];
      const params = checkParams(`${at}.params`, study.space, t.params);
      let value: number | undefined;
      if (state === 'complete') {
        value = fromJSONNumber(t.value);
        if (value === undefined || Number.isNaN(value)) fail(`${at}.value`, 'a number (or "Infinity", "-Infinity") for a complete trial', t.value);
      } else if (t.value !== undefined) fail(`${at}.value`, `absent for a ${state} trial`, t.value);
      if (typeof t.intermediate !== 'object' || t.intermediate === null || Array.isArray(t.intermediate)) fail(`${at}.intermediate`, 'an object of step → value', t.intermediate);
      const intermediate: Record<number, number> = {};
      for (const [k, v] of Object.entries(t.intermediate as Record<string, unknown>)) {
        if (!/^(0|[1-9]\d*)$/.test(k)) fail(`${at}.intermediate`, 'steps that are integers >= 0', k);
        const n = fromJSONNumber(v);
        if (n === undefined) fail(`${at}.intermediate[${k}]`, 'a number (or "NaN", "Infinity", "-Infinity")', v);
        intermediate[Number(k)] = n;
      }
      study.#trials.push({ number: i, params, state: state === 'running' ? 'failed' : state, ...(value === undefined ? {} : { value }), intermediate });
    });
    return study;
  }

  /** Every trial so far, in order (read-only copies). */
  get trials(): readonly FrozenTrial[] {
    return this.#trials.map((t) => ({ ...t, params: { ...t.params }, intermediate: { ...t.intermediate } }));
  }

  /** The complete trial with the best value (the first of equals), or undefined. */
  get bestTrial(): FrozenTrial | undefined {
    const sign = this.direction === 'minimize' ? 1 : -1;
    let best: MutableTrial | undefined;
    for (const t of this.#trials) if (t.state === 'complete' && (best === undefined || sign * (t.value as number) < sign * (best.value as number))) best = t;
    return best === undefined ? undefined : this.trials[best.number];
  }

  /**
   * Starts a trial: its parameters from the sampler.
   * @returns the trial's context (number, params, report, shouldPrune).
   */
  ask(): TrialContext {
    const number = this.#trials.length;
    const params = this.#sampler.sample(this.space, this.trials, this.direction, number);
    const trial: MutableTrial = { number, params, state: 'running', intermediate: {} };
    this.#trials.push(trial);
    let lastStep: number | undefined;
    return {
      number,
      params,
      report: (step, value) => {
        if (trial.state !== 'running') throw new TradegymError(`trial ${number} has ended (${trial.state}): it takes no more reports`);
        requireInt('step', step, 0);
        if (typeof value !== 'number') fail('value', 'a number', value);
        if (lastStep !== undefined && step <= lastStep) fail('step', `a step after the last one reported (${lastStep})`, step);
        lastStep = step;
        trial.intermediate[step] = value;
      },
      shouldPrune: () => {
        if (lastStep === undefined || this.#pruner === undefined) return false;
        const trials = this.trials;
        return this.#pruner.prune(trials[number] as FrozenTrial, trials, this.direction, lastStep);
      },
    };
  }

  /**
   * Ends a trial: with its value (complete; NaN counts as failed), or `'pruned'` or `'failed'`.
   * @param number - the trial's number.
   * @param result - the objective's value, `'pruned'` or `'failed'`.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown trial or result; `TradegymError` for a trial already ended.
   */
  tell(number: number, result: number | 'pruned' | 'failed'): void {
    const trial = this.#trials[requireInt('number', number, 0)];
    if (trial === undefined) fail('number', `the number of a trial asked for (0 to ${this.#trials.length - 1})`, number);
    if (trial.state !== 'running') throw new TradegymError(`trial ${number} has already ended (${trial.state})`);
    if (typeof result === 'number') {
      if (Number.isNaN(result)) trial.state = 'failed';
      else [trial.state, trial.value] = ['complete', result];
    } else trial.state = requireOneOf('result', result, ['pruned', 'failed']) as 'pruned' | 'failed';
  }

  /**
   * Runs `objective` for `nTrials` trials, one after another. An objective that throws
   * `TrialPruned` ends its trial as pruned; any other error marks the trial failed and is
   * rethrown.
   * @param objective - the trial's value from its context (may be async).
   * @param options - `nTrials`.
   * @returns this study.
   * @throws `InvalidArgumentError` (from `tradegym`) for a bad `nTrials` or an unknown option; the objective's errors.
   */
  async optimize(objective: (trial: TrialContext) => number | Promise<number>, options: { readonly nTrials: number }): Promise<this> {
    if (typeof objective !== 'function') fail('objective', 'a function of the trial', objective);
    const o = requireKnownKeys('options', options, ['nTrials']);
    const n = requireInt('options.nTrials', o.nTrials, 1);
    for (let i = 0; i < n; i++) {
      const trial = this.ask();
      let value: number;
      try {
        value = await objective(trial);
      } catch (e) {
        this.tell(trial.number, e instanceof TrialPruned ? 'pruned' : 'failed');
        if (e instanceof TrialPruned) continue;
        throw e;
      }
      if (typeof value !== 'number') {
        this.tell(trial.number, 'failed');
        fail(`the objective's value for trial ${trial.number}`, 'a number', value);
      }
      this.tell(trial.number, value);
    }
    return this;
  }

  /**
   * @returns the study as plain JSON (space, direction, trials), for `Study.fromJSON`. A value
   * JSON has no number for (NaN, ±Infinity: a diverged training) is written as the string
   * `"NaN"`, `"Infinity"` or `"-Infinity"`, so it survives `JSON.stringify`.
   */
  toJSON(): StudyRecord {
    const trials = this.trials.map((t) => ({
      ...t,
      ...(t.value === undefined ? {} : { value: toJSONNumber(t.value) }),
      intermediate: Object.fromEntries(Object.entries(t.intermediate).map(([k, v]) => [k, toJSONNumber(v)])),
    }));
    return { space: this.space, direction: this.direction, trials };
  }
}

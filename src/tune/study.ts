import { fail, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import { checkObjectiveRef, errorFromOutcome, inProcess, loadObjective, trialContext, type Executor, type ObjectiveRef, type TrialJob, type TrialOutcome } from './executors.js';
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
  /**
   * How many trials may run at once (an integer >= 1, default 1). Trial n's parameters are
   * sampled from trials 0..n-parallelism only, and its pruner sees only those and itself:
   * executors start trial n once those have ended, so what a trial sees never depends on which
   * of the running ones finishes first. The same seeds then give the same trials, bit for bit,
   * in-process, on a thread pool or on a cluster; 1 is the sequential study (trial n sees 0..n-1).
   */
  readonly parallelism?: number;
}

/** A study as plain JSON (`toJSON`): what a resumed study starts from. */
export interface StudyRecord {
  /** The search space. */
  readonly space: SearchSpace;
  /** The objective's direction. */
  readonly direction: Direction;
  /** Trials that may run at once (see {@link StudyOptions.parallelism}); absent in older records: 1. */
  readonly parallelism?: number;
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

/** A number as JSON keeps it: non-finite ones as their names. @internal */
export function toJSONNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** A number from JSON (or its name, for a non-finite one), or undefined for anything else. @internal */
export function fromJSONNumber(v: unknown): number | undefined {
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
 * result, or let `optimize` run an objective for `nTrials`, in this thread or on an executor
 * (`threadPool`, a queue). Samplers see the trials before trial n's window (every earlier one
 * with the default `parallelism` 1); a pruner stops unpromising ones from their reports. `toJSON()` and `Study.fromJSON` resume a study
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
  /** Trials that may run at once (see {@link StudyOptions.parallelism}). */
  readonly parallelism: number;
  readonly #sampler: Sampler;
  readonly #pruner: Pruner | undefined;
  readonly #trials: MutableTrial[] = [];

  /**
   * @param options - space, direction, sampler, pruner, parallelism.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a bad search space
   *   (naming the path, e.g. `space.lr.low`), a direction other than the two, a sampler or
   *   pruner without its method, or a parallelism that is not an integer >= 1.
   */
  constructor(options: StudyOptions) {
    const o = requireKnownKeys('options', options, ['space', 'direction', 'sampler', 'pruner', 'parallelism']);
    this.parallelism = o.parallelism === undefined ? 1 : requireInt('options.parallelism', o.parallelism, 1);
    this.space = checkSpace(o.space, 'space');
    this.direction = requireOneOf('direction', o.direction ?? 'minimize', ['minimize', 'maximize']) as Direction;
    if (o.sampler !== undefined && typeof (o.sampler as Sampler | null)?.sample !== 'function') fail('sampler', 'a sampler (with sample())', o.sampler);
    if (o.pruner !== undefined && typeof (o.pruner as Pruner | null)?.prune !== 'function') fail('pruner', 'a pruner (with prune())', o.pruner);
    this.#sampler = (o.sampler as Sampler | undefined) ?? new TPESampler();
    this.#pruner = o.pruner as Pruner | undefined;
  }

  /**
   * Resumes a study saved with `toJSON()`: the same space, direction and parallelism, its trials, and the
   * sampler and pruner given here (each trial's draws depend on the sampler's seed and the
   * trial's number, so a resumed study asks what an uninterrupted one would have).
   * @param record - what `toJSON()` gave.
   * @param options - sampler and pruner.
   * @returns the study.
   * @throws `InvalidArgumentError` (from `tradegym`) for a malformed record.
   */
  static fromJSON(record: StudyRecord, options: Omit<StudyOptions, 'space' | 'direction'> = {}): Study {
    const r = requireKnownKeys('record', record, ['space', 'direction', 'parallelism', 'trials']);
    const o = requireKnownKeys('options', options, ['sampler', 'pruner']);
    const parallelism = r.parallelism === undefined ? 1 : requireInt('record.parallelism', r.parallelism, 1);
    const study = new Study({ space: r.space as SearchSpace, direction: r.direction as Direction, parallelism, ...o });
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

  /** The trials trial `number` may see: 0..number-parallelism (see {@link StudyOptions.parallelism}). */
  #window(number: number): FrozenTrial[] {
    return this.trials.slice(0, Math.max(0, number - this.parallelism + 1));
  }

  /** Whether every trial trial `number` may see has ended: executors start it only then. */
  #windowEnded(number: number): boolean {
    for (let i = 0; i <= number - this.parallelism; i++) if ((this.#trials[i] as MutableTrial).state === 'running') return false;
    return true;
  }

  /** Samples and records the next trial, running. */
  #start(): MutableTrial {
    const number = this.#trials.length;
    const params = this.#sampler.sample(this.space, this.#window(number), this.direction, number);
    const trial: MutableTrial = { number, params, state: 'running', intermediate: {} };
    this.#trials.push(trial);
    return trial;
  }

  /**
   * Starts a trial: its parameters from the sampler, given trials 0..n-parallelism (all of the
   * earlier ones with the default parallelism 1). `ask` does not wait for those to end; `optimize`
   * and {@link Study.nextJob} do, which is what makes the trials independent of timing.
   * @returns the trial's context (number, params, report, shouldPrune).
   */
  ask(): TrialContext {
    const trial = this.#start();
    const { number, params } = trial;
    return trialContext(number, params, trial.intermediate, () => (trial.state === 'running' ? undefined : trial.state), (step) => {
      if (this.#pruner === undefined) return false;
      const own = this.trials[number] as FrozenTrial;
      return this.#pruner.prune(own, [...this.#window(number), own], this.direction, step);
    });
  }

  /**
   * The next trial as a job for an executor, or undefined while it must wait: trial n starts
   * only once trials 0..n-parallelism have ended. The trial is recorded as running; give its
   * outcome to {@link Study.record}.
   * @param objective - the module objective the job names.
   * @returns the job (plain JSON), or undefined until the window has ended.
   * @throws `InvalidArgumentError` (from `tradegym`) for a bad objective reference, or a pruner
   *   without `toSpec()` (it cannot be rebuilt where the trial runs).
   * @example
   * ```ts
   * import { Study } from 'tradegym/tune';
   * const study = new Study({ space: { x: { type: 'uniform', low: 0, high: 1 } }, parallelism: 2 });
   * const objective = { module: '/abs/path/objective.js' };
   * const [a, b, c] = [study.nextJob(objective), study.nextJob(objective), study.nextJob(objective)];
   * console.log(a?.number, b?.number, c); // 0 1 undefined: trial 2 waits for trial 0
   * study.record({ number: 0, state: 'complete', value: 0.5, intermediate: {} });
   * console.log(study.nextJob(objective)?.history.length); // 1: trial 2 sees trial 0
   * ```
   */
  nextJob(objective: ObjectiveRef): TrialJob | undefined {
    const ref = checkObjectiveRef('objective', objective);
    const pruner = this.#prunerSpec();
    const number = this.#trials.length;
    if (!this.#windowEnded(number)) return undefined;
    const trial = this.#start();
    const history = this.toJSON().trials.slice(0, Math.max(0, number - this.parallelism + 1));
    return { number, params: { ...trial.params }, direction: this.direction, history, ...(pruner === undefined ? {} : { pruner }), objective: ref };
  }

  #prunerSpec(): TrialJob['pruner'] {
    if (this.#pruner === undefined) return undefined;
    if (typeof this.#pruner.toSpec !== 'function') fail('pruner', 'a pruner with toSpec() (MedianPruner, SuccessiveHalvingPruner) for trials that run outside this thread', this.#pruner.name);
    return this.#pruner.toSpec();
  }

  /**
   * Ends a running trial with the outcome an executor brought back (from {@link runTrialJob}):
   * its reports, then its value or state. A second outcome for a trial already ended (a queue
   * that delivers twice) is ignored, so no trial counts twice.
   * @param outcome - the outcome.
   * @returns true if it ended the trial, false if the trial had already ended.
   * @throws `InvalidArgumentError` (from `tradegym`) for a malformed outcome or the number of a trial never started.
   * @example
   * ```ts
   * import { Study } from 'tradegym/tune';
   * const study = new Study({ space: { x: { type: 'uniform', low: 0, high: 1 } } });
   * const job = study.nextJob({ module: '/abs/path/objective.js' })!;
   * const outcome = { number: job.number, state: 'complete' as const, value: 2, intermediate: { 0: 3 } };
   * console.log(study.record(outcome), study.record(outcome), study.trials[0]!.value); // true false 2
   * ```
   */
  record(outcome: TrialOutcome): boolean {
    const o = requireKnownKeys('outcome', outcome, ['number', 'state', 'value', 'intermediate', 'error']);
    const number = requireInt('outcome.number', o.number, 0);
    const trial = this.#trials[number];
    if (trial === undefined) fail('outcome.number', `the number of a trial started (0 to ${this.#trials.length - 1})`, number);
    const state = requireOneOf('outcome.state', o.state, ['complete', 'pruned', 'failed']);
    let value: number | undefined;
    if (state === 'complete') {
      value = fromJSONNumber(o.value);
      if (value === undefined) fail('outcome.value', 'a number (or "Infinity", "-Infinity") for a complete trial', o.value);
    }
    if (typeof o.intermediate !== 'object' || o.intermediate === null || Array.isArray(o.intermediate)) fail('outcome.intermediate', 'an object of step → value', o.intermediate);
    const intermediate: Record<number, number> = {};
    for (const [k, v] of Object.entries(o.intermediate as Record<string, unknown>)) {
      if (!/^(0|[1-9]\d*)$/.test(k)) fail('outcome.intermediate', 'steps that are integers >= 0', k);
      const n = fromJSONNumber(v);
      if (n === undefined) fail(`outcome.intermediate[${k}]`, 'a number (or "NaN", "Infinity", "-Infinity")', v);
      intermediate[Number(k)] = n;
    }
    if (trial.state !== 'running') return false;
    trial.intermediate = intermediate;
    this.tell(number, value ?? (state as 'pruned' | 'failed'));
    return true;
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
   * Runs `objective` for `nTrials` trials on an executor: {@link inProcess} (default) or
   * {@link threadPool}. Up to `parallelism` trials run at once (fewer if the executor is smaller),
   * trial n starting once trials 0..n-parallelism have ended, so the trials are the same on
   * every executor. An objective that throws `TrialPruned` (or an error named so) ends its trial as pruned; any other
   * error marks the trial failed and, once the running trials have ended, is rethrown (the
   * lowest-numbered trial's, if several failed); no trial starts after it.
   * @param objective - the trial's value from its context (may be async), or an
   *   {@link ObjectiveRef} to a module exporting one (needed by executors outside this thread).
   * @param options - `nTrials`; `executor` (default `inProcess()`); `onTrialEnd`, called with
   *   each trial once it has ended (in the order they end; e.g. to save the study after each, or
   *   print a line): an error it throws is handled as an objective's.
   * @returns this study.
   * @throws `InvalidArgumentError` (from `tradegym`) for a bad `nTrials`, executor or objective, an
   *   unknown option, a function objective with an executor outside this thread, or a pruner
   *   without `toSpec()` there; `TradegymError` when a trial asked for and never told holds the
   *   window; the objective's errors (from a thread: rebuilt with their name and message).
   */
  async optimize(
    objective: ((trial: TrialContext) => number | Promise<number>) | ObjectiveRef,
    options: { readonly nTrials: number; readonly executor?: Executor; readonly onTrialEnd?: (trial: FrozenTrial) => void | Promise<void> },
  ): Promise<this> {
    const o = requireKnownKeys('options', options, ['nTrials', 'executor', 'onTrialEnd']);
    const n = requireInt('options.nTrials', o.nTrials, 1);
    if (o.onTrialEnd !== undefined && typeof o.onTrialEnd !== 'function') fail('options.onTrialEnd', 'a function of the ended trial', o.onTrialEnd);
    const onEnd = o.onTrialEnd as ((trial: FrozenTrial) => void | Promise<void>) | undefined;
    const executor = (o.executor as Executor | undefined) ?? inProcess();
    if (typeof executor !== 'object' || executor === null || typeof executor.run !== 'function' || typeof executor.close !== 'function') fail('options.executor', 'an executor (inProcess(), threadPool(), or one with run() and close())', executor);
    if (typeof objective !== 'function') {
      if (typeof objective !== 'object' || objective === null) fail('objective', 'a function of the trial, or a module objective { module, export?, data? }', objective);
      const ref = checkObjectiveRef('objective', objective);
      if (executor.outOfThread) {
        this.#prunerSpec();
        return this.#schedule(n, executor, Math.min(this.parallelism, executor.size), () => this.#runJob(executor, ref), onEnd);
      }
      const fn = await loadObjective(ref);
      return this.#schedule(n, executor, Math.min(this.parallelism, executor.size), () => this.#runFunction((trial) => fn(trial, ref.data)), onEnd);
    }
    if (executor.outOfThread) fail('objective', `a module objective ({ module, export?, data? }) for ${executor.name}: a function cannot leave this thread`, objective);
    return this.#schedule(n, executor, Math.min(this.parallelism, executor.size), () => this.#runFunction(objective), onEnd);
  }

  /** Starts the next trial of a module objective: resolves to its error, if it failed with one. */
  #runJob(executor: Executor, ref: ObjectiveRef): [number, Promise<Error | undefined>] {
    const job = this.nextJob(ref) as TrialJob;
    const done = executor.run(job).then(
      (outcome) => {
        this.record(outcome);
        return outcome.state === 'failed' && outcome.error !== undefined ? errorFromOutcome(job.number, outcome.error) : undefined;
      },
      (e: unknown) => {
        this.record({ number: job.number, state: 'failed', intermediate: {} });
        return e instanceof Error ? e : new Error(String(e));
      },
    );
    return [job.number, done];
  }

  /** Starts the next trial of a function objective, here. */
  #runFunction(objective: (trial: TrialContext) => number | Promise<number>): [number, Promise<unknown>] {
    const trial = this.ask();
    const run = async (): Promise<unknown> => {
      let value: number;
      try {
        value = await objective(trial);
      } catch (e) {
        // by name too, as runTrialJob: a module objective may hold another copy of tradegym/tune
        const pruned = e instanceof TrialPruned || (e instanceof Error && e.name === 'TrialPruned');
        this.tell(trial.number, pruned ? 'pruned' : 'failed');
        return pruned ? undefined : (e ?? new Error(`trial ${trial.number} threw ${String(e)}`));
      }
      if (typeof value !== 'number') {
        this.tell(trial.number, 'failed');
        try {
          fail(`the objective's value for trial ${trial.number}`, 'a number', value);
        } catch (e) {
          return e;
        }
      }
      this.tell(trial.number, value);
      return undefined;
    };
    return [trial.number, run()];
  }

  /**
   * Keeps up to `concurrency` trials running, starting trial n only once trials 0..n-parallelism
   * have ended; after an error, starts none and rethrows it when the running ones have ended.
   * `onEnd` sees each trial once it has ended.
   */
  async #schedule(nTrials: number, executor: Executor, concurrency: number, start: () => [number, Promise<unknown>], onEnd: ((trial: FrozenTrial) => void | Promise<void>) | undefined): Promise<this> {
    const running = new Map<number, Promise<void>>();
    let failure: { number: number; error: unknown } | undefined;
    let started = 0;
    try {
      for (;;) {
        while (failure === undefined && started < nTrials && running.size < concurrency && this.#windowEnded(this.#trials.length)) {
          const [number, done] = start();
          started++;
          const ended = async (): Promise<unknown> => {
            const error = await done;
            if (onEnd === undefined) return error;
            try {
              await onEnd(this.trials[number] as FrozenTrial);
            } catch (e) {
              return error ?? e;
            }
            return error;
          };
          running.set(
            number,
            ended().then((error) => {
              running.delete(number);
              if (error !== undefined && (failure === undefined || number < failure.number)) failure = { number, error };
            }),
          );
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
    } finally {
      await executor.close();
    }
    if (failure !== undefined) throw failure.error;
    if (started < nTrials) {
      const held = this.#trials.find((t) => t.state === 'running');
      throw new TradegymError(`trial ${held?.number ?? '?'} was asked for and never told: trial ${this.#trials.length} cannot start until it ends (parallelism ${this.parallelism})`);
    }
    return this;
  }

  /**
   * @returns the study as plain JSON (space, direction, parallelism, trials), for `Study.fromJSON`. A value
   * JSON has no number for (NaN, ±Infinity: a diverged training) is written as the string
   * `"NaN"`, `"Infinity"` or `"-Infinity"`, so it survives `JSON.stringify`.
   */
  toJSON(): StudyRecord {
    const trials = this.trials.map((t) => ({
      ...t,
      ...(t.value === undefined ? {} : { value: toJSONNumber(t.value) }),
      intermediate: Object.fromEntries(Object.entries(t.intermediate).map(([k, v]) => [k, toJSONNumber(v)])),
    }));
    return { space: this.space, direction: this.direction, parallelism: this.parallelism, trials };
  }
}

// Where a study's trials run, and the contract every executor keeps.
//
// The contract (in-process, worker threads, a Redis/BullMQ cluster: all the same):
//   1. The study samples. `study.nextJob(objective)` gives the `TrialJob` of trial n only once
//      trials 0..n-parallelism have ended; the job carries its parameters, the direction, those
//      trials (`history`, JSON form: the only trials its pruner may look at), the pruner's spec
//      and the objective as a module reference (`ObjectiveRef`), all plain JSON.
//   2. Anyone runs it: `runTrialJob(job)` imports the objective, runs it with a `TrialContext`
//      whose `shouldPrune()` is decided from `job.history` plus the trial's own reports (the
//      pruner rebuilt from `job.pruner`), and resolves to a `TrialOutcome` (plain JSON). It never
//      rejects for the objective's errors: they come back as state 'failed' with `error`.
//   3. The study records: `study.record(outcome)` ends the trial; a second outcome for a trial
//      already ended is ignored (returns false), so an at-least-once queue never counts twice.
// Nothing a trial sees depends on when the others finish, so every executor gives the same
// trials, bit for bit, from the same seeds.
import type * as Fs from 'node:fs';
import type * as Url from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type * as NodeModule from 'node:module';
import { fail, requireInt, requireKnownKeys, show } from '../core/checks.js';
import { InvalidArgumentError, TradegymError } from '../core/errors.js';
import { nodeBuiltin } from '../core/nodeBuiltin.js';
import { prunerFromSpec, type MedianPrunerOptions, type Pruner, type PrunerSpec, type SuccessiveHalvingOptions } from './pruners.js';
import type { Direction, FrozenTrial } from './samplers.js';
import type { Params } from './space.js';
import { fromJSONNumber, toJSONNumber, type StoredTrial, type TrialContext } from './study.js';

export type { MedianPrunerOptions, PrunerSpec, SuccessiveHalvingOptions };

/**
 * A module exporting an objective, for trials that run outside this thread: the worker imports
 * it with `import()` and calls the export as a {@link ModuleObjective}.
 * @example
 * ```ts
 * import type { ObjectiveRef } from 'tradegym/tune';
 * const ref: ObjectiveRef = { module: '/abs/path/objective.js', export: 'objective', data: { steps: 2000 } };
 * console.log(ref.export); // 'objective'
 * ```
 */
export interface ObjectiveRef {
  /** An absolute path, a file URL, or a package specifier, imported with `import()` by the worker. */
  readonly module: string;
  /** The export's name (default `'objective'`). */
  readonly export?: string;
  /** Plain JSON, passed as the objective's second argument. */
  readonly data?: unknown;
}

/**
 * An objective exported by a module: the trial's value from its context and the reference's `data`.
 * @example
 * ```ts
 * import type { ModuleObjective } from 'tradegym/tune';
 * export const objective: ModuleObjective = ({ params }, data) => (params.x as number) * (data as { scale: number }).scale;
 * ```
 */
export type ModuleObjective = (trial: TrialContext, data: unknown) => number | Promise<number>;

/** One trial to run, as plain JSON: what an executor sends wherever the trial runs. */
export interface TrialJob {
  /** The trial's number. */
  readonly number: number;
  /** Its parameters (sampled by the study). */
  readonly params: Params;
  /** The objective's direction. */
  readonly direction: Direction;
  /** Trials 0..number-parallelism, ended, in JSON form: all its pruner may look at. */
  readonly history: readonly StoredTrial[];
  /** The study's pruner, or none. */
  readonly pruner?: PrunerSpec;
  /** The objective. */
  readonly objective: ObjectiveRef;
}

/** How a trial ended, as plain JSON: what comes back from wherever it ran. */
export interface TrialOutcome {
  /** The trial's number. */
  readonly number: number;
  /** `'complete'` (with `value`), `'pruned'` or `'failed'`. */
  readonly state: 'complete' | 'pruned' | 'failed';
  /** The value of a complete trial (`"Infinity"` / `"-Infinity"` as strings). */
  readonly value?: number | string;
  /** Its reports: step → value (`"NaN"`, `"Infinity"`, `"-Infinity"` as strings). */
  readonly intermediate: Readonly<Record<number, number | string>>;
  /** Why a failed trial failed (absent when its value was NaN, as `tell(NaN)`). */
  readonly error?: {
    /** The error's name (`'RangeError'`, `'InvalidArgumentError'`, ...): `optimize` rethrows it under this name. */
    readonly name: string;
    /** Its message. */
    readonly message: string;
  };
}

/**
 * Where `study.optimize` runs trials: {@link inProcess} or {@link threadPool}, or your own (a
 * queue's workers) built on {@link runTrialJob}.
 */
export interface Executor {
  /** The executor's name, for messages. */
  readonly name: string;
  /** Trials it runs at once at most (the study's `parallelism` bounds them too). */
  readonly size: number;
  /** Whether trials run outside this thread: the objective must then be an {@link ObjectiveRef}, and the pruner have `toSpec()`. */
  readonly outOfThread: boolean;
  /**
   * Runs one trial.
   * @param job - the trial.
   * @returns its outcome; rejects only when the executor itself breaks.
   */
  run(job: TrialJob): Promise<TrialOutcome>;
  /**
   * Makes sure the executor can run trials (connects to its queue) before the first one, so a
   * caller can fail early, before it writes anything; `run` does it anyway. Optional.
   * @returns once ready; rejects when it cannot be (an unreachable Redis).
   */
  ready?(): Promise<void>;
  /** Frees what it holds (threads, connections); `optimize` calls it at its end, errors included. */
  close(): Promise<void>;
}

/** A trial's context over its own reports. @internal */
export function trialContext(number: number, params: Params, intermediate: Record<number, number>, ended: () => string | undefined, prune: (step: number) => boolean): TrialContext {
  let lastStep: number | undefined;
  return {
    number,
    params,
    report: (step, value) => {
      const state = ended();
      if (state !== undefined) throw new TradegymError(`trial ${number} has ended (${state}): it takes no more reports`);
      requireInt('step', step, 0);
      if (typeof value !== 'number') fail('value', 'a number', value);
      if (lastStep !== undefined && step <= lastStep) fail('step', `a step after the last one reported (${lastStep})`, step);
      lastStep = step;
      intermediate[step] = value;
    },
    shouldPrune: () => lastStep !== undefined && prune(lastStep),
  };
}

/** A stored trial as a pruner sees it (JSON's names of non-finite numbers back to numbers). @internal */
export function frozenFromStored(t: StoredTrial): FrozenTrial {
  const intermediate: Record<number, number> = {};
  for (const [k, v] of Object.entries(t.intermediate)) intermediate[Number(k)] = fromJSONNumber(v) ?? Number.NaN;
  const value = t.value === undefined ? undefined : fromJSONNumber(t.value);
  return { number: t.number, params: t.params, state: t.state, ...(value === undefined ? {} : { value }), intermediate };
}

/** Checks an objective reference. @internal */
export function checkObjectiveRef(name: string, ref: unknown): ObjectiveRef {
  const r = requireKnownKeys(name, ref, ['module', 'export', 'data']);
  if (typeof r.module !== 'string' || r.module === '' || r.module.startsWith('.')) fail(`${name}.module`, 'an absolute path, a file URL or a package name (a relative path has no base where the trial runs)', r.module);
  if (r.export !== undefined && (typeof r.export !== 'string' || r.export === '')) fail(`${name}.export`, 'a non-empty string', r.export);
  return r as unknown as ObjectiveRef;
}

/** The specifier `import()` takes for a module reference: absolute paths as file URLs (Windows' too). */
function importSpecifier(module: string): string {
  if (/^([A-Za-z]:[\\/]|[\\/])/.test(module)) return nodeBuiltin<typeof Url>('node:url', 'an objective module').pathToFileURL(module).href;
  return module;
}

/**
 * Imports an objective module and finds its export. @internal
 * @throws InvalidArgumentError naming `objective.module` or `objective.export`.
 */
export async function loadObjective(ref: ObjectiveRef): Promise<ModuleObjective> {
  const name = ref.export ?? 'objective';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ importSpecifier(ref.module))) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidArgumentError(`objective.module must be a module that imports, got ${show(ref.module)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fn = mod[name] ?? (typeof mod.default === 'object' && mod.default !== null ? (mod.default as Record<string, unknown>)[name] : undefined);
  if (typeof fn !== 'function') fail('objective.export', `the name of a function ${show(ref.module)} exports`, name);
  return fn as ModuleObjective;
}

function errorInfo(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

/**
 * An error rebuilt from an outcome's `error`: tradegym's own classes as themselves, any other
 * as an `Error` with its name. @internal
 */
export function errorFromOutcome(number: number, error: { readonly name: string; readonly message: string }): Error {
  const e = error.name === 'InvalidArgumentError' ? new InvalidArgumentError(error.message) : error.name === 'TradegymError' ? new TradegymError(error.message) : new Error(error.message);
  if (e.name !== error.name) e.name = error.name;
  (e as Error & { trial?: number }).trial = number;
  return e;
}

/**
 * Runs one trial wherever it is called (a worker thread, a queue's worker): imports the
 * objective, gives it a `TrialContext` whose `shouldPrune()` is decided here from
 * `job.history` and its own reports (the pruner rebuilt from `job.pruner`), and returns how it
 * ended. The objective's errors never reject: they come back as state `'failed'` with `error`
 * (an unknown module or export as an `InvalidArgumentError` naming `objective.module` or
 * `objective.export`); throwing `TrialPruned` (or an error named so) ends it as `'pruned'`.
 * @param job - the trial, as `study.nextJob` gave it.
 * @param options - `signal`: when it aborts, the trial fails at once (error `AbortError`) without
 *   waiting for the objective; `load`: how to get the objective from its reference (default: `import()`).
 * @returns the outcome, for `study.record`.
 * @throws `InvalidArgumentError` (from `tradegym`) for a malformed job or options (not the objective's errors).
 * @example
 * ```ts
 * import { runTrialJob } from 'tradegym/tune';
 * const outcome = await runTrialJob(
 *   { number: 0, params: { x: 3 }, direction: 'minimize', history: [], objective: { module: 'inline' } },
 *   { load: async () => ({ params }) => (params.x as number) ** 2 },
 * );
 * console.log(outcome.state, outcome.value); // complete 9
 * ```
 */
export async function runTrialJob(job: TrialJob, options: { readonly signal?: AbortSignal; readonly load?: (ref: ObjectiveRef) => Promise<ModuleObjective> } = {}): Promise<TrialOutcome> {
  const j = requireKnownKeys('job', job, ['number', 'params', 'direction', 'history', 'pruner', 'objective']);
  const o = requireKnownKeys('options', options, ['signal', 'load']);
  const number = requireInt('job.number', j.number, 0);
  if (typeof j.params !== 'object' || j.params === null) fail('job.params', 'an object of parameters', j.params);
  if (j.direction !== 'minimize' && j.direction !== 'maximize') fail('job.direction', "'minimize' or 'maximize'", j.direction);
  if (!Array.isArray(j.history)) fail('job.history', 'an array of stored trials', j.history);
  const ref = checkObjectiveRef('job.objective', j.objective);
  if (o.load !== undefined && typeof o.load !== 'function') fail('options.load', 'a function of the objective reference', o.load);
  const signal = o.signal as AbortSignal | undefined;
  const pruner: Pruner | undefined = j.pruner === undefined ? undefined : prunerFromSpec(j.pruner as PrunerSpec);
  const direction = j.direction as Direction;
  const params = j.params as Params;
  const history = (j.history as StoredTrial[]).map(frozenFromStored);
  const intermediate: Record<number, number> = {};
  let state: TrialOutcome['state'] | undefined;
  const own = (): FrozenTrial => ({ number, params, state: 'running', intermediate: { ...intermediate } });
  const trial = trialContext(number, params, intermediate, () => state, (step) => {
    if (pruner === undefined) return false;
    const me = own();
    return pruner.prune(me, [...history, me], direction, step);
  });
  const reports = (): Record<number, number | string> => Object.fromEntries(Object.entries(intermediate).map(([k, v]) => [k, toJSONNumber(v)]));
  const end = (s: TrialOutcome['state'], extra: Partial<TrialOutcome> = {}): TrialOutcome => {
    state = s;
    return { number, state: s, ...extra, intermediate: reports() };
  };
  const aborted = (): TrialOutcome => end('failed', { error: { name: 'AbortError', message: `trial ${number} was aborted${signal?.reason instanceof Error ? `: ${signal.reason.message}` : ''}` } });
  if (signal?.aborted === true) return aborted();
  const run = async (): Promise<TrialOutcome> => {
    let value: unknown;
    try {
      const objective = await ((o.load as ((ref: ObjectiveRef) => Promise<ModuleObjective>) | undefined) ?? loadObjective)(ref);
      value = await objective(trial, ref.data);
    } catch (e) {
      if (state !== undefined) return end(state);
      return e instanceof Error && e.name === 'TrialPruned' ? end('pruned') : end('failed', { error: errorInfo(e) });
    }
    if (state !== undefined) return end(state);
    if (typeof value !== 'number') return end('failed', { error: errorInfo(new InvalidArgumentError(`the objective's value for trial ${number} must be a number, got ${show(value)}`)) });
    return Number.isNaN(value) ? end('failed') : end('complete', { value: toJSONNumber(value) });
  };
  if (signal === undefined) return run();
  let onAbort: (() => void) | undefined;
  const abort = new Promise<TrialOutcome>((resolve) => {
    onAbort = () => resolve(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(), abort]);
  } finally {
    signal.removeEventListener('abort', onAbort as () => void);
  }
}

/**
 * Runs trials in this thread (the default): a function objective as it is, a module objective
 * imported here (then with any pruner, a custom one too). Up to the study's `parallelism` trials run at once, interleaved at their
 * `await`s (which helps objectives that wait on I/O, not CPU-bound ones).
 * @returns the executor.
 * @throws nothing itself; `optimize` with it throws the objective's errors.
 * @example
 * ```ts
 * import { inProcess, Study } from 'tradegym/tune';
 * const study = new Study({ space: { x: { type: 'uniform', low: -1, high: 1 } }, parallelism: 2 });
 * await study.optimize(({ params }) => (params.x as number) ** 2, { nTrials: 4, executor: inProcess() });
 * console.log(study.trials.length); // 4
 * ```
 */
export function inProcess(): Executor {
  return { name: 'inProcess', size: Infinity, outOfThread: false, run: (job) => runTrialJob(job), close: async () => undefined };
}

/** Options of {@link threadPool}. */
export interface ThreadPoolOptions {
  /** Threads, so trials at once (default `os.availableParallelism()`). */
  readonly size?: number;
  /** Node options of each thread (default the parent's, so a `.ts` objective loads under tsx). */
  readonly execArgv?: readonly string[];
  /** Each thread's memory limits, as `new Worker`'s `resourceLimits`. */
  readonly resourceLimits?: WorkerThreads.ResourceLimits;
}

/** A thread pool: an {@link Executor} that also tells how many threads are alive. */
export interface ThreadPool extends Executor {
  /** Threads alive now: started and not yet exited (0 once `close()` has resolved). */
  readonly threads: number;
}

/** This module's URL: `import.meta.url` in ESM, `__filename` in the CommonJS bundle. */
function moduleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url !== '') return url;
  const file = (globalThis as { __filename?: string }).__filename ?? (typeof __filename === 'string' ? __filename : undefined);
  if (file === undefined) throw new TradegymError('threadPool cannot tell where its worker file is (no import.meta.url, no __filename)');
  return nodeBuiltin<typeof Url>('node:url', 'threadPool').pathToFileURL(file).href;
}

/**
 * How to start a trial thread: the built worker file beside this one in `dist/`, or, run from
 * the TypeScript sources (tsx, vitest), `threadWorker.ts` through tsx, which a small bootstrap
 * registers in the thread.
 */
function workerSource(): { readonly source: string | URL; readonly evalCode: boolean } {
  const here = moduleUrl();
  if (/\.ts$/.test(new URL(here).pathname)) {
    // registered in each thread: Node 20 does not carry the parent's `tsx` loader hooks into threads
    const entry = new URL('./threadWorker.ts', here);
    const { createRequire } = nodeBuiltin<typeof NodeModule>('node:module', 'threadPool');
    const { pathToFileURL } = nodeBuiltin<typeof Url>('node:url', 'threadPool');
    // tsx's ESM API (its "import" export: the CommonJS one resolves its loader wrongly from an eval'd thread)
    const pkg = createRequire(here).resolve('tsx/package.json');
    const api = (JSON.parse(nodeBuiltin<typeof Fs>('node:fs', 'threadPool').readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
    if (api === undefined) throw new TradegymError('threadPool from the TypeScript sources needs tsx >= 4 (its tsx/esm/api)');
    const tsx = new URL(api.import.default, pathToFileURL(pkg)).href;
    return { source: `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}))`, evalCode: true };
  }
  return { source: new URL(/\.cjs$/.test(here) ? './tune-worker.cjs' : './tune-worker.js', here), evalCode: false };
}

/** A message from a trial thread. @internal */
export type ThreadReply = { readonly outcome: TrialOutcome } | { readonly crash: { readonly name: string; readonly message: string } };

/**
 * Runs trials in worker threads (`node:worker_threads`), each trial's objective imported in its
 * thread: CPU-bound objectives (training an agent) run side by side. `size` threads, started at
 * the first trial and terminated when `optimize` ends (on error too); a thread that dies is
 * replaced and its trial fails. Node only: elsewhere it throws when a trial starts. The threads
 * run `dist/tune-worker.js` from beside tradegym's own files, so load tradegym from
 * node_modules (an application bundle that inlines tradegym must copy that file beside it).
 * @param options - `size` (default `os.availableParallelism()`), `execArgv`, `resourceLimits`.
 * @returns the executor.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a size that is not an integer >= 1.
 * @example
 * ```ts
 * import { Study, threadPool, TPESampler } from 'tradegym/tune';
 * const study = new Study({ space: { x: { type: 'uniform', low: -5, high: 5 } }, sampler: new TPESampler({ seed: 1 }), parallelism: 2 });
 * // objective.js: export const objective = ({ params }) => (params.x - 2) ** 2;
 * const run = () => study.optimize({ module: '/abs/path/objective.js' }, { nTrials: 8, executor: threadPool({ size: 2 }) });
 * console.log(typeof run); // 'function'
 * ```
 */
export function threadPool(options: ThreadPoolOptions = {}): ThreadPool {
  const o = requireKnownKeys('options', options, ['size', 'execArgv', 'resourceLimits']);
  const size = o.size === undefined ? undefined : requireInt('options.size', o.size, 1);
  if (o.execArgv !== undefined && !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))) fail('options.execArgv', 'an array of strings', o.execArgv);
  if (o.resourceLimits !== undefined && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null)) fail('options.resourceLimits', 'an object (new Worker resourceLimits)', o.resourceLimits);
  type Thread = { worker: WorkerThreads.Worker; settle?: (r: ThreadReply) => void };
  const threads = new Set<Thread>();
  const idle: Thread[] = [];
  const waiting: ((t: Thread) => void)[] = [];
  let limit: number | undefined = size;
  let alive = 0; // threads started whose 'exit' has not come: what `threads` reports

  const spawn = (): Thread => {
    const { Worker } = nodeBuiltin<typeof WorkerThreads>('node:worker_threads', 'threadPool', 'use inProcess()');
    const { source, evalCode } = workerSource();
    const worker = new Worker(source, {
      eval: evalCode,
      ...(o.execArgv === undefined ? {} : { execArgv: [...(o.execArgv as string[])] }),
      ...(o.resourceLimits === undefined ? {} : { resourceLimits: o.resourceLimits as WorkerThreads.ResourceLimits }),
    });
    alive++;
    const thread: Thread = { worker };
    const die = (why: { name: string; message: string }) => {
      if (!threads.delete(thread)) return;
      const i = idle.indexOf(thread);
      if (i >= 0) idle.splice(i, 1);
      thread.settle?.({ crash: why });
      thread.settle = undefined;
      void worker.terminate();
    };
    worker.on('message', (reply: ThreadReply) => {
      const settle = thread.settle;
      thread.settle = undefined;
      settle?.(reply);
    });
    worker.on('error', (e) => die(errorInfo(e)));
    worker.on('exit', (code) => {
      alive--;
      die({ name: 'WorkerExit', message: `the trial's thread exited (code ${code})` });
    });
    threads.add(thread);
    return thread;
  };
  const acquire = async (): Promise<Thread> => {
    const free = idle.pop();
    if (free !== undefined) return free;
    limit ??= nodeBuiltin<{ availableParallelism(): number }>('node:os', 'threadPool', 'use inProcess()').availableParallelism();
    if (threads.size < limit) return spawn();
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (thread: Thread) => {
    if (!threads.has(thread)) {
      // it died: a waiting trial gets a new thread in its place
      const next = waiting.shift();
      if (next !== undefined) next(spawn());
      return;
    }
    const next = waiting.shift();
    if (next !== undefined) next(thread);
    else idle.push(thread);
  };
  return {
    name: 'threadPool',
    get size() {
      return limit ?? nodeBuiltin<{ availableParallelism(): number }>('node:os', 'threadPool', 'use inProcess()').availableParallelism();
    },
    outOfThread: true,
    get threads() {
      return alive;
    },
    async run(job) {
      const thread = await acquire();
      try {
        const reply = await new Promise<ThreadReply>((resolve) => {
          thread.settle = resolve;
          thread.worker.postMessage(job);
        });
        if ('crash' in reply) return { number: job.number, state: 'failed', intermediate: {}, error: reply.crash };
        return reply.outcome;
      } finally {
        release(thread);
      }
    },
    async close() {
      const all = [...threads];
      threads.clear();
      idle.length = 0;
      for (const t of all) {
        // a trial still running when the pool closes fails (optimize closes only when none runs)
        t.settle?.({ crash: { name: 'AbortError', message: 'the thread pool was closed while the trial ran' } });
        t.settle = undefined;
      }
      await Promise.all(all.map((t) => t.worker.terminate()));
    },
  };
}

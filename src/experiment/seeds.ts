// One config trained with several seeds, each seed a run folder, on any executor of
// tradegym/tune (this process, worker threads, Redis workers), and the spread of their figures.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail, requireInt, requireKnownKeys } from '../core/checks.js';
import { inProcess, type Executor, type ObjectiveRef, type TrialOutcome } from '../tune/executors.js';
import { parseExperimentConfig, type ExperimentConfig } from './config.js';
import { runFolderName, type TrialData } from './objective.js';
import { newRunDir, toJSONText, withAbsolutePaths, writeAtomic, type ExperimentMetrics } from './run.js';

/** Why a seed's run failed. */
export interface SeedError {
  /** The error's name. */
  readonly name: string;
  /** Its message. */
  readonly message: string;
}

/** One seed's run, as {@link runSeeds} reports it. */
export interface SeedRun {
  /** The seed. */
  readonly seed: number;
  /** Its run folder. */
  readonly dir: string;
  /** `'complete'`, or `'failed'` with `error`. */
  readonly state: 'complete' | 'failed';
  /** The run's `metrics.json`, when this machine can read it (a Redis worker elsewhere keeps it on its machine). */
  readonly metrics?: ExperimentMetrics;
  /** Why it failed: the error's name and message. */
  readonly error?: SeedError;
}

/** Mean, sample standard deviation, min and max of one figure over the seeds that completed. */
export interface Spread {
  /** The mean. */
  readonly mean: number;
  /** The sample standard deviation (NaN for one seed). */
  readonly std: number;
  /** The smallest. */
  readonly min: number;
  /** The largest. */
  readonly max: number;
}

/** What {@link runSeeds} returns, and writes to `seeds.json`. */
export interface SeedsResult {
  /** The folder holding the seeds' run folders (`seed_<s>`). */
  readonly dir: string;
  /** Each seed's run, in the order given. */
  readonly runs: readonly SeedRun[];
  /** The spread of the objective and of the test split's figures over the completed runs. */
  readonly summary: Readonly<Record<'objective' | 'testReturn' | 'testSharpe' | 'testMaxDrawdown', Spread>>;
}

/** Options of {@link runSeeds}. */
export interface RunSeedsOptions {
  /** Where the runs go (default `inProcess()`, one after another); `threadPool()` or `redisExecutor()` run them side by side. */
  readonly executor?: Executor;
  /** The module the runs import, for executors outside this thread (default: tradegym's own `trialObjective`). */
  readonly objective?: Omit<ObjectiveRef, 'data'>;
  /** The folder the group goes under (default `'runs'`): `<outDir>/<name>_<k>/seed_<s>`. */
  readonly outDir?: string;
  /** The folder the config's relative paths start from (default the working directory). */
  readonly baseDir?: string;
  /** The tfjs backend each run uses (default `'auto'`). */
  readonly backend?: 'auto' | 'cpu' | 'wasm' | 'tensorflow';
  /** Called as each run ends. */
  readonly onRun?: (run: SeedRun) => void;
}

function spread(values: readonly number[]): Spread {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length < 2 ? Number.NaN : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

/** The module a run imports in a thread: the sources when run from them, else the build beside this chunk. @internal */
export function experimentObjective(): Omit<ObjectiveRef, 'data'> {
  const here = import.meta.url;
  return /\.ts$/.test(new URL(here).pathname) ? { module: new URL('./objective.ts', here).href, export: 'trialObjective' } : { module: new URL('./experiment.js', here).href, export: 'trialObjective' };
}

/**
 * Trains one config with each of `seeds`, each seed a run folder `seed_<s>` in a new group
 * folder, on an executor of `tradegym/tune`, and summarises the spread of the figures (an RL
 * result from one seed means little). Each run is the run {@link runExperiment} makes with
 * `seed: s`, bit for bit, whichever executor runs it.
 * @param config - the config (its `tune` section is ignored).
 * @param seeds - distinct integer seeds >= 0.
 * @param options - see {@link RunSeedsOptions}.
 * @returns the runs and the spread, also written to `<group>/seeds.json`.
 * @throws `InvalidArgumentError` (from `tradegym`) for bad seeds or options; `ConfigError` for a bad config.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { runSeeds } from 'tradegym/experiment';
 * const result = await runSeeds({
 *   name: 'seeds',
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 1500, seed: 1 } },
 *   agent: { algo: 'A2C', options: { nSteps: 16 } },
 *   train: { totalTimesteps: 128 },
 * }, [0, 1, 2], { outDir: mkdtempSync(join(tmpdir(), 'seeds-')), backend: 'cpu' });
 * console.log(result.runs.map((r) => r.state), Number.isFinite(result.summary.testReturn.std)); // ['complete', 'complete', 'complete'] true
 * ```
 */
export async function runSeeds(config: ExperimentConfig, seeds: readonly number[], options: RunSeedsOptions = {}): Promise<SeedsResult> {
  requireKnownKeys('options', options, GROUP_OPTIONS);
  if (!Array.isArray(seeds) || seeds.length === 0) fail('seeds', 'a non-empty array of integer seeds >= 0', seeds);
  seeds.forEach((s, i) => requireInt(`seeds[${i}]`, s, 0));
  if (new Set(seeds).size !== seeds.length) fail('seeds', 'distinct seeds', seeds);
  const c = parseExperimentConfig(config);
  const { dir, runs } = await runGroup(c, seeds.map((seed) => ({ seed })), options, (run) => options.onRun?.(seedRun(run)));
  const result: SeedsResult = { dir, runs: runs.map(seedRun), summary: summarise(runs) };
  // the runs' own metrics.json hold their figures: seeds.json lists the runs and the spread
  writeAtomic(join(dir, 'seeds.json'), toJSONText({ ...result, runs: result.runs.map(withoutMetrics) }));
  return result;
}

function seedRun(r: GroupRun): SeedRun {
  const { params, ...rest } = r;
  return { seed: params.seed as number, ...rest };
}

/** A run without its metrics (a group's JSON lists the runs; their own metrics.json hold the figures). @internal */
export function withoutMetrics<T extends { readonly metrics?: unknown }>(run: T): Omit<T, 'metrics'> {
  const copy: { metrics?: unknown } = { ...run };
  delete copy.metrics;
  return copy as Omit<T, 'metrics'>;
}

/** One run of a group: its parameters (`seed`, `fold`), folder, state, metrics. @internal */
export interface GroupRun {
  readonly params: Readonly<Record<string, number>>;
  readonly dir: string;
  readonly state: 'complete' | 'failed';
  readonly metrics?: ExperimentMetrics;
  readonly error?: SeedError;
}

/** The option keys every group of runs takes. @internal */
export const GROUP_OPTIONS = ['executor', 'objective', 'outDir', 'baseDir', 'backend', 'onRun'] as const;

/** The spread of the objective and test figures over the runs that wrote metrics. @internal */
export function summarise(runs: readonly GroupRun[]): SeedsResult['summary'] {
  const done = runs.flatMap((r) => (r.metrics === undefined ? [] : [r.metrics]));
  return {
    objective: spread(done.map((m) => m.objective.value)),
    testReturn: spread(done.map((m) => m.test.totalReturn)),
    testSharpe: spread(done.map((m) => m.test.sharpe)),
    testMaxDrawdown: spread(done.map((m) => m.test.maxDrawdown)),
  };
}

/**
 * Runs the config once per parameter set (`{ seed }`, `{ fold }`, `{ fold, seed }`) in a new
 * group folder, each run in `<group>/<key>_<value>[_<key>_<value>]`, on the executor. @internal
 */
export async function runGroup(
  c: ExperimentConfig,
  jobs: readonly Readonly<Record<string, number>>[],
  options: Omit<RunSeedsOptions, 'onRun'>,
  onRun: (run: GroupRun) => void,
): Promise<{ dir: string; runs: GroupRun[] }> {
  const o = options as Record<string, unknown>;
  const executor = (o.executor as Executor | undefined) ?? inProcess();
  if (typeof executor !== 'object' || executor === null || typeof executor.run !== 'function' || typeof executor.close !== 'function') fail('options.executor', 'an executor (inProcess(), threadPool(), redisExecutor())', executor);
  const asRun = withAbsolutePaths(c, (o.baseDir as string | undefined) ?? process.cwd());
  // an executor that cannot run (an unreachable Redis) fails before the group folder exists
  try {
    await executor.ready?.();
  } catch (e) {
    await executor.close();
    throw e;
  }
  const dir = resolve(newRunDir((o.outDir as string | undefined) ?? 'runs', c.name ?? 'run'));
  const data: TrialData = { config: asRun, trialsDir: dir, backend: (o.backend as TrialData['backend']) ?? 'auto', runName: 'params' };
  const objective = { ...((o.objective as Omit<ObjectiveRef, 'data'> | undefined) ?? experimentObjective()), data };
  const runs: GroupRun[] = new Array(jobs.length);
  const concurrency = Math.max(1, Math.min(jobs.length, executor.outOfThread ? executor.size : 1));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const params = jobs[i] as Readonly<Record<string, number>>;
      const outcome: TrialOutcome = await executor.run({ number: i, params, direction: 'maximize', history: [], objective });
      const runDir = join(dir, runFolderName(params));
      const file = join(runDir, 'metrics.json');
      const metrics = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8'), (_k, v: unknown) => (v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as ExperimentMetrics) : undefined;
      // a run whose objective is NaN (a Sharpe ratio without trades) finished all the same
      const finished = outcome.state === 'complete' || (outcome.state === 'failed' && outcome.error === undefined);
      const run: GroupRun = { params, dir: runDir, state: finished ? 'complete' : 'failed', ...(metrics === undefined ? {} : { metrics }), ...(outcome.error === undefined ? {} : { error: outcome.error }) };
      runs[i] = run;
      onRun(run);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await executor.close();
  }
  return { dir, runs };
}


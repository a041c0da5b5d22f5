// One config trained on each walk-forward fold of its data (and, optionally, with each of several
// seeds), each run in its own folder, on any executor of tradegym/tune, and the spread of the
// folds' out-of-sample figures.
import { join } from 'node:path';
import { fail, requireInt, requireKnownKeys } from '../core/checks.js';
import type { WalkForwardFold } from '../market/splits.js';
import { parseExperimentConfig, type ExperimentConfig } from './config.js';
import { experimentFolds, toJSONText, writeAtomic, type ExperimentMetrics } from './run.js';
import { GROUP_OPTIONS, runGroup, summarise, withoutMetrics, type GroupRun, type RunSeedsOptions, type SeedError, type SeedsResult } from './seeds.js';

/** One fold's run (one per seed with `seeds`), as {@link runFolds} reports it. */
export interface FoldRun {
  /** The fold, from 0. */
  readonly fold: number;
  /** The seed it trained with. */
  readonly seed: number;
  /** Its training bars `[start, end)` of the features after warm-up (validation bars included). */
  readonly train: readonly [number, number];
  /** Its test bars `[start, end)`. */
  readonly test: readonly [number, number];
  /** Its run folder. */
  readonly dir: string;
  /** `'complete'`, or `'failed'` with `error`. */
  readonly state: 'complete' | 'failed';
  /** The run's `metrics.json`, when this machine can read it (a Redis worker elsewhere keeps it on its machine). */
  readonly metrics?: ExperimentMetrics;
  /** Why it failed: the error's name and message. */
  readonly error?: SeedError;
}

/** What {@link runFolds} returns, and writes to `folds.json`. */
export interface FoldsResult {
  /** The folder holding the runs (`fold_<k>`, or `fold_<k>_seed_<s>` with seeds). */
  readonly dir: string;
  /** Each run, fold by fold (and seed by seed within a fold). */
  readonly runs: readonly FoldRun[];
  /** The spread of the objective and of the test windows' figures over the completed runs. */
  readonly summary: SeedsResult['summary'];
  /**
   * The test windows' returns chained in time, prod(1 + r) - 1, when they do not overlap
   * (`step >= testSize`), there is one seed, and every fold completed; otherwise absent.
   */
  readonly chainedTestReturn?: number;
}

/** Options of {@link runFolds}: those of `runSeeds`, and the seeds. */
export interface RunFoldsOptions extends Omit<RunSeedsOptions, 'onRun'> {
  /** Train every fold with each of these seeds (default: the config's seed only). */
  readonly seeds?: readonly number[];
  /** Called as each run ends. */
  readonly onRun?: (run: FoldRun) => void;
}

/**
 * Trains a config with `walkForward` once per fold: each fold's run trains on its window,
 * evaluates on its validation bars (or its test window), and is scored on its test window,
 * which lies after every bar it trained on. Each run is the run {@link runExperiment} makes with
 * `fold: k` (and `seed: s`), bit for bit, whichever executor runs it, so any fold's
 * `config.json` reruns it alone.
 * @param config - a config with a `walkForward` section (its `fold`, if any, is ignored).
 * @param options - see {@link RunFoldsOptions}.
 * @returns the runs, the spread of their figures and the chained test return; also written to `<group>/folds.json`.
 * @throws `InvalidArgumentError` (from `tradegym`) for bad seeds or options; `ConfigError` for a config without `walkForward`, or whose folds do not fit its data.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { runFolds } from 'tradegym/experiment';
 * const result = await runFolds({
 *   name: 'folds',
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 1500, seed: 1 } },
 *   walkForward: { trainSize: 800, testSize: 300 },
 *   agent: { algo: 'A2C', options: { nSteps: 16 } },
 *   train: { totalTimesteps: 128 },
 * }, { outDir: mkdtempSync(join(tmpdir(), 'folds-')), backend: 'cpu' });
 * console.log(result.runs.map((r) => r.test)); // [[800, 1100], [1100, 1400]]
 * ```
 */
export async function runFolds(config: ExperimentConfig, options: RunFoldsOptions = {}): Promise<FoldsResult> {
  const { seeds, onRun, ...rest } = requireKnownKeys('options', options, [...GROUP_OPTIONS, 'seeds']) as RunFoldsOptions;
  if (seeds !== undefined) {
    if (!Array.isArray(seeds) || seeds.length === 0) fail('options.seeds', 'a non-empty array of integer seeds >= 0', seeds);
    seeds.forEach((s, i) => requireInt(`options.seeds[${i}]`, s, 0));
    if (new Set(seeds).size !== seeds.length) fail('options.seeds', 'distinct seeds', seeds);
  }
  const c: ExperimentConfig = { ...parseExperimentConfig(config) };
  delete (c as { fold?: number }).fold;
  const folds = await experimentFolds(c, rest.baseDir === undefined ? {} : { baseDir: rest.baseDir });
  const jobs = folds.flatMap((f) => (seeds === undefined ? [{ fold: f.index }] : seeds.map((seed) => ({ fold: f.index, seed }))));
  const foldRun = (r: GroupRun): FoldRun => {
    const { params, ...run } = r;
    const f = folds[params.fold as number] as WalkForwardFold;
    return { fold: f.index, seed: params.seed ?? c.seed ?? 0, train: f.train, test: f.test, ...run };
  };
  const { dir, runs } = await runGroup(c, jobs, rest, (run) => onRun?.(foldRun(run)));
  const all = runs.map(foldRun);
  const wf = c.walkForward as NonNullable<ExperimentConfig['walkForward']>;
  const tiled = seeds === undefined || seeds.length === 1 ? (wf.step ?? wf.testSize) >= wf.testSize : false;
  const returns = all.map((r) => r.metrics?.test.totalReturn);
  const chained = tiled && returns.every((x): x is number => x !== undefined) ? returns.reduce((acc, x) => acc * (1 + x), 1) - 1 : undefined;
  const result: FoldsResult = { dir, runs: all, summary: summarise(runs), ...(chained === undefined ? {} : { chainedTestReturn: chained }) };
  writeAtomic(join(dir, 'folds.json'), toJSONText({ ...result, runs: all.map(withoutMetrics) }));
  return result;
}

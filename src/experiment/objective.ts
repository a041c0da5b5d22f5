// The objective `tradegym tune` optimises: one trial is one run of the config with the trial's
// parameters set at their key paths, scored by the evaluation metric on the validation split.
// It runs wherever the trial runs (this thread, a worker thread, a Redis worker), so it takes
// everything it needs as JSON.
import { useBackend } from '../agents/backend.js';
import { TrialPruned, type TrialContext } from '../tune/study.js';
import { parseExperimentConfig, setConfigPath, type ExperimentConfig } from './config.js';
import { runExperiment } from './run.js';

/** What a tuning trial gets besides its parameters (the `data` of its objective reference). */
export interface TrialData {
  /** The config, with paths absolute (the study's copy). */
  readonly config: ExperimentConfig;
  /** The folder the trials' run folders go under (`trial_<n>`). */
  readonly trialsDir: string;
  /** The tfjs backend (default `'auto'`). */
  readonly backend?: 'auto' | 'cpu' | 'wasm' | 'tensorflow';
  /** Run folders named `trial_<number>` (default), or after the parameters, as `seed_<s>` and `fold_<k>_seed_<s>` (see `runSeeds`, `runFolds`). */
  readonly runName?: 'trial' | 'params';
}

let backend: Promise<string> | undefined;

/** A group run's folder name from its parameters: `seed_3`, `fold_2_seed_3`. @internal */
export function runFolderName(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params).map(([k, v]) => `${k}_${String(v)}`).join('_');
}

/**
 * The config with a trial's parameters set at their key paths (`agent.options.learningRate`),
 * checked: a parameter that lands on a key the schema refuses is an error naming it.
 * @param config - the study's config.
 * @param params - the trial's parameters.
 * @returns the trial's config (without its `tune` section).
 * @throws `ConfigError` for a parameter the schema refuses at its path.
 * @example
 * ```ts
 * import { trialConfig } from 'tradegym/experiment';
 * const base = { data: { synthetic: { preset: 'crypto-15m' as const, numSamples: 500 } }, agent: { algo: 'PPO' as const }, train: { totalTimesteps: 256 } };
 * console.log(trialConfig(base, { 'agent.options.gamma': 0.95 }).agent.options); // { gamma: 0.95 }
 * ```
 */
export function trialConfig(config: ExperimentConfig, params: Readonly<Record<string, unknown>>): ExperimentConfig {
  let c: ExperimentConfig = { ...config };
  delete (c as { tune?: unknown }).tune;
  for (const [path, value] of Object.entries(params)) c = setConfigPath(c, path, value);
  return parseExperimentConfig(c, 'the trial config');
}

/**
 * Runs one tuning trial: the config with the trial's parameters, trained into
 * `<trialsDir>/trial_<n>`, reporting its k-th evaluation (on the validation split) at step k so
 * that the pruner compares trials at equal training, and stopping when the pruner says so.
 * @param trial - the trial's context.
 * @param data - see {@link TrialData}.
 * @returns the final evaluation's metric on the validation split.
 * @throws `TrialPruned` when the pruner stops the trial; `ConfigError` for a parameter the schema refuses.
 * @example
 * ```ts
 * import { Study } from 'tradegym/tune';
 * import { trialObjective } from 'tradegym/experiment';
 * console.log(typeof trialObjective); // 'function': `tradegym tune` runs it in each trial
 * ```
 */
export async function trialObjective(trial: TrialContext, data: unknown): Promise<number> {
  const d = data as TrialData;
  backend ??= useBackend(d.backend ?? 'auto');
  await backend;
  const config = trialConfig(d.config, trial.params);
  let k = 0;
  let pruned = false;
  const run = await runExperiment(config, {
    runDir: `${d.trialsDir}/${d.runName === 'params' ? runFolderName(trial.params) : `trial_${trial.number}`}`,
    report: false,
    onEvaluation: (point) => {
      trial.report(++k, point.value);
      if (trial.shouldPrune()) {
        pruned = true;
        return false;
      }
      return true;
    },
  });
  // a prune at the last evaluation, once training has ended anyway, leaves the trial complete
  if (pruned && run.metrics.timesteps < config.train.totalTimesteps) throw new TrialPruned(`trial ${trial.number} after ${run.metrics.timesteps} steps`);
  return run.metrics.objective.value;
}

export { trialObjective as objective };

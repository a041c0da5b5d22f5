/**
 * `tradegym/experiment`: experiments from config files (JSON or YAML, one schema exported as
 * TypeScript types and JSON Schema), run folders that reproduce bit for bit, and the
 * `tradegym` command line. Node.js only.
 * @packageDocumentation
 */
export { ConfigError, type JsonSchema } from './schema.js';
export {
  ALGORITHMS,
  EVAL_METRICS,
  experimentJsonSchema,
  type ExperimentJsonSchema,
  parseExperimentConfig,
  parseExperimentText,
  setConfigPath,
  type AgentConfig,
  type Algorithm,
  type CcxtDataConfig,
  type CsvDataConfig,
  type DataConfig,
  type EnvConfig,
  type EvalMetric,
  type EvaluationConfig,
  type ExperimentConfig,
  type SyntheticDataConfig,
  type SyntheticSource,
  type CsvSource,
  type CcxtSource,
  type FeaturesConfig,
  type SplitConfig,
  type WalkForwardConfig,
  type TuneSamplerConfig,
  type TunePrunerConfig,
  type TuneExecutorConfig,
  type TrainConfig,
  type TuneConfig,
  type TuneSpaceConfig,
} from './config.js';
export {
  DEFAULT_FEATURES,
  experimentFolds,
  loadExperimentData,
  runExperiment,
  runtimeVersions,
  splitMetrics,
  setupExperiment,
  type EvaluationPoint,
  type ExperimentAgent,
  type ExperimentMetrics,
  type ExperimentResult,
  type ExperimentSetup,
  type ExperimentSplits,
  type ObjectiveValue,
  type RunExperimentOptions,
  type SplitMetrics,
} from './run.js';
export { main, type CliIO } from '../cli/main.js';
export { trialConfig, trialObjective, type TrialData } from './objective.js';
export { runSeeds, type RunSeedsOptions, type SeedError, type SeedRun, type SeedsResult, type Spread } from './seeds.js';
export { runFolds, type FoldRun, type FoldsResult, type RunFoldsOptions } from './folds.js';

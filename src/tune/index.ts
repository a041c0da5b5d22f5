/**
 * `tradegym/tune`: hyperparameter search, as Optuna's: a search space (uniform, log-uniform,
 * int, choice, conditional), the random and TPE samplers, the median and successive-halving
 * (ASHA) pruners, a study that resumes from JSON, and executors that run its trials in
 * parallel (in-process, on worker threads, or on your own queue) with the same results.
 * @packageDocumentation
 */
export { type ChoiceParam, type ChoiceValue, type Condition, type IntParam, type LogUniformParam, type Params, type ParamSpec, type SearchSpace, type UniformParam } from './space.js';
export { defaultGamma, defaultWeights, RandomSampler, TPESampler, type Direction, type FrozenTrial, type Sampler, type TPEOptions } from './samplers.js';
export { MedianPruner, prunerFromSpec, SuccessiveHalvingPruner, type MedianPrunerOptions, type Pruner, type PrunerSpec, type SuccessiveHalvingOptions } from './pruners.js';
export { inProcess, runTrialJob, threadPool, type Executor, type ModuleObjective, type ObjectiveRef, type ThreadPool, type ThreadPoolOptions, type TrialJob, type TrialOutcome } from './executors.js';
export { Study, TrialPruned, type StoredTrial, type StudyOptions, type StudyRecord, type TrialContext } from './study.js';
export { deleteRedisStudy, loadRedisTrials, redisExecutor, RedisUnavailableError, runRedisWorker, type RedisConnectionOptions, type RedisExecutorOptions, type RedisTrials, type RedisWorker, type RedisWorkerOptions } from './redis.js';
export { parameterImportance, type ImportanceSource, type ImportanceTrial, type ParamImportance, type ParameterImportanceOptions } from './importance.js';

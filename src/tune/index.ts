/**
 * `tradegym/tune`: hyperparameter search, as Optuna's: a search space (uniform, log-uniform,
 * int, choice, conditional), the random and TPE samplers, the median and successive-halving
 * (ASHA) pruners, and a study that resumes from JSON.
 * @packageDocumentation
 */
export { type ChoiceParam, type ChoiceValue, type Condition, type IntParam, type LogUniformParam, type Params, type ParamSpec, type SearchSpace, type UniformParam } from './space.js';
export { defaultGamma, defaultWeights, RandomSampler, TPESampler, type Direction, type FrozenTrial, type Sampler, type TPEOptions } from './samplers.js';
export { MedianPruner, SuccessiveHalvingPruner, type MedianPrunerOptions, type Pruner, type SuccessiveHalvingOptions } from './pruners.js';
export { Study, TrialPruned, type StoredTrial, type StudyOptions, type StudyRecord, type TrialContext } from './study.js';

export { Env } from './Env.js';
export { Wrapper } from './Wrapper.js';
export { ObservationWrapper } from './ObservationWrapper.js';
export { ActionWrapper } from './ActionWrapper.js';
export { RewardWrapper } from './RewardWrapper.js';
export { Rng, type RngState } from './Rng.js';
export {
  TradegymError,
  InvalidArgumentError,
  DataValidationError,
  ResetNeededError,
  InvalidActionError,
  EnvCheckError,
} from './errors.js';
export type { Info, ResetParams, ResetResult, StepResult, EnvSpec } from './types.js';
export {
  register,
  make,
  registeredEnvs,
  type EnvFactory,
  type EnvRegistry,
  type MakeOptions,
  type RegisterOptions,
} from './registry.js';

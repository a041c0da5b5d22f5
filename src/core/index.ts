export { Env } from './Env.js';
export { Wrapper } from './Wrapper.js';
export { ObservationWrapper } from './ObservationWrapper.js';
export { ActionWrapper } from './ActionWrapper.js';
export { RewardWrapper } from './RewardWrapper.js';
export { Rng, type RngState, type Xor4096State, type MutableArrayLike } from './Rng.js';
export {
  TradegymError,
  InvalidArgumentError,
  DataValidationError,
  ResetNeededError,
  EnvClosedError,
  InvalidActionError,
  EnvCheckError,
  CheckpointError,
} from './errors.js';
export type { Info, ResetParams, ResetResult, StepResult, EnvSpec } from './types.js';
export {
  register,
  make,
  registeredEnvs,
  type EnvFactory,
  type EnvRegistry,
  type EnvTypes,
  type MakeOptions,
  type RegisterOptions,
} from './registry.js';

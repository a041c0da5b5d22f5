export { SyncVectorEnv, type AutoresetMode, type SyncVectorEnvOptions, type VectorResetParams, type VectorResetResult, type VectorStepResult } from './SyncVectorEnv.js';
export { makeVecEnv, type MakeVecEnvOptions } from './makeVecEnv.js';

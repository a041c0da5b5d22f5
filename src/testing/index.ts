export { checkEnv, ENV_CHECKS, type CheckEnvOptions, type EnvCheckName } from './checkEnv.js';
export { checkParallelEnv, checkAecEnv, type CheckMultiAgentOptions } from './checkMultiAgent.js';

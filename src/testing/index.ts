export { checkEnv, ENV_CHECKS, type CheckEnvOptions, type EnvCheckName } from './checkEnv.js';

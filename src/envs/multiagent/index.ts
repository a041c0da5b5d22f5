export { MultiAgentTradingEnv, type MultiAgentTradingEnvOptions, type TradingAgent } from './MultiAgentTradingEnv.js';
export { AecEnv } from './AecEnv.js';
export type { ParallelEnv, ParallelResetResult, ParallelStepResult, AecLast } from './types.js';

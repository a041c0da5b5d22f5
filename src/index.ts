/**
 * tradegym: reinforcement-learning trading research in TypeScript.
 *
 * The root entry holds the Gymnasium-style core (envs, spaces, wrappers, vector envs, the
 * env checker, the registry), market data and features, and loads neither tfjs nor ccxt.
 *
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './spaces/index.js';
export * from './wrappers/index.js';
export * from './vector/index.js';
export * from './testing/index.js';
export * from './envs/classic/index.js';
export * from './market/index.js';
export * from './features/index.js';
export * from './synthetic/index.js';
export * from './envs/trading/index.js';
export * from './envs/multiagent/index.js';
export * from './backtest/index.js';

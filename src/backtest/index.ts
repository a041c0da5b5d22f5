export * from './metrics.js';
export * from './tradeStats.js';
export * from './backtest.js';
export * from './significance.js';
export * from './baselines.js';
export * from './evaluation.js';
export * from './dcaBot.js';

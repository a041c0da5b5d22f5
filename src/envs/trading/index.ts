export { Account, type AccountOptions, type Fill, type Trade, type Slippage, type SlippageContext, type Bar, type OpenTradeInfo } from './Account.js';
export { TradingEnv, type TradingEnvOptions, type ActionScheme, type EpisodeSummary } from './TradingEnv.js';
export type { RewardOptions, RewardWeights, RewardContext, RewardFunction, RewardBreakdown } from './rewards.js';
export { PortfolioEnv, type PortfolioEnvOptions } from './PortfolioEnv.js';
export type { MarketCostOptions, RiskLimitOptions } from './options.js';

export { Account, type AccountOptions, type Fill, type Trade, type Slippage, type SlippageContext, type Bar, type OpenTradeInfo } from './Account.js';
export { TradingEnv, type TradingEnvOptions, type TradingInfo, type ActionScheme, type EpisodeSummary, type WindowLayout } from './TradingEnv.js';
export type { RewardOptions, RewardWeights, RewardContext, RewardFunction, RewardBreakdown } from './rewards.js';
export { PortfolioEnv, type PortfolioEnvOptions, type PortfolioInfo } from './PortfolioEnv.js';
export type { MarketCostOptions, RiskLimitOptions } from './options.js';

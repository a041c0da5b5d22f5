import type { Slippage } from './Account.js';

/** Costs, fill timing and episode layout shared by every trading env. */
export interface MarketCostOptions {
  /** Fee in bps of traded notional (default 10). */
  readonly fee?: number;
  /** Slippage in bps, or a function of the order and bar (default 0). */
  readonly slippage?: Slippage;
  /** Borrow cost per bar on short notional (default 0). */
  readonly borrowRate?: number;
  /** Starting cash (default 10,000). */
  readonly initialCash?: number;
  /** `'next-open'` (default): an action chosen on bar t fills at bar t+1's open; `'close'`: at bar t's close. */
  readonly execution?: 'next-open' | 'close';
  /** Steps per episode; omitted, an episode runs to the end of the data. */
  readonly episodeLength?: number;
  /** Start each episode at a random bar (default: true when `episodeLength` is set). */
  readonly randomStart?: boolean;
}

/** Leverage and drawdown limits. */
export interface RiskLimitOptions {
  /** Gross exposure cap in multiples of equity (default 1). */
  readonly maxLeverage?: number;
  /** Terminate when the drawdown from peak equity exceeds this fraction (default 1: only at ruin). */
  readonly maxDrawdown?: number;
}

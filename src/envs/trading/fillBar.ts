import type { MarketData } from '../../market/MarketData.js';
import type { Account, Bar } from './Account.js';

/**
 * The bar a fill happens in, for the account's slippage function; undefined when the
 * slippage is a constant (no object is built per fill then). The one place the envs and the
 * backtester build it. @internal
 */
export function fillBar(acct: Account, data: MarketData, i: number): Bar | undefined {
  if (typeof acct.slippage !== 'function') return undefined;
  return { open: data.open[i] as number, high: data.high[i] as number, low: data.low[i] as number, close: data.close[i] as number, volume: data.volume[i] as number };
}

import { fail } from '../../core/checks.js';
import { DataValidationError, InvalidArgumentError } from '../../core/errors.js';
import { MarketData } from '../../market/MarketData.js';
import { iso } from '../../market/timeframe.js';
import type { Account, Bar } from './Account.js';

/**
 * The bar a fill happens in, for the account's slippage function; undefined when the
 * slippage is a constant (no object is built per fill then). The one place the envs and the
 * backtester build it. @internal
 */
export function fillBar(acct: Account, data: Pick<MarketData, 'open' | 'high' | 'low' | 'close' | 'volume'>, i: number): Bar | undefined {
  if (typeof acct.slippage !== 'function') return undefined;
  return { open: data.open[i] as number, high: data.high[i] as number, low: data.low[i] as number, close: data.close[i] as number, volume: data.volume[i] as number };
}

/**
 * Throws unless every open and close is > 0: bars declared with `allowNonPositivePrices` can
 * be stored and analysed, but not traded (the ledger sizes positions as fractions of equity).
 * The one check the envs and the backtester make up front. @internal
 */
export function requireTradable(name: string, data: MarketData): void {
  if (!data.allowNonPositivePrices) return; // validated > 0 when built
  for (const col of ['open', 'close'] as const) {
    const i = data[col].findIndex((p) => !(p > 0));
    if (i >= 0) throw new DataValidationError(`${name}.${col}[${i}] must be > 0 to trade (the ledger sizes positions as fractions of equity), got ${data[col][i]}`);
  }
}

/**
 * Throws unless every asset is a tradable `MarketData` on the same bars as the first (same
 * length, same timestamps): the one check of the multi-asset envs. @internal
 */
export function requireAlignedAssets(assets: unknown): readonly MarketData[] {
  if (!Array.isArray(assets) || assets.length === 0) fail('assets', 'a non-empty array of MarketData', assets);
  const first = assets[0] as MarketData;
  assets.forEach((a: unknown, i) => {
    if (!(a instanceof MarketData)) fail(`assets[${i}]`, 'a MarketData', a);
    requireTradable(`assets[${i}]`, a);
    if (a.length !== first.length) throw new InvalidArgumentError(`assets must be aligned: assets[${i}] (${a.symbol}) has ${a.length} bars, assets[0] has ${first.length}`);
    for (let k = 0; k < a.length; k++) {
      if (a.timestamps[k] !== first.timestamps[k]) {
        throw new InvalidArgumentError(`assets must be aligned: assets[${i}] (${a.symbol}) bar ${k} opens at ${iso(a.timestamps[k] as number)}, assets[0] at ${iso(first.timestamps[k] as number)}`);
      }
    }
  });
  return assets as MarketData[];
}

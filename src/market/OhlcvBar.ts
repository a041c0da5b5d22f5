/**
 * One OHLCV bar: a row of a {@link MarketData}, as {@link FeatureStream.update} takes it, the
 * indicators read it and live feeds yield it.
 */
export interface OhlcvBar {
  /** The bar's open time, ms since the epoch (UTC). */
  readonly timestamp: number;
  /** The open. */
  readonly open: number;
  /** The high. */
  readonly high: number;
  /** The low. */
  readonly low: number;
  /** The close. */
  readonly close: number;
  /** The volume. */
  readonly volume: number;
}

/** A bar object that is refilled for each bar (no allocation per bar). @internal */
export type MutableBar = { -readonly [K in keyof OhlcvBar]: number };

/** @returns a zeroed {@link MutableBar}. @internal */
export const emptyBar = (): MutableBar => ({ timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 });

/** Copies bar `src` into `dst`. @returns `dst`. @internal */
export function copyBar(dst: MutableBar, src: OhlcvBar): MutableBar {
  dst.timestamp = src.timestamp;
  dst.open = src.open;
  dst.high = src.high;
  dst.low = src.low;
  dst.close = src.close;
  dst.volume = src.volume;
  return dst;
}

/** Reads row `i` of OHLCV columns (a MarketData has them) into `dst`. @returns `dst`. @internal */
export function readBar(dst: MutableBar, cols: { readonly [K in 'timestamps' | 'open' | 'high' | 'low' | 'close' | 'volume']: ArrayLike<number> }, i: number): MutableBar {
  dst.timestamp = cols.timestamps[i] as number;
  dst.open = cols.open[i] as number;
  dst.high = cols.high[i] as number;
  dst.low = cols.low[i] as number;
  dst.close = cols.close[i] as number;
  dst.volume = cols.volume[i] as number;
  return dst;
}

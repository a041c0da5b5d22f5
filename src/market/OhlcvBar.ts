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

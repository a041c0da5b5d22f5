// The shapes every live piece shares: a closed bar and a feed of them.
import type { OhlcvBar } from '../market/OhlcvBar.js';

/**
 * One closed OHLCV bar: `timestamp` is the bar's open time in ms since the epoch (as
 * `MarketData`'s). The same shape a feature pipeline's stream takes (`OhlcvBar`), so a feed's
 * bars go to the features as they are.
 */
export type Bar = OhlcvBar;

/**
 * A source of closed bars in strictly increasing time order, each bar once: iterate it with
 * `for await`, and `close()` it to stop (the iteration then ends). A feed never yields a bar
 * that is still forming.
 */
export interface Feed extends AsyncIterable<Bar> {
  /** The bar length, e.g. `'15m'` (as `MarketData.timeframe`), when the feed knows it. */
  readonly timeframe?: string;
  /** The instrument, e.g. `'BTC/USDT'`, when the feed knows it. */
  readonly symbol?: string;
  /** Stops the feed: a pending iteration ends, and resources (timers, sockets) are released. */
  close(): Promise<void>;
  /**
   * Whether the bar yielded last is the feed's last one (a replay knows; a live feed leaves this
   * out). The runner takes no decision at a feed's last bar, as the backtester takes none at
   * its data's last bar: there is no next bar to fill at or to mark.
   */
  ended?(): boolean;
}

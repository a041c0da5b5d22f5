import { requireInt, requireKnownKeys, fail } from '../core/checks.js';
import { MarketData } from '../market/MarketData.js';
import type { Bar, Feed } from './types.js';

/** Options of {@link ReplayFeed}. */
export interface ReplayFeedOptions {
  /** The first bar to yield (default 0). */
  readonly start?: number;
  /** One past the last bar to yield (default: the data's length). */
  readonly end?: number;
}

/**
 * A {@link Feed} over stored bars: yields `data`'s bars `start..end - 1` in order, at once (no
 * timers), the same bars every time it is iterated. With a {@link LiveRunner} and a
 * {@link PaperBroker}, it replays a backtest through the live code path.
 *
 * @example
 * ```ts
 * import { RegimeGenerator } from 'tradegym';
 * import { ReplayFeed } from 'tradegym/live';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 100, seed: 1 });
 * const feed = new ReplayFeed(data, { start: 90 });
 * let n = 0;
 * for await (const bar of feed) n += bar.close > 0 ? 1 : 0;
 * console.log(n, feed.timeframe); // 10 '15m'
 * ```
 */
export class ReplayFeed implements Feed {
  /** The bars replayed. */
  readonly data: MarketData;
  /** The bar length. */
  readonly timeframe: string;
  /** The instrument. */
  readonly symbol: string;
  /** The first bar yielded. */
  readonly start: number;
  /** One past the last bar yielded. */
  readonly end: number;
  #next = -1; // the index of the next bar; -1 before the first iteration
  #closed = false;

  /**
   * @param data - the bars.
   * @param options - `start` and `end` (bar indices).
   * @throws `InvalidArgumentError` (from `tradegym`) for data that is not a MarketData, an unknown
   *   option, or `start`/`end` that are not integers with `0 <= start < end <= data.length`.
   */
  constructor(data: MarketData, options: ReplayFeedOptions = {}) {
    if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
    requireKnownKeys('options', options, ['start', 'end']);
    const start = requireInt('options.start', options.start ?? 0, 0);
    const end = requireInt('options.end', options.end ?? data.length, 0);
    if (end > data.length) fail('options.end', `<= data.length (${data.length})`, end);
    if (start >= end) fail('options.start', `< options.end (${end})`, start);
    this.data = data;
    this.timeframe = data.timeframe;
    this.symbol = data.symbol;
    this.start = start;
    this.end = end;
  }

  /** The bar index (in `data`) of the bar yielded last, or -1 before the first. */
  get index(): number {
    return this.#next < 0 ? -1 : this.#next - 1;
  }

  /** @returns whether the bar yielded last is `end - 1`. */
  ended(): boolean {
    return this.#next === this.end;
  }

  /** Stops the replay: the iteration ends before its next bar. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Yields the bars `start..end - 1`, in order (again from `start` on each new iteration). */
  async *[Symbol.asyncIterator](): AsyncIterator<Bar> {
    this.#closed = false;
    const d = this.data;
    for (this.#next = this.start; this.#next < this.end && !this.#closed; ) {
      const i = this.#next++;
      yield { timestamp: d.timestamps[i] as number, open: d.open[i] as number, high: d.high[i] as number, low: d.low[i] as number, close: d.close[i] as number, volume: d.volume[i] as number };
    }
  }
}

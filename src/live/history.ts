import { DataValidationError } from '../core/errors.js';
import { barFault, MarketData } from '../market/MarketData.js';
import { iso, timeframeToMs } from '../market/timeframe.js';
import type { BarColumns } from '../backtest/stepper.js';
import type { Bar } from './types.js';

const COLUMNS = ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The bars a runner has seen, history first: what the stepper reads and what a strategy function
 * gets as `ctx.data`. The bars live in a MarketData of spare capacity whose rows past the last
 * bar are valid placeholders, so `data()` is a view of the first rows (`MarketData.slice`), not a
 * copy: a strategy reading `ctx.data` at every bar costs nothing per bar. @internal
 */
export class BarHistory implements BarColumns {
  #store: MarketData;
  #n = 0;
  #data: MarketData | undefined;
  readonly #timeframe: string;
  readonly #tfMs: number;
  readonly #symbol: string;

  constructor(timeframe: string, symbol: string, initial: MarketData | undefined) {
    this.#timeframe = timeframe;
    this.#tfMs = timeframeToMs(timeframe);
    this.#symbol = symbol;
    this.#n = initial?.length ?? 0;
    this.#store = this.#grow(initial, Math.max(64, this.#n * 2));
  }

  get length(): number {
    return this.#n;
  }
  get timestamps(): Float64Array {
    return this.#store.timestamps;
  }
  get open(): Float64Array {
    return this.#store.open;
  }
  get high(): Float64Array {
    return this.#store.high;
  }
  get low(): Float64Array {
    return this.#store.low;
  }
  get close(): Float64Array {
    return this.#store.close;
  }
  get volume(): Float64Array {
    return this.#store.volume;
  }

  /** Appends a closed bar. @returns its index. @throws DataValidationError for a bar that is not a valid next bar. */
  push(bar: Bar): number {
    const n = this.#n;
    const prev = n > 0 ? (this.timestamps[n - 1] as number) : Number.NaN;
    const fault = faultOf(bar, prev, this.#tfMs);
    if (fault !== undefined) throw new DataValidationError(`feed bar ${n}${typeof bar?.timestamp === 'number' ? ` (${iso(bar.timestamp)})` : ''}: ${fault}`);
    if (n === this.timestamps.length) this.#store = this.#grow(this.#store.slice(0, n), n * 2);
    const c = this.#store;
    c.timestamps[n] = bar.timestamp;
    c.open[n] = bar.open;
    c.high[n] = bar.high;
    c.low[n] = bar.low;
    c.close[n] = bar.close;
    c.volume[n] = bar.volume;
    this.#n = n + 1;
    this.#data = undefined;
    return n;
  }

  /** The bars so far as a MarketData: a view, made once per bar. */
  data(): MarketData {
    return (this.#data ??= this.#store.slice(0, this.#n));
  }

  /** A store of `capacity` rows: `bars`, then placeholders (the last close, a bar apart). */
  #grow(bars: MarketData | undefined, capacity: number): MarketData {
    const n = bars?.length ?? 0;
    const cols = { timestamps: new Float64Array(capacity), open: new Float64Array(capacity), high: new Float64Array(capacity), low: new Float64Array(capacity), close: new Float64Array(capacity), volume: new Float64Array(capacity) };
    if (bars !== undefined) for (const k of COLUMNS) cols[k].set(bars[k]);
    const lastTs = n > 0 ? (cols.timestamps[n - 1] as number) : -this.#tfMs;
    const fill = n > 0 ? (cols.close[n - 1] as number) : 1;
    for (let i = n; i < capacity; i++) {
      cols.timestamps[i] = lastTs + (i - n + 1) * this.#tfMs;
      cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = fill;
    }
    return new MarketData({ symbol: this.#symbol, timeframe: this.#timeframe, ...cols, ...(bars?.allowNonPositivePrices === true ? { allowNonPositivePrices: true } : {}) });
  }
}

/** Why `bar` cannot follow a bar opened at `prev` (NaN for none), or undefined: its shape here, its values by MarketData's row rules. */
function faultOf(bar: Bar, prev: number, tfMs: number): string | undefined {
  if (bar === null || typeof bar !== 'object') return `must be an object { timestamp, open, high, low, close, volume }, got ${String(bar)}`;
  for (const k of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) {
    if (typeof bar[k] !== 'number') return `${k} must be a number, got ${String(bar[k] as unknown)}`;
  }
  return barFault(bar, prev, tfMs);
}

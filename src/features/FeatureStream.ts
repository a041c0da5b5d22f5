import { fail, requireKnownKeys } from '../core/checks.js';
import { DataValidationError } from '../core/errors.js';
import { barFault } from '../market/MarketData.js';
import { timeframeToMs } from '../market/timeframe.js';
import type { IndicatorStep } from './catalog.js';
import { copyBar, emptyBar, type OhlcvBar } from '../market/OhlcvBar.js';

/** Options of {@link FeaturePipeline.stream}. */
export interface FeatureStreamOptions {
  /**
   * The bar length, e.g. `'1h'`: each bar must open a whole number of bars after the one
   * before, as in a {@link MarketData} of that timeframe.
   */
  readonly timeframe: string;
}

const BAR_KEYS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/** One running indicator and the index of its first column in the row. @internal */
export interface PlacedStep {
  readonly step: IndicatorStep;
  readonly at: number;
}

/**
 * The features of a {@link FeaturePipeline} one bar at a time, for live trading: `update(bar)`
 * takes the next closed bar and returns its row, every column in `names` order, in O(1) per
 * indicator (nothing is recomputed over the history). The row of bar t equals row t of
 * `pipeline.compute(data)` over the same bars, bit for bit: `compute` is this same update
 * folded over the bars. Rows are NaN where a feature is still warming up.
 *
 * Each bar is checked as {@link MarketData} checks a row (finite values, prices > 0, high >=
 * max(open, close), low <= min(open, close), volume >= 0, an integer timestamp a whole number
 * of bars after the previous one); a bad bar throws and leaves the stream as it was.
 *
 * @example
 * ```ts
 * import { FeaturePipeline, Normalizer, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 1 });
 * const pipeline = new FeaturePipeline(['rsi', 'macd']);
 * const history = pipeline.compute(data.slice(0, 200));
 * const norm = new Normalizer().fit(history.dropWarmup());
 * const stream = pipeline.stream({ timeframe: data.timeframe });
 * let row: Float64Array = new Float64Array(0);
 * for (let i = 0; i < 250; i++) {
 *   const bar = { timestamp: data.timestamps[i]!, open: data.open[i]!, high: data.high[i]!, low: data.low[i]!, close: data.close[i]!, volume: data.volume[i]! };
 *   row = norm.transformRow(stream.update(bar), stream.names); // a live runner does this on every closed bar
 * }
 * console.log(stream.length, stream.warmup, row.length); // 250 33 4
 * ```
 */
export class FeatureStream {
  /** The column names, in row order (the pipeline's). */
  readonly names: readonly string[];
  /**
   * The leading rows in which some feature is NaN while warming up, known before the first
   * bar: {@link FeaturePipeline.warmup}. The rows after it are ready; it is the
   * {@link FeatureFrame.warmup} of the frame of the same bars, once there are more bars than
   * this (unless the bars leave an indicator undefined later, e.g. %b over a flat window).
   */
  readonly warmup: number;
  /** The bar length the bars are checked against. */
  readonly timeframe: string;
  readonly #steps: readonly IndicatorStep[];
  readonly #at: Int32Array;
  readonly #row: Float64Array;
  readonly #tfMs: number;
  // the last bar taken, as the indicators read it (the checks compare the next bar with it),
  // and a spare object that the next bar is copied into: no allocation per bar
  #bar = emptyBar();
  #spare = emptyBar();
  #length = 0;

  /**
   * Use {@link FeaturePipeline.stream}.
   * @param names - the column names.
   * @param warmup - the pipeline's warm-up rows.
   * @param steps - each indicator's running state and the index of its first column.
   * @param options - the timeframe.
   * @throws {@link InvalidArgumentError} for an unknown option or a bad timeframe.
   * @internal
   */
  constructor(names: readonly string[], warmup: number, steps: readonly PlacedStep[], options: FeatureStreamOptions) {
    requireKnownKeys('options', options, ['timeframe']);
    this.#tfMs = timeframeToMs(options.timeframe);
    this.names = names;
    this.warmup = warmup;
    this.timeframe = options.timeframe;
    this.#steps = steps.map((s) => s.step);
    this.#at = Int32Array.from(steps, (s) => s.at);
    this.#row = new Float64Array(names.length);
  }

  /** The number of bars taken so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Takes the next closed bar.
   * @param bar - its open time and OHLCV, after the previous bar's.
   * @returns a new row of every feature at this bar (NaN while a feature warms up), in
   *   {@link FeatureStream.names} order.
   * @throws {@link InvalidArgumentError} if `bar` is not an object of the six numeric fields.
   * @throws {@link DataValidationError} for a bar that {@link MarketData} would reject after
   *   the previous one, naming the fault and the bar (e.g. `bar 3 is invalid: high 99 <
   *   max(open 100, close 101); got { timestamp: ... }`); the stream is left as it was.
   */
  update(bar: OhlcvBar): Float64Array {
    this.#check(bar);
    const b = this.#spare;
    this.#spare = this.#bar;
    this.#bar = b;
    copyBar(b, bar);
    const row = this.#row;
    const steps = this.#steps;
    for (let k = 0; k < steps.length; k++) (steps[k] as IndicatorStep)(b, row, this.#at[k] as number);
    this.#length++;
    return row.slice();
  }

  /** The bar as MarketData checks a row, following the previous bar (MarketData's own rules). */
  #check(bar: OhlcvBar): void {
    // every field is required: null is not "the default" here but a bad number, named below
    const rec = requireKnownKeys('bar', bar, BAR_KEYS, BAR_KEYS);
    for (const k of BAR_KEYS) if (typeof rec[k] !== 'number') fail(`bar.${k}`, 'a number', rec[k]);
    const fault = barFault(bar, this.#length > 0 ? this.#bar.timestamp : Number.NaN, this.#tfMs);
    if (fault !== undefined) throw new DataValidationError(`bar ${this.#length} is invalid: ${fault}; got { ${BAR_KEYS.map((k) => `${k}: ${bar[k]}`).join(', ')} }`);
  }
}

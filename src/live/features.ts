import { fail } from '../core/checks.js';
import { DataValidationError } from '../core/errors.js';
import { FeatureFrame } from '../features/FeatureFrame.js';
import { iso } from '../market/timeframe.js';
import type { Bar } from './types.js';

/**
 * Features that arrive one bar at a time: `update(bar)` returns the row of the bar just closed,
 * computed from that bar and the bars before it only. A feature pipeline's stream fits it; so
 * does {@link replayFeatures} over a precomputed frame.
 */
export interface FeatureSource {
  /** The column names, in row order. */
  readonly names: readonly string[];
  /** Leading rows that may hold NaN (indicators warming up); the rows after must be finite. */
  readonly warmup: number;
  /** The row of `bar` (one value per name). */
  update(bar: Bar): Float64Array;
}

/**
 * A replay adapter: a {@link FeatureSource} over a precomputed {@link FeatureFrame}, giving its
 * rows in order, one per bar, each checked against the bar's timestamp. It is exact for a
 * replay because every row of a frame from `FeaturePipeline.compute` depends only on the bars
 * up to it; live, use the pipeline's stream instead.
 *
 * @param frame - the features, with one row per bar to be replayed, from the first.
 * @param start - the row of the first bar that `update` will see (default 0).
 * @returns the source.
 * @throws `InvalidArgumentError` (from `tradegym`) for a frame that is not a FeatureFrame or a
 *   bad `start`; `update` throws `DataValidationError` for a bar whose timestamp is not the
 *   next row's, or past the frame's end.
 * @example
 * ```ts
 * import { FeaturePipeline, RegimeGenerator } from 'tradegym';
 * import { replayFeatures } from 'tradegym/live';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 50, seed: 1 });
 * const source = replayFeatures(new FeaturePipeline(['logReturns', 'rsi']).compute(data));
 * const bar = { timestamp: data.timestamps[0]!, open: data.open[0]!, high: data.high[0]!, low: data.low[0]!, close: data.close[0]!, volume: data.volume[0]! };
 * console.log(source.names, source.warmup, source.update(bar).length); // [ 'logReturns', 'rsi' ] 14 2
 * ```
 */
export function replayFeatures(frame: FeatureFrame, start = 0): FeatureSource {
  if (!(frame instanceof FeatureFrame)) fail('frame', 'a FeatureFrame', frame);
  if (!Number.isSafeInteger(start) || start < 0 || start > frame.length) fail('start', `an integer in [0, ${frame.length}]`, start);
  let row = start;
  const { names, columns, timestamps } = frame;
  return {
    names,
    warmup: frame.warmup,
    update(bar: Bar): Float64Array {
      if (row >= frame.length) throw new DataValidationError(`replayFeatures: bar ${iso(bar.timestamp)} is past the frame's last row (${frame.length} rows)`);
      if (bar.timestamp !== timestamps[row]) throw new DataValidationError(`replayFeatures: bar ${iso(bar.timestamp)} is not row ${row}'s (${iso(timestamps[row] as number)}): the features and the bars must be aligned`);
      const out = new Float64Array(names.length);
      for (let j = 0; j < names.length; j++) out[j] = (columns[j] as Float64Array)[row] as number;
      row++;
      return out;
    },
  };
}

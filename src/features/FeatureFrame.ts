import { fail, requireInt } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { MarketData } from '../market/MarketData.js';

/** Whether two timestamp columns hold the same times (views of the same memory are compared at once). */
function sameTimes(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Feature columns aligned to bars: `columns[j][t]` is feature `names[j]` at bar `t`, built
 * from bars <= t only. Leading rows where some feature is still warming up are NaN;
 * `warmup` counts them and `dropWarmup()` removes them. Slicing shares memory.
 *
 * A frame from {@link FeaturePipeline.compute} carries the bars it was computed from in
 * `bars`, row for row, and every operation keeps them aligned: `dropWarmup()`, `slice()`,
 * the splits ({@link splitByFraction}, {@link splitByDate}), `select()` and
 * {@link Normalizer.transform} trim or keep the bars with the rows. So a trimmed or split
 * frame hands the env exactly its own bars: `new TradingEnv({ features: part })` trades `part.bars`.
 *
 * @typeParam B - `MarketData` when the frame carries its bars (frames from a pipeline),
 *   `undefined` when built from bare columns.
 * @example
 * ```ts
 * import { FeatureFrame } from 'tradegym';
 * const frame = new FeatureFrame(Float64Array.of(0, 1, 2), ['x', 'y'], [Float64Array.of(Number.NaN, 1, 2), Float64Array.of(5, 6, 7)]);
 * console.log(frame.warmup, frame.dropWarmup().length); // 1 2
 * console.log(frame.column('y')[2]); // 7
 * ```
 * @example
 * ```ts
 * import { FeaturePipeline, RegimeGenerator, splitByFraction } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 500, seed: 1 });
 * const frame = new FeaturePipeline(['rsi']).compute(data).dropWarmup(); // the bars are trimmed too
 * const { train, test } = splitByFraction(frame, { train: 0.8 });
 * console.log(frame.bars.length === frame.length, test.bars.timestamps[0] === test.timestamps[0]); // true true
 * ```
 */
export class FeatureFrame<B extends MarketData | undefined = MarketData | undefined> {
  /** Bar-open times (ms UTC), one per row. */
  readonly timestamps: Float64Array;
  /** Column names, in order. */
  readonly names: readonly string[];
  /** One `Float64Array` per name. */
  readonly columns: readonly Float64Array[];
  /**
   * The bars the features were computed from, aligned row for row (same length and
   * timestamps), or undefined for a frame built from bare columns.
   */
  readonly bars: B;
  readonly #index: ReadonlyMap<string, number>;

  /**
   * @param timestamps - one per row.
   * @param names - unique column names.
   * @param columns - one column per name, each as long as `timestamps`.
   * @param bars - optionally, the bars the rows belong to: the same length and timestamps.
   * @throws {@link InvalidArgumentError} on duplicate names, a column of the wrong length, or
   *   bars that are not aligned with `timestamps`.
   */
  constructor(timestamps: Float64Array, names: readonly string[], columns: readonly Float64Array[], bars?: B) {
    if (!(timestamps instanceof Float64Array)) fail('timestamps', 'a Float64Array', timestamps);
    if (!Array.isArray(names)) fail('names', 'an array of column names', names);
    if (!Array.isArray(columns)) fail('columns', 'an array of Float64Array', columns);
    if (bars !== undefined) {
      if (!(bars instanceof MarketData)) fail('bars', 'a MarketData or undefined', bars);
      if (!sameTimes(bars.timestamps, timestamps)) {
        fail('bars', `aligned with the ${timestamps.length} rows (the same timestamps)`, `${bars.length} bars`);
      }
    }
    if (names.length !== columns.length) fail('columns.length', `${names.length} (one per name)`, columns.length);
    const index = new Map<string, number>();
    names.forEach((name, j) => {
      if (index.has(name)) throw new InvalidArgumentError(`names must be unique, got ${JSON.stringify(name)} twice`);
      index.set(name, j);
      const col = columns[j] as Float64Array;
      if (col.length !== timestamps.length) fail(`columns[${j}] (${name}).length`, `${timestamps.length}`, col.length);
    });
    this.timestamps = timestamps;
    this.names = Object.freeze(names.slice());
    this.columns = Object.freeze(columns.slice());
    this.bars = bars as B;
    this.#index = index;
  }

  /** The number of rows. */
  get length(): number {
    return this.timestamps.length;
  }

  /** The number of leading rows in which at least one feature is NaN (still warming up). */
  get warmup(): number {
    let w = 0;
    for (const col of this.columns) {
      let i = 0;
      while (i < col.length && Number.isNaN(col[i])) i++;
      if (i > w) w = i;
    }
    return w;
  }

  /**
   * One column by name.
   * @param name - a column name.
   * @returns the column (shared, not a copy).
   * @throws {@link InvalidArgumentError} naming the unknown column and listing the known ones.
   */
  column(name: string): Float64Array {
    const j = this.#index.get(name);
    if (j === undefined) {
      throw new InvalidArgumentError(`name must be a feature column, got ${JSON.stringify(name)}; columns: ${this.names.join(', ')}`);
    }
    return this.columns[j] as Float64Array;
  }

  /**
   * Rows `[start, end)` as views (no copy), with the matching bars.
   * @param start - the first row (default 0).
   * @param end - one past the last row (default `length`).
   * @returns a frame sharing memory.
   * @throws {@link InvalidArgumentError} for an index that is not an integer >= 0.
   */
  slice(start = 0, end = this.length): FeatureFrame<B> {
    requireInt('start', start, 0);
    requireInt('end', end, 0);
    const e = Math.min(end, this.length);
    const s = Math.min(start, e);
    return new FeatureFrame(
      this.timestamps.subarray(s, e),
      this.names,
      this.columns.map((c) => c.subarray(s, e)),
      (this.bars === undefined ? undefined : this.bars.slice(s, e)) as B,
    );
  }

  /** @returns the frame without its warm-up rows (a view), its bars trimmed alike. */
  dropWarmup(): FeatureFrame<B> {
    return this.slice(this.warmup);
  }

  /**
   * Some columns, in the order given.
   * @param names - column names.
   * @returns a frame of those columns (shared), with the same bars.
   * @throws {@link InvalidArgumentError} for an unknown name.
   */
  select(names: readonly string[]): FeatureFrame<B> {
    return new FeatureFrame(this.timestamps, names, names.map((n) => this.column(n)), this.bars);
  }

  /**
   * A frame over the same rows and bars with other columns, e.g. scaled ones.
   * @param columns - one column per name, each as long as the frame.
   * @returns the new frame.
   * @throws {@link InvalidArgumentError} for a column of the wrong length or count.
   * @internal
   */
  withColumns(columns: readonly Float64Array[]): FeatureFrame<B> {
    return new FeatureFrame(this.timestamps, this.names, columns, this.bars);
  }

  /**
   * Appends columns of another frame over the same rows.
   * @param other - a frame with the same timestamps and no shared names.
   * @returns a frame with both sets of columns, carrying this frame's bars (or else the other's).
   * @throws {@link InvalidArgumentError} if the rows differ or a name repeats.
   */
  concat(other: FeatureFrame): FeatureFrame<B> {
    if (!(other instanceof FeatureFrame) || !sameTimes(other.timestamps, this.timestamps)) {
      fail('other', `a frame over the same ${this.length} rows (the same timestamps)`, other instanceof FeatureFrame ? `${other.length} rows` : other);
    }
    return new FeatureFrame(this.timestamps, [...this.names, ...other.names], [...this.columns, ...other.columns], (this.bars ?? other.bars) as B);
  }
}

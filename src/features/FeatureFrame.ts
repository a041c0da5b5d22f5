import { fail, requireInt } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * Feature columns aligned to bars: `columns[j][t]` is feature `names[j]` at bar `t`, built
 * from bars <= t only. Leading rows where some feature is still warming up are NaN;
 * `warmup` counts them and `dropWarmup()` removes them. Slicing shares memory.
 *
 * @example
 * ```ts
 * import { FeatureFrame } from 'tradegym';
 * const frame = new FeatureFrame(Float64Array.of(0, 1, 2), ['x', 'y'], [Float64Array.of(Number.NaN, 1, 2), Float64Array.of(5, 6, 7)]);
 * console.log(frame.warmup, frame.dropWarmup().length); // 1 2
 * console.log(frame.column('y')[2]); // 7
 * ```
 */
export class FeatureFrame {
  /** Bar-open times (ms UTC), one per row. */
  readonly timestamps: Float64Array;
  /** Column names, in order. */
  readonly names: readonly string[];
  /** One `Float64Array` per name. */
  readonly columns: readonly Float64Array[];
  readonly #index: ReadonlyMap<string, number>;

  /**
   * @param timestamps - one per row.
   * @param names - unique column names.
   * @param columns - one column per name, each as long as `timestamps`.
   * @throws {@link InvalidArgumentError} on duplicate names or a column of the wrong length.
   */
  constructor(timestamps: Float64Array, names: readonly string[], columns: readonly Float64Array[]) {
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
   * Rows `[start, end)` as views (no copy).
   * @param start - the first row (default 0).
   * @param end - one past the last row (default `length`).
   * @returns a frame sharing memory.
   */
  slice(start = 0, end = this.length): FeatureFrame {
    requireInt('start', start, 0);
    requireInt('end', end, 0);
    const e = Math.min(end, this.length);
    const s = Math.min(start, e);
    return new FeatureFrame(
      this.timestamps.subarray(s, e),
      this.names,
      this.columns.map((c) => c.subarray(s, e)),
    );
  }

  /** @returns the frame without its warm-up rows (a view). */
  dropWarmup(): FeatureFrame {
    return this.slice(this.warmup);
  }

  /**
   * Some columns, in the order given.
   * @param names - column names.
   * @returns a frame of those columns (shared).
   * @throws {@link InvalidArgumentError} for an unknown name.
   */
  select(names: readonly string[]): FeatureFrame {
    return new FeatureFrame(this.timestamps, names, names.map((n) => this.column(n)));
  }

  /**
   * Appends columns of another frame over the same rows.
   * @param other - a frame with the same timestamps and no shared names.
   * @returns a frame with both sets of columns.
   * @throws {@link InvalidArgumentError} if the rows differ or a name repeats.
   */
  concat(other: FeatureFrame): FeatureFrame {
    if (other.length !== this.length || other.timestamps[0] !== this.timestamps[0]) {
      fail('other', `a frame over the same ${this.length} rows`, `${other.length} rows`);
    }
    return new FeatureFrame(this.timestamps, [...this.names, ...other.names], [...this.columns, ...other.columns]);
  }
}

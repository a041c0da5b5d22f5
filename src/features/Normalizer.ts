import { fail, requireKnownKeys, requireOneOf, requireRecord, show } from '../core/checks.js';
import { InvalidArgumentError, TradegymError } from '../core/errors.js';
import type { MarketData } from '../market/MarketData.js';
import type { FeatureFrame } from './FeatureFrame.js';

/**
 * A {@link Normalizer} was used before `fit`.
 *
 * @example
 * ```ts
 * import { FeatureFrame, Normalizer, NotFittedError } from 'tradegym';
 * const frame = new FeatureFrame(Float64Array.of(0), ['x'], [Float64Array.of(1)]);
 * try { new Normalizer().transform(frame); } catch (e) { console.log(e instanceof NotFittedError); } // true
 * ```
 */
export class NotFittedError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'NotFittedError';
}

/** How a {@link Normalizer} scales each column. */
export type NormalizeMethod = 'zscore' | 'minmax' | 'robust';

/** Options of {@link Normalizer}. */
export interface NormalizerOptions {
  /**
   * `'zscore'` (default): (x - mean) / std, population std; `'minmax'`: (x - min) / (max - min)
   * into [0, 1]; `'robust'`: (x - median) / IQR, quartiles by linear interpolation (numpy's
   * default). A column with zero spread is centred but not scaled (scale 1), as scikit-learn does.
   */
  readonly method?: NormalizeMethod;
  /** Columns passed through unchanged (e.g. ones already in [-1, 1], like cyclic time). */
  readonly preserve?: readonly string[];
  /**
   * Clip transformed values to `[-clip, clip]` (a finite number > 0), or to `[lo, hi]` (two
   * numbers, lo < hi; an infinite bound leaves that side unclipped). Leave it out for none.
   */
  readonly clip?: number | readonly [number, number];
}

/** The JSON form of a fitted {@link Normalizer}. */
export interface NormalizerJSON {
  /** The method. */
  readonly method: NormalizeMethod;
  /** Preserved columns. */
  readonly preserve: readonly string[];
  /** Clip bounds, or null. */
  readonly clip: readonly [number, number] | null;
  /** Per fitted column: the value subtracted and the divisor. */
  readonly stats: { readonly [column: string]: ColumnStats };
}

/** A fitted column's statistics: `(x - center) / scale`. */
export interface ColumnStats {
  /** The value subtracted (mean, minimum or median). */
  readonly center: number;
  /** The divisor (std, range or IQR; 1 when that is 0). */
  readonly scale: number;
}

/** Per column of a frame or row: the centre and scale (0 for a preserved column), and the clip bounds. */
interface Plan {
  readonly center: Float64Array;
  readonly scale: Float64Array;
  readonly lo: number;
  readonly hi: number;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * Leakage-free scaling of feature columns: `fit` on the training split only, then
 * `transform` every split with the training statistics. NaNs (warm-up rows) are ignored by
 * `fit` and stay NaN. Serialisable with `toJSON()` / `Normalizer.fromJSON()`. `transformRow`
 * scales one live row (from a {@link FeatureStream}) exactly as `transform` scales a frame.
 *
 * @example
 * ```ts
 * import { FeatureFrame, Normalizer } from 'tradegym';
 * const train = new FeatureFrame(Float64Array.of(0, 1, 2), ['x'], [Float64Array.of(1, 2, 3)]);
 * const test = new FeatureFrame(Float64Array.of(3), ['x'], [Float64Array.of(5)]);
 * const norm = new Normalizer({ method: 'minmax' }).fit(train);
 * console.log(norm.transform(test).column('x')[0]); // 2: test data scaled by the training range
 * ```
 */
export class Normalizer {
  /** The method. */
  readonly method: NormalizeMethod;
  /** Columns passed through unchanged. */
  readonly preserve: readonly string[];
  /** Clip bounds, or null. */
  readonly clip: readonly [number, number] | null;
  #stats: Map<string, { center: number; scale: number }> | undefined;
  #planned: { readonly names: readonly string[]; readonly plan: Plan } | undefined;

  /**
   * @param options - method, preserved columns, clipping.
   * @throws {@link InvalidArgumentError} for an unknown option key, a null option, an unknown
   *   method, preserved names that are not strings, or bad clip bounds (e.g. `['-1', '1']`).
   */
  constructor(options: NormalizerOptions = {}) {
    requireKnownKeys('options', options, ['method', 'preserve', 'clip']);
    this.method = requireOneOf('method', options.method ?? 'zscore', ['zscore', 'minmax', 'robust']);
    const preserve = options.preserve ?? [];
    if (!Array.isArray(preserve) || preserve.some((p) => typeof p !== 'string')) fail('preserve', 'an array of column names', preserve);
    this.preserve = Object.freeze(preserve.slice());
    const c = options.clip;
    if (c === undefined) this.clip = null;
    else if (typeof c === 'number') {
      if (!(c > 0) || !Number.isFinite(c)) fail('clip', 'a finite number > 0 or [lo, hi]', c);
      this.clip = [-c, c];
    } else {
      // both bounds numbers (an infinite one clips one side only); NaN fails lo < hi
      const [lo, hi] = Array.isArray(c) ? (c as readonly unknown[]) : [];
      if (c.length !== 2 || typeof lo !== 'number' || typeof hi !== 'number' || !(lo < hi)) {
        fail('clip', 'a finite number > 0 or [lo, hi] with lo < hi (two numbers)', c);
      }
      this.clip = [lo, hi];
    }
  }

  /** Whether `fit` has run. */
  get fitted(): boolean {
    return this.#stats !== undefined;
  }

  /**
   * Learns each non-preserved column's centre and scale from `train`.
   * @param train - the training split only.
   * @returns this normaliser, for chaining.
   * @throws {@link InvalidArgumentError} if a preserved column is missing or a column has no finite value.
   */
  fit(train: FeatureFrame): this {
    for (const p of this.preserve) train.column(p);
    const stats = new Map<string, { center: number; scale: number }>();
    train.names.forEach((name, j) => {
      if (this.preserve.includes(name)) return;
      const col = train.columns[j] as Float64Array;
      const finite = col.filter((v) => Number.isFinite(v));
      if (finite.length === 0) throw new InvalidArgumentError(`column ${JSON.stringify(name)} has no finite value to fit`);
      let center: number;
      let scale: number;
      if (this.method === 'zscore') {
        // compensated (Kahan) sums: a constant column has a standard deviation of exactly 0
        let sum = 0;
        let comp = 0;
        for (const v of finite) {
          const y = v - comp;
          const t = sum + y;
          comp = t - sum - y;
          sum = t;
        }
        center = sum / finite.length;
        let ss = 0;
        for (const v of finite) ss += (v - center) * (v - center);
        scale = Math.sqrt(ss / finite.length);
      } else if (this.method === 'minmax') {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of finite) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        center = lo;
        scale = hi - lo;
      } else {
        const sorted = finite.slice().sort();
        center = quantile(sorted, 0.5);
        scale = quantile(sorted, 0.75) - quantile(sorted, 0.25);
      }
      stats.set(name, { center, scale: scale > 0 ? scale : 1 });
    });
    this.#stats = stats;
    this.#planned = undefined;
    return this;
  }

  /**
   * Scales a frame with the fitted statistics.
   * @param frame - any split with the fitted columns.
   * @returns a new frame (the input is not modified) over the same rows and bars.
   * @throws {@link NotFittedError} before `fit`.
   * @throws {@link InvalidArgumentError} naming a fitted column the frame lacks.
   */
  transform<B extends MarketData | undefined>(frame: FeatureFrame<B>): FeatureFrame<B> {
    const plan = this.#plan(frame.names, 'transform');
    const columns = frame.columns.map((col, j) => {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = this.#scale(plan, j, col[i] as number);
      return out;
    });
    return frame.withColumns(columns);
  }

  /**
   * Scales one row, e.g. a live bar's features from {@link FeatureStream.update}: the same
   * arithmetic as {@link Normalizer.transform}, so the result equals that row of the
   * transformed frame bit for bit.
   * @param row - one value per name.
   * @param names - the row's column names, in order (e.g. `stream.names`).
   * @returns a new row.
   * @throws {@link NotFittedError} before `fit`.
   * @throws {@link InvalidArgumentError} if `row` is not a Float64Array as long as `names`,
   *   or naming a fitted column `names` lacks or a column it was not fitted on.
   * @example
   * ```ts
   * import { FeatureFrame, Normalizer } from 'tradegym';
   * const train = new FeatureFrame(Float64Array.of(0, 1, 2), ['x', 'y'], [Float64Array.of(1, 2, 3), Float64Array.of(0, 5, 10)]);
   * const norm = new Normalizer({ method: 'minmax' }).fit(train);
   * console.log(norm.transformRow(Float64Array.of(2, 10), ['x', 'y'])); // Float64Array [0.5, 1]
   * ```
   */
  transformRow(row: Float64Array, names: readonly string[]): Float64Array {
    if (!Array.isArray(names)) fail('names', 'an array of column names', names);
    if (!(row instanceof Float64Array) || row.length !== names.length) fail('row', `a Float64Array of ${names.length} values (one per name)`, row);
    const plan = this.#plan(names, 'transformRow');
    const out = new Float64Array(row.length);
    for (let j = 0; j < row.length; j++) out[j] = this.#scale(plan, j, row[j] as number);
    return out;
  }

  /** The one scaling of a value: `(v - center) / scale`, clipped; a preserved column's as is. */
  #scale(plan: Plan, j: number, v: number): number {
    const scale = plan.scale[j] as number;
    if (scale === 0) return v;
    const z = (v - (plan.center[j] as number)) / scale;
    return z < plan.lo ? plan.lo : z > plan.hi ? plan.hi : z;
  }

  /**
   * Each named column's centre and scale (scale 0 for a preserved column), after checking that
   * every fitted column is there and no other. Remembered for the last frozen `names` seen
   * (they cannot change), so a stream's rows, all with its frozen `names`, are planned once.
   */
  #plan(names: readonly string[], method: string): Plan {
    const stats = this.#stats;
    if (stats === undefined) throw new NotFittedError(`Normalizer.${method}() called before fit(): fit it on the training split first`);
    if (this.#planned?.names === names) return this.#planned.plan;
    for (const name of stats.keys()) {
      if (!names.includes(name)) throw new InvalidArgumentError(`name must be a feature column, got ${JSON.stringify(name)}; columns: ${names.join(', ')}`);
    }
    const center = new Float64Array(names.length);
    const scale = new Float64Array(names.length);
    names.forEach((name, j) => {
      const s = stats.get(name);
      if (s !== undefined) {
        center[j] = s.center;
        scale[j] = s.scale;
      } else if (!this.preserve.includes(name)) {
        throw new InvalidArgumentError(`${method === 'transform' ? 'frame' : 'names'} has column ${JSON.stringify(name)}, which the normaliser was not fitted on`);
      }
    });
    const [lo, hi] = this.clip ?? [-Infinity, Infinity];
    const plan = { center, scale, lo, hi };
    if (Object.isFrozen(names)) this.#planned = { names, plan };
    return plan;
  }

  /**
   * `fit(train)` then `transform(train)`.
   * @param train - the training split.
   * @returns the scaled training frame.
   * @throws as {@link Normalizer.fit}.
   */
  fitTransform<B extends MarketData | undefined>(train: FeatureFrame<B>): FeatureFrame<B> {
    return this.fit(train).transform(train);
  }

  /**
   * @returns the fitted normaliser as JSON.
   * @throws {@link NotFittedError} before `fit`.
   */
  toJSON(): NormalizerJSON {
    if (this.#stats === undefined) throw new NotFittedError('Normalizer.toJSON() called before fit()');
    return { method: this.method, preserve: this.preserve.slice(), clip: this.clip, stats: Object.fromEntries(this.#stats) };
  }

  /**
   * Rebuilds a fitted normaliser.
   * @param json - from `toJSON()`.
   * @returns a normaliser that transforms exactly as the saved one.
   * @throws {@link InvalidArgumentError} for malformed JSON: an unknown or missing key, a
   *   bad method, preserve list, clip (null or `[lo, hi]`) or statistic.
   */
  static fromJSON(json: NormalizerJSON): Normalizer {
    // every key is written by toJSON: a missing one is malformed JSON, not a default
    requireKnownKeys('json', json, ['method', 'preserve', 'clip', 'stats'], ['clip']);
    for (const k of ['method', 'preserve', 'clip', 'stats'] as const) if (json[k] === undefined) fail(`json.${k}`, 'given', undefined);
    const n = new Normalizer({ method: json.method, preserve: json.preserve, ...(json.clip === null ? {} : { clip: json.clip }) });
    requireRecord('json.stats', json.stats);
    const stats = new Map<string, { center: number; scale: number }>();
    for (const [k, v] of Object.entries(json.stats)) {
      if (!v || !Number.isFinite(v.center) || !(v.scale > 0) || !Number.isFinite(v.scale)) {
        throw new InvalidArgumentError(`json.stats.${k} must be { center: finite, scale: finite > 0 }, got ${show(v)}`);
      }
      stats.set(k, { center: v.center, scale: v.scale });
    }
    n.#stats = stats;
    return n;
  }
}

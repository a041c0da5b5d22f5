import { fail, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { MarketData } from '../market/MarketData.js';
import { INDICATORS, type IndicatorDef } from './catalog.js';
import { FeatureFrame } from './FeatureFrame.js';
import { FeatureStream, type FeatureStreamOptions } from './FeatureStream.js';
import { emptyBar, readBar } from '../market/OhlcvBar.js';

/**
 * One feature to compute: an indicator `name` from the catalog, its parameters (any
 * omitted take the catalog default) and optionally `as`, the base of its column names.
 * A bare string is the indicator with its defaults.
 */
export type FeatureSpec = string | FeatureSpecObject;

/** A feature spec with parameters: `{ name: 'rsi', period: 7 }`. */
export interface FeatureSpecObject {
  /** The indicator's name in the catalog. */
  readonly name: string;
  /** The base of the output column names (default: the name and parameter values). */
  readonly as?: string;
  /** The indicator's parameters. */
  readonly [param: string]: number | string | undefined;
}

/** One catalog entry, as {@link FeaturePipeline.catalog} reports it. */
export interface IndicatorInfo {
  /** What the indicator measures. */
  readonly description: string;
  /** Its parameters with their defaults. */
  readonly params: Readonly<Record<string, number>>;
  /** Its output suffixes (`''` for the main column). */
  readonly outputs: readonly string[];
}

/** What {@link FeaturePipeline.computeTimed} returns. */
export interface TimedFeatures {
  /** The features, carrying their bars. */
  readonly frame: FeatureFrame<MarketData>;
  /** Milliseconds per spec, keyed by the spec's first column name. */
  readonly millis: Readonly<Record<string, number>>;
}

interface Resolved {
  readonly def: IndicatorDef;
  readonly params: Readonly<Record<string, number>>;
  readonly columns: readonly string[];
}


/** Every parameter name and output column of the default spec of each indicator. @internal */
function resolve(spec: FeatureSpec, at: string): Resolved {
  const s = typeof spec === 'string' ? { name: spec } : spec;
  if (s === null || typeof s !== 'object') fail(at, 'an indicator name or { name, ...params }', spec);
  const def = INDICATORS[s.name];
  if (def === undefined || !Object.prototype.hasOwnProperty.call(INDICATORS, s.name)) {
    throw new InvalidArgumentError(`${at}.name must be one of ${Object.keys(INDICATORS).join(', ')}, got ${show(s.name)}`);
  }
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'name' || k === 'as') continue;
    const p = def.params[k];
    if (p === undefined) {
      const known = Object.keys(def.params);
      throw new InvalidArgumentError(
        `${at}.${k} is not a parameter of ${s.name} (${known.length ? `known: ${known.join(', ')}` : 'it takes none'}), got ${show(v)}`,
      );
    }
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= p.min && (!p.integer || Number.isInteger(v));
    if (!ok) fail(`${at}.${k}`, `${p.integer ? 'an integer' : 'a number'} >= ${p.min}`, v);
    params[k] = v as number;
  }
  for (const [k, p] of Object.entries(def.params)) if (!(k in params)) params[k] = p.default;
  if (s.name === 'macd' && (params.fast as number) >= (params.slow as number)) {
    fail(`${at}.fast`, `< slow (${params.slow})`, params.fast);
  }
  if (s.as !== undefined && (typeof s.as !== 'string' || s.as.length === 0)) fail(`${at}.as`, 'a non-empty string', s.as);
  const base = s.as ?? [s.name, ...Object.keys(def.params).map((k) => String(params[k]))].join('_');
  return { def, params, columns: def.outputs.map((o) => (o === '' ? base : `${base}_${o}`)) };
}

/**
 * Folds one indicator's running state over every bar of `data`: this is the batch
 * computation, and {@link FeatureStream.update} is one step of it.
 */
function fold(r: Resolved, data: MarketData): Float64Array[] {
  const step = r.def.create(r.params);
  const n = data.length;
  const columns = r.columns.map(() => new Float64Array(n));
  const row = new Float64Array(columns.length);
  const bar = emptyBar();
  for (let i = 0; i < n; i++) {
    step(readBar(bar, data, i), row, 0);
    for (let j = 0; j < columns.length; j++) (columns[j] as Float64Array)[i] = row[j] as number;
  }
  return columns;
}

/**
 * Turns bars into aligned feature columns from named specs, as a research pipeline needs:
 * each feature at bar t is computed from bars <= t only (no look-ahead; a property test
 * holds every indicator to it), warm-up rows are NaN and reported by the frame, and columns
 * are named from the indicator and its parameters (`rsi_14`, `macd_12_26_9_signal`, ...)
 * unless `as` renames them. {@link FeaturePipeline.catalog} lists the indicators.
 * `stream()` computes the same features one bar at a time, for live trading.
 *
 * @example
 * ```ts
 * import { FeaturePipeline, MarketData } from 'tradegym';
 * const n = 200;
 * const close = Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 10));
 * const data = new MarketData({
 *   timeframe: '1h', timestamps: close.map((_, i) => i * 3_600_000),
 *   open: close, high: close.map((c) => c + 1), low: close.map((c) => c - 1), close, volume: close.map(() => 10),
 * });
 * const pipeline = new FeaturePipeline(['rsi', { name: 'macd', fast: 8, slow: 21, signal: 5 }, { name: 'bbands', as: 'bb' }]);
 * const frame = pipeline.compute(data);
 * console.log(frame.names); // ['rsi_14', 'macd_8_21_5', 'macd_8_21_5_signal', 'macd_8_21_5_hist', 'bb_upper', ...]
 * console.log(frame.dropWarmup().length < n); // true
 * ```
 */
export class FeaturePipeline {
  /** The output column names, in order. */
  readonly names: readonly string[];
  /**
   * The leading rows in which some feature is NaN while its indicator warms up: what
   * {@link FeatureFrame.warmup} reports, and `dropWarmup()` drops, on more bars than this
   * (unless the bars leave an indicator undefined later, e.g. a %b over a window of one
   * repeated close). A live runner feeds at least this many bars before it trades.
   */
  readonly warmup: number;
  readonly #resolved: readonly Resolved[];

  /**
   * @param specs - the features, at least one.
   * @throws {@link InvalidArgumentError} for an unknown indicator or parameter, a parameter
   *   out of range, or two features producing the same column name.
   */
  constructor(specs: readonly FeatureSpec[]) {
    if (!Array.isArray(specs) || specs.length === 0) fail('specs', 'a non-empty array of feature specs', specs);
    this.#resolved = specs.map((s, i) => resolve(s, `specs[${i}]`));
    const names = this.#resolved.flatMap((r) => r.columns);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new InvalidArgumentError(`specs produce the column ${JSON.stringify(n)} twice; give one of them another 'as'`);
      seen.add(n);
    }
    this.names = Object.freeze(names);
    this.warmup = Math.max(...this.#resolved.map((r) => r.def.warmup(r.params)));
  }

  /**
   * Every indicator's description, parameters (with defaults) and outputs.
   * @returns the catalog, by indicator name.
   */
  static catalog(): Record<string, IndicatorInfo> {
    const out: Record<string, IndicatorInfo> = {};
    for (const [name, def] of Object.entries(INDICATORS)) {
      out[name] = {
        description: def.description,
        params: Object.fromEntries(Object.entries(def.params).map(([k, p]) => [k, p.default])),
        outputs: def.outputs,
      };
    }
    return out;
  }

  /**
   * A pipeline of every indicator in the catalog with its defaults (more than 40 columns).
   * @returns the pipeline.
   */
  static all(): FeaturePipeline {
    return new FeaturePipeline(Object.keys(INDICATORS));
  }

  /**
   * Computes every feature over `data`.
   * @param data - the bars.
   * @returns a frame aligned to `data`'s bars and carrying them (`frame.bars === data`), so
   *   that trimming or splitting the frame trims or splits the bars with it.
   * @throws {@link InvalidArgumentError} if `data` is not a MarketData.
   */
  compute(data: MarketData): FeatureFrame<MarketData> {
    if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
    const columns = this.#resolved.flatMap((r) => fold(r, data));
    return new FeatureFrame(data.timestamps, this.names, columns, data);
  }

  /**
   * The same features one bar at a time: a {@link FeatureStream} whose `update(bar)` returns
   * the row that `compute` gives that bar, bit for bit, in O(1) per indicator.
   * @param options - the bars' timeframe.
   * @returns a fresh stream, before its first bar.
   * @throws {@link InvalidArgumentError} for an unknown option or a bad timeframe.
   * @example
   * ```ts
   * import { FeaturePipeline } from 'tradegym';
   * const stream = new FeaturePipeline([{ name: 'sma', period: 2 }, 'hlRange']).stream({ timeframe: '1h' });
   * stream.update({ timestamp: 0, open: 10, high: 11, low: 9, close: 10, volume: 1 });
   * console.log(stream.update({ timestamp: 3_600_000, open: 10, high: 13, low: 10, close: 12, volume: 2 })); // Float64Array [11, 0.25]: SMA(2) of 10 and 12; (13 - 10) / 12
   * ```
   */
  stream(options: FeatureStreamOptions): FeatureStream {
    let at = 0;
    const steps = this.#resolved.map((r) => {
      const placed = { step: r.def.create(r.params), at };
      at += r.columns.length;
      return placed;
    });
    return new FeatureStream(this.names, this.warmup, steps, options);
  }

  /**
   * Computes the features one indicator at a time and times each (for benchmarks).
   * @param data - the bars.
   * @returns the frame and each spec's milliseconds, keyed by its first column name.
   * @throws {@link InvalidArgumentError} if `data` is not a MarketData.
   */
  computeTimed(data: MarketData): TimedFeatures {
    if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
    const millis: Record<string, number> = {};
    const columns: Float64Array[] = [];
    for (const r of this.#resolved) {
      const t0 = performance.now();
      columns.push(...fold(r, data));
      millis[r.columns[0] as string] = performance.now() - t0;
    }
    return { frame: new FeatureFrame(data.timestamps, this.names, columns, data), millis };
  }
}

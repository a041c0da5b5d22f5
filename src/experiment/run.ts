// Runs an experiment config: bars → features (normalised on the training split) → trading envs
// → agent → training (JSONL and TensorBoard logs, checkpoints, evaluations) → backtest of the
// held-out split → metrics and report, all in one run folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { A2C } from '../agents/a2c/A2C.js';
import { CheckpointCallback, Every, TrainingLogger } from '../agents/common/callbacks.js';
import { TensorBoardLogger } from '../agents/common/tensorboard.js';
import type { CallbackContext, LogRecord, TrainingCallback } from '../agents/common/types.js';
import { DQN } from '../agents/dqn/DQN.js';
import { PPO } from '../agents/ppo/PPO.js';
import { QRDQN } from '../agents/qrdqn/QRDQN.js';
import { RecurrentPPO } from '../agents/recurrent-ppo/RecurrentPPO.js';
import { SAC } from '../agents/sac/SAC.js';
import { backtest, type BacktestResult } from '../backtest/backtest.js';
import { InvalidArgumentError, TradegymError } from '../core/errors.js';
import { TradingEnv } from '../envs/trading/TradingEnv.js';
import type { FeatureFrame } from '../features/FeatureFrame.js';
import { FeaturePipeline, type FeatureSpec } from '../features/FeaturePipeline.js';
import { Normalizer } from '../features/Normalizer.js';
import { readCsvStream, writeCsv, type ReadCsvOptions } from '../market/csv.js';
import type { MarketData } from '../market/MarketData.js';
import { splitByFraction, walkForward, type WalkForwardFold } from '../market/splits.js';
import { parseIsoUtc } from '../market/timeframe.js';
import { RegimeGenerator } from '../synthetic/RegimeGenerator.js';
import { makeVecEnv } from '../vector/makeVecEnv.js';
import { VERSION } from '../version.js';
import { parseExperimentConfig, type Algorithm, type DataConfig, type EvalMetric, type ExperimentConfig, type WalkForwardConfig } from './config.js';
import { ConfigError } from './schema.js';

/** The features a config gets when it names none. */
export const DEFAULT_FEATURES: readonly FeatureSpec[] = Object.freeze(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'macd', 'bbands']);

/** An agent any config can build. */
export type ExperimentAgent = PPO | A2C | DQN | QRDQN | SAC | RecurrentPPO;

const CLASSES = { PPO, A2C, DQN, QRDQN, SAC, RecurrentPPO } as const;

/**
 * Runs `fn`, turning an `InvalidArgumentError` it throws about `options.x` (or `specs[i]`) into a
 * {@link ConfigError} at `section.x`: a value the schema let through but the class it configures
 * refused is reported at its place in the file.
 */
function inSection<T>(section: string, from: string, fn: () => T, source?: string): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    // "options.x must be ...", "specs[2].period must be ..." or a bare "nSteps must be ..."
    const m = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*) (must .*)$/s.exec(e.message);
    if (m === null) throw new ConfigError(section, e.message, source);
    const name = m[1] as string;
    const rest = name === from ? '' : name.startsWith(`${from}.`) || name.startsWith(`${from}[`) ? name.slice(from.length) : `.${name}`;
    throw new ConfigError(`${section}${rest}`, m[2] as string, source);
  }
}

/** The config with its file paths (a CSV, a ccxt cache) made absolute against `baseDir`. @internal */
export function withAbsolutePaths(c: ExperimentConfig, baseDir: string): ExperimentConfig {
  return { ...c, data: 'csv' in c.data ? { csv: { ...c.data.csv, path: fromConfig(baseDir, c.data.csv.path) } } : 'ccxt' in c.data ? { ccxt: { ...c.data.ccxt, cache: fromConfig(baseDir, c.data.ccxt.cache) } } : c.data };
}

/** Resolves `path` against the config file's folder. */
function fromConfig(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * Loads the bars a config's `data` names: generated from a preset and seed, read from a CSV,
 * or read from the ccxt cache (downloaded into it first when the cache does not exist yet).
 * @param data - the config's data section.
 * @param baseDir - the folder relative paths start from (the config file's).
 * @returns the bars.
 * @throws {@link ConfigError} for values the generator, the reader or the downloader refuse;
 *   their own errors for an unreadable file or a failed download.
 * @example
 * ```ts
 * import { loadExperimentData } from 'tradegym/experiment';
 * const bars = await loadExperimentData({ synthetic: { preset: 'crypto-15m', numSamples: 500, seed: 1 } }, '.');
 * console.log(bars.length); // 500
 * ```
 */
export async function loadExperimentData(data: DataConfig, baseDir: string): Promise<MarketData> {
  return (await loadBars(data, baseDir)).bars;
}

/** Parses a file's bytes, checked against the config's `sha256` when it gives one; returns the bars and the bytes' SHA-256. */
async function readChecked(file: string, options: ReadCsvOptions, expected: string | undefined, at: string): Promise<{ bars: MarketData; sha256: string }> {
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (expected !== undefined && expected.toLowerCase() !== sha256) throw new ConfigError(at, `the file's SHA-256 is ${sha256}, not ${expected}: ${file} is not the file this config was run on`);
  // the bars come from the very bytes hashed
  return { bars: await readCsvStream((async function* () { yield bytes; })(), options), sha256 };
}

/** The config's bars and, for a file, the SHA-256 of its bytes. */
async function loadBars(data: DataConfig, baseDir: string): Promise<{ bars: MarketData; sha256?: string }> {
  if ('synthetic' in data) {
    const s = data.synthetic;
    return {
      bars: inSection('data.synthetic', 'options', () => RegimeGenerator.preset(s.preset).generate({
        numSamples: s.numSamples,
        seed: s.seed ?? 0,
        ...(s.startTime === undefined ? {} : { startTime: parseIsoUtc(s.startTime) }),
        ...(s.symbol === undefined ? {} : { symbol: s.symbol }),
      }).data),
    };
  }
  if ('csv' in data) {
    const { path, sha256, ...options } = data.csv;
    const file = fromConfig(baseDir, path);
    if (!existsSync(file)) throw new ConfigError('data.csv.path', `no such file: ${file}`);
    return readChecked(file, options as ReadCsvOptions, sha256, 'data.csv.sha256');
  }
  const c = data.ccxt;
  const cache = fromConfig(baseDir, c.cache);
  if (!existsSync(cache)) await downloadInto(c, cache);
  return readChecked(cache, { symbol: c.symbol, timeframe: c.timeframe }, c.sha256, 'data.ccxt.sha256');
}

/** The config with its data file's SHA-256 recorded (`data.csv.sha256`, `data.ccxt.sha256`), so rerunning it refuses other bytes. @internal */
export function withDataHash(c: ExperimentConfig, sha256: string | undefined): ExperimentConfig {
  if (sha256 === undefined) return c;
  return { ...c, data: 'csv' in c.data ? { csv: { ...c.data.csv, sha256 } } : 'ccxt' in c.data ? { ccxt: { ...c.data.ccxt, sha256 } } : c.data };
}

/** Downloads the ccxt config's bars and writes them to `cache` (atomically). */
async function downloadInto(c: Extract<DataConfig, { ccxt: unknown }>['ccxt'], cache: string): Promise<void> {
  const [{ downloadOHLCV }, ccxtModule] = await Promise.all([import('../ccxt/downloadOHLCV.js'), import('ccxt').catch(() => {
    throw new TradegymError('data.ccxt needs the ccxt package: npm install ccxt');
  })]);
  const ccxt = (ccxtModule as { default?: Record<string, unknown> }).default ?? (ccxtModule as Record<string, unknown>);
  const Exchange = ccxt[c.exchange] as (new (options: Record<string, unknown>) => unknown) | undefined;
  if (typeof Exchange !== 'function') throw new ConfigError('data.ccxt.exchange', `not an exchange ccxt knows, got ${JSON.stringify(c.exchange)}`);
  const exchange = new Exchange({ enableRateLimit: true, ...(c.exchangeOptions ?? {}) });
  const { data } = await downloadOHLCV(exchange as Parameters<typeof downloadOHLCV>[0], {
    symbol: c.symbol,
    timeframe: c.timeframe,
    since: c.since,
    ...(c.until === undefined ? {} : { until: c.until }),
  });
  mkdirSync(dirname(cache), { recursive: true });
  await writeCsv(data, `${cache}.partial`);
  renameSync(`${cache}.partial`, cache);
}

/** The features of each split, in time order. */
export interface ExperimentSplits {
  /** The training split. */
  readonly train: FeatureFrame<MarketData>;
  /** The validation split, if the config has one. */
  readonly validation?: FeatureFrame<MarketData>;
  /** The held-out test split. */
  readonly test: FeatureFrame<MarketData>;
}

/** What a config builds before training: the features, split and normalised, and envs over them. */
export interface ExperimentSetup {
  /** The config, checked. */
  readonly config: ExperimentConfig;
  /** All the bars. */
  readonly data: MarketData;
  /** The features (warm-up rows dropped), on every bar after the warm-up. */
  readonly frame: FeatureFrame<MarketData>;
  /** The chronological splits of `frame` (the config's fold, with `walkForward`). */
  readonly split: ExperimentSplits;
  /** The SHA-256 of the data file's bytes (a CSV, a ccxt cache), which the bars were parsed from. */
  readonly dataSha256?: string;
  /** With `walkForward`: every fold, as bar ranges of `frame` (training includes the validation bars). */
  readonly folds?: readonly WalkForwardFold[];
  /** The normaliser, fitted on the training split (undefined with `normalize: false`). */
  readonly normalizer: Normalizer | undefined;
  /**
   * A trading env over a split: for training (with the config's episode length and random
   * starts) or for a backtest (one pass over all its bars).
   */
  envFor(frame: FeatureFrame<MarketData>, use: 'train' | 'evaluate'): TradingEnv;
  /** A new agent for the training split, with the config's algorithm, options and seed. */
  createAgent(): ExperimentAgent;
  /** Loads an agent saved by a run of this config. */
  loadAgent(dir: string): Promise<ExperimentAgent>;
}

function foldsOf(wf: WalkForwardConfig, bars: number, source: string | undefined): WalkForwardFold[] {
  const sizes: Record<string, unknown> = { ...wf };
  delete sizes.validationSize;
  try {
    return walkForward(bars, sizes as Omit<WalkForwardConfig, 'validationSize'>);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new ConfigError('walkForward', `${e.message} (the bars after the features' warm-up)`, source);
    throw e;
  }
}

/** The bars and their features (warm-up rows dropped). */
async function featuresOf(c: ExperimentConfig, baseDir: string | undefined, source: string | undefined): Promise<{ data: MarketData; frame: FeatureFrame<MarketData>; sha256?: string }> {
  const { bars: data, sha256 } = await loadBars(c.data, baseDir ?? process.cwd());
  const pipeline = inSection('features.pipeline', 'specs', () => new FeaturePipeline([...(c.features?.pipeline ?? DEFAULT_FEATURES)]), source);
  const all = pipeline.compute(data);
  if (all.warmup >= data.length) throw new ConfigError('features.pipeline', `needs more bars than the data has: the features' warm-up takes ${all.warmup === all.length ? 'every one' : all.warmup} of its ${data.length} bars, leaving none to train or test on`, source);
  return { data, frame: all.dropWarmup(), ...(sha256 === undefined ? {} : { sha256 }) };
}

/**
 * The walk-forward folds a config's `walkForward` section makes on its data: bar ranges of
 * the features after their warm-up (what `setupExperiment(...).frame` holds).
 * @param config - a config with `walkForward` (its `fold`, if any, is ignored).
 * @param options - `baseDir` for relative paths (default the working directory), `source` for messages.
 * @returns the folds, in time order.
 * @throws {@link ConfigError} when the config has no `walkForward` or no fold fits the data.
 * @example
 * ```ts
 * import { experimentFolds } from 'tradegym/experiment';
 * const folds = await experimentFolds({
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 3000 } },
 *   walkForward: { trainSize: 1500, testSize: 500 },
 *   agent: { algo: 'PPO' },
 *   train: { totalTimesteps: 256 },
 * });
 * console.log(folds.length, folds[0]?.test); // 2 [1500, 2000] (the default features leave about 2950 bars)
 * ```
 */
export async function experimentFolds(config: ExperimentConfig, options: { readonly baseDir?: string; readonly source?: string } = {}): Promise<WalkForwardFold[]> {
  const c = parseExperimentConfig(config, options.source);
  if (c.walkForward === undefined) throw new ConfigError('walkForward', 'is missing: the config has no folds', options.source);
  const { frame } = await featuresOf(c, options.baseDir, options.source);
  return foldsOf(c.walkForward, frame.length, options.source);
}

/** The config's split of the features: by fraction, or its walk-forward fold. */
function splitsOf(c: ExperimentConfig, frame: FeatureFrame<MarketData>, source: string | undefined): { split: ExperimentSplits; folds?: readonly WalkForwardFold[] } {
  const wf = c.walkForward;
  if (wf === undefined) {
    const parts = inSection('split', 'fractions', () => splitByFraction(frame, c.split ?? { train: 0.7 }), source);
    return { split: { train: parts.train, ...(parts.validation === undefined || parts.validation.length === 0 ? {} : { validation: parts.validation }), test: parts.test } };
  }
  const validationSize = wf.validationSize ?? 0;
  const folds = foldsOf(wf, frame.length, source);
  if (c.fold === undefined) throw new ConfigError('fold', `is required with walkForward: a run trains one of its ${folds.length} folds (set fold to pick one; runFolds, or tradegym train, trains them all)`, source);
  const fold = folds[c.fold];
  if (fold === undefined) throw new ConfigError('fold', `must be less than ${folds.length} (the folds that fit ${frame.length} bars), got ${c.fold}`, source);
  const [a, b] = fold.train;
  const split = { train: frame.slice(a, b - validationSize), ...(validationSize === 0 ? {} : { validation: frame.slice(b - validationSize, b) }), test: frame.slice(fold.test[0], fold.test[1]) };
  return { split, folds };
}

/**
 * Builds what a config describes, short of training: loads the bars, computes the features,
 * splits them in time (features at bar t use bars up to t only), fits the normaliser on the
 * training split, and returns env and agent factories.
 * @param config - the config (checked again here).
 * @param options - `baseDir` for relative paths (default the working directory), `source` for messages.
 * @returns the setup.
 * @throws {@link ConfigError} naming the key path of a value the classes refuse.
 * @example
 * ```ts
 * import { setupExperiment } from 'tradegym/experiment';
 * const setup = await setupExperiment({
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 3000 } },
 *   agent: { algo: 'PPO', options: { nSteps: 128, batchSize: 64 } },
 *   train: { totalTimesteps: 256 },
 * });
 * console.log(setup.split.train.length > setup.split.test.length); // true
 * ```
 */
export async function setupExperiment(config: ExperimentConfig, options: { readonly baseDir?: string; readonly source?: string } = {}): Promise<ExperimentSetup> {
  const source = options.source;
  const c = parseExperimentConfig(config, source);
  const { data, frame, sha256 } = await featuresOf(c, options.baseDir, source);
  const { split, folds } = splitsOf(c, frame, source);
  const normalize = c.features?.normalize ?? { method: 'robust' as const, clip: 5 };
  const normalizer = normalize === false ? undefined : inSection('features.normalize', 'options', () => new Normalizer(normalize).fit(split.train), source);
  const env = c.env ?? {};
  const envFor = (f: FeatureFrame<MarketData>, use: 'train' | 'evaluate'): TradingEnv => {
    const { episodeLength, randomStart, ...rest } = env;
    const training = use === 'train' ? { ...(episodeLength === undefined ? {} : { episodeLength }), ...(randomStart === undefined ? {} : { randomStart }) } : {};
    return inSection('env', 'options', () => new TradingEnv({ features: normalizer === undefined ? f : normalizer.transform(f), ...rest, ...training }), source);
  };
  const algo: Algorithm = c.agent.algo;
  const seed = c.seed ?? 0;
  const trainEnv = () => {
    const nEnvs = c.agent.nEnvs ?? 1;
    return nEnvs === 1 ? envFor(split.train, 'train') : makeVecEnv(() => envFor(split.train, 'train'), { nEnvs, seed });
  };
  const agentOptions = { ...(c.agent.options ?? {}), seed };
  return {
    config: c,
    data,
    frame,
    split,
    ...(folds === undefined ? {} : { folds }),
    ...(sha256 === undefined ? {} : { dataSha256: sha256 }),
    normalizer,
    envFor,
    createAgent: () => inSection('agent.options', 'options', () => new (CLASSES[algo] as unknown as new (env: unknown, o: unknown) => ExperimentAgent)(trainEnv(), agentOptions), source),
    loadAgent: (dir) => (CLASSES[algo] as unknown as { load(dir: string, env: unknown, o: unknown): Promise<ExperimentAgent> }).load(dir, trainEnv(), { seed }),
  };
}

/** A metric of a backtest, by its config name. @internal */
export function metricOf(result: BacktestResult, metric: EvalMetric): number {
  const m = result.metrics;
  switch (metric) {
    case 'sharpe':
      return m.sharpeRatio;
    case 'sortino':
      return m.sortinoRatio;
    case 'calmar':
      return m.calmarRatio;
    case 'return':
      return m.totalReturn;
    case 'cagr':
      return m.cagr;
    case 'maxDrawdown':
      return m.maxDrawdown;
  }
}

/** The headline figures of a backtest, as `metrics.json` keeps them. */
export interface SplitMetrics {
  /** Equity points: one per decision, the first at the end of the first observation window. */
  readonly bars: number;
  /** Total return over the split (0.1 = 10%). */
  readonly totalReturn: number;
  /** Compound annual growth rate. */
  readonly cagr: number;
  /** Annualised Sharpe ratio (empyrical's). */
  readonly sharpe: number;
  /** Annualised Sortino ratio. */
  readonly sortino: number;
  /** Calmar ratio. */
  readonly calmar: number;
  /** Maximum drawdown (negative). */
  readonly maxDrawdown: number;
  /** Annualised volatility of the returns. */
  readonly annualVolatility: number;
  /** Closed round trips. */
  readonly trades: number;
  /** The fraction of trades with a profit (NaN without trades). */
  readonly winRate: number;
  /** Fees paid. */
  readonly fees: number;
  /** Equity at the last bar. */
  readonly finalEquity: number;
  /** Buy-and-hold's total return over the same bars, without costs. */
  readonly buyAndHoldReturn: number;
}

/**
 * The headline figures of a backtest, as a run's `metrics.json` keeps them per split.
 * @param result - a backtest.
 * @returns its figures (NaN where a figure is undefined: the win rate without trades).
 * @example
 * ```ts
 * import { backtest, RegimeGenerator } from 'tradegym';
 * import { splitMetrics } from 'tradegym/experiment';
 * const { data } = RegimeGenerator.preset('equity-daily').generate({ numSamples: 300, seed: 1 });
 * const m = splitMetrics(backtest({ data, strategy: new Float64Array(data.length).fill(1) }));
 * console.log(m.trades, m.totalReturn === m.buyAndHoldReturn); // 0 false (fills at the next open)
 * ```
 */
export function splitMetrics(result: BacktestResult): SplitMetrics {
  const m = result.metrics;
  const wins = result.trades.filter((t) => t.pnl > 0).length;
  return {
    bars: result.equity.length,
    totalReturn: m.totalReturn,
    cagr: m.cagr,
    sharpe: m.sharpeRatio,
    sortino: m.sortinoRatio,
    calmar: m.calmarRatio,
    maxDrawdown: m.maxDrawdown,
    annualVolatility: m.annualVolatility,
    trades: result.trades.length,
    winRate: result.trades.length === 0 ? Number.NaN : wins / result.trades.length,
    fees: result.fees,
    finalEquity: result.equity[result.equity.length - 1] as number,
    buyAndHoldReturn: result.benchmark.metrics.totalReturn,
  };
}

/** One evaluation during training. */
export interface EvaluationPoint {
  /** Steps trained when it ran. */
  readonly step: number;
  /** The metric's value on the evaluation split. */
  readonly value: number;
  /** The metric. */
  readonly metric: EvalMetric;
  /** The split it ran on. */
  readonly split: 'validation' | 'test';
}

/**
 * A training callback that backtests the agent on the evaluation split every `every` steps
 * (the validation split, else the test split) and hands the metric to `onEvaluation`, which may
 * return false to stop training (a pruned trial).
 */
class PeriodicEvaluation implements TrainingCallback {
  readonly #every: Every;
  constructor(
    every: number,
    readonly evaluate: (step: number) => Promise<boolean | void> | boolean | void,
  ) {
    this.#every = new Every(every);
  }
  async onRolloutEnd(ctx: CallbackContext): Promise<boolean | void> {
    const steps = ctx.agent.numTimesteps;
    return this.#every.due(steps) ? this.evaluate(steps) : undefined;
  }
}

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** The folder runs go under (default `'runs'`): the run gets `<outDir>/<name>_<k>`, the first free k. */
  readonly outDir?: string;
  /** The run's exact folder instead (must not exist, or be empty). */
  readonly runDir?: string;
  /** The folder the config's relative paths start from (default the working directory). */
  readonly baseDir?: string;
  /** The config file's name, for messages and the default run name. */
  readonly source?: string;
  /** Show a progress bar on stderr (default false). */
  readonly progressBar?: boolean;
  /** Called with every training log record. */
  readonly onLog?: (record: LogRecord) => void;
  /** Called after every evaluation; return false to stop training (a tuning trial that is pruned). */
  readonly onEvaluation?: (point: EvaluationPoint) => boolean | void | Promise<boolean | void>;
  /** Write TensorBoard event files under `<run>/tb` (default true). */
  readonly tensorboard?: boolean;
  /** Write `report.html` (default true; needs the vega and vega-lite packages). */
  readonly report?: boolean;
}

/** What {@link runExperiment} returns. */
export interface ExperimentResult {
  /** The run folder. */
  readonly dir: string;
  /** The figures written to `metrics.json`. */
  readonly metrics: ExperimentMetrics;
  /** Things the run could not do (a report without vega), in words. */
  readonly warnings: readonly string[];
}

/** The final evaluation: a tuning trial's value. */
export interface ObjectiveValue {
  /** The metric. */
  readonly metric: EvalMetric;
  /** The split it was measured on. */
  readonly split: 'validation' | 'test';
  /** Its value. */
  readonly value: number;
}

/** `metrics.json`: the run's figures. */
export interface ExperimentMetrics {
  /** The algorithm. */
  readonly algo: Algorithm;
  /** The training seed. */
  readonly seed: number;
  /** Steps trained. */
  readonly timesteps: number;
  /** Training wall time in seconds (the only figure that differs between reruns). */
  readonly trainSeconds: number;
  /** The evaluations during training. */
  readonly evaluations: readonly EvaluationPoint[];
  /** The final metric on the evaluation split (validation, else test): a tuning trial's value. */
  readonly objective: ObjectiveValue;
  /** The backtest of the validation split, if there is one. */
  readonly validation?: SplitMetrics;
  /** The backtest of the held-out test split. */
  readonly test: SplitMetrics;
}

/** Writes `text` to `file` through a temporary file and a rename: a killed process leaves the old file or the new one, never half of one. @internal */
export function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** JSON with NaN and ±Infinity as their names (JSON has no number for them). @internal */
export function toJSONText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/** The first free `<outDir>/<name>_<k>`, created. @internal */
export function newRunDir(outDir: string, name: string): string {
  mkdirSync(outDir, { recursive: true });
  const taken = new Set(readdirSync(outDir));
  for (let k = 1; ; k++) {
    const dir = join(outDir, `${name}_${k}`);
    if (taken.has(`${name}_${k}`)) continue;
    try {
      mkdirSync(dir); // fails if another run took it meanwhile
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The installed version of `name` seen from the working directory, or null. */
function installedVersion(name: string): string | null {
  const require = createRequire(join(process.cwd(), 'noop.js'));
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = require(file) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      }
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  } catch {
    return null;
  }
}

/**
 * The versions a run depends on, for `versions.json`: tradegym, Node.js, the platform, tfjs
 * and its backend, and the optional packages installed.
 * @returns the versions.
 * @example
 * ```ts
 * import { runtimeVersions } from 'tradegym/experiment';
 * console.log(typeof runtimeVersions().tradegym); // 'string'
 * ```
 */
export function runtimeVersions(): Record<string, unknown> {
  return {
    tradegym: VERSION,
    node: process.versions.node,
    platform: platform(),
    arch: arch(),
    cpu: cpus()[0]?.model ?? null,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    packages: Object.fromEntries(['@tensorflow/tfjs-backend-wasm', 'ccxt', 'vega', 'vega-lite', 'yaml', 'seedrandom'].map((n) => [n, installedVersion(n)])),
  };
}

/**
 * Runs an experiment: builds it ({@link setupExperiment}), trains the agent with JSONL and
 * TensorBoard logs and checkpoints, evaluates it during training on the validation split (or
 * the test split), backtests the held-out test split through the env's ledger, and writes the
 * run folder:
 *
 * - `config.json`: the config as run (paths resolved): `tradegym train <run>/config.json`
 *   reproduces the run bit for bit (every random draw comes from the seeds);
 * - `versions.json`: tradegym, Node.js, tfjs and the packages it ran with;
 * - `progress.jsonl` (SB3's log keys), `tb/` (TensorBoard event files), `evaluations.jsonl`;
 * - `checkpoints/` (with `train.checkpointEvery`) and `model/` (the final agent);
 * - `metrics.json` (written last: a run without it did not finish) and `report.html`.
 *
 * @param config - the config.
 * @param options - see {@link RunExperimentOptions}.
 * @returns the run folder, the metrics and any warnings.
 * @throws {@link ConfigError} naming the key path of a bad value; `InvalidArgumentError` (from `tradegym`) for bad options.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { runExperiment } from 'tradegym/experiment';
 * const outDir = join(mkdtempSync(join(tmpdir(), 'runs-')), 'runs');
 * const run = await runExperiment({
 *   name: 'smoke',
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 3000, seed: 1 } },
 *   agent: { algo: 'PPO', options: { nSteps: 128, batchSize: 64, nEpochs: 2 } },
 *   train: { totalTimesteps: 256 },
 * }, { outDir, report: false });
 * console.log(run.dir.endsWith('smoke_1'), run.metrics.timesteps); // true 256
 * ```
 */
export async function runExperiment(config: ExperimentConfig, options: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const known = ['outDir', 'runDir', 'baseDir', 'source', 'progressBar', 'onLog', 'onEvaluation', 'tensorboard', 'report'];
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new InvalidArgumentError(`options.${k} is not an option of runExperiment (the options: ${known.join(', ')})`);
  const source = options.source;
  const baseDir = options.baseDir ?? process.cwd();
  const setup = await setupExperiment(config, { baseDir, ...(source === undefined ? {} : { source }) });
  const c = setup.config;
  // the config as run: data paths absolute, so the run folder's copy reruns from anywhere
  const asRun = withDataHash(withAbsolutePaths(c, baseDir), setup.dataSha256);
  const name = c.name ?? (source === undefined ? 'run' : source.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, ''));
  // the agent (and its training env) first: a value they refuse leaves no run folder behind
  const agent = setup.createAgent();
  let dir: string;
  try {
    if (options.runDir !== undefined) {
      dir = options.runDir;
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new InvalidArgumentError(`options.runDir must be a new or empty folder, got ${JSON.stringify(dir)} (it holds files)`);
      mkdirSync(dir, { recursive: true });
    } else dir = newRunDir(options.outDir ?? 'runs', name);
    writeAtomic(join(dir, 'config.json'), toJSONText(asRun));
    writeAtomic(join(dir, 'versions.json'), toJSONText(runtimeVersions()));
  } catch (e) {
    agent.dispose();
    throw e;
  }

  const metric = c.evaluation?.metric ?? 'sharpe';
  const evalSplit = setup.split.validation === undefined ? 'test' : 'validation';
  const evalFrame = setup.split.validation ?? setup.split.test;
  try {
    const evaluations: EvaluationPoint[] = [];
    const log: LogRecord[] = [];
    let lastEval: { step: number; result: BacktestResult } | undefined;
    const evaluate = async (step: number): Promise<boolean | void> => {
      const result = backtest({ data: evalFrame.bars, strategy: { env: setup.envFor(evalFrame, 'evaluate'), agent } });
      lastEval = { step, result };
      const point: EvaluationPoint = { step, value: metricOf(result, metric), metric, split: evalSplit };
      evaluations.push(point);
      writeFileSync(join(dir, 'evaluations.jsonl'), `${JSON.stringify(point, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`, { flag: 'a' });
      return options.onEvaluation?.(point);
    };
    const callbacks: (TrainingCallback | ((r: LogRecord) => void))[] = [
      (r: LogRecord) => {
        log.push(r);
        options.onLog?.(r);
      },
      new TrainingLogger(join(dir, 'progress.jsonl')),
    ];
    const tensorboard = options.tensorboard ?? true;
    const tb = tensorboard ? new TensorBoardLogger(join(dir, 'tb')) : undefined;
    if (tb !== undefined) callbacks.push(tb);
    if (c.train.checkpointEvery !== undefined) callbacks.push(new CheckpointCallback({ saveFreq: c.train.checkpointEvery, savePath: join(dir, 'checkpoints'), namePrefix: c.agent.algo.toLowerCase() }));
    let stopped = false;
    if (c.evaluation?.every !== undefined) {
      callbacks.push(new PeriodicEvaluation(c.evaluation.every, async (step) => {
        const go = await evaluate(step);
        if (go === false) stopped = true;
        return go;
      }));
    }
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: c.train.totalTimesteps, callback: callbacks as never, progressBar: options.progressBar ?? false });
    const trainSeconds = (performance.now() - t0) / 1000;
    // the final evaluation, unless the last periodic one ran at the last step or training was stopped
    if (!stopped && evaluations.at(-1)?.step !== agent.numTimesteps) await evaluate(agent.numTimesteps);
    await agent.save(join(dir, 'model'));

    // the last evaluation ran on the final agent: its split is not backtested again
    const final = lastEval?.step === agent.numTimesteps ? lastEval.result : undefined;
    const splitBacktest = (frame: FeatureFrame<MarketData>, name: 'validation' | 'test') => (name === evalSplit && final !== undefined ? final : backtest({ data: frame.bars, strategy: { env: setup.envFor(frame, 'evaluate'), agent } }));
    const validation = setup.split.validation === undefined ? undefined : splitBacktest(setup.split.validation, 'validation');
    const test = splitBacktest(setup.split.test, 'test');
    const last = evaluations.at(-1) as EvaluationPoint;
    const metrics: ExperimentMetrics = {
      algo: c.agent.algo,
      seed: c.seed ?? 0,
      timesteps: agent.numTimesteps,
      trainSeconds,
      evaluations,
      objective: { metric, split: evalSplit, value: last.value },
      ...(validation === undefined ? {} : { validation: splitMetrics(validation) }),
      test: splitMetrics(test),
    };
    const warnings: string[] = [];
    if (options.report ?? true) {
      try {
        const { writeReport } = await import('../report/writeReport.js');
        await writeReport(test, join(dir, 'report.html'), { title: `${name}: ${c.agent.algo} (seed ${c.seed ?? 0}) on the held-out test split`, trainingLog: log });
      } catch (e) {
        if (!(e instanceof TradegymError) || !/vega/i.test(e.message)) throw e;
        warnings.push(`report.html not written: ${e.message}`);
      }
    }
    writeAtomic(join(dir, 'metrics.json'), toJSONText(metrics));
    return { dir, metrics, warnings };
  } finally {
    agent.dispose();
  }
}

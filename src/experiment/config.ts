// The experiment config: its TypeScript types, its JSON Schema (one object, validated here and
// exported for editors), and reading it from JSON or YAML with errors naming the key path.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { A2C_DEFAULTS } from '../agents/a2c/A2C.js';
import { DQN_DEFAULTS } from '../agents/dqn/DQN.js';
import { PPO_DEFAULTS } from '../agents/ppo/PPO.js';
import { QRDQN_DEFAULTS } from '../agents/qrdqn/QRDQN.js';
import { RECURRENT_PPO_DEFAULTS } from '../agents/recurrent-ppo/RecurrentPPO.js';
import { SAC_DEFAULTS } from '../agents/sac/SAC.js';
import type { ActionScheme } from '../envs/trading/TradingEnv.js';
import type { RewardOptions } from '../envs/trading/rewards.js';
import type { FeatureSpec } from '../features/FeaturePipeline.js';
import type { NormalizerOptions } from '../features/Normalizer.js';
import type { GeneratorPresetName } from '../synthetic/config.js';
import type { SearchSpace } from '../tune/space.js';
import { ConfigError, validate, type JsonSchema } from './schema.js';

/** The algorithms a config can name. */
export const ALGORITHMS = ['PPO', 'A2C', 'DQN', 'QRDQN', 'SAC', 'RecurrentPPO'] as const;
/** An algorithm a config can name. */
export type Algorithm = (typeof ALGORITHMS)[number];
/** The metrics an evaluation (and a tuning objective) can use, from the backtest on the evaluation bars. */
export const EVAL_METRICS = ['sharpe', 'sortino', 'calmar', 'return', 'cagr', 'maxDrawdown'] as const;
/** A metric an evaluation can use. */
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Synthetic bars from a `RegimeGenerator` preset (see `tradegym`). */
export interface SyntheticDataConfig {
  /** The preset. */
  readonly preset: GeneratorPresetName;
  /** How many bars. */
  readonly numSamples: number;
  /** The market's seed (default 0). */
  readonly seed?: number;
  /** The first bar's open time, ISO 8601 UTC (default 2024-01-01T00:00Z). */
  readonly startTime?: string;
  /** The symbol to record (default `'SYNTH'`). */
  readonly symbol?: string;
}

/** Bars from a CSV file (see `readCsv`). */
export interface CsvDataConfig {
  /** The file, relative to the config file. */
  readonly path: string;
  /** Header names per field. */
  readonly columns?: Readonly<Record<string, string | readonly string[]>>;
  /** The field separator. */
  readonly delimiter?: string;
  /** `'auto'`, `'ms'`, `'s'` or `'iso'`. */
  readonly timestampFormat?: 'auto' | 'ms' | 's' | 'iso';
  /** The symbol to record. */
  readonly symbol?: string;
  /** The timeframe (inferred when omitted). */
  readonly timeframe?: string;
  /** `'drop'` or `'forward-fill'` bad rows instead of refusing them. */
  readonly repair?: 'drop' | 'forward-fill';
  /** The file's SHA-256 (hex): other bytes are refused. A run folder's `config.json` records it. */
  readonly sha256?: string;
}

/** Bars downloaded through ccxt (`tradegym fetch`), kept in a CSV cache. */
export interface CcxtDataConfig {
  /** The ccxt exchange id, e.g. `'binance'`. */
  readonly exchange: string;
  /** The market, e.g. `'BTC/USDT'`. */
  readonly symbol: string;
  /** The bar length, e.g. `'1h'`. */
  readonly timeframe: string;
  /** The first bar's open time, ISO 8601. */
  readonly since: string;
  /** Stop before this time, ISO 8601 (default now: then a rerun sees more bars unless the cache holds them). */
  readonly until?: string;
  /** The CSV the bars are kept in, relative to the config file: read if it exists, written after a download. */
  readonly cache: string;
  /** Options for the ccxt exchange's constructor (API keys are not needed for candles). */
  readonly exchangeOptions?: Readonly<Record<string, unknown>>;
  /** The cache's SHA-256 (hex): other bytes are refused. A run folder's `config.json` records it. */
  readonly sha256?: string;
}

/** Generated bars. */
export interface SyntheticSource {
  /** The generator's preset, size and seed. */
  readonly synthetic: SyntheticDataConfig;
}
/** Bars from a file. */
export interface CsvSource {
  /** The file and how to read it. */
  readonly csv: CsvDataConfig;
}
/** Downloaded bars. */
export interface CcxtSource {
  /** The exchange, market and range, and the cache file. */
  readonly ccxt: CcxtDataConfig;
}
/** Where the bars come from: exactly one source. */
export type DataConfig = SyntheticSource | CsvSource | CcxtSource;

/** The trading env's options, as JSON (see `TradingEnvOptions`; functions cannot be written in a file). */
export interface EnvConfig {
  /** Bars per observation (default 1). */
  readonly windowSize?: number;
  /** `'discrete-3'` (short, flat, long), `'discrete-4'`, or `'continuous'` (a target position). */
  readonly actionScheme?: ActionScheme;
  /** No short positions. */
  readonly longOnly?: boolean;
  /** The fraction of equity a full position takes. */
  readonly positionSize?: number;
  /** Fee in bps of notional. */
  readonly fee?: number;
  /** Slippage in bps. */
  readonly slippage?: number;
  /** Borrow rate per bar on shorts. */
  readonly borrowRate?: number;
  /** Starting cash. */
  readonly initialCash?: number;
  /** `'next-open'` (default): a decision at a bar's close fills at the next open; `'close'`: at the close. */
  readonly execution?: 'next-open' | 'close';
  /** Steps per training episode (evaluation runs over all its bars). */
  readonly episodeLength?: number;
  /** Training episodes start at random bars. */
  readonly randomStart?: boolean;
  /** Gross leverage cap. */
  readonly maxLeverage?: number;
  /** End an episode past this drawdown (a fraction). */
  readonly maxDrawdown?: number;
  /** The reward's options (see `RewardOptions`). */
  readonly reward?: RewardOptions;
}

/** The agent: an algorithm and its options (as JSON: numbers, not schedules or functions). */
export interface AgentConfig {
  /** The algorithm. */
  readonly algo: Algorithm;
  /** Its options (the seed comes from the config's `seed`). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Copies of the training env stepped together (default 1). */
  readonly nEnvs?: number;
}

/** A search-space entry: as `tradegym/tune`'s, keyed by the config path it sets. */
export type TuneSpaceConfig = SearchSpace;

/** The sampler of a search. */
export interface TuneSamplerConfig {
  /** `'tpe'` (default) or `'random'`. */
  readonly type: 'tpe' | 'random';
  /** Its seed (default: the config's). */
  readonly seed?: number;
  /** TPE: random trials before it models them (default 10). */
  readonly nStartupTrials?: number;
  /** TPE: candidates scored per draw (default 24). */
  readonly nEiCandidates?: number;
}

/** The pruner of a search, with its options (`MedianPruner`'s or `SuccessiveHalvingPruner`'s). */
export interface TunePrunerConfig {
  /** `'asha'`, `'median'` or `'none'` (default). */
  readonly type: 'asha' | 'median' | 'none';
  /** The pruner's options, e.g. `minResource`, `reductionFactor`, `nStartupTrials`. */
  readonly [option: string]: unknown;
}

/** Where a search's trials run. */
export interface TuneExecutorConfig {
  /** `'threads'` (default: one per core), `'in-process'`, or `'redis'` (workers on any machines). */
  readonly type: 'in-process' | 'threads' | 'redis';
  /** Threads (default: the cores). */
  readonly size?: number;
  /** The Redis server, `redis://host:port` (redis only). */
  readonly url?: string;
}

/** Hyperparameter search over the config (`tradegym tune`). */
export interface TuneConfig {
  /** Config paths (`agent.options.learningRate`) → what to draw for them. */
  readonly space: TuneSpaceConfig;
  /** Trials to run. */
  readonly nTrials: number;
  /** `'maximize'` (default) or `'minimize'` the metric. */
  readonly direction?: 'minimize' | 'maximize';
  /** The sampler (default TPE, seeded with the config's seed). */
  readonly sampler?: TuneSamplerConfig;
  /** The pruner (default none). */
  readonly pruner?: TunePrunerConfig;
  /** Trials run at once, and what trial n waits for: trials 0..n-parallelism (default: the executor's size; 2 on Redis). The trials depend on it, never on timing. */
  readonly parallelism?: number;
  /** Where trials run (default threads). */
  readonly executor?: TuneExecutorConfig;
}

/** Training. */
export interface TrainConfig {
  /** Environment steps to train for. */
  readonly totalTimesteps: number;
  /** Save a checkpoint every this many steps (default: only the final model). */
  readonly checkpointEvery?: number;
}

/** Evaluation during training, on the validation split (or the test split when there is none). */
export interface EvaluationConfig {
  /** Evaluate every this many steps (default: only after training). */
  readonly every?: number;
  /** The metric reported (default `'sharpe'`). */
  readonly metric?: EvalMetric;
}

/** The features and their normalisation. */
export interface FeaturesConfig {
  /** Feature specs (default: log returns, volatility, RSI, MACD, Bollinger bands). */
  readonly pipeline?: readonly FeatureSpec[];
  /** `Normalizer` options, fitted on the training split only (default robust, clipped at 5), or `false` for raw features. */
  readonly normalize?: NormalizerOptions | false;
}

/** A chronological split: training, then validation, then the test split (the rest). */
export interface SplitConfig {
  /** The training fraction. */
  readonly train: number;
  /** The validation fraction (required by `tune`). */
  readonly validation?: number;
}

/**
 * Walk-forward folds instead of one split: train on a window of bars, test on the bars after
 * it, step forward and again (see `walkForward` in `tradegym`). Sizes count bars of the
 * features, after their warm-up.
 */
export interface WalkForwardConfig {
  /** Bars per training window (the validation bars included). */
  readonly trainSize: number;
  /** Bars per test window. */
  readonly testSize: number;
  /** Bars between the starts of consecutive folds (default `testSize`: the test windows tile the data). */
  readonly step?: number;
  /** Bars left out between a training window and its test window (default 0). */
  readonly embargo?: number;
  /** `'rolling'` (default) moves the training window; `'anchored'` starts every one at the first bar. */
  readonly mode?: 'rolling' | 'anchored';
  /** The last bars of each training window, held out to evaluate on during training (default none: the fold's test window). */
  readonly validationSize?: number;
}

/** A whole experiment: data, features, env, agent, training, evaluation, and optionally a search. */
export interface ExperimentConfig {
  /** The run's name (default: the config file's name). */
  readonly name?: string;
  /** The seed of everything random in training (default 0). The market's seed is `data.synthetic.seed`. */
  readonly seed?: number;
  /** The bars. */
  readonly data: DataConfig;
  /** Features and their normalisation. */
  readonly features?: FeaturesConfig;
  /** Chronological split (default `{ train: 0.7 }`: the rest is the test split). */
  readonly split?: SplitConfig;
  /** Walk-forward folds instead of `split`: `runFolds` (or `tradegym train`) trains one run per fold. */
  readonly walkForward?: WalkForwardConfig;
  /** The walk-forward fold a single run trains on, from 0 (set by `runFolds` in each fold's config). */
  readonly fold?: number;
  /** The trading env. */
  readonly env?: EnvConfig;
  /** The agent. */
  readonly agent: AgentConfig;
  /** Training. */
  readonly train: TrainConfig;
  /** Evaluation. */
  readonly evaluation?: EvaluationConfig;
  /** Hyperparameter search. */
  readonly tune?: TuneConfig;
}

const num = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'number', description, ...extra });
const int = (description: string, minimum: number): JsonSchema => ({ type: 'integer', minimum, description });
const str = (description: string): JsonSchema => ({ type: 'string', minLength: 1, description });
const obj = (description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({ type: 'object', description, properties, required, additionalProperties: false });

/** An algorithm's options as a schema: the keys of its defaults, typed by their default value. */
function optionsSchema(algo: Algorithm, defaults: object): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(defaults)) {
    properties[k] = v === null ? { description: `${algo}'s ${k} (default null)` } : { type: Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : typeof v === 'string' ? 'string' : 'object', description: `${algo}'s ${k} (default ${JSON.stringify(v)})` };
  }
  return obj(`${algo}'s options (see its docs); the seed is the config's`, properties);
}

const AGENT_DEFAULTS: Record<Algorithm, object> = { PPO: PPO_DEFAULTS, A2C: A2C_DEFAULTS, DQN: DQN_DEFAULTS, QRDQN: QRDQN_DEFAULTS, SAC: SAC_DEFAULTS, RecurrentPPO: RECURRENT_PPO_DEFAULTS };

const SHA256: JsonSchema = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: "the file's SHA-256 (hex): other bytes are refused (a run folder's config.json records it)" };

const paramSpec: JsonSchema = {
  type: 'object',
  description: 'What to draw: { type: uniform | loguniform | int | choice, ... } as tradegym/tune',
  properties: {
    type: { enum: ['uniform', 'loguniform', 'int', 'choice'], description: 'the distribution' },
    low: num('the lowest value'),
    high: num('the highest value'),
    step: num('the grid step (int)'),
    log: { type: 'boolean', description: 'log scale (int)' },
    choices: { type: 'array', minItems: 1, description: 'the values (choice)' },
    condition: { type: 'object', description: 'drawn only when another parameter took one of these values: { param, values }' },
  },
  required: ['type'],
  additionalProperties: false,
};

/** The schema of {@link ExperimentConfig}, built once. */
const SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A tradegym experiment (tradegym train / tune)',
  properties: {
    $schema: { type: 'string', description: 'the schema this file follows (for editors)' },
    name: str('the run name (default: the config file name)'),
    seed: int('the seed of everything random in training (default 0)', 0),
    data: {
      type: 'object',
      description: 'where the bars come from: exactly one of synthetic, csv, ccxt',
      properties: {
        synthetic: obj('bars from a RegimeGenerator preset', {
          preset: { enum: ['crypto-15m', 'equity-daily', 'crypto-15m-null', 'crypto-15m-structured'], description: 'the preset' },
          numSamples: int('how many bars', 1),
          seed: int("the market's seed (default 0)", 0),
          startTime: str('the first bar, ISO 8601 UTC'),
          symbol: str('the symbol to record'),
        }, ['preset', 'numSamples']),
        csv: obj('bars from a CSV file', {
          path: str('the file, relative to the config'),
          columns: { type: 'object', description: 'header names per field' },
          delimiter: str('the field separator'),
          timestampFormat: { enum: ['auto', 'ms', 's', 'iso'], description: 'how timestamps are written' },
          symbol: str('the symbol to record'),
          timeframe: str("the timeframe, e.g. '1h'"),
          repair: { enum: ['drop', 'forward-fill'], description: 'what to do with bad rows' },
          sha256: SHA256,
        }, ['path']),
        ccxt: obj('bars downloaded with ccxt and kept in a CSV cache', {
          exchange: str("the ccxt exchange id, e.g. 'binance'"),
          symbol: str("the market, e.g. 'BTC/USDT'"),
          timeframe: str("the bar length, e.g. '1h'"),
          since: str('the first bar, ISO 8601'),
          until: str('stop before this time, ISO 8601'),
          cache: str('the CSV the bars are kept in, relative to the config'),
          exchangeOptions: { type: 'object', description: "the exchange constructor's options" },
          sha256: SHA256,
        }, ['exchange', 'symbol', 'timeframe', 'since', 'cache']),
      },
      additionalProperties: false,
      oneOf: [{ required: ['synthetic'] }, { required: ['csv'] }, { required: ['ccxt'] }],
    },
    features: obj('features and their normalisation', {
      pipeline: { type: 'array', minItems: 1, description: "feature specs: 'rsi' or { name: 'rsi', period: 7 }", items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', required: ['name'], properties: { name: str('the indicator') } }] } },
      normalize: { anyOf: [{ enum: [false] }, obj('Normalizer options, fitted on the training split', { method: { enum: ['zscore', 'minmax', 'robust'], description: 'the method' }, preserve: { type: 'array', items: { type: 'string' }, description: 'columns left as they are' }, clip: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } }], description: 'clip to [-clip, clip] or [lo, hi]' } })], description: 'Normalizer options, or false for raw features' },
    }),
    split: obj('chronological split: train, then validation, then test', { train: num('the training fraction', { exclusiveMinimum: 0, exclusiveMaximum: 1 }), validation: num('the validation fraction', { exclusiveMinimum: 0, exclusiveMaximum: 1 }) }, ['train']),
    walkForward: obj('walk-forward folds instead of split: train on a window, test on the bars after it, step forward', {
      trainSize: int('bars per training window (validation included)', 1),
      testSize: int('bars per test window', 1),
      step: int('bars between the starts of folds (default testSize)', 1),
      embargo: int('bars left out between training and test (default 0)', 0),
      mode: { enum: ['rolling', 'anchored'], description: 'rolling (default) or anchored at the first bar' },
      validationSize: int('the last bars of each training window, held out for evaluation', 1),
    }, ['trainSize', 'testSize']),
    fold: int('the walk-forward fold a single run trains on (runFolds sets it)', 0),
    env: obj("the TradingEnv's options", {
      windowSize: int('bars per observation', 1),
      actionScheme: { enum: ['discrete-4', 'discrete-3', 'continuous'], description: 'the action scheme' },
      longOnly: { type: 'boolean', description: 'no shorts' },
      positionSize: num('the fraction of equity a full position takes', { exclusiveMinimum: 0 }),
      fee: num('fee in bps of notional', { minimum: 0 }),
      slippage: num('slippage in bps', { minimum: 0 }),
      borrowRate: num('borrow rate per bar on shorts', { minimum: 0 }),
      initialCash: num('starting cash', { exclusiveMinimum: 0 }),
      execution: { enum: ['next-open', 'close'], description: 'when a decision fills' },
      episodeLength: int('steps per training episode', 1),
      randomStart: { type: 'boolean', description: 'training episodes start at random bars' },
      maxLeverage: num('gross leverage cap', { exclusiveMinimum: 0 }),
      maxDrawdown: num('end the episode past this drawdown', { exclusiveMinimum: 0 }),
      reward: obj('the reward', { returnType: { enum: ['simple', 'log'], description: 'the return' }, weights: { type: 'object', additionalProperties: { type: 'number' }, description: 'reward terms → weights' }, sharpeWindow: int('the Sharpe window', 2), eta: num('the differential Sharpe rate', { exclusiveMinimum: 0 }), idleThreshold: int('bars flat before the idle penalty', 1) }),
    }),
    agent: {
      type: 'object',
      description: 'the agent: an algorithm and its options',
      properties: { algo: { enum: ALGORITHMS, description: 'the algorithm' }, options: { type: 'object', description: "the algorithm's options" }, nEnvs: int('copies of the training env (default 1)', 1) },
      required: ['algo'],
      additionalProperties: false,
      // editors complete each algorithm's options; the algorithm checks their values
      anyOf: ALGORITHMS.map((a): JsonSchema => ({ properties: { algo: { enum: [a] }, options: optionsSchema(a, AGENT_DEFAULTS[a]) } })),
    },
    train: obj('training', { totalTimesteps: int('environment steps', 1), checkpointEvery: int('save a checkpoint every this many steps', 1) }, ['totalTimesteps']),
    evaluation: obj('evaluation on the validation split (or test)', { every: int('evaluate every this many steps', 1), metric: { enum: EVAL_METRICS, description: 'the metric (default sharpe)' } }),
    tune: obj('hyperparameter search', {
      space: { type: 'object', minProperties: 1, description: 'config paths (agent.options.learningRate) → distributions', additionalProperties: paramSpec },
      nTrials: int('trials to run', 1),
      direction: { enum: ['minimize', 'maximize'], description: 'default maximize' },
      sampler: obj('the sampler', { type: { enum: ['tpe', 'random'], description: 'default tpe' }, seed: int("default: the config's seed", 0), nStartupTrials: int('random trials before TPE', 0), nEiCandidates: int('candidates per draw', 1) }, ['type']),
      pruner: { type: 'object', description: '{ type: asha | median | none, ...options }', properties: { type: { enum: ['asha', 'median', 'none'], description: 'the pruner' } }, required: ['type'] },
      parallelism: int("trials at once (default: the executor's size)", 1),
      executor: obj('where trials run', { type: { enum: ['in-process', 'threads', 'redis'], description: 'default threads' }, size: int('threads (default: the cores)', 1), url: str('redis://host:port (redis)') }, ['type']),
    }, ['space', 'nTrials']),
  },
  required: ['data', 'agent', 'train'],
  additionalProperties: false,
};

/** The config's JSON Schema document. */
export interface ExperimentJsonSchema extends JsonSchema {
  /** The draft it follows. */
  readonly $schema: string;
  /** Its title. */
  readonly title: string;
}

/**
 * The config's JSON Schema (draft 2020-12), for editors: put `"$schema"` in a JSON config, or
 * `# yaml-language-server: $schema=...` at the top of a YAML one, pointing at a file written
 * with `tradegym schema > tradegym.schema.json`.
 * @returns a fresh copy of the schema.
 * @example
 * ```ts
 * import { experimentJsonSchema } from 'tradegym/experiment';
 * const schema = experimentJsonSchema();
 * console.log(Object.keys(schema.properties!)); // ['$schema', 'name', 'seed', 'data', ...]
 * ```
 */
export function experimentJsonSchema(): ExperimentJsonSchema {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'tradegym experiment', ...(structuredClone(SCHEMA) as JsonSchema) };
}

/**
 * Checks a config (already parsed from JSON or YAML) against the schema: unknown keys,
 * missing ones, wrong types and out-of-range values are refused, naming the key path. The
 * values of `agent.options`, `env` and `features` are checked again, fully, by the classes
 * they configure when the run builds them, with the same path in the message.
 * @param value - the parsed config.
 * @param source - the file it came from, for messages.
 * @returns the config, typed.
 * @throws {@link ConfigError} naming the key path and the bad value.
 * @example
 * ```ts
 * import { parseExperimentConfig } from 'tradegym/experiment';
 * const config = parseExperimentConfig({
 *   data: { synthetic: { preset: 'crypto-15m', numSamples: 2000 } },
 *   agent: { algo: 'PPO', options: { nSteps: 256 } },
 *   train: { totalTimesteps: 2048 },
 * });
 * console.log(config.agent.algo); // 'PPO'
 * ```
 */
export function parseExperimentConfig(value: unknown, source?: string): ExperimentConfig {
  validate(SCHEMA, value, '', source);
  const config = value as ExperimentConfig;
  const { split, tune, evaluation, walkForward } = config;
  if (walkForward !== undefined && split !== undefined) throw new ConfigError('walkForward', 'and split exclude each other: folds are their own splits', source);
  if (config.fold !== undefined && walkForward === undefined) throw new ConfigError('fold', `needs walkForward (the folds it picks from), got ${config.fold}`, source);
  if (walkForward?.validationSize !== undefined && walkForward.validationSize >= walkForward.trainSize) throw new ConfigError('walkForward.validationSize', `must leave training bars (< trainSize ${walkForward.trainSize}), got ${walkForward.validationSize}`, source);
  if (walkForward !== undefined && tune !== undefined) throw new ConfigError('walkForward', 'cannot be tuned over: tune scores trials on split.validation (tune first, then run the chosen config over folds)', source);
  if (split?.validation !== undefined && split.train + split.validation >= 1) throw new ConfigError('split.validation', `train + validation must leave a test split (< 1), got ${split.train} + ${split.validation}`, source);
  if (evaluation?.every !== undefined && evaluation.every > config.train.totalTimesteps) throw new ConfigError('evaluation.every', `must be at most train.totalTimesteps (${config.train.totalTimesteps}), got ${evaluation.every}`, source);
  if (config.name !== undefined && (!/^[A-Za-z0-9_][\w.-]*$/.test(config.name) || config.name.includes('..'))) throw new ConfigError('name', `must be a folder name (letters, digits, _, . and -; no path), got ${JSON.stringify(config.name)}`, source);
  if (tune !== undefined) {
    // a search tunes the agent, the env, the features and the training; what a trial is scored on stays put
    for (const [path, spec] of Object.entries(tune.space)) {
      if (!/^(agent|env|features|train)\./.test(path)) throw new ConfigError(`tune.space.${path}`, 'must be a key under agent., env., features. or train. (data, split, evaluation and seed fix what the trials are scored on)', source);
      const sample = spec.type === 'choice' ? spec.choices[0] : spec.low;
      const untuned: Record<string, unknown> = { ...config };
      delete untuned.tune;
      try {
        validate(SCHEMA, setConfigPath(untuned, path, sample), '', undefined);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`tune.space.${path}`, `sets a key the config refuses: ${e.message}`, source);
        throw e;
      }
    }
    if (split?.validation === undefined) throw new ConfigError('split.validation', 'is required by tune: trials are scored on the validation split, never on the test split', source);
    if (tune.executor?.type === 'redis' && tune.executor.url === undefined) throw new ConfigError('tune.executor.url', 'is required by the redis executor (redis://host:port)', source);
    if (tune.executor?.type !== 'redis' && tune.executor?.url !== undefined) throw new ConfigError('tune.executor.url', `is only for the redis executor, got ${JSON.stringify(tune.executor.url)}`, source);
  }
  return config;
}

/**
 * Parses a config's text, JSON or YAML (YAML is a superset of JSON; a syntax error names the
 * line), and checks it as {@link parseExperimentConfig}.
 * @param text - the file's text.
 * @param source - the file's name, for messages.
 * @returns the config.
 * @throws {@link ConfigError} for a syntax error (with its line) or a value the schema refuses.
 * @example
 * ```ts
 * import { parseExperimentText } from 'tradegym/experiment';
 * const config = parseExperimentText(`
 * data: { synthetic: { preset: crypto-15m, numSamples: 2000 } }
 * agent: { algo: A2C }
 * train: { totalTimesteps: 1000 }
 * `);
 * console.log(config.train.totalTimesteps); // 1000
 * ```
 */
export function parseExperimentText(text: string, source?: string): ExperimentConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      throw new ConfigError('', `not valid YAML or JSON${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`, source);
    }
    throw e;
  }
  return parseExperimentConfig(value, source);
}

/**
 * Sets `value` at a dotted path (`agent.options.learningRate`) in a copy of `config`, creating
 * objects on the way: how a search's parameters and the CLI's `--set` override a file's keys.
 * @param config - the config (not changed).
 * @param path - the dotted key path.
 * @param value - the value.
 * @returns the new config (unchecked: parse it again).
 * @throws {@link ConfigError} for an empty path segment, a path through a non-object, or `__proto__`.
 * @example
 * ```ts
 * import { setConfigPath } from 'tradegym/experiment';
 * const c = setConfigPath({ agent: { algo: 'PPO' } }, 'agent.options.learningRate', 0.001);
 * console.log(JSON.stringify(c)); // {"agent":{"algo":"PPO","options":{"learningRate":0.001}}}
 * ```
 */
export function setConfigPath<T extends object>(config: T, path: string, value: unknown): T {
  const keys = path.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new ConfigError(path, 'is not a key path (dot-separated keys, e.g. agent.options.learningRate)');
  const copy = structuredClone(config) as Record<string, unknown>;
  let at = copy;
  keys.slice(0, -1).forEach((k, i) => {
    const next = at[k];
    if (next === undefined) at[k] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new ConfigError(keys.slice(0, i + 1).join('.'), `is not an object (it holds ${JSON.stringify(next)}), so ${path} cannot be set`);
    at = at[k] as Record<string, unknown>;
  });
  at[keys.at(-1) as string] = value;
  return copy as T;
}

import { fail, requireInt, requireKnownKeys, requireRecord, requireSeed } from '../core/checks.js';
import { MarketData } from '../market/MarketData.js';
import { splitByFraction } from '../market/splits.js';
import { RegimeGenerator, type GeneratedMarket } from '../synthetic/RegimeGenerator.js';
import { GENERATOR_PRESETS, type GeneratorConfig, type GeneratorPresetName } from '../synthetic/config.js';
import { backtest, type BacktestOptions, type BacktestResult, type Strategy } from './backtest.js';
import {
  buyAndHoldSignal,
  movingAverageCrossSignal,
  randomSignalDistribution,
  regimeOracleSignal,
  type DistributionSummary,
  type MovingAverageCrossOptions,
  type PositionMode,
  type RegimeOracleOptions,
} from './baselines.js';
import { nanstd, spread } from './nan.js';
import { deflatedSharpeRatio, probabilisticSharpeRatio, sharpeConfidenceInterval, sharpeDifferenceInterval, sharpeMoments, type BootstrapInterval } from './significance.js';

/**
 * The evaluation harness of issue 21: strategies trained on the early part of each market and
 * judged on the held-out rest against the baselines, with the statistics that tell skill from
 * luck (PSR, DSR, stationary-bootstrap intervals). It runs any strategy the caller hands it as
 * a function and loads no agent code itself.
 */

/** The built-in baselines, by name. */
export const BASELINE_NAMES = ['buy-and-hold', 'random', 'ma-cross', 'oracle'] as const;

/** A built-in baseline: `'buy-and-hold'`, `'random'` (a distribution over seeds), `'ma-cross'`, `'oracle'` (synthetic markets only). */
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** What a trained strategy gets to see besides its training bars. */
export interface TrainingContext {
  /** The seed of the market being evaluated (for logs; the bars are already in `train`). */
  readonly marketSeed: number;
}

/**
 * What `train` returns: a function of the held-out test bars that gives the strategy to
 * backtest on them (a signal of `test.length` values, a function of the
 * {@link StrategyContext}, or `{ env, agent | policy }` on an env over these bars), or a
 * promise of it.
 */
export type TrainedStrategy = (test: MarketData) => Strategy | Promise<Strategy>;

/** A strategy to evaluate: a name and a training function. */
export interface EvaluatedStrategy {
  /** Its name in tables and reports (unique, not a baseline's name). */
  readonly name: string;
  /**
   * Trains on the training bars (a copy: no view onto the test bars) with a training seed,
   * and returns the {@link TrainedStrategy} for the test bars. May be async.
   */
  readonly train: (train: MarketData, seed: number, context: TrainingContext) => TrainedStrategy | Promise<TrainedStrategy>;
}

/** A synthetic market with what the oracle needs: the generated bars and regimes, and the generator's config. */
export interface SyntheticMarket {
  /** What {@link RegimeGenerator.generate} returned. */
  readonly market: GeneratedMarket;
  /** The generator's configuration (`generator.config`). */
  readonly config: GeneratorConfig;
}

/** A generator (or a preset's name) and the number of bars per market: market seed s is `generate({ numSamples, seed: s })`. */
export interface GeneratorMarketSource {
  /** The generator, or a preset's name such as `'crypto-15m-structured'`. */
  readonly generator: RegimeGenerator | GeneratorPresetName;
  /** Bars per market (an integer >= 4). */
  readonly numSamples: number;
}

/**
 * Where the markets come from: a generator and a length, or a function of the market seed
 * returning the bars (the oracle cannot run on them) or a {@link SyntheticMarket}.
 */
export type MarketSource = GeneratorMarketSource | ((seed: number) => MarketData | SyntheticMarket);

/** Options of the random baseline. */
export interface RandomBaselineOptions {
  /** Random strategies per market (an integer >= 2, default 20). */
  readonly runs?: number;
  /** Run i uses seed `seed + i` (default 0). */
  readonly seed?: number;
  /** Probability per bar of drawing a new target (default 0.01). */
  readonly changeProbability?: number;
  /** Positions it may take (default `'long-short'`). */
  readonly mode?: PositionMode;
}

/** Options of the bootstrap intervals. */
export interface EvaluationBootstrapOptions {
  /** Resamples per interval (an integer >= 1, default 1000). */
  readonly resamples?: number;
  /** Mean block length (a finite number >= 1, default `n^(1/3)`). */
  readonly blockLength?: number;
  /** The seed of every interval's resampling (default 0): paired intervals share resamples. */
  readonly seed?: number;
  /** Coverage, in (0, 1) (default 0.95). */
  readonly confidence?: number;
}

/** Options of {@link evaluateStrategies}. */
export interface EvaluationOptions extends Pick<BacktestOptions, 'account' | 'risk' | 'execution' | 'periodsPerYear'> {
  /** The markets. */
  readonly market: MarketSource;
  /** One market per seed (distinct safe integers >= 0, at least one). */
  readonly marketSeeds: readonly number[];
  /** The strategies to evaluate (default none: baselines only). */
  readonly strategies?: readonly EvaluatedStrategy[];
  /** Each strategy trains once per seed on each market (distinct safe integers >= 0, default `[0]`). */
  readonly trainingSeeds?: readonly number[];
  /** The baselines to run (default all four; `'oracle'` only when the markets are synthetic). `'buy-and-hold'` always runs. */
  readonly baselines?: readonly BaselineName[];
  /** The fraction of each market's bars to train on, in (0, 1) (default 0.7); the rest is the held-out test. */
  readonly trainFraction?: number;
  /**
   * The number of strategy configurations tried, for the DSR: at least (and by default) the
   * number evaluated here (the strategies, and the baselines other than the oracle); raise it
   * to count every tuning trial that led to them.
   */
  readonly trials?: number;
  /** The variance of the trials' per-period Sharpe ratios, for the DSR (default: measured on each market, see {@link evaluateStrategies}). */
  readonly trialSharpeVariance?: number;
  /** The moving-average cross (default `{ fast: 24, slow: 96, mode: 'long-short' }`: 6 hours and a day of 15-minute bars). */
  readonly maCross?: MovingAverageCrossOptions;
  /** The oracle (default `{ mode: 'long-short' }`). */
  readonly oracle?: RegimeOracleOptions;
  /** The random baseline. */
  readonly random?: RandomBaselineOptions;
  /** The bootstrap intervals. */
  readonly bootstrap?: EvaluationBootstrapOptions;
}

/** One backtest on one market's test bars: a strategy (with its training seed) or a baseline. */
export interface EvaluationRun {
  /** The strategy's or baseline's name. */
  readonly strategy: string;
  /** `'strategy'` (the caller's) or `'baseline'`. */
  readonly kind: 'strategy' | 'baseline';
  /** The training seed, or undefined for a baseline. */
  readonly trainingSeed: number | undefined;
  /** The backtest on the test bars. */
  readonly result: BacktestResult;
  /** Total return over the test bars. */
  readonly totalReturn: number;
  /** Annualised Sharpe ratio. */
  readonly sharpe: number;
  /** Maximum drawdown (a negative fraction). */
  readonly maxDrawdown: number;
  /** Closed round trips. */
  readonly trades: number;
  /** The Probabilistic Sharpe Ratio against 0: P(true Sharpe > 0). */
  readonly psr: number;
  /** The Deflated Sharpe Ratio with the evaluation's `trials`. */
  readonly dsr: number;
  /** The bootstrap interval of the annualised Sharpe ratio. */
  readonly sharpeInterval: BootstrapInterval;
  /** The bootstrap interval of its Sharpe minus buy-and-hold's on the same bars (undefined for buy-and-hold). */
  readonly difference: BootstrapInterval | undefined;
  /** Whether the interval of the difference lies above 0. */
  readonly beatsBuyAndHold: boolean;
  /** The share of the random baseline's runs on this market with a Sharpe at or above this one (undefined without it): an empirical p-value. */
  readonly randomShare: number | undefined;
}

/** The random baseline on one market: a distribution over its runs. */
export interface RandomEvaluation {
  /** The number of runs. */
  readonly runs: number;
  /** Each run's annualised Sharpe ratio. */
  readonly sharpeValues: Float64Array;
  /** Sharpe ratio: median and 5th-95th percentiles. */
  readonly sharpe: DistributionSummary;
  /** Total return: median and 5th-95th percentiles. */
  readonly totalReturn: DistributionSummary;
  /** Maximum drawdown: median and 5th-95th percentiles. */
  readonly maxDrawdown: DistributionSummary;
}

/** Everything measured on one market. */
export interface MarketEvaluation {
  /** The market seed. */
  readonly seed: number;
  /** Bars trained on (the first ones). */
  readonly trainBars: number;
  /** Held-out test bars (the rest). */
  readonly testBars: number;
  /** The test bars' regimes, on a synthetic market. */
  readonly regimes: Uint8Array | undefined;
  /** The regimes' names, on a synthetic market. */
  readonly regimeNames: readonly string[] | undefined;
  /** The per-period trial Sharpe variance the DSR used on this market. */
  readonly trialSharpeVariance: number;
  /** Buy-and-hold first, then each strategy by training seed, then the other baselines. */
  readonly runs: readonly EvaluationRun[];
  /** The random baseline, when it ran. */
  readonly random: RandomEvaluation | undefined;
}

/** What the evidence says about a strategy, in one word (see {@link StrategySummary.verdictText}). */
export type Verdict = 'skill' | 'beats-buy-and-hold' | 'positive-sharpe' | 'no-evidence' | 'benchmark' | 'luck-range';

/** One strategy over all markets and training seeds. */
export interface StrategySummary {
  /** The name. */
  readonly strategy: string;
  /** `'strategy'` or `'baseline'`. */
  readonly kind: 'strategy' | 'baseline';
  /** Runs summarised (markets x training seeds; for random, markets x its runs). */
  readonly runs: number;
  /** The annualised Sharpe ratio over the runs: median and 5th-95th percentiles. */
  readonly sharpe: DistributionSummary;
  /** The median total return. */
  readonly medianTotalReturn: number;
  /** The median of Sharpe minus buy-and-hold's Sharpe on the same bars (NaN for buy-and-hold). */
  readonly medianDifference: number;
  /** Runs with a higher Sharpe ratio than buy-and-hold's on the same bars. */
  readonly higherSharpe: number;
  /** Runs whose interval of the difference against buy-and-hold lies above 0 (NaN for random and buy-and-hold). */
  readonly wins: number;
  /** The share of runs with DSR >= 0.95 (NaN for random). */
  readonly significantShare: number;
  /** The median DSR (NaN for random). */
  readonly medianDsr: number;
  /** Whether more than half of the runs beat buy-and-hold with the interval of the difference above 0. */
  readonly beatsBuyAndHold: boolean;
  /** The verdict. */
  readonly verdict: Verdict;
  /** The verdict in words. */
  readonly verdictText: string;
}

/** What {@link evaluateStrategies} returns. */
export interface EvaluationResult {
  /** Per market, in the order of `marketSeeds`. */
  readonly markets: readonly MarketEvaluation[];
  /** Per strategy: the caller's, then buy-and-hold, ma-cross, oracle and random (those that ran). */
  readonly summary: readonly StrategySummary[];
  /** The trials the DSR counted. */
  readonly trials: number;
  /** The fraction of each market trained on. */
  readonly trainFraction: number;
  /** The training seeds. */
  readonly trainingSeeds: readonly number[];
  /** The bootstrap intervals' coverage. */
  readonly confidence: number;
}

/** The DSR a discovery needs (Bailey & López de Prado 2014). */
const DISCOVERY = 0.95;

const OPTION_KEYS = [
  'market', 'marketSeeds', 'strategies', 'trainingSeeds', 'baselines', 'trainFraction', 'trials', 'trialSharpeVariance',
  'maCross', 'oracle', 'random', 'bootstrap', 'account', 'risk', 'execution', 'periodsPerYear',
] as const;

/** Distinct seeds, at least one. */
function seedList(name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0) fail(name, 'a non-empty array of seeds', v);
  v.forEach((s, i) => requireSeed(`${name}[${i}]`, s));
  if (new Set(v).size !== v.length) fail(name, 'distinct seeds (a repeated seed counts one run twice)', v);
  return v as number[];
}

function median(values: ArrayLike<number>): number {
  return spread(values).median;
}

/** The market of one seed, checked. */
function buildMarket(source: MarketSource, seed: number): { data: MarketData; synthetic: SyntheticMarket | undefined } {
  if (typeof source === 'function') {
    const built: unknown = source(seed);
    if (built instanceof MarketData) return { data: built, synthetic: undefined };
    const b = requireKnownKeys(`market(${seed})`, built, ['market', 'config']);
    const m = requireRecord(`market(${seed}).market`, b.market);
    if (!(m.data instanceof MarketData)) fail(`market(${seed}).market.data`, 'a MarketData', m.data);
    if (!(m.regimes instanceof Uint8Array)) fail(`market(${seed}).market.regimes`, 'a Uint8Array of regime labels', m.regimes);
    requireRecord(`market(${seed}).config`, b.config);
    return { data: m.data, synthetic: built as SyntheticMarket };
  }
  const generator = source.generator instanceof RegimeGenerator ? source.generator : RegimeGenerator.preset(source.generator);
  const market = generator.generate({ numSamples: source.numSamples, seed });
  return { data: market.data, synthetic: { market, config: generator.config } };
}

/** A copy of the training bars: its buffers hold nothing of the test bars. */
function isolated(train: MarketData): MarketData {
  const { timestamps, open, high, low, close, volume, symbol, timeframe, allowNonPositivePrices } = train;
  return new MarketData({ timestamps, open, high, low, close, volume, symbol, timeframe, allowNonPositivePrices });
}

/** Whether a strategy is `{ env, ... }`. */
function envOf(strategy: unknown): { account: { fee: number; slippage: unknown; borrowRate: number }; execution: string } | undefined {
  if (strategy === null || typeof strategy !== 'object' || !('env' in strategy)) return undefined;
  return (strategy as { env: { account: { fee: number; slippage: unknown; borrowRate: number }; execution: string } }).env;
}

interface Settings {
  readonly backtest: Pick<BacktestOptions, 'account' | 'risk' | 'execution' | 'periodsPerYear'>;
  readonly bootstrap: { resamples: number; blockLength?: number; seed: number; confidence: number };
}

/**
 * Backtests a strategy under the shared settings. An env strategy trades under its env's
 * costs, so they must be the evaluation's: a cheaper env would win by its fees alone.
 */
function run(name: string, strategy: Strategy, test: MarketData, s: Settings): BacktestResult {
  const env = envOf(strategy);
  if (env === undefined) return backtest({ data: test, strategy, ...s.backtest });
  const a = s.backtest.account ?? {};
  const want = { fee: a.fee ?? 0, slippage: a.slippage ?? 0, borrowRate: a.borrowRate ?? 0, execution: s.backtest.execution ?? 'next-open' };
  const got = { fee: env.account.fee, slippage: env.account.slippage, borrowRate: env.account.borrowRate, execution: env.execution };
  for (const k of ['fee', 'slippage', 'borrowRate', 'execution'] as const) {
    if (got[k] !== want[k]) fail(`the env of strategy "${name}"`, `trading with the evaluation's ${k} (${String(want[k])}), as every strategy does`, `${k} ${String(got[k])}`);
  }
  if (s.backtest.risk !== undefined) fail('options.risk', 'left out when a strategy trades in an env (its env applies no risk rules)', s.backtest.risk);
  return backtest({ data: test, strategy, ...(s.backtest.periodsPerYear !== undefined ? { periodsPerYear: s.backtest.periodsPerYear } : {}) });
}

interface PendingRun {
  readonly strategy: string;
  readonly kind: 'strategy' | 'baseline';
  readonly trainingSeed: number | undefined;
  readonly result: BacktestResult;
}

/** The statistics of one run against buy-and-hold on the same bars. */
function judge(p: PendingRun, bh: BacktestResult | undefined, trials: number, variance: number, random: RandomEvaluation | undefined, s: Settings): EvaluationRun {
  const { result } = p;
  const r = result.returns;
  const m = result.metrics;
  const b = { ...s.bootstrap, periodsPerYear: result.periodsPerYear };
  let difference: BootstrapInterval | undefined;
  if (bh !== undefined) {
    // paired: buy-and-hold's returns over the bars this run covers (an env run starts later)
    const paired = bh.returns.subarray(result.startIndex, result.startIndex + r.length);
    difference = sharpeDifferenceInterval(r, paired, b);
  }
  const sharpe = m.sharpeRatio;
  let randomShare: number | undefined;
  if (random !== undefined) {
    let above = 0;
    for (const v of random.sharpeValues) if (v >= sharpe) above++;
    randomShare = Number.isNaN(sharpe) ? Number.NaN : above / random.runs;
  }
  return {
    strategy: p.strategy,
    kind: p.kind,
    trainingSeed: p.trainingSeed,
    result,
    totalReturn: m.totalReturn,
    sharpe,
    maxDrawdown: m.maxDrawdown,
    trades: result.trades.length,
    psr: probabilisticSharpeRatio(r),
    dsr: deflatedSharpeRatio(r, { trials, trialSharpeVariance: variance }),
    sharpeInterval: sharpeConfidenceInterval(r, b),
    difference,
    beatsBuyAndHold: difference !== undefined && difference.lower > 0,
    randomShare,
  };
}

const TEXT: Record<Verdict, string> = {
  skill: 'beats buy-and-hold in most runs (interval of the Sharpe difference above 0) and its Sharpe survives deflation (DSR >= 0.95)',
  'beats-buy-and-hold': 'beats buy-and-hold in most runs (interval of the Sharpe difference above 0), but its Sharpe is not significant after deflation (DSR < 0.95 in most runs)',
  'positive-sharpe': 'Sharpe above 0 beyond luck in most runs (DSR >= 0.95), but no evidence that it beats buy-and-hold (the interval of the difference reaches 0)',
  'no-evidence': 'no evidence of skill: in most runs DSR < 0.95 and the interval of the Sharpe difference against buy-and-hold reaches 0 or lies below it',
  benchmark: 'the benchmark: every other strategy is compared with it on the same bars',
  'luck-range': 'what random positions earn here: a Sharpe inside its range is consistent with luck',
};

function summariseStrategy(name: string, kind: 'strategy' | 'baseline', runs: readonly { run: EvaluationRun }[]): StrategySummary {
  const n = runs.length;
  const isBh = name === 'buy-and-hold';
  const wins = runs.filter((x) => x.run.beatsBuyAndHold).length;
  const significant = runs.filter((x) => x.run.dsr >= DISCOVERY).length;
  const beats = !isBh && wins > n / 2;
  const verdict: Verdict = isBh ? 'benchmark' : beats ? (significant > n / 2 ? 'skill' : 'beats-buy-and-hold') : significant > n / 2 ? 'positive-sharpe' : 'no-evidence';
  return {
    strategy: name,
    kind,
    runs: n,
    sharpe: spread(runs.map((x) => x.run.sharpe)),
    medianTotalReturn: median(runs.map((x) => x.run.totalReturn)),
    // the paired difference: over the bars the run covers (an env run starts after its window)
    medianDifference: isBh ? Number.NaN : median(runs.map((x) => x.run.difference?.estimate ?? Number.NaN)),
    higherSharpe: isBh ? 0 : runs.filter((x) => (x.run.difference?.estimate ?? Number.NaN) > 0).length,
    wins: isBh ? Number.NaN : wins,
    significantShare: significant / n,
    medianDsr: median(runs.map((x) => x.run.dsr)),
    beatsBuyAndHold: beats,
    verdict,
    verdictText: TEXT[verdict],
  };
}

function summariseRandom(markets: readonly MarketEvaluation[]): StrategySummary {
  const values: number[] = [];
  const returns: number[] = [];
  const differences: number[] = [];
  let higher = 0;
  for (const m of markets) {
    const rnd = m.random as RandomEvaluation;
    const bh = (m.runs[0] as EvaluationRun).sharpe;
    for (const v of rnd.sharpeValues) {
      values.push(v);
      differences.push(v - bh);
      if (v > bh) higher++;
    }
    returns.push(rnd.totalReturn.median);
  }
  return {
    strategy: 'random',
    kind: 'baseline',
    runs: values.length,
    sharpe: spread(values),
    medianTotalReturn: median(returns),
    medianDifference: median(differences),
    higherSharpe: higher,
    wins: Number.NaN,
    significantShare: Number.NaN,
    medianDsr: Number.NaN,
    beatsBuyAndHold: false,
    verdict: 'luck-range',
    verdictText: TEXT['luck-range'],
  };
}

/**
 * Evaluates strategies honestly: for each market seed, build the market, split it in time
 * (`trainFraction` of the bars to train on, the rest held out), train each strategy once per
 * training seed on the training bars only, and backtest what it returns on the test bars,
 * beside the baselines, all with the same account, costs, execution and risk rules.
 *
 * No look-ahead by construction: `train` receives a copy of the training bars (its buffers hold
 * no test bar) and returns a function that only then sees the test bars. The baselines read
 * no test bar before its time either: the moving-average cross and the oracle are computed on
 * the whole market and cut to the test bars (the cross warms up on the bars before them, the
 * past); the oracle knows the hidden regimes (an upper bound, not a strategy); random is
 * {@link randomSignalDistribution} over `random.runs` seeds on the test bars.
 *
 * Per run: total return, Sharpe, max drawdown, trades; the PSR against 0; the DSR, counting
 * `trials` configurations (default: the strategies and baselines evaluated, the oracle not
 * counted) and, unless `trialSharpeVariance` is given, the sample variance of the per-period
 * Sharpe ratios of every run on that market except the oracle's (each training seed's, each
 * random run's); stationary-bootstrap intervals of the Sharpe ratio and of its difference with
 * buy-and-hold on the same bars (paired, resampled with the same indices); whether the latter
 * lies above 0; and the share of random runs that did as well.
 *
 * Per strategy, over markets and training seeds: the median Sharpe and its 5-95% spread, the
 * runs that beat buy-and-hold (interval above 0), the share with DSR >= 0.95, and a verdict
 * that says no more than the evidence: `'no-evidence'` unless most runs beat buy-and-hold or
 * clear the DSR bar.
 * @param options - the markets (`market`, `marketSeeds`), `strategies`, `trainingSeeds`,
 *   `baselines`, `trainFraction`, `trials`, `trialSharpeVariance`, the baselines' options
 *   (`maCross`, `oracle`, `random`), `bootstrap`, and {@link backtest}'s `account`, `risk`,
 *   `execution`, `periodsPerYear`.
 * @returns per market its runs, per strategy its summary, and the settings the statistics used.
 * @throws `InvalidArgumentError` (from `tradegym`) naming the option for an unknown key or a
 *   bad value (checked before any training, the backtest settings included), for a `train` or
 *   trained strategy that is not a function, a strategy the backtester rejects, an env
 *   strategy whose costs differ from the evaluation's, or `'oracle'` asked for on markets
 *   without regimes.
 * @example
 * ```ts
 * import { evaluateStrategies, formatEvaluationTable, type MarketData } from 'tradegym';
 * // a "strategy" that learns the sign of the training drift and holds it through the test
 * const drift = {
 *   name: 'drift',
 *   train: (train: MarketData) => {
 *     const side = train.close[train.length - 1]! > train.close[0]! ? 1 : -1;
 *     return (test: MarketData) => new Array<number>(test.length).fill(side);
 *   },
 * };
 * const result = await evaluateStrategies({
 *   market: { generator: 'crypto-15m-null', numSamples: 2000 },
 *   marketSeeds: [1, 2, 3],
 *   strategies: [drift],
 *   account: { fee: 10 },
 *   random: { runs: 10 },
 *   bootstrap: { resamples: 200 },
 * });
 * console.log(result.summary.map((s) => s.strategy).join(', ')); // drift, buy-and-hold, ma-cross, oracle, random
 * console.log(result.summary[0]!.verdict); // no-evidence: a null market holds nothing to learn
 * console.log(formatEvaluationTable(result).includes('no evidence of skill')); // true
 * ```
 */
export async function evaluateStrategies(options: EvaluationOptions): Promise<EvaluationResult> {
  const o = requireKnownKeys('options', options, OPTION_KEYS);
  // ---- every option checked before the first (possibly long) training
  const source = o.market as MarketSource;
  if (typeof source !== 'function') {
    const g = requireKnownKeys('options.market', source, ['generator', 'numSamples']);
    if (!(g.generator instanceof RegimeGenerator) && typeof g.generator !== 'string') fail('options.market.generator', 'a RegimeGenerator or a preset name', g.generator);
    if (typeof g.generator === 'string' && !Object.hasOwn(GENERATOR_PRESETS, g.generator)) fail('options.market.generator', `a RegimeGenerator or one of ${Object.keys(GENERATOR_PRESETS).join(', ')}`, g.generator);
    requireInt('options.market.numSamples', g.numSamples, 4);
  }
  const marketSeeds = seedList('options.marketSeeds', o.marketSeeds);
  const trainingSeeds = seedList('options.trainingSeeds', o.trainingSeeds ?? [0]);
  const strategies = o.strategies ?? [];
  if (!Array.isArray(strategies)) fail('options.strategies', 'an array of { name, train }', strategies);
  const names = new Set<string>();
  strategies.forEach((s: unknown, i) => {
    const r = requireKnownKeys(`options.strategies[${i}]`, s, ['name', 'train']);
    if (typeof r.name !== 'string' || r.name.trim() === '') fail(`options.strategies[${i}].name`, 'a non-empty string', r.name);
    if ((BASELINE_NAMES as readonly string[]).includes(r.name) || names.has(r.name)) fail(`options.strategies[${i}].name`, "unique and not a baseline's name", r.name);
    names.add(r.name);
    if (typeof r.train !== 'function') fail(`options.strategies[${i}].train`, 'a function (train, seed, context) => (test) => strategy', r.train);
  });
  const asked = o.baselines ?? (typeof source === 'function' ? undefined : BASELINE_NAMES);
  if (asked !== undefined) {
    if (!Array.isArray(asked)) fail('options.baselines', `an array of ${BASELINE_NAMES.map((b) => `'${b}'`).join(', ')}`, asked);
    asked.forEach((b: unknown, i) => {
      if (!(BASELINE_NAMES as readonly unknown[]).includes(b)) fail(`options.baselines[${i}]`, `one of ${BASELINE_NAMES.map((x) => `'${x}'`).join(', ')}`, b);
    });
  }
  // with a market function, the oracle runs by default only if its markets turn out synthetic
  const oracleDefault = asked === undefined;
  const want = new Set<BaselineName>(asked ?? ['buy-and-hold', 'random', 'ma-cross', 'oracle']);
  const trainFraction = o.trainFraction === undefined ? 0.7 : (o.trainFraction as number);
  if (typeof trainFraction !== 'number' || !(trainFraction > 0 && trainFraction < 1)) fail('options.trainFraction', 'a number in (0, 1)', trainFraction);
  const maCross = (o.maCross ?? { fast: 24, slow: 96, mode: 'long-short' }) as MovingAverageCrossOptions;
  const oracle = (o.oracle ?? { mode: 'long-short' }) as RegimeOracleOptions;
  const rnd = requireKnownKeys('options.random', o.random ?? {}, ['runs', 'seed', 'changeProbability', 'mode']);
  const randomRuns = requireInt('options.random.runs', rnd.runs ?? 20, 2);
  const b = requireKnownKeys('options.bootstrap', o.bootstrap ?? {}, ['resamples', 'blockLength', 'seed', 'confidence']);
  const bootstrap = {
    resamples: requireInt('options.bootstrap.resamples', b.resamples ?? 1000, 1),
    ...(b.blockLength !== undefined ? { blockLength: b.blockLength as number } : {}),
    seed: requireSeed('options.bootstrap.seed', b.seed ?? 0),
    confidence: b.confidence === undefined ? 0.95 : (b.confidence as number),
  };
  if (!(bootstrap.confidence > 0 && bootstrap.confidence < 1)) fail('options.bootstrap.confidence', 'a number in (0, 1)', bootstrap.confidence);
  if (b.blockLength !== undefined && (typeof b.blockLength !== 'number' || !(b.blockLength >= 1) || !Number.isFinite(b.blockLength))) fail('options.bootstrap.blockLength', 'a finite number >= 1', b.blockLength);
  const evaluated = strategies.length + [...want].filter((x) => x !== 'oracle').length;
  let trials = evaluated;
  if (o.trials !== undefined) {
    trials = requireInt('options.trials', o.trials, 1);
    if (trials < evaluated) fail('options.trials', `an integer >= ${evaluated} (the strategies and baselines evaluated here, the oracle not counted)`, trials);
  }
  let givenVariance: number | undefined;
  if (o.trialSharpeVariance !== undefined) {
    const v = o.trialSharpeVariance;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) fail('options.trialSharpeVariance', 'a finite number >= 0 (per period)', v);
    givenVariance = v;
  }
  const settings: Settings = {
    backtest: {
      ...(o.account !== undefined ? { account: o.account as BacktestOptions['account'] } : {}),
      ...(o.risk !== undefined ? { risk: o.risk as BacktestOptions['risk'] } : {}),
      ...(o.execution !== undefined ? { execution: o.execution as BacktestOptions['execution'] } : {}),
      ...(o.periodsPerYear !== undefined ? { periodsPerYear: o.periodsPerYear as number } : {}),
    },
    bootstrap,
  };

  const markets: MarketEvaluation[] = [];
  for (const seed of marketSeeds) {
    const { data, synthetic } = buildMarket(source, seed);
    const split = splitByFraction(data, { train: trainFraction });
    const test = split.test;
    if (test.length < 3) fail('options.trainFraction', `a fraction leaving at least 3 test bars (${data.length} bars)`, trainFraction);
    const testStart = split.train.length;
    if (markets.length === 0) {
      // backtest's own checks of the shared settings, on a flat signal, before any training;
      // so are the baselines' options
      backtest({ data: test, strategy: new Float64Array(test.length), ...settings.backtest });
      if (want.has('ma-cross')) movingAverageCrossSignal(data, maCross);
      if (want.has('oracle') && synthetic === undefined && !oracleDefault) fail('options.baselines', "without 'oracle' on markets with no known regimes (a market function returning MarketData)", asked);
      if (want.has('oracle') && synthetic !== undefined) regimeOracleSignal(synthetic.market, synthetic.config, oracle);
    }
    const pending: PendingRun[] = [{ strategy: 'buy-and-hold', kind: 'baseline', trainingSeed: undefined, result: run('buy-and-hold', buyAndHoldSignal(test), test, settings) }];
    const trainBars = isolated(split.train);
    for (const s of strategies) {
      for (const t of trainingSeeds) {
        const trained: unknown = await s.train(trainBars, t, { marketSeed: seed });
        if (typeof trained !== 'function') fail(`strategy "${s.name}".train(...)`, 'a function of the test bars returning the strategy', trained);
        const strategy = await (trained as TrainedStrategy)(test);
        pending.push({ strategy: s.name, kind: 'strategy', trainingSeed: t, result: run(s.name, strategy, test, settings) });
      }
    }
    if (want.has('ma-cross')) pending.push({ strategy: 'ma-cross', kind: 'baseline', trainingSeed: undefined, result: run('ma-cross', movingAverageCrossSignal(data, maCross).subarray(testStart), test, settings) });
    const withOracle = want.has('oracle') && synthetic !== undefined;
    if (withOracle) {
      const signal = regimeOracleSignal(synthetic.market, synthetic.config, oracle).subarray(testStart);
      pending.push({ strategy: 'oracle', kind: 'baseline', trainingSeed: undefined, result: run('oracle', signal, test, settings) });
    }
    let random: RandomEvaluation | undefined;
    if (want.has('random')) {
      const dist = randomSignalDistribution({
        data: test,
        runs: randomRuns,
        ...(rnd.seed !== undefined ? { seed: rnd.seed as number } : {}),
        ...(rnd.changeProbability !== undefined ? { changeProbability: rnd.changeProbability as number } : {}),
        mode: (rnd.mode ?? 'long-short') as PositionMode,
        ...settings.backtest,
      });
      random = { runs: randomRuns, sharpeValues: dist.values.sharpeRatio, sharpe: dist.summary.sharpeRatio, totalReturn: dist.summary.totalReturn, maxDrawdown: dist.summary.maxDrawdown };
    }
    // the trials' Sharpe spread: every run that stands for a tradable configuration
    let variance = givenVariance;
    if (variance === undefined) {
      const perPeriod: number[] = pending.filter((p) => p.strategy !== 'oracle').map((p) => sharpeMoments(p.result.returns).sharpe);
      if (random !== undefined) {
        const ppy = (pending[0] as PendingRun).result.periodsPerYear;
        for (const v of random.sharpeValues) perPeriod.push(v / Math.sqrt(ppy));
      }
      const sd = nanstd(perPeriod.filter((v) => Number.isFinite(v)), 1);
      variance = Number.isFinite(sd) ? sd * sd : 0;
    }
    const bh = (pending[0] as PendingRun).result;
    const runs = pending.map((p) => judge(p, p.strategy === 'buy-and-hold' ? undefined : bh, trials, variance, random, settings));
    const regimes = synthetic?.market.regimes.subarray(testStart);
    markets.push({ seed, trainBars: split.train.length, testBars: test.length, regimes, regimeNames: synthetic?.market.regimeNames, trialSharpeVariance: variance, runs, random });
  }

  const order = [...strategies.map((s) => s.name), 'buy-and-hold', 'ma-cross', 'oracle'];
  const summary: StrategySummary[] = [];
  for (const name of order) {
    const rows = markets.flatMap((m) => m.runs.filter((r) => r.strategy === name).map((run) => ({ run })));
    if (rows.length > 0) summary.push(summariseStrategy(name, (rows[0] as { run: EvaluationRun }).run.kind, rows));
  }
  if (want.has('random')) summary.push(summariseRandom(markets));
  return { markets, summary, trials, trainFraction, trainingSeeds, confidence: bootstrap.confidence };
}

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const signed = (v: number, digits: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : '-');
const percent = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '-');
const range = (lo: number, hi: number): string => `[${fixed(lo, 2)}, ${fixed(hi, 2)}]`;

/** Rows of cells as fixed-width text: the first column left-aligned, the others right-aligned. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] as readonly string[]).map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number))).join('  ').trimEnd());
}

/**
 * The evaluation as plain fixed-width text for a terminal (no colours): a summary per
 * strategy (runs, median Sharpe with its 5-95% spread, median Sharpe difference against
 * buy-and-hold, runs that beat it with the interval above 0, the share with DSR >= 0.95), each
 * strategy's verdict in words, then one row per market and run (return, Sharpe with its
 * interval, max drawdown, trades, PSR, DSR, the difference with its interval, and whether it
 * beats buy-and-hold), and a legend. Numbers are rounded for reading (Sharpe to 2 decimals,
 * PSR and DSR to 3, returns to 0.01%); `-` marks an undefined value.
 * @param result - what {@link evaluateStrategies} returned.
 * @returns the table, lines joined by `\n`.
 * @throws `InvalidArgumentError` (from `tradegym`) if `result` is not an evaluation result.
 * @example
 * ```ts
 * import { evaluateStrategies, formatEvaluationTable } from 'tradegym';
 * const result = await evaluateStrategies({
 *   market: { generator: 'crypto-15m-structured', numSamples: 3000 },
 *   marketSeeds: [3],
 *   account: { fee: 10 },
 *   random: { runs: 5 },
 *   bootstrap: { resamples: 100 },
 * });
 * const table = formatEvaluationTable(result);
 * console.log(table.split('\n')[0]); // Held-out evaluation: 1 market x 1 training seed, ...
 * ```
 */
export function formatEvaluationTable(result: EvaluationResult): string {
  const r = requireRecord('result', result);
  if (!Array.isArray(r.markets) || !Array.isArray(r.summary)) fail('result', 'what evaluateStrategies returned', result);
  const m0 = result.markets[0];
  const out: string[] = [];
  const seeds = result.trainingSeeds.length;
  out.push(
    `Held-out evaluation: ${result.markets.length} market${result.markets.length === 1 ? '' : 's'} x ${seeds} training seed${seeds === 1 ? '' : 's'}, ` +
      `trained on the first ${fixed(100 * result.trainFraction, 0)}% of each market, tested on the rest${m0 ? ` (${m0.testBars} bars)` : ''}; DSR counts ${result.trials} trials`,
  );
  out.push('');
  const ci = `${fixed(100 * result.confidence, 0)}%`;
  const head = ['strategy', 'runs', 'median Sharpe', '5%..95%', 'vs B&H', `beats B&H (${ci} CI > 0)`, 'DSR >= 0.95', 'verdict'];
  const rows: string[][] = [head];
  for (const s of result.summary) {
    rows.push([
      s.strategy,
      String(s.runs),
      fixed(s.sharpe.median, 2),
      `${fixed(s.sharpe.lower, 2)}..${fixed(s.sharpe.upper, 2)}`,
      signed(s.medianDifference, 2),
      Number.isFinite(s.wins) ? `${s.wins}/${s.runs}` : '-',
      Number.isFinite(s.significantShare) ? `${Math.round(s.significantShare * s.runs)}/${s.runs}` : '-',
      s.verdict,
    ]);
  }
  out.push(...columns(rows));
  out.push('');
  for (const s of result.summary) out.push(`${s.strategy}: ${s.verdictText}`);
  out.push('');
  const runHead = ['market', 'strategy', 'seed', 'return', 'Sharpe', `Sharpe ${ci} CI`, 'max DD', 'trades', 'PSR', 'DSR', 'vs B&H', `vs B&H ${ci} CI`, 'beats B&H'];
  const runRows: string[][] = [runHead];
  for (const m of result.markets) {
    for (const x of m.runs) {
      const d = x.difference;
      runRows.push([
        String(m.seed),
        x.strategy,
        x.trainingSeed === undefined ? '-' : String(x.trainingSeed),
        percent(x.totalReturn),
        fixed(x.sharpe, 2),
        range(x.sharpeInterval.lower, x.sharpeInterval.upper),
        percent(x.maxDrawdown),
        String(x.trades),
        fixed(x.psr, 3),
        fixed(x.dsr, 3),
        d ? signed(d.estimate, 2) : '-',
        d ? range(d.lower, d.upper) : '-',
        d ? (x.beatsBuyAndHold ? 'yes' : 'no') : '-',
      ]);
    }
    if (m.random !== undefined) {
      const q = m.random.sharpe;
      runRows.push([String(m.seed), `random (${m.random.runs} runs)`, '-', percent(m.random.totalReturn.median), fixed(q.median, 2), range(q.lower, q.upper), percent(m.random.maxDrawdown.median), '-', '-', '-', '-', '-', '-']);
    }
  }
  out.push(...columns(runRows));
  out.push('');
  out.push('Sharpe: annualised. vs B&H: Sharpe minus buy-and-hold\'s on the same test bars; its CI is a paired stationary bootstrap.');
  out.push('PSR: probability that the true Sharpe is above 0. DSR: the same, deflated for the number of trials; 0.95 is the bar for a discovery.');
  out.push('random: median and 5%..95% range over its runs. oracle: knows the hidden regimes, an upper bound rather than a strategy.');
  return out.join('\n');
}

import { fail, requireInt, requireKnownKeys, requireOneOf, requireRecord, requireSeed } from '../core/checks.js';
import { Rng } from '../core/Rng.js';
import { sma } from '../features/rolling.js';
import { MarketData } from '../market/MarketData.js';
import type { GeneratedMarket } from '../synthetic/RegimeGenerator.js';
import type { GeneratorConfig } from '../synthetic/config.js';
import { backtest, inferPeriodsPerYear, type BacktestOptions, type StrategyContext } from './backtest.js';
import type { ReturnMetrics } from './metrics.js';
import { spread } from './nan.js';

/**
 * Baselines: the strategies an agent has to beat before its result means anything. Each is a
 * {@link Strategy} that {@link backtest} runs as it runs any other: a signal (the target
 * position per bar as a signed fraction of equity, decided at that bar's close from closes up
 * to it) or, for DCA, a function of the {@link StrategyContext}. Costs, fills and the ledger
 * are the backtester's: a baseline pays the same fees as the agent it is compared with.
 */

/** Which positions a baseline may take: long or flat, or long or short. */
export type PositionMode = 'long-flat' | 'long-short';

const MODES: readonly PositionMode[] = ['long-flat', 'long-short'];

function requireData(data: unknown): MarketData {
  if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
  return data;
}

/** A fraction in (0, max]. */
function positiveAtMost(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !(v > 0 && v <= max)) fail(name, `a number in (0, ${max}]`, v);
  return v;
}

/**
 * Buy-and-hold as a signal: a target of 1 (all equity long) at every bar, so the backtester
 * buys once, at the first fill (bar 1's open by default), pays the fee once and holds. The
 * backtest's own `benchmark` is the same holding without costs from bar 0's close; this one is
 * the version an agent competes with on equal terms.
 * @param data - the bars.
 * @returns a `Float64Array` of `data.length` ones.
 * @throws `InvalidArgumentError` (from `tradegym`) if `data` is not a MarketData.
 * @example
 * ```ts
 * import { backtest, buyAndHoldSignal, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 500, seed: 1 });
 * const result = backtest({ data, strategy: buyAndHoldSignal(data), account: { fee: 10 } });
 * // bought once at bar 1's open, held to the end: one fee
console.log(result.positions[1]! > 0, result.positions[499] === result.positions[1], result.fees > 0); // true true true
 * ```
 */
export function buyAndHoldSignal(data: MarketData): Float64Array {
  return new Float64Array(requireData(data).length).fill(1);
}

/**
 * The relative gap below which two moving averages count as equal: far above the rounding of
 * the running sums (a few ulps), far below any price move (a tick is 1e-8 of a price at most).
 */
const CROSS_TOLERANCE = 1e-10;

/** Options of {@link movingAverageCrossSignal}. */
export interface MovingAverageCrossOptions {
  /** The fast simple moving average's window in bars (an integer >= 1, below `slow`). */
  readonly fast: number;
  /** The slow simple moving average's window in bars (an integer > `fast`). */
  readonly slow: number;
  /** `'long-flat'` (default): long when fast > slow, else flat; `'long-short'`: short when fast < slow. */
  readonly mode?: PositionMode;
}

/**
 * The moving-average cross, a trend rule: long when the fast simple moving average of the
 * close is above the slow one; below it, flat (`'long-flat'`) or short (`'long-short'`); flat
 * when they are equal (within a relative 1e-10, so an unchanged price does not trade on the
 * rounding of the averages) and before the slow window is full (bars `0 .. slow - 2`). No look-ahead:
 * the value at bar t reads closes `t - slow + 1 .. t` only, and the backtester fills it at
 * bar t + 1's open (or t's close with `execution: 'close'`).
 * @param data - the bars.
 * @param options - `fast`, `slow`, `mode`.
 * @returns the signal, one value per bar: 1, 0 or -1.
 * @throws `InvalidArgumentError` (from `tradegym`) if `data` is not a MarketData, for windows
 *   that are not integers with 1 <= fast < slow, a bad mode or an unknown option.
 * @example
 * ```ts
 * import { backtest, movingAverageCrossSignal, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m-structured').generate({ numSamples: 5000, seed: 3 });
 * const signal = movingAverageCrossSignal(data, { fast: 24, slow: 96, mode: 'long-short' });
 * console.log(signal[0], signal[94], Math.abs(signal[95]!)); // 0 0 1 (the first full slow window)
 * const result = backtest({ data, strategy: signal, account: { fee: 10 } });
 * console.log(result.metrics.sharpeRatio > 0); // true: this market trends
 * ```
 */
export function movingAverageCrossSignal(data: MarketData, options: MovingAverageCrossOptions): Float64Array {
  requireData(data);
  const o = requireKnownKeys('options', options, ['fast', 'slow', 'mode']);
  const fast = requireInt('options.fast', o.fast, 1);
  const slow = requireInt('options.slow', o.slow, 1);
  if (slow <= fast) fail('options.slow', `an integer > options.fast (${fast})`, slow);
  const mode = requireOneOf('options.mode', o.mode ?? 'long-flat', MODES);
  // NaN until a window is full: the comparisons below are false there, so the signal is 0
  const f = sma(data.close, fast);
  const s = sma(data.close, slow);
  const below = mode === 'long-short' ? -1 : 0;
  const out = new Float64Array(data.length);
  for (let t = 0; t < out.length; t++) {
    const a = f[t] as number;
    const b = s[t] as number;
    // averages within rounding of each other are equal: on an unchanged price the two running
    // sums differ in the last bits (29999.7 against 29999.700000000004), which would trade
    const gap = CROSS_TOLERANCE * Math.abs(b);
    out[t] = a - b > gap ? 1 : b - a > gap ? below : 0;
  }
  return out;
}

/** Options of {@link randomSignal}. */
export interface RandomSignalOptions {
  /** The seed (a safe integer >= 0): same data length, options and seed, same signal. */
  readonly seed: number;
  /** Probability per bar of drawing a new target, in (0, 1] (default 0.01: a target lasts 100 bars on average). */
  readonly changeProbability?: number;
  /** `'long-flat'` (default): targets drawn from {0, 1}; `'long-short'`: from {-1, 0, 1}. */
  readonly mode?: PositionMode;
}

const RANDOM_KEYS = ['seed', 'changeProbability', 'mode'] as const;

/**
 * A random strategy: at bar 0 a target is drawn uniformly from the mode's positions; at
 * each later bar, with probability `changeProbability`, a new one is drawn (it may repeat the
 * last). One path is one draw of luck: compare an agent with
 * {@link randomSignalDistribution}, the same strategy over many seeds.
 * @param data - the bars (only their number is read).
 * @param options - `seed`, `changeProbability`, `mode`.
 * @returns the signal, one value per bar.
 * @throws `InvalidArgumentError` (from `tradegym`) if `data` is not a MarketData, for a bad
 *   seed, probability or mode, or an unknown option.
 * @example
 * ```ts
 * import { randomSignal, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1000, seed: 1 });
 * const a = randomSignal(data, { seed: 5, mode: 'long-short' });
 * const b = randomSignal(data, { seed: 5, mode: 'long-short' });
 * console.log(a.every((v, i) => v === b[i]), new Set(a).size <= 3); // true true
 * ```
 */
export function randomSignal(data: MarketData, options: RandomSignalOptions): Float64Array {
  requireData(data);
  const o = requireKnownKeys('options', options, RANDOM_KEYS);
  const rng = new Rng(requireSeed('options.seed', o.seed));
  const p = positiveAtMost('options.changeProbability', o.changeProbability ?? 0.01, 1);
  const mode = requireOneOf('options.mode', o.mode ?? 'long-flat', MODES);
  const low = mode === 'long-short' ? -1 : 0;
  const out = new Float64Array(data.length);
  let target = 0;
  for (let t = 0; t < out.length; t++) {
    if (t === 0 || rng.uniform() < p) target = rng.integer(low, 2);
    out[t] = target;
  }
  return out;
}

/** Options of {@link randomSignalDistribution}: the random strategy's, the runs', and {@link backtest}'s. */
export interface RandomDistributionOptions extends Omit<BacktestOptions, 'strategy'>, Omit<RandomSignalOptions, 'seed'> {
  /** How many seeds to run (an integer >= 1). */
  readonly runs: number;
  /** Run i uses seed `seed + i` (default 0). */
  readonly seed?: number;
}

/** The median and the 5th and 95th percentiles of one metric over the runs (NaN runs left out). */
export interface DistributionSummary {
  /** The median. */
  readonly median: number;
  /** The 5th percentile. */
  readonly lower: number;
  /** The 95th percentile. */
  readonly upper: number;
  /** Runs where the metric was NaN (e.g. a Sharpe ratio of a run that never traded). */
  readonly nanRuns: number;
}

/** The metrics that {@link randomSignalDistribution} collects per run. */
export type DistributionMetric = Exclude<keyof ReturnMetrics, 'alpha' | 'beta'>;

/** What {@link randomSignalDistribution} returns. */
export interface RandomDistribution {
  /** The seed of each run. */
  readonly seeds: readonly number[];
  /** Each run's metric values, by metric, in the order of `seeds`. */
  readonly values: Readonly<Record<DistributionMetric, Float64Array>>;
  /** Each metric's median and 5th-95th percentile range. */
  readonly summary: Readonly<Record<DistributionMetric, DistributionSummary>>;
  /** Fees paid in each run. */
  readonly fees: Float64Array;
}

const METRICS: readonly DistributionMetric[] = [
  'totalReturn',
  'annualReturn',
  'cagr',
  'annualVolatility',
  'sharpeRatio',
  'sortinoRatio',
  'downsideRisk',
  'maxDrawdown',
  'calmarRatio',
  'omegaRatio',
  'tailRatio',
  'valueAtRisk',
  'conditionalValueAtRisk',
  'stabilityOfTimeseries',
];


/**
 * The random strategy ({@link randomSignal}) backtested over `runs` seeds on the same bars and
 * costs: the distribution of what luck alone earns there. An agent whose Sharpe ratio sits
 * inside `summary.sharpeRatio`'s range has not shown it beats a coin; the fraction of
 * `values.sharpeRatio` at or above the agent's is an empirical p-value against this null.
 * @param options - `data`, `runs`, `seed` (run i uses `seed + i`), the random strategy's
 *   `changeProbability` and `mode`, and {@link backtest}'s `account`, `risk`, `execution`,
 *   `periodsPerYear`, `start`.
 * @returns the seeds, each run's metrics by name, their medians and 5th-95th percentiles, and the fees.
 * @throws `InvalidArgumentError` (from `tradegym`) for a bad `runs` or `seed`, an unknown
 *   option, or anything {@link randomSignal} or {@link backtest} rejects.
 * @example
 * ```ts
 * import { randomSignalDistribution, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1000, seed: 1 });
 * const dist = randomSignalDistribution({ data, runs: 20, account: { fee: 10 } });
 * const { lower, median, upper } = dist.summary.sharpeRatio;
 * console.log(dist.values.sharpeRatio.length, lower <= median && median <= upper); // 20 true
 * ```
 */
export function randomSignalDistribution(options: RandomDistributionOptions): RandomDistribution {
  const o = requireKnownKeys('options', options, ['data', 'runs', 'seed', 'changeProbability', 'mode', 'account', 'risk', 'execution', 'periodsPerYear', 'start']);
  const data = requireData(o.data);
  const runs = requireInt('options.runs', o.runs, 1);
  const first = requireSeed('options.seed', o.seed ?? 0);
  if (!Number.isSafeInteger(first + runs - 1)) fail('options.seed', `<= ${Number.MAX_SAFE_INTEGER - runs + 1} (runs use seed + i)`, first);
  const { account, risk, execution, start } = options;
  // inferred once, not once per run
  const periodsPerYear = options.periodsPerYear ?? inferPeriodsPerYear(data);
  const signalOptions = { ...(o.changeProbability !== undefined ? { changeProbability: options.changeProbability } : {}), ...(o.mode !== undefined ? { mode: options.mode } : {}) };
  const seeds: number[] = [];
  const values = Object.fromEntries(METRICS.map((m) => [m, new Float64Array(runs)])) as Record<DistributionMetric, Float64Array>;
  const fees = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const seed = first + i;
    const strategy = randomSignal(data, { seed, ...signalOptions });
    const result = backtest({ data, strategy, account, risk, execution, periodsPerYear, start });
    const m = result.metrics;
    for (const k of METRICS) (values[k] as Float64Array)[i] = m[k];
    fees[i] = result.fees;
    seeds.push(seed);
  }
  const summary = Object.fromEntries(METRICS.map((m) => [m, spread(values[m])])) as Record<DistributionMetric, DistributionSummary>;
  return { seeds, values, summary, fees };
}

/** Options of {@link dcaStrategy}. */
export interface DcaOptions {
  /** Cash to invest at each purchase (a finite number > 0, in the account's currency). */
  readonly amount: number;
  /** Bars between purchases (an integer >= 1). */
  readonly every: number;
  /** The first purchase's bar (an integer >= 0, default 0): purchases at `offset`, `offset + every`, ... */
  readonly offset?: number;
  /** The largest position as a fraction of equity (in (0, 1], default 1): once reached, purchases stop. */
  readonly maxFraction?: number;
}

/**
 * Dollar-cost averaging: buy `amount` of cash's worth every `every` bars, never sell.
 *
 * How it maps onto the backtester's targets: a strategy asks for a target position as a
 * fraction of equity, so at a purchase bar t the function returns
 * `min(maxFraction, position + amount / equity)` (position and equity read at t's close, from
 * the {@link StrategyContext}) and NaN (hold what is held) at every other bar. The target
 * grows by `amount / equity`, so the purchase is `amount` of notional: exactly so with
 * `execution: 'close'` and no fee or slippage; with the default next-open fill it is `amount`
 * scaled by the equity's move from t's close to t + 1's open, and a fee or slippage comes
 * out of it (the Account keeps exposure within equity after costs). Once cash runs out the
 * target stays at `maxFraction` and later purchases do nothing. The rule is stateless (the
 * purchase bars follow from the bar index), so one strategy serves any number of backtests.
 * @param options - `amount`, `every`, `offset`, `maxFraction`.
 * @returns a strategy function for {@link backtest}.
 * @throws `InvalidArgumentError` (from `tradegym`) for a bad `amount`, `every`, `offset` or
 *   `maxFraction`, or an unknown option.
 * @example
 * ```ts
 * import { backtest, dcaStrategy, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('equity-daily').generate({ numSamples: 100, seed: 4 });
 * // 1,000 of the 10,000 starting cash every 20 bars, filled at the close
 * const result = backtest({ data, strategy: dcaStrategy({ amount: 1000, every: 20 }), execution: 'close' });
 * const invested = result.positions[99]! * data.close[99]!;
 * console.log((result.positions[1]! * data.close[0]!).toFixed(2)); // "1000.00": the first purchase, at bar 0's close
 * console.log(Math.round(result.equity[99]! - invested)); // 5000: five purchases, 5,000 left in cash
 * ```
 */
export function dcaStrategy(options: DcaOptions): (ctx: StrategyContext) => number {
  const o = requireKnownKeys('options', options, ['amount', 'every', 'offset', 'maxFraction']);
  const amount = o.amount;
  if (typeof amount !== 'number' || !(amount > 0) || !Number.isFinite(amount)) fail('options.amount', 'a finite number > 0', amount);
  const every = requireInt('options.every', o.every, 1);
  const offset = requireInt('options.offset', o.offset ?? 0, 0);
  const maxFraction = positiveAtMost('options.maxFraction', o.maxFraction ?? 1, 1);
  return ({ index, position, equity }) => {
    if (index < offset || (index - offset) % every !== 0 || !(equity > 0)) return Number.NaN;
    return Math.min(maxFraction, position + amount / equity);
  };
}

/** Options of {@link regimeOracleSignal}. */
export interface RegimeOracleOptions {
  /** `'long-flat'` (default): long in up-drift regimes, flat otherwise; `'long-short'`: short in down-drift regimes. */
  readonly mode?: PositionMode;
  /** A regime counts as up (down) when its drift per bar is above `minDrift` (below `-minDrift`); default 0. */
  readonly minDrift?: number;
}

/**
 * The regime oracle, for synthetic markets only: a signal that knows the generator's hidden
 * regime path. At bar t's close it takes the position for the next bar from that bar's regime
 * (`market.regimes[t + 1]`; the last bar, which is never traded, uses its own): long when the
 * regime's configured drift is above `minDrift`, short when below `-minDrift` in
 * `'long-short'` mode, flat otherwise.
 *
 * It uses information no agent has: the regime labels are never in the bars, and the oracle
 * knows a switch at the bar it happens, where any rule reading prices learns it only after
 * some bars of the new regime. Its result is therefore an upper bound on what a strategy that
 * follows the regimes can earn on that market (net of the same costs), not a strategy to
 * deploy; an agent near it has learnt what there is to learn.
 * @param market - what {@link RegimeGenerator.generate} returned.
 * @param config - the generator's configuration (`generator.config`), whose regimes give each label's drift.
 * @param options - `mode`, `minDrift`.
 * @returns the signal, one value per bar of `market.data`: 1, 0 or -1.
 * @throws `InvalidArgumentError` (from `tradegym`) if the market's regime names are not the
 *   config's, the labels do not match the bars, for a bad mode or minDrift, or an unknown option.
 * @example
 * ```ts
 * import { backtest, regimeOracleSignal, RegimeGenerator } from 'tradegym';
 * const generator = RegimeGenerator.preset('crypto-15m-structured');
 * const market = generator.generate({ numSamples: 5000, seed: 3 });
 * const signal = regimeOracleSignal(market, generator.config, { mode: 'long-short' });
 * const result = backtest({ data: market.data, strategy: signal, account: { fee: 10 } });
 * console.log(result.metrics.sharpeRatio > result.benchmark.metrics.sharpeRatio); // true
 * ```
 */
export function regimeOracleSignal(market: GeneratedMarket, config: GeneratorConfig, options: RegimeOracleOptions = {}): Float64Array {
  // the market and config are read, not options: only the fields the oracle needs are checked
  const m = requireRecord('market', market);
  const data = m.data;
  if (!(data instanceof MarketData)) fail('market.data', 'a MarketData', data);
  const regimes = m.regimes;
  if (!(regimes instanceof Uint8Array) || regimes.length !== data.length) fail('market.regimes', `a Uint8Array of ${data.length} labels (one per bar)`, regimes);
  const defs = requireRecord('config', config).regimes;
  if (!Array.isArray(defs)) fail('config.regimes', 'an array of regimes', defs);
  const names = (defs as readonly { name: string }[]).map((d) => d.name);
  const given = m.regimeNames;
  if (!Array.isArray(given) || given.length !== names.length || given.some((n, i) => n !== names[i])) fail('market.regimeNames', `the config's regime names (${names.join(', ')})`, given);
  const o = requireKnownKeys('options', options, ['mode', 'minDrift']);
  const mode = requireOneOf('options.mode', o.mode ?? 'long-flat', MODES);
  const minDrift = o.minDrift ?? 0;
  if (typeof minDrift !== 'number' || !(minDrift >= 0) || !Number.isFinite(minDrift)) fail('options.minDrift', 'a finite number >= 0', minDrift);
  const side = (defs as readonly { drift: number }[]).map((d) => (d.drift > minDrift ? 1 : d.drift < -minDrift && mode === 'long-short' ? -1 : 0));
  const out = new Float64Array(data.length);
  for (let t = 0; t < out.length; t++) {
    const k = regimes[Math.min(t + 1, out.length - 1)] as number;
    if (k >= side.length) fail(`market.regimes[${Math.min(t + 1, out.length - 1)}]`, `a regime index < ${side.length}`, k);
    out[t] = side[k] as number;
  }
  return out;
}

import { fail, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { episodeActor } from '../core/episodeActor.js';
import type { Account, Slippage, Trade } from '../envs/trading/Account.js';
import { fillBar, requireTradable } from '../envs/trading/bars.js';
import { TradingEnv } from '../envs/trading/TradingEnv.js';
import { MarketData } from '../market/MarketData.js';
import { walkForward, type WalkForwardOptions } from '../market/splits.js';
import { accountFor } from './account.js';
import { PaperFills, type StepOrder } from './fills.js';
import { buildResult } from './result.js';
import { returnMetrics, type ReturnMetrics } from './metrics.js';
import { checkRisk, checkSignalValue, signalLimits, type ResolvedRisk, type RiskEvent, type RiskOptions } from './risk.js';
import { functionDecider, SignalStepper } from './stepper.js';
import type { TradeStats } from './tradeStats.js';

const DAY = 86_400_000;

export type { FixedSizing, KellySizing, RiskEvent, RiskOptions, SessionClose, Sizing, VolatilitySizing } from './risk.js';

/** What a strategy function sees at the close of bar `index`: nothing after it. */
export interface StrategyContext {
  /** The bar just closed. */
  readonly index: number;
  /** The data, to be read only up to `index` (a function that reads further looks ahead). */
  readonly data: MarketData;
  /** The current position as a signed fraction of equity at this close. */
  readonly position: number;
  /** Equity at this close. */
  readonly equity: number;
}

/**
 * Something with `predict`, such as a tradegym agent; a recurrent agent (`RecurrentPPO`,
 * `recurrent: true`) gets its memory back at every bar.
 */
export type StrategyAgent =
  | {
      /** The action for an observation. */
      predict(observation: Float32Array, options?: { deterministic?: boolean; actionMask?: ArrayLike<number> }): number | Float32Array | Int32Array;
    }
  | {
      /** Marks an agent whose `predict` carries a state. */
      readonly recurrent: true;
      /** The action for an observation and the memory after it, from the memory before it. */
      predict(observation: Float32Array, options: { deterministic?: boolean; state?: never; episodeStart?: boolean }): RecurrentStep;
    };

/** What a recurrent agent's `predict` returns (see {@link StrategyAgent}). */
export interface RecurrentStep {
  /** The action. */
  readonly action: number | Float32Array | Int32Array;
  /** The memory to pass with the next observation. */
  readonly state: unknown;
}

/**
 * A strategy: a precomputed signal per bar (the target position as a signed fraction of
 * equity, decided at that bar's close), a function of the {@link StrategyContext} returning
 * that target at each close, or an agent or observation policy acting in a {@link TradingEnv}
 * (the env's own Account). A signal value, from an array or a function, is a finite number or
 * NaN, which holds the position as it is; with no sizing (or fixed sizing) its target must be
 * within `account.maxLeverage` unless `risk.maxPosition` clips it. Anything else is an error.
 */
export type Strategy =
  | ArrayLike<number>
  | ((ctx: StrategyContext) => number)
  | AgentStrategy
  | PolicyStrategy;

/** An agent acting deterministically in its env. */
export interface AgentStrategy {
  /** The env the agent acts in (its Account is the backtest's ledger). */
  readonly env: TradingEnv;
  /** The agent. */
  readonly agent: StrategyAgent;
}

/** A policy function of the observation, acting in its env. */
export interface PolicyStrategy {
  /** The env the policy acts in. */
  readonly env: TradingEnv;
  /** The action for an observation. */
  readonly policy: (observation: Float32Array) => number | Float32Array;
}

/** Costs and cash, as the Account takes them. */
export interface BacktestAccountOptions {
  /** Starting cash (default 10,000). */
  readonly initialCash?: number;
  /** Fee in bps of notional (default 0). */
  readonly fee?: number;
  /** Slippage in bps, or a function (default 0). */
  readonly slippage?: Slippage;
  /** Borrow rate per bar on shorts (default 0). */
  readonly borrowRate?: number;
  /** Gross leverage cap (default 1): a signal asking for more is an error (see {@link Strategy}). */
  readonly maxLeverage?: number;
}

/** Options of {@link backtest}. */
export interface BacktestOptions {
  /** The bars to trade. */
  readonly data: MarketData;
  /** The strategy. */
  readonly strategy: Strategy;
  /** Cash and costs. */
  readonly account?: BacktestAccountOptions;
  /** Risk rules (signal and function strategies). */
  readonly risk?: RiskOptions;
  /** `'next-open'` (default): a decision at bar t's close fills at t+1's open; `'close'`: at t's close. */
  readonly execution?: 'next-open' | 'close';
  /** Periods per year for annualising (default: inferred from the data's timeframe and calendar). */
  readonly periodsPerYear?: number;
  /** First bar to trade from (default 0). */
  readonly start?: number;
}

/** What {@link backtest} returns. */
export interface BacktestResult {
  /** The bar index (in the data) of the first equity point; trade indices are bar indices. */
  readonly startIndex: number;
  /** Bar timestamps (ms), one per equity point: a view of the data's column, not a copy. */
  readonly timestamps: Float64Array;
  /** Close prices, one per equity point: a view of the data's column, not a copy. */
  readonly prices: Float64Array;
  /** Equity at each close; the first point is the starting cash. */
  readonly equity: Float64Array;
  /** Simple returns per bar (`equity.length - 1` of them), computed on first read. */
  readonly returns: Float64Array;
  /** Position (units) held at each close (built on first read for a plain signal). */
  readonly positions: Float64Array;
  /** Closed round trips. */
  readonly trades: readonly Trade[];
  /** Fees paid. */
  readonly fees: number;
  /** Borrow paid. */
  readonly borrow: number;
  /** Periods per year used for annualising. */
  readonly periodsPerYear: number;
  /** empyrical metrics of `returns`, with alpha and beta against buy-and-hold (computed on first read). */
  readonly metrics: ReturnMetrics;
  /** backtesting.py's trade statistics (computed on first read). */
  readonly stats: TradeStats;
  /** Buy-and-hold over the same bars, without costs (computed on first read). */
  readonly benchmark: BenchmarkResult;
  /** Why trading halted early, per bar index (stops and daily limits), for the report. */
  readonly events: readonly RiskEvent[];
}

/** Buy-and-hold over the backtest's bars. */
export interface BenchmarkResult {
  /** Equity, starting from the same cash. */
  readonly equity: Float64Array;
  /** Returns per bar. */
  readonly returns: Float64Array;
  /** Its metrics. */
  readonly metrics: ReturnMetrics;
}


/**
 * Periods per year of a bar series, as empyrical's convention: 24/7 data (any weekend bar)
 * has 365 days a year, other data 252; intraday bars multiply by the bars per day (24/7: the
 * day over the timeframe; otherwise the median number of bars per trading day); weekly bars
 * give 52 and monthly 12.
 * @param data - the bars.
 * @returns periods per year.
 * @throws `InvalidArgumentError` (from `tradegym`) for data that is not a MarketData, or fewer than 2 bars.
 * @example
 * ```ts
 * import { inferPeriodsPerYear, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 200, seed: 1 });
 * console.log(inferPeriodsPerYear(data)); // 35040 = 365 * 96
 * ```
 */
export function inferPeriodsPerYear(data: MarketData): number {
  if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
  if (data.length < 2) fail('data', 'at least 2 bars to infer a timeframe', `${data.length} bars`);
  const tf = data.timeframeMs;
  if (tf >= 28 * DAY) return 12;
  if (tf >= 7 * DAY) return 52;
  let weekend = false;
  for (let i = 0; i < data.length; i++) {
    const d = new Date(data.timestamps[i] as number).getUTCDay();
    if (d === 0 || d === 6) {
      weekend = true;
      break;
    }
  }
  if (tf >= DAY) return weekend ? 365 : 252;
  if (weekend) return 365 * Math.round(DAY / tf);
  const perDay = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const day = Math.floor((data.timestamps[i] as number) / DAY);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  // the first and last days may be partial (data that starts at noon): count bars on the days between
  const days = [...perDay.values()];
  const whole = days.length >= 3 ? days.slice(1, -1) : days;
  const counts = whole.sort((a, b) => a - b);
  return 252 * (days.length >= 3 ? (counts[Math.floor(counts.length / 2)] as number) : Math.max(...counts));
}


/** The bars: a MarketData of at least 2 bars. */
function checkData(data: unknown): MarketData {
  if (!(data instanceof MarketData)) fail('data', 'a MarketData', data);
  if (data.length < 2) fail('data', 'at least 2 bars', `${data.length} bars`);
  requireTradable('data', data);
  return data;
}

function resolvePeriodsPerYear(v: unknown, data: MarketData): number {
  const ppy = v === undefined ? inferPeriodsPerYear(data) : v;
  if (typeof ppy !== 'number' || !(ppy > 0) || !Number.isFinite(ppy)) fail('periodsPerYear', 'a finite number > 0', ppy);
  return ppy;
}

/**
 * The checked settings of a signal or function backtest (shared with walkForwardBacktest, which
 * checks them before its first, possibly long, fit). Defaults replace only what is left out:
 * null goes to the checks and is rejected there.
 */
function resolveSettings(o: Pick<BacktestOptions, 'account' | 'risk' | 'execution' | 'periodsPerYear'>, data: MarketData) {
  const periodsPerYear = resolvePeriodsPerYear(o.periodsPerYear, data);
  const risk = checkRisk(o.risk === undefined ? {} : o.risk);
  const execution = requireOneOf('execution', o.execution === undefined ? 'next-open' : o.execution, ['next-open', 'close']);
  const acct = accountFor(o.account === undefined ? {} : o.account);
  return { periodsPerYear, risk, execution, acct, ...signalLimits(risk, acct.maxLeverage) };
}

function isEnvStrategy(strategy: unknown): strategy is AgentStrategy | PolicyStrategy {
  return strategy !== null && typeof strategy === 'object' && 'env' in strategy;
}

/**
 * Backtests a strategy over bars through the same {@link Account} the trading envs use, so
 * fees, slippage and borrow are charged exactly as in training. A signal or function strategy
 * decides at each bar's close; the order fills at the next bar's open (or at that close with
 * `execution: 'close'`); a position is held (not rebalanced) while the target is unchanged.
 * Stops are checked on each bar's high and low after the fill (a gap through the stop fills at
 * the open). The bar-by-bar logic (fills, stops, the mark, the daily loss limit, the decision
 * and its risk rules) is the stepper `tradegym/live`'s runner runs too: a replay of these bars
 * there makes these decisions and fills. An agent or policy strategy runs its {@link TradingEnv} for one deterministic
 * episode and reads that env's Account. Returns the equity curve, returns, positions, trades,
 * costs, empyrical metrics, backtesting.py's trade statistics and buy-and-hold.
 *
 * Every signal value (of an array before the run, of a function at each bar) must be a finite
 * number or NaN (hold); the target it asks for (times a fixed sizing fraction) must be within
 * `account.maxLeverage`, since the Account would otherwise cut it silently: a signal of 2 needs
 * `maxLeverage: 2`, and `risk.maxPosition` clips larger signals on purpose.
 *
 * @param options - data, strategy, account, risk, execution, periodsPerYear, start.
 * @returns the {@link BacktestResult}.
 * @throws `InvalidArgumentError` (from `tradegym`) naming the argument and showing its value:
 *   an unknown option key; a signal of the wrong length; a signal value that is not a finite
 *   number or NaN, or asks for more than `account.maxLeverage`; a bad account, risk, execution,
 *   start or periodsPerYear value (null included); risk rules, account, execution or start given
 *   with an env strategy (it trades under its env's settings).
 * @example
 * ```ts
 * import { backtest, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 2000, seed: 7 });
 * // long when the close is above its 50-bar mean, short below
 * const signal = Array.from(data.close, (c, t) => {
 *   if (t < 50) return 0;
 *   let s = 0;
 *   for (let k = t - 49; k <= t; k++) s += data.close[k] as number;
 *   return c > s / 50 ? 1 : -1;
 * });
 * const result = backtest({ data, strategy: signal, account: { fee: 10 }, risk: { stopLoss: 0.03 } });
 * console.log(result.stats.trades, result.metrics.sharpeRatio.toFixed(2), result.benchmark.metrics.sharpeRatio.toFixed(2));
 * ```
 */
export function backtest(options: BacktestOptions): BacktestResult {
  requireKnownKeys('options', options, ['data', 'strategy', 'account', 'risk', 'execution', 'periodsPerYear', 'start']);
  const data = checkData(options.data);
  const strategy: unknown = options.strategy;
  if (isEnvStrategy(strategy)) {
    for (const k of ['account', 'risk', 'execution', 'start'] as const) {
      if (options[k] !== undefined) fail(`options.${k}`, "left out with an env strategy, which trades under its env's settings (fee, slippage, maxLeverage, execution, maxDrawdown, positionSize: set them on the TradingEnv)", options[k]);
    }
    return runEnv(strategy, data, resolvePeriodsPerYear(options.periodsPerYear, data));
  }
  const { periodsPerYear, risk, execution, acct, scale, limit } = resolveSettings(options, data);
  // defaults replace only what is left out: null goes to the checks and is rejected there
  const start = requireInt('start', options.start === undefined ? 0 : options.start, 0);
  if (start > data.length - 2) fail('start', `<= ${data.length - 2} (two bars at least)`, start);
  if (typeof strategy === 'function') return runSignal(data, acct, strategy as (ctx: StrategyContext) => number, risk, execution, start, periodsPerYear, scale, limit);
  const isSignal = strategy !== null && typeof strategy === 'object' && typeof (strategy as ArrayLike<unknown>).length === 'number';
  if (!isSignal) fail('strategy', 'a signal array, a function, or { env, agent | policy }', strategy);
  const signal = strategy as ArrayLike<unknown>;
  if (signal.length !== data.length) fail('strategy', `a signal of ${data.length} values (one per bar)`, `${signal.length} values`);
  // one check of every value, whichever path runs
  for (let i = 0; i < signal.length; i++) checkSignalValue(signal[i], i, false, scale, limit);
  const checked = signal as ArrayLike<number>;
  const plain = risk.stopLoss === undefined && risk.takeProfit === undefined && risk.trailingStop === undefined && risk.dailyLossLimit === undefined && risk.minHoldBars === undefined && risk.sessionClose === undefined && (risk.sizing === undefined || risk.sizing.kind === 'fixed');
  if (plain) return runPlainSignal(data, acct, checked, risk, execution, start, periodsPerYear);
  return runSignal(data, acct, checked, risk, execution, start, periodsPerYear, scale, limit);
}

/**
 * A signal with no stops, no loss limit and fixed (or no) sizing: the same decisions, fills
 * and ledger as {@link runSignal}, but it scans for the bars where the target changes and
 * marks the bars between them in one `Account.markRun`. Small, monomorphic loops that V8
 * optimises within the first call.
 */
function runPlainSignal(data: MarketData, acct: Account, signal: ArrayLike<number>, risk: RiskOptions, execution: 'next-open' | 'close', start: number, periodsPerYear: number): BacktestResult {
  const { open, close } = data;
  const equity = new Float64Array(data.length - start);
  // positions change only at fills: (bar, units) pairs, spread into an array on first read
  const changes: number[] = [];
  const px = new Float64Array(1);
  px[0] = close[start] as number;
  equity[0] = acct.mark(px);
  const scale = risk.sizing?.kind === 'fixed' ? risk.sizing.fraction : 1;
  const cap = risk.maxPosition ?? Infinity;
  const nextOpen = execution === 'next-open';
  const last = data.length - 1;
  let held = 0;
  let heldSignal = 0;
  let t = start; // bars up to t are marked
  while (t < last) {
    // the first decision bar u >= t whose target differs from what is held
    let u = t;
    let target = held;
    for (; u < last; u++) {
      const s = signal[u] as number; // checked by backtest(): finite or NaN, within the cap
      // NaN holds; so does the signal that set what is held
      if (s === heldSignal || s !== s) continue;
      heldSignal = s;
      target = Math.max(-cap, Math.min(cap, s * scale));
      if (target !== held) break;
    }
    // bars t+1..u keep the position
    acct.markRun(close, t + 1, u + 1, equity, start);
    if (u === last) break;
    const fillPrice = nextOpen ? (open[u + 1] as number) : (close[u] as number);
    px[0] = fillPrice;
    const at = nextOpen ? u + 1 : u;
    acct.setTarget(0, target, fillPrice, at, fillBar(acct, data, at), px);
    held = target;
    px[0] = close[u + 1] as number;
    equity[u + 1 - start] = acct.mark(px);
    changes.push(u + 1 - start, acct.positions[0] as number);
    t = u + 1;
  }
  const positions = () => {
    const out = new Float64Array(equity.length);
    for (let k = 0; k < changes.length; k += 2) out.fill(changes[k + 1] as number, changes[k] as number, changes[k + 2] ?? out.length);
    return out;
  };
  return assemble(data, start, equity, positions, acct, periodsPerYear, []);
}

function runSignal(
  data: MarketData,
  acct: Account,
  strategy: ArrayLike<number> | ((ctx: StrategyContext) => number),
  risk: ResolvedRisk,
  execution: 'next-open' | 'close',
  start: number,
  periodsPerYear: number,
  scale: number,
  limit: number,
): BacktestResult {
  const n = data.length - start;
  const equity = new Float64Array(n);
  const positions = new Float64Array(n);
  const decide = typeof strategy === 'function' ? functionDecider(strategy, () => data, acct, scale, limit) : (t: number) => strategy[t] as number; // checked by backtest()
  const stepper = new SignalStepper({ account: acct, bars: data, risk, execution, timeframeMs: data.timeframeMs, decide });
  const fills = new PaperFills(acct, execution);
  const last = data.length - 1;
  const place = (o: StepOrder): boolean => {
    fills.submit(o, data.close[o.index] as number, fillBar(acct, data, o.index));
    return true;
  };
  for (let b = start; b <= last; b++) {
    if (fills.pending !== undefined) fills.open(b, data.open[b] as number, fillBar(acct, data, b));
    stepper.step(b, b < last, place);
    equity[b - start] = stepper.equity;
    positions[b - start] = stepper.position;
  }
  return assemble(data, start, equity, positions, acct, periodsPerYear, stepper.events);
}

/** Whether two MarketData hold the same bars (the same object, or equal timestamps and closes). */
function sameBars(a: MarketData, b: MarketData): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.timestamps[i] !== b.timestamps[i] || a.close[i] !== b.close[i]) return false;
  return true;
}

function runEnv(strategy: AgentStrategy | PolicyStrategy, data: MarketData, periodsPerYear: number): BacktestResult {
  requireKnownKeys('strategy', strategy, ['env', 'agent', 'policy']);
  const { env } = strategy;
  if (!(env instanceof TradingEnv)) fail('strategy.env', 'a TradingEnv', env);
  // the result reads the env's bars: other bars in options.data would be ignored silently
  if (!sameBars(env.data, data)) fail('strategy.env', `an env on the backtest's data (${data.length} bars)`, `an env on ${env.data.length} other bars`);
  const { agent, policy } = strategy as { agent?: unknown; policy?: unknown };
  if ((agent === undefined) === (policy === undefined)) fail('strategy', '{ env, agent } or { env, policy } (one of the two)', Object.keys(strategy));
  let act: (o: Float32Array) => number | Float32Array | Int32Array;
  if (agent !== undefined) {
    if (agent === null || typeof agent !== 'object' || typeof (agent as { predict?: unknown }).predict !== 'function') fail('strategy.agent', 'an object with predict(observation)', agent);
    const actor = episodeActor<number | Float32Array | Int32Array>(agent as { predict(o: Float32Array): unknown });
    act = (o) => actor.act(o, { deterministic: true });
  } else {
    if (typeof policy !== 'function') fail('strategy.policy', 'a function of the observation', policy);
    act = policy as (o: Float32Array) => number | Float32Array;
  }
  let { observation } = (env as Env<Float32Array, number | Float32Array>).reset({ options: {} });
  const start = env.barIndex;
  const eq: number[] = [env.account.lastEquity];
  const pos: number[] = [0];
  for (;;) {
    const r = env.step(act(observation) as number | Float32Array); // the env checks the action against its space
    eq.push(r.info.equity as number);
    pos.push(r.info.position as number);
    observation = r.observation;
    if (r.terminated || r.truncated) break;
  }
  return assemble(env.data, start, Float64Array.from(eq), Float64Array.from(pos), env.account, periodsPerYear, []);
}

function assemble(data: MarketData, start: number, equity: Float64Array, units: Float64Array | (() => Float64Array), acct: Account, periodsPerYear: number, events: BacktestResult['events']): BacktestResult {
  const n = equity.length;
  return buildResult({ startIndex: start, timestamps: data.timestamps.subarray(start, start + n), prices: data.close.subarray(start, start + n), equity, positions: units, account: acct, periodsPerYear, events });
}

/** Options of {@link walkForwardBacktest}. */
export interface WalkForwardBacktestOptions extends WalkForwardOptions, Omit<BacktestOptions, 'strategy' | 'start'> {
  /**
   * Called once per fold with its training bars and its test bars (each a slice of `data`);
   * returns the strategy for the test bars (a signal of the test slice's length, a function,
   * or `{ env, agent | policy }` on the test slice). May be async (e.g. to train an agent).
   */
  readonly fit: (train: MarketData, test: MarketData, fold: number) => Strategy | Promise<Strategy>;
}

/** What {@link walkForwardBacktest} returns. */
export interface WalkForwardBacktestResult {
  /** Each fold's out-of-sample backtest, over its whole test window. */
  readonly folds: readonly BacktestResult[];
  /** The stitched out-of-sample equity: the starting cash, then compounded by `returns`. */
  readonly equity: Float64Array;
  /** The stitched out-of-sample returns, one per bar at most (see {@link walkForwardBacktest}). */
  readonly returns: Float64Array;
  /** The bar (an index into `data`) at whose close each return ends: strictly increasing. */
  readonly returnIndex: Int32Array;
  /** Metrics of the stitched returns. */
  readonly metrics: ReturnMetrics;
}

/**
 * Walk-forward backtest: for each fold of {@link walkForward}, `fit` on the training window,
 * backtest its strategy on the test window that follows, and stitch the out-of-sample returns
 * into one equity curve.
 *
 * Stitching counts each bar's return once. The return of bar `b` (close `b - 1` to close `b`)
 * comes from the latest fold whose backtest covers both bars: the most recently fitted
 * strategy, as a system re-fitted every `step` bars would trade. With `step >= testSize` (the
 * default `step` is `testSize`) that is every return of every fold; with overlapping test windows
 * (`step < testSize`) a fold's returns stop where the next fold's backtest starts (its first
 * `step` returns, for a signal or function strategy), while `folds` still holds each fold's
 * whole window. `returnIndex` gives the bar of each stitched return. Each fold starts flat
 * with the starting cash, so a fold's first bar has no return of its own; closing one fold's
 * position when the next takes over is not charged (as at the end of any fold).
 *
 * @param options - the fold sizes (`trainSize`, `testSize`, `step`, `embargo`, `mode`), `fit`,
 *   and the {@link backtest} options except `strategy` and `start`.
 * @returns each fold's result, the stitched out-of-sample equity, returns, their bars and metrics.
 * @throws `InvalidArgumentError` (from `tradegym`) if the data holds no complete fold, for an
 *   unknown option key or a bad option (naming it), or for a strategy `fit` returns that
 *   {@link backtest} rejects.
 * @example
 * ```ts
 * import { RegimeGenerator, walkForwardBacktest } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 3000, seed: 2 });
 * // "fit" the sign of the training window's drift, then hold it through the test window
 * const result = await walkForwardBacktest({
 *   data, trainSize: 1000, testSize: 500,
 *   fit: (train, test) => {
 *     const drift = (train.close[train.length - 1] as number) > (train.close[0] as number) ? 1 : -1;
 *     return new Array<number>(test.length).fill(drift);
 *   },
 * });
 * console.log(result.folds.length, result.equity.length); // 4 folds, 4 * 500 - 3 points
 * // re-fitted every 250 bars on 500-bar windows: each bar's return once, from the latest fit
 * const overlapping = await walkForwardBacktest({ data, trainSize: 1000, testSize: 500, step: 250, fit: (_, test) => new Array<number>(test.length).fill(1) });
 * console.log(overlapping.folds.length, overlapping.returns.length); // 7 folds, 6 * 250 + 499 = 1999 returns
 * ```
 */
export async function walkForwardBacktest(options: WalkForwardBacktestOptions): Promise<WalkForwardBacktestResult> {
  requireKnownKeys('options', options, ['data', 'fit', 'trainSize', 'testSize', 'step', 'embargo', 'mode', 'account', 'risk', 'execution', 'periodsPerYear']);
  const { data, fit, trainSize, testSize, step, embargo, mode, ...rest } = options;
  checkData(data);
  if (typeof fit !== 'function') fail('fit', 'a function (train, test, fold) => strategy', fit);
  const folds = walkForward(data.length, { trainSize, testSize, ...(step !== undefined ? { step } : {}), ...(embargo !== undefined ? { embargo } : {}), ...(mode !== undefined ? { mode } : {}) });
  // the backtest settings are checked before the first fit, which may train for a long time
  const { periodsPerYear } = resolveSettings(rest, data);
  const results: BacktestResult[] = [];
  for (const f of folds) {
    const train = data.slice(f.train[0], f.train[1]);
    const test = data.slice(f.test[0], f.test[1]);
    const strategy = await fit(train, test, f.index);
    results.push(backtest({ ...rest, data: test, strategy, periodsPerYear }));
  }
  // fold k's returns end at bars first[k] + 1 .. first[k] + returns.length; a bar's return comes
  // from the latest fold covering it, so fold k stops where fold k + 1's backtest starts
  const first = results.map((r, k) => (folds[k] as (typeof folds)[number]).test[0] + r.startIndex);
  const returns: number[] = [];
  const bars: number[] = [];
  let lastBar = -1;
  results.forEach((r, k) => {
    const until = k + 1 < results.length ? (first[k + 1] as number) : Infinity;
    for (let j = 0; j < r.returns.length; j++) {
      const b = (first[k] as number) + 1 + j;
      if (b > until) break;
      if (b <= lastBar) continue;
      returns.push(r.returns[j] as number);
      bars.push(b);
      lastBar = b;
    }
  });
  const equity = new Float64Array(returns.length + 1);
  equity[0] = (results[0] as BacktestResult).equity[0] as number;
  for (let k = 0; k < returns.length; k++) equity[k + 1] = (equity[k] as number) * (1 + (returns[k] as number));
  const stitched = Float64Array.from(returns);
  return { folds: results, equity, returns: stitched, returnIndex: Int32Array.from(bars), metrics: returnMetrics(stitched, { periodsPerYear }) };
}

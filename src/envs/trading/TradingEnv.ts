import { fail, requireBool, requireInt, requireKnownKeys, requireOneOf } from '../../core/checks.js';
import { Env } from '../../core/Env.js';
import { valuesEqual } from '../../core/equal.js';
import { Float32Slab } from '../../core/Float32Slab.js';
import { DataValidationError, InvalidArgumentError } from '../../core/errors.js';
import type { ResetParams, ResetResult, StepResult } from '../../core/types.js';
import { FeatureFrame } from '../../features/FeatureFrame.js';
import { FeaturePipeline } from '../../features/FeaturePipeline.js';
import { MarketData } from '../../market/MarketData.js';
import { iso } from '../../market/timeframe.js';
import { Box } from '../../spaces/Box.js';
import { Discrete } from '../../spaces/Discrete.js';
import type { Space } from '../../spaces/Space.js';
import { Account, type Bar, type Trade } from './Account.js';
import { fillBar, requireTradable } from './bars.js';
import type { MarketCostOptions, RiskLimitOptions } from './options.js';
import { RewardTracker, type RewardFunction, type RewardOptions } from './rewards.js';

/**
 * How actions map to positions:
 * - `'discrete-4'`: 0 hold, 1 go long (when flat), 2 go short (when flat), 3 close. Actions
 *   that do not apply (long while in a position, close while flat) are masked in
 *   `info.actionMask` and act as hold if taken.
 * - `'discrete-3'`: the target: 0 short, 1 flat, 2 long.
 * - `'continuous'`: a target position in [-1, 1] (or [0, 1] with `longOnly`) of
 *   `positionSize` times equity.
 */
export type ActionScheme = 'discrete-4' | 'discrete-3' | 'continuous';

/** Options of {@link TradingEnv}. */
export interface TradingEnvOptions extends MarketCostOptions, RiskLimitOptions {
  /** The bars (default: `features.bars`, the bars a pipeline's frame carries). */
  readonly data?: MarketData;
  /** Feature columns aligned with `data` (default: 1-bar log returns). */
  readonly features?: FeatureFrame<MarketData | undefined>;
  /** Which columns of `features` to observe (default: all). */
  readonly featureColumns?: readonly string[];
  /** Rows of features per observation (default 32). */
  readonly windowSize?: number;
  /** See {@link ActionScheme} (default `'discrete-4'`). */
  readonly actionScheme?: ActionScheme;
  /** With `'continuous'`: targets in [0, 1] only (default false). */
  readonly longOnly?: boolean;
  /** The position a full signal takes, as a fraction of equity (default 1). */
  readonly positionSize?: number;
  /** The reward: weighted components, or your own function. */
  readonly reward?: RewardOptions | RewardFunction;
}

/** The episode summary in the last step's `info.summary`. */
export interface EpisodeSummary {
  /** Final equity / initial equity - 1. */
  readonly return: number;
  /** Closed round trips. */
  readonly trades: number;
  /** Fees paid. */
  readonly fees: number;
  /** The largest drawdown from peak equity, as a fraction. */
  readonly maxDrawdown: number;
  /** Final equity. */
  readonly finalEquity: number;
  /** Steps taken. */
  readonly steps: number;
}

/**
 * What {@link TradingEnv}'s `reset` and `step` return as `info`. The optional fields appear
 * only where they apply: `actionMask` for the discrete schemes, `fees` and
 * `rewardComponents` after a step, `closedTrades` when round trips closed in that step,
 * `summary` on the episode's last step.
 */
export type TradingInfo = {
  /** The bar the observation ends at. */
  readonly bar: number;
  /** Its timestamp (ms since the epoch). */
  readonly timestamp: number;
  /** Equity at that bar's close. */
  readonly equity: number;
  /** Cash. */
  readonly cash: number;
  /** Signed units held. */
  readonly position: number;
  /** Drawdown from peak equity, as a fraction. */
  readonly drawdown: number;
  /** Valid actions (1) for the discrete schemes: pass it to `actionSpace.sample` or an agent. */
  actionMask?: Int8Array;
  /** Fees paid in this step. */
  fees?: number;
  /** The reward's unweighted components (empty for a user reward function). */
  rewardComponents?: Readonly<Record<string, number>>;
  /** The round trips closed in this step, in order: usually one; two when a flip closes one and the episode's end closes the next. */
  closedTrades?: readonly Trade[];
  /** The episode summary, on the last step. */
  summary?: EpisodeSummary;
};

/**
 * Where a window of features sits in a flat observation: the first `window * features` values
 * are a `[window, features]` matrix, row-major (value `(r, j)` at index `r * features + j`),
 * oldest row first (row `window - 1` is the latest bar); any values after it are extra (a trading
 * env's account features) and are not part of the window. The built-in features extractors
 * of `tradegym/agents` read an observation through it.
 */
export interface WindowLayout {
  /** Rows (time steps) in the window, oldest first. */
  readonly window: number;
  /** Values per row. */
  readonly features: number;
}

const EXTRA = 4; // position, entry price vs close, unrealised PnL, log(1 + bars in position)

/**
 * A single-asset trading environment. Observation at bar t: the last `windowSize` rows of
 * the feature columns (row-major, oldest first) followed by four account features:
 * position (signed exposure / equity), entry price relative to the close (entry / close - 1,
 * 0 when flat), unrealised PnL / equity, and log(1 + bars in position). Everything comes
 * from bars <= t; an action fills at bar t+1's open (or bar t's close), and equity is marked
 * at bar t+1's close. All money moves through one {@link Account}, so the reward, the info
 * and a backtest agree to the cent.
 *
 * An episode terminates when the drawdown exceeds `maxDrawdown` (or equity reaches 0) and
 * is truncated at the end of the data or after `episodeLength` steps; either way an open
 * position is closed at the last close, with its fees, and `info.summary` reports the
 * episode.
 *
 * @example
 * ```ts
 * import { RegimeGenerator, TradingEnv, FeaturePipeline } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 2000, seed: 1 });
 * const features = new FeaturePipeline(['logReturns', 'rsi', 'bbands']).compute(data);
 * const env = new TradingEnv({ data, features, windowSize: 16, fee: 10, episodeLength: 500 });
 * let { info } = env.reset({ seed: 1 });
 * for (;;) {
 *   const r = env.step(env.actionSpace.sample(info.actionMask));
 *   info = r.info;
 *   if (r.terminated || r.truncated) break;
 * }
 * console.log(info.summary); // { return, trades, fees, maxDrawdown, finalEquity, steps }
 * ```
 */
export class TradingEnv extends Env<Float32Array, number | Float32Array, TradingInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: Space<number | Float32Array>;
  /** The bars. */
  readonly data: MarketData;
  /** The observed feature columns. */
  readonly featureNames: readonly string[];
  /** Rows of features per observation. */
  readonly windowSize: number;
  /** The action scheme. */
  readonly actionScheme: ActionScheme;
  /** The ledger (read it, do not trade on it directly during an episode). */
  readonly account: Account;
  /** The fill timing. */
  readonly execution: 'next-open' | 'close';
  /**
   * How the observation is laid out: `{ window: windowSize, features: featureNames.length }`,
   * row-major `[window, features]`, oldest bar first, then the four account features (see the
   * class description). Pass it as the `layout` of a features extractor.
   */
  readonly observationLayout: WindowLayout;

  readonly #matrix: Float32Array; // features, row-major [bars x F]
  readonly #nf: number;
  readonly #firstIndex: number; // earliest bar an episode may start at
  readonly #episodeLength: number | undefined;
  readonly #randomStart: boolean;
  readonly #positionSize: number;
  readonly #longOnly: boolean;
  readonly #maxDrawdown: number;
  readonly #reward: RewardTracker;
  readonly #price = new Float64Array(1);
  readonly #slab = new Float32Slab();
  #t = 0;
  #end = 0;
  #start = 0;
  #peak = 0;
  #maxDd = 0;
  #flat = 0;

  /**
   * @param options - data, features and trading parameters; see {@link TradingEnvOptions}.
   * @throws {@link InvalidArgumentError} for an unknown option, features not aligned with the
   *   data, a feature column that does not exist, a window longer than the data after warm-up,
   *   a `positionSize` above `maxLeverage`, or a fee, slippage or other number out of range.
   * @throws {@link DataValidationError} for a feature value that is not finite (as a float32)
   *   after the warm-up rows: it would reach the observations.
   */
  constructor(options: TradingEnvOptions) {
    super();
    const o = options;
    requireKnownKeys('options', options, [
      'data', 'features', 'featureColumns', 'windowSize', 'actionScheme', 'longOnly', 'positionSize', 'fee', 'slippage',
      'borrowRate', 'maxLeverage', 'initialCash', 'execution', 'episodeLength', 'randomStart', 'maxDrawdown', 'reward',
    ]);
    const data = o.data ?? o.features?.bars;
    if (!(data instanceof MarketData)) fail('data', 'a MarketData (or features from FeaturePipeline.compute, which carry their bars)', data);
    requireTradable('data', data);
    this.data = data;
    let frame = o.features ?? new FeaturePipeline(['logReturns']).compute(data);
    if (!(frame instanceof FeatureFrame)) fail('features', 'a FeatureFrame', frame);
    if (!valuesEqual(frame.timestamps, data.timestamps)) { // every row: a shifted bar in the middle would leak the future
      const hint = frame.bars !== undefined ? '; these features carry their own bars: pass data: features.bars, or leave data out' : '';
      throw new InvalidArgumentError(`features must be aligned with data (${data.length} bars from ${iso(data.timestamps[0] as number)}), got ${frame.length} rows from ${iso(frame.timestamps[0] as number)}${hint}`);
    }
    if (o.featureColumns !== undefined) frame = frame.select(o.featureColumns);
    this.featureNames = frame.names;
    const nf = frame.names.length;
    this.#nf = nf;
    this.windowSize = requireInt('windowSize', o.windowSize ?? 32, 1);
    const warm = frame.warmup;
    this.#firstIndex = warm + this.windowSize - 1;
    if (this.#firstIndex >= data.length - 1) {
      throw new InvalidArgumentError(
        `windowSize must leave at least one step: ${this.windowSize} rows after ${warm} warm-up rows needs more than ${data.length} bars, got windowSize ${this.windowSize}`,
      );
    }
    const matrix = new Float32Array(data.length * nf);
    for (let j = 0; j < nf; j++) {
      const col = frame.columns[j] as Float64Array;
      for (let i = 0; i < data.length; i++) {
        matrix[i * nf + j] = col[i] as number;
        const v = matrix[i * nf + j] as number;
        // rows before the warm-up never reach an observation; after it, NaN or a value beyond float32's range would
        if (i >= warm && !Number.isFinite(v)) {
          throw new DataValidationError(`features.${frame.names[j]}[${i}] must be finite after the ${warm} warm-up rows (as a float32), got ${col[i]}`);
        }
      }
    }
    this.#matrix = matrix;
    this.actionScheme = requireOneOf('actionScheme', o.actionScheme ?? 'discrete-4', ['discrete-4', 'discrete-3', 'continuous']);
    this.#longOnly = requireBool('longOnly', o.longOnly ?? false);
    if (this.#longOnly && this.actionScheme !== 'continuous') fail('longOnly', `left out with actionScheme '${this.actionScheme}' (it bounds the 'continuous' scheme; mask the short action instead)`, true);
    this.actionSpace = actionSpaceOf(this.actionScheme, this.#longOnly);
    this.observationSpace = new Box(-Infinity, Infinity, [this.windowSize * nf + EXTRA]);
    this.observationLayout = Object.freeze({ window: this.windowSize, features: nf });
    const size = o.positionSize ?? 1;
    if (typeof size !== 'number' || !(size > 0) || !Number.isFinite(size)) fail('positionSize', 'a finite number > 0', size);
    this.#positionSize = size;
    this.account = new Account({
      initialCash: o.initialCash ?? 10_000,
      fee: o.fee ?? 10,
      slippage: o.slippage ?? 0,
      borrowRate: o.borrowRate ?? 0,
      maxLeverage: o.maxLeverage ?? 1,
    });
    // a full signal beyond the cap would be cut silently, and actions between would not scale
    if (size > this.account.maxLeverage) fail('positionSize', `<= maxLeverage (${this.account.maxLeverage}): raise maxLeverage to take larger positions`, size);
    this.execution = requireOneOf('execution', o.execution ?? 'next-open', ['next-open', 'close']);
    this.#episodeLength = o.episodeLength === undefined ? undefined : requireInt('episodeLength', o.episodeLength, 1);
    if (this.#episodeLength !== undefined && this.#firstIndex + this.#episodeLength > data.length - 1) {
      fail('episodeLength', `at most ${data.length - 1 - this.#firstIndex} (the steps the data holds after warm-up and window)`, this.#episodeLength);
    }
    this.#randomStart = requireBool('randomStart', o.randomStart ?? this.#episodeLength !== undefined);
    const mdd = o.maxDrawdown ?? 1;
    if (typeof mdd !== 'number' || !(mdd > 0 && mdd <= 1)) fail('maxDrawdown', 'a number in (0, 1]', mdd);
    this.#maxDrawdown = mdd;
    this.#reward = new RewardTracker(o.reward);
  }

  /** The bar index the current observation ends at. */
  get barIndex(): number {
    return this.#t;
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array, TradingInfo> {
    const opts = requireKnownKeys('options', params.options ?? {}, ['start']);
    const lastStart = this.data.length - 1 - (this.#episodeLength ?? 1);
    let start: number;
    if (opts.start !== undefined) {
      start = requireInt('options.start', opts.start, this.#firstIndex);
      if (start > lastStart) fail('options.start', `<= ${lastStart}`, start);
    } else {
      start = this.#randomStart ? this.rng.integer(this.#firstIndex, lastStart + 1) : this.#firstIndex;
    }
    this.#start = start;
    this.#t = start;
    this.#end = this.#episodeLength === undefined ? this.data.length - 1 : start + this.#episodeLength;
    this.account.reset();
    this.#price[0] = this.data.close[start] as number;
    this.account.mark(this.#price);
    this.#peak = this.account.lastEquity;
    this.#maxDd = 0;
    this.#flat = 0;
    this.#reward.reset();
    return { observation: this.#observe(), info: this.#baseInfo() };
  }

  protected stepEnv(action: number | Float32Array): StepResult<Float32Array, TradingInfo> {
    const d = this.data;
    const t = this.#t;
    const next = t + 1;
    const acct = this.account;
    const prevEquity = acct.lastEquity;
    const feesBefore = acct.feesPaid;
    const wasFlat = acct.positions[0] === 0;
    const target = this.#target(action);
    const closedTrades: Trade[] = [];
    if (target !== undefined) {
      const fillAt = this.execution === 'next-open' ? next : t;
      const price = this.execution === 'next-open' ? (d.open[next] as number) : (d.close[t] as number);
      // equity for sizing is valued at the fill's reference price
      this.#price[0] = price;
      const fill = acct.setTarget(0, target * this.#positionSize, price, fillAt, this.#bar(fillAt), this.#price);
      if (fill?.closed !== undefined) closedTrades.push(fill.closed);
    }
    this.#price[0] = d.close[next] as number;
    let equity = acct.mark(this.#price);
    this.#t = next;
    const terminated = !(equity > 0) || 1 - equity / Math.max(this.#peak, equity) > this.#maxDrawdown;
    const truncated = !terminated && next >= this.#end;
    if ((terminated || truncated) && acct.positions[0] !== 0) {
      const fill = acct.trade(0, -(acct.positions[0] as number), d.close[next] as number, next, this.#bar(next));
      if (fill.closed !== undefined) closedTrades.push(fill.closed);
      equity = acct.equity(this.#price);
      acct.lastEquity = equity;
    }
    if (equity > this.#peak) this.#peak = equity;
    const dd = this.#peak > 0 ? 1 - equity / this.#peak : 1;
    if (dd > this.#maxDd) this.#maxDd = dd;
    const flatNow = acct.positions[0] === 0;
    this.#flat = flatNow ? this.#flat + 1 : 0;
    const fees = acct.feesPaid - feesBefore;
    const { total, components } = this.#reward.step({
      equity,
      prevEquity,
      fees,
      peakEquity: this.#peak,
      benchmarkReturn: (d.close[next] as number) / (d.close[t] as number) - 1,
      closedTrades,
      opened: wasFlat && !flatNow,
      flatSteps: this.#flat,
    });
    const info = this.#baseInfo();
    info.fees = fees;
    info.rewardComponents = components;
    if (closedTrades.length > 0) info.closedTrades = closedTrades;
    if (terminated || truncated) {
      const summary: EpisodeSummary = {
        return: equity / acct.initialCash - 1,
        trades: acct.trades.length,
        fees: acct.feesPaid,
        maxDrawdown: this.#maxDd,
        finalEquity: equity,
        steps: next - this.#start,
      };
      info.summary = summary;
    }
    return { observation: this.#observe(), reward: total, terminated, truncated, info };
  }

  /** @returns e.g. `bar 120 2024-01-02T06:00:00.000Z close 30123.45 pos +1.00 equity 10123.45`. */
  override render(): string | undefined {
    const t = this.#t;
    const pos = this.#positionFraction();
    return `bar ${t} ${iso(this.data.timestamps[t] as number)} close ${(this.data.close[t] as number).toFixed(2)} pos ${pos >= 0 ? '+' : ''}${pos.toFixed(2)} equity ${this.account.lastEquity.toFixed(2)}`;
  }

  /** The target as a signed fraction before `positionSize`, or undefined for hold. */
  #target(action: number | Float32Array): number | undefined {
    return actionTarget(this.actionScheme, action, this.account.positions[0] as number);
  }

  #bar(i: number): Bar | undefined {
    return fillBar(this.account, this.data, i);
  }

  #positionFraction(): number {
    const e = this.account.lastEquity;
    return e > 0 ? ((this.account.positions[0] as number) * (this.data.close[this.#t] as number)) / e : 0;
  }

  #baseInfo(): TradingInfo {
    const acct = this.account;
    const info: TradingInfo = {
      bar: this.#t,
      timestamp: this.data.timestamps[this.#t] as number,
      equity: acct.lastEquity,
      cash: acct.cash,
      position: acct.positions[0] as number,
      drawdown: this.#peak > 0 ? 1 - acct.lastEquity / this.#peak : 0,
    };
    if (this.actionScheme === 'discrete-4') {
      const flat = acct.positions[0] === 0;
      info.actionMask = flat ? Int8Array.of(1, 1, 1, 0) : Int8Array.of(1, 0, 0, 1);
    } else if (this.actionScheme === 'discrete-3') {
      info.actionMask = Int8Array.of(1, 1, 1);
    }
    return info;
  }

  #observe(): Float32Array {
    const nf = this.#nf;
    const w = this.windowSize;
    const obs = this.#slab.take(w * nf + EXTRA);
    const t = this.#t;
    obs.set(this.#matrix.subarray((t - w + 1) * nf, (t + 1) * nf));
    writeAccountFeatures(obs, w * nf, this.account, this.data.close[t] as number, t);
    return obs;
  }
}

/**
 * The target of an action as a signed fraction before `positionSize`, or undefined for hold
 * (see {@link ActionScheme}): what a trading env and the live runner do with an agent's action.
 * @internal
 */
export function actionTarget(scheme: ActionScheme, action: number | Float32Array, units: number): number | undefined {
  if (typeof action !== 'number') return action[0] as number;
  if (scheme === 'discrete-3') return action - 1;
  // discrete-4: masked actions act as hold
  if (action === 1) return units === 0 ? 1 : undefined;
  if (action === 2) return units === 0 ? -1 : undefined;
  if (action === 3) return units !== 0 ? 0 : undefined;
  return undefined;
}

/** The action space of a scheme. @internal */
export function actionSpaceOf(scheme: ActionScheme, longOnly: boolean): Space<number | Float32Array> {
  return scheme === 'discrete-4' ? new Discrete(4) : scheme === 'discrete-3' ? new Discrete(3) : new Box(longOnly ? 0 : -1, 1, [1]);
}

/** How many account features follow the window in an observation. @internal */
export const ACCOUNT_FEATURES = EXTRA;

/**
 * Writes the four account features of an observation at `base` (see {@link TradingEnv}) from
 * the ledger at bar `t`'s close: the one copy the env and the live runner share. The slots are
 * left as they are when flat (the caller hands a zeroed observation). @internal
 */
export function writeAccountFeatures(obs: Float32Array, base: number, acct: Account, close: number, t: number): void {
  const equity = acct.lastEquity;
  const units = acct.positions[0] as number;
  obs[base] = equity > 0 ? (units * close) / equity : 0;
  const open = acct.openTrade(0);
  if (open !== undefined) {
    obs[base + 1] = open.entryPrice / close - 1;
    obs[base + 2] = equity > 0 ? (units * (close - open.entryPrice)) / equity : 0;
    obs[base + 3] = Math.log1p(t - open.entryIndex);
  }
}

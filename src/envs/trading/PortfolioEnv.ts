import { fail, requireBool, requireInt, requireKnownKeys, requireOneOf } from '../../core/checks.js';
import { Env } from '../../core/Env.js';
import { InvalidActionError } from '../../core/errors.js';
import { Float32Slab } from '../../core/Float32Slab.js';
import type { ResetParams, ResetResult, StepResult } from '../../core/types.js';
import type { MarketData } from '../../market/MarketData.js';
import { iso } from '../../market/timeframe.js';
import { Box } from '../../spaces/Box.js';
import { Account, type Trade } from './Account.js';
import { fillBar, requireAlignedAssets } from './bars.js';
import type { MarketCostOptions, RiskLimitOptions } from './options.js';
import { RewardTracker, type RewardFunction, type RewardOptions } from './rewards.js';
import type { EpisodeSummary, WindowLayout } from './TradingEnv.js';
import { capGross, projectSimplex, softmax } from './weights.js';

/** Options of {@link PortfolioEnv}. */
export interface PortfolioEnvOptions extends MarketCostOptions, RiskLimitOptions {
  /** The assets' bars, aligned: same length and timestamps. */
  readonly assets: readonly MarketData[];
  /** Bars of log returns per observation (default 32). */
  readonly windowSize?: number;
  /**
   * How actions become weights: `'softmax'` of N+1 logits (default), `'simplex'`: projection
   * of N+1 numbers in [0, 1] onto the simplex (cash last in both), or `'signed'`: N weights
   * in [-1, 1] (shorts allowed), scaled down to gross exposure `maxLeverage`, cash the rest.
   */
  readonly weighting?: 'softmax' | 'simplex' | 'signed';
  /** The reward: the log return of the portfolio by default. */
  readonly reward?: RewardOptions | RewardFunction;
}

const NO_TRADES: readonly Trade[] = []; // a rebalance closes no round trips the reward counts

/**
 * What {@link PortfolioEnv}'s `reset` and `step` return as `info`; `fees`, `turnover` and
 * `rewardComponents` after a step, `summary` on the episode's last step.
 */
export type PortfolioInfo = {
  /** The bar the observation ends at. */
  readonly bar: number;
  /** Its timestamp (ms since the epoch). */
  readonly timestamp: number;
  /** Equity at that bar's close. */
  readonly equity: number;
  /** The weights held: one per asset, then cash. */
  readonly weights: Float64Array;
  /** Fees paid in this step. */
  fees?: number;
  /** Traded notional / equity in this step. */
  turnover?: number;
  /** The reward's unweighted components. */
  rewardComponents?: Readonly<Record<string, number>>;
  /** The episode summary, on the last step. */
  summary?: EpisodeSummary;
};

/**
 * A portfolio of N assets plus cash. The action sets target weights (see
 * {@link PortfolioEnvOptions.weighting}); rebalancing trades through one {@link Account},
 * so turnover pays the fee. Observation: the last `windowSize` 1-bar log returns of every
 * asset (row-major `[windowSize, N]`, oldest first), then the current weights of the N
 * assets and cash. The reward is the portfolio's log return by default.
 *
 * @example
 * ```ts
 * import { PortfolioEnv, RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = [1, 2, 3].map((seed) => gen.generate({ numSamples: 500, seed, symbol: `A${seed}` }).data);
 * const env = new PortfolioEnv({ assets, windowSize: 8, fee: 10 });
 * env.reset({ seed: 0 });
 * const { reward, info } = env.step(Float32Array.of(0, 0, 0, 0)); // equal weights incl. cash
 * console.log(info.weights); // about [0.25, 0.25, 0.25, 0.25]
 * ```
 */
export class PortfolioEnv extends Env<Float32Array, Float32Array, PortfolioInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** The assets' bars. */
  readonly assets: readonly MarketData[];
  /** Bars per observation window. */
  readonly windowSize: number;
  /** How actions become weights. */
  readonly weighting: 'softmax' | 'simplex' | 'signed';
  /** The ledger. */
  readonly account: Account;
  /** Fill timing. */
  readonly execution: 'next-open' | 'close';
  /**
   * How the observation is laid out: `{ window: windowSize, features: assets.length }`,
   * row-major `[window, features]` (row r holds every asset's log return of one bar, in the
   * order of `assets`), oldest bar first, then the N + 1 current weights. Pass it as the
   * `layout` of a features extractor.
   */
  readonly observationLayout: WindowLayout;
  readonly #n: number;
  readonly #returns: Float32Array; // [bars x N] 1-bar log returns
  readonly #episodeLength: number | undefined;
  readonly #randomStart: boolean;
  readonly #maxDrawdown: number;
  readonly #reward: RewardTracker;
  readonly #slab = new Float32Slab();
  readonly #target: Float64Array;
  readonly #prices: Float64Array;
  readonly #order: number[];
  readonly #delta: Float64Array;
  readonly #closeBuf: Float64Array;
  #t = 0;
  #start = 0;
  #end = 0;
  #peak = 0;
  #maxDd = 0;

  /**
   * @param options - assets and trading parameters.
   * @throws {@link InvalidArgumentError} for misaligned assets (naming the asset and the first
   *   differing bar), fewer than one asset, a window longer than the data, or a bad number.
   */
  constructor(options: PortfolioEnvOptions) {
    super();
    const o = options;
    requireKnownKeys('options', options, ['assets', 'windowSize', 'weighting', 'fee', 'slippage', 'borrowRate', 'maxLeverage', 'initialCash', 'execution', 'episodeLength', 'randomStart', 'maxDrawdown', 'reward']);
    const first = requireAlignedAssets(o.assets)[0] as MarketData;
    this.assets = Object.freeze(o.assets.slice());
    const n = o.assets.length;
    this.#n = n;
    this.windowSize = requireInt('windowSize', o.windowSize ?? 32, 1);
    if (this.windowSize + 1 >= first.length) fail('windowSize', `< ${first.length - 1} (the bars less one return and one step)`, this.windowSize);
    this.weighting = requireOneOf('weighting', o.weighting ?? 'softmax', ['softmax', 'simplex', 'signed']);
    this.actionSpace =
      this.weighting === 'softmax' ? new Box(-Infinity, Infinity, [n + 1]) : this.weighting === 'simplex' ? new Box(0, 1, [n + 1]) : new Box(-1, 1, [n]);
    this.observationSpace = new Box(-Infinity, Infinity, [this.windowSize * n + n + 1]);
    this.observationLayout = Object.freeze({ window: this.windowSize, features: n });
    const ret = new Float32Array(first.length * n);
    for (let a = 0; a < n; a++) {
      const c = (o.assets[a] as MarketData).close;
      for (let t = 1; t < first.length; t++) ret[t * n + a] = Math.log((c[t] as number) / (c[t - 1] as number));
    }
    this.#returns = ret;
    this.account = new Account({ assets: n, initialCash: o.initialCash ?? 10_000, fee: o.fee ?? 10, slippage: o.slippage ?? 0, borrowRate: o.borrowRate ?? 0, maxLeverage: o.maxLeverage ?? 1 });
    this.execution = requireOneOf('execution', o.execution ?? 'next-open', ['next-open', 'close']);
    const firstIndex = this.windowSize;
    this.#episodeLength = o.episodeLength === undefined ? undefined : requireInt('episodeLength', o.episodeLength, 1);
    if (this.#episodeLength !== undefined && firstIndex + this.#episodeLength > first.length - 1) {
      fail('episodeLength', `at most ${first.length - 1 - firstIndex}`, this.#episodeLength);
    }
    this.#randomStart = requireBool('randomStart', o.randomStart ?? this.#episodeLength !== undefined);
    const mdd = o.maxDrawdown ?? 1;
    if (typeof mdd !== 'number' || !(mdd > 0 && mdd <= 1)) fail('maxDrawdown', 'a number in (0, 1]', mdd);
    this.#maxDrawdown = mdd;
    this.#reward = new RewardTracker(o.reward ?? { returnType: 'log' });
    this.#target = new Float64Array(n + 1);
    this.#prices = new Float64Array(n);
    this.#order = Array.from({ length: n }, (_, i) => i);
    this.#delta = new Float64Array(n);
    this.#closeBuf = new Float64Array(n);
  }

  /** The bar index the current observation ends at. */
  get barIndex(): number {
    return this.#t;
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array, PortfolioInfo> {
    const opts = requireKnownKeys('options', params.options ?? {}, ['start']);
    const len = (this.assets[0] as MarketData).length;
    const lastStart = len - 1 - (this.#episodeLength ?? 1);
    const firstIndex = this.windowSize;
    const start =
      opts.start !== undefined ? requireInt('options.start', opts.start, firstIndex) : this.#randomStart ? this.rng.integer(firstIndex, lastStart + 1) : firstIndex;
    if (start > lastStart) fail('options.start', `<= ${lastStart}`, start);
    this.#start = start;
    this.#t = start;
    this.#end = this.#episodeLength === undefined ? len - 1 : start + this.#episodeLength;
    this.account.reset();
    this.account.mark(this.#closes(start));
    this.#peak = this.account.lastEquity;
    this.#maxDd = 0;
    this.#reward.reset();
    const weights = this.#weights();
    return { observation: this.#observe(weights), info: this.#info(weights) };
  }

  protected stepEnv(action: Float32Array): StepResult<Float32Array, PortfolioInfo> {
    const n = this.#n;
    const t = this.#t;
    const next = t + 1;
    const acct = this.account;
    const prevEquity = acct.lastEquity;
    const feesBefore = acct.feesPaid;
    const w = this.#target;
    // the softmax space is unbounded, and an infinite logit would make every weight NaN
    const bad = action.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InvalidActionError(`action[${bad}] must be finite, got ${action[bad]}`);
    if (this.weighting === 'softmax') softmax(action, w);
    else if (this.weighting === 'simplex') projectSimplex(action, w);
    else {
      for (let i = 0; i < n; i++) w[i] = action[i] as number;
      w[n] = 0;
      capGross(w.subarray(0, n), acct.maxLeverage);
    }
    // reference prices of the fills, and reductions first so the leverage cap has room
    const fillAt = this.execution === 'next-open' ? next : t;
    const prices = this.#prices;
    for (let a = 0; a < n; a++) {
      const d = this.assets[a] as MarketData;
      prices[a] = this.execution === 'next-open' ? (d.open[next] as number) : (d.close[t] as number);
    }
    const equityAtFill = acct.equity(prices);
    const delta = this.#delta;
    // reductions of gross exposure first (covering a short included), so the cap has room for the additions
    for (let a = 0; a < n; a++) delta[a] = Math.abs(w[a] as number) - Math.abs(((acct.positions[a] as number) * (prices[a] as number)) / equityAtFill);
    let traded = 0;
    for (let a = 0; a < n; a++) traded -= Math.abs((acct.positions[a] as number) * (prices[a] as number));
    this.#order.sort((a, b) => (delta[a] as number) - (delta[b] as number));
    for (const a of this.#order) {
      const before = acct.positions[a] as number;
      acct.setTarget(a, w[a] as number, prices[a] as number, fillAt, fillBar(acct, this.assets[a] as MarketData, fillAt), prices);
      traded += Math.abs((acct.positions[a] as number) - before) * (prices[a] as number) + Math.abs(before * (prices[a] as number));
    }
    const turnover = equityAtFill > 0 ? traded / equityAtFill : 0; // traded notional / equity
    let equity = acct.mark(this.#closes(next));
    this.#t = next;
    const terminated = !(equity > 0) || 1 - equity / Math.max(this.#peak, equity) > this.#maxDrawdown;
    const truncated = !terminated && next >= this.#end;
    if (terminated || truncated) {
      const closes = this.#closes(next);
      for (let a = 0; a < n; a++) if (acct.positions[a] !== 0) acct.trade(a, -(acct.positions[a] as number), closes[a] as number, next, fillBar(acct, this.assets[a] as MarketData, next));
      equity = acct.equity(closes);
      acct.lastEquity = equity;
    }
    if (equity > this.#peak) this.#peak = equity;
    const dd = this.#peak > 0 ? 1 - equity / this.#peak : 1;
    if (dd > this.#maxDd) this.#maxDd = dd;
    let bench = 0;
    for (const d of this.assets) bench += (d.close[next] as number) / (d.close[t] as number) - 1;
    const fees = acct.feesPaid - feesBefore;
    const { total, components } = this.#reward.step({ equity, prevEquity, fees, peakEquity: this.#peak, benchmarkReturn: bench / n, closedTrades: NO_TRADES, opened: false, flatSteps: 0 });
    const weights = this.#weights();
    const info = this.#info(weights);
    info.fees = fees;
    info.turnover = turnover;
    info.rewardComponents = components;
    if (terminated || truncated) {
      const summary: EpisodeSummary = { return: equity / acct.initialCash - 1, trades: acct.trades.length, fees: acct.feesPaid, maxDrawdown: this.#maxDd, finalEquity: equity, steps: next - this.#start };
      info.summary = summary;
    }
    return { observation: this.#observe(weights), reward: total, terminated, truncated, info };
  }

  /** @returns e.g. `bar 40 2024-01-01T10:00:00.000Z equity 10012.34 weights 0.25 0.25 0.25 | cash 0.25`. */
  override render(): string | undefined {
    const w = this.#weights();
    return `bar ${this.#t} ${iso((this.assets[0] as MarketData).timestamps[this.#t] as number)} equity ${this.account.lastEquity.toFixed(2)} weights ${Array.from(w.subarray(0, this.#n), (v) => v.toFixed(2)).join(' ')} | cash ${(w[this.#n] as number).toFixed(2)}`;
  }

  /** Every asset's close at bar t, in a reused buffer (read it before the next call). */
  #closes(t: number): Float64Array {
    const out = this.#closeBuf;
    for (let a = 0; a < this.#n; a++) out[a] = (this.assets[a] as MarketData).close[t] as number;
    return out;
  }

  #weights(): Float64Array {
    const n = this.#n;
    const out = new Float64Array(n + 1);
    const e = this.account.lastEquity;
    let invested = 0;
    for (let a = 0; a < n; a++) {
      const v = e > 0 ? ((this.account.positions[a] as number) * ((this.assets[a] as MarketData).close[this.#t] as number)) / e : 0;
      out[a] = v;
      invested += v;
    }
    out[n] = 1 - invested;
    return out;
  }

  #info(weights: Float64Array): PortfolioInfo {
    return { bar: this.#t, timestamp: (this.assets[0] as MarketData).timestamps[this.#t] as number, equity: this.account.lastEquity, weights };
  }

  #observe(weights: Float64Array): Float32Array {
    const n = this.#n;
    const w = this.windowSize;
    const obs = this.#slab.take(w * n + n + 1);
    const t = this.#t;
    obs.set(this.#returns.subarray((t - w + 1) * n, (t + 1) * n));
    obs.set(weights, w * n);
    return obs;
  }
}

import { fail, requireInt, requireKnownKeys } from '../../core/checks.js';
import type { Trade } from './Account.js';

/** Weights of the reward components; each omitted weight is 0 except `pnl` (1). */
export interface RewardWeights {
  /** Portfolio change: the step's simple or log return of equity (default weight 1). */
  readonly pnl?: number;
  /** Minus the increase of the drawdown from peak equity this step (never positive). */
  readonly drawdown?: number;
  /** The Sharpe ratio (mean / sd, ddof 1) of the last `sharpeWindow` step returns. */
  readonly sharpe?: number;
  /** Moody and Saffell's differential Sharpe ratio with adaptation rate `eta`. */
  readonly differentialSharpe?: number;
  /** Minus the step's fees as a fraction of the previous equity. */
  readonly fee?: number;
  /** The step's return minus buy-and-hold's over the same bar. */
  readonly benchmark?: number;
  /** -1 on every step flat beyond `idleThreshold` consecutive flat steps. */
  readonly idle?: number;
  /** The profit of each trade closed in the step, as a fraction of equity, when positive. */
  readonly profitBonus?: number;
  /** -1 on a step that opens a trade. */
  readonly tradePenalty?: number;
}

/** Options of the built-in reward. */
export interface RewardOptions {
  /** `'simple'` (default) or `'log'` returns for `pnl`, `sharpe`, `differentialSharpe`, `benchmark`. */
  readonly returnType?: 'simple' | 'log';
  /** Component weights. */
  readonly weights?: RewardWeights;
  /** Returns in the rolling Sharpe (default 30). */
  readonly sharpeWindow?: number;
  /** Adaptation rate of the differential Sharpe ratio (default 0.01). */
  readonly eta?: number;
  /** Flat steps before the idle penalty starts (default 50). */
  readonly idleThreshold?: number;
}

/** Everything a reward can depend on, for one step. */
export interface RewardContext {
  /** Equity after the step (marked at the close). */
  readonly equity: number;
  /** Equity before the step. */
  readonly prevEquity: number;
  /** Fees paid this step. */
  readonly fees: number;
  /** Peak equity of the episode so far. */
  readonly peakEquity: number;
  /** The buy-and-hold return of the bar (close to close, simple). */
  readonly benchmarkReturn: number;
  /** The round trips closed this step, in order (a flip, then the episode's final close, makes two). */
  readonly closedTrades: readonly Trade[];
  /** Whether this step opened a trade. */
  readonly opened: boolean;
  /** Consecutive flat steps, this one included. */
  readonly flatSteps: number;
}

/** A user reward: any function of the step's context. */
export type RewardFunction = (ctx: RewardContext) => number;

/** The reward's value and, for the built-in reward, each weighted component. */
export interface RewardBreakdown {
  /** The reward. */
  readonly total: number;
  /** Each component's unweighted value (empty for a user function). */
  readonly components: Readonly<Record<string, number>>;
}

/** The smallest equity ratio a log return takes: a step to zero equity or below is a total loss. */
const RUIN_RATIO = 1e-12;

/**
 * The log return of equity over a step. A step that ends at zero equity or below (a short
 * through a gap, leverage) is a total loss, floored at `ln(1e-12)` (about -27.6) so the reward
 * stays finite, as Gymnasium requires; the episode terminates there anyway. @internal
 */
export function logReturn(equity: number, prevEquity: number): number {
  return Math.log(Math.max(prevEquity > 0 ? equity / prevEquity : 0, RUIN_RATIO));
}

const WEIGHT_KEYS = ['pnl', 'drawdown', 'sharpe', 'differentialSharpe', 'fee', 'benchmark', 'idle', 'profitBonus', 'tradePenalty'] as const;

/**
 * Computes the reward step by step: the weighted components of {@link RewardOptions}, or a
 * user function. Stateful (rolling Sharpe, differential Sharpe, drawdown): `reset()` at the
 * start of every episode. @internal
 */
export class RewardTracker {
  readonly #fn: RewardFunction | undefined;
  readonly #log: boolean;
  readonly #w: Required<RewardWeights>;
  readonly #window: Float64Array;
  readonly #eta: number;
  readonly #idle: number;
  #n = 0;
  #head = 0;
  #sum = 0;
  #sumSq = 0;
  #a = 0; // differential Sharpe: EMA of returns
  #b = 0; // differential Sharpe: EMA of squared returns
  #prevDrawdown = 0;

  constructor(spec: RewardOptions | RewardFunction | undefined) {
    if (typeof spec === 'function') {
      this.#fn = spec;
      spec = {};
    }
    const o = requireKnownKeys('reward', spec ?? {}, ['returnType', 'weights', 'sharpeWindow', 'eta', 'idleThreshold']) as RewardOptions;
    const rt = o.returnType ?? 'simple';
    if (rt !== 'simple' && rt !== 'log') fail('reward.returnType', "'simple' or 'log'", rt);
    this.#log = rt === 'log';
    const w = requireKnownKeys('reward.weights', o.weights ?? {}, WEIGHT_KEYS) as RewardWeights;
    const weights = {} as Record<(typeof WEIGHT_KEYS)[number], number>;
    for (const k of WEIGHT_KEYS) {
      const v = w[k] ?? (k === 'pnl' ? 1 : 0);
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`reward.weights.${k}`, 'a finite number', v);
      weights[k] = v;
    }
    this.#w = weights;
    this.#window = new Float64Array(requireInt('reward.sharpeWindow', o.sharpeWindow ?? 30, 2));
    const eta = o.eta ?? 0.01;
    if (!(eta > 0 && eta <= 1)) fail('reward.eta', 'a number in (0, 1]', eta);
    this.#eta = eta;
    this.#idle = requireInt('reward.idleThreshold', o.idleThreshold ?? 50, 0);
  }

  reset(): void {
    this.#n = 0;
    this.#head = 0;
    this.#sum = 0;
    this.#sumSq = 0;
    this.#a = 0;
    this.#b = 0;
    this.#prevDrawdown = 0;
  }

  step(ctx: RewardContext): RewardBreakdown {
    const simple = ctx.equity / ctx.prevEquity - 1;
    const r = this.#log ? logReturn(ctx.equity, ctx.prevEquity) : simple;
    // rolling Sharpe over the last `window` returns (running sums over a ring)
    const win = this.#window;
    if (this.#n === win.length) {
      const old = win[this.#head] as number;
      this.#sum -= old;
      this.#sumSq -= old * old;
    } else {
      this.#n++;
    }
    win[this.#head] = r;
    this.#head = (this.#head + 1) % win.length;
    this.#sum += r;
    this.#sumSq += r * r;
    let sharpe = 0;
    if (this.#n >= 2) {
      const mean = this.#sum / this.#n;
      const variance = (this.#sumSq - this.#n * mean * mean) / (this.#n - 1);
      sharpe = variance > 1e-20 ? mean / Math.sqrt(variance) : 0;
    }
    // differential Sharpe ratio, Moody and Saffell (2001), eq. (8), with the EMAs updated after
    const dA = r - this.#a;
    const dB = r * r - this.#b;
    const denom = (this.#b - this.#a * this.#a) ** 1.5;
    const dsr = denom > 1e-20 ? (this.#b * dA - 0.5 * this.#a * dB) / denom : 0;
    this.#a += this.#eta * dA;
    this.#b += this.#eta * dB;
    const drawdown = ctx.peakEquity > 0 ? 1 - ctx.equity / ctx.peakEquity : 0;
    const ddIncrease = Math.max(0, drawdown - this.#prevDrawdown);
    this.#prevDrawdown = drawdown;
    const bench = this.#log ? Math.log(1 + ctx.benchmarkReturn) : ctx.benchmarkReturn;
    let profit = 0;
    for (const t of ctx.closedTrades) if (t.pnl > 0) profit += t.pnl / ctx.prevEquity;
    const components = {
      pnl: r,
      drawdown: -ddIncrease,
      sharpe,
      differentialSharpe: dsr,
      fee: -ctx.fees / ctx.prevEquity,
      benchmark: r - bench,
      idle: ctx.flatSteps > this.#idle ? -1 : 0,
      profitBonus: profit,
      tradePenalty: ctx.opened ? -1 : 0,
    };
    if (this.#fn !== undefined) {
      const total = this.#fn(ctx);
      if (typeof total !== 'number' || !Number.isFinite(total)) fail('reward()', 'a finite number', total);
      return { total, components };
    }
    const w = this.#w;
    const total =
      w.pnl * components.pnl +
      w.drawdown * components.drawdown +
      w.sharpe * components.sharpe +
      w.differentialSharpe * components.differentialSharpe +
      w.fee * components.fee +
      w.benchmark * components.benchmark +
      w.idle * components.idle +
      w.profitBonus * components.profitBonus +
      w.tradePenalty * components.tradePenalty;
    return { total, components };
  }
}

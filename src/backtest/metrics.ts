import { fail, requireFinite, requireKnownKeys } from '../core/checks.js';
import { dropNaN, hasNaN, nanmean, nanmeanLowerSquare, nanstd, percentileSelect, scratch, ScratchSlot, scratchWithoutNaN, selectKth } from './nan.js';
import { option, requireAlignedSeries, requirePerPeriod, requireSeries, withCheckedReturns } from './series.js';

/**
 * Return metrics with empyrical's exact definitions and NaN rules (empyrical 0.5.5,
 * `empyrical/stats.py`): NaN returns are skipped where empyrical uses nanmean/nanstd and
 * treated as 0 where it cumulates; standard deviations use ddof = 1; max drawdown starts from
 * a value of 1 before the first return; Sortino's downside deviation is over all periods;
 * alpha is compounded, `(1 + mean)^periodsPerYear - 1` (empyrical >= 0.5.3).
 * Every annualised metric takes `periodsPerYear` (empyrical's `annualization`; default 252,
 * its `'daily'`). Sums are compensated, and deviations are taken from the first value, so a
 * constant series has a standard deviation of exactly 0.
 *
 * Input: every return series (and benchmark, factor, risk-free or required-return series) goes
 * through one check, `requireSeries`: an array or typed array of numbers, NaN marking a missing
 * period; anything else (a string, a hole, ±Infinity) is an `InvalidArgumentError` naming the
 * argument and index, and a series of the wrong length is one too. Unknown option keys are
 * refused, and so is a `null` option: only a left-out (or undefined) option takes the default. Where empyrical would raise on an empty series (`value_at_risk`, `cum_returns[-1]`)
 * these return NaN, as its other metrics do.
 */

/** Options of the annualised metrics. */
export interface PeriodOptions {
  /** Periods per year: 252 for daily equities, 365 x bars per day for 24/7 crypto, 52 weekly, 12 monthly (default 252). */
  readonly periodsPerYear?: number;
}

/** The options object, with unknown keys refused (a misspelt `periodsPerYear` would silently mean 252). */
function readOptions(options: object | undefined, keys: readonly string[]): Record<string, unknown> {
  return options === undefined ? {} : requireKnownKeys('options', options, keys);
}

/** empyrical's `annualization` (its `period='daily'` default: 252). */
function periodsPerYear(o: Record<string, unknown>): number {
  const p = option(o, 'periodsPerYear', 252);
  if (typeof p !== 'number' || !(p > 0) || !Number.isFinite(p)) fail('periodsPerYear', 'a finite number > 0', p);
  return p;
}

/** empyrical's `cutoff`, a fraction: 0 is the worst return, 1 the best (its own tests use both). */
function requireCutoff(cutoff: unknown): number {
  if (typeof cutoff !== 'number' || !(cutoff >= 0 && cutoff <= 1)) fail('cutoff', 'a number in [0, 1]', cutoff);
  return cutoff;
}

/** empyrical's `_adjust_returns`: `returns - by`, by a number or an aligned series. */
function adjust(returns: ArrayLike<number>, by: number | ArrayLike<number>): ArrayLike<number> {
  if (by === 0) return returns; // read only by the callers: no copy
  const out = new Float64Array(returns.length);
  for (let i = 0; i < returns.length; i++) out[i] = (returns[i] as number) - (typeof by === 'number' ? by : (by[i] as number));
  return out;
}

/** `prod(1 + r)`, NaN counting as 0, in the order `cumReturns` multiplies (the same bits as its last value). */
function growth(r: ArrayLike<number>): number {
  let v = 1;
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as number;
    v *= 1 + (x !== x ? 0 : x);
  }
  return v;
}

/**
 * Cumulative returns, empyrical's `cum_returns`: `prod(1 + r) - 1` (NaN returns count as 0),
 * or `startingValue * prod(1 + r)` when `startingValue` is not 0.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param startingValue - 0 for returns, else the starting value.
 * @returns the cumulative series, same length.
 * @throws `InvalidArgumentError` if `returns` is not an array of numbers or `startingValue` is not finite.
 * @example
 * ```ts
 * import { cumReturns } from 'tradegym';
 * console.log(Array.from(cumReturns([0.1, -0.1]))); // [0.1, -0.01] (to rounding)
 * ```
 */
export function cumReturns(returns: ArrayLike<number>, startingValue = 0): Float64Array {
  const r = requireSeries('returns', returns);
  requireFinite('startingValue', startingValue);
  const out = new Float64Array(r.length);
  let v = 1;
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as number;
    v *= 1 + (Number.isNaN(x) ? 0 : x);
    out[i] = startingValue === 0 ? v - 1 : v * startingValue;
  }
  return out;
}

/**
 * Compound annual growth rate, empyrical's `annual_return` (= `cagr`):
 * `prod(1 + r) ^ (periodsPerYear / n) - 1`, NaN returns counting as 0 in the product and as
 * periods in `n`; NaN for no returns.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`.
 * @returns the annual return.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear` or an unknown option.
 * @example
 * ```ts
 * import { annualReturn } from 'tradegym';
 * console.log(annualReturn([0.03, 0.03, 0.03], { periodsPerYear: 1 })); // 0.03 (to rounding)
 * ```
 */
export function annualReturn(returns: ArrayLike<number>, options?: PeriodOptions): number {
  const r = requireSeries('returns', returns);
  const p = periodsPerYear(readOptions(options, ['periodsPerYear']));
  if (r.length < 1) return Number.NaN;
  return annualised(growth(r), r.length, p);
}

/** The annual rate of a growth factor over `n` periods. */
function annualised(growthFactor: number, n: number, periodsPerYear: number): number {
  return growthFactor ** (1 / (n / periodsPerYear)) - 1;
}

/**
 * Compound annual growth rate: the same as {@link annualReturn}, as in empyrical.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`.
 * @returns the CAGR.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear` or an unknown option.
 * @example
 * ```ts
 * import { cagr } from 'tradegym';
 * console.log(cagr([0.01], { periodsPerYear: 252 })); // 11.274002099240244 (1.01^252 - 1)
 * ```
 */
export function cagr(returns: ArrayLike<number>, options?: PeriodOptions): number {
  return annualReturn(returns, options);
}

/**
 * Annualised volatility, empyrical's `annual_volatility`: `nanstd(r, ddof 1) * sqrt(periodsPerYear)`;
 * NaN for fewer than 2 returns (NaN included) or fewer than 2 non-NaN ones. A constant series
 * gives exactly 0.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`.
 * @returns the volatility.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear` or an unknown option.
 * @example
 * ```ts
 * import { annualVolatility } from 'tradegym';
 * console.log(annualVolatility([0.01, 0.01, 0.01])); // 0
 * ```
 */
export function annualVolatility(returns: ArrayLike<number>, options?: PeriodOptions): number {
  const r = requireSeries('returns', returns);
  const p = periodsPerYear(readOptions(options, ['periodsPerYear']));
  if (r.length < 2) return Number.NaN;
  return nanstd(r, 1) * Math.sqrt(p);
}

/**
 * Sharpe ratio, empyrical's `sharpe_ratio`: `nanmean(r - rf) / nanstd(r - rf, ddof 1) * sqrt(periodsPerYear)`;
 * NaN for fewer than 2 returns (NaN included) or fewer than 2 non-NaN ones; +-Infinity for a
 * constant non-zero excess return, NaN for a constant zero one (0 / 0).
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`, `riskFree` (per period: a number, or a series aligned with `returns`).
 * @returns the Sharpe ratio.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear`, a non-finite `riskFree`,
 * a `riskFree` series of another length than `returns`, or an unknown option.
 * @example
 * ```ts
 * import { sharpeRatio } from 'tradegym';
 * console.log(sharpeRatio([0.01, 0.02, -0.005, 0.01]).toFixed(3)); // 14.422
 * ```
 */
export function sharpeRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number | ArrayLike<number> } = {}): number {
  const r = requireSeries('returns', returns);
  const o = readOptions(options, ['periodsPerYear', 'riskFree']);
  const p = periodsPerYear(o);
  const rf = requirePerPeriod('riskFree', option(o, 'riskFree', 0), r.length);
  if (r.length < 2) return Number.NaN;
  const adj = adjust(r, rf);
  return (nanmean(adj) / nanstd(adj, 1)) * Math.sqrt(p);
}

/**
 * Annualised downside deviation, empyrical's `downside_risk`:
 * `sqrt(nanmean(min(r - required, 0)^2)) * sqrt(periodsPerYear)`, over all non-NaN periods;
 * NaN for no returns or no non-NaN ones.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`, `requiredReturn` (per period: a number, or a series aligned with `returns`).
 * @returns the downside risk.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear`, a non-finite
 * `requiredReturn`, a `requiredReturn` series of another length than `returns`, or an unknown option.
 * @example
 * ```ts
 * import { downsideRisk } from 'tradegym';
 * console.log(downsideRisk([0.02, -0.02], { periodsPerYear: 1 })); // sqrt(0.0004 / 2) = 0.01414...
 * ```
 */
export function downsideRisk(returns: ArrayLike<number>, options: PeriodOptions & { readonly requiredReturn?: number | ArrayLike<number> } = {}): number {
  const r = requireSeries('returns', returns);
  const o = readOptions(options, ['periodsPerYear', 'requiredReturn']);
  const p = periodsPerYear(o);
  const req = requirePerPeriod('requiredReturn', option(o, 'requiredReturn', 0), r.length);
  if (r.length < 1) return Number.NaN;
  // nanmean(np.clip(r - req, -inf, 0) ** 2), NaN skipped
  return Math.sqrt(nanmeanLowerSquare(adjust(r, req))) * Math.sqrt(p);
}

/**
 * Sortino ratio, empyrical's `sortino_ratio`: `nanmean(r - required) * periodsPerYear / downsideRisk`;
 * NaN for fewer than 2 returns (NaN included); Infinity with no downside and a positive mean,
 * NaN with neither.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`, `requiredReturn` (per period: a number, or a series aligned with `returns`).
 * @returns the Sortino ratio.
 * @throws `InvalidArgumentError` as {@link downsideRisk}.
 * @example
 * ```ts
 * import { sortinoRatio } from 'tradegym';
 * console.log(sortinoRatio([0.01, 0.02, 0.01])); // Infinity: no downside
 * ```
 */
export function sortinoRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly requiredReturn?: number | ArrayLike<number> } = {}): number {
  const risk = downsideRisk(returns, options); // validates returns and options
  const p = periodsPerYear(options as Record<string, unknown>);
  if (returns.length < 2) return Number.NaN;
  const mu = nanmean(adjust(returns, options.requiredReturn === undefined ? 0 : options.requiredReturn));
  return (mu * p) / risk;
}

/**
 * Maximum drawdown, empyrical's `max_drawdown`: the worst fall from a running peak of the
 * cumulative value, starting from 1 before the first return (so a first loss counts); NaN
 * returns count as 0; <= 0; NaN for no returns. It is computed as the product of `1 + r` since
 * the last peak, which equals empyrical's `(value - peak) / peak` and stays right where the
 * value itself overflows to Infinity (there empyrical's `inf - inf` is NaN, and its nanmin
 * skips the fall: `[1e200, 1e200, -0.5]` gives 0 in empyrical, -0.5 here).
 * @param returns - simple returns per period (NaN: a missing period).
 * @returns the maximum drawdown (e.g. -0.1 for 10%).
 * @throws `InvalidArgumentError` if `returns` is not an array of numbers (±Infinity included).
 * @example
 * ```ts
 * import { maxDrawdown } from 'tradegym';
 * console.log(maxDrawdown([0.1, -0.1, 0.1])); // -0.1 (to rounding)
 * ```
 */
export function maxDrawdown(returns: ArrayLike<number>): number {
  const r = requireSeries('returns', returns);
  if (r.length < 1) return Number.NaN;
  let rel = 1; // the value over its running peak
  let worst = 0;
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as number;
    rel *= 1 + (Number.isNaN(x) ? 0 : x);
    if (rel > 1) rel = 1; // a new peak
    else if (rel - 1 < worst) worst = rel - 1;
  }
  return worst;
}

/**
 * Calmar ratio, empyrical's `calmar_ratio`: `annualReturn / |maxDrawdown|`; NaN without a
 * drawdown, or when infinite or NaN.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`.
 * @returns the Calmar ratio.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear` or an unknown option.
 * @example
 * ```ts
 * import { calmarRatio } from 'tradegym';
 * console.log(calmarRatio([0.01, 0.02, 0.01])); // NaN: no drawdown
 * ```
 */
export function calmarRatio(returns: ArrayLike<number>, options?: PeriodOptions): number {
  const ann = annualReturn(returns, options); // validates returns and options
  const dd = maxDrawdown(returns);
  if (!(dd < 0)) return Number.NaN;
  const v = ann / Math.abs(dd);
  return Number.isFinite(v) ? v : Number.NaN;
}

/**
 * Omega ratio, empyrical's `omega_ratio`: gains over losses around the threshold
 * `(1 + requiredReturn)^(1 / periodsPerYear) - 1` (plus `riskFree`), NaN returns counting in
 * neither; NaN for fewer than 2 returns (NaN included), a required return <= -1 (unless
 * `periodsPerYear` is 1) or no losses.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `riskFree` (per period: a number, or a series aligned with `returns`),
 * `requiredReturn` (annual), `periodsPerYear` (1: no conversion; default 252).
 * @returns the Omega ratio.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear`, a non-finite `riskFree`
 * or `requiredReturn`, a `riskFree` series of another length than `returns`, or an unknown option.
 * @example
 * ```ts
 * import { omegaRatio } from 'tradegym';
 * console.log(omegaRatio([0.02, -0.01, 0.01, -0.02])); // 1: gains 0.03 over losses 0.03
 * ```
 */
export function omegaRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number | ArrayLike<number>; readonly requiredReturn?: number } = {}): number {
  const r = requireSeries('returns', returns);
  const o = readOptions(options, ['periodsPerYear', 'riskFree', 'requiredReturn']);
  const p = periodsPerYear(o);
  const rf = requirePerPeriod('riskFree', option(o, 'riskFree', 0), r.length);
  const req = requireFinite('requiredReturn', option(o, 'requiredReturn', 0));
  if (r.length < 2) return Number.NaN;
  let threshold: number;
  if (p === 1) threshold = req;
  else if (req <= -1) return Number.NaN;
  else threshold = (1 + req) ** (1 / p) - 1;
  const less = adjust(adjust(r, rf), threshold);
  // twice the sums of the gains and of the losses, without a branch on the sign (which a
  // return series makes unpredictable): x + |x| is 2x for a gain and 0 otherwise, |x| - x is
  // -2x for a loss, both exact, so the ratio is the same to the last bit
  let numer = 0;
  let denom = 0;
  for (let i = 0; i < less.length; i++) {
    const x = less[i] as number;
    if (x !== x) continue; // NaN: skipped
    const ax = Math.abs(x);
    numer += x + ax;
    denom += ax - x;
  }
  return denom > 0 ? numer / denom : Number.NaN;
}

/**
 * Tail ratio, empyrical's `tail_ratio`: `|95th percentile| / |5th percentile|` of the non-NaN
 * returns (numpy's linear interpolation); NaN for none.
 * @param returns - simple returns per period (NaN: a missing period).
 * @returns the tail ratio.
 * @throws `InvalidArgumentError` if `returns` is not an array of numbers.
 * @example
 * ```ts
 * import { tailRatio } from 'tradegym';
 * console.log(tailRatio([-0.02, -0.01, 0, 0.01, 0.02])); // 1: symmetric
 * ```
 */
export function tailRatio(returns: ArrayLike<number>): number {
  const v = dropNaN(requireSeries('returns', returns));
  if (v.length < 1) return Number.NaN;
  const { p05, p95 } = tails(v);
  return Math.abs(p95) / Math.abs(p05);
}

/**
 * The 5th and 95th percentiles of `values` (no NaN, at least one; reordered), from two
 * selections: the 5th first, which leaves the `k05 + 1` smallest first (k05 = floor(0.05 (n - 1)),
 * the 5% CVaR's k) and nothing smaller after them, so the 95th is searched for after them only.
 */
function tails(values: Float64Array): { p05: number; p95: number; k05: number } {
  const k05 = Math.floor(0.05 * (values.length - 1));
  const p05 = percentileSelect(values, 5);
  return { p05, p95: percentileSelect(values, 95, k05 + 1), k05 };
}

/** The mean of the k + 1 smallest of `v` (no NaN; reordered), numpy's `mean(partition(v, k)[:k + 1])`; `selected` when they already come first. */
function smallestMean(v: Float64Array, k: number, selected: boolean): number {
  if (!selected) selectKth(v, k); // the k + 1 smallest now come first (as numpy's partition)
  return nanmean(v.subarray(0, k + 1));
}

/**
 * Value at risk, empyrical's `value_at_risk`: the `cutoff` percentile of the returns (numpy's
 * linear interpolation). empyrical does not skip NaN here (numpy's percentile propagates it),
 * and neither do we: a NaN gives NaN. No returns give NaN (empyrical raises).
 * @param returns - simple returns per period.
 * @param cutoff - the tail probability, in [0, 1] (default 0.05).
 * @returns the VaR (a return, usually negative).
 * @throws `InvalidArgumentError` for bad returns or a cutoff outside [0, 1].
 * @example
 * ```ts
 * import { valueAtRisk } from 'tradegym';
 * console.log(valueAtRisk([-0.04, -0.02, 0, 0.02, 0.04], 0.25)); // -0.02
 * ```
 */
export function valueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  const r = requireSeries('returns', returns);
  requireCutoff(cutoff);
  if (r.length < 1 || hasNaN(r)) return Number.NaN;
  return percentileSelect(Float64Array.from(r), 100 * cutoff);
}

/**
 * Conditional value at risk (expected shortfall), empyrical's `conditional_value_at_risk`:
 * the mean of the `k + 1` smallest returns, `k = floor((n - 1) * cutoff)` with `n` counting NaN
 * too. numpy's `partition` sorts NaN last, so NaN returns are skipped unless the tail reaches
 * them (then NaN, as numpy's mean); NaN for no returns.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param cutoff - the tail probability, in [0, 1] (default 0.05).
 * @returns the CVaR.
 * @throws `InvalidArgumentError` for bad returns or a cutoff outside [0, 1].
 * @example
 * ```ts
 * import { conditionalValueAtRisk } from 'tradegym';
 * console.log(conditionalValueAtRisk([-0.04, -0.02, 0, 0.02, 0.04], 0.5)); // mean of 3 worst: -0.02
 * console.log(conditionalValueAtRisk([NaN, -0.04, 0.02], 0.5)); // k = 1: mean(-0.04, 0.02) = -0.01
 * ```
 */
export function conditionalValueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  const r = requireSeries('returns', returns);
  requireCutoff(cutoff);
  if (r.length < 1) return Number.NaN;
  const k = Math.floor((r.length - 1) * cutoff); // empyrical's int(), on the length with NaN
  const v = dropNaN(r);
  if (k >= v.length) return Number.NaN; // the k + 1 smallest would include a NaN
  return smallestMean(v, k, false);
}

/**
 * Stability, empyrical's `stability_of_timeseries`: R^2 of a least-squares line through the
 * cumulative log returns, NaN returns dropped; NaN for fewer than 2 returns (NaN included),
 * fewer than 2 non-NaN ones, or a constant cumulative log return (all returns after the first
 * 0), where R is 0 / 0: scipy's `linregress` gives NaN there (and for fewer than 2 points).
 * @param returns - simple returns per period (NaN: a missing period).
 * @returns R^2, in [0, 1], or NaN.
 * @throws `InvalidArgumentError` if `returns` is not an array of numbers.
 * @example
 * ```ts
 * import { stabilityOfTimeseries } from 'tradegym';
 * console.log(stabilityOfTimeseries([0.01, 0.01, 0.01, 0.01])); // 1: a straight line
 * ```
 */
export function stabilityOfTimeseries(returns: ArrayLike<number>): number {
  const r = requireSeries('returns', returns);
  if (r.length < 2) return Number.NaN;
  // the cumulative log returns y over the non-NaN returns, in a reused array; then
  // scipy.stats.linregress's r of (i, y_i) from the centred sums of squares. The deviations of
  // a constant y are exactly 0 (nanmean is exact for constants), as scipy's
  const y = scratch(ScratchSlot.Stability, r.length);
  let n = 0;
  let acc = 0;
  for (let i = 0; i < r.length; i++) {
    const v = r[i] as number;
    if (v === v) y[n++] = acc += Math.log1p(v); // NaN: dropped
  }
  if (n < 2) return Number.NaN;
  const my = nanmean(y.subarray(0, n));
  const mx = (n - 1) / 2;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  // scipy: `if ssxm == 0 or ssym == 0: r = nan if ssxym == 0 else 0`
  if (sxx === 0 || syy === 0) return sxy === 0 ? Number.NaN : 0;
  const rr = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  return rr * rr;
}

/** The body of {@link alphaBeta}, on validated input. */
/** Alpha and beta of checked series; `returnsMean`, nanmean(returns), when the caller has it. */
function alphaBetaOf(returns: ArrayLike<number>, factor: ArrayLike<number>, rf: number, p: number, returnsMean?: number): AlphaBeta {
  const n = returns.length;
  // empyrical's alpha_aligned: NaN for fewer than 2 returns
  if (n < 2) return { alpha: Number.NaN, beta: Number.NaN };
  // beta_aligned: cov / var (ddof 0) over the periods where both are present; a constant
  // risk-free rate shifts both and cancels. NaN for var < 1e-30 (or fewer than 2 pairs).
  // the pairs where both are present (the series themselves when neither misses a period)
  let px: ArrayLike<number> = factor;
  let py: ArrayLike<number> = returns;
  let m = n;
  if (hasNaN(returns) || hasNaN(factor)) {
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    m = 0;
    for (let i = 0; i < n; i++) {
      const y = returns[i] as number;
      const x = factor[i] as number;
      if (x === x && y === y) {
        xs[m] = x;
        ys[m] = y;
        m++;
      }
    }
    px = xs.subarray(0, m);
    py = ys.subarray(0, m);
  }
  let beta = Number.NaN;
  let mx = Number.NaN;
  let my = Number.NaN;
  if (m >= 1) {
    mx = nanmean(px);
    my = m === n && returnsMean !== undefined ? returnsMean : nanmean(py);
    let vx = 0;
    let cxy = 0;
    for (let i = 0; i < m; i++) {
      const dx = (px[i] as number) - mx;
      vx += dx * dx;
      cxy += dx * ((py[i] as number) - my);
    }
    vx /= m;
    cxy /= m;
    beta = vx < 1e-30 ? Number.NaN : cxy / vx;
  }
  // alpha_aligned: (1 + nanmean((r - rf) - beta (f - rf)))^periodsPerYear - 1, compounded since
  // empyrical 0.5.3 (linear, mean x periodsPerYear, before). The series is present where both
  // are, so its mean is my - rf - beta (mx - rf) (NaN when beta is)
  return { alpha: (1 + (my - rf - beta * (mx - rf))) ** p - 1, beta };
}

/**
 * Alpha and beta against a factor (benchmark), empyrical's `alpha_beta_aligned`: beta =
 * cov(r, f) / var(f) (ddof 0) over the periods where both are present (NaN if var(f) < 1e-30,
 * e.g. a constant factor or a single pair); alpha = `(1 + nanmean((r - rf) - beta (f - rf)))^periodsPerYear - 1`,
 * compounded as empyrical since 0.5.3. Both NaN for fewer than 2 returns. The two series are
 * aligned by position (empyrical's `alpha_beta` aligns pandas indexes first: align them before).
 * @param returns - simple returns per period (NaN: a missing period).
 * @param factorReturns - the factor's returns, aligned with `returns` (NaN: a missing period).
 * @param options - `periodsPerYear`, `riskFree` (a constant per-period rate, as empyrical).
 * @returns `{ alpha, beta }`.
 * @throws `InvalidArgumentError` for bad values in either series, series of different lengths,
 * a bad `periodsPerYear`, a non-finite `riskFree`, or an unknown option.
 * @example
 * ```ts
 * import { alphaBeta } from 'tradegym';
 * const f = [0.01, -0.02, 0.015, 0.005];
 * console.log(alphaBeta(f.map((x) => 2 * x), f).beta); // 2 (to rounding)
 * // beta = 89/99; alpha compounds the mean daily excess 0.00875 - beta * 0.00125 = 0.755/99:
 * // (1 + 0.755 / 99)^252 - 1 = 5.7837... (empyrical 0.5.5; linear annualisation gave 1.9218)
 * console.log(alphaBeta([0.01, 0.02, -0.01, 0.015], [0.005, 0.01, -0.02, 0.01]).alpha);
 * ```
 */
export function alphaBeta(returns: ArrayLike<number>, factorReturns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number } = {}): AlphaBeta {
  const r = requireSeries('returns', returns);
  const f = requireAlignedSeries('factorReturns', factorReturns, r.length);
  const o = readOptions(options, ['periodsPerYear', 'riskFree']);
  const p = periodsPerYear(o);
  const rf = requireFinite('riskFree', option(o, 'riskFree', 0));
  return alphaBetaOf(r, f, rf, p);
}

/** Alpha (annualised by compounding, as empyrical) and beta. */
export interface AlphaBeta {
  /** Annualised alpha: `(1 + mean excess return over beta times the factor's)^periodsPerYear - 1`. */
  readonly alpha: number;
  /** Beta: cov(r, f) / var(f). */
  readonly beta: number;
}

/** Every metric of a return series, as the backtest reports them. */
export interface ReturnMetrics {
  /** Compounded return over the whole series (empyrical's `cum_returns_final`); NaN for none. */
  readonly totalReturn: number;
  /** {@link annualReturn}. */
  readonly annualReturn: number;
  /** {@link cagr}. */
  readonly cagr: number;
  /** {@link annualVolatility}. */
  readonly annualVolatility: number;
  /** {@link sharpeRatio}. */
  readonly sharpeRatio: number;
  /** {@link sortinoRatio}. */
  readonly sortinoRatio: number;
  /** {@link downsideRisk}. */
  readonly downsideRisk: number;
  /** {@link maxDrawdown}. */
  readonly maxDrawdown: number;
  /** {@link calmarRatio}. */
  readonly calmarRatio: number;
  /** {@link omegaRatio} (threshold 0). */
  readonly omegaRatio: number;
  /** {@link tailRatio}. */
  readonly tailRatio: number;
  /** {@link valueAtRisk} at 5%. */
  readonly valueAtRisk: number;
  /** {@link conditionalValueAtRisk} at 5%. */
  readonly conditionalValueAtRisk: number;
  /** {@link stabilityOfTimeseries}. */
  readonly stabilityOfTimeseries: number;
  /** Against the benchmark, when one is given: {@link alphaBeta}. */
  readonly alpha?: number;
  /** Against the benchmark, when one is given: {@link alphaBeta}. */
  readonly beta?: number;
}

/**
 * All the metrics above for one return series.
 * @param returns - simple returns per period (NaN: a missing period).
 * @param options - `periodsPerYear`, and `benchmark` returns (aligned with `returns`) for alpha and beta.
 * @returns the metrics.
 * @throws `InvalidArgumentError` for bad returns, a bad `periodsPerYear`, a bad or misaligned
 * `benchmark`, or an unknown option.
 * @example
 * ```ts
 * import { returnMetrics } from 'tradegym';
 * const m = returnMetrics([0.01, -0.005, 0.02], { periodsPerYear: 365 });
 * console.log(m.totalReturn.toFixed(4)); // 0.0250
 * ```
 */
export function returnMetrics(returns: ArrayLike<number>, options: PeriodOptions & { readonly benchmark?: ArrayLike<number> } = {}): ReturnMetrics {
  // one check for every metric below: they skip checking it again
  return withCheckedReturns('returns', returns, (r) => metricsOf(r, options));
}

/** {@link returnMetrics} of a checked series. */
function metricsOf(r: Float64Array, options: PeriodOptions & { readonly benchmark?: ArrayLike<number> }): ReturnMetrics {
  const opts = readOptions(options, ['periodsPerYear', 'benchmark']);
  const o = { periodsPerYear: periodsPerYear(opts) };
  // what several metrics share, computed once, by the same arithmetic as the metrics alone
  // (a test holds returnMetrics equal to them, bit for bit)
  const p = o.periodsPerYear;
  const n = r.length;
  const mean = nanmean(r);
  const std = nanstd(r, 1, mean);
  const ab = opts.benchmark === undefined ? {} : alphaBetaOf(r, requireAlignedSeries('benchmark', opts.benchmark, n), 0, p, mean);
  const g = n === 0 ? Number.NaN : growth(r);
  const annual = n === 0 ? Number.NaN : annualised(g, n, p);
  const dd = maxDrawdown(r);
  const down = downsideRisk(r, o);
  const values = scratchWithoutNaN(r); // reordered by the selections below, which do not depend on the order
  const hasMissing = values.length < n;
  const { p05, p95, k05 } = values.length < 1 ? { p05: Number.NaN, p95: Number.NaN, k05: 0 } : tails(values);
  const calmar = dd < 0 ? annual / Math.abs(dd) : Number.NaN;
  return {
    totalReturn: g - 1,
    annualReturn: annual,
    cagr: annual,
    annualVolatility: n < 2 ? Number.NaN : std * Math.sqrt(p),
    sharpeRatio: n < 2 ? Number.NaN : (mean / std) * Math.sqrt(p),
    sortinoRatio: n < 2 ? Number.NaN : (mean * p) / down,
    downsideRisk: down,
    maxDrawdown: dd,
    calmarRatio: Number.isFinite(calmar) ? calmar : Number.NaN,
    omegaRatio: omegaRatio(r, { periodsPerYear: 1 }),
    tailRatio: values.length < 1 ? Number.NaN : Math.abs(p95) / Math.abs(p05),
    valueAtRisk: n < 1 || hasMissing ? Number.NaN : p05,
    // without a missing period, CVaR's k + 1 smallest are the ones the 5th percentile put first
    conditionalValueAtRisk: n < 1 || hasMissing ? conditionalValueAtRisk(r) : smallestMean(values, k05, true),
    stabilityOfTimeseries: stabilityOfTimeseries(r),
    ...ab,
  };
}

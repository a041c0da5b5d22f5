import { fail } from '../core/checks.js';

/**
 * Return metrics with empyrical's exact definitions and NaN rules (empyrical 0.5.x,
 * `empyrical/stats.py`): NaN returns are skipped where empyrical uses nanmean/nanstd and
 * treated as 0 where it cumulates; standard deviations use ddof = 1; max drawdown starts from
 * a value of 1 before the first return; Sortino's downside deviation is over all periods.
 * Every annualised metric takes `periodsPerYear` (empyrical's `annualization`; default 252,
 * its `'daily'`). Sums are compensated, and deviations are taken from the first value, so a
 * constant series has a standard deviation of exactly 0.
 */

/** Options of the annualised metrics. */
export interface PeriodOptions {
  /** Periods per year: 252 for daily equities, 365 x bars per day for 24/7 crypto, 52 weekly, 12 monthly (default 252). */
  readonly periodsPerYear?: number;
}

function ppy(options: PeriodOptions | undefined): number {
  const p = options?.periodsPerYear ?? 252;
  if (typeof p !== 'number' || !(p > 0) || !Number.isFinite(p)) fail('periodsPerYear', 'a finite number > 0', p);
  return p;
}

/** The non-NaN values, as numpy's `x[~isnan(x)]`. @internal */
export function dropNaN(xs: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) out[j++] = xs[i] as number;
  return out;
}

/**
 * Neumaier's compensated sum over the non-NaN values of `v - shift`, or of `(v - shift)^2`,
 * with their count. @internal
 */
function nanSum(xs: ArrayLike<number>, shift: number, square: boolean): { sum: number; n: number } {
  let s = 0;
  let c = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (v !== v) continue; // NaN
    const x = square ? (v - shift) * (v - shift) : v - shift;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
    n++;
  }
  return { sum: s + c, n };
}

/** Whether any value is NaN. @internal */
function hasNaN(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i] as number)) return true;
  return false;
}

/** nanmean, compensated and shifted by the first value (exact for constants), without allocating. @internal */
export function nanmean(xs: ArrayLike<number>): number {
  let i = 0;
  while (i < xs.length && Number.isNaN(xs[i] as number)) i++;
  if (i === xs.length) return Number.NaN;
  const k = xs[i] as number;
  const { sum, n } = nanSum(xs, k, false);
  return k + sum / n;
}

/** nanstd with `ddof` (numpy's definition), compensated: exactly 0 for a constant series. @internal */
export function nanstd(xs: ArrayLike<number>, ddof = 1): number {
  const { sum, n } = nanSum(xs, nanmean(xs), true);
  return n - ddof <= 0 ? Number.NaN : Math.sqrt(sum / (n - ddof));
}

/** Rearranges `a` so that a[k] is the k-th smallest, smaller ones before it (Hoare's selection, median of three). @internal */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
}

/** numpy's `percentile` (linear interpolation) by selection, O(n); reorders `a`. @internal */
export function percentileSelect(a: Float64Array, q: number): number {
  const n = a.length;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const vlo = selectKth(a, lo);
  if (lo + 1 >= n || pos === lo) return vlo;
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if ((a[i] as number) < vhi) vhi = a[i] as number;
  return vlo + (pos - lo) * (vhi - vlo);
}

function requireReturns(returns: ArrayLike<number>): ArrayLike<number> {
  if (returns === null || typeof returns !== 'object' || typeof (returns as { length?: unknown }).length !== 'number') fail('returns', 'an array of numbers', returns);
  return returns;
}

/**
 * Cumulative returns, empyrical's `cum_returns`: `prod(1 + r) - 1` (NaN returns count as 0),
 * or `startingValue * prod(1 + r)` when `startingValue` is not 0.
 * @param returns - simple returns per period.
 * @param startingValue - 0 for returns, else the starting value.
 * @returns the cumulative series, same length.
 * @throws `InvalidArgumentError` if `returns` is not an array.
 * @example
 * ```ts
 * import { cumReturns } from 'tradegym';
 * console.log(Array.from(cumReturns([0.1, -0.1]))); // [0.1, -0.01] (to rounding)
 * ```
 */
export function cumReturns(returns: ArrayLike<number>, startingValue = 0): Float64Array {
  requireReturns(returns);
  const out = new Float64Array(returns.length);
  let v = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    v *= 1 + (Number.isNaN(r) ? 0 : r);
    out[i] = startingValue === 0 ? v - 1 : v * startingValue;
  }
  return out;
}

/**
 * Compound annual growth rate, empyrical's `annual_return` (= `cagr`):
 * `prod(1 + r) ^ (periodsPerYear / n) - 1`; NaN for no returns.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`.
 * @returns the annual return.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { annualReturn } from 'tradegym';
 * console.log(annualReturn([0.03, 0.03, 0.03], { periodsPerYear: 1 })); // 0.03 (to rounding)
 * ```
 */
export function annualReturn(returns: ArrayLike<number>, options?: PeriodOptions): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 1) return Number.NaN;
  const end = cumReturns(returns, 1)[returns.length - 1] as number;
  return end ** (1 / (returns.length / p)) - 1;
}

/**
 * Compound annual growth rate: the same as {@link annualReturn}, as in empyrical.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`.
 * @returns the CAGR.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
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
 * Annualised volatility, empyrical's `annual_volatility`: `std(r, ddof 1) * sqrt(periodsPerYear)`,
 * NaN for fewer than 2 returns. A constant series gives exactly 0.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`.
 * @returns the volatility.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { annualVolatility } from 'tradegym';
 * console.log(annualVolatility([0.01, 0.01, 0.01])); // 0
 * ```
 */
export function annualVolatility(returns: ArrayLike<number>, options?: PeriodOptions): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 2) return Number.NaN;
  return nanstd(returns, 1) * Math.sqrt(p);
}

/**
 * Sharpe ratio, empyrical's `sharpe_ratio`: `mean(r - rf) / std(r - rf, ddof 1) * sqrt(periodsPerYear)`
 * over non-NaN values; NaN for fewer than 2 returns; +-Infinity for a constant non-zero series.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`, `riskFree` (per period, a number or a series).
 * @returns the Sharpe ratio.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { sharpeRatio } from 'tradegym';
 * console.log(sharpeRatio([0.01, 0.02, -0.005, 0.01]).toFixed(3)); // 14.422
 * ```
 */
export function sharpeRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number | ArrayLike<number> } = {}): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 2) return Number.NaN;
  // nanmean and nanstd skip NaN, as empyrical's returns_risk_adj[~isnan]
  const adj = adjust(returns, options.riskFree ?? 0);
  return (nanmean(adj) / nanstd(adj, 1)) * Math.sqrt(p);
}

function adjust(returns: ArrayLike<number>, by: number | ArrayLike<number>): Float64Array {
  const out = new Float64Array(returns.length);
  for (let i = 0; i < returns.length; i++) out[i] = (returns[i] as number) - (typeof by === 'number' ? by : (by[i] as number));
  return out;
}

/**
 * Annualised downside deviation, empyrical's `downside_risk`:
 * `sqrt(nanmean(min(r - required, 0)^2)) * sqrt(periodsPerYear)`, over all periods; NaN for none.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`, `requiredReturn` (per period, a number or a series).
 * @returns the downside risk.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { downsideRisk } from 'tradegym';
 * console.log(downsideRisk([0.02, -0.02], { periodsPerYear: 1 })); // sqrt(0.0004 / 2) = 0.01414...
 * ```
 */
export function downsideRisk(returns: ArrayLike<number>, options: PeriodOptions & { readonly requiredReturn?: number | ArrayLike<number> } = {}): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 1) return Number.NaN;
  const d = adjust(returns, options.requiredReturn ?? 0).map((x) => (x > 0 ? 0 : x * x));
  return Math.sqrt(nanmean(d)) * Math.sqrt(p);
}

/**
 * Sortino ratio, empyrical's `sortino_ratio`: `nanmean(r - required) * periodsPerYear / downsideRisk`;
 * NaN for fewer than 2 returns; Infinity with no downside.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`, `requiredReturn`.
 * @returns the Sortino ratio.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { sortinoRatio } from 'tradegym';
 * console.log(sortinoRatio([0.01, 0.02, 0.01])); // Infinity: no downside
 * ```
 */
export function sortinoRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly requiredReturn?: number | ArrayLike<number> } = {}): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 2) return Number.NaN;
  const mu = nanmean(adjust(returns, options.requiredReturn ?? 0));
  return (mu * p) / downsideRisk(returns, options);
}

/**
 * Maximum drawdown, empyrical's `max_drawdown`: the worst fall from a running peak of the
 * cumulative value, starting from 1 before the first return (so a first loss counts); <= 0;
 * NaN for no returns.
 * @param returns - simple returns per period.
 * @returns the maximum drawdown (e.g. -0.1 for 10%).
 * @throws `InvalidArgumentError` if `returns` is not an array.
 * @example
 * ```ts
 * import { maxDrawdown } from 'tradegym';
 * console.log(maxDrawdown([0.1, -0.1, 0.1])); // -0.1 (to rounding)
 * ```
 */
export function maxDrawdown(returns: ArrayLike<number>): number {
  requireReturns(returns);
  if (returns.length < 1) return Number.NaN;
  let v = 100;
  let peak = 100;
  let worst = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    v *= 1 + (Number.isNaN(r) ? 0 : r);
    if (v > peak) peak = v;
    const dd = (v - peak) / peak;
    if (dd < worst) worst = dd;
  }
  return worst;
}

/**
 * Calmar ratio, empyrical's `calmar_ratio`: `annualReturn / |maxDrawdown|`; NaN without a
 * drawdown or when infinite.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`.
 * @returns the Calmar ratio.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { calmarRatio } from 'tradegym';
 * console.log(calmarRatio([0.01, 0.02, 0.01])); // NaN: no drawdown
 * ```
 */
export function calmarRatio(returns: ArrayLike<number>, options?: PeriodOptions): number {
  const dd = maxDrawdown(returns);
  if (!(dd < 0)) return Number.NaN;
  const v = annualReturn(returns, options) / Math.abs(dd);
  return Number.isFinite(v) ? v : Number.NaN;
}

/**
 * Omega ratio, empyrical's `omega_ratio`: gains over losses around the threshold
 * `(1 + requiredReturn)^(1 / periodsPerYear) - 1` (plus `riskFree`); NaN for fewer than 2
 * returns, a required return <= -1 or no losses.
 * @param returns - simple returns per period.
 * @param options - `riskFree` (per period), `requiredReturn` (annual), `periodsPerYear` (1: no conversion).
 * @returns the Omega ratio.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear`.
 * @example
 * ```ts
 * import { omegaRatio } from 'tradegym';
 * console.log(omegaRatio([0.02, -0.01, 0.01, -0.02])); // 1: gains 0.03 over losses 0.03
 * ```
 */
export function omegaRatio(returns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number | ArrayLike<number>; readonly requiredReturn?: number } = {}): number {
  requireReturns(returns);
  const p = ppy(options);
  if (returns.length < 2) return Number.NaN;
  const req = options.requiredReturn ?? 0;
  let threshold: number;
  if (p === 1) threshold = req;
  else if (req <= -1) return Number.NaN;
  else threshold = (1 + req) ** (1 / p) - 1;
  const less = adjust(adjust(returns, options.riskFree ?? 0), threshold);
  let numer = 0;
  let denom = 0;
  for (let i = 0; i < less.length; i++) {
    const x = less[i] as number;
    if (x > 0) numer += x;
    else if (x < 0) denom -= x;
  }
  return denom > 0 ? numer / denom : Number.NaN;
}

/**
 * Tail ratio, empyrical's `tail_ratio`: `|95th percentile| / |5th percentile|` of the non-NaN
 * returns (numpy's linear interpolation); NaN for none.
 * @param returns - simple returns per period.
 * @returns the tail ratio.
 * @throws `InvalidArgumentError` if `returns` is not an array.
 * @example
 * ```ts
 * import { tailRatio } from 'tradegym';
 * console.log(tailRatio([-0.02, -0.01, 0, 0.01, 0.02])); // 1: symmetric
 * ```
 */
export function tailRatio(returns: ArrayLike<number>): number {
  requireReturns(returns);
  const v = dropNaN(returns);
  if (v.length < 1) return Number.NaN;
  const hi = percentileSelect(v, 95);
  return Math.abs(hi) / Math.abs(percentileSelect(v, 5));
}

/**
 * Value at risk, empyrical's `value_at_risk`: the `cutoff` percentile of the returns (numpy's
 * linear interpolation; empyrical does not skip NaN here, and neither do we: a NaN gives NaN).
 * @param returns - simple returns per period.
 * @param cutoff - the tail probability, in (0, 1) (default 0.05).
 * @returns the VaR (a return, usually negative).
 * @throws `InvalidArgumentError` for a cutoff outside (0, 1).
 * @example
 * ```ts
 * import { valueAtRisk } from 'tradegym';
 * console.log(valueAtRisk([-0.04, -0.02, 0, 0.02, 0.04], 0.25)); // -0.02
 * ```
 */
export function valueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  requireReturns(returns);
  if (!(cutoff > 0 && cutoff < 1)) fail('cutoff', 'a number in (0, 1)', cutoff);
  const v = Float64Array.from(returns);
  if (v.length < 1 || hasNaN(v)) return Number.NaN;
  return percentileSelect(v, 100 * cutoff);
}

/**
 * Conditional value at risk (expected shortfall), empyrical's `conditional_value_at_risk`:
 * the mean of the `floor((n - 1) * cutoff) + 1` smallest returns.
 * @param returns - simple returns per period.
 * @param cutoff - the tail probability, in (0, 1) (default 0.05).
 * @returns the CVaR.
 * @throws `InvalidArgumentError` for a cutoff outside (0, 1).
 * @example
 * ```ts
 * import { conditionalValueAtRisk } from 'tradegym';
 * console.log(conditionalValueAtRisk([-0.04, -0.02, 0, 0.02, 0.04], 0.5)); // mean of 3 worst: -0.02
 * ```
 */
export function conditionalValueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  requireReturns(returns);
  if (!(cutoff > 0 && cutoff < 1)) fail('cutoff', 'a number in (0, 1)', cutoff);
  const v = Float64Array.from(returns);
  if (v.length < 1 || hasNaN(v)) return Number.NaN;
  const k = Math.floor((v.length - 1) * cutoff);
  selectKth(v, k); // the k + 1 smallest now come first (as numpy's partition)
  return nanmean(v.subarray(0, k + 1));
}

/**
 * Stability, empyrical's `stability_of_timeseries`: R^2 of a least-squares line through the
 * cumulative log returns (NaN skipped); NaN for fewer than 2 returns.
 * @param returns - simple returns per period.
 * @returns R^2, in [0, 1].
 * @throws `InvalidArgumentError` if `returns` is not an array.
 * @example
 * ```ts
 * import { stabilityOfTimeseries } from 'tradegym';
 * console.log(stabilityOfTimeseries([0.01, 0.01, 0.01, 0.01])); // 1: a straight line
 * ```
 */
export function stabilityOfTimeseries(returns: ArrayLike<number>): number {
  requireReturns(returns);
  if (returns.length < 2) return Number.NaN;
  const v = dropNaN(returns);
  const n = v.length;
  const y = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) y[i] = acc += Math.log1p(v[i] as number);
  // scipy.stats.linregress's r, from the centred sums of squares
  const mx = (n - 1) / 2;
  const my = nanmean(y);
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
  if (syy === 0 || sxx === 0) return 0; // scipy's linregress: r = 0 when either sum of squares is 0
  const r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  return r * r;
}

/**
 * Alpha and beta against a factor (benchmark), empyrical's `alpha_beta_aligned`: beta =
 * cov(r - rf, f) / var(f) (ddof 0) over periods where both are present (NaN if fewer than 2 or
 * var(f) < 1e-30); alpha = nanmean((r - rf) - beta (f - rf)) * periodsPerYear.
 * @param returns - simple returns per period.
 * @param factorReturns - the factor's returns, aligned with `returns`.
 * @param options - `periodsPerYear`, `riskFree` (per period).
 * @returns `{ alpha, beta }`.
 * @throws `InvalidArgumentError` if the two series differ in length.
 * @example
 * ```ts
 * import { alphaBeta } from 'tradegym';
 * const f = [0.01, -0.02, 0.015, 0.005];
 * console.log(alphaBeta(f.map((x) => 2 * x), f).beta); // 2 (to rounding)
 * ```
 */
export function alphaBeta(returns: ArrayLike<number>, factorReturns: ArrayLike<number>, options: PeriodOptions & { readonly riskFree?: number } = {}): AlphaBeta {
  requireReturns(returns);
  requireReturns(factorReturns);
  if (returns.length !== factorReturns.length) fail('factorReturns', `${returns.length} values (aligned with returns)`, `${factorReturns.length} values`);
  const p = ppy(options);
  if (returns.length < 2) return { alpha: Number.NaN, beta: Number.NaN };
  const rf = options.riskFree ?? 0;
  const n = returns.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const y = (returns[i] as number) - rf;
    const x = factorReturns[i] as number;
    if (x === x && y === y) {
      xs[m] = x;
      ys[m] = y;
      m++;
    }
  }
  let beta = Number.NaN;
  if (m >= 2) {
    const px = xs.subarray(0, m);
    const py = ys.subarray(0, m);
    const mx = nanmean(px);
    const my = nanmean(py);
    let vx = 0;
    let cxy = 0;
    for (let i = 0; i < m; i++) {
      const dx = (px[i] as number) - mx;
      vx += dx * dx;
      cxy += dx * ((py[i] as number) - my);
    }
    vx /= m;
    cxy /= m;
    beta = Math.abs(vx) < 1e-30 ? Number.NaN : cxy / vx;
  }
  const series = new Float64Array(n);
  for (let i = 0; i < n; i++) series[i] = (returns[i] as number) - rf - beta * ((factorReturns[i] as number) - rf);
  return { alpha: nanmean(series) * p, beta };
}

/** Alpha (annualised, linear as empyrical) and beta. */
export interface AlphaBeta {
  /** Annualised alpha: mean excess return over beta times the factor's, times periods per year. */
  readonly alpha: number;
  /** Beta: cov(r, f) / var(f). */
  readonly beta: number;
}

/** Every metric of a return series, as the backtest reports them. */
export interface ReturnMetrics {
  /** Compounded return over the whole series. */
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
  /** Against the benchmark, when one is given. */
  readonly alpha?: number;
  /** Against the benchmark, when one is given. */
  readonly beta?: number;
}

/**
 * All the metrics above for one return series.
 * @param returns - simple returns per period.
 * @param options - `periodsPerYear`, and `benchmark` returns for alpha and beta.
 * @returns the metrics.
 * @throws `InvalidArgumentError` for a bad `periodsPerYear` or a misaligned benchmark.
 * @example
 * ```ts
 * import { returnMetrics } from 'tradegym';
 * const m = returnMetrics([0.01, -0.005, 0.02], { periodsPerYear: 365 });
 * console.log(m.totalReturn.toFixed(4)); // 0.0250
 * ```
 */
export function returnMetrics(returns: ArrayLike<number>, options: PeriodOptions & { readonly benchmark?: ArrayLike<number> } = {}): ReturnMetrics {
  const o = { periodsPerYear: ppy(options) };
  const ab = options.benchmark === undefined ? {} : alphaBeta(returns, options.benchmark, o);
  return {
    totalReturn: returns.length === 0 ? Number.NaN : (cumReturns(returns)[returns.length - 1] as number),
    annualReturn: annualReturn(returns, o),
    cagr: cagr(returns, o),
    annualVolatility: annualVolatility(returns, o),
    sharpeRatio: sharpeRatio(returns, o),
    sortinoRatio: sortinoRatio(returns, o),
    downsideRisk: downsideRisk(returns, o),
    maxDrawdown: maxDrawdown(returns),
    calmarRatio: calmarRatio(returns, o),
    omegaRatio: omegaRatio(returns, { periodsPerYear: 1 }),
    tailRatio: tailRatio(returns),
    valueAtRisk: valueAtRisk(returns),
    conditionalValueAtRisk: conditionalValueAtRisk(returns),
    stabilityOfTimeseries: stabilityOfTimeseries(returns),
    ...ab,
  };
}

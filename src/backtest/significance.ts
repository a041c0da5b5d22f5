import { fail, requireFinite, requireInt, requireKnownKeys, requireSeed, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { sharpeRatio } from './metrics.js';
import { hasNaN, nanmean, nanstd, percentileSelect } from './nan.js';
import { option, requireLength, requireSeries } from './series.js';

/**
 * Skill or luck: the statistics that say how much a Sharpe ratio is worth.
 *
 * - The Probabilistic Sharpe Ratio (PSR) and the minimum track record length of Bailey &
 *   López de Prado (2012), "The Sharpe Ratio Efficient Frontier", Journal of Risk 15(2).
 * - The Deflated Sharpe Ratio (DSR) of Bailey & López de Prado (2014), "The Deflated Sharpe
 *   Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality", Journal of
 *   Portfolio Management 40(5): the PSR against the Sharpe ratio the best of `trials`
 *   zero-skill strategies is expected to show.
 * - The stationary bootstrap of Politis & Romano (1994), "The Stationary Bootstrap", JASA
 *   89(428), with percentile confidence intervals for a Sharpe ratio and for the difference
 *   of two Sharpe ratios on paired series.
 * - The standard normal CDF (Cody 1969, as R's `pnorm`) and its inverse (Wichura 1988,
 *   algorithm AS 241, as R's `qnorm`), both to double precision.
 *
 * Units follow the papers: PSR, DSR and the minimum track record length take the per-period
 * (not annualised) Sharpe ratio, the skewness and the non-excess kurtosis (3 for normal
 * returns) of the returns, and `benchmarkSharpe` and `trialSharpeVariance` in the same
 * per-period units. To convert annualised figures: `SR / sqrt(periodsPerYear)` and
 * `V / periodsPerYear`. The bootstrap intervals are per period too unless `periodsPerYear` is
 * given, which annualises them as {@link sharpeRatio} does.
 *
 * Return series go through the metrics' one check (NaN marks a missing period and is skipped,
 * as empyrical's nanmean/nanstd); unknown option keys and `null` options are refused.
 */

/** Euler-Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

// ---------------------------------------------------------------- the normal distribution

// Cody (1969), "Rational Chebyshev approximations for the error function", Math. Comp. 23,
// coefficients as in R's nmath/pnorm.c (pnorm_both), rounded to the doubles they denote.
const CODY_A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745] as const;
const CODY_B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673] as const;
const CODY_C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726, 6848.190450536283,
  11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
] as const;
const CODY_D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097, 34900.95272114598,
  38912.00328609327, 19685.429676859992,
] as const;
const CODY_P = [0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 0.000029112874951168793, 0.023073441764940174] as const;
const CODY_Q = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 0.00007297515550839662] as const;
const SQRT_32 = Math.sqrt(32);
const ONE_OVER_SQRT_2PI = 0.3989422804014327;

/** `exp(-y^2 / 2) * temp` with `y^2` split so the exponent keeps full precision (R's `do_del`). */
function gaussTail(y: number, temp: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq * 0.5) * Math.exp(-del * 0.5) * temp;
}

/**
 * The standard normal cumulative distribution function, `P(Z <= x)`: Cody's rational
 * Chebyshev approximations (1969), as R's `pnorm`, accurate to double precision (relative
 * error ~1e-15) in both tails; 0 below about -37.5, where the result underflows.
 * @param x - any number; NaN gives NaN, -Infinity 0, Infinity 1.
 * @returns the probability, in [0, 1].
 * @throws `InvalidArgumentError` if `x` is not a number.
 * @example
 * ```ts
 * import { normalCdf } from 'tradegym';
 * console.log(normalCdf(1.96).toFixed(6)); // 0.975002
 * console.log(normalCdf(-10)); // 7.619853024160527e-24
 * ```
 */
export function normalCdf(x: number): number {
  if (typeof x !== 'number') fail('x', 'a number', x);
  if (x !== x) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    // |x| <= qnorm(3/4): the central rational function
    let num = 0;
    let den = 0;
    if (y > Number.EPSILON * 0.5) {
      const xsq = x * x;
      num = CODY_A[4] * xsq;
      den = xsq;
      for (let i = 0; i < 3; i++) {
        num = (num + (CODY_A[i] as number)) * xsq;
        den = (den + (CODY_B[i] as number)) * xsq;
      }
    }
    return 0.5 + (x * (num + CODY_A[3])) / (den + CODY_B[3]);
  }
  let tail: number; // P(Z > |x|)
  if (y <= SQRT_32) {
    let num = CODY_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + (CODY_C[i] as number)) * y;
      den = (den + (CODY_D[i] as number)) * y;
    }
    tail = gaussTail(y, (num + CODY_C[7]) / (den + CODY_D[7]));
  } else if (y < 37.5193) {
    const xsq = 1 / (y * y);
    let num = CODY_P[5] * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i++) {
      num = (num + (CODY_P[i] as number)) * xsq;
      den = (den + (CODY_Q[i] as number)) * xsq;
    }
    const temp = (xsq * (num + CODY_P[4])) / (den + CODY_Q[4]);
    tail = gaussTail(y, (ONE_OVER_SQRT_2PI - temp) / y);
  } else {
    tail = 0;
  }
  return x > 0 ? 1 - tail : tail;
}

// Wichura (1988), "Algorithm AS 241: The percentage points of the normal distribution",
// Applied Statistics 37(3), PPND16: numerators and denominators, constant term first, rounded
// to the doubles they denote.
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987, 67265.7709270087,
  33430.57558358813, 2509.0809287301227,
] as const;
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271, 28729.085735721943,
  5226.495278852854,
] as const;
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684, 0.2417807251774506,
  0.022723844989269184, 0.0007745450142783414,
] as const;
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
] as const;
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124, 0.0012426609473880784,
  0.000027115555687434876, 2.0103343992922881e-7,
] as const;
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133, 0.000018463183175100548,
  1.421511758316446e-7, 2.0442631033899397e-15,
] as const;

/** A degree-7 polynomial, coefficients from the constant term up, by Horner's rule. */
function poly7(c: readonly number[], x: number): number {
  let v = c[7] as number;
  for (let i = 6; i >= 0; i--) v = v * x + (c[i] as number);
  return v;
}

/**
 * The inverse of {@link normalCdf}, the standard normal quantile `z` with `P(Z <= z) = p`:
 * Wichura's algorithm AS 241 (1988), PPND16, as R's `qnorm`, accurate to about 1 part in
 * 1e16.
 * @param p - a probability in [0, 1]; 0 gives -Infinity, 1 gives Infinity.
 * @returns the quantile.
 * @throws `InvalidArgumentError` if `p` is not a number in [0, 1] (NaN included).
 * @example
 * ```ts
 * import { normalQuantile } from 'tradegym';
 * console.log(normalQuantile(0.975).toFixed(6)); // 1.959964
 * console.log(normalQuantile(0.5)); // 0
 * ```
 */
export function normalQuantile(p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('p', 'a probability in [0, 1]', p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly7(AS241_A, r)) / poly7(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly7(AS241_C, r) / poly7(AS241_D, r);
  } else {
    r -= 5;
    z = poly7(AS241_E, r) / poly7(AS241_F, r);
  }
  return q < 0 ? -z : z;
}

// ---------------------------------------------------------------- PSR, DSR, MinTRL

/** The inputs of the PSR, measured on a return series. */
export interface SharpeMoments {
  /** The per-period Sharpe ratio, `mean / std` (ddof 1, as {@link sharpeRatio}), not annualised. */
  readonly sharpe: number;
  /** The number of returns (NaN periods not counted). */
  readonly n: number;
  /** The skewness `m3 / m2^1.5` (population moments, as scipy's `skew`): 0 for normal returns. */
  readonly skew: number;
  /** The non-excess kurtosis `m4 / m2^2` (population moments, as scipy's `kurtosis(fisher=False)`): 3 for normal returns. */
  readonly kurtosis: number;
}

/**
 * The per-period Sharpe ratio, skewness and non-excess kurtosis of a return series: the
 * inputs of {@link psrFromMoments}, {@link dsrFromMoments} and {@link minTrackRecordLength}.
 * NaN returns are skipped. With fewer than 2 returns the Sharpe ratio is NaN; for a constant
 * series it is ±Infinity or NaN (0 / 0), and the skewness and kurtosis are NaN.
 * @param returns - simple returns per period (NaN: a missing period).
 * @returns `{ sharpe, n, skew, kurtosis }`.
 * @throws `InvalidArgumentError` if `returns` is not an array of numbers (±Infinity included).
 * @example
 * ```ts
 * import { sharpeMoments } from 'tradegym';
 * const m = sharpeMoments([0.01, -0.01, 0.02, 0.0]);
 * console.log(m.n, m.sharpe.toFixed(4), m.skew.toFixed(4), m.kurtosis.toFixed(4)); // 4 0.3873 0.0000 1.6400
 * ```
 */
export function sharpeMoments(returns: ArrayLike<number>): SharpeMoments {
  return momentsOf(requireSeries('returns', returns));
}

/** The moments of a checked series. */
function momentsOf(r: ArrayLike<number>): SharpeMoments {
  const mean = nanmean(r);
  let n = 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as number;
    if (x !== x) continue;
    const d = x - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    n++;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const sharpe = n < 2 ? Number.NaN : mean / nanstd(r, 1);
  return { sharpe, n, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** The PSR formula itself (2012, eq. 11), on valid moments. */
function psrOf(sharpe: number, n: number, skew: number, kurtosis: number, benchmark: number): number {
  const variance = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(n - 1)) / Math.sqrt(variance));
}

/** PSR of measured moments: NaN where the moments are undefined (fewer than 2 returns, a constant series). */
function psrOfMoments(m: SharpeMoments, benchmark: number): number {
  if (!(m.n >= 2 && Number.isFinite(m.sharpe) && Number.isFinite(m.skew) && Number.isFinite(m.kurtosis))) return Number.NaN;
  return psrOf(m.sharpe, m.n, m.skew, m.kurtosis, benchmark);
}

/** The checked moments of an options object (`sharpe`, `skew`, `kurtosis`, and `n` unless `withN` is false). */
function readMoments(o: Record<string, unknown>, withN: boolean): { sharpe: number; n: number; skew: number; kurtosis: number } {
  const sharpe = requireFinite('sharpe', o.sharpe);
  const n = withN ? requireInt('n', o.n, 2) : Number.NaN;
  const skew = requireFinite('skew', o.skew);
  const kurtosis = requireFinite('kurtosis', o.kurtosis);
  // Pearson's inequality holds for every distribution; below it the kurtosis is most likely an
  // excess kurtosis (0 for normal returns), which would silently shrink the standard error
  if (!(kurtosis >= 1 + skew * skew)) {
    fail('kurtosis', `the non-excess kurtosis (3 for normal returns), >= 1 + skew^2 = ${1 + skew * skew}`, kurtosis);
  }
  return { sharpe, n, skew, kurtosis };
}

/** Options of {@link probabilisticSharpeRatio}. */
export interface PsrOptions {
  /** The Sharpe ratio to beat, per period (not annualised); default 0. */
  readonly benchmarkSharpe?: number;
}

/**
 * The Probabilistic Sharpe Ratio (Bailey & López de Prado 2012): the probability that the
 * true Sharpe ratio exceeds `benchmarkSharpe`, given the observed per-period Sharpe ratio
 * `SR`, the number of returns `n`, their skewness `g3` and non-excess kurtosis `g4`:
 * `Z[(SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)]`, `Z` the standard normal
 * CDF. The moments are those of {@link sharpeMoments}. NaN for fewer than 2 returns or a
 * constant series (no Sharpe ratio to test).
 * @param returns - simple (excess) returns per period (NaN: a missing period).
 * @param options - `benchmarkSharpe` (per period, default 0).
 * @returns the PSR, in [0, 1].
 * @throws `InvalidArgumentError` for bad returns, a non-finite `benchmarkSharpe` or an unknown option.
 * @example
 * ```ts
 * import { probabilisticSharpeRatio } from 'tradegym';
 * const r = [0.02, -0.01, 0.015, 0.005, -0.002, 0.01, 0.003, -0.004];
 * console.log(probabilisticSharpeRatio(r).toFixed(3)); // 0.889: P(true Sharpe > 0)
 * ```
 */
export function probabilisticSharpeRatio(returns: ArrayLike<number>, options: PsrOptions = {}): number {
  const r = requireSeries('returns', returns);
  const o = requireKnownKeys('options', options, ['benchmarkSharpe']);
  const benchmark = requireFinite('benchmarkSharpe', option(o, 'benchmarkSharpe', 0));
  return psrOfMoments(momentsOf(r), benchmark);
}

/** The inputs of {@link psrFromMoments}. */
export interface PsrMoments {
  /** The observed Sharpe ratio, per period (not annualised). */
  readonly sharpe: number;
  /** The number of returns it was measured on, >= 2. */
  readonly n: number;
  /** The returns' skewness (0 for normal returns). */
  readonly skew: number;
  /** The returns' non-excess kurtosis (3 for normal returns), >= 1 + skew^2. */
  readonly kurtosis: number;
  /** The Sharpe ratio to beat, per period; default 0. */
  readonly benchmarkSharpe?: number;
}

/**
 * The Probabilistic Sharpe Ratio from the moments themselves, as the papers state their
 * examples (see {@link probabilisticSharpeRatio} for the formula).
 * @param moments - `sharpe`, `n`, `skew`, `kurtosis` (non-excess), `benchmarkSharpe` (default 0), all per period.
 * @returns the PSR, in [0, 1].
 * @throws `InvalidArgumentError` for a non-finite value, `n` not an integer >= 2, a kurtosis
 * below Pearson's bound `1 + skew^2` (an excess kurtosis passed by mistake), or an unknown key.
 * @example
 * ```ts
 * import { psrFromMoments } from 'tradegym';
 * // Bailey & López de Prado (2012): a monthly Sharpe ratio of 0.458 over two years
 * console.log(psrFromMoments({ sharpe: 0.458, n: 24, skew: -2.448, kurtosis: 10.164 }).toFixed(3)); // 0.913
 * ```
 */
export function psrFromMoments(moments: PsrMoments): number {
  const o = requireKnownKeys('moments', moments, ['sharpe', 'n', 'skew', 'kurtosis', 'benchmarkSharpe']);
  const m = readMoments(o, true);
  const benchmark = requireFinite('benchmarkSharpe', option(o, 'benchmarkSharpe', 0));
  return psrOf(m.sharpe, m.n, m.skew, m.kurtosis, benchmark);
}

/** The selection a Sharpe ratio survived: how many trials, and how their Sharpe ratios spread. */
export interface TrialsOptions {
  /** The number of independent trials (configurations, seeds) the reported one was picked from, an integer >= 1. */
  readonly trials: number;
  /** The variance of the trials' Sharpe ratios, per period (annualised variance / periodsPerYear), >= 0. */
  readonly trialSharpeVariance: number;
}

/** The checked `trials` and `trialSharpeVariance`. */
function readTrials(o: Record<string, unknown>): { trials: number; variance: number } {
  const trials = requireInt('trials', o.trials, 1);
  const variance = o.trialSharpeVariance;
  if (typeof variance !== 'number' || !(variance >= 0) || !Number.isFinite(variance)) fail('trialSharpeVariance', 'a finite number >= 0', variance);
  return { trials, variance };
}

/** The expected maximum (2014, eq. 2 with a zero mean), on checked input. */
function expectedMaxOf(trials: number, variance: number): number {
  // one trial: no selection, the expected Sharpe ratio of a zero-skill strategy is 0 (the
  // approximation itself would give -Infinity there, from Z^-1[0])
  if (trials === 1) return 0;
  const z = (1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E));
  return Math.sqrt(variance) * z;
}

/**
 * The Sharpe ratio the best of `trials` independent zero-skill strategies is expected to
 * show (Bailey & López de Prado 2014, from extreme value theory):
 * `sqrt(V) ((1 - gamma) Z^-1[1 - 1/N] + gamma Z^-1[1 - 1/(N e)])`, `gamma` the
 * Euler-Mascheroni constant; 0 for a single trial. An approximation for large `N` (within
 * 3% of the exact expectation from N = 10 on, 1% from N = 100).
 * @param options - `trials` (an integer >= 1) and `trialSharpeVariance` (per period, >= 0).
 * @returns the expected maximum Sharpe ratio, per period: the DSR's benchmark.
 * @throws `InvalidArgumentError` for a bad or missing option, or an unknown one.
 * @example
 * ```ts
 * import { expectedMaxSharpe } from 'tradegym';
 * // 100 trials whose annualised Sharpe ratios have variance 0.5, 250 days a year
 * console.log(expectedMaxSharpe({ trials: 100, trialSharpeVariance: 0.5 / 250 }).toFixed(4)); // 0.1132
 * ```
 */
export function expectedMaxSharpe(options: TrialsOptions): number {
  const o = requireKnownKeys('options', options, ['trials', 'trialSharpeVariance']);
  const t = readTrials(o);
  return expectedMaxOf(t.trials, t.variance);
}

/**
 * The Deflated Sharpe Ratio (Bailey & López de Prado 2014): the PSR against the Sharpe ratio
 * the best of `trials` zero-skill strategies is expected to show ({@link expectedMaxSharpe}),
 * that is the probability that the selected strategy's true Sharpe ratio is above zero once
 * the selection, the sample length and the returns' skewness and kurtosis are accounted for.
 * Count every trial run (abandoned ones too), and take `trialSharpeVariance` over all their
 * per-period Sharpe ratios. NaN for fewer than 2 returns or a constant series.
 * @param returns - simple (excess) returns per period of the selected strategy (NaN: a missing period).
 * @param options - `trials` (an integer >= 1) and `trialSharpeVariance` (per period, >= 0).
 * @returns the DSR, in [0, 1]; 0.95 and above is the paper's bar for a discovery.
 * @throws `InvalidArgumentError` for bad returns, a bad or missing option, or an unknown one.
 * @example
 * ```ts
 * import { deflatedSharpeRatio } from 'tradegym';
 * const r = [0.02, -0.01, 0.015, 0.005, -0.002, 0.01, 0.003, -0.004];
 * console.log(deflatedSharpeRatio(r, { trials: 20, trialSharpeVariance: 0.01 }).toFixed(3)); // 0.763
 * ```
 */
export function deflatedSharpeRatio(returns: ArrayLike<number>, options: TrialsOptions): number {
  const r = requireSeries('returns', returns);
  const o = requireKnownKeys('options', options, ['trials', 'trialSharpeVariance']);
  const t = readTrials(o);
  return psrOfMoments(momentsOf(r), expectedMaxOf(t.trials, t.variance));
}

/** The inputs of {@link dsrFromMoments}. */
export interface DsrMoments extends TrialsOptions {
  /** The selected strategy's observed Sharpe ratio, per period. */
  readonly sharpe: number;
  /** The number of returns it was measured on, >= 2. */
  readonly n: number;
  /** Its returns' skewness. */
  readonly skew: number;
  /** Its returns' non-excess kurtosis (3 for normal returns), >= 1 + skew^2. */
  readonly kurtosis: number;
}

/**
 * The Deflated Sharpe Ratio from the moments, as the paper states its example (see
 * {@link deflatedSharpeRatio}).
 * @param moments - `sharpe`, `n`, `skew`, `kurtosis` (non-excess), `trials`, `trialSharpeVariance`, all per period.
 * @returns the DSR, in [0, 1].
 * @throws `InvalidArgumentError` as {@link psrFromMoments} and {@link expectedMaxSharpe}.
 * @example
 * ```ts
 * import { dsrFromMoments } from 'tradegym';
 * // Bailey & López de Prado (2014): annualised Sharpe 2.5 over 1250 days, best of 100 trials
 * const dsr = dsrFromMoments({ sharpe: 2.5 / Math.sqrt(250), n: 1250, skew: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / 250 });
 * console.log(dsr.toFixed(4)); // 0.9004
 * ```
 */
export function dsrFromMoments(moments: DsrMoments): number {
  const o = requireKnownKeys('moments', moments, ['sharpe', 'n', 'skew', 'kurtosis', 'trials', 'trialSharpeVariance']);
  const m = readMoments(o, true);
  const t = readTrials(o);
  return psrOf(m.sharpe, m.n, m.skew, m.kurtosis, expectedMaxOf(t.trials, t.variance));
}

/** The inputs of {@link minTrackRecordLength}. */
export interface MinTrackRecordOptions {
  /** The observed Sharpe ratio, per period. */
  readonly sharpe: number;
  /** The returns' skewness. */
  readonly skew: number;
  /** The returns' non-excess kurtosis (3 for normal returns), >= 1 + skew^2. */
  readonly kurtosis: number;
  /** The Sharpe ratio to beat, per period; default 0. */
  readonly benchmarkSharpe?: number;
  /** The confidence the PSR must reach, in (0, 1); default 0.95. */
  readonly confidence?: number;
}

/**
 * The minimum track record length (Bailey & López de Prado 2012): how many returns it takes
 * for the PSR of an observed Sharpe ratio to reach `confidence`,
 * `1 + (1 - g3 SR + (g4 - 1) / 4 SR^2) (Z^-1[confidence] / (SR - SR*))^2`. Not rounded:
 * `Math.ceil` it for a count, divide by periods per year for years. Infinity when the Sharpe
 * ratio does not exceed the benchmark (no length is enough).
 * @param options - `sharpe`, `skew`, `kurtosis` (non-excess), `benchmarkSharpe` (default 0), all per period, and `confidence` (default 0.95).
 * @returns the number of returns (periods).
 * @throws `InvalidArgumentError` for a non-finite value, a kurtosis below `1 + skew^2`, a
 * confidence outside (0, 1), or an unknown key.
 * @example
 * ```ts
 * import { minTrackRecordLength } from 'tradegym';
 * // annualised Sharpe 2 against 1, daily normal returns (Bailey & López de Prado 2012)
 * const n = minTrackRecordLength({ sharpe: 2 / Math.sqrt(252), skew: 0, kurtosis: 3, benchmarkSharpe: 1 / Math.sqrt(252) });
 * console.log((n / 252).toFixed(2)); // 2.73 years
 * ```
 */
export function minTrackRecordLength(options: MinTrackRecordOptions): number {
  const o = requireKnownKeys('options', options, ['sharpe', 'skew', 'kurtosis', 'benchmarkSharpe', 'confidence']);
  const m = readMoments(o, false);
  const benchmark = requireFinite('benchmarkSharpe', option(o, 'benchmarkSharpe', 0));
  const confidence = readConfidence(o);
  if (!(m.sharpe > benchmark)) return Infinity;
  const variance = 1 - m.skew * m.sharpe + ((m.kurtosis - 1) / 4) * m.sharpe * m.sharpe;
  const z = normalQuantile(confidence) / (m.sharpe - benchmark);
  return 1 + variance * z * z;
}

/** `confidence`, in (0, 1); default 0.95. */
function readConfidence(o: Record<string, unknown>): number {
  const c = option(o, 'confidence', 0.95);
  if (typeof c !== 'number' || !(c > 0 && c < 1)) fail('confidence', 'a number in (0, 1)', c);
  return c;
}

// ---------------------------------------------------------------- the stationary bootstrap

/** Options of {@link stationaryBootstrap}. */
export interface StationaryBootstrapOptions {
  /** How many resampled series, an integer >= 1 (default 1000). */
  readonly resamples?: number;
  /**
   * The mean block length, a number >= 1: each index continues the previous block with
   * probability `1 - 1/blockLength` (1: the iid bootstrap). Default `n^(1/3)`, the order of
   * the optimal block length for variance estimation (Hall, Horowitz & Jing 1995).
   */
  readonly blockLength?: number;
  /** The seed of the resampling, a safe integer >= 0 (default 0: the same call, the same resamples). Not with `rng`. */
  readonly seed?: number;
  /** A random stream to draw from instead of a seed (it advances). Not with `seed`. */
  readonly rng?: Rng;
}

const BOOTSTRAP_KEYS = ['resamples', 'blockLength', 'seed', 'rng'] as const;

/** The checked resampling options for a series of `n` values. */
function readBootstrap(o: Record<string, unknown>, n: number): { resamples: number; blockLength: number; rng: Rng } {
  const resamples = requireInt('resamples', option(o, 'resamples', 1000), 1);
  const blockLength = option(o, 'blockLength', Math.cbrt(n));
  if (typeof blockLength !== 'number' || !(blockLength >= 1) || !Number.isFinite(blockLength)) fail('blockLength', 'a finite number >= 1', blockLength);
  if (o.seed !== undefined && o.rng !== undefined) {
    throw new InvalidArgumentError(`seed and rng must not both be given (one source of randomness), got seed ${show(o.seed)} and an rng`);
  }
  let rng: Rng;
  if (o.rng !== undefined) {
    if (!(o.rng instanceof Rng)) fail('rng', 'an Rng', o.rng);
    rng = o.rng;
  } else {
    rng = new Rng(requireSeed('seed', option(o, 'seed', 0)));
  }
  return { resamples, blockLength, rng };
}

/**
 * The resampling loop (Politis & Romano 1994): the first index is uniform on [0, n); each next
 * one starts a new block at a uniform index with probability `p = 1/blockLength` and
 * otherwise follows the previous one, wrapping from n - 1 to 0. Draw order per index after
 * the first: one uniform for the coin, and one more for the new start when it comes up.
 */
function resample(n: number, resamples: number, blockLength: number, rng: Rng, statistic: (indices: Int32Array) => unknown): Float64Array {
  const out = new Float64Array(resamples);
  const idx = new Int32Array(n);
  const p = 1 / blockLength;
  for (let b = 0; b < resamples; b++) {
    let j = Math.floor(rng.uniform() * n);
    idx[0] = j;
    for (let i = 1; i < n; i++) {
      if (rng.uniform() < p) j = Math.floor(rng.uniform() * n);
      else j = j + 1 === n ? 0 : j + 1;
      idx[i] = j;
    }
    const v = statistic(idx);
    if (typeof v !== 'number') fail('statistic', 'a function returning a number', v);
    out[b] = v;
  }
  return out;
}

/**
 * The stationary bootstrap (Politis & Romano 1994): resamples of a series of `length` values
 * built from blocks of geometric length (mean `blockLength`) starting at uniform positions,
 * wrapping around the end, so the resampled series stay stationary and keep the short-range
 * dependence of the original. `statistic` sees the resampled indices of each resample (one
 * buffer, reused: copy it to keep it); apply them to paired series alike to keep their pairing.
 * @param length - the length of the series, an integer >= 1.
 * @param statistic - maps the indices of one resample to a number.
 * @param options - `resamples` (default 1000), `blockLength` (default `length^(1/3)`), and `seed` (default 0) or `rng`.
 * @returns the statistic of each resample, in order.
 * @throws `InvalidArgumentError` for a bad `length`, `statistic` or option, both `seed` and
 * `rng`, an unknown option, or a statistic that returns something other than a number.
 * @example
 * ```ts
 * import { stationaryBootstrap } from 'tradegym';
 * const r = [0.01, -0.02, 0.015, 0.003, -0.007, 0.012];
 * const means = stationaryBootstrap(r.length, (idx) => idx.reduce((s, i) => s + r[i]!, 0) / idx.length, { resamples: 200, seed: 7 });
 * console.log(means.length); // 200
 * ```
 */
export function stationaryBootstrap(length: number, statistic: (indices: Int32Array) => number, options: StationaryBootstrapOptions = {}): Float64Array {
  const n = requireInt('length', length, 1);
  if (typeof statistic !== 'function') fail('statistic', 'a function', statistic);
  const o = requireKnownKeys('options', options, BOOTSTRAP_KEYS);
  const b = readBootstrap(o, n);
  return resample(n, b.resamples, b.blockLength, b.rng, statistic);
}

/** Options of {@link sharpeConfidenceInterval} and {@link sharpeDifferenceInterval}. */
export interface SharpeIntervalOptions extends StationaryBootstrapOptions {
  /** The coverage of the interval, in (0, 1); default 0.95. */
  readonly confidence?: number;
  /** Periods per year to annualise with (as {@link sharpeRatio}); left out, the interval is per period. */
  readonly periodsPerYear?: number;
}

/** A bootstrap percentile interval. */
export interface BootstrapInterval {
  /** The statistic on the original series. */
  readonly estimate: number;
  /** The `(1 - confidence) / 2` percentile of the resampled statistics (NaN if any of them is NaN). */
  readonly lower: number;
  /** The `(1 + confidence) / 2` percentile of the resampled statistics (NaN if any of them is NaN). */
  readonly upper: number;
  /** The interval's nominal coverage. */
  readonly confidence: number;
  /** The number of resamples. */
  readonly resamples: number;
  /** The mean block length used. */
  readonly blockLength: number;
}

const INTERVAL_KEYS = [...BOOTSTRAP_KEYS, 'confidence', 'periodsPerYear'] as const;

/** The per-period Sharpe ratio of `xs` at `idx`, gathered into `buf` (NaN skipped, as {@link sharpeRatio}). */
function sharpeAt(xs: ArrayLike<number>, idx: Int32Array, buf: Float64Array): number {
  for (let i = 0; i < idx.length; i++) buf[i] = xs[idx[i] as number] as number;
  return nanmean(buf) / nanstd(buf, 1);
}

/** The percentile interval of the resampled statistics. */
function percentileInterval(estimate: number, stats: Float64Array, confidence: number, blockLength: number): BootstrapInterval {
  const nan = stats.length === 0 || hasNaN(stats);
  const lower = nan ? Number.NaN : percentileSelect(stats, (100 * (1 - confidence)) / 2);
  const upper = nan ? Number.NaN : percentileSelect(stats, (100 * (1 + confidence)) / 2);
  return { estimate, lower, upper, confidence, resamples: stats.length, blockLength };
}

/** The shared body of the two Sharpe intervals: `series` holds one or two aligned series. */
function sharpeInterval(series: readonly ArrayLike<number>[], options: SharpeIntervalOptions): BootstrapInterval {
  const o = requireKnownKeys('options', options, INTERVAL_KEYS);
  const confidence = readConfidence(o);
  const a = series[0] as ArrayLike<number>;
  const n = a.length;
  const ppy = option(o, 'periodsPerYear', 1);
  // sharpeRatio checks periodsPerYear and gives the point estimates (empyrical's Sharpe)
  const estimates = series.map((s) => sharpeRatio(s, { periodsPerYear: ppy as number }));
  const estimate = estimates.length === 1 ? (estimates[0] as number) : (estimates[0] as number) - (estimates[1] as number);
  const b = readBootstrap(o, Math.max(n, 1));
  if (n < 2) return { estimate, lower: Number.NaN, upper: Number.NaN, confidence, resamples: b.resamples, blockLength: b.blockLength };
  const scale = Math.sqrt(ppy as number);
  const buf = new Float64Array(n);
  const stat =
    series.length === 1
      ? (idx: Int32Array) => sharpeAt(a, idx, buf) * scale
      : (idx: Int32Array) => (sharpeAt(a, idx, buf) - sharpeAt(series[1] as ArrayLike<number>, idx, buf)) * scale;
  return percentileInterval(estimate, resample(n, b.resamples, b.blockLength, b.rng, stat), confidence, b.blockLength);
}

/**
 * A stationary-bootstrap percentile confidence interval for the Sharpe ratio
 * (`mean / std`, ddof 1, NaN returns skipped, as {@link sharpeRatio}): the Sharpe ratio of
 * each resample ({@link stationaryBootstrap}), and their `(1 - confidence) / 2` and
 * `(1 + confidence) / 2` percentiles (numpy's linear interpolation). Per period, or
 * annualised with `periodsPerYear`. The bounds are NaN for fewer than 2 returns, or when a
 * resample has no Sharpe ratio (all its values equal).
 * @param returns - simple (excess) returns per period (NaN: a missing period).
 * @param options - `confidence` (default 0.95), `resamples` (default 1000), `blockLength` (default `n^(1/3)`), `seed` (default 0) or `rng`, `periodsPerYear`.
 * @returns `{ estimate, lower, upper, confidence, resamples, blockLength }`.
 * @throws `InvalidArgumentError` for bad returns, a bad option, both `seed` and `rng`, or an unknown option.
 * @example
 * ```ts
 * import { sharpeConfidenceInterval } from 'tradegym';
 * const r = [0.01, -0.004, 0.006, 0.002, -0.008, 0.011, 0.003, -0.001, 0.007, -0.005];
 * const ci = sharpeConfidenceInterval(r, { resamples: 500, seed: 1 });
 * console.log(ci.lower < ci.estimate && ci.estimate < ci.upper); // true
 * ```
 */
export function sharpeConfidenceInterval(returns: ArrayLike<number>, options: SharpeIntervalOptions = {}): BootstrapInterval {
  return sharpeInterval([requireSeries('returns', returns)], options);
}

/**
 * A stationary-bootstrap percentile confidence interval for the difference of two Sharpe
 * ratios, `SR(a) - SR(b)`, on paired series (a strategy and its baseline over the same
 * periods): both are resampled with the same indices, so the interval is that of the
 * difference, dependence between the two included. An interval above 0 says `a` beat `b`
 * beyond resampling noise. Otherwise as {@link sharpeConfidenceInterval}.
 * @param a - simple returns per period (NaN: a missing period).
 * @param b - simple returns per period over the same periods as `a`.
 * @param options - as {@link sharpeConfidenceInterval}.
 * @returns `{ estimate, lower, upper, confidence, resamples, blockLength }` of `SR(a) - SR(b)`.
 * @throws `InvalidArgumentError` for bad series, series of different lengths, a bad option,
 * both `seed` and `rng`, or an unknown option.
 * @example
 * ```ts
 * import { sharpeDifferenceInterval } from 'tradegym';
 * const market = [0.01, -0.02, 0.015, 0.004, -0.01, 0.02, -0.005, 0.008];
 * const hedged = market.map((x) => 0.5 * x + 0.002);
 * const ci = sharpeDifferenceInterval(hedged, market, { resamples: 500, seed: 3 });
 * console.log(ci.estimate > 0, ci.lower > 0); // true true
 * ```
 */
export function sharpeDifferenceInterval(a: ArrayLike<number>, b: ArrayLike<number>, options: SharpeIntervalOptions = {}): BootstrapInterval {
  const x = requireSeries('a', a);
  const y = requireLength('b', requireSeries('b', b), x.length, 'a');
  return sharpeInterval([x, y], options);
}

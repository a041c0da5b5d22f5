import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { sharpeRatio } from '../../src/backtest/metrics.js';
import {
  deflatedSharpeRatio, dsrFromMoments, expectedMaxSharpe, minTrackRecordLength, normalCdf, normalQuantile, probabilisticSharpeRatio,
  psrFromMoments, sharpeConfidenceInterval, sharpeDifferenceInterval, sharpeMoments, stationaryBootstrap,
} from '../../src/backtest/significance.js';

const relClose = (actual: number, expected: number, rel: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));

/** An iid normal series from a seeded Rng (the library's one source of randomness). */
function normalSeries(seed: number, n: number, mean: number, std: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal(mean, std));
}

describe('normalCdf and normalQuantile', () => {
  // reference values: mpmath 1.3 at 40 digits (mp.ncdf, and sqrt(2) erfinv(2p - 1), or a
  // findroot of log ncdf in the far tail), at the double nearest each p: near 1 that matters
  // (0.9999999 is 0.99999990000000005...; the decimal's quantile is 5.19933758219...)
  it.each([
    [0, 0.5], [-1, 0.15865525393145705], [1.96, 0.9750021048517795], [0.5, 0.6914624612740131], [2, 0.9772498680518208],
    [3, 0.9986501019683699], [-5, 2.866515718791939e-7], [-10, 7.619853024160525e-24], [-20, 2.7536241186062337e-89],
    [-37, 5.725571222524577e-300], [6, 0.9999999990134123],
  ])('normalCdf(%d) matches mpmath to 1e-14 relative', (x, p) => relClose(normalCdf(x), p, 1e-14));

  it.each([
    [0.975, 1.9599639845400543], [0.95, 1.6448536269514726], [0.99, 2.326347874040841], [0.01, -2.326347874040841],
    [0.001, -3.0902323061678136], [1e-10, -6.361340902404057], [0.9999999, 5.199337582290661], [0.3, -0.5244005127080408],
    [0.425, -0.1891184262727925], [0.075, -1.439531470938456], [1e-20, -9.262340089798407], [1e-300, -37.0470962993612],
  ])('normalQuantile(%d) matches mpmath to 1e-14 relative', (p, z) => relClose(normalQuantile(p), z, 1e-14));

  it('are inverses of each other across (0, 1) (to 1e-13 in p)', () => {
    for (let i = 1; i < 1000; i++) {
      const p = i / 1000;
      expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-13 * Math.max(p, 1e-3));
    }
    // below 0 the lower tail keeps full relative precision; above, 1 - p loses digits
    for (let x = -8; x <= 3; x += 0.37) expect(Math.abs(normalQuantile(normalCdf(x)) - x)).toBeLessThan(1e-12);
  });

  it('are symmetric: Z(-x) = 1 - Z(x), Z^-1(1 - p) = -Z^-1(p)', () => {
    for (const x of [0.1, 0.7, 1.3, 2.9, 4.4]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15);
    for (const p of [0.001, 0.2, 0.4]) expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 12);
  });

  it('takes the ends and NaN as the limits say', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it.each([[-0.1], [1.5], [Number.NaN], ['0.5'], [null]])('normalQuantile refuses p = %s', (p) => {
    expect(() => normalQuantile(p as number)).toThrow(InvalidArgumentError);
    expect(() => normalQuantile(p as number)).toThrow(/^p must be a probability in \[0, 1\], got /);
  });

  it('normalCdf refuses a non-number', () => {
    expect(() => normalCdf('1' as unknown as number)).toThrow(/^x must be a number, got "1"$/);
  });
});

describe('probabilistic Sharpe ratio (Bailey & López de Prado 2012)', () => {
  // "The Sharpe Ratio Efficient Frontier", J. of Risk 15(2): a hedge fund with a monthly
  // Sharpe ratio of 0.458 over two years; PSR(0) = 0.982 under normality, 0.913 with its
  // skewness -2.448 and kurtosis 10.164, and 0.953 over three years (0.95351, truncated).
  it.each([
    [24, 0, 3, 0.982, 5e-4],
    [24, -2.448, 10.164, 0.913, 5e-4],
    [36, -2.448, 10.164, 0.953, 1e-3],
  ])('the paper: n = %d, skew %d, kurtosis %d gives %d', (n, skew, kurtosis, psr, tol) => {
    expect(Math.abs(psrFromMoments({ sharpe: 0.458, n, skew, kurtosis }) - psr)).toBeLessThanOrEqual(tol);
  });

  it('matches a hand calculation: SR 0.1, n 101, normal returns', () => {
    // z = 0.1 * sqrt(100) / sqrt(1 + (3 - 1) / 4 * 0.01) = 1 / sqrt(1.005) = 0.997509336...;
    // Z(z) = 0.840741327801351825... (mpmath at 30 digits)
    expect(psrFromMoments({ sharpe: 0.1, n: 101, skew: 0, kurtosis: 3 })).toBeCloseTo(0.8407413278013518, 14);
  });

  it('is 0.5 when the Sharpe ratio equals the benchmark, whatever the moments', () => {
    for (const [sr, skew, kurt, n] of [[0.1, 0, 3, 50], [0.3, -1, 6, 200], [-0.2, 0.5, 4, 12]] as const) {
      expect(psrFromMoments({ sharpe: sr, n, skew, kurtosis: kurt, benchmarkSharpe: sr })).toBe(0.5);
    }
    const r = normalSeries(5, 300, 0.001, 0.01);
    expect(probabilisticSharpeRatio(r, { benchmarkSharpe: sharpeMoments(r).sharpe })).toBe(0.5);
  });

  it('grows with the track record and shrinks with fatter tails and negative skew', () => {
    const base = { sharpe: 0.1, skew: 0, kurtosis: 3 };
    expect(psrFromMoments({ ...base, n: 400 })).toBeGreaterThan(psrFromMoments({ ...base, n: 100 }));
    expect(psrFromMoments({ ...base, n: 100, kurtosis: 9 })).toBeLessThan(psrFromMoments({ ...base, n: 100 }));
    expect(psrFromMoments({ ...base, n: 100, skew: -1, kurtosis: 9 })).toBeLessThan(psrFromMoments({ ...base, n: 100, kurtosis: 9 }));
  });

  it('from returns equals an independent computation (scipy 1.17: skew, kurtosis(fisher=False), norm.cdf)', () => {
    const r = [0.02, -0.01, 0.015, 0.005, -0.002, 0.01, 0.003, -0.004];
    // numpy/scipy on the same values: SR = mean / std(ddof=1) = 0.45992018440135624,
    // skew = 0.12641813513116532, kurtosis = 1.9400741244760722, PSR(0) = 0.8891453906123667
    const m = sharpeMoments(r);
    expect(m.n).toBe(8);
    relClose(m.sharpe, 0.45992018440135624, 1e-13);
    relClose(m.skew, 0.12641813513116532, 1e-12);
    relClose(m.kurtosis, 1.9400741244760722, 1e-13);
    relClose(probabilisticSharpeRatio(r), 0.8891453906123667, 1e-12);
    // and the per-period Sharpe is the metrics' Sharpe without the annualisation
    relClose(m.sharpe, sharpeRatio(r, { periodsPerYear: 1 }), 1e-14);
  });

  it('skips NaN returns (a missing period), as the metrics do', () => {
    const r = [0.02, -0.01, Number.NaN, 0.015, 0.005, -0.002, 0.01, 0.003, -0.004];
    expect(probabilisticSharpeRatio(r)).toBe(probabilisticSharpeRatio(r.filter((x) => !Number.isNaN(x))));
    expect(sharpeMoments(r).n).toBe(8);
  });

  it('is NaN with no Sharpe ratio to test (fewer than 2 returns, a constant series)', () => {
    expect(probabilisticSharpeRatio([])).toBeNaN();
    expect(probabilisticSharpeRatio([0.01])).toBeNaN();
    expect(probabilisticSharpeRatio([0.01, 0.01, 0.01])).toBeNaN();
    expect(probabilisticSharpeRatio([Number.NaN, 0.01])).toBeNaN();
  });

  it.each([
    [{ sharpe: 0.1, n: 10, skew: 0, kurtosis: 0 }, /^kurtosis must be the non-excess kurtosis \(3 for normal returns\), >= 1 \+ skew\^2 = 1, got 0$/],
    [{ sharpe: 0.1, n: 10, skew: -2, kurtosis: 4 }, /^kurtosis must be .* >= 1 \+ skew\^2 = 5, got 4$/],
    [{ sharpe: 0.1, n: 1, skew: 0, kurtosis: 3 }, /^n must be an integer >= 2, got 1$/],
    [{ sharpe: 0.1, n: 10.5, skew: 0, kurtosis: 3 }, /^n must be an integer >= 2, got 10.5$/],
    [{ sharpe: Number.NaN, n: 10, skew: 0, kurtosis: 3 }, /^sharpe must be a finite number, got NaN$/],
    [{ n: 10, skew: 0, kurtosis: 3 }, /^sharpe must be a finite number, got undefined$/],
    [{ sharpe: 0.1, n: 10, skew: '0', kurtosis: 3 }, /^skew must be a finite number, got "0"$/],
    [{ sharpe: 0.1, n: 10, skew: 0, kurtosis: 3, benchmarkSharpe: Infinity }, /^benchmarkSharpe must be a finite number, got Infinity$/],
    [{ sharpe: 0.1, n: 10, skew: 0, kurtosis: 3, benchmark: 0 }, /^moments\.benchmark is not a known option/],
    [{ sharpe: 0.1, n: 10, skew: 0, kurtosis: 3, benchmarkSharpe: null }, /^moments\.benchmarkSharpe must be a value, or left out for the default, got null$/],
  ])('psrFromMoments refuses %j', (m, msg) => {
    expect(() => psrFromMoments(m as never)).toThrow(InvalidArgumentError);
    expect(() => psrFromMoments(m as never)).toThrow(msg);
  });

  it.each([
    [[0.1, '0.2'], {}, /^returns\[1\] must be a finite number or NaN \(a missing period\), got "0.2"$/],
    [[0.1, Infinity], {}, /^returns\[1\] must be/],
    ['0.1', {}, /^returns must be an array or typed array of numbers, got "0.1"$/],
    [[0.1, 0.2], { benchmarkSharpe: '0' }, /^benchmarkSharpe must be a finite number, got "0"$/],
    [[0.1, 0.2], { benchmark: 0 }, /^options\.benchmark is not a known option \(known: benchmarkSharpe\), got 0$/],
  ])('probabilisticSharpeRatio refuses %j with %j', (r, o, msg) => {
    expect(() => probabilisticSharpeRatio(r as never, o as never)).toThrow(msg);
  });
});

describe('deflated Sharpe ratio (Bailey & López de Prado 2014)', () => {
  // "The Deflated Sharpe Ratio", J. Portfolio Management 40(5), numerical example: the best
  // of N = 100 trials has an annualised Sharpe ratio of 2.5 over T = 1250 daily returns (five
  // years, so 250 days a year), skewness -3, kurtosis 10; the trials' annualised Sharpe ratios
  // have variance 1/2. The paper gets SR0 = 0.1132 (per day) and DSR = 0.9004, short of 0.95;
  // with 46 trials instead, or with normal returns after 88 trials, DSR = 0.9505.
  const example = { sharpe: 2.5 / Math.sqrt(250), n: 1250, skew: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / 250 };

  it('the paper: SR0 = 0.1132 and DSR = 0.9004', () => {
    expect(Math.abs(expectedMaxSharpe({ trials: 100, trialSharpeVariance: 0.5 / 250 }) - 0.1132)).toBeLessThan(5e-5);
    expect(Math.abs(dsrFromMoments(example) - 0.9004)).toBeLessThan(5e-5);
  });

  it('the paper: 0.9505 after 46 trials, and for normal returns after 88 trials', () => {
    expect(Math.abs(dsrFromMoments({ ...example, trials: 46 }) - 0.9505)).toBeLessThan(5e-5);
    expect(Math.abs(dsrFromMoments({ ...example, skew: 0, kurtosis: 3, trials: 88 }) - 0.9505)).toBeLessThan(5e-5);
  });

  it('falls as the number of trials grows, and equals the PSR against 0 for one trial', () => {
    let previous = Infinity;
    for (const trials of [1, 2, 3, 5, 10, 30, 100, 300, 1000, 10000]) {
      const dsr = dsrFromMoments({ ...example, trials });
      expect(dsr).toBeLessThan(previous);
      previous = dsr;
    }
    expect(dsrFromMoments({ ...example, trials: 1 })).toBe(psrFromMoments({ sharpe: example.sharpe, n: 1250, skew: -3, kurtosis: 10 }));
  });

  it('expectedMaxSharpe approximates the exact expected maximum of N standard normals', () => {
    // E[max of N iid N(0, 1)] = integral of x N phi(x) Phi(x)^(N-1), by mpmath quadrature:
    // 1.538752730835 (N = 10), 2.507593636442 (N = 100), 3.241435769133 (N = 1000); the
    // paper's approximation overshoots by 2.3%, 0.9% and 0.5%
    relClose(expectedMaxSharpe({ trials: 10, trialSharpeVariance: 1 }), 1.538752730835, 0.03);
    relClose(expectedMaxSharpe({ trials: 100, trialSharpeVariance: 1 }), 2.507593636442, 0.01);
    relClose(expectedMaxSharpe({ trials: 1000, trialSharpeVariance: 1 }), 3.241435769133, 0.01);
    // hand calculation of the formula for N = 10 (mpmath: 1.574598301345750)
    relClose(expectedMaxSharpe({ trials: 10, trialSharpeVariance: 1 }), 1.57459830134575, 1e-13);
    // it scales with the standard deviation of the trials' Sharpe ratios; no spread, no bias
    relClose(expectedMaxSharpe({ trials: 10, trialSharpeVariance: 4 }), 2 * 1.57459830134575, 1e-13);
    expect(expectedMaxSharpe({ trials: 10, trialSharpeVariance: 0 })).toBe(0);
    expect(expectedMaxSharpe({ trials: 1, trialSharpeVariance: 1 })).toBe(0);
  });

  it('expectedMaxSharpe matches the mean best Sharpe ratio of simulated zero-skill trials', () => {
    // 200 studies of 50 zero-skill strategies with 250 iid N(0, 1) returns each: the trials'
    // per-period Sharpe ratios have variance ~1/250; the mean of each study's best one should
    // sit near sqrt(V) E[max of 50] (the approximation overshoots the exact 2.2491 by ~1.4%)
    const rng = new Rng(123);
    let sumBest = 0;
    let sumVar = 0;
    const studies = 200;
    for (let s = 0; s < studies; s++) {
      const srs: number[] = [];
      for (let k = 0; k < 50; k++) srs.push(sharpeMoments(Array.from({ length: 250 }, () => rng.normal())).sharpe);
      sumBest += Math.max(...srs);
      const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
      sumVar += srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1);
    }
    const predicted = expectedMaxSharpe({ trials: 50, trialSharpeVariance: sumVar / studies });
    relClose(sumBest / studies, predicted, 0.04);
  });

  it('from returns equals the DSR of their moments', () => {
    const r = normalSeries(9, 500, 0.001, 0.01);
    const m = sharpeMoments(r);
    const opts = { trials: 25, trialSharpeVariance: 0.002 };
    expect(deflatedSharpeRatio(r, opts)).toBe(dsrFromMoments({ ...m, ...opts }));
    expect(deflatedSharpeRatio(r, opts)).toBeLessThan(probabilisticSharpeRatio(r));
    expect(deflatedSharpeRatio([0.01, 0.01], opts)).toBeNaN();
  });

  it('flags the best of many zero-skill strategies as no discovery in most studies', () => {
    // 20 studies, each picking the best of 30 zero-skill strategies: the DSR counting the 30
    // trials stays below 0.95 in (nearly) all, while the PSR against 0 of the winner often does not
    const rng = new Rng(77);
    let psrPasses = 0;
    let dsrPasses = 0;
    for (let s = 0; s < 20; s++) {
      const trials = Array.from({ length: 30 }, () => Float64Array.from({ length: 250 }, () => rng.normal(0, 0.01)));
      const srs = trials.map((t) => sharpeMoments(t).sharpe);
      const best = trials[srs.indexOf(Math.max(...srs))]!;
      const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
      const v = srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1);
      if (probabilisticSharpeRatio(best) >= 0.95) psrPasses++;
      if (deflatedSharpeRatio(best, { trials: 30, trialSharpeVariance: v }) >= 0.95) dsrPasses++;
    }
    expect(psrPasses).toBeGreaterThan(10);
    expect(dsrPasses).toBeLessThanOrEqual(2);
  });

  it.each([
    [{ trials: 0, trialSharpeVariance: 0.1 }, /^trials must be an integer >= 1, got 0$/],
    [{ trials: 2.5, trialSharpeVariance: 0.1 }, /^trials must be an integer >= 1, got 2.5$/],
    [{ trialSharpeVariance: 0.1 }, /^trials must be an integer >= 1, got undefined$/],
    [{ trials: 10, trialSharpeVariance: -0.1 }, /^trialSharpeVariance must be a finite number >= 0, got -0.1$/],
    [{ trials: 10 }, /^trialSharpeVariance must be a finite number >= 0, got undefined$/],
    [{ trials: 10, trialSharpeVariance: 0.1, trialsVariance: 1 }, /^options\.trialsVariance is not a known option/],
  ])('refuses %j', (o, msg) => {
    expect(() => deflatedSharpeRatio([0.01, 0.02, -0.01], o as never)).toThrow(msg);
    expect(() => expectedMaxSharpe(o as never)).toThrow(msg);
  });
});

describe('minimum track record length (Bailey & López de Prado 2012)', () => {
  // The paper: an annualised Sharpe ratio of 2 against a benchmark of 1 at 95% takes 2.73
  // years of daily, 2.83 of weekly, 3.24 of monthly normal returns, and 4.99 years of monthly
  // returns with the moments of the HFR aggregate index (skewness -0.72, kurtosis 5.78).
  it.each([
    [252, 0, 3, 2.73], [52, 0, 3, 2.83], [12, 0, 3, 3.24], [12, -0.72, 5.78, 4.99],
  ])('the paper: %d periods a year, skew %d, kurtosis %d take %d years', (ppy, skew, kurtosis, years) => {
    const n = minTrackRecordLength({ sharpe: 2 / Math.sqrt(ppy), benchmarkSharpe: 1 / Math.sqrt(ppy), skew, kurtosis });
    expect(Math.abs(n / ppy - years)).toBeLessThan(5e-3);
  });

  it('is where the PSR reaches the confidence', () => {
    for (const [sr, skew, kurt, c] of [[0.1, 0, 3, 0.95], [0.2, -1, 5, 0.99], [0.05, 0.3, 3.5, 0.9]] as const) {
      const n = minTrackRecordLength({ sharpe: sr, skew, kurtosis: kurt, confidence: c });
      expect(psrFromMoments({ sharpe: sr, n: Math.ceil(n), skew, kurtosis: kurt })).toBeGreaterThanOrEqual(c);
      expect(psrFromMoments({ sharpe: sr, n: Math.floor(n) - 1, skew, kurtosis: kurt })).toBeLessThan(c);
    }
  });

  it('is Infinity when the Sharpe ratio does not beat the benchmark', () => {
    expect(minTrackRecordLength({ sharpe: 0.1, skew: 0, kurtosis: 3, benchmarkSharpe: 0.1 })).toBe(Infinity);
    expect(minTrackRecordLength({ sharpe: -0.1, skew: 0, kurtosis: 3 })).toBe(Infinity);
  });

  it.each([
    [{ sharpe: 0.1, skew: 0, kurtosis: 3, confidence: 1 }, /^confidence must be a number in \(0, 1\), got 1$/],
    [{ sharpe: 0.1, skew: 0, kurtosis: 3, confidence: 95 }, /^confidence must be a number in \(0, 1\), got 95$/],
    [{ sharpe: 0.1, skew: 0, kurtosis: 0 }, /^kurtosis must be the non-excess kurtosis/],
    [{ sharpe: 0.1, kurtosis: 3 }, /^skew must be a finite number, got undefined$/],
    [{ sharpe: 0.1, skew: 0, kurtosis: 3, n: 100 }, /^options\.n is not a known option/],
  ])('refuses %j', (o, msg) => {
    expect(() => minTrackRecordLength(o as never)).toThrow(msg);
  });
});

describe('stationary bootstrap (Politis & Romano 1994)', () => {
  /** A reference implementation of the resampling, written from the paper and the documented draw order. */
  function referenceIndices(n: number, blockLength: number, resamples: number, seed: number): Int32Array[] {
    const rng = new Rng(seed);
    const out: Int32Array[] = [];
    for (let b = 0; b < resamples; b++) {
      const idx = new Int32Array(n);
      idx[0] = Math.floor(rng.uniform() * n);
      for (let i = 1; i < n; i++) {
        const newBlock = rng.uniform() < 1 / blockLength;
        idx[i] = newBlock ? Math.floor(rng.uniform() * n) : (idx[i - 1]! + 1) % n;
      }
      out.push(idx);
    }
    return out;
  }

  const collect = (n: number, options: Parameters<typeof stationaryBootstrap>[2]): Int32Array[] => {
    const seen: Int32Array[] = [];
    stationaryBootstrap(n, (idx) => (seen.push(idx.slice()), 0), options);
    return seen;
  };

  it('draws the indices of the reference implementation', () => {
    expect(collect(37, { resamples: 5, blockLength: 4, seed: 11 })).toEqual(referenceIndices(37, 4, 5, 11));
    expect(collect(10, { resamples: 3, blockLength: 1, seed: 0 })).toEqual(referenceIndices(10, 1, 3, 0));
  });

  it('is deterministic for a seed, and a seed and an Rng of that seed agree', () => {
    const stat = (idx: Int32Array) => idx.reduce((s, i) => s + i * i, 0);
    const a = stationaryBootstrap(100, stat, { resamples: 20, seed: 5 });
    expect(stationaryBootstrap(100, stat, { resamples: 20, seed: 5 })).toEqual(a);
    expect(stationaryBootstrap(100, stat, { resamples: 20, rng: new Rng(5) })).toEqual(a);
    expect(stationaryBootstrap(100, stat, { resamples: 20, seed: 6 })).not.toEqual(a);
    // the default seed is 0, so a call without one is reproducible too
    expect(stationaryBootstrap(100, stat, { resamples: 20 })).toEqual(stationaryBootstrap(100, stat, { resamples: 20, seed: 0 }));
    // an Rng advances: two calls on one stream differ
    const rng = new Rng(5);
    stationaryBootstrap(100, stat, { resamples: 20, rng });
    expect(stationaryBootstrap(100, stat, { resamples: 20, rng })).not.toEqual(a);
  });

  it('continues a block with probability 1 - 1/blockLength and visits every index uniformly', () => {
    const n = 1000;
    for (const blockLength of [1, 4, 10]) {
      const all = collect(n, { resamples: 50, blockLength, seed: 2 });
      let continued = 0;
      let transitions = 0;
      const counts = new Float64Array(10);
      for (const idx of all) {
        for (let i = 1; i < n; i++, transitions++) if (idx[i] === (idx[i - 1]! + 1) % n) continued++;
        for (const j of idx) counts[Math.floor(j / 100)]!++;
      }
      // a new block lands on the next index by chance with probability 1/n
      const expected = 1 - 1 / blockLength + 1 / blockLength / n;
      expect(Math.abs(continued / transitions - expected)).toBeLessThan(0.01);
      // each tenth of the indices holds ~10% of the draws (50 000 draws, sd of a share < 0.5%
      // for iid draws; blocks inflate it ~sqrt(2 blockLength))
      for (const c of counts) expect(Math.abs(c / (50 * n) - 0.1)).toBeLessThan(0.03);
    }
  });

  it('defaults to 1000 resamples and a mean block length of n^(1/3)', () => {
    const r = normalSeries(1, 343, 0, 1);
    const ci = sharpeConfidenceInterval(r);
    expect(ci.resamples).toBe(1000);
    expect(ci.blockLength).toBeCloseTo(7, 12);
    expect(stationaryBootstrap(8, () => 1).length).toBe(1000);
  });

  it.each([
    [0, () => 0, {}, /^length must be an integer >= 1, got 0$/],
    [10, 'mean', {}, /^statistic must be a function, got "mean"$/],
    [10, () => 0, { resamples: 0 }, /^resamples must be an integer >= 1, got 0$/],
    [10, () => 0, { blockLength: 0.5 }, /^blockLength must be a finite number >= 1, got 0.5$/],
    [10, () => 0, { blockLength: Infinity }, /^blockLength must be a finite number >= 1, got Infinity$/],
    [10, () => 0, { seed: -1 }, /^seed must be a safe integer >= 0, got -1$/],
    [10, () => 0, { seed: 1, rng: new Rng(1) }, /^seed and rng must not both be given \(one source of randomness\), got seed 1 and an rng$/],
    [10, () => 0, { rng: 42 }, /^rng must be an Rng, got 42$/],
    [10, () => 0, { resample: 10 }, /^options\.resample is not a known option/],
    [10, () => '0', {}, /^statistic must be a function returning a number, got "0"$/],
  ])('refuses length %j, statistic %s, options %j', (n, stat, o, msg) => {
    expect(() => stationaryBootstrap(n as number, stat as never, o as never)).toThrow(InvalidArgumentError);
    expect(() => stationaryBootstrap(n as number, stat as never, o as never)).toThrow(msg);
  });
});

describe('Sharpe ratio confidence intervals', () => {
  it('cover the true Sharpe ratio of iid normal returns in about `confidence` of repeated trials', () => {
    // 200 seeded series of 1000 N(0.05, 1) returns (true per-period Sharpe 0.05); a 90% interval
    // should cover it in 180 of 200 (binomial sd 4.2): accept 167..193 (3 sd). Block bootstraps
    // under-cover a little in short series (a bias of order blockLength / n: over 1000 such
    // trials, 86.8% at n = 400 and 89.2% at n = 1000), hence the long series.
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const ci = sharpeConfidenceInterval(normalSeries(1000 + s, 1000, 0.05, 1), { confidence: 0.9, resamples: 250, seed: s });
      if (ci.lower <= 0.05 && 0.05 <= ci.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(167);
    expect(covered).toBeLessThanOrEqual(193);
  });

  it('cover the true Sharpe difference of two independent iid series in about `confidence` of trials', () => {
    // true per-period Sharpe ratios 0.1 and 0: difference 0.1
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const a = normalSeries(5000 + s, 400, 0.1, 1);
      const b = normalSeries(9000 + s, 400, 0, 2);
      const ci = sharpeDifferenceInterval(a, b, { confidence: 0.9, resamples: 400, seed: s });
      if (ci.lower <= 0.1 && 0.1 <= ci.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(167);
    expect(covered).toBeLessThanOrEqual(193);
  });

  it('resample both series of a difference with the same indices', () => {
    const r = normalSeries(3, 200, 0.02, 1);
    // the same series against itself: every resample's difference is exactly 0
    const same = sharpeDifferenceInterval(r, r, { resamples: 200, seed: 1 });
    expect([same.estimate, same.lower, same.upper]).toEqual([0, 0, 0]);
    // a strategy that is the market plus a steady edge: pairing keeps the shared noise out,
    // so the interval of the difference is much narrower than the two intervals' spread
    const market = normalSeries(4, 500, 0, 0.01);
    const edge = market.map((x, i) => x + 0.0005 + (i % 2 ? 0.0002 : -0.0002));
    const diff = sharpeDifferenceInterval(edge, market, { resamples: 500, seed: 2 });
    const ciEdge = sharpeConfidenceInterval(edge, { resamples: 500, seed: 2 });
    expect(diff.lower).toBeGreaterThan(0);
    expect(diff.upper - diff.lower).toBeLessThan((ciEdge.upper - ciEdge.lower) / 3);
    expect(diff.estimate).toBeCloseTo(sharpeRatio(edge, { periodsPerYear: 1 }) - sharpeRatio(market, { periodsPerYear: 1 }), 14);
  });

  it('are the percentiles of the Sharpe ratios of the resamples (an independent recomputation)', () => {
    const r = Array.from(normalSeries(8, 60, 0.1, 1));
    const stats: number[] = [];
    stationaryBootstrap(r.length, (idx) => {
      const x = Array.from(idx, (i) => r[i]!);
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
      stats.push(mean / sd);
      return 0;
    }, { resamples: 101, blockLength: 3, seed: 4 });
    stats.sort((a, b) => a - b);
    // numpy's linear percentile at 2.5% and 97.5% of 101 values: positions 2.5 and 97.5
    const ci = sharpeConfidenceInterval(r, { resamples: 101, blockLength: 3, seed: 4 });
    expect(ci.lower).toBeCloseTo((stats[2]! + stats[3]!) / 2, 12);
    expect(ci.upper).toBeCloseTo((stats[97]! + stats[98]!) / 2, 12);
    expect(ci.estimate).toBe(sharpeRatio(r, { periodsPerYear: 1 }));
  });

  it('annualise with periodsPerYear as sharpeRatio does', () => {
    const r = normalSeries(12, 300, 0.0005, 0.01);
    const perPeriod = sharpeConfidenceInterval(r, { resamples: 200, seed: 9 });
    const annual = sharpeConfidenceInterval(r, { resamples: 200, seed: 9, periodsPerYear: 252 });
    expect(annual.estimate).toBe(sharpeRatio(r, { periodsPerYear: 252 }));
    relClose(annual.lower, perPeriod.lower * Math.sqrt(252), 1e-12);
    relClose(annual.upper, perPeriod.upper * Math.sqrt(252), 1e-12);
  });

  it('widen with the block length on autocorrelated returns (the iid bootstrap understates their noise)', () => {
    // AR(1) with coefficient 0.6: the variance of the mean is 4x that of iid returns
    const rng = new Rng(21);
    const r = new Float64Array(2000);
    let x = 0;
    for (let i = 0; i < r.length; i++) r[i] = x = 0.6 * x + rng.normal(0, 1) + 0.02;
    const iid = sharpeConfidenceInterval(r, { resamples: 500, blockLength: 1, seed: 1 });
    const blocks = sharpeConfidenceInterval(r, { resamples: 500, blockLength: 20, seed: 1 });
    expect((blocks.upper - blocks.lower) / (iid.upper - iid.lower)).toBeGreaterThan(1.5);
  });

  it('are deterministic for a seed', () => {
    const r = normalSeries(13, 100, 0.001, 0.01);
    expect(sharpeConfidenceInterval(r, { resamples: 100, seed: 3 })).toEqual(sharpeConfidenceInterval(r, { resamples: 100, seed: 3 }));
    expect(sharpeConfidenceInterval(r, { resamples: 100, seed: 3 })).not.toEqual(sharpeConfidenceInterval(r, { resamples: 100, seed: 4 }));
  });

  it('have NaN bounds with no Sharpe ratio to resample', () => {
    const one = sharpeConfidenceInterval([0.01], { resamples: 10 });
    expect([one.estimate, one.lower, one.upper]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const flat = sharpeConfidenceInterval([0.01, 0.01, 0.01, 0.01], { resamples: 10 });
    expect(flat.lower).toBeNaN();
    expect(flat.upper).toBeNaN();
  });

  it.each([
    [{ confidence: 0 }, /^confidence must be a number in \(0, 1\), got 0$/],
    [{ confidence: '0.9' }, /^confidence must be a number in \(0, 1\), got "0.9"$/],
    [{ periodsPerYear: 0 }, /^periodsPerYear must be a finite number > 0, got 0$/],
    [{ resamples: 1.5 }, /^resamples must be an integer >= 1, got 1.5$/],
    [{ blockLength: 0 }, /^blockLength must be a finite number >= 1, got 0$/],
    [{ seed: 'a' }, /^seed must be a safe integer >= 0, got "a"$/],
    [{ level: 0.9 }, /^options\.level is not a known option \(known: resamples, blockLength, seed, rng, confidence, periodsPerYear\), got 0.9$/],
    [{ confidence: null }, /^options\.confidence must be a value, or left out for the default, got null$/],
  ])('refuse %j', (o, msg) => {
    expect(() => sharpeConfidenceInterval([0.01, 0.02, -0.01], o as never)).toThrow(msg);
    expect(() => sharpeDifferenceInterval([0.01, 0.02, -0.01], [0, 0.01, 0.02], o as never)).toThrow(msg);
  });

  it('refuse misaligned or bad series', () => {
    expect(() => sharpeDifferenceInterval([0.01, 0.02], [0.01])).toThrow(/^b must be a series of 2 values \(aligned with a\), got 1 values/);
    expect(() => sharpeDifferenceInterval([0.01, 'x'] as never, [0.01, 0.02])).toThrow(/^a\[1\] must be a finite number or NaN/);
    expect(() => sharpeConfidenceInterval([0.01, Infinity])).toThrow(/^returns\[1\] must be/);
  });
});

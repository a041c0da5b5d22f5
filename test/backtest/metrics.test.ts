import { describe, expect, it } from 'vitest';
import {
  alphaBeta, annualReturn, annualVolatility, cagr, calmarRatio, conditionalValueAtRisk, cumReturns, downsideRisk, InvalidArgumentError,
  maxDrawdown, omegaRatio, returnMetrics, Rng, sharpeRatio, sortinoRatio, stabilityOfTimeseries, tailRatio, valueAtRisk,
} from '../../src/index.js';

// empyrical's own test vectors: empyrical/tests/test_stats.py (quantopian/empyrical 0.5.x),
// its inputs and expected values, checked to its DECIMAL_PLACES = 8.
const N = Number.NaN;
const pct = (xs: number[]) => xs.map((x) => x / 100);
const simpleBenchmark = pct([0, 1, 0, 1, 0, 1, 0, 1, 0]);
const positive = pct([1, 2, 1, 1, 1, 1, 1, 1, 1]);
const negative = pct([0, -6, -7, -1, -9, -2, -6, -8, -5]);
const allNegative = pct([-2, -6, -7, -1, -9, -2, -6, -8, -5]);
const mixed = pct([N, 1, 10, -4, 2, 3, 2, 1, -10]);
const flatLine1 = pct([1, 1, 1, 1, 1, 1, 1, 1, 1]);
const weekly = pct([0, 1, 10, -4, 2, 3, 2, 1, -10]); // the same values, as weekly and monthly returns
const one = [0.01];
const empty: number[] = [];
const flat1000 = new Array<number>(1000).fill(0.01);
const DAILY = { periodsPerYear: 252 };
const WEEKLY = { periodsPerYear: 52 };
const MONTHLY = { periodsPerYear: 12 };
const close8 = (actual: number, expected: number) => {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else if (!Number.isFinite(expected)) expect(actual).toBe(expected);
  else expect(Math.abs(actual - expected)).toBeLessThan(1.5e-8); // numpy's assert_almost_equal(decimal=8)
};

describe('metrics: empyrical test_stats.py vectors', () => {
  it('cum_returns', () => {
    const expected = [0.0, 0.01, 0.111, 0.066559, 0.08789, 0.12052, 0.14293, 0.15436, 0.03893];
    Array.from(cumReturns(mixed)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    const from100 = [100.0, 101.0, 111.1, 106.65599, 108.78912, 112.05279, 114.29384, 115.43678, 103.8931];
    Array.from(cumReturns(mixed, 100)).forEach((v, i) => expect(v).toBeCloseTo(from100[i]!, 4));
    expect(cumReturns(empty).length).toBe(0);
  });

  it.each([
    [empty, N], [one, 0], [simpleBenchmark, 0], [mixed, -0.1], [positive, -0], [negative, cumReturns(negative)[8]!], [allNegative, cumReturns(allNegative)[8]!], [pct([10, -10, 10]), -0.1],
  ])('max_drawdown %#', (r, e) => close8(maxDrawdown(r), e));

  it.each([
    [mixed, DAILY, 1.9135925373194231], [weekly, WEEKLY, 0.24690830513998208], [weekly, MONTHLY, 0.052242061386048144],
  ])('annual_return %#', (r, o, e) => close8(annualReturn(r, o), e));

  it.each([
    [flat1000, DAILY, 0.0], [mixed, DAILY, 0.9136465399704637], [weekly, WEEKLY, 0.38851569394870583], [weekly, MONTHLY, 0.18663690238892558],
  ])('annual_volatility %#', (r, o, e) => close8(annualVolatility(r, o), e));

  it('a constant series has a volatility of exactly 0 (compensated sums)', () => {
    expect(annualVolatility(flat1000)).toBe(0);
    expect(annualVolatility(new Array<number>(12345).fill(0.1 + 0.2))).toBe(0);
  });

  it.each([
    [empty, DAILY, N], [one, DAILY, N], [mixed, DAILY, 19.135925373194233], [weekly, WEEKLY, 2.4690830513998208], [weekly, MONTHLY, 0.52242061386048144],
  ])('calmar_ratio %#', (r, o, e) => close8(calmarRatio(r, o), e));

  it.each([
    [empty, 0, 0, N], [one, 0, 0, N], [mixed, 0, 10, 0.83354263497557934], [mixed, 0, -10, N], [mixed, flatLine1, 0, 0.8125],
    [positive, 0.01, 0, N], [positive, 0.011, 0, 1.125], [positive, 0.02, 0, 0], [negative, 0.01, 0, 0],
  ] as const)('omega_ratio %#', (r, riskFree, requiredReturn, e) => close8(omegaRatio(r, { riskFree, requiredReturn }), e));

  it.each([
    [empty, 0, N], [one, 0, N], [mixed, mixed, N], [mixed, 0, 1.7238613961706866], [mixed, simpleBenchmark, 0.34111411441060574],
    [positive, 0, 52.915026221291804], [negative, 0, -24.406808633910085], [flatLine1, 0, Infinity],
  ] as const)('sharpe_ratio %#', (r, riskFree, e) => close8(sharpeRatio(r, { riskFree }), e));

  it.each([
    [empty, 0, DAILY, N], [one, 0, DAILY, 0], [mixed, mixed, DAILY, 0], [mixed, 0, DAILY, 0.60448325038829653], [mixed, 0.1, DAILY, 1.7161730681956295],
    [weekly, 0, WEEKLY, 0.25888650451930134], [weekly, 0.1, WEEKLY, 0.7733045971672482], [weekly, 0, MONTHLY, 0.1243650540411842], [weekly, 0.1, MONTHLY, 0.37148351242013422],
  ] as const)('downside_risk %#', (r, requiredReturn, o, e) => close8(downsideRisk(r, { ...o, requiredReturn }), e));

  it.each([
    [empty, 0, DAILY, N], [one, 0, DAILY, N], [mixed, mixed, DAILY, N], [mixed, 0, DAILY, 2.605531251673693], [mixed, flatLine1, DAILY, -1.3934779588919977],
    [positive, 0, DAILY, Infinity], [negative, 0, DAILY, -13.532743075043401], [simpleBenchmark, 0, DAILY, Infinity],
    [weekly, 0, WEEKLY, 1.1158901056866439], [weekly, 0, MONTHLY, 0.53605626741889756],
  ] as const)('sortino_ratio %#', (r, requiredReturn, o, e) => close8(sortinoRatio(r, { ...o, requiredReturn }), e));

  it.each([
    // (mixed, negative[1:]) aligned by date: the first date has no benchmark return. Alpha is
    // test_alpha_beta's -0.9997853834885004 (compounded, empyrical >= 0.5.3), not the linear
    // -8.3067 (= 252 x the mean) that empyrical 0.5.2 and tradegym before issue 14 gave
    [mixed, [N, ...negative.slice(1)], -0.9997853834885004, -0.71296296296296313],
    [mixed, mixed, 0.0, 1.0],
    [mixed, mixed.map((x) => -x), 0.0, -1.0],
    [one, one, N, N],
  ])('alpha_beta %#', (r, f, a, b) => {
    const ab = alphaBeta(r, f);
    close8(ab.alpha, a);
    close8(ab.beta, b);
  });

  it('beta is NaN against a constant benchmark (var < 1e-30)', () => expect(alphaBeta(mixed, flatLine1).beta).toBeNaN());

  it.each([[empty, N], [one, N], [mixed, 0.1529973665111273], [flat1000, 1.0]])('stability_of_timeseries %#', (r, e) => close8(stabilityOfTimeseries(r), e));

  // empyrical checks tail_ratio to 1 decimal place only (its 0.947 predates numpy's current
  // percentile); by hand with numpy's linear interpolation, mixed sorted is -10 -4 1 1 2 2 3 10
  // (%): 95th at 6.65 -> 3 + 0.65 * 7 = 7.55, 5th at 0.35 -> -10 + 0.35 * 6 = -7.9: 7.55 / 7.9
  it.each([[empty, N], [one, 1.0], [mixed, 0.9473684210526313]])('tail_ratio %# (1 decimal, as empyrical)', (r, e) => {
    if (Number.isNaN(e)) expect(tailRatio(r)).toBeNaN();
    else expect(Math.abs(tailRatio(r) - e)).toBeLessThan(0.15);
  });
  it('tail_ratio by hand', () => expect(tailRatio(mixed)).toBeCloseTo(7.55 / 7.9, 12));

  it.each([
    [empty, DAILY, N], [one, DAILY, 11.274002099240244], [mixed, DAILY, 1.9135925373194231], [flat1000, DAILY, 11.274002099240256], [pct([3, 3, 3]), { periodsPerYear: 1 }, 0.03],
  ])('cagr %#', (r, o, e) => close8(cagr(r, o), e));
});

describe('metrics: by hand', () => {
  it('value at risk is numpy percentile with linear interpolation; CVaR the mean of the tail', () => {
    const r = [0.03, -0.05, 0.01, -0.02, 0.04, 0.0, -0.01, 0.02, -0.03, 0.05];
    // sorted: -0.05 -0.03 -0.02 -0.01 0 0.01 0.02 0.03 0.04 0.05; 5th percentile at position
    // 0.05 * 9 = 0.45: -0.05 + 0.45 * 0.02 = -0.041
    expect(valueAtRisk(r)).toBeCloseTo(-0.041, 15);
    // cutoff index floor(9 * 0.05) = 0: the single worst, -0.05; at 0.25: floor(2.25) = 2: mean(-0.05, -0.03, -0.02)
    expect(conditionalValueAtRisk(r)).toBeCloseTo(-0.05, 15);
    expect(conditionalValueAtRisk(r, 0.25)).toBeCloseTo(-0.1 / 3, 15);
  });

  it('rejects bad input naming the argument', () => {
    expect(() => sharpeRatio([0.1, 0.2], { periodsPerYear: 0 })).toThrow(InvalidArgumentError);
    expect(() => sharpeRatio([0.1, 0.2], { periodsPerYear: 0 })).toThrow(/periodsPerYear must be a finite number > 0, got 0/);
    expect(() => valueAtRisk([0.1], 1.5)).toThrow(/cutoff must be a number in \[0, 1\], got 1\.5/);
    expect(() => alphaBeta([0.1, 0.2], [0.1])).toThrow(/factorReturns must be a series of 2 values \(aligned with returns\), got 1 values: \[0\.1\]/);
    expect(() => maxDrawdown(null as never)).toThrow(/returns must be an array or typed array of numbers, got null/);
  });
});

describe('metrics: alpha is compounded, as empyrical >= 0.5.3 (issue 14, defect 5)', () => {
  it('the issue example, by hand', () => {
    const r = [0.01, 0.02, -0.01, 0.015];
    const f = [0.005, 0.01, -0.02, 0.01];
    // means: r 0.035 / 4 = 0.00875, f 0.005 / 4 = 0.00125; deviations of f: 0.00375, 0.00875,
    // -0.02125, 0.00875 and of r: 0.00125, 0.01125, -0.01875, 0.00625; sum dx^2 = 6.1875e-4,
    // sum dx dy = 5.5625e-4, so beta = 5.5625 / 6.1875 = 89 / 99; the mean of r - beta f is
    // 0.00875 - (89 / 99) 0.00125 = 0.755 / 99, and alpha = (1 + 0.755 / 99)^252 - 1 = 5.7837...
    // (empyrical 0.5.5's alpha_beta gives 5.783729893659893; the linear 252 x 0.755 / 99 = 1.9218
    // was the defect)
    const ab = alphaBeta(r, f);
    close8(ab.beta, 89 / 99);
    close8(ab.alpha, (1 + 0.755 / 99) ** 252 - 1);
    close8(ab.alpha, 5.783729893659893);
    // periodsPerYear and a constant risk-free rate: beta is unchanged (rf shifts both series),
    // alpha = (1 + mean((r - rf) - beta (f - rf)))^12 - 1
    const rf = 0.001;
    const ab12 = alphaBeta(r, f, { periodsPerYear: 12, riskFree: rf });
    close8(ab12.beta, 89 / 99);
    close8(ab12.alpha, (1 + 0.755 / 99 - rf + (89 / 99) * rf) ** 12 - 1);
  });

  // empyrical's test_alpha_beta_translation: shifting returns by t shifts the de-annualised alpha
  // (1 + alpha)^(1/252) by exactly t and leaves beta alone (a linear alpha breaks the first)
  it.each([0, 0.01])('translation by 0.001 with mean return %s', (meanReturn) => {
    const n = 1000;
    const f = Array.from({ length: n }, (_, i) => 0.001 + 0.001 * Math.sin(1.3 * i));
    const r = f.map((x, i) => meanReturn + 0.8 * (x - 0.001) * 10 + 0.006 * Math.cos(0.7 * i + 0.2));
    const t = 0.001;
    const base = alphaBeta(r, f);
    const up = alphaBeta(r.map((x) => x + t), f);
    const down = alphaBeta(r.map((x) => x - t), f);
    close8((up.alpha + 1) ** (1 / 252) - (base.alpha + 1) ** (1 / 252), t);
    close8((base.alpha + 1) ** (1 / 252) - (down.alpha + 1) ** (1 / 252), t);
    close8(up.beta, base.beta);
    close8(down.beta, base.beta);
  });

  it('returnMetrics reports the same compounded alpha against its benchmark', () => {
    const m = returnMetrics([0.01, 0.02, -0.01, 0.015], { benchmark: [0.005, 0.01, -0.02, 0.01] });
    close8(m.alpha!, (1 + 0.755 / 99) ** 252 - 1);
  });
});

// Each row: what empyrical 0.5.5 (empyrical/stats.py, run on numpy 2 / scipy 1.17) returns for
// the input, and the line of its source that decides it. Three rows differ from empyrical on
// purpose, marked DIFFERS: there empyrical raises or computes inf - inf.
const edgeCases: { name: string; got: () => number; want: number }[] = [
  // cum_returns: NaN -> 0 before the cumprod (`returns[nanmask] = 0`)
  { name: 'cumReturns [NaN, 0.1] ends at 0.1', got: () => cumReturns([N, 0.1])[1]!, want: 0.1 },
  { name: 'cumReturns [] is empty', got: () => cumReturns([]).length, want: 0 },
  // annual_return: `if len(returns) < 1: return nan`; nanprod skips NaN, len counts it
  { name: 'annualReturn [] is NaN', got: () => annualReturn([]), want: N },
  { name: 'annualReturn [NaN] is 0 (nanprod of nothing = 1)', got: () => annualReturn([N]), want: 0 },
  { name: 'annualReturn [NaN, 0.21] at 2/yr is 0.21 (NaN counts as a period)', got: () => annualReturn([N, 0.21], { periodsPerYear: 2 }), want: 0.21 },
  // annual_volatility: `if len(returns) < 2: nan`; nanstd(ddof=1) of one value is NaN
  { name: 'annualVolatility [0.01] is NaN', got: () => annualVolatility([0.01]), want: N },
  { name: 'annualVolatility [NaN, 0.01] is NaN', got: () => annualVolatility([N, 0.01]), want: N },
  { name: 'annualVolatility [0.3, 0.3] is exactly 0', got: () => annualVolatility([0.1 + 0.2, 0.1 + 0.2]), want: 0 },
  // sharpe_ratio: `if len(returns) < 2: nan`; nanmean / nanstd(ddof=1)
  { name: 'sharpeRatio [0.01] is NaN', got: () => sharpeRatio([0.01]), want: N },
  { name: 'sharpeRatio [NaN, 0.01] is NaN', got: () => sharpeRatio([N, 0.01]), want: N },
  { name: 'sharpeRatio [0.01, 0.01] is Infinity (0.01 / 0)', got: () => sharpeRatio([0.01, 0.01]), want: Infinity },
  { name: 'sharpeRatio [0, 0] is NaN (0 / 0)', got: () => sharpeRatio([0, 0]), want: N },
  { name: 'sharpeRatio [NaN, 0.01, 0.03] skips the NaN', got: () => sharpeRatio([N, 0.01, 0.03], { periodsPerYear: 1 }), want: 0.02 / Math.sqrt(0.0002) },
  // downside_risk: `if len(returns) < 1: nan`; clip(r - req, -inf, 0)^2, nanmean, sqrt
  { name: 'downsideRisk [] is NaN', got: () => downsideRisk([]), want: N },
  { name: 'downsideRisk [0.01] is 0', got: () => downsideRisk([0.01]), want: 0 },
  { name: 'downsideRisk [NaN] is NaN (nanmean of nothing)', got: () => downsideRisk([N]), want: N },
  { name: 'downsideRisk [NaN, -0.02, 0.02] at 1/yr is sqrt(0.0004 / 2)', got: () => downsideRisk([N, -0.02, 0.02], { periodsPerYear: 1 }), want: Math.sqrt(0.0002) },
  // sortino_ratio: `if len(returns) < 2: nan`; mean * ppy / downside_risk
  { name: 'sortinoRatio [0.01] is NaN', got: () => sortinoRatio([0.01]), want: N },
  { name: 'sortinoRatio [0.01, 0.02] is Infinity (no downside)', got: () => sortinoRatio([0.01, 0.02]), want: Infinity },
  { name: 'sortinoRatio [0, 0] is NaN (0 / 0)', got: () => sortinoRatio([0, 0]), want: N },
  // max_drawdown: `if len(returns) < 1: nan`; from 100 before the first return, NaN as 0
  { name: 'maxDrawdown [] is NaN', got: () => maxDrawdown([]), want: N },
  { name: 'maxDrawdown [NaN, NaN] is 0', got: () => maxDrawdown([N, N]), want: 0 },
  { name: 'maxDrawdown [-0.1] is -0.1 (a first loss counts)', got: () => maxDrawdown([-0.1]), want: -0.1 },
  { name: 'maxDrawdown [0.1, -1, 0.5] is -1 (a total loss)', got: () => maxDrawdown([0.1, -1, 0.5]), want: -1 },
  // DIFFERS: a value overflowing to Infinity: empyrical's (inf - inf) / inf is NaN, its nanmin skips it and says 0
  { name: 'maxDrawdown [1e200, 1e200, -0.5] is -0.5', got: () => maxDrawdown([1e200, 1e200, -0.5]), want: -0.5 },
  // calmar_ratio: `if max_dd < 0 ... else: return nan`; an infinite ratio is nan
  { name: 'calmarRatio [] is NaN', got: () => calmarRatio([]), want: N },
  { name: 'calmarRatio [0.01, 0.02] is NaN (no drawdown)', got: () => calmarRatio([0.01, 0.02]), want: N },
  // omega_ratio: `if len(returns) < 2: nan`; required_return <= -1: nan; denom 0: nan; NaN in neither sum
  { name: 'omegaRatio [0.01] is NaN', got: () => omegaRatio([0.01]), want: N },
  { name: 'omegaRatio [0.01, 0.02] is NaN (no losses)', got: () => omegaRatio([0.01, 0.02]), want: N },
  { name: 'omegaRatio with requiredReturn -1 is NaN', got: () => omegaRatio([0.01, -0.02], { requiredReturn: -1 }), want: N },
  { name: 'omegaRatio [NaN, 0.02, -0.01] is 2', got: () => omegaRatio([N, 0.02, -0.01]), want: 2 },
  // tail_ratio: `if len(returns) < 1: nan`; NaN dropped; none left: nan
  { name: 'tailRatio [] is NaN', got: () => tailRatio([]), want: N },
  { name: 'tailRatio [NaN] is NaN', got: () => tailRatio([N]), want: N },
  { name: 'tailRatio [0.01] is 1', got: () => tailRatio([0.01]), want: 1 },
  // value_at_risk: np.percentile propagates NaN. DIFFERS: [] raises IndexError in empyrical, NaN here
  { name: 'valueAtRisk [NaN, 0.1] is NaN', got: () => valueAtRisk([N, 0.1]), want: N },
  { name: 'valueAtRisk [] is NaN', got: () => valueAtRisk([]), want: N },
  // conditional_value_at_risk: k = int((len - 1) * cutoff), len counting NaN; np.partition puts
  // NaN last; np.mean of the k + 1 smallest is NaN only if they reach a NaN
  { name: 'CVaR [] is NaN', got: () => conditionalValueAtRisk([]), want: N },
  { name: 'CVaR [NaN] is NaN', got: () => conditionalValueAtRisk([N]), want: N },
  { name: 'CVaR [0.1, NaN, -0.2, 0.3] is -0.2 (k = 0)', got: () => conditionalValueAtRisk([0.1, N, -0.2, 0.3]), want: -0.2 },
  { name: 'CVaR [0.1, NaN, -0.2, 0.3] at 0.9 is the mean of 3 (k = 2)', got: () => conditionalValueAtRisk([0.1, N, -0.2, 0.3], 0.9), want: 0.2 / 3 },
  { name: 'CVaR [NaN, 0.1] at 0.5 is 0.1 (k = 0)', got: () => conditionalValueAtRisk([N, 0.1], 0.5), want: 0.1 },
  { name: 'CVaR [NaN, NaN, 0.1] at 0.6 is NaN (k = 1 reaches a NaN)', got: () => conditionalValueAtRisk([N, N, 0.1], 0.6), want: N },
  { name: 'CVaR of mixed (test_stats.py) is its worst, -0.1', got: () => conditionalValueAtRisk(mixed), want: -0.1 },
  // stability_of_timeseries: `if len(returns) < 2: nan`; NaN dropped; scipy's linregress gives
  // NaN for fewer than 2 points and for a constant y (r = 0 / 0)
  { name: 'stability [0.01] is NaN', got: () => stabilityOfTimeseries([0.01]), want: N },
  { name: 'stability [NaN, NaN] is NaN', got: () => stabilityOfTimeseries([N, N]), want: N },
  { name: 'stability [NaN, 0.01] is NaN (one point)', got: () => stabilityOfTimeseries([N, 0.01]), want: N },
  { name: 'stability [0, 0, 0] is NaN (constant)', got: () => stabilityOfTimeseries([0, 0, 0]), want: N },
  { name: 'stability [0.01, 0, 0, 0] is NaN (constant after the first)', got: () => stabilityOfTimeseries([0.01, 0, 0, 0]), want: N },
  { name: 'stability [0.01, 0.02] is 1 (two points)', got: () => stabilityOfTimeseries([0.01, 0.02]), want: 1 },
  // alpha_beta_aligned: `if len(returns) < 2: nan`; var(f) < 1e-30: nan beta, and so nan alpha
  { name: 'alphaBeta [0.01] has NaN beta', got: () => alphaBeta([0.01], [0.02]).beta, want: N },
  { name: 'alphaBeta against a constant factor has NaN alpha', got: () => alphaBeta([0.01, 0.02, 0.03], [0.01, 0.01, 0.01]).alpha, want: N },
  { name: 'alphaBeta with one complete pair has NaN beta', got: () => alphaBeta([0.01, N, 0.02], [N, 0.01, 0.03]).beta, want: N },
];

describe('metrics: edge cases as empyrical (issue 14, defect 9)', () => {
  it.each(edgeCases)('$name', ({ got, want }) => close8(got(), want));

  it('CVaR skips NaN as numpy.partition does: mixed at 0.5 averages the 5 smallest of 8', () => {
    // mixed has 9 values, one NaN: k = int(8 * 0.5) = 4; its 5 smallest are -10 -4 1 1 2 (%)
    close8(conditionalValueAtRisk(mixed, 0.5), (-0.1 - 0.04 + 0.01 + 0.01 + 0.02) / 5);
    expect(returnMetrics(mixed).conditionalValueAtRisk).toBeCloseTo(-0.1, 15);
  });

  // empyrical's test_value_at_risk and test_conditional_value_at_risk, cutoffs 0 and 1 included
  it.each([
    [[1, 2], 0, 1], [[1, 2], 0.3, 1.3], [[1, 2], 1, 2], [[1, 81, 82, 83, 84, 85], 0.1, 41], [[1, 81, 82, 83, 84, 85], 0.2, 81], [[1, 81, 82, 83, 84, 85], 0.3, 81.5],
  ])('value_at_risk(%j, %s) = %s (test_stats.py)', (r, cutoff, e) => close8(valueAtRisk(r, cutoff), e));

  it.each([0, 0.0499, 0.05, 0.2, 0.999, 1])('CVaR at %s is the mean of the returns at or below the VaR (test_stats.py)', (cutoff) => {
    const r = Array.from({ length: 21 }, (_, i) => 0.02 * Math.sin(2.1 * i + 0.3)); // 21 distinct values
    const v = valueAtRisk(r, cutoff);
    const tail = r.filter((x) => x <= v);
    close8(conditionalValueAtRisk(r, cutoff), tail.reduce((a, b) => a + b, 0) / tail.length);
  });
});

// Every public metric, and the argument through which a bad series reaches it
const metricsOfReturns: [string, (r: ArrayLike<number>) => unknown][] = [
  ['cumReturns', (r) => cumReturns(r)], ['annualReturn', (r) => annualReturn(r)], ['cagr', (r) => cagr(r)],
  ['annualVolatility', (r) => annualVolatility(r)], ['sharpeRatio', (r) => sharpeRatio(r)], ['downsideRisk', (r) => downsideRisk(r)],
  ['sortinoRatio', (r) => sortinoRatio(r)], ['maxDrawdown', (r) => maxDrawdown(r)], ['calmarRatio', (r) => calmarRatio(r)],
  ['omegaRatio', (r) => omegaRatio(r)], ['tailRatio', (r) => tailRatio(r)], ['valueAtRisk', (r) => valueAtRisk(r)],
  ['conditionalValueAtRisk', (r) => conditionalValueAtRisk(r)], ['stabilityOfTimeseries', (r) => stabilityOfTimeseries(r)],
  ['alphaBeta', (r) => alphaBeta(r, [0.01, 0.02, 0.03])], ['returnMetrics', (r) => returnMetrics(r)],
];
// eslint-disable-next-line no-sparse-arrays
const hole = [0.1, , 0.2] as unknown as number[];
const badSeries: [string, unknown, RegExp][] = [
  ['a string', [0.1, 'a', 0.2], /returns\[1\] must be a finite number or NaN \(a missing period\), got "a"/],
  ['Infinity', [0.1, Infinity, 0.2], /returns\[1\] must be a finite number or NaN \(a missing period\), got Infinity/],
  ['-Infinity', [0.1, 0.2, -Infinity], /returns\[2\] must be a finite number or NaN \(a missing period\), got -Infinity/],
  ['a hole', hole, /returns\[1\] must be a finite number or NaN \(a missing period\), got undefined/],
  ['null', [0.1, null, 0.2], /returns\[1\] must be a finite number or NaN \(a missing period\), got null/],
  ['a bigint array', new BigInt64Array(3), /returns\[0\] must be a finite number or NaN \(a missing period\), got 0/],
  ['a string for the series', 'abc', /returns must be an array or typed array of numbers, got "abc"/],
  ['an array-like object', { length: 3 }, /returns must be an array or typed array of numbers, got \{"length":3\}/],
];

describe('metrics: one check of every return series (issue 14, defect 9)', () => {
  const cases = metricsOfReturns.flatMap(([m, f]) => badSeries.map(([what, v, re]) => [m, what, f, v, re] as const));
  it.each(cases)('%s refuses %s', (_m, _what, f, v, re) => {
    expect(() => f(v as ArrayLike<number>)).toThrow(InvalidArgumentError);
    expect(() => f(v as ArrayLike<number>)).toThrow(re);
  });

  it.each(metricsOfReturns)('%s takes NaN (a missing period) and typed arrays', (_m, f) => {
    expect(() => f([0.01, N, 0.03])).not.toThrow();
    expect(() => f(new Float32Array([0.01, 0.02, 0.03]))).not.toThrow();
  });

  it('sharpeRatio([0.1, "a", 0.2]) no longer skips the string', () => {
    expect(() => sharpeRatio([0.1, 'a', 0.2] as never)).toThrow(/returns\[1\] must be a finite number or NaN \(a missing period\), got "a"/);
  });

  it('maxDrawdown([Infinity, -0.5]) is an error, not 0', () => {
    expect(() => maxDrawdown([Infinity, -0.5])).toThrow(/returns\[0\] must be a finite number or NaN \(a missing period\), got Infinity/);
  });

  // numpy raises on `returns - risk_free` of another length; a NaN from the shorter series was the defect
  it.each([
    ['sharpeRatio riskFree', () => sharpeRatio([0.01, 0.02, 0.03], { riskFree: [0.001, 0.001] }), /riskFree must be a series of 3 values \(aligned with returns\), got 2 values/],
    ['omegaRatio riskFree', () => omegaRatio([0.01, 0.02, 0.03], { riskFree: [0.001] }), /riskFree must be a series of 3 values \(aligned with returns\), got 1 values/],
    ['downsideRisk requiredReturn', () => downsideRisk([0.01, 0.02], { requiredReturn: [0, 0, 0] }), /requiredReturn must be a series of 2 values \(aligned with returns\), got 3 values/],
    ['sortinoRatio requiredReturn', () => sortinoRatio([0.01, 0.02], { requiredReturn: new Float64Array(1) }), /requiredReturn must be a series of 2 values \(aligned with returns\), got 1 values: Float64Array\(1\)/],
    ['alphaBeta factorReturns', () => alphaBeta([0.01, 0.02], [0.01, 0.02, 0.03]), /factorReturns must be a series of 2 values \(aligned with returns\), got 3 values/],
    ['returnMetrics benchmark', () => returnMetrics([0.01, 0.02], { benchmark: [0.01] }), /benchmark must be a series of 2 values \(aligned with returns\), got 1 values/],
    ['a riskFree series value', () => sharpeRatio([0.01, 0.02], { riskFree: [0.001, 'x' as never] }), /riskFree\[1\] must be a finite number or NaN \(a missing period\), got "x"/],
    ['a benchmark value', () => returnMetrics([0.01, 0.02], { benchmark: [0.01, Infinity] }), /benchmark\[1\] must be a finite number or NaN \(a missing period\), got Infinity/],
    ['a NaN riskFree', () => sharpeRatio([0.01, 0.02], { riskFree: N }), /riskFree must be a finite number, got NaN/],
    ['a string riskFree', () => sharpeRatio([0.01, 0.02], { riskFree: '0.01' as never }), /riskFree must be a finite number or a series of 2 values, got "0\.01"/],
    ['an infinite requiredReturn', () => omegaRatio([0.01, 0.02], { requiredReturn: Infinity }), /requiredReturn must be a finite number, got Infinity/],
    ['alphaBeta riskFree series', () => alphaBeta([0.01, 0.02], [0.01, 0.03], { riskFree: [0, 0] as never }), /riskFree must be a finite number, got \[0,0\]/],
    ['cumReturns startingValue', () => cumReturns([0.01], N), /startingValue must be a finite number, got NaN/],
    ['a cutoff below 0', () => conditionalValueAtRisk([0.01], -0.1), /cutoff must be a number in \[0, 1\], got -0\.1/],
  ] as const)('%s: a typed error', (_what, f, re) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(re);
  });

  it('a riskFree series aligned with returns is used period by period', () => {
    // excess returns [0.01, 0.03] - [0, 0.01] = [0.01, 0.02]: mean 0.015, std(ddof 1) sqrt(0.00005)
    close8(sharpeRatio([0.01, 0.03], { riskFree: [0, 0.01], periodsPerYear: 1 }), 0.015 / Math.sqrt(0.00005));
  });

  it.each([
    ['annualReturn', () => annualReturn([0.01], { periodPerYear: 12 } as never), /options\.periodPerYear is not a known option \(known: periodsPerYear\), got 12/],
    ['sharpeRatio', () => sharpeRatio([0.01], { riskfree: 0.01 } as never), /options\.riskfree is not a known option \(known: periodsPerYear, riskFree\)/],
    ['sortinoRatio', () => sortinoRatio([0.01], { riskFree: 0.01 } as never), /options\.riskFree is not a known option \(known: periodsPerYear, requiredReturn\)/],
    ['omegaRatio', () => omegaRatio([0.01], { annualization: 1 } as never), /options\.annualization is not a known option/],
    ['alphaBeta', () => alphaBeta([0.01], [0.01], { period: 'daily' } as never), /options\.period is not a known option/],
    ['returnMetrics', () => returnMetrics([0.01], { benchmarks: [0.01] } as never), /options\.benchmarks is not a known option \(known: periodsPerYear, benchmark\)/],
  ] as const)('%s refuses an unknown option key', (_m, f, re) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(re);
  });
});

// null is not "left out": `periodsPerYear: null` silently meant 252 and `riskFree` /
// `requiredReturn: null` meant 0 (`??`); each is now an error naming the option
describe('metrics: a null option is an error, not the default', () => {
  const r = [0.01, -0.02, 0.03];
  const nulls: [string, () => unknown, string][] = [
    ['annualReturn', () => annualReturn(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['cagr', () => cagr(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['annualVolatility', () => annualVolatility(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['sharpeRatio', () => sharpeRatio(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['sharpeRatio', () => sharpeRatio(r, { riskFree: null } as never), 'riskFree'],
    ['downsideRisk', () => downsideRisk(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['downsideRisk', () => downsideRisk(r, { requiredReturn: null } as never), 'requiredReturn'],
    ['sortinoRatio', () => sortinoRatio(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['sortinoRatio', () => sortinoRatio(r, { requiredReturn: null } as never), 'requiredReturn'],
    ['calmarRatio', () => calmarRatio(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['omegaRatio', () => omegaRatio(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['omegaRatio', () => omegaRatio(r, { riskFree: null } as never), 'riskFree'],
    ['omegaRatio', () => omegaRatio(r, { requiredReturn: null } as never), 'requiredReturn'],
    ['alphaBeta', () => alphaBeta(r, r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['alphaBeta', () => alphaBeta(r, r, { riskFree: null } as never), 'riskFree'],
    ['returnMetrics', () => returnMetrics(r, { periodsPerYear: null } as never), 'periodsPerYear'],
    ['returnMetrics', () => returnMetrics(r, { benchmark: null } as never), 'benchmark'],
  ];
  it.each(nulls)('%s refuses %s: null', (_m, f, key) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(new RegExp(`${key} must be .*, got null`));
  });

  it('leaving the option out (or undefined) still means the default', () => {
    expect(annualReturn(r, { periodsPerYear: undefined })).toBe(annualReturn(r, { periodsPerYear: 252 }));
    expect(sharpeRatio(r, { riskFree: undefined })).toBe(sharpeRatio(r, { riskFree: 0 }));
  });
});

// returnMetrics computes what its metrics share once (moments, drawdown, one selection array):
// it must give exactly what each metric gives alone, on series of every kind
describe('returnMetrics equals the metrics computed one by one, bit for bit', () => {
  it('over random series with missing periods, constants, ties and short lengths', () => {
    const rng = new Rng(12);
    const series: number[][] = [[], [0.01], [0.02, 0.02], [Number.NaN, 0.01], [Number.NaN, Number.NaN, Number.NaN], [0.05, -0.02, 0.05, -0.02]];
    for (let c = 0; c < 60; c++) {
      const n = rng.integer(2, 400);
      series.push(Array.from({ length: n }, () => (rng.uniform() < 0.05 ? Number.NaN : rng.uniform() < 0.1 ? 0 : rng.normal() * 0.02)));
    }
    for (const r of series) {
      for (const periodsPerYear of [252, 35040]) {
        const o = { periodsPerYear };
        const m = returnMetrics(r, o);
        const one = {
          totalReturn: r.length === 0 ? Number.NaN : cumReturns(r)[r.length - 1],
          annualReturn: annualReturn(r, o), cagr: cagr(r, o), annualVolatility: annualVolatility(r, o), sharpeRatio: sharpeRatio(r, o),
          sortinoRatio: sortinoRatio(r, o), downsideRisk: downsideRisk(r, o), maxDrawdown: maxDrawdown(r), calmarRatio: calmarRatio(r, o),
          omegaRatio: omegaRatio(r, { periodsPerYear: 1 }), tailRatio: tailRatio(r), valueAtRisk: valueAtRisk(r),
          conditionalValueAtRisk: conditionalValueAtRisk(r), stabilityOfTimeseries: stabilityOfTimeseries(r),
        };
        for (const [k, v] of Object.entries(one)) expect(Object.is(m[k as keyof typeof m], v), `${k} of ${JSON.stringify(r.slice(0, 4))}... (${r.length})`).toBe(true);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  alphaBeta, annualReturn, annualVolatility, cagr, calmarRatio, conditionalValueAtRisk, cumReturns, downsideRisk, InvalidArgumentError,
  maxDrawdown, omegaRatio, sharpeRatio, sortinoRatio, stabilityOfTimeseries, tailRatio, valueAtRisk,
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
    // (mixed, negative[1:]) aligned by date: the first date has no benchmark return
    [mixed, [N, ...negative.slice(1)], -8.306666666666668, -0.71296296296296313],
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
    expect(() => valueAtRisk([0.1], 1.5)).toThrow(/cutoff must be a number in \(0, 1\), got 1\.5/);
    expect(() => alphaBeta([0.1, 0.2], [0.1])).toThrow(/factorReturns must be 2 values \(aligned with returns\)/);
    expect(() => maxDrawdown(null as never)).toThrow(/returns must be an array of numbers/);
  });
});

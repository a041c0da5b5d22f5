import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Rng } from '../../src/index.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.uniform());
}

function minMax(xs: number[]): [number, number] {
  return xs.reduce<[number, number]>(([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)], [Infinity, -Infinity]);
}

function meanVar(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length];
}

describe('Rng', () => {
  it('gives the same stream for the same seed, bit for bit, and different streams for different seeds', () => {
    expect(draws(new Rng(42), 100)).toEqual(draws(new Rng(42), 100));
    expect(draws(new Rng(42), 10)).not.toEqual(draws(new Rng(43), 10));
  });

  it('reports its seed, and draws one from entropy when none is given', () => {
    expect(new Rng(7).seed).toBe(7);
    const a = new Rng();
    const b = new Rng();
    expect(Number.isSafeInteger(a.seed)).toBe(true);
    expect(a.seed).not.toBe(b.seed); // 2^-53 chance of a false failure
  });

  it('resumes exactly from getState/setState, also through JSON', () => {
    const rng = new Rng(5);
    draws(rng, 37);
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.uniform(), rng.normal(), rng.integer(0, 1000), rng.exponential()];
    const other = new Rng(999);
    other.setState(saved);
    expect([other.uniform(), other.normal(), other.integer(0, 1000), other.exponential()]).toEqual(expected);
  });

  it('fork() gives children that differ from each other and from the parent, reproducibly', () => {
    const p1 = new Rng(1);
    const c1 = p1.fork();
    const c2 = p1.fork();
    expect(draws(c1, 5)).not.toEqual(draws(c2, 5));
    const p2 = new Rng(1);
    expect(draws(p2.fork(), 5)).toEqual(draws(new Rng(1).fork(), 5));
  });

  // Moments with N = 200,000: the standard error of a U(0,1) mean is sqrt(1/12/N) ≈ 6.5e-4,
  // so a 5e-3 tolerance is over 7 standard errors.
  it('uniform() has the moments of U(0, 1): mean 1/2, variance 1/12, and stays in [0, 1)', () => {
    const xs = draws(new Rng(11), 200_000);
    const [m, v] = meanVar(xs);
    expect(Math.abs(m - 0.5)).toBeLessThan(5e-3);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(2e-3);
    const [lo, hi] = minMax(xs);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it('uniform(low, high) scales into [low, high)', () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 10_000 }, () => rng.uniform(-2, 6));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(6);
    expect(Math.abs(meanVar(xs)[0] - 2)).toBeLessThan(0.1); // se = 8/sqrt(12*1e4) ≈ 0.023
  });

  it('normal(mean, std) has that mean and variance (se of mean = std/sqrt(N) ≈ 0.0067)', () => {
    const rng = new Rng(12);
    const xs = Array.from({ length: 200_000 }, () => rng.normal(3, 3));
    const [m, v] = meanVar(xs);
    expect(Math.abs(m - 3)).toBeLessThan(0.04);
    expect(Math.abs(v - 9)).toBeLessThan(0.15); // se of variance ≈ 9*sqrt(2/N) ≈ 0.028
  });

  it('exponential(scale) has mean scale and variance scale^2', () => {
    const rng = new Rng(13);
    const xs = Array.from({ length: 200_000 }, () => rng.exponential(2));
    const [m, v] = meanVar(xs);
    expect(Math.abs(m - 2)).toBeLessThan(0.03);
    expect(Math.abs(v - 4)).toBeLessThan(0.15);
    expect(minMax(xs)[0]).toBeGreaterThanOrEqual(0);
  });

  it('integer(low, high) hits every value of [low, high) about equally (chi-square, 5 dof)', () => {
    const rng = new Rng(14);
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const k = rng.integer(-3, 3);
      counts[k + 3]++;
    }
    const expected = n / 6;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(20.5); // p = 0.001 critical value of chi-square with 5 dof
  });

  it('choice() picks members and shuffle() permutes in place', () => {
    const rng = new Rng(15);
    const items = ['a', 'b', 'c'];
    for (let i = 0; i < 50; i++) expect(items).toContain(rng.choice(items));
    const arr = Int32Array.from({ length: 100 }, (_, i) => i);
    const same = rng.shuffle(arr);
    expect(same).toBe(arr);
    expect(Array.from(arr).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(arr)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it.each([
    [-1, /seed must be a safe integer >= 0, got -1/],
    [1.5, /seed must be a safe integer >= 0, got 1\.5/],
    [Number.NaN, /seed must be a safe integer >= 0, got NaN/],
    ['7', /seed must be a safe integer >= 0, got "7"/],
    [2 ** 60, /seed must be a safe integer >= 0/],
  ])('rejects seed %s', (seed, message) => {
    expect(() => new Rng(seed as number)).toThrow(InvalidArgumentError);
    expect(() => new Rng(seed as number)).toThrow(message);
  });

  it.each([
    ['uniform low > high', (r: Rng) => r.uniform(2, 1), /low must be <= high \(1\), got 2/],
    ['uniform NaN', (r: Rng) => r.uniform(Number.NaN, 1), /low must be a finite number, got NaN/],
    ['normal negative std', (r: Rng) => r.normal(0, -1), /std must be a finite number >= 0, got -1/],
    ['exponential zero scale', (r: Rng) => r.exponential(0), /scale must be a finite number > 0, got 0/],
    ['integer empty range', (r: Rng) => r.integer(3, 3), /high must be an integer > low \(3\), got 3/],
    ['integer fractional', (r: Rng) => r.integer(0.5, 3), /low must be an integer, got 0\.5/],
    ['choice empty', (r: Rng) => r.choice([]), /items must be a non-empty array, got \[\]/],
    ['setState garbage', (r: Rng) => r.setState({ algorithm: 'alea' } as never), /state must be an RngState/],
  ])('rejects bad arguments: %s', (_name, call, message) => {
    expect(() => call(new Rng(0))).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { Box, InvalidArgumentError } from '../../src/index.js';

function column(samples: Float32Array[], i: number): number[] {
  return samples.map((s) => s[i] as number);
}
function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
}

describe('Box', () => {
  it('broadcasts scalar bounds over the shape and infers the shape from an array bound', () => {
    const b = new Box(-1, 2, [2, 3]);
    expect(b.shape).toEqual([2, 3]);
    expect(b.size).toBe(6);
    expect(Array.from(b.low)).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(new Box([0, -Infinity], 5).shape).toEqual([2]);
    expect(b.dtype).toBe('float32');
  });

  // Gymnasium's Box.sample: uniform on bounded, low + Exp(1) on lower-bounded,
  // high - Exp(1) on upper-bounded, N(0, 1) on unbounded elements. N = 40,000 samples:
  // the standard error of each mean is at most 1/sqrt(N) = 0.005, tolerances are 0.03.
  it('samples each element from the distribution its bounds imply, as Gymnasium does', () => {
    const box = new Box([-1, 2, -Infinity, -Infinity], [1, Infinity, 0, Infinity]);
    box.seed(0);
    const samples = Array.from({ length: 40_000 }, () => box.sample());
    for (const s of samples) expect(box.contains(s)).toBe(true);
    const [u, lowB, upB, free] = [0, 1, 2, 3].map((i) => column(samples, i)) as [number[], number[], number[], number[]];
    expect(Math.abs(mean(u))).toBeLessThan(0.03); // U(-1, 1): mean 0, var 1/3
    expect(Math.abs(variance(u) - 1 / 3)).toBeLessThan(0.02);
    expect(Math.abs(mean(lowB) - 3)).toBeLessThan(0.03); // 2 + Exp(1): mean 3, var 1
    expect(Math.abs(variance(lowB) - 1)).toBeLessThan(0.06);
    expect(Math.abs(mean(upB) + 1)).toBeLessThan(0.03); // 0 - Exp(1): mean -1
    expect(Math.abs(mean(free))).toBeLessThan(0.03); // N(0, 1)
    expect(Math.abs(variance(free) - 1)).toBeLessThan(0.05);
    expect(Math.min(...lowB)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...upB)).toBeLessThanOrEqual(0);
  });

  it('gives the same samples for the same seed and different ones for another seed', () => {
    const a = new Box(-1, 1, [5]);
    const b = new Box(-1, 1, [5]);
    a.seed(3);
    b.seed(3);
    expect(Array.from(a.sample())).toEqual(Array.from(b.sample()));
    b.seed(4);
    expect(Array.from(a.sample())).not.toEqual(Array.from(b.sample()));
  });

  it('keeps samples inside a degenerate box (low = high)', () => {
    const box = new Box(0.1, 0.1, [3]);
    box.seed(0);
    expect(Array.from(box.sample())).toEqual([Math.fround(0.1), Math.fround(0.1), Math.fround(0.1)]);
  });

  it.each([
    ['a number[] (not a Float32Array)', [0, 0]],
    ['a Float64Array', new Float64Array(2)],
    ['the wrong length', new Float32Array(3)],
    ['an element above high', Float32Array.of(0, 1.5)],
    ['an element below low', Float32Array.of(-1.5, 0)],
    ['NaN', Float32Array.of(Number.NaN, 0)],
    ['a number', 0],
  ])('contains() rejects %s', (_name, x) => {
    expect(new Box(-1, 1, [2]).contains(x)).toBe(false);
  });

  it('contains() accepts the bounds themselves and infinite values within infinite bounds', () => {
    expect(new Box(-1, 1, [2]).contains(Float32Array.of(-1, 1))).toBe(true);
    expect(new Box(-Infinity, Infinity, [1]).contains(Float32Array.of(-Infinity))).toBe(true);
  });

  it.each([
    ['low > high', () => new Box(1, 0, [2]), /low\[0\] must be <= high\[0\] \(0\), got 1/],
    ['NaN low', () => new Box(Number.NaN, 1, [1]), /low must be a number \(not NaN\), got NaN/],
    ['NaN inside a high array', () => new Box([0, 0], [1, Number.NaN]), /high\[1\] must be a number \(not NaN\), got NaN/],
    ['scalars with no shape', () => new Box(0, 1), /shape must be given when low and high are both scalars/],
    ['zero in shape', () => new Box(0, 1, [2, 0]), /shape\[1\] must be an integer >= 1, got 0/],
    ['fractional shape', () => new Box(0, 1, [1.5]), /shape\[0\] must be an integer >= 1, got 1\.5/],
    ['bound length mismatch', () => new Box([0, 0, 0], 1, [2]), /low\.length must be 2 \(the product of shape\), got 3/],
  ])('rejects %s with a typed error', (_name, build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('prints a readable description', () => {
    expect(String(new Box(-1, 1, [2, 3]))).toBe('Box(-1, 1, [2, 3], float32)');
  });
});

describe('masks', () => {
  it('only Discrete samples with a mask; other spaces refuse one, as Gymnasium', () => {
    expect(() => new Box(0, 1, [2]).sample([1, 1])).toThrow(/mask is not supported by Box\(0, 1, \[2\], float32\)\.sample\(\), got \[1,1\]/);
  });
});

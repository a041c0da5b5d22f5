import { describe, expect, it } from 'vitest';
import { Discrete, InvalidArgumentError, MultiBinary, MultiDiscrete } from '../../src/index.js';

function chiSquare(counts: number[], n: number): number {
  const e = n / counts.length;
  return counts.reduce((a, c) => a + (c - e) ** 2 / e, 0);
}

describe('Discrete', () => {
  it('samples every element of {start, ..., start + n - 1} uniformly (chi-square, 4 dof)', () => {
    const space = new Discrete(5, -2);
    space.seed(1);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const a = space.sample();
      expect(space.contains(a)).toBe(true);
      counts[a + 2]++;
    }
    expect(chiSquare(counts, 50_000)).toBeLessThan(18.47); // p = 0.001 critical value, 4 dof
  });

  it('samples only masked-in actions, uniformly among them, and start when none is valid', () => {
    const space = new Discrete(4, 10);
    space.seed(2);
    const seen = new Set<number>();
    let elevens = 0;
    for (let i = 0; i < 10_000; i++) {
      const a = space.sample(Int8Array.of(0, 1, 0, 1));
      seen.add(a);
      if (a === 11) elevens++;
    }
    expect([...seen].sort()).toEqual([11, 13]);
    expect(Math.abs(elevens / 10_000 - 0.5)).toBeLessThan(0.03); // se = 0.005
    expect(space.sample([0, 0, 0, 0])).toBe(10);
  });

  it.each([
    [3, true],
    [0, true],
    [4, false],
    [-1, false],
    [1.5, false],
    ['1', false],
    [Number.NaN, false],
  ])('contains(%s) is %s for Discrete(4)', (x, expected) => {
    expect(new Discrete(4).contains(x)).toBe(expected);
  });

  it.each([
    [() => new Discrete(0), /n must be an integer >= 1, got 0/],
    [() => new Discrete(-3), /n must be an integer >= 1, got -3/],
    [() => new Discrete(2.5), /n must be an integer >= 1, got 2\.5/],
    [() => new Discrete(2, 0.5), /start must be an integer, got 0\.5/],
    [() => new Discrete(3).sample([1, 0]), /mask must have length n \(3\)/],
    [() => new Discrete(2).sample([1, 2]), /mask\[1\] must be 0 or 1, got 2/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });
});

describe('MultiDiscrete', () => {
  it('samples each element uniformly over its own range', () => {
    const space = new MultiDiscrete([2, 3], [0, 5]);
    space.seed(3);
    const counts = [new Array(2).fill(0), new Array(3).fill(0)];
    for (let i = 0; i < 30_000; i++) {
      const a = space.sample();
      expect(space.contains(a)).toBe(true);
      counts[0]![a[0]!]++;
      counts[1]![a[1]! - 5]++;
    }
    expect(chiSquare(counts[0]!, 30_000)).toBeLessThan(10.83); // 1 dof, p = 0.001
    expect(chiSquare(counts[1]!, 30_000)).toBeLessThan(13.82); // 2 dof, p = 0.001
  });

  it('contains() checks type, length and each range', () => {
    const space = new MultiDiscrete([2, 3]);
    expect(space.contains(Int32Array.of(1, 2))).toBe(true);
    expect(space.contains(Int32Array.of(2, 0))).toBe(false);
    expect(space.contains(Int32Array.of(1))).toBe(false);
    expect(space.contains([1, 2])).toBe(false);
  });

  it.each([
    [() => new MultiDiscrete([]), /nvec must be a non-empty array of integers >= 1/],
    [() => new MultiDiscrete([2, 0]), /nvec\[1\] must be an integer >= 1, got 0/],
    [() => new MultiDiscrete([2, 2], [0]), /start must be an array of 2 integers/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(message);
  });
});

describe('MultiBinary', () => {
  it('samples fair 0/1 bits of the given shape', () => {
    const space = new MultiBinary([2, 2]);
    space.seed(4);
    let ones = 0;
    for (let i = 0; i < 10_000; i++) {
      const s = space.sample();
      expect(space.contains(s)).toBe(true);
      ones += s.reduce((a, b) => a + b, 0);
    }
    expect(Math.abs(ones / 40_000 - 0.5)).toBeLessThan(0.01); // se = 0.0025
  });

  it('contains() rejects values other than 0 and 1, and the wrong size', () => {
    const space = new MultiBinary(3);
    expect(space.contains(Int8Array.of(1, 0, 1))).toBe(true);
    expect(space.contains(Int8Array.of(1, 2, 1))).toBe(false);
    expect(space.contains(Int8Array.of(1, 0))).toBe(false);
  });

  it('rejects n = 0', () => {
    expect(() => new MultiBinary(0)).toThrow(/n must be an integer >= 1, got 0/);
  });
});

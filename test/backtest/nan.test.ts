// The internal NaN-aware statistics every metric stands on (src/backtest/nan.ts), against
// references written here from first principles: a full sort for the selection, a plain
// numpy-style definition for the percentile, exact rational arithmetic for the compensated sums.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { dropNaN, hasNaN, nanmean, nanmeanLowerSquare, nanstd, percentileSelect, selectKth } from '../../src/backtest/nan.js';

/** Values with many ties and both signs, of every size around the 600 where Floyd–Rivest samples. */
function randomValues(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  const kind = rng.integer(0, 3);
  for (let i = 0; i < n; i++) {
    if (kind === 0) a[i] = rng.normal();
    else if (kind === 1) a[i] = rng.integer(-3, 4); // heavy ties
    else if (kind === 2) a[i] = rng.uniform() < 0.7 ? 0 : rng.normal(); // mostly flat, as a strategy out of the market
    else a[i] = i % 7 === 0 ? -i : i; // ordered runs
  }
  return a;
}

const sorted = (a: Float64Array) => Float64Array.from(a).sort();

describe('selectKth (Floyd–Rivest)', () => {
  it('places the k-th smallest at k, none greater before it and none smaller after, as a full sort says, over 400 random arrays', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 400; trial++) {
      const n = [1, 2, 3, 10, 599, 600, 601, 2000, 20_000][trial % 9] as number;
      const a = randomValues(rng, n);
      const ref = sorted(a);
      const k = rng.integer(0, n);
      const v = selectKth(a, k);
      expect(v).toBe(ref[k]);
      expect(a[k]).toBe(ref[k]);
      for (let i = 0; i < k; i++) expect(a[i]! <= v).toBe(true);
      for (let i = k + 1; i < n; i++) expect(a[i]! >= v).toBe(true);
      // a permutation: the same multiset
      expect(sorted(a)).toEqual(ref);
    }
  });

  it('searches only from `from` on when everything before it is no greater, and finds the same value', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 100; trial++) {
      const n = 50 + rng.integer(0, 3000);
      const a = randomValues(rng, n);
      const ref = sorted(a);
      const k1 = rng.integer(0, n);
      selectKth(a, k1);
      const k2 = k1 + 1 + rng.integer(0, n - k1 - 1 > 0 ? n - k1 - 1 : 1);
      if (k2 >= n) continue;
      const before = a.slice(0, k1 + 1);
      expect(selectKth(a, k2, k1 + 1)).toBe(ref[k2]);
      expect(a.slice(0, k1 + 1)).toEqual(before); // the prefix is not touched
    }
  });
});

describe('percentileSelect', () => {
  it("equals numpy's linear-interpolation percentile computed on a sorted copy (h = (n - 1) q / 100)", () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.integer(0, 1500);
      const a = randomValues(rng, n);
      const ref = sorted(a);
      const q = [0, 1, 5, 25, 50, 95, 99, 100, rng.uniform(0, 100)][trial % 9] as number;
      const h = ((n - 1) * q) / 100;
      const lo = Math.floor(h);
      const expected = lo + 1 < n ? ref[lo]! + (h - lo) * (ref[lo + 1]! - ref[lo]!) : ref[lo]!;
      expect(percentileSelect(a, q)).toBeCloseTo(expected, 12);
    }
  });
});

describe('compensated sums', () => {
  it('nanmean is exact where a naive sum is not: 0, 1e16, 1, -1e16 repeated', () => {
    // shifted by the first value (0), the terms are the values: exact mean 750 / 3000 = 0.25,
    // where a left-to-right double sum loses each 1 against 1e16 (the spacing there is 2)
    const xs = new Float64Array(3000);
    for (let i = 0; i < 3000; i += 4) [xs[i], xs[i + 1], xs[i + 2], xs[i + 3]] = [0, 1e16, 1, -1e16];
    expect(nanmean(xs)).toBe(0.25);
    let naive = 0;
    for (const x of xs) naive += x;
    expect(naive / 3000).toBe(0);
  });

  it('nanmean and nanstd skip NaN, are exact for constants, and nanstd has numpy ddof semantics', () => {
    expect(nanmean([Number.NaN, 2, Number.NaN, 4])).toBe(3);
    expect(nanstd(new Float64Array(1000).fill(0.1), 1)).toBe(0);
    // [1, 2, 3, 4]: squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; ddof 1: sqrt(5/3)
    expect(nanstd([1, Number.NaN, 2, 3, 4], 1)).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(nanstd([1, 2, 3, 4], 0)).toBeCloseTo(Math.sqrt(5 / 4), 15);
    expect(nanstd([1], 1)).toBeNaN();
    expect(nanmean([Number.NaN])).toBeNaN();
  });

  it('nanmeanLowerSquare equals nanmean over min(x, 0)^2 made explicitly, bit for bit, over 200 random series', () => {
    const rng = new Rng(10);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.integer(0, 2000);
      const xs = new Float64Array(n);
      for (let i = 0; i < n; i++) xs[i] = rng.uniform() < 0.05 ? Number.NaN : rng.normal(0, 0.01);
      const squares = xs.map((x) => (x > 0 ? 0 : x * x));
      const a = nanmeanLowerSquare(xs);
      const b = nanmean(squares);
      if (Number.isNaN(b)) expect(a).toBeNaN();
      else expect(a).toBe(b);
    }
  });

  it('accept arrays of any kind with the same result as a Float64Array', () => {
    const xs = [0.1, Number.NaN, -0.2, 0.3, 0.05];
    expect(nanmean(xs)).toBe(nanmean(Float64Array.from(xs)));
    expect(nanstd(xs, 1)).toBe(nanstd(Float64Array.from(xs), 1));
    expect(hasNaN(xs)).toBe(true);
    expect(hasNaN([1, 2])).toBe(false);
    expect(Array.from(dropNaN(xs))).toEqual([0.1, -0.2, 0.3, 0.05]);
  });
});

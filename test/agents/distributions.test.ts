import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/agents/index.js';
import { argmax, Categorical, DiagGaussian, distributionFor, MultiCategorical, type ActionDistribution } from '../../src/agents/common/distributions.js';
import { InvalidArgumentError, Rng } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Central finite differences of `f` at `p` (float64, step 1e-6): the independent oracle of
 * every gradient below (truncation error O(h^2) ~ 1e-12, rounding ~ 1e-10).
 */
function numericGrad(f: (p: Float64Array) => number, p: Float64Array): Float64Array {
  const h = 1e-6;
  return Float64Array.from(p, (_, i) => {
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[i] = (up[i] as number) + h;
    down[i] = (down[i] as number) - h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/** The analytic gradients of log pi(a) and H at `p`, through the accumulate-and-scale `addGrad`. */
function analytic(d: ActionDistribution, p: Float64Array, a: ArrayLike<number>, mask?: ArrayLike<number>): { gLogProb: Float64Array; gEntropy: Float64Array } {
  // accumulation: start from a constant and scale, so both "add" and "times scale" are checked
  const gLogProb = new Float64Array(d.paramSize).fill(0.25);
  const gEntropy = new Float64Array(d.paramSize).fill(-0.5);
  d.addGrad(p, 0, a, 0, 3, 0, gLogProb, 0, mask);
  d.addGrad(p, 0, a, 0, 0, -2, gEntropy, 0, mask);
  // both at once: the sum of the two, scaled
  const both = new Float64Array(d.paramSize);
  d.addGrad(p, 0, a, 0, 0.5, 1.5, both, 0, mask);
  both.forEach((v, i) => expect(v).toBeCloseTo((0.5 * ((gLogProb[i] as number) - 0.25)) / 3 + (1.5 * ((gEntropy[i] as number) + 0.5)) / -2, 12));
  return { gLogProb: gLogProb.map((v) => (v - 0.25) / 3), gEntropy: gEntropy.map((v) => (v + 0.5) / -2) };
}

const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number)), `entry ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

describe('Categorical', () => {
  it('log-probability and entropy by hand: logits [0, ln 3] are probabilities 1/4, 3/4', () => {
    const d = new Categorical(2);
    const p = [0, Math.log(3)];
    expect(d.logProb(p, 0, [1], 0)).toBeCloseTo(Math.log(0.75), 14);
    expect(d.logProb(p, 0, [0], 0)).toBeCloseTo(Math.log(0.25), 14);
    // H = -(1/4 ln 1/4 + 3/4 ln 3/4) = 0.5623351446188083
    expect(d.entropy(p, 0)).toBeCloseTo(0.5623351446188083, 14);
    // a shift of every logit changes nothing (softmax is shift-invariant); huge logits stay finite
    expect(d.logProb([1000, 1000 + Math.log(3)], 0, [1], 0)).toBeCloseTo(Math.log(0.75), 12);
    expect(d.entropy([-1e4, -1e4 + Math.log(3)], 0)).toBeCloseTo(0.5623351446188083, 10);
  });

  it('samples by inversion with exactly one uniform, reading its parameters at an offset', () => {
    const d = new Categorical(3);
    const p = [9, 9, 0.3, -1.2, 0.5]; // this sample's logits start at 2
    const rng = new Rng(5);
    const twin = new Rng(5);
    const e = [Math.exp(0.3 - 0.5), Math.exp(-1.2 - 0.5), 1];
    const s = e[0]! + e[1]! + e[2]!;
    for (let t = 0; t < 200; t++) {
      const a = [7, 7, 7];
      const lp = d.sample(p, 2, rng, a, 1);
      const u = twin.uniform() * s;
      const expected = u < e[0]! ? 0 : u < e[0]! + e[1]! ? 1 : 2;
      expect(a).toEqual([7, expected, 7]);
      expect(lp).toBeCloseTo(Math.log(e[expected]! / s), 12);
    }
    expect(rng.uniform()).toBe(twin.uniform()); // the same number of draws
  });

  it('draws each choice with its probability (20,000 draws within 4 standard errors)', () => {
    const d = new Categorical(3);
    const probs = [0.125, 0.25, 0.625];
    const p = probs.map(Math.log);
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    const a = [0];
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      d.sample(p, 0, rng, a, 0);
      counts[a[0]!]!++;
    }
    probs.forEach((q, c) => expect(Math.abs(counts[c]! / N - q)).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / N)));
  });

  it('gradients of log-probability and entropy equal finite differences and tfjs autodiff', () => {
    const rng = new Rng(2);
    for (const n of [1, 2, 3, 7]) {
      const d = new Categorical(n);
      for (let t = 0; t < 5; t++) {
        const p = Float64Array.from({ length: n }, () => rng.normal() * 2);
        const act = [rng.integer(0, n)];
        const { gLogProb, gEntropy } = analytic(d, p, act);
        expectClose(gLogProb, numericGrad((q) => d.logProb(q, 0, act, 0), p), 1e-7);
        expectClose(gEntropy, numericGrad((q) => d.entropy(q, 0), p), 1e-7);
        // tfjs: log softmax and -sum(pi log pi) as ops, float32
        const [tLp, tH] = tf.tidy(() => [
          tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(z), tf.tensor1d(Float32Array.from({ length: n }, (_, c) => (c === act[0] ? 1 : 0))))))(tf.tensor1d(Float32Array.from(p))).dataSync(),
          tf.grad((z: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.softmax(z), tf.logSoftmax(z)))))(tf.tensor1d(Float32Array.from(p))).dataSync(),
        ]);
        expectClose(gLogProb, tLp!, 1e-5);
        expectClose(gEntropy, tH!, 1e-5);
      }
    }
  });

  it('a mask leaves choices out: never drawn nor the mode, probability renormalised, no entropy, no gradient', () => {
    const d = new Categorical(4);
    const p = [2, 0, Math.log(3), 5]; // choice 3 is the likeliest, and masked
    const mask = [1, 1, 1, 0];
    const a = [0];
    d.mode(p, 0, a, 0, mask);
    expect(a[0]).toBe(0);
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      d.sample(p, 0, rng, a, 0, mask);
      expect(a[0]).not.toBe(3);
    }
    // allowed probabilities: e^2, 1, 3 over e^2 + 4
    const z = Math.E ** 2 + 4;
    expect(d.logProb(p, 0, [2], 0, mask)).toBeCloseTo(Math.log(3 / z), 13);
    expect(d.logProb(p, 0, [3], 0, mask)).toBe(-Infinity);
    const q = [Math.E ** 2 / z, 1 / z, 3 / z];
    expect(d.entropy(p, 0, mask)).toBeCloseTo(-q.reduce((s, v) => s + v * Math.log(v), 0), 13);
    // the masked logit has no influence: its gradient is 0, the others' are those of the 3-way categorical
    const { gLogProb, gEntropy } = analytic(d, Float64Array.from(p), [1], mask);
    expect(gLogProb[3]).toBe(0);
    expect(gEntropy[3]).toBeCloseTo(0, 15);
    const three = analytic(new Categorical(3), Float64Array.from(p.slice(0, 3)), [1]);
    expectClose(gLogProb.subarray(0, 3), three.gLogProb, 1e-15);
    expectClose(gEntropy.subarray(0, 3), three.gEntropy, 1e-15);
  });

  // Defect fixed: with a uniform of 1 - 2^-53 (a valid draw), rounding can leave the inversion's
  // remainder >= 0 after the last share; the old sampler then returned the last index, a masked
  // action. These logits (found by search) hit that case; the sampler now takes the last allowed choice.
  it('never returns a masked choice when rounding leaves the inversion a remainder', () => {
    const d = new Categorical(4);
    const top = { uniform: () => 1 - 2 ** -53 } as unknown as Rng;
    const a = [0];
    for (const p of [[0, 0.8226614737489184, -0.5155001975158142, 0], [0, -0.8741836383681028, 0.4157819643067744, 0]]) {
      d.sample(p, 0, top, a, 0, [1, 1, 1, 0]);
      expect(a[0]).toBe(2);
    }
  });

  it('rejects a size that is not an integer >= 1', () => {
    expect(() => new Categorical(0)).toThrow(InvalidArgumentError);
    expect(() => new Categorical(0)).toThrow(/n must be an integer >= 1, got 0/);
    expect(() => new Categorical(2.5)).toThrow(/n must be an integer >= 1, got 2\.5/);
  });
});

describe('MultiCategorical', () => {
  const nvec = [3, 1, 2];

  it('is the elements\' categoricals: log-probabilities and entropies add, one uniform per element in order', () => {
    const d = new MultiCategorical(nvec);
    expect([d.paramSize, d.actionSize]).toEqual([6, 3]);
    const parts = nvec.map((n) => new Categorical(n));
    const rng = new Rng(8);
    const twin = new Rng(8);
    const params = new Rng(80);
    for (let t = 0; t < 50; t++) {
      const p = Float64Array.from({ length: 6 }, () => params.normal());
      const a = new Int32Array(3);
      const lp = d.sample(p, 0, rng, a, 0);
      const b = [0];
      let at = 0;
      let sum = 0;
      let h = 0;
      parts.forEach((c, k) => {
        const lpk = c.sample(p, at, twin, b, 0);
        expect(a[k]).toBe(b[0]);
        sum += lpk;
        h += c.entropy(p, at);
        at += nvec[k]!;
      });
      expect(lp).toBeCloseTo(sum, 13);
      expect(d.logProb(p, 0, a, 0)).toBeCloseTo(sum, 13);
      expect(d.entropy(p, 0)).toBeCloseTo(h, 13);
    }
  });

  it('gradients equal finite differences; masks apply per element, end to end', () => {
    const d = new MultiCategorical(nvec);
    const rng = new Rng(4);
    const mask = [0, 1, 1, 1, 1, 0];
    for (let t = 0; t < 5; t++) {
      const p = Float64Array.from({ length: 6 }, () => rng.normal() * 2);
      const a = [rng.integer(1, 3), 0, 0];
      for (const m of [undefined, mask]) {
        const { gLogProb, gEntropy } = analytic(d, p, a, m);
        expectClose(gLogProb, numericGrad((q) => d.logProb(q, 0, a, 0, m), p), 1e-7);
        expectClose(gEntropy, numericGrad((q) => d.entropy(q, 0, m), p), 1e-7);
      }
      const out = [9, 9, 9];
      d.mode(p, 0, out, 0, mask);
      expect(out).toEqual([1 + argmax(p, 1, 2), 0, 0]);
      for (let i = 0; i < 20; i++) {
        d.sample(p, 0, rng, out, 0, mask);
        expect(out[0]).not.toBe(0);
        expect(out[2]).toBe(0);
      }
    }
  });

  it.each([
    [[] as number[], /nvec must be a non-empty array of integers >= 1, got \[\]/],
    [[2, 0], /nvec\[1\] must be an integer >= 1, got 0/],
    [null, /nvec must be a non-empty array of integers >= 1, got null/],
  ])('rejects nvec %j', (bad, message) => {
    expect(() => new MultiCategorical(bad as never)).toThrow(InvalidArgumentError);
    expect(() => new MultiCategorical(bad as never)).toThrow(message);
  });
});

describe('DiagGaussian', () => {
  it('log-density and entropy by hand: N(0, 1) at 1 is -1/2 - ln(2 pi)/2; log sigma adds per dimension', () => {
    const d = new DiagGaussian(1);
    expect(d.logProb([0, 0], 0, [1], 0)).toBeCloseTo(-0.5 - 0.5 * LOG_2PI, 14); // -1.4189385332046727
    expect(d.entropy([0, 0], 0)).toBeCloseTo(0.5 * (1 + LOG_2PI), 14); // 1.4189385332046727
    // two dimensions, means (1, -2), log stds (ln 2, 0), at (2, -2): z = (1/2, 0)
    const two = new DiagGaussian(2);
    const p = [1, -2, Math.log(2), 0];
    expect(two.logProb(p, 0, [2, -2], 0)).toBeCloseTo(-0.125 - Math.log(2) - LOG_2PI, 14);
    expect(two.entropy(p, 0)).toBeCloseTo(Math.log(2) + (1 + LOG_2PI), 14);
    const a = [0, 0];
    two.mode(p, 0, a, 0);
    expect(a).toEqual([1, -2]);
  });

  it('samples mu + sigma z with one normal per dimension, in order, and returns the density of the draw', () => {
    const d = new DiagGaussian(3);
    const p = [0.5, -1, 2, Math.log(0.5), 0, Math.log(3)];
    const rng = new Rng(6);
    const twin = new Rng(6);
    for (let t = 0; t < 50; t++) {
      const a = new Float64Array(3);
      const lp = d.sample(p, 0, rng, a, 0);
      for (let c = 0; c < 3; c++) expect(a[c]).toBeCloseTo(p[c]! + Math.exp(p[3 + c]!) * twin.normal(), 13);
      expect(lp).toBeCloseTo(d.logProb(p, 0, a, 0), 11);
    }
  });

  it('gradients with respect to means and log stds equal finite differences', () => {
    const rng = new Rng(7);
    for (const k of [1, 2, 5]) {
      const d = new DiagGaussian(k);
      for (let t = 0; t < 5; t++) {
        const p = Float64Array.from({ length: 2 * k }, (_, i) => (i < k ? rng.normal() : rng.normal() * 0.5));
        const a = Float64Array.from({ length: k }, () => rng.normal() * 2);
        const { gLogProb, gEntropy } = analytic(d, p, a);
        expectClose(gLogProb, numericGrad((q) => d.logProb(q, 0, a, 0), p), 1e-6);
        expectClose(gEntropy, numericGrad((q) => d.entropy(q, 0), p), 1e-7);
      }
    }
  });

  it('rejects a dimension that is not an integer >= 1', () => {
    expect(() => new DiagGaussian(0)).toThrow(InvalidArgumentError);
    expect(() => new DiagGaussian(0)).toThrow(/k must be an integer >= 1, got 0/);
  });
});

describe('distributionFor and argmax', () => {
  it('builds the distribution of each policy kind', () => {
    expect(distributionFor('categorical', 4)).toBeInstanceOf(Categorical);
    expect(distributionFor('multicategorical', 5, [3, 2]).paramSize).toBe(5);
    expect(distributionFor('gaussian', 2).paramSize).toBe(4);
    expect(() => distributionFor('multicategorical', 5)).toThrow(/nvec must be given for a multicategorical distribution, got undefined/);
  });

  it('argmax takes the first of ties, a range, and a mask', () => {
    expect(argmax([0.1, 3, -1, 3])).toBe(1);
    expect(argmax([5, 1, 2, 2], 1)).toBe(1);
    expect(argmax([5, 1, 2, 9], 1, 2)).toBe(1);
    expect(argmax([5, 1, 2, 9], 0, 4, [0, 1, 1, 0])).toBe(2);
  });
});

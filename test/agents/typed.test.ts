import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/agents/index.js';
import { FlatLayout, mlp } from '../../src/agents/common/ActorCritic.js';
import { gemmABtJs, tanh, TypedMLP } from '../../src/agents/common/kernels/jsKernels.js';
import { Rng } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('the JS reference kernels', () => {
  // the product kernel against the product written out in float64, to 1e-12; odd sizes hit
  // every remainder of its 3 x 4 blocking (the other sets are held to this one by kernels.test.ts)
  it('the product kernel equals the product written out, for every blocking remainder', () => {
    const rng = new Rng(3);
    for (const [n, m, k] of [[1, 1, 1], [2, 4, 3], [5, 7, 6], [8, 9, 1], [3, 5, 64], [64, 64, 64], [7, 130, 67]] as const) {
      const A = Float64Array.from({ length: n * k + 1 }, () => rng.normal());
      const B = Float64Array.from({ length: m * k }, () => rng.normal());
      const bias = Float64Array.from({ length: m + 2 }, () => rng.normal());
      const js = new Float64Array(n * m + 3);
      gemmABtJs(A, 1, B, 0, js, 3, n, m, k, bias, 2);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = bias[2 + j]!;
          for (let p = 0; p < k; p++) s += A[1 + i * k + p]! * B[j * k + p]!;
          expect(js[3 + i * m + j]).toBeCloseTo(s, 12);
        }
      }
      expect(Array.from(js.subarray(0, 3))).toEqual([0, 0, 0]);
    }
  });

  it('the rational tanh is within 3e-8 of Math.tanh on [-7.9, 7.9], 2.7e-7 beyond, odd', () => {
    let inner = 0;
    let outer = 0;
    for (let x = -12; x <= 12; x += 0.001) {
      const e = Math.abs(tanh(x) - Math.tanh(x));
      if (Math.abs(x) <= 7.9) inner = Math.max(inner, e);
      else outer = Math.max(outer, e);
    }
    expect(inner).toBeLessThan(3e-8);
    // beyond the clamp it holds 0.99999974: two float32 ulps below 1
    expect(outer).toBeLessThan(2.7e-7);
    expect(tanh(-0.7)).toBe(-tanh(0.7));
    expect(tanh(0)).toBe(0);
    expect(Math.abs(tanh(1e6) - 1)).toBeLessThan(2.7e-7);
  });

  // The reference is tfjs's own autodiff through the tfjs MLP the agents use: the typed
  // forward must give the same outputs and the typed backward the same gradient of
  // sum(outputs * W) for a random W, for both activations and odd sizes (block remainders).
  for (const activation of ['tanh', 'relu'] as const) {
    it(`TypedMLP matches tfjs's forward and autodiff gradient (${activation})`, () => {
      const rng = new Rng(activation === 'tanh' ? 1 : 2);
      const n = 5;
      const layout = new FlatLayout();
      let layers: ReturnType<FlatLayout['dense']> = [];
      const theta = tf.tidy(() => {
        layers = layout.dense(3, [7, 6], 3, (i, o) => ({ w: tf.tensor(Array.from({ length: i * o }, () => rng.normal() * 0.7)), b: tf.tensor(Array.from({ length: o }, () => rng.normal() * 0.3)) }));
        return layout.build();
      });
      const x = Float32Array.from({ length: n * 3 }, () => rng.normal());
      const w = Float32Array.from({ length: n * 3 }, () => rng.normal());
      const { out, grad } = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, 3]);
        const f = (th: tf.Tensor) => tf.sum(tf.mul(mlp(th, xt, layers, activation), tf.tensor2d(w, [n, 3])));
        return { out: mlp(theta, xt, layers, activation).dataSync(), grad: tf.grad(f)(theta).dataSync() };
      });
      const params = theta.dataSync() as Float32Array;
      theta.dispose();
      const net = new TypedMLP(layers, activation);
      net.load(params);
      expect(maxAbsDiff(net.forward(x, n).subarray(0, n * 3), out)).toBeLessThan(1e-5);
      const g = new Float64Array(params.length);
      net.backward(Float64Array.from(w), n, g);
      expect(maxAbsDiff(g, grad)).toBeLessThan(1e-4);
      // every weight and bias got a gradient (none left at 0 by a wrong offset)
      expect(g.filter((v) => v === 0).length).toBeLessThan(activation === 'relu' ? params.length / 3 : 1);
    });
  }
});

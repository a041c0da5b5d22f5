import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, DQN, nativeStatus, PPO, useBackend } from '../../src/agents/index.js';
import { FlatLayout, mlp } from '../../src/agents/common/ActorCritic.js';
import { gemmABt, gemmABtJs, tanh, TypedMLP } from '../../src/agents/common/typed.js';
import { wasmKernel } from '../../src/agents/common/kernels/wasmGemm.js';
import { Box, Env, InvalidArgumentError, make, MultiDiscrete, Rng, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('typed-array kernels', () => {
  // both kernels against the product written out in float64: the JS kernel to 1e-12, the wasm
  // SIMD kernel (float32 operands and sums) to float32 precision; odd sizes hit every remainder
  it('both product kernels equal the product written out, for every blocking remainder', () => {
    expect(wasmKernel()).not.toBeNull(); // Node 20 runs WebAssembly SIMD
    const rng = new Rng(3);
    for (const [n, m, k] of [[1, 1, 1], [2, 4, 3], [5, 7, 6], [8, 9, 1], [3, 5, 64], [64, 64, 64], [7, 130, 67]] as const) {
      const A = Float64Array.from({ length: n * k + 1 }, () => rng.normal());
      const B = Float64Array.from({ length: m * k }, () => rng.normal());
      const bias = Float64Array.from({ length: m + 2 }, () => rng.normal());
      const js = new Float64Array(n * m + 3);
      const fast = new Float64Array(n * m + 3);
      gemmABtJs(A, 1, B, 0, js, 3, n, m, k, bias, 2);
      gemmABt(A, 1, B, 0, fast, 3, n, m, k, bias, 2);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = bias[2 + j]!;
          let mag = Math.abs(s);
          for (let p = 0; p < k; p++) {
            s += A[1 + i * k + p]! * B[j * k + p]!;
            mag += Math.abs(A[1 + i * k + p]! * B[j * k + p]!);
          }
          expect(js[3 + i * m + j]).toBeCloseTo(s, 12);
          expect(Math.abs(fast[3 + i * m + j]! - s)).toBeLessThan(1e-6 * mag + 1e-7);
        }
      }
      expect(Array.from(js.subarray(0, 3))).toEqual([0, 0, 0]);
      expect(Array.from(fast.subarray(0, 3))).toEqual([0, 0, 0]);
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

// The same seed and rollout through both compute paths: the typed kernels (hand-derived loss
// gradients) and tfjs (autodiff of the loss as tfjs ops) must take the same optimizer steps.
// Several steps with changing gradients: a wrong relative scale between the loss terms, or a
// wrong sign, moves the parameters apart by ~lr per step (3e-4 to 7e-4); float32 rounding
// differences stay far below 1e-5.
// observations from the env's rng, reward for matching a MultiDiscrete([3, 4, 2]) action to them
class Multi extends Env<Float32Array, Int32Array> {
  readonly observationSpace = new Box(-1, 1, [3]);
  readonly actionSpace = new MultiDiscrete([3, 4, 2], [0, -1, 5]);
  #o = new Float32Array(3);
  #next(): Float32Array {
    this.#o = Float32Array.from({ length: 3 }, () => this.rng.uniform(-1, 1));
    return this.#o;
  }
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: this.#next(), info: {} };
  }
  protected stepEnv(a: Int32Array): StepResult<Float32Array> {
    const reward = (a[0]! === (this.#o[0]! > 0 ? 2 : 0) ? 1 : 0) + (a[1]! === (this.#o[1]! > 0 ? 2 : -1) ? 1 : 0) + (a[2]! === 6 ? 0.5 : 0);
    return { observation: this.#next(), reward, terminated: false, truncated: false, info: {} };
  }
}

describe("compute: 'typed' and 'tfjs' take the same steps", () => {
  const cases = [
    ['PPO, MultiDiscrete with start offsets, entropy bonus', () => new Multi(), (env: never, compute: 'typed' | 'tfjs') => new PPO(env, { nSteps: 64, batchSize: 32, nEpochs: 3, entCoef: 0.3, seed: 4, compute })],
    ['PPO, Discrete, clipped values, entropy bonus', () => make('CartPole-v1'), (env: never, compute: 'typed' | 'tfjs') => new PPO(env, { nSteps: 64, batchSize: 32, nEpochs: 3, clipRangeVf: 0.1, entCoef: 0.2, seed: 5, compute })],
    ['PPO, Box (Gaussian), relu', () => make('Pendulum-v1'), (env: never, compute: 'typed' | 'tfjs') => new PPO(env, { nSteps: 64, batchSize: 16, nEpochs: 2, activation: 'relu', entCoef: 0.02, seed: 6, compute })],
    ['A2C, Discrete, 2 envs, normalised advantages', () => new SyncVectorEnv([() => make('CartPole-v1'), () => make('CartPole-v1')], { autoresetMode: 'same-step' }), (env: never, compute: 'typed' | 'tfjs') => new A2C(env, { normalizeAdvantage: true, entCoef: 0.01, seed: 7, compute })],
    ['A2C, Box (Gaussian)', () => make('Pendulum-v1'), (env: never, compute: 'typed' | 'tfjs') => new A2C(env, { nSteps: 8, seed: 8, compute })],
  ] as const;
  for (const [name, makeEnv, build] of cases) {
    it(name, async () => {
      const run = async (compute: 'typed' | 'tfjs') => {
        const agent = build(makeEnv() as never, compute);
        const initial = Array.from(agent.policy.params.dataSync());
        const logs: Record<string, number>[] = [];
        await agent.learn({ totalTimesteps: 128, callback: (r) => void logs.push({ ...r }) });
        const params = Array.from(agent.policy.params.dataSync());
        agent.dispose();
        return { initial, params, logs };
      };
      const typed = await run('typed');
      const tfjs = await run('tfjs');
      expect(typed.initial).toEqual(tfjs.initial);
      expect(maxAbsDiff(typed.params, typed.initial)).toBeGreaterThan(5e-4);
      expect(maxAbsDiff(typed.params, tfjs.params)).toBeLessThan(1e-5);
      for (const key of Object.keys(tfjs.logs[0]!).filter((k) => k.startsWith('train/'))) {
        const a = typed.logs[typed.logs.length - 1]![key]!;
        const b = tfjs.logs[tfjs.logs.length - 1]![key]!;
        expect(Math.abs(a - b), key).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b)));
      }
    }, 60_000);
  }

  // DQN: the Huber loss's gradient by hand against tfjs's autodiff, plain and double, with a
  // soft target update in between (Adam eps 1e-8 here: only parameters whose gradient is
  // essentially zero on both paths could differ, by at most the learning rate 1e-4)
  // (the second case has odd sizes: 37 and 19 units, a batch of 30, tanh, so the native
  // kernel's masked column blocks and leftover rows are exercised)
  // (the third is dueling, which only the native path and tfjs have)
  // (native where the addon is built: always in CI, which native.test.ts enforces; dueling has only native to compare)
  const native = nativeStatus().available;
  for (const [doubleQ, netArch, activation, batchSize, dueling] of ([[false, [32, 32], 'relu', 32, false], [true, [37, 19], 'tanh', 30, false], [true, [24, 20], 'relu', 30, true]] as const).filter((c) => native || !c[4])) {
    it(`DQN${doubleQ ? ', double' : ''}${dueling ? ', dueling' : ''}, ${netArch.join('-')} ${activation}: the same steps and the same target network on tfjs, ${dueling ? 'native' : native ? 'typed and native' : 'typed'}`, async () => {
      const run = async (compute: 'typed' | 'tfjs' | 'native') => {
        const agent = new DQN(make('CartPole-v1'), { learningStarts: 64, trainFreq: 16, gradientSteps: 4, batchSize, targetUpdateInterval: 8, tau: 0.5, netArch, activation, learningRate: 1e-3, doubleQ, dueling, seed: 9, compute });
        expect(agent.compute).toBe(compute);
        await agent.learn({ totalTimesteps: 400 });
        const out = { params: Array.from(agent.q.params.dataSync()), target: Array.from(agent.q.target.dataSync()) };
        agent.dispose();
        return out;
      };
      const tfjs = await run('tfjs');
      for (const compute of dueling ? (['native'] as const) : native ? (['typed', 'native'] as const) : (['typed'] as const)) {
        const other = await run(compute);
        expect(maxAbsDiff(other.params, tfjs.params), compute).toBeLessThan(1e-5);
        expect(maxAbsDiff(other.target, tfjs.target), compute).toBeLessThan(1e-5);
      }
    }, 60_000);
  }

  it("rejects an unknown compute, naming it; 'auto' takes the typed path on the cpu backend", () => {
    expect(() => new PPO(make('CartPole-v1'), { compute: 'gpu' as never })).toThrow(InvalidArgumentError);
    expect(() => new PPO(make('CartPole-v1'), { compute: 'gpu' as never })).toThrow(/compute must be 'auto', 'typed' or 'tfjs'/);
    const agent = new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8 });
    expect((agent as unknown as { typed: boolean }).typed).toBe(true);
    agent.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, DQN, kernelSets, nativeStatus, PPO, useBackend } from '../../src/agents/index.js';
import { FlatLayout, mlp } from '../../src/agents/common/ActorCritic.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { JS_KERNELS } from '../../src/agents/common/kernels/jsKernels.js';
import { KERNELS_WASM_SOURCES_SHA256 } from '../../src/agents/common/kernels/kernelsWasm.js';
import { KernelQNet } from '../../src/agents/common/kernels/qNet.js';
import { kernelSet, resolveCompute } from '../../src/agents/common/kernels/registry.js';
import type { FloatArray, KernelName, KernelSet } from '../../src/agents/common/kernels/types.js';
import { QNetwork } from '../../src/agents/common/QNetwork.js';
import type { DenseSlots } from '../../src/agents/common/types.js';
import { Box, Env, InvalidArgumentError, make, MultiDiscrete, Rng, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

// The conformance suite of the kernel sets (the idea of tfjs's describeWithFlags): every
// registered set against the JS reference on random shapes, the reference against tfjs's
// autodiff, and every set through every algorithm against tfjs. A set that does not run on
// this machine is reported with its reason; CI runs them all (the first test requires it).

beforeAll(async () => {
  await useBackend('cpu');
});

const statuses = kernelSets();
const available = statuses.filter((s) => s.available).map((s) => s.name);
const fastSets = available.filter((n) => n !== 'js');
const setOf = (name: KernelName) => kernelSet(name) as KernelSet;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};
/** The largest difference relative to the reference's largest magnitude (float32 products round at ~1e-7 of it). */
const relDiff = (a: ArrayLike<number>, ref: ArrayLike<number>) => maxAbsDiff(a, ref) / Math.max(1e-30, ...Array.from(ref, Math.abs));

/** A random MLP: `sizes` in a flat layout, its parameters, `n` input rows. */
function randomNet(rng: Rng, sizes: readonly number[], n: number) {
  const layers: DenseSlots[] = [];
  let size = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fi, fo] = [sizes[l]!, sizes[l + 1]!];
    layers.push({ w: { offset: size, shape: [fi, fo] }, b: { offset: size + fi * fo, shape: [fo] } });
    size += fi * fo + fo;
  }
  const params = Float32Array.from({ length: size + 3 }, () => rng.normal() * 0.4); // 3 spare entries: never written
  const x = Float32Array.from({ length: n * sizes[0]! }, () => rng.normal());
  return { layers, params, x };
}

/** Forward, then backward of `dOut`, with the input's gradient: copies of everything. */
function pass(set: KernelSet, layers: DenseSlots[], activation: 'tanh' | 'relu', activateLast: boolean, params: Float32Array, x: Float32Array, n: number, dOut: Float64Array) {
  const net = set.mlp(layers, activation, activateLast);
  net.load(params);
  const out = Array.from(net.forward(x, n));
  const grad = set.array(params.length);
  const dx = set.array(x.length);
  const d = set.array(dOut.length);
  d.set(dOut);
  net.backward(d, n, grad, dx);
  return { out, grad: Array.from(grad), dx: Array.from(dx) };
}

describe('kernel sets', () => {
  it('native, wasm and js are registered; one that does not run here says why; CI runs them all', () => {
    expect(statuses.map((s) => s.name)).toEqual(['native', 'wasm', 'js']);
    expect(available).toContain('js');
    for (const s of statuses) if (!s.available) expect(s.reason.length, s.name).toBeGreaterThan(10);
    if (process.env.CI) expect(available, 'CI builds the native addon and runs Node with WebAssembly SIMD').toEqual(['native', 'wasm', 'js']);
    const native = statuses.find((s) => s.name === 'native')!;
    const status = nativeStatus();
    expect(native.available).toBe(status.available);
    if (!native.available && !status.available) expect(native.reason).toBe(status.reason);
  });

  // the wasm set is the native addon's C compiled to WebAssembly: its embedded binary must come
  // from the sources as they are (npm run build:wasm rebuilds it)
  it('the embedded wasm binary was built from the current native/wasm.c, kernels.h and gemm.h', () => {
    const h = createHash('sha256');
    for (const f of ['native/wasm.c', 'native/kernels.h', 'native/gemm.h']) h.update(readFileSync(new URL(`../../${f}`, import.meta.url)));
    expect(KERNELS_WASM_SOURCES_SHA256, 'run npm run build:wasm').toBe(h.digest('hex'));
  });

  it("compute: 'auto' takes the fastest set here on the cpu backend, 'typed' the same; a missing set or an unknown value is an error naming it", () => {
    expect(resolveCompute('auto')).toBe(available[0]);
    expect(resolveCompute('typed')).toBe(available[0]);
    expect(resolveCompute('js')).toBe('js');
    expect(resolveCompute('auto', true)).toBe('tfjs');
    expect(() => resolveCompute('js', true)).toThrow(/compute must be 'auto' or 'tfjs' with a featuresExtractor/);
    expect(() => new PPO(make('CartPole-v1'), { compute: 'gpu' as never })).toThrow(InvalidArgumentError);
    expect(() => new PPO(make('CartPole-v1'), { compute: 'gpu' as never })).toThrow(/compute must be 'auto', 'native', 'wasm', 'js', 'typed' or 'tfjs', got "?gpu/);
    for (const s of statuses.filter((x) => !x.available)) expect(() => resolveCompute(s.name)).toThrow(new RegExp(`'${s.name}' does not`));
    const agent = new DQN(make('CartPole-v1'), { dueling: true });
    expect(agent.compute).toBe(available[0]); // a dueling network trains on the kernels too
    agent.dispose();
  });

  // The reference against tfjs: forward outputs, and the autodiff gradient of sum(out * D) for
  // a random D with respect to the parameters and the inputs, with and without an activated last layer.
  for (const [activation, activateLast] of [['tanh', false], ['relu', true], ['tanh', true]] as const) {
    it(`the JS reference equals tfjs's forward and autodiff (${activation}, last layer ${activateLast ? 'activated' : 'linear'})`, () => {
      const rng = new Rng(activateLast ? 21 : 20);
      const n = 6;
      const layout = new FlatLayout();
      let layers: DenseSlots[] = [];
      const theta = tf.tidy(() => {
        layers = layout.dense(3, [9, 5], 4, (i, o) => ({ w: tf.tensor(Array.from({ length: i * o }, () => rng.normal() * 0.7)), b: tf.tensor(Array.from({ length: o }, () => rng.normal() * 0.3)) }));
        return layout.build();
      });
      const params = theta.dataSync() as Float32Array;
      const x = Float32Array.from({ length: n * 3 }, () => rng.normal());
      const D = Float64Array.from({ length: n * 4 }, () => rng.normal());
      const act = (t: tf.Tensor) => (activation === 'relu' ? tf.relu(t) : tf.tanh(t));
      const want = tf.tidy(() => {
        const f = (th: tf.Tensor, xt: tf.Tensor) => {
          const out = mlp(th, xt as tf.Tensor2D, layers, activation);
          return activateLast ? act(out) : out;
        };
        const xt = tf.tensor2d(x, [n, 3]);
        const loss = (th: tf.Tensor, xi: tf.Tensor) => tf.sum(tf.mul(f(th, xi), tf.tensor2d(Float32Array.from(D), [n, 4])));
        const [gTheta, gX] = tf.grads(loss)([theta, xt]);
        return { out: f(theta, xt).dataSync(), grad: gTheta!.dataSync(), dx: gX!.dataSync() };
      });
      theta.dispose();
      const got = pass(JS_KERNELS, layers, activation, activateLast, params, x, n, D);
      expect(maxAbsDiff(got.out, want.out)).toBeLessThan(1e-5);
      expect(relDiff(got.grad, want.grad)).toBeLessThan(1e-5);
      expect(relDiff(got.dx, want.dx)).toBeLessThan(1e-5);
    });
  }

  it("the JS reference's Adam and RMSprop equal the update rules written out (torch's), step by step", () => {
    const rng = new Rng(5);
    const size = 37;
    const p = Float32Array.from({ length: size }, () => rng.normal());
    const m = new Float32Array(size);
    const v = new Float32Array(size);
    const ref = { p: Array.from(p), m: new Array<number>(size).fill(0), v: new Array<number>(size).fill(0) };
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    for (let t = 1; t <= 5; t++) {
      const g = Float64Array.from({ length: size }, () => rng.normal());
      const scale = t === 3 ? 0.5 : 1;
      JS_KERNELS.adam(p, m, v, g, scale, lr / (1 - b1 ** t), Math.sqrt(1 - b2 ** t), b1, b2, eps);
      for (let i = 0; i < size; i++) {
        const gi = g[i]! * scale;
        ref.m[i] = b1 * ref.m[i]! + (1 - b1) * gi;
        ref.v[i] = b2 * ref.v[i]! + (1 - b2) * gi * gi;
        const mHat = ref.m[i]! / (1 - b1 ** t);
        const vHat = ref.v[i]! / (1 - b2 ** t);
        ref.p[i] = ref.p[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
    }
    expect(maxAbsDiff(p, ref.p)).toBeLessThan(1e-5);
    expect(relDiff(m, ref.m)).toBeLessThan(1e-6);
    const q = Float32Array.from({ length: size }, () => rng.normal());
    const sq = new Float32Array(size);
    const refQ = Array.from(q);
    const refS = new Array<number>(size).fill(0);
    for (let t = 0; t < 4; t++) {
      const g = Float64Array.from({ length: size }, () => rng.normal());
      JS_KERNELS.rmsprop(q, sq, g, 1, 0.007, 0.99, 1e-5);
      for (let i = 0; i < size; i++) {
        refS[i] = 0.99 * refS[i]! + 0.01 * g[i]! ** 2;
        refQ[i] = refQ[i]! - (0.007 * g[i]!) / (Math.sqrt(refS[i]!) + 1e-5);
      }
    }
    expect(maxAbsDiff(q, refQ)).toBeLessThan(1e-5);
    expect(JS_KERNELS.sumSquares(Float64Array.of(3, 4, 12))).toBe(169);
  });

  if (fastSets.length === 0) {
    it('here only the JS reference runs: nothing else to hold to it', () => {
      expect(statuses.filter((s) => !s.available).map((s) => s.name).sort()).toEqual(['native', 'wasm']);
    });
  }

  for (const name of fastSets) {
    describe(`the ${name} set against the JS reference`, () => {
      // 40 random networks: 1 to 3 layers of 1 to 70 units, 1 to 40 rows, both activations,
      // activated or linear last layer (odd sizes hit every block remainder of every product)
      it('MLP forward and backward (outputs, parameter and input gradients) on random shapes', () => {
        const rng = new Rng(100);
        for (let c = 0; c < 40; c++) {
          const depth = rng.integer(1, 4);
          const sizes = Array.from({ length: depth + 1 }, () => rng.integer(1, 71));
          const n = rng.integer(1, 41);
          const activation = rng.uniform() < 0.5 ? 'tanh' : 'relu';
          const activateLast = rng.uniform() < 0.3;
          const { layers, params, x } = randomNet(rng, sizes, n);
          const dOut = Float64Array.from({ length: n * sizes[depth]! }, () => rng.normal());
          const ref = pass(JS_KERNELS, layers, activation, activateLast, params, x, n, dOut);
          const got = pass(setOf(name), layers, activation, activateLast, params, x, n, dOut);
          const what = `case ${c}: ${sizes.join('-')}, ${n} rows, ${activation}${activateLast ? ', last activated' : ''}`;
          // float32 products of up to 70 terms against float64 ones
          expect(relDiff(got.out, ref.out), `${what} outputs`).toBeLessThan(2e-5);
          expect(relDiff(got.grad.slice(0, -3), ref.grad.slice(0, -3)), `${what} gradient`).toBeLessThan(2e-5);
          expect(got.grad.slice(-3), `${what}: entries outside the layers stay untouched`).toEqual([0, 0, 0]);
          expect(relDiff(got.dx, ref.dx), `${what} input gradient`).toBeLessThan(2e-5);
        }
      });

      // 30 random LSTM layers: 1 to 9 inputs, 1 to 40 units (odd sizes hit every block
      // remainder), 1 to 7 sequences of 1 to 12 steps in random order, a step of a batch too
      it('LSTM forward over sequences, its gradient, and a rollout step on random shapes', () => {
        const rng = new Rng(300);
        for (let c = 0; c < 30; c++) {
          const inSize = rng.integer(1, 10);
          const hid = rng.integer(1, 41);
          const lengths = Array.from({ length: rng.integer(1, 8) }, () => rng.integer(1, 13));
          const rows = lengths.reduce((a, b) => a + b, 0);
          const start = Int32Array.from(lengths, (_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0));
          const seqs = { count: lengths.length, start, length: Int32Array.from(lengths) };
          const off = 3; // the layer's regions inside a larger vector, with 3 entries after them
          const slots = { w: { offset: off, shape: [inSize + hid, 4 * hid] as const }, bIh: { offset: off + (inSize + hid) * 4 * hid, shape: [4 * hid] as const }, bHh: { offset: off + (inSize + 1 + hid) * 4 * hid, shape: [4 * hid] as const } };
          const size = off + (inSize + hid + 2) * 4 * hid + 3;
          const params = Float32Array.from({ length: size }, () => rng.uniform(-0.4, 0.4));
          const x = Float32Array.from({ length: rows * inSize }, () => rng.normal());
          const h0 = Float64Array.from({ length: lengths.length * hid }, () => rng.uniform(-0.9, 0.9));
          const c0 = Float64Array.from({ length: lengths.length * hid }, () => rng.normal());
          const dOut = Float64Array.from({ length: rows * hid }, () => rng.normal());
          const run = (k: KernelSet) => {
            const layer = k.lstm(slots);
            layer.load(params);
            const out = Array.from(layer.forward(x, rows, seqs, h0, c0).subarray(0, rows * hid));
            const grad = k.array(size);
            layer.backward(dOut, grad);
            const n = lengths.length;
            const h = h0.slice(0, n * hid);
            const cs = c0.slice(0, n * hid);
            layer.step(x, n, h, cs);
            return { out, grad: Array.from(grad), h: Array.from(h), c: Array.from(cs) };
          };
          const ref = run(JS_KERNELS);
          const got = run(setOf(name));
          const what = `case ${c}: ${inSize} inputs, ${hid} units, sequences ${lengths.join(', ')}`;
          expect(relDiff(got.out, ref.out), `${what} outputs`).toBeLessThan(2e-5);
          expect(relDiff(got.grad, ref.grad), `${what} gradient`).toBeLessThan(1e-4);
          expect([...got.grad.slice(0, off), ...got.grad.slice(-3)], `${what}: entries outside the layer stay untouched`).toEqual([0, 0, 0, 0, 0, 0]);
          expect(relDiff(got.h, ref.h), `${what} step h`).toBeLessThan(2e-5);
          expect(relDiff(got.c, ref.c), `${what} step c`).toBeLessThan(2e-5);
        }
      });

      it('sum of squares, Adam and RMSprop on random vectors, several steps', () => {
        const rng = new Rng(200);
        const set = setOf(name);
        for (const size of [1, 7, 8, 9, 100, 1031]) {
          const g = () => {
            const a = set.array(size);
            for (let i = 0; i < size; i++) a[i] = rng.normal() * 3;
            return a;
          };
          const gs = [g(), g(), g()];
          expect(Math.abs(set.sumSquares(gs[0]!) - JS_KERNELS.sumSquares(Float64Array.from(gs[0]!))) / JS_KERNELS.sumSquares(Float64Array.from(gs[0]!))).toBeLessThan(1e-6);
          const init = Float32Array.from({ length: size }, () => rng.normal());
          const run = (k: KernelSet, conv: (a: FloatArray) => FloatArray) => {
            const p = init.slice();
            const m = new Float32Array(size);
            const v = new Float32Array(size);
            const q = init.slice();
            const s = new Float32Array(size);
            gs.forEach((gi, t) => {
              k.adam(p, m, v, conv(gi), t === 1 ? 0.25 : 1, 1e-2 / (1 - 0.9 ** (t + 1)), Math.sqrt(1 - 0.999 ** (t + 1)), 0.9, 0.999, 1e-8);
              k.rmsprop(q, s, conv(gi), t === 2 ? 0.5 : 1, 7e-3, 0.99, 1e-5);
            });
            return [p, m, v, q, s];
          };
          const ref = run(JS_KERNELS, (a) => Float64Array.from(a));
          const got = run(set, (a) => a);
          // the same arithmetic on the same float32 state: equal but for the last bit of a sum
          got.forEach((a, i) => expect(maxAbsDiff(a, ref[i]!), `size ${size}, array ${i}`).toBeLessThan(1e-6));
        }
      });
    });
  }

  // the dueling composition on every set against tfjs's QNetwork.q: values and the gradient of sum(Q * D)
  for (const name of available) {
    it(`the dueling Q-network on ${name} equals tfjs's Q = V + A - mean(A), forward and gradient`, () => {
      const rng = new Rng(31);
      const n = 7;
      const q = new QNetwork({ obsSize: 5, nActions: 4, netArch: [13, 11], activation: 'tanh', dueling: true }, rng);
      const params = q.params.dataSync() as Float32Array;
      const x = Float32Array.from({ length: n * 5 }, () => rng.normal());
      const D = Float64Array.from({ length: n * 4 }, () => rng.normal());
      const want = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, 5]);
        const g = tf.grad((th: tf.Tensor) => tf.sum(tf.mul(q.q(xt, th as tf.Variable), tf.tensor2d(Float32Array.from(D), [n, 4]))))(q.params);
        return { out: q.q(xt).dataSync(), grad: g.dataSync() };
      });
      q.dispose();
      const set = setOf(name);
      const net = new KernelQNet(set, q, 'tanh');
      net.load(params);
      const out = Array.from(net.forward(x, n));
      const grad = set.array(params.length);
      const d = set.array(D.length);
      d.set(D);
      net.backward(d, n, grad);
      expect(maxAbsDiff(out, want.out)).toBeLessThan(1e-5);
      expect(relDiff(grad, want.grad)).toBeLessThan(1e-5);
    });
  }
});

// For every algorithm: the same seed and rollout on every kernel set and on tfjs (the loss's
// gradient through tfjs's autodiff of the network) must take the same optimizer steps.
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

describe('every kernel set takes the same training steps as tfjs, for every algorithm', () => {
  type On = 'js' | 'wasm' | 'native' | 'tfjs';
  const sets = available as On[];
  const cases = [
    ['PPO, MultiDiscrete with start offsets, entropy bonus', () => new Multi(), (env: never, compute: On) => new PPO(env, { nSteps: 64, batchSize: 32, nEpochs: 3, entCoef: 0.3, seed: 4, compute })],
    ['PPO, Discrete, clipped values, entropy bonus', () => make('CartPole-v1'), (env: never, compute: On) => new PPO(env, { nSteps: 64, batchSize: 32, nEpochs: 3, clipRangeVf: 0.1, entCoef: 0.2, seed: 5, compute })],
    ['PPO, Box (Gaussian), relu', () => make('Pendulum-v1'), (env: never, compute: On) => new PPO(env, { nSteps: 64, batchSize: 16, nEpochs: 2, activation: 'relu', entCoef: 0.02, seed: 6, compute })],
    ['A2C, Discrete, 2 envs, normalised advantages', () => new SyncVectorEnv([() => make('CartPole-v1'), () => make('CartPole-v1')], { autoresetMode: 'same-step' }), (env: never, compute: On) => new A2C(env, { normalizeAdvantage: true, entCoef: 0.01, seed: 7, compute })],
    ['A2C, Box (Gaussian)', () => make('Pendulum-v1'), (env: never, compute: On) => new A2C(env, { nSteps: 8, seed: 8, compute })],
  ] as const;
  for (const [name, makeEnv, build] of cases) {
    it(`${name}: ${sets.join(', ')} and tfjs`, async () => {
      const run = async (compute: On) => {
        const agent = build(makeEnv() as never, compute);
        expect(agent.compute).toBe(compute);
        const initial = Array.from(agent.policy.params.dataSync());
        const logs: Record<string, number>[] = [];
        await agent.learn({ totalTimesteps: 128, callback: (r) => void logs.push({ ...r }) });
        const params = Array.from(agent.policy.params.dataSync());
        // predict after training, on the same observations whatever the path
        const size = agent.env.singleObservationSpace.size;
        const rng = new Rng(77);
        const actions = Array.from({ length: 12 }, () => {
          const a = agent.predict(Float32Array.from({ length: size }, () => rng.uniform(-1, 1)), { deterministic: true });
          return typeof a === 'number' ? [a] : Array.from(a);
        });
        agent.dispose();
        return { initial, params, logs, actions };
      };
      const tfjs = await run('tfjs');
      expect(maxAbsDiff(tfjs.params, tfjs.initial)).toBeGreaterThan(5e-4);
      for (const set of sets) {
        const k = await run(set);
        expect(k.initial).toEqual(tfjs.initial);
        expect(maxAbsDiff(k.params, tfjs.params), set).toBeLessThan(1e-5);
        // the same actions: equal for categoricals, within float rounding for a Gaussian's mean
        k.actions.forEach((a, i) => expect(maxAbsDiff(a, tfjs.actions[i]!), `${set} predict ${i}`).toBeLessThan(1e-4));
        for (const key of Object.keys(tfjs.logs[0]!).filter((x) => x.startsWith('train/'))) {
          const a = k.logs[k.logs.length - 1]![key]!;
          const b = tfjs.logs[tfjs.logs.length - 1]![key]!;
          expect(Math.abs(a - b), `${set} ${key}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b)));
        }
      }
    }, 120_000);
  }

  // DQN, plain, double and dueling, with a soft target update in between (Adam eps 1e-8 here:
  // only parameters whose gradient is essentially zero on both paths could differ, by at most
  // the learning rate 1e-4). The second case has odd sizes (37 and 19 units, a batch of 30,
  // tanh), so the products' masked column blocks and leftover rows are exercised.
  for (const [doubleQ, netArch, activation, batchSize, dueling] of [[false, [32, 32], 'relu', 32, false], [true, [37, 19], 'tanh', 30, false], [true, [24, 20], 'relu', 30, true], [false, [16], 'tanh', 8, true]] as const) {
    it(`DQN${doubleQ ? ', double' : ''}${dueling ? ', dueling' : ''}, ${netArch.join('-')} ${activation}: ${sets.join(', ')} and tfjs, online and target networks`, async () => {
      const run = async (compute: On) => {
        const agent = new DQN(make('CartPole-v1'), { learningStarts: 64, trainFreq: 16, gradientSteps: 4, batchSize, targetUpdateInterval: 8, tau: 0.5, netArch: [...netArch], activation, learningRate: 1e-3, doubleQ, dueling, seed: 9, compute });
        expect(agent.compute).toBe(compute);
        const initial = Array.from(agent.q.params.dataSync());
        await agent.learn({ totalTimesteps: 400 });
        const rng = new Rng(78);
        const actions = Array.from({ length: 20 }, () => agent.predict(Float32Array.from({ length: 4 }, () => rng.uniform(-2, 2)), { deterministic: true }));
        const out = { initial, params: Array.from(agent.q.params.dataSync()), target: Array.from(agent.q.target.dataSync()), actions };
        agent.dispose();
        return out;
      };
      const tfjs = await run('tfjs');
      expect(maxAbsDiff(tfjs.params, tfjs.initial)).toBeGreaterThan(5e-4);
      for (const set of sets) {
        const k = await run(set);
        expect(maxAbsDiff(k.params, tfjs.params), set).toBeLessThan(1e-5);
        expect(maxAbsDiff(k.target, tfjs.target), set).toBeLessThan(1e-5);
        expect(k.actions, `${set}: greedy actions after training`).toEqual(tfjs.actions);
      }
    }, 120_000);
  }
});

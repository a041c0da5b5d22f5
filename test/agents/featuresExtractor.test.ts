import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, DQN, PPO, useBackend } from '../../src/agents/index.js';
import { FlatAdam } from '../../src/agents/common/ActorCritic.js';
import { Extractor, tfjsUpdate } from '../../src/agents/common/featuresExtractor.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, FrameStack, make, SyncVectorEnv } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-extractor-'));

/** CartPole with the last 4 observations stacked: a Box of shape [4, 4], 16 values flat. */
const stacked = () => new FrameStack(make('CartPole-v1'), 4);
const vec = () => new SyncVectorEnv(Array.from({ length: 2 }, () => stacked), { autoresetMode: 'same-step' });

/**
 * A custom extractor that is not an MLP: the flat window reshaped to [4 steps, 4 features], a
 * 1-D convolution over time, flattened, a dense layer. Its initializers are seeded.
 */
function convModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [4, 4], inputShape: [16] }),
      tf.layers.conv1d({ filters: 6, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 12, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
const convFactory = (_space: Box, seed: number) => convModel(seed);

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

type Agent = PPO | A2C | DQN;
const algorithms = [
  ['PPO', (env: SyncVectorEnv<number>) => new PPO(env, { nSteps: 32, batchSize: 32, nEpochs: 2, featuresExtractor: convFactory, seed: 5 }), (dir: string, env: SyncVectorEnv<number>) => PPO.load(dir, env)],
  ['A2C', (env: SyncVectorEnv<number>) => new A2C(env, { nSteps: 8, featuresExtractor: convFactory, seed: 5 }), (dir: string, env: SyncVectorEnv<number>) => A2C.load(dir, env)],
  [
    'DQN',
    (env: SyncVectorEnv<number>) => new DQN(env, { learningStarts: 32, batchSize: 16, trainFreq: 4, gradientSteps: 2, targetUpdateInterval: 40, bufferSize: 1000, featuresExtractor: convFactory, seed: 5 }),
    (dir: string, env: SyncVectorEnv<number>) => DQN.load(dir, env),
  ],
] as const;
const paramsOf = (a: Agent) => (a instanceof DQN ? [a.q.params, a.q.target] : [a.policy.params]).map((p) => Array.from(p.dataSync()));
const modelOf = (a: Agent) => (a instanceof DQN ? a.q.featuresExtractor : a.policy.featuresExtractor) as tf.LayersModel;

describe('featuresExtractor: a custom tf.LayersModel under the heads', () => {
  // A trains 128 + 128 steps without stopping; B trains 128, is saved and loaded (the model
  // rebuilt from its saved topology) into C on B's live env, which trains 128 more: C must end
  // with A's heads and extractor weights, bit for bit.
  it.each(algorithms)('%s trains it, saves, loads and resumes exactly', async (name, build, load) => {
    const a = build(vec());
    expect(a.compute).toBe('tfjs');
    const before = weightsOf(modelOf(a));
    await a.learn({ totalTimesteps: 128 });
    const mid = weightsOf(modelOf(a));
    expect(mid).not.toEqual(before); // the extractor is trained, not frozen
    await a.learn({ totalTimesteps: 128 });
    const envB = vec();
    const b = build(envB);
    await b.learn({ totalTimesteps: 128 });
    expect(weightsOf(modelOf(b))).toEqual(mid); // a seeded factory: the same run
    const dir = join(root, `${name}-resume`);
    await b.save(dir);
    b.dispose();
    const c = await load(dir, envB);
    await c.learn({ totalTimesteps: 128 });
    expect(paramsOf(c)).toEqual(paramsOf(a));
    expect(weightsOf(modelOf(c))).toEqual(weightsOf(modelOf(a)));
    const obs = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
    expect(c.predict(obs, { deterministic: true })).toBe(a.predict(obs, { deterministic: true }));
    a.dispose();
    c.dispose();
  }, 120_000);

  it.each(algorithms)('%s leaks no tensor across learn, save, load and dispose', async (name, build, load) => {
    const start = tf.memory().numTensors;
    const agent = build(vec());
    await agent.learn({ totalTimesteps: 64 });
    const during = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 64 });
    expect(tf.memory().numTensors).toBe(during);
    const dir = join(root, `${name}-leak`);
    await agent.save(dir);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(start);
    const loaded = await load(dir, vec());
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(start);
  }, 120_000);

  it('load takes the extractor again from the caller (a factory or an instance), and refuses one that does not fit', async () => {
    const agent = new PPO(vec(), { nSteps: 32, batchSize: 32, nEpochs: 1, featuresExtractor: convFactory, seed: 1 });
    await agent.learn({ totalTimesteps: 64 });
    const dir = join(root, 'override');
    await agent.save(dir);
    const viaFactory = await PPO.load(dir, vec(), { featuresExtractor: convFactory });
    expect(weightsOf(modelOf(viaFactory))).toEqual(weightsOf(modelOf(agent)));
    viaFactory.dispose();
    const instance = convModel(99);
    const viaInstance = await PPO.load(dir, vec(), { featuresExtractor: instance });
    expect(weightsOf(instance)).toEqual(weightsOf(modelOf(agent))); // the checkpoint's weights, in the caller's model
    viaInstance.dispose();
    const start = tf.memory().numTensors;
    const wider = () => tf.sequential({ layers: [tf.layers.dense({ units: 12, inputShape: [16], useBias: false })] });
    await expect(PPO.load(dir, vec(), { featuresExtractor: wider })).rejects.toThrow(/featuresExtractor does not fit the saved agent/);
    expect(tf.memory().numTensors).toBe(start);
    agent.dispose();
  }, 60_000);

  it('an instance draws no seed: with a frozen identity extractor the agent trains exactly as the same agent without it', async () => {
    const identity = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [16], useBias: false, trainable: false, kernelInitializer: 'identity' })] });
      return m;
    };
    const opts = { nSteps: 32, batchSize: 16, nEpochs: 2, compute: 'tfjs', seed: 7 } as const;
    const plain = new PPO(vec(), opts);
    const wrapped = new PPO(vec(), { ...opts, featuresExtractor: identity() });
    await plain.learn({ totalTimesteps: 128 });
    await wrapped.learn({ totalTimesteps: 128 });
    expect(Array.from(wrapped.policy.params.dataSync())).toEqual(Array.from(plain.policy.params.dataSync()));
    plain.dispose();
    wrapped.dispose();
  }, 60_000);

  it('refuses what does not fit, before any tensor of its own, leaving an instance to its owner', () => {
    const start = tf.memory().numTensors;
    expect(() => new PPO(vec(), { featuresExtractor: 3 as never })).toThrow(/featuresExtractor must be a tf.LayersModel or a function \(observationSpace, seed\) => tf.LayersModel, got 3/);
    expect(() => new PPO(vec(), { featuresExtractor: convFactory, compute: 'typed' })).toThrow(/compute must be 'auto' or 'tfjs' with a featuresExtractor/);
    expect(() => new DQN(vec(), { featuresExtractor: convFactory, compute: 'native' })).toThrow(/compute must be 'auto' or 'tfjs' with a featuresExtractor/);
    const wrongInput = () => tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [5] })] });
    expect(() => new A2C(vec(), { featuresExtractor: wrongInput })).toThrow(/featuresExtractor must be a model with one input of shape \[null, 16\] \(the flat observation\), got "a model with inputs \[\[null,5\]\]"/);
    const threeD = () => tf.sequential({ layers: [tf.layers.reshape({ targetShape: [4, 4], inputShape: [16] })] });
    expect(() => new PPO(vec(), { featuresExtractor: threeD })).toThrow(/featuresExtractor must be a model with one output of shape \[null, featuresDim\], got "a model with outputs \[\[null,4,4\]\]"/);
    expect(() => new PPO(vec(), { featuresExtractor: () => 'model' as never })).toThrow(/featuresExtractor must be a factory returning a tf.LayersModel, got "model"/);
    expect(tf.memory().numTensors).toBe(start);
    // an instance is the agent's only once the agent is built: after a failed constructor it still works
    const mine = convModel(3);
    const held = tf.memory().numTensors;
    expect(() => new PPO(vec(), { featuresExtractor: mine, nSteps: 0 })).toThrow(/nSteps/);
    expect(() => new PPO(vec(), { featuresExtractor: mine, netArch: { pi: [0], vf: [8] } })).toThrow(/netArch.pi\[0\]/);
    expect(tf.memory().numTensors).toBe(held);
    expect((mine.predict(tf.zeros([1, 16])) as tf.Tensor).shape).toEqual([1, 12]);
    mine.dispose();
  });
});

describe('tfjsUpdate: one optimizer step over the heads and the extractor', () => {
  // Oracle: the gradient of the same loss written as plain tensor maths of the weights
  // (features = tanh(x W + b), loss = sum(features * C) + sum(theta * D)), clipped by its
  // global norm computed here in float64, then Adam's first step by its definition
  // (Kingma and Ba 2015, algorithm 1): m = (1 - b1) g, v = (1 - b2) g^2, with bias correction
  // m_hat = g, v_hat = g^2, so p' = p - lr g / (|g| + eps).
  it('equals autodiff of the loss as plain maths, clipped, and Adam\'s first step', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 5; trial++) {
      const inSize = 3 + trial;
      const units = 2 + trial;
      const model = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [inSize], activation: 'tanh', biasInitializer: tf.initializers.randomNormal({ seed: trial }), kernelInitializer: tf.initializers.randomNormal({ seed: 100 + trial }) })] });
      const ext = Extractor.build('featuresExtractor', model, new Box(-1, 1, [inSize]), rng);
      const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
      const x = tf.tensor2d(draw(4 * inSize), [4, inSize]);
      const C = tf.tensor2d(draw(4 * units), [4, units]);
      const theta = tf.variable(tf.tensor1d(draw(6)));
      const D = tf.tensor1d(draw(6));
      const [W0, b0] = model.getWeights().map((w) => w.clone()) as [tf.Tensor2D, tf.Tensor1D];
      const oracle = tf.grads((w: tf.Tensor, b: tf.Tensor, t: tf.Tensor) => tf.add(tf.sum(tf.mul(tf.tanh(tf.add(tf.matMul(x, w as tf.Tensor2D), b)), C)), tf.sum(tf.mul(t, D))));
      const g = oracle([W0, b0, theta.clone()]).map((t) => Float64Array.from(t.dataSync()));
      const flatG = [...(g[2] as Float64Array), ...(g[0] as Float64Array), ...(g[1] as Float64Array)]; // theta, then the extractor's weights in order
      const norm = Math.sqrt(flatG.reduce((s, v) => s + v * v, 0));
      const maxNorm = trial % 2 === 0 ? 0.5 : 1e6; // clipped, and not
      const scale = Math.min(1, maxNorm / (norm + 1e-6));
      const p0 = [...theta.dataSync(), ...W0.dataSync(), ...b0.dataSync()];
      const lr = 0.01;
      const adam = new FlatAdam(theta.size + ext.size);
      tf.tidy(() => tfjsUpdate(() => tf.add(tf.sum(tf.mul(ext.apply(x, true), C)), tf.sum(tf.mul(theta, D))) as tf.Scalar, theta, ext, adam, lr, maxNorm));
      const after = [...theta.dataSync(), ...model.getWeights().flatMap((w) => Array.from(w.dataSync()))];
      after.forEach((p, i) => {
        const gi = (flatG[i] as number) * scale;
        expect(p).toBeCloseTo((p0[i] as number) - (lr * gi) / (Math.abs(gi) + 1e-8), 5);
      });
      ext.dispose();
      adam.dispose();
      tf.dispose([x, C, theta, D, W0, b0]);
    }
  });
});

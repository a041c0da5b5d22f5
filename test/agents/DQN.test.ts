import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { QNetwork } from '../../src/agents/common/QNetwork.js';
import { ReplayBuffer } from '../../src/agents/common/ReplayBuffer.js';
import { DQN, DQN_DEFAULTS, evaluatePolicy, nativeStatus, useBackend } from '../../src/agents/index.js';
import { InvalidArgumentError, make, Rng, SyncVectorEnv } from '../../src/index.js';
import { ScriptedEnv } from '../helpers/ScriptedEnv.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-dqn-'));

describe('DQN', () => {
  it("has Stable-Baselines3's defaults", () => {
    expect(DQN_DEFAULTS).toMatchObject({
      learningRate: 1e-4, bufferSize: 1_000_000, learningStarts: 100, batchSize: 32, tau: 1, gamma: 0.99, trainFreq: 4, gradientSteps: 1,
      targetUpdateInterval: 10_000, explorationFraction: 0.1, explorationInitialEps: 1, explorationFinalEps: 0.05, maxGradNorm: 10, netArch: [64, 64], activation: 'relu',
    });
  });

  it('lowers epsilon linearly over explorationFraction of training, then holds it (SB3 get_linear_fn)', async () => {
    const agent = new DQN(make('CartPole-v1'), { trainFreq: 100, learningStarts: 2000, explorationFraction: 0.5, seed: 0 });
    const rates: number[] = [];
    await agent.learn({ totalTimesteps: 1000, callback: (r) => void rates.push(r['rollout/exploration_rate'] as number) });
    // after 100 of 1000 steps: progress 0.1; eps = 1 + 0.1 * (0.05 - 1) / 0.5 = 0.81
    expect(rates[0]).toBeCloseTo(0.81, 12);
    // after 300: 1 + 0.3 * (-0.95) / 0.5 = 0.43; from 500 on (progress >= fraction... > 0.5 at 600): 0.05
    expect(rates[2]).toBeCloseTo(0.43, 12);
    expect(rates.slice(5)).toEqual([0.05, 0.05, 0.05, 0.05, 0.05]);
    agent.dispose();
  });

  it('stores a truncated episode as not done, with its real final observation as the next one', async () => {
    const agent = new DQN(new ScriptedEnv(3, [1], 'truncated'), { learningStarts: 100, trainFreq: 1, netArch: [4], seed: 0 });
    await agent.learn({ totalTimesteps: 4 });
    const b = agent.replayBuffer;
    // ScriptedEnv observes 0, 1, 2, 3 (the last at truncation), then resets to 0
    expect(Array.from(b.observations.subarray(0, 4))).toEqual([0, 1, 2, 0]);
    expect(Array.from(b.nextObservations.subarray(0, 4))).toEqual([1, 2, 3, 1]);
    expect(Array.from(b.dones.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    agent.dispose();
    const terminated = new DQN(new ScriptedEnv(2, [1], 'terminated'), { learningStarts: 100, trainFreq: 1, netArch: [4], seed: 0 });
    await terminated.learn({ totalTimesteps: 2 });
    expect(Array.from(terminated.replayBuffer.dones.subarray(0, 2))).toEqual([0, 1]);
    terminated.dispose();
  });

  it('the replay buffer is a ring: the oldest transition is overwritten first, and storage grows to capacity', () => {
    const b = new ReplayBuffer(3, 1);
    for (let i = 0; i < 5; i++) b.add(Float32Array.of(i), Float32Array.of(i + 1), i, i, false);
    expect(b.size).toBe(3);
    expect(Array.from(b.observations.subarray(0, 3))).toEqual([3, 4, 2]);
    const big = new ReplayBuffer(5000, 2);
    for (let i = 0; i < 3000; i++) big.add(Float32Array.of(i, -i), Float32Array.of(0, 0), 0, 0, false);
    expect(big.size).toBe(3000);
    expect(big.observations[2 * 2999]).toBe(2999);
    expect(big.observations[2 * 1500 + 1]).toBe(-1500); // growth kept the old rows
    const s = big.sample(64, new Rng(0));
    for (let j = 0; j < 64; j++) expect(s.observations[2 * j + 1]).toBe(-(s.observations[2 * j] as number));
  });

  it('dueling heads: Q = V + A - mean(A), so a constant added to every advantage changes nothing and one added to V shifts every Q', () => {
    const net = new QNetwork({ obsSize: 3, nActions: 4, netArch: [8], activation: 'relu', dueling: true }, new Rng(1));
    const x = tf.tensor2d([0.5, -1, 2, 1, 1, 1], [2, 3]);
    const q0 = tf.tidy(() => net.q(x).arraySync()) as number[][];
    const p = net.params.dataSync().slice() as Float32Array;
    const n = p.length;
    // layout: trunk (3x8 + 8), value head (8x1 + 1), advantage head (8x4 + 4): the last 4 are A's biases
    expect(n).toBe(3 * 8 + 8 + 8 + 1 + 8 * 4 + 4);
    const shifted = p.slice();
    for (let k = n - 4; k < n; k++) shifted[k] = (shifted[k] as number) + 7;
    net.params.assign(tf.tensor1d(shifted));
    const q1 = tf.tidy(() => net.q(x).arraySync()) as number[][];
    q1.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(q0[i]![j]!, 5)));
    const vShift = p.slice();
    vShift[n - 4 - 8 * 4 - 1] = (vShift[n - 4 - 8 * 4 - 1] as number) + 2; // V's bias
    net.params.assign(tf.tensor1d(vShift));
    const q2 = tf.tidy(() => net.q(x).arraySync()) as number[][];
    q2.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(q0[i]![j]! + 2, 5)));
    x.dispose();
    net.dispose();
  });

  it('a soft target update moves the target by tau toward the online net; tau 1 copies it', () => {
    const net = new QNetwork({ obsSize: 1, nActions: 2, netArch: [2], activation: 'relu', dueling: false }, new Rng(2));
    const online = Array.from(net.params.dataSync());
    net.target.assign(tf.zerosLike(net.target));
    net.updateTarget(0.25);
    Array.from(net.target.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(0.25 * online[i]!, 6));
    net.updateTarget(1);
    expect(Array.from(net.target.dataSync())).toEqual(online);
    net.dispose();
  });

  // random CartPole lasts about 22 steps; 20,000 steps of double dueling DQN clearly beat it
  // (the native cases run where the addon is built: always in CI, which native.test.ts enforces).
  // Not on tfjs here (a minute of CI): kernels.test.ts holds tfjs's DQN equal to every kernel
  // set's, step for step, and `BENCH_COMPUTE=tfjs npm run bench -- learn-dqn` measures it learning.
  it.each(([
    ['double, dueling, native', { dueling: true, compute: 'native' }],
    ['double, dueling, wasm', { dueling: true, compute: 'wasm' }],
    ["double, compute 'wasm'", { compute: 'wasm' }],
    ["double, compute 'native'", { compute: 'native' }],
  ] as const).filter(([, o]) => o.compute !== 'native' || nativeStatus().available))('learns CartPole clearly better than random (%s), without growing the tensor count', async (_, extra) => {
    const agent = new DQN(make('CartPole-v1'), {
      learningRate: 2.3e-3, batchSize: 64, learningStarts: 1000, targetUpdateInterval: 10, trainFreq: 256, gradientSteps: 64,
      explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [64, 64], doubleQ: true, seed: 0, ...extra,
    });
    const before = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 20_000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10, seed: 1000 }).mean).toBeGreaterThan(80);
    agent.dispose();
  }, 180_000);

  // Train A for 600 + 600 steps without stopping; B for 600, save, load into C on B's live env,
  // 600 more: C must end with A's weights, target and replay buffer, bit for bit.
  for (const compute of nativeStatus().available ? (['tfjs', 'js', 'wasm', 'native'] as const) : (['tfjs', 'js', 'wasm'] as const)) {
  it(`training resumed after load matches training that never stopped, step for step (${compute})`, async () => {
    const vec = () => new SyncVectorEnv([() => make('CartPole-v1'), () => make('CartPole-v1')], { autoresetMode: 'same-step' });
    const opts = { learningStarts: 200, trainFreq: 16, gradientSteps: 4, targetUpdateInterval: 50, batchSize: 16, netArch: [16], seed: 4, compute } as const;
    const a = new DQN(vec(), opts);
    await a.learn({ totalTimesteps: 600 });
    await a.learn({ totalTimesteps: 600 });
    const envB = vec();
    const b = new DQN(envB, opts);
    await b.learn({ totalTimesteps: 600 });
    const dir = join(root, 'resume');
    await b.save(dir);
    const before = tf.memory().numTensors;
    const c = await DQN.load(dir, envB);
    expect(tf.memory().numTensors - before).toBe(4); // params, target, Adam m and v: nothing else survives load
    for (let i = 0; i < 10; i++) {
      const obs = Float32Array.from({ length: 4 }, (_, k) => Math.cos(i * 3 + k));
      expect(c.predict(obs, { deterministic: true })).toBe(b.predict(obs, { deterministic: true }));
    }
    b.dispose();
    await c.learn({ totalTimesteps: 600 });
    expect(Array.from(c.q.params.dataSync())).toEqual(Array.from(a.q.params.dataSync()));
    expect(Array.from(c.q.target.dataSync())).toEqual(Array.from(a.q.target.dataSync()));
    expect(c.replayBuffer.size).toBe(a.replayBuffer.size);
    expect(c.numTimesteps).toBe(a.numTimesteps);
    expect(c.explorationRate).toBe(a.explorationRate);
    a.dispose();
    c.dispose();
  }, 120_000);
  }

  it('predicts within the action mask, and rejects a mask that allows nothing', () => {
    const agent = new DQN(make('CartPole-v1'), { seed: 0 });
    const obs = new Float32Array(4);
    expect(agent.predict(obs, { deterministic: true, actionMask: [0, 1] })).toBe(1);
    expect(agent.predict(obs, { deterministic: true, actionMask: [1, 0] })).toBe(0);
    for (let i = 0; i < 20; i++) expect(agent.predict(obs, { actionMask: [0, 1] })).toBe(1); // epsilon 1: random among the allowed
    expect(() => agent.predict(obs, { actionMask: [0, 0] })).toThrow(/actionMask must be allowing at least one action, got \[0,0\]/);
    agent.dispose();
  });

  it.each([
    [() => new DQN(make('Pendulum-v1') as never), /env action space must be Discrete for DQN, got Box/],
    [() => new DQN(make('CartPole-v1'), { gamma: 1.5 }), /gamma must be a number in \[0, 1\], got 1\.5/],
    [() => new DQN(make('CartPole-v1'), { learningRate: -1e-3 }), /learningRate must be a number > 0 or a schedule, got -0\.001/],
    [() => new DQN(make('CartPole-v1'), { tau: 0 }), /tau must be a number in \(0, 1\], got 0/],
    [() => new DQN(make('CartPole-v1'), { batchSize: 0 }), /batchSize must be an integer >= 1, got 0/],
    [() => new DQN(make('CartPole-v1'), { bufferSize: 2.5 }), /bufferSize must be an integer >= 1, got 2\.5/],
    [() => new DQN(make('CartPole-v1'), { explorationFraction: 0 }), /explorationFraction must be a number in \(0, 1\], got 0/],
    [() => new DQN(make('CartPole-v1'), { gamma: 0.9, nSteps: 5 } as never), /nSteps/],
    [() => new DQN(make('CartPole-v1')).predict(new Float32Array(3)), /observation must be a Float32Array of 4/],
    [() => new DQN(make('CartPole-v1'), { compute: 'gpu' as never }), /compute must be 'auto', 'native', 'wasm', 'js', 'typed' or 'tfjs', got "gpu"/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { QNetwork } from '../../src/agents/common/QNetwork.js';
import type { ReplaySample } from '../../src/agents/common/ReplayBuffer.js';
import { DQN, evaluatePolicy, kernelSets, QRDQN, QRDQN_DEFAULTS, useBackend, type LogRecord } from '../../src/agents/index.js';
import { quantileHuberLoss } from '../../src/agents/qrdqn/QRDQN.js';
import { Box, Discrete, Env, InvalidArgumentError, make, Rng, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-qrdqn-'));
const sets = kernelSets()
  .filter((s) => s.available)
  .map((s) => s.name);

/**
 * The quantile Huber loss from its definition (Dabney et al. 2017, eq. 9-10):
 * rho_tau^kappa(u) = |tau - 1{u < 0}| L_kappa(u) / kappa, with L_kappa(u) = u^2 / 2 for
 * |u| <= kappa and kappa (|u| - kappa / 2) beyond, u = target - current, tau_j = (2j + 1) / 2N;
 * reduced as sb3-contrib's quantile_huber_loss(sum_over_quantiles=True): summed over the
 * current quantiles, averaged over the target quantiles and the rows. Float64, loops only.
 */
function referenceLoss(current: number[][], target: number[][], kappa = 1): number {
  const N = current[0]!.length;
  const M = target[0]!.length;
  let total = 0;
  current.forEach((row, i) => {
    for (let j = 0; j < N; j++) {
      const tau = (2 * j + 1) / (2 * N);
      for (let k = 0; k < M; k++) {
        const u = target[i]![k]! - row[j]!;
        const L = Math.abs(u) <= kappa ? (u * u) / 2 : kappa * (Math.abs(u) - kappa / 2);
        total += (Math.abs(tau - (u < 0 ? 1 : 0)) * L) / kappa;
      }
    }
  });
  return total / (current.length * M);
}

const rows = (flat: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, i) => Array.from(flat).slice((i * flat.length) / n, ((i + 1) * flat.length) / n));

describe('quantileHuberLoss', () => {
  it('equals a hand calculation', () => {
    // N = 2: tau = 1/4, 3/4; current [0, 0]; targets [2, -0.5] (u = 2: Huber 1.5; u = -0.5: Huber 0.125)
    // j=0: 0.25 * 1.5 + 0.75 * 0.125 = 0.46875; j=1: 0.75 * 1.5 + 0.25 * 0.125 = 1.15625
    // sum over j = 1.625, mean over the 2 targets: 0.8125
    // gradient: dL/dc_j = -(1/2) sum_k w_jk clip(u_k): j=0: -(0.25 - 0.375)/2 = 0.0625; j=1: -(0.75 - 0.125)/2 = -0.3125
    const d = new Float64Array(2);
    expect(quantileHuberLoss([0, 0], [2, -0.5], 1, d)).toBeCloseTo(0.8125, 15);
    expect(Array.from(d)).toEqual([0.0625, -0.3125]);
  });

  it('matches the paper-definition reference on 300 random cases, value and gradient (central finite differences)', () => {
    const rng = new Rng(11);
    for (let c = 0; c < 300; c++) {
      const n = rng.integer(1, 5);
      const N = rng.integer(1, 13);
      const M = rng.integer(1, 13); // target quantiles need not be as many as the current ones
      // spread over [-4, 4]: both Huber branches and both signs of u occur
      const current = Float64Array.from({ length: n * N }, () => rng.uniform(-2, 2));
      const target = Float64Array.from({ length: n * M }, () => rng.uniform(-2, 2));
      const d = new Float64Array(n * N);
      const loss = quantileHuberLoss(current, target, n, d);
      const ref = referenceLoss(rows(current, n), rows(target, n));
      expect(Math.abs(loss - ref), `case ${c} value`).toBeLessThan(1e-12);
      const h = 1e-6;
      for (let p = 0; p < n * N; p++) {
        const up = Float64Array.from(current);
        const down = Float64Array.from(current);
        up[p] = up[p]! + h;
        down[p] = down[p]! - h;
        const fd = (referenceLoss(rows(up, n), rows(target, n)) - referenceLoss(rows(down, n), rows(target, n))) / (2 * h);
        expect(Math.abs(d[p]! - fd), `case ${c} gradient ${p}`).toBeLessThan(1e-7);
      }
    }
  });

  it("its gradient equals tfjs's autodiff of the reference written in tfjs ops", () => {
    const rng = new Rng(12);
    const [n, N, M] = [4, 6, 6];
    const current = Float32Array.from({ length: n * N }, () => rng.uniform(-3, 3));
    const target = Float32Array.from({ length: n * M }, () => rng.uniform(-3, 3));
    const want = tf.tidy(() => {
      const tau = tf.tensor1d(Array.from({ length: N }, (_, j) => (2 * j + 1) / (2 * N))).reshape([1, N, 1]);
      const t = tf.tensor2d(target, [n, M]);
      const c0 = tf.tensor2d(current, [n, N]);
      const delta = (c: tf.Tensor) => tf.sub(t.reshape([n, 1, M]), c.reshape([n, N, 1])); // u, [n, N, M]
      // |tau - 1{u < 0}| is piecewise constant (sb3-contrib detaches it): a constant here
      const w = tf.abs(tf.sub(tau, tf.cast(tf.less(delta(c0), 0), 'float32')));
      const f = (c: tf.Tensor) => {
        const u = delta(c);
        // L_1(u) = m^2 / 2 + (|u| - m) with m = min(|u|, 1): u^2 / 2 within 1, |u| - 1/2 beyond
        const m = tf.minimum(tf.abs(u), 1);
        const huber = tf.add(tf.mul(tf.square(m), 0.5), tf.sub(tf.abs(u), m));
        return tf.mean(tf.sum(tf.mul(w, huber), 1));
      };
      return tf.grad(f)(c0).dataSync();
    });
    const d = new Float64Array(n * N);
    quantileHuberLoss(current, target, n, d);
    for (let p = 0; p < n * N; p++) expect(Math.abs(d[p]! - want[p]!)).toBeLessThan(1e-6);
  });
});

/** A one-step env: a constant observation; action 0 pays 5, action 1 pays 0 or 12 with even odds (mean 6). */
class TwoArms extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-1, 1, [1]);
  readonly actionSpace = new Discrete(2);
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: Float32Array.of(1), info: {} };
  }
  protected stepEnv(action: number): StepResult<Float32Array> {
    const reward = action === 0 ? 5 : this.rng.uniform() < 0.5 ? 0 : 12;
    return { observation: Float32Array.of(1), reward, terminated: true, truncated: false, info: {} };
  }
}

/** The online network's outputs for one observation, through a QNetwork rebuilt from the agent's spec and weights. */
function outputs(agent: QRDQN, obs: Float32Array): number[] {
  const net = new QNetwork(agent.q.spec, new Rng(0));
  net.params.assign(agent.q.params);
  const out = tf.tidy(() => Array.from(net.q(tf.tensor2d(obs, [1, obs.length])).dataSync()));
  net.dispose();
  return out;
}

type Internals = { targets(s: ReplaySample, nextTarget: ArrayLike<number>): Float64Array; actionValues(out: ArrayLike<number>, n: number): ArrayLike<number> };

describe('QRDQN', () => {
  it("has sb3-contrib 2.3.0's defaults (qrdqn.py QRDQN.__init__, policies.py QRDQNPolicy)", () => {
    expect(QRDQN_DEFAULTS).toEqual({
      learningRate: 5e-5, bufferSize: 1_000_000, learningStarts: 100, batchSize: 32, tau: 1, gamma: 0.99, trainFreq: 4, gradientSteps: 1,
      targetUpdateInterval: 10_000, explorationFraction: 0.005, explorationInitialEps: 1, explorationFinalEps: 0.01, maxGradNorm: null,
      netArch: [64, 64], activation: 'relu', nQuantiles: 200, compute: 'auto',
    });
    const agent = new QRDQN(make('CartPole-v1'), { seed: 0 });
    // 4 -> 64 -> 64 -> 2 x 200 outputs (action-major), as create_mlp(features_dim, action_dim * n_quantiles, [64, 64])
    expect(agent.q.spec).toEqual({ obsSize: 4, nActions: 400, netArch: [64, 64], activation: 'relu', dueling: false });
    expect(agent.q.size).toBe(4 * 64 + 64 + 64 * 64 + 64 + 64 * 400 + 400);
    agent.dispose();
  });

  it('targets are r + (1 - done) gamma Z_target(s\', a*), a* the greedy action by the mean of the target quantiles', () => {
    const agent = new QRDQN(make('CartPole-v1'), { nQuantiles: 2, gamma: 0.5, netArch: [4], seed: 0 });
    const internals = agent as unknown as Internals;
    // row 0: action 0's quantiles [0, 10] (mean 5) beat action 1's [4, 5.5] (mean 4.75), though 5.5 > 0 and
    // action 1 has the larger lower quantile; row 1 is terminal: its targets are the reward alone
    const next = [0, 10, 4, 5.5, 1, 2, 3, 4];
    const s = { rewards: Float32Array.of(1, -2), dones: Float32Array.of(0, 1) } as ReplaySample;
    expect(Array.from(internals.targets(s, next))).toEqual([1 + 0.5 * 0, 1 + 0.5 * 10, -2, -2]);
    expect(Array.from(internals.actionValues(next, 2))).toEqual([5, 4.75, 1.5, 3.5]);
    agent.dispose();
  });

  // the distributional property DQN does not have: on an arm paying 0 or 12 with even odds, the low
  // quantiles settle near 0 and the high ones near 12. With kappa 1 the minimiser of the quantile
  // Huber loss for two atoms 12 apart is tau / (1 - tau) for tau < 1/2 and 12 - (1 - tau) / tau
  // above (set the derivative 0.5 (1 - tau) theta - 0.5 tau to zero): for N = 8 within 1 of the
  // atoms. The greedy arm is 1 (mean 6 > 5); a random network does neither.
  it.each([...sets, 'tfjs'] as ((typeof sets)[number] | 'tfjs')[])('learns the return distribution of a two-armed bandit (%s)', async (compute) => {
    const agent = new QRDQN(new TwoArms(), {
      nQuantiles: 8, learningRate: 1e-2, learningStarts: 100, batchSize: 32, trainFreq: 1, gradientSteps: 1, targetUpdateInterval: 50,
      explorationFraction: 0.5, explorationFinalEps: 0.1, netArch: [16], seed: 3, compute,
    });
    await agent.learn({ totalTimesteps: compute === 'tfjs' ? 1500 : 3000 });
    const out = outputs(agent, Float32Array.of(1));
    const [safe, risky] = [out.slice(0, 8), out.slice(8, 16)];
    for (const q of safe) expect(Math.abs(q - 5)).toBeLessThan(1);
    for (const q of risky.slice(0, 4)) expect(q).toBeLessThan(2);
    for (const q of risky.slice(4)) expect(q).toBeGreaterThan(10);
    expect(agent.predict(Float32Array.of(1), { deterministic: true })).toBe(1);
    agent.dispose();
  }, 60_000);

  // random CartPole lasts about 22 steps; rl-baselines3-zoo's QR-DQN settings (with 64 gradient
  // steps instead of 128 and a 64-64 net, to run in seconds) reach well beyond it in 20,000 steps
  it('learns CartPole clearly better than random on the fastest kernel set, without growing the tensor count', async () => {
    const agent = new QRDQN(make('CartPole-v1'), {
      learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, targetUpdateInterval: 10, trainFreq: 256, gradientSteps: 64,
      explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [64, 64], nQuantiles: 10, seed: 0,
    });
    expect(agent.compute).toBe(sets[0]);
    const before = tf.memory().numTensors;
    const logs: LogRecord[] = [];
    await agent.learn({ totalTimesteps: 20_000, callback: (r) => void logs.push({ ...r }) });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10, seed: 1000 }).mean).toBeGreaterThan(80);
    // SB3's log keys; one update record per training round after learningStarts: 64 gradient steps each
    const last = logs[logs.length - 1]!;
    expect(last['train/learning_rate']).toBe(2.3e-3);
    expect(last['rollout/exploration_rate']).toBe(0.04);
    expect(Number.isFinite(last['train/loss'])).toBe(true);
    expect(last['train/n_updates']).toBe(64 * logs.filter((r) => r['train/n_updates'] !== undefined).length);
    agent.dispose();
  }, 120_000);

  it('takes the same steps on every kernel set as on tfjs: online and target parameters within 1e-5, the same greedy actions', async () => {
    for (const [maxGradNorm, activation] of [[null, 'relu'], [0.5, 'tanh']] as const) {
      const run = async (compute: (typeof sets)[number] | 'tfjs') => {
        const agent = new QRDQN(make('CartPole-v1'), {
          learningStarts: 64, trainFreq: 16, gradientSteps: 4, batchSize: 30, targetUpdateInterval: 8, tau: 0.5, netArch: [37, 19], activation,
          nQuantiles: 7, learningRate: 1e-3, maxGradNorm, seed: 9, compute,
        });
        expect(agent.compute).toBe(compute);
        const initial = Array.from(agent.q.params.dataSync());
        await agent.learn({ totalTimesteps: 400 });
        const rng = new Rng(78);
        const actions = Array.from({ length: 20 }, () => agent.predict(Float32Array.from({ length: 4 }, () => rng.uniform(-2, 2)), { deterministic: true }));
        const res = { initial, params: Array.from(agent.q.params.dataSync()), target: Array.from(agent.q.target.dataSync()), actions };
        agent.dispose();
        return res;
      };
      const ref = await run('tfjs');
      const moved = Math.max(...ref.params.map((v, i) => Math.abs(v - ref.initial[i]!)));
      expect(moved).toBeGreaterThan(5e-4);
      for (const set of sets) {
        const k = await run(set);
        expect(k.initial).toEqual(ref.initial);
        const diff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
        expect(diff(k.params, ref.params), `${set}, maxGradNorm ${maxGradNorm}`).toBeLessThan(1e-5);
        expect(diff(k.target, ref.target), `${set} target`).toBeLessThan(1e-5);
        expect(k.actions, set).toEqual(ref.actions);
      }
    }
  }, 120_000);

  // Train A for 600 + 600 steps without stopping; B for 600, save, load into C on B's live env,
  // 600 more: C must end with A's weights, target, replay buffer and epsilon, bit for bit.
  it.each(['tfjs', ...sets] as const)('training resumed after load matches training that never stopped, step for step (%s)', async (compute) => {
    const vec = () => new SyncVectorEnv([() => make('CartPole-v1'), () => make('CartPole-v1')], { autoresetMode: 'same-step' });
    const opts = { learningStarts: 200, trainFreq: 16, gradientSteps: 4, targetUpdateInterval: 50, batchSize: 16, netArch: [16], nQuantiles: 5, explorationFraction: 0.5, seed: 4, compute } as const;
    const a = new QRDQN(vec(), opts);
    await a.learn({ totalTimesteps: 600 });
    await a.learn({ totalTimesteps: 600 });
    const envB = vec();
    const b = new QRDQN(envB, opts);
    await b.learn({ totalTimesteps: 600 });
    const dir = join(root, `resume-${compute}`);
    await b.save(dir);
    const before = tf.memory().numTensors;
    const c = await QRDQN.load(dir, envB);
    expect(tf.memory().numTensors - before).toBe(4); // params, target, Adam m and v: nothing else survives load
    expect(c.config).toEqual(b.config);
    expect(c.config.maxGradNorm).toBeNull(); // a null option survives the save
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

  it('refuses to load a DQN checkpoint, and DQN refuses a QR-DQN one', async () => {
    const agent = new QRDQN(make('CartPole-v1'), { nQuantiles: 3, netArch: [8], seed: 0 });
    const dir = join(root, 'kind');
    await agent.save(dir);
    await expect(DQN.load(dir, make('CartPole-v1'))).rejects.toThrow(InvalidArgumentError);
    agent.dispose();
    const dqn = new DQN(make('CartPole-v1'), { netArch: [8], seed: 0 });
    await dqn.save(join(root, 'kind-dqn'));
    await expect(QRDQN.load(join(root, 'kind-dqn'), make('CartPole-v1'))).rejects.toThrow(InvalidArgumentError);
    dqn.dispose();
  });

  it.each(['tfjs', ...sets] as const)('one seed gives the same weights and the same actions, bit for bit (%s)', async (compute) => {
    const run = async () => {
      const agent = new QRDQN(make('CartPole-v1'), { learningStarts: 100, trainFreq: 8, gradientSteps: 2, batchSize: 16, netArch: [16], nQuantiles: 4, seed: 21, compute });
      await agent.learn({ totalTimesteps: 500 });
      const out = { params: Array.from(agent.q.params.dataSync()), actions: Array.from(agent.replayBuffer.actions.subarray(0, 500)) };
      agent.dispose();
      return out;
    };
    const [x, y] = [await run(), await run()];
    expect(x.params).toEqual(y.params);
    expect(x.actions).toEqual(y.actions);
  }, 60_000);

  it('trains on tfjs with a featuresExtractor, keeping the tensor count flat', async () => {
    const factory = (_space: Box, seed: number) =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
    const agent = new QRDQN(make('CartPole-v1'), { learningStarts: 32, batchSize: 16, trainFreq: 4, gradientSteps: 2, netArch: [8], nQuantiles: 5, featuresExtractor: factory, seed: 2 });
    expect(agent.compute).toBe('tfjs');
    const model = agent.q.featuresExtractor as tf.LayersModel;
    const w0 = Array.from(model.getWeights()[0]!.dataSync());
    const before = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 200 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(model.getWeights()[0]!.dataSync())).not.toEqual(w0); // the extractor trains with the head
    agent.dispose();
  });

  it('predicts within the action mask', () => {
    const agent = new QRDQN(make('CartPole-v1'), { nQuantiles: 3, seed: 0 });
    const obs = new Float32Array(4);
    expect(agent.predict(obs, { deterministic: true, actionMask: [0, 1] })).toBe(1);
    expect(agent.predict(obs, { deterministic: true, actionMask: [1, 0] })).toBe(0);
    for (let i = 0; i < 20; i++) expect(agent.predict(obs, { actionMask: [0, 1] })).toBe(1); // epsilon 1: random among the allowed
    expect(() => agent.predict(obs, { actionMask: [0, 0] })).toThrow(/actionMask must be allowing at least one action, got \[0,0\]/);
    agent.dispose();
  });

  it.each([
    [() => new QRDQN(make('Pendulum-v1') as never), /^env action space must be Discrete for QR-DQN, got Box/],
    [() => new QRDQN(make('CartPole-v1'), { nQuantiles: 0 }), /^nQuantiles must be an integer >= 1, got 0$/],
    [() => new QRDQN(make('CartPole-v1'), { nQuantiles: 2.5 }), /^nQuantiles must be an integer >= 1, got 2\.5$/],
    [() => new QRDQN(make('CartPole-v1'), { nQuantiles: '8' as never }), /^nQuantiles must be an integer >= 1, got "8"$/],
    [() => new QRDQN(make('CartPole-v1'), { maxGradNorm: 0 }), /^maxGradNorm must be a number > 0, got 0$/],
    [() => new QRDQN(make('CartPole-v1'), { gamma: 1.5 }), /^gamma must be a number in \[0, 1\], got 1\.5$/],
    [() => new QRDQN(make('CartPole-v1'), { dueling: true } as never), /^options\.dueling is not a known option/],
    [() => new QRDQN(make('CartPole-v1'), { nQuantiles: null } as never), /^options\.nQuantiles must be a value, or left out for the default, got null$/],
    [() => new DQN(make('CartPole-v1'), { maxGradNorm: null } as never), /^options\.maxGradNorm must be a value, or left out for the default, got null$/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('a constructor that throws leaves no tensors behind (the extractor built, then a bad netArch)', () => {
    const factory = (_space: Box, seed: number) => tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
    const before = tf.memory().numTensors;
    expect(() => new QRDQN(make('CartPole-v1'), { featuresExtractor: factory, netArch: [8, 0] })).toThrow(/netArch\[1\] must be an integer >= 1, got 0/);
    expect(() => new QRDQN(make('CartPole-v1'), { nQuantiles: -1 })).toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

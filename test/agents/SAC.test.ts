import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SquashedGaussian } from '../../src/agents/common/distributions.js';
import { DQN, kernelSets, SAC, SAC_DEFAULTS, useBackend, type LogRecord } from '../../src/agents/index.js';
import { entCoefLoss, sacActorLoss, sacCriticLoss, sacTargets } from '../../src/agents/sac/SAC.js';
import { Box, Env, InvalidArgumentError, make, MarketData, Rng, SyncVectorEnv, TradingEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-sac-'));
const sets = kernelSets()
  .filter((s) => s.available)
  .map((s) => s.name);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] as number))));

/**
 * log pi(a) of the squashed Gaussian from its definition: the density of a = tanh(u), u ~ N(mu, sigma), by the change of
 * variables p_a(a) = p_u(atanh a) / |d tanh(u) / du| = N(atanh a; mu, sigma) / (1 - a^2); SB3 adds 1e-6 inside the log of
 * the Jacobian. sigma = exp(clamp(logStd, -20, 2)). Float64, one dimension at a time, summed.
 */
function referenceLogProb(mu: number[], logStd: number[], a: number[]): number {
  let lp = 0;
  a.forEach((ai, c) => {
    const ls = Math.min(2, Math.max(-20, logStd[c]!));
    const sigma = Math.exp(ls);
    const u = Math.atanh(ai);
    const normal = Math.exp(-0.5 * ((u - mu[c]!) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
    lp += Math.log(normal) - Math.log(1 - ai * ai + 1e-6);
  });
  return lp;
}

describe('SquashedGaussian', () => {
  it("matches the change-of-variables reference on 500 random cases (a sample's log-probability, and logProb of the action)", () => {
    const rng = new Rng(5);
    for (let c = 0; c < 500; c++) {
      const k = rng.integer(1, 4);
      const dist = new SquashedGaussian(k);
      const p = Array.from({ length: 2 * k }, (_, i) => (i < k ? rng.uniform(-2, 2) : rng.uniform(-3, 1)));
      const a = new Float64Array(k);
      const z = new Float64Array(k);
      const lp = dist.sample(p, 0, rng, a, 0, z, 0);
      const ref = referenceLogProb(p.slice(0, k), p.slice(k), Array.from(a));
      expect(Math.abs(lp - ref), `case ${c}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(ref)));
      expect(Math.abs(dist.logProb(p, 0, a, 0) - ref), `case ${c} logProb`).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref)));
      // the action is tanh(mu + sigma z)
      for (let d = 0; d < k; d++) expect(a[d]).toBeCloseTo(Math.tanh(p[d]! + Math.exp(p[k + d]!) * z[d]!), 12);
    }
  });

  it('is a density on (-1, 1): exp(log pi) integrates to 1 (the 1e-6 costs < 1e-3), and its mode is tanh(mu)', () => {
    const dist = new SquashedGaussian(1);
    for (const [mu, logStd] of [[0, 0], [0.7, -1], [-1.5, 0.3]] as const) {
      // midpoint rule in u = atanh(a) (da = (1 - a^2) du): the integrand is smooth there
      let total = 0;
      const h = 1e-3;
      for (let u = -12; u < 12; u += h) {
        const a = Math.tanh(u + h / 2);
        if (Math.abs(a) < 1) total += Math.exp(dist.logProb([mu, logStd], 0, [a], 0)) * (1 - a * a) * h;
      }
      expect(Math.abs(total - 1)).toBeLessThan(1e-3);
      const m = [0];
      dist.mode([mu, logStd], 0, m, 0);
      expect(m[0]).toBe(Math.tanh(mu));
    }
  });

  it('clamps the log std to [-20, 2] as SB3: 5 and 2 give the same law, and no gradient reaches a clamped one', () => {
    const dist = new SquashedGaussian(1);
    expect(dist.logProb([0.3, 5], 0, [0.2], 0)).toBe(dist.logProb([0.3, 2], 0, [0.2], 0));
    expect(dist.logProb([0.3, -25], 0, [0.3], 0)).toBe(dist.logProb([0.3, -20], 0, [0.3], 0));
    const g = [0, 0];
    dist.addReparamGrad([0.3, 5], 0, [0.4], 0, 1, [2], 0, g, 0);
    expect(g[1]).toBe(0);
    expect(g[0]).not.toBe(0);
  });

  it('addReparamGrad equals central finite differences of s log pi + dA . a through the reparameterised action (300 cases)', () => {
    const rng = new Rng(6);
    for (let c = 0; c < 300; c++) {
      const k = rng.integer(1, 4);
      const dist = new SquashedGaussian(k);
      const p = Array.from({ length: 2 * k }, (_, i) => (i < k ? rng.uniform(-1.5, 1.5) : rng.uniform(-2, 1)));
      const z = Array.from({ length: k }, () => rng.normal());
      const s = rng.uniform(-2, 2);
      const dA = Array.from({ length: k }, () => rng.uniform(-2, 2));
      // the reference: the objective from the definition (u = mu + sigma z, a = tanh u, log pi by change of variables)
      const f = (q: number[]) => {
        const a = z.map((zc, d) => Math.tanh(q[d]! + Math.exp(q[k + d]!) * zc));
        return s * referenceLogProb(q.slice(0, k), q.slice(k), a) + a.reduce((acc, ad, d) => acc + dA[d]! * ad, 0);
      };
      const g = new Float64Array(2 * k);
      dist.addReparamGrad(p, 0, z, 0, s, dA, 0, g, 0);
      const h = 1e-6;
      for (let i = 0; i < 2 * k; i++) {
        const up = [...p];
        const down = [...p];
        up[i]! += h;
        down[i]! -= h;
        const fd = (f(up) - f(down)) / (2 * h);
        expect(Math.abs(g[i]! - fd), `case ${c} parameter ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it("its gradient equals tfjs's autodiff of the same objective written in tfjs ops", () => {
    const rng = new Rng(7);
    const [n, k] = [5, 3];
    const dist = new SquashedGaussian(k);
    const p = Float32Array.from({ length: n * 2 * k }, (_, i) => (i % (2 * k) < k ? rng.uniform(-1, 1) : rng.uniform(-2, 0.5)));
    const z = Float32Array.from({ length: n * k }, () => rng.normal());
    const dA = Float32Array.from({ length: n * k }, () => rng.uniform(-1, 1));
    const want = tf.tidy(() => {
      const f = (x: tf.Tensor) => {
        const [mu, logStd] = tf.split(x.reshape([n, 2 * k]), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        const ls = tf.clipByValue(logStd, -20, 2);
        const zt = tf.tensor2d(z, [n, k]);
        const u = tf.add(mu, tf.mul(tf.exp(ls), zt));
        const a = tf.tanh(u);
        // log N(u; mu, sigma) - log(1 - a^2 + 1e-6), summed over the dimensions and the rows
        const logp = tf.sub(tf.sub(tf.mul(tf.square(zt), -0.5), tf.add(ls, 0.5 * Math.log(2 * Math.PI))), tf.log(tf.add(tf.sub(1, tf.square(a)), 1e-6)));
        return tf.add(tf.sum(logp), tf.sum(tf.mul(a, tf.tensor2d(dA, [n, k]))));
      };
      return tf.grad(f)(tf.tensor1d(p)).dataSync();
    });
    const g = new Float64Array(n * 2 * k);
    for (let i = 0; i < n; i++) dist.addReparamGrad(p, i * 2 * k, z, i * k, 1, dA, i * k, g, i * 2 * k);
    expect(maxDiff(g, want)).toBeLessThan(1e-4);
  });
});

describe('SAC losses (Haarnoja et al. 2018; SB3 2.3.2 sac.py train)', () => {
  it('the soft targets: a hand calculation', () => {
    // row 0: min(3, 2) - 0.5 * (-1) = 2.5, y = 1 + 0.9 * 2.5 = 3.25; row 1 terminated: y = r = -1
    expect(Array.from(sacTargets([1, -1], [0, 1], [3, 7], [2, 8], [-1, 4], 0.5, 0.9))).toEqual([3.25, -1]);
  });

  it('critic, actor and entropy-coefficient losses and their gradients equal references from the definitions (200 random batches)', () => {
    const rng = new Rng(8);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // SB3: critic_loss = 0.5 * sum_j mse(Q_j, y); actor_loss = mean(alpha log pi - min(Q1, Q2)); ent_coef_loss = -mean(log alpha (log pi + H))
    const critic = (q1: number[], q2: number[], y: number[]) => 0.5 * (mean(q1.map((q, i) => (q - y[i]!) ** 2)) + mean(q2.map((q, i) => (q - y[i]!) ** 2)));
    const actor = (lp: number[], q1: number[], q2: number[], alpha: number) => mean(lp.map((l, i) => alpha * l - Math.min(q1[i]!, q2[i]!)));
    const ent = (logAlpha: number, lp: number[], target: number) => -mean(lp.map((l) => logAlpha * (l + target)));
    const fd = (f: (x: number[]) => number, x: number[], i: number) => {
      const h = 1e-6;
      const [up, down] = [[...x], [...x]];
      up[i]! += h;
      down[i]! -= h;
      return (f(up) - f(down)) / (2 * h);
    };
    for (let c = 0; c < 200; c++) {
      const n = rng.integer(1, 9);
      const draw = () => Array.from({ length: n }, () => rng.uniform(-5, 5));
      const [q1, q2, y, lp] = [draw(), draw(), draw(), draw()];
      const alpha = rng.uniform(0, 2);
      const [d1, d2] = [new Float64Array(n), new Float64Array(n)];
      expect(Math.abs(sacCriticLoss(q1, q2, y, d1, d2) - critic(q1, q2, y))).toBeLessThan(1e-12);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(d1[i]! - fd((x) => critic(x, q2, y), q1, i))).toBeLessThan(1e-6);
        expect(Math.abs(d2[i]! - fd((x) => critic(q1, x, y), q2, i))).toBeLessThan(1e-6);
      }
      const [dl, a1, a2] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      expect(Math.abs(sacActorLoss(lp, q1, q2, alpha, dl, a1, a2) - actor(lp, q1, q2, alpha))).toBeLessThan(1e-12);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(dl[i]! - fd((x) => actor(x, q1, q2, alpha), lp, i))).toBeLessThan(1e-6);
        expect(Math.abs(a1[i]! - fd((x) => actor(lp, x, q2, alpha), q1, i))).toBeLessThan(1e-6);
        expect(Math.abs(a2[i]! - fd((x) => actor(lp, q1, x, alpha), q2, i))).toBeLessThan(1e-6);
      }
      const logAlpha = rng.uniform(-3, 1);
      const target = -rng.integer(1, 4);
      const e = entCoefLoss(logAlpha, lp, target);
      expect(Math.abs(e.loss - ent(logAlpha, lp, target))).toBeLessThan(1e-12);
      expect(Math.abs(e.grad - fd(([x]) => ent(x!, lp, target), [logAlpha], 0))).toBeLessThan(1e-6);
    }
  });
});

/** A one-step continuous bandit: a constant observation, actions in [0, 4], reward -(x - 3)^2 (best action 3). */
class Bandit extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-1, 1, [1]);
  readonly actionSpace = new Box(0, 4, [1]);
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: Float32Array.of(1), info: {} };
  }
  protected stepEnv(action: Float32Array): StepResult<Float32Array> {
    return { observation: Float32Array.of(1), reward: -(((action[0] as number) - 3) ** 2), terminated: true, truncated: false, info: {} };
  }
}

/** The actor's head outputs (means, then log stds) for one observation, by a plain MLP over the flat parameters in the test. */
function actorHeads(agent: SAC, obs: number[]): number[] {
  const theta = agent.policy.actor.dataSync();
  const { netArch, actionSize } = agent.policy.spec;
  let h = obs;
  let at = 0;
  [...netArch, 2 * actionSize].forEach((out, l) => {
    const inSize = h.length;
    const next = Array.from({ length: out }, (_, j) => {
      let z = theta[at + inSize * out + j]!; // the bias follows the [in, out] weight
      for (let i = 0; i < inSize; i++) z += h[i]! * theta[at + i * out + j]!;
      return l < netArch.length ? Math.max(0, z) : z; // ReLU on hidden layers
    });
    at += inSize * out + out;
    h = next;
  });
  return h;
}

describe('SAC', () => {
  it("has Stable-Baselines3 2.3.2's defaults (sac.py SAC.__init__, policies.py SACPolicy) and its network shapes", () => {
    expect(SAC_DEFAULTS).toEqual({
      learningRate: 3e-4, bufferSize: 1_000_000, learningStarts: 100, batchSize: 256, tau: 0.005, gamma: 0.99, trainFreq: 1, gradientSteps: 1,
      targetUpdateInterval: 1, entCoef: 'auto', targetEntropy: 'auto', netArch: [256, 256], activation: 'relu', compute: 'auto',
    });
    const agent = new SAC(make('Pendulum-v1'), { seed: 0 });
    expect(agent.policy.spec).toEqual({ obsSize: 3, actionSize: 1, netArch: [256, 256], activation: 'relu' });
    // actor 3 -> 256 -> 256 -> (mu, log std); two critics (3 + 1) -> 256 -> 256 -> 1
    expect(agent.policy.actor.size).toBe(3 * 256 + 256 + 256 * 256 + 256 + 256 * 2 + 2);
    expect(agent.policy.critic.size).toBe(2 * (4 * 256 + 256 + 256 * 256 + 256 + 256 + 1));
    expect(Array.from(agent.policy.criticTarget.dataSync())).toEqual(Array.from(agent.policy.critic.dataSync()));
    expect(agent.entCoef).toBe(1);
    expect(agent.targetEntropy).toBe(-1);
    agent.dispose();
    const fixed = new SAC(make('Pendulum-v1'), { entCoef: 'auto_0.1', targetEntropy: -3, netArch: [8], seed: 0 });
    expect(fixed.entCoef).toBeCloseTo(0.1, 7);
    expect(fixed.targetEntropy).toBe(-3);
    fixed.dispose();
  });

  it('predict: the squashed mean rescaled to the bounds when deterministic, samples within them otherwise', () => {
    const agent = new SAC(new Bandit(), { netArch: [8, 8], seed: 3 });
    const [mu] = actorHeads(agent, [1]);
    const x = agent.predict(Float32Array.of(1), { deterministic: true });
    expect(x).toBeInstanceOf(Float32Array);
    // low + (tanh(mu) + 1) (high - low) / 2 with [0, 4]
    expect(x[0]).toBeCloseTo(2 * (Math.tanh(mu!) + 1), 5);
    const draws = Array.from({ length: 200 }, () => agent.predict(Float32Array.of(1))[0]!);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(4);
    expect(new Set(draws).size).toBeGreaterThan(150);
    expect(() => agent.predict(Float32Array.of(1), { actionMask: [1] })).toThrow(/^options\.actionMask must be left out/);
    agent.dispose();
  });

  it('collects uniformly from the Box before learningStarts, scaled to [-1, 1] in the buffer', async () => {
    const agent = new SAC(new Bandit(), { learningStarts: 400, bufferSize: 400, batchSize: 8, netArch: [4], seed: 1 });
    await agent.learn({ totalTimesteps: 400 });
    const a = Array.from(agent.replayBuffer.actions.subarray(0, 400));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    // U(-1, 1): mean 0 (sd 0.577 / sqrt(400) = 0.029), variance 1/3
    expect(Math.abs(a.reduce((s, v) => s + v, 0) / 400)).toBeLessThan(0.12);
    expect(Math.abs(a.reduce((s, v) => s + v * v, 0) / 400 - 1 / 3)).toBeLessThan(0.06);
    // the stored reward is the env's at the rescaled action: x = 2 (a + 1)
    for (let i = 0; i < 20; i++) expect(agent.replayBuffer.rewards[i]).toBeCloseTo(-((2 * (a[i]! + 1) - 3) ** 2), 4);
    agent.dispose();
  });

  // the best action is 3; a uniformly random policy scores -E(x - 3)^2 = -(16/12 + 1) = -2.33 and a random network's mean
  // is anywhere in [0, 4]
  it('learns the best action of a continuous bandit, logging SB3\'s keys, without growing the tensor count', async () => {
    const agent = new SAC(new Bandit(), { learningStarts: 100, batchSize: 64, learningRate: 3e-3, netArch: [32, 32], seed: 2 });
    expect(agent.compute).toBe(sets[0]);
    const before = tf.memory().numTensors;
    const logs: LogRecord[] = [];
    await agent.learn({ totalTimesteps: 1500, callback: (r) => void logs.push({ ...r }) });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(agent.predict(Float32Array.of(1), { deterministic: true })[0]! - 3)).toBeLessThan(0.25);
    const last = logs[logs.length - 1]!;
    for (const key of ['train/actor_loss', 'train/critic_loss', 'train/ent_coef', 'train/ent_coef_loss', 'train/learning_rate']) expect(Number.isFinite(last[key]), key).toBe(true);
    expect(last['train/n_updates']).toBe(1500 - 100);
    expect(last['train/ent_coef']).toBeLessThan(1); // alpha fell from 1 as the entropy target -1 was exceeded
    agent.dispose();
  }, 60_000);

  // TradingEnv's 'continuous' scheme, long-only: a target position in [0, 1]. On bars that rise
  // 2% every bar (no fee; reward = the step's return, 0.02 x the position held), holding 1 earns
  // the most and 0 nothing; an untrained actor's deterministic target is near the middle, 0.5
  // (tanh of a mean near 0). After 1,500 steps it had only reached 0.59: the reward of a
  // next-open fill arrives a step after the decision
  it("trades TradingEnv's continuous scheme: learns to hold the whole position on rising bars", async () => {
    const n = 400;
    const close = Array.from({ length: n }, (_, t) => 100 * 1.02 ** t);
    const data = new MarketData({ timeframe: '1h', timestamps: close.map((_, t) => t * 3_600_000), open: close, high: close, low: close, close, volume: close.map(() => 1) });
    const env = new TradingEnv({ data, windowSize: 4, actionScheme: 'continuous', longOnly: true, fee: 0, episodeLength: 100 });
    expect(env.actionSpace).toBeInstanceOf(Box);
    const agent = new SAC(env, { learningStarts: 100, batchSize: 64, learningRate: 3e-3, netArch: [32, 32], seed: 1 });
    const obs = env.reset({ seed: 0 }).observation;
    await agent.learn({ totalTimesteps: 5000 });
    const target = agent.predict(obs, { deterministic: true })[0]!;
    expect(target).toBeGreaterThan(0.8);
    expect(target).toBeLessThanOrEqual(1);
    for (let i = 0; i < 50; i++) {
      const sample = agent.predict(obs)[0]!;
      expect(sample >= 0 && sample <= 1).toBe(true); // within the Box, sampled or not
    }
    agent.dispose();
  }, 60_000);

  it('takes the same steps on every kernel set as on tfjs: actor, critics, targets and alpha within 1e-5', async () => {
    for (const [entCoef, activation, targetUpdateInterval] of [['auto', 'relu', 1], [0.2, 'tanh', 2]] as const) {
      const run = async (compute: (typeof sets)[number] | 'tfjs') => {
        const agent = new SAC(make('Pendulum-v1'), {
          learningStarts: 64, trainFreq: 8, gradientSteps: 3, batchSize: 30, netArch: [19, 13], activation, learningRate: 1e-3, tau: 0.3, entCoef,
          targetUpdateInterval, seed: 9, compute,
        });
        expect(agent.compute).toBe(compute);
        const initial = Array.from(agent.policy.actor.dataSync());
        await agent.learn({ totalTimesteps: 300 });
        const res = {
          initial,
          actor: Array.from(agent.policy.actor.dataSync()),
          critic: Array.from(agent.policy.critic.dataSync()),
          target: Array.from(agent.policy.criticTarget.dataSync()),
          alpha: agent.entCoef,
        };
        agent.dispose();
        return res;
      };
      const ref = await run('tfjs');
      expect(maxDiff(ref.actor, ref.initial)).toBeGreaterThan(1e-3);
      for (const set of sets) {
        const k = await run(set);
        expect(k.initial).toEqual(ref.initial);
        expect(maxDiff(k.actor, ref.actor), `${set} actor`).toBeLessThan(1e-5);
        expect(maxDiff(k.critic, ref.critic), `${set} critic`).toBeLessThan(1e-5);
        expect(maxDiff(k.target, ref.target), `${set} target`).toBeLessThan(1e-5);
        expect(Math.abs(k.alpha - ref.alpha), `${set} alpha`).toBeLessThan(1e-5);
      }
    }
  }, 120_000);

  // Train A for 300 + 300 steps without stopping; B for 300, save, load into C on B's live env,
  // 300 more: C must end with A's networks, alpha and replay buffer, bit for bit.
  it.each(['tfjs', ...sets] as const)('training resumed after load matches training that never stopped, step for step, on a vector env (%s)', async (compute) => {
    const vec = () => new SyncVectorEnv([() => make('Pendulum-v1'), () => make('Pendulum-v1')]);
    const opts = { learningStarts: 100, trainFreq: 4, gradientSteps: 2, batchSize: 16, netArch: [16], seed: 4, compute } as const;
    const a = new SAC(vec(), opts);
    await a.learn({ totalTimesteps: 300 });
    await a.learn({ totalTimesteps: 300 });
    const envB = vec();
    const b = new SAC(envB, opts);
    await b.learn({ totalTimesteps: 300 });
    const dir = join(root, `resume-${compute}`);
    await b.save(dir);
    const before = tf.memory().numTensors;
    const c = await SAC.load(dir, envB);
    // actor, critic, target, log alpha and three Adams' m and v: nothing else survives load
    expect(tf.memory().numTensors - before).toBe(10);
    expect(c.config).toEqual(b.config);
    for (let i = 0; i < 5; i++) {
      const obs = Float32Array.from({ length: 3 }, (_, k) => Math.cos(i * 3 + k));
      expect(c.predict(obs, { deterministic: true })).toEqual(b.predict(obs, { deterministic: true }));
    }
    b.dispose();
    await c.learn({ totalTimesteps: 300 });
    expect(Array.from(c.policy.actor.dataSync())).toEqual(Array.from(a.policy.actor.dataSync()));
    expect(Array.from(c.policy.critic.dataSync())).toEqual(Array.from(a.policy.critic.dataSync()));
    expect(Array.from(c.policy.criticTarget.dataSync())).toEqual(Array.from(a.policy.criticTarget.dataSync()));
    expect(c.entCoef).toBe(a.entCoef);
    expect(Array.from(c.replayBuffer.actions.subarray(0, 1200))).toEqual(Array.from(a.replayBuffer.actions.subarray(0, 1200)));
    expect(c.numTimesteps).toBe(a.numTimesteps);
    a.dispose();
    c.dispose();
  }, 120_000);

  it('refuses a checkpoint of another algorithm, and a fixed entCoef over a learned one', async () => {
    const agent = new SAC(make('Pendulum-v1'), { netArch: [8], seed: 0 });
    const dir = join(root, 'kind');
    await agent.save(dir);
    await expect(DQN.load(dir, make('CartPole-v1'))).rejects.toThrow(/holds a SAC agent/);
    const before = tf.memory().numTensors;
    await expect(SAC.load(dir, make('Pendulum-v1'), { entCoef: 0.1 })).rejects.toThrow(/^entCoef must be 'auto' as saved/);
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });

  it.each(['tfjs', ...sets] as const)('one seed gives the same weights and the same actions, bit for bit (%s)', async (compute) => {
    const run = async () => {
      const agent = new SAC(make('Pendulum-v1'), { learningStarts: 100, trainFreq: 8, gradientSteps: 2, batchSize: 16, netArch: [16], seed: 21, compute });
      await agent.learn({ totalTimesteps: 400 });
      const out = { actor: Array.from(agent.policy.actor.dataSync()), actions: Array.from(agent.replayBuffer.actions.subarray(0, 400)) };
      agent.dispose();
      return out;
    };
    const [x, y] = [await run(), await run()];
    expect(x.actor).toEqual(y.actor);
    expect(x.actions).toEqual(y.actions);
  }, 60_000);

  it('trains on tfjs with a featuresExtractor (trained by the critics), keeping the tensor count flat', async () => {
    const factory = (_space: Box, seed: number) =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
    const agent = new SAC(make('Pendulum-v1'), { learningStarts: 32, batchSize: 16, trainFreq: 4, gradientSteps: 2, netArch: [8], featuresExtractor: factory, seed: 2 });
    expect(agent.compute).toBe('tfjs');
    const model = agent.policy.featuresExtractor as tf.LayersModel;
    const w0 = Array.from(model.getWeights()[0]!.dataSync());
    const before = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 200 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(model.getWeights()[0]!.dataSync())).not.toEqual(w0);
    const dir = join(root, 'extractor');
    await agent.save(dir);
    const again = await SAC.load(dir, make('Pendulum-v1'));
    const obs = Float32Array.of(0.5, -0.5, 1);
    expect(again.predict(obs, { deterministic: true })).toEqual(agent.predict(obs, { deterministic: true }));
    again.dispose();
    agent.dispose();
  });

  it.each([
    [() => new SAC(make('CartPole-v1') as never), /^env action space must be a Box for SAC, got Discrete\(2\)/],
    [() => new SAC(new Bandit(), { entCoef: 'auto_0' }), /^entCoef must be a finite number >= 0, 'auto' or 'auto_<initial value > 0>', got "auto_0"$/],
    [() => new SAC(new Bandit(), { entCoef: -0.1 }), /^entCoef must be a finite number >= 0, 'auto' or 'auto_<initial value>', got -0\.1$/],
    [() => new SAC(new Bandit(), { entCoef: 'automatic' as never }), /^entCoef must be .*, got "automatic"$/],
    [() => new SAC(new Bandit(), { targetEntropy: 'max' as never }), /^targetEntropy must be a finite number, got "max"$/],
    [() => new SAC(new Bandit(), { tau: 0 }), /^tau must be a number in \(0, 1\], got 0$/],
    [() => new SAC(new Bandit(), { batchSize: 300, bufferSize: 100 }), /^batchSize must be <= bufferSize \(100\), got 300$/],
    [() => new SAC(new Bandit(), { explorationFraction: 0.1 } as never), /^options\.explorationFraction is not a known option/],
    [() => new SAC(new Bandit(), { entCoef: null } as never), /^options\.entCoef must be a value, or left out for the default, got null$/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('refuses an action space with an infinite bound, naming the bounds', () => {
    class Unbounded extends Bandit {
      override readonly actionSpace = new Box(-Infinity, 4, [1]);
    }
    expect(() => new SAC(new Unbounded())).toThrow(InvalidArgumentError);
    expect(() => new SAC(new Unbounded())).toThrow(/^env action space bounds must be finite .*, got "low -Infinity, high 4 at index 0/);
  });

  it('a constructor that throws leaves no tensors behind (the extractor built, then a bad netArch)', () => {
    const factory = (_space: Box, seed: number) => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
    const before = tf.memory().numTensors;
    expect(() => new SAC(make('Pendulum-v1'), { featuresExtractor: factory, netArch: [8, 0] })).toThrow(/netArch\[1\] must be an integer >= 1, got 0/);
    expect(() => new SAC(make('Pendulum-v1'), { gamma: 2 })).toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a Discrete env still gets a discrete replay buffer view from DQN (Int32Array of indices)', async () => {
    const agent = new DQN(make('CartPole-v1'), { learningStarts: 50, netArch: [8], seed: 0 });
    await agent.learn({ totalTimesteps: 60 });
    expect(agent.replayBuffer.actions).toBeInstanceOf(Int32Array);
    expect(agent.replayBuffer.size).toBe(60);
    agent.dispose();
  });
});

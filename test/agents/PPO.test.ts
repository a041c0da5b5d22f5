import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicy, linearSchedule, PPO, PPO_DEFAULTS, useBackend } from '../../src/agents/index.js';
import { Box, Env, InvalidArgumentError, make, MultiBinary, MultiDiscrete, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const cartpoles = (n: number) => new SyncVectorEnv(Array.from({ length: n }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
const zoo = { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0, learningRate: linearSchedule(1e-3), clipRange: linearSchedule(0.2) } as const;

describe('PPO', () => {
  it("has Stable-Baselines3's defaults", () => {
    expect(PPO_DEFAULTS).toMatchObject({ learningRate: 3e-4, nSteps: 2048, batchSize: 64, nEpochs: 10, gamma: 0.99, gaeLambda: 0.95, clipRange: 0.2, clipRangeVf: null, normalizeAdvantage: true, entCoef: 0, vfCoef: 0.5, maxGradNorm: 0.5, targetKl: null });
    expect(PPO_DEFAULTS.netArch).toEqual({ pi: [64, 64], vf: [64, 64] });
  });

  // a random CartPole policy lasts about 22 steps; after 25,000 steps with the zoo settings the
  // deterministic policy must clearly beat it
  it('learns CartPole clearly better than a random policy, and the tensor count does not grow', async () => {
    const agent = new PPO(cartpoles(8), { ...zoo, seed: 1 });
    const before = tf.memory().numTensors;
    const logs: Record<string, number>[] = [];
    await agent.learn({ totalTimesteps: 25_000, callback: (r) => void logs.push({ ...r }) });
    expect(tf.memory().numTensors).toBe(before);
    const { mean } = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10 });
    expect(mean).toBeGreaterThan(150);
    const last = logs[logs.length - 1]!;
    for (const key of ['train/approx_kl', 'train/clip_fraction', 'train/entropy_loss', 'train/value_loss', 'train/policy_gradient_loss', 'train/explained_variance', 'rollout/ep_rew_mean', 'time/fps']) {
      expect(key in last).toBe(true);
    }
    agent.dispose();
  }, 120_000);

  it('is deterministic: one seed, the same weights after learning, bit for bit', async () => {
    const run = async () => {
      const agent = new PPO(cartpoles(2), { nSteps: 64, batchSize: 32, nEpochs: 2, seed: 7 });
      await agent.learn({ totalTimesteps: 256 });
      const w = Array.from(agent.policy.params.dataSync());
      agent.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  }, 60_000);

  it('handles Box actions (Pendulum): Gaussian policy, actions clipped to the bounds', async () => {
    const agent = new PPO(make('Pendulum-v1'), { nSteps: 128, batchSize: 64, nEpochs: 1, seed: 0 });
    await agent.learn({ totalTimesteps: 256 });
    for (let i = 0; i < 20; i++) {
      const a = agent.predict(Float32Array.of(1, 0, 0)) as Float32Array;
      expect(a).toBeInstanceOf(Float32Array);
      expect(Math.abs(a[0]!)).toBeLessThanOrEqual(2);
    }
    agent.dispose();
  }, 60_000);

  it('masks discrete actions in predict', () => {
    const agent = new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8, seed: 0 });
    for (let i = 0; i < 20; i++) expect(agent.predict(new Float32Array(4), { actionMask: [0, 1] })).toBe(1);
    agent.dispose();
  });

  // A contextual bandit with a MultiDiscrete([3, 2]) action, start [1, 0]: the observation
  // one-hot encodes a context c in {0, 1, 2}; element 0 earns 1 when it equals c + 1 (values
  // 1..3), element 1 earns 1 when it equals c % 2. Ten steps per episode: a random policy
  // earns 10 * (1/3 + 1/2) = 8.33 on average, the best policy 20.
  class ContextEnv extends Env<Float32Array, Int32Array> {
    readonly observationSpace = new Box(0, 1, [3]);
    readonly actionSpace = new MultiDiscrete([3, 2], [1, 0]);
    #c = 0;
    #t = 0;
    #obs(): Float32Array {
      this.#c = this.rng.integer(0, 3);
      const o = new Float32Array(3);
      o[this.#c] = 1;
      return o;
    }
    protected resetEnv(): ResetResult<Float32Array> {
      this.#t = 0;
      return { observation: this.#obs(), info: {} };
    }
    protected stepEnv(a: Int32Array): StepResult<Float32Array> {
      const reward = (a[0] === this.#c + 1 ? 1 : 0) + (a[1] === this.#c % 2 ? 1 : 0);
      this.#t++;
      return { observation: this.#obs(), reward, terminated: false, truncated: this.#t === 10, info: {} };
    }
  }

  it('learns a MultiDiscrete action (one categorical per element), with start offsets and masks', async () => {
    const agent = new PPO(new ContextEnv(), { nSteps: 256, batchSize: 64, nEpochs: 4, learningRate: 3e-3, seed: 3 });
    expect(agent.policy.spec).toMatchObject({ distribution: 'multicategorical', actionSize: 5, nvec: [3, 2] });
    await agent.learn({ totalTimesteps: 4096 });
    const { mean } = evaluatePolicy(agent, new ContextEnv(), { nEvalEpisodes: 10, deterministic: true, seed: 11 });
    expect(mean).toBeGreaterThan(18);
    const a = agent.predict(Float32Array.of(0, 1, 0), { deterministic: true }) as Int32Array;
    expect(Array.from(a)).toEqual([2, 1]);
    // masks: element 0 may only take its first value (1), element 1 only its second (1)
    for (let i = 0; i < 10; i++) expect(Array.from(agent.predict(Float32Array.of(1, 0, 0), { actionMask: [1, 0, 0, 0, 1] }) as Int32Array)).toEqual([1, 1]);
    expect(() => agent.predict(Float32Array.of(1, 0, 0), { actionMask: [1, 0, 0] })).toThrow(/actionMask must be an array of 5 entries \(1 allowed, 0 not\), got \[1,0,0\]/);
    // every element needs an allowed choice: element 0 has none here
    expect(() => agent.predict(Float32Array.of(1, 0, 0), { actionMask: [0, 0, 0, 1, 1] })).toThrow(/actionMask must be allowing at least one choice of element 0, got \[0,0,0,1,1\]/);
    agent.dispose();
  }, 60_000);

  class MultiBinaryEnv extends Env<Float32Array, Int8Array> {
    readonly observationSpace = new Box(-1, 1, [2]);
    readonly actionSpace = new MultiBinary(2);
    protected resetEnv(): ResetResult<Float32Array> {
      return { observation: new Float32Array(2), info: {} };
    }
    protected stepEnv(): StepResult<Float32Array> {
      return { observation: new Float32Array(2), reward: 0, terminated: false, truncated: false, info: {} };
    }
  }

  it.each([
    [() => new PPO(make('CartPole-v1'), { learningRate: -1 }), /learningRate must be a number > 0 or a schedule, got -1/],
    [() => new PPO(make('CartPole-v1'), { gamma: 1.5 }), /gamma must be a number in \[0, 1\], got 1\.5/],
    [() => new PPO(make('CartPole-v1'), { nSteps: 16, batchSize: 64 }), /batchSize must be <= nSteps \* nEnvs \(16\), got 64/],
    [() => new PPO(make('CartPole-v1'), { nStep: 16 } as never), /options\.nStep is not a known option/],
    [() => new PPO(new MultiBinaryEnv() as never), /env action space must be Discrete, MultiDiscrete or Box for this algorithm, got MultiBinary/],
    [() => new PPO(new SyncVectorEnv([() => make('CartPole-v1')], { autoresetMode: 'disabled' })), /env\.autoresetMode must be 'next-step' or 'same-step' \(the agents need finished sub-envs reset for them\), got "disabled"/],
    [() => new PPO(make('CartPole-v1'), { seed: -1 }), /seed must be a safe integer >= 0, got -1/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('rejects a predict observation of the wrong shape', () => {
    const agent = new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8 });
    expect(() => agent.predict(new Float32Array(3))).toThrow(/observation must be a Float32Array of 4, got Float32Array\(3\)/);
    agent.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlatRMSprop } from '../../src/agents/common/ActorCritic.js';
import { A2C, A2C_DEFAULTS, evaluatePolicy, useBackend } from '../../src/agents/index.js';
import { InvalidArgumentError, make, SyncVectorEnv } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('A2C', () => {
  it("has Stable-Baselines3's defaults", () => {
    expect(A2C_DEFAULTS).toMatchObject({ learningRate: 7e-4, nSteps: 5, gamma: 0.99, gaeLambda: 1, entCoef: 0, vfCoef: 0.5, maxGradNorm: 0.5, rmsPropEps: 1e-5, normalizeAdvantage: false });
  });

  it("RMSprop takes PyTorch's step: v = (1 - alpha) g^2, p -= lr g / (sqrt(v) + eps)", () => {
    // alpha 0.99: v = 0.01 * 4 = 0.04, sqrt 0.2; p = 1 - 0.1 * 2 / (0.2 + 1e-5) = 1 - 0.99995
    const p = tf.variable(tf.tensor1d([1]));
    const opt = new FlatRMSprop(1, 0.99, 1e-5);
    tf.tidy(() => opt.apply(p, tf.tensor1d([2]), 0.1));
    expect(p.dataSync()[0]).toBeCloseTo(1 - 0.2 / 0.20001, 6);
    p.dispose();
    opt.dispose();
  });

  // random CartPole lasts about 22 steps; 50,000 steps of A2C with 8 envs clearly beats it
  it('learns CartPole clearly better than random, without growing the tensor count', async () => {
    const env = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
    const agent = new A2C(env, { seed: 0 });
    const before = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 50_000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10 }).mean).toBeGreaterThan(80);
    agent.dispose();
  }, 120_000);

  it.each([
    [() => new A2C(make('CartPole-v1'), { gamma: -0.1 }), /gamma must be a number in \[0, 1\], got -0\.1/],
    [() => new A2C(make('CartPole-v1'), { learningRate: 0 }), /learningRate must be a number > 0 or a schedule, got 0/],
    [() => new A2C(make('CartPole-v1'), { rmsPropEps: 0 }), /rmsPropEps must be a finite number > 0, got 0/],
    [() => new A2C(make('CartPole-v1'), { nSteps: 0 }), /nSteps must be an integer >= 1, got 0/],
  ])('rejects bad input %#', (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });
});

// makeVecEnv, as Stable-Baselines3's make_vec_env: n copies of an env from one factory, seeded
// seed + i, in a vector env every agent trains on as it is.
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, DQN, PPO, useBackend } from '../../src/agents/index.js';
import { CartPole, InvalidArgumentError, makeVecEnv, Pendulum, SyncVectorEnv } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('makeVecEnv', () => {
  it("builds nEnvs envs in a 'next-step' SyncVectorEnv, sub-env i seeded seed + i", () => {
    const envs = makeVecEnv(() => new CartPole(), { nEnvs: 3, seed: 10 });
    expect(envs).toBeInstanceOf(SyncVectorEnv);
    expect(envs.numEnvs).toBe(3);
    expect(envs.autoresetMode).toBe('next-step');
    expect(new Set(envs.envs).size).toBe(3);
    // reference: each CartPole reset by hand with seed 10 + i, then once more without a seed
    const again = envs.reset().observations;
    const expected = [0, 1, 2].flatMap((i) => {
      const env = new CartPole();
      env.reset({ seed: 10 + i });
      return Array.from(env.reset().observation);
    });
    expect(Array.from(again)).toEqual(expected);
  });

  it.each([
    ['PPO', (envs: SyncVectorEnv<number>) => new PPO(envs, { nSteps: 16, batchSize: 32, nEpochs: 1, seed: 0 })],
    ['A2C', (envs: SyncVectorEnv<number>) => new A2C(envs, { nSteps: 5, seed: 0 })],
    ['DQN', (envs: SyncVectorEnv<number>) => new DQN(envs, { learningStarts: 16, seed: 0 })],
  ])('gives %s a vector env it trains on as it is, the same weights for the same seed', async (_name, build) => {
    const run = async () => {
      const agent = build(makeVecEnv(() => new CartPole(), { nEnvs: 2, seed: 3 }));
      await agent.learn({ totalTimesteps: 96 });
      const w = Array.from(agent instanceof DQN ? agent.q.params.dataSync() : agent.policy.params.dataSync());
      expect(agent.numTimesteps).toBeGreaterThanOrEqual(96);
      agent.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  }, 60_000);

  it.each([
    [() => makeVecEnv(5 as never), /^factory must be a function returning an Env, got 5$/],
    [() => makeVecEnv(() => new CartPole(), { nEnvs: 0 }), /^nEnvs must be an integer >= 1, got 0$/],
    [() => makeVecEnv(() => new CartPole(), { n_envs: 2 } as never), /^options\.n_envs is not a known option/],
    [() => makeVecEnv(() => new CartPole(), { seed: 1.5 }), /^seed must be a safe integer >= 0, got 1\.5$/],
    [() => makeVecEnv(() => new CartPole(), { autoresetMode: 'disabled' as never }), /^autoresetMode must be 'next-step' or 'same-step', got "disabled"$/],
    [() => { const one = new Pendulum(); return makeVecEnv(() => one, { nEnvs: 2 }); }, /^factory must be a function returning a new env each call \(call 1 returned call 0's\)/],
  ])('rejects bad input %#', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });
});

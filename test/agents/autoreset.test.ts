// The agents learn from a SyncVectorEnv in Gymnasium 1.x's default 'next-step' autoreset mode:
// the step after an episode ends only resets that sub-env (its action ignored, reward 0), so it
// is no transition and must be left out of the rollout (GAE, the update, the episode
// statistics) and of the replay buffer. The reference is the same data collected in
// 'same-step' mode, where no such step exists, and closed-form discounted returns.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RolloutBuffer } from '../../src/agents/common/RolloutBuffer.js';
import { A2C, DQN, evaluatePolicy, linearSchedule, PPO, useBackend, type LogRecord } from '../../src/agents/index.js';
import { Box, Discrete, Env, make, SyncVectorEnv, type AutoresetMode, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/**
 * Episodes of exactly `length` steps whatever the actions: observation [t, length] at step t,
 * reward 1 per step; the episode terminates (or, with `truncate`, is truncated) when t reaches
 * `length`, so the final observation is [length, length] and never an input of a transition.
 */
class Countdown extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 100, [2]);
  readonly actionSpace = new Discrete(2);
  #t = 0;
  constructor(
    readonly length: number,
    readonly truncate = false,
  ) {
    super();
  }
  protected resetEnv(): ResetResult<Float32Array> {
    this.#t = 0;
    return { observation: Float32Array.of(0, this.length), info: {} };
  }
  protected stepEnv(): StepResult<Float32Array> {
    this.#t++;
    const end = this.#t === this.length;
    return { observation: Float32Array.of(this.#t, this.length), reward: 1, terminated: end && !this.truncate, truncated: end && this.truncate, info: {} };
  }
}

const vec = (mode: AutoresetMode, truncate = false) => new SyncVectorEnv([() => new Countdown(3, truncate), () => new Countdown(5, truncate)], { autoresetMode: mode });

/** A2C with its rollout buffer in view. */
class ProbeA2C<Act extends number> extends A2C<Act> {
  get rollout(): RolloutBuffer {
    return this.buffer;
  }
}

/** Sub-env e's transitions of the last rollout, in order: observation step t, reward, return. */
function rows(b: RolloutBuffer, e: number): { t: number; reward: number; ret: number }[] {
  const out: { t: number; reward: number; ret: number }[] = [];
  for (const i of b.validRows()) if (i % b.nEnvs === e) out.push({ t: b.observations[i * b.obsSize] as number, reward: b.rewards[i] as number, ret: b.returns[i] as number });
  return out;
}

async function oneRollout(mode: AutoresetMode, truncate: boolean): Promise<{ b: RolloutBuffer; log: LogRecord }> {
  // gaeLambda 1: returns are plain discounted sums, cut at an episode's end
  const agent = new ProbeA2C(vec(mode, truncate), { nSteps: 16, gamma: 0.5, gaeLambda: 1, seed: 3 });
  let log: LogRecord = {};
  await agent.learn({ totalTimesteps: 32, callback: (r) => void (log = r) });
  agent.dispose();
  return { b: agent.rollout, log };
}

describe("on-policy agents on a 'next-step' vector env", () => {
  it('leave each reset step out of the rollout: 16 steps of episodes of 3 and 5 hold 12 and 14 transitions', async () => {
    const { b, log } = await oneRollout('next-step', false);
    // sub-env 0: (3 transitions + 1 reset step) x 4; sub-env 1: 5 + 1 + 5 + 1 + 4
    expect(rows(b, 0)).toHaveLength(12);
    expect(rows(b, 1)).toHaveLength(14);
    // the final observation (t = length) is never the input of a transition
    for (const [e, length] of [[0, 3], [1, 5]] as const) expect(rows(b, e).every((r) => r.t < length)).toBe(true);
    // episode lengths do not count the reset step: 4 episodes of 3 and 2 of 5 ended
    expect(log['rollout/ep_len_mean']).toBeCloseTo((4 * 3 + 2 * 5) / 6, 10);
    expect(log['rollout/ep_rew_mean']).toBeCloseTo((4 * 3 + 2 * 5) / 6, 10);
  }, 30_000);

  it('give each finished episode the returns of a closed form: sum of 0.5^k over the steps left', async () => {
    const { b } = await oneRollout('next-step', false);
    for (const [e, length] of [[0, 3], [1, 5]] as const) {
      const finished = rows(b, e).slice(0, e === 0 ? 12 : 10); // sub-env 1's last episode is cut by the rollout's end
      for (const r of finished) expect(r.ret).toBeCloseTo((1 - 0.5 ** (length - r.t)) / (1 - 0.5), 5);
    }
  }, 30_000);

  it.each([
    ['terminated', false],
    ['truncated (bootstrapped from the final observation)', true],
  ])("collect the same transitions as 'same-step' mode, episodes %s", async (_what, truncate) => {
    // the envs ignore the actions and the network is the same (one seed, no update before the
    // first rollout's end), so each sub-env's transitions in next-step mode are the first ones of same-step mode
    const next = await oneRollout('next-step', truncate);
    const same = await oneRollout('same-step', truncate);
    for (const e of [0, 1]) {
      const n = rows(next.b, e);
      const s = rows(same.b, e).slice(0, n.length);
      expect(n.map((r) => r.t)).toEqual(s.map((r) => r.t));
      expect(n.map((r) => r.reward)).toEqual(s.map((r) => r.reward)); // truncation: 1 + gamma V(final observation), bit for bit
      const length = e === 0 ? 3 : 5;
      const complete = n.length - (n.length % length);
      for (let i = 0; i < complete; i++) expect(n[i]!.ret).toBeCloseTo(s[i]!.ret, 6);
    }
    // a truncation's reward carries gamma V(final): not 1 as a termination's
    if (truncate) expect(rows(next.b, 0)[2]!.reward).not.toBe(1);
  }, 60_000);

  // random CartPole lasts about 22 steps; the settings of PPO.test.ts's same-step test
  it('PPO learns CartPole from a default SyncVectorEnv (next-step) as well as from a same-step one', async () => {
    const envs = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1')));
    expect(envs.autoresetMode).toBe('next-step');
    const agent = new PPO(envs, { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0, learningRate: linearSchedule(1e-3), clipRange: linearSchedule(0.2), seed: 1 });
    const before = tf.memory().numTensors;
    await agent.learn({ totalTimesteps: 25_000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10 }).mean).toBeGreaterThan(150);
    agent.dispose();
  }, 180_000);
});

describe("DQN on a 'next-step' vector env", () => {
  it.each([
    ['terminated', false],
    ['truncated', true],
  ])('stores no reset step in the replay buffer, episodes %s', async (_what, truncate) => {
    const agent = new DQN(vec('next-step', truncate), { learningStarts: 1000, seed: 0 });
    await agent.learn({ totalTimesteps: 40 }); // 20 vector steps, random actions, no training
    const b = agent.replayBuffer;
    // sub-env 0: 20 steps = (3 + 1) x 5 -> 15 transitions; sub-env 1: (5 + 1) x 3 + 2 -> 17
    expect(b.size).toBe(15 + 17);
    for (let i = 0; i < b.size; i++) {
      const [t, length] = [b.observations[2 * i]!, b.observations[2 * i + 1]!];
      // every stored transition moves one step on; none goes from a final observation to a reset one
      expect(b.nextObservations[2 * i]).toBe(t + 1);
      expect(b.dones[i]).toBe(!truncate && t + 1 === length ? 1 : 0);
    }
    agent.dispose();
  }, 30_000);

  it('is refused on a disabled-autoreset vector env, saying which modes work', () => {
    expect(() => new DQN(vec('disabled'))).toThrow(/^env.autoresetMode must be 'next-step' or 'same-step' \(the agents need finished sub-envs reset for them\), got "disabled"$/);
  });
});

describe("A2C on a 'next-step' vector env", () => {
  it('learns CartPole as A2C.test.ts does on a same-step one', async () => {
    const agent = new A2C(new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1'))), { seed: 0 });
    await agent.learn({ totalTimesteps: 50_000 });
    expect(evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10 }).mean).toBeGreaterThan(80);
    agent.dispose();
  }, 180_000);
});

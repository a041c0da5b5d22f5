import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentTrainer, PPO, useBackend, type MultiAgentOptions } from '../../../src/agents/index.js';
import { Box, Discrete, Env, EnvCheckError, InvalidArgumentError } from '../../../src/index.js';
import { Countdown, XorGame } from './games.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// relu: with tanh and SB3's initialisation PPO (single-agent too) settles on 3 of XOR's 4 cases
const XOR_PPO = { nSteps: 64, batchSize: 64, nEpochs: 4, learningRate: 1e-3, gamma: 0, activation: 'relu' } as const;
/** The coordination game's budget per seed, in agent steps (6,000 parallel steps). */
const XOR_BUDGET = 12_000;

/** How many of the 4 bit pairs both agents answer with the XOR (deterministic actions). */
function xorSolved(t: MultiAgentTrainer<'a' | 'b', number>): number {
  let ok = 0;
  for (const x of [0, 1]) {
    for (const y of [0, 1]) {
      const act = t.predict({ a: Float32Array.of(x, y), b: Float32Array.of(y, x) }, { deterministic: true });
      if (act.a === (x ^ y) && act.b === (x ^ y)) ok++;
    }
  }
  return ok;
}

async function solvedSeeds(options: (seed: number) => MultiAgentOptions<'a' | 'b'>): Promise<number> {
  let solved = 0;
  for (let seed = 0; seed < 5; seed++) {
    const t = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), options(seed));
    await t.learn({ totalTimesteps: XOR_BUDGET });
    if (xorSolved(t) === 4) solved++;
    t.dispose();
  }
  return solved;
}

describe('MultiAgentTrainer on the coordination game (reward 1 to both only when both answer the XOR of their bits)', () => {
  it(`one shared policy reaches the optimal return in >= 4 of 5 seeds within ${XOR_BUDGET} agent steps`, async () => {
    expect(await solvedSeeds((seed) => ({ policies: { shared: { options: XOR_PPO } }, seed }))).toBeGreaterThanOrEqual(4);
  });

  it(`separate policies (policyMappingFn: agent -> its own) reach it in >= 4 of 5 seeds within ${XOR_BUDGET} agent steps`, async () => {
    expect(await solvedSeeds((seed) => ({ policies: { a: { options: XOR_PPO }, b: { options: XOR_PPO } }, policyMappingFn: (a) => a, seed }))).toBeGreaterThanOrEqual(4);
  });

  it('a single agent seeing only its own bit cannot beat 0.5 expected reward per step, trained on the same budget', async () => {
    // the target is own XOR hidden, and the hidden bit is a fair coin whatever the own bit is
    class OwnBit extends Env<Float32Array, number> {
      readonly observationSpace = new Box(0, 1, [1]);
      readonly actionSpace = new Discrete(2);
      #own = 0;
      protected resetEnv() {
        this.#own = this.rng.integer(0, 2);
        return { observation: Float32Array.of(this.#own), info: {} };
      }
      protected stepEnv(action: number) {
        const reward = action === (this.#own ^ this.rng.integer(0, 2)) ? 1 : 0;
        this.#own = this.rng.integer(0, 2);
        return { observation: Float32Array.of(this.#own), reward, terminated: false, truncated: false, info: {} };
      }
    }
    const agent = new PPO(new OwnBit(), { ...XOR_PPO, seed: 0 });
    await agent.learn({ totalTimesteps: XOR_BUDGET / 2 });
    // exact expectation over the four (own, hidden) pairs
    let expected = 0;
    for (const own of [0, 1]) for (const hidden of [0, 1]) expected += (agent.predict(Float32Array.of(own), { deterministic: true }) === (own ^ hidden) ? 1 : 0) / 4;
    expect(expected).toBe(0.5);
    agent.dispose();
  });
});

describe('MultiAgentTrainer', () => {
  it('is deterministic: one seed, the same weights; the tensor count stays flat across learn()', async () => {
    const run = async () => {
      const t = new MultiAgentTrainer(() => new XorGame(), { policies: { a: { options: { ...XOR_PPO, nSteps: 16, batchSize: 16 } }, b: { algorithm: 'A2C' } }, policyMappingFn: (a) => a, seed: 7 });
      const before = tf.memory().numTensors;
      await t.learn({ totalTimesteps: 200 });
      expect(tf.memory().numTensors).toBe(before);
      const w = [Array.from(t.policy('a').policy.params.dataSync()), Array.from(t.policy('b').policy.params.dataSync())];
      t.dispose();
      return w;
    };
    const first = await run();
    expect(await run()).toEqual(first);
  });

  it('logs each policy under its id with SB3 keys, passes records to callbacks, and stops when one returns false', async () => {
    const t = new MultiAgentTrainer(() => new XorGame(), { policies: { meta: { algorithm: 'A2C' }, spec: { options: { nSteps: 8, batchSize: 8, nEpochs: 1 } } }, policyMappingFn: (a) => (a === 'a' ? 'meta' : 'spec'), seed: 1 });
    const records: Record<string, number>[] = [];
    await t.learn({ totalTimesteps: 10_000, callback: (r) => (records.push({ ...r }), records.length < 3) });
    expect(records).toHaveLength(3);
    expect(Object.keys(records[0] ?? {})).toEqual(expect.arrayContaining(['time/total_timesteps', 'meta/train/policy_loss', 'meta/rollout/ep_rew_mean', 'spec/rollout/ep_rew_mean']));
    expect(records.some((r) => 'spec/train/policy_gradient_loss' in r && 'spec/train/approx_kl' in r)).toBe(true);
    expect(t.numTimesteps).toBe(records[2]?.['time/total_timesteps']);
    t.dispose();
  });

  it('keeps a policy outside policiesToTrain frozen while the others learn', async () => {
    const t = new MultiAgentTrainer(() => new XorGame(), { policies: { a: {}, b: {} }, policyMappingFn: (a) => a, policiesToTrain: ['a'], seed: 0 });
    const [a0, b0] = ['a', 'b'].map((id) => Array.from(t.policy(id).policy.params.dataSync()));
    await t.learn({ totalTimesteps: 64, callback: () => true });
    // PPO's default rollout is 2048 parallel steps: one update of 'a'
    expect(Array.from(t.policy('a').policy.params.dataSync())).not.toEqual(a0);
    expect(Array.from(t.policy('b').policy.params.dataSync())).toEqual(b0);
    t.dispose();
  });

  it('gives a shared policy a one-hot of the agent with agentIdInput, and maps every agent to the only policy by default', async () => {
    const t = new MultiAgentTrainer(() => new XorGame(), { policies: { p: { agentIdInput: true, options: { nSteps: 8, batchSize: 8 } } }, seed: 0 });
    expect(t.policyOf('a')).toBe('p');
    expect(t.policy('p').policy.spec.obsSize).toBe(2 + 2);
    await t.learn({ totalTimesteps: 16 });
    expect(Object.keys(t.predict({ a: Float32Array.of(0, 1), b: Float32Array.of(1, 0) }))).toEqual(['a', 'b']);
    t.dispose();
  });

  it('lets agents leave mid-episode: a terminated one is not bootstrapped, a truncated one is, from its final observation', async () => {
    // gamma 0.5, gaeLambda 1: returns are discounted sums cut at each agent's end
    const t = new MultiAgentTrainer(() => new Countdown(), { policies: { p: { algorithm: 'A2C', options: { nSteps: 10, gamma: 0.5, gaeLambda: 1 } } }, seed: 3 });
    await t.learn({ totalTimesteps: 1 });
    const b = t.policy('p').rolloutBuffer;
    // columns: short (0), long (1); rows: parallel steps 0..9, two episodes of 5 steps
    const col = (c: number, f: Float32Array | Uint8Array) => Array.from({ length: 10 }, (_, s) => f[s * 2 + c] as number);
    expect(col(0, b.resets)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
    expect(col(1, b.resets)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(col(0, b.returns).slice(0, 3)).toEqual([1.75, 1.5, 1]);
    const long = col(1, b.rewards);
    expect(long.slice(0, 4)).toEqual([1, 1, 1, 1]);
    // the truncation step's reward is 1 + gamma V(final observation), V of the untrained critic
    expect(long[4]).not.toBe(1);
    expect(col(1, b.returns)[3]).toBeCloseTo(1 + 0.5 * (long[4] as number), 5);
    expect(t.numTimesteps).toBe(3 * 2 + 2 * 1 + 3 * 2 + 2 * 1 - 0);
    t.dispose();
  });

  it("samples only the actions an agent's info.actionMask allows, and trains under the masks", async () => {
    const t = new MultiAgentTrainer(() => new Countdown(true), { policies: { p: { options: { nSteps: 16, batchSize: 16, nEpochs: 2 } } }, seed: 0 });
    const before = tf.memory().numTensors;
    const records: Record<string, number>[] = [];
    await t.learn({ totalTimesteps: 64, callback: (r) => void records.push({ ...r }) });
    expect(tf.memory().numTensors).toBe(before);
    for (const r of records) expect(Number.isFinite(r['p/train/loss'])).toBe(true);
    expect((t.env as Countdown).violations).toBe(0);
    expect(t.predict({ short: Float32Array.of(0) }, { actionMasks: { short: [0, 1] } }).short).toBe(1);
    t.dispose();
  });
});

describe('MultiAgentTrainer refuses an action mask', () => {
  it('that allows nothing, naming the agent and the policy', async () => {
    class NoAction extends Countdown {
      protected override info() {
        return { actionMask: Int8Array.of(0, 0) };
      }
    }
    const t = new MultiAgentTrainer(() => new NoAction(), { policies: { p: { options: { nSteps: 8, batchSize: 8 } } }, seed: 0 });
    await expect(t.learn({ totalTimesteps: 8 })).rejects.toThrow(/agent "short" \(policy "p"\): infos.short.actionMask must be allowing at least one action/);
    t.dispose();
  });
});

describe('MultiAgentTrainer refuses bad input with typed errors naming the agent and the policy, allocating nothing', () => {
  const xor = () => new XorGame();
  const other = new Discrete(3);
  it.each<[string, () => unknown, RegExp]>([
    ['a mapping to an unknown policy', () => new MultiAgentTrainer(xor, { policies: { a: {}, b: {} }, policyMappingFn: (a) => (a === 'a' ? 'a' : 'c') }), /policyMappingFn\("b"\) must return a policy id \(a, b\), got "c"/],
    ['several policies and no mapping', () => new MultiAgentTrainer(xor, { policies: { a: {}, b: {} } }), /policyMappingFn must be a function/],
    ['a policy whose action space disagrees with its agent', () => new MultiAgentTrainer(xor, { policies: { p: { actionSpace: other } } }), /agent "a" has action space Discrete\(2\), but policy "p" has Discrete\(3\)/],
    ['a policy no agent maps to', () => new MultiAgentTrainer(xor, { policies: { a: {}, b: {}, c: {} }, policyMappingFn: (a) => a }), /policy "c" has no agent mapped to it/],
    ['an unknown option', () => new MultiAgentTrainer(xor, { policies: { p: {} }, gamma: 0.9 } as never), /options.gamma is not a known option/],
    ['an unknown policy key', () => new MultiAgentTrainer(xor, { policies: { p: { lr: 1 } as never } }), /policies.p.lr is not a known option/],
    ['a seed in a policy', () => new MultiAgentTrainer(xor, { policies: { p: { options: { seed: 1 } as never } } }), /policies.p.options.seed must be left out/],
    ['a policy option out of range', () => new MultiAgentTrainer(xor, { policies: { p: { options: { nSteps: 4, batchSize: 64 } } } }), /policy "p": batchSize must be <= nSteps \* nEnvs \(8\)/],
    ['an unknown policy to train', () => new MultiAgentTrainer(xor, { policies: { p: {} }, policiesToTrain: ['q'] }), /policiesToTrain must be policy ids among p/],
    ['an env factory returning one env twice', () => { const env = xor(); return new MultiAgentTrainer(() => env, { policies: { p: {} } }); }, /envFn must be a function returning a NEW env/],
  ])('%s', (_name, build, message) => {
    const before = tf.memory().numTensors;
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an env that fails checkParallelEnv: its EnvCheckError', () => {
    class Leaky extends XorGame {
      override step(actions: Readonly<Partial<Record<'a' | 'b', number>>>) {
        const r = super.step(actions);
        this.agents = [];
        return r;
      }
    }
    expect(() => new MultiAgentTrainer(() => new Leaky(), { policies: { p: {} } })).toThrow(EnvCheckError);
  });

  it("a second policy's failure releases the first one's tensors", () => {
    const before = tf.memory().numTensors;
    expect(() => new MultiAgentTrainer(xor, { policies: { a: {}, b: { options: { gamma: 2 } } }, policyMappingFn: (a) => a })).toThrow(/policy "b": gamma/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MultiAgentTrainer save and load', () => {
  it('saves every policy in one checkpoint and loads them back: same weights, counters and actions; training goes on', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tradegym-marl-'));
    try {
      const options: MultiAgentOptions<'a' | 'b'> = { policies: { a: { options: { nSteps: 16, batchSize: 16 } }, b: { algorithm: 'A2C', agentIdInput: true } }, policyMappingFn: (a) => a, policiesToTrain: ['a'], seed: 4 };
      const t = new MultiAgentTrainer(() => new XorGame(), options);
      await t.learn({ totalTimesteps: 64 });
      await t.save(dir);
      const before = tf.memory().numTensors;
      const u = await MultiAgentTrainer.load(dir, () => new XorGame(), { policyMappingFn: (a: 'a' | 'b') => a });
      for (const id of ['a', 'b']) expect(Array.from(u.policy(id).policy.params.dataSync())).toEqual(Array.from(t.policy(id).policy.params.dataSync()));
      expect(u.numTimesteps).toBe(t.numTimesteps);
      expect(u.policy('a').numTimesteps).toBe(t.policy('a').numTimesteps);
      const obs = { a: Float32Array.of(1, 0), b: Float32Array.of(0, 1) };
      expect(u.predict(obs, { deterministic: true })).toEqual(t.predict(obs, { deterministic: true }));
      const b0 = Array.from(u.policy('b').policy.params.dataSync());
      await u.learn({ totalTimesteps: 32 });
      expect(Array.from(u.policy('b').policy.params.dataSync())).toEqual(b0); // still frozen
      u.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await expect(PPO.load(dir, new XorGameSingle())).rejects.toThrow(/holds a MultiAgent agent/);
      // an env whose agents do not fit the saved networks: refused, nothing left behind
      const count = tf.memory().numTensors;
      await expect(MultiAgentTrainer.load(dir, () => new Countdown(), { policyMappingFn: (a: 'short' | 'long') => (a === 'short' ? 'a' : 'b') })).rejects.toThrow(/env does not fit the saved agent/);
      expect(tf.memory().numTensors).toBe(count);
      t.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A single-agent env of the game's spaces (for loading the wrong checkpoint kind). */
class XorGameSingle extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1, [2]);
  readonly actionSpace = new Discrete(2);
  protected resetEnv() {
    return { observation: new Float32Array(2), info: {} };
  }
  protected stepEnv() {
    return { observation: new Float32Array(2), reward: 0, terminated: true, truncated: false, info: {} };
  }
}

describe('a policy of the trainer', () => {
  it("counts its agents' steps, and refuses to learn on its own", async () => {
    const t = new MultiAgentTrainer(() => new Countdown(), { policies: { p: { algorithm: 'A2C', options: { nSteps: 10 } } }, seed: 0 });
    await t.learn({ totalTimesteps: 1 });
    expect(t.policy('p').numTimesteps).toBe(16);
    await expect(t.policy('p').learn({ totalTimesteps: 1 })).rejects.toThrow(/has no env of its own/);
    t.dispose();
  });
});

// Issue 14's adversarial review: each test pins one defect it found.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, CheckpointCallback, DQN, DQN_DEFAULTS, EvalCallback, evaluatePolicy, PPO, PPO_DEFAULTS, useBackend } from '../../src/agents/index.js';
import { CartPole, InvalidArgumentError, make, makeVecEnv, SyncVectorEnv, TradegymError } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-hardening-'));

describe('DQN.load with another bufferSize', () => {
  const saved = async (name: string): Promise<string> => {
    // 30 steps into a ring of 20: wrapped, next write at row 10 (rows 10..19 are the oldest)
    const agent = new DQN(make('CartPole-v1'), { bufferSize: 20, batchSize: 8, learningStarts: 1000, trainFreq: 1, compute: 'tfjs', seed: 0 });
    await agent.learn({ totalTimesteps: 30 });
    const dir = join(root, name);
    await agent.save(dir);
    agent.dispose();
    return dir;
  };

  it('refuses a bufferSize below the saved transitions (before: an endless loop)', async () => {
    const dir = await saved('smaller');
    await expect(DQN.load(dir, make('CartPole-v1'), { bufferSize: 10 })).rejects.toThrow(InvalidArgumentError);
    await expect(DQN.load(dir, make('CartPole-v1'), { bufferSize: 10 })).rejects.toThrow(/^bufferSize must be >= the 20 transitions saved in the checkpoint .*, got 10$/);
  }, 30_000);

  it('a larger bufferSize counts only the saved rows, oldest first, and appends after them', async () => {
    const dir = await saved('larger');
    const same = await DQN.load(dir, make('CartPole-v1'));
    const big = await DQN.load(dir, make('CartPole-v1'), { bufferSize: 50 });
    expect(big.replayBuffer.size).toBe(20); // before: 50, with 30 rows of zeros
    expect(big.replayBuffer.capacity).toBe(50);
    // the ring [10..19 oldest, 0..9 newest] unrolled: big's row k is same's row (10 + k) % 20
    const d = 4;
    for (let k = 0; k < 20; k++) {
      const r = (10 + k) % 20;
      expect(Array.from(big.replayBuffer.observations.subarray(k * d, (k + 1) * d))).toEqual(Array.from(same.replayBuffer.observations.subarray(r * d, (r + 1) * d)));
      expect(big.replayBuffer.rewards[k]).toBe(same.replayBuffer.rewards[r]);
    }
    await big.learn({ totalTimesteps: 5 });
    expect(big.replayBuffer.size).toBe(25);
    same.dispose();
    big.dispose();
  }, 30_000);
});

describe('loading onto an env that is not the live one', () => {
  it('resets a makeVecEnv that was reset at construction, instead of mixing in the checkpoint\'s last observation', async () => {
    const env = makeVecEnv(() => new CartPole(), { nEnvs: 1, seed: 5 });
    const agent = new DQN(env, { learningStarts: 1000, compute: 'tfjs', seed: 0 });
    await agent.learn({ totalTimesteps: 7 });
    const dir = join(root, 'other-env');
    await agent.save(dir);
    agent.dispose();
    const other = makeVecEnv(() => new CartPole(), { nEnvs: 1, seed: 9 }); // started: true, but not the live env
    const loaded = await DQN.load(dir, other);
    const before = loaded.replayBuffer.size;
    await loaded.learn({ totalTimesteps: 1 });
    // learn resets `other` with the agent's seed 0: the first new transition starts from that reset
    const expected = new CartPole().reset({ seed: 0 }).observation;
    expect(Array.from(loaded.replayBuffer.observations.subarray(before * 4, before * 4 + 4))).toEqual(Array.from(expected));
    loaded.dispose();
  }, 30_000);

  it('the live env continues without a reset, unless it stepped after the save', async () => {
    const env = makeVecEnv(() => new CartPole(), { nEnvs: 1, seed: 5 });
    const agent = new PPO(env, { nSteps: 8, batchSize: 8, nEpochs: 1, seed: 0 });
    await agent.learn({ totalTimesteps: 8 });
    const dir = join(root, 'live');
    await agent.save(dir);
    const reset0 = Array.from(new CartPole().reset({ seed: 0 }).observation); // learn's reset, seed 0
    const firstObs = (a: PPO) => Array.from(a['buffer'].observations.subarray(0, 4));
    // the live env, untouched since the save, goes on from where it was (persistence.test.ts
    // checks this step for step): its next rollout does not start from a reset
    const live = await PPO.load(dir, env);
    await live.learn({ totalTimesteps: 8 });
    expect(firstObs(live)).not.toEqual(reset0);
    // `live` stepped env after the save: the checkpoint no longer fits it, a new load resets
    const stale = await PPO.load(dir, env);
    await stale.learn({ totalTimesteps: 8 });
    expect(firstObs(stale)).toEqual(reset0);
    for (const a of [agent, live, stale]) a.dispose();
  }, 30_000);
});

describe('SyncVectorEnv', () => {
  it('refuses one env instance as two sub-envs, as makeVecEnv does', () => {
    const e = new CartPole();
    expect(() => new SyncVectorEnv([() => e, () => e])).toThrow(/^envFns must be factories returning a new env each \(envFns\[1\] returned envFns\[0\]'s env/);
  });
});

describe('callbacks are checked when built, and when learn starts', () => {
  it('EvalCallback: explicit undefined keeps the default; unknown keys and bad values are typed errors', () => {
    const cb = new EvalCallback(new CartPole(), { evalFreq: undefined, deterministic: undefined });
    expect(cb).toBeInstanceOf(EvalCallback); // before: evalFreq undefined overwrote 10_000
    const bad: [unknown, unknown, RegExp][] = [
      [new CartPole(), { eval_freq: 5 }, /^options\.eval_freq is not a known option/],
      [new CartPole(), { deterministic: 'no' }, /^deterministic must be true or false, got "no"$/],
      [new CartPole(), { bestModelSavePath: 42 }, /^bestModelSavePath must be a directory path \(a non-empty string\), got 42$/],
      [new CartPole(), { callbackOnNewBest: {} }, /^callbackOnNewBest must be an object with onNewBest\(\)/],
      [{}, {}, /^evalEnv must be an Env, got \{\}$/],
      [makeVecEnv(() => new CartPole(), { nEnvs: 2 }), {}, /^evalEnv must be a single Env \(not a SyncVectorEnv\)/],
    ];
    for (const [env, o, re] of bad) expect(() => new EvalCallback(env as CartPole, o as never)).toThrow(re);
    expect(() => new CheckpointCallback({ saveFreq: 1, savePath: 'x', name_prefix: 'a' } as never)).toThrow(/^options\.name_prefix is not a known option/);
    expect(() => new CheckpointCallback({ saveFreq: 1, savePath: 'x', namePrefix: 3 } as never)).toThrow(/^namePrefix must be a non-empty string, got 3$/);
  });

  it('learn refuses a callback object without hooks, a hook that is not a function, unknown keys, a non-boolean progressBar, missing options', async () => {
    const agent = new PPO(new CartPole(), { nSteps: 8, batchSize: 8, seed: 0 });
    const cases: [unknown, RegExp][] = [
      [{ totalTimesteps: 8, callback: {} }, /^callback must be a function or an object with a hook/],
      [{ totalTimesteps: 8, callback: [() => true, { onRolloutEnd: 'x' }] }, /^callback\[1\]\.onRolloutEnd must be a function, got "x"$/],
      [{ totalTimesteps: 8, callbak: () => true }, /^options\.callbak is not a known option/],
      [{ totalTimesteps: 8, progressBar: 'no' }, /^progressBar must be true or false, got "no"$/],
      [undefined, /^options must be a plain object, got undefined$/],
    ];
    for (const [o, re] of cases) await expect(agent.learn(o as never)).rejects.toThrow(re);
    expect(agent.numTimesteps).toBe(0); // refused before any step
    agent.dispose();
  });
});

describe('learn is exclusive', () => {
  it('refuses a second concurrent learn, and dispose() from a callback, leaking nothing', async () => {
    const tensors = tf.memory().numTensors;
    for (const compute of ['typed', 'tfjs'] as const) {
      const agent = new PPO(new CartPole(), { nSteps: 8, batchSize: 8, nEpochs: 1, seed: 0, compute });
      const first = agent.learn({ totalTimesteps: 16 });
      await expect(agent.learn({ totalTimesteps: 8 })).rejects.toThrow(/^learn\(\) is already running on this agent/);
      await first;
      expect(agent.numTimesteps).toBe(16); // only the first ran
      await expect(agent.learn({ totalTimesteps: 16, callback: () => void agent.dispose() })).rejects.toThrow(/^dispose\(\) called while learn\(\) is running/);
      agent.dispose(); // after learn, dispose works
    }
    const dqn = new DQN(new CartPole(), { learningStarts: 0, batchSize: 4, seed: 0, compute: 'tfjs' });
    await expect(dqn.learn({ totalTimesteps: 8, callback: () => void dqn.dispose() })).rejects.toThrow(TradegymError);
    dqn.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  }, 30_000);
});

describe('agent options are type-checked; undefined means left out', () => {
  it('refuses non-boolean flags and non-number rates, with the value shown', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new A2C(new CartPole(), { gamma: null } as never), /^options\.gamma must be a value, or left out for the default, got null$/],
      [() => new A2C(new CartPole(), { gaeLambda: true } as never), /^gaeLambda must be a number in \[0, 1\], got true$/],
      [() => new A2C(new CartPole(), { normalizeAdvantage: 'no' } as never), /^normalizeAdvantage must be true or false, got "no"$/],
      [() => new PPO(new CartPole(), { normalizeAdvantage: 'no' } as never), /^normalizeAdvantage must be true or false, got "no"$/],
      [() => new DQN(new CartPole(), { doubleQ: 'true' } as never), /^doubleQ must be true or false, got "true"$/],
      [() => new DQN(new CartPole(), { dueling: 1 } as never), /^dueling must be true or false, got 1$/],
      [() => new DQN(new CartPole(), { batchSize: 64, bufferSize: 10 }), /^batchSize must be <= bufferSize \(10\), got 64$/],
      [() => new PPO(new CartPole(), { netArch: [64, 64] } as never), /^netArch must be \{ pi, vf \}.*, got \[64,64\]$/],
      [() => new A2C(new CartPole(), { netArch: 'x' } as never), /^netArch must be \{ pi, vf \}.*, got "x"$/],
    ];
    const tensors = tf.memory().numTensors;
    for (const [build, re] of cases) {
      expect(build).toThrow(InvalidArgumentError);
      expect(build).toThrow(re);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('an explicit undefined takes the default', () => {
    const ppo = new PPO(new CartPole(), { nSteps: undefined, gamma: undefined });
    expect(ppo.config.nSteps).toBe(PPO_DEFAULTS.nSteps);
    const dqn = new DQN(new CartPole(), { doubleQ: undefined, bufferSize: undefined });
    expect(dqn.config.doubleQ).toBe(false);
    expect(dqn.config.bufferSize).toBe(DQN_DEFAULTS.bufferSize);
    ppo.dispose();
    dqn.dispose();
  });

  it('an nSteps beyond memory is a typed error that allocates no tensor', () => {
    const tensors = tf.memory().numTensors;
    expect(() => new PPO(new CartPole(), { nSteps: 1e12 })).toThrow(/^nSteps must be small enough for a rollout buffer of nSteps \* nEnvs \* obsSize = 4000000000000 floats/);
    expect(tf.memory().numTensors).toBe(tensors); // before: a RangeError and 3 leaked tensors
  });
});

describe('arguments are named in errors', () => {
  it('save, load and evaluatePolicy refuse bad arguments with typed errors', async () => {
    const agent = new PPO(new CartPole(), { nSteps: 8, batchSize: 8, seed: 0 });
    const rule = (use: string) => `^dir must be a directory path, a tfjs URL such as 'indexeddb://my-agent', or a tf\\.io\\.IOHandler with ${use}\\(\\)`;
    await expect(agent.save('')).rejects.toThrow(new RegExp(`${rule('save')}, got ""$`));
    await expect(agent.save(42 as never)).rejects.toThrow(new RegExp(`${rule('save')}, got 42$`));
    await expect(PPO.load(42 as never, new CartPole())).rejects.toThrow(new RegExp(`${rule('load')}, got 42$`));
    await expect(DQN.load('' as never, new CartPole())).rejects.toThrow(InvalidArgumentError);
    expect(() => evaluatePolicy(agent, makeVecEnv(() => new CartPole(), { nEnvs: 2 }) as never)).toThrow(/^env must be a single Env \(not a SyncVectorEnv\), got a SyncVectorEnv of 2 envs$/);
    expect(() => evaluatePolicy(agent, new CartPole(), { nEpisodes: 1 } as never)).toThrow(/^options\.nEpisodes is not a known option/);
    expect(() => evaluatePolicy(agent, new CartPole(), { deterministic: 'yes' } as never)).toThrow(/^deterministic must be true or false, got "yes"$/);
    expect(() => evaluatePolicy({} as never, new CartPole())).toThrow(/^agent must be an object with predict\(\), got \{\}$/);
    agent.dispose();
  });
});

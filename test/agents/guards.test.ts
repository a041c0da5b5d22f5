// The checks every agent's public methods share (src/agents/common/guards.ts), run against
// PPO, A2C and DQN alike: bad observations and masks are typed errors naming the argument and
// the bad value; a disposed agent refuses every call with a TradegymError; and a constructor
// that throws leaves no tensors behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, DQN, PPO, useBackend } from '../../src/agents/index.js';
import { Box, Discrete, Env, InvalidArgumentError, make, SyncVectorEnv, TradegymError, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const agents = [
  ['PPO', () => new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8, seed: 0 })],
  ['A2C', () => new A2C(make('CartPole-v1'), { nSteps: 8, seed: 0 })],
  ['DQN', () => new DQN(make('CartPole-v1'), { learningStarts: 4, seed: 0 })],
] as const;

describe.each(agents)('%s.predict', (_name, build) => {
  it.each([
    ['a NaN, by index', Float32Array.of(0, 0, Number.NaN, 0), /^observation\[2\] must be a finite number, got NaN$/],
    ['an infinity, by index', Float32Array.of(Infinity, 0, 0, 0), /^observation\[0\] must be a finite number, got Infinity$/],
    ['the wrong length', new Float32Array(5), /^observation must be a Float32Array of 4, got Float32Array\(5\)/],
    ['a plain array', [0, 0, 0, 0], /^observation must be a Float32Array of 4, got \[0,0,0,0\]$/],
    ['a Float64Array', new Float64Array(4), /^observation must be a Float32Array of 4, got Float64Array\(4\)/],
  ])('rejects an observation with %s', (_what, observation, message) => {
    const agent = build();
    for (const deterministic of [true, false]) {
      const call = () => agent.predict(observation as Float32Array, { deterministic });
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    agent.dispose();
  });

  it.each([
    ['the wrong length', [1, 1, 1], /^actionMask must be an array of 2 entries \(1 allowed, 0 not\), got \[1,1,1\]$/],
    ['an entry other than 0 and 1', [1, Number.NaN], /^actionMask\[1\] must be 0 or 1, got NaN$/],
    ['nothing allowed', [0, 0], /^actionMask must be allowing at least one action, got \[0,0\]$/],
  ])('rejects an action mask with %s', (_what, actionMask, message) => {
    const agent = build();
    expect(() => agent.predict(new Float32Array(4), { actionMask, deterministic: true })).toThrow(message);
    agent.dispose();
  });

  it.each([
    ['an unknown key', { determinstic: true }, /^options\.determinstic is not a known option \(known: deterministic, actionMask\), got true$/],
    ['a non-boolean deterministic', { deterministic: 'yes' }, /^options\.deterministic must be a boolean, got "yes"$/],
  ])('rejects options with %s', (_what, options, message) => {
    const agent = build();
    expect(() => agent.predict(new Float32Array(4), options as never)).toThrow(message);
    agent.dispose();
  });

  it('refuses predict, learn and save after dispose() with a TradegymError; a second dispose() does nothing', async () => {
    const agent = build();
    const dir = mkdtempSync(join(tmpdir(), 'tradegym-disposed-'));
    try {
      agent.dispose();
      expect(() => agent.dispose()).not.toThrow();
      expect(() => agent.predict(new Float32Array(4))).toThrow(TradegymError);
      expect(() => agent.predict(new Float32Array(4))).toThrow(/^predict\(\) called on a disposed agent/);
      await expect(agent.learn({ totalTimesteps: 8 })).rejects.toThrow(/^learn\(\) called on a disposed agent/);
      await expect(agent.save(dir)).rejects.toThrow(/^save\(\) called on a disposed agent/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An env with Box actions, which DQN cannot take. */
class BadActions extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-1, 1, [3]);
  readonly actionSpace = new Box(-1, 1, [2]);
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: new Float32Array(3), info: {} };
  }
  protected stepEnv(): StepResult<Float32Array> {
    return { observation: new Float32Array(3), reward: 0, terminated: true, truncated: false, info: {} };
  }
}

describe('a constructor that throws', () => {
  const cartpole = () => make('CartPole-v1');
  it.each([
    // checked after the network was built before this fix
    ['PPO, batch larger than the rollout', () => new PPO(cartpole(), { nSteps: 4, batchSize: 8 }), /batchSize must be <= nSteps \* nEnvs \(4\), got 8/],
    ['PPO, bad nEpochs', () => new PPO(cartpole(), { nSteps: 8, batchSize: 8, nEpochs: 0 }), /nEpochs must be an integer >= 1, got 0/],
    ['PPO, bad compute', () => new PPO(cartpole(), { compute: 'gpu' as never }), /compute must be 'auto', 'native', 'wasm', 'js', 'typed' or 'tfjs', got "gpu"/],
    ['PPO, bad activation', () => new PPO(cartpole(), { activation: 'sigmoid' as never }), /activation must be 'tanh' or 'relu', got "sigmoid"/],
    ['PPO, NaN logStdInit', () => new PPO(make('Pendulum-v1'), { logStdInit: Number.NaN }), /logStdInit must be a finite number, got NaN/],
    ['PPO, bad clip range', () => new PPO(cartpole(), { clipRange: -1 }), /clipRange must be a number > 0 or a schedule, got -1/],
    ['A2C, negative entCoef', () => new A2C(cartpole(), { entCoef: -1 }), /entCoef must be a finite number >= 0, got -1/],
    ['A2C, bad compute', () => new A2C(cartpole(), { compute: 'gpu' as never }), /compute must be/],
    ['DQN, bad compute', () => new DQN(cartpole(), { compute: 'gpu' as never }), /compute must be 'auto', 'native', 'wasm', 'js', 'typed' or 'tfjs'/],
    ['DQN, bad netArch', () => new DQN(cartpole(), { netArch: [64, 0] }), /netArch\[1\] must be an integer >= 1, got 0/],
    ['DQN, a Box action space', () => new DQN(new BadActions() as never), /env action space must be Discrete for DQN/],
    ['PPO, a disabled-autoreset vector env', () => new PPO(new SyncVectorEnv([cartpole], { autoresetMode: 'disabled' })), /env.autoresetMode must be 'next-step' or 'same-step'/],
    ['PPO, not an env', () => new PPO({} as never), /env must be an Env or a SyncVectorEnv/],
  ])('leaves no tensors behind: %s', (_what, build, message) => {
    const before = tf.memory().numTensors;
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a Discrete env still builds after the failures (the checks are not over-eager)', () => {
    const before = tf.memory().numTensors;
    const agent = new PPO(new SyncVectorEnv([() => make('CartPole-v1')]), { nSteps: 8, batchSize: 8 });
    expect(agent.env.singleActionSpace).toBeInstanceOf(Discrete);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a load that fails', () => {
  it.each([
    ['PPO onto an env of other spaces (the spec check fails)', (d: string) => PPO.load(d, make('Pendulum-v1')), /env does not fit the saved agent/],
    ['A2C onto an env of other spaces', (d: string) => A2C.load(d, make('Pendulum-v1')), /env does not fit the saved agent/],
    ['DQN onto a Box-action env (the constructor fails)', (d: string) => DQN.load(d, make('Pendulum-v1') as never), /env action space must be Discrete for DQN/],
  ])('leaves no tensors behind: %s', async (name, load, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'tradegym-badload-'));
    try {
      const agent = name.startsWith('PPO') ? new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8 }) : name.startsWith('A2C') ? new A2C(make('CartPole-v1')) : new DQN(make('CartPole-v1'));
      await agent.save(dir);
      agent.dispose();
      const before = tf.memory().numTensors;
      await expect(load(dir)).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

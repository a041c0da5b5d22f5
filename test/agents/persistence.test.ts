import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, linearSchedule, PPO, useBackend } from '../../src/agents/index.js';
import { CheckpointError, make, Pendulum, SyncVectorEnv, TradegymError } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-agents-'));
const vec = () => new SyncVectorEnv(Array.from({ length: 2 }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
const opts = { nSteps: 64, batchSize: 32, nEpochs: 2, learningRate: linearSchedule(1e-3), seed: 3 } as const;

describe('save and load', () => {
  it('gives identical deterministic predictions after load', async () => {
    const agent = new PPO(vec(), opts);
    await agent.learn({ totalTimesteps: 256 });
    const dir = join(root, 'ppo-predict');
    await agent.save(dir);
    const loaded = await PPO.load(dir, vec());
    for (let i = 0; i < 20; i++) {
      const obs = Float32Array.from({ length: 4 }, (_, k) => Math.sin(i * 4 + k));
      expect(loaded.predict(obs, { deterministic: true })).toBe(agent.predict(obs, { deterministic: true }));
    }
    expect(Array.from(loaded.policy.params.dataSync())).toEqual(Array.from(agent.policy.params.dataSync()));
    expect(loaded.numTimesteps).toBe(256);
    expect((loaded.config.learningRate as (p: number) => number)(0.5)).toBe(5e-4); // the linear schedule came back
    agent.dispose();
    loaded.dispose();
  }, 60_000);

  // Train A for 256 + 256 steps without stopping. Train B identically for 256, save, load into
  // C on B's live env, train 256 more: C must end with A's weights, bit for bit.
  it.each([
    ['PPO', (env: SyncVectorEnv<number | Float32Array>) => new PPO(env, opts), (dir: string, env: SyncVectorEnv<number | Float32Array>) => PPO.load(dir, env)],
    ['A2C', (env: SyncVectorEnv<number | Float32Array>) => new A2C(env, { nSteps: 8, seed: 3 }), (dir: string, env: SyncVectorEnv<number | Float32Array>) => A2C.load(dir, env)],
  ] as const)('%s: training resumed after load matches training that never stopped, step for step', async (name, build, load) => {
    const a = build(vec() as never);
    await a.learn({ totalTimesteps: 256 });
    await a.learn({ totalTimesteps: 256 });
    const envB = vec();
    const b = build(envB as never);
    await b.learn({ totalTimesteps: 256 });
    const dir = join(root, `${name}-resume`);
    await b.save(dir);
    b.dispose();
    const c = await load(dir, envB as never);
    await c.learn({ totalTimesteps: 256 });
    expect(Array.from(c.policy.params.dataSync())).toEqual(Array.from(a.policy.params.dataSync()));
    expect(c.numTimesteps).toBe(a.numTimesteps);
    a.dispose();
    c.dispose();
  }, 60_000);

  it('a second save replaces the first and leaves only model.json and the weights it names', async () => {
    const agent = new A2C(make('CartPole-v1'), { seed: 0 });
    const dir = join(root, 'atomic');
    await agent.save(dir);
    await agent.learn({ totalTimesteps: 50 });
    await agent.save(dir);
    const named = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] }).weightsManifest[0]?.paths;
    expect(readdirSync(dir).sort()).toEqual(['model.json', ...(named ?? [])].sort());
    expect(named).toEqual([expect.stringMatching(/^weights-\d+-[0-9a-f]+\.bin$/)]);
    expect(readdirSync(root).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect((await A2C.load(dir, make('CartPole-v1'))).numTimesteps).toBe(agent.numTimesteps);
    agent.dispose();
  });

  it('does not leak tensors through save and load', async () => {
    const agent = new PPO(make('CartPole-v1'), { nSteps: 32, batchSize: 32, seed: 0 });
    const dir = join(root, 'leak');
    await agent.save(dir);
    const before = tf.memory().numTensors;
    const loaded = await PPO.load(dir, make('CartPole-v1'));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });

  it('refuses a custom schedule function (not saveable), another algorithm, a misfit env, or no checkpoint', async () => {
    const custom = new PPO(make('CartPole-v1'), { nSteps: 32, batchSize: 32, learningRate: (p) => 1e-3 * p * p });
    await expect(custom.save(join(root, 'custom'))).rejects.toThrow(/option learningRate is a custom schedule function and cannot be saved/);
    custom.dispose();
    const ppo = new PPO(make('CartPole-v1'), { nSteps: 32, batchSize: 32 });
    const dir = join(root, 'a-ppo');
    await ppo.save(dir);
    await expect(A2C.load(dir, make('CartPole-v1'))).rejects.toThrow(/dir holds a PPO agent, not A2C: load it with PPO\.load/);
    await expect(PPO.load(dir, new Pendulum())).rejects.toThrow(/env does not fit the saved agent/);
    await expect(PPO.load(join(root, 'nothing-here'), make('CartPole-v1'))).rejects.toThrow(CheckpointError);
    await expect(PPO.load(join(root, 'nothing-here'), make('CartPole-v1'))).rejects.toThrow(TradegymError);
    mkdirSync(join(root, 'not-ours'));
    writeFileSync(join(root, 'not-ours', 'model.json'), '{"format":"tfjs-layers"}');
    await expect(PPO.load(join(root, 'not-ours'), make('CartPole-v1'))).rejects.toThrow(/model\.json: not a tradegym agent checkpoint \(format "tfjs-layers"\)/);
    expect(existsSync(join(root, 'custom'))).toBe(false);
    ppo.dispose();
  });
});

describe('load onto a new env', () => {
  it('resets a fresh env before training instead of stepping it unreset', async () => {
    const agent = new A2C(make('CartPole-v1'), { seed: 1 });
    await agent.learn({ totalTimesteps: 40 });
    const dir = join(root, 'fresh-env');
    await agent.save(dir);
    const loaded = await A2C.load(dir, make('CartPole-v1'));
    await loaded.learn({ totalTimesteps: 40 });
    expect(loaded.numTimesteps).toBe(80);
    agent.dispose();
    loaded.dispose();
  });
});

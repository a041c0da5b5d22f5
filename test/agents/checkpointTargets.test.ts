// Checkpoints through tf.io handlers (a browser's IndexedDB, a download, the user's own storage)
// rather than a directory: the same header and tensors, exact resume, and typed errors for what
// is not a checkpoint target.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointCallback, DQN, EvalCallback, PPO, useBackend } from '../../src/agents/index.js';
import { CheckpointError, InvalidArgumentError, make, SyncVectorEnv } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-targets-'));
const vec = () => new SyncVectorEnv(Array.from({ length: 2 }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
const opts = { nSteps: 64, batchSize: 32, nEpochs: 2, seed: 5 } as const;

/** A save handler keeping what it was given, as a user's storage would. */
function memory(): { handler: tf.io.IOHandler; saved: () => tf.io.ModelArtifacts } {
  let artifacts: tf.io.ModelArtifacts | undefined;
  const handler = tf.io.withSaveHandler(async (a) => {
    artifacts = structuredClone(a); // what crosses a postMessage or an IndexedDB put
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
  return { handler, saved: () => artifacts! };
}

describe('checkpoints through tf.io handlers', () => {
  it('saves to a handler what it saves to a directory, and loads it back from memory', async () => {
    const agent = new PPO(vec(), opts);
    await agent.learn({ totalTimesteps: 256 });
    const dir = join(root, 'same');
    await agent.save(dir);
    const m = memory();
    await agent.save(m.handler);
    const artifacts = m.saved();
    // the directory's manifest holds the same header and weight specs, its weights file the same bytes
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown }[] };
    expect(artifacts.modelTopology).toEqual(manifest.modelTopology);
    expect(artifacts.weightSpecs).toEqual(manifest.weightsManifest[0]!.weights);
    const bytes = readFileSync(join(dir, manifest.weightsManifest[0]!.paths[0]!));
    expect(Buffer.from(artifacts.weightData as ArrayBuffer).equals(bytes)).toBe(true);

    const before = tf.memory().numTensors;
    const loaded = await PPO.load(tf.io.fromMemory(artifacts), vec());
    for (let i = 0; i < 20; i++) {
      const obs = Float32Array.from({ length: 4 }, (_, k) => Math.cos(i * 3 + k));
      expect(loaded.predict(obs, { deterministic: true })).toBe(agent.predict(obs, { deterministic: true }));
    }
    expect(Array.from(loaded.policy.params.dataSync())).toEqual(Array.from(agent.policy.params.dataSync()));
    expect(loaded.numTimesteps).toBe(256);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  }, 60_000);

  it('resumes exactly from a handler: save, load on the live env, train on = never stopped', async () => {
    const a = new PPO(vec(), opts);
    await a.learn({ totalTimesteps: 256 });
    await a.learn({ totalTimesteps: 256 });
    const env = vec();
    const b = new PPO(env, opts);
    await b.learn({ totalTimesteps: 256 });
    const m = memory();
    await b.save(m.handler);
    b.dispose();
    const c = await PPO.load(tf.io.fromMemory(m.saved()), env);
    await c.learn({ totalTimesteps: 256 });
    expect(Array.from(c.policy.params.dataSync())).toEqual(Array.from(a.policy.params.dataSync()));
    a.dispose();
    c.dispose();
  }, 60_000);

  it('loads weights handed as a list of buffers (tfjs WeightData) and DQN with its replay buffer', async () => {
    const agent = new DQN(make('CartPole-v1'), { learningStarts: 50, bufferSize: 500, seed: 2 });
    await agent.learn({ totalTimesteps: 120 });
    const m = memory();
    await agent.save(m.handler);
    const a = m.saved();
    const data = new Uint8Array(a.weightData as ArrayBuffer);
    const cut = Math.floor(data.byteLength / 3);
    const split = { ...a, weightData: [data.slice(0, cut).buffer, data.slice(cut).buffer] };
    const loaded = await DQN.load(tf.io.fromMemory(split), make('CartPole-v1'));
    expect(loaded.numTimesteps).toBe(120);
    expect(Array.from(loaded.q.params.dataSync())).toEqual(Array.from(agent.q.params.dataSync()));
    expect(loaded.replayBuffer.size).toBe(agent.replayBuffer.size);
    expect(Array.from(loaded.replayBuffer.observations)).toEqual(Array.from(agent.replayBuffer.observations));
    loaded.dispose();
    agent.dispose();
  }, 60_000);

  it('refuses what is not a checkpoint target, naming the argument and the value', async () => {
    const agent = new PPO(make('CartPole-v1'), { seed: 0 });
    const env = make('CartPole-v1');
    // no IndexedDB in Node: tfjs registers no router for it, and the error says where it exists
    await expect(agent.save('indexeddb://my-agent')).rejects.toThrow(/dir "indexeddb:\/\/my-agent": tfjs has no save handler for indexeddb:\/\/ here/);
    await expect(PPO.load('localstorage://x', env)).rejects.toThrow(InvalidArgumentError);
    await expect(agent.save({} as tf.io.IOHandler)).rejects.toThrow(/dir must be a directory path, a tfjs URL .* or a tf\.io\.IOHandler with save\(\), got/);
    await expect(PPO.load(tf.io.withSaveHandler(async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), env)).rejects.toThrow(/IOHandler with load\(\)/);
    await expect(agent.save('' as string)).rejects.toThrow(InvalidArgumentError);
    await expect(agent.save(42 as unknown as string)).rejects.toThrow(/got 42/);
    agent.dispose();
  });

  it('refuses artifacts that hold no tradegym agent, or another algorithm, with no tensors left behind', async () => {
    const env = make('CartPole-v1');
    const before = tf.memory().numTensors;
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    const m = memory();
    await model.save(m.handler); // a Keras model, not an agent
    model.dispose();
    await expect(PPO.load(tf.io.fromMemory(m.saved()), env)).rejects.toThrow(CheckpointError);
    await expect(PPO.load(tf.io.fromMemory(m.saved()), env)).rejects.toThrow(/holds no tradegym agent/);
    await expect(PPO.load({ load: async () => undefined as unknown as tf.io.ModelArtifacts }, env)).rejects.toThrow(/the handler returned nothing/);
    const dqn = new DQN(env, { seed: 1 });
    const d = memory();
    await dqn.save(d.handler);
    dqn.dispose();
    const noWeights = { ...d.saved(), weightData: undefined };
    await expect(DQN.load(tf.io.fromMemory(noWeights), env)).rejects.toThrow(/has no weights/);
    await expect(PPO.load(tf.io.fromMemory(d.saved()), env)).rejects.toThrow(/holds a DQN agent, not PPO/);
    expect(tf.memory().numTensors).toBe(before);
    // nothing was written anywhere by these handlers
    expect(readdirSync(root).filter((f) => !f.startsWith('same'))).toEqual([]);
  });

  it('routes tfjs URLs through the routers tfjs has (as a browser has indexeddb://), callbacks included', async () => {
    // a storage scheme of our own, registered as tfjs-node registers file:// and browsers indexeddb://
    const store = new Map<string, tf.io.ModelArtifacts>();
    const route = (url: string | string[]) => (typeof url === 'string' && url.startsWith('mem://') ? url.slice('mem://'.length) : undefined);
    // a router answers null for a URL that is not its own (tfjs's type says IOHandler)
    const none = null as unknown as tf.io.IOHandler;
    tf.io.registerSaveRouter((url) => {
      const key = route(url);
      return key === undefined ? none : tf.io.withSaveHandler(async (a) => (store.set(key, structuredClone(a)), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }));
    });
    tf.io.registerLoadRouter((url) => {
      const key = route(url);
      return key === undefined ? none : { load: async () => store.get(key) as tf.io.ModelArtifacts };
    });
    const agent = new PPO(vec(), { ...opts, nSteps: 32 });
    const checkpoints = new CheckpointCallback({ saveFreq: 128, savePath: 'mem://runs/', namePrefix: 'ppo' });
    const best = new EvalCallback(make('CartPole-v1'), { evalFreq: 128, nEvalEpisodes: 1, bestModelSavePath: 'mem://best' });
    await agent.learn({ totalTimesteps: 256, callback: [checkpoints, best] });
    expect(checkpoints.saved).toEqual(['mem://runs/ppo_128_steps', 'mem://runs/ppo_256_steps']);
    expect([...store.keys()].sort()).toEqual(['best', 'runs/ppo_128_steps', 'runs/ppo_256_steps']);
    const loaded = await PPO.load('mem://runs/ppo_256_steps', vec());
    expect(loaded.numTimesteps).toBe(256);
    expect(Array.from(loaded.policy.params.dataSync())).toEqual(Array.from(agent.policy.params.dataSync()));
    loaded.dispose();
    agent.dispose();
  }, 60_000);

  it('checks artifacts from a handler as strictly as a directory: malformed weights, header or options are CheckpointErrors, with no tensor left behind', async () => {
    const env = make('CartPole-v1');
    const agent = new PPO(env, { seed: 4 });
    const m = memory();
    await agent.save(m.handler);
    agent.dispose();
    const good = m.saved();
    const specs = good.weightSpecs!;
    const data = good.weightData as ArrayBuffer;
    const before = tf.memory().numTensors;
    const cases: [string, tf.io.ModelArtifacts, RegExp][] = [
      ['a spec more', { ...good, weightSpecs: [...specs, { name: 'z', shape: [1_000_000], dtype: 'float32' }] }, /its weights are \d+ bytes, the weight specs need \d+ \(truncated\)/],
      ['a bad dtype', { ...good, weightSpecs: [...specs.slice(0, -1), { ...specs.at(-1)!, dtype: 'float64' as never }] }, /weightSpecs\[\d+\]\.dtype must be one of 'float32', 'int32', 'bool', got "float64"/],
      ['no specs', { ...good, weightSpecs: [] }, /its weights are \d+ bytes, the weight specs need 0/],
      ['specs that are not objects', { ...good, weightSpecs: [1, 2] as never }, /weightSpecs\[0\] must be/],
      ['truncated weights', { ...good, weightData: data.slice(0, data.byteLength - 4) }, /\(truncated\)/],
      ['a negative step count', { ...good, modelTopology: { ...(good.modelTopology as object), numTimesteps: -5 } }, /modelTopology\.numTimesteps must be an integer >= 0, got -5/],
      ['a bad schedule', { ...good, modelTopology: { ...(good.modelTopology as { options: object }), options: { ...(good.modelTopology as { options: object }).options, learningRate: { schedule: 'nope' } } } }, /a saved option is not valid: schedule must be 'constant' or 'linear'/],
    ];
    for (const [what, artifacts, re] of cases) {
      const e = await PPO.load(tf.io.fromMemory(artifacts), env).catch((x: unknown) => x);
      expect(e, what).toBeInstanceOf(CheckpointError);
      expect((e as Error).message, what).toMatch(re);
    }
    expect(tf.memory().numTensors).toBe(before);
    // a storage that fails: its error, as a CheckpointError naming the argument
    await expect(PPO.load({ load: async () => Promise.reject(new Error('quota exceeded')) }, env)).rejects.toThrow(/^checkpoint dir \(a tf\.io\.IOHandler\): loading failed: quota exceeded$/);
    const saver = new PPO(env, { seed: 4 });
    await expect(saver.save({ save: async () => Promise.reject(new Error('disk full')) })).rejects.toThrow(/^checkpoint dir \(a tf\.io\.IOHandler\): saving failed: disk full$/);
    saver.dispose();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { combinedExtractor, extractorFromDescription, lstmExtractor, PPO, tcnExtractor, useBackend } from '../../src/agents/index.js';
import { Box, Discrete, DictSpace, Env, FlattenObservation, InvalidArgumentError, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// account (2) < pos (Discrete 3, one-hot) < window ([6, 2]) in key order: 2 + 3 + 12 = 17 flat values
const space = () => new DictSpace({ window: new Box(-3, 3, [6, 2]), account: new Box(-1, 1, [2]), pos: new Discrete(3) });

/**
 * A Dict env whose reward asks for remembering: the action should equal the sign of the sum
 * of the window's first feature (0 or 1); its observations come from its own rng.
 */
class DictEnv extends Env<{ window: Float32Array; account: Float32Array; pos: number }, number> {
  readonly observationSpace = space();
  readonly actionSpace = new Discrete(2);
  #obs = this.#draw();
  #t = 0;
  #draw() {
    const r = () => (this.rng === undefined ? 0 : this.rng.uniform(-1, 1));
    return { window: Float32Array.from({ length: 12 }, r), account: Float32Array.from({ length: 2 }, r), pos: 1 };
  }
  protected resetEnv(): ResetResult<{ window: Float32Array; account: Float32Array; pos: number }> {
    this.#t = 0;
    this.#obs = this.#draw();
    return { observation: this.#obs, info: {} };
  }
  protected stepEnv(a: number): StepResult<{ window: Float32Array; account: Float32Array; pos: number }> {
    let s = 0;
    for (let i = 0; i < 6; i++) s += this.#obs.window[2 * i] as number;
    const reward = a === (s > 0 ? 1 : 0) ? 1 : 0;
    this.#obs = this.#draw();
    this.#t++;
    return { observation: this.#obs, reward, terminated: false, truncated: this.#t >= 20, info: {} };
  }
}

describe('combinedExtractor', () => {
  it('slices each key back out of the flat observation: keys left out pass through, a key with an extractor runs it on its own Box', () => {
    const f = combinedExtractor(space(), { window: lstmExtractor({ units: 5 }) });
    const model = f(new Box(-3, 3, [17]), 4);
    expect(model.outputs[0]!.shape).toEqual([null, 2 + 3 + 5]);
    const x = Float32Array.from({ length: 2 * 17 }, (_, i) => Math.sin(i));
    const out = tf.tidy(() => (model.predict(tf.tensor2d(x, [2, 17])) as tf.Tensor).arraySync()) as number[][];
    // the nested LSTM model, run by hand on the window's 12 values of each row
    const lstm = model.layers.find((l) => l instanceof tf.LayersModel) as tf.LayersModel;
    for (let r = 0; r < 2; r++) {
      const row = x.subarray(r * 17, (r + 1) * 17);
      expect(out[r]!.slice(0, 5).map((v) => Math.fround(v))).toEqual(Array.from(row.subarray(0, 5))); // account (2) and pos's one-hot (3)
      const want = tf.tidy(() => (lstm.predict(tf.tensor2d(row.subarray(5, 17), [1, 12])) as tf.Tensor).dataSync());
      out[r]!.slice(5).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    }
    model.dispose();
  });

  it('is rebuilt from its JSON description with the same weights for the same seed', () => {
    const f = combinedExtractor(space(), { window: tcnExtractor({ channels: [4], kernelSize: 2 }) });
    const g = extractorFromDescription(JSON.parse(JSON.stringify(f.description)));
    expect(g.description).toEqual(f.description);
    const [a, b] = [f(new Box(-3, 3, [17]), 9), g(new Box(-3, 3, [17]), 9)];
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(b)).toEqual(weights(a));
    expect(weights(a).length).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });

  it('refuses an unknown key, a non-Box key, a factory that is not built in, and an observation of another size, leaving no tensors', () => {
    const before = tf.memory().numTensors;
    expect(() => combinedExtractor(space(), { prices: lstmExtractor() })).toThrow(/extractors\.prices must be a key of the Dict space \(account, pos, window\)/);
    expect(() => combinedExtractor(space(), { pos: lstmExtractor() })).toThrow(/extractors\.pos must be on a Box key/);
    expect(() => combinedExtractor(space(), { window: (() => tf.sequential()) as never })).toThrow(/extractors\.window must be a built-in extractor/);
    expect(() => combinedExtractor(new Box(0, 1, [3]) as never)).toThrow(InvalidArgumentError);
    expect(() => combinedExtractor(space())(new Box(-3, 3, [16]), 0)).toThrow(/observationSpace must be a Box of the flattened Dict's 17 values/);
    // a sub-extractor that does not fit its key's Box (a window of 7 steps in a 6-step Box) leaves nothing either
    expect(() => combinedExtractor(space(), { window: tcnExtractor({ layout: { window: 7, features: 2 } }) })(new Box(-3, 3, [17]), 0)).toThrow(/layout must be a window of at most the observation size 12/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('PPO learns on a Dict env through FlattenObservation, and save/load resume exactly with the tensor count flat', async () => {
    const vec = () => new SyncVectorEnv(Array.from({ length: 2 }, () => () => new FlattenObservation(new DictEnv())), { autoresetMode: 'same-step' });
    const options = { featuresExtractor: combinedExtractor(space(), { window: lstmExtractor({ units: 8 }) }), nSteps: 32, batchSize: 32, nEpochs: 4, learningRate: 3e-3, seed: 3 } as const;
    const before = tf.memory().numTensors;
    // A trains without stopping; B trains as far, is saved and loaded into C on B's live env
    const a = new PPO(vec(), options);
    expect(a.compute).toBe('tfjs');
    const rewards: number[] = [];
    await a.learn({ totalTimesteps: 3008, callback: (r) => void rewards.push(r['rollout/ep_rew_mean'] ?? Number.NaN) });
    // random actions score 10 of 20; the sign of a window sum is learnable from the window alone
    expect(rewards.slice(-5).reduce((x, y) => x + y, 0) / 5).toBeGreaterThan(13);
    await a.learn({ totalTimesteps: 128 });
    const envB = vec();
    const b = new PPO(envB, options);
    await b.learn({ totalTimesteps: 3008 });
    const dir = join(mkdtempSync(join(tmpdir(), 'tradegym-combined-')), 'ppo');
    await b.save(dir);
    const c = await PPO.load(dir, envB);
    expect(c.policy.featuresExtractor!.getWeights().length).toBe(a.policy.featuresExtractor!.getWeights().length);
    await c.learn({ totalTimesteps: 128 });
    expect(Array.from(c.policy.params.dataSync())).toEqual(Array.from(a.policy.params.dataSync()));
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(c.policy.featuresExtractor!)).toEqual(weights(a.policy.featuresExtractor!));
    for (const x of [a, b, c]) x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);
});

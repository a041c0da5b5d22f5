import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentTrainer, useBackend, type MultiAgentOptions } from '../../../src/agents/index.js';
import { PartnerBitGame } from './games.js';
import { tempDirPerTest } from '../../helpers/tempDir.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const dir = tempDirPerTest('tradegym-resume-');

type Agent = 'a' | 'b';
const mapping = (a: Agent) => a;
// a MAPPO policy and an A2C of other rollout lengths: at any save one of them is mid-rollout
const OPTIONS: MultiAgentOptions<Agent> = {
  policies: { a: { options: { nSteps: 8, batchSize: 8, nEpochs: 2 }, centralCritic: true }, b: { algorithm: 'A2C', options: { nSteps: 5 } } },
  policyMappingFn: mapping,
  seed: 3,
};
const envFn = () => new PartnerBitGame(2, 7); // episodes of 7 steps: saves fall mid-episode

/** Every policy's weights, the counters and the next deterministic and sampled actions. */
function fingerprint(t: MultiAgentTrainer<Agent, number>): unknown {
  const obs = { a: Float32Array.of(1), b: Float32Array.of(0) };
  return {
    weights: t.policyIds.map((id) => Array.from(t.policy(id).policy.params.dataSync())),
    steps: [t.numTimesteps, ...t.policyIds.map((id) => t.policy(id).numTimesteps)],
    sampled: Array.from({ length: 8 }, () => t.predict(obs)),
  };
}

/** A log record without its wall-clock entry. */
const timeless = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'time/fps'));

describe('MultiAgentTrainer resumes exactly from a checkpoint when the env can be snapshotted (cloneState)', () => {
  it.each([1, 2])('saved from a callback in the middle of learn(): the loaded run continues bit for bit as the uninterrupted one (numEnvs %i)', async (numEnvs) => {
    const total = 120 * numEnvs;
    const u = new MultiAgentTrainer<Agent, number>(envFn, { ...OPTIONS, numEnvs });
    const after: Record<string, number>[] = [];
    let savedAt = -1;
    await u.learn({
      totalTimesteps: total,
      callback: {
        onRolloutEnd: async ({ record: r }) => {
          if (savedAt >= 0) after.push(timeless(r));
          else if (r['time/total_timesteps'] === 16 * numEnvs) {
            // parallel step 8: a just updated, b is 3 rows into its rollout, the episode at step 1 of 7
            await u.save(dir());
            savedAt = u.numTimesteps;
          }
        },
      },
    });
    expect(savedAt).toBe(16 * numEnvs);
    const before = tf.memory().numTensors;
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping });
    const resumed: Record<string, number>[] = [];
    await r.learn({ totalTimesteps: total - savedAt, callback: (x) => void resumed.push(timeless(x)) });
    expect(resumed).toEqual(after);
    expect(fingerprint(r)).toEqual(fingerprint(u));
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    u.dispose();
  });

  it('saved between learn() calls: the same; and saving does not disturb the run that saved', async () => {
    const u = new MultiAgentTrainer<Agent, number>(envFn, OPTIONS);
    await u.learn({ totalTimesteps: 30 });
    await u.save(dir());
    await u.learn({ totalTimesteps: 50 });
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping });
    await r.learn({ totalTimesteps: 50 });
    const plain = new MultiAgentTrainer<Agent, number>(envFn, OPTIONS);
    await plain.learn({ totalTimesteps: 30 });
    await plain.learn({ totalTimesteps: 50 });
    const expected = fingerprint(plain);
    expect(fingerprint(u)).toEqual(expected);
    expect(fingerprint(r)).toEqual(expected);
    for (const t of [u, r, plain]) t.dispose();
  });

  it('without cloneState, a loaded trainer trains on from a fresh reset of a new env', async () => {
    // the same game, without cloneState and restoreState
    class NoSnapshot extends PartnerBitGame {
      constructor(...args: ConstructorParameters<typeof PartnerBitGame>) {
        super(...args);
        Object.assign(this, { cloneState: undefined, restoreState: undefined });
      }
    }
    const u = new MultiAgentTrainer<Agent, number>(() => new NoSnapshot(2, 7), OPTIONS);
    await u.learn({ totalTimesteps: 30 });
    await u.save(dir());
    const r = await MultiAgentTrainer.load(dir(), () => new NoSnapshot(2, 7), { policyMappingFn: mapping });
    expect(r.env.agents).toEqual([]); // not reset yet: learn() resets it
    await r.learn({ totalTimesteps: 10 });
    expect(r.numTimesteps).toBeGreaterThanOrEqual(40);
    r.dispose();
    u.dispose();
  });
});

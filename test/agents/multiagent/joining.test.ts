import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentTrainer, useBackend } from '../../../src/agents/index.js';
import { LateJoiner } from './games.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('MultiAgentTrainer with an agent that joins mid-episode', () => {
  it("starts the joiner's trajectory at its first observation: no transition before, an episode start there, returns cut at its end", async () => {
    // one episode = 5 parallel steps: early acts in steps 1-4 (truncated after 4), late joins
    // in step 2 and acts in steps 3-5 (terminated after 5); gamma 0.5, gaeLambda 1
    const t = new MultiAgentTrainer(() => new LateJoiner(), { policies: { p: { algorithm: 'A2C', options: { nSteps: 5, gamma: 0.5, gaeLambda: 1 } } }, seed: 0 });
    await t.learn({ totalTimesteps: 1 });
    const b = t.policy('p').rolloutBuffer;
    // columns: early (0), late (1); rows: parallel steps
    const col = (c: number, f: Float32Array | Uint8Array) => Array.from({ length: 5 }, (_, s) => f[s * 2 + c] as number);
    expect(col(1, b.resets)).toEqual([1, 1, 0, 0, 0]);
    expect(col(0, b.resets)).toEqual([0, 0, 0, 0, 1]);
    expect(col(1, b.episodeStarts).slice(2)).toEqual([1, 0, 0]);
    expect(col(1, b.observations).slice(2)).toEqual([Math.fround(2 / 5), Math.fround(3 / 5), Math.fround(4 / 5)]);
    // late's rewards 1, 1, 1 then termination: returns 1 + 0.5 (1 + 0.5 * 1) = 1.75, 1.5, 1
    expect(col(1, b.returns).slice(2)).toEqual([1.75, 1.5, 1]);
    // early's truncation is bootstrapped: its last reward is 1 + gamma V(final observation)
    const early = col(0, b.rewards);
    expect(early.slice(0, 3)).toEqual([1, 1, 1]);
    expect(early[3]).not.toBe(1);
    // agent steps: 1 + 1 + 2 + 2 + 1
    expect(t.numTimesteps).toBe(7);
    expect(t.policy('p').numTimesteps).toBe(7);
    t.dispose();
  });

  it('trains over many episodes with PPO and keeps the logs finite', async () => {
    const t = new MultiAgentTrainer(() => new LateJoiner(), { policies: { p: { options: { nSteps: 8, batchSize: 8, nEpochs: 1 } } }, seed: 0 });
    const records: Record<string, number>[] = [];
    await t.learn({ totalTimesteps: 64, callback: (r) => void records.push({ ...r }) });
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) expect(Number.isFinite(r['p/train/loss'])).toBe(true);
    // each agent's episodes: early earns 4, late 3
    expect(records.at(-1)?.['p/rollout/ep_rew_mean']).toBeCloseTo(3.5, 5);
    t.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentTrainer, useBackend } from '../../../src/agents/index.js';
import { InvalidArgumentError } from '../../../src/index.js';
import { Countdown, XorGame } from './games.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('MultiAgentTrainer with numEnvs copies of the env', () => {
  it('gives each agent of each copy its own column: every copy reads as the single env does', async () => {
    // as the single-env test of Countdown: gamma 0.5, gaeLambda 1, two episodes of 5 steps per copy
    const t = new MultiAgentTrainer(() => new Countdown(), { policies: { p: { algorithm: 'A2C', options: { nSteps: 10, gamma: 0.5, gaeLambda: 1 } } }, numEnvs: 3, seed: 3 });
    expect(t.envs).toHaveLength(3);
    expect(t.env).toBe(t.envs[0]);
    await t.learn({ totalTimesteps: 1 });
    const b = t.policy('p').rolloutBuffer;
    expect(b.nEnvs).toBe(3 * 2);
    // column of agent i (short 0, long 1) of copy e: e * 2 + i
    const col = (e: number, i: number, f: Float32Array | Uint8Array) => Array.from({ length: 10 }, (_, s) => f[s * 6 + e * 2 + i] as number);
    for (let e = 0; e < 3; e++) {
      expect(col(e, 0, b.resets)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
      expect(col(e, 1, b.resets)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(col(e, 0, b.returns).slice(0, 3)).toEqual([1.75, 1.5, 1]);
      expect(col(e, 1, b.rewards).slice(0, 4)).toEqual([1, 1, 1, 1]);
    }
    // 16 agent steps per copy in 10 parallel steps
    expect(t.numTimesteps).toBe(3 * 16);
    t.dispose();
  });

  it('learns the coordination game on the same agent-step budget with 4 copies (one shared policy)', async () => {
    let solved = 0;
    for (let seed = 0; seed < 5; seed++) {
      // the XOR test's settings, its 64-step rollouts split over 4 copies
      const t = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { shared: { options: { nSteps: 16, batchSize: 64, nEpochs: 4, learningRate: 1e-3, gamma: 0, activation: 'relu' } } }, numEnvs: 4, seed });
      await t.learn({ totalTimesteps: 12_000 });
      let ok = 0;
      for (const x of [0, 1]) {
        for (const y of [0, 1]) {
          const act = t.predict({ a: Float32Array.of(x, y), b: Float32Array.of(y, x) }, { deterministic: true });
          if (act.a === (x ^ y) && act.b === (x ^ y)) ok++;
        }
      }
      if (ok === 4) solved++;
      t.dispose();
    }
    expect(solved).toBeGreaterThanOrEqual(4);
  });

  it('refuses a numEnvs that is not an integer >= 1', () => {
    expect(() => new MultiAgentTrainer(() => new XorGame(), { policies: { p: {} }, numEnvs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new MultiAgentTrainer(() => new XorGame(), { policies: { p: {} }, numEnvs: 1.5 })).toThrow(/numEnvs must be an integer >= 1, got 1.5/);
  });
});

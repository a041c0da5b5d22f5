import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { FlatAdam, orthogonal } from '../../src/agents/common/ActorCritic.js';
import { RolloutBuffer } from '../../src/agents/common/RolloutBuffer.js';
import { argmax, logSoftmaxAt, sampleCategorical } from '../../src/agents/common/distributions.js';
import { constantSchedule, linearSchedule, PPO, useBackend } from '../../src/agents/index.js';
import { chosenBackend } from '../../src/agents/backend.js';
import { resolveCompute } from '../../src/agents/common/kernels/registry.js';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { explainedVariance } from '../../src/agents/ppo/PPO.js';
import { Box, Discrete, Env, Rng, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('RolloutBuffer GAE', () => {
  it('computes advantages and returns by hand, cutting at episode starts', () => {
    // one env, 3 steps; rewards 1, 1, 1; values 0.5, 0.6, 0.7; the episode restarts at step 2
    // (episodeStarts[2] = 1); after the last step, value 0.8 and not done. gamma 0.9, lambda 0.5.
    const b = new RolloutBuffer(3, 1, 1, 1);
    b.rewards.set([1, 1, 1]);
    b.values.set([0.5, 0.6, 0.7]);
    b.episodeStarts.set([1, 0, 1]);
    b.pos = 3;
    b.computeReturnsAndAdvantage(Float32Array.of(0.8), Float32Array.of(0), 0.9, 0.5);
    // step 2: delta = 1 + 0.9 * 0.8 - 0.7 = 1.02; A2 = 1.02
    // step 1: next starts an episode, so delta = 1 - 0.6 = 0.4 and A1 = 0.4
    // step 0: delta = 1 + 0.9 * 0.6 - 0.5 = 1.04; A0 = 1.04 + 0.9 * 0.5 * 0.4 = 1.22
    expect(Array.from(b.advantages)).toEqual([expect.closeTo(1.22, 6), expect.closeTo(0.4, 6), expect.closeTo(1.02, 6)]);
    expect(Array.from(b.returns)).toEqual([expect.closeTo(1.72, 6), expect.closeTo(1.0, 6), expect.closeTo(1.72, 6)]);
  });
});

describe('FlatAdam', () => {
  it("takes PyTorch's first step: lr * sign(g) (bias-corrected m / sqrt(v))", () => {
    // m = 0.1 g, v = 0.001 g^2; step = lr / (1 - 0.9) * m / (sqrt(v) / sqrt(1 - 0.999) + eps) = lr * sign(g)
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new FlatAdam(2, 0.9, 0.999, 1e-8);
    tf.tidy(() => adam.apply(p, tf.tensor1d([0.5, -3]), 0.1));
    expect(Array.from(p.dataSync())).toEqual([expect.closeTo(0.9, 6), expect.closeTo(-1.9, 6)]);
    p.dispose();
    adam.dispose();
  });
});

describe('helpers', () => {
  it('schedules follow the progress remaining', () => {
    expect(constantSchedule(0.2)(0.3)).toBe(0.2);
    expect(linearSchedule(1e-3)(1)).toBe(1e-3);
    expect(linearSchedule(1e-3)(0)).toBe(0);
    expect(linearSchedule(1, 0.5)(0.5)).toBe(0.75);
  });

  it('explained variance: 1 for perfect values, 0 for the mean, NaN for constant returns', () => {
    expect(explainedVariance([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(explainedVariance([2, 2, 2], [1, 2, 3])).toBe(0);
    expect(explainedVariance([0, 0], [5, 5])).toBeNaN();
  });

  it('categorical helpers: log softmax, argmax and sampling frequencies', () => {
    expect(logSoftmaxAt([0, 0], 1)).toBeCloseTo(Math.log(0.5), 14);
    expect(argmax([0.1, 3, -1])).toBe(1);
    const rng = new Rng(0);
    let ones = 0;
    for (let i = 0; i < 20_000; i++) ones += sampleCategorical([0, Math.log(3)], rng); // p(1) = 3/4
    expect(Math.abs(ones / 20_000 - 0.75)).toBeLessThan(0.015); // se 0.003
  });
});

describe('useBackend', () => {
  it("falls through to a registered backend with 'auto' (here tfjs-node is an alias without its backend)", async () => {
    const chosen = await useBackend('auto');
    expect(['wasm', 'cpu']).toContain(chosen);
    expect(await useBackend('cpu')).toBe('cpu');
    await expect(useBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' needs the package @tensorflow\/tfjs-node/);
    await expect(useBackend('gpu' as never)).rejects.toThrow(/name must be one of 'auto', 'tensorflow', 'wasm', 'webgl', 'webgpu', 'cpu', got "gpu"/);
    await useBackend('cpu');
  });

  it("counts only a backend useBackend chose for compute 'auto' (not tfjs's own default in a page)", async () => {
    // a stand-in 'tensorflow' backend (a cpu backend under that name; no tensor is made on it),
    // set as tfjs sets its own default (webgl) in a page where nobody chose one
    tf.registerBackend('tensorflow', () => new MathBackendCPU());
    try {
      await tf.setBackend('tensorflow');
      expect(chosenBackend()).toBeUndefined();
      expect(resolveCompute('auto')).not.toBe('tfjs'); // the kernels, as with no choice at all
      expect(await useBackend('tensorflow')).toBe('tensorflow'); // chosen: then tfjs
      expect(chosenBackend()).toBe('tensorflow');
      expect(resolveCompute('auto')).toBe('tfjs');
    } finally {
      await useBackend('cpu');
      tf.removeBackend('tensorflow');
    }
    expect(chosenBackend()).toBe('cpu');
    expect(resolveCompute('auto')).not.toBe('tfjs');
  });

  it('refuses the GPU backends in Node, saying where they run, and keeps the backend it had', async () => {
    await useBackend('cpu');
    // tfjs registers webgl only where there is a browser; the webgpu package (installed here)
    // registers only where navigator.gpu exists
    await expect(useBackend('webgl')).rejects.toThrow(/^backend 'webgl' is not registered here: tfjs registers it only in a browser/);
    await expect(useBackend('webgpu')).rejects.toThrow(/^backend 'webgpu' needs the package @tensorflow\/tfjs-backend-webgpu, which is not installed or did not register it/);
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('orthogonal initialisation', () => {
  it("equals tfjs-layers' orthogonal initializer for the same seed (to float32 rounding), tall, square and wide", () => {
    for (const [rows, cols] of [[4, 64], [64, 64], [64, 2], [30, 40]] as const) {
      // tfjs warns above 2,000 elements (64 x 64): the reference's warning is spied away
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const reference = tf.tidy(() => tf.initializers.orthogonal({ gain: 1.3, seed: 17 }).apply([rows, cols]).dataSync());
      warn.mockRestore();
      const ours = tf.tidy(() => orthogonal(rows, cols, 1.3, 17).dataSync());
      expect(ours).toHaveLength(rows * cols);
      ours.forEach((v, i) => expect(v).toBeCloseTo(reference[i]!, 4));
    }
  });

  it('is orthogonal at any size: W^T W = gain^2 I for a tall 500 x 64 matrix', () => {
    const gram = tf.tidy(() => {
      const w = orthogonal(500, 64, 2, 5);
      return tf.matMul(w, w, true, false).arraySync() as number[][];
    });
    gram.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 4 : 0, 4)));
  });

  it('prints nothing: PPO on a 500-wide observation logs no "Slowness may result" warning (or anything else)', () => {
    class Wide extends Env<Float32Array, number> {
      readonly observationSpace = new Box(-1, 1, [500]);
      readonly actionSpace = new Discrete(3);
      protected resetEnv(): ResetResult<Float32Array> {
        return { observation: new Float32Array(500), info: {} };
      }
      protected stepEnv(): StepResult<Float32Array> {
        return { observation: new Float32Array(500), reward: 0, terminated: true, truncated: false, info: {} };
      }
    }
    const spies = (['warn', 'log', 'info', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    try {
      const agent = new PPO(new Wide(), { nSteps: 8, batchSize: 8, seed: 0 });
      agent.dispose();
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

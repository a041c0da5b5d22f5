import { describe, expect, it } from 'vitest';
import {
  Box,
  CartPole,
  ClipAction,
  Discrete,
  FrameStack,
  InvalidActionError,
  NormalizeObservation,
  NormalizeReward,
  Pendulum,
  RecordEpisodeStatistics,
  RunningMeanStd,
  TimeLimit,
  TradegymError,
} from '../../src/index.js';
import { ScriptedEnv } from '../helpers/ScriptedEnv.js';

describe('TimeLimit', () => {
  it('truncates exactly at maxEpisodeSteps, keeps the inner terminated flag, and counts from each reset', () => {
    const env = new TimeLimit(new ScriptedEnv(), 3);
    env.reset();
    expect([1, 2, 3].map(() => env.step(0).truncated)).toEqual([false, false, true]);
    expect(env.elapsedSteps).toBe(3);
    expect(() => env.step(0)).toThrow(/after the episode ended/);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    const both = new TimeLimit(new ScriptedEnv(2), 2);
    both.reset();
    both.step(0);
    const last = both.step(0);
    expect([last.terminated, last.truncated]).toEqual([true, true]); // Gymnasium sets both
  });

  it('rejects a limit that is not an integer >= 1', () => {
    expect(() => new TimeLimit(new CartPole(), 0)).toThrow(/maxEpisodeSteps must be an integer >= 1, got 0/);
  });
});

describe('RunningMeanStd', () => {
  // Chan et al.'s combination of two groups, written out once: the prior (count eps, mean 0,
  // var 1) and the data (count n, mean m, population var v) combine to
  //   mean = n m / (eps + n),   var = (eps * 1 + n v + m^2 eps n / (eps + n)) / (eps + n).
  // Sequential one-sample updates must land on the same numbers.
  it('sequential updates equal the closed-form combination of the prior and the data', () => {
    const xs = [3, -1, 4, 1, -5, 9, 2, 6];
    const rms = new RunningMeanStd(1);
    for (const x of xs) rms.update([x]);
    const eps = 1e-4;
    const n = xs.length;
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / n;
    expect(rms.mean[0]).toBeCloseTo((n * m) / (eps + n), 12);
    expect(rms.var[0]).toBeCloseTo((eps + n * v + (m * m * eps * n) / (eps + n)) / (eps + n), 12);
    expect(rms.count).toBeCloseTo(n + eps, 12);
  });

  it('round-trips its state and rejects bad state', () => {
    const a = new RunningMeanStd(2);
    a.update([1, 2]);
    const b = new RunningMeanStd(2);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.getState()).toEqual(a.getState());
    expect(() => b.setState({ mean: [0], var: [1], count: 1 })).toThrow(/state\.mean must be an array of 2 numbers/);
    expect(() => b.setState({ mean: [0, 0], var: [1, -1], count: 1 })).toThrow(/state\.var\[1\] must be a finite number >= 0, got -1/);
  });
});

describe('NormalizeObservation', () => {
  it('normalises with statistics updated by each observation first (Gymnasium 1.x order)', () => {
    // first observation x0 = 0 (ScriptedEnv reset without a seed): mean = 0 / 1.0001 = 0 and
    // var = (1e-4 * 1 + 0) / 1.0001, so the normalised observation is exactly 0.
    const env = new NormalizeObservation(new ScriptedEnv());
    expect(env.reset().observation[0]).toBe(0);
    // second observation x1 = 1: tot = 1.0001 + 1; mean = 0 + 1/2.0001;
    // var = (var0 * 1.0001 + 1 * 1.0001 / 2.0001) / 2.0001 with var0 = 1e-4 / 1.0001
    const mean = 1 / 2.0001;
    const variance = (1e-4 + 1.0001 / 2.0001) / 2.0001;
    expect(env.step(0).observation[0]).toBeCloseTo((1 - mean) / Math.sqrt(variance + 1e-8), 6);
  });

  it('converges to zero mean and unit variance on a long stream', () => {
    const env = new NormalizeObservation(new ScriptedEnv(Infinity));
    env.reset();
    const out: number[] = [];
    for (let t = 0; t < 5000; t++) out.push(env.step(0).observation[0]!);
    // observations 1..5000; the last 1000 normalised values use nearly final statistics:
    // mean of 1..5000 is 2500.5, std is sqrt((5000^2 - 1)/12) ≈ 1443.38
    expect(out[4999]).toBeCloseTo((5000 - 2500.5) / Math.sqrt((5000 ** 2 - 1) / 12), 2);
  });

  it('freezes with updateRunningMean = false and moves statistics between envs', () => {
    const train = new NormalizeObservation(new ScriptedEnv());
    train.reset({ seed: 10 });
    for (let i = 0; i < 10; i++) train.step(0);
    const evalEnv = new NormalizeObservation(new ScriptedEnv());
    evalEnv.setStatistics(train.getStatistics());
    evalEnv.updateRunningMean = false;
    const before = evalEnv.getStatistics();
    const o1 = evalEnv.reset({ seed: 10 }).observation[0]!;
    evalEnv.step(0);
    expect(evalEnv.getStatistics()).toEqual(before);
    const { mean, var: v } = train.getStatistics();
    expect(o1).toBeCloseTo((10 - mean[0]!) / Math.sqrt(v[0]! + 1e-8), 5);
  });

  it('has an unbounded Box of the same shape and rejects non-Box observation spaces', () => {
    const env = new NormalizeObservation(new CartPole());
    expect(env.observationSpace.shape).toEqual([4]);
    expect(env.observationSpace.low[0]).toBe(-Infinity);
    const discreteObs = { observationSpace: new Discrete(3), actionSpace: new Discrete(2) };
    expect(() => new NormalizeObservation(discreteObs as never)).toThrow(/env\.observationSpace \(for NormalizeObservation\) must be a Box, got "Discrete\(3\)"/);
  });
});

describe('NormalizeReward', () => {
  it('divides the reward by the std of the discounted return, updated first', () => {
    // constant reward 1: G1 = 1; var after one update = (1e-4 + 1 * 1e-4 / 1.0001) / 1.0001
    const env = new NormalizeReward(new ScriptedEnv(), { gamma: 0.99 });
    env.reset();
    const var1 = (1e-4 + 1e-4 / 1.0001) / 1.0001;
    expect(env.step(0).reward).toBeCloseTo(1 / Math.sqrt(var1 + 1e-8), 8);
    // G2 = 0.99 * 1 + 1 = 1.99
    env.step(0);
    expect(env.discountedReturn).toBeCloseTo(1.99, 12);
  });

  it('restarts the discounted return after termination (not after truncation), as Gymnasium 1.x', () => {
    const env = new NormalizeReward(new ScriptedEnv(2, [1]), { gamma: 0.5 });
    env.reset();
    env.step(0); // G = 1
    env.step(0); // terminated: G = 1 * 0.5 * 0 + 1 = 1
    expect(env.discountedReturn).toBe(1);
    const trunc = new NormalizeReward(new ScriptedEnv(2, [1], 'truncated'), { gamma: 0.5 });
    trunc.reset();
    trunc.step(0);
    trunc.step(0); // truncated: G = 1 * 0.5 + 1 = 1.5
    expect(trunc.discountedReturn).toBe(1.5);
  });

  it('freezes its statistics and rejects gamma outside [0, 1]', () => {
    const env = new NormalizeReward(new ScriptedEnv());
    env.updateRunningMean = false;
    env.reset();
    const r = env.step(0).reward; // var stays 1: 1 / sqrt(1 + 1e-8)
    expect(r).toBeCloseTo(1 / Math.sqrt(1 + 1e-8), 12);
    expect(() => new NormalizeReward(new ScriptedEnv(), { gamma: 1.5 })).toThrow(/gamma must be a number in \[0, 1\], got 1\.5/);
  });
});

describe('FrameStack', () => {
  it("fills the stack with the reset observation ('reset' padding) and rolls oldest-first", () => {
    const env = new FrameStack(new ScriptedEnv(), 3);
    expect(env.observationSpace.shape).toEqual([3, 1]);
    expect(Array.from(env.reset({ seed: 5 }).observation)).toEqual([5, 5, 5]);
    expect(Array.from(env.step(0).observation)).toEqual([5, 5, 6]);
    expect(Array.from(env.step(0).observation)).toEqual([5, 6, 7]);
    expect(Array.from(env.step(0).observation)).toEqual([6, 7, 8]);
    expect(Array.from(env.step(0).observation)).toEqual([7, 8, 9]);
    expect(Array.from(env.reset({ seed: 1 }).observation)).toEqual([1, 1, 1]);
  });

  it("pads with zeros under 'zero' padding", () => {
    const env = new FrameStack(new ScriptedEnv(), 3, { padding: 'zero' });
    expect(Array.from(env.reset({ seed: 4 }).observation)).toEqual([0, 0, 4]);
    expect(Array.from(env.step(0).observation)).toEqual([0, 4, 5]);
  });

  it('tiles the bounds and never mutates a returned observation', () => {
    const env = new FrameStack(new CartPole(), 2);
    expect(env.observationSpace.size).toBe(8);
    expect(env.observationSpace.high[4]).toBe(env.observationSpace.high[0]);
    const first = env.reset({ seed: 0 }).observation;
    const copy = first.slice();
    env.step(0);
    expect(Array.from(first)).toEqual(Array.from(copy));
  });

  it('rejects a bad stack size or padding', () => {
    expect(() => new FrameStack(new CartPole(), 0)).toThrow(/stackSize must be an integer >= 1, got 0/);
    expect(() => new FrameStack(new CartPole(), 2, { padding: 'edge' as never })).toThrow(/padding must be one of 'reset', 'zero', got "edge"/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('puts { r, l, t } in the info of the last step and keeps bounded queues', () => {
    const env = new RecordEpisodeStatistics(new ScriptedEnv(3, [1, 2, 3]), { bufferLength: 2 });
    for (let ep = 0; ep < 3; ep++) {
      env.reset();
      expect(env.step(0).info.episode).toBeUndefined();
      env.step(0);
      const last = env.step(0);
      const stats = last.info.episode as { r: number; l: number; t: number };
      expect(stats.r).toBe(6); // 1 + 2 + 3
      expect(stats.l).toBe(3);
      expect(stats.t).toBeGreaterThanOrEqual(0);
      expect(last.info.t).toBe(3); // the inner info survives
    }
    expect(env.episodeCount).toBe(3);
    expect(env.returnQueue).toEqual([6, 6]);
    expect(env.lengthQueue).toEqual([3, 3]);
  });

  it('refuses to overwrite an info key the inner env already uses', () => {
    const env = new RecordEpisodeStatistics(new ScriptedEnv(1), { statsKey: 't' });
    env.reset();
    expect(() => env.step(0)).toThrow(TradegymError);
    expect(() => new RecordEpisodeStatistics(new ScriptedEnv(), { bufferLength: 0 })).toThrow(/bufferLength must be an integer >= 1, got 0/);
  });
});

describe('ClipAction', () => {
  it('clips into the inner bounds: torque 10 acts as torque 2', () => {
    const clipped = new ClipAction(new Pendulum());
    const plain = new Pendulum();
    clipped.reset({ seed: 3 });
    plain.reset({ seed: 3 });
    const a = clipped.step(Float32Array.of(10));
    const b = plain.step(Float32Array.of(2));
    expect(Array.from(a.observation)).toEqual(Array.from(b.observation));
    expect(a.reward).toBe(b.reward);
    expect(Array.from(clipped.action(Float32Array.of(-7)))).toEqual([-2]);
  });

  it('exposes an unbounded Box, still rejects NaN and the wrong shape, and needs a Box action space', () => {
    const env = new ClipAction(new Pendulum());
    expect(env.actionSpace).toBeInstanceOf(Box);
    expect(env.actionSpace.high[0]).toBe(Infinity);
    env.reset({ seed: 0 });
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(InvalidActionError);
    expect(() => env.step(Float32Array.of(1, 1))).toThrow(InvalidActionError);
    expect(() => new ClipAction(new CartPole() as never)).toThrow(/env\.actionSpace \(for ClipAction\) must be a Box, got "Discrete\(2\)"/);
  });
});

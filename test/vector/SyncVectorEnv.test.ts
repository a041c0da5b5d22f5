import { describe, expect, it } from 'vitest';
import {
  CartPole,
  DictSpace,
  Discrete,
  Env,
  EnvClosedError,
  InvalidActionError,
  InvalidArgumentError,
  ResetNeededError,
  SyncVectorEnv,
  TimeLimit,
  type ResetResult,
  type StepResult,
} from '../../src/index.js';
import { ScriptedEnv } from '../helpers/ScriptedEnv.js';

// Two sub-envs: sub-env 0 ends after 2 steps, sub-env 1 after 3. Observations are
// [seed + t], rewards 10, 20, 30 by step.
function twoScripted(mode: 'next-step' | 'same-step' | 'disabled') {
  const subs = [new ScriptedEnv(2, [10, 20, 30]), new ScriptedEnv(3, [10, 20, 30])];
  const vec = new SyncVectorEnv(
    subs.map((e) => () => e),
    { autoresetMode: mode },
  );
  return { vec, subs };
}

describe('SyncVectorEnv', () => {
  it('batches observations as Float32Array, rewards as Float64Array, flags as Uint8Array', () => {
    const { vec } = twoScripted('next-step');
    const reset = vec.reset({ seed: 100 });
    expect(reset.observations).toBeInstanceOf(Float32Array);
    expect(Array.from(reset.observations)).toEqual([100, 101]); // sub-env i gets seed + i
    expect(reset.infos).toEqual([{ reset: 1 }, { reset: 1 }]);
    const r = vec.step([0, 1]);
    expect(r.rewards).toBeInstanceOf(Float64Array);
    expect(r.terminations).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.observations)).toEqual([101, 102]);
    expect(Array.from(r.rewards)).toEqual([10, 10]);
    expect(vec.observationSpace.shape).toEqual([2, 1]);
  });

  it("'next-step': the step after an end resets that sub-env, ignores its action, reward 0, flags 0", () => {
    const { vec, subs } = twoScripted('next-step');
    vec.reset({ seed: 0 });
    vec.step([0, 0]);
    const end = vec.step([0, 0]); // sub-env 0 terminates here
    expect(Array.from(end.terminations)).toEqual([1, 0]);
    expect(Array.from(end.observations)).toEqual([2, 3]); // the final observation of sub-env 0
    const steps0 = subs[0]!.stepsTaken;
    const next = vec.step([1, 1]);
    expect(subs[0]!.stepsTaken).toBe(steps0); // no step: a reset
    expect(next.observations[0]).toBe(0); // the reset observation (offset 0 kept from seed 0)
    expect(next.rewards[0]).toBe(0);
    expect(next.terminations[0]).toBe(0);
    expect(next.truncations[0]).toBe(0);
    expect(next.infos[0]).toEqual({ reset: 2 });
    expect(Array.from(next.terminations)).toEqual([0, 1]); // sub-env 1 ends on its 3rd step
    expect(next.rewards[1]).toBe(30);
    expect(vec.step([0, 0]).observations[0]).toBe(1); // sub-env 0 runs again
  });

  it("'same-step': the ending step returns the reset observation and puts the final one in info", () => {
    const { vec } = twoScripted('same-step');
    vec.reset({ seed: 0 });
    vec.step([0, 0]);
    const end = vec.step([0, 0]);
    expect(end.terminations[0]).toBe(1);
    expect(end.rewards[0]).toBe(20);
    expect(end.observations[0]).toBe(0); // already reset
    const info = end.infos[0]!;
    expect(Array.from(info.finalObservation as Float32Array)).toEqual([2]);
    expect(info.finalInfo).toEqual({ t: 2 });
    expect(info.reset).toBe(2);
    expect(vec.step([0, 0]).observations[0]).toBe(1); // stepping continues at once
  });

  it("'disabled': an ended sub-env must be reset with a mask; the others keep their state", () => {
    const { vec, subs } = twoScripted('disabled');
    vec.reset({ seed: 0 });
    vec.step([0, 0]);
    vec.step([0, 0]);
    expect(() => vec.step([0, 0])).toThrow(ResetNeededError);
    expect(() => vec.step([0, 0])).toThrow(/sub-env 0 ended on the last step; with autoresetMode 'disabled'/);
    const r = vec.reset({ mask: [true, false] });
    expect(Array.from(r.observations)).toEqual([0, 3]); // sub-env 1 keeps its last observation
    expect(r.infos[1]).toEqual({});
    expect(subs[1]!.resets).toBe(1);
    const s = vec.step([0, 0]);
    expect(Array.from(s.observations)).toEqual([1, 4]);
  });

  it('seeds sub-env i with seed + i, so its start equals a lone env reset with that seed', () => {
    const vec = new SyncVectorEnv(Array.from({ length: 3 }, () => () => new CartPole()));
    const { observations } = vec.reset({ seed: 42 });
    for (let i = 0; i < 3; i++) {
      const lone = new CartPole().reset({ seed: 42 + i }).observation;
      expect(Array.from(observations.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(lone));
    }
    const perEnv = vec.reset({ seed: [7, 8, 9] }).observations;
    expect(Array.from(perEnv.subarray(0, 4))).toEqual(Array.from(new CartPole().reset({ seed: 7 }).observation));
  });

  it('is deterministic: the same seed and actions give identical batches, bit for bit', () => {
    const run = () => {
      const vec = new SyncVectorEnv(Array.from({ length: 4 }, () => () => new TimeLimit(new CartPole(), 50)));
      vec.reset({ seed: 1 });
      vec.actionSpace.seed(1);
      const out: number[] = [];
      for (let t = 0; t < 300; t++) {
        const r = vec.step(vec.actionSpace.sample());
        out.push(...r.observations, ...r.rewards, ...r.terminations, ...r.truncations);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('returns fresh arrays by default and reuses buffers with copy: false', () => {
    const fresh = new SyncVectorEnv([() => new CartPole()]);
    const a = fresh.reset({ seed: 0 }).observations;
    const b = fresh.step([0]).observations;
    expect(a).not.toBe(b);
    const reuse = new SyncVectorEnv([() => new CartPole()], { copy: false });
    const c = reuse.reset({ seed: 0 }).observations;
    expect(reuse.step([0]).observations).toBe(c);
  });

  it('throws before the first reset and after close', () => {
    const vec = new SyncVectorEnv([() => new CartPole()]);
    expect(() => vec.step([0])).toThrow(ResetNeededError);
    vec.reset();
    vec.close();
    vec.close();
    expect(() => vec.step([0])).toThrow(/this SyncVectorEnv is closed/);
    expect(() => vec.step([0])).toThrow(EnvClosedError);
  });

  class DictObsEnv extends Env<{ a: number }, number> {
    readonly observationSpace = new DictSpace({ a: new Discrete(2) });
    readonly actionSpace = new Discrete(2);
    protected resetEnv(): ResetResult<{ a: number }> {
      return { observation: { a: 0 }, info: {} };
    }
    protected stepEnv(): StepResult<{ a: number }> {
      return { observation: { a: 0 }, reward: 0, terminated: false, truncated: false, info: {} };
    }
  }

  it.each([
    [() => new SyncVectorEnv([]), /envFns must be a non-empty array of env factories/],
    [() => new SyncVectorEnv([5 as never]), /envFns\[0\] must be a function returning an Env, got 5/],
    [() => new SyncVectorEnv([() => new CartPole()], { autoresetMode: 'later' as never }), /autoresetMode must be one of 'next-step', 'same-step', 'disabled', got "later"/],
    [() => new SyncVectorEnv([() => new CartPole(), () => new ScriptedEnv()]), /envFns\[1\]\(\)\.observationSpace must be equal to sub-env 0's Box/],
    [() => new SyncVectorEnv([() => new DictObsEnv() as never]), /envFns\[0\]\(\)\.observationSpace must be a Box/],
    [() => { const v = new SyncVectorEnv([() => new CartPole()]); v.reset(); v.step([0, 1]); }, /actions must be one action per sub-env \(1\)/],
    [() => new SyncVectorEnv([() => new CartPole(), () => new CartPole()]).reset({ seed: [1] }), /seed must be a number or an array of 2 seeds, got \[1\]/],
    [() => new SyncVectorEnv([() => new CartPole()]).reset({ seed: -2 }), /seed must be a safe integer >= 0, got -2/],
    [() => new SyncVectorEnv([() => new CartPole()]).reset({ mask: [true] }), /mask must be omitted on the first reset/],
    // unknown keys are errors, not silently ignored (a misspelt autoresetMode used to leave 'next-step' on)
    [() => new SyncVectorEnv([() => new CartPole()], { autoReset: 'same-step' } as never), /^options\.autoReset is not a known option \(known: autoresetMode, copy\), got "same-step"$/],
    [() => new SyncVectorEnv([() => new CartPole()]).reset({ seeds: 1 } as never), /^params\.seeds is not a known option \(known: seed, options, mask\), got 1$/],
  ])('rejects bad input %#', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('passes a bad action on to the sub-env, which rejects it with InvalidActionError', () => {
    const vec = new SyncVectorEnv([() => new CartPole()]);
    vec.reset();
    expect(() => vec.step([5])).toThrow(InvalidActionError);
  });
});

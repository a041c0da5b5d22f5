import { describe, expect, it } from 'vitest';
import { CartPole, InvalidActionError, InvalidArgumentError, ResetNeededError, TradegymError } from '../../src/index.js';
import { ScriptedEnv } from '../helpers/ScriptedEnv.js';

describe('Env contract', () => {
  it('throws ResetNeededError when stepping before the first reset', () => {
    const env = new ScriptedEnv();
    expect(() => env.step(0)).toThrow(ResetNeededError);
    expect(() => env.step(0)).toThrow(/step\(\) called before reset\(\)/);
    expect(env.stepsTaken).toBe(0);
  });

  it.each(['terminated', 'truncated'] as const)('throws ResetNeededError after the episode is %s, until reset', (kind) => {
    const env = new ScriptedEnv(2, [1], kind);
    env.reset();
    env.step(0);
    const last = env.step(0);
    expect(last[kind]).toBe(true);
    expect(() => env.step(0)).toThrow(/step\(\) called after the episode ended/);
    env.reset();
    expect(env.step(1).observation[0]).toBe(1);
  });

  it('validates actions against the action space before the env sees them', () => {
    const env = new ScriptedEnv();
    env.reset();
    expect(() => env.step(3)).toThrow(InvalidActionError);
    expect(() => env.step(3)).toThrow(/action must be in Discrete\(2\), got 3/);
    expect(env.stepsTaken).toBe(0);
  });

  it.each([
    [{ seed: -1 }, /seed must be a safe integer >= 0, got -1/],
    [{ seed: 0.5 }, /seed must be a safe integer >= 0, got 0\.5/],
    [{ options: 5 }, /options must be a plain object, got 5/],
    [{ options: [1] }, /options must be a plain object, got \[1\]/],
  ])('rejects bad reset params %j', (params, message) => {
    const env = new CartPole();
    expect(() => env.reset(params as never)).toThrow(InvalidArgumentError);
    expect(() => env.reset(params as never)).toThrow(message);
  });

  it('re-seeds on reset({ seed }) and continues the stream on reset()', () => {
    const a = new CartPole();
    const b = new CartPole();
    const a1 = a.reset({ seed: 3 }).observation;
    const a2 = a.reset().observation;
    const b1 = b.reset({ seed: 3 }).observation;
    const b2 = b.reset().observation;
    expect(Array.from(a1)).toEqual(Array.from(b1));
    expect(Array.from(a2)).toEqual(Array.from(b2));
    expect(Array.from(a1)).not.toEqual(Array.from(a2));
  });

  it('every error is a TradegymError', () => {
    expect(() => new CartPole().step(0)).toThrow(TradegymError);
  });

  it('unwrapped is the env itself', () => {
    const env = new CartPole();
    expect(env.unwrapped).toBe(env);
  });
});

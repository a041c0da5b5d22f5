import { describe, expect, it } from 'vitest';
import { CartPole, InvalidArgumentError, make, register, registeredEnvs, TimeLimit } from '../../src/index.js';
import { ScriptedEnv } from '../helpers/ScriptedEnv.js';

describe('registry', () => {
  it("make('CartPole-v1') wraps CartPole in a 500-step TimeLimit and records the spec", () => {
    const env = make('CartPole-v1');
    expect(env).toBeInstanceOf(TimeLimit);
    expect((env as TimeLimit<Float32Array, number>).maxEpisodeSteps).toBe(500);
    expect(env.unwrapped).toBeInstanceOf(CartPole);
    expect(env.spec).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500 });
    expect(env.unwrapped.spec).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500 });
  });

  it('lists the built-in envs', () => {
    const ids = registeredEnvs().map((s) => s.id);
    expect(ids).toContain('CartPole-v1');
    expect(ids).toContain('Pendulum-v1');
  });

  it('registers a factory, passes it the options, and lets make override or remove the limit', () => {
    let seen: unknown;
    register(
      'Scripted-v0',
      (o) => {
        seen = o;
        return new ScriptedEnv();
      },
      { maxEpisodeSteps: 3 },
    );
    const env = make('Scripted-v0', { endAt: 9 });
    expect(seen).toEqual({ endAt: 9 });
    env.reset();
    expect([env.step(0), env.step(0), env.step(0)].map((r) => r.truncated)).toEqual([false, false, true]);
    const longer = make('Scripted-v0', { maxEpisodeSteps: 5 });
    expect((longer as TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(5);
    const unlimited = make('Scripted-v0', { maxEpisodeSteps: null });
    expect(unlimited).toBeInstanceOf(ScriptedEnv);
    expect(unlimited.spec).toEqual({ id: 'Scripted-v0', maxEpisodeSteps: null });
  });

  it.each([
    [() => make('Nope-v0'), /id must be a registered env id, got "Nope-v0"; registered: CartPole-v1, CartPoleNoVel-v1, Pendulum-v1/],
    [() => make('CartPole-v1', { foo: 1 } as never), /options\.foo is not a known option \(none are accepted\), got 1/],
    [() => make('CartPole-v1', { maxEpisodeSteps: 0 }), /maxEpisodeSteps must be an integer >= 1, got 0/],
    [() => register('CartPole-v1', () => new CartPole()), /id "CartPole-v1" is already registered/],
    [() => register('has space', () => new CartPole()), /id must be a non-empty string without spaces, got "has space"/],
    [() => register('X-v0', 5 as never), /factory must be a function returning an Env, got 5/],
    [() => register('Y-v0', () => new CartPole(), { maxEpisodeSteps: 1.5 }), /maxEpisodeSteps must be an integer >= 1, got 1\.5/],
  ])('rejects bad input %#', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('replaces a registration only with override: true', () => {
    register('Twice-v0', () => new ScriptedEnv(1));
    register('Twice-v0', () => new ScriptedEnv(2), { override: true });
    const env = make('Twice-v0');
    env.reset();
    expect(env.step(0).terminated).toBe(false);
  });
});

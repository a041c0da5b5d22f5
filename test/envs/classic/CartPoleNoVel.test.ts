import { describe, expect, it } from 'vitest';
import { CartPole, CartPoleNoVel, checkEnv, InvalidArgumentError, make, registeredEnvs, Rng } from '../../../src/index.js';

describe('CartPoleNoVel', () => {
  it("observes CartPole's [x, theta] on the same trajectory, over many seeds and random actions", () => {
    for (let seed = 0; seed < 20; seed++) {
      const full = new CartPole();
      const partial = new CartPoleNoVel();
      const a = full.reset({ seed });
      const b = partial.reset({ seed });
      expect(Array.from(b.observation)).toEqual([a.observation[0], a.observation[2]]);
      const rng = new Rng(seed + 100);
      for (let t = 0; t < 200; t++) {
        const action = rng.integer(0, 2);
        const ra = full.step(action);
        const rb = partial.step(action);
        expect(Array.from(rb.observation)).toEqual([ra.observation[0], ra.observation[2]]);
        expect([rb.reward, rb.terminated, rb.truncated]).toEqual([ra.reward, ra.terminated, ra.truncated]);
        if (ra.terminated) break;
      }
    }
  });

  it("has CartPole's bounds for x and theta (±4.8, ±24 degrees) and passes checkEnv", () => {
    const env = new CartPoleNoVel();
    expect(env.observationSpace.shape).toEqual([2]);
    expect(Array.from(env.observationSpace.high)).toEqual([Math.fround(4.8), Math.fround((24 * Math.PI) / 180)]);
    expect(Array.from(env.observationSpace.low)).toEqual([Math.fround(-4.8), Math.fround((-24 * Math.PI) / 180)]);
    expect(checkEnv(new CartPoleNoVel())).toContain('reset-needed');
  });

  it("is registered as 'CartPoleNoVel-v1' with a 500-step limit, and refuses options", () => {
    expect(registeredEnvs().find((s) => s.id === 'CartPoleNoVel-v1')).toEqual({ id: 'CartPoleNoVel-v1', maxEpisodeSteps: 500 });
    const env = make('CartPoleNoVel-v1');
    env.reset({ seed: 1 });
    // always pushing left tips the pole within a few dozen steps: a termination, not the limit
    let steps = 0;
    let last = env.step(0);
    for (steps = 1; !last.terminated && !last.truncated; steps++) last = env.step(0);
    expect(last.terminated).toBe(true);
    expect(steps).toBeLessThan(100);
    expect(() => make('CartPoleNoVel-v1', { gravity: 1 } as never)).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { checkEnv, InvalidActionError, make, Pendulum } from '../../../src/index.js';

describe('Pendulum', () => {
  it('costs nothing upright and at rest with no torque: reward 0, observation [1, 0, 0]', () => {
    const env = new Pendulum();
    env.reset({ seed: 0 });
    env.state = [0, 0];
    const r = env.step(Float32Array.of(0));
    expect(r.reward).toBe(-0); // -(0 + 0 + 0)
    expect(Array.from(r.observation)).toEqual([1, 0, 0]);
  });

  it("gives Gymnasium's documented minimum reward -16.2736044 at theta = pi, speed 8, torque 2", () => {
    // Gymnasium's docstring: -(pi^2 + 0.1 * 8^2 + 0.001 * 2^2) = -16.2736044
    const env = new Pendulum();
    env.reset({ seed: 0 });
    env.state = [Math.PI, 8];
    expect(env.step(Float32Array.of(2)).reward).toBeCloseTo(-16.2736044, 7);
  });

  it('by hand: theta = pi/2, at rest, torque 1', () => {
    // cost = (pi/2)^2 + 0 + 0.001 * 1 = 2.4674011 + 0.001 = 2.4684011
    // thetaDot' = 0 + (3*10/2 * sin(pi/2) + 3 * 1) * 0.05 = (15 + 3) * 0.05 = 0.9
    // theta' = pi/2 + 0.9 * 0.05 = pi/2 + 0.045: cos = -sin(0.045), sin = cos(0.045)
    const env = new Pendulum();
    env.reset({ seed: 0 });
    env.state = [Math.PI / 2, 0];
    const r = env.step(Float32Array.of(1));
    expect(r.reward).toBeCloseTo(-2.4684011, 7);
    expect(r.observation[0]).toBeCloseTo(-Math.sin(0.045), 7);
    expect(r.observation[1]).toBeCloseTo(Math.cos(0.045), 7);
    expect(r.observation[2]).toBeCloseTo(0.9, 6);
  });

  it('wraps the angle with a floored modulo both ways: theta = ±4 costs (2pi - 4)^2', () => {
    // Python: ((4 + pi) % (2 pi)) - pi = 4 - 2 pi; ((-4 + pi) % (2 pi)) - pi = 2 pi - 4
    for (const theta of [4, -4]) {
      const env = new Pendulum();
      env.reset({ seed: 0 });
      env.state = [theta, 0];
      expect(env.step(Float32Array.of(0)).reward).toBeCloseTo(-((2 * Math.PI - 4) ** 2), 10);
    }
  });

  it('clips the angular speed to ±8', () => {
    // thetaDot' = 7.9 + (0 + 3 * 2) * 0.05 = 8.2 -> 8; theta' = 0 + 8 * 0.05 = 0.4
    const env = new Pendulum();
    env.reset({ seed: 0 });
    env.state = [0, 7.9];
    const r = env.step(Float32Array.of(2));
    expect(env.state![1]).toBe(8);
    expect(env.state![0]).toBeCloseTo(0.4, 12);
    expect(r.reward).toBeCloseTo(-(0.1 * 7.9 ** 2 + 0.004), 10);
  });

  // Gymnasium's PendulumEnv.step transcribed into Python (math, float64; torques rounded to
  // float32 as the Box gives them), from (theta, thetaDot) = (1.0, -0.5):
  //   costs = angle_normalize(th)**2 + .1*thdot**2 + .001*u**2
  //   newthdot = clip(thdot + (3*g/(2*l)*sin(th) + 3/(m*l**2)*u)*dt, -8, 8); newth = th + newthdot*dt
  it("follows Gymnasium's trajectory for three torques", () => {
    const expected = [
      [1.0118051618408892, 0.2361032368177831, -1.0254899999833107],
      [1.0456524700029863, 0.6769461632419431, -1.0310141592474733],
      [1.1269467217816247, 1.6258850355727663, -1.1432146988161451],
    ];
    const env = new Pendulum();
    env.reset({ seed: 0 });
    env.state = [1.0, -0.5];
    [0.7, -1.3, 2.0].forEach((u, t) => {
      const r = env.step(Float32Array.of(u));
      const [th, thDot, reward] = expected[t]!;
      expect(env.state![0]).toBeCloseTo(th!, 12);
      expect(env.state![1]).toBeCloseTo(thDot!, 12);
      expect(r.reward).toBeCloseTo(reward!, 12);
      expect(r.observation[0]).toBeCloseTo(Math.cos(th!), 7);
      expect(r.observation[2]).toBeCloseTo(thDot!, 6);
    });
  });

  it('uses the g option', () => {
    // thetaDot' = (3 * 20 / 2 * sin(pi/2)) * 0.05 = 1.5
    const env = new Pendulum({ g: 20 });
    env.reset({ seed: 0 });
    env.state = [Math.PI / 2, 0];
    env.step(Float32Array.of(0));
    expect(env.state![1]).toBeCloseTo(1.5, 12);
  });

  it('is truncated by make() after exactly 200 steps and never terminates', () => {
    const env = make('Pendulum-v1');
    env.reset({ seed: 1 });
    for (let t = 1; t <= 200; t++) {
      const r = env.step(Float32Array.of(0));
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(t === 200);
    }
  });

  it('passes checkEnv, and rejects torques outside [-2, 2] and unknown options', () => {
    expect(checkEnv(make('Pendulum-v1'))).toContain('reset-needed');
    const env = new Pendulum();
    env.reset({ seed: 0 });
    expect(() => env.step(Float32Array.of(2.5))).toThrow(InvalidActionError);
    expect(() => env.step(Float32Array.of(1, 1))).toThrow(/action must be in Box\(-2, 2, \[1\], float32\), got Float32Array\(2\)/);
    expect(() => new Pendulum({ gravity: 9 } as never)).toThrow(/options\.gravity is not a known option \(known: g\), got 9/);
    expect(() => new Pendulum({ g: Number.NaN })).toThrow(/g must be a finite number, got NaN/);
  });
});

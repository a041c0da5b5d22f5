import { describe, expect, it } from 'vitest';
import { CartPole, checkEnv, InvalidActionError, InvalidArgumentError, ResetNeededError } from '../../../src/index.js';

// Reference trajectory: Gymnasium's CartPoleEnv.step (classic_control/cartpole.py), its lines
// transcribed into plain Python (math.cos/sin, float64), run from state
// (0.01, -0.02, 0.03, 0.04) with actions 1, 1, 0, 1, 0, 0:
//   temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
//   thetaacc = (gravity * sintheta - costheta * temp) / (length * (4/3 - masspole * costheta**2 / total_mass))
//   xacc = temp - polemass_length * thetaacc * costheta / total_mass
//   x += tau * x_dot; x_dot += tau * xacc; theta += tau * theta_dot; theta_dot += tau * thetaacc
const ACTIONS = [1, 1, 0, 1, 0, 0];
const EXPECTED = [
  [0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081],
  [0.013093583914951107, 0.3693479760579556, 0.025938625640799837, -0.5258796280501483],
  [0.02048054343611022, 0.17387081260481596, 0.01542103307979687, -0.22513741609237464],
  [0.02395795968820654, 0.3687690101747617, 0.010918284757949377, -0.5129163478026587],
  [0.03133333989170178, 0.17349499275068458, 0.0006599578018962032, -0.21681286835696195],
  [0.03480323974671547, -0.021636386741578473, -0.0036762995652430356, 0.07607816471983775],
];

describe('CartPole', () => {
  it('from a zero state, one push right gives the exact fractions of the equations', () => {
    // state 0, force +10: temp = 10/1.1 = 100/11; the denominator is 0.5(4/3 - 0.1/1.1) = 41/66;
    // thetaacc = -(100/11)/(41/66) = -600/41; xacc = 100/11 + 0.05(600/41)/1.1 = 4400/451.
    // Euler: x_dot = 0.02 * 4400/451 = 88/451, theta_dot = 0.02 * -600/41 = -12/41.
    const env = new CartPole();
    env.reset({ seed: 0 });
    env.state = [0, 0, 0, 0];
    const r = env.step(1);
    const s = env.state!;
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(88 / 451, 15);
    expect(s[2]).toBe(0);
    expect(s[3]).toBeCloseTo(-12 / 41, 15);
    expect(r.reward).toBe(1);
    expect(r.terminated).toBe(false);
    expect(Array.from(r.observation)).toEqual([0, Math.fround(88 / 451), 0, Math.fround(-12 / 41)]);
  });

  it("follows Gymnasium's trajectory from a chosen state (float64 state, float32 observations)", () => {
    const env = new CartPole();
    env.reset({ seed: 0 });
    env.state = [0.01, -0.02, 0.03, 0.04];
    ACTIONS.forEach((a, t) => {
      const r = env.step(a);
      const expected = EXPECTED[t]!;
      const s = env.state!;
      for (let i = 0; i < 4; i++) {
        expect(s[i]).toBeCloseTo(expected[i]!, 14);
        expect(r.observation[i]).toBeCloseTo(Math.fround(expected[i]!), 7);
      }
    });
  });

  it('terminates when the cart crosses x = ±2.4, rewarding the terminating step with 1', () => {
    const env = new CartPole();
    env.reset({ seed: 0 });
    env.state = [2.39, 1, 0, 0]; // x' = 2.39 + 0.02 * 1 = 2.41 > 2.4
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.reward).toBe(1);
    expect(() => env.step(0)).toThrow(ResetNeededError);
  });

  it('terminates when the pole passes 12 degrees (0.2094 rad)', () => {
    const env = new CartPole();
    env.reset({ seed: 0 });
    env.state = [0, 0, 0.2094, 0.01]; // theta' = 0.2094 + 0.02 * 0.01 = 0.2096 > 12*2*pi/360 = 0.20944
    expect(env.step(0).terminated).toBe(true);
  });

  it('resets uniformly within (-0.05, 0.05), or within options.low/high, reproducibly by seed', () => {
    const env = new CartPole();
    for (let seed = 0; seed < 50; seed++) {
      const { observation } = env.reset({ seed });
      for (const v of observation) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
    }
    const a = env.reset({ seed: 7, options: { low: 0.5, high: 0.6 } }).observation;
    for (const v of a) expect(v >= Math.fround(0.5) && v <= Math.fround(0.6)).toBe(true);
    const b = new CartPole().reset({ seed: 7, options: { low: 0.5, high: 0.6 } }).observation;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('passes checkEnv', () => {
    expect(checkEnv(new CartPole())).toContain('reset-needed');
  });

  it.each([
    [() => new CartPole().reset({ options: { low: 1, high: 0 } }), InvalidArgumentError, /options\.low must be <= options\.high \(0\), got 1/],
    [() => new CartPole().reset({ options: { lo: 1 } }), InvalidArgumentError, /options\.lo is not a known option \(known: low, high\), got 1/],
    [() => { const e = new CartPole(); e.reset(); e.step(2); }, InvalidActionError, /action must be in Discrete\(2\), got 2/],
    [() => { const e = new CartPole(); e.state = [0, 0, Number.NaN, 0]; }, InvalidArgumentError, /state\[2\] must be a finite number, got NaN/],
    [() => { const e = new CartPole(); e.state = [0, 0]; }, InvalidArgumentError, /state must be an array of 4 finite numbers/],
  ])('rejects bad input with a typed error %#', (call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('renders the state as one line', () => {
    const env = new CartPole();
    expect(env.render()).toBeUndefined();
    env.reset({ seed: 0 });
    env.state = [0.1, -0.2, 0.03, 0];
    expect(env.render()).toBe('CartPole x=+0.100 v=-0.200 theta=+0.030 omega=+0.000');
  });
});

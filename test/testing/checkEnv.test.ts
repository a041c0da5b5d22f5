import { describe, expect, it } from 'vitest';
import {
  Box,
  CartPole,
  checkEnv,
  ClipAction,
  Discrete,
  Env,
  ENV_CHECKS,
  EnvCheckError,
  FrameStack,
  make,
  NormalizeObservation,
  NormalizeReward,
  Pendulum,
  RecordEpisodeStatistics,
  Rng,
  type ResetResult,
  type StepResult,
} from '../../src/index.js';

/** A correct little env to plant faults into: a walk on [-5, 5] that ends at the edges. */
class Walk extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-5, 5, [1]);
  readonly actionSpace = new Discrete(2);
  x = 0;
  protected resetEnv(): ResetResult<Float32Array> {
    this.x = this.rng.integer(-2, 3);
    return { observation: this.obs(), info: {} };
  }
  protected stepEnv(a: number): StepResult<Float32Array> {
    this.x += a === 1 ? 1 : -1;
    return { observation: this.obs(), reward: this.reward(), terminated: Math.abs(this.x) >= 5, truncated: false, info: {} };
  }
  protected obs(): Float32Array {
    return Float32Array.of(this.x);
  }
  protected reward(): number {
    return 1;
  }
}

class IgnoresSeed extends Walk {
  readonly #own = new Rng(); // fresh entropy, whatever seed reset() is given
  protected override resetEnv(): ResetResult<Float32Array> {
    this.x = this.#own.integer(-2, 3) + this.#own.uniform();
    return { observation: this.obs(), info: {} };
  }
}

class OutOfSpace extends Walk {
  protected override obs(): Float32Array {
    return Float32Array.of(this.x * 10); // leaves [-5, 5] once |x| >= 1
  }
}

class NaNReward extends Walk {
  protected override reward(): number {
    return Number.NaN;
  }
}

class ReusesBuffer extends Walk {
  readonly #buf = new Float32Array(1);
  protected override obs(): Float32Array {
    this.#buf[0] = this.x;
    return this.#buf; // a returned observation changes under the caller's feet
  }
}

class BadRender extends Walk {
  override render(): string | undefined {
    return 42 as unknown as string;
  }
}

class BadInfo extends Walk {
  protected override stepEnv(a: number): StepResult<Float32Array> {
    return { ...super.stepEnv(a), info: null as never };
  }
}

class CloseTwiceFails extends Walk {
  #closed = false;
  override close(): void {
    if (this.#closed) throw new Error('already closed');
    this.#closed = true;
  }
}

function frozen<E extends { updateRunningMean: boolean }>(env: E): E {
  env.updateRunningMean = false;
  return env;
}

describe('checkEnv', () => {
  it.each([
    ['CartPole', () => new CartPole()],
    ["make('CartPole-v1')", () => make('CartPole-v1')],
    ["make('Pendulum-v1')", () => make('Pendulum-v1')],
    ['ClipAction(TimeLimit(Pendulum))', () => new ClipAction(make('Pendulum-v1'))],
    ['FrameStack(frozen NormalizeObservation(CartPole))', () => new FrameStack(frozen(new NormalizeObservation(new CartPole())), 4)],
    ['RecordEpisodeStatistics(frozen NormalizeReward(CartPole))', () => new RecordEpisodeStatistics(frozen(new NormalizeReward(new CartPole())))],
    ['a correct custom env', () => new Walk()],
  ])('passes %s, running every check', (_name, build) => {
    const ran = checkEnv(build() as Env<unknown, unknown>);
    expect(ran).toEqual([...ENV_CHECKS]);
  });

  it.each([
    ['a reset that ignores its seed', () => new IgnoresSeed(), 'reset-seed-determinism'],
    ['an observation outside its space', () => new OutOfSpace(), 'observation-in-space'],
    ['a NaN reward', () => new NaNReward(), 'reward-finite'],
    ['an observation mutated by the next step', () => new ReusesBuffer(), 'observation-not-mutated'],
    ['render returning a number', () => new BadRender(), 'render'],
    ['a null info', () => new BadInfo(), 'step-return'],
    ['close() failing the second time', () => new CloseTwiceFails(), 'close'],
  ])('catches %s and names the check', (_name, build, check) => {
    let error: unknown;
    try {
      checkEnv(build());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvCheckError);
    expect((error as EnvCheckError).check).toBe(check);
    expect((error as EnvCheckError).message).toMatch(new RegExp(`checkEnv failed \\[${check}\\]`));
  });

  it('reports which checks ran: a raw Pendulum never ends in maxSteps, so reset-needed cannot run', () => {
    const ran = checkEnv(new Pendulum());
    expect(ran).toEqual(ENV_CHECKS.filter((c) => c !== 'reset-needed'));
  });

  it('flags a normaliser that still updates its statistics: a seed cannot replay it', () => {
    expect(() => checkEnv(new NormalizeObservation(new CartPole()))).toThrow(/\[reset-seed-determinism\].*running statistics/);
    expect(() => checkEnv(new NormalizeReward(new CartPole()))).toThrow(/\[step-determinism\].*running statistics/);
  });

  it('skips the close check on request and rejects bad options', () => {
    expect(checkEnv(new CloseTwiceFails(), { skipCloseCheck: true })).not.toContain('close');
    expect(() => checkEnv(new Walk(), { maxSteps: 0 })).toThrow(/maxSteps must be an integer >= 1, got 0/);
  });
});

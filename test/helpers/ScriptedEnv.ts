import { Box, Discrete, Env, type ResetParams, type ResetResult, type StepResult } from '../../src/index.js';

/**
 * A deterministic env whose outputs are known in advance: the observation is
 * `[offset + t]` where t counts steps since reset, the reward of step t (1-based) is
 * `rewards[(t - 1) % rewards.length]`, and the episode terminates (or truncates) at step
 * `endAt`. `offset` is the reset seed (0 without one), so seeding is visible.
 */
export class ScriptedEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-1e6, 1e6, [1]);
  readonly actionSpace = new Discrete(2);
  t = 0;
  offset = 0;
  stepsTaken = 0;
  resets = 0;
  lastAction: number | undefined;

  constructor(
    readonly endAt = Infinity,
    readonly rewards: readonly number[] = [1],
    readonly endKind: 'terminated' | 'truncated' = 'terminated',
  ) {
    super();
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array> {
    this.t = 0;
    this.resets++;
    if (params.seed !== undefined) this.offset = params.seed;
    return { observation: Float32Array.of(this.offset), info: { reset: this.resets } };
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    this.t++;
    this.stepsTaken++;
    this.lastAction = action;
    const end = this.t >= this.endAt;
    return {
      observation: Float32Array.of(this.offset + this.t),
      reward: this.rewards[(this.t - 1) % this.rewards.length] as number,
      terminated: end && this.endKind === 'terminated',
      truncated: end && this.endKind === 'truncated',
      info: { t: this.t },
    };
  }
}

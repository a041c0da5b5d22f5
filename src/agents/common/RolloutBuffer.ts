import { requireInt } from '../../core/checks.js';

/**
 * On-policy storage for `nSteps` steps of `nEnvs` envs, flat typed arrays indexed
 * `step * nEnvs + env`, with GAE(lambda) as Stable-Baselines3's `RolloutBuffer`. A
 * truncated (not terminated) episode is bootstrapped by the caller adding
 * `gamma * V(final observation)` to that step's reward, as SB3 does. @internal
 */
export class RolloutBuffer {
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly episodeStarts: Float32Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /**
   * 1 where the row is a next-step autoreset step (see `AutoresetTracker`): no transition, so
   * GAE skips it and the update leaves it out (see {@link RolloutBuffer.validRows}).
   */
  readonly resets: Uint8Array;
  /**
   * The action masks of a categorical policy whose env gives them (`paramSize` entries per row,
   * 1 allowed, 0 not), kept so the update evaluates each action under the mask it was sampled
   * with (as sb3-contrib's MaskablePPO); undefined until {@link RolloutBuffer.keepMasks}.
   */
  masks: Float32Array | undefined;
  /**
   * A centralised critic's inputs (`stateSize` per row; see `ActorCriticSpec.criticObsSize`),
   * written by the collector with each row; undefined when the critic reads the observations.
   */
  readonly states: Float32Array | undefined;
  /** A row's mask when its env gave none: every action allowed. */
  allowAll: Float32Array = new Float32Array(0);
  pos = 0;

  constructor(
    readonly nSteps: number,
    readonly nEnvs: number,
    readonly obsSize: number,
    readonly actSize: number,
    readonly stateSize = 0,
  ) {
    requireInt('nSteps', nSteps, 1);
    const n = nSteps * nEnvs;
    this.observations = new Float32Array(n * obsSize);
    this.states = stateSize > 0 ? new Float32Array(n * stateSize) : undefined;
    this.actions = new Float32Array(n * actSize);
    this.rewards = new Float32Array(n);
    this.episodeStarts = new Float32Array(n);
    this.values = new Float32Array(n);
    this.logProbs = new Float32Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
    this.resets = new Uint8Array(n);
  }

  /** Keeps action masks of `size` entries per row from now on (see {@link RolloutBuffer.masks}). */
  keepMasks(size: number): void {
    if (this.masks !== undefined) return;
    this.masks = new Float32Array(this.nSteps * this.nEnvs * size).fill(1);
    this.allowAll = new Float32Array(size).fill(1);
  }

  get full(): boolean {
    return this.pos === this.nSteps;
  }

  reset(): void {
    this.pos = 0;
    this.resets.fill(0);
  }

  /** The rows that hold transitions (all but next-step reset steps), in order. */
  validRows(): Int32Array {
    const rows = new Int32Array(this.nSteps * this.nEnvs);
    let n = 0;
    for (let i = 0; i < rows.length; i++) if (this.resets[i] === 0) rows[n++] = i;
    return rows.subarray(0, n);
  }

  /**
   * GAE(lambda): delta = r + gamma V(s') (1 - done') - V(s); A = delta + gamma lambda
   * (1 - done') A'; returns = A + V. `lastValues` are the values of the observation after
   * the last step; `dones` whether that observation starts a new episode. A reset row
   * gets advantage 0 and return V(s) and cuts the recursion (the row before it ended its
   * episode, so its `episodeStarts` is 1 and nothing flows through it either way).
   */
  computeReturnsAndAdvantage(lastValues: ArrayLike<number>, dones: Float32Array, gamma: number, lambda: number): void {
    const { nSteps, nEnvs } = this;
    for (let e = 0; e < nEnvs; e++) {
      let last = 0;
      for (let s = nSteps - 1; s >= 0; s--) {
        const i = s * nEnvs + e;
        if (this.resets[i] === 1) {
          last = 0;
          this.advantages[i] = 0;
          this.returns[i] = this.values[i] as number;
          continue;
        }
        const nextNonTerminal = s === nSteps - 1 ? 1 - (dones[e] as number) : 1 - (this.episodeStarts[i + nEnvs] as number);
        const nextValue = s === nSteps - 1 ? (lastValues[e] as number) : (this.values[i + nEnvs] as number);
        const delta = (this.rewards[i] as number) + gamma * nextValue * nextNonTerminal - (this.values[i] as number);
        last = delta + gamma * lambda * nextNonTerminal * last;
        this.advantages[i] = last;
        this.returns[i] = last + (this.values[i] as number);
      }
    }
  }
}

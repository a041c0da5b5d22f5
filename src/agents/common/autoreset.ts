// How the agents read a vector env's autoreset, written once for the on-policy loop and DQN.
import type { AutoresetMode, VectorStepResult } from '../../vector/SyncVectorEnv.js';

/**
 * Follows a vector env's autoreset for a learner, as Gymnasium 1.x documents for its two
 * modes. In `'same-step'` mode an ending step returns the next episode's first observation
 * and the episode's last one in `infos[e].finalObservation`. In `'next-step'` mode (Gymnasium
 * 1.x's default) an ending step returns the episode's last observation, and the following
 * step of that sub-env only resets it: its action is ignored and it is no transition, so the
 * learner drops it from the rollout or replay buffer (and from GAE and the episode
 * statistics). {@link AutoresetTracker.step} tells which sub-envs' step was such a reset
 * step. @internal
 */
export class AutoresetTracker {
  /** 1 where the sub-env's episode ended on the last step, so its next step only resets it (next-step mode). */
  readonly pending: Uint8Array;
  /** 1 where the last step was a reset step. */
  readonly #skipped: Uint8Array;

  constructor(
    readonly mode: AutoresetMode,
    nEnvs: number,
  ) {
    this.pending = new Uint8Array(nEnvs);
    this.#skipped = new Uint8Array(nEnvs);
  }

  /** After the vector env's `reset()`: no sub-env owes a reset step. */
  clear(): void {
    this.pending.fill(0);
  }

  /**
   * Records a vector step's outcome; returns 1 per sub-env whose step was a reset step (no
   * transition: drop it), 0 for a real transition. The array is reused by the next call.
   */
  step(r: VectorStepResult): Uint8Array {
    for (let e = 0; e < this.pending.length; e++) {
      this.#skipped[e] = this.pending[e] as number;
      const ended = r.terminations[e] === 1 || r.truncations[e] === 1;
      this.pending[e] = this.mode === 'next-step' && ended && this.#skipped[e] === 0 ? 1 : 0;
    }
    return this.#skipped;
  }

  /** The last observation of sub-env `e`'s episode that ended on step `r` (`size` long). */
  finalObservation(r: VectorStepResult, e: number, size: number): Float32Array {
    if (this.mode === 'next-step') return r.observations.subarray(e * size, (e + 1) * size);
    return (r.infos[e] as Record<string, unknown>).finalObservation as Float32Array;
  }
}

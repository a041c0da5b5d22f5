// Shared by the learn-* benches: one copy.
import { EvalCallback, type CallbackContext } from '../../src/agents/index.js';

/**
 * An EvalCallback that also adds up the time it spends, so that a bench's steps/s counts
 * training only (the evaluations draw nothing from the agent's RNG and do not change training).
 */
export class TimedEval extends EvalCallback {
  seconds = 0;
  /** Called when an evaluation sets a new best (its checkpoint was just saved). */
  onNewBest: (() => void) | undefined;
  override async onRolloutEnd(ctx: CallbackContext): Promise<boolean> {
    const t0 = performance.now();
    const best = this.bestMeanReward;
    try {
      return await super.onRolloutEnd(ctx);
    } finally {
      if (this.bestMeanReward > best) this.onNewBest?.();
      this.seconds += (performance.now() - t0) / 1000;
    }
  }
}

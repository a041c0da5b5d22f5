import type * as tf from '@tensorflow/tfjs';
import { pullInto, pushFrom, type FlatOptimizer } from './ActorCritic.js';

/**
 * Float32 mirrors of an agent's flat parameter variables (and its optimizer's state) for the
 * typed-array path. The tfjs variables stay the record between calls: the mirrors are read
 * from them when they were replaced (`stale`: a new or loaded agent) and written back when the
 * mirrors moved on (`dirty`: after updates), before a save, a predict and at the end of
 * `learn`. @internal
 */
export class TypedMirror {
  /** One float32 mirror per variable, in the order given. */
  readonly arrays: Float32Array[];
  /** The variables were replaced: the mirrors must be read again. */
  stale = true;
  /** The mirrors hold updates the variables do not have yet. */
  dirty = false;

  /** The optimizers whose state is mirrored with the variables (SAC has one per network). */
  readonly optimizers: readonly FlatOptimizer[];

  constructor(
    readonly vars: readonly tf.Variable[],
    optimizers: readonly FlatOptimizer[],
  ) {
    this.arrays = vars.map((v) => new Float32Array(v.size));
    this.optimizers = optimizers;
  }

  /** Reads the variables and the optimizer state if they were replaced. */
  pull(): void {
    if (!this.stale) return;
    pullInto(this.vars, this.arrays);
    this.optimizers.forEach((o) => o.pull());
    this.stale = false;
  }

  /** Writes the mirrors and the optimizer state back if they moved on. */
  flush(): void {
    if (!this.dirty) return;
    pushFrom(this.vars, this.arrays);
    this.optimizers.forEach((o) => o.push());
    this.dirty = false;
  }

  /** Runs `work` (a `learn`) between a pull and a flush, flushing even when it throws. */
  async around(work: () => Promise<void>): Promise<void> {
    this.pull();
    try {
      await work();
    } finally {
      this.flush();
    }
  }
}

import * as tf from '@tensorflow/tfjs';
import type { ActionDistribution } from './distributions.js';
import type { FloatArray } from './kernels/types.js';

// The on-policy losses' common half, written once on typed arrays and run by every compute
// path: the batch a loss reads and writes, the distribution's part of the chain rule
// (headLoss), the same as one tfjs op for autodiff below it (headLossOp), and the helpers
// PPO's and A2C's losses share.

/** A minibatch for the typed-array path: what the loss reads, and the gradients it writes. @internal */
export interface TypedBatch {
  readonly n: number;
  /** The actions taken, `n x actionSize` of the distribution (indices for categoricals). */
  readonly actions: Float32Array;
  /** log pi(a | s) under the current parameters. */
  readonly logProb: Float64Array;
  /** The policy's entropy per sample. */
  readonly entropy: Float64Array;
  /** V(s) under the current parameters. */
  readonly values: Float64Array;
  readonly oldLogProb: Float64Array;
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
  readonly oldValues: Float64Array;
  /** The loss function writes dLoss/dlogProb, dLoss/dentropy and dLoss/dvalue per sample here. */
  readonly gLogProb: Float64Array;
  readonly gEntropy: Float64Array;
  readonly gValue: Float64Array;
  /** A categorical policy's action masks, `n x paramSize` (1 allowed, 0 not), when its rollout kept them. */
  readonly masks?: Float32Array;
}

/**
 * An on-policy loss on a typed batch, written once next to its paper (PPO's, A2C's): reads the
 * log-probabilities, entropies and values of `b`, writes dLoss/dlogProb, dLoss/dentropy and
 * dLoss/dvalue per sample into it, and returns its statistics with the loss last. @internal
 */
export type OnPolicyLoss = (b: TypedBatch) => number[];

/** `dst` with `src` copied into it (a kernel set's own kind of array from a float64 one). @internal */
export function copyInto(dst: FloatArray, src: ArrayLike<number>): FloatArray {
  for (let i = 0; i < src.length; i++) dst[i] = src[i] as number;
  return dst;
}

/**
 * Rows of `n` policy outputs, each followed by the `logStd` every sample shares: a Gaussian's
 * parameters, written into `into` when it is long enough (a rollout reuses one), else a new
 * array. @internal
 */
export function withLogStd(out: ArrayLike<number>, logStd: ArrayLike<number>, n: number, into?: Float64Array): Float64Array {
  const k = logStd.length;
  const p = into !== undefined && into.length >= n * 2 * k ? into : new Float64Array(n * 2 * k);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < k; c++) {
      p[j * 2 * k + c] = out[j * k + c] as number;
      p[j * 2 * k + k + c] = logStd[c] as number;
    }
  }
  return p;
}

/**
 * The policy head's half of a gradient step, on typed arrays, shared by both compute paths:
 * evaluates the batch's actions under the distribution that the policy outputs `out`
 * (`n x outSize`: logits, or a Gaussian's means with its state-independent `logStd`)
 * parameterise, fills `b`'s log-probabilities, entropies and `values`, runs `loss`, and
 * chains its per-sample gradients through the distribution's: dLoss/dout into `dOut`, and
 * for a Gaussian dLoss/dlogStd (summed over the batch) into `dLogStd`. The value gradient
 * stays in `b.gValue`. @internal
 * @param dist - the policy's action distribution.
 * @param out - the policy outputs, `n x outSize` row-major.
 * @param values - V(s), `n`.
 * @param logStd - a Gaussian's log stds (`outSize`), shared by every sample; undefined otherwise.
 * @param b - the batch; its `actions` and rollout fields are read, the rest written.
 * @param loss - the algorithm's loss.
 * @param dOut - receives dLoss/dout, `n x outSize`.
 * @param dLogStd - receives dLoss/dlogStd for a Gaussian (`outSize`); undefined otherwise.
 * @returns the loss's statistics, the loss last.
 */
export function headLoss(
  dist: ActionDistribution,
  out: ArrayLike<number>,
  values: ArrayLike<number>,
  logStd: ArrayLike<number> | undefined,
  b: TypedBatch,
  loss: OnPolicyLoss,
  dOut: Float64Array,
  dLogStd: FloatArray | undefined,
): number[] {
  const n = b.n;
  const w = dist.paramSize;
  const m = dist.actionSize;
  const p = logStd === undefined ? out : withLogStd(out, logStd, n);
  const mask = (j: number) => b.masks?.subarray(j * w, (j + 1) * w);
  for (let j = 0; j < n; j++) {
    b.logProb[j] = dist.logProb(p, j * w, b.actions, j * m, mask(j));
    b.entropy[j] = dist.entropy(p, j * w, mask(j));
    b.values[j] = values[j] as number;
  }
  const stats = loss(b);
  // chain rule: dLoss/dp = dLoss/dlogProb dlogProb/dp + dLoss/dentropy dH/dp, per sample
  const g = logStd === undefined ? dOut : new Float64Array(n * w);
  g.fill(0);
  for (let j = 0; j < n; j++) dist.addGrad(p, j * w, b.actions, j * m, b.gLogProb[j] as number, b.gEntropy[j] as number, g, j * w, mask(j));
  if (logStd !== undefined) {
    const k = logStd.length;
    const gStd = dLogStd as FloatArray;
    gStd.fill(0);
    for (let j = 0; j < n; j++) {
      for (let c = 0; c < k; c++) {
        dOut[j * k + c] = g[j * 2 * k + c] as number;
        gStd[c] = (gStd[c] as number) + (g[j * 2 * k + k + c] as number);
      }
    }
  }
  return stats;
}

/**
 * The loss as one tfjs op of the policy outputs, the values and (a Gaussian) the log stds:
 * its forward downloads them and runs {@link headLoss}, the same typed code as the typed
 * path; its gradient hands back what that computed, times the incoming gradient. Autodiff
 * then carries it through any network below (Stable-Baselines3's loss, with the network's
 * backward left to tfjs). Call inside tf.tidy. @internal
 * @param dist - the policy's action distribution.
 * @param b - the batch (see {@link headLoss}).
 * @param loss - the algorithm's loss.
 * @param done - receives the loss's statistics when the op runs.
 * @returns the op: `(policy outputs [n, outSize], values [n], log stds [outSize] or undefined) => loss`.
 */
export function headLossOp(dist: ActionDistribution, b: TypedBatch, loss: OnPolicyLoss, done: (stats: number[]) => void): (out: tf.Tensor2D, values: tf.Tensor1D, logStd: tf.Tensor1D | undefined) => tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [out, values, logStd] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D | undefined];
    const dOut = new Float64Array(out.size);
    const dLogStd = logStd === undefined ? undefined : new Float64Array(logStd.size);
    const stats = headLoss(dist, out.dataSync(), values.dataSync(), logStd?.dataSync(), b, loss, dOut, dLogStd);
    done(stats);
    return {
      value: tf.scalar(stats[stats.length - 1] as number),
      gradFunc: (dy: tf.Tensor) => [
        tf.mul(dy, tf.tensor2d(Float32Array.from(dOut), out.shape)),
        tf.mul(dy, tf.tensor1d(Float32Array.from(b.gValue))),
        ...(dLogStd === undefined ? [] : [tf.mul(dy, tf.tensor1d(Float32Array.from(dLogStd)))]),
      ],
    };
  });
  return (out, values, logStd) => (logStd === undefined ? op(out, values) : op(out, values, logStd)) as tf.Scalar;
}

/** A typed batch's advantages (a copy), normalised per batch as SB3 when asked and n > 1. @internal */
export function batchAdvantages(b: TypedBatch, normalizeAdvantage: boolean): Float64Array {
  const adv = Float64Array.from(b.advantages);
  if (normalizeAdvantage && b.n > 1) normalize(adv);
  return adv;
}

/** The entropy loss `-mean(H)` of a typed batch; writes its gradient times `entCoef` into `b.gEntropy`. @internal */
export function entropyLoss(b: TypedBatch, entCoef: number): number {
  let ent = 0;
  for (let i = 0; i < b.n; i++) {
    ent -= b.entropy[i] as number;
    b.gEntropy[i] = -entCoef / b.n;
  }
  return ent / b.n;
}

/** (x - mean) / (std + 1e-8) in place, with torch's unbiased std, as SB3 normalises advantages. @internal */
export function normalize(x: Float64Array): void {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((x[i] as number) - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  for (let i = 0; i < n; i++) x[i] = ((x[i] as number) - mean) / (std + 1e-8);
}

/** 1 - Var(returns - values) / Var(returns), as SB3's explained_variance (NaN when Var(returns) is 0). @internal */
export function explainedVariance(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  const n = target.length;
  let mt = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    mt += target[i] as number;
    md += (target[i] as number) - (pred[i] as number);
  }
  mt /= n;
  md /= n;
  let vt = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vt += ((target[i] as number) - mt) ** 2;
    vd += ((target[i] as number) - (pred[i] as number) - md) ** 2;
  }
  return vt === 0 ? Number.NaN : 1 - vd / vt;
}


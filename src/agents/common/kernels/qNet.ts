import type { DenseSlots } from '../types.js';
import type { FloatArray, KernelSet, MlpKernel } from './types.js';

/** What a Q-network on the kernels is built from: its layers in the flat vector, and dueling heads if any. @internal */
export interface QLayout {
  /** The trunk's layers (without dueling heads: the whole network). */
  readonly trunkLayers: readonly DenseSlots[];
  /** The dueling heads (one linear layer each), or undefined. */
  readonly heads: { readonly v: DenseSlots; readonly a: DenseSlots } | undefined;
}

/** `a` if it holds `size` entries, else a new array of the set's kind that does (scratch reused across steps). @internal */
export function fit(kernels: KernelSet, a: FloatArray, size: number): FloatArray {
  return a.length >= size ? a : kernels.array(size);
}

/**
 * A Q-network on a kernel set: a plain MLP, or (Wang et al. 2016) a trunk with its last layer
 * activated under a value head V (1 unit) and an advantage head A (one unit per action),
 * combined as `Q = V + A - mean(A)`. The same network as `QNetwork.q` on tfjs (a test holds
 * them equal). @internal
 */
export class KernelQNet {
  readonly #kernels: KernelSet;
  readonly #trunk: MlpKernel;
  readonly #v: MlpKernel | undefined;
  readonly #a: MlpKernel | undefined;
  /** Actions (Q-values per row). */
  readonly outSize: number;
  #q: FloatArray;
  #dV: FloatArray;
  #dA: FloatArray;
  #dhV: FloatArray;
  #dhA: FloatArray;

  constructor(kernels: KernelSet, layout: QLayout, activation: 'tanh' | 'relu') {
    this.#kernels = kernels;
    const heads = layout.heads;
    this.#trunk = kernels.mlp(layout.trunkLayers, activation, heads !== undefined);
    this.#v = heads === undefined ? undefined : kernels.mlp([heads.v], activation);
    this.#a = heads === undefined ? undefined : kernels.mlp([heads.a], activation);
    this.outSize = this.#a?.outSize ?? this.#trunk.outSize;
    this.#q = this.#dV = this.#dA = this.#dhV = this.#dhA = kernels.array(0);
  }

  /** Uses the weights in `params` from now on: call again whenever they change. */
  load(params: Float32Array): void {
    this.#trunk.load(params);
    this.#v?.load(params);
    this.#a?.load(params);
  }

  /** The Q-values of `n` rows of `x`, `n x outSize`: valid until the next `forward`, which `backward` differentiates. */
  forward(x: FloatArray, n: number): FloatArray {
    const h = this.#trunk.forward(x, n);
    if (this.#v === undefined || this.#a === undefined) return h;
    const v = this.#v.forward(h, n);
    const a = this.#a.forward(h, n);
    const k = this.outSize;
    const q = (this.#q = fit(this.#kernels, this.#q, n * k));
    for (let i = 0; i < n; i++) {
      let mean = 0;
      for (let j = 0; j < k; j++) mean += a[i * k + j] as number;
      mean /= k;
      for (let j = 0; j < k; j++) q[i * k + j] = (v[i] as number) + ((a[i * k + j] as number) - mean);
    }
    return q.subarray(0, n * k);
  }

  /**
   * Back-propagates `dQ` (`n x outSize`, the loss's gradient at the Q-values of the last
   * `forward`; overwritten) into `grad` at the parameters' offsets.
   */
  backward(dQ: FloatArray, n: number, grad: FloatArray): void {
    if (this.#v === undefined || this.#a === undefined) {
      this.#trunk.backward(dQ, n, grad);
      return;
    }
    // Q_j = V + A_j - mean(A): dV = sum_j dQ_j, dA_j = dQ_j - dV / k
    const k = this.outSize;
    const K = this.#kernels;
    const dV = (this.#dV = fit(K, this.#dV, n));
    const dA = (this.#dA = fit(K, this.#dA, n * k));
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += dQ[i * k + j] as number;
      dV[i] = sum;
      for (let j = 0; j < k; j++) dA[i * k + j] = (dQ[i * k + j] as number) - sum / k;
    }
    const hSize = n * this.#trunk.outSize;
    const dhV = (this.#dhV = fit(K, this.#dhV, hSize));
    const dhA = (this.#dhA = fit(K, this.#dhA, hSize));
    this.#v.backward(dV.subarray(0, n), n, grad, dhV);
    this.#a.backward(dA.subarray(0, n * k), n, grad, dhA);
    // the trunk's output feeds both heads: its gradient is the sum
    for (let i = 0; i < hSize; i++) dhV[i] = (dhV[i] as number) + (dhA[i] as number);
    this.#trunk.backward(dhV.subarray(0, hSize), n, grad);
  }
}

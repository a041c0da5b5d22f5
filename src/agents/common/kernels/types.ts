import type { DenseSlots } from '../types.js';
import type { LstmLayer, LstmSlots } from './lstm.js';

// The kernel interface every kernel set implements (the JS reference, wasm, native): the
// primitives the agents' typed-array training is made of. Types only: the sets and the
// registry import it, it imports nothing of theirs.

/** A float array as a kernel set stores activations and gradients: float64 (JS, wasm) or float32 (native). @internal */
export type FloatArray = Float32Array | Float64Array;

/** The kernel sets, fastest first. @internal */
export type KernelName = 'native' | 'wasm' | 'js';

/**
 * A dense network on a kernel set: layer l maps `fanIn` to `fanOut` with its weight
 * (`[fanIn, fanOut]`, row-major, as tfjs stores it) and bias at their offsets of a flat float32
 * parameter vector; tanh or relu after every layer but the last, and after the last as well
 * when built with `activateLast` (a trunk under heads). @internal
 */
export interface MlpKernel {
  /** Inputs per row. */
  readonly inSize: number;
  /** Outputs per row. */
  readonly outSize: number;
  /** Uses the weights in `params` from now on: call again whenever they change. */
  load(params: Float32Array): void;
  /**
   * The outputs of `n` input rows (`n x inSize`), `n x outSize`, in the kernel's own buffer:
   * valid until the next `forward`, which also sets what `backward` differentiates. The input
   * must not change before that `backward`.
   */
  forward(x: FloatArray, n: number): FloatArray;
  /**
   * Back-propagates `dOut` (`n x outSize`, the loss's gradient at the outputs of the last
   * `forward`; overwritten) and writes the gradient of every weight and bias into `grad` at the
   * parameters' own offsets (other entries untouched), and the gradient at the inputs into `dx`
   * when given.
   */
  backward(dOut: FloatArray, n: number, grad: FloatArray, dx?: FloatArray): void;
}

/**
 * One implementation of the primitives: MLP forward and backward, the sum of squares that
 * norm clipping needs, Adam and RMSprop. Registered under its name; the conformance suite
 * holds every set to the JS reference. @internal
 */
export interface KernelSet {
  readonly name: KernelName;
  /** A network over `layers` of a flat parameter vector. */
  mlp(layers: readonly DenseSlots[], activation: 'tanh' | 'relu', activateLast?: boolean): MlpKernel;
  /** An LSTM layer over `slots` of a flat parameter vector (see `LstmKernel`, the reference). */
  lstm(slots: LstmSlots): LstmLayer;
  /** A zeroed array of the kind this set computes in (activations' gradients, parameter gradients). */
  array(size: number): FloatArray;
  /** `sum_i g_i^2`. */
  sumSquares(g: FloatArray): number;
  /**
   * One Adam update as PyTorch's `torch.optim.Adam` with gradient `g * scale`:
   * `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= stepSize m / (sqrt(v) / bc2 + eps)`,
   * where the caller passes `stepSize = lr / (1 - b1^t)` and `bc2 = sqrt(1 - b2^t)`.
   */
  adam(p: Float32Array, m: Float32Array, v: Float32Array, g: FloatArray, scale: number, stepSize: number, bc2: number, beta1: number, beta2: number, eps: number): void;
  /** One RMSprop update as `torch.optim.RMSprop` (not centred, no momentum) with gradient `g * scale`: `v = a v + (1 - a) g^2; p -= lr g / (sqrt(v) + eps)`. */
  rmsprop(p: Float32Array, v: Float32Array, g: FloatArray, scale: number, lr: number, alpha: number, eps: number): void;
}

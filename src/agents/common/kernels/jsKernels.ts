import type { DenseSlots } from '../types.js';
import { LstmKernel } from './lstm.js';
import type { FloatArray, KernelName, KernelSet, MlpKernel } from './types.js';

/**
 * The JS kernels: the reference kernel set (float64, plain loops) and the parts the wasm set
 * shares with it. An MLP's forward and backward pass, the optimizer updates and the sum of
 * squares without tfjs's per-op overhead, which dominates for 64-unit layers (a tfjs op costs
 * tens of microseconds whatever its size). Every product is one kernel, `C = A B^T`, passed in:
 * blocked JS here, WebAssembly SIMD in the wasm set. Activations and gradients are float64 (one
 * element kind keeps V8's code monomorphic); parameters and optimizer state stay float32, so a
 * saved agent resumes bit for bit. @internal
 */

/** A product kernel: `C = A B^T (+ bias)` with the signature of {@link gemmABtJs}. @internal */
export type Gemm = typeof gemmABtJs;

/**
 * The same product in plain JS (float64): blocks of 3 rows x 4 columns keep twelve sums in
 * registers (measured fastest in V8 among 1x8 to 4x4 blockings: about 3 GMAC/s on one
 * core); leftover rows and columns take a plain loop. @internal
 */
export function gemmABtJs(A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number, n: number, m: number, k: number, bias?: Float64Array, biasOff = 0): void {
  const n3 = n - (n % 3);
  const m4 = m - (m % 4);
  for (let i = 0; i < n3; i += 3) {
    const a0 = aOff + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const c0 = cOff + i * m;
    const c1 = c0 + m;
    const c2 = c1 + m;
    for (let j = 0; j < m4; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      let s20 = 0;
      let s21 = 0;
      let s22 = 0;
      let s23 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p] as number;
        const x1 = A[a1 + p] as number;
        const x2 = A[a2 + p] as number;
        const w0 = B[b0 + p] as number;
        const w1 = B[b1 + p] as number;
        const w2 = B[b2 + p] as number;
        const w3 = B[b3 + p] as number;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
        s20 += x2 * w0;
        s21 += x2 * w1;
        s22 += x2 * w2;
        s23 += x2 * w3;
      }
      if (bias !== undefined) {
        const q0 = bias[biasOff + j + 0] as number;
        const q1 = bias[biasOff + j + 1] as number;
        const q2 = bias[biasOff + j + 2] as number;
        const q3 = bias[biasOff + j + 3] as number;
        s00 += q0;
        s01 += q1;
        s02 += q2;
        s03 += q3;
        s10 += q0;
        s11 += q1;
        s12 += q2;
        s13 += q3;
        s20 += q0;
        s21 += q1;
        s22 += q2;
        s23 += q3;
      }
      C[c0 + j] = s00;
      C[c0 + j + 1] = s01;
      C[c0 + j + 2] = s02;
      C[c0 + j + 3] = s03;
      C[c1 + j] = s10;
      C[c1 + j + 1] = s11;
      C[c1 + j + 2] = s12;
      C[c1 + j + 3] = s13;
      C[c2 + j] = s20;
      C[c2 + j + 1] = s21;
      C[c2 + j + 2] = s22;
      C[c2 + j + 3] = s23;
    }
  }
  // leftover rows (all columns), then leftover columns of the blocked rows
  for (let i = n3; i < n; i++) for (let j = 0; j < m; j++) C[cOff + i * m + j] = dot(A, aOff + i * k, B, bOff + j * k, k) + (bias === undefined ? 0 : (bias[biasOff + j] as number));
  for (let i = 0; i < n3; i++) for (let j = m4; j < m; j++) C[cOff + i * m + j] = dot(A, aOff + i * k, B, bOff + j * k, k) + (bias === undefined ? 0 : (bias[biasOff + j] as number));
}

/** `sum_p x[xOff + p] y[yOff + p]` over `k` terms. */
function dot(x: Float64Array, xOff: number, y: Float64Array, yOff: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += (x[xOff + p] as number) * (y[yOff + p] as number);
  return s;
}

/** `dst[j rows + i] = src[i cols + j]` for a `rows x cols` src. @internal */
export function transpose(src: Float64Array, rows: number, cols: number, dst: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[r + j] as number;
  }
}

/** A float64 scratch array of at least `size`, grown (never shrunk) as needed. @internal */
export function grow(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  return a.length >= size ? a : new Float64Array(size);
}

/**
 * A dense network on the JS kernels (see {@link MlpKernel}), read from a flat float32 parameter
 * vector: `load(params)` copies the weights into float64 (as stored and transposed), `forward`
 * keeps every layer's output for `backward`, which writes the gradient into the same regions of
 * a flat gradient vector. Its products run on the `gemm` it is given. @internal
 */
export class TypedMLP implements MlpKernel {
  readonly inSize: number;
  readonly outSize: number;
  readonly #gemm: Gemm;
  readonly #activateLast: boolean;
  readonly #layers: readonly DenseSlots[];
  readonly #relu: boolean;
  /** Per layer: W as stored ([in, out]), W transposed ([out, in]), the bias. */
  readonly #w: Float64Array[];
  readonly #wt: Float64Array[];
  readonly #b: Float64Array[];
  /** hs[0] is the input; hs[l + 1] is layer l's output (after the activation). */
  #hs: Float64Array<ArrayBuffer>[];
  #dz = new Float64Array(0);
  #dh = new Float64Array(0);
  #ht = new Float64Array(0);
  #dzt = new Float64Array(0);
  #gw = new Float64Array(0);

  constructor(layers: readonly DenseSlots[], activation: 'tanh' | 'relu', activateLast = false, gemm: Gemm = gemmABtJs) {
    this.#layers = layers;
    this.#relu = activation === 'relu';
    this.#activateLast = activateLast;
    this.#gemm = gemm;
    const dims = layers.map((l) => l.w.shape as readonly [number, number]);
    this.inSize = (dims[0] as [number, number])[0];
    this.outSize = (dims[dims.length - 1] as [number, number])[1];
    this.#w = dims.map(([i, o]) => new Float64Array(i * o));
    this.#wt = dims.map(([i, o]) => new Float64Array(i * o));
    this.#b = dims.map(([, o]) => new Float64Array(o));
    this.#hs = [new Float64Array(0), ...dims.map(() => new Float64Array(0))];
  }

  /** Reads the current weights from the flat parameters. */
  load(params: Float32Array): void {
    this.#layers.forEach((l, k) => {
      const [fanIn, fanOut] = l.w.shape as [number, number];
      const w = this.#w[k] as Float64Array;
      const wt = this.#wt[k] as Float64Array;
      for (let p = 0; p < fanIn; p++) {
        for (let j = 0; j < fanOut; j++) {
          const v = params[l.w.offset + p * fanOut + j] as number;
          w[p * fanOut + j] = v;
          wt[j * fanIn + p] = v;
        }
      }
      const b = this.#b[k] as Float64Array;
      for (let j = 0; j < fanOut; j++) b[j] = params[l.b.offset + j] as number;
    });
  }

  /**
   * The outputs of `n` inputs (`n x in`, row-major), `n x outSize`; valid until the next call.
   * @param x - the inputs.
   * @param n - how many.
   */
  forward(x: FloatArray, n: number): Float64Array {
    const inSize = this.inSize;
    const h0 = (this.#hs[0] = grow(this.#hs[0] as Float64Array<ArrayBuffer>, n * inSize));
    for (let i = 0; i < n * inSize; i++) h0[i] = x[i] as number;
    const last = this.#layers.length - 1;
    this.#layers.forEach((l, k) => {
      const [fanIn, fanOut] = l.w.shape as [number, number];
      const out = (this.#hs[k + 1] = grow(this.#hs[k + 1] as Float64Array<ArrayBuffer>, n * fanOut));
      this.#gemm(this.#hs[k] as Float64Array, 0, this.#wt[k] as Float64Array, 0, out, 0, n, fanOut, fanIn, this.#b[k] as Float64Array, 0);
      if (k < last || this.#activateLast) {
        const size = n * fanOut;
        if (this.#relu) for (let i = 0; i < size; i++) out[i] = Math.max(0, out[i] as number);
        else for (let i = 0; i < size; i++) out[i] = tanh(out[i] as number);
      }
    });
    return (this.#hs[last + 1] as Float64Array).subarray(0, n * this.outSize);
  }

  /**
   * Back-propagates `dOut` (`n x outSize`, the loss's gradient at the outputs of the last
   * `forward`) and writes the gradient of every weight and bias into `grad` at the
   * parameters' own offsets, and the inputs' gradient into `dx` when given.
   * @param dOut - the gradient at the outputs (overwritten).
   * @param n - the batch size of the last forward.
   * @param grad - the flat gradient.
   * @param dx - where the gradient at the inputs goes, if wanted.
   */
  backward(dOut: FloatArray, n: number, grad: FloatArray, dx?: FloatArray): void {
    // the JS sets' arrays are float64 (KernelSet.array); a float32 one would be a caller's bug
    if (!(dOut instanceof Float64Array)) throw new TypeError('TypedMLP.backward: dOut must be a Float64Array');
    let dz: Float64Array = dOut;
    const last = this.#layers.length - 1;
    if (this.#activateLast) activateBack(this.#relu, dz, this.#hs[last + 1] as Float64Array, n * this.outSize, dz);
    for (let k = last; k >= 0; k--) {
      const l = this.#layers[k] as DenseSlots;
      const [fanIn, fanOut] = l.w.shape as [number, number];
      const h = this.#hs[k] as Float64Array;
      // bias: column sums of dz
      for (let j = 0; j < fanOut; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += dz[i * fanOut + j] as number;
        grad[l.b.offset + j] = s;
      }
      // weights [in, out]: dW[p, j] = sum_i h[i, p] dz[i, j] = (h^T)(dz^T)^T
      this.#ht = grow(this.#ht, n * fanIn);
      this.#dzt = grow(this.#dzt, n * fanOut);
      this.#gw = grow(this.#gw, fanIn * fanOut);
      transpose(h, n, fanIn, this.#ht);
      transpose(dz, n, fanOut, this.#dzt);
      this.#gemm(this.#ht, 0, this.#dzt, 0, this.#gw, 0, fanIn, fanOut, n);
      grad.set(this.#gw.subarray(0, fanIn * fanOut), l.w.offset);
      if (k === 0 && dx === undefined) break;
      // the input's gradient dh[i, p] = sum_j dz[i, j] W[p, j], then through the activation
      // of the layer below (its output is h)
      this.#dh = grow(this.#dh, n * fanIn);
      this.#gemm(dz, 0, this.#w[k] as Float64Array, 0, this.#dh, 0, n, fanIn, fanOut);
      const size = n * fanIn;
      if (k === 0) {
        (dx as FloatArray).set(this.#dh.subarray(0, size));
        break;
      }
      // dz is spent: its buffer may take the next layer's
      const next = (this.#dz = grow(this.#dz, size));
      activateBack(this.#relu, this.#dh, h, size, next);
      dz = next;
    }
  }
}

/** `out[i] = dy[i]` times the activation's derivative at its output `y[i]`, for `size` entries (out may be dy). */
function activateBack(relu: boolean, dy: FloatArray, y: Float64Array, size: number, out: FloatArray): void {
  if (relu) for (let i = 0; i < size; i++) out[i] = (y[i] as number) > 0 ? (dy[i] as number) : 0;
  else {
    for (let i = 0; i < size; i++) {
      const v = y[i] as number;
      out[i] = (dy[i] as number) * (1 - v * v);
    }
  }
}

/**
 * tanh by Eigen's float rational approximation (the one TensorFlow's and XNNPACK's float32
 * kernels use): odd degree-13 over even degree-6 polynomial on [-7.905, 7.905], clamped
 * outside. Absolute error below 3e-8 on [-7.9, 7.9] and below 2.7e-7 beyond (two float32
 * ulps of 1); six times faster than Math.tanh in V8, which dominated the forward pass. @internal
 */
export function tanh(v: number): number {
  const x = v > 7.90531110763549805 ? 7.90531110763549805 : v < -7.90531110763549805 ? -7.90531110763549805 : v;
  const x2 = x * x;
  let p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  let q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (x * p) / q;
}

/**
 * A kernel set on the JS kernels with products on `gemm`: the reference set (`'js'`, blocked
 * float64 JS products) or the wasm set (`'wasm'`, the SIMD product kernel). The optimizer
 * updates keep float32 state in float64 arithmetic, as the native set. @internal
 */
export function jsKernelSet(name: KernelName, gemm: Gemm): KernelSet {
  return {
    name,
    mlp: (layers, activation, activateLast = false) => new TypedMLP(layers, activation, activateLast, gemm),
    lstm: (slots) => new LstmKernel(slots, gemm),
    array: (size) => new Float64Array(size),
    sumSquares(g) {
      let sq = 0;
      for (let i = 0; i < g.length; i++) sq += (g[i] as number) * (g[i] as number);
      return sq;
    },
    adam(p, m, v, g, scale, stepSize, bc2, beta1, beta2, eps) {
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] as number) * scale;
        m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
        v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        p[i] = (p[i] as number) - (stepSize * (m[i] as number)) / (Math.sqrt(v[i] as number) / bc2 + eps);
      }
    },
    rmsprop(p, v, g, scale, lr, alpha, eps) {
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] as number) * scale;
        v[i] = alpha * (v[i] as number) + (1 - alpha) * gi * gi;
        p[i] = (p[i] as number) - (lr * gi) / (Math.sqrt(v[i] as number) + eps);
      }
    },
  };
}

/** The JS reference kernel set: float64, plain loops, every engine. @internal */
export const JS_KERNELS: KernelSet = jsKernelSet('js', gemmABtJs);

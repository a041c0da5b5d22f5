import * as tf from '@tensorflow/tfjs';
import { fail, requireFinite, requireInt, requireKnownKeys } from '../../core/checks.js';
import type { Rng } from '../../core/Rng.js';
import type { LstmSlots } from './kernels/lstm.js';
import type { FloatArray, KernelSet } from './kernels/types.js';
import type { DenseSlots, Slot } from './types.js';

export type { DenseSlots, Slot } from './types.js';

/** Network sizes, as Stable-Baselines3's `net_arch`: separate policy and value networks. */
export interface NetArch {
  /** Hidden layer sizes of the policy network (default [64, 64]). */
  readonly pi: readonly number[];
  /** Hidden layer sizes of the value network (default [64, 64]). */
  readonly vf: readonly number[];
}


/**
 * Lays out tensors end to end in one flat vector: `add` records a region and its initial
 * value; `build` concatenates them (call inside tf.tidy). Networks built on it keep all their
 * parameters in ONE variable, so one gradient, one clip and one optimizer update cover
 * everything. @internal
 */
export class FlatLayout {
  size = 0;
  readonly #inits: tf.Tensor[] = [];

  add(shape: readonly [number, number] | readonly [number], init: tf.Tensor): Slot {
    const slot = { offset: this.size, shape };
    this.size += shape.reduce((a, b) => a * b, 1);
    this.#inits.push(init.reshape([-1]));
    return slot;
  }

  /** Dense layers `inSize -> sizes... -> out`, weights from `init(fanIn, fanOut, isOutput)`. */
  dense(inSize: number, sizes: readonly number[], out: number, init: (fanIn: number, fanOut: number, isOutput: boolean) => { w: tf.Tensor; b: tf.Tensor }): DenseSlots[] {
    const layers: DenseSlots[] = [];
    [...sizes, out].forEach((size, i) => {
      const { w, b } = init(inSize, size, i === sizes.length);
      layers.push({ w: this.add([inSize, size], w), b: this.add([size], b) });
      inSize = size;
    });
    return layers;
  }

  build(): tf.Tensor {
    return tf.concat(this.#inits);
  }
}

/**
 * PyTorch's `nn.Linear` default initialisation as a {@link FlatLayout.dense} initialiser:
 * weights and biases uniform in ±1/sqrt(fanIn), drawn from `rng` (SB3's Q-networks and SAC's
 * networks start so). Call inside tf.tidy. @internal
 */
export function torchLinearInit(rng: Rng): (fanIn: number, fanOut: number) => { w: tf.Tensor; b: tf.Tensor } {
  return (fanIn, fanOut) => {
    const bound = 1 / Math.sqrt(fanIn);
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound));
    return { w: tf.tensor2d(draw(fanIn * fanOut), [fanIn, fanOut]), b: tf.tensor1d(draw(fanOut)) };
  };
}

/** The tensor of region `s` of `theta`. Call inside tf.tidy. @internal */
export function view(theta: tf.Tensor, s: Slot): tf.Tensor {
  const n = s.shape.reduce((a, b) => a * b, 1);
  return tf.reshape(tf.slice(theta, s.offset, n), [...s.shape]);
}

/** An MLP's output: fused matMul + bias per layer, the activation on hidden layers only. Call inside tf.tidy. @internal */
export function mlp(theta: tf.Tensor, x: tf.Tensor2D, layers: readonly DenseSlots[], activation: 'tanh' | 'relu'): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    const z = tf.fused.matMul({ a: h, b: view(theta, l.w) as tf.Tensor2D, bias: view(theta, l.b) });
    h = (i === layers.length - 1 ? z : activation === 'tanh' ? tf.tanh(z) : tf.relu(z)) as tf.Tensor2D;
  });
  return h;
}

/**
 * Validates an actor-critic's `netArch`: `{ pi, vf }`, each a list of hidden layer sizes (the
 * list form alone, SB3's shared sizes, is refused with the value shown). @internal
 */
export function requireNetArch(name: string, arch: unknown): NetArch {
  const a = arch as { pi?: unknown; vf?: unknown } | null;
  if (a === null || typeof a !== 'object' || Array.isArray(a) || !Array.isArray(a.pi) || !Array.isArray(a.vf)) {
    fail(name, '{ pi, vf }, the hidden layer sizes of the policy and value networks (e.g. { pi: [64, 64], vf: [64, 64] })', arch);
  }
  requireKnownKeys(name, a, ['pi', 'vf']);
  requireLayerSizes(`${name}.pi`, a.pi);
  requireLayerSizes(`${name}.vf`, a.vf);
  return a as NetArch;
}

/** Validates a list of hidden layer sizes. @internal */
export function requireLayerSizes(name: string, arch: unknown): readonly number[] {
  if (!Array.isArray(arch)) fail(name, 'an array of layer sizes', arch);
  (arch as unknown[]).forEach((h, i) => requireInt(`${name}[${i}]`, h, 1));
  return arch as readonly number[];
}

/** Everything needed to rebuild a policy network (read it from `agent.policy.spec`). */
export interface ActorCriticSpec {
  /** Observation length. */
  readonly obsSize: number;
  /** Discrete actions: the number of choices (MultiDiscrete: their sum); Box actions: the action length. */
  readonly actionSize: number;
  /** `'categorical'` for Discrete actions, `'multicategorical'` for MultiDiscrete, `'gaussian'` for Box. */
  readonly distribution: 'categorical' | 'multicategorical' | 'gaussian';
  /** MultiDiscrete: the choices per element (the logits are these categoricals end to end). */
  readonly nvec?: readonly number[];
  /** Hidden sizes. */
  readonly netArch: NetArch;
  /** Hidden activation. */
  readonly activation: 'tanh' | 'relu';
  /** Initial log standard deviation of the Gaussian (SB3: 0). */
  readonly logStdInit: number;
  /** A recurrent policy's LSTM (sb3-contrib's `RecurrentActorCriticPolicy`): the heads read its output; absent for a feed-forward one. */
  readonly lstm?: RecurrentSpec;
  /** Orthogonal initialisation of the heads with SB3's gains (true, the default), or PyTorch's default `nn.Linear` one (false: SB3's `ortho_init=False`). */
  readonly orthoInit?: boolean;
  /**
   * A centralised critic's input length (MAPPO, Yu et al. 2022): the value network reads an
   * input of this length (a global state) instead of the observation; absent, it reads the
   * observation. Set by the multi-agent trainer's `centralCritic` policies.
   */
  readonly criticObsSize?: number;
}

/** A recurrent policy's LSTM, as sb3-contrib's `RecurrentActorCriticPolicy` builds it (one layer). */
export interface RecurrentSpec {
  /** LSTM units (sb3-contrib's `lstm_hidden_size`). */
  readonly hiddenSize: number;
  /**
   * What the value network reads: `'lstm'` its own LSTM (sb3-contrib's default,
   * `enable_critic_lstm`), `'shared'` the actor's LSTM output with no gradient flowing back
   * into it (`shared_lstm`), `'linear'` a linear layer of the observation (neither).
   */
  readonly critic: 'lstm' | 'shared' | 'linear';
}

/**
 * What an on-policy agent shows of its network (`agent.policy`): the spec it was built from
 * and its parameters, every weight of the policy and value networks (and the Gaussian's log
 * std) in ONE flat float32 variable. Read it (e.g. `params.dataSync()`), do not assign it:
 * agents that train on the typed kernels keep their own copy in step with it.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { PPO, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new PPO(make('CartPole-v1'), { seed: 0 });
 * console.log(agent.policy.spec.netArch, agent.policy.params.size === agent.policy.size); // { pi: [64, 64], vf: [64, 64] } true
 * agent.dispose();
 * ```
 */
export interface ActorCriticView {
  /** What the network was built from. */
  readonly spec: ActorCriticSpec;
  /** The features extractor under the heads (trained with them), when the agent has one. */
  readonly featuresExtractor?: tf.LayersModel;
  /** All parameters end to end (tfjs variable; released by the agent's `dispose()`). */
  readonly params: tf.Variable;
  /** The number of parameters. */
  readonly size: number;
}

/**
 * A policy and a value network kept in ONE flat float32 parameter variable: one gradient per
 * minibatch, one global-norm clip and one optimizer update over everything, which is what
 * keeps tfjs's per-op overhead small. Weights are orthogonally initialised with
 * Stable-Baselines3's gains (sqrt 2 for hidden layers, 0.01 for the policy output, 1 for the
 * value output) and zero biases. @internal
 */
export class ActorCritic implements ActorCriticView {
  readonly spec: ActorCriticSpec;
  readonly params: tf.Variable;
  readonly size: number;
  #pi: DenseSlots[] = [];
  #vf: DenseSlots[] = [];
  #logStd: Slot | undefined;
  #lstmPi: LstmSlots | undefined;
  #lstmVf: LstmSlots | undefined;
  #criticLinear: DenseSlots | undefined;

  constructor(spec: ActorCriticSpec, rng: Rng) {
    requireInt('obsSize', spec.obsSize, 1);
    requireInt('actionSize', spec.actionSize, 1);
    requireNetArch('netArch', spec.netArch);
    if (spec.activation !== 'tanh' && spec.activation !== 'relu') fail('activation', "'tanh' or 'relu'", spec.activation);
    requireFinite('logStdInit', spec.logStdInit);
    if (spec.criticObsSize !== undefined) {
      requireInt('criticObsSize', spec.criticObsSize, 1);
      if (spec.lstm !== undefined) fail('criticObsSize', 'left out for a recurrent policy', spec.criticObsSize);
    }
    this.spec = spec;
    const seed = (): number => rng.uniform(0, 2 ** 31) | 0;
    const layout = new FlatLayout();
    // every initial tensor is made inside one tidy: only the flat parameter vector survives
    const flat = tf.tidy(() => {
      const torch = torchLinearInit(rng);
      const init = (outGain: number) =>
        spec.orthoInit === false
          ? torch
          : (fanIn: number, fanOut: number, isOutput: boolean) => ({
              w: orthogonal(fanIn, fanOut, isOutput ? outGain : Math.SQRT2, seed()),
              b: tf.zeros([fanOut]),
            });
      let headIn = spec.obsSize;
      const lstm = spec.lstm;
      if (lstm !== undefined) {
        requireInt('lstm.hiddenSize', lstm.hiddenSize, 1);
        if (!['lstm', 'shared', 'linear'].includes(lstm.critic)) fail('lstm.critic', "'lstm', 'shared' or 'linear'", lstm.critic);
        this.#lstmPi = lstmLayer(layout, spec.obsSize, lstm.hiddenSize, rng);
        if (lstm.critic === 'lstm') this.#lstmVf = lstmLayer(layout, spec.obsSize, lstm.hiddenSize, rng);
        if (lstm.critic === 'linear') this.#criticLinear = layout.dense(spec.obsSize, [], lstm.hiddenSize, torch)[0];
        headIn = lstm.hiddenSize;
      }
      this.#pi = layout.dense(headIn, spec.netArch.pi, spec.actionSize, init(0.01));
      this.#vf = layout.dense(spec.criticObsSize ?? headIn, spec.netArch.vf, 1, init(1));
      this.#logStd = spec.distribution === 'gaussian' ? layout.add([spec.actionSize], tf.fill([spec.actionSize], spec.logStdInit)) : undefined;
      return layout.build();
    });
    this.size = layout.size;
    this.params = tf.variable(flat, true);
    flat.dispose();
  }

  /** The policy network's layers in the flat vector. */
  get piLayers(): readonly DenseSlots[] {
    return this.#pi;
  }

  /** The value network's layers in the flat vector. */
  get vfLayers(): readonly DenseSlots[] {
    return this.#vf;
  }

  /** The Gaussian's log std region, or undefined for a categorical policy. */
  get logStdSlot(): Slot | undefined {
    return this.#logStd;
  }

  /** A recurrent policy's LSTMs (the critic's when it has its own) and the linear critic layer (when it has that instead). */
  get recurrentSlots(): { readonly pi: LstmSlots; readonly vf: LstmSlots | undefined; readonly linear: DenseSlots | undefined } | undefined {
    return this.#lstmPi === undefined ? undefined : { pi: this.#lstmPi, vf: this.#lstmVf, linear: this.#criticLinear };
  }

  /** Policy output (logits or Gaussian means), `[batch, actionSize]`. Call inside tf.tidy. */
  policy(x: tf.Tensor2D, theta: tf.Tensor = this.params): tf.Tensor2D {
    this.#feedForward();
    return mlp(theta, x, this.#pi, this.spec.activation);
  }

  /** The tfjs forward passes read observations: a recurrent policy runs on the kernels only. */
  #feedForward(): void {
    if (this.#lstmPi !== undefined) throw new Error('ActorCritic: a recurrent policy has no tfjs forward pass');
  }

  /** Values, `[batch]`. Call inside tf.tidy. */
  value(x: tf.Tensor2D, theta: tf.Tensor = this.params): tf.Tensor1D {
    this.#feedForward();
    return tf.reshape(mlp(theta, x, this.#vf, this.spec.activation), [-1]) as tf.Tensor1D;
  }

  /** The Gaussian's log standard deviations, `[actionSize]`. Call inside tf.tidy. */
  logStd(theta: tf.Tensor = this.params): tf.Tensor1D {
    if (this.#logStd === undefined) throw new Error('logStd of a categorical policy');
    return view(theta, this.#logStd) as tf.Tensor1D;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * A `rows x cols` orthogonal matrix times `gain`, drawn from `seed`, as tfjs-layers'
 * `initializers.orthogonal` (Saxe et al. 2014): the Q of the QR factorisation of a Gaussian
 * matrix of the same seed (`tf.randomNormal`, the same draws), its columns' signs fixed by R's
 * diagonal so Q is unique, transposed when wide. The factorisation runs here, as Householder
 * reflections in float64, instead of through tfjs's `linalg.qr`, which takes seconds for a
 * 64 x 64 layer and minutes for a wide observation on the cpu backend, and whose initializer
 * prints "Slowness may result" above 2,000 elements (a library prints nothing). It equals
 * tfjs's to float32 rounding. Call inside tf.tidy. @internal
 */
export function orthogonal(rows: number, cols: number, gain: number, seed: number): tf.Tensor2D {
  const m = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const q = householderQ(Float64Array.from(tf.randomNormal([m, k], 0, 1, 'float32', seed).dataSync()), m, k);
  const w = new Float32Array(rows * cols);
  // q is m x k, row-major; a wide matrix is its transpose
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) w[rows >= cols ? i * cols + j : j * cols + i] = gain * (q[i * k + j] as number);
  return tf.tensor2d(w, [rows, cols]);
}

/**
 * The Q (`m x k`, m >= k, row-major) of the thin QR factorisation of `a` (`m x k`, row-major;
 * overwritten) by Householder reflections (Golub and Van Loan, Matrix Computations, 4th ed.,
 * algorithms 5.1.1 and 5.2.1), each column times the sign of R's diagonal entry so that R's
 * diagonal is positive, which makes Q unique. @internal
 */
export function householderQ(a: Float64Array, m: number, k: number): Float64Array {
  const vs: Float64Array[] = [];
  const signs = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += (a[i * k + j] as number) ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[j * k + j] as number;
    const alpha = x0 > 0 ? -norm : norm; // R[j][j]; the sign opposite x0's avoids cancellation
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = a[i * k + j] as number;
    v[0] = x0 - alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    if (vv > 0) {
      // A[j:, j:] -= 2 v (v^T A[j:, j:]) / (v^T v)
      for (let c = j; c < k; c++) {
        let dot = 0;
        for (let i = j; i < m; i++) dot += (v[i - j] as number) * (a[i * k + c] as number);
        const f = (2 * dot) / vv;
        for (let i = j; i < m; i++) a[i * k + c] = (a[i * k + c] as number) - f * (v[i - j] as number);
      }
    }
    vs.push(v);
    signs[j] = alpha < 0 ? -1 : 1;
  }
  // Q = H_0 H_1 ... H_{k-1} times the first k columns of the identity, applied right to left
  const q = new Float64Array(m * k);
  for (let j = 0; j < k; j++) q[j * k + j] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j] as Float64Array;
    let vv = 0;
    for (const x of v) vv += x * x;
    if (vv === 0) continue;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += (v[i - j] as number) * (q[i * k + c] as number);
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) q[i * k + c] = (q[i * k + c] as number) - f * (v[i - j] as number);
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) q[i * k + j] = (q[i * k + j] as number) * (signs[j] as number);
  return q;
}

/**
 * An LSTM layer's regions in `layout`, initialised as PyTorch's `nn.LSTM` (every weight and both
 * biases uniform in ±1/sqrt(hidden)). Call inside tf.tidy. @internal
 */
function lstmLayer(layout: FlatLayout, inSize: number, hidden: number, rng: Rng): LstmSlots {
  const bound = 1 / Math.sqrt(hidden);
  const draw = (n: number) => tf.tensor1d(Float32Array.from({ length: n }, () => rng.uniform(-bound, bound)));
  return {
    w: layout.add([inSize + hidden, 4 * hidden], draw((inSize + hidden) * 4 * hidden)),
    bIh: layout.add([4 * hidden], draw(4 * hidden)),
    bHh: layout.add([4 * hidden], draw(4 * hidden)),
  };
}

/**
 * Polyak update of a target variable, as SB3's `polyak_update`: `target = (1 - tau) target + tau
 * online` (tau 1: a copy). The tfjs twin of `polyakInto`. Call inside tf.tidy. @internal
 */
export function polyakAssign(target: tf.Variable, online: tf.Tensor, tau: number): void {
  target.assign(tau === 1 ? online : tf.add(tf.mul(target, 1 - tau), tf.mul(online, tau)));
}

/** Global gradient-norm clipping as torch's `clip_grad_norm_`, on one flat gradient. Call inside tf.tidy. @internal */
export function clipByGlobalNorm(g: tf.Tensor, maxNorm: number): tf.Tensor {
  const norm = tf.sqrt(tf.sum(tf.square(g)));
  return tf.mul(g, tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))));
}

/** A non-trainable variable of zeros (the temporary zeros tensor is released). */
function zerosVariable(size: number): tf.Variable {
  const z = tf.zeros([size]);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}

/** An optimizer over one flat parameter variable, with its state in variables of its own. @internal */
export interface FlatOptimizer {
  /** One update of `params` with gradient `g` at learning rate `lr`. Call inside tf.tidy. */
  apply(params: tf.Variable, g: tf.Tensor, lr: number): void;
  /** The updated values of `params` (e.g. several variables end to end) after one step with gradient `g`. Call inside tf.tidy. */
  update(params: tf.Tensor, g: tf.Tensor, lr: number): tf.Tensor;
  /** The state tensors, by name, and the step count, for saving. */
  state(): { tensors: Record<string, tf.Variable>; step: number };
  /** Restores saved state. */
  setState(tensors: Record<string, tf.Tensor>, step: number): void;
  /** Copies the state tensors into the typed-array mirror that {@link FlatOptimizer.step} updates. */
  pull(): void;
  /** Writes the typed-array mirror back into the state tensors (for saving). */
  push(): void;
  /** One update of float32 `params` with gradient `g * scale` on a kernel set, on the typed-array mirror of the state. */
  step(kernels: KernelSet, params: Float32Array, g: FloatArray, lr: number, scale: number): void;
  /** Releases the state tensors. */
  dispose(): void;
}

/** Copies variables into same-length float32 mirrors. @internal */
export function pullInto(vars: readonly tf.Variable[], mirrors: readonly Float32Array[]): void {
  vars.forEach((v, i) => (mirrors[i] as Float32Array).set(v.dataSync() as Float32Array));
}

/** Assigns float32 mirrors to their variables. @internal */
export function pushFrom(vars: readonly tf.Variable[], mirrors: readonly Float32Array[]): void {
  vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor1d(mirrors[i] as Float32Array))));
}

/**
 * RMSprop exactly as PyTorch's `torch.optim.RMSprop` (not centred, no momentum):
 * `v = alpha v + (1 - alpha) g^2; p -= lr g / (sqrt(v) + eps)`. SB3's A2C uses alpha 0.99,
 * eps 1e-5. @internal
 */
export class FlatRMSprop implements FlatOptimizer {
  readonly v: tf.Variable;
  readonly #v: Float32Array;

  constructor(size: number, readonly alpha = 0.99, readonly eps = 1e-5) {
    this.v = zerosVariable(size);
    this.#v = new Float32Array(size);
  }

  pull(): void {
    pullInto([this.v], [this.#v]);
  }

  push(): void {
    pushFrom([this.v], [this.#v]);
  }

  step(kernels: KernelSet, params: Float32Array, g: FloatArray, lr: number, scale: number): void {
    kernels.rmsprop(params, this.#v, g, scale, lr, this.alpha, this.eps);
  }

  state(): { tensors: Record<string, tf.Variable>; step: number } {
    return { tensors: { 'optimizer/v': this.v }, step: 0 };
  }

  setState(tensors: Record<string, tf.Tensor>): void {
    this.v.assign(tensors['optimizer/v'] as tf.Tensor);
  }

  apply(params: tf.Variable, g: tf.Tensor, lr: number): void {
    params.assign(this.update(params, g, lr));
  }

  update(params: tf.Tensor, g: tf.Tensor, lr: number): tf.Tensor {
    const v = tf.add(tf.mul(this.v, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
    this.v.assign(v);
    return tf.sub(params, tf.mul(tf.div(g, tf.add(tf.sqrt(v), this.eps)), lr));
  }

  dispose(): void {
    this.v.dispose();
  }
}

/**
 * Adam exactly as PyTorch's `torch.optim.Adam` (bias-corrected, eps added after the
 * square root), over one flat parameter variable, with its state in variables of its own
 * (so it can be saved, and `learn()` creates no tensors that outlive it). @internal
 */
export class FlatAdam implements FlatOptimizer {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  t = 0;
  readonly #m: Float32Array;
  readonly #v: Float32Array;

  constructor(size: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    this.m = zerosVariable(size);
    this.v = zerosVariable(size);
    this.#m = new Float32Array(size);
    this.#v = new Float32Array(size);
  }

  pull(): void {
    pullInto([this.m, this.v], [this.#m, this.#v]);
  }

  push(): void {
    pushFrom([this.m, this.v], [this.#m, this.#v]);
  }

  step(kernels: KernelSet, params: Float32Array, g: FloatArray, lr: number, scale: number): void {
    this.t++;
    kernels.adam(params, this.#m, this.#v, g, scale, lr / (1 - this.beta1 ** this.t), Math.sqrt(1 - this.beta2 ** this.t), this.beta1, this.beta2, this.eps);
  }

  state(): { tensors: Record<string, tf.Variable>; step: number } {
    return { tensors: { 'optimizer/m': this.m, 'optimizer/v': this.v }, step: this.t };
  }

  setState(tensors: Record<string, tf.Tensor>, step: number): void {
    this.m.assign(tensors['optimizer/m'] as tf.Tensor);
    this.v.assign(tensors['optimizer/v'] as tf.Tensor);
    this.t = step;
  }

  /** One update of `params` with gradient `g` at learning rate `lr`. Call inside tf.tidy. */
  apply(params: tf.Variable, g: tf.Tensor, lr: number): void {
    params.assign(this.update(params, g, lr));
  }

  /** The updated values of `params` after one step with gradient `g`. Call inside tf.tidy. */
  update(params: tf.Tensor, g: tf.Tensor, lr: number): tf.Tensor {
    this.t++;
    const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    this.m.assign(m);
    this.v.assign(v);
    const stepSize = lr / (1 - this.beta1 ** this.t);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - this.beta2 ** this.t)), this.eps);
    return tf.sub(params, tf.mul(tf.div(m, denom), stepSize));
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

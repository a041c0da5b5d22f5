import type { CheckpointTarget } from '../common/checkpoint.js';
import * as tf from '@tensorflow/tfjs';
import { fail, requireFinite, requireKnownKeys } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Box } from '../../spaces/Box.js';
import type { Space } from '../../spaces/Space.js';
import { FlatAdam, type FlatOptimizer } from '../common/ActorCritic.js';
import { Algorithm, buildAll } from '../common/Algorithm.js';
import { requireSameSpec, type Checkpoint } from '../common/checkpoint.js';
import { SquashedGaussian } from '../common/distributions.js';
import { tfjsUpdate } from '../common/featuresExtractor.js';
import { definedOnly } from '../common/guards.js';
import { kernelsFor } from '../common/kernels/registry.js';
import type { FloatArray, KernelSet, MlpKernel } from '../common/kernels/types.js';
import { OffPolicy, polyakInto, resolveOffPolicy, typedLossOp, type OffPolicyNetworkState, type OffPolicyOptions } from '../common/OffPolicy.js';
import type { ReplaySample } from '../common/ReplayBuffer.js';
import { TypedMirror } from '../common/TypedMirror.js';
import type { AgentAction, PredictOptions, TrainEnv } from '../common/types.js';
import { SACNetworks, type SACSpec } from './SACNetworks.js';

/**
 * SAC's options: the off-policy ones ({@link OffPolicyOptions}) and the entropy coefficient's;
 * each omitted one takes its value from {@link SAC_DEFAULTS}.
 * @example
 * ```ts
 * import type { SACOptions } from 'tradegym/agents';
 * // rl-baselines3-zoo's tuned Pendulum-v1 settings (hyperparams/sac.yml)
 * const zoo: SACOptions = { learningRate: 1e-3 };
 * console.log(zoo.learningRate); // 0.001
 * ```
 */
export interface SACOptions extends OffPolicyOptions {
  /** Gradient steps between Polyak updates of the critics' targets (SB3 counts them within each training round). */
  readonly targetUpdateInterval?: number;
  /**
   * The entropy coefficient alpha (Haarnoja et al. 2018): a number >= 0 to fix it, `'auto'` to
   * learn log(alpha) from alpha = 1 towards the target entropy, or `'auto_<x>'` (e.g.
   * `'auto_0.1'`) to learn it from alpha = x > 0, as SB3's `ent_coef`.
   */
  readonly entCoef?: number | 'auto' | `auto_${string}`;
  /** The entropy the learned coefficient aims for: `'auto'` for -dim(A) (SB3's default), or a number. */
  readonly targetEntropy?: number | 'auto';
}

/**
 * Stable-Baselines3 2.3.2's SAC defaults (sac.py `SAC.__init__`, policies.py `SACPolicy`):
 * learning rate 3e-4 for the actor, the critics and the entropy coefficient alike, buffer
 * 1,000,000, learningStarts 100, batch 256, tau 0.005, gamma 0.99, trainFreq 1,
 * gradientSteps 1, `ent_coef='auto'`, `target_update_interval=1`, `target_entropy='auto'`, and
 * `net_arch=[256, 256]` with ReLU for the actor and for each critic.
 * @example
 * ```ts
 * import { SAC_DEFAULTS } from 'tradegym/agents';
 * console.log(SAC_DEFAULTS.batchSize, SAC_DEFAULTS.entCoef); // 256 'auto'
 * ```
 */
export const SAC_DEFAULTS: Readonly<Required<Omit<SACOptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 3e-4,
  bufferSize: 1_000_000,
  learningStarts: 100,
  batchSize: 256,
  tau: 0.005,
  gamma: 0.99,
  trainFreq: 1,
  gradientSteps: 1,
  targetUpdateInterval: 1,
  entCoef: 'auto',
  targetEntropy: 'auto',
  netArch: Object.freeze([256, 256]),
  activation: 'relu',
  compute: 'auto',
});

const KEYS = [...Object.keys(SAC_DEFAULTS), 'seed', 'featuresExtractor'];

/** SAC's resolved options. */
type SACConfig = Readonly<Required<Omit<SACOptions, 'seed' | 'featuresExtractor'>>> & Pick<SACOptions, 'seed' | 'featuresExtractor'>;

/** `entCoef` read: the fixed value, or the initial value of a learned one. */
function parseEntCoef(v: unknown): { learned: boolean; value: number } {
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) fail('entCoef', "a finite number >= 0, 'auto' or 'auto_<initial value>'", v);
    return { learned: false, value: v };
  }
  if (v === 'auto') return { learned: true, value: 1 };
  const m = typeof v === 'string' ? /^auto_(.+)$/.exec(v) : null;
  const init = m === null ? Number.NaN : Number(m[1]);
  if (!(init > 0) || !Number.isFinite(init)) fail('entCoef', "a finite number >= 0, 'auto' or 'auto_<initial value > 0>'", v);
  return { learned: true, value: init };
}

/** The env's action space: a Box with finite bounds (SAC's actions are rescaled from [-1, 1] to them). */
function requireBoundedBox(space: Space<unknown>): Box {
  if (!(space instanceof Box)) throw new InvalidArgumentError(`env action space must be a Box for SAC, got ${String(space)}`);
  if (space.isBounded()) return space;
  for (let i = 0; i < space.size; i++) {
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) {
      fail('env action space bounds', 'finite (SAC rescales its actions from [-1, 1] to them)', `low ${space.low[i]}, high ${space.high[i]} at index ${i} of ${String(space)}`);
    }
  }
  return space;
}

/**
 * What SAC shows of its networks (`agent.policy`), read-only: assigning them is the agent's
 * business (`save` / `load` carry them).
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { SAC, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new SAC(make('Pendulum-v1'), { netArch: [32], seed: 0 });
 * console.log(agent.policy.actor.size > 0, agent.policy.critic.size > agent.policy.actor.size); // true true
 * agent.dispose();
 * ```
 */
export interface SACPolicyView {
  /** What the networks were built from. */
  readonly spec: SACSpec;
  /** The actor's parameters (trunk, mean and log-std heads), one flat tfjs variable. */
  readonly actor: tf.Variable;
  /** Both critics' parameters, one flat variable. */
  readonly critic: tf.Variable;
  /** The critics' target copy (Polyak-averaged). */
  readonly criticTarget: tf.Variable;
  /** The features extractor under the actor and the critics (its online weights), when the agent has one. */
  readonly featuresExtractor?: tf.LayersModel;
}

/**
 * Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications"),
 * as Stable-Baselines3's `SAC`: a squashed-Gaussian actor (an MLP under mean and log-std
 * heads, the log std clamped to [-20, 2], `tanh` squashing with the log-probability's
 * correction), twin Q critics of `[observation, action]` whose target copies follow by Polyak
 * averaging (`tau`) every `targetUpdateInterval` gradient steps, and the entropy coefficient
 * learned towards `targetEntropy` (`entCoef: 'auto'`) or fixed. One Adam per network (actor,
 * critics, entropy coefficient), in SB3's order within each gradient step: the coefficient,
 * then the critics on `r + (1 - done) gamma (min Q_target(s', a') - alpha log pi(a'|s'))`,
 * then the actor on `alpha log pi(a|s) - min Q(s, a)` through the reparameterised action.
 * Actions are the actor's in (-1, 1) rescaled to the Box's bounds (stored scaled in the
 * replay buffer); before `learningStarts` they are drawn uniformly from the Box. Collection,
 * replay, `trainFreq` / `gradientSteps` / `learningStarts` and checkpoints are the off-policy
 * machinery DQN and QR-DQN share. Logs SB3's keys: `train/actor_loss`, `train/critic_loss`,
 * `train/ent_coef`, `train/ent_coef_loss` (when learned), `train/learning_rate`,
 * `train/n_updates`. The MLPs train on a kernel set, or on tfjs with a `featuresExtractor`
 * (shared by the actor and the critics and trained by the critics' loss alone, SB3's
 * `share_features_extractor=True`); both paths run the same losses.
 *
 * @typeParam Act - the env's action type: it must hold a Box's `Float32Array` (an env whose
 *   actions are a union, as `TradingEnv`'s, is accepted; its space must be a Box at run time).
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { SAC, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new SAC(make('Pendulum-v1'), { learningStarts: 50, batchSize: 32, netArch: [32, 32], seed: 0 });
 * await agent.learn({ totalTimesteps: 100 });
 * const torque = agent.predict(new Float32Array([1, 0, 0]), { deterministic: true });
 * console.log(torque.length, Math.abs(torque[0]!) <= 2); // 1 true
 * agent.dispose();
 * ```
 */
export class SAC<Act extends AgentAction = Float32Array> extends OffPolicy<Act, SACConfig, Float32Array> {
  /** The resolved options. */
  declare readonly config: Readonly<Required<Omit<SACOptions, 'seed' | 'featuresExtractor'>>> & Pick<SACOptions, 'seed' | 'featuresExtractor'>;
  /** @internal */
  protected readonly algorithm = 'SAC';
  /** The entropy coefficient alpha now (`exp(log alpha)` when learned). */
  get entCoef(): number {
    if (this.#logEntCoef === undefined) return this.#fixedEntCoef;
    const t = this.#typed;
    return Math.exp(t !== undefined && !(this.mirror as TypedMirror).stale ? (t.logEntCoef as Float32Array)[0] as number : (this.#logEntCoef.dataSync()[0] as number));
  }
  /** The entropy the learned coefficient aims for (`-dim(A)` by default). */
  readonly targetEntropy: number;
  readonly #nets: SACNetworks;
  readonly #dist: SquashedGaussian;
  readonly #box: Box;
  readonly #k: number;
  readonly #logEntCoef: tf.Variable | undefined;
  readonly #fixedEntCoef: number;
  readonly #actorAdam: FlatAdam;
  readonly #criticAdam: FlatAdam;
  readonly #entAdam: FlatAdam | undefined;
  readonly #typed: Typed | undefined;
  /** The gradient steps' minibatch and reparameterisation noise, reused (batchSize is fixed). */
  #batch: { readonly s: ReplaySample<Float32Array>; readonly noise: Float64Array; readonly nextNoise: Float64Array } | undefined;
  /** Scratch, reused: the noise of an acting row. */
  #noise = new Float64Array(0);

  /**
   * @param env - an env with a Box observation space and a Box action space of finite bounds,
   *   or a `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link SACOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an env whose action space is not a Box
   *   (the message names the space) or has an infinite bound (the message names the bounds),
   *   an unknown option, or a value out of range. A constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: SACOptions = {}) {
    requireKnownKeys('options', options, KEYS);
    const o = { ...SAC_DEFAULTS, ...definedOnly(options) }; // an explicit undefined is "left out"
    const setup = resolveOffPolicy(env, o, requireBoundedBox);
    const ent = parseEntCoef(o.entCoef);
    const k = setup.actions.size;
    const targetEntropy = o.targetEntropy === 'auto' ? -k : requireFinite('targetEntropy', o.targetEntropy);
    const config: SACConfig = Object.freeze({ ...o, ...setup.checked });
    // every option is checked before the networks are built: a throw leaks no tensors
    super(setup.env, config, setup.lr, k);
    this.targetEntropy = targetEntropy;
    this.#box = setup.actions;
    this.#k = k;
    this.#dist = new SquashedGaussian(k);
    this.#fixedEntCoef = ent.value;
    const obsSize = this.env.singleObservationSpace.size;
    const built = buildAll((own) => {
      const ext = this.buildExtractor(own);
      const nets = new SACNetworks({ obsSize: ext?.featuresDim ?? obsSize, actionSize: k, netArch: [...config.netArch], activation: config.activation }, this.rng);
      own(nets);
      const actorAdam = new FlatAdam(nets.actor.size);
      own(actorAdam);
      // SB3's critic optimizer holds the critics and (not shared with the actor's) the extractor
      const criticAdam = new FlatAdam(nets.critic.size + (ext?.size ?? 0));
      own(criticAdam);
      const logEntCoef = ent.learned ? tf.tidy(() => tf.variable(tf.tensor1d([Math.log(ent.value)]), true)) : undefined;
      if (logEntCoef !== undefined) own(logEntCoef);
      return { ext, nets, actorAdam, criticAdam, logEntCoef, entAdam: ent.learned ? new FlatAdam(1) : undefined };
    });
    this.extractor = built.ext;
    this.#nets = built.nets;
    this.#actorAdam = built.actorAdam;
    this.#criticAdam = built.criticAdam;
    this.#logEntCoef = built.logEntCoef;
    this.#entAdam = built.entAdam;
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const nets = this.#nets;
      const vars = [nets.actor, nets.critic, nets.criticTarget, ...(built.logEntCoef === undefined ? [] : [built.logEntCoef])];
      const mirror = (this.mirror = new TypedMirror(vars, [this.#actorAdam, this.#criticAdam, ...(this.#entAdam === undefined ? [] : [this.#entAdam])]));
      const act = config.activation;
      const actorNet = () => kernels.mlp(nets.actorLayers, act);
      const qNets = (): [MlpKernel, MlpKernel] => [kernels.mlp(nets.qLayers[0], act), kernels.mlp(nets.qLayers[1], act)];
      this.#typed = {
        kernels,
        actor: mirror.arrays[0] as Float32Array,
        critic: mirror.arrays[1] as Float32Array,
        criticTarget: mirror.arrays[2] as Float32Array,
        logEntCoef: mirror.arrays[3],
        actorGrad: kernels.array(nets.actor.size),
        criticGrad: kernels.array(nets.critic.size),
        entGrad: kernels.array(1),
        actorNet: actorNet(),
        actingNet: actorNet(),
        qNets: qNets(),
        targetNets: qNets(),
        version: 0,
        actingVersion: -1,
        scratch: new Scratch(kernels),
      };
    }
  }

  /** The actor and the critics: their spec and flat parameters, read-only (see {@link SACPolicyView}). */
  get policy(): SACPolicyView {
    const n = this.#nets;
    const model = this.extractor?.model;
    return { spec: n.spec, actor: n.actor, critic: n.critic, criticTarget: n.criticTarget, ...(model === undefined ? {} : { featuresExtractor: model }) };
  }

  /** The env action of a scaled one in [-1, 1]: `low + (a + 1) (high - low) / 2` (SB3's `unscale_action`), within the bounds. */
  #unscale(scaled: ArrayLike<number>, at: number): Float32Array {
    const { low, high } = this.#box;
    const out = new Float32Array(this.#k);
    for (let c = 0; c < this.#k; c++) {
      const lo = low[c] as number;
      const hi = high[c] as number;
      out[c] = Math.min(hi, Math.max(lo, lo + ((scaled[at + c] as number) + 1) * 0.5 * (hi - lo)));
    }
    return out;
  }

  /** The actor's head outputs at `n` observations (`n x 2k`, read before the next call). */
  #actorOut(obs: Float32Array, n: number): ArrayLike<number> {
    const t = this.#typed;
    if (t !== undefined) {
      // a kernel agent acts on its kernels (a loaded one reads its mirrors first): predict and
      // collection take the same numbers before and after a save
      const mirror = this.mirror as TypedMirror;
      if (mirror.stale) t.actingVersion = -1;
      mirror.pull();
      if (t.actingVersion !== t.version) {
        t.actingNet.load(t.actor);
        t.actingVersion = t.version;
      }
      return t.actingNet.forward(obs, n);
    }
    const size = this.env.singleObservationSpace.size;
    return tf.tidy(() => this.#nets.actorOut(this.#features(tf.tensor2d(obs, [n, size]))).dataSync());
  }

  /** Features of observations under the online extractor, or the observations. Call inside tf.tidy. */
  #features(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.extractor === undefined ? x : this.extractor.apply(x, training);
  }

  /** @internal Uniform actions from the Box before learningStarts (SB3: `action_space.sample()`), then the actor's samples. */
  protected chooseActions(obs: Float32Array, n: number, warmup: boolean): void {
    const k = this.#k;
    const scaled = this.chosen;
    if (warmup) {
      for (let i = 0; i < n * k; i++) scaled[i] = this.rng.uniform(-1, 1);
    } else {
      const p = this.#actorOut(obs, n);
      if (this.#noise.length < k) this.#noise = new Float64Array(k);
      for (let e = 0; e < n; e++) this.#dist.sample(p, e * 2 * k, this.rng, scaled, e * k, this.#noise, 0);
    }
    for (let e = 0; e < n; e++) this.envActions[e] = this.#unscale(scaled, e * k) as unknown as Act; // the constructor checked the space is a Box
  }

  /** @internal SAC updates its targets per gradient step, inside `train`. */
  protected afterStep(): void {}

  /** @internal */
  protected rolloutLog(): Record<string, number> {
    return {};
  }

  /**
   * @internal `gradientSteps` updates of the entropy coefficient, the critics and the actor,
   * in SB3's order; returns the mean of each loss and of alpha over the steps.
   */
  protected train(lr: number): Record<string, number> {
    const { batchSize: n, gradientSteps } = this.config;
    const sums = { actor: 0, critic: 0, ent: 0, entLoss: 0 };
    // one minibatch and its noise, refilled at every step
    const k = this.#k;
    const d = this.env.singleObservationSpace.size;
    const f = (size: number) => new Float32Array(size);
    this.#batch ??= { s: { observations: f(n * d), nextObservations: f(n * d), actions: f(n * k), rewards: f(n), dones: f(n) }, noise: new Float64Array(n * k), nextNoise: new Float64Array(n * k) };
    const { s, noise, nextNoise } = this.#batch;
    for (let g = 0; g < gradientSteps; g++) {
      this.buffer.sampleInto(s, 0, n, this.rng); // the draws sample() makes
      // the reparameterisation noise of the actions at s, then at s' (SB3's two samples, in order)
      for (let i = 0; i < noise.length; i++) noise[i] = this.rng.normal();
      for (let i = 0; i < nextNoise.length; i++) nextNoise[i] = this.rng.normal();
      const step = this.#typed !== undefined ? this.#stepKernels(this.#typed, s, noise, nextNoise, lr) : this.#stepTfjs(s, noise, nextNoise, lr);
      sums.actor += step.actor;
      sums.critic += step.critic;
      sums.ent += step.ent;
      sums.entLoss += step.entLoss;
      if (g % this.config.targetUpdateInterval === 0) this.#updateTarget();
    }
    const mean = (x: number) => x / gradientSteps;
    return {
      'train/ent_coef': mean(sums.ent),
      'train/actor_loss': mean(sums.actor),
      'train/critic_loss': mean(sums.critic),
      ...(this.#logEntCoef === undefined ? {} : { 'train/ent_coef_loss': mean(sums.entLoss) }),
    };
  }

  /** Polyak update of the critics' target (and the extractor's), on the typed mirrors during typed training. */
  #updateTarget(): void {
    const tau = this.config.tau;
    const t = this.#typed;
    if (t === undefined || (this.mirror as TypedMirror).stale) {
      this.#nets.updateTarget(tau);
      this.extractor?.updateTarget(tau);
      return;
    }
    polyakInto(t.criticTarget, t.critic, tau);
    (this.mirror as TypedMirror).dirty = true;
  }

  /** alpha now, and (learned) one Adam step of log alpha on its loss at the actions' log-probabilities. */
  #entropyStep(logProb: Float64Array, logAlpha: number, apply: (grad: number) => void): { ent: number; entLoss: number } {
    if (this.#logEntCoef === undefined) return { ent: this.#fixedEntCoef, entLoss: 0 };
    const { loss, grad } = entCoefLoss(logAlpha, logProb, this.targetEntropy);
    apply(grad);
    return { ent: Math.exp(logAlpha), entLoss: loss }; // alpha before its update, as SB3 (detached first)
  }

  /** One gradient step on the kernel set. */
  #stepKernels(t: Typed, s: ReplaySample<Float32Array>, noise: Float64Array, nextNoise: Float64Array, lr: number): StepLosses {
    const K = t.kernels;
    const n = s.rewards.length;
    const k = this.#k;
    const d = this.env.singleObservationSpace.size;
    const dist = this.#dist;
    const mirror = this.mirror as TypedMirror;
    const at = (slot: Buf, size: number, zeroed = false) => t.scratch.get(slot, size, zeroed);
    // the actor's actions at s', for the targets, then at s (the forward the actor loss
    // differentiates, so it comes last)
    t.actorNet.load(t.actor);
    const pNext = t.actorNet.forward(s.nextObservations, n);
    const nextActions = new Float64Array(n * k);
    const nextLogProb = new Float64Array(n);
    for (let i = 0; i < n; i++) nextLogProb[i] = dist.act(pNext, i * 2 * k, nextNoise, i * k, nextActions, i * k);
    const p = t.actorNet.forward(s.observations, n);
    const actions = new Float64Array(n * k);
    const logProb = new Float64Array(n);
    for (let i = 0; i < n; i++) logProb[i] = dist.act(p, i * 2 * k, noise, i * k, actions, i * k);
    const { ent, entLoss } = this.#entropyStep(logProb, t.logEntCoef === undefined ? 0 : (t.logEntCoef[0] as number), (grad) => {
      t.entGrad[0] = grad;
      (this.#entAdam as FlatAdam).step(K, t.logEntCoef as Float32Array, t.entGrad, lr, 1);
    });
    // targets from the target critics at s' and the actor's actions there
    const next = rowsOf(at(Buf.Next, n * (d + k)), s.nextObservations, d, nextActions, k, n);
    t.targetNets[0].load(t.criticTarget);
    t.targetNets[1].load(t.criticTarget);
    const q1Next = t.targetNets[0].forward(next, n);
    const q2Next = t.targetNets[1].forward(next, n);
    const y = sacTargets(s.rewards, s.dones, q1Next, q2Next, nextLogProb, ent, this.config.gamma);
    // the critics on the replayed actions
    const [q1Net, q2Net] = t.qNets;
    q1Net.load(t.critic);
    q2Net.load(t.critic);
    const sa = rowsOf(at(Buf.Sa, n * (d + k)), s.observations, d, s.actions, k, n);
    const q1 = q1Net.forward(sa, n);
    const q2 = q2Net.forward(sa, n);
    const dQ1 = at(Buf.DQ1, n);
    const dQ2 = at(Buf.DQ2, n);
    const critic = sacCriticLoss(q1, q2, y, dQ1, dQ2);
    q1Net.backward(dQ1, n, t.criticGrad);
    q2Net.backward(dQ2, n, t.criticGrad);
    this.#criticAdam.step(K, t.critic, t.criticGrad, lr, 1);
    // the actor through the updated critics at its own actions
    q1Net.load(t.critic);
    q2Net.load(t.critic);
    const sPi = rowsOf(at(Buf.SPi, n * (d + k)), s.observations, d, actions, k, n);
    const q1Pi = q1Net.forward(sPi, n);
    const q2Pi = q2Net.forward(sPi, n);
    const dLogProb = new Float64Array(n);
    const dQ1Pi = at(Buf.DQ1Pi, n);
    const dQ2Pi = at(Buf.DQ2Pi, n);
    const actor = sacActorLoss(logProb, q1Pi, q2Pi, ent, dLogProb, dQ1Pi, dQ2Pi);
    const dx2 = at(Buf.Dx2, n * (d + k));
    const dx1 = at(Buf.Dx1, n * (d + k));
    q1Net.backward(dQ1Pi, n, t.criticGrad, dx1);
    q2Net.backward(dQ2Pi, n, t.criticGrad, dx2);
    const dA = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) dA[i * k + c] = (dx1[i * (d + k) + d + c] as number) + (dx2[i * (d + k) + d + c] as number);
    const dP = at(Buf.DP, n * 2 * k, true); // addReparamGrad adds into it
    for (let i = 0; i < n; i++) dist.addReparamGrad(p, i * 2 * k, noise, i * k, dLogProb[i] as number, dA, i * k, dP, i * 2 * k);
    t.actorNet.backward(dP, n, t.actorGrad);
    this.#actorAdam.step(K, t.actor, t.actorGrad, lr, 1);
    t.version++;
    mirror.dirty = true;
    return { actor, critic, ent, entLoss };
  }

  /** One gradient step on tfjs: the same typed losses, their gradients handed to autodiff by `tf.customGrad` ops. */
  #stepTfjs(s: ReplaySample<Float32Array>, noise: Float64Array, nextNoise: Float64Array, lr: number): StepLosses {
    const n = s.rewards.length;
    const k = this.#k;
    const d = this.env.singleObservationSpace.size;
    const nets = this.#nets;
    const dist = this.#dist;
    const ext = this.extractor;
    return tf.tidy(() => {
      const obs = tf.tensor2d(s.observations, [n, d]);
      const nextObs = tf.tensor2d(s.nextObservations, [n, d]);
      // the actor's log-probabilities at s, for the entropy coefficient
      const p = nets.actorOut(this.#features(obs)).dataSync();
      const scratch = new Float64Array(n * k);
      const logProb = Float64Array.from({ length: n }, (_, i) => dist.act(p, i * 2 * k, noise, i * k, scratch, i * k));
      const logEnt = this.#logEntCoef;
      const { ent, entLoss } = this.#entropyStep(logProb, logEnt === undefined ? 0 : (logEnt.dataSync()[0] as number), (grad) => {
        (this.#entAdam as FlatAdam).apply(logEnt as tf.Variable, tf.tensor1d([grad]), lr);
      });
      // targets from the target critics at s' and the actor's actions there
      const pNext = nets.actorOut(this.#features(nextObs)).dataSync();
      const nextActions = new Float32Array(n * k);
      const nextLogProb = Float64Array.from({ length: n }, (_, i) => dist.act(pNext, i * 2 * k, nextNoise, i * k, nextActions, i * k));
      const nextFeatures = ext === undefined ? nextObs : ext.applyTarget(nextObs);
      const qNext = nets.q(tf.concat([nextFeatures, tf.tensor2d(nextActions, [n, k])], 1), nets.criticTarget).dataSync();
      const q1Next = Float64Array.from({ length: n }, (_, i) => qNext[2 * i] as number);
      const q2Next = Float64Array.from({ length: n }, (_, i) => qNext[2 * i + 1] as number);
      const y = sacTargets(s.rewards, s.dones, q1Next, q2Next, nextLogProb, ent, this.config.gamma);
      // the critics (and the extractor) on the replayed actions
      const criticOp = typedLossOp((q, dq) => criticLossOfPairs(q, y, dq));
      const replayed = tf.tensor2d(s.actions, [n, k]);
      const critic = tfjsUpdate(() => criticOp(nets.q(tf.concat([this.#features(obs, true), replayed], 1))), nets.critic, ext, this.#criticAdam, lr, Infinity).dataSync()[0] as number;
      // the actor through the updated critics at its reparameterised actions
      let actor = 0;
      const features = this.#features(obs); // outside the tape: the actor loss does not train the extractor
      const squash = squashOp(dist, noise, n);
      const actorOp = typedLossOp((x, dx) => {
        const lp = Float64Array.from({ length: n }, (_, i) => x[3 * i] as number);
        const q1 = Float64Array.from({ length: n }, (_, i) => x[3 * i + 1] as number);
        const q2 = Float64Array.from({ length: n }, (_, i) => x[3 * i + 2] as number);
        const [dl, d1, d2] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
        actor = sacActorLoss(lp, q1, q2, ent, dl, d1, d2);
        for (let i = 0; i < n; i++) [dx[3 * i], dx[3 * i + 1], dx[3 * i + 2]] = [dl[i] as number, d1[i] as number, d2[i] as number];
        return actor;
      });
      tfjsUpdate(
        () => {
          const aLogp = squash(nets.actorOut(features));
          const a = tf.slice(aLogp, [0, 0], [n, k]);
          const lp = tf.slice(aLogp, [0, k], [n, 1]);
          return actorOp(tf.concat([lp, nets.q(tf.concat([features, a], 1))], 1));
        },
        nets.actor,
        undefined,
        this.#actorAdam,
        lr,
        Infinity,
      );
      return { actor, critic, ent, entLoss };
    });
  }

  /**
   * The action for one observation: the squashed mean (`deterministic`) or a sample of the
   * squashed Gaussian, rescaled from [-1, 1] to the Box's bounds.
   * @param observation - an observation of the env's observation space.
   * @param options - `deterministic` (default false); `actionMask` is refused (SAC acts in a Box).
   * @returns an action of the env's Box space.
   * @throws `InvalidArgumentError` (from `tradegym`) for an observation that is not a
   *   Float32Array of the observation space's length or holds a NaN or infinity, an unknown
   *   option or an `actionMask`; `TradegymError` after `dispose()`.
   */
  predict(observation: Float32Array, options: PredictOptions = {}): Float32Array {
    this.checkPredict(observation, options);
    if (options.actionMask !== undefined) fail('options.actionMask', 'left out (SAC acts in a Box, not over discrete choices)', options.actionMask);
    const p = this.#actorOut(observation, 1);
    const scaled = new Float64Array(this.#k);
    if (options.deterministic === true) this.#dist.mode(p, 0, scaled, 0);
    else this.#dist.sample(p, 0, this.rng, scaled, 0, new Float64Array(this.#k), 0);
    return this.#unscale(scaled, 0);
  }

  /** @internal The networks, the three optimizers and log alpha. */
  protected networkState(): OffPolicyNetworkState {
    const nets = this.#nets;
    const ext = this.extractor;
    const named = (prefix: string, opt: FlatOptimizer) => Object.fromEntries(Object.entries(opt.state().tensors).map(([key, v]) => [`${prefix}/${key}`, v]));
    return {
      spec: nets.spec,
      optimizerStep: this.#actorAdam.t,
      tensors: {
        actor: nets.actor,
        critic: nets.critic,
        criticTarget: nets.criticTarget,
        ...named('actor', this.#actorAdam),
        ...named('critic', this.#criticAdam),
        ...(this.#logEntCoef === undefined ? {} : { logEntCoef: this.#logEntCoef, ...named('entCoef', this.#entAdam as FlatAdam) }),
        ...(ext === undefined ? {} : ext.targetWeights('extractorTarget')),
      },
      rollout: {},
    };
  }

  /** @internal Restores the networks, the optimizers and log alpha. */
  protected restoreNetworks(checkpoint: Checkpoint): void {
    const t = checkpoint.tensors;
    const step = checkpoint.topology.optimizerStep;
    requireSameSpec(checkpoint.topology.spec, this.#nets.spec);
    if ((t.logEntCoef !== undefined) !== (this.#logEntCoef !== undefined)) {
      fail('entCoef', `${t.logEntCoef === undefined ? 'a number' : "'auto'"} as saved (a fixed coefficient and a learned one do not load into each other)`, this.config.entCoef);
    }
    this.extractor?.setWeights('extractor', t);
    this.extractor?.setTargetWeights('extractorTarget', t);
    const nets = this.#nets;
    nets.actor.assign(t.actor as tf.Tensor);
    nets.critic.assign(t.critic as tf.Tensor);
    nets.criticTarget.assign(t.criticTarget as tf.Tensor);
    const unprefixed = (prefix: string) => Object.fromEntries(Object.entries(t).filter(([key]) => key.startsWith(`${prefix}/`)).map(([key, v]) => [key.slice(prefix.length + 1), v]));
    this.#actorAdam.setState(unprefixed('actor'), step);
    this.#criticAdam.setState(unprefixed('critic'), step);
    if (this.#logEntCoef !== undefined) {
      this.#logEntCoef.assign(t.logEntCoef as tf.Tensor);
      (this.#entAdam as FlatAdam).setState(unprefixed('entCoef'), step);
    }
  }

  /** @internal */
  protected release(): void {
    this.#nets.dispose();
    this.#actorAdam.dispose();
    this.#criticAdam.dispose();
    this.#entAdam?.dispose();
    this.#logEntCoef?.dispose();
  }

  /**
   * Loads an agent saved with `save`, onto an env with the same spaces. Given the same live
   * `SyncVectorEnv` the saved agent trained on, training resumes exactly where it stopped;
   * any other env is reset when training starts.
   * @param dir - where the checkpoint is: a directory, a tfjs URL such as `'indexeddb://my-agent'`, or a
   *   `tf.io.IOHandler` such as `tf.io.fromMemory(artifacts)` (see {@link CheckpointTarget}).
   * @param env - the env to act in and train on.
   * @param options - options to override (e.g. a custom schedule function, which is not saved).
   * @returns the restored agent.
   * @throws `CheckpointError` (from `tradegym`) if `dir` holds no checkpoint or a damaged one;
   *   `InvalidArgumentError` if `dir` is none of these (or a URL no tfjs handler here reads), it holds another algorithm's
   *   agent, the env does not fit the saved networks, `entCoef` switches between fixed and
   *   learned, or `options.bufferSize` is below the transitions saved.
   * @example
   * ```ts
   * import { mkdtempSync } from 'node:fs';
   * import { tmpdir } from 'node:os';
   * import { join } from 'node:path';
   * import { make } from 'tradegym';
   * import { SAC, useBackend } from 'tradegym/agents';
   * await useBackend('cpu');
   * const dir = join(mkdtempSync(join(tmpdir(), 'sac-')), 'agent');
   * const agent = new SAC(make('Pendulum-v1'), { netArch: [16], seed: 0 });
   * await agent.save(dir);
   * const again = await SAC.load(dir, make('Pendulum-v1'));
   * console.log(again.config.netArch); // [16]
   * agent.dispose();
   * again.dispose();
   * ```
   */
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: SACOptions = {}): Promise<SAC<Act>> {
    return Algorithm.fromCheckpoint(dir, 'SAC', options, (merged) => new SAC(env, merged as SACOptions));
  }
}

/** The losses of one gradient step, and alpha. */
interface StepLosses {
  readonly actor: number;
  readonly critic: number;
  readonly ent: number;
  readonly entLoss: number;
}

/** Training state on a kernel set: float32 mirrors of the parameters, gradients, and the networks. */
interface Typed {
  readonly kernels: KernelSet;
  readonly actor: Float32Array;
  readonly critic: Float32Array;
  readonly criticTarget: Float32Array;
  readonly logEntCoef: Float32Array | undefined;
  readonly actorGrad: FloatArray;
  readonly criticGrad: FloatArray;
  readonly entGrad: FloatArray;
  /** The actor in training (its forward at s is the one differentiated), the acting copy (also at s'). */
  readonly actorNet: MlpKernel;
  readonly actingNet: MlpKernel;
  /** Q1 and Q2, online and target. */
  readonly qNets: [MlpKernel, MlpKernel];
  readonly targetNets: [MlpKernel, MlpKernel];
  /** Bumped at every actor update; the acting copy reloads when behind. */
  version: number;
  actingVersion: number;
  /** The gradient step's arrays, reused from step to step. */
  readonly scratch: Scratch;
}

/** Arrays of a kernel set's kind reused across gradient steps: one per slot, grown as needed; each user writes all of it, or asks for it zeroed. */
class Scratch {
  readonly #arrays: FloatArray[] = [];
  constructor(readonly kernels: KernelSet) {}

  /** Slot `slot`'s array, `size` entries, zeroed when `zeroed`. */
  get(slot: number, size: number, zeroed: boolean): FloatArray {
    let a = this.#arrays[slot];
    if (a === undefined || a.length < size) this.#arrays[slot] = a = this.kernels.array(size);
    const out = a.subarray(0, size);
    if (zeroed) out.fill(0);
    return out;
  }
}

/** Scratch slots of a gradient step: the three row blocks (each kept by its kernels until their backward), the loss gradients. */
const enum Buf {
  Next,
  Sa,
  SPi,
  DQ1,
  DQ2,
  DQ1Pi,
  DQ2Pi,
  Dx1,
  Dx2,
  DP,
}

/** `[observation, action]` rows (`n x (d + k)`) in `x`, an array of the kernel set's kind. */
function rowsOf(x: FloatArray, obs: Float32Array, d: number, actions: ArrayLike<number>, k: number, n: number): FloatArray {
  for (let i = 0; i < n; i++) {
    x.set(obs.subarray(i * d, (i + 1) * d), i * (d + k));
    for (let c = 0; c < k; c++) x[i * (d + k) + d + c] = actions[i * k + c] as number;
  }
  return x;
}

/**
 * The squashed Gaussian's reparameterised draw as one tfjs op of the actor's head outputs
 * `[n, 2k]`, for the tfjs path: `[n, k + 1]`, each row the action `tanh(mu + sigma z)` then its
 * log-probability, for the noise `z` given; its gradient is `SquashedGaussian.addReparamGrad`'s.
 * Call inside tf.tidy.
 */
function squashOp(dist: SquashedGaussian, noise: Float64Array, n: number): (p: tf.Tensor2D) => tf.Tensor2D {
  const k = dist.actionSize;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const pT = args[0] as tf.Tensor2D;
    const p = pT.dataSync();
    const out = new Float32Array(n * (k + 1));
    const a = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      out[i * (k + 1) + k] = dist.act(p, i * 2 * k, noise, i * k, a, 0);
      for (let c = 0; c < k; c++) out[i * (k + 1) + c] = a[c] as number;
    }
    return {
      value: tf.tensor2d(out, [n, k + 1]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const dP = new Float32Array(n * 2 * k);
        const dA = new Float64Array(k);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < k; c++) dA[c] = g[i * (k + 1) + c] as number;
          dist.addReparamGrad(p, i * 2 * k, noise, i * k, g[i * (k + 1) + k] as number, dA, 0, dP, i * 2 * k);
        }
        return [tf.tensor2d(dP, [n, 2 * k])];
      },
    };
  });
  return (p) => op(p) as tf.Tensor2D;
}

/** {@link sacCriticLoss} of `[n, 2]` rows (Q1, Q2 side by side), writing dLoss/dq the same way. */
function criticLossOfPairs(q: ArrayLike<number>, y: Float64Array, dq: Float64Array): number {
  const n = y.length;
  const q1 = Float64Array.from({ length: n }, (_, i) => q[2 * i] as number);
  const q2 = Float64Array.from({ length: n }, (_, i) => q[2 * i + 1] as number);
  const [d1, d2] = [new Float64Array(n), new Float64Array(n)];
  const loss = sacCriticLoss(q1, q2, y, d1, d2);
  for (let i = 0; i < n; i++) [dq[2 * i], dq[2 * i + 1]] = [d1[i] as number, d2[i] as number];
  return loss;
}

/**
 * SAC's soft TD targets (Haarnoja et al. 2018, eq. 3, with SB3's clipped double Q):
 * `y_i = r_i + (1 - done_i) gamma (min(Q1'(s'_i, a'_i), Q2'(s'_i, a'_i)) - alpha log pi(a'_i | s'_i))`,
 * the next actions `a'` drawn from the current actor and valued by the target critics. @internal
 * @param rewards - r per row.
 * @param dones - 1 where the episode terminated (no bootstrap).
 * @param q1Next - the target Q1 at (s', a').
 * @param q2Next - the target Q2 at (s', a').
 * @param nextLogProb - log pi(a' | s').
 * @param entCoef - alpha.
 * @param gamma - the discount.
 * @returns the targets.
 * @throws Nothing: the lengths are the caller's to get right (all `rewards.length`).
 */
export function sacTargets(rewards: ArrayLike<number>, dones: ArrayLike<number>, q1Next: ArrayLike<number>, q2Next: ArrayLike<number>, nextLogProb: ArrayLike<number>, entCoef: number, gamma: number): Float64Array {
  const n = rewards.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.min(q1Next[i] as number, q2Next[i] as number) - entCoef * (nextLogProb[i] as number);
    y[i] = (rewards[i] as number) + (1 - (dones[i] as number)) * gamma * v;
  }
  return y;
}

/**
 * SAC's critic loss as SB3's: `0.5 (mse(Q1, y) + mse(Q2, y))`, each mean squared error over
 * the rows. Writes dLoss/dQ1 and dLoss/dQ2, `(Q_j - y) / n`. @internal
 * @param q1 - Q1(s, a) per row.
 * @param q2 - Q2(s, a) per row.
 * @param y - the targets ({@link sacTargets}).
 * @param dQ1 - receives dLoss/dQ1.
 * @param dQ2 - receives dLoss/dQ2.
 * @returns the loss.
 * @throws Nothing: the lengths are the caller's to get right (all `y.length`).
 */
export function sacCriticLoss(q1: ArrayLike<number>, q2: ArrayLike<number>, y: ArrayLike<number>, dQ1: FloatArray, dQ2: FloatArray): number {
  const n = y.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const e1 = (q1[i] as number) - (y[i] as number);
    const e2 = (q2[i] as number) - (y[i] as number);
    loss += (0.5 * (e1 * e1 + e2 * e2)) / n;
    dQ1[i] = e1 / n;
    dQ2[i] = e2 / n;
  }
  return loss;
}

/**
 * SAC's actor loss as SB3's: `mean(alpha log pi(a | s) - min(Q1(s, a), Q2(s, a)))` at the
 * actor's reparameterised actions `a`. Writes its gradients at the log-probabilities
 * (`alpha / n`) and at the two Q-values (`-1 / n` at the smaller, Q1 on ties, as torch's `min`
 * routes it; 0 at the other). @internal
 * @param logProb - log pi(a | s) per row.
 * @param q1 - Q1(s, a).
 * @param q2 - Q2(s, a).
 * @param entCoef - alpha.
 * @param dLogProb - receives dLoss/dlog pi.
 * @param dQ1 - receives dLoss/dQ1.
 * @param dQ2 - receives dLoss/dQ2.
 * @returns the loss.
 * @throws Nothing: the lengths are the caller's to get right (all `logProb.length`).
 */
export function sacActorLoss(logProb: ArrayLike<number>, q1: ArrayLike<number>, q2: ArrayLike<number>, entCoef: number, dLogProb: FloatArray, dQ1: FloatArray, dQ2: FloatArray): number {
  const n = logProb.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const first = (q1[i] as number) <= (q2[i] as number);
    loss += (entCoef * (logProb[i] as number) - (first ? (q1[i] as number) : (q2[i] as number))) / n;
    dLogProb[i] = entCoef / n;
    dQ1[i] = first ? -1 / n : 0;
    dQ2[i] = first ? 0 : -1 / n;
  }
  return loss;
}

/**
 * The entropy coefficient's loss as SB3's (Haarnoja et al. 2018b, eq. 18, on log alpha):
 * `-mean(log alpha (log pi(a | s) + targetEntropy))`, the log-probabilities held constant. @internal
 * @param logAlpha - log alpha.
 * @param logProb - log pi(a | s) per row.
 * @param targetEntropy - the target entropy.
 * @returns the loss and its derivative in log alpha, `-mean(log pi + targetEntropy)`.
 * @throws Nothing.
 */
export function entCoefLoss(logAlpha: number, logProb: ArrayLike<number>, targetEntropy: number): { loss: number; grad: number } {
  const n = logProb.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ((logProb[i] as number) + targetEntropy) / n;
  return { loss: -logAlpha * mean, grad: -mean };
}

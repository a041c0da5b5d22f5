import * as tf from '@tensorflow/tfjs';
import { fail } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Discrete } from '../../spaces/Discrete.js';
import { FlatAdam } from './ActorCritic.js';
import { buildAll } from './Algorithm.js';
import { requireSameSpec, type Checkpoint } from './checkpoint.js';
import { argmax } from './distributions.js';
import { tfjsUpdate } from './featuresExtractor.js';
import { requireActionMask } from './guards.js';
import { clipScale, kernelsFor } from './kernels/registry.js';
import { KernelQNet } from './kernels/qNet.js';
import type { FloatArray, KernelSet } from './kernels/types.js';
import { OffPolicy, polyakInto, typedLossOp, requireUnit, resolveOffPolicy, type OffPolicyChecked, type OffPolicyNetworkState, type OffPolicyOptions, type OffPolicySetup } from './OffPolicy.js';
import { QNetwork, type QNetworkView } from './QNetwork.js';
import type { ReplaySample } from './ReplayBuffer.js';
import { TypedMirror } from './TypedMirror.js';
import type { AgentAction, PredictOptions, TrainEnv } from './types.js';

// The value-based off-policy agents' machinery, written once on the off-policy base
// (OffPolicy.ts: collection, replay, trainFreq / gradientSteps / learningStarts, checkpoints):
// DQN's epsilon-greedy collection (as sb3-contrib's QR-DQN reuses it), the Q-network and its
// hard or Polyak target updates every targetUpdateInterval env steps, the exploration
// schedule, predict with masks. An algorithm supplies its network's outputs per action, how
// an action's value is read from them, its targets and its loss (DQN.ts, QRDQN.ts).

/**
 * The options DQN and QR-DQN share: the off-policy ones ({@link OffPolicyOptions}) and
 * epsilon-greedy exploration (Stable-Baselines3's DQN options); each omitted one takes its
 * value from the algorithm's defaults ({@link DQN_DEFAULTS}, {@link QRDQN_DEFAULTS}).
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { QRDQN, useBackend, type ValueBasedOptions } from 'tradegym/agents';
 * await useBackend('cpu');
 * const shared: ValueBasedOptions = { learningStarts: 50, trainFreq: 8, netArch: [32], seed: 0 };
 * const agent = new QRDQN(make('CartPole-v1'), { ...shared, nQuantiles: 5 });
 * console.log(agent.config.trainFreq); // 8
 * agent.dispose();
 * ```
 */
export interface ValueBasedOptions extends OffPolicyOptions {
  /** Env steps between target updates (counted as SB3: per vector step, divided by the number of envs). */
  readonly targetUpdateInterval?: number;
  /** Fraction of training over which epsilon falls from its initial to its final value. */
  readonly explorationFraction?: number;
  /** Initial epsilon. */
  readonly explorationInitialEps?: number;
  /** Final epsilon. */
  readonly explorationFinalEps?: number;
  /** Global gradient-norm clip (torch's `clip_grad_norm_`); `null`, where the algorithm allows it, for none. */
  readonly maxGradNorm?: number | null;
  /** Hidden layer sizes of the network. */
  readonly netArch?: readonly number[];
}

/** The shared options resolved: every one set but `seed` and `featuresExtractor`. @internal */
export type ValueBasedConfig = Readonly<Required<Omit<ValueBasedOptions, 'seed' | 'featuresExtractor'>>> & Pick<ValueBasedOptions, 'seed' | 'featuresExtractor'>;

/** The shared options checked, and what the base is built from: the result of {@link resolveValueBased}. @internal */
export interface ValueBasedSetup<Act extends AgentAction> extends OffPolicySetup<Act, Discrete> {
  /** The checked values of the shared options that need checking (the rest are taken as merged). */
  readonly checked: OffPolicyChecked & {
    readonly explorationFraction: number;
    readonly explorationInitialEps: number;
    readonly explorationFinalEps: number;
  };
}

/**
 * Checks the env and the shared options (merged over the algorithm's defaults), every rule
 * once, before any tensor exists: the env's action space must be Discrete (`algorithm` names
 * who refuses it). @internal
 * @throws `InvalidArgumentError` naming the first bad value.
 */
export function resolveValueBased<Act extends AgentAction>(algorithm: string, env: TrainEnv<Act>, o: ValueBasedConfig): ValueBasedSetup<Act> {
  const requireDiscrete = (actions: unknown): Discrete => {
    if (!(actions instanceof Discrete)) throw new InvalidArgumentError(`env action space must be Discrete for ${algorithm}, got ${String(actions)}`);
    return actions;
  };
  // null only gets this far where the algorithm's requireKnownKeys lets it (QR-DQN's default)
  const gradNorm = () => {
    if (o.maxGradNorm !== null && (typeof o.maxGradNorm !== 'number' || !(o.maxGradNorm > 0))) fail('maxGradNorm', 'a number > 0', o.maxGradNorm);
  };
  const setup = resolveOffPolicy(env, o, requireDiscrete, gradNorm);
  const checked = {
    ...setup.checked,
    explorationFraction: requireUnit('explorationFraction', o.explorationFraction, true),
    explorationInitialEps: requireUnit('explorationInitialEps', o.explorationInitialEps),
    explorationFinalEps: requireUnit('explorationFinalEps', o.explorationFinalEps),
  };
  return { ...setup, checked };
}

/** What an algorithm's network looks like, beyond the shared options. @internal */
export interface ValueNetShape {
  /** Outputs per action: DQN 1 (its Q-value), QR-DQN `nQuantiles`. */
  readonly outputsPerAction: number;
  /** Dueling heads (DQN's option). */
  readonly dueling: boolean;
  /** Adam's epsilon: torch's 1e-8 for DQN, sb3-contrib's `0.01 / batchSize` for QR-DQN. */
  readonly adamEps: number;
}

/**
 * What the value-based off-policy agents (DQN, QR-DQN) share, as Stable-Baselines3's DQN
 * runs it: epsilon-greedy collection into a replay buffer (uniformly random actions before
 * `learningStarts`, then one epsilon draw per vector step), `gradientSteps` Adam steps every
 * `trainFreq` vector steps once `learningStarts` steps are in, the target network refreshed by
 * hard copy (tau 1) or Polyak averaging every `targetUpdateInterval` steps, epsilon falling
 * linearly over `explorationFraction` of training, optional global gradient-norm clipping,
 * `predict` with action masks, and the checkpoint of all of it. Every gradient step trains on
 * a kernel set or on tfjs (one `tf.customGrad` op hands the typed loss's gradient to autodiff).
 * A subclass supplies what differs: its outputs per action ({@link ValueNetShape}), how an
 * action's value is read from them, its targets and its loss, each on typed arrays. @internal
 */
export abstract class ValueBased<Act extends AgentAction, C extends ValueBasedConfig> extends OffPolicy<Act, C, Int32Array> {
  /** The current epsilon of the epsilon-greedy collection policy. */
  explorationRate: number;
  /** @internal The number of discrete actions. */
  protected readonly nActions: number;
  /** @internal The network's outputs per row: `nActions x outputsPerAction`. */
  protected readonly outSize: number;
  readonly #q: QNetwork;
  readonly #adam: FlatAdam;
  readonly #start: number;
  readonly #typed: Typed | undefined;

  /**
   * Builds the networks, the optimizer, the replay buffer and (on a kernel set) the typed
   * mirrors; a throw leaves no tensors behind. @internal
   * @param setup - the checked env and shared options ({@link resolveValueBased}).
   * @param config - the algorithm's resolved options.
   * @param shape - its network's outputs per action, dueling, Adam's epsilon.
   */
  protected constructor(setup: ValueBasedSetup<Act>, config: C, shape: ValueNetShape) {
    super(setup.env, config, setup.lr, undefined);
    this.nActions = setup.actions.n;
    this.outSize = setup.actions.n * shape.outputsPerAction;
    this.#start = setup.actions.start;
    const obsSize = this.env.singleObservationSpace.size;
    // a failed constructor leaves no tensors behind
    const built = buildAll((own) => {
      const ext = this.buildExtractor(own);
      const q = new QNetwork({ obsSize: ext?.featuresDim ?? obsSize, nActions: this.outSize, netArch: [...config.netArch], activation: config.activation, dueling: shape.dueling }, this.rng);
      own(q);
      return { ext, q, adam: new FlatAdam(q.size + (ext?.size ?? 0), 0.9, 0.999, shape.adamEps) };
    });
    this.extractor = built.ext;
    this.#q = built.q;
    this.#adam = built.adam;
    this.explorationRate = config.explorationInitialEps;
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const mirror = (this.mirror = new TypedMirror([this.#q.params, this.#q.target], [this.#adam]));
      const net = () => new KernelQNet(kernels, this.#q, config.activation);
      this.#typed = {
        kernels,
        theta: mirror.arrays[0] as Float32Array,
        target: mirror.arrays[1] as Float32Array,
        grad: kernels.array(this.#q.size),
        online: net(),
        targetNet: net(),
        actor: net(),
        version: 0,
        targetVersion: 0,
        actorVersion: -1,
        targetLoaded: -1,
      };
    }
  }

  /**
   * @internal The value of every action from the network's outputs for `n` rows
   * (`n x outSize`): `n x nActions`, read before the next call.
   */
  protected abstract actionValues(out: ArrayLike<number>, n: number): ArrayLike<number>;

  /** @internal Whether {@link targets} reads the online network's outputs at the next observations (double Q-learning). */
  protected abstract usesNextOnline(): boolean;

  /**
   * @internal The TD targets of a minibatch, from the target network's outputs at the next
   * observations (`n x outSize`) and, when {@link usesNextOnline}, the online network's.
   */
  protected abstract targets(s: ReplaySample, nextTarget: ArrayLike<number>, nextOnline: ArrayLike<number> | undefined): Float64Array;

  /**
   * @internal The loss of the online outputs at the observations (`n x outSize`) against the
   * targets `y`; writes dLoss/dout into `dOut` (`n x outSize`). Both compute paths run it.
   */
  protected abstract loss(out: ArrayLike<number>, actions: Int32Array, y: Float64Array, dOut: FloatArray): number;

  /** The online and target networks: their spec and parameters, read-only (see {@link QNetworkView}). */
  get q(): QNetworkView {
    const q = this.#q;
    const model = this.extractor?.model;
    return { spec: q.spec, params: q.params, target: q.target, size: q.size, ...(model === undefined ? {} : { featuresExtractor: model }) };
  }

  /** Epsilon at `progressRemaining`: SB3's `get_linear_fn(initial, final, fraction)`. */
  #epsilon(progressRemaining: number): number {
    const { explorationInitialEps: a, explorationFinalEps: b, explorationFraction: f } = this.config;
    const progress = 1 - progressRemaining;
    return progress > f ? b : a + (progress * (b - a)) / f;
  }

  /** @internal SB3: uniformly random actions before learningStarts; after, one epsilon draw for the whole batch. */
  protected chooseActions(obs: Float32Array, nEnvs: number, warmup: boolean): void {
    const actions = this.chosen;
    if (warmup || this.rng.uniform() < this.explorationRate) {
      for (let e = 0; e < nEnvs; e++) actions[e] = this.rng.integer(0, this.nActions);
    } else {
      const v = this.#values(obs, nEnvs);
      for (let e = 0; e < nEnvs; e++) actions[e] = argmax(v, e * this.nActions, this.nActions);
    }
    // Discrete's members are numbers, and Act holds them (the constructor checked the space)
    for (let e = 0; e < nEnvs; e++) this.envActions[e] = ((actions[e] as number) + this.#start) as Act;
  }

  /** @internal The target update every `targetUpdateInterval` env steps (SB3's `_on_step`), then epsilon. */
  protected afterStep(nCalls: number, progressRemaining: number): void {
    if (nCalls % Math.max(Math.floor(this.config.targetUpdateInterval / this.env.numEnvs), 1) === 0) this.#updateTarget(this.config.tau);
    this.explorationRate = this.#epsilon(progressRemaining);
  }

  /** @internal */
  protected rolloutLog(): Record<string, number> {
    return { 'rollout/exploration_rate': this.explorationRate };
  }

  /** Polyak update of the target (tau 1: a copy), on the typed mirrors during typed training. */
  #updateTarget(tau: number): void {
    const t = this.#typed;
    if (t === undefined || (this.mirror as TypedMirror).stale) {
      this.#q.updateTarget(tau);
      this.extractor?.updateTarget(tau);
      return;
    }
    polyakInto(t.target, t.theta, tau);
    t.targetVersion++;
    (this.mirror as TypedMirror).dirty = true;
  }

  /** The action values of `n` observations under the online network (see {@link actionValues}). */
  #values(obs: Float32Array, n: number): ArrayLike<number> {
    const size = this.env.singleObservationSpace.size;
    const t = this.#typed;
    if (t !== undefined && !(this.mirror as TypedMirror).stale) {
      if (t.actorVersion !== t.version) {
        t.actor.load(t.theta);
        t.actorVersion = t.version;
      }
      return this.actionValues(t.actor.forward(obs, n), n); // read before the next forward
    }
    const out = tf.tidy(() => this.#q.q(this.#features(tf.tensor2d(obs, [n, size]))).dataSync()) as Float32Array;
    return this.actionValues(out, n);
  }

  /** Features of observations under the online weights: the extractor's output, or the observations. Call inside tf.tidy. */
  #features(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.extractor === undefined ? x : this.extractor.apply(x, training);
  }

  /** @internal `gradientSteps` Adam steps on the algorithm's loss; returns SB3's log entries (the base adds the learning rate and the update count). */
  protected train(lr: number): Record<string, number> {
    const loss = this.#typed !== undefined ? this.#trainKernels(this.#typed, lr) : this.#trainTfjs(lr);
    return { 'rollout/exploration_rate': this.explorationRate, 'train/loss': loss };
  }

  /**
   * `gradientSteps` Adam steps on tfjs: the targets and the loss on typed arrays (the same code
   * as the kernel path), the loss's gradient handed to autodiff by one `tf.customGrad` op.
   * Returns the mean loss.
   */
  #trainTfjs(lr: number): number {
    const { batchSize, maxGradNorm, gradientSteps } = this.config;
    const size = this.env.singleObservationSpace.size;
    const losses: tf.Tensor[] = [];
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.buffer.sample(batchSize, this.rng);
      const loss = tf.tidy(() => {
        const obs = tf.tensor2d(s.observations, [batchSize, size]);
        const next = tf.tensor2d(s.nextObservations, [batchSize, size]);
        const ext = this.extractor;
        const nextTarget = this.#q.q(ext === undefined ? next : ext.applyTarget(next), this.#q.target).dataSync();
        const nextOnline = this.usesNextOnline() ? this.#q.q(this.#features(next)).dataSync() : undefined;
        const y = this.targets(s, nextTarget, nextOnline);
        const op = typedLossOp((out, dOut) => this.loss(out, s.actions, y, dOut));
        return tfjsUpdate(() => op(this.#q.q(this.#features(obs, true))), this.#q.params, ext, this.#adam, lr, maxGradNorm ?? Infinity);
      });
      losses.push(loss);
    }
    const mean = tf.tidy(() => tf.mean(tf.stack(losses)).dataSync()[0] as number);
    losses.forEach((t) => t.dispose());
    return mean;
  }

  /**
   * `gradientSteps` Adam steps on the agent's kernel set: the same targets and loss as the
   * tfjs path, the network's backward pass, the norm clip and Adam on the kernels. Returns the
   * mean loss.
   */
  #trainKernels(t: Typed, lr: number): number {
    const { batchSize: n, maxGradNorm, gradientSteps } = this.config;
    const K = t.kernels;
    if (t.targetLoaded !== t.targetVersion) {
      t.targetNet.load(t.target);
      t.targetLoaded = t.targetVersion;
    }
    const w = this.outSize;
    const dOut = K.array(n * w);
    let lossSum = 0;
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.buffer.sample(n, this.rng);
      const nextTarget = t.targetNet.forward(s.nextObservations, n);
      t.online.load(t.theta);
      const nextOnline = this.usesNextOnline() ? t.online.forward(s.nextObservations, n).slice(0, n * w) : undefined;
      const y = this.targets(s, nextTarget, nextOnline);
      lossSum += this.loss(t.online.forward(s.observations, n), s.actions, y, dOut);
      t.online.backward(dOut, n, t.grad);
      this.#adam.step(K, t.theta, t.grad, lr, maxGradNorm === null ? 1 : clipScale(K, t.grad, maxGradNorm));
      t.version++;
      (this.mirror as TypedMirror).dirty = true;
    }
    return lossSum / gradientSteps;
  }

  /**
   * The greedy action for one observation (or, unless `deterministic`, a uniformly random
   * one with probability `explorationRate`, as SB3's DQN.predict).
   * @param observation - an observation of the env's observation space.
   * @param options - `deterministic`, `actionMask` (1 allowed, 0 not).
   * @returns an action of the env's Discrete space.
   * @throws `InvalidArgumentError` (from `tradegym`) for an observation that is not a
   *   Float32Array of the observation space's length or holds a NaN or infinity, or a mask of
   *   the wrong length, with entries other than 0 and 1, or allowing nothing;
   *   `TradegymError` after `dispose()`.
   */
  predict(observation: Float32Array, options: PredictOptions = {}): number {
    this.checkPredict(observation, options);
    const mask = requireActionMask(options.actionMask, [this.nActions]);
    const allowed = Array.from({ length: this.nActions }, (_, i) => i).filter((i) => mask === undefined || mask[i] !== 0);
    if (options.deterministic !== true && this.rng.uniform() < this.explorationRate) return (allowed[this.rng.integer(0, allowed.length)] as number) + this.#start;
    const v = this.#values(observation, 1);
    const masked = Float64Array.from({ length: this.nActions }, (_, i) => (allowed.includes(i) ? (v[i] as number) : -Infinity));
    return argmax(masked) + this.#start;
  }

  /** @internal Both networks, Adam's state and epsilon (the base adds the replay buffer and the counters). */
  protected networkState(): OffPolicyNetworkState {
    const opt = this.#adam.state();
    const ext = this.extractor;
    return {
      spec: this.#q.spec,
      optimizerStep: opt.step,
      tensors: { params: this.#q.params, target: this.#q.target, ...opt.tensors, ...(ext === undefined ? {} : ext.targetWeights('extractorTarget')) },
      rollout: { explorationRate: this.explorationRate },
    };
  }

  /** @internal Restores both networks, Adam and epsilon. */
  protected restoreNetworks(checkpoint: Checkpoint, rollout: Record<string, unknown>): void {
    const t = checkpoint.tensors;
    requireSameSpec(checkpoint.topology.spec, this.#q.spec);
    this.extractor?.setWeights('extractor', t);
    this.extractor?.setTargetWeights('extractorTarget', t);
    this.#q.params.assign(t.params as tf.Tensor);
    this.#q.target.assign(t.target as tf.Tensor);
    this.#adam.setState(t, checkpoint.topology.optimizerStep);
    this.explorationRate = rollout.explorationRate as number;
  }

  /** @internal */
  protected release(): void {
    this.#q.dispose();
    this.#adam.dispose();
  }
}

/** Training state on a kernel set: float32 mirrors of the online and target parameters, and the networks. */
interface Typed {
  readonly kernels: KernelSet;
  /** The mirrored online and target parameters. */
  readonly theta: Float32Array;
  readonly target: Float32Array;
  readonly grad: FloatArray;
  /** The online network in training, the target network, and the acting copy. */
  readonly online: KernelQNet;
  readonly targetNet: KernelQNet;
  readonly actor: KernelQNet;
  /** Bumped at every update of theta / target; the networks reload when behind. */
  version: number;
  targetVersion: number;
  /** The versions of theta and target the actor and the target network last loaded. */
  actorVersion: number;
  targetLoaded: number;
}

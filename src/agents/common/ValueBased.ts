import * as tf from '@tensorflow/tfjs';
import { fail, requireInt } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Discrete } from '../../spaces/Discrete.js';
import type { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { FlatAdam } from './ActorCritic.js';
import { agentSeed, Algorithm, buildAll, toVector, type CheckpointState } from './Algorithm.js';
import { AutoresetTracker } from './autoreset.js';
import { requireSameSpec, type Checkpoint } from './checkpoint.js';
import { argmax } from './distributions.js';
import { Extractor, requireFeaturesExtractor, tfjsUpdate, type FeaturesExtractor } from './featuresExtractor.js';
import { requireActionMask } from './guards.js';
import { clipScale, kernelsFor, type Compute } from './kernels/registry.js';
import { KernelQNet } from './kernels/qNet.js';
import type { FloatArray, KernelSet } from './kernels/types.js';
import { isLive } from './liveEnv.js';
import { QNetwork, type QNetworkView } from './QNetwork.js';
import { ReplayBuffer, type ReplayBufferView, type ReplaySample } from './ReplayBuffer.js';
import { toSchedule, type Schedule } from './schedules.js';
import type { EpisodeStatsState } from './training.js';
import { TypedMirror } from './TypedMirror.js';
import type { AgentAction, PredictOptions, TrainEnv } from './types.js';

// The value-based off-policy agents' machinery, written once (SB3's OffPolicyAlgorithm with
// DQN's collection, as sb3-contrib's QR-DQN reuses it): epsilon-greedy collection into the
// replay buffer, trainFreq / gradientSteps / learningStarts, hard or Polyak target updates,
// the exploration schedule, the shared options' checks, predict with masks, checkpoints. An
// algorithm supplies its network's outputs per action, how an action's value is read from
// them, its targets and its loss (DQN.ts, QRDQN.ts).

/**
 * The options DQN and QR-DQN share (Stable-Baselines3's off-policy options as its DQN takes
 * them); each omitted one takes its value from the algorithm's defaults ({@link DQN_DEFAULTS},
 * {@link QRDQN_DEFAULTS}).
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
export interface ValueBasedOptions {
  /** Adam's learning rate, or a schedule of the progress remaining. */
  readonly learningRate?: number | Schedule;
  /** Replay buffer capacity, in transitions (memory grows as it fills). */
  readonly bufferSize?: number;
  /** Steps of uniformly random actions before learning starts. */
  readonly learningStarts?: number;
  /** Minibatch size of each gradient step. */
  readonly batchSize?: number;
  /** Target update coefficient: 1 for a hard copy, in (0, 1) for a soft (Polyak) update. */
  readonly tau?: number;
  /** Discount factor, in [0, 1]. */
  readonly gamma?: number;
  /** Vector-env steps collected between trainings. */
  readonly trainFreq?: number;
  /** Gradient steps per training. */
  readonly gradientSteps?: number;
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
  /** Hidden activation. */
  readonly activation?: 'tanh' | 'relu';
  /**
   * Where the network trains (default `'auto'`), by the rule every agent follows (see
   * {@link Compute}): on the fastest kernel set that runs here (`'native'`, else `'wasm'`,
   * else `'js'`; {@link kernelSets} says which run and why not), or on tfjs with a
   * `featuresExtractor` or a GPU or tfjs-node backend. `agent.compute` is the choice made.
   * Every path runs the same targets and loss and takes the same steps up to float rounding
   * (tested against each other), so a run is reproducible bit for bit on one path and one machine.
   */
  readonly compute?: Compute;
  /**
   * A features extractor under the head (its target network gets a copy of its weights): a
   * `tf.LayersModel` or a factory such as {@link tcnExtractor}; see {@link FeaturesExtractor}.
   * Left out, the network reads the flat observation. An agent with one trains on tfjs.
   */
  readonly featuresExtractor?: FeaturesExtractor;
  /** Seed of weights, exploration, replay sampling and the env's first reset. */
  readonly seed?: number;
}

/** The shared options resolved: every one set but `seed` and `featuresExtractor`. @internal */
export type ValueBasedConfig = Readonly<Required<Omit<ValueBasedOptions, 'seed' | 'featuresExtractor'>>> & Pick<ValueBasedOptions, 'seed' | 'featuresExtractor'>;

/** The shared options checked, and what the base is built from: the result of {@link resolveValueBased}. @internal */
export interface ValueBasedSetup<Act extends AgentAction> {
  readonly env: SyncVectorEnv<Act>;
  readonly actions: Discrete;
  readonly lr: Schedule;
  /** The checked values of the shared options that need checking (the rest are taken as merged). */
  readonly checked: {
    readonly bufferSize: number;
    readonly learningStarts: number;
    readonly batchSize: number;
    readonly tau: number;
    readonly gamma: number;
    readonly trainFreq: number;
    readonly gradientSteps: number;
    readonly targetUpdateInterval: number;
    readonly explorationFraction: number;
    readonly explorationInitialEps: number;
    readonly explorationFinalEps: number;
    readonly seed: number | undefined;
    readonly featuresExtractor: FeaturesExtractor | undefined;
  };
}

/**
 * Checks the env and the shared options (merged over the algorithm's defaults), every rule
 * once, before any tensor exists: the env's action space must be Discrete (`algorithm` names
 * who refuses it). @internal
 * @throws `InvalidArgumentError` naming the first bad value.
 */
export function resolveValueBased<Act extends AgentAction>(algorithm: string, env: TrainEnv<Act>, o: ValueBasedConfig): ValueBasedSetup<Act> {
  const vec = toVector(env);
  const actions = vec.singleActionSpace;
  if (!(actions instanceof Discrete)) throw new InvalidArgumentError(`env action space must be Discrete for ${algorithm}, got ${String(actions)}`);
  if (typeof o.learningRate === 'number' && !(o.learningRate > 0)) fail('learningRate', 'a number > 0 or a schedule', o.learningRate);
  const unit = (name: string, v: number, open = false): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1) || (open && v === 0)) fail(name, open ? 'a number in (0, 1]' : 'a number in [0, 1]', v);
    return v;
  };
  // null only gets this far where the algorithm's requireKnownKeys lets it (QR-DQN's default)
  if (o.maxGradNorm !== null && (typeof o.maxGradNorm !== 'number' || !(o.maxGradNorm > 0))) fail('maxGradNorm', 'a number > 0', o.maxGradNorm);
  if (o.activation !== 'tanh' && o.activation !== 'relu') fail('activation', "'tanh' or 'relu'", o.activation);
  const seed = agentSeed(o.seed);
  const bufferSize = requireInt('bufferSize', o.bufferSize, 1);
  const batchSize = requireInt('batchSize', o.batchSize, 1);
  if (batchSize > bufferSize) fail('batchSize', `<= bufferSize (${bufferSize})`, batchSize);
  const checked = {
    bufferSize,
    learningStarts: requireInt('learningStarts', o.learningStarts, 0),
    batchSize,
    tau: unit('tau', o.tau, true),
    gamma: unit('gamma', o.gamma),
    trainFreq: requireInt('trainFreq', o.trainFreq, 1),
    gradientSteps: requireInt('gradientSteps', o.gradientSteps, 0),
    targetUpdateInterval: requireInt('targetUpdateInterval', o.targetUpdateInterval, 1),
    explorationFraction: unit('explorationFraction', o.explorationFraction, true),
    explorationInitialEps: unit('explorationInitialEps', o.explorationInitialEps),
    explorationFinalEps: unit('explorationFinalEps', o.explorationFinalEps),
    seed,
    featuresExtractor: requireFeaturesExtractor('featuresExtractor', o.featuresExtractor),
  };
  const lr = toSchedule('learningRate', o.learningRate);
  if (!Array.isArray(o.netArch)) fail('netArch', 'an array of layer sizes', o.netArch);
  return { env: vec, actions, lr, checked };
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

/** The resumable state saved with a DQN or QR-DQN checkpoint. */
interface ValueBasedRollout extends EpisodeStatsState {
  lastObs: number[] | null;
  nCalls: number;
  nUpdates: number;
  explorationRate: number;
  bufferPos: number;
  bufferFull: boolean;
  /** Next-step mode: 1 where the sub-env's next step only resets it (absent in older checkpoints). */
  resetPending?: number[];
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
export abstract class ValueBased<Act extends AgentAction, C extends ValueBasedConfig> extends Algorithm<Act> {
  /** The resolved options. */
  readonly config: C;
  /** The current epsilon of the epsilon-greedy collection policy. */
  explorationRate: number;
  /** @internal The number of discrete actions. */
  protected readonly nActions: number;
  /** @internal The network's outputs per row: `nActions x outputsPerAction`. */
  protected readonly outSize: number;
  readonly #q: QNetwork;
  readonly #adam: FlatAdam;
  readonly #autoreset: AutoresetTracker;
  readonly #buffer: ReplayBuffer;
  readonly #lr: Schedule;
  readonly #start: number;
  #lastObs: Float32Array | undefined;
  #nCalls = 0;
  #nUpdates = 0;
  /** Chosen action indices, and the env's actions (index + the space's start), per sub-env: reused every step. */
  readonly #chosen: Int32Array;
  readonly #envActions: Act[];
  readonly #typed: Typed | undefined;

  /**
   * Builds the networks, the optimizer, the replay buffer and (on a kernel set) the typed
   * mirrors; a throw leaves no tensors behind. @internal
   * @param setup - the checked env and shared options ({@link resolveValueBased}).
   * @param config - the algorithm's resolved options.
   * @param shape - its network's outputs per action, dueling, Adam's epsilon.
   */
  protected constructor(setup: ValueBasedSetup<Act>, config: C, shape: ValueNetShape) {
    super(setup.env, config.compute, config.featuresExtractor !== undefined, config.seed);
    this.config = config;
    this.#lr = setup.lr;
    this.nActions = setup.actions.n;
    this.outSize = setup.actions.n * shape.outputsPerAction;
    this.#start = setup.actions.start;
    const obsSize = this.env.singleObservationSpace.size;
    // a failed constructor leaves no tensors behind
    const built = buildAll((own) => {
      const option = config.featuresExtractor;
      const ext = option === undefined ? undefined : Extractor.build('featuresExtractor', option, this.env.singleObservationSpace, this.rng);
      if (ext !== undefined) {
        own({ dispose: () => ext.abandon() });
        ext.addTarget();
      }
      const q = new QNetwork({ obsSize: ext?.featuresDim ?? obsSize, nActions: this.outSize, netArch: [...config.netArch], activation: config.activation, dueling: shape.dueling }, this.rng);
      own(q);
      return { ext, q, adam: new FlatAdam(q.size + (ext?.size ?? 0), 0.9, 0.999, shape.adamEps) };
    });
    this.extractor = built.ext;
    this.#q = built.q;
    this.#adam = built.adam;
    this.#autoreset = new AutoresetTracker(this.env.autoresetMode, this.env.numEnvs);
    this.#buffer = new ReplayBuffer(config.bufferSize, obsSize);
    this.explorationRate = config.explorationInitialEps;
    this.#chosen = new Int32Array(this.env.numEnvs);
    this.#envActions = new Array<Act>(this.env.numEnvs);
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const mirror = (this.mirror = new TypedMirror([this.#q.params, this.#q.target], this.#adam));
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

  /** The replay buffer's transitions, read-only (see {@link ReplayBufferView}). */
  get replayBuffer(): ReplayBufferView {
    return this.#buffer;
  }

  /** Epsilon at `progressRemaining`: SB3's `get_linear_fn(initial, final, fraction)`. */
  #epsilon(progressRemaining: number): number {
    const { explorationInitialEps: a, explorationFinalEps: b, explorationFraction: f } = this.config;
    const progress = 1 - progressRemaining;
    return progress > f ? b : a + (progress * (b - a)) / f;
  }

  /** @internal `trainFreq` vector steps into the replay buffer, then `gradientSteps` updates once learning has started. */
  protected iteration(start: number, end: number): Record<string, number> {
    if (this.#lastObs === undefined || !this.env.started) {
      this.#lastObs = this.env.reset({ seed: this.config.seed }).observations.slice();
      this.#autoreset.clear();
    }
    let progressRemaining = 1;
    for (let s = 0; s < this.config.trainFreq; s++) progressRemaining = this.#collectStep(start, end);
    if (this.numTimesteps > this.config.learningStarts && this.config.gradientSteps > 0) return this.#train(progressRemaining);
    return { 'rollout/exploration_rate': this.explorationRate };
  }

  /** One vector-env step into the replay buffer; returns the progress remaining. */
  #collectStep(start: number, end: number): number {
    const env = this.env;
    const nEnvs = env.numEnvs;
    const size = env.singleObservationSpace.size;
    const obs = this.#lastObs as Float32Array;
    const actions = this.#chosen;
    // SB3: uniformly random actions before learningStarts; after, one epsilon draw for the whole batch
    if (this.numTimesteps < this.config.learningStarts || this.rng.uniform() < this.explorationRate) {
      for (let e = 0; e < nEnvs; e++) actions[e] = this.rng.integer(0, this.nActions);
    } else {
      const v = this.#values(obs, nEnvs);
      for (let e = 0; e < nEnvs; e++) actions[e] = argmax(v, e * this.nActions, this.nActions);
    }
    // Discrete's members are numbers, and Act holds them (the constructor checked the space)
    for (let e = 0; e < nEnvs; e++) this.#envActions[e] = ((actions[e] as number) + this.#start) as Act;
    const r = env.step(this.#envActions);
    this.numTimesteps += nEnvs;
    // next-step mode: a sub-env whose episode ended on the last step was only reset by this one
    const skipped = this.#autoreset.step(r);
    for (let e = 0; e < nEnvs; e++) {
      if (skipped[e] === 1) continue; // no transition: not stored, not counted in the episode
      const done = r.terminations[e] === 1 || r.truncations[e] === 1;
      const next = done ? this.#autoreset.finalObservation(r, e, size) : r.observations.subarray(e * size, (e + 1) * size);
      // done = a true termination only: a truncated episode still bootstraps from `next`
      this.#buffer.add(obs.subarray(e * size, (e + 1) * size), next, actions[e] as number, r.rewards[e] as number, r.terminations[e] === 1);
      this.stats.step(e, r.rewards[e] as number, done);
    }
    this.#lastObs = r.observations.slice();
    const progressRemaining = Math.max(0, 1 - (this.numTimesteps - start) / (end - start));
    this.#nCalls++;
    if (this.#nCalls % Math.max(Math.floor(this.config.targetUpdateInterval / nEnvs), 1) === 0) this.#updateTarget(this.config.tau);
    this.explorationRate = this.#epsilon(progressRemaining);
    return progressRemaining;
  }

  /** Polyak update of the target (tau 1: a copy), on the typed mirrors during typed training. */
  #updateTarget(tau: number): void {
    const t = this.#typed;
    if (t === undefined || (this.mirror as TypedMirror).stale) {
      this.#q.updateTarget(tau);
      this.extractor?.updateTarget(tau);
      return;
    }
    if (tau === 1) t.target.set(t.theta);
    else for (let i = 0; i < t.target.length; i++) t.target[i] = (1 - tau) * (t.target[i] as number) + tau * (t.theta[i] as number);
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

  /** `gradientSteps` Adam steps on the algorithm's loss; returns SB3's log entries. */
  #train(progressRemaining: number): Record<string, number> {
    const lr = this.#lr(progressRemaining);
    const loss = this.#typed !== undefined ? this.#trainKernels(this.#typed, lr) : this.#trainTfjs(lr);
    this.#nUpdates += this.config.gradientSteps;
    return {
      'rollout/exploration_rate': this.explorationRate,
      'train/loss': loss,
      'train/learning_rate': lr,
      'train/n_updates': this.#nUpdates,
    };
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
      const s = this.#buffer.sample(batchSize, this.rng);
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
      const s = this.#buffer.sample(n, this.rng);
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

  /** @internal Both networks, Adam's state, the replay buffer, the counters, epsilon and the collection state. */
  protected checkpointState(): CheckpointState {
    const opt = this.#adam.state();
    const c = this.#buffer.contents();
    const d = this.env.singleObservationSpace.size;
    const n = c.actions.length;
    const replay = tf.tidy(() => ({
      'replay/observations': tf.tensor2d(c.observations, [n, d]),
      'replay/nextObservations': tf.tensor2d(c.nextObservations, [n, d]),
      'replay/actions': tf.tensor1d(c.actions, 'int32'),
      'replay/rewards': tf.tensor1d(c.rewards),
      'replay/dones': tf.tensor1d(c.dones),
    }));
    const rollout: ValueBasedRollout = {
      lastObs: this.#lastObs === undefined ? null : Array.from(this.#lastObs),
      nCalls: this.#nCalls,
      nUpdates: this.#nUpdates,
      explorationRate: this.explorationRate,
      bufferPos: this.#buffer.pos,
      bufferFull: this.#buffer.full,
      resetPending: Array.from(this.#autoreset.pending),
      ...this.stats.toJSON(),
    };
    const ext = this.extractor;
    return {
      header: { spec: this.#q.spec, optimizerStep: opt.step, rollout },
      tensors: { params: this.#q.params, target: this.#q.target, ...opt.tensors, ...replay, ...(ext === undefined ? {} : ext.targetWeights('extractorTarget')) },
      temporary: Object.values(replay),
      live: this.#lastObs === undefined ? null : rollout,
    };
  }

  /** @internal Restores both networks, Adam, the replay buffer, the counters and (on the live env it was saved from) the collection state. */
  protected restore(checkpoint: Checkpoint): void {
    const c = checkpoint.topology;
    const t = checkpoint.tensors;
    requireSameSpec(c.spec, this.#q.spec);
    this.extractor?.setWeights('extractor', t);
    this.extractor?.setTargetWeights('extractorTarget', t);
    this.#q.params.assign(t.params as tf.Tensor);
    this.#q.target.assign(t.target as tf.Tensor);
    this.#adam.setState(t, c.optimizerStep);
    const r = c.rollout as ValueBasedRollout;
    this.#buffer.restore(
      {
        observations: (t['replay/observations'] as tf.Tensor).dataSync() as Float32Array,
        nextObservations: (t['replay/nextObservations'] as tf.Tensor).dataSync() as Float32Array,
        actions: (t['replay/actions'] as tf.Tensor).dataSync() as Int32Array,
        rewards: (t['replay/rewards'] as tf.Tensor).dataSync() as Float32Array,
        dones: (t['replay/dones'] as tf.Tensor).dataSync() as Float32Array,
      },
      r.bufferPos,
      r.bufferFull,
    );
    this.#nCalls = r.nCalls;
    this.#nUpdates = r.nUpdates;
    this.explorationRate = r.explorationRate;
    // only the live env the checkpoint was saved from goes on without a reset (see liveEnv.ts)
    if (r.lastObs !== null && isLive(this.env, c.numTimesteps, c.rng, r)) {
      this.#lastObs = Float32Array.from(r.lastObs);
      this.#autoreset.pending.set(r.resetPending ?? []); // absent before next-step support: same-step only
      this.stats.restore(r);
    }
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

/**
 * A typed loss of the network's outputs as one tfjs op of them (`[n, outSize]`), for the tfjs
 * path: its forward downloads them and runs `loss`, which writes dLoss/dout; its gradient
 * hands back what that computed, times the incoming gradient. Call inside tf.tidy. @internal
 */
function typedLossOp(loss: (out: ArrayLike<number>, dOut: Float64Array) => number): (out: tf.Tensor2D) => tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const out = args[0] as tf.Tensor2D;
    const dOut = new Float64Array(out.size);
    const value = loss(out.dataSync(), dOut);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.tensor2d(Float32Array.from(dOut), out.shape))] };
  });
  return (out) => op(out) as tf.Scalar;
}

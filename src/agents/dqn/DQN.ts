import * as tf from '@tensorflow/tfjs';
import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Discrete } from '../../spaces/Discrete.js';
import { FlatAdam } from '../common/ActorCritic.js';
import { agentSeed, Algorithm, buildAll, toVector, type CheckpointState } from '../common/Algorithm.js';
import { AutoresetTracker } from '../common/autoreset.js';
import { requireSameSpec, type Checkpoint } from '../common/checkpoint.js';
import { argmax } from '../common/distributions.js';
import { Extractor, requireFeaturesExtractor, tfjsUpdate, type FeaturesExtractor } from '../common/featuresExtractor.js';
import { definedOnly, requireActionMask } from '../common/guards.js';
import { clipScale, kernelsFor, type Compute } from '../common/kernels/registry.js';
import { KernelQNet } from '../common/kernels/qNet.js';
import type { FloatArray, KernelSet } from '../common/kernels/types.js';
import { isLive } from '../common/liveEnv.js';
import { QNetwork, type QNetworkView } from '../common/QNetwork.js';
import { ReplayBuffer, type ReplayBufferView } from '../common/ReplayBuffer.js';
import { TypedMirror } from '../common/TypedMirror.js';
import type { AgentAction, PredictOptions, TrainEnv } from '../common/types.js';
import { toSchedule, type Schedule } from '../common/schedules.js';
import type { EpisodeStatsState } from '../common/training.js';

/**
 * Where DQN trains: the same choices as every agent's, {@link Compute} (this name is kept for
 * code written when DQN alone had `'native'`).
 * @example
 * ```ts
 * import type { DQNCompute } from 'tradegym/agents';
 * const compute: DQNCompute = 'auto';
 * console.log(compute);
 * ```
 */
export type DQNCompute = Compute;

/** DQN's options; each omitted one takes its value from {@link DQN_DEFAULTS}. */
export interface DQNOptions {
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
  /** Global gradient-norm clip. */
  readonly maxGradNorm?: number;
  /** Hidden layer sizes of the Q-network. */
  readonly netArch?: readonly number[];
  /** Hidden activation. */
  readonly activation?: 'tanh' | 'relu';
  /** Double DQN (van Hasselt et al. 2016): the online net picks the next action, the target net values it. */
  readonly doubleQ?: boolean;
  /** Dueling heads (Wang et al. 2016). */
  readonly dueling?: boolean;
  /**
   * Where the network trains (default `'auto'`), by the rule every agent follows (see
   * {@link Compute}): on the fastest kernel set that runs here (`'native'`, else `'wasm'`,
   * else `'js'`; {@link kernelSets} says which run and why not), or on tfjs with a
   * `featuresExtractor` or a GPU or tfjs-node backend. `agent.compute` is the choice made.
   * Every path runs the same targets and loss and takes the same steps up to float rounding
   * (tested against each other), so a run is reproducible bit for bit on one path and one machine.
   */
  readonly compute?: DQNCompute;
  /**
   * A features extractor under the Q head (its target network gets a copy of its weights): a
   * `tf.LayersModel` or a factory such as {@link tcnExtractor}; see {@link FeaturesExtractor}.
   * Left out, the Q network reads the flat observation. An agent with one trains on tfjs.
   */
  readonly featuresExtractor?: FeaturesExtractor;
  /** Seed of weights, exploration, replay sampling and the env's first reset. */
  readonly seed?: number;
}

/** Stable-Baselines3's DQN defaults (the Nature paper's, with Adam and a 64-64 ReLU MLP); double and dueling off. */
export const DQN_DEFAULTS: Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 1e-4,
  bufferSize: 1_000_000,
  learningStarts: 100,
  batchSize: 32,
  tau: 1.0,
  gamma: 0.99,
  trainFreq: 4,
  gradientSteps: 1,
  targetUpdateInterval: 10_000,
  explorationFraction: 0.1,
  explorationInitialEps: 1.0,
  explorationFinalEps: 0.05,
  maxGradNorm: 10,
  netArch: Object.freeze([64, 64]),
  activation: 'relu',
  doubleQ: false,
  dueling: false,
  compute: 'auto',
});

const KEYS = [...Object.keys(DQN_DEFAULTS), 'seed', 'featuresExtractor'];

/** The resumable state saved with a DQN checkpoint. */
interface DQNRollout extends EpisodeStatsState {
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
 * Deep Q-Network (Mnih et al. 2015), as Stable-Baselines3's DQN: epsilon-greedy collection
 * into a replay buffer, `gradientSteps` Adam steps on the Huber loss every `trainFreq` steps
 * once `learningStarts` steps are in, a target network refreshed by hard copy (tau 1) or
 * Polyak averaging every `targetUpdateInterval` steps, epsilon falling linearly over
 * `explorationFraction` of training, global gradient-norm clipping; double-DQN and dueling
 * heads as options. Discrete actions only. Truncated episodes are bootstrapped from their
 * real final observation. Every gradient step runs in `tf.tidy`. Learns on one env or a
 * `SyncVectorEnv` in either autoreset mode (a next-step reset step is not stored).
 *
 * @typeParam Act - the env's action type (it must hold Discrete's `number`s).
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { DQN, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new DQN(make('CartPole-v1'), { learningStarts: 50, seed: 0 });
 * await agent.learn({ totalTimesteps: 200 });
 * console.log(agent.predict(new Float32Array(4), { deterministic: true })); // 0 or 1
 * agent.dispose();
 * ```
 */
export class DQN<Act extends AgentAction = AgentAction> extends Algorithm<Act> {
  /** The resolved options. */
  readonly config: Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<DQNOptions, 'seed' | 'featuresExtractor'>;
  readonly #q: QNetwork;
  readonly #adam: FlatAdam;
  readonly #autoreset: AutoresetTracker;
  /** The current epsilon of the epsilon-greedy collection policy. */
  explorationRate: number;
  readonly #buffer: ReplayBuffer;
  readonly #lr: Schedule;
  readonly #nActions: number;
  readonly #start: number;
  #lastObs: Float32Array | undefined;
  #nCalls = 0;
  #nUpdates = 0;
  /** Chosen action indices, and the env's actions (index + the space's start), per sub-env: reused every step. */
  readonly #chosen: Int32Array;
  readonly #envActions: Act[];
  readonly #typed: DQNTyped | undefined;
  /** @internal */
  protected readonly algorithm = 'DQN';

  /**
   * @param env - an env with a Box observation space and a Discrete action space, or a
   *   `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link DQNOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an env whose action space is not
   *   Discrete (DQN cannot act in a Box), an unknown option or a value out of range. A
   *   constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: DQNOptions = {}) {
    requireKnownKeys('options', options, KEYS);
    const vec = toVector(env);
    const actSpace = vec.singleActionSpace;
    if (!(actSpace instanceof Discrete)) throw new InvalidArgumentError(`env action space must be Discrete for DQN, got ${String(actSpace)}`);
    const o = { ...DQN_DEFAULTS, ...definedOnly(options) }; // an explicit undefined is "left out"
    if (typeof o.learningRate === 'number' && !(o.learningRate > 0)) fail('learningRate', 'a number > 0 or a schedule', o.learningRate);
    const unit = (name: string, v: number, open = false): number => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1) || (open && v === 0)) fail(name, open ? 'a number in (0, 1]' : 'a number in [0, 1]', v);
      return v;
    };
    if (typeof o.maxGradNorm !== 'number' || !(o.maxGradNorm > 0)) fail('maxGradNorm', 'a number > 0', o.maxGradNorm);
    if (o.activation !== 'tanh' && o.activation !== 'relu') fail('activation', "'tanh' or 'relu'", o.activation);
    const seed = agentSeed(o.seed);
    const bufferSize = requireInt('bufferSize', o.bufferSize, 1);
    const batchSize = requireInt('batchSize', o.batchSize, 1);
    if (batchSize > bufferSize) fail('batchSize', `<= bufferSize (${bufferSize})`, batchSize);
    const config = Object.freeze({
      ...o,
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
      doubleQ: requireBool('doubleQ', o.doubleQ),
      dueling: requireBool('dueling', o.dueling),
      seed,
      featuresExtractor: requireFeaturesExtractor('featuresExtractor', o.featuresExtractor),
    });
    const lr = toSchedule('learningRate', o.learningRate);
    if (!Array.isArray(o.netArch)) fail('netArch', 'an array of layer sizes', o.netArch);
    // every option is checked before the networks are built: a throw leaks no tensors
    super(vec, o.compute, config.featuresExtractor !== undefined, seed);
    this.config = config;
    this.#lr = lr;
    this.#nActions = actSpace.n;
    this.#start = actSpace.start;
    const obsSize = this.env.singleObservationSpace.size;
    // a failed constructor leaves no tensors behind
    const built = buildAll((own) => {
      const option = this.config.featuresExtractor;
      const ext = option === undefined ? undefined : Extractor.build('featuresExtractor', option, this.env.singleObservationSpace, this.rng);
      if (ext !== undefined) {
        own({ dispose: () => ext.abandon() });
        ext.addTarget();
      }
      const q = new QNetwork({ obsSize: ext?.featuresDim ?? obsSize, nActions: actSpace.n, netArch: [...o.netArch], activation: o.activation, dueling: this.config.dueling }, this.rng);
      own(q);
      return { ext, q, adam: new FlatAdam(q.size + (ext?.size ?? 0)) };
    });
    this.extractor = built.ext;
    this.#q = built.q;
    this.#adam = built.adam;
    this.#autoreset = new AutoresetTracker(this.env.autoresetMode, this.env.numEnvs);
    this.#buffer = new ReplayBuffer(this.config.bufferSize, obsSize);
    this.explorationRate = this.config.explorationInitialEps;
    this.#chosen = new Int32Array(this.env.numEnvs);
    this.#envActions = new Array<Act>(this.env.numEnvs);
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const mirror = (this.mirror = new TypedMirror([this.#q.params, this.#q.target], this.#adam));
      const net = () => new KernelQNet(kernels, this.#q, o.activation);
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

  /** The online and target Q-networks: their spec and parameters, read-only (see {@link QNetworkView}). */
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
    // as SB3: uniformly random before learningStarts; after, one epsilon draw for the whole batch
    if (this.numTimesteps < this.config.learningStarts || this.rng.uniform() < this.explorationRate) {
      for (let e = 0; e < nEnvs; e++) actions[e] = this.rng.integer(0, this.#nActions);
    } else {
      const q = this.#qValues(obs, nEnvs);
      for (let e = 0; e < nEnvs; e++) actions[e] = argmax(q.subarray(e * this.#nActions, (e + 1) * this.#nActions));
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

  #qValues(obs: Float32Array, n: number): FloatArray {
    const size = this.env.singleObservationSpace.size;
    const t = this.#typed;
    if (t !== undefined && !(this.mirror as TypedMirror).stale) {
      if (t.actorVersion !== t.version) {
        t.actor.load(t.theta);
        t.actorVersion = t.version;
      }
      return t.actor.forward(obs, n); // read before the next forward
    }
    return tf.tidy(() => this.#q.q(this.#features(tf.tensor2d(obs, [n, size]))).dataSync()) as Float32Array;
  }

  /** Features of observations under the online weights: the extractor's output, or the observations. Call inside tf.tidy. */
  #features(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.extractor === undefined ? x : this.extractor.apply(x, training);
  }

  /** `gradientSteps` Adam steps on the Huber loss (SB3's smooth_l1_loss, beta 1). */
  #train(progressRemaining: number): Record<string, number> {
    const { batchSize, gamma, maxGradNorm, doubleQ, gradientSteps } = this.config;
    const lr = this.#lr(progressRemaining);
    if (this.#typed !== undefined) return this.#trainKernels(this.#typed, lr);
    const size = this.env.singleObservationSpace.size;
    const k = this.#nActions;
    const losses: tf.Tensor[] = [];
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.#buffer.sample(batchSize, this.rng);
      const loss = tf.tidy(() => {
        const obs = tf.tensor2d(s.observations, [batchSize, size]);
        const next = tf.tensor2d(s.nextObservations, [batchSize, size]);
        const ext = this.extractor;
        const nextQTarget = this.#q.q(ext === undefined ? next : ext.applyTarget(next), this.#q.target);
        const nextQ = doubleQ
          ? tf.sum(tf.mul(nextQTarget, tf.oneHot(tf.argMax(this.#q.q(this.#features(next)), 1) as tf.Tensor1D, k)), 1)
          : tf.max(nextQTarget, 1);
        const y = Float64Array.from(tf.add(tf.tensor1d(s.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(s.dones)), gamma), nextQ)).dataSync());
        const op = dqnLossOp(s.actions, y);
        return tfjsUpdate(() => op(this.#q.q(this.#features(obs, true))), this.#q.params, ext, this.#adam, lr, maxGradNorm);
      });
      losses.push(loss);
    }
    this.#nUpdates += gradientSteps;
    const mean = tf.tidy(() => tf.mean(tf.stack(losses)).dataSync()[0] as number);
    losses.forEach((t) => t.dispose());
    return {
      'rollout/exploration_rate': this.explorationRate,
      'train/loss': mean,
      'train/learning_rate': lr,
      'train/n_updates': this.#nUpdates,
    };
  }

  /**
   * `gradientSteps` Adam steps on the agent's kernel set: the same targets and loss
   * ({@link dqnLoss}) as the tfjs path, the network's backward pass, the norm clip and Adam on
   * the kernels.
   */
  #trainKernels(t: DQNTyped, lr: number): Record<string, number> {
    const { batchSize: n, gamma, maxGradNorm, doubleQ, gradientSteps } = this.config;
    const k = this.#nActions;
    const K = t.kernels;
    if (t.targetLoaded !== t.targetVersion) {
      t.targetNet.load(t.target);
      t.targetLoaded = t.targetVersion;
    }
    const y = new Float64Array(n);
    const dQ = K.array(n * k);
    let lossSum = 0;
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.#buffer.sample(n, this.rng);
      const nextT = t.targetNet.forward(s.nextObservations, n);
      t.online.load(t.theta);
      // double DQN: the online net picks the next action, the target net values it
      const nextOnline = doubleQ ? t.online.forward(s.nextObservations, n).slice(0, n * k) : undefined;
      for (let i = 0; i < n; i++) {
        const row = nextT.subarray(i * k, (i + 1) * k);
        const next = nextOnline === undefined ? Math.max(...row) : (row[argmax(nextOnline.subarray(i * k, (i + 1) * k))] as number);
        y[i] = (s.rewards[i] as number) + (1 - (s.dones[i] as number)) * gamma * next;
      }
      lossSum += dqnLoss(t.online.forward(s.observations, n), s.actions, y, dQ);
      t.online.backward(dQ, n, t.grad);
      this.#adam.step(K, t.theta, t.grad, lr, clipScale(K, t.grad, maxGradNorm));
      t.version++;
      (this.mirror as TypedMirror).dirty = true;
    }
    this.#nUpdates += gradientSteps;
    return {
      'rollout/exploration_rate': this.explorationRate,
      'train/loss': lossSum / gradientSteps,
      'train/learning_rate': lr,
      'train/n_updates': this.#nUpdates,
    };
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
    const mask = requireActionMask(options.actionMask, [this.#nActions]);
    const allowed = Array.from({ length: this.#nActions }, (_, i) => i).filter((i) => mask === undefined || mask[i] !== 0);
    if (options.deterministic !== true && this.rng.uniform() < this.explorationRate) return (allowed[this.rng.integer(0, allowed.length)] as number) + this.#start;
    const q = this.#qValues(observation, 1);
    const masked = Float64Array.from(q, (v, i) => (allowed.includes(i) ? v : -Infinity));
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
    const rollout: DQNRollout = {
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

  /**
   * Loads an agent saved with `save`, onto an env with the same spaces. Given the same live
   * `SyncVectorEnv` the saved agent trained on, training resumes exactly where it stopped;
   * any other env is reset when training starts.
   * @param dir - the checkpoint directory.
   * @param env - the env to act in and train on.
   * @param options - options to override (e.g. a custom schedule function, which is not saved).
   * @returns the restored agent.
   * @throws `CheckpointError` (from `tradegym`) if `dir` holds no checkpoint or a damaged one
   *   (missing or invalid `model.json`; missing, truncated or altered weights);
   *   `InvalidArgumentError` if `dir` is not a non-empty string, it holds another algorithm's
   *   agent, or the env does not fit the saved network, or `options.bufferSize` is below the
   *   transitions saved (a larger one keeps them, oldest first, and counts only them).
   */
  static async load<Act extends AgentAction>(dir: string, env: TrainEnv<Act>, options: DQNOptions = {}): Promise<DQN<Act>> {
    return Algorithm.fromCheckpoint(dir, 'DQN', options, (merged) => new DQN(env, merged as DQNOptions));
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
    const r = c.rollout as DQNRollout;
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

/** DQN's training state on a kernel set: float32 mirrors of the online and target parameters, and the networks. */
interface DQNTyped {
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
 * DQN's loss (Mnih et al. 2015, with SB3's `smooth_l1_loss`: Huber, beta 1) on a batch: the
 * mean over the rows of `huber(Q(s_i, a_i) - y_i)`, where `huber(d) = d^2 / 2` for `|d| <= 1`
 * and `|d| - 1/2` beyond, `q` holding the `n x k` Q-values of the observations and `y` the
 * targets. Writes dLoss/dQ into `dQ` (`clip(d, -1, 1) / n` at each row's action, 0 elsewhere).
 * Both compute paths run it. @internal
 * @param q - Q(s, .) per row, `n x k`.
 * @param actions - the action taken per row.
 * @param y - the target per row.
 * @param dQ - receives the gradient, `n x k`.
 * @returns the loss.
 */
export function dqnLoss(q: ArrayLike<number>, actions: ArrayLike<number>, y: ArrayLike<number>, dQ: FloatArray): number {
  const n = y.length;
  const k = q.length / n;
  dQ.fill(0, 0, n * k);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const a = i * k + (actions[i] as number);
    const d = (q[a] as number) - (y[i] as number);
    const ad = Math.abs(d);
    loss += (ad <= 1 ? 0.5 * ad * ad : ad - 0.5) / n;
    dQ[a] = Math.max(-1, Math.min(1, d)) / n;
  }
  return loss;
}

/**
 * {@link dqnLoss} as one tfjs op of the Q-values (`[n, k]`), for the tfjs path: its forward
 * downloads them and runs the typed loss; its gradient hands back what that computed. Call
 * inside tf.tidy.
 */
function dqnLossOp(actions: ArrayLike<number>, y: Float64Array): (q: tf.Tensor2D) => tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const q = args[0] as tf.Tensor2D;
    const dQ = new Float64Array(q.size);
    const loss = dqnLoss(q.dataSync(), actions, y, dQ);
    return { value: tf.scalar(loss), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.tensor2d(Float32Array.from(dQ), q.shape))] };
  });
  return (q) => op(q) as tf.Scalar;
}

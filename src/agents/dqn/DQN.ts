import { quietCpuBackend } from '../backend.js';
import * as tf from '@tensorflow/tfjs';
import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { Discrete } from '../../spaces/Discrete.js';
import type { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { AutoresetTracker } from '../common/autoreset.js';
import { isLive, markLive } from '../common/liveEnv.js';
import { definedOnly, Lifetime, requireDir, requireActionMask, requireObservation, requirePredictOptions } from '../common/guards.js';
import { FlatAdam } from '../common/ActorCritic.js';
import { Extractor, releaseModel, requireFeaturesExtractor, tfjsUpdate, type FeaturesExtractor } from '../common/featuresExtractor.js';
import { agentSeed, argmax, readCheckpoint, requireSameSpec, resolveCompute, toVector, withOverrides, type AgentAction, type Compute, type LearnOptions, type PredictOptions, type TrainEnv } from '../common/OnPolicyAlgorithm.js';
import { clipGradNorm, TypedMLP } from '../common/typed.js';
import { TypedMirror } from '../common/TypedMirror.js';
import { nativeKernels, nativeLayout, nativeStatus, type NativeKernels } from '../common/kernels/native.js';
import type { ReplaySample } from '../common/ReplayBuffer.js';
import { QNetwork, type QNetworkView } from '../common/QNetwork.js';
import { ReplayBuffer, type ReplayBufferView } from '../common/ReplayBuffer.js';
import { toSchedule, type Schedule } from '../common/schedules.js';
import { EpisodeStats, runLearn, writeCheckpoint, type EpisodeStatsState } from '../common/training.js';

/**
 * Where DQN trains: {@link Compute}'s choices, or `'native'` (see `DQNOptions.compute`).
 * @example
 * ```ts
 * import type { DQNCompute } from 'tradegym/agents';
 * const compute: DQNCompute = 'auto';
 * console.log(compute);
 * ```
 */
export type DQNCompute = Compute | 'native';

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
   * Where the network trains (default `'auto'`):
   * - `'native'`: tradegym's native kernels (a Node-API addon built on install where a C
   *   compiler is present; AVX-512 or AVX2 products where the CPU has them): the whole
   *   training round in one call.
   *   The fastest path for DQN; see {@link nativeStatus}.
   * - `'typed'`: the WebAssembly SIMD and JS kernels (no native code).
   * - `'tfjs'`: tfjs ops on the active backend.
   * - `'auto'`: `'native'` where the native kernels are available, else `'typed'` (`'tfjs'`
   *   for a dueling network); always `'tfjs'` with a `featuresExtractor` and on the
   *   tensorflow, webgl and webgpu backends. `agent.compute` is the choice made, and
   *   {@link nativeStatus} says why the native kernels are missing where they are.
   *
   * All three take the same steps (tested against each other); they differ in float rounding
   * only, so a run is reproducible bit for bit on one path and one machine. A dueling network
   * trains on the native kernels or tfjs (`'typed'` with `dueling` is an error).
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
export class DQN<Act extends AgentAction = AgentAction> {
  /** The envs trained on (a single env is wrapped in a SyncVectorEnv of one). */
  readonly env: SyncVectorEnv<Act>;
  /** The resolved options. */
  readonly config: Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<DQNOptions, 'seed' | 'featuresExtractor'>;
  readonly #q: QNetwork;
  readonly #extractor: Extractor | undefined;
  readonly #adam: FlatAdam;
  readonly #autoreset: AutoresetTracker;
  readonly #lifetime = new Lifetime();
  /** Environment steps taken by `learn` so far. */
  numTimesteps = 0;
  /** The current epsilon of the epsilon-greedy collection policy. */
  explorationRate: number;
  readonly #rng: Rng;
  readonly #buffer: ReplayBuffer;
  readonly #stats: EpisodeStats;
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
  /** Where this agent trains: `compute` resolved (`'auto'` picked `'native'` or `'tfjs'`). */
  readonly compute: 'native' | 'typed' | 'tfjs';

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
    this.env = toVector(env);
    quietCpuBackend();
    const actSpace = this.env.singleActionSpace;
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
    this.config = Object.freeze({
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
    this.#lr = toSchedule('learningRate', o.learningRate);
    // every option is checked before the networks are built: a throw leaks no tensors
    this.compute = resolveDQNCompute(o.compute, this.config.dueling, this.config.featuresExtractor !== undefined);
    this.#rng = new Rng(seed);
    this.#nActions = actSpace.n;
    this.#start = actSpace.start;
    const obsSize = this.env.singleObservationSpace.size;
    if (!Array.isArray(o.netArch)) fail('netArch', 'an array of layer sizes', o.netArch);
    // a failed constructor leaves no tensors behind
    const owned: { dispose(): void }[] = [];
    try {
      const option = this.config.featuresExtractor;
      if (option !== undefined) {
        const ext = Extractor.build('featuresExtractor', option, this.env.singleObservationSpace, this.#rng);
        this.#extractor = ext;
        owned.push({ dispose: () => ext.abandon() });
        ext.addTarget();
      }
      this.#q = new QNetwork({ obsSize: this.#extractor?.featuresDim ?? obsSize, nActions: actSpace.n, netArch: [...o.netArch], activation: o.activation, dueling: this.config.dueling }, this.#rng);
      owned.push(this.#q);
      this.#adam = new FlatAdam(this.#q.size + (this.#extractor?.size ?? 0));
    } catch (e) {
      owned.forEach((x) => x.dispose());
      throw e;
    }
    this.#autoreset = new AutoresetTracker(this.env.autoresetMode, this.env.numEnvs);
    this.#buffer = new ReplayBuffer(this.config.bufferSize, obsSize);
    this.#stats = new EpisodeStats(this.env.numEnvs);
    this.explorationRate = this.config.explorationInitialEps;
    this.#chosen = new Int32Array(this.env.numEnvs);
    this.#envActions = new Array<Act>(this.env.numEnvs);
    if (this.compute !== 'tfjs') {
      const layers = this.#q.trunkLayers;
      const mirror = new TypedMirror([this.#q.params, this.#q.target], this.#adam);
      const kernels = this.compute === 'native' ? (nativeKernels() as NativeKernels) : undefined;
      this.#typed = {
        mirror,
        theta: mirror.arrays[0] as Float32Array,
        target: mirror.arrays[1] as Float32Array,
        version: 0,
        targetVersion: 0,
        wasm:
          kernels !== undefined
            ? undefined
            : {
                grad: new Float64Array(this.#q.size),
                online: new TypedMLP(layers, o.activation),
                targetNet: new TypedMLP(layers, o.activation),
                actor: new TypedMLP(layers, o.activation),
                actorVersion: -1,
                targetLoaded: -1,
              },
        native:
          kernels === undefined
            ? undefined
            : { kernels, layout: nativeLayout(layers, this.#q.heads), relu: o.activation === 'relu' ? 1 : 0, batch: emptySample(), adam: new Float64Array(0), losses: new Float64Array(0), q: new Float32Array(0) },
      };
    }
  }


  /** The online and target Q-networks: their spec and parameters, read-only (see {@link QNetworkView}). */
  get q(): QNetworkView {
    const q = this.#q;
    const model = this.#extractor?.model;
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

  /**
   * Trains for `totalTimesteps` environment steps.
   * @param options - `totalTimesteps`, an optional `callback` and `progressBar`.
   * @returns this agent.
   * @throws `InvalidArgumentError` (from `tradegym`) if `totalTimesteps` is not an integer >= 1;
   *   `TradegymError` after `dispose()` or while another `learn` of this agent runs.
   */
  async learn(options: LearnOptions): Promise<this> {
    const work = () => this.#learn(options);
    const typed = this.#typed;
    await this.#lifetime.learning(() => (typed === undefined ? work() : typed.mirror.around(work)));
    return this;
  }

  async #learn(options: LearnOptions): Promise<void> {
    await runLearn(this, options, this.#stats, (start, end) => {
      if (this.#lastObs === undefined || !this.env.started) {
        this.#lastObs = this.env.reset({ seed: this.config.seed }).observations.slice();
        this.#autoreset.clear();
      }
      let progressRemaining = 1;
      for (let s = 0; s < this.config.trainFreq; s++) progressRemaining = this.#collectStep(start, end);
      if (this.numTimesteps > this.config.learningStarts && this.config.gradientSteps > 0) return this.#train(progressRemaining);
      return { 'rollout/exploration_rate': this.explorationRate };
    });
  }

  /** One vector-env step into the replay buffer; returns the progress remaining. */
  #collectStep(start: number, end: number): number {
    const env = this.env;
    const nEnvs = env.numEnvs;
    const size = env.singleObservationSpace.size;
    const obs = this.#lastObs as Float32Array;
    const actions = this.#chosen;
    // as SB3: uniformly random before learningStarts; after, one epsilon draw for the whole batch
    if (this.numTimesteps < this.config.learningStarts || this.#rng.uniform() < this.explorationRate) {
      for (let e = 0; e < nEnvs; e++) actions[e] = this.#rng.integer(0, this.#nActions);
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
      this.#stats.step(e, r.rewards[e] as number, done);
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
    if (t === undefined || t.mirror.stale) {
      this.#q.updateTarget(tau);
      this.#extractor?.updateTarget(tau);
      return;
    }
    if (tau === 1) t.target.set(t.theta);
    else for (let i = 0; i < t.target.length; i++) t.target[i] = (1 - tau) * (t.target[i] as number) + tau * (t.theta[i] as number);
    t.targetVersion++;
    t.mirror.dirty = true;
  }

  #qValues(obs: Float32Array, n: number): Float32Array | Float64Array {
    const size = this.env.singleObservationSpace.size;
    const t = this.#typed;
    if (t !== undefined && !t.mirror.stale) {
      const nat = t.native;
      if (nat !== undefined) {
        if (nat.q.length < n * this.#nActions) nat.q = new Float32Array(n * this.#nActions);
        nat.kernels.forward(nat.layout, nat.relu, t.theta, obs, n, nat.q);
        return nat.q.subarray(0, n * this.#nActions);
      }
      const w = t.wasm as DQNWasm;
      if (w.actorVersion !== t.version) {
        w.actor.load(t.theta);
        w.actorVersion = t.version;
      }
      return w.actor.forward(obs, n).subarray(0, n * this.#nActions); // read before the next forward
    }
    return tf.tidy(() => this.#q.q(this.#features(tf.tensor2d(obs, [n, size]))).dataSync()) as Float32Array;
  }

  /** Features of observations under the online weights: the extractor's output, or the observations. Call inside tf.tidy. */
  #features(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.#extractor === undefined ? x : this.#extractor.apply(x, training);
  }

  /** `gradientSteps` Adam steps on the Huber loss (SB3's smooth_l1_loss, beta 1). */
  #train(progressRemaining: number): Record<string, number> {
    const { batchSize, gamma, maxGradNorm, doubleQ, gradientSteps } = this.config;
    const lr = this.#lr(progressRemaining);
    if (this.#typed?.native !== undefined) return this.#trainNative(lr);
    if (this.#typed !== undefined) return this.#trainTyped(lr);
    const size = this.env.singleObservationSpace.size;
    const k = this.#nActions;
    const losses: tf.Tensor[] = [];
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.#buffer.sample(batchSize, this.#rng);
      const loss = tf.tidy(() => {
        const obs = tf.tensor2d(s.observations, [batchSize, size]);
        const next = tf.tensor2d(s.nextObservations, [batchSize, size]);
        const ext = this.#extractor;
        const nextQTarget = this.#q.q(ext === undefined ? next : ext.applyTarget(next), this.#q.target);
        const nextQ = doubleQ
          ? tf.sum(tf.mul(nextQTarget, tf.oneHot(tf.argMax(this.#q.q(this.#features(next)), 1) as tf.Tensor1D, k)), 1)
          : tf.max(nextQTarget, 1);
        const target = tf.add(tf.tensor1d(s.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(s.dones)), gamma), nextQ));
        const mask = tf.oneHot(tf.tensor1d(s.actions, 'int32'), k);
        const loss = () => {
          const current = tf.sum(tf.mul(this.#q.q(this.#features(obs, true)), mask), 1);
          const d = tf.abs(tf.sub(current, target));
          const quad = tf.minimum(d, 1);
          return tf.mean(tf.add(tf.mul(tf.square(quad), 0.5), tf.sub(d, quad))) as tf.Scalar;
        };
        return tfjsUpdate(loss, this.#q.params, ext, this.#adam, lr, maxGradNorm);
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
   * `gradientSteps` Adam steps on the typed-array kernels: the same targets and Huber loss as
   * the tfjs path, with dLoss/dQ(s, a) = clip(Q(s, a) - y, -1, 1) / batch (tfjs's gradient of
   * `0.5 min(|d|, 1)^2 + |d| - min(|d|, 1)`).
   */
  #trainTyped(lr: number): Record<string, number> {
    const { batchSize: n, gamma, maxGradNorm, doubleQ, gradientSteps } = this.config;
    const t = this.#typed as DQNTyped;
    const w = t.wasm as DQNWasm;
    const k = this.#nActions;
    if (w.targetLoaded !== t.targetVersion) {
      w.targetNet.load(t.target);
      w.targetLoaded = t.targetVersion;
    }
    const y = new Float64Array(n);
    const dOut = new Float64Array(n * k);
    let lossSum = 0;
    for (let g = 0; g < gradientSteps; g++) {
      const s = this.#buffer.sample(n, this.#rng);
      const nextT = w.targetNet.forward(s.nextObservations, n);
      w.online.load(t.theta);
      // double DQN: the online net picks the next action, the target net values it
      const nextOnline = doubleQ ? w.online.forward(s.nextObservations, n).slice(0, n * k) : undefined;
      for (let i = 0; i < n; i++) {
        const row = nextT.subarray(i * k, (i + 1) * k);
        const next = nextOnline === undefined ? Math.max(...row) : (row[argmax(nextOnline.subarray(i * k, (i + 1) * k))] as number);
        y[i] = (s.rewards[i] as number) + (1 - (s.dones[i] as number)) * gamma * next;
      }
      const q = w.online.forward(s.observations, n);
      dOut.fill(0);
      for (let i = 0; i < n; i++) {
        const a = i * k + (s.actions[i] as number);
        const d = (q[a] as number) - (y[i] as number);
        const ad = Math.abs(d);
        lossSum += (ad <= 1 ? 0.5 * ad * ad : ad - 0.5) / n;
        dOut[a] = Math.max(-1, Math.min(1, d)) / n;
      }
      w.online.backward(dOut, n, w.grad);
      clipGradNorm(w.grad, maxGradNorm);
      this.#adam.step(t.theta, w.grad, lr);
      t.version++;
      t.mirror.dirty = true;
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
   * `gradientSteps` steps of the same training in one call of the native kernels: the
   * minibatches are drawn ahead (the same draws from the same RNG as the other paths), Adam's
   * step sizes computed here, and the kernel runs targets, Huber loss, back-propagation, the
   * norm clip and Adam on the float32 mirrors.
   */
  #trainNative(lr: number): Record<string, number> {
    const { batchSize: n, gamma, maxGradNorm, doubleQ, gradientSteps: steps } = this.config;
    const t = this.#typed as DQNTyped;
    const nat = t.native as DQNNative;
    const rows = steps * n;
    const d = this.env.singleObservationSpace.size;
    if (nat.batch.actions.length < rows) nat.batch = emptySample(rows, d);
    for (let g = 0; g < steps; g++) this.#buffer.sampleInto(nat.batch, g * n, n, this.#rng);
    if (nat.losses.length < steps) {
      nat.losses = new Float64Array(steps);
      nat.adam = new Float64Array(2 * steps);
    }
    const adam = this.#adam;
    adam.schedule(steps, lr, nat.adam);
    const [m, v] = adam.moments;
    const b = nat.batch;
    nat.kernels.dqnRound(nat.layout, nat.relu, t.theta, t.target, m, v, b.observations, b.nextObservations, b.actions, b.rewards, b.dones, steps, n, gamma, maxGradNorm, doubleQ ? 1 : 0, nat.adam, adam.beta1, adam.beta2, adam.eps, nat.losses);
    t.version += steps;
    t.mirror.dirty = true;
    this.#nUpdates += steps;
    let lossSum = 0;
    for (let g = 0; g < steps; g++) lossSum += nat.losses[g] as number;
    return {
      'rollout/exploration_rate': this.explorationRate,
      'train/loss': lossSum / steps,
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
    this.#lifetime.require('predict');
    requireObservation(observation, this.env.singleObservationSpace.size);
    requirePredictOptions(options);
    const mask = requireActionMask(options.actionMask, [this.#nActions]);
    const allowed = Array.from({ length: this.#nActions }, (_, i) => i).filter((i) => mask === undefined || mask[i] !== 0);
    if (options.deterministic !== true && this.#rng.uniform() < this.explorationRate) return (allowed[this.#rng.integer(0, allowed.length)] as number) + this.#start;
    this.#typed?.mirror.flush();
    const q = this.#qValues(observation, 1);
    const masked = Float64Array.from(q, (v, i) => (allowed.includes(i) ? v : -Infinity));
    return argmax(masked) + this.#start;
  }

  /**
   * Saves everything needed to resume exactly: the options, both networks, Adam's state, the
   * replay buffer's contents, the RNG state, the step and update counters, epsilon and the
   * collection state. Crash-safe, as the on-policy agents' `save`.
   * @param dir - the directory (created if needed).
   * @throws `CheckpointError` (from `tradegym`) if a file is in the way of `dir`;
   *   `InvalidArgumentError` if `dir` is not a non-empty string.
   * @throws `TradegymError` (from `tradegym`) if an option holds a custom schedule function,
   *   or after `dispose()`.
   */
  async save(dir: string): Promise<void> {
    this.#lifetime.require('save');
    requireDir('dir', dir);
    this.#typed?.mirror.flush();
    const opt = this.#adam.state();
    const c = this.#buffer.contents();
    const d = this.env.singleObservationSpace.size;
    const n = c.actions.length;
    const tensors = tf.tidy(() => ({
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
      ...this.#stats.toJSON(),
    };
    const rng = this.#rng.getState();
    if (this.#lastObs !== undefined) markLive(this.env, this.numTimesteps, rng, rollout);
    const ext = this.#extractor;
    try {
      await writeCheckpoint(
        dir,
        { algorithm: 'DQN', spec: this.#q.spec, numTimesteps: this.numTimesteps, optimizerStep: opt.step, rng, rollout },
        ext === undefined ? this.config : { ...this.config, featuresExtractor: ext.record },
        { params: this.#q.params, target: this.#q.target, ...opt.tensors, ...tensors, ...(ext === undefined ? {} : { ...ext.weights('extractor'), ...ext.targetWeights('extractorTarget') }) },
      );
    } finally {
      Object.values(tensors).forEach((t) => t.dispose());
    }
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
    const checkpoint = await readCheckpoint(dir, 'DQN');
    const c = checkpoint.topology;
    const t = checkpoint.tensors;
    let agent: DQN<Act> | undefined;
    let merged: Record<string, unknown> | undefined;
    try {
      merged = await withOverrides(checkpoint.options, options);
      agent = new DQN(env, merged as DQNOptions);
      requireSameSpec(c.spec, agent.#q.spec);
      agent.#extractor?.setWeights('extractor', t);
      agent.#extractor?.setTargetWeights('extractorTarget', t);
      agent.#q.params.assign(t.params as tf.Tensor);
      agent.#q.target.assign(t.target as tf.Tensor);
      agent.#adam.setState(t, c.optimizerStep);
      const r = c.rollout as DQNRollout;
      agent.#buffer.restore(
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
      agent.numTimesteps = c.numTimesteps;
      agent.#rng.setState(c.rng);
      agent.#nCalls = r.nCalls;
      agent.#nUpdates = r.nUpdates;
      agent.explorationRate = r.explorationRate;
      // only the live env the checkpoint was saved from goes on without a reset (see liveEnv.ts)
      if (r.lastObs !== null && isLive(agent.env, c.numTimesteps, c.rng, r)) {
        agent.#lastObs = Float32Array.from(r.lastObs);
        agent.#autoreset.pending.set(r.resetPending ?? []); // absent before next-step support: same-step only
        agent.#stats.restore(r);
      }
      return agent;
    } catch (e) {
      // a failed load leaves no tensors behind: the agent's, or a model rebuilt for it
      if (agent !== undefined) agent.dispose();
      else if (merged !== undefined && merged.featuresExtractor !== options.featuresExtractor) releaseModel(merged.featuresExtractor);
      throw e;
    } finally {
      Object.values(t).forEach((x) => x.dispose());
    }
  }

  /**
   * Releases the tensors of the networks and the optimizer. Afterwards `predict`, `learn` and
   * `save` throw; a second `dispose()` does nothing.
   * @throws `TradegymError` (from `tradegym`) while `learn` runs (e.g. from a callback): the
   *   update would write into released tensors; return false from the callback to stop
   *   training, and dispose after `learn` resolves.
   */
  dispose(): void {
    this.#lifetime.dispose(() => {
      this.#q.dispose();
      this.#extractor?.dispose();
      this.#adam.dispose();
    });
  }
}

/** DQN's typed-array training state: float32 mirrors of the online and target parameters. */
interface DQNTyped {
  readonly mirror: TypedMirror;
  /** The mirrored online and target parameters. */
  readonly theta: Float32Array;
  readonly target: Float32Array;
  /** Bumped at every update of theta / target; the typed path's nets reload when behind. */
  version: number;
  targetVersion: number;
  /** The typed path's networks (`compute: 'typed'`), or the native kernels' state (`'native'`). */
  readonly wasm: DQNWasm | undefined;
  readonly native: DQNNative | undefined;
}

/** The typed path's networks on the wasm/JS kernels, and its gradient. */
interface DQNWasm {
  readonly grad: Float64Array;
  /** The online network in training, the target network, and the acting copy. */
  readonly online: TypedMLP;
  readonly targetNet: TypedMLP;
  readonly actor: TypedMLP;
  /** The versions of theta and target they last loaded. */
  actorVersion: number;
  targetLoaded: number;
}

/** The native path's inputs: the kernels, the network layout, and buffers reused every round. */
interface DQNNative {
  readonly kernels: NativeKernels;
  readonly layout: Int32Array;
  readonly relu: number;
  /** The round's minibatches, drawn ahead, end to end. */
  batch: ReplaySample;
  /** Adam's step size and second-moment correction per step. */
  adam: Float64Array;
  losses: Float64Array;
  /** Q-values of the last acting forward pass. */
  q: Float32Array;
}

/** Arrays for `rows` sampled transitions of `obsSize` observations. */
function emptySample(rows = 0, obsSize = 0): ReplaySample {
  return {
    observations: new Float32Array(rows * obsSize),
    nextObservations: new Float32Array(rows * obsSize),
    actions: new Int32Array(rows),
    rewards: new Float32Array(rows),
    dones: new Float32Array(rows),
  };
}

/**
 * Validates `compute` and picks the path. `'auto'`: `'tfjs'` with a features extractor or on a
 * GPU or tfjs-node backend; else `'native'` where the native kernels load, else `'typed'` (the
 * wasm kernels; `'tfjs'` for a dueling network, which they do not run). The choice is
 * `agent.compute`, and {@link nativeStatus} says why the native kernels did not load.
 */
function resolveDQNCompute(c: unknown, dueling: boolean, extractor: boolean): 'native' | 'typed' | 'tfjs' {
  if (c !== 'auto' && c !== 'typed' && c !== 'tfjs' && c !== 'native') fail('compute', "'auto', 'native', 'typed' or 'tfjs'", c);
  if (extractor && (c === 'typed' || c === 'native')) fail('compute', "'auto' or 'tfjs' with a featuresExtractor (the typed and native kernels run MLPs only)", c);
  if (extractor) return 'tfjs';
  if (dueling && c === 'typed') fail('compute', "'auto', 'native' or 'tfjs' with a dueling network (the typed path has no dueling head yet)", c);
  if (c === 'native') {
    const status = nativeStatus();
    if (!status.available) fail('compute', `'auto', 'typed' or 'tfjs': the native kernels are not available here (${status.reason})`, c);
    return 'native';
  }
  if (c !== 'auto') return c;
  if (resolveCompute('auto') === 'tfjs') return 'tfjs';
  if (nativeKernels() !== null) return 'native';
  return dueling ? 'tfjs' : 'typed';
}

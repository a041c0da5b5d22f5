import { quietCpuBackend } from '../backend.js';
import * as tf from '@tensorflow/tfjs';
import { fail, requireSeed } from '../../core/checks.js';
import type { Env } from '../../core/Env.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { Box } from '../../spaces/Box.js';
import { Discrete } from '../../spaces/Discrete.js';
import { MultiDiscrete } from '../../spaces/MultiDiscrete.js';
import { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { ActorCritic, type ActorCriticView, type FlatOptimizer, type NetArch } from './ActorCritic.js';
import { AutoresetTracker } from './autoreset.js';
import { isLive, markLive } from './liveEnv.js';
import { Lifetime, requireDir, requireActionMask, requireObservation, requirePredictOptions } from './guards.js';
import { RolloutBuffer } from './RolloutBuffer.js';
import { clipScale, kernelsFor, resolveCompute, type Compute, type ResolvedCompute } from './kernels/registry.js';
import type { FloatArray, KernelSet, MlpKernel } from './kernels/types.js';
import { Extractor, extractorFromRecord, releaseModel, tfjsUpdate, type FeaturesExtractor } from './featuresExtractor.js';
import { TypedMirror } from './TypedMirror.js';
import { distributionFor, type ActionDistribution } from './distributions.js';
import { fileIO } from './fileIO.js';
import type { AgentAction, LearnOptions, PredictOptions, TrainEnv } from './types.js';

export type { AgentAction, LearnOptions, LogRecord, PredictOptions, TrainEnv } from './types.js';
import { EpisodeStats, runLearn, writeCheckpoint, type CheckpointHeader, type EpisodeStatsState } from './training.js';
import { scheduleFromJSON } from './schedules.js';

/** The settings the on-policy loop needs, resolved from an algorithm's options. @internal */
export interface OnPolicyConfig {
  readonly nSteps: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly netArch: NetArch;
  readonly activation: 'tanh' | 'relu';
  readonly logStdInit: number;
  readonly seed: number | undefined;
  readonly compute: Compute;
  /** A features extractor under the heads, or undefined for none (the heads read the observation). */
  readonly featuresExtractor: FeaturesExtractor | undefined;
}

export type { Compute } from './kernels/registry.js';

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
}

/** The typed-array training state: the float32 parameter mirror, the kernel set and its networks, the gradient. */
interface TypedState {
  readonly mirror: TypedMirror;
  /** The mirrored flat parameters. */
  readonly theta: Float32Array;
  readonly kernels: KernelSet;
  readonly grad: FloatArray;
  readonly pi: MlpKernel;
  readonly vf: MlpKernel;
}

/**
 * An on-policy loss on a typed batch, written once next to its paper (PPO's, A2C's): reads the
 * log-probabilities, entropies and values of `b`, writes dLoss/dlogProb, dLoss/dentropy and
 * dLoss/dvalue per sample into it, and returns its statistics with the loss last. @internal
 */
export type OnPolicyLoss = (b: TypedBatch) => number[];

/**
 * The on-policy loop of Stable-Baselines3's `OnPolicyAlgorithm`, written once: collect
 * `nSteps` steps from every sub-env (batched inference), bootstrap truncated episodes from
 * their final observation, compute GAE, then let the subclass update from the buffer.
 * Subclasses hold only their loss and update schedule. @internal
 */
export abstract class OnPolicyAlgorithm<Act extends AgentAction = AgentAction> {
  /** The envs trained on (a single env is wrapped in a SyncVectorEnv of one). */
  readonly env: SyncVectorEnv<Act>;
  /** @internal The actor-critic network. */
  protected readonly net: ActorCritic;
  /** @internal The optimizer's state. */
  protected readonly optimizerState: FlatOptimizer;
  /** Whether actions are categorical: Discrete or MultiDiscrete (else Box). */
  readonly discrete: boolean;
  /** The choices per categorical: `[n]` for Discrete, `nvec` for MultiDiscrete; undefined for Box. */
  readonly nvec: Int32Array | undefined;
  /** MultiDiscrete's smallest value per element (actions are `start + index`); undefined otherwise. */
  readonly #multiStart: Int32Array | undefined;
  /** The Box action bounds, or undefined for Discrete actions. */
  readonly actionLow: Float32Array | undefined;
  /** The Box action bounds, or undefined for Discrete actions. */
  readonly actionHigh: Float32Array | undefined;
  /** Environment steps taken by `learn` so far. */
  numTimesteps = 0;
  /** @internal */
  protected readonly rng: Rng;
  /** @internal */
  protected readonly buffer: RolloutBuffer;
  readonly #cfg: OnPolicyConfig;
  #lastObs: Float32Array | undefined;
  readonly #lastStarts: Float32Array;
  readonly #stats: EpisodeStats;
  readonly #typed: TypedState | undefined;
  readonly #autoreset: AutoresetTracker;
  readonly #lifetime = new Lifetime();
  /** The action distribution the policy's outputs parameterise. */
  readonly #dist: ActionDistribution;
  /** @internal The features extractor under the heads, if any. */
  protected readonly extractor: Extractor | undefined;
  /** Where this agent trains: its `compute` option resolved (see {@link Compute}): a kernel set's name or `'tfjs'`. */
  readonly compute: ResolvedCompute;

  constructor(env: TrainEnv<Act>, cfg: OnPolicyConfig, optimizer: (size: number) => FlatOptimizer) {
    this.env = toVector(env);
    this.compute = resolveCompute(cfg.compute, cfg.featuresExtractor !== undefined); // checked before any tensor exists
    if (cfg.activation !== 'tanh' && cfg.activation !== 'relu') fail('activation', "'tanh' or 'relu'", cfg.activation);
    quietCpuBackend();
    const obsSpace = this.env.singleObservationSpace;
    const actSpace = this.env.singleActionSpace;
    if (!(actSpace instanceof Discrete) && !(actSpace instanceof MultiDiscrete) && !(actSpace instanceof Box)) {
      throw new InvalidArgumentError(`env action space must be Discrete, MultiDiscrete or Box for this algorithm, got ${String(actSpace)}`);
    }
    this.discrete = !(actSpace instanceof Box);
    if (actSpace instanceof Discrete) this.nvec = Int32Array.of(actSpace.n);
    if (actSpace instanceof MultiDiscrete) {
      this.nvec = actSpace.nvec.slice();
      this.#multiStart = actSpace.start.slice();
    }
    if (actSpace instanceof Box) {
      this.actionLow = actSpace.low;
      this.actionHigh = actSpace.high;
    }
    this.#cfg = cfg;
    this.rng = new Rng(cfg.seed);
    const actionSize = this.nvec !== undefined ? this.nvec.reduce((a, b) => a + b, 0) : (actSpace as Box).size;
    const distribution = actSpace instanceof Box ? 'gaussian' : actSpace instanceof Discrete ? 'categorical' : 'multicategorical';
    this.#dist = distributionFor(distribution, actionSize, this.nvec);
    // the rollout buffer comes before any tensor: a size beyond memory throws with none allocated
    const rows = cfg.nSteps * this.env.numEnvs;
    try {
      this.buffer = new RolloutBuffer(cfg.nSteps, this.env.numEnvs, obsSpace.size, this.nvec !== undefined ? this.nvec.length : actionSize);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      fail('nSteps', `small enough for a rollout buffer of nSteps * nEnvs * obsSize = ${rows * obsSpace.size} floats (${e.message})`, cfg.nSteps);
    }
    // a failed constructor leaves no tensors behind
    const owned: { dispose(): void }[] = [];
    try {
      if (cfg.featuresExtractor !== undefined) {
        const ext = Extractor.build('featuresExtractor', cfg.featuresExtractor, obsSpace, this.rng);
        this.extractor = ext;
        owned.push({ dispose: () => ext.abandon() });
      }
      this.net = new ActorCritic(
        { obsSize: this.extractor?.featuresDim ?? obsSpace.size, actionSize, distribution, netArch: cfg.netArch, activation: cfg.activation, logStdInit: cfg.logStdInit, ...(actSpace instanceof MultiDiscrete ? { nvec: Array.from(actSpace.nvec) } : {}) },
        this.rng,
      );
      owned.push(this.net);
      this.optimizerState = optimizer(this.net.size + (this.extractor?.size ?? 0));
    } catch (e) {
      owned.forEach((o) => o.dispose());
      throw e;
    }
    this.#autoreset = new AutoresetTracker(this.env.autoresetMode, this.env.numEnvs);
    // nothing below checks user input: every option was checked before the network was built
    this.#lastStarts = new Float32Array(this.env.numEnvs).fill(1);
    this.#stats = new EpisodeStats(this.env.numEnvs);
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const mirror = new TypedMirror([this.net.params], this.optimizerState);
      this.#typed = {
        mirror,
        theta: mirror.arrays[0] as Float32Array,
        kernels,
        grad: kernels.array(this.net.size),
        pi: kernels.mlp(this.net.piLayers, cfg.activation),
        vf: kernels.mlp(this.net.vfLayers, cfg.activation),
      };
    }
  }

  /**
   * The actor-critic network: its spec and its parameters, read-only (see
   * {@link ActorCriticView}).
   */
  get policy(): ActorCriticView {
    const net = this.net;
    const model = this.extractor?.model;
    return { spec: net.spec, params: net.params, size: net.size, ...(model === undefined ? {} : { featuresExtractor: model }) };
  }

  /** @internal Features of observations: the extractor's output, or the observations. Call inside tf.tidy. */
  protected features(obs: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.extractor === undefined ? obs : this.extractor.apply(obs, training);
  }

  /**
   * @internal One optimizer step on the tfjs path: the gradient of `loss` with respect to the
   * heads' flat parameters and the extractor's weights, clipped by its global norm, applied
   * by the agent's optimizer over all of them end to end. Returns the loss. Call inside tf.tidy.
   */
  protected tfjsUpdate(loss: () => tf.Scalar, lr: number, maxGradNorm: number): tf.Scalar {
    return tfjsUpdate(loss, this.net.params, this.extractor, this.optimizerState, lr, maxGradNorm);
  }

  /** @internal Whether this agent trains on the typed-array kernels. */
  protected get typed(): boolean {
    return this.#typed !== undefined;
  }


  /** @internal The subclass's update over a full buffer; returns its log entries. */
  protected abstract train(progressRemaining: number): Record<string, number>;

  /**
   * Trains for `totalTimesteps` environment steps.
   * @param options - `totalTimesteps` and an optional `callback`.
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
      // a fresh vector env (e.g. a loaded agent's new wrapper) starts with a reset; the same live
      // vector env a checkpoint was saved from continues where it was
      if (this.#lastObs === undefined || !this.env.started) {
        this.#lastObs = this.env.reset({ seed: this.#cfg.seed }).observations.slice();
        this.#autoreset.clear();
      }
      this.#collectRollout();
      return this.train(Math.max(0, 1 - (this.numTimesteps - start) / (end - start)));
    });
  }

  /**
   * The agent's action for one observation.
   * @param observation - an observation of the env's observation space.
   * @param options - `deterministic`, `actionMask`.
   * @returns an action of the env's action space (clipped to a Box's bounds): its type is
   *   the env's action type, so it goes to `env.step` as it is.
   * @throws `InvalidArgumentError` (from `tradegym`) for an observation that is not a
   *   Float32Array of the observation space's length or holds a NaN or infinity, or a mask of
   *   the wrong length, with entries other than 0 and 1, or allowing nothing;
   *   `TradegymError` after `dispose()`.
   */
  predict(observation: Float32Array, options: PredictOptions = {}): Act {
    this.#lifetime.require('predict');
    const size = this.env.singleObservationSpace.size;
    requireObservation(observation, size);
    requirePredictOptions(options);
    const mask = this.discrete ? requireActionMask(options.actionMask, this.nvec as Int32Array) : options.actionMask;
    if (!this.discrete && mask !== undefined) fail('actionMask', 'omitted for a Box action space', mask);
    this.#typed?.mirror.flush();
    const out = tf.tidy(() => this.net.policy(this.features(tf.tensor2d(observation, [1, size]))).dataSync()) as Float32Array;
    const p = this.#params(out, 1, this.#logStd());
    const a = new Float64Array(this.#dist.actionSize);
    if (options.deterministic === true) this.#dist.mode(p, 0, a, 0, mask);
    else this.#dist.sample(p, 0, this.rng, a, 0, mask);
    return this.#toAction(a);
  }

  /**
   * The distribution's parameters of `n` samples: the policy outputs as they are (logits), or
   * each row of means followed by the state-independent log stds (a Gaussian).
   */
  #params(out: ArrayLike<number>, n: number, logStd: ArrayLike<number> | undefined): ArrayLike<number> {
    return logStd === undefined ? out : withLogStd(out, logStd, n);
  }

  /**
   * An action of the env's space from the distribution's: the index (Discrete), the indices
   * plus each element's start (MultiDiscrete), the values clipped to the bounds (Box).
   */
  #toAction(a: Float64Array): Act {
    // the action space is Space<Act>: what follows builds a member of it
    if (!this.discrete) return this.#clip(Float32Array.from(a)) as Act;
    const start = this.#multiStart;
    return (start === undefined ? a[0] : Int32Array.from(a, (v, d) => v + (start[d] as number))) as Act;
  }

  /** The algorithm's name in checkpoints, e.g. `'PPO'`. @internal */
  protected abstract readonly algorithm: string;
  /** The resolved options; saved with the agent (numbers, booleans, nulls, nets and saveable schedules). */
  abstract readonly config: Readonly<Record<string, unknown>>;

  /**
   * Saves everything needed to resume exactly: the options, the network spec and weights,
   * the optimizer state, the RNG state, the step counter and the rollout state (last
   * observations, episode bookkeeping). Crash-safe: `dir/model.json` names the weights file
   * `dir/weights-<id>.bin`, and a kill at any instant leaves the previous checkpoint or this
   * one, complete; other files in `dir` are left alone.
   * @param dir - the directory (created if needed).
   * @throws `CheckpointError` (from `tradegym`) if a file is in the way of `dir`;
   *   `InvalidArgumentError` if `dir` is not a non-empty string.
   * @throws `TradegymError` (from `tradegym`) if an option holds a custom schedule function,
   *   which cannot be saved (pass it again to `load`), or after `dispose()`.
   */
  async save(dir: string): Promise<void> {
    this.#lifetime.require('save');
    requireDir('dir', dir);
    this.#typed?.mirror.flush();
    const opt = this.optimizerState.state();
    const rollout: OnPolicyRollout | null =
      this.#lastObs === undefined ? null : { lastObs: Array.from(this.#lastObs), lastStarts: Array.from(this.#lastStarts), resetPending: Array.from(this.#autoreset.pending), ...this.#stats.toJSON() };
    const rng = this.rng.getState();
    if (rollout !== null) markLive(this.env, this.numTimesteps, rng, rollout);
    const ext = this.extractor;
    await writeCheckpoint(
      dir,
      { algorithm: this.algorithm, spec: this.net.spec, numTimesteps: this.numTimesteps, optimizerStep: opt.step, rng, rollout },
      ext === undefined ? this.config : { ...this.config, featuresExtractor: ext.record },
      { params: this.net.params, ...opt.tensors, ...(ext === undefined ? {} : ext.weights('extractor')) },
    );
  }

  /**
   * Reads the checkpoint in `dir`, builds the agent from its saved options and restores its
   * state: the body of every algorithm's static `load`. @internal
   */
  protected static async fromCheckpoint<A extends OnPolicyAlgorithm<AgentAction>>(dir: string, algorithm: string, overrides: object, build: (options: Record<string, unknown>) => A): Promise<A> {
    const checkpoint = await readCheckpoint(dir, algorithm);
    let agent: A | undefined;
    let options: Record<string, unknown> | undefined;
    try {
      options = await withOverrides(checkpoint.options, overrides);
      agent = build(options);
      agent.restore(checkpoint);
      return agent;
    } catch (e) {
      // a failed load leaves no tensors behind: the agent's, or a model rebuilt for it
      if (agent !== undefined) agent.dispose();
      else if (options !== undefined && options.featuresExtractor !== (overrides as { featuresExtractor?: unknown }).featuresExtractor) releaseModel(options.featuresExtractor);
      throw e;
    } finally {
      Object.values(checkpoint.tensors).forEach((t) => t.dispose());
    }
  }

  /** Restores a checkpoint's state into this freshly built agent. @internal */
  protected restore(checkpoint: Checkpoint): void {
    const c = checkpoint.topology;
    requireSameSpec(c.spec, this.net.spec);
    this.extractor?.setWeights('extractor', checkpoint.tensors);
    this.net.params.assign(checkpoint.tensors.params as tf.Tensor);
    this.optimizerState.setState(checkpoint.tensors, c.optimizerStep);
    if (this.#typed !== undefined) this.#typed.mirror.stale = true;
    this.numTimesteps = c.numTimesteps;
    this.rng.setState(c.rng);
    const rollout = c.rollout as OnPolicyRollout | null;
    // only the live env the checkpoint was saved from goes on without a reset (see liveEnv.ts)
    if (rollout !== null && isLive(this.env, c.numTimesteps, c.rng, rollout)) {
      this.#lastObs = Float32Array.from(rollout.lastObs);
      this.#lastStarts.set(rollout.lastStarts);
      this.#autoreset.pending.set(rollout.resetPending ?? []); // absent before next-step support: same-step only
      this.#stats.restore(rollout);
    }
  }

  /**
   * Releases the tensors of the policy and optimizer. Afterwards `predict`, `learn` and
   * `save` throw; a second `dispose()` does nothing.
   * @throws `TradegymError` (from `tradegym`) while `learn` runs (e.g. from a callback): the
   *   update would write into released tensors; return false from the callback to stop
   *   training, and dispose after `learn` resolves.
   */
  dispose(): void {
    this.#lifetime.dispose(() => {
      this.net.dispose();
      this.extractor?.dispose();
      this.optimizerState.dispose();
    });
  }

  /** The Gaussian's log stds (from the typed mirror when it is current), or undefined for a categorical policy. */
  #logStd(): Float64Array | undefined {
    const t = this.#typed;
    const slot = this.net.logStdSlot;
    if (slot === undefined) return undefined;
    if (t !== undefined && !t.mirror.stale) return Float64Array.from(t.theta.subarray(slot.offset, slot.offset + this.net.spec.actionSize));
    return Float64Array.from(tf.tidy(() => this.net.logStd().dataSync()));
  }

  #clip(a: Float32Array): Float32Array {
    const lo = this.actionLow as Float32Array;
    const hi = this.actionHigh as Float32Array;
    return a.map((v, i) => Math.min(hi[i] as number, Math.max(lo[i] as number, v)));
  }

  /** Batched forward pass: policy outputs and values of `n` observations, one download. */
  #forward(obs: Float32Array, n: number): { out: Float32Array | Float64Array; values: Float32Array | Float64Array } {
    const size = this.env.singleObservationSpace.size;
    const k = this.net.spec.actionSize;
    // the kernels' own output buffers: read before the next forward, as every caller here does
    if (this.#typed !== undefined) return { out: this.#typed.pi.forward(obs, n).subarray(0, n * k), values: this.#typed.vf.forward(obs, n).subarray(0, n) };
    const both = tf.tidy(() => {
      const x = this.features(tf.tensor2d(obs, [n, size]));
      return tf.concat([this.net.policy(x), tf.reshape(this.net.value(x), [n, 1])], 1).dataSync();
    }) as Float32Array;
    const out = new Float32Array(n * k);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out.set(both.subarray(i * (k + 1), i * (k + 1) + k), i * k);
      values[i] = both[i * (k + 1) + k] as number;
    }
    return { out, values };
  }

  #collectRollout(): void {
    const buf = this.buffer;
    const env = this.env;
    const nEnvs = env.numEnvs;
    const size = env.singleObservationSpace.size;
    const gamma = this.#cfg.gamma;
    const dist = this.#dist;
    const logStd = this.#logStd();
    if (this.#typed !== undefined) {
      this.#typed.pi.load(this.#typed.theta);
      this.#typed.vf.load(this.#typed.theta);
    }
    const w = dist.paramSize;
    const m = dist.actionSize;
    const a = new Float64Array(m);
    buf.reset();
    const actions: Act[] = new Array<Act>(nEnvs);
    while (!buf.full) {
      const obs = this.#lastObs as Float32Array;
      const { out, values } = this.#forward(obs, nEnvs);
      const p = this.#params(out, nEnvs, logStd);
      const row = buf.pos * nEnvs;
      buf.observations.set(obs, row * size);
      for (let e = 0; e < nEnvs; e++) {
        // the log-probability of the draw: for a Gaussian, of the unclipped one the buffer
        // keeps; the env gets it clipped
        buf.logProbs[row + e] = dist.sample(p, e * w, this.rng, a, 0);
        for (let d = 0; d < m; d++) buf.actions[(row + e) * m + d] = a[d] as number;
        actions[e] = this.#toAction(a);
        buf.values[row + e] = values[e] as number;
        buf.episodeStarts[row + e] = this.#lastStarts[e] as number;
      }
      const r = env.step(actions);
      const rewards = Float64Array.from(r.rewards);
      // next-step mode: a sub-env whose episode ended on the last step was only reset by this
      // one; the row holds no transition and is left out of GAE and the update
      const skipped = this.#autoreset.step(r);
      // a truncated episode is bootstrapped from its final observation, as Stable-Baselines3
      const truncatedEnvs: number[] = [];
      for (let e = 0; e < nEnvs; e++) if (r.truncations[e] === 1 && r.terminations[e] === 0) truncatedEnvs.push(e);
      if (truncatedEnvs.length > 0) {
        const finals = new Float32Array(truncatedEnvs.length * size);
        truncatedEnvs.forEach((e, j) => finals.set(this.#autoreset.finalObservation(r, e, size), j * size));
        const v = this.#forward(finals, truncatedEnvs.length).values;
        truncatedEnvs.forEach((e, j) => (rewards[e] = (rewards[e] as number) + gamma * (v[j] as number)));
      }
      for (let e = 0; e < nEnvs; e++) {
        buf.rewards[row + e] = rewards[e] as number;
        const done = r.terminations[e] === 1 || r.truncations[e] === 1;
        buf.resets[row + e] = skipped[e] as number;
        // the next observation starts an episode after an end, and after a reset step
        this.#lastStarts[e] = done || skipped[e] === 1 ? 1 : 0;
        if (skipped[e] === 0) this.#stats.step(e, r.rewards[e] as number, done);
      }
      this.#lastObs = r.observations.slice();
      buf.pos++;
      this.numTimesteps += nEnvs;
    }
    const last = this.#forward(this.#lastObs as Float32Array, nEnvs).values;
    buf.computeReturnsAndAdvantage(last, this.#lastStarts, gamma, this.#cfg.gaeLambda);
  }

  /**
   * @internal One gradient step over buffer rows `idx` with the algorithm's `loss`, on the
   * agent's compute path. Both paths run the same typed code for the loss and the
   * distribution ({@link headLoss}); they differ only in how the gradient with respect to the
   * network's outputs flows back through the network: the typed kernels (MLPs), or tfjs
   * autodiff (any network, a features extractor included). Then the global norm is clipped
   * and the optimizer steps. Returns the loss's statistics.
   */
  protected gradientStep(idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss): number[] {
    return this.#typed !== undefined ? this.#typedStep(this.#typed, idx, lr, maxGradNorm, loss) : this.#tfjsStep(idx, lr, maxGradNorm, loss);
  }

  /** The minibatch of buffer rows `idx`: the loss's inputs, and the observations. */
  #batch(idx: ArrayLike<number>): { b: TypedBatch; obs: Float32Array } {
    const buf = this.buffer;
    const size = buf.obsSize;
    const m = buf.actSize;
    const n = idx.length;
    const arr = () => new Float64Array(n);
    const b: TypedBatch = { n, actions: new Float32Array(n * m), logProb: arr(), entropy: arr(), values: arr(), oldLogProb: arr(), advantages: arr(), returns: arr(), oldValues: arr(), gLogProb: arr(), gEntropy: arr(), gValue: arr() };
    const obs = new Float32Array(n * size);
    for (let j = 0; j < n; j++) {
      const i = idx[j] as number;
      obs.set(buf.observations.subarray(i * size, (i + 1) * size), j * size);
      b.actions.set(buf.actions.subarray(i * m, (i + 1) * m), j * m);
      b.oldLogProb[j] = buf.logProbs[i] as number;
      b.advantages[j] = buf.advantages[i] as number;
      b.returns[j] = buf.returns[i] as number;
      b.oldValues[j] = buf.values[i] as number;
    }
    return { b, obs };
  }

  /** The step on the typed-array kernels: forward both MLPs, the head's loss, backward. */
  #typedStep(t: TypedState, idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss): number[] {
    const { b, obs } = this.#batch(idx);
    const n = b.n;
    t.pi.load(t.theta);
    t.vf.load(t.theta);
    const out = t.pi.forward(obs, n);
    const values = t.vf.forward(obs, n);
    const slot = this.net.logStdSlot;
    const logStd = slot === undefined ? undefined : t.theta.subarray(slot.offset, slot.offset + this.net.spec.actionSize);
    const dOut = new Float64Array(n * this.net.spec.actionSize);
    const dLogStd = slot === undefined ? undefined : t.grad.subarray(slot.offset, slot.offset + this.net.spec.actionSize);
    const stats = headLoss(this.#dist, out, values, logStd, b, loss, dOut, dLogStd);
    const k = t.kernels;
    t.pi.backward(copyInto(k.array(dOut.length), dOut), n, t.grad);
    t.vf.backward(copyInto(k.array(n), b.gValue), n, t.grad);
    this.optimizerState.step(k, t.theta, t.grad, lr, clipScale(k, t.grad, maxGradNorm));
    t.mirror.dirty = true;
    return stats;
  }

  /**
   * The step on tfjs: one forward of the extractor (if any) and the heads, the loss as one op
   * ({@link headLossOp}), and `tfjsUpdate`'s autodiff through the network from there.
   */
  #tfjsStep(idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss): number[] {
    const { b, obs } = this.#batch(idx);
    let stats: number[] = [];
    const op = headLossOp(this.#dist, b, loss, (s) => (stats = s));
    tf.tidy(() => {
      const x = tf.tensor2d(obs, [b.n, this.buffer.obsSize]);
      this.tfjsUpdate(() => {
        const features = this.features(x, true);
        return op(this.net.policy(features), this.net.value(features), this.net.logStdSlot === undefined ? undefined : this.net.logStd());
      }, lr, maxGradNorm);
    });
    return stats;
  }
}

/** `dst` with `src` copied into it (a kernel set's own kind of array from a float64 one). */
function copyInto(dst: FloatArray, src: ArrayLike<number>): FloatArray {
  for (let i = 0; i < src.length; i++) dst[i] = src[i] as number;
  return dst;
}

/** Rows of `n` policy outputs, each followed by the `logStd` every sample shares: a Gaussian's parameters. */
function withLogStd(out: ArrayLike<number>, logStd: ArrayLike<number>, n: number): Float64Array {
  const k = logStd.length;
  const p = new Float64Array(n * 2 * k);
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
  for (let j = 0; j < n; j++) {
    b.logProb[j] = dist.logProb(p, j * w, b.actions, j * m);
    b.entropy[j] = dist.entropy(p, j * w);
    b.values[j] = values[j] as number;
  }
  const stats = loss(b);
  // chain rule: dLoss/dp = dLoss/dlogProb dlogProb/dp + dLoss/dentropy dH/dp, per sample
  const g = logStd === undefined ? dOut : new Float64Array(n * w);
  g.fill(0);
  for (let j = 0; j < n; j++) dist.addGrad(p, j * w, b.actions, j * m, b.gLogProb[j] as number, b.gEntropy[j] as number, g, j * w);
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

/** The on-policy loop's resumable state. */
interface OnPolicyRollout extends EpisodeStatsState {
  lastObs: number[];
  lastStarts: number[];
  /** Next-step mode: 1 where the sub-env's next step only resets it (absent in older checkpoints). */
  resetPending?: number[];
}

/** A checkpoint read back by {@link readCheckpoint}. @internal */
export interface Checkpoint {
  readonly topology: CheckpointHeader;
  readonly tensors: Record<string, tf.Tensor>;
  /** The saved options with schedules rebuilt. */
  readonly options: Record<string, unknown>;
}

/**
 * The saved options with the user's overrides on top; a saved features extractor is rebuilt
 * from its record unless the overrides pass one. @internal
 */
export async function withOverrides(saved: Record<string, unknown>, overrides: object): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = { ...saved, ...overrides };
  if (saved.featuresExtractor !== undefined && (overrides as { featuresExtractor?: unknown }).featuresExtractor === undefined) {
    merged.featuresExtractor = await extractorFromRecord(saved.featuresExtractor);
  }
  return merged;
}

/** Throws unless the network built for the env has the saved spec. @internal */
export function requireSameSpec(saved: unknown, built: unknown): void {
  if (JSON.stringify(saved) !== JSON.stringify(built)) {
    throw new InvalidArgumentError(`env does not fit the saved agent: its network spec ${JSON.stringify(built)} differs from the saved ${JSON.stringify(saved)}`);
  }
}

/** Reads a checkpoint written by `save` and checks its algorithm. @internal */
export async function readCheckpoint(dir: string, algorithm: string): Promise<Checkpoint> {
  requireDir('dir', dir);
  quietCpuBackend(); // the tensors below may be the process's first: before the agent's constructor
  const artifacts = await fileIO(dir).load();
  const topology = artifacts.modelTopology as Checkpoint['topology'];
  if (topology.algorithm !== algorithm) {
    throw new InvalidArgumentError(`dir holds a ${topology.algorithm} agent, not ${algorithm}: load it with ${topology.algorithm}.load`);
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  const options = Object.fromEntries(Object.entries(topology.options).map(([k, v]) => [k, scheduleFromJSON(v)]));
  return { topology, tensors, options };
}

/**
 * A single env wrapped in a same-step SyncVectorEnv of one, or a checked vector env: either
 * autoreset mode that resets by itself (`'next-step'`, `'same-step'`; see `AutoresetTracker`
 * for how the learners read each). @internal
 */
export function toVector<Act extends AgentAction>(env: TrainEnv<Act>): SyncVectorEnv<Act> {
  if (env instanceof SyncVectorEnv) {
    const vec = env as SyncVectorEnv<Act>;
    if (vec.autoresetMode === 'disabled') {
      fail('env.autoresetMode', "'next-step' or 'same-step' (the agents need finished sub-envs reset for them)", vec.autoresetMode);
    }
    if (!(vec.singleObservationSpace instanceof Box)) fail('env.singleObservationSpace', 'a Box', String(vec.singleObservationSpace));
    return vec;
  }
  if (env === null || typeof env !== 'object' || typeof (env as Env<unknown, unknown>).step !== 'function') fail('env', 'an Env or a SyncVectorEnv', env);
  const single = env as Env<Float32Array, Act>;
  if (!(single.observationSpace instanceof Box)) fail('env.observationSpace', 'a Box', String(single.observationSpace));
  return new SyncVectorEnv([() => single], { autoresetMode: 'same-step' });
}

// the categorical helpers live with the distributions; DQN and older imports find them here too
export { argmax, logSoftmaxAt, sampleCategorical } from './distributions.js';

/** Seeds for the agent: validated. @internal */
export function agentSeed(seed: unknown): number | undefined {
  return seed === undefined ? undefined : requireSeed('seed', seed);
}


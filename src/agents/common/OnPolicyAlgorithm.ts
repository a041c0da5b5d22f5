import * as tf from '@tensorflow/tfjs';
import { fail } from '../../core/checks.js';
import { InvalidArgumentError, TradegymError } from '../../core/errors.js';
import { Box } from '../../spaces/Box.js';
import { Discrete } from '../../spaces/Discrete.js';
import { MultiDiscrete } from '../../spaces/MultiDiscrete.js';
import { ActorCritic, type ActorCriticView, type FlatOptimizer, type NetArch, type RecurrentSpec } from './ActorCritic.js';
import { Algorithm, buildAll, toVector, type CheckpointState } from './Algorithm.js';
import { AutoresetTracker } from './autoreset.js';
import { requireSameSpec, type Checkpoint } from './checkpoint.js';
import { distributionFor, type ActionDistribution } from './distributions.js';
import { Extractor, tfjsUpdate, type FeaturesExtractor } from './featuresExtractor.js';
import { requireActionMask } from './guards.js';
import { copyInto, headLoss, headLossOp, withLogStd, type OnPolicyLoss, type TypedBatch } from './headLoss.js';
import { clipScale, kernelsFor, type Compute } from './kernels/registry.js';
import type { Sequences } from './kernels/lstm.js';
import { fit } from './kernels/qNet.js';
import type { FloatArray, KernelSet, MlpKernel } from './kernels/types.js';
import { Recurrence } from './recurrent.js';
import { isLive } from './liveEnv.js';
import { RolloutBuffer } from './RolloutBuffer.js';
import type { EpisodeStatsState } from './training.js';
import { TypedMirror } from './TypedMirror.js';
import type { AgentAction, PredictOptions, TrainEnv } from './types.js';

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
  /** A recurrent policy's LSTM (trains on the kernels only); undefined for a feed-forward policy. */
  readonly lstm?: RecurrentSpec;
  /** SB3's `ortho_init` (default true). */
  readonly orthoInit?: boolean;
  /**
   * A centralised critic's input length (see `ActorCriticSpec.criticObsSize`): the value
   * network reads what an outside collector writes with each row (`actRows`' `critic`), not
   * the observation. Feed-forward MLP policies without a features extractor only.
   */
  readonly criticObsSize?: number;
}

/** The typed-array training state: the float32 parameter mirror, the kernel set and its networks, the gradient. */
interface TypedState {
  /** The mirrored flat parameters. */
  readonly theta: Float32Array;
  readonly kernels: KernelSet;
  readonly grad: FloatArray;
  readonly pi: MlpKernel;
  readonly vf: MlpKernel;
  /** The gradients at the policy's and the value's outputs, in the set's kind, reused across steps. */
  dOut: FloatArray;
  dValue: FloatArray;
  /** A recurrent policy's LSTMs and their states. */
  readonly rec: Recurrence | undefined;
}

/**
 * The on-policy loop of Stable-Baselines3's `OnPolicyAlgorithm`, written once: collect
 * `nSteps` steps from every sub-env (batched inference), bootstrap truncated episodes from
 * their final observation, compute GAE, then let the subclass update from the buffer.
 * Subclasses hold only their loss and update schedule. @internal
 */
export abstract class OnPolicyAlgorithm<Act extends AgentAction = AgentAction> extends Algorithm<Act> {
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
  /** @internal */
  protected readonly buffer: RolloutBuffer;
  readonly #cfg: OnPolicyConfig;
  #lastObs: Float32Array | undefined;
  readonly #lastStarts: Float32Array;
  readonly #typed: TypedState | undefined;
  readonly #autoreset: AutoresetTracker;
  /** The action distribution the policy's outputs parameterise. */
  readonly #dist: ActionDistribution;

  constructor(env: TrainEnv<Act>, cfg: OnPolicyConfig, optimizer: (size: number) => FlatOptimizer) {
    super(toVector(env), cfg.compute, cfg.featuresExtractor !== undefined, cfg.seed); // compute is checked before any tensor exists
    if (cfg.activation !== 'tanh' && cfg.activation !== 'relu') fail('activation', "'tanh' or 'relu'", cfg.activation);
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
    const actionSize = this.nvec !== undefined ? this.nvec.reduce((a, b) => a + b, 0) : (actSpace as Box).size;
    const distribution = actSpace instanceof Box ? 'gaussian' : actSpace instanceof Discrete ? 'categorical' : 'multicategorical';
    this.#dist = distributionFor(distribution, actionSize, this.nvec);
    // the rollout buffer comes before any tensor: a size beyond memory throws with none allocated
    const rows = cfg.nSteps * this.env.numEnvs;
    if (cfg.criticObsSize !== undefined && (cfg.featuresExtractor !== undefined || cfg.lstm !== undefined)) fail('featuresExtractor', 'left out with a centralised critic', cfg.featuresExtractor);
    try {
      this.buffer = new RolloutBuffer(cfg.nSteps, this.env.numEnvs, obsSpace.size, this.nvec !== undefined ? this.nvec.length : actionSize, cfg.criticObsSize ?? 0);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      fail('nSteps', `small enough for a rollout buffer of nSteps * nEnvs * obsSize = ${rows * obsSpace.size} floats (${e.message})`, cfg.nSteps);
    }
    // a failed constructor leaves no tensors behind
    const built = buildAll((own) => {
      const ext = cfg.featuresExtractor === undefined ? undefined : Extractor.build('featuresExtractor', cfg.featuresExtractor, obsSpace, this.rng);
      if (ext !== undefined) own({ dispose: () => ext.abandon() });
      const net = new ActorCritic(
        {
          obsSize: ext?.featuresDim ?? obsSpace.size,
          actionSize,
          distribution,
          netArch: cfg.netArch,
          activation: cfg.activation,
          logStdInit: cfg.logStdInit,
          ...(actSpace instanceof MultiDiscrete ? { nvec: Array.from(actSpace.nvec) } : {}),
          ...(cfg.lstm === undefined ? {} : { lstm: cfg.lstm }),
          ...(cfg.orthoInit === undefined ? {} : { orthoInit: cfg.orthoInit }),
          ...(cfg.criticObsSize === undefined ? {} : { criticObsSize: cfg.criticObsSize }),
        },
        this.rng,
      );
      own(net);
      return { ext, net, optimizer: optimizer(net.size + (ext?.size ?? 0)) };
    });
    this.extractor = built.ext;
    this.net = built.net;
    this.optimizerState = built.optimizer;
    this.#autoreset = new AutoresetTracker(this.env.autoresetMode, this.env.numEnvs);
    // nothing below checks user input: every option was checked before the network was built
    this.#lastStarts = new Float32Array(this.env.numEnvs).fill(1);
    const kernels = kernelsFor(this.compute);
    if (kernels !== undefined) {
      const mirror = (this.mirror = new TypedMirror([this.net.params], [this.optimizerState]));
      this.#typed = {
        theta: mirror.arrays[0] as Float32Array,
        kernels,
        grad: kernels.array(this.net.size),
        pi: kernels.mlp(this.net.piLayers, cfg.activation),
        vf: kernels.mlp(this.net.vfLayers, cfg.activation),
        dOut: kernels.array(0),
        dValue: kernels.array(0),
        rec: cfg.lstm === undefined ? undefined : new Recurrence(this.net, kernels, this.env.numEnvs, rows),
      };
    } else if (cfg.lstm !== undefined) throw new Error('OnPolicyAlgorithm: a recurrent policy trains on the kernels only'); // RecurrentPPO resolves compute to a kernel set
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

  /**
   * @internal A recurrent policy's outputs for one observation, from the actor LSTM's state
   * `h`, `c`, which this advances in place.
   */
  protected recurrentStep(observation: Float32Array, h: Float64Array, c: Float64Array): ArrayLike<number> {
    const t = this.#typed;
    if (t?.rec === undefined) throw new Error('OnPolicyAlgorithm: not a recurrent policy');
    const mirror = this.mirror as TypedMirror;
    if (mirror.stale) this.#weightsVersion++;
    mirror.pull();
    // the kernels are reloaded only when the weights moved since the last predict (an update, a load)
    if (this.#predictVersion !== this.#weightsVersion) {
      t.pi.load(t.theta);
      t.rec.load(t.theta);
      this.#predictVersion = this.#weightsVersion;
    }
    return t.rec.policyStep(observation, h, c, t.pi);
  }

  /** Bumped when the typed weights change (an optimizer step, a pull of new weights); the version `predict`'s kernels hold. */
  #weightsVersion = 0;
  #predictVersion = -1;

  /** @internal Whether this agent trains on the typed-array kernels. */
  protected get typed(): boolean {
    return this.#typed !== undefined;
  }


  /** @internal The subclass's update over a full buffer; returns its log entries. */
  protected abstract train(progressRemaining: number): Record<string, number>;

  /** @internal One rollout of `nSteps` steps of every sub-env, then the subclass's update. */
  protected iteration(start: number, end: number): Record<string, number> {
    if (this.buffer.states !== undefined) throw new TradegymError("a centralised critic's inputs come from the multi-agent trainer: train it with the trainer's learn()");
    // a fresh vector env (e.g. a loaded agent's new wrapper) starts with a reset; the same live
    // vector env a checkpoint was saved from continues where it was
    if (this.#lastObs === undefined || !this.env.started) {
      this.#lastObs = this.env.reset({ seed: this.#cfg.seed }).observations.slice();
      this.#autoreset.clear();
    }
    this.#collectRollout();
    return this.train(Math.max(0, 1 - (this.numTimesteps - start) / (end - start)));
  }

  /**
   * @internal `predict`'s body: the action for `observation`, from the policy's outputs
   * `outputs` when given (a recurrent policy's, computed by its own predict), else from the
   * feed-forward network's.
   */
  protected act(observation: Float32Array, options: PredictOptions, outputs?: (observation: Float32Array) => ArrayLike<number>): Act {
    this.checkPredict(observation, options);
    const size = this.env.singleObservationSpace.size;
    const mask = this.discrete ? requireActionMask(options.actionMask, this.nvec as Int32Array) : options.actionMask;
    if (!this.discrete && mask !== undefined) fail('actionMask', 'omitted for a Box action space', mask);
    const out = outputs !== undefined ? outputs(observation) : (tf.tidy(() => this.net.policy(this.features(tf.tensor2d(observation, [1, size]))).dataSync()) as Float32Array);
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
  #params(out: ArrayLike<number>, n: number, logStd: ArrayLike<number> | undefined, into?: Float64Array): ArrayLike<number> {
    return logStd === undefined ? out : withLogStd(out, logStd, n, into);
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

  /** @internal The actor-critic's spec and weights, the optimizer's state, the rollout state. */
  protected checkpointState(): CheckpointState {
    const opt = this.optimizerState.state();
    const rollout: OnPolicyRollout | null =
      this.#lastObs === undefined
        ? null
        : {
            lastObs: Array.from(this.#lastObs),
            lastStarts: Array.from(this.#lastStarts),
            resetPending: Array.from(this.#autoreset.pending),
            ...(this.#typed?.rec === undefined ? {} : { lstmStates: Array.from(this.#typed.rec.live) }),
            ...this.stats.toJSON(),
          };
    return { header: { spec: this.net.spec, optimizerStep: opt.step, rollout }, tensors: { params: this.net.params, ...opt.tensors }, live: rollout };
  }

  /** @internal Restores the network, the optimizer and (on the live env it was saved from) the rollout state. */
  protected restore(checkpoint: Checkpoint): void {
    const c = checkpoint.topology;
    requireSameSpec(c.spec, this.net.spec);
    this.extractor?.setWeights('extractor', checkpoint.tensors);
    this.net.params.assign(checkpoint.tensors.params as tf.Tensor);
    this.optimizerState.setState(checkpoint.tensors, c.optimizerStep);
    const rollout = c.rollout as OnPolicyRollout | null;
    // only the live env the checkpoint was saved from goes on without a reset (see liveEnv.ts)
    if (rollout !== null && isLive(this.env, c.numTimesteps, c.rng, rollout)) {
      this.#lastObs = Float32Array.from(rollout.lastObs);
      this.#lastStarts.set(rollout.lastStarts);
      this.#autoreset.pending.set(rollout.resetPending ?? []); // absent before next-step support: same-step only
      if (rollout.lstmStates !== undefined) this.#typed?.rec?.live.set(rollout.lstmStates);
      this.stats.restore(rollout);
    }
  }

  /** @internal */
  protected release(): void {
    this.net.dispose();
    this.optimizerState.dispose();
  }

  /** The Gaussian's log stds (from the typed mirror when it is current), or undefined for a categorical policy. */
  #logStd(): Float64Array | undefined {
    const t = this.#typed;
    const slot = this.net.logStdSlot;
    if (slot === undefined) return undefined;
    if (t !== undefined && !(this.mirror as TypedMirror).stale) return Float64Array.from(t.theta.subarray(slot.offset, slot.offset + this.net.spec.actionSize));
    return Float64Array.from(tf.tidy(() => this.net.logStd().dataSync()));
  }

  #clip(a: Float32Array): Float32Array {
    const lo = this.actionLow as Float32Array;
    const hi = this.actionHigh as Float32Array;
    return a.map((v, i) => Math.min(hi[i] as number, Math.max(lo[i] as number, v)));
  }

  /**
   * Batched forward pass: policy outputs and values of `n` observations, one download; a
   * centralised critic's values are of its inputs `critic` (`n` rows) instead.
   */
  #forward(obs: Float32Array, n: number, critic?: Float32Array): { out: Float32Array | Float64Array; values: Float32Array | Float64Array } {
    const size = this.env.singleObservationSpace.size;
    const k = this.net.spec.actionSize;
    // the kernels' own output buffers: read before the next forward, as every caller here does
    if (this.#typed !== undefined) return { out: this.#typed.pi.forward(obs, n).subarray(0, n * k), values: this.#typed.vf.forward(critic ?? obs, n).subarray(0, n) };
    if (critic !== undefined) {
      const out = tf.tidy(() => this.net.policy(tf.tensor2d(obs, [n, size])).dataSync()) as Float32Array;
      return { out, values: this.#criticValues(critic, n) };
    }
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

  /**
   * Starts a rollout: the buffer emptied, the kernels loaded with the current weights. Returns
   * the Gaussian's log stds for the rollout (undefined for a categorical policy).
   */
  #beginRollout(): Float64Array | undefined {
    const logStd = this.#logStd();
    const typed = this.#typed;
    if (typed !== undefined) {
      typed.pi.load(typed.theta);
      typed.vf.load(typed.theta);
      typed.rec?.load(typed.theta);
    }
    this.buffer.reset();
    return logStd;
  }

  /**
   * Samples one action per observation from the policy outputs `out` (`n` rows) and writes the
   * transitions' start into buffer rows `rows`: the action, its log-probability (for a
   * Gaussian, of the unclipped draw the buffer keeps; the env gets it clipped), the value and
   * the episode start. `masks(j)`, when given, is row j's action mask (stored with it when the
   * buffer keeps masks). Fills `actions` with the env's actions.
   */
  #sampleRows(
    out: ArrayLike<number>,
    values: ArrayLike<number>,
    logStd: Float64Array | undefined,
    gaussian: Float64Array | undefined,
    rows: ArrayLike<number>,
    starts: ArrayLike<number>,
    actions: Act[],
    masks?: (j: number) => ArrayLike<number> | undefined,
  ): void {
    const buf = this.buffer;
    const dist = this.#dist;
    const n = rows.length;
    const w = dist.paramSize;
    const m = dist.actionSize;
    const a = new Float64Array(m);
    const p = this.#params(out, n, logStd, gaussian);
    for (let j = 0; j < n; j++) {
      const i = rows[j] as number;
      const mask = masks?.(j);
      buf.logProbs[i] = dist.sample(p, j * w, this.rng, a, 0, mask);
      for (let d = 0; d < m; d++) buf.actions[i * m + d] = a[d] as number;
      if (buf.masks !== undefined) buf.masks.set(mask ?? buf.allowAll, i * w);
      actions[j] = this.#toAction(a);
      buf.values[i] = values[j] as number;
      buf.episodeStarts[i] = starts[j] as number;
    }
  }

  #collectRollout(): void {
    const buf = this.buffer;
    const env = this.env;
    const nEnvs = env.numEnvs;
    const size = env.singleObservationSpace.size;
    const gamma = this.#cfg.gamma;
    const logStd = this.#beginRollout();
    const typed = this.#typed;
    const rec = typed?.rec;
    // a Gaussian's parameters per step, in one array for the whole rollout
    const gaussian = logStd === undefined ? undefined : new Float64Array(nEnvs * this.#dist.paramSize);
    const actions: Act[] = new Array<Act>(nEnvs);
    const rows = new Int32Array(nEnvs);
    while (!buf.full) {
      const obs = this.#lastObs as Float32Array;
      const row = buf.pos * nEnvs;
      const { out, values } = rec === undefined ? this.#forward(obs, nEnvs) : rec.rolloutStep(obs, this.#lastStarts, row, (typed as TypedState).pi, (typed as TypedState).vf);
      buf.observations.set(obs, row * size);
      for (let e = 0; e < nEnvs; e++) rows[e] = row + e;
      this.#sampleRows(out, values, logStd, gaussian, rows, this.#lastStarts, actions);
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
        // a recurrent critic reads the final observation from its state after the step
        const v = rec === undefined ? this.#forward(finals, truncatedEnvs.length).values : rec.values(finals, truncatedEnvs, undefined, (typed as TypedState).vf);
        truncatedEnvs.forEach((e, j) => (rewards[e] = (rewards[e] as number) + gamma * (v[j] as number)));
      }
      for (let e = 0; e < nEnvs; e++) {
        buf.rewards[row + e] = rewards[e] as number;
        const done = r.terminations[e] === 1 || r.truncations[e] === 1;
        buf.resets[row + e] = skipped[e] as number;
        // the next observation starts an episode after an end, and after a reset step
        this.#lastStarts[e] = done || skipped[e] === 1 ? 1 : 0;
        if (skipped[e] === 0) this.stats.step(e, r.rewards[e] as number, done);
      }
      this.#lastObs = r.observations.slice();
      buf.pos++;
      this.numTimesteps += nEnvs;
    }
    const last =
      rec === undefined
        ? this.#forward(this.#lastObs as Float32Array, nEnvs).values
        : rec.values(this.#lastObs as Float32Array, Array.from({ length: nEnvs }, (_, e) => e), this.#lastStarts, (typed as TypedState).vf);
    buf.computeReturnsAndAdvantage(last, this.#lastStarts, gamma, this.#cfg.gaeLambda);
  }

  /** The Gaussian's log stds of the rollout an outside collector opened (see {@link OnPolicyAlgorithm.openRollout}). */
  #externalLogStd: Float64Array | undefined;

  /**
   * @internal For a collector outside this loop (the multi-agent trainer), which writes the
   * buffer's rows itself: starts a rollout (the buffer emptied, the kernels loaded with the
   * current weights). A recurrent policy has no such path.
   */
  openRollout(): void {
    if (this.#typed?.rec !== undefined) throw new Error('OnPolicyAlgorithm: a recurrent policy collects its own rollouts');
    this.#externalLogStd = this.#beginRollout();
  }

  /**
   * @internal For an outside collector: samples actions for the `rows.length` observations
   * `obs` (end to end) into buffer rows `rows`, as this loop does (see `#sampleRows`), with
   * each row's episode start and optional action mask. Returns the env's actions.
   */
  actRows(obs: Float32Array, rows: ArrayLike<number>, starts: ArrayLike<number>, masks?: (j: number) => ArrayLike<number> | undefined, critic?: Float32Array): Act[] {
    const n = rows.length;
    const size = this.buffer.obsSize;
    const states = this.buffer.states;
    if ((states === undefined) !== (critic === undefined)) throw new Error('OnPolicyAlgorithm: critic inputs are given with a centralised critic, and only then');
    const { out, values } = this.#forward(obs, n, critic);
    for (let j = 0; j < n; j++) this.buffer.observations.set(obs.subarray(j * size, (j + 1) * size), (rows[j] as number) * size);
    const c = this.buffer.stateSize;
    if (states !== undefined) for (let j = 0; j < n; j++) states.set((critic as Float32Array).subarray(j * c, (j + 1) * c), (rows[j] as number) * c);
    const actions = new Array<Act>(n);
    this.#sampleRows(out, values, this.#externalLogStd, undefined, rows, starts, actions, masks);
    return actions;
  }

  /**
   * @internal V(s) of `n` observations end to end, or with a centralised critic of `n` of its
   * inputs (a copy: the kernels reuse their outputs).
   */
  valuesOf(obs: Float32Array, n: number): Float64Array {
    return Float64Array.from(this.buffer.states === undefined ? this.#forward(obs, n).values : this.#criticValues(obs, n));
  }

  /** A centralised critic's values of `n` of its inputs (the kernels' output buffer on the typed path). */
  #criticValues(critic: Float32Array, n: number): Float32Array | Float64Array {
    if (this.#typed !== undefined) return this.#typed.vf.forward(critic, n).subarray(0, n);
    return tf.tidy(() => this.net.value(tf.tensor2d(critic, [n, this.buffer.stateSize])).dataSync()) as Float32Array;
  }

  /**
   * @internal For an outside collector: GAE over the full buffer from the values of the
   * observations after its last row and whether each starts an episode, then the algorithm's
   * update (its `train`). Returns the update's log entries.
   */
  trainOnRollout(lastValues: ArrayLike<number>, dones: Float32Array, progressRemaining: number): Record<string, number> {
    this.buffer.computeReturnsAndAdvantage(lastValues, dones, this.#cfg.gamma, this.#cfg.gaeLambda);
    return this.train(progressRemaining);
  }

  /** @internal The rollout buffer, for an outside collector (see {@link OnPolicyAlgorithm.openRollout}). */
  get rolloutBuffer(): RolloutBuffer {
    return this.buffer;
  }

  /** @internal The discount factor, for an outside collector's truncation bootstrap. */
  get gamma(): number {
    return this.#cfg.gamma;
  }

  /**
   * @internal One gradient step over buffer rows `idx` with the algorithm's `loss`, on the
   * agent's compute path. Both paths run the same typed code for the loss and the
   * distribution ({@link headLoss}); they differ only in how the gradient with respect to the
   * network's outputs flows back through the network: the typed kernels (MLPs), or tfjs
   * autodiff (any network, a features extractor included). Then the global norm is clipped
   * and the optimizer steps. Returns the loss's statistics.
   */
  protected gradientStep(idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss, seqs?: Sequences): number[] {
    return this.#typed !== undefined ? this.#typedStep(this.#typed, idx, lr, maxGradNorm, loss, seqs) : this.#tfjsStep(idx, lr, maxGradNorm, loss);
  }

  /** The minibatch of buffer rows `idx`: the loss's inputs, the observations and a centralised critic's inputs. */
  #batch(idx: ArrayLike<number>): { b: TypedBatch; obs: Float32Array; critic: Float32Array | undefined } {
    const buf = this.buffer;
    const size = buf.obsSize;
    const m = buf.actSize;
    const n = idx.length;
    const arr = () => new Float64Array(n);
    const w = this.#dist.paramSize;
    const masks = buf.masks === undefined ? undefined : new Float32Array(n * w);
    const b: TypedBatch = { n, actions: new Float32Array(n * m), logProb: arr(), entropy: arr(), values: arr(), oldLogProb: arr(), advantages: arr(), returns: arr(), oldValues: arr(), gLogProb: arr(), gEntropy: arr(), gValue: arr(), ...(masks === undefined ? {} : { masks }) };
    const obs = new Float32Array(n * size);
    const c = buf.stateSize;
    const critic = buf.states === undefined ? undefined : new Float32Array(n * c);
    for (let j = 0; j < n; j++) {
      const i = idx[j] as number;
      obs.set(buf.observations.subarray(i * size, (i + 1) * size), j * size);
      critic?.set((buf.states as Float32Array).subarray(i * c, (i + 1) * c), j * c);
      b.actions.set(buf.actions.subarray(i * m, (i + 1) * m), j * m);
      masks?.set((buf.masks as Float32Array).subarray(i * w, (i + 1) * w), j * w);
      b.oldLogProb[j] = buf.logProbs[i] as number;
      b.advantages[j] = buf.advantages[i] as number;
      b.returns[j] = buf.returns[i] as number;
      b.oldValues[j] = buf.values[i] as number;
    }
    return { b, obs, critic };
  }

  /** The step on the typed-array kernels: forward both MLPs, the head's loss, backward. */
  #typedStep(t: TypedState, idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss, seqs: Sequences | undefined): number[] {
    const { b, obs, critic } = this.#batch(idx);
    const n = b.n;
    t.pi.load(t.theta);
    t.vf.load(t.theta);
    const rec = t.rec;
    if (rec !== undefined && seqs === undefined) throw new Error('OnPolicyAlgorithm: a recurrent policy trains on sequences');
    rec?.load(t.theta);
    // a recurrent policy runs its sequences through the LSTMs under the heads
    const heads = rec === undefined ? undefined : rec.forward(obs, idx, seqs as Sequences, this.buffer.episodeStarts, t.pi, t.vf);
    const out = heads?.out ?? t.pi.forward(obs, n);
    const values = heads?.values ?? t.vf.forward(critic ?? obs, n);
    const slot = this.net.logStdSlot;
    const logStd = slot === undefined ? undefined : t.theta.subarray(slot.offset, slot.offset + this.net.spec.actionSize);
    const dOut = new Float64Array(n * this.net.spec.actionSize);
    const dLogStd = slot === undefined ? undefined : t.grad.subarray(slot.offset, slot.offset + this.net.spec.actionSize);
    const stats = headLoss(this.#dist, out, values, logStd, b, loss, dOut, dLogStd);
    const k = t.kernels;
    t.dOut = fit(k, t.dOut, dOut.length);
    t.dValue = fit(k, t.dValue, n);
    const dO = copyInto(t.dOut.subarray(0, dOut.length), dOut);
    const dV = copyInto(t.dValue.subarray(0, n), b.gValue);
    if (rec !== undefined) rec.backward(dO, dV, n, t.pi, t.vf, t.grad);
    else {
      t.pi.backward(dO, n, t.grad);
      t.vf.backward(dV, n, t.grad);
    }
    this.optimizerState.step(k, t.theta, t.grad, lr, clipScale(k, t.grad, maxGradNorm));
    (this.mirror as TypedMirror).dirty = true;
    this.#weightsVersion++;
    return stats;
  }

  /**
   * The step on tfjs: one forward of the extractor (if any) and the heads, the loss as one op
   * ({@link headLossOp}), and `tfjsUpdate`'s autodiff through the network from there.
   */
  #tfjsStep(idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss): number[] {
    const { b, obs, critic } = this.#batch(idx);
    let stats: number[] = [];
    const op = headLossOp(this.#dist, b, loss, (s) => (stats = s));
    tf.tidy(() => {
      const x = tf.tensor2d(obs, [b.n, this.buffer.obsSize]);
      const s = critic === undefined ? undefined : tf.tensor2d(critic, [b.n, this.buffer.stateSize]);
      this.tfjsUpdate(() => {
        const features = this.features(x, true);
        return op(this.net.policy(features), this.net.value(s ?? features), this.net.logStdSlot === undefined ? undefined : this.net.logStd());
      }, lr, maxGradNorm);
    });
    return stats;
  }
}

/**
 * The on-policy algorithms of a feed-forward policy (PPO, A2C): `predict` maps one observation
 * to one action. @internal
 */
export abstract class FeedForwardOnPolicy<Act extends AgentAction = AgentAction> extends OnPolicyAlgorithm<Act> {
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
    return this.act(observation, options);
  }
}

/** The on-policy loop's resumable state. */
interface OnPolicyRollout extends EpisodeStatsState {
  lastObs: number[];
  lastStarts: number[];
  /** Next-step mode: 1 where the sub-env's next step only resets it (absent in older checkpoints). */
  resetPending?: number[];
  /** A recurrent policy's LSTM states per sub-env (see `Recurrence.live`). */
  lstmStates?: number[];
}


import * as tf from '@tensorflow/tfjs';
import { fail, requireInt } from '../../core/checks.js';
import type { Space } from '../../spaces/Space.js';
import type { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { agentSeed, Algorithm, toVector, type CheckpointState } from './Algorithm.js';
import { AutoresetTracker } from './autoreset.js';
import type { Checkpoint } from './checkpoint.js';
import { Extractor, requireFeaturesExtractor, type FeaturesExtractor } from './featuresExtractor.js';
import type { Compute } from './kernels/registry.js';
import { isLive } from './liveEnv.js';
import { ReplayBuffer, type ReplayActions, type ReplayBufferView } from './ReplayBuffer.js';
import { toSchedule, type Schedule } from './schedules.js';
import type { EpisodeStatsState } from './training.js';
import type { AgentAction, TrainEnv } from './types.js';

// The off-policy agents' machinery, written once (SB3's OffPolicyAlgorithm): collection into
// the replay buffer, trainFreq / gradientSteps / learningStarts, the Polyak target update,
// the shared options' checks, and the checkpoint of the buffer and the counters. DQN and
// QR-DQN add epsilon-greedy collection and a Q-head (ValueBased.ts); SAC its actor, twin
// critics and entropy coefficient (sac/SAC.ts).

/**
 * The options every off-policy agent (DQN, QR-DQN, SAC) shares, as Stable-Baselines3's
 * `OffPolicyAlgorithm` takes them; each algorithm's defaults fill the ones left out.
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { SAC, useBackend, type OffPolicyOptions } from 'tradegym/agents';
 * await useBackend('cpu');
 * const shared: OffPolicyOptions = { learningStarts: 50, batchSize: 32, netArch: [32], seed: 0 };
 * const agent = new SAC(make('Pendulum-v1'), shared);
 * console.log(agent.config.batchSize); // 32
 * agent.dispose();
 * ```
 */
export interface OffPolicyOptions {
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
  /** How often the target networks are updated (DQN counts env steps, SAC gradient steps). */
  readonly targetUpdateInterval?: number;
  /** Hidden layer sizes of the networks. */
  readonly netArch?: readonly number[];
  /** Hidden activation. */
  readonly activation?: 'tanh' | 'relu';
  /**
   * Where the networks train (default `'auto'`), by the rule every agent follows (see
   * {@link Compute}): on the fastest kernel set that runs here (`'native'`, else `'wasm'`,
   * else `'js'`; {@link kernelSets} says which run and why not), or on tfjs with a
   * `featuresExtractor` or a GPU or tfjs-node backend. `agent.compute` is the choice made.
   * Every path runs the same targets and losses and takes the same steps up to float rounding
   * (tested against each other), so a run is reproducible bit for bit on one path and one machine.
   */
  readonly compute?: Compute;
  /**
   * A features extractor under the heads (its target network gets a copy of its weights): a
   * `tf.LayersModel` or a factory such as {@link tcnExtractor}; see {@link FeaturesExtractor}.
   * Left out, the networks read the flat observation. An agent with one trains on tfjs.
   */
  readonly featuresExtractor?: FeaturesExtractor;
  /** Seed of weights, exploration, replay sampling and the env's first reset. */
  readonly seed?: number;
}

/** The shared options as an algorithm's defaults and the user's merge them (every one set but `seed` and `featuresExtractor`). @internal */
export type OffPolicyConfig = Readonly<Required<Omit<OffPolicyOptions, 'seed' | 'featuresExtractor'>>> & Pick<OffPolicyOptions, 'seed' | 'featuresExtractor'>;

/** The checked values of the shared options that need checking (the rest are taken as merged). @internal */
export interface OffPolicyChecked {
  readonly bufferSize: number;
  readonly learningStarts: number;
  readonly batchSize: number;
  readonly tau: number;
  readonly gamma: number;
  readonly trainFreq: number;
  readonly gradientSteps: number;
  readonly targetUpdateInterval: number;
  readonly seed: number | undefined;
  readonly featuresExtractor: FeaturesExtractor | undefined;
}

/** The shared options checked, and what the base is built from: the result of {@link resolveOffPolicy}. @internal */
export interface OffPolicySetup<Act extends AgentAction, S extends Space<unknown>> {
  readonly env: SyncVectorEnv<Act>;
  /** The env's action space, as the algorithm's check let it through. */
  readonly actions: S;
  readonly lr: Schedule;
  readonly checked: OffPolicyChecked;
}

/**
 * A number in [0, 1], or (open) in (0, 1]. @internal
 * @throws `InvalidArgumentError` naming `name`.
 */
export function requireUnit(name: string, v: unknown, open = false): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1) || (open && v === 0)) fail(name, open ? 'a number in (0, 1]' : 'a number in [0, 1]', v);
  return v;
}

/**
 * Checks the env and the shared options (merged over the algorithm's defaults), every rule
 * once, before any tensor exists; `requireActions` checks the action space first (the
 * algorithm names the spaces it takes). @internal
 * @throws `InvalidArgumentError` naming the first bad value.
 */
export function resolveOffPolicy<Act extends AgentAction, S extends Space<unknown>>(
  env: TrainEnv<Act>,
  o: OffPolicyConfig,
  requireActions: (space: Space<unknown>) => S,
  checkFirst: () => void = () => undefined,
): OffPolicySetup<Act, S> {
  const vec = toVector(env);
  const actions = requireActions(vec.singleActionSpace as Space<unknown>);
  if (typeof o.learningRate === 'number' && !(o.learningRate > 0)) fail('learningRate', 'a number > 0 or a schedule', o.learningRate);
  checkFirst();
  if (o.activation !== 'tanh' && o.activation !== 'relu') fail('activation', "'tanh' or 'relu'", o.activation);
  const seed = agentSeed(o.seed);
  const bufferSize = requireInt('bufferSize', o.bufferSize, 1);
  const batchSize = requireInt('batchSize', o.batchSize, 1);
  if (batchSize > bufferSize) fail('batchSize', `<= bufferSize (${bufferSize})`, batchSize);
  const checked: OffPolicyChecked = {
    bufferSize,
    learningStarts: requireInt('learningStarts', o.learningStarts, 0),
    batchSize,
    tau: requireUnit('tau', o.tau, true),
    gamma: requireUnit('gamma', o.gamma),
    trainFreq: requireInt('trainFreq', o.trainFreq, 1),
    gradientSteps: requireInt('gradientSteps', o.gradientSteps, 0),
    targetUpdateInterval: requireInt('targetUpdateInterval', o.targetUpdateInterval, 1),
    seed,
    featuresExtractor: requireFeaturesExtractor('featuresExtractor', o.featuresExtractor),
  };
  const lr = toSchedule('learningRate', o.learningRate);
  if (!Array.isArray(o.netArch)) fail('netArch', 'an array of layer sizes', o.netArch);
  return { env: vec, actions, lr, checked };
}

/**
 * Polyak averaging of a target's float32 mirror, `target = (1 - tau) target + tau online`
 * (tau 1: a copy), as SB3's `polyak_update`: the typed twin of `QNetwork.updateTarget`. @internal
 */
export function polyakInto(target: Float32Array, online: Float32Array, tau: number): void {
  if (tau === 1) target.set(online);
  else for (let i = 0; i < target.length; i++) target[i] = (1 - tau) * (target[i] as number) + tau * (online[i] as number);
}

/** The resumable state saved with an off-policy checkpoint (plus the algorithm's own fields). @internal */
export interface OffPolicyRollout extends EpisodeStatsState {
  lastObs: number[] | null;
  nCalls: number;
  nUpdates: number;
  bufferPos: number;
  bufferFull: boolean;
  /** Next-step mode: 1 where the sub-env's next step only resets it (absent in older checkpoints). */
  resetPending?: number[];
}

/** What an algorithm adds to the base's checkpoint: its networks' spec, optimizer step, tensors, and its own loop state. @internal */
export interface OffPolicyNetworkState {
  readonly spec: unknown;
  readonly optimizerStep: number;
  readonly tensors: Record<string, tf.Tensor>;
  /** Fields of the algorithm's loop state, saved in the header's rollout beside the base's. */
  readonly rollout: Record<string, number>;
}

/**
 * What the off-policy agents share, as Stable-Baselines3's `OffPolicyAlgorithm` runs it:
 * `trainFreq` vector steps into a replay buffer (actions chosen by the algorithm: uniformly
 * random ones before `learningStarts`), then `gradientSteps` updates once `learningStarts`
 * steps are in; truncated episodes bootstrapped from their real final observation, a
 * next-step reset step not stored; the checkpoint of the buffer, the counters and the
 * collection state, so that training resumes exactly. A subclass chooses the actions, trains,
 * updates its targets and saves its networks. @internal
 */
export abstract class OffPolicy<Act extends AgentAction, C extends OffPolicyConfig, A extends ReplayActions> extends Algorithm<Act> {
  /** The resolved options. */
  readonly config: C;
  /** @internal The learning-rate schedule. */
  protected readonly lr: Schedule;
  /** @internal The replay buffer. */
  protected readonly buffer: ReplayBuffer<A>;
  /**
   * @internal The actions chosen for the next step, as stored in the buffer: `actionWidth`
   * per sub-env (Discrete: the index; Box: the action scaled to [-1, 1]).
   */
  protected readonly chosen: A;
  /** @internal The env's actions per sub-env, written by {@link chooseActions} beside {@link chosen}. */
  protected readonly envActions: Act[];
  /** @internal Gradient steps taken. */
  protected nUpdates = 0;
  readonly #autoreset: AutoresetTracker;
  #lastObs: Float32Array | undefined;
  #nCalls = 0;

  /**
   * @param env - the checked vector env.
   * @param config - the algorithm's resolved options.
   * @param lr - the learning-rate schedule.
   * @param actionSize - undefined for Discrete actions, the Box's size for continuous ones.
   */
  protected constructor(env: SyncVectorEnv<Act>, config: C, lr: Schedule, actionSize: number | undefined) {
    super(env, config.compute, config.featuresExtractor !== undefined, config.seed);
    this.config = config;
    this.lr = lr;
    const nEnvs = env.numEnvs;
    this.#autoreset = new AutoresetTracker(env.autoresetMode, nEnvs);
    this.buffer = new ReplayBuffer<A>(config.bufferSize, env.singleObservationSpace.size, actionSize);
    this.chosen = (actionSize === undefined ? new Int32Array(nEnvs) : new Float32Array(nEnvs * actionSize)) as A;
    this.envActions = new Array<Act>(nEnvs);
  }

  /**
   * @internal The `featuresExtractor` option built, with its target copy, owned by `own` (a
   * failed constructor disposes it; see `buildAll`); undefined without the option.
   */
  protected buildExtractor(own: (x: { dispose(): void }) => void): Extractor | undefined {
    const option = this.config.featuresExtractor;
    if (option === undefined) return undefined;
    const ext = Extractor.build('featuresExtractor', option, this.env.singleObservationSpace, this.rng);
    own({ dispose: () => ext.abandon() });
    ext.addTarget();
    return ext;
  }

  /**
   * @internal Chooses the actions of `n` sub-envs at observations `obs` (`n x obsSize`) into
   * {@link chosen} and {@link envActions}; `warmup` is true before `learningStarts` steps
   * (SB3: uniformly random actions then).
   */
  protected abstract chooseActions(obs: Float32Array, n: number, warmup: boolean): void;

  /** @internal After every vector step (the `nCalls`-th): e.g. DQN's target update and epsilon. */
  protected abstract afterStep(nCalls: number, progressRemaining: number): void;

  /** @internal `gradientSteps` updates at learning rate `lr`; returns SB3's log entries. */
  protected abstract train(lr: number): Record<string, number>;

  /** @internal The log entries of a round without training. */
  protected abstract rolloutLog(): Record<string, number>;

  /** @internal The algorithm's networks, optimizers and own loop state, for a checkpoint. */
  protected abstract networkState(): OffPolicyNetworkState;

  /** @internal Restores what {@link networkState} saved (the rollout holds the algorithm's fields). */
  protected abstract restoreNetworks(checkpoint: Checkpoint, rollout: Record<string, unknown>): void;

  /** The replay buffer's transitions, read-only (see {@link ReplayBufferView}). */
  get replayBuffer(): ReplayBufferView<A> {
    return this.buffer;
  }

  /** @internal `trainFreq` vector steps into the replay buffer, then `gradientSteps` updates once learning has started. */
  protected iteration(start: number, end: number): Record<string, number> {
    if (this.#lastObs === undefined || !this.env.started) {
      this.#lastObs = this.env.reset({ seed: this.config.seed }).observations.slice();
      this.#autoreset.clear();
    }
    let progressRemaining = 1;
    for (let s = 0; s < this.config.trainFreq; s++) progressRemaining = this.#collectStep(start, end);
    if (this.numTimesteps > this.config.learningStarts && this.config.gradientSteps > 0) {
      const lr = this.lr(progressRemaining);
      const log = this.train(lr);
      this.nUpdates += this.config.gradientSteps;
      return { ...log, 'train/learning_rate': lr, 'train/n_updates': this.nUpdates };
    }
    return this.rolloutLog();
  }

  /** One vector-env step into the replay buffer; returns the progress remaining. */
  #collectStep(start: number, end: number): number {
    const env = this.env;
    const nEnvs = env.numEnvs;
    const size = env.singleObservationSpace.size;
    const obs = this.#lastObs as Float32Array;
    this.chooseActions(obs, nEnvs, this.numTimesteps < this.config.learningStarts);
    const r = env.step(this.envActions);
    this.numTimesteps += nEnvs;
    // next-step mode: a sub-env whose episode ended on the last step was only reset by this one
    const skipped = this.#autoreset.step(r);
    const w = this.buffer.actionWidth;
    for (let e = 0; e < nEnvs; e++) {
      if (skipped[e] === 1) continue; // no transition: not stored, not counted in the episode
      const done = r.terminations[e] === 1 || r.truncations[e] === 1;
      const next = done ? this.#autoreset.finalObservation(r, e, size) : r.observations.subarray(e * size, (e + 1) * size);
      const action = w === 1 ? (this.chosen[e] as number) : this.chosen.subarray(e * w, (e + 1) * w);
      // done = a true termination only: a truncated episode still bootstraps from `next`
      this.buffer.add(obs.subarray(e * size, (e + 1) * size), next, action, r.rewards[e] as number, r.terminations[e] === 1);
      this.stats.step(e, r.rewards[e] as number, done);
    }
    this.#lastObs = r.observations.slice();
    const progressRemaining = Math.max(0, 1 - (this.numTimesteps - start) / (end - start));
    this.#nCalls++;
    this.afterStep(this.#nCalls, progressRemaining);
    return progressRemaining;
  }

  /** @internal The networks and optimizers, the replay buffer, the counters and the collection state. */
  protected checkpointState(): CheckpointState {
    const net = this.networkState();
    const c = this.buffer.contents();
    const d = this.env.singleObservationSpace.size;
    const n = c.rewards.length;
    const w = this.buffer.actionWidth;
    const replay = tf.tidy(() => ({
      'replay/observations': tf.tensor2d(c.observations, [n, d]),
      'replay/nextObservations': tf.tensor2d(c.nextObservations, [n, d]),
      'replay/actions': c.actions instanceof Int32Array ? tf.tensor1d(c.actions, 'int32') : tf.tensor2d(c.actions, [n, w]),
      'replay/rewards': tf.tensor1d(c.rewards),
      'replay/dones': tf.tensor1d(c.dones),
    }));
    const rollout: OffPolicyRollout = {
      lastObs: this.#lastObs === undefined ? null : Array.from(this.#lastObs),
      nCalls: this.#nCalls,
      nUpdates: this.nUpdates,
      ...net.rollout,
      bufferPos: this.buffer.pos,
      bufferFull: this.buffer.full,
      resetPending: Array.from(this.#autoreset.pending),
      ...this.stats.toJSON(),
    };
    return {
      header: { spec: net.spec, optimizerStep: net.optimizerStep, rollout },
      tensors: { ...net.tensors, ...replay },
      temporary: Object.values(replay),
      live: this.#lastObs === undefined ? null : rollout,
    };
  }

  /** @internal Restores the networks, the replay buffer, the counters and (on the live env it was saved from) the collection state. */
  protected restore(checkpoint: Checkpoint): void {
    const c = checkpoint.topology;
    const t = checkpoint.tensors;
    const r = c.rollout as OffPolicyRollout;
    this.restoreNetworks(checkpoint, r as unknown as Record<string, unknown>);
    this.buffer.restore(
      {
        observations: (t['replay/observations'] as tf.Tensor).dataSync() as Float32Array,
        nextObservations: (t['replay/nextObservations'] as tf.Tensor).dataSync() as Float32Array,
        actions: (t['replay/actions'] as tf.Tensor).dataSync() as A,
        rewards: (t['replay/rewards'] as tf.Tensor).dataSync() as Float32Array,
        dones: (t['replay/dones'] as tf.Tensor).dataSync() as Float32Array,
      },
      r.bufferPos,
      r.bufferFull,
    );
    this.#nCalls = r.nCalls;
    this.nUpdates = r.nUpdates;
    // only the live env the checkpoint was saved from goes on without a reset (see liveEnv.ts)
    if (r.lastObs !== null && isLive(this.env, c.numTimesteps, c.rng, r)) {
      this.#lastObs = Float32Array.from(r.lastObs);
      this.#autoreset.pending.set(r.resetPending ?? []); // absent before next-step support: same-step only
      this.stats.restore(r);
    }
  }
}

/**
 * A typed loss of a network's outputs as one tfjs op of them (`[n, outSize]`), for the tfjs
 * path (DQN, QR-DQN and SAC run their losses through it): its forward downloads them and runs `loss`, which writes dLoss/dout; its gradient
 * hands back what that computed, times the incoming gradient. Call inside tf.tidy. @internal
 */
export function typedLossOp(loss: (out: ArrayLike<number>, dOut: Float64Array) => number): (out: tf.Tensor2D) => tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const out = args[0] as tf.Tensor2D;
    const dOut = new Float64Array(out.size);
    const value = loss(out.dataSync(), dOut);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.tensor2d(Float32Array.from(dOut), out.shape))] };
  });
  return (out) => op(out) as tf.Scalar;
}

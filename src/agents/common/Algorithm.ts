import type * as tf from '@tensorflow/tfjs';
import { fail, requireSeed } from '../../core/checks.js';
import type { Env } from '../../core/Env.js';
import { Rng } from '../../core/Rng.js';
import { Box } from '../../spaces/Box.js';
import { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { quietCpuBackend } from '../backend.js';
import { checkpointIO, readCheckpoint, withOverrides, writeCheckpoint, type Checkpoint, type CheckpointTarget } from './checkpoint.js';
import { releaseModel, type Extractor } from './featuresExtractor.js';
import { Lifetime, requireObservation, requirePredictOptions } from './guards.js';
import { resolveCompute, type ResolvedCompute } from './kernels/registry.js';
import { markLive } from './liveEnv.js';
import { EpisodeStats, runLearn } from './training.js';
import type { TypedMirror } from './TypedMirror.js';
import type { AgentAction, CallbackAgent, CheckpointHeader, LearnOptions, PredictOptions, RecurrentPrediction, TrainEnv } from './types.js';

/** What an algorithm's checkpoint holds besides the options, the extractor and what the base adds. @internal */
export interface CheckpointState {
  /** The header's algorithm-specific part: network spec, optimizer step, loop state. */
  readonly header: Omit<CheckpointHeader, 'options' | 'algorithm' | 'numTimesteps' | 'rng'>;
  /** The named tensors (the extractor's weights are added by the base). */
  readonly tensors: Record<string, tf.Tensor>;
  /** Tensors made for the save, released after it. */
  readonly temporary?: readonly tf.Tensor[];
  /** The loop state to mark live on this env (see liveEnv.ts), or null when there is none to resume. */
  readonly live: object | null;
}

/**
 * What every algorithm shares, written once: the env and its vector wrapper, the compute rule,
 * the seeded RNG, the episode statistics, the features extractor, the typed mirrors the kernel
 * sets train on, `learn`'s loop (callbacks, progress bar, one learn at a time), `predict`'s
 * checks, crash-safe `save`, `load`'s restore-or-release, and `dispose`. The on-policy loop
 * (`OnPolicyAlgorithm`: PPO, A2C) and DQN build on it. @internal
 */
export abstract class Algorithm<Act extends AgentAction = AgentAction> {
  /** The envs trained on (a single env is wrapped in a SyncVectorEnv of one). */
  readonly env: SyncVectorEnv<Act>;
  /** Environment steps taken by `learn` so far. */
  numTimesteps = 0;
  /** Where this agent trains: its `compute` option resolved (see {@link Compute}): a kernel set's name or `'tfjs'`. */
  readonly compute: ResolvedCompute;
  /** @internal */
  protected readonly rng: Rng;
  /** @internal Episode returns and lengths for the logs. */
  protected readonly stats: EpisodeStats;
  /** @internal The features extractor under the heads, if any (set by the subclass's constructor). */
  protected extractor: Extractor | undefined;
  /** @internal The float32 mirrors the kernel sets train on, if the agent trains on one. */
  protected mirror: TypedMirror | undefined;
  readonly #lifetime = new Lifetime();
  /** @internal The algorithm's name in checkpoints, e.g. `'PPO'`. */
  protected abstract readonly algorithm: string;
  /** The resolved options; saved with the agent (numbers, booleans, nulls, nets and saveable schedules). */
  abstract readonly config: Readonly<Record<string, unknown>>;

  /**
   * Resolves `compute` (checked before any tensor exists) and seeds the RNG. @internal
   * @param env - the vector env (see {@link toVector}).
   * @param compute - the `compute` option.
   * @param extractor - whether a features extractor was given.
   * @param seed - the validated seed.
   */
  protected constructor(env: SyncVectorEnv<Act>, compute: unknown, extractor: boolean, seed: number | undefined) {
    this.env = env;
    this.compute = resolveCompute(compute, extractor);
    quietCpuBackend();
    this.rng = new Rng(seed);
    this.stats = new EpisodeStats(env.numEnvs);
  }

  /** @internal One iteration of `learn`: collect and update; returns its log entries. */
  protected abstract iteration(start: number, end: number): Record<string, number>;

  /**
   * Trains for `totalTimesteps` environment steps.
   * @param options - `totalTimesteps`, an optional `callback` and `progressBar`.
   * @returns this agent.
   * @throws `InvalidArgumentError` (from `tradegym`) if `totalTimesteps` is not an integer >= 1;
   *   `TradegymError` after `dispose()` or while another `learn` of this agent runs.
   */
  async learn(options: LearnOptions): Promise<this> {
    // every subclass is a Predictor or a RecurrentPredictor: the base cannot say which
    const work = () => runLearn(this as unknown as CallbackAgent & Algorithm<Act>, options, this.stats, (start, end) => this.iteration(start, end));
    await this.#lifetime.learning(() => this.aroundTraining(work));
    return this;
  }

  /**
   * @internal Runs `work` (a `learn`) with the typed mirrors read before and written back
   * after (even when it throws), refused after `dispose()`: the agent's own `learn`, or a
   * trainer that drives it (the multi-agent trainer).
   */
  aroundTraining(work: () => Promise<void>): Promise<void> {
    this.#lifetime.require('learn');
    const mirror = this.mirror;
    return mirror === undefined ? work() : mirror.around(work);
  }

  /**
   * The agent's action for one observation (see each algorithm's `predict`; a recurrent
   * agent's also takes and returns its memory).
   * @param observation - an observation of the env's observation space.
   * @param options - `deterministic`, `actionMask` (and a recurrent agent's `state`, `episodeStart`).
   * @returns an action of the env's action space, or a recurrent agent's `{ action, state }`.
   */
  abstract predict(observation: Float32Array, options?: PredictOptions): AgentAction | RecurrentPrediction;

  /** @internal `predict`'s checks, shared: alive, an observation of the space, known options; the mirrors written back. */
  protected checkPredict(observation: unknown, options: unknown): PredictOptions {
    this.#lifetime.require('predict');
    requireObservation(observation, this.env.singleObservationSpace.size);
    const o = requirePredictOptions(options);
    this.mirror?.flush();
    return o as PredictOptions;
  }

  /** @internal What the checkpoint holds besides what the base adds. */
  protected abstract checkpointState(): CheckpointState;

  /**
   * Saves everything needed to resume exactly: the options, the networks and their weights,
   * the optimizer state, the RNG state, the step counter and the loop state (for DQN, the
   * replay buffer too). Crash-safe: `dir/model.json` names the weights file
   * `dir/weights-<id>.bin`, and a kill at any instant leaves the previous checkpoint or this
   * one, complete; other files in `dir` are left alone. In a browser or a Web Worker, save to
   * `'indexeddb://name'` (or `'downloads://name'`), or hand any `tf.io.IOHandler`.
   * @param dir - a directory (created if needed), a tfjs URL such as `'indexeddb://my-agent'`,
   *   or a `tf.io.IOHandler` with `save` (see {@link CheckpointTarget}).
   * @throws `CheckpointError` (from `tradegym`) if a file is in the way of `dir`;
   *   `InvalidArgumentError` if `dir` is none of these, or a URL no tfjs handler here saves to.
   * @throws `TradegymError` (from `tradegym`) if an option holds a custom schedule function,
   *   which cannot be saved (pass it again to `load`), or after `dispose()`.
   */
  async save(dir: CheckpointTarget): Promise<void> {
    this.#lifetime.require('save');
    const { handler } = checkpointIO('dir', dir, 'save');
    const s = this.snapshot();
    try {
      await writeCheckpoint(handler, s.header, s.config, s.tensors);
    } finally {
      s.temporary.forEach((t) => t.dispose());
    }
  }

  /**
   * @internal What `save` writes, for it and for a trainer that saves several agents in one
   * checkpoint (the multi-agent trainer): the header, the options (with the features
   * extractor's record) and the named tensors (with its weights). Release `temporary` once
   * written.
   */
  snapshot(): { header: Omit<CheckpointHeader, 'options'>; config: Readonly<Record<string, unknown>>; tensors: Record<string, tf.Tensor>; temporary: readonly tf.Tensor[] } {
    this.#lifetime.require('save');
    this.mirror?.flush();
    const s = this.checkpointState();
    const rng = this.rng.getState();
    if (s.live !== null) markLive(this.env, this.numTimesteps, rng, s.live);
    const ext = this.extractor;
    return {
      header: { algorithm: this.algorithm, numTimesteps: this.numTimesteps, rng, ...s.header },
      config: ext === undefined ? this.config : { ...this.config, featuresExtractor: ext.record },
      tensors: { ...s.tensors, ...(ext === undefined ? {} : ext.weights('extractor')) },
      temporary: s.temporary ?? [],
    };
  }

  /**
   * @internal Restores a checkpoint into this freshly built agent: its networks, optimizer and
   * loop state (see `restore`), its step counter and its RNG.
   */
  restoreFrom(checkpoint: Checkpoint): void {
    this.restore(checkpoint);
    if (this.mirror !== undefined) this.mirror.stale = true;
    this.numTimesteps = checkpoint.topology.numTimesteps;
    this.rng.setState(checkpoint.topology.rng);
  }

  /**
   * Reads the checkpoint in `dir` of `algorithm`, builds the agent from its saved options with
   * `overrides` on top, and restores its state: the body of every algorithm's static `load`. A
   * failed load leaves no tensors behind. @internal
   */
  protected static async fromCheckpoint<A extends Algorithm<AgentAction>>(dir: CheckpointTarget, algorithm: string, overrides: object, build: (options: Record<string, unknown>) => A): Promise<A> {
    const checkpoint = await readCheckpoint(dir, algorithm);
    let agent: A | undefined;
    let options: Record<string, unknown> | undefined;
    try {
      options = await withOverrides(checkpoint.options, overrides);
      agent = build(options);
      agent.restoreFrom(checkpoint);
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

  /**
   * @internal Restores a checkpoint's networks (the extractor's weights included), optimizer
   * and loop state into this freshly built agent, checking first that they fit it.
   */
  protected abstract restore(checkpoint: Checkpoint): void;

  /** @internal Releases the algorithm's tensors (the extractor's are released by the base). */
  protected abstract release(): void;

  /**
   * Releases the tensors of the networks and the optimizer. Afterwards `predict`, `learn` and
   * `save` throw; a second `dispose()` does nothing.
   * @throws `TradegymError` (from `tradegym`) while `learn` runs (e.g. from a callback): the
   *   update would write into released tensors; return false from the callback to stop
   *   training, and dispose after `learn` resolves.
   */
  dispose(): void {
    this.#lifetime.dispose(() => {
      this.release();
      this.extractor?.dispose();
    });
  }
}

/**
 * Builds what `build` makes, all or nothing: every object it hands to `own` is disposed if it
 * throws, so a constructor that fails leaves no tensors behind. @internal
 */
export function buildAll<T>(build: (own: (x: { dispose(): void }) => void) => T): T {
  const owned: { dispose(): void }[] = [];
  try {
    return build((x) => owned.push(x));
  } catch (e) {
    owned.forEach((x) => x.dispose());
    throw e;
  }
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

/** Seeds for the agent: validated. @internal */
export function agentSeed(seed: unknown): number | undefined {
  return seed === undefined ? undefined : requireSeed('seed', seed);
}


import type * as tf from '@tensorflow/tfjs';
import { fail, requireInt, requireKnownKeys, show } from '../core/checks.js';
import { InvalidArgumentError, TradegymError } from '../core/errors.js';
import type { CheckpointTarget } from './common/checkpoint.js';
import type { CallbackSpec, LearnOptions, LogRecord } from './common/types.js';

// Training in a Web Worker: the worker builds the env and the agent from a plain config and
// trains; the page sends the config, receives a progress message after every rollout and the
// trained agent as checkpoint artifacts, and loads it with `PPO.load(result.checkpoint, env)`.
// Functions cannot cross a postMessage, so what to build lives in the worker's own script.

/**
 * What the worker protocol needs of a `Worker`, the worker's `self`, a `MessagePort` (a
 * browser's or Node's): post a message, and listen for them.
 */
export interface MessageEndpoint {
  /** Sends `message` (structured-cloned; the buffers in `transfer` are moved, not copied). */
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** Listens for `'message'` (and, on a `Worker`, `'error'`: a script that failed to load). */
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
  /** Stops listening. */
  removeEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
  /** A `MessagePort`'s: starts delivery (a `Worker` and `self` need none). */
  start?(): void;
  /** A `Worker`'s: stops it at once ({@link WorkerTrainer.terminate} calls it). */
  terminate?(): void;
}

/** What {@link serveTraining} needs of an agent: every tradegym agent is one. */
export interface TrainableAgent {
  /** Steps trained so far. */
  readonly numTimesteps: number;
  /** Trains (see each algorithm's `learn`). */
  learn(options: LearnOptions): Promise<unknown>;
  /** Saves a checkpoint (here to an in-memory handler). */
  save(where: CheckpointTarget): Promise<void>;
  /** Releases its tensors. */
  dispose(): void;
}

/** What the worker's `setup` returns: the agent to train and for how long. */
export interface WorkerTraining {
  /** The agent, built in the worker on its env. It is disposed of when training ends. */
  readonly agent: TrainableAgent;
  /** Steps to train for (`learn`'s `totalTimesteps`). */
  readonly totalTimesteps: number;
  /** The worker's own callbacks (an `EvalCallback`, a stop rule), run before progress is posted. */
  readonly callback?: CallbackSpec;
}

/** A progress message: posted after every rollout and update. */
export interface WorkerProgress {
  /** Steps this training has taken so far (an agent resumed from a checkpoint counts from 0 here). */
  readonly timesteps: number;
  /** Steps this training will take in all. */
  readonly totalTimesteps: number;
  /** The log record of the rollout and update (SB3's keys, e.g. `rollout/ep_rew_mean`). */
  readonly record: LogRecord;
  /** Milliseconds since the worker started training. */
  readonly elapsedMs: number;
}

/** What {@link WorkerTrainer.train} resolves to: the trained agent, as a checkpoint. */
export interface WorkerTrainingResult {
  /** The algorithm (`'PPO'`, `'SAC'`, ...): load the checkpoint with its `load`. */
  readonly algorithm: string;
  /** Steps trained. */
  readonly numTimesteps: number;
  /** Whether training ended early, on {@link WorkerTrainer.stop}, an abort or a callback. */
  readonly stopped: boolean;
  /** Milliseconds the worker spent training (setup and saving left out). */
  readonly elapsedMs: number;
  /** The checkpoint's artifacts (plain data: store them, post them on). */
  readonly artifacts: tf.io.ModelArtifacts;
  /** A handler that loads them: `await PPO.load(result.checkpoint, env)`. */
  readonly checkpoint: tf.io.IOHandler;
}

/** Options of {@link WorkerTrainer.train}. */
export interface WorkerTrainOptions {
  /** Called with every progress message. */
  readonly onProgress?: (progress: WorkerProgress) => void;
  /** Aborting it stops training after the current update, as {@link WorkerTrainer.stop} does. */
  readonly signal?: AbortSignal;
}

/** The messages of the protocol; `tradegym` tells them from the user's own on the same channel. */
type Message =
  | { tradegym: 'train'; id: number; config: unknown; stop: boolean }
  | { tradegym: 'stop'; id: number }
  | { tradegym: 'progress'; id: number; progress: WorkerProgress }
  | { tradegym: 'done'; id: number; numTimesteps: number; stopped: boolean; elapsedMs: number; artifacts: tf.io.ModelArtifacts }
  | { tradegym: 'error'; id: number; name: string; message: string };

type Listener = (event: { data?: unknown; message?: string }) => void;

/** Request ids, unique in this realm: trainers sharing one endpoint never take each other's replies. */
let lastRequestId = 0;

function requireEndpoint(name: string, value: unknown): MessageEndpoint {
  const e = value as Partial<MessageEndpoint> | null;
  if (typeof e !== 'object' || e === null || typeof e.postMessage !== 'function' || typeof e.addEventListener !== 'function' || typeof e.removeEventListener !== 'function') {
    fail(name, 'a Worker, the worker scope (self) or a MessagePort: an object with postMessage, addEventListener and removeEventListener', value);
  }
  return e as MessageEndpoint;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A protocol message, or undefined for anything else: the user's own messages, and malformed ones (ignored). */
function protocolMessage(data: unknown): Message | undefined {
  if (!isObject(data) || typeof data.tradegym !== 'string' || !Number.isSafeInteger(data.id)) return undefined;
  const ok =
    data.tradegym === 'train'
      ? 'config' in data && typeof data.stop === 'boolean'
      : data.tradegym === 'stop'
        ? true
        : data.tradegym === 'progress'
          ? isObject(data.progress) && typeof data.progress.timesteps === 'number' && isObject(data.progress.record)
          : data.tradegym === 'done'
            ? isObject(data.artifacts) && typeof data.numTimesteps === 'number' && typeof data.stopped === 'boolean' && typeof data.elapsedMs === 'number'
            : data.tradegym === 'error'
              ? typeof data.name === 'string' && typeof data.message === 'string'
              : false;
  return ok ? (data as unknown as Message) : undefined;
}

/** A save handler that gives the checkpoint's artifacts to `keep` instead of storing them. */
function capture(keep: (artifacts: tf.io.ModelArtifacts) => void): Required<Pick<tf.io.IOHandler, 'save'>> {
  return {
    save: async (artifacts) => {
      keep(artifacts);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

/** The endpoints served now: a second `serveTraining` on one would train twice per request. */
const serving = new WeakSet<object>();

/** Options of {@link serveTraining}. */
export interface ServeTrainingOptions {
  /**
   * Post progress at most this often, in milliseconds (default 0: after every rollout). An
   * off-policy agent's rollout is `trainFreq` steps, so give 50 or so for DQN or SAC.
   */
  readonly progressIntervalMs?: number;
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** The checked result of the user's `setup`. */
function requireTraining(value: unknown): WorkerTraining {
  const o = requireKnownKeys('setup(config)', value, ['agent', 'totalTimesteps', 'callback']);
  const agent = o.agent as Partial<TrainableAgent> | null;
  if (typeof agent !== 'object' || agent === null || typeof agent.learn !== 'function' || typeof agent.save !== 'function' || typeof agent.dispose !== 'function') {
    fail('setup(config).agent', 'a tradegym agent (with learn, save and dispose)', o.agent);
  }
  requireInt('setup(config).totalTimesteps', o.totalTimesteps, 1);
  return o as unknown as WorkerTraining;
}

/**
 * Serves training requests in a Web Worker (or on any {@link MessageEndpoint}): for each
 * {@link WorkerTrainer.train} of the page, `setup(config)` builds the agent, which trains
 * while a progress message goes back after every rollout; then the trained agent goes back as
 * checkpoint artifacts (its weights moved, not copied) and is disposed of here. The agent is
 * saved once before training, so one that cannot be saved (a custom schedule function) fails
 * at once. A stop request ends training after the current update. An error in `setup` or in
 * training goes back to the page, which rejects with it. One training runs at a time: a
 * request while one runs is refused, unless that one was told to stop (the page gave up on
 * it), in which case the request waits for it. Messages that are not the protocol's are left
 * to the worker's own listeners.
 *
 * @typeParam Config - the page's config: plain data (structured-cloneable), validated by `setup`.
 * @param endpoint - the worker's `self` (or a `MessagePort`).
 * @param setup - builds the agent to train from the page's config (may be async: choose a backend, load data).
 * @param options - `progressIntervalMs` (see {@link ServeTrainingOptions}).
 * @returns a function that stops serving: no new training starts (a training under way finishes and posts its result).
 * @throws `InvalidArgumentError` (from `tradegym`) if `endpoint` cannot post and receive messages, `setup` is not a function or an option is bad;
 *   `TradegymError` if the endpoint is served already.
 * @example
 * ```ts worker
 * // worker.ts, bundled as a module worker
 * import { make } from 'tradegym';
 * import { PPO, serveTraining } from 'tradegym/agents';
 *
 * serveTraining<{ seed: number; steps: number }>(self, (config) => ({
 *   agent: new PPO(make('CartPole-v1'), { seed: config.seed, compute: 'wasm' }),
 *   totalTimesteps: config.steps,
 * }));
 * ```
 */
export function serveTraining<Config = unknown>(endpoint: MessageEndpoint, setup: (config: Config) => WorkerTraining | Promise<WorkerTraining>, options: ServeTrainingOptions = {}): () => void {
  const port = requireEndpoint('endpoint', endpoint);
  if (typeof setup !== 'function') fail('setup', 'a function of the config that returns { agent, totalTimesteps }', setup);
  const o = requireKnownKeys('options', options, ['progressIntervalMs']);
  const interval = o.progressIntervalMs === undefined ? 0 : requireInt('options.progressIntervalMs', o.progressIntervalMs, 0);
  if (serving.has(port)) throw new TradegymError('this endpoint is served already: a second serveTraining on it would train twice per request');
  serving.add(port);
  let running: { id: number; stop: boolean } | undefined;
  let queued: { id: number; config: unknown; stop: boolean } | undefined;
  let closed = false;
  const post = (m: Message, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

  async function train(id: number, config: unknown): Promise<void> {
    let agent: TrainableAgent | undefined;
    try {
      const built = await setup(config as Config);
      // an agent setup built is disposed of even when what came with it is refused
      const candidate = (built as Partial<WorkerTraining> | null | undefined)?.agent;
      if (typeof candidate?.dispose === 'function') agent = candidate;
      const training = requireTraining(built);
      agent = training.agent;
      const trained = agent;
      // a save that would fail (a custom schedule function) fails now, not after the training
      await trained.save(capture(() => undefined));
      const own = training.callback === undefined ? [] : Array.isArray(training.callback) ? (training.callback as readonly unknown[]) : [training.callback];
      const first = trained.numTimesteps;
      const start = now();
      let stopped = false;
      let posted = -Infinity;
      const report = (record: LogRecord): boolean => {
        const t = now();
        if (t - posted >= interval) {
          posted = t;
          post({ tradegym: 'progress', id, progress: { timesteps: trained.numTimesteps - first, totalTimesteps: training.totalTimesteps, record, elapsedMs: t - start } });
        }
        if (running?.stop === true) stopped = true;
        return !stopped;
      };
      await trained.learn({ totalTimesteps: training.totalTimesteps, callback: [...own, report] as CallbackSpec });
      const elapsedMs = now() - start;
      let artifacts: tf.io.ModelArtifacts | undefined;
      await trained.save(capture((a) => (artifacts = a)));
      const saved = artifacts as tf.io.ModelArtifacts;
      const numTimesteps = trained.numTimesteps;
      agent = undefined;
      trained.dispose(); // before the result goes: a dispose that throws is reported instead
      post(
        { tradegym: 'done', id, numTimesteps, stopped: stopped || numTimesteps - first < training.totalTimesteps, elapsedMs, artifacts: saved },
        saved.weightData instanceof ArrayBuffer ? [saved.weightData] : [],
      );
    } catch (e) {
      const err = e as { name?: unknown; message?: unknown };
      post({ tradegym: 'error', id, name: typeof err?.name === 'string' ? err.name : 'Error', message: typeof err?.message === 'string' ? err.message : String(e) });
    } finally {
      running = undefined;
      try {
        agent?.dispose();
      } catch {
        // the error posted above is the one the page hears of; this agent's failure to release follows from it
      }
      const next = queued;
      queued = undefined;
      if (next !== undefined) begin(next.id, next.config, next.stop);
      else if (closed) unlisten();
    }
  }

  function begin(id: number, config: unknown, stop: boolean): void {
    running = { id, stop };
    void train(id, config);
  }

  const listener: Listener = (event) => {
    const m = protocolMessage(event.data);
    if (m === undefined) return;
    if (m.tradegym === 'stop') {
      if (running !== undefined && running.id === m.id) running.stop = true;
    } else if (m.tradegym === 'train' && !closed) {
      if (running === undefined) begin(m.id, m.config, m.stop);
      // a training told to stop (the page gave up on it) is ending: the new one waits for it
      else if (running.stop && queued === undefined) queued = { id: m.id, config: m.config, stop: m.stop };
      else post({ tradegym: 'error', id: m.id, name: 'TradegymError', message: `the worker is already training (request ${running.id}); one training runs at a time` });
    }
  };
  const unlisten = () => {
    port.removeEventListener('message', listener);
    serving.delete(port);
  };
  port.addEventListener('message', listener);
  port.start?.();
  // stop serving: no new training starts; one under way still hears its stop and posts its result
  return () => {
    closed = true;
    if (running === undefined) unlisten();
  };
}

/**
 * The page's side of training in a Web Worker whose script calls {@link serveTraining}: sends
 * the config, reports progress, and resolves with the trained agent as a checkpoint. The page
 * stays responsive while the worker trains.
 *
 * @typeParam Config - the config the worker's `setup` takes.
 * @example
 * ```ts browser
 * import { make } from 'tradegym';
 * import { PPO, WorkerTrainer } from 'tradegym/agents';
 *
 * const trainer = new WorkerTrainer<{ seed: number; steps: number }>(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
 * const result = await trainer.train({ seed: 0, steps: 50_000 }, {
 *   onProgress: (p) => console.log(p.timesteps, p.record['rollout/ep_rew_mean']),
 * });
 * const agent = await PPO.load(result.checkpoint, make('CartPole-v1'));
 * ```
 */
export class WorkerTrainer<Config = unknown> {
  readonly #port: MessageEndpoint;
  #current: { id: number; resolve: (r: WorkerTrainingResult) => void; reject: (e: unknown) => void; onProgress?: (p: WorkerProgress) => void; cleanup: () => void } | undefined;
  #disposed = false;
  /** Why the worker cannot train: an error event while idle (its script failed to load, say). */
  #broken: string | undefined;

  readonly #onMessage: Listener = (event) => {
    const m = protocolMessage(event.data);
    const c = this.#current;
    if (m === undefined || c === undefined || m.id !== c.id) return;
    if (m.tradegym === 'progress') {
      try {
        c.onProgress?.(m.progress);
      } catch (e) {
        // the page's own callback failed: stop the worker and hand the error to train's caller
        this.stop();
        this.#finish();
        c.reject(e);
      }
    } else if (m.tradegym === 'done') {
      this.#finish();
      const algorithm = (m.artifacts.modelTopology as { algorithm?: unknown } | undefined)?.algorithm;
      const artifacts = m.artifacts;
      c.resolve({
        algorithm: typeof algorithm === 'string' ? algorithm : 'unknown',
        numTimesteps: m.numTimesteps,
        stopped: m.stopped,
        elapsedMs: m.elapsedMs,
        artifacts,
        checkpoint: { load: async () => artifacts },
      });
    } else if (m.tradegym === 'error') {
      this.#finish();
      c.reject(new TradegymError(`training in the worker failed: ${m.name}: ${m.message}`));
    }
  };

  readonly #onError: Listener = (event) => {
    const why = `the worker failed: ${event.message ?? 'an error event (its script did not load, or threw outside a training)'}`;
    const c = this.#current;
    if (c === undefined) {
      this.#broken = why; // the next train hears of it instead of waiting forever
      return;
    }
    this.#finish();
    c.reject(new TradegymError(why));
  };

  /**
   * @param endpoint - the `Worker` whose script calls {@link serveTraining} (or a `MessagePort` to it).
   * @throws `InvalidArgumentError` (from `tradegym`) if `endpoint` cannot post and receive messages.
   */
  constructor(endpoint: MessageEndpoint) {
    this.#port = requireEndpoint('endpoint', endpoint);
    this.#port.addEventListener('message', this.#onMessage);
    this.#port.addEventListener('error', this.#onError);
    this.#port.start?.();
  }

  /** Whether a training is under way. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /**
   * Trains in the worker: `setup(config)` there builds the agent.
   * @param config - the worker's config (plain, structured-cloneable data).
   * @param options - `onProgress`, and an abort `signal` (see {@link WorkerTrainOptions}).
   * @returns the trained agent as a checkpoint, once the worker has saved it.
   * @throws `TradegymError` (from `tradegym`), as a rejection, if the worker's setup or training
   *   threw (its error's name and message are kept), the worker's script failed (before or
   *   during the training), a training is already under way, or after `dispose()` or
   *   `terminate()`; `InvalidArgumentError` for an unknown or bad option; what `onProgress`
   *   throws (the training is stopped).
   */
  train(config: Config, options: WorkerTrainOptions = {}): Promise<WorkerTrainingResult> {
    return new Promise((resolve, reject) => {
      if (this.#disposed) throw new TradegymError('this WorkerTrainer was disposed of');
      if (this.#broken !== undefined) throw new TradegymError(this.#broken);
      if (this.#current !== undefined) throw new TradegymError(`a training is already under way in this worker (request ${this.#current.id}); wait for it or stop() it`);
      const o = requireKnownKeys('options', options, ['onProgress', 'signal']);
      if (o.onProgress !== undefined && typeof o.onProgress !== 'function') fail('options.onProgress', 'a function', o.onProgress);
      const signal = o.signal as AbortSignal | undefined;
      if (signal !== undefined && (!isObject(signal) || typeof signal.addEventListener !== 'function' || typeof signal.removeEventListener !== 'function' || typeof signal.aborted !== 'boolean')) {
        fail('options.signal', 'an AbortSignal', signal);
      }
      const id = ++lastRequestId;
      const abort = () => this.stop();
      signal?.addEventListener('abort', abort);
      this.#current = { id, resolve, reject, ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress as (p: WorkerProgress) => void }), cleanup: () => signal?.removeEventListener('abort', abort) };
      try {
        // an already aborted signal: stop after the first update
        this.#port.postMessage({ tradegym: 'train', id, config, stop: signal?.aborted === true } satisfies Message, []);
      } catch (e) {
        this.#finish();
        throw new InvalidArgumentError(`config could not be sent to the worker (it must be plain data: no functions, no class instances), got ${show(config)}: ${(e as Error).message}`);
      }
    });
  }

  /** Asks the worker to stop after the current update; `train` then resolves with the agent so far (`stopped: true`). Does nothing when idle. */
  stop(): void {
    const c = this.#current;
    if (c !== undefined) this.#port.postMessage({ tradegym: 'stop', id: c.id } satisfies Message, []);
  }

  /**
   * Stops listening to the worker; a training under way is asked to stop and its `train`
   * rejects. The worker finishes that update first, and a new trainer's request waits for it;
   * to end the worker at once, use {@link WorkerTrainer.terminate}.
   */
  dispose(): void {
    if (this.#disposed) return;
    const c = this.#current;
    if (c !== undefined) {
      this.stop();
      this.#finish();
      c.reject(new TradegymError('this WorkerTrainer was disposed of during training'));
    }
    this.#disposed = true;
    this.#port.removeEventListener('message', this.#onMessage);
    this.#port.removeEventListener('error', this.#onError);
  }

  /**
   * Ends the worker at once (`worker.terminate()`), and this trainer: a training under way
   * rejects. A worker terminated any other way cannot be noticed by the page (a `Worker` sends
   * no event), so end it through here.
   */
  terminate(): void {
    const c = this.#current;
    this.#finish();
    c?.reject(new TradegymError('the worker was terminated during training'));
    this.dispose();
    this.#port.terminate?.();
  }

  #finish(): void {
    this.#current?.cleanup();
    this.#current = undefined;
  }
}

// Trials on several machines: a BullMQ queue on Redis between the study (the coordinator) and
// any number of worker processes, each running `runTrialJob`.
//
// How it keeps the executor contract (see executors.ts):
//   - trial n of study S is the BullMQ job with id `${S}#${n}`, added once: a job of that id
//     already in Redis (a restarted coordinator asking again) is not added twice, its stored
//     outcome is taken as it is, and one still queued or running is waited for;
//   - a worker that dies mid-trial stops renewing its job's lock; after `lockDuration` a live
//     worker's stalled check (every `stalledInterval`) puts the job back in the queue and
//     another worker runs the trial from its start (same job, same outcome);
//   - the coordinator reads each job's result once and hands it to the study, which counts a
//     trial once, and writes the trial (params and outcome) to the hash `tradegym:study:${S}`.
// bullmq and ioredis are optional peers, imported when a connection opens (never by the
// package's entries), so the tune bundle builds for the browser without them. The Redis client
// is made here, not by BullMQ, to bound its retries: ioredis reconnects forever by default.
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';
import { fail, requireInt, requireKnownKeys, requireRecord, show } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import { runTrialJob, type Executor, type ModuleObjective, type TrialJob, type TrialOutcome } from './executors.js';
import type { Direction } from './samplers.js';
import type { StoredTrial } from './study.js';

/**
 * Redis did not answer in time, refused the connection, or was lost for longer than
 * `reconnectFor`; the message names the URL (its password hidden).
 * @example
 * ```ts
 * import { RedisUnavailableError } from 'tradegym/tune';
 * const e = new RedisUnavailableError('Redis at redis://127.0.0.1:1 is unreachable');
 * console.log(e.name); // 'RedisUnavailableError'
 * ```
 */
export class RedisUnavailableError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'RedisUnavailableError';
}

/** The queue both sides use unless told otherwise. */
const DEFAULT_QUEUE = 'tradegym-trials';
/** The hash of a study's recorded trials. */
const trialsKey = (studyName: string): string => `tradegym:study:${studyName}`;
/** A trial's job id: BullMQ refuses ids with one ':' (and integers), hence '#'. */
const jobId = (studyName: string, number: number): string => `${studyName}#${number}`;

/** What a trial's BullMQ job holds. */
interface JobData {
  readonly studyName: string;
  readonly job: TrialJob;
}

/** Connection options both sides share. */
export interface RedisConnectionOptions {
  /** The server, as `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
  readonly connection: string;
  /** The BullMQ queue's name (default `'tradegym-trials'`): coordinators and workers of one cluster use the same. */
  readonly queue?: string;
  /** Milliseconds the first connection may take before {@link RedisUnavailableError} (default 5000). */
  readonly connectTimeout?: number;
  /** Milliseconds a lost connection is retried before {@link RedisUnavailableError} (default 60000). */
  readonly reconnectFor?: number;
}

/** Options of {@link redisExecutor}. */
export interface RedisExecutorOptions extends RedisConnectionOptions {
  /**
   * The study's name in Redis: letters, digits, `_`, `.`, `-`. Trial n is the job
   * `${studyName}#${n}`: a coordinator restarted with the same name takes the trials already
   * run from Redis and waits for those still queued. One name, one study (same space, sampler,
   * seed and parallelism): trials asked with other parameters are refused.
   */
  readonly studyName: string;
  /** Milliseconds between checks of the running trials' jobs (default 200). */
  readonly pollInterval?: number;
}

/** Options of {@link runRedisWorker}. */
export interface RedisWorkerOptions extends RedisConnectionOptions {
  /** Trials this process runs at once (default 1; more only helps objectives that wait on I/O or on child processes). */
  readonly concurrency?: number;
  /** When it aborts, the worker takes no more trials and closes once its running ones have ended. */
  readonly signal?: AbortSignal;
  /**
   * Objectives by module name, used instead of importing `objective.module` (e.g. a worker
   * bundled into one file); a module not listed is imported.
   */
  readonly objectives?: Readonly<Record<string, ModuleObjective>>;
  /**
   * Milliseconds a running trial's lock lasts (renewed every half of it while the process
   * lives; default 30000): a worker killed mid-trial has its trial run again by another one
   * between `lockDuration` and `lockDuration + stalledInterval` later.
   */
  readonly lockDuration?: number;
  /** Milliseconds between this worker's checks for trials whose worker died (default 30000). */
  readonly stalledInterval?: number;
  /** Times a trial is run again after its worker died before it is recorded as failed (default 1). */
  readonly maxStalledCount?: number;
}

/** A running worker of {@link runRedisWorker}. */
export interface RedisWorker {
  /**
   * Settles when the worker has closed: resolves after `close()` or the signal, rejects with
   * {@link RedisUnavailableError} when Redis was lost for longer than `reconnectFor`.
   */
  readonly done: Promise<void>;
  /** Trials this worker has finished. */
  readonly trialsRun: number;
  /** Takes no more trials, waits for the running ones, and closes the connection. */
  close(): Promise<void>;
}

const CONNECTION_KEYS = ['connection', 'queue', 'connectTimeout', 'reconnectFor'] as const;

/** A Redis URL, checked (not connected to). */
function checkUrl(name: string, value: unknown): string {
  const rule = 'a Redis URL (redis://host:port or rediss://host:port)';
  if (typeof value !== 'string') fail(name, rule, value);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    fail(name, rule, value);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') fail(name, rule, value);
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) fail(`${name}'s path`, 'a database number (e.g. /0) or nothing', url.pathname);
  return value;
}

/** The URL as messages show it: the password replaced by `***`. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.href.replace(/\/$/, '');
}

/** A name BullMQ takes in keys and job ids: no ':' (nor '#', our separator), not empty. */
function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.-]{1,100}$/.test(value)) fail(name, "1 to 100 letters, digits, '_', '.' or '-'", value);
  return value;
}

interface ConnectionSettings {
  readonly url: string;
  readonly queue: string;
  readonly connectTimeout: number;
  readonly reconnectFor: number;
}

function checkConnection(name: string, o: Record<string, unknown>): ConnectionSettings {
  return {
    url: checkUrl(`${name}.connection`, o.connection),
    queue: o.queue === undefined ? DEFAULT_QUEUE : checkName(`${name}.queue`, o.queue),
    connectTimeout: o.connectTimeout === undefined ? 5000 : requireInt(`${name}.connectTimeout`, o.connectTimeout, 1),
    reconnectFor: o.reconnectFor === undefined ? 60_000 : requireInt(`${name}.reconnectFor`, o.reconnectFor, 0),
  };
}

type BullMQModule = typeof BullMQ;
type RedisClient = IORedis.Redis;
type RedisConstructor = new (url: string, options: IORedis.RedisOptions) => RedisClient;

// Non-literal specifiers: bundlers (tsup for dist/, a user's for the browser) leave them alone.
const BULLMQ: string = 'bullmq';
const IOREDIS: string = 'ioredis';

/** bullmq and ioredis, the optional peers. */
async function loadPeers(what: string): Promise<{ bullmq: BullMQModule; Redis: RedisConstructor }> {
  try {
    const [bullmq, ioredis] = await Promise.all([import(/* @vite-ignore */ /* webpackIgnore: true */ BULLMQ), import(/* @vite-ignore */ /* webpackIgnore: true */ IOREDIS)]);
    const m = ioredis as { Redis?: RedisConstructor; default?: RedisConstructor & { Redis?: RedisConstructor } };
    const Redis = m.Redis ?? m.default?.Redis ?? m.default;
    if (typeof Redis !== 'function') throw new Error('ioredis exports no Redis class');
    return { bullmq: bullmq as BullMQModule, Redis };
  } catch (e) {
    throw new TradegymError(`${what} needs the optional peer dependencies bullmq and ioredis: npm install bullmq ioredis (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A connected client, and a promise that rejects when the connection is lost for good. */
interface Connection {
  readonly client: RedisClient;
  /** Rejects with RedisUnavailableError once ioredis gives up reconnecting (never after `close`). */
  readonly lost: Promise<never>;
  close(): Promise<void>;
}

/**
 * Connects to `url`, failing with RedisUnavailableError within `connectTimeout` ms; afterwards
 * a lost connection is retried for `reconnectFor` ms, then `lost` rejects.
 */
async function connect(Redis: RedisConstructor, s: ConnectionSettings): Promise<Connection> {
  const shown = redact(s.url);
  let ready = false;
  let downSince: number | undefined;
  let closing = false;
  let lastError: Error | undefined;
  const client = new Redis(s.url, {
    lazyConnect: true,
    connectTimeout: s.connectTimeout,
    // BullMQ's blocking connection needs commands to wait through a reconnection
    maxRetriesPerRequest: null,
    // no retry before the first connection (the caller reports at once); afterwards, backing
    // off up to 2 s, for reconnectFor ms in all, then ioredis ends the client
    retryStrategy: (times: number) => {
      if (!ready || closing) return null;
      downSince ??= Date.now();
      if (Date.now() - downSince > s.reconnectFor) return null;
      return Math.min(100 * 2 ** Math.min(times, 5), 2000);
    },
  });
  client.on('error', (e: Error) => {
    lastError = e;
  });
  client.on('ready', () => {
    ready = true;
    downSince = undefined;
  });
  const why = () => (lastError === undefined ? '' : ` (${lastError.message})`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), s.connectTimeout);
      }),
    ]);
  } catch (e) {
    closing = true;
    client.disconnect();
    const cause = (e as Error).message === 'timeout' ? `did not answer within ${s.connectTimeout} ms` : 'refused the connection or could not be reached';
    throw new RedisUnavailableError(`Redis at ${shown} ${cause}${why()}: is redis-server running there, and reachable from this machine?`);
  } finally {
    clearTimeout(timer);
  }
  const lost = new Promise<never>((_, reject) => {
    client.on('end', () => {
      if (!closing) reject(new RedisUnavailableError(`Redis at ${shown} was lost and did not come back within ${s.reconnectFor} ms${why()}`));
    });
  });
  lost.catch(() => undefined); // handled by whoever races it; no unhandled rejection otherwise
  return {
    client,
    lost,
    async close() {
      closing = true;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** An outcome as the study takes it: only its own keys, checked loosely (the study checks the rest). */
function outcomeOf(number: number, value: unknown): TrialOutcome {
  const o = value as Partial<TrialOutcome> | null;
  if (typeof o !== 'object' || o === null || o.number !== number || (o.state !== 'complete' && o.state !== 'pruned' && o.state !== 'failed')) {
    return { number, state: 'failed', intermediate: {}, error: { name: 'TradegymError', message: `the worker's result for trial ${number} is not an outcome: ${show(value)}` } };
  }
  return {
    number,
    state: o.state,
    ...(o.value === undefined ? {} : { value: o.value }),
    intermediate: o.intermediate ?? {},
    ...(o.error === undefined ? {} : { error: { name: String(o.error.name), message: String(o.error.message) } }),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a study's trials on workers on other machines, through a BullMQ queue on Redis: give it
 * to `study.optimize` with an {@link ObjectiveRef} every worker can import, and start
 * {@link runRedisWorker} (the `tradegym worker --redis URL` command) wherever trials should
 * run. Each trial is one job, `${studyName}#${number}`, added once; its outcome (a plain JSON
 * return value) is recorded once, and the trial written to the Redis hash
 * `tradegym:study:${studyName}` (see {@link loadRedisTrials}). The study's `parallelism` sets
 * how many trials run at once, and results do not depend on which worker finishes first: the
 * same seeds give the trials an in-process run gives.
 *
 * A coordinator restarted with the same `studyName` (and the same study: space, sampler,
 * seeds, parallelism) resumes: trials already run come back from Redis without running again,
 * and those still queued or running are waited for. Jobs stay in Redis (for that resume)
 * until {@link deleteRedisStudy}.
 *
 * Nothing connects until the first trial; Redis unreachable then fails `optimize` with
 * {@link RedisUnavailableError} within `connectTimeout`.
 * @param options - `connection` (a `redis://` URL), `studyName`; `queue`, `connectTimeout`,
 *   `reconnectFor`, `pollInterval`.
 * @returns the executor (`optimize` closes it at its end; it reconnects if used again).
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a URL that is not
 *   `redis://` or `rediss://`, a study name with other characters, or a bad number. When
 *   trials run: {@link RedisUnavailableError}; `TradegymError` if bullmq or ioredis is not
 *   installed, or if Redis holds trial n of this study name with other parameters.
 * @example
 * ```ts
 * import { redisExecutor, Study, SuccessiveHalvingPruner, TPESampler } from 'tradegym/tune';
 * const study = new Study({
 *   space: { lr: { type: 'loguniform', low: 1e-5, high: 1e-2 } },
 *   sampler: new TPESampler({ seed: 1 }),
 *   pruner: new SuccessiveHalvingPruner(),
 *   parallelism: 4,
 * });
 * const executor = redisExecutor({ connection: 'redis://127.0.0.1:6379', studyName: 'ppo-lr' });
 * // objective.js, on every worker: export const objective = async (trial, data) => { ... };
 * // on each worker machine: tradegym worker --redis redis://<this host>:6379
 * const run = () => study.optimize({ module: '/abs/path/objective.js' }, { nTrials: 100, executor });
 * console.log(executor.name, typeof run); // 'redis' 'function'
 * ```
 */
export function redisExecutor(options: RedisExecutorOptions): Executor {
  const o = requireKnownKeys('options', options, [...CONNECTION_KEYS, 'studyName', 'pollInterval']);
  const settings = checkConnection('options', o);
  const studyName = checkName('options.studyName', o.studyName);
  const pollInterval = o.pollInterval === undefined ? 200 : requireInt('options.pollInterval', o.pollInterval, 1);
  type Open = { readonly conn: Connection; readonly queue: BullMQ.Queue; readonly Job: BullMQModule['Job'] };
  let opening: Promise<Open> | undefined;
  const open = (): Promise<Open> =>
    (opening ??= (async () => {
      const { bullmq, Redis } = await loadPeers('redisExecutor');
      const conn = await connect(Redis, settings);
      const queue = new bullmq.Queue(settings.queue, { connection: conn.client });
      queue.on('error', () => undefined); // the connection's own 'end' reports a lost Redis
      return { conn, queue, Job: bullmq.Job };
    })());

  /** The trial's job: the one already in Redis (checked to be this trial), or a new one. */
  const enqueue = async ({ queue, Job }: Open, job: TrialJob): Promise<void> => {
    const id = jobId(studyName, job.number);
    const existing = (await Job.fromId(queue, id)) as BullMQ.Job<JobData> | undefined;
    if (existing === undefined) {
      await queue.add('trial', { studyName, job } satisfies JobData, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
      return;
    }
    const was = (existing.data as Partial<JobData> | undefined)?.job;
    if (JSON.stringify(was?.params) !== JSON.stringify(job.params) || was?.direction !== job.direction) {
      throw new TradegymError(
        `Redis already holds trial ${job.number} of study ${show(studyName)} with other parameters (${show(was?.params)}, not ${show(job.params)}): ` +
          'a study name is one study (same space, sampler, seed and parallelism); choose another studyName, or deleteRedisStudy() the old one',
      );
    }
  };

  /** Waits for the trial's job to finish (polling its state, not its data), and takes its result. */
  const outcome = async ({ queue, Job }: Open, job: TrialJob): Promise<TrialOutcome> => {
    const id = jobId(studyName, job.number);
    for (;;) {
      const state = await queue.getJobState(id);
      const j = state === 'completed' || state === 'failed' || state === 'unknown' ? ((await Job.fromId(queue, id)) as BullMQ.Job<JobData, unknown> | undefined) : undefined;
      if (state === 'unknown' && j === undefined) throw new TradegymError(`the job of trial ${job.number} (${id}) was removed from Redis while the study waited for it`);
      // an ended job keeps its parameters (for a resume's check) but not its history: n jobs
      // of O(n) history each would hold O(n²) in Redis
      if (j !== undefined && (state === 'completed' || state === 'failed') && (j.data?.job?.history?.length ?? 0) > 0) await j.updateData({ studyName, job: { ...j.data.job, history: [] } });
      if (state === 'failed') {
        // the worker could not run it (e.g. its workers died more than maxStalledCount times)
        return { number: job.number, state: 'failed', intermediate: {}, error: { name: 'WorkerError', message: `trial ${job.number} failed on its worker: ${j?.failedReason ?? 'no reason given'}` } };
      }
      if (state === 'completed') return outcomeOf(job.number, j?.returnvalue);
      await sleep(pollInterval);
    }
  };

  const record = async ({ conn }: Open, job: TrialJob, out: TrialOutcome): Promise<void> => {
    const trial: StoredTrial = { number: job.number, params: job.params, state: out.state, ...(out.value === undefined ? {} : { value: out.value }), intermediate: out.intermediate };
    await conn.client.hset(trialsKey(studyName), 'direction', job.direction, String(job.number), JSON.stringify(trial));
  };

  return {
    name: 'redis',
    size: Infinity,
    outOfThread: true,
    async ready() {
      await open();
    },
    async run(job) {
      const open_ = await open();
      const work = (async () => {
        await enqueue(open_, job);
        const out = await outcome(open_, job);
        await record(open_, job, out);
        return out;
      })();
      return Promise.race([work, open_.conn.lost]);
    },
    async close() {
      const was = opening;
      opening = undefined;
      const o_ = await was?.catch(() => undefined);
      if (o_ === undefined) return;
      await o_.queue.close().catch(() => undefined);
      await o_.conn.close();
    },
  };
}

/**
 * A worker of a Redis cluster (`tradegym worker --redis URL` runs one): it takes trials from
 * the queue of {@link redisExecutor}, runs each with `runTrialJob` (importing its objective
 * module here, or taking it from `objectives`), and returns the outcome as the job's result.
 * Start as many as you like, on any machine that reaches Redis and has the objective module at
 * the path the study names. A worker killed mid-trial (a lost machine, SIGKILL) has its trial
 * run again from its start by another worker, once its lock has expired (`lockDuration`) and a
 * live worker's stalled check (`stalledInterval`) has seen it; the trial is recorded once.
 * @param options - `connection` (a `redis://` URL); `queue`, `concurrency` (default 1),
 *   `signal`, `objectives`, `lockDuration`, `stalledInterval`, `maxStalledCount`,
 *   `connectTimeout`, `reconnectFor`.
 * @returns once connected, the running worker (`done`, `trialsRun`, `close()`).
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a URL that is not
 *   `redis://` or `rediss://`, or a bad number; {@link RedisUnavailableError} when Redis does
 *   not answer within `connectTimeout`; `TradegymError` if bullmq or ioredis is not installed.
 * @example
 * ```ts
 * import { RedisUnavailableError, runRedisWorker } from 'tradegym/tune';
 * const controller = new AbortController(); // abort it (on SIGINT, say) to finish the running trials and stop
 * try {
 *   // port 1: nothing listens there, so this example fails fast
 *   const worker = await runRedisWorker({ connection: 'redis://127.0.0.1:1', signal: controller.signal, connectTimeout: 2000 });
 *   await worker.done;
 * } catch (e) {
 *   console.log(e instanceof RedisUnavailableError); // true
 * }
 * ```
 */
export async function runRedisWorker(options: RedisWorkerOptions): Promise<RedisWorker> {
  const o = requireKnownKeys('options', options, [...CONNECTION_KEYS, 'concurrency', 'signal', 'objectives', 'lockDuration', 'stalledInterval', 'maxStalledCount']);
  const settings = checkConnection('options', o);
  const concurrency = o.concurrency === undefined ? 1 : requireInt('options.concurrency', o.concurrency, 1);
  const lockDuration = o.lockDuration === undefined ? 30_000 : requireInt('options.lockDuration', o.lockDuration, 100);
  const stalledInterval = o.stalledInterval === undefined ? 30_000 : requireInt('options.stalledInterval', o.stalledInterval, 100);
  const maxStalledCount = o.maxStalledCount === undefined ? 1 : requireInt('options.maxStalledCount', o.maxStalledCount, 0);
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) fail('options.signal', 'an AbortSignal', signal);
  const objectives = o.objectives === undefined ? {} : requireRecord('options.objectives', o.objectives);
  for (const [k, fn] of Object.entries(objectives)) if (typeof fn !== 'function') fail(`options.objectives[${show(k)}]`, 'an objective function', fn);

  const { bullmq, Redis } = await loadPeers('runRedisWorker');
  const conn = await connect(Redis, settings);
  let trialsRun = 0;
  const worker = new bullmq.Worker<JobData, TrialOutcome>(
    settings.queue,
    async (bjob) => {
      const { job } = bjob.data;
      const own = Object.hasOwn(objectives, job.objective.module) ? (objectives[job.objective.module] as ModuleObjective) : undefined;
      const out = await runTrialJob(job, own === undefined ? {} : { load: async () => own });
      trialsRun++;
      return out;
    },
    { connection: conn.client, concurrency, lockDuration, stalledInterval, maxStalledCount, autorun: false },
  );
  worker.on('error', () => undefined); // a lost connection is reported by `done`
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await worker.close().catch(() => undefined);
      await conn.close();
    })());
  const running = worker.run();
  const done = Promise.race([running.then(() => close()), conn.lost]).catch(async (e: unknown) => {
    await worker.close(true).catch(() => undefined);
    await conn.close();
    throw e;
  });
  done.catch(() => undefined); // a caller who never awaits `done` gets no unhandled rejection
  if (signal !== undefined) {
    if (signal.aborted) void close();
    else signal.addEventListener('abort', () => void close(), { once: true });
  }
  return {
    done,
    get trialsRun() {
      return trialsRun;
    },
    close: async () => {
      await close();
      await done.catch(() => undefined);
    },
  };
}

/** A study's ended trials as Redis holds them: what `Study.fromJSON` takes with the space. */
export interface RedisTrials {
  /** The objective's direction. */
  direction: Direction;
  /** The leading run of ended trials, in order. */
  trials: StoredTrial[];
}

/**
 * The trials of a study run through {@link redisExecutor}, as Redis keeps them: its direction
 * and trials 0..k-1, the longest run of consecutive recorded trials (one still running ends
 * it). With the space and the parallelism (which the trials do not carry), `Study.fromJSON`
 * makes the study again, on any machine, to look at or to go on with.
 * @param options - `connection`, `studyName`; `connectTimeout`.
 * @returns the direction and trials, or undefined if Redis holds no trial of that study.
 * @throws `InvalidArgumentError` (from `tradegym`) for bad options; {@link RedisUnavailableError}.
 * @example
 * ```ts
 * import { loadRedisTrials, RedisUnavailableError, Study } from 'tradegym/tune';
 * try {
 *   const saved = await loadRedisTrials({ connection: 'redis://127.0.0.1:1', studyName: 'ppo-lr', connectTimeout: 2000 });
 *   if (saved !== undefined) {
 *     const study = Study.fromJSON({ space: { lr: { type: 'loguniform', low: 1e-5, high: 1e-2 } }, parallelism: 4, ...saved });
 *     console.log(study.bestTrial?.params);
 *   }
 * } catch (e) {
 *   console.log(e instanceof RedisUnavailableError); // true: nothing listens on port 1
 * }
 * ```
 */
export async function loadRedisTrials(options: Pick<RedisExecutorOptions, 'connection' | 'studyName' | 'connectTimeout'>): Promise<RedisTrials | undefined> {
  const o = requireKnownKeys('options', options, ['connection', 'studyName', 'connectTimeout']);
  const settings = checkConnection('options', o);
  const studyName = checkName('options.studyName', o.studyName);
  const { Redis } = await loadPeers('loadRedisTrials');
  const conn = await connect(Redis, settings);
  try {
    const hash = await Promise.race([conn.client.hgetall(trialsKey(studyName)), conn.lost]);
    const direction = hash.direction;
    if (direction !== 'minimize' && direction !== 'maximize') return undefined;
    const trials: StoredTrial[] = [];
    for (let n = 0; hash[String(n)] !== undefined; n++) trials.push(JSON.parse(hash[String(n)] as string) as StoredTrial);
    return { direction, trials };
  } finally {
    await conn.close();
  }
}

/**
 * Deletes a study from Redis: its recorded trials and its jobs that are not running (a running
 * one is left to finish). A coordinator started with that name afterwards starts afresh.
 * @param options - `connection`, `studyName`; `queue`, `connectTimeout`.
 * @returns how many jobs were deleted.
 * @throws `InvalidArgumentError` (from `tradegym`) for bad options; {@link RedisUnavailableError}.
 * @example
 * ```ts
 * import { deleteRedisStudy, RedisUnavailableError } from 'tradegym/tune';
 * try {
 *   console.log(await deleteRedisStudy({ connection: 'redis://127.0.0.1:1', studyName: 'ppo-lr', connectTimeout: 2000 }));
 * } catch (e) {
 *   console.log(e instanceof RedisUnavailableError); // true: nothing listens on port 1
 * }
 * ```
 */
export async function deleteRedisStudy(options: Pick<RedisExecutorOptions, 'connection' | 'studyName' | 'queue' | 'connectTimeout'>): Promise<number> {
  const o = requireKnownKeys('options', options, ['connection', 'studyName', 'queue', 'connectTimeout']);
  const settings = checkConnection('options', o);
  const studyName = checkName('options.studyName', o.studyName);
  const { bullmq, Redis } = await loadPeers('deleteRedisStudy');
  const conn = await connect(Redis, settings);
  const queue = new bullmq.Queue(settings.queue, { connection: conn.client });
  queue.on('error', () => undefined);
  try {
    const hash = await conn.client.hgetall(trialsKey(studyName));
    let deleted = 0;
    // the recorded trials, then any job numbered past them (queued or ended, not recorded)
    for (let n = 0; ; n++) {
      const job = await bullmq.Job.fromId(queue, jobId(studyName, n));
      if (job === undefined) {
        if (hash[String(n)] === undefined) break;
        continue;
      }
      if ((await job.getState()) === 'active') continue;
      await job.remove();
      deleted++;
    }
    await conn.client.del(trialsKey(studyName));
    return deleted;
  } finally {
    await queue.close().catch(() => undefined);
    await conn.close();
  }
}

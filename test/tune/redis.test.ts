// tradegym/tune on Redis: a study run by worker processes through BullMQ, one of them killed
// mid-trial, gives the trials an in-process run gives, each recorded once; a restarted
// coordinator resumes from Redis; bad options and an unreachable Redis fail typed and fast.
// Without redis-server on the PATH the cluster test checks the unreachable-Redis behaviour
// instead and says so, unless TRADEGYM_REQUIRE_REDIS is set (CI), where that is a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { inProcess, Study, SuccessiveHalvingPruner, TPESampler, type Executor, type SearchSpace, type TrialContext, type TrialJob, type TrialOutcome } from '../../src/tune/index.js';
import { deleteRedisStudy, loadRedisTrials, RedisUnavailableError, redisExecutor, runRedisWorker } from '../../src/tune/redis.js';
import { findRedisServer, freePort, startRedisServer, type RedisServer } from '../helpers/redisServer.js';
import type { ObjectiveData } from './fixtures/redis-objective.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const objectiveModule = join(fixtures, 'redis-objective.ts');
const space: SearchSpace = { x: { type: 'uniform', low: -4, high: 4 }, layers: { type: 'int', low: 1, high: 4 } };
const N_TRIALS = 10;
const newStudy = () => new Study({ space, sampler: new TPESampler({ seed: 7, nStartupTrials: 4 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }), parallelism: 2 });
const ref = (data: ObjectiveData) => ({ module: objectiveModule, data });

const redisBin = findRedisServer();
const required = process.env.TRADEGYM_REQUIRE_REDIS !== undefined && process.env.TRADEGYM_REQUIRE_REDIS !== '';
if (redisBin === undefined && !required) {
  console.log('redis-server was not found on the PATH: "runs a study on 2 worker processes" checked the unreachable-Redis behaviour instead of a cluster (install redis-server to run it)');
}

/** An executor that counts the outcomes it hands to the study, per trial. */
function counting(executor: Executor, counts: Map<number, number>): Executor {
  return {
    name: executor.name,
    size: executor.size,
    outOfThread: executor.outOfThread,
    run: async (job) => {
      const out: TrialOutcome = await executor.run(job);
      counts.set(out.number, (counts.get(out.number) ?? 0) + 1);
      return out;
    },
    close: () => executor.close(),
  };
}

/** Expects `work` to reject with RedisUnavailableError naming `url`, within `ms`. */
async function expectUnavailable(work: () => Promise<unknown>, url: string, ms: number): Promise<string> {
  const t0 = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RedisUnavailableError);
  expect((error as Error).message).toContain(url);
  expect(Date.now() - t0).toBeLessThan(ms);
  return (error as Error).message;
}

const children = new Set<ChildProcess>();
let server: RedisServer | undefined;
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.stop();
});

/** A worker process (test/tune/fixtures/redis-worker.ts), resolved once it is connected. */
async function startWorker(url: string, onLine: (line: string) => void): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'redis-worker.ts'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(p);
  p.once('exit', () => children.delete(p));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    p.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        onLine(line);
      }
    });
    p.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  return p;
}

describe('redisExecutor and runRedisWorker', () => {
  it('runs a study on 2 worker processes, one SIGKILLed mid-trial: each trial recorded once, the same trials as in-process', async () => {
    const reference = newStudy();
    await reference.optimize(ref({ sleepMs: [0, 0] }), { nTrials: N_TRIALS, executor: inProcess() });

    if (redisBin === undefined) {
      if (required) throw new Error('TRADEGYM_REQUIRE_REDIS is set but redis-server is not on the PATH: install it (apt-get install redis-server)');
      const url = `redis://127.0.0.1:${await freePort()}`;
      const study = newStudy();
      await expectUnavailable(() => study.optimize(ref({ sleepMs: [0, 0] }), { nTrials: N_TRIALS, executor: redisExecutor({ connection: url, studyName: 'cluster', connectTimeout: 2000 }) }), url, 4000);
      await expectUnavailable(() => runRedisWorker({ connection: url, connectTimeout: 2000 }), url, 4000);
      return;
    }

    server = await startRedisServer();
    const { url } = server;
    const started: Record<string, number[]> = { a: [], b: [] };
    let victim: number | undefined;
    const [a] = await Promise.all([
      startWorker(url, (line) => {
        const m = /^start (\d+)$/.exec(line);
        if (m === null) return;
        started.a!.push(Number(m[1]));
        // kill worker a as it starts its second trial: mid-trial (each step sleeps first)
        if (started.a!.length === 2 && victim === undefined) {
          victim = Number(m[1]);
          a?.kill('SIGKILL');
        }
      }),
      startWorker(url, (line) => {
        const m = /^start (\d+)$/.exec(line);
        if (m !== null) started.b!.push(Number(m[1]));
      }),
    ]);

    const counts = new Map<number, number>();
    const study = newStudy();
    const t0 = Date.now();
    await study.optimize(ref({ sleepMs: [80, 160], announce: true }), { nTrials: N_TRIALS, executor: counting(redisExecutor({ connection: url, studyName: 'cluster', pollInterval: 50 }), counts) });
    const seconds = (Date.now() - t0) / 1000;

    expect(victim, `worker a started ${started.a!.join(', ')}`).toBeDefined();
    expect(started.b).toContain(victim); // b ran the killed trial again
    expect(a.signalCode).toBe('SIGKILL');
    expect([...counts.entries()].sort(([i], [j]) => i - j)).toEqual(Array.from({ length: N_TRIALS }, (_, i) => [i, 1]));
    expect(study.toJSON()).toEqual(reference.toJSON());
    expect(study.trials.some((t) => t.state === 'pruned')).toBe(true); // ASHA pruned some: their reports crossed Redis too
    expect(study.trials.some((t) => t.state === 'complete')).toBe(true);

    // Redis: every trial's job ran to completion once (the killed one started twice), and the trials as recorded
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue('tradegym-trials', { connection });
    try {
      for (let n = 0; n < N_TRIALS; n++) {
        const job = await Job.fromId(queue, `cluster#${n}`);
        expect(await job?.getState()).toBe('completed');
        expect(job?.attemptsStarted, `trial ${n}`).toBe(n === victim ? 2 : 1);
        expect((job?.data as { job: TrialJob }).job.history).toEqual([]); // trimmed once ended: Redis holds O(n), not O(n²)
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect(await loadRedisTrials({ connection: url, studyName: 'cluster' })).toEqual({ direction: 'minimize', trials: reference.toJSON().trials });
    console.log(`redis cluster: ${N_TRIALS} trials on 2 workers (one killed at trial ${victim}) in ${seconds.toFixed(1)} s`);

    // a restarted coordinator (a new process: a new study, the same name) runs nothing again
    for (const c of children) c.kill('SIGKILL');
    const resumed = newStudy();
    const t1 = Date.now();
    await resumed.optimize(ref({ sleepMs: [80, 160], announce: true }), { nTrials: N_TRIALS, executor: redisExecutor({ connection: url, studyName: 'cluster', pollInterval: 50 }) });
    expect(Date.now() - t1).toBeLessThan(3000);
    expect(resumed.toJSON()).toEqual(reference.toJSON());

    // the same name with another seed is another study: refused, naming the trial
    const other = new Study({ space, sampler: new TPESampler({ seed: 8 }), parallelism: 2 });
    await expect(other.optimize(ref({ sleepMs: [0, 0] }), { nTrials: 2, executor: redisExecutor({ connection: url, studyName: 'cluster' }) })).rejects.toThrow(/^Redis already holds trial 0 of study "cluster" with other parameters/);
    expect(await deleteRedisStudy({ connection: url, studyName: 'cluster' })).toBe(N_TRIALS);
    expect(await loadRedisTrials({ connection: url, studyName: 'cluster' })).toBeUndefined();

    // a worker in this process, its objective given by name, closed by its signal once idle
    const controller = new AbortController();
    const objectives = {
      inline: ({ params }: TrialContext) => (params.x as number) ** 2,
      boom: () => {
        throw new RangeError('lr out of reach');
      },
    };
    const local = await runRedisWorker({ connection: url, signal: controller.signal, objectives });
    const small = new Study({ space, sampler: new TPESampler({ seed: 1 }), parallelism: 3 });
    await small.optimize({ module: 'inline' }, { nTrials: 3, executor: redisExecutor({ connection: url, studyName: 'inline', pollInterval: 20 }) });
    expect(small.trials.map((t) => t.value)).toEqual(small.trials.map((t) => (t.params.x as number) ** 2));
    // an objective's error crosses Redis with its name and message
    const failing = new Study({ space });
    const error = await failing.optimize({ module: 'boom' }, { nTrials: 2, executor: redisExecutor({ connection: url, studyName: 'boom', pollInterval: 20 }) }).catch((e: unknown) => e);
    expect([(error as Error).name, (error as Error).message, failing.trials.map((t) => t.state)]).toEqual(['RangeError', 'lr out of reach', ['failed']]);
    expect(local.trialsRun).toBe(4);
    controller.abort();
    await local.done;

    // Redis lost for longer than reconnectFor: the worker and the coordinator stop, typed, soon after
    const lonely = await runRedisWorker({ connection: url, reconnectFor: 300 });
    const waiting = newStudy().optimize(ref({ sleepMs: [0, 0] }), { nTrials: 1, executor: redisExecutor({ connection: url, studyName: 'lost', queue: 'unserved', reconnectFor: 300 }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 300)); // its trial queued where no worker looks
    await server.stop();
    const t2 = Date.now();
    await expect(lonely.done).rejects.toThrow(new RegExp(`^Redis at ${url} was lost and did not come back within 300 ms`));
    expect(await waiting).toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - t2).toBeLessThan(5000);
  }, 40_000);

  it('refuses bad options, naming them', async () => {
    const bad: [() => unknown, RegExp][] = [
      [() => redisExecutor({ connection: 'redis://h:1', studyName: 's', lockDuration: 5 } as never), /^options\.lockDuration is not a known option \(known: connection, queue, connectTimeout, reconnectFor, studyName, pollInterval\), got 5$/],
      [() => redisExecutor({ connection: 'http://h:1', studyName: 's' }), /^options\.connection must be a Redis URL \(redis:\/\/host:port or rediss:\/\/host:port\), got "http:\/\/h:1"$/],
      [() => redisExecutor({ connection: 'localhost:6379', studyName: 's' }), /^options\.connection must be a Redis URL/],
      [() => redisExecutor({ connection: 'redis://h:1/x', studyName: 's' }), /^options\.connection's path must be a database number \(e\.g\. \/0\) or nothing, got "\/x"$/],
      [() => redisExecutor({ connection: 'redis://h:1', studyName: 'a:b' }), /^options\.studyName must be 1 to 100 letters, digits, '_', '\.' or '-', got "a:b"$/],
      [() => redisExecutor({ connection: 'redis://h:1' } as never), /^options\.studyName must be/],
      [() => redisExecutor({ connection: 'redis://h:1', studyName: 's', connectTimeout: 0 }), /^options\.connectTimeout must be an integer >= 1, got 0$/],
    ];
    for (const [make, re] of bad) expect(make).toThrow(re);
    for (const [make] of bad) expect(make).toThrow(InvalidArgumentError);
    const badWorker: [object, RegExp][] = [
      [{ connection: 'redis://h:1', studyName: 's' }, /^options\.studyName is not a known option/],
      [{ connection: 'redis://h:1', concurrency: 0 }, /^options\.concurrency must be an integer >= 1, got 0$/],
      [{ connection: 'redis://h:1', lockDuration: 10 }, /^options\.lockDuration must be an integer >= 100, got 10$/],
      [{ connection: 'redis://h:1', objectives: { m: 3 } }, /^options\.objectives\["m"\] must be an objective function, got 3$/],
      [{ connection: 'redis://h:1', signal: 'stop' }, /^options\.signal must be an AbortSignal, got "stop"$/],
      [{ connection: 'ftp://h' }, /^options\.connection must be a Redis URL/],
    ];
    for (const [options, re] of badWorker) await expect(runRedisWorker(options as never)).rejects.toThrow(re);
    await expect(loadRedisTrials({ connection: 'redis://h:1', studyName: 's', queue: 'q' } as never)).rejects.toThrow(/^options\.queue is not a known option/);
  });

  it('fails with RedisUnavailableError naming the URL, in bounded time: a closed port, a server that never answers', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const study = newStudy();
    const msg = await expectUnavailable(() => study.optimize(ref({ sleepMs: [0, 0] }), { nTrials: 3, executor: redisExecutor({ connection: closed, studyName: 's' }) }), closed, 3000);
    expect(msg).toMatch(/refused the connection or could not be reached/);
    await expectUnavailable(() => runRedisWorker({ connection: closed }), closed, 3000);
    await expectUnavailable(() => loadRedisTrials({ connection: closed, studyName: 's' }), closed, 3000);
    await expectUnavailable(() => deleteRedisStudy({ connection: closed, studyName: 's' }), closed, 3000);

    // a TCP server that accepts and never answers: the connect timeout bounds the wait
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const mute = `redis://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const m = await expectUnavailable(() => runRedisWorker({ connection: mute, connectTimeout: 400 }), mute, 2000);
      expect(m).toMatch(/did not answer within 400 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    // a password in the URL is not shown
    await expect(loadRedisTrials({ connection: closed.replace('//', '//user:secret@'), studyName: 's' })).rejects.toThrow(/user:\*\*\*@127\.0\.0\.1/);
  });
});

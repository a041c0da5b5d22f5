// tradegym/tune's parallel trials: the window (trial n sees trials 0..n-parallelism), the
// executors (in-process, worker threads) giving the same trials bit for bit whatever order the
// trials end in, the job/outcome contract (runTrialJob, nextJob, record), and their errors.
// The thread pool runs here from the TypeScript sources: its threads register tsx themselves.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import {
  inProcess,
  MedianPruner,
  prunerFromSpec,
  runTrialJob,
  Study,
  SuccessiveHalvingPruner,
  threadPool,
  TPESampler,
  type Executor,
  type ObjectiveRef,
  type Pruner,
  type StudyOptions,
  type ThreadPool,
  type TrialContext,
} from '../../src/tune/index.js';
import { objective as fixtureObjective } from './fixtures/objective.js';

const MODULE = fileURLToPath(new URL('./fixtures/objective.ts', import.meta.url));
const SPACE = { x: { type: 'uniform', low: -3, high: 3 }, y: { type: 'uniform', low: -3, high: 3 } } as const;
/** A study with TPE past its 4 random trials by trial 4, so later trials depend on earlier ones. */
const study = (pruner: Pruner, extra: Partial<StudyOptions> = {}) => new Study({ space: SPACE, sampler: new TPESampler({ seed: 7, nStartupTrials: 4 }), pruner, ...extra });
const PRUNERS: [string, () => Pruner][] = [
  ['ASHA', () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 })],
  ['median', () => new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 1 })],
];

/** The pool, logging the order outcomes arrive in and the most threads alive at once. */
function logged(pool: ThreadPool): Executor & { readonly order: number[]; readonly peak: () => number } {
  const order: number[] = [];
  let peak = 0;
  return {
    name: pool.name,
    size: pool.size,
    outOfThread: true,
    order,
    peak: () => peak,
    async run(job) {
      const outcome = await pool.run(job);
      peak = Math.max(peak, pool.threads);
      order.push(outcome.number);
      return outcome;
    },
    close: () => pool.close(),
  };
}
const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) < x);

describe('the window: trial n sees trials 0..n-parallelism', () => {
  it('parallelism 1 is the sequential study: the same trials as a study without the option, by function or module', async () => {
    for (const [, pruner] of PRUNERS) {
      const before = study(pruner());
      await before.optimize((t) => fixtureObjective(t, { sleep: 0 }), { nTrials: 14 });
      const one = study(pruner(), { parallelism: 1 });
      await one.optimize((t) => fixtureObjective(t, { sleep: 1 }), { nTrials: 14 });
      const byModule = study(pruner(), { parallelism: 1 });
      await byModule.optimize({ module: MODULE, data: { sleep: 2 } }, { nTrials: 14 });
      expect(one.toJSON()).toEqual(before.toJSON());
      expect(byModule.toJSON()).toEqual(before.toJSON());
      const states = before.trials.map((t) => t.state);
      expect(states).toContain('pruned');
      expect(states).toContain('complete');
    }
  });

  it('nextJob gives trial n only once trials 0..n-parallelism have ended, with those as its history', () => {
    const s = study(new MedianPruner(), { parallelism: 3 });
    const ref: ObjectiveRef = { module: MODULE };
    const jobs = [s.nextJob(ref), s.nextJob(ref), s.nextJob(ref)];
    expect(jobs.map((j) => j?.number)).toEqual([0, 1, 2]);
    expect(jobs.map((j) => j?.history.length)).toEqual([0, 0, 0]);
    expect(s.nextJob(ref)).toBeUndefined(); // trial 3 waits for trial 0
    s.record({ number: 1, state: 'complete', value: 1, intermediate: {} });
    expect(s.nextJob(ref)).toBeUndefined(); // trial 1 ending does not free it: trial 0 is in its window
    s.record({ number: 0, state: 'pruned', intermediate: { 0: 5, 1: 'NaN' } });
    const job3 = s.nextJob(ref);
    expect(job3?.number).toBe(3);
    expect(job3?.history).toEqual([{ number: 0, params: jobs[0]?.params, state: 'pruned', intermediate: { 0: 5, 1: 'NaN' } }]);
    expect(job3?.pruner).toEqual({ type: 'median', options: { nStartupTrials: 5, nWarmupSteps: 0, intervalSteps: 1 } });
    expect(job3?.direction).toBe('minimize');
  });

  it('keeps parallelism through JSON; a record without it is parallelism 1', async () => {
    const s = study(new MedianPruner(), { parallelism: 2 });
    await s.optimize((t) => fixtureObjective(t, { sleep: 0 }), { nTrials: 6 });
    const record = JSON.parse(JSON.stringify(s.toJSON()));
    expect(record.parallelism).toBe(2);
    expect(Study.fromJSON(record).parallelism).toBe(2);
    delete record.parallelism;
    expect(Study.fromJSON(record).parallelism).toBe(1);
    expect(() => Study.fromJSON({ ...record, parallelism: 0 })).toThrow(/^record\.parallelism must be an integer >= 1, got 0$/);
  });
});

describe('executors give the same trials whatever order they end in', () => {
  for (const [name, pruner] of PRUNERS) {
    it(`parallelism 2, ${name}: in-process and a 2-thread pool, two sleep patterns, one toJSON()`, async () => {
      const records: unknown[] = [];
      const orders: number[][] = [];
      for (const sleep of [1, 2]) {
        const here = study(pruner(), { parallelism: 2 });
        const order: number[] = [];
        await here.optimize(
          async (t) => {
            try {
              return await fixtureObjective(t, { sleep });
            } finally {
              order.push(t.number);
            }
          },
          { nTrials: 16 },
        );
        records.push(here.toJSON());
        orders.push(order);
        const pool = threadPool({ size: 2 });
        const executor = logged(pool);
        const threaded = study(pruner(), { parallelism: 2 });
        await threaded.optimize({ module: MODULE, data: { sleep } }, { nTrials: 16, executor });
        records.push(threaded.toJSON());
        orders.push(executor.order);
        expect(executor.peak()).toBe(2); // two trials did run side by side
        expect(pool.threads).toBe(0); // and no thread outlives optimize
      }
      for (const r of records.slice(1)) expect(r).toEqual(records[0]);
      const states = (records[0] as { trials: { state: string }[] }).trials.map((t) => t.state);
      expect(states.filter((s) => s === 'pruned').length).toBeGreaterThan(0);
      expect(states.filter((s) => s === 'complete').length).toBeGreaterThan(0);
      // the sleeps did reorder the trials: some ended before an older one
      expect(orders.some((o) => !sorted(o))).toBe(true);
      for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    }, 30_000);
  }

  it('a study of parallelism 2 is not the sequential one (trial n does not see trial n-1)', async () => {
    const [a, b] = [study(new MedianPruner(), { parallelism: 2 }), study(new MedianPruner())];
    await a.optimize((t) => fixtureObjective(t, { sleep: 0 }), { nTrials: 8 });
    await b.optimize((t) => fixtureObjective(t, { sleep: 0 }), { nTrials: 8 });
    expect(a.trials.slice(0, 4).map((t) => t.params)).toEqual(b.trials.slice(0, 4).map((t) => t.params)); // random start: the same
    expect(a.trials.slice(4).map((t) => t.params)).not.toEqual(b.trials.slice(4).map((t) => t.params));
  });
});

describe('errors', () => {
  it("an objective's error in a thread fails its trial and is rethrown once the running trials end; no thread is left", async () => {
    const pool = threadPool({ size: 2 });
    const s = study(new MedianPruner(), { parallelism: 2 });
    const err = await s.optimize({ module: MODULE, export: 'failing' }, { nTrials: 10, executor: pool }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RangeError');
    expect((err as Error).message).toMatch(/^trial 3 has x = -?\d/);
    expect(s.trials[3]?.state).toBe('failed');
    expect(s.trials.length).toBeLessThanOrEqual(5); // none started after the failure
    expect(s.trials.every((t) => t.state !== 'running')).toBe(true);
    expect(pool.threads).toBe(0);
  });

  it('in-process, the error itself is rethrown', async () => {
    const boom = new RangeError('boom');
    const s = study(new MedianPruner(), { parallelism: 2 });
    await expect(s.optimize((t) => (t.number === 2 ? Promise.reject(boom) : 1), { nTrials: 6 })).rejects.toBe(boom);
    expect(s.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'failed', 'complete']);
  });

  it('a thread that dies fails its trial; the others go on in a new thread', async () => {
    const pool = threadPool({ size: 1 });
    const s = study(new MedianPruner());
    const err = await s.optimize({ module: MODULE, export: 'exits' }, { nTrials: 3, executor: pool }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('WorkerExit');
    expect((err as Error).message).toMatch(/exited \(code 3\)/);
    expect(s.trials.map((t) => t.state)).toEqual(['complete', 'failed']);
    expect(pool.threads).toBe(0);
  });

  it('an unknown module, a missing export: InvalidArgumentError naming it, in a thread and here', async () => {
    const cases: [ObjectiveRef, RegExp][] = [
      [{ module: '/no/such/objective.ts' }, /^objective\.module must be a module that imports, got "\/no\/such\/objective\.ts": /],
      [{ module: MODULE, export: 'notAFunction' }, /^objective\.export must be the name of a function ".*objective\.ts" exports, got "notAFunction"$/],
      [{ module: MODULE, export: 'absent' }, /^objective\.export must be the name of a function ".*objective\.ts" exports, got "absent"$/],
    ];
    for (const [ref, re] of cases) {
      const pool = threadPool({ size: 2 });
      const threaded = study(new MedianPruner());
      await expect(threaded.optimize(ref, { nTrials: 2, executor: pool })).rejects.toThrow(re);
      await expect(threaded.optimize(ref, { nTrials: 2, executor: pool })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(pool.threads).toBe(0);
      await expect(study(new MedianPruner()).optimize(ref, { nTrials: 2 })).rejects.toThrow(re);
    }
  });

  it('a custom pruner without toSpec() cannot leave the thread; in-process it works', async () => {
    const custom: Pruner = { name: 'never', prune: () => false };
    const pool = threadPool({ size: 2 });
    await expect(study(custom).optimize({ module: MODULE, data: { sleep: 0 } }, { nTrials: 2, executor: pool })).rejects.toThrow(
      /^pruner must be a pruner with toSpec\(\) \(MedianPruner, SuccessiveHalvingPruner\) for trials that run outside this thread, got "never"$/,
    );
    expect(pool.threads).toBe(0);
    expect(() => study(custom).nextJob({ module: MODULE })).toThrow(InvalidArgumentError);
    const here = study(custom);
    await here.optimize({ module: MODULE, data: { sleep: 0 } }, { nTrials: 2 });
    expect(here.trials.map((t) => t.state)).toEqual(['complete', 'complete']);
  });

  it('bad options and arguments, named with their value', async () => {
    const fn = (t: TrialContext) => t.params.x as number;
    const s = study(new MedianPruner());
    expect(() => threadPool({ size: 0 })).toThrow(/^options\.size must be an integer >= 1, got 0$/);
    expect(() => threadPool({ size: 1.5 })).toThrow(/^options\.size must be an integer >= 1, got 1\.5$/);
    expect(() => threadPool({ threads: 2 } as never)).toThrow(/^options\.threads is not a known option \(known: size, execArgv, resourceLimits\), got 2$/);
    expect(() => threadPool({ execArgv: '--x' as never })).toThrow(/^options\.execArgv must be an array of strings, got "--x"$/);
    expect(() => study(new MedianPruner(), { parallelism: 0 })).toThrow(/^options\.parallelism must be an integer >= 1, got 0$/);
    await expect(s.optimize(fn, { nTrials: 2, executor: threadPool({ size: 1 }) })).rejects.toThrow(/^objective must be a module objective \(\{ module, export\?, data\? \}\) for threadPool: a function cannot leave this thread, got function fn$/);
    await expect(s.optimize({ module: './objective.js' }, { nTrials: 2 })).rejects.toThrow(/^objective\.module must be an absolute path, a file URL or a package name \(a relative path has no base where the trial runs\), got "\.\/objective\.js"$/);
    await expect(s.optimize({ module: MODULE, exprt: 'x' } as never, { nTrials: 2 })).rejects.toThrow(/^objective\.exprt is not a known option/);
    await expect(s.optimize(42 as never, { nTrials: 2 })).rejects.toThrow(/^objective must be a function of the trial, or a module objective \{ module, export\?, data\? \}, got 42$/);
    await expect(s.optimize(fn, { nTrials: 2, executor: {} as never })).rejects.toThrow(/^options\.executor must be an executor \(inProcess\(\), threadPool\(\), or one with run\(\) and close\(\)\), got \{\}$/);
    await expect(s.optimize(fn, { nTrials: 2, threads: 2 } as never)).rejects.toThrow(/^options\.threads is not a known option/);
    expect(() => prunerFromSpec({ type: 'hyperband', options: {} } as never)).toThrow(/^spec\.type must be one of 'median', 'asha', got "hyperband"$/);
    expect(() => prunerFromSpec({ type: 'asha', options: { reductionFactor: 1 } })).toThrow(/^spec\.options\.reductionFactor must be an integer >= 2, got 1$/);
    await expect(runTrialJob({ number: -1, params: {}, direction: 'minimize', history: [], objective: { module: MODULE } })).rejects.toThrow(/^job\.number must be an integer >= 0, got -1$/);
  });

  it('a trial asked for and never told holds the window: optimize says which', async () => {
    const s = study(new MedianPruner(), { parallelism: 2 });
    s.ask();
    await expect(s.optimize(() => 1, { nTrials: 3 })).rejects.toThrow(/^trial 0 was asked for and never told: trial 2 cannot start until it ends \(parallelism 2\)$/);
  });
});

describe('onTrialEnd', () => {
  it('sees each trial once it has ended, on a thread pool too; its error stops the study like an objective\'s', async () => {
    const seen: [number, string][] = [];
    const s = study(new SuccessiveHalvingPruner({ reductionFactor: 2 }), { parallelism: 2 });
    await s.optimize({ module: MODULE, data: { sleep: 1 } }, { nTrials: 6, executor: threadPool({ size: 2 }), onTrialEnd: (t) => void seen.push([t.number, t.state]) });
    expect([...seen].sort((a, b) => a[0] - b[0])).toEqual(s.trials.map((t) => [t.number, t.state]));
    const broken = study(new MedianPruner());
    const oops = new Error('disk full');
    await expect(broken.optimize(() => 1, { nTrials: 5, onTrialEnd: (t) => { if (t.number === 1) throw oops; } })).rejects.toBe(oops);
    expect(broken.trials.length).toBe(2);
    await expect(broken.optimize(() => 1, { nTrials: 1, onTrialEnd: 3 as never })).rejects.toThrow(/^options\.onTrialEnd must be a function of the ended trial, got 3$/);
  });
});

describe('the job/outcome contract', () => {
  it('record() ends a trial once: a second outcome for it is ignored', () => {
    const s = study(new MedianPruner(), { parallelism: 2 });
    const job = s.nextJob({ module: MODULE });
    expect(job?.number).toBe(0);
    expect(s.record({ number: 0, state: 'complete', value: 'Infinity', intermediate: { 0: 3, 2: '-Infinity' } })).toBe(true);
    expect(s.record({ number: 0, state: 'complete', value: 1, intermediate: {} })).toBe(false);
    expect(s.record({ number: 0, state: 'failed', intermediate: {}, error: { name: 'Error', message: 'late' } })).toBe(false);
    expect(s.trials).toEqual([{ number: 0, params: job?.params, state: 'complete', value: Infinity, intermediate: { 0: 3, 2: -Infinity } }]);
    expect(s.bestTrial?.number).toBe(0);
    expect(() => s.record({ number: 1, state: 'complete', value: 1, intermediate: {} })).toThrow(/^outcome\.number must be the number of a trial started \(0 to 0\), got 1$/);
    s.nextJob({ module: MODULE });
    expect(() => s.record({ number: 1, state: 'done' as never, intermediate: {} })).toThrow(/^outcome\.state must be one of 'complete', 'pruned', 'failed', got "done"$/);
    expect(() => s.record({ number: 1, state: 'complete', intermediate: {} })).toThrow(/^outcome\.value must be a number \(or "Infinity", "-Infinity"\) for a complete trial, got undefined$/);
    expect(s.trials[1]?.state).toBe('running'); // a refused outcome leaves it running
  });

  it('an executor that delivers every outcome twice counts each trial once', async () => {
    const twice: Executor = {
      name: 'twice',
      size: 2,
      outOfThread: true,
      async run(job) {
        const outcome = await runTrialJob(job);
        // an at-least-once queue: a duplicate arrives before the original
        s.record(outcome);
        return outcome;
      },
      close: async () => undefined,
    };
    const s = study(new SuccessiveHalvingPruner({ reductionFactor: 2 }), { parallelism: 2 });
    await s.optimize({ module: MODULE, data: { sleep: 0 } }, { nTrials: 8, executor: twice });
    const here = study(new SuccessiveHalvingPruner({ reductionFactor: 2 }), { parallelism: 2 });
    await here.optimize({ module: MODULE, data: { sleep: 0 } }, { nTrials: 8, executor: inProcess() });
    expect(s.toJSON()).toEqual(here.toJSON());
  });

  it('runTrialJob prunes from the history and its own reports, and reports failures as data', async () => {
    const history = [0, 1].map((n) => ({ number: n, params: { x: 0 }, state: 'complete' as const, value: n, intermediate: { 0: n } }));
    const job = { number: 2, params: { x: 9 }, direction: 'minimize' as const, history, pruner: new MedianPruner({ nStartupTrials: 2 }).toSpec(), objective: { module: 'inline', data: 5 } };
    const pruning = await runTrialJob(job, {
      load: async () => (t, data) => {
        t.report(0, data as number);
        if (t.shouldPrune()) throw Object.assign(new Error('stop'), { name: 'TrialPruned' });
        return 0;
      },
    });
    expect(pruning).toEqual({ number: 2, state: 'pruned', intermediate: { 0: 5 } }); // 5 is worse than the median 0.5
    const failing = await runTrialJob(job, { load: async () => () => Promise.reject(new TypeError('nope')) });
    expect(failing).toEqual({ number: 2, state: 'failed', intermediate: {}, error: { name: 'TypeError', message: 'nope' } });
    const notNumber = await runTrialJob(job, { load: async () => () => 'x' as never });
    expect(notNumber.error).toEqual({ name: 'InvalidArgumentError', message: "the objective's value for trial 2 must be a number, got \"x\"" });
    const nan = await runTrialJob(job, { load: async () => () => Number.NaN });
    expect(nan).toEqual({ number: 2, state: 'failed', intermediate: {} }); // as tell(NaN): failed, nothing thrown
    const controller = new AbortController();
    const hanging = runTrialJob(job, { signal: controller.signal, load: async () => () => new Promise<number>(() => undefined) });
    controller.abort();
    expect((await hanging).error?.name).toBe('AbortError');
  });
});

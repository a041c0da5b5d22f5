// `tradegym tune` and `tradegym worker`: a study over a config's tune.space, its trials run by an
// executor (worker threads, this process, or Redis workers), kept in a study folder that a
// stopped tune resumes from.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ConfigError } from '../experiment/schema.js';
import type { ExperimentConfig } from '../experiment/config.js';
import { newRunDir, toJSONText, withAbsolutePaths, writeAtomic } from '../experiment/run.js';
import { experimentObjective } from '../experiment/seeds.js';
import type { CliIO } from './main.js';

/** The name Redis workers know the experiment objective by (`tradegym worker` registers it). */
const REDIS_OBJECTIVE = 'tradegym/experiment';

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : Number.isFinite(v) ? v.toPrecision(4) : String(v);
}

/** Runs (or resumes) the study a config describes; returns the exit code. @internal */
export async function runTune(config: ExperimentConfig, opts: { readonly file: string; readonly resume: string | undefined; readonly outDir: string; readonly backend: string }, io: CliIO): Promise<number> {
  const tuneModule = await import('../tune/index.js');
  const { Study, TPESampler, RandomSampler, prunerFromSpec, threadPool, inProcess, redisExecutor } = tuneModule;
  const tune = config.tune as NonNullable<ExperimentConfig['tune']>;
  const source = opts.file;
  const seed = tune.sampler?.seed ?? config.seed ?? 0;
  const sampler = tune.sampler?.type === 'random'
    ? new RandomSampler({ seed })
    : new TPESampler({ seed, ...(tune.sampler?.nStartupTrials === undefined ? {} : { nStartupTrials: tune.sampler.nStartupTrials }), ...(tune.sampler?.nEiCandidates === undefined ? {} : { nEiCandidates: tune.sampler.nEiCandidates }) });
  const { type: prunerType, ...prunerOptions } = tune.pruner ?? { type: 'none' };
  let pruner;
  try {
    pruner = prunerType === 'none' ? undefined : prunerFromSpec({ type: prunerType, options: prunerOptions } as Parameters<typeof prunerFromSpec>[0]);
  } catch (e) {
    throw new ConfigError('tune.pruner', (e as Error).message.replace(/^(spec\.)?options\./, ''), source);
  }
  const kind = tune.executor?.type ?? 'threads';
  const size = tune.executor?.size ?? (kind === 'threads' ? availableParallelism() : 1);
  const parallelism = tune.parallelism ?? (kind === 'redis' ? 2 : kind === 'threads' ? size : 1);

  // the study first: a search it refuses leaves no study folder behind
  const resumedFile = opts.resume === undefined ? undefined : join(opts.resume, 'study.json');
  let study;
  try {
    study = resumedFile !== undefined && existsSync(resumedFile)
      ? Study.fromJSON(JSON.parse(readFileSync(resumedFile, 'utf8')), { sampler, ...(pruner === undefined ? {} : { pruner }) })
      : new Study({ space: tune.space, direction: tune.direction ?? 'maximize', sampler, ...(pruner === undefined ? {} : { pruner }), parallelism });
  } catch (e) {
    if (e instanceof Error && e.name === 'InvalidArgumentError') throw new ConfigError('tune', e.message, source);
    throw e;
  }
  // the executor next: an unreachable Redis leaves no study folder either
  const studyName = (folder: string) => basename(resolve(folder)).replace(/[^\w.-]/g, '_');
  const dirName = config.name ?? basename(source).replace(/\.(ya?ml|json)$/i, '');
  const probe = kind === 'redis' ? redisExecutor({ connection: tune.executor?.url as string, studyName: 'probe' }) : undefined;
  try {
    await probe?.ready?.();
  } finally {
    await probe?.close();
  }
  const dir = opts.resume ?? newRunDir(opts.outDir, dirName);
  const baseDir = opts.resume === undefined ? resolve(source, '..') : resolve(opts.resume);
  const asRun = withAbsolutePaths(config, baseDir);
  if (opts.resume === undefined) writeAtomic(join(dir, 'config.json'), toJSONText(asRun));
  const studyFile = join(dir, 'study.json');
  const remaining = tune.nTrials - study.trials.length;
  const where = kind === 'redis' ? `Redis at ${tune.executor?.url as string} (run \`tradegym worker --redis URL\` on any machines)` : kind === 'threads' ? `${size} worker thread${size === 1 ? '' : 's'}` : 'this process';
  io.err(`study: ${dir}  (${study.trials.length} trials done, ${Math.max(0, remaining)} to run on ${where}, ${study.parallelism} at once)\n`);
  if (remaining > 0) {
    const trialsDir = resolve(dir, 'trials');
    const data = { config: asRun, trialsDir, backend: opts.backend };
    const ref = kind === 'redis' ? { module: REDIS_OBJECTIVE, export: 'trialObjective', data } : { ...experimentObjective(), data };
    const executor = kind === 'threads' ? threadPool({ size }) : kind === 'in-process' ? inProcess() : redisExecutor({ connection: tune.executor?.url as string, studyName: studyName(dir) });
    const names = Object.keys(tune.space);
    await study.optimize(ref, {
      nTrials: remaining,
      executor,
      onTrialEnd: (t) => {
        writeAtomic(studyFile, toJSONText(study.toJSON()));
        const best = study.bestTrial;
        const params = names.map((n) => `${n.replace(/^.*\./, '')}=${typeof t.params[n] === 'number' && !Number.isInteger(t.params[n]) ? fmt(t.params[n]) : String(t.params[n])}`).join(' ');
        io.out(`trial ${t.number} ${t.state}${t.state === 'complete' ? ` ${fmt(t.value)}` : ''}  (best ${fmt(best?.value)}${best === undefined ? '' : ` at trial ${best.number}`})  ${params}\n`);
      },
    });
  }
  writeAtomic(studyFile, toJSONText(study.toJSON()));
  const best = study.bestTrial;
  if (best !== undefined) writeAtomic(join(dir, 'best.json'), toJSONText({ trial: best.number, value: best.value, params: best.params, run: join('trials', `trial_${best.number}`) }));
  try {
    const { writeStudyReport } = await import('../report/studyReport.js');
    await writeStudyReport(study, join(dir, 'study.html'), { title: `${config.name ?? 'study'}: ${tune.nTrials} trials, ${config.evaluation?.metric ?? 'sharpe'} on the validation split` });
  } catch (e) {
    if (!(e instanceof Error) || !/vega/i.test(e.message)) throw e;
    io.err(`warning: study.html not written: ${e.message}\n`);
  }
  const states = study.trials.map((t) => t.state);
  io.out(`${states.filter((s) => s === 'complete').length} complete, ${states.filter((s) => s === 'pruned').length} pruned, ${states.filter((s) => s === 'failed').length} failed\n`);
  io.out(best === undefined ? 'no trial completed\n' : `best: trial ${best.number}, ${fmt(best.value)}, ${JSON.stringify(best.params)}\n`);
  io.out(`${dir}\n`);
  return 0;
}

/** Runs a Redis worker until SIGINT or SIGTERM; returns the exit code. @internal */
export async function runWorker(opts: { readonly redis: string; readonly concurrency: number; readonly backend: string; readonly queue?: string }, io: CliIO): Promise<number> {
  const [{ runRedisWorker }, { trialObjective }, { useBackend }] = await Promise.all([import('../tune/redis.js'), import('../experiment/objective.js'), import('../agents/backend.js')]);
  io.err(`backend: ${await useBackend(opts.backend as 'auto')}\n`);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const worker = await runRedisWorker({ connection: opts.redis, concurrency: opts.concurrency, signal: stop.signal, objectives: { [REDIS_OBJECTIVE]: trialObjective }, ...(opts.queue === undefined ? {} : { queue: opts.queue }) });
    io.err(`worker: taking trials from ${opts.redis.replace(/\/\/[^@/]*@/, '//***@')} (Ctrl-C stops after the running trial)\n`);
    await worker.done;
    io.err(`worker: stopped after ${worker.trialsRun} trials\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Trains a config once per seed, or once per walk-forward fold (and seed), on an executor and prints the spread; returns the exit code. @internal */
export async function trainGroup(config: ExperimentConfig, opts: { readonly file: string; readonly seeds?: readonly number[]; readonly executor: { readonly type: 'threads' | 'in-process' | 'redis'; readonly size?: number; readonly url?: string }; readonly outDir: string; readonly backend: string }, io: CliIO): Promise<number> {
  const [{ runSeeds }, { runFolds }, { experimentFolds }, { threadPool, inProcess, redisExecutor }] = await Promise.all([import('../experiment/seeds.js'), import('../experiment/folds.js'), import('../experiment/run.js'), import('../tune/index.js')]);
  const folds = config.walkForward === undefined ? undefined : await experimentFolds(config, { baseDir: resolve(opts.file, '..'), source: opts.file });
  const runs = (folds?.length ?? 1) * (opts.seeds?.length ?? 1);
  const e = opts.executor;
  const size = e.size ?? (e.type === 'threads' ? Math.min(availableParallelism(), runs) : 1);
  const executor = e.type === 'threads' ? threadPool({ size }) : e.type === 'in-process' ? inProcess() : redisExecutor({ connection: e.url as string, studyName: `${(config.name ?? 'run').replace(/[^\w.-]/g, '_')}-${folds === undefined ? 'seeds' : 'folds'}-${process.pid}-${Date.now()}` });
  const where = e.type === 'redis' ? `Redis at ${e.url as string}` : e.type === 'threads' ? `${size} worker thread${size === 1 ? '' : 's'}` : 'this process';
  io.err(`${folds === undefined ? '' : `${folds.length} walk-forward folds`}${folds !== undefined && opts.seeds !== undefined ? ' x ' : ''}${opts.seeds === undefined ? '' : `${opts.seeds.length} seeds`} on ${where}\n`);
  const pct = (v: number) => `${fmt(100 * v)}%`;
  const shared = {
    executor,
    ...(e.type === 'redis' ? { objective: { module: REDIS_OBJECTIVE, export: 'trialObjective' } } : { objective: experimentObjective() }),
    outDir: opts.outDir,
    baseDir: resolve(opts.file, '..'),
    backend: opts.backend as 'auto',
  };
  const print = (name: string, r: { state: string; error?: { name: string; message: string }; metrics?: { test: { totalReturn: number; sharpe: number; maxDrawdown: number; trades: number } } }) => {
    const t = r.metrics?.test;
    io.out(`${name}: ${r.state}${r.error === undefined ? '' : ` (${r.error.name}: ${r.error.message})`}${t === undefined ? '' : `  test return ${pct(t.totalReturn)}, Sharpe ${fmt(t.sharpe)}, max drawdown ${pct(t.maxDrawdown)}, ${t.trades} trades`}\n`);
  };
  const result =
    folds === undefined
      ? await runSeeds(config, opts.seeds as readonly number[], { ...shared, onRun: (r) => print(`seed ${r.seed}`, r) })
      : await runFolds(config, { ...shared, ...(opts.seeds === undefined ? {} : { seeds: opts.seeds }), onRun: (r) => print(`fold ${r.fold} (test bars ${r.test[0]}-${r.test[1]})${opts.seeds === undefined ? '' : ` seed ${r.seed}`}`, r) });
  const s = result.summary;
  const line = (name: string, x: { mean: number; std: number; min: number; max: number }, f: (v: number) => string) => `${name}: mean ${f(x.mean)}, std ${f(x.std)}, from ${f(x.min)} to ${f(x.max)}\n`;
  const validation = config.split?.validation !== undefined || config.walkForward?.validationSize !== undefined;
  io.out(line(`${config.evaluation?.metric ?? 'sharpe'} on the ${validation ? 'validation' : 'test'} ${folds === undefined ? 'split' : 'windows'}`, s.objective, fmt));
  io.out(line('test return', s.testReturn, pct));
  io.out(line('test Sharpe', s.testSharpe, fmt));
  io.out(line('test max drawdown', s.testMaxDrawdown, pct));
  const chained = (result as { readonly chainedTestReturn?: number }).chainedTestReturn;
  if (chained !== undefined) io.out(`the test windows chained: return ${pct(chained)}\n`);
  io.out(`${result.dir}\n`);
  return result.runs.every((r) => r.state === 'complete') ? 0 : 1;
}

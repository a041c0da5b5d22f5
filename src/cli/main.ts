// The `tradegym` command line: one subcommand per step of an experiment, the config file as the
// single source of truth (flags override its keys), exit codes 0 (done), 1 (failed), 2 (bad
// usage or config), and --help on each subcommand.
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError, TradegymError } from '../core/errors.js';
import { VERSION } from '../version.js';
import type { ExperimentConfig } from '../experiment/config.js';
import { ConfigError } from '../experiment/schema.js';

// What the commands need (tfjs, the agents, the backtester) is imported when a command runs, so
// that --help, --version and usage errors answer at once.
const experiment = () => import('../experiment/index.js');

/** Where the CLI writes: stdout for results, stderr for progress and errors. */
export interface CliIO {
  /** Results. */
  readonly out: (text: string) => void;
  /** Progress, warnings and errors. */
  readonly err: (text: string) => void;
}

const defaultIO: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** A usage error: exit code 2 with the subcommand's help hint. */
class UsageError extends TradegymError {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly help: Readonly<Record<string, string>>;
  readonly positionals: readonly string[];
  /** An optional positional's name, after the required ones. */
  readonly optional?: string;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, io: CliIO): Promise<number>;
}

const BACKEND = { type: 'string' } as const;
const SET = { type: 'string', multiple: true } as const;
const COMMON_HELP = {
  set: 'override a config key, e.g. --set agent.options.learningRate=0.001 (repeatable; the value is read as YAML)',
  backend: 'the tfjs backend: auto (default), cpu, wasm or tensorflow',
};

/** Reads a config file, applies `--set` overrides and `extra` (flags that name keys), and checks the result. */
async function loadConfig(file: string, sets: readonly string[], extra: Readonly<Record<string, unknown>> = {}): Promise<ExperimentConfig> {
  if (!existsSync(file)) throw new UsageError(`no such config file: ${file}`);
  const [{ parseExperimentConfig, parseExperimentText, setConfigPath }, { parse: parseYaml }] = await Promise.all([experiment(), import('yaml')]);
  const text = readFileSync(file, 'utf8');
  let config: ExperimentConfig = parseExperimentText(text, file);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes key.path=value, got ${JSON.stringify(s)}`);
    let value: unknown;
    try {
      value = parseYaml(s.slice(eq + 1));
    } catch (e) {
      throw new UsageError(`--set ${s.slice(0, eq)}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
    config = setConfigPath(config, s.slice(0, eq), value);
  }
  for (const [path, value] of Object.entries(extra)) if (value !== undefined) config = setConfigPath(config, path, value);
  return parseExperimentConfig(config, file);
}

/** A flag's integer value, or undefined when absent. */
function intFlag(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

async function chooseBackend(value: unknown, io: CliIO): Promise<void> {
  const name = (value ?? 'auto') as 'auto' | 'cpu' | 'wasm' | 'tensorflow';
  if (!['auto', 'cpu', 'wasm', 'tensorflow'].includes(name)) throw new UsageError(`--backend must be auto, cpu, wasm or tensorflow, got ${JSON.stringify(value)}`);
  const { useBackend } = await import('../agents/backend.js');
  const chosen = await useBackend(name);
  io.err(`backend: ${chosen}\n`);
}

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/**
 * Writes `--out`'s file: a new or regular file atomically (a temporary file, then a rename),
 * anything else (`/dev/stdout`, a pipe) directly, never replacing it; a folder is refused.
 */
async function writeOut(file: string, write: (path: string) => void | Promise<void>): Promise<void> {
  if (file.endsWith('/') || file.endsWith('\\') || (existsSync(file) && statSync(file).isDirectory())) throw new UsageError(`--out must name a file, got the folder ${JSON.stringify(file)}`);
  // a symlink, a device or a pipe is written through, never replaced by a rename
  if (existsSync(file) && !lstatSync(file).isFile()) {
    await write(file);
    return;
  }
  mkdirSync(dirname(resolve(file)), { recursive: true });
  await write(`${file}.tmp`);
  renameSync(`${file}.tmp`, file);
}

function writeFileAtomic(file: string, text: string): Promise<void> {
  return writeOut(file, (path) => writeFileSync(path, text));
}

/** A run folder's config and setup. */
async function openRun(runDir: string) {
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) throw new UsageError(`${runDir} is not a run folder (no config.json)`);
  const { parseExperimentText, setupExperiment } = await experiment();
  const config = parseExperimentText(readFileSync(file, 'utf8'), file);
  if (!existsSync(join(runDir, 'model'))) throw new UsageError(`${runDir} has no model/ (the run did not finish)`);
  const setup = await setupExperiment(config, { baseDir: runDir, source: file });
  return { config, setup };
}

/** `0,1,2`, `0-4`, or a mix: distinct integer seeds >= 0. */
function seedList(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new UsageError(`--seeds takes seeds and ranges such as 0,1,2 or 0-4, got ${JSON.stringify(text)}`);
    for (let s = Number(m[1]); s <= Number(m[2] ?? m[1]); s++) seeds.push(s);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds names a seed twice: ${JSON.stringify(text)}`);
  if (seeds.length > 10_000) throw new UsageError(`--seeds names ${seeds.length} seeds: at most 10000`);
  return seeds;
}

/** The executor the flags name for several runs. */
function executorFlag(values: Record<string, unknown>): { readonly type: 'threads' | 'in-process' | 'redis'; readonly size?: number; readonly url?: string } {
  const redis = values.redis as string | undefined;
  const type = redis !== undefined ? 'redis' : ((values.executor as string | undefined) ?? 'threads');
  if (!['threads', 'in-process', 'redis'].includes(type)) throw new UsageError(`--executor must be threads, in-process or redis, got ${JSON.stringify(type)}`);
  if (type === 'redis' && redis === undefined) throw new UsageError('--executor redis needs --redis URL');
  const size = intFlag('threads', values.threads, 1);
  if (size !== undefined && type !== 'threads') throw new UsageError(`--threads is for the threads executor, not ${type}`);
  return { type: type as 'threads' | 'in-process' | 'redis', ...(size === undefined ? {} : { size }), ...(redis === undefined ? {} : { url: redis }) };
}

const SPLITS = ['train', 'validation', 'test'] as const;

/** Backtests a run folder's final model on the split `--split` names (`backtest` and `report`). */
async function backtestRun(values: Record<string, unknown>, positionals: readonly string[], io: CliIO) {
  const runDir = positionals[0] as string;
  const which = splitFlag(values.split);
  await chooseBackend(values.backend, io);
  const { config, setup } = await openRun(runDir);
  const frame = setup.split[which];
  if (frame === undefined) throw new UsageError(`the run has no ${which} split (its config has no split.validation)`);
  const agent = await setup.loadAgent(join(runDir, 'model'));
  const { backtest } = await import('../backtest/backtest.js');
  try {
    return { runDir, which, config, result: backtest({ data: frame.bars, strategy: { env: setup.envFor(frame, 'evaluate'), agent } }) };
  } finally {
    agent.dispose();
  }
}
function splitFlag(value: unknown): (typeof SPLITS)[number] {
  const s = (value ?? 'test') as string;
  if (!(SPLITS as readonly string[]).includes(s)) throw new UsageError(`--split must be train, validation or test, got ${JSON.stringify(value)}`);
  return s as (typeof SPLITS)[number];
}

const COMMANDS: Readonly<Record<string, Command>> = {
  train: {
    summary: 'train an agent from a config into a new run folder',
    usage: 'tradegym train <config.yaml|json> [options]',
    positionals: ['config'],
    options: { out: { type: 'string' }, 'run-dir': { type: 'string' }, seed: { type: 'string' }, seeds: { type: 'string' }, fold: { type: 'string' }, executor: { type: 'string' }, threads: { type: 'string' }, redis: { type: 'string' }, timesteps: { type: 'string' }, set: SET, backend: BACKEND, progress: { type: 'boolean' }, 'no-report': { type: 'boolean' }, 'no-tensorboard': { type: 'boolean' } },
    help: {
      out: 'the folder runs go under (default runs/): the run is <out>/<name>_<k>',
      'run-dir': 'the exact run folder instead (new or empty)',
      seed: 'override the seed key',
      seeds: 'train once per seed, e.g. 0,1,2 or 0-4: a group folder with a run per seed and the spread (seeds.json)',
      fold: 'with walkForward: train this fold only (by default a config with walkForward trains every fold: folds.json)',
      executor: 'with --seeds or walkForward: threads (default), in-process or redis',
      threads: 'with --seeds or walkForward: threads at once (default: the cores)',
      redis: 'with --seeds or walkForward: a Redis URL; run `tradegym worker --redis URL` on any machines',
      timesteps: 'override train.totalTimesteps',
      progress: 'show a progress bar (default: when stderr is a terminal)',
      'no-report': 'skip report.html',
      'no-tensorboard': 'skip the TensorBoard event files',
      ...COMMON_HELP,
    },
    async run({ values, positionals }, io) {
      const file = positionals[0] as string;
      const config = await loadConfig(file, (values.set as string[] | undefined) ?? [], { seed: intFlag('seed', values.seed, 0), 'train.totalTimesteps': intFlag('timesteps', values.timesteps, 1), fold: intFlag('fold', values.fold, 0) });
      const folds = config.walkForward !== undefined && config.fold === undefined;
      if (values.seeds !== undefined || folds) {
        if (values.seeds !== undefined && (values.seed !== undefined || values['run-dir'] !== undefined)) throw new UsageError('--seeds runs several seeds: it goes with neither --seed nor --run-dir');
        if (values['run-dir'] !== undefined) throw new UsageError('a config with walkForward trains every fold, into a group folder: it does not go with --run-dir (--fold k trains one fold)');
        const { trainGroup } = await import('./tune.js');
        return trainGroup(config, { file, ...(values.seeds === undefined ? {} : { seeds: seedList(values.seeds as string) }), executor: executorFlag(values), outDir: (values.out as string | undefined) ?? 'runs', backend: (values.backend as string | undefined) ?? 'auto' }, io);
      }
      if (values.executor !== undefined || values.threads !== undefined || values.redis !== undefined) throw new UsageError('--executor, --threads and --redis go with --seeds or walkForward (a single run trains here)');
      await chooseBackend(values.backend, io);
      const { runExperiment } = await experiment();
      const run = await runExperiment(config, {
        baseDir: dirname(resolve(file)),
        source: file,
        ...(values.out === undefined ? {} : { outDir: values.out as string }),
        ...(values['run-dir'] === undefined ? {} : { runDir: values['run-dir'] as string }),
        progressBar: (values.progress as boolean | undefined) ?? process.stderr.isTTY === true,
        report: values['no-report'] !== true,
        tensorboard: values['no-tensorboard'] !== true,
      });
      for (const w of run.warnings) io.err(`warning: ${w}\n`);
      const t = run.metrics.test;
      io.out(`run: ${run.dir}\n`);
      io.out(`${run.metrics.objective.split} ${run.metrics.objective.metric}: ${fmt(run.metrics.objective.value)}\n`);
      io.out(`test: return ${fmt(100 * t.totalReturn, 2)}% (buy-and-hold ${fmt(100 * t.buyAndHoldReturn, 2)}%), Sharpe ${fmt(t.sharpe, 2)}, max drawdown ${fmt(100 * t.maxDrawdown, 2)}%, ${t.trades} trades, fees ${fmt(t.fees, 2)}\n`);
      return 0;
    },
  },
  tune: {
    summary: "search a config's tune.space: trials on worker threads (default), in this process, or on Redis workers",
    usage: 'tradegym tune <config.yaml|json> [options]\n       tradegym tune --resume <study folder> [options]',
    positionals: [],
    optional: 'config',
    options: { out: { type: 'string' }, resume: { type: 'string' }, trials: { type: 'string' }, executor: { type: 'string' }, threads: { type: 'string' }, redis: { type: 'string' }, set: SET, backend: BACKEND },
    help: {
      out: 'the folder studies go under (default runs/): the study is <out>/<name>_<k>',
      resume: 'go on with a study folder a stopped tune left (its config.json and study.json)',
      trials: 'override tune.nTrials (the total, counting the trials a resumed study has)',
      executor: 'override tune.executor.type: threads, in-process or redis',
      threads: 'override tune.executor.size (threads)',
      redis: 'the Redis URL (sets the executor to redis): run `tradegym worker --redis URL` on any machines',
      ...COMMON_HELP,
    },
    async run({ values, positionals }, io) {
      const resume = values.resume as string | undefined;
      if ((resume === undefined) === (positionals.length === 0)) throw new UsageError(resume === undefined ? 'missing <config>' : 'give a config or --resume <study folder>, not both');
      if (resume !== undefined && values.set !== undefined) throw new UsageError('--set cannot change a study part-way: --resume takes --trials, --executor, --threads, --redis and --backend only');
      const file = resume === undefined ? (positionals[0] as string) : join(resume, 'config.json');
      if (resume !== undefined && !existsSync(join(resume, 'study.json'))) throw new UsageError(`${resume} is not a study folder (no study.json)`);
      const redis = values.redis as string | undefined;
      const threads = intFlag('threads', values.threads, 1);
      if (threads !== undefined && (redis !== undefined || (values.executor !== undefined && values.executor !== 'threads'))) throw new UsageError(`--threads is for the threads executor, not ${redis !== undefined ? 'redis' : String(values.executor)}`);
      const config = await loadConfig(file, (values.set as string[] | undefined) ?? [], {
        'tune.nTrials': intFlag('trials', values.trials, 1),
        // --threads means the threads executor, --redis the redis one, unless --executor says otherwise
        'tune.executor.type': redis !== undefined ? 'redis' : (values.executor ?? (threads !== undefined ? 'threads' : undefined)),
        'tune.executor.size': threads,
        'tune.executor.url': redis,
      });
      const tune = config.tune;
      if (tune === undefined) throw new ConfigError('tune', 'is required by tradegym tune (a space and nTrials)', file);
      const { runTune } = await import('./tune.js');
      return runTune(config, { file, resume, outDir: (values.out as string | undefined) ?? 'runs', backend: (values.backend as string | undefined) ?? 'auto' }, io);
    },
  },
  worker: {
    summary: "run tune's trials from a Redis server, on this machine, until stopped (Ctrl-C)",
    usage: 'tradegym worker --redis redis://host:6379 [--concurrency 1]',
    positionals: [],
    options: { redis: { type: 'string' }, concurrency: { type: 'string' }, queue: { type: 'string' }, backend: BACKEND },
    help: { redis: 'the Redis URL (required)', concurrency: 'trials at once in this process (default 1: start one worker per core instead)', queue: "the queue's name (default tradegym-trials)", backend: COMMON_HELP.backend },
    async run({ values }, io) {
      if (values.redis === undefined) throw new UsageError('--redis is required');
      const { runWorker } = await import('./tune.js');
      return runWorker({ redis: values.redis as string, concurrency: intFlag('concurrency', values.concurrency, 1) ?? 1, backend: (values.backend as string | undefined) ?? 'auto', ...(values.queue === undefined ? {} : { queue: values.queue as string }) }, io);
    },
  },
  backtest: {
    summary: "backtest a run's final model on a split of its data",
    usage: 'tradegym backtest <run folder> [--split test|validation|train] [--out file.json]',
    positionals: ['run folder'],
    options: { split: { type: 'string' }, out: { type: 'string' }, backend: BACKEND },
    help: { split: 'the split (default test)', out: 'write the metrics here as JSON (default: <run>/backtest-<split>.json)', backend: COMMON_HELP.backend },
    async run({ values, positionals }, io) {
      const { runDir, which, result } = await backtestRun(values, positionals, io);
      const { splitMetrics, toJSONText } = await import('../experiment/run.js');
      const m = splitMetrics(result);
      const out = (values.out as string | undefined) ?? join(runDir, `backtest-${which}.json`);
      await writeFileAtomic(out, toJSONText(m));
      io.out(`${which}: return ${fmt(100 * m.totalReturn, 2)}% (buy-and-hold ${fmt(100 * m.buyAndHoldReturn, 2)}%), Sharpe ${fmt(m.sharpe, 2)}, max drawdown ${fmt(100 * m.maxDrawdown, 2)}%, ${m.trades} trades\n${out}\n`);
      return 0;
    },
  },
  report: {
    summary: "write the HTML report of a run's backtest",
    usage: 'tradegym report <run folder> [--split test|validation|train] [--out report.html]',
    positionals: ['run folder'],
    options: { split: { type: 'string' }, out: { type: 'string' }, backend: BACKEND },
    help: { split: 'the split (default test)', out: 'the file (default: <run>/report-<split>.html)', backend: COMMON_HELP.backend },
    async run({ values, positionals }, io) {
      const { runDir, which, config, result } = await backtestRun(values, positionals, io);
      const progress = join(runDir, 'progress.jsonl');
      const trainingLog = existsSync(progress) ? readFileSync(progress, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, number>) : [];
      const { writeReport } = await import('../report/writeReport.js');
      const out = (values.out as string | undefined) ?? join(runDir, `report-${which}.html`);
      await writeReport(result, out, { title: `${config.name ?? 'run'}: ${config.agent.algo} (seed ${config.seed ?? 0}) on the ${which} split`, trainingLog });
      io.out(`${out}\n`);
      return 0;
    },
  },
  generate: {
    summary: 'write synthetic bars to a CSV file (from a preset, or the data of a config)',
    usage: 'tradegym generate --preset crypto-15m --samples 11520 --seed 11 --out bars.csv\n       tradegym generate <config> --out bars.csv',
    positionals: [],
    optional: 'config',
    options: { preset: { type: 'string' }, samples: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, set: SET },
    help: { preset: 'crypto-15m, equity-daily, crypto-15m-null or crypto-15m-structured', samples: 'how many bars', seed: "the market's seed (default 0)", out: 'the CSV file (required)', set: COMMON_HELP.set },
    async run({ values, positionals }, io) {
      if (values.out === undefined) throw new UsageError('--out is required');
      let bars;
      if (positionals.length > 0) {
        if (values.preset !== undefined || values.samples !== undefined || values.seed !== undefined) throw new UsageError('give a config or --preset/--samples/--seed, not both (with a config: --set data.synthetic.seed=3)');
        const file = positionals[0] as string;
        const config = await loadConfig(file, (values.set as string[] | undefined) ?? []);
        bars = await (await experiment()).loadExperimentData(config.data, dirname(resolve(file)));
      } else {
        if (values.preset === undefined || values.samples === undefined) throw new UsageError('--preset and --samples are required without a config');
        const data = { synthetic: { preset: values.preset, numSamples: intFlag('samples', values.samples, 1), seed: intFlag('seed', values.seed, 0) ?? 0 } };
        const [{ parseExperimentConfig }, { RegimeGenerator }] = await Promise.all([experiment(), import('../synthetic/RegimeGenerator.js')]);
        parseExperimentConfig({ data, agent: { algo: 'PPO' }, train: { totalTimesteps: 1 } }); // the same checks as a config's data
        bars = RegimeGenerator.preset(data.synthetic.preset as Parameters<typeof RegimeGenerator.preset>[0]).generate({ numSamples: data.synthetic.numSamples as number, seed: data.synthetic.seed }).data;
      }
      const { writeCsv } = await import('../market/csv.js');
      await writeOut(values.out as string, (path) => writeCsv(bars, path));
      io.out(`${bars.length} bars → ${values.out as string}\n`);
      return 0;
    },
  },
  fetch: {
    summary: "download a config's ccxt bars into its cache CSV",
    usage: 'tradegym fetch <config>',
    positionals: ['config'],
    options: { set: SET },
    help: { set: COMMON_HELP.set },
    async run({ values, positionals }, io) {
      const file = positionals[0] as string;
      const config = await loadConfig(file, (values.set as string[] | undefined) ?? []);
      if (!('ccxt' in config.data)) throw new ConfigError('data', 'fetch needs a data.ccxt section (synthetic and csv data need no download)', file);
      const cache = resolve(dirname(resolve(file)), config.data.ccxt.cache);
      if (existsSync(cache)) throw new UsageError(`${cache} exists: fetch downloads into a new cache (delete it to download again)`);
      const bars = await (await experiment()).loadExperimentData(config.data, dirname(resolve(file)));
      io.out(`${bars.length} bars → ${cache}\n`);
      return 0;
    },
  },
  features: {
    summary: "compute a config's features and write them to a CSV file",
    usage: 'tradegym features <config> --out features.csv [--raw]',
    positionals: ['config'],
    options: { out: { type: 'string' }, raw: { type: 'boolean' }, set: SET },
    help: { out: 'the CSV file (required); with walkForward, set the fold (--set fold=k): rows outside it have no split', raw: 'before normalisation (default: normalised as the agent sees them, fitted on the training split)', set: COMMON_HELP.set },
    async run({ values, positionals }, io) {
      if (values.out === undefined) throw new UsageError('--out is required');
      const file = positionals[0] as string;
      const config = await loadConfig(file, (values.set as string[] | undefined) ?? []);
      const setup = await (await experiment()).setupExperiment(config, { baseDir: dirname(resolve(file)), source: file });
      const frame = values.raw === true || setup.normalizer === undefined ? setup.frame : setup.normalizer.transform(setup.frame);
      const columns = frame.names.map((n) => frame.column(n));
      // each row's split by time: with walkForward, rows outside the fold's windows have none
      const parts = (['train', 'validation', 'test'] as const).flatMap((name) => {
        const part = setup.split[name];
        return part === undefined || part.length === 0 ? [] : [{ name, first: part.timestamps[0] as number, last: part.timestamps[part.length - 1] as number }];
      });
      const lines = [['timestamp', 'split', ...frame.names].join(',')];
      for (let i = 0; i < frame.length; i++) {
        const t = frame.timestamps[i] as number;
        const split = parts.find((p) => t >= p.first && t <= p.last)?.name ?? '';
        lines.push([new Date(frame.timestamps[i] as number).toISOString(), split, ...columns.map((c) => String(c[i]))].join(','));
      }
      await writeFileAtomic(values.out as string, `${lines.join('\n')}\n`);
      io.out(`${frame.length} rows x ${frame.names.length} features → ${values.out as string}\n`);
      return 0;
    },
  },
  schema: {
    summary: "print the config's JSON Schema (for editors)",
    usage: 'tradegym schema [--out tradegym.schema.json]',
    positionals: [],
    options: { out: { type: 'string' } },
    help: { out: 'write it to this file instead of stdout' },
    async run({ values }, io) {
      const text = `${JSON.stringify((await experiment()).experimentJsonSchema(), null, 2)}\n`;
      if (values.out === undefined) io.out(text);
      else {
        await writeFileAtomic(values.out as string, text);
        io.out(`${values.out as string}\n`);
      }
      return 0;
    },
  },
};

function commandHelp(name: string, c: Command): string {
  const width = Math.max(...Object.keys(c.options).map((k) => k.length), 4) + 4;
  const lines = [`tradegym ${name}: ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:'];
  for (const [k, o] of Object.entries(c.options)) lines.push(`  --${`${k}${o.type === 'string' ? ' <value>' : ''}`.padEnd(width + 8)} ${c.help[k] ?? ''}`);
  lines.push(`  --${'help'.padEnd(width + 8)} this help`);
  return `${lines.join('\n')}\n`;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    `tradegym ${VERSION}: reinforcement-learning trading experiments`,
    '',
    'usage: tradegym <command> [options]     tradegym <command> --help',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)} ${c.summary}`),
    '',
    'exit codes: 0 done, 1 failed, 2 bad usage or config',
    '',
  ].join('\n');
}

/**
 * Runs the `tradegym` command line with `argv` (without `node` and the script).
 * @param argv - the arguments, e.g. `['train', 'config.yaml', '--seed', '3']`.
 * @param io - where output goes (default stdout and stderr).
 * @returns the exit code: 0 done, 1 failed, 2 bad usage or config.
 * @example
 * ```ts
 * import { main } from 'tradegym/experiment';
 * const code = await main(['schema'], { out: () => {}, err: () => {} });
 * console.log(code); // 0
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(mainHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined || !Object.hasOwn(COMMANDS, name)) {
    io.err(`tradegym: unknown command ${JSON.stringify(name)} (the commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, command));
    return 0;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true, tokens: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    }
    const seen = new Set<string>();
    for (const t of parsed.tokens ?? []) {
      if (t.kind !== 'option' || command.options[t.name]?.multiple === true) continue;
      if (seen.has(t.name)) throw new UsageError(`--${t.name} is given twice`);
      seen.add(t.name);
    }
    const positionals = parsed.positionals;
    if (positionals.length > command.positionals.length + (command.optional === undefined ? 0 : 1)) throw new UsageError(`too many arguments: ${positionals.join(' ')}`);
    if (positionals.length < command.positionals.length) throw new UsageError(`missing ${command.positionals.slice(positionals.length).map((p) => `<${p}>`).join(' ')}`);
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals }, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tradegym ${name}: ${e.message}\nusage: ${command.usage}\n(tradegym ${name} --help for the options)\n`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof InvalidArgumentError) {
      io.err(`tradegym ${name}: ${e.message}\n`);
      return 2;
    }
    io.err(`tradegym ${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    return 1;
  }
}

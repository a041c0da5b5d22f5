// The `tradegym` command through the real binary (bin/tradegym.mjs, as `npx tradegym` runs it):
// every subcommand, its --help, its exit codes, and that its files hold what the library computes.
import { execFile, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentJsonSchema, setupExperiment, type ExperimentConfig } from '../../src/experiment/index.js';
import { readCsv } from '../../src/market/csv.js';
import { RegimeGenerator } from '../../src/synthetic/RegimeGenerator.js';
import { fakeBinance, H, T0, trueBar } from '../helpers/fakeBinance.js';
import { findRedisServer, startRedisServer } from '../helpers/redisServer.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tradegym.mjs');

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary in `cwd`, never rejecting: the exit code is part of the answer. */
function tradegymChild(args: readonly string[], cwd: string) {
  return spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the binary in `cwd`, never rejecting: the exit code is part of the answer. */
function tradegym(args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const config: ExperimentConfig = {
  name: 'cli',
  seed: 1,
  data: { synthetic: { preset: 'crypto-15m', numSamples: 1200, seed: 2 } },
  features: { pipeline: ['logReturns', { name: 'rsi', period: 7 }] },
  split: { train: 0.6, validation: 0.2 },
  env: { windowSize: 2, fee: 10, episodeLength: 200 },
  agent: { algo: 'A2C', options: { nSteps: 16, netArch: { pi: [16], vf: [16] } } },
  train: { totalTimesteps: 192 },
  evaluation: { every: 96, metric: 'return' },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradegym-cli-'));
  writeFileSync(join(dir, 'tiny.yaml'), `# a tiny run\n${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'wf.yaml'), JSON.stringify({ ...config, split: undefined, name: 'wf', walkForward: { trainSize: 500, testSize: 300 }, evaluation: { metric: 'return' } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tradegym command', () => {
  it('prints help for itself and each subcommand, its version, and refuses bad usage with exit code 2', async () => {
    const commands = ['train', 'tune', 'worker', 'backtest', 'report', 'generate', 'fetch', 'features', 'schema'];
    const [main, version, unknown, badFlag, missing, ...helps] = await Promise.all([
      tradegym(['--help'], dir),
      tradegym(['--version'], dir),
      tradegym(['trian', 'x.yaml'], dir),
      tradegym(['train', 'tiny.yaml', '--timestep', '5'], dir),
      tradegym(['backtest'], dir),
      ...commands.map((c) => tradegym([c, '--help'], dir)),
    ]);
    expect(main!.code).toBe(0);
    for (const c of commands) expect(main!.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect(version!.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(unknown!.code).toBe(2);
    expect(unknown!.stderr).toMatch(/unknown command "trian" \(the commands: train, /);
    expect(badFlag!.code).toBe(2);
    expect(badFlag!.stderr).toMatch(/Unknown option '--timestep'/);
    expect(badFlag!.stderr).toMatch(/tradegym train --help/);
    expect(missing!.code).toBe(2);
    expect(missing!.stderr).toMatch(/missing <run folder>/);
    helps.forEach((h, i) => {
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^tradegym ${commands[i]}: `));
      expect(h.stdout).toMatch(/usage: tradegym /);
      expect(h.stdout).toMatch(/--help +this help/);
    });
  }, 120_000);

  it('train writes a run; backtest and report read it back and agree with metrics.json', async () => {
    const train = await tradegym(['train', 'tiny.yaml', '--out', 'runs', '--backend', 'cpu', '--set', 'agent.options.gamma=0.95', '--no-report'], dir);
    expect(train.stderr).toBe('backend: cpu\n');
    expect(train.code).toBe(0);
    const run = join(dir, 'runs', 'cli_1');
    expect(train.stdout).toContain(`run: runs/cli_1`);
    const asRun = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as ExperimentConfig;
    expect(asRun.agent.options).toEqual({ ...config.agent.options, gamma: 0.95 }); // the flag overrode the key
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as { test: Record<string, number>; validation: Record<string, number> };

    const [test, validation, report] = await Promise.all([
      tradegym(['backtest', 'runs/cli_1', '--backend', 'cpu'], dir),
      tradegym(['backtest', 'runs/cli_1', '--split', 'validation', '--out', 'v.json', '--backend', 'cpu'], dir),
      tradegym(['report', 'runs/cli_1', '--backend', 'cpu'], dir),
    ]);
    expect([test.code, validation.code, report.code]).toEqual([0, 0, 0]);
    expect(JSON.parse(readFileSync(join(run, 'backtest-test.json'), 'utf8'))).toEqual(metrics.test);
    expect(JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8'))).toEqual(metrics.validation);
    const html = readFileSync(join(run, 'report-test.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('on the test split');

    // the timesteps flag, a second run folder, and a bad override naming its key path
    const [again, bad, badSplit] = await Promise.all([
      tradegym(['train', 'tiny.yaml', '--out', 'runs', '--timesteps', '96', '--seed', '4', '--backend', 'cpu', '--no-report', '--no-tensorboard'], dir),
      tradegym(['train', 'tiny.yaml', '--set', 'agent.options.nSteps=0'], dir),
      tradegym(['backtest', 'runs/cli_1', '--split', 'holdout'], dir),
    ]);
    expect(again.code).toBe(0);
    const second = JSON.parse(readFileSync(join(dir, 'runs', 'cli_2', 'config.json'), 'utf8')) as ExperimentConfig;
    expect([second.seed, second.train.totalTimesteps]).toEqual([4, 96]);
    expect(existsSync(join(dir, 'runs', 'cli_2', 'tb'))).toBe(false);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tiny\.yaml: agent\.options\.nSteps: must be an integer >= 1, got 0/);
    expect(badSplit.code).toBe(2);
    expect(badSplit.stderr).toMatch(/--split must be train, validation or test, got "holdout"/);
  }, 180_000);

  it('train --seeds runs a seed per worker thread, the same runs as one at a time; a walkForward config trains every fold, or one with --fold', async () => {
    const [threads, here, badRange, alone, folds, fold1, foldDir] = await Promise.all([
      tradegym(['train', 'tiny.yaml', '--seeds', '3,5', '--threads', '2', '--out', 'seeds-threads', '--backend', 'cpu'], dir),
      tradegym(['train', 'tiny.yaml', '--seeds', '3-3,5', '--executor', 'in-process', '--out', 'seeds-here', '--backend', 'cpu'], dir),
      tradegym(['train', 'tiny.yaml', '--seeds', '5-3'], dir),
      tradegym(['train', 'tiny.yaml', '--threads', '2'], dir),
      tradegym(['train', 'wf.yaml', '--executor', 'in-process', '--out', 'folds', '--backend', 'cpu'], dir),
      tradegym(['train', 'wf.yaml', '--fold', '1', '--out', 'fold1', '--backend', 'cpu', '--no-report'], dir),
      tradegym(['train', 'wf.yaml', '--run-dir', 'somewhere'], dir),
    ]);
    // 1200 bars, 1193 after RSI(7)'s warm-up: [0,500) → [500,800) and [300,800) → [800,1100)
    expect(folds.stderr).toContain('2 walk-forward folds on this process');
    expect(folds.stdout).toMatch(/^fold 0 \(test bars 500-800\): complete {2}test return/m);
    expect(folds.stdout).toMatch(/^fold 1 \(test bars 800-1100\): complete/m);
    expect(folds.stdout).toMatch(/^the test windows chained: return /m);
    expect([folds.code, fold1.code]).toEqual([0, 0]);
    const inGroup = JSON.parse(readFileSync(join(dir, 'folds', 'wf_1', 'fold_1', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const single = JSON.parse(readFileSync(join(dir, 'fold1', 'wf_1', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect({ ...inGroup, trainSeconds: 0 }).toEqual({ ...single, trainSeconds: 0 });
    expect(foldDir.code).toBe(2);
    expect(foldDir.stderr).toMatch(/a config with walkForward trains every fold, into a group folder: it does not go with --run-dir \(--fold k trains one fold\)/);
    expect(threads.stderr).toContain('2 seeds on 2 worker threads');
    expect([threads.code, here.code]).toEqual([0, 0]);
    expect(threads.stdout).toMatch(/^seed 3: complete {2}test return/m);
    expect(threads.stdout).toMatch(/^test Sharpe: mean .*, std .*, from .* to /m);
    for (const s of [3, 5]) {
      const a = JSON.parse(readFileSync(join(dir, 'seeds-threads', 'cli_1', `seed_${s}`, 'metrics.json'), 'utf8')) as Record<string, unknown>;
      const b = JSON.parse(readFileSync(join(dir, 'seeds-here', 'cli_1', `seed_${s}`, 'metrics.json'), 'utf8')) as Record<string, unknown>;
      expect({ ...a, trainSeconds: 0 }).toEqual({ ...b, trainSeconds: 0 });
      expect(a.seed).toBe(s);
    }
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toMatch(/--seeds takes seeds and ranges such as 0,1,2 or 0-4, got "5-3"/);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--executor, --threads and --redis go with --seeds or walkForward/);
  }, 180_000);

  it('refuses a config with a bad key, naming the file and the key path', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'data: { synthetic: { preset: crypto-15m, numSamples: 100 } }\nagent: { algo: PPO, options: { nStep: 64 } }\ntrain: { totalTimesteps: 100 }\n');
    const r = await tradegym(['train', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tradegym train: bad\.yaml: agent\.options\.nStep: unknown key \(the keys here: learningRate, nSteps/);
    const none = await tradegym(['train', 'nothing.yaml'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no such config file: nothing\.yaml/);
  }, 60_000);

  it('generate writes the bars the generator makes; features writes the frame the run computes', async () => {
    const [gen, fromConfig, features, raw, fold] = await Promise.all([
      tradegym(['generate', '--preset', 'equity-daily', '--samples', '300', '--seed', '9', '--out', 'gen/bars.csv'], dir),
      tradegym(['generate', 'tiny.yaml', '--out', 'gen/tiny.csv'], dir),
      tradegym(['features', 'tiny.yaml', '--out', 'features.csv'], dir),
      tradegym(['features', 'tiny.yaml', '--out', 'raw.csv', '--raw'], dir),
      tradegym(['features', 'wf.yaml', '--set', 'fold=1', '--out', 'fold.csv'], dir),
    ]);
    expect([gen.code, fromConfig.code, features.code, raw.code, fold.code]).toEqual([0, 0, 0, 0, 0]);
    // fold 1 of wf.yaml trains on rows [300, 800) and tests on [800, 1100) of 1193: the rest has no split
    const labels = readFileSync(join(dir, 'fold.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
    expect(labels).toEqual([...Array(300).fill(''), ...Array(500).fill('train'), ...Array(300).fill('test'), ...Array(93).fill('')]);
    const expected = RegimeGenerator.preset('equity-daily').generate({ numSamples: 300, seed: 9 }).data;
    const read = await readCsv(join(dir, 'gen', 'bars.csv'));
    expect(Array.from(read.close)).toEqual(Array.from(expected.close));
    expect(Array.from(read.timestamps)).toEqual(Array.from(expected.timestamps));
    expect((await readCsv(join(dir, 'gen', 'tiny.csv'))).length).toBe(1200);

    const setup = await setupExperiment(config);
    const rows = readFileSync(join(dir, 'features.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe(['timestamp', 'split', ...setup.frame.names].join(','));
    expect(rows.length - 1).toBe(setup.frame.length);
    const normalised = setup.normalizer!.transform(setup.frame);
    const i = 500;
    const row = rows[i + 1]!.split(',');
    expect(row[0]).toBe(new Date(setup.frame.timestamps[i]!).toISOString());
    expect(row[1]).toBe(i < setup.split.train.length ? 'train' : i < setup.split.train.length + setup.split.validation!.length ? 'validation' : 'test');
    expect(row.slice(2).map(Number)).toEqual(normalised.names.map((n) => normalised.column(n)[i]));
    const rawRow = readFileSync(join(dir, 'raw.csv'), 'utf8').trim().split('\n')[i + 1]!.split(',');
    expect(rawRow.slice(2).map(Number)).toEqual(setup.frame.names.map((n) => setup.frame.column(n)[i]));
  }, 120_000);

  it('fetch downloads a ccxt config into its cache (a local fake of Binance), then refuses to overwrite it', async () => {
    const fake = await fakeBinance({ bars: 50 });
    try {
      const cfg = {
        ...config,
        data: { ccxt: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since: new Date(T0).toISOString(), until: new Date(T0 + 50 * H).toISOString(), cache: 'cache/btc.csv', exchangeOptions: { rateLimit: 1, timeout: 2000, options: { fetchMarkets: { types: ['spot'] } }, urls: { api: fake.exchange.urls.api } } } },
      };
      writeFileSync(join(dir, 'ccxt.json'), JSON.stringify(cfg));
      const first = await tradegym(['fetch', 'ccxt.json'], dir);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^50 bars → .*cache\/btc\.csv/);
      const bars = await readCsv(join(dir, 'cache', 'btc.csv'));
      expect(Array.from(bars.close)).toEqual(Array.from({ length: 50 }, (_, i) => trueBar(i)[4]));
      const second = await tradegym(['fetch', 'ccxt.json'], dir);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/btc\.csv exists/);
      const synthetic = await tradegym(['fetch', 'tiny.yaml'], dir);
      expect(synthetic.code).toBe(2);
      expect(synthetic.stderr).toMatch(/data: fetch needs a data\.ccxt section/);
    } finally {
      await fake.close();
    }
  }, 60_000);

  describe('tune', () => {
    /** A study of 4 tiny trials over gamma and the learning rate, scored on the validation split. */
    const study = (extra: Record<string, unknown> = {}) => ({
      ...config,
      name: 'search',
      tune: {
        nTrials: 4,
        parallelism: 2,
        sampler: { type: 'tpe', seed: 3, nStartupTrials: 2 },
        pruner: { type: 'median', nStartupTrials: 1 },
        space: { 'agent.options.gamma': { type: 'uniform', low: 0.9, high: 0.999 }, 'agent.options.learningRate': { type: 'loguniform', low: 1e-4, high: 1e-2 } },
        ...extra,
      },
    });
    const record = (d: string) => JSON.parse(readFileSync(join(dir, d, 'study.json'), 'utf8')) as { trials: { number: number; state: string; params: Record<string, number> }[] };

    it('runs the same trials on 2 worker threads as in this process, and resumes a stopped study', async () => {
      writeFileSync(join(dir, 'search.json'), JSON.stringify(study()));
      const [threads, here] = await Promise.all([
        tradegym(['tune', 'search.json', '--out', 'threads', '--threads', '2', '--backend', 'cpu'], dir),
        tradegym(['tune', 'search.json', '--out', 'here', '--executor', 'in-process', '--backend', 'cpu'], dir),
      ]);
      expect(threads.stderr).toContain('to run on 2 worker threads, 2 at once');
      expect([threads.code, here.code]).toEqual([0, 0]);
      expect(here.stdout).toMatch(/^trial 0 (complete|pruned|failed)/m);
      expect(here.stdout).toMatch(/^best: trial \d+/m);
      const a = record('threads/search_1');
      expect(a.trials).toHaveLength(4);
      expect(a).toEqual(record('here/search_1'));
      // each trial's run folder holds the config with its parameters set
      for (const t of a.trials) {
        const c = JSON.parse(readFileSync(join(dir, 'threads', 'search_1', 'trials', `trial_${t.number}`, 'config.json'), 'utf8')) as ExperimentConfig;
        expect(c.agent.options).toMatchObject({ gamma: t.params['agent.options.gamma'], learningRate: t.params['agent.options.learningRate'] });
        expect(c.tune).toBeUndefined();
      }
      const best = JSON.parse(readFileSync(join(dir, 'here', 'search_1', 'best.json'), 'utf8')) as { trial: number };
      expect(a.trials[best.trial]!.state).toBe('complete');
      expect(existsSync(join(dir, 'here', 'search_1', 'study.html'))).toBe(true);

      // stopped after 2 trials, then resumed to 4: the same trials as the uninterrupted study
      const first = await tradegym(['tune', 'search.json', '--out', 'resumed', '--executor', 'in-process', '--trials', '2', '--backend', 'cpu'], dir);
      expect(first.code).toBe(0);
      expect(record('resumed/search_1').trials).toHaveLength(2);
      const rest = await tradegym(['tune', '--resume', 'resumed/search_1', '--executor', 'in-process', '--trials', '4', '--backend', 'cpu'], dir);
      expect(rest.stderr).toContain('2 trials done, 2 to run');
      expect(rest.code).toBe(0);
      expect(record('resumed/search_1')).toEqual(record('here/search_1'));
    }, 240_000);

    it('refuses a config without tune, a search that cannot be built, or an unreachable Redis, leaving no folder', async () => {
      writeFileSync(join(dir, 'badtune.json'), JSON.stringify(study({ pruner: { type: 'asha', reductionFactor: 1 } })));
      const [none, bad, both, noRedis, noRedisSeeds] = await Promise.all([
        tradegym(['tune', 'tiny.yaml'], dir),
        tradegym(['tune', 'badtune.json', '--executor', 'in-process'], dir),
        tradegym(['tune', 'tiny.yaml', '--resume', 'x'], dir),
        tradegym(['tune', 'search.json', '--out', 'noredis', '--redis', 'redis://127.0.0.1:1'], dir),
        tradegym(['train', 'tiny.yaml', '--seeds', '1,2', '--out', 'noredis', '--redis', 'redis://127.0.0.1:1'], dir),
      ]);
      for (const r of [noRedis, noRedisSeeds]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/RedisUnavailableError: .*redis:\/\/127\.0\.0\.1:1/);
      }
      expect(existsSync(join(dir, 'noredis'))).toBe(false);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/tiny\.yaml: tune: is required by tradegym tune/);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/badtune\.json: tune\.pruner: reductionFactor must be/);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/give a config or --resume <study folder>, not both/);
    }, 60_000);

    it('runs trials on `tradegym worker` processes through Redis, the same as in this process', async () => {
      const required = process.env.TRADEGYM_REQUIRE_REDIS !== undefined && process.env.TRADEGYM_REQUIRE_REDIS !== '';
      if (findRedisServer() === undefined) {
        if (required) throw new Error('TRADEGYM_REQUIRE_REDIS is set but redis-server is not on the PATH: install it (apt-get install redis-server)');
        console.log('redis-server was not found on the PATH: "tradegym tune --redis" checked that an unreachable Redis fails plainly instead of running a cluster (install redis-server to run it)');
        const r = await tradegym(['tune', 'search.json', '--out', 'noredis2', '--redis', 'redis://127.0.0.1:1'], dir);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/RedisUnavailableError: .*redis:\/\/127\.0\.0\.1:1/);
        return;
      }
      const server = await startRedisServer();
      const workers = [tradegymChild(['worker', '--redis', server.url, '--backend', 'cpu'], dir), tradegymChild(['worker', '--redis', server.url, '--backend', 'cpu'], dir)];
      const logs = workers.map((w) => {
        let err = '';
        w.stderr.on('data', (d: Buffer) => (err += d.toString()));
        return () => err;
      });
      try {
        writeFileSync(join(dir, 'search.json'), JSON.stringify(study()));
        const r = await tradegym(['tune', 'search.json', '--out', 'cluster', '--redis', server.url], dir);
        expect(r.stderr).toContain(`to run on Redis at ${server.url}`);
        expect(r.code).toBe(0);
        expect(record('cluster/search_1')).toEqual(record('here/search_1'));
        // Ctrl-C: each worker stops and says how many trials it ran; together, all of them
        const exits = workers.map((w) => new Promise<number | null>((res) => w.once('exit', (code) => res(code))));
        for (const w of workers) w.kill('SIGINT');
        expect(await Promise.all(exits)).toEqual([0, 0]);
        const ran = logs.map((l) => Number(/stopped after (\d+) trials/.exec(l())?.[1]));
        expect(ran[0]! + ran[1]!).toBe(4);
      } finally {
        for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
        await server.stop();
      }
    }, 240_000);
  });

  it('schema prints the JSON Schema', async () => {
    const r = await tradegym(['schema'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(experimentJsonSchema());
  }, 30_000);

  it('writes --out through a symlink (never replacing it), refuses a folder, and refuses flags that cannot apply', async () => {
    writeFileSync(join(dir, 'target.json'), '');
    symlinkSync(join(dir, 'target.json'), join(dir, 'link.json'));
    const [link, folder, twice, resumeSet, badYaml, threads] = await Promise.all([
      tradegym(['schema', '--out', 'link.json'], dir),
      tradegym(['generate', '--preset', 'crypto-15m', '--samples', '10', '--out', 'gen/'], dir),
      tradegym(['train', 'tiny.yaml', '--seed', '1', '--seed', '2'], dir),
      tradegym(['tune', '--resume', 'x', '--set', 'seed=1'], dir),
      tradegym(['train', 'tiny.yaml', '--set', 'agent.options.nSteps=[1'], dir),
      tradegym(['train', 'tiny.yaml', '--seeds', '1,2', '--executor', 'in-process', '--threads', '2'], dir),
    ]);
    expect(link.code).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'target.json'), 'utf8'))).toEqual(experimentJsonSchema());
    expect([folder.code, twice.code, resumeSet.code, badYaml.code, threads.code]).toEqual([2, 2, 2, 2, 2]);
    expect(folder.stderr).toMatch(/--out must name a file, got the folder "gen\/"/);
    expect(twice.stderr).toMatch(/--seed is given twice/);
    expect(resumeSet.stderr).toMatch(/--set cannot change a study part-way/);
    expect(badYaml.stderr).toMatch(/--set agent\.options\.nSteps: the value is not valid YAML/);
    expect(threads.stderr).toMatch(/--threads is for the threads executor, not in-process/);
  }, 60_000);
});

// A run folder: what it holds, that rerunning its config.json reproduces it bit for bit, that
// evaluation never touches the test split when there is a validation split, and that values the
// classes refuse are reported at their key path.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/agents/index.js';
import { backtest } from '../../src/backtest/backtest.js';
import { writeCsv } from '../../src/market/csv.js';
import { RegimeGenerator } from '../../src/synthetic/RegimeGenerator.js';
import { ConfigError, parseExperimentConfig, parseExperimentText, runExperiment, runSeeds, setupExperiment, type ExperimentConfig } from '../../src/experiment/index.js';
import { VERSION } from '../../src/version.js';

const tiny: ExperimentConfig = {
  name: 'tiny',
  seed: 3,
  data: { synthetic: { preset: 'crypto-15m', numSamples: 1500, seed: 5 } },
  features: { pipeline: ['logReturns', { name: 'rsi', period: 7 }] },
  split: { train: 0.6, validation: 0.2 },
  env: { windowSize: 2, fee: 10, episodeLength: 200 },
  agent: { algo: 'PPO', options: { nSteps: 64, batchSize: 32, nEpochs: 2, netArch: { pi: [16], vf: [16] } } },
  train: { totalTimesteps: 256, checkpointEvery: 128 },
  evaluation: { every: 128, metric: 'return' },
};

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tradegym-runs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A saved model: model.json without the weight file's name and the header hash over it (it carries the writer's pid and a random tag), and the weights' bytes. */
function modelFiles(run: string): { model: unknown; weights: Buffer } {
  const d = join(run, 'model');
  const bins = readdirSync(d).filter((f) => f.endsWith('.bin'));
  expect(bins).toHaveLength(1);
  const model = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'), (k, v: unknown) => (k === 'paths' || k === 'headerSha256' ? '(names the weight file)' : v)) as unknown;
  return { model, weights: readFileSync(join(d, bins[0]!)) };
}

/** A progress.jsonl without the keys that measure time. */
function progressWithoutTime(run: string): unknown[] {
  return readFileSync(join(run, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Record<string, unknown>).filter(([k]) => !k.startsWith('time/fps') && k !== 'time/time_elapsed')));
}

describe('runExperiment', () => {
  it('writes a run folder that reruns bit for bit from its config.json', async () => {
    const first = await runExperiment(tiny, { outDir: dir, report: false });
    expect(first.dir).toBe(join(dir, 'tiny_1'));
    expect(readdirSync(first.dir).sort()).toEqual(['checkpoints', 'config.json', 'evaluations.jsonl', 'metrics.json', 'model', 'progress.jsonl', 'tb', 'versions.json']);
    expect(readdirSync(join(first.dir, 'checkpoints')).sort()).toEqual(['ppo_128_steps', 'ppo_256_steps']);
    expect(readdirSync(join(first.dir, 'tb')).some((f) => f.startsWith('events.out.tfevents.'))).toBe(true);
    const versions = JSON.parse(readFileSync(join(first.dir, 'versions.json'), 'utf8')) as Record<string, unknown>;
    expect(versions.tradegym).toBe(VERSION);
    expect(versions.node).toBe(process.versions.node);
    expect(versions.backend).toBe('cpu');

    const metrics = JSON.parse(readFileSync(join(first.dir, 'metrics.json'), 'utf8')) as { evaluations: { step: number; split: string }[]; objective: { value: number }; timesteps: number; test: { bars: number } };
    expect(metrics.timesteps).toBe(256);
    expect(metrics.evaluations.map((e) => [e.step, e.split])).toEqual([[128, 'validation'], [256, 'validation']]);

    // rerun from the run folder's own config
    const config = parseExperimentText(readFileSync(join(first.dir, 'config.json'), 'utf8'));
    const second = await runExperiment(config, { outDir: dir, report: false });
    expect(second.dir).toBe(join(dir, 'tiny_2'));
    expect({ ...second.metrics, trainSeconds: 0 }).toEqual({ ...first.metrics, trainSeconds: 0 });
    expect(modelFiles(second.dir)).toEqual(modelFiles(first.dir));
    expect(readFileSync(join(second.dir, 'evaluations.jsonl'), 'utf8')).toBe(readFileSync(join(first.dir, 'evaluations.jsonl'), 'utf8'));
    expect(progressWithoutTime(second.dir)).toEqual(progressWithoutTime(first.dir));

    // another seed gives another agent
    const third = await runExperiment({ ...tiny, seed: 4 }, { outDir: dir, report: false });
    expect(modelFiles(third.dir).weights).not.toEqual(modelFiles(first.dir).weights);
  }, 120_000);

  it("scores the objective on the validation split, and the test split's figures equal a backtest of the saved model", async () => {
    const run = await runExperiment({ ...tiny, name: 'split', evaluation: { metric: 'sharpe' } }, { outDir: dir, report: false });
    const setup = await setupExperiment(tiny);
    const agent = await setup.loadAgent(join(run.dir, 'model'));
    try {
      const validation = backtest({ data: setup.split.validation!.bars, strategy: { env: setup.envFor(setup.split.validation!, 'evaluate'), agent } });
      const test = backtest({ data: setup.split.test.bars, strategy: { env: setup.envFor(setup.split.test, 'evaluate'), agent } });
      expect(run.metrics.objective).toEqual({ metric: 'sharpe', split: 'validation', value: validation.metrics.sharpeRatio });
      expect(run.metrics.test.sharpe).toBe(test.metrics.sharpeRatio);
      expect(run.metrics.test.totalReturn).toBe(test.metrics.totalReturn);
      expect(run.metrics.test.trades).toBe(test.trades.length);
      // one equity point per decision: the first at the window's last bar (windowSize 2: bar 1)
      expect(run.metrics.test.bars).toBe(test.equity.length);
      expect(test.equity.length).toBe(setup.split.test.length - 1);
    } finally {
      agent.dispose();
    }
    // the splits follow each other in time, without overlap
    const s = setup.split;
    expect(s.train.timestamps.at(-1)! < s.validation!.timestamps[0]!).toBe(true);
    expect(s.validation!.timestamps.at(-1)! < s.test.timestamps[0]!).toBe(true);
    expect(s.train.length + s.validation!.length + s.test.length).toBe(setup.frame.length);
  }, 60_000);

  it('stops training when onEvaluation says so (a pruned trial)', async () => {
    const steps: number[] = [];
    const run = await runExperiment({ ...tiny, name: 'stopped', train: { totalTimesteps: 512 } }, { outDir: dir, report: false, tensorboard: false, onEvaluation: (p) => (steps.push(p.step), false) });
    expect(steps).toEqual([128]);
    expect(run.metrics.timesteps).toBe(128);
    expect(existsSync(join(run.dir, 'tb'))).toBe(false);
  }, 60_000);

  it.each([
    ['agent.options.nSteps', { agent: { algo: 'PPO', options: { nSteps: 0 } } }, /agent\.options\.nSteps: must be/],
    ['agent.options.batchSize', { agent: { algo: 'PPO', options: { nSteps: 64, batchSize: 0 } } }, /agent\.options\.batchSize: must be/],
    ['env', { env: { actionScheme: 'continuous' }, agent: { algo: 'DQN' } }, /^env|agent/],
    ['features.pipeline', { features: { pipeline: ['noSuchIndicator'] } }, /features\.pipeline.*noSuchIndicator/],
  ])('reports a value the classes refuse at %s', async (_path, patch, message) => {
    const config = { ...tiny, ...patch } as ExperimentConfig;
    let error: unknown;
    try {
      await runExperiment(config, { outDir: dir, report: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
  }, 60_000);

  it('runSeeds makes the run runExperiment makes for each seed, and the spread of their figures', async () => {
    const config = { ...tiny, name: 'group', train: { totalTimesteps: 128 }, evaluation: { metric: 'return' as const } };
    const group = await runSeeds(config, [7, 2], { outDir: dir, backend: 'cpu' });
    expect(group.runs.map((r) => [r.seed, r.state, r.dir])).toEqual([[7, 'complete', join(group.dir, 'seed_7')], [2, 'complete', join(group.dir, 'seed_2')]]);
    const alone = await runExperiment({ ...config, seed: 2 }, { outDir: dir, report: false });
    expect({ ...group.runs[1]!.metrics!, trainSeconds: 0 }).toEqual({ ...alone.metrics, trainSeconds: 0 });
    expect(modelFiles(group.runs[1]!.dir)).toEqual(modelFiles(alone.dir));
    // the spread, by hand from the two runs' figures
    const [a, b] = group.runs.map((r) => r.metrics!.test.totalReturn) as [number, number];
    expect(group.summary.testReturn.mean).toBeCloseTo((a + b) / 2, 15);
    expect(group.summary.testReturn.std).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 15); // sample std of two values
    expect([group.summary.testReturn.min, group.summary.testReturn.max]).toEqual([Math.min(a, b), Math.max(a, b)]);
    const saved = JSON.parse(readFileSync(join(group.dir, 'seeds.json'), 'utf8')) as { runs: { seed: number; state: string }[] };
    expect(saved.runs.map((r) => [r.seed, r.state])).toEqual([[7, 'complete'], [2, 'complete']]);
    await expect(runSeeds(config, [1, 1])).rejects.toThrow(/seeds must be distinct seeds/);
    await expect(runSeeds(config, [-1])).rejects.toThrow(/seeds\[0\] must be an integer >= 0/);
    await expect(runSeeds(config, [])).rejects.toThrow(/seeds must be a non-empty array/);
  }, 120_000);

  it("records a CSV's SHA-256 in the run's config.json, and a rerun refuses a changed file", async () => {
    const file = join(dir, 'bars.csv');
    await writeCsv(RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1500, seed: 5 }).data, file);
    const config: ExperimentConfig = { ...tiny, name: 'fromcsv', data: { csv: { path: 'bars.csv' } }, train: { totalTimesteps: 64 }, evaluation: { metric: 'return' } };
    const run = await runExperiment(config, { outDir: dir, baseDir: dir, report: false, tensorboard: false });
    const recorded = JSON.parse(readFileSync(join(run.dir, 'config.json'), 'utf8')) as ExperimentConfig;
    // the hash of the file's bytes, by node:crypto on a fresh read
    expect(recorded.data).toEqual({ csv: { path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') } });
    const again = await runExperiment(recorded, { outDir: dir, report: false, tensorboard: false });
    expect({ ...again.metrics, trainSeconds: 0 }).toEqual({ ...run.metrics, trainSeconds: 0 });
    // one byte more (a trailing newline) is another file
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n`);
    const e = await setupExperiment(recorded).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).path).toBe('data.csv.sha256');
    expect((e as Error).message).toMatch(/the file's SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}: .*bars\.csv is not the file this config was run on/);
    expect(() => parseExperimentConfig({ ...config, data: { csv: { path: 'bars.csv', sha256: 'abc' } } })).toThrow(/data\.csv\.sha256: expected a string matching/);
  }, 60_000);

  it('refuses unknown options and a run folder that holds files', async () => {
    await expect(runExperiment(tiny, { outDir: dir, reprot: false } as never)).rejects.toThrow(/options\.reprot is not an option of runExperiment/);
    await expect(runExperiment(tiny, { runDir: join(dir, 'tiny_1') })).rejects.toThrow(/options\.runDir must be a new or empty folder/);
    // a volatility over 100 bars on 60 bars leaves no row: said of the features, not of the split
    const short = await setupExperiment({ ...tiny, data: { synthetic: { preset: 'crypto-15m', numSamples: 60 } }, features: { pipeline: [{ name: 'volatility', period: 100 }] } }).catch((x: unknown) => x);
    expect(short).toBeInstanceOf(ConfigError);
    expect((short as ConfigError).message).toMatch(/features\.pipeline: needs more bars than the data has: the features' warm-up takes every one of its 60 bars/);
    const e = await runExperiment({ ...tiny, data: { csv: { path: 'no-such.csv' } } }, { outDir: dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).path).toBe('data.csv.path');
  });
});

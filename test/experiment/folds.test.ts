// Walk-forward folds in experiment configs: each fold's split is the bar ranges walkForward()
// gives on the features, runFolds trains one run per fold on any executor, each run equal to
// runExperiment with `fold: k`, and the chained test return is prod(1 + r) - 1.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/agents/index.js';
import { ConfigError, experimentFolds, parseExperimentConfig, runExperiment, runFolds, setupExperiment, type ExperimentConfig } from '../../src/experiment/index.js';
import { Normalizer } from '../../src/features/index.js';
import { threadPool } from '../../src/tune/index.js';

const wf = { trainSize: 600, testSize: 200, step: 300, embargo: 10, validationSize: 100 };
const tiny: ExperimentConfig = {
  name: 'wf',
  seed: 3,
  data: { synthetic: { preset: 'crypto-15m', numSamples: 1500, seed: 5 } },
  features: { pipeline: ['logReturns', { name: 'rsi', period: 7 }] },
  walkForward: wf,
  env: { windowSize: 2, fee: 10, episodeLength: 100 },
  agent: { algo: 'PPO', options: { nSteps: 64, batchSize: 32, nEpochs: 2, netArch: { pi: [8], vf: [8] } } },
  train: { totalTimesteps: 128 },
  evaluation: { metric: 'return' },
};

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tradegym-folds-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('walk-forward configs', () => {
  it("split each fold at the bar ranges worked out by hand: training, its last validationSize bars, the embargo, then the test window", async () => {
    const folds = await experimentFolds(tiny);
    // 1500 bars, RSI(7) needs 7 bars before its first value and logReturns 1: 1493 rows. Rolling
    // windows of 600 every 300 bars, each followed by 10 embargo bars and 200 test bars:
    // [0,600) → [610,810), [300,900) → [910,1110), [600,1200) → [1210,1410); the next would end at 1710 > 1493.
    expect(folds.map((f) => [f.train, f.test])).toEqual([[[0, 600], [610, 810]], [[300, 900], [910, 1110]], [[600, 1200], [1210, 1410]]]);
    const setup = await setupExperiment({ ...tiny, fold: 1 });
    expect(setup.frame.length).toBe(1493);
    const ts = setup.frame.timestamps;
    const { train, validation, test } = setup.split;
    expect([train.timestamps[0], train.timestamps.at(-1), train.length]).toEqual([ts[300], ts[799], 500]);
    expect([validation?.timestamps[0], validation?.timestamps.at(-1), validation?.length]).toEqual([ts[800], ts[899], 100]);
    expect([test.timestamps[0], test.timestamps.at(-1), test.length]).toEqual([ts[910], ts[1109], 200]);
    // the normaliser saw the fold's training bars only (the config's default: robust, clipped at 5)
    expect(setup.normalizer?.toJSON()).toEqual(new Normalizer({ method: 'robust', clip: 5 }).fit(setup.frame.slice(300, 800)).toJSON());
    expect(setup.normalizer?.toJSON()).not.toEqual(new Normalizer({ method: 'robust', clip: 5 }).fit(setup.frame.slice(300, 900)).toJSON());
  });

  it('refuses configs that cannot mean anything, naming the key', async () => {
    const bad = async (c: unknown, path: string, message: RegExp) => {
      const e = await (async () => setupExperiment(c as ExperimentConfig))().catch((x: unknown) => x);
      expect(e, path).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).path).toBe(path);
      expect((e as Error).message).toMatch(message);
    };
    await bad({ ...tiny, split: { train: 0.7 } }, 'walkForward', /split exclude each other/);
    const plain: ExperimentConfig = { ...tiny };
    delete (plain as { walkForward?: unknown }).walkForward;
    await bad({ ...plain, fold: 0 }, 'fold', /needs walkForward/);
    await bad({ ...tiny, walkForward: { ...wf, validationSize: 600 } }, 'walkForward.validationSize', /< trainSize 600\), got 600/);
    await bad({ ...tiny, walkForward: { ...wf, trainSize: 1400 } }, 'walkForward', /no walk-forward fold fits: .* > length 1493 \(the bars after the features' warm-up\)/);
    await bad({ ...tiny, walkForward: { ...wf, mode: 'expanding' } }, 'walkForward.mode', /rolling/);
    await bad(tiny, 'fold', /is required with walkForward: a run trains one of its 3 folds/);
    await bad({ ...tiny, fold: 3 }, 'fold', /must be less than 3 \(the folds that fit 1493 bars\), got 3/);
    expect(() => parseExperimentConfig({ ...tiny, tune: { space: { 'agent.options.gamma': { type: 'uniform', low: 0.9, high: 0.99 } }, nTrials: 2 } })).toThrow(/walkForward: cannot be tuned over/);
    await expect(experimentFolds(plain)).rejects.toThrow(/walkForward: is missing/);
  });

  it('runFolds on two threads makes, for each fold, the run runExperiment makes alone, and chains the test returns', async () => {
    const group = await runFolds(tiny, { outDir: dir, backend: 'cpu', executor: threadPool({ size: 2 }) });
    expect(group.runs.map((r) => [r.fold, r.seed, r.state, r.dir, r.test])).toEqual([
      [0, 3, 'complete', join(group.dir, 'fold_0'), [610, 810]],
      [1, 3, 'complete', join(group.dir, 'fold_1'), [910, 1110]],
      [2, 3, 'complete', join(group.dir, 'fold_2'), [1210, 1410]],
    ]);
    const alone = await runExperiment({ ...tiny, fold: 2 }, { outDir: dir, report: false });
    expect({ ...group.runs[2]!.metrics!, trainSeconds: 0 }).toEqual({ ...alone.metrics, trainSeconds: 0 });
    expect(alone.metrics.objective.split).toBe('validation');
    // each fold's run folder records its fold, so its config.json reruns that fold alone
    expect((JSON.parse(readFileSync(join(group.dir, 'fold_1', 'config.json'), 'utf8')) as ExperimentConfig).fold).toBe(1);
    // the test windows [610,810), [910,1110), [1210,1410) do not overlap: chained by hand
    const [a, b, c] = group.runs.map((r) => r.metrics!.test.totalReturn) as [number, number, number];
    expect(group.chainedTestReturn).toBeCloseTo((1 + a) * (1 + b) * (1 + c) - 1, 14);
    expect(group.summary.testReturn.mean).toBeCloseTo((a + b + c) / 3, 14);
    const saved = JSON.parse(readFileSync(join(group.dir, 'folds.json'), 'utf8')) as { runs: { fold: number; state: string; metrics?: unknown }[]; chainedTestReturn: number };
    expect(saved.runs.map((r) => [r.fold, r.state, r.metrics])).toEqual([[0, 'complete', undefined], [1, 'complete', undefined], [2, 'complete', undefined]]);
    expect(saved.chainedTestReturn).toBe(group.chainedTestReturn);
  }, 120_000);

  it('runFolds with seeds runs every fold with each seed; overlapping test windows are not chained', async () => {
    const config = { ...tiny, walkForward: { trainSize: 1000, testSize: 300, step: 100 }, train: { totalTimesteps: 64 }, agent: { algo: 'A2C' as const, options: { nSteps: 16 } } };
    const group = await runFolds(config, { outDir: dir, backend: 'cpu', seeds: [4, 1] });
    // 1493 rows: [0,1000) → [1000,1300), [100,1100) → [1100,1400); [200,1200) → [1200,1500) does not fit
    expect(group.runs.map((r) => [r.fold, r.seed, r.dir.slice(group.dir.length + 1), r.state])).toEqual([
      [0, 4, 'fold_0_seed_4', 'complete'],
      [0, 1, 'fold_0_seed_1', 'complete'],
      [1, 4, 'fold_1_seed_4', 'complete'],
      [1, 1, 'fold_1_seed_1', 'complete'],
    ]);
    expect(group.chainedTestReturn).toBeUndefined();
    const alone = await runExperiment({ ...config, fold: 1, seed: 1 }, { outDir: dir, report: false });
    expect({ ...group.runs[3]!.metrics!, trainSeconds: 0 }).toEqual({ ...alone.metrics, trainSeconds: 0 });
    await expect(runFolds(config, { seeds: [1, 1] })).rejects.toThrow(/options\.seeds must be distinct seeds/);
    await expect(runFolds(config, { sedes: [1] } as never)).rejects.toThrow(/options\.sedes is not a known option/);
  }, 120_000);
});

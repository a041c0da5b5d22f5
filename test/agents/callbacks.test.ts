import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, CheckpointCallback, EvalCallback, ProgressBar, StopTrainingOnRewardThreshold, TrainingLogger, useBackend } from '../../src/agents/index.js';
import { make } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-callbacks-'));
// A2C with nSteps 10 on one env: a rollout is 10 steps, so callbacks run at 10, 20, 30, ...
const agent = () => new A2C(make('CartPole-v1'), { nSteps: 10, seed: 0 });

describe('callbacks', () => {
  it('a function returning false stops training after that update', async () => {
    const a = agent();
    let calls = 0;
    await a.learn({ totalTimesteps: 1000, callback: () => ++calls < 3 });
    expect(a.numTimesteps).toBe(30);
    a.dispose();
  });

  it('EvalCallback evaluates when the step count crosses each multiple of evalFreq, keeps the best, saves it', async () => {
    const a = agent();
    const best = join(root, 'best');
    const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: 25, nEvalEpisodes: 2, bestModelSavePath: best });
    await a.learn({ totalTimesteps: 100, callback: evaluation });
    // rollouts end at 10, 20, ..., 100: the multiples 25, 50, 75, 100 are crossed at 30, 50, 80, 100
    expect(evaluation.evaluations.map((e) => e.timesteps)).toEqual([30, 50, 80, 100]);
    expect(evaluation.bestMeanReward).toBe(Math.max(...evaluation.evaluations.map((e) => e.mean)));
    expect(existsSync(join(best, 'model.json'))).toBe(true);
    a.dispose();
  });

  it('StopTrainingOnRewardThreshold ends training once an evaluation reaches it', async () => {
    const a = agent();
    const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: 20, nEvalEpisodes: 1, callbackOnNewBest: new StopTrainingOnRewardThreshold(1) });
    await a.learn({ totalTimesteps: 1000, callback: evaluation });
    expect(a.numTimesteps).toBe(20); // the first evaluation returns >= 1 (every CartPole step pays 1)
    a.dispose();
  });

  it('CheckpointCallback saves under savePath at each multiple of saveFreq', async () => {
    const a = agent();
    const cp = new CheckpointCallback({ saveFreq: 20, savePath: join(root, 'checkpoints'), namePrefix: 'a2c' });
    await a.learn({ totalTimesteps: 60, callback: cp });
    expect(cp.saved.map((d) => d.split('/').pop())).toEqual(['a2c_20_steps', 'a2c_40_steps', 'a2c_60_steps']);
    expect((await A2C.load(cp.saved[1]!, make('CartPole-v1'))).numTimesteps).toBe(40);
    a.dispose();
  });

  it('TrainingLogger writes one CSV row or JSON line per update, with SB3 keys', async () => {
    const csv = join(root, 'log', 'progress.csv');
    const jsonl = join(root, 'log', 'progress.jsonl');
    const a = agent();
    await a.learn({ totalTimesteps: 30, callback: [new TrainingLogger(csv), new TrainingLogger(jsonl)] });
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(4); // header + 3 updates
    expect(rows[0]!.split(',')).toContain('train/value_loss');
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l['time/total_timesteps'])).toEqual([10, 20, 30]);
    expect(() => new TrainingLogger(join(root, 'x.txt'))).toThrow(/path must be a \.csv or \.jsonl file/);
    a.dispose();
  });

  it('ProgressBar formats steps, fps, ETA and reward', () => {
    // 5000 of 20000 at 1250 fps: 15000 left / 1250 = 12 s; 5 of 20 cells filled
    expect(ProgressBar.format(5000, 20_000, 1250, 87.5)).toBe('[#####...............] 5000/20000 steps | 1250 fps | ETA 12s | ep_rew_mean 87.50');
    expect(ProgressBar.format(0, 10, 0, Number.NaN)).toBe('[....................] 0/10 steps | 0 fps | ETA - | ep_rew_mean -');
  });
});

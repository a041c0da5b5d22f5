// The thread pool's speed-up on a CPU-bound objective: one 8-trial study (TPE, seed 0,
// parallelism 2) whose trials each train PPO on CartPole-v1 for BENCH_STEPS steps (tfjs's cpu
// backend in each thread, the agents' default kernels: native where built), run on
// threadPool({ size: 1 }) and on threadPool({ size: 2 }). Both runs give the same trials
// (checked); the figure is the ratio of wall times, thread start-up included. Goal: >= 1.8x on
// 2 idle cores. BENCH_OBJECTIVE=loop times a pure-JS loop instead (BENCH_STEPS * 300 sines a
// trial): no memory traffic, so it shows the pool's own overhead. Prints one JSON object.
//   npm run bench -- tune-threads        BENCH_STEPS=65536 BENCH_TRIALS=8 BENCH_PARALLELISM=2 BENCH_OBJECTIVE=ppo
// This file is also the trials' objective module: in a worker thread it only exports `objective`.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { make } from '../src/index.js';
import { PPO, useBackend } from '../src/agents/index.js';
import { Study, threadPool, TPESampler, type SearchSpace, type TrialContext } from '../src/tune/index.js';

/** PPO on CartPole for `data.steps` steps: the value is minus the mean episode return at the end (SB3's ep_rew_mean). */
export async function objective(trial: TrialContext, data: unknown): Promise<number> {
  const { steps, kind } = data as { steps: number; kind: 'ppo' | 'loop' };
  if (kind === 'loop') {
    let sum = 0;
    for (let i = 0; i < steps * 300; i++) sum += Math.sin(i * (trial.params.lr as number));
    return sum;
  }
  await useBackend('cpu');
  const agent = new PPO(make('CartPole-v1'), { nSteps: 256, batchSize: 64, nEpochs: 4, learningRate: trial.params.lr as number, gamma: trial.params.gamma as number, seed: trial.number });
  let meanReturn = 0;
  await agent.learn({ totalTimesteps: steps, callback: (record) => void (meanReturn = record['rollout/ep_rew_mean'] ?? meanReturn) });
  agent.dispose();
  return -meanReturn;
}

if (isMainThread) {
  const steps = Number(process.env.BENCH_STEPS ?? 65536);
  const nTrials = Number(process.env.BENCH_TRIALS ?? 8);
  const parallelism = Number(process.env.BENCH_PARALLELISM ?? 2);
  const kind = process.env.BENCH_OBJECTIVE === 'loop' ? 'loop' : 'ppo';
  const space: SearchSpace = { lr: { type: 'loguniform', low: 1e-4, high: 3e-3 }, gamma: { type: 'uniform', low: 0.9, high: 0.999 } };
  const ref = { module: fileURLToPath(import.meta.url), data: { steps, kind } };
  const run = async (size: number) => {
    const study = new Study({ space, sampler: new TPESampler({ seed: 0, nStartupTrials: 4 }), parallelism });
    const t0 = performance.now();
    await study.optimize(ref, { nTrials, executor: threadPool({ size }) });
    return { seconds: (performance.now() - t0) / 1000, record: JSON.stringify(study.toJSON()) };
  };
  await run(2); // warm-up: the first threads compile tsx's and tfjs's code
  const one = await run(1);
  const two = await run(2);
  if (one.record !== two.record) throw new Error('threadPool size 1 and 2 gave different trials');
  console.log(
    JSON.stringify({
      benchmark: 'tune-threads',
      objective: kind === 'loop' ? `a pure-JS loop of ${steps * 300} sines a trial` : `PPO on CartPole-v1, ${steps} steps a trial, tfjs cpu backend`,
      nTrials,
      parallelism,
      cores: availableParallelism(),
      size1Seconds: +one.seconds.toFixed(2),
      size2Seconds: +two.seconds.toFixed(2),
      speedup: +(one.seconds / two.seconds).toFixed(2),
      sameTrials: true,
      goal: '>= 1.8x on 2 cores',
    }),
  );
}

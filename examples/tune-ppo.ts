// Tunes PPO on CartPole with TPE and ASHA (tradegym/tune): a search over the learning rate,
// nSteps, batch size, gamma, GAE lambda and the entropy coefficient, as rl-baselines3-zoo's
// search space for PPO. Each trial trains 8 CartPoles for at most 50,000 steps, evaluating the
// deterministic policy every 10,000 steps (10 episodes): the pruner stops trials that fall behind
// at those rungs, and a trial that averages 475 or more is solved and stops there. (Training runs
// whole rollouts of nSteps x 8 steps, so a rung can end a little past its 10,000.) The trials run
// on a pool of worker threads, one per core (the study gives the same trials whatever the size).
//   npx tsx examples/tune-ppo.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens each trial, TRADEGYM_EXAMPLE_TRIALS sets the number of
// trials (CI runs 2 short ones) and TRADEGYM_EXAMPLE_THREADS the number of threads.
// This file is also the trials' module: a worker thread imports it for `objective` only.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { make, makeVecEnv } from '../src/index.js';
import { evaluatePolicy, PPO, useBackend } from '../src/agents/index.js';
import { Study, SuccessiveHalvingPruner, threadPool, TPESampler, TrialPruned, type SearchSpace, type TrialContext } from '../src/tune/index.js';

/** The evaluations per trial: the pruner's rungs. */
export const rungs = 5;
/** A mean return that counts as solving CartPole-v1. */
export const solvedAt = 475;

/** rl-baselines3-zoo's search space for PPO, on the six options the issue names. */
export const space: SearchSpace = {
  learningRate: { type: 'loguniform', low: 1e-5, high: 1e-2 },
  nSteps: { type: 'choice', choices: [64, 128, 256, 512, 1024, 2048] },
  batchSize: { type: 'choice', choices: [32, 64, 128, 256] },
  gamma: { type: 'choice', choices: [0.9, 0.95, 0.98, 0.99, 0.995, 0.999] },
  gaeLambda: { type: 'choice', choices: [0.8, 0.9, 0.92, 0.95, 0.98, 1.0] },
  entCoef: { type: 'loguniform', low: 1e-8, high: 0.1 },
};

/** One trial, in whichever thread runs it: PPO on 8 CartPoles, evaluated at each rung; `data` is the step budget. */
export async function objective(trial: TrialContext, data: unknown): Promise<number> {
  const budget = data as number;
  await useBackend('cpu');
  const p = trial.params;
  const agent = new PPO(makeVecEnv(() => make('CartPole-v1'), { nEnvs: 8, seed: trial.number }), {
    learningRate: p.learningRate as number,
    nSteps: p.nSteps as number,
    batchSize: p.batchSize as number,
    gamma: p.gamma as number,
    gaeLambda: p.gaeLambda as number,
    entCoef: p.entCoef as number,
    nEpochs: 10,
    seed: trial.number,
  });
  try {
    let mean = 0;
    for (let rung = 1; rung <= rungs; rung++) {
      await agent.learn({ totalTimesteps: Math.ceil(budget / rungs) });
      mean = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 10, seed: 1000 }).mean;
      trial.report(rung, mean);
      if (mean >= solvedAt || agent.numTimesteps >= budget) break;
      if (trial.shouldPrune()) throw new TrialPruned(`trial ${trial.number} at ${agent.numTimesteps} steps (${mean.toFixed(1)})`);
    }
    return mean;
  } finally {
    agent.dispose();
  }
}

/** Runs the study on `threads` worker threads and returns it with its wall time in seconds. */
export async function tuneCartPole(options: { nTrials: number; budget: number; threads: number; log?: boolean }): Promise<{ study: Study; seconds: number }> {
  // parallelism fixes which trials TPE has seen when it samples the next: the same trials on 1 or 2 threads
  const study = new Study({ space, direction: 'maximize', sampler: new TPESampler({ seed: 0 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }), parallelism: 2 });
  const t0 = performance.now();
  await study.optimize(
    { module: fileURLToPath(import.meta.url), export: 'objective', data: options.budget },
    {
      nTrials: options.nTrials,
      executor: threadPool({ size: options.threads }),
      onTrialEnd: (t) => {
        if (options.log !== true) return;
        const params = Object.values(t.params).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(3) : v));
        console.log(`trial ${t.number} (${t.state}): ${params.join(', ')} -> ${Object.values(t.intermediate).map((v) => v.toFixed(0)).join(' ')}`);
      },
    },
  );
  return { study, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The trials that reached {@link solvedAt}, with the steps they had trained then: `learn` runs
 * whole rollouts of nSteps x 8 steps, so rung r ends at r x ceil((budget / rungs) / rollout) rollouts.
 */
export function solvedTrials(study: Study, budget: number): { trial: number; steps: number }[] {
  return study.trials.flatMap((t) => {
    const rung = Object.entries(t.intermediate).find(([, v]) => v >= solvedAt)?.[0];
    const rollout = (t.params.nSteps as number) * 8;
    return rung === undefined ? [] : [{ trial: t.number, steps: Number(rung) * Math.ceil(Math.ceil(budget / rungs) / rollout) * rollout }];
  });
}

if (isMainThread && process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const budget = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
  const nTrials = Number(process.env.TRADEGYM_EXAMPLE_TRIALS ?? (process.env.TRADEGYM_EXAMPLE_TIMESTEPS === undefined ? 40 : 2));
  const threads = Number(process.env.TRADEGYM_EXAMPLE_THREADS ?? availableParallelism());
  const { study, seconds } = await tuneCartPole({ nTrials, budget, threads, log: true });
  const best = study.bestTrial;
  const states = study.trials.map((t) => t.state);
  console.log(`\n${nTrials} trials on ${threads} threads in ${seconds.toFixed(0)} s: ${states.filter((s) => s === 'complete').length} complete, ${states.filter((s) => s === 'pruned').length} pruned`);
  console.log(`best: trial ${best?.number}, mean return ${best?.value?.toFixed(1)}, ${JSON.stringify(best?.params)}`);
  const solved = solvedTrials(study, budget);
  const fastest = [...solved].sort((a, b) => a.steps - b.steps)[0];
  console.log(fastest === undefined ? `no trial reached ${solvedAt} within ${budget} steps` : `${solved.length} trials solved it (>= ${solvedAt}); the fastest, trial ${fastest.trial}, after ${fastest.steps} steps`);
}

// Tunes PPO on CartPole with TPE and ASHA (tradegym/tune): a search over the learning rate,
// nSteps, batch size, gamma, GAE lambda and the entropy coefficient, as rl-baselines3-zoo's
// search space for PPO. Each trial trains 8 CartPoles for at most 50,000 steps, evaluating the
// deterministic policy every 10,000 steps (10 episodes): the pruner stops trials that fall behind
// at those rungs, and a trial that averages 475 or more is solved and stops there.
//   npx tsx examples/tune-ppo.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens each trial and TRADEGYM_EXAMPLE_TRIALS sets the number of
// trials (CI runs 2 short ones).
import { make, makeVecEnv } from '../src/index.js';
import { evaluatePolicy, PPO, useBackend } from '../src/agents/index.js';
import { Study, SuccessiveHalvingPruner, TPESampler, TrialPruned, type SearchSpace } from '../src/tune/index.js';

const budget = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
const nTrials = Number(process.env.TRADEGYM_EXAMPLE_TRIALS ?? (process.env.TRADEGYM_EXAMPLE_TIMESTEPS === undefined ? 40 : 2));
const rungs = 5;
await useBackend('cpu');

const space: SearchSpace = {
  learningRate: { type: 'loguniform', low: 1e-5, high: 1e-2 },
  nSteps: { type: 'choice', choices: [64, 128, 256, 512, 1024, 2048] },
  batchSize: { type: 'choice', choices: [32, 64, 128, 256] },
  gamma: { type: 'choice', choices: [0.9, 0.95, 0.98, 0.99, 0.995, 0.999] },
  gaeLambda: { type: 'choice', choices: [0.8, 0.9, 0.92, 0.95, 0.98, 1.0] },
  entCoef: { type: 'loguniform', low: 1e-8, high: 0.1 },
};
const study = new Study({ space, direction: 'maximize', sampler: new TPESampler({ seed: 0 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) });
const t0 = performance.now();
const solved: { trial: number; steps: number }[] = [];

await study.optimize(async (trial) => {
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
      if (mean >= 475) {
        solved.push({ trial: trial.number, steps: agent.numTimesteps });
        break;
      }
      if (trial.shouldPrune()) throw new TrialPruned(`trial ${trial.number} at ${agent.numTimesteps} steps (${mean.toFixed(1)})`);
    }
    return mean;
  } finally {
    agent.dispose();
    const last = study.trials.at(-1);
    console.log(`trial ${trial.number}: ${Object.values(trial.params).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(3) : v)).join(', ')} -> ${Object.values(last?.intermediate ?? {}).map((v) => v.toFixed(0)).join(' ')}`);
  }
}, { nTrials });

const best = study.bestTrial;
const states = study.trials.map((t) => t.state);
console.log(`\n${nTrials} trials in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${states.filter((s) => s === 'complete').length} complete, ${states.filter((s) => s === 'pruned').length} pruned`);
console.log(`best: trial ${best?.number}, mean return ${best?.value?.toFixed(1)}, ${JSON.stringify(best?.params)}`);
const fastest = [...solved].sort((a, b) => a.steps - b.steps)[0];
console.log(fastest === undefined ? `no trial reached 475 within ${budget} steps` : `${solved.length} trials solved it (>= 475); the first was trial ${solved[0]!.trial}, the fastest trial ${fastest.trial} after ${fastest.steps} steps`);

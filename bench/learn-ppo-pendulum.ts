// PPO on Pendulum-v1 (Box actions), 300,000 steps, 5 seeds; deterministic evaluation over 20
// episodes each. Goal: mean >= -400. Settings after rl-baselines3-zoo's Pendulum-v1 entry
// (4 envs, n_steps 1024, gae_lambda 0.95, gamma 0.9, 10 epochs, lr 1e-3, clip 0.2) without
// gSDE and VecNormalize, which tradegym does not have yet. BENCH_SEEDS, BENCH_STEPS override.
import { ClipAction, make, SyncVectorEnv } from '../src/index.js';
import { evaluatePolicy, PPO, useBackend } from '../src/agents/index.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const steps = Number(process.env.BENCH_STEPS ?? 300_000);
const results = [];
for (const seed of seeds) {
  const env = new SyncVectorEnv(Array.from({ length: 4 }, () => () => make('Pendulum-v1')), { autoresetMode: 'same-step' });
  const agent = new PPO(env, { nSteps: 1024, batchSize: 64, gaeLambda: 0.95, gamma: 0.9, nEpochs: 10, learningRate: 1e-3, clipRange: 0.2, entCoef: 0, seed });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: steps });
  const seconds = (performance.now() - t0) / 1000;
  const r = evaluatePolicy(agent, new ClipAction(make('Pendulum-v1')), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
  results.push({ seed, evalMean: +r.mean.toFixed(1), evalStd: +r.std.toFixed(1), seconds: +seconds.toFixed(1) });
  agent.dispose();
}
const mean = results.reduce((a, r) => a + r.evalMean, 0) / results.length;
console.log(JSON.stringify({ benchmark: 'learn-ppo-pendulum', backend, totalTimesteps: steps, results, meanOverSeeds: +mean.toFixed(1), goal: 'mean >= -400' }));

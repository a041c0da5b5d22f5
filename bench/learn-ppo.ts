// PPO learning on CartPole-v1 with rl-baselines3-zoo's tuned settings (8 envs, 100,000
// steps), 5 seeds; deterministic evaluation over 20 episodes each. Goal: >= 475 in at
// least 4 of 5 seeds. BENCH_SEEDS and BENCH_BACKEND override the defaults.
import { make, SyncVectorEnv } from '../src/index.js';
import { evaluatePolicy, linearSchedule, PPO, useBackend } from '../src/agents/index.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const results = [];
for (const seed of seeds) {
  const env = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
  // zoo hyperparams/ppo.yml, CartPole-v1: n_envs 8, n_steps 32, batch_size 256, gae_lambda 0.8,
  // gamma 0.98, n_epochs 20, ent_coef 0.0, learning_rate lin_0.001, clip_range lin_0.2
  const agent = new PPO(env, { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0, learningRate: linearSchedule(1e-3), clipRange: linearSchedule(0.2), seed });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: 100_000 });
  const seconds = (performance.now() - t0) / 1000;
  const evalResult = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
  results.push({ seed, evalMean: evalResult.mean, evalStd: +evalResult.std.toFixed(2), seconds: +seconds.toFixed(1) });
  agent.dispose();
}
const solved = results.filter((r) => r.evalMean >= 475).length;
console.log(JSON.stringify({ benchmark: 'learn-ppo', env: 'CartPole-v1', backend, totalTimesteps: 100_000, results, solved: `${solved}/${results.length}`, goal: '>= 475 in at least 4 of 5 seeds' }));

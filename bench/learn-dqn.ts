// DQN learning on CartPole-v1 with rl-baselines3-zoo's tuned settings (1 env, 50,000 steps),
// 5 seeds; deterministic evaluation over 20 episodes each. Goal: >= 475 in at least 4 of 5
// seeds. Also reports the training throughput (SB3 2.3.2 on this kind of machine: 3,151
// steps/s).
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ and BENCH_COMPUTE override the
// defaults (bench/lib/learnBench.ts runs the seeds: the final model and the best checkpoint).
import { DQN } from '../src/agents/index.js';
import { runLearnBench } from './lib/learnBench.js';
import { zooDQN } from './peers/settings.js';

await runLearnBench({
  name: 'learn-dqn', env: 'CartPole-v1', timesteps: 50_000, evalFreq: 5_000, threshold: 475, goal: '>= 475 in at least 4 of 5 seeds',
  // zoo hyperparams/dqn.yml, CartPole-v1: ZOO_DQN_CARTPOLE (bench/peers/settings.ts)
  make: (seed, compute) => zooDQN(compute, seed),
  load: (dir, env) => DQN.load(dir, env),
  info: { sideBySide: 'npm run bench -- throughput-vs-sb3' },
});

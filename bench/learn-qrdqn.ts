// QR-DQN learning on CartPole-v1 with rl-baselines3-zoo's tuned settings (1 env, 50,000 steps),
// 5 seeds; deterministic evaluation over 20 episodes each. Goal (issue 16): >= 475 in at least
// 4 of 5 seeds, final model and best checkpoint reported as bench/learn-dqn.ts does. Also
// reports the training throughput.
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ and BENCH_COMPUTE override the
// defaults (bench/lib/learnBench.ts runs the seeds: the final model and the best checkpoint).
import { QRDQN } from '../src/agents/index.js';
import { runLearnBench } from './lib/learnBench.js';
import { zooQRDQN } from './peers/settings.js';

await runLearnBench({
  name: 'learn-qrdqn', env: 'CartPole-v1', timesteps: 50_000, evalFreq: 5_000, threshold: 475, goal: '>= 475 in at least 4 of 5 seeds',
  // zoo hyperparams/qrdqn.yml, CartPole-v1 (tuned): ZOO_QRDQN_CARTPOLE (bench/peers/settings.ts)
  make: (seed, compute) => zooQRDQN(compute, seed),
  load: (dir, env) => QRDQN.load(dir, env),
  info: { sideBySide: 'npm run bench -- throughput-vs-sb3' },
});

// Recurrent PPO learning on CartPoleNoVel-v1 (CartPole without its velocities: only memory of
// the positions seen tells which way the pole moves) with rl-baselines3-zoo's ppo_lstm settings
// (8 envs, 100,000 steps), 5 seeds; deterministic evaluation over 20 episodes with the LSTM
// state carried through each episode. Goal (issue 16): >= 475 in at least 4 of 5 seeds.
// BENCH_ALGO=ppo runs plain PPO with the same settings and budget (no memory) side by side: it
// should not get there. The zoo also normalises observations with VecNormalize; these runs
// feed the raw positions (cart position within ±4.8, pole angle within ±0.42 rad).
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ and BENCH_COMPUTE override the
// defaults (bench/lib/learnBench.ts runs the seeds: the final model and the best checkpoint).
import { PPO, RecurrentPPO } from '../src/agents/index.js';
import { runLearnBench } from './lib/learnBench.js';
import { noVelPPO, zooRecurrentPPO } from './peers/settings.js';

const plain = process.env.BENCH_ALGO === 'ppo';
await runLearnBench({
  name: plain ? 'learn-recurrent-ppo (plain PPO, no memory)' : 'learn-recurrent-ppo',
  env: 'CartPoleNoVel-v1', timesteps: 100_000, evalFreq: 10_000, threshold: 475,
  goal: plain ? 'the side-by-side: plain PPO on the same budget should fall short' : '>= 475 in at least 4 of 5 seeds',
  make: (seed, compute) => (plain ? noVelPPO(seed, compute) : zooRecurrentPPO(seed, compute as 'auto')),
  load: (dir, env) => (plain ? PPO.load(dir, env) : RecurrentPPO.load(dir, env)),
  info: { sideBySide: plain ? 'BENCH_ALGO unset: RecurrentPPO' : 'BENCH_ALGO=ppo: plain PPO' },
});

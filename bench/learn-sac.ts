// SAC learning on Pendulum-v1 with rl-baselines3-zoo's tuned settings (hyperparams/sac.yml,
// Pendulum-v1: 20,000 steps, learning_rate 1e-3, everything else SB3's defaults: buffer
// 1,000,000, learningStarts 100, batch 256, tau 0.005, gamma 0.99, trainFreq 1, gradientSteps 1,
// entCoef 'auto', a 256-256 ReLU actor and critics), 1 env, 5 seeds; deterministic evaluation
// over 20 episodes each. Goal (issue 16): mean >= -200 in at least 4 of 5 seeds (the zoo's
// published result is about -150 to -180). Also reports the training throughput.
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ and BENCH_COMPUTE override the
// defaults (bench/lib/learnBench.ts runs the seeds: the final model and the best checkpoint).
import { make } from '../src/index.js';
import { SAC } from '../src/agents/index.js';
import { runLearnBench } from './lib/learnBench.js';
import { ZOO_SAC_PENDULUM } from './peers/settings.js';

await runLearnBench({
  name: 'learn-sac', env: 'Pendulum-v1', timesteps: 20_000, evalFreq: 2_000, threshold: -200, goal: 'mean >= -200 in at least 4 of 5 seeds',
  make: (seed, compute) => new SAC(make('Pendulum-v1'), { ...ZOO_SAC_PENDULUM, seed, compute }),
  load: (dir, env) => SAC.load(dir, env),
  extra: (agent) => ({ entCoef: +agent.entCoef.toFixed(4) }),
  info: { settings: ZOO_SAC_PENDULUM, sideBySide: 'npm run bench -- throughput-vs-sb3' },
});

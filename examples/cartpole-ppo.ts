// PPO on CartPole-v1 with rl-baselines3-zoo's tuned settings: 8 envs, 100,000 steps
// (about a minute on wasm), then a deterministic evaluation over 20 episodes (max 500).
//   npx tsx examples/cartpole-ppo.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { make, makeVecEnv } from '../src/index.js';
import { evaluatePolicy, linearSchedule, PPO, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 100_000);
console.log(`backend: ${await useBackend('auto')}`);
const envs = makeVecEnv(() => make('CartPole-v1'), { nEnvs: 8, seed: 0 });
const agent = new PPO(envs, { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0, learningRate: linearSchedule(1e-3), clipRange: linearSchedule(0.2), seed: 0 });
let lastPrint = 0;
await agent.learn({
  totalTimesteps: timesteps,
  callback: (r) => {
    if (r['time/total_timesteps']! - lastPrint >= 10_000 || r['time/total_timesteps']! >= timesteps) {
      lastPrint = r['time/total_timesteps']!;
      console.log(`steps ${r['time/total_timesteps']}  ep_rew_mean ${r['rollout/ep_rew_mean']?.toFixed(1)}  fps ${r['time/fps']}  approx_kl ${r['train/approx_kl']?.toExponential(2)}`);
    }
  },
});
const { mean, std } = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true });
console.log(`evaluation over 20 episodes: ${mean.toFixed(1)} ± ${std.toFixed(1)} (solved at 475)`);
agent.dispose();

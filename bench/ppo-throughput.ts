// PPO env-steps per second with Stable-Baselines3's default options (n_steps 2048, batch 64,
// 10 epochs, 64-64 tanh MLPs) on CartPole-v1, with 1 env and 8 envs, on the wasm and cpu
// backends: one warm-up rollout+update, then two timed. Stable-Baselines3 2.3.2 / PyTorch 1.13
// on this kind of machine: 3,232 steps/s (1 env), 5,246 (8 envs). Goal: 1.5x.
import { make, SyncVectorEnv } from '../src/index.js';
import { PPO, useBackend } from '../src/agents/index.js';

const SB3 = { 1: 3232, 8: 5246 } as const;
const out: Record<string, unknown> = { benchmark: 'ppo-throughput' };
for (const backend of ['wasm', 'cpu'] as const) {
  await useBackend(backend);
  for (const nEnvs of [1, 8] as const) {
    const env = new SyncVectorEnv(Array.from({ length: nEnvs }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
    const agent = new PPO(env, { seed: 0 });
    const rollout = 2048 * nEnvs;
    await agent.learn({ totalTimesteps: rollout }); // warm-up: JIT, kernels
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: 2 * rollout });
    const fps = Math.round((2 * rollout) / ((performance.now() - t0) / 1000));
    out[`${backend}_${nEnvs}env`] = { stepsPerSecond: fps, vsSB3: +(fps / SB3[nEnvs]).toFixed(2) };
    agent.dispose();
  }
}
out.sb3Reference = SB3;
out.goal = '>= 1.5x Stable-Baselines3';
console.log(JSON.stringify(out));

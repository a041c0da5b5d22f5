// SAC on Pendulum-v1 with rl-baselines3-zoo's tuned settings (hyperparams/sac.yml: learning
// rate 1e-3 and SB3's defaults otherwise, a 256-256 ReLU actor and twin critics, 20,000 steps),
// scored over 20 deterministic episodes against a uniformly random policy (about -1,200).
//   npx tsx examples/pendulum-sac.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { make } from '../src/index.js';
import { evaluatePolicy, SAC, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 20_000);
console.log(`backend: ${await useBackend('auto')}`);
const agent = new SAC(make('Pendulum-v1'), { learningRate: 1e-3, seed: 0 });
console.log(`training on: ${agent.compute}`);
const t0 = performance.now();
await agent.learn({ totalTimesteps: timesteps });
console.log(`${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s, entropy coefficient ${agent.entCoef.toFixed(4)}`);
const score = evaluatePolicy(agent, make('Pendulum-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
console.log(`mean return over 20 episodes: ${score.mean.toFixed(1)} ± ${score.std.toFixed(1)} (solved around -200; random about -1,200)`);
agent.dispose();

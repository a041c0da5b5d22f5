// DQN on CartPole-v1 with rl-baselines3-zoo's tuned settings (256-256 network, 128 gradient
// steps every 256 env steps, 50,000 steps): about 10 s on the native kernels, which npm
// install builds where a C compiler is present (compute 'auto' falls back to tfjs, minutes,
// where they are not). Then a deterministic evaluation over 20 episodes (max 500), a save and
// a load that predicts the same.
//   npx tsx examples/cartpole-dqn.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make } from '../src/index.js';
import { DQN, evaluatePolicy, nativeStatus, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
console.log(`backend: ${await useBackend('auto')}`);
const status = nativeStatus();
console.log(status.available ? `native kernels: ${status.kernel}` : `no native kernels (${status.reason})`);
const agent = new DQN(make('CartPole-v1'), {
  learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
  trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], seed: 0,
});
console.log(`training on: ${agent.compute}`);
let lastPrint = 0;
const t0 = performance.now();
await agent.learn({
  totalTimesteps: timesteps,
  callback: (r) => {
    if (r['time/total_timesteps']! - lastPrint >= 10_000 || r['time/total_timesteps']! >= timesteps) {
      lastPrint = r['time/total_timesteps']!;
      console.log(`steps ${r['time/total_timesteps']}  ep_rew_mean ${r['rollout/ep_rew_mean']?.toFixed(1)}  epsilon ${r['rollout/exploration_rate']?.toFixed(3)}  loss ${r['train/loss']?.toFixed(4)}`);
    }
  },
});
console.log(`${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s`);
const { mean, std } = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
console.log(`evaluation over 20 episodes: ${mean.toFixed(1)} ± ${std.toFixed(1)} (solved at 475)`);

const dir = await mkdtemp(join(tmpdir(), 'tradegym-dqn-'));
await agent.save(dir);
const loaded = await DQN.load(dir, make('CartPole-v1'));
const obs = Float32Array.from([0.02, -0.1, 0.03, 0.2]);
console.log(`saved and loaded: the same greedy action (${agent.predict(obs, { deterministic: true })} = ${loaded.predict(obs, { deterministic: true })})`);
agent.dispose();
loaded.dispose();
await rm(dir, { recursive: true });

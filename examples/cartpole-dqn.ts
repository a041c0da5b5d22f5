// DQN on CartPole-v1 with rl-baselines3-zoo's tuned settings (256-256 network, 128 gradient
// steps every 256 env steps, 50,000 steps): about 10 s on the native kernels, which npm
// install builds where a C compiler is present (compute 'auto' falls back to tfjs, minutes,
// where they are not). DQN's final model varies a lot from seed to seed, so, as
// rl-baselines3-zoo trains, an EvalCallback evaluates every 5,000 steps and saves the best
// model; at the end both the final and the best model (loaded back from disk) are evaluated
// over 20 deterministic episodes (max 500) on episode seeds the selection did not use.
//   npx tsx examples/cartpole-dqn.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make } from '../src/index.js';
import { DQN, EvalCallback, evaluatePolicy, nativeStatus, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
console.log(`backend: ${await useBackend('auto')}`);
const status = nativeStatus();
console.log(status.available ? `native kernels: ${status.kernel}` : `no native kernels (${status.reason})`);
const agent = new DQN(make('CartPole-v1'), {
  learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
  trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], seed: 0,
});
console.log(`training on: ${agent.compute}`);
const dir = await mkdtemp(join(tmpdir(), 'tradegym-dqn-'));
// evaluations on episode seeds 0..19; the best model so far is saved to `${dir}/best`
const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: Math.min(5_000, Math.floor(timesteps / 4)), nEvalEpisodes: 20, bestModelSavePath: join(dir, 'best') });
let lastPrint = 0;
const t0 = performance.now();
await agent.learn({
  totalTimesteps: timesteps,
  callback: [
    evaluation,
    (r) => {
      if (r['time/total_timesteps']! - lastPrint >= 10_000 || r['time/total_timesteps']! >= timesteps) {
        lastPrint = r['time/total_timesteps']!;
        console.log(`steps ${r['time/total_timesteps']}  ep_rew_mean ${r['rollout/ep_rew_mean']?.toFixed(1)}  epsilon ${r['rollout/exploration_rate']?.toFixed(3)}  loss ${r['train/loss']?.toFixed(4)}`);
      }
    },
  ],
});
console.log(`${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s (evaluations included)`);
console.log(`evaluations: ${evaluation.evaluations.map((e) => `${e.timesteps}: ${e.mean.toFixed(0)}`).join(', ')}`);
// held-out episode seeds 1000..1019: the best model's selection score would flatter it
const heldOut = { nEvalEpisodes: 20, deterministic: true, seed: 1000 } as const;
const final = evaluatePolicy(agent, make('CartPole-v1'), heldOut);
console.log(`final model over 20 episodes: ${final.mean.toFixed(1)} ± ${final.std.toFixed(1)} (solved at 475)`);
const best = await DQN.load(join(dir, 'best'), make('CartPole-v1'));
const bestEval = evaluatePolicy(best, make('CartPole-v1'), heldOut);
console.log(`best model over 20 episodes: ${bestEval.mean.toFixed(1)} ± ${bestEval.std.toFixed(1)}`);

await agent.save(join(dir, 'final'));
const loaded = await DQN.load(join(dir, 'final'), make('CartPole-v1'));
const obs = Float32Array.from([0.02, -0.1, 0.03, 0.2]);
console.log(`saved and loaded: the same greedy action (${agent.predict(obs, { deterministic: true })} = ${loaded.predict(obs, { deterministic: true })})`);
agent.dispose();
loaded.dispose();
best.dispose();
await rm(dir, { recursive: true });

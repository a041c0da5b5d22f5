// QR-DQN on CartPole-v1 with rl-baselines3-zoo's tuned settings (hyperparams/qrdqn.yml: a
// 256-256 network with 10 quantiles per action, 128 gradient steps every 256 env steps, 50,000
// steps). As rl-baselines3-zoo trains, an EvalCallback keeps the best model; the final and the
// best model are scored over 20 deterministic episodes on episode seeds the selection did not use.
//   npx tsx examples/cartpole-qrdqn.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make } from '../src/index.js';
import { EvalCallback, evaluatePolicy, QRDQN, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
console.log(`backend: ${await useBackend('auto')}`);
const agent = new QRDQN(make('CartPole-v1'), {
  learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
  trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], nQuantiles: 10, seed: 0,
});
console.log(`training on: ${agent.compute}`);
const dir = await mkdtemp(join(tmpdir(), 'tradegym-qrdqn-'));
const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: Math.max(1, Math.min(5_000, Math.floor(timesteps / 4))), nEvalEpisodes: 20, bestModelSavePath: join(dir, 'best') });
const t0 = performance.now();
await agent.learn({ totalTimesteps: timesteps, callback: evaluation });
console.log(`${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s (evaluations included)`);
const heldOut = { nEvalEpisodes: 20, deterministic: true, seed: 1000 } as const;
const final = evaluatePolicy(agent, make('CartPole-v1'), heldOut);
console.log(`final model over 20 episodes: ${final.mean.toFixed(1)} ± ${final.std.toFixed(1)} (solved at 475)`);
if (evaluation.evaluations.length > 0) {
  const best = await QRDQN.load(join(dir, 'best'), make('CartPole-v1'));
  const bestEval = evaluatePolicy(best, make('CartPole-v1'), heldOut);
  console.log(`best model over 20 episodes: ${bestEval.mean.toFixed(1)} ± ${bestEval.std.toFixed(1)}`);
  best.dispose();
}
agent.dispose();
await rm(dir, { recursive: true });

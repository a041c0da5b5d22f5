// DQN learning on CartPole-v1 with rl-baselines3-zoo's tuned settings (1 env, 50,000 steps),
// 5 seeds; deterministic evaluation over 20 episodes each. Goal: >= 475 in at least 4 of 5
// seeds. Also reports the training throughput (SB3 2.3.2 on this kind of machine: 3,151
// steps/s). BENCH_SEEDS, BENCH_BACKEND and BENCH_COMPUTE ('native', 'typed' or 'tfjs'; default
// 'auto': native where built) override the defaults.
import { make } from '../src/index.js';
import { DQN, evaluatePolicy, useBackend } from '../src/agents/index.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const totalTimesteps = Number(process.env.BENCH_TIMESTEPS ?? 50_000);
const results = [];
for (const seed of seeds) {
  // zoo hyperparams/dqn.yml, CartPole-v1: lr 2.3e-3, batch 64, buffer 100000, learning_starts
  // 1000, gamma 0.99, target_update_interval 10, train_freq 256, gradient_steps 128,
  // exploration_fraction 0.16, exploration_final_eps 0.04, net_arch [256, 256]
  const agent = new DQN(make('CartPole-v1'), {
    learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
    trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], seed,
    compute: (process.env.BENCH_COMPUTE ?? 'auto') as 'auto',
  });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps });
  const seconds = (performance.now() - t0) / 1000;
  const evalResult = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
  results.push({ seed, compute: agent.compute, evalMean: evalResult.mean, evalStd: +evalResult.std.toFixed(2), seconds: +seconds.toFixed(1), stepsPerSecond: Math.round(agent.numTimesteps / seconds) });
  agent.dispose();
}
const solved = results.filter((r) => r.evalMean >= 475).length;
console.log(JSON.stringify({ benchmark: 'learn-dqn', env: 'CartPole-v1', backend, totalTimesteps, results, solved: `${solved}/${results.length}`, goal: '>= 475 in at least 4 of 5 seeds', sb3StepsPerSecond: 3151 }));

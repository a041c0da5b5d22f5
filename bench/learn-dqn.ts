// DQN learning on CartPole-v1 with rl-baselines3-zoo's tuned settings (1 env, 50,000 steps),
// 5 seeds; deterministic evaluation over 20 episodes each. Goal: >= 475 in at least 4 of 5
// seeds. Also reports the training throughput (SB3 2.3.2 on this kind of machine: 3,151
// steps/s).
//
// Two figures per seed, as rl-baselines3-zoo trains (an EvalCallback saving best_model beside
// the final model):
// - final: the model after the last step, evaluated on episode seeds 1000..1019;
// - best: the checkpoint an EvalCallback saved (every BENCH_EVAL_FREQ steps, 20 deterministic
//   episodes on seeds 0..19), loaded back and evaluated on seeds 1000..1019, which played no
//   part in picking it (the score it was picked on would be biased upwards).
// The evaluations do not change training (deterministic predict draws nothing from the agent's
// RNG), so `final` is the same with or without them; their time is not counted in steps/s.
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ (0: no checkpoints) and
// BENCH_COMPUTE ('native', 'wasm', 'js' or 'tfjs'; default 'auto': the fastest kernel set here) override the
// defaults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make } from '../src/index.js';
import { DQN, evaluatePolicy, useBackend } from '../src/agents/index.js';
import { TimedEval } from './lib/timedEval.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const totalTimesteps = Number(process.env.BENCH_TIMESTEPS ?? 50_000);
const evalFreq = Number(process.env.BENCH_EVAL_FREQ ?? 5_000);
const evaluate = (agent: DQN) => evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
const dir = mkdtempSync(join(tmpdir(), 'learn-dqn-'));
const results = [];
try {
  for (const seed of seeds) {
    // zoo hyperparams/dqn.yml, CartPole-v1: lr 2.3e-3, batch 64, buffer 100000, learning_starts
    // 1000, gamma 0.99, target_update_interval 10, train_freq 256, gradient_steps 128,
    // exploration_fraction 0.16, exploration_final_eps 0.04, net_arch [256, 256]
    const agent = new DQN(make('CartPole-v1'), {
      learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
      trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], seed,
      compute: (process.env.BENCH_COMPUTE ?? 'auto') as 'auto',
    });
    const best = join(dir, `seed-${seed}`);
    const evalCb = evalFreq > 0 ? new TimedEval(make('CartPole-v1'), { evalFreq, nEvalEpisodes: 20, bestModelSavePath: best }) : undefined;
    const t0 = performance.now();
    await agent.learn({ totalTimesteps, ...(evalCb ? { callback: evalCb } : {}) });
    const seconds = (performance.now() - t0) / 1000 - (evalCb?.seconds ?? 0);
    const final = evaluate(agent);
    let bestResult;
    if (evalCb !== undefined && evalCb.evaluations.length > 0) {
      const picked = evalCb.evaluations.find((e) => e.mean === evalCb.bestMeanReward);
      const loaded = await DQN.load(best, make('CartPole-v1'));
      const r = evaluate(loaded);
      loaded.dispose();
      bestResult = { atStep: picked?.timesteps, selectionMean: evalCb.bestMeanReward, evalMean: r.mean, evalStd: +r.std.toFixed(2) };
    }
    results.push({
      seed, compute: agent.compute, evalMean: final.mean, evalStd: +final.std.toFixed(2), best: bestResult,
      seconds: +seconds.toFixed(1), stepsPerSecond: Math.round(agent.numTimesteps / seconds),
    });
    agent.dispose();
    console.error(JSON.stringify(results.at(-1)));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const solved = results.filter((r) => r.evalMean >= 475).length;
const solvedBest = results.filter((r) => (r.best?.evalMean ?? -Infinity) >= 475).length;
console.log(JSON.stringify({
  benchmark: 'learn-dqn', env: 'CartPole-v1', backend, totalTimesteps, evalFreq, results,
  solved: `${solved}/${results.length}`, ...(evalFreq > 0 ? { solvedBestCheckpoint: `${solvedBest}/${results.length}` } : {}),
  goal: '>= 475 in at least 4 of 5 seeds', sideBySide: 'npm run bench -- throughput-vs-sb3',
}));

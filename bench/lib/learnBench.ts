// The seed loop of the off-policy learn-* benches (learn-dqn, learn-qrdqn, learn-sac): one copy.
// Per seed: train with an EvalCallback keeping the best checkpoint (as rl-baselines3-zoo
// trains), then score the final model and the best checkpoint, loaded back, on episode seeds
// 1000..1019 (the checkpoint was picked on seeds 0..19: its own score would be biased upwards).
// The evaluations draw nothing from the agent's RNG, so training is the same with or without
// them; their time is not counted in steps/s.
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ (0: no checkpoints) and
// BENCH_COMPUTE ('native', 'wasm', 'js' or 'tfjs'; default 'auto') override the defaults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make, type Env } from '../../src/index.js';
import { evaluatePolicy, useBackend, type Compute } from '../../src/agents/index.js';
import { TimedEval } from './timedEval.js';

/** What the loop needs of an agent. */
interface LearnAgent {
  learn(options: { totalTimesteps: number; callback?: TimedEval }): Promise<unknown>;
  predict(observation: Float32Array, options?: { deterministic?: boolean }): unknown;
  readonly recurrent?: true;
  dispose(): void;
  readonly numTimesteps: number;
  readonly compute: string;
}

/** One learn-* bench: its env, how to build, load and describe an agent, and its goal. */
export interface LearnBench<A extends LearnAgent> {
  readonly name: string;
  readonly env: 'CartPole-v1' | 'Pendulum-v1' | 'CartPoleNoVel-v1';
  readonly timesteps: number;
  readonly evalFreq: number;
  readonly make: (seed: number, compute: Compute) => A;
  readonly load: (dir: string, env: Env<Float32Array, never>) => Promise<A>;
  /** A score that solves the task. */
  readonly threshold: number;
  readonly goal: string;
  /** Per-seed fields beyond the common ones (e.g. SAC's entropy coefficient). */
  readonly extra?: (agent: A) => Record<string, unknown>;
  /** Top-level fields of the output (settings, where the side-by-side figures are). */
  readonly info?: Record<string, unknown>;
  /**
   * The evaluation env of `phase` when it is not a plain `make(env)`: the evaluations during
   * training, the final model's, the best checkpoint's. `bestSaved` is called when the best
   * checkpoint is saved (e.g. to keep the observation statistics it was chosen under).
   */
  readonly evalEnv?: (phase: 'training' | 'final' | 'best') => Env<Float32Array, never>;
  readonly bestSaved?: () => void;
}

/** Runs the bench over BENCH_SEEDS: progress per seed on stderr, one JSON object on stdout. */
export async function runLearnBench<A extends LearnAgent>(b: LearnBench<A>): Promise<void> {
  const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
  const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
  const totalTimesteps = Number(process.env.BENCH_TIMESTEPS ?? b.timesteps);
  const evalFreq = Number(process.env.BENCH_EVAL_FREQ ?? b.evalFreq);
  const compute = (process.env.BENCH_COMPUTE ?? 'auto') as Compute;
  const env = (phase: 'training' | 'final' | 'best' = 'final') => b.evalEnv?.(phase) ?? (make(b.env) as unknown as Env<Float32Array, never>);
  const evaluate = (agent: A, phase: 'final' | 'best' = 'final') => evaluatePolicy(agent as never, env(phase) as never, { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
  const dir = mkdtempSync(join(tmpdir(), `${b.name}-`));
  const results = [];
  try {
    for (const seed of seeds) {
      const agent = b.make(seed, compute);
      const best = join(dir, `seed-${seed}`);
      const evalCb = evalFreq > 0 ? new TimedEval(env('training') as never, { evalFreq, nEvalEpisodes: 20, bestModelSavePath: best }) : undefined;
      if (evalCb !== undefined) evalCb.onNewBest = b.bestSaved;
      const t0 = performance.now();
      await agent.learn({ totalTimesteps, ...(evalCb ? { callback: evalCb } : {}) });
      const seconds = (performance.now() - t0) / 1000 - (evalCb?.seconds ?? 0);
      const final = evaluate(agent);
      let bestResult;
      if (evalCb !== undefined && evalCb.evaluations.length > 0) {
        const picked = evalCb.evaluations.find((e) => e.mean === evalCb.bestMeanReward);
        const loaded = await b.load(best, env());
        const r = evaluate(loaded, 'best');
        loaded.dispose();
        bestResult = { atStep: picked?.timesteps, selectionMean: evalCb.bestMeanReward, evalMean: r.mean, evalStd: +r.std.toFixed(2) };
      }
      results.push({
        seed, compute: agent.compute, evalMean: +final.mean.toFixed(2), evalStd: +final.std.toFixed(2), ...(b.extra?.(agent) ?? {}), best: bestResult,
        seconds: +seconds.toFixed(1), stepsPerSecond: Math.round(agent.numTimesteps / seconds),
      });
      agent.dispose();
      console.error(JSON.stringify(results.at(-1)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const solved = results.filter((r) => r.evalMean >= b.threshold).length;
  const solvedBest = results.filter((r) => (r.best?.evalMean ?? -Infinity) >= b.threshold).length;
  console.log(JSON.stringify({
    benchmark: b.name, env: b.env, backend, totalTimesteps, evalFreq, ...(b.info ?? {}), results,
    solved: `${solved}/${results.length}`, ...(evalFreq > 0 ? { solvedBestCheckpoint: `${solvedBest}/${results.length}` } : {}),
    goal: b.goal,
  }));
}

// Training throughput (env-steps per second, rollouts and updates included) of every compute
// path on each backend, ours only. The ratios against Stable-Baselines3 are measured side by
// side in the same run by bench/throughput-vs-sb3.ts (npm run bench -- throughput-vs-sb3),
// which also checks that both train with the same settings.
//   PPO, SB3 defaults (n_steps 2048, batch 64, 10 epochs, 64-64 tanh), CartPole-v1, 1 and 8 envs;
//   A2C, SB3 defaults (n_steps 5, RMSprop), 8 envs;
//   DQN, rl-baselines3-zoo CartPole settings (256-256, train_freq 256, gradient_steps 128).
// Every agent runs with compute 'typed' (our typed-array kernels with the
// wasm SIMD product) and with compute 'tfjs' on the wasm and the cpu backends; DQN also with
// compute 'native' (the native kernels, its 'auto' where they are built; on an AVX-512 CPU
// also with the AVX2 and plain-C kernels other CPUs run). One warm-up learn
// (JIT, kernels), then BENCH_REPEATS (3) timed ones: the median is the figure.
// BENCH_QUICK=1 skips DQN on tfjs-cpu (minutes).
import { make, SyncVectorEnv } from '../src/index.js';
import { A2C, DQN, nativeStatus, PPO, useBackend, type DQNCompute } from '../src/agents/index.js';
import { nativeKernels } from '../src/agents/common/kernels/native.js';

type Agent = { learn(o: { totalTimesteps: number }): Promise<unknown>; dispose(): void };
const cartpoles = (n: number) => new SyncVectorEnv(Array.from({ length: n }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });

/** DQN with rl-baselines3-zoo's CartPole settings. */
const zooDQN = (compute: DQNCompute): Agent =>
  new DQN(make('CartPole-v1'), {
    learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
    trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], seed: 0, compute,
  });

const repeats = Number(process.env.BENCH_REPEATS ?? 3);

/**
 * Steps per second over `steps` timed steps after `warm` warm-up steps, timed `repeats` times
 * in a row on the same agent: the median, and every run (a shared 2-core VM is noisy: single
 * runs of one build have differed by 2x here).
 */
async function rate(agent: Agent, warm: number, steps: number): Promise<{ stepsPerSecond: number; runs: number[] }> {
  await agent.learn({ totalTimesteps: warm });
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: steps });
    runs.push(Math.round(steps / ((performance.now() - t0) / 1000)));
  }
  agent.dispose();
  const sorted = [...runs].sort((a, b) => a - b);
  return { stepsPerSecond: sorted[Math.floor(sorted.length / 2)] as number, runs };
}

/** A row entry: the median rate and the runs. */
const entry = (r: { stepsPerSecond: number; runs: number[] }) => ({ stepsPerSecond: r.stepsPerSecond, runs: r.runs });

const runs: { name: string; make: (compute: 'typed' | 'tfjs') => Agent; warm: number; steps: number; slowOnCpu?: boolean; makeNative?: () => Agent }[] = [
  { name: 'ppo_1env', make: (compute) => new PPO(cartpoles(1), { seed: 0, compute }), warm: 2048, steps: 4096 },
  { name: 'ppo_8env', make: (compute) => new PPO(cartpoles(8), { seed: 0, compute }), warm: 16_384, steps: 32_768 },
  { name: 'a2c_8env', make: (compute) => new A2C(cartpoles(8), { seed: 0, compute }), warm: 20_000, steps: 80_000 },
  {
    name: 'dqn_zoo',
    make: (compute) => zooDQN(compute),
    warm: 2048,
    steps: 8192,
    slowOnCpu: true,
    makeNative: () => zooDQN('native'),
  },
];

const out: Record<string, unknown> = { benchmark: 'ppo-throughput' };
for (const r of runs) {
  const row: Record<string, unknown> = {};
  await useBackend('cpu');
  row.typed = entry(await rate(r.make('typed'), r.warm, r.steps));
  if (r.makeNative !== undefined) {
    const status = nativeStatus();
    if (status.available) {
      row.native = { ...entry(await rate(r.makeNative(), r.warm, r.steps)), kernel: status.kernel };
      // the kernels a CPU without AVX-512 (AVX2 with FMA) or without either (plain C) runs
      for (const kernel of ['avx2', 'plain'] as const) {
        if (kernel === status.kernel || (kernel === 'avx2' && status.kernel === 'plain')) continue;
        nativeKernels()?.setKernel(kernel);
        row[`native_${kernel}`] = entry(await rate(r.makeNative(), r.warm, r.steps));
      }
      nativeKernels()?.setKernel(status.kernel as 'avx512');
    } else row.native = { unavailable: status.reason };
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    if (r.slowOnCpu && backend === 'cpu' && process.env.BENCH_QUICK === '1') continue;
    await useBackend(backend);
    row[`tfjs_${backend}`] = entry(await rate(r.make('tfjs'), r.warm, r.steps));
  }
  out[r.name] = row;
  console.error(r.name, JSON.stringify(row));
}
out.sideBySide = 'npm run bench -- throughput-vs-sb3';
console.log(JSON.stringify(out));

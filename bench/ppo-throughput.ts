// Training throughput (env-steps per second, rollouts and updates included) of every compute
// path on each backend, ours only. The ratios against Stable-Baselines3 are measured side by
// side in the same run by bench/throughput-vs-sb3.ts (npm run bench -- throughput-vs-sb3),
// which also checks that both train with the same settings.
//   PPO, SB3 defaults (n_steps 2048, batch 64, 10 epochs, 64-64 tanh), CartPole-v1, 1 and 8 envs;
//   A2C, SB3 defaults (n_steps 5, RMSprop), 8 envs;
//   DQN, rl-baselines3-zoo CartPole settings (256-256, train_freq 256, gradient_steps 128).
// Every agent runs on each kernel set that runs here (native, wasm, js: kernelSets()), and with
// compute 'tfjs' on the wasm and the cpu backends; where the native set runs on an AVX-512 CPU
// also with the AVX2 and plain-C product kernels other CPUs run. One warm-up learn (JIT,
// kernels), then BENCH_REPEATS (3) timed ones: the median is the figure. BENCH_QUICK=1 skips
// DQN on tfjs-cpu and on the js set (minutes).
import { kernelSets, nativeStatus, useBackend, type Compute } from '../src/agents/index.js';
import { nativeKernels } from '../src/agents/common/kernels/native.js';
import { defaultA2C, defaultPPO, zooDQN } from './peers/settings.js';

type Agent = { learn(o: { totalTimesteps: number }): Promise<unknown>; dispose(): void; readonly compute: string };

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const quick = process.env.BENCH_QUICK === '1';

/**
 * Steps per second over `steps` timed steps after `warm` warm-up steps, timed `repeats` times
 * in a row on the same agent: the median, and every run (a shared 2-core VM is noisy: single
 * runs of one build have differed by 2x here).
 */
async function rate(agent: Agent, warm: number, steps: number): Promise<{ stepsPerSecond: number; runs: number[]; compute: string }> {
  await agent.learn({ totalTimesteps: warm });
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: steps });
    runs.push(Math.round(steps / ((performance.now() - t0) / 1000)));
  }
  agent.dispose();
  const sorted = [...runs].sort((a, b) => a - b);
  return { stepsPerSecond: sorted[Math.floor(sorted.length / 2)] as number, runs, compute: agent.compute };
}

const runs: { name: string; make: (compute: Compute) => Agent; warm: number; steps: number; slow?: boolean }[] = [
  { name: 'ppo_1env', make: (compute) => defaultPPO(1, 0, compute), warm: 2048, steps: 4096 },
  { name: 'ppo_8env', make: (compute) => defaultPPO(8, 0, compute), warm: 16_384, steps: 32_768 },
  { name: 'a2c_8env', make: (compute) => defaultA2C(8, 0, compute), warm: 20_000, steps: 80_000 },
  { name: 'dqn_zoo', make: (compute) => zooDQN(compute), warm: 2048, steps: 8192, slow: true },
];

const sets = kernelSets().filter((k) => k.available).map((k) => k.name);
const out: Record<string, unknown> = { benchmark: 'ppo-throughput', kernelSets: kernelSets() };
for (const r of runs) {
  const row: Record<string, unknown> = {};
  await useBackend('cpu');
  for (const set of sets) {
    if (set === 'js' && r.slow && quick) continue;
    row[set] = await rate(r.make(set), r.warm, r.steps);
    const status = nativeStatus();
    if (set !== 'native' || !status.available) continue;
    // the product kernels a CPU without AVX-512 (AVX2 with FMA) or without either (plain C) runs
    for (const kernel of ['avx2', 'plain'] as const) {
      if (kernel === status.kernel || (kernel === 'avx2' && status.kernel === 'plain')) continue;
      nativeKernels()?.setKernel(kernel);
      row[`native_${kernel}`] = await rate(r.make('native'), r.warm, r.steps);
    }
    nativeKernels()?.setKernel(status.kernel as 'avx512');
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    if (r.slow && backend === 'cpu' && quick) continue;
    await useBackend(backend);
    row[`tfjs_${backend}`] = await rate(r.make('tfjs'), r.warm, r.steps);
  }
  out[r.name] = row;
  console.error(r.name, JSON.stringify(row));
}
out.sideBySide = 'npm run bench -- throughput-vs-sb3';
console.log(JSON.stringify(out));

import type { Env } from '../src/index.js';

// Shared timing for the benchmarks: warm up, then run a fixed amount of work several times
// and keep the median rate, so one noisy run (GC, the other core busy) does not decide.

/** Runs `work(n)` `repeats` times after a warm-up; returns the median of n / seconds. */
export function medianRate(work: (n: number) => void, n: number, repeats = 5): { perSecond: number; runs: number[] } {
  work(Math.max(1, Math.floor(n / 5))); // warm-up: let the JIT settle
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    work(n);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    runs.push(n / seconds);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { perSecond: Math.round(sorted[Math.floor(sorted.length / 2)] as number), runs: runs.map(Math.round) };
}

/** A work function stepping `env` with sampled actions, resetting at episode ends. */
export function stepLoop<A>(env: Env<Float32Array, A>): (n: number) => void {
  env.reset({ seed: 0 });
  env.actionSpace.seed(0);
  return (n) => {
    for (let i = 0; i < n; i++) {
      const r = env.step(env.actionSpace.sample());
      if (r.terminated || r.truncated) env.reset();
    }
  };
}

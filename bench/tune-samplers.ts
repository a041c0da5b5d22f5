// TPE against random search on known functions, as issue 19 asks: Branin (2-D, minimum
// 0.397887) and Hartmann-6 (6-D, minimum -3.32237), 100 trials, 20 seeds each. The figure is the
// median over seeds of the best value found (lower is better), and the median gap to the known
// minimum. Prints one JSON object.
//   npm run bench -- tune-samplers        BENCH_TRIALS=100 BENCH_SEEDS=20
import { RandomSampler, Study, TPESampler, type SearchSpace } from '../src/tune/index.js';

const trials = Number(process.env.BENCH_TRIALS ?? 100);
const seeds = Number(process.env.BENCH_SEEDS ?? 20);

/** Branin-Hoo (Dixon and Szegö 1978), on x1 in [-5, 10], x2 in [0, 15]. */
function branin(x1: number, x2: number): number {
  const [a, b, c, r, s, t] = [1, 5.1 / (4 * Math.PI ** 2), 5 / Math.PI, 6, 10, 1 / (8 * Math.PI)];
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

/** Hartmann-6 on [0, 1]^6 (the standard alpha, A and P). */
const ALPHA = [1.0, 1.2, 3.0, 3.2];
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
function hartmann6(x: number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += A[i]![j]! * (x[j]! - P[i]![j]!) ** 2;
    sum += ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}

const problems: { name: string; minimum: number; space: SearchSpace; f: (p: Record<string, unknown>) => number }[] = [
  { name: 'branin', minimum: 0.397887, space: { x1: { type: 'uniform', low: -5, high: 10 }, x2: { type: 'uniform', low: 0, high: 15 } }, f: (p) => branin(p.x1 as number, p.x2 as number) },
  {
    name: 'hartmann6',
    minimum: -3.32237,
    space: Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`x${j}`, { type: 'uniform', low: 0, high: 1 }])) as SearchSpace,
    f: (p) => hartmann6(Array.from({ length: 6 }, (_, j) => p[`x${j}`] as number)),
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : 0.5 * (s[s.length / 2 - 1]! + s[s.length / 2]!);
};

const rows = [];
for (const problem of problems) {
  const best: Record<string, number[]> = { random: [], tpe: [] };
  let ms = 0;
  for (let seed = 0; seed < seeds; seed++) {
    for (const sampler of [new RandomSampler({ seed }), new TPESampler({ seed })]) {
      const t0 = performance.now();
      const study = new Study({ space: problem.space, sampler });
      await study.optimize(({ params }) => problem.f(params), { nTrials: trials });
      if (sampler.name === 'tpe') ms += performance.now() - t0;
      best[sampler.name]!.push(study.bestTrial!.value!);
    }
  }
  const tpeWins = best.tpe!.filter((v, i) => v < best.random![i]!).length;
  rows.push({
    problem: problem.name,
    minimum: problem.minimum,
    medianBest: { random: +median(best.random!).toFixed(5), tpe: +median(best.tpe!).toFixed(5) },
    medianGap: { random: +(median(best.random!) - problem.minimum).toFixed(5), tpe: +(median(best.tpe!) - problem.minimum).toFixed(5) },
    tpeBetterInSeeds: `${tpeWins} of ${seeds}`,
    tpeMsPerStudy: Math.round(ms / seeds),
  });
}
console.log(JSON.stringify({ bench: 'tune-samplers', trials, seeds, rows }, null, 1));

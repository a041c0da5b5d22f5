// The hierarchical trading system (examples/multi-agent-portfolio.ts) over 5 markets: for each
// seed, three synthetic assets (crypto-15m, crypto-15m-structured, crypto-15m-null; 60 days of
// 15-minute bars), a PPO specialist per asset and a PPO meta-agent trained jointly on the first
// 70% (or in stages: BENCH_TRAINING), against equal weights (rebalanced), buy-and-hold of each asset and a single PPO on
// PortfolioEnv with the same agent-step budget, all backtested on the held-out 30% with 10 bps
// fees. Prints one JSON object: per seed, each strategy's Sharpe, total return and max drawdown
// and the wall time of each part; then each metric's mean and sample sd (ddof 1) over the seeds.
// BENCH_STEPS (agent steps per training, default 500000), BENCH_SEEDS (1,2,3,4,5),
// BENCH_TRAINING (joint; or staged: specialists first, then the meta-agent with them frozen)
// and BENCH_BACKEND (auto) override the defaults.
import { useBackend } from '../src/agents/index.js';
import { compareOnSeed, row } from '../examples/lib/multiAgentPortfolio.js';

const steps = Number(process.env.BENCH_STEPS ?? 500_000);
const training = (process.env.BENCH_TRAINING ?? 'joint') as 'joint' | 'staged';
if (training !== 'joint' && training !== 'staged') throw new Error(`BENCH_TRAINING must be joint or staged, got ${String(training)}`);
const seeds = (process.env.BENCH_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const t0 = performance.now();
const round = (v: number, d = 4) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);

const perSeed: Record<string, unknown>[] = [];
const table = new Map<string, { sharpe: number[]; totalReturn: number[]; maxDrawdown: number[] }>();
for (const seed of seeds) {
  const c = await compareOnSeed(seed, steps, 96 * 60, training, (line) => console.error(`seed ${seed}: ${line.trim()}`));
  const metrics: Record<string, ReturnType<typeof row>> = {};
  for (const [name, r] of Object.entries(c.results)) {
    const m = row(r);
    metrics[name] = { sharpe: round(m.sharpe, 3), totalReturn: round(m.totalReturn), maxDrawdown: round(m.maxDrawdown) };
    const t = table.get(name) ?? { sharpe: [], totalReturn: [], maxDrawdown: [] };
    t.sharpe.push(m.sharpe);
    t.totalReturn.push(m.totalReturn);
    t.maxDrawdown.push(m.maxDrawdown);
    table.set(name, t);
  }
  // how the joint system traded: fees paid, the fraction of bars with any position, mean cash weight
  const j = c.joint;
  const cash = j.cashAllocation.reduce((s, v) => s + v, 0) / j.cashAllocation.length;
  perSeed.push({ seed, training: c.training, metrics, joint: { fees: round(j.fees, 2), trades: j.trades.length, exposureTime: round(j.stats.exposureTime, 3), meanCashAllocation: round(cash, 3) }, seconds: Object.fromEntries(Object.entries(c.seconds).map(([k, v]) => [k, round(v, 1)])) });
  console.error(`seed ${seed}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s so far`);
}

/** Mean and sample standard deviation (ddof 1), NaN values left out and counted. */
function meanSd(xs: readonly number[]): { mean: number; sd: number; nan: number } {
  const v = xs.filter((x) => Number.isFinite(x));
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : Number.NaN;
  return { mean: round(mean), sd: round(sd), nan: xs.length - v.length };
}
const summary = Object.fromEntries([...table].map(([name, t]) => [name, { sharpe: meanSd(t.sharpe), totalReturn: meanSd(t.totalReturn), maxDrawdown: meanSd(t.maxDrawdown) }]));
console.log(JSON.stringify({ benchmark: 'multi-agent-portfolio', backend, agentStepsPerTraining: steps, training, seeds, perSeed, summary, wallSeconds: round((performance.now() - t0) / 1000, 1) }));

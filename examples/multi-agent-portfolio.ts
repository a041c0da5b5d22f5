// A hierarchical trading system on three synthetic assets, each from its own regime preset
// (crypto-15m, its structured trends and its zero-drift null): a PPO specialist per asset picks
// short, flat or long; a PPO meta-agent allocates capital across the specialists' sleeves and
// cash (MultiAgentTradingEnv, one Account). Trained on the first 70% of the bars, backtested on
// the held-out 30% through the env's own ledger against equal weights, buy-and-hold of each
// asset and a single PPO on PortfolioEnv with the same budget of agent steps; all pay 10 bps.
// Prints the table and writes out/multi-agent-portfolio.html (the system's report).
//   npx tsx examples/multi-agent-portfolio.ts [--steps 200000] [--seed 1] [--training staged|joint]
// Staged (the default): the specialists learn first (half the budget) beside the untrained
// meta-agent, then a meta-agent learns to allocate across them, frozen; joint: all at once.
// TRADEGYM_EXAMPLE_TIMESTEPS sets the budget too (CI uses a tiny one). The default budget is
// small, so this runs in about a minute: the agents barely learn; bench/multi-agent-portfolio.ts
// runs the comparison over 5 markets with a real budget.
import { parseArgs } from 'node:util';
import { useBackend } from '../src/agents/index.js';
import { writeReport } from '../src/report/index.js';
import { compareOnSeed, row } from './lib/multiAgentPortfolio.js';

const { values } = parseArgs({ options: { steps: { type: 'string' }, seed: { type: 'string' }, training: { type: 'string' } } });
const steps = Number(values.steps ?? process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 200_000);
const seed = Number(values.seed ?? 1);
const training = values.training ?? 'staged';
if (training !== 'staged' && training !== 'joint') throw new Error(`--training must be staged or joint, got ${training}`);
const t0 = performance.now();
console.log(`backend: ${await useBackend('auto')}; ${steps} agent steps of training each for the system and the single PPO`);

const c = await compareOnSeed(seed, steps, 96 * 60, training, (line) => console.log(line));
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
console.log(`\nheld-out ${c.joint.equity.length} bars (15-minute, 10 bps fees), ${c.training} training:`);
console.table(Object.fromEntries(Object.entries(c.results).map(([name, r]) => {
  const m = row(r);
  return [name, { Sharpe: m.sharpe.toFixed(2), 'total return': pct(m.totalReturn), 'max drawdown': pct(m.maxDrawdown) }];
})));
const compare = Object.fromEntries(Object.entries(c.results).filter(([name]) => name !== 'specialists + meta'));
const trainingLog = c.log.map((r) => ({ 'time/total_timesteps': r['time/total_timesteps'] ?? Number.NaN, 'rollout/ep_rew_mean': r['meta/rollout/ep_rew_mean'] ?? Number.NaN }));
const path = await writeReport(c.joint, 'out/multi-agent-portfolio.html', { title: `Specialists + meta-agent on three synthetic assets (seed ${seed}): held-out 30%`, compare, trainingLog });
console.log(`report: ${path}   (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);

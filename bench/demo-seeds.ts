// The demo (examples/demo.ts) over 5 markets: each seed is a different synthetic market, with
// its three PPO agents evaluated on the held-out split against the baselines (10 bps fee).
// Reports, per market, each strategy's median Sharpe and verdict, and how many markets the
// agents' median Sharpe beats buy-and-hold's in.
import { execFileSync } from 'node:child_process';

const seeds = (process.env.BENCH_SEEDS ?? '11,12,13,14,15').split(',').map(Number);
const results = seeds.map((seed) => {
  const out = execFileSync('npx', ['tsx', 'examples/demo.ts'], { env: { ...process.env, TRADEGYM_DEMO_SEED: String(seed) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith('DEMO_RESULT ')) as string;
  const r = JSON.parse(line.slice('DEMO_RESULT '.length)) as { seed: number; seconds: number; summary: Record<string, { medianSharpe: number; verdict: string }> };
  const summary = Object.fromEntries(Object.entries(r.summary).map(([k, v]) => [k, { medianSharpe: +v.medianSharpe.toFixed(3), verdict: v.verdict }]));
  return { seed, seconds: +r.seconds.toFixed(1), summary };
});
const beats = results.filter((r) => (r.summary.PPO?.medianSharpe ?? -Infinity) > (r.summary['buy-and-hold']?.medianSharpe ?? Infinity)).length;
console.log(JSON.stringify({ benchmark: 'demo-seeds', results, agentsMedianBeatsBuyAndHold: `${beats}/${results.length}` }));

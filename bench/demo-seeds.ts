// The demo (examples/demo.ts) over 5 seeds: each seed is a different synthetic market and
// agent. Reports the agent's, buy-and-hold's and the random policy's Sharpe on the held-out
// test split (10 bps fee). Goal: the agent beats buy-and-hold's Sharpe in at least 3 of 5.
import { execFileSync } from 'node:child_process';

const seeds = (process.env.BENCH_SEEDS ?? '11,12,13,14,15').split(',').map(Number);
const results = seeds.map((seed) => {
  const out = execFileSync('npx', ['tsx', 'examples/demo.ts'], { env: { ...process.env, TRADEGYM_DEMO_SEED: String(seed) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith('DEMO_RESULT ')) as string;
  const r = JSON.parse(line.slice('DEMO_RESULT '.length)) as Record<string, number>;
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(3)]));
});
const beats = results.filter((r) => (r.agentSharpe as number) > (r.buyAndHoldSharpe as number)).length;
console.log(JSON.stringify({ benchmark: 'demo-seeds', results, agentBeatsBuyAndHold: `${beats}/${results.length}`, goal: 'agent Sharpe > buy-and-hold Sharpe in at least 3 of 5 seeds' }));

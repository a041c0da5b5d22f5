// A2C learning on CartPole-v1 with rl-baselines3-zoo's settings (8 envs, ent_coef 0, SB3
// defaults otherwise; 500,000 steps), 5 seeds; deterministic evaluation over 20 episodes.
// Goal: >= 475 in at least 4 of 5 seeds. BENCH_SEEDS, BENCH_STEPS override.
import { make, SyncVectorEnv } from '../src/index.js';
import { A2C, evaluatePolicy, useBackend } from '../src/agents/index.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const steps = Number(process.env.BENCH_STEPS ?? 500_000);
const results = [];
for (const seed of seeds) {
  const env = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1')), { autoresetMode: 'same-step' });
  const agent = new A2C(env, { entCoef: 0, seed });
  const t0 = performance.now();
  let fps = 0;
  await agent.learn({ totalTimesteps: steps, callback: (r) => void (fps = r['time/fps'] ?? 0) });
  const seconds = (performance.now() - t0) / 1000;
  const r = evaluatePolicy(agent, make('CartPole-v1'), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
  results.push({ seed, evalMean: r.mean, evalStd: +r.std.toFixed(2), seconds: +seconds.toFixed(1), fps });
  agent.dispose();
}
const solved = results.filter((r) => r.evalMean >= 475).length;
console.log(JSON.stringify({ benchmark: 'learn-a2c', env: 'CartPole-v1', backend, totalTimesteps: steps, results, solved: `${solved}/${results.length}`, goal: '>= 475 in at least 4 of 5 seeds' }));

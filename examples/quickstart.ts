// The core in one screen: make an env, check it, run policies through wrappers, and step a
// vector env. Run: npx tsx examples/quickstart.ts  (or npm run demo)
import { checkEnv, make, RecordEpisodeStatistics, SyncVectorEnv, type Env } from '../src/index.js';

const episodes = Number(process.env.TRADEGYM_EXAMPLE_EPISODES ?? 20);

// 1. every env can be checked against the contract, as Gymnasium's check_env
console.log(`checkEnv(CartPole-v1): ${checkEnv(make('CartPole-v1')).length} checks passed`);

// 2. policies are functions of the observation; RecordEpisodeStatistics collects returns
type Policy = (obs: Float32Array, env: Env<Float32Array, number>) => number;
const policies: Record<string, Policy> = {
  random: (_obs, env) => env.actionSpace.sample(),
  // push toward the side the pole leans to, damped by its angular velocity
  'lean-feedback': (obs) => (obs[2]! + 0.5 * obs[3]! > 0 ? 1 : 0),
};

for (const [name, policy] of Object.entries(policies)) {
  const env = new RecordEpisodeStatistics(make('CartPole-v1'));
  env.actionSpace.seed(0);
  for (let ep = 0; ep < episodes; ep++) {
    let { observation } = env.reset({ seed: ep });
    for (;;) {
      const r = env.step(policy(observation, env));
      observation = r.observation;
      if (r.terminated || r.truncated) break;
    }
  }
  const returns = env.returnQueue;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  console.log(`${name.padEnd(14)} mean return over ${returns.length} episodes: ${mean.toFixed(1)} (max 500)`);
}

// 3. a vector env steps 8 copies in lockstep and autoresets them ('next-step', as Gymnasium 1.x)
const vec = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('CartPole-v1')));
vec.reset({ seed: 42 }); // sub-env i is seeded 42 + i
vec.actionSpace.seed(42);
let finished = 0;
const steps = 2_000;
const t0 = performance.now();
for (let t = 0; t < steps; t++) {
  const { terminations, truncations } = vec.step(vec.actionSpace.sample());
  for (let i = 0; i < vec.numEnvs; i++) finished += terminations[i]! | truncations[i]!;
}
const seconds = (performance.now() - t0) / 1000;
console.log(`SyncVectorEnv(8): ${steps * 8} env steps, ${finished} episodes finished, ${Math.round((steps * 8) / seconds).toLocaleString('en-US')} steps/s`);

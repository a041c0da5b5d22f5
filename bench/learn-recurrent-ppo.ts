// Recurrent PPO learning on CartPoleNoVel-v1 (CartPole without its velocities: only memory of
// the positions seen tells which way the pole moves) with rl-baselines3-zoo's ppo_lstm settings
// (8 envs, 100,000 steps), 5 seeds; deterministic evaluation over 20 episodes with the LSTM
// state carried through each episode. Goal (issue 16): >= 475 in at least 4 of 5 seeds.
// BENCH_ALGO=ppo runs plain PPO with the same settings and budget (no memory) side by side: it
// should not get there.
//
// The zoo's `normalize: true` wraps the training envs in VecNormalize (observations and
// rewards, gamma 0.98) and evaluates with the statistics frozen: here each training env gets
// NormalizeObservation and NormalizeReward (gamma 0.98; Gymnasium's per-env statistics where
// VecNormalize shares one set) and the evaluations read the first env's statistics, frozen (the
// best checkpoint's as they were when it was saved). BENCH_NORMALIZE=0 feeds raw observations.
//
// BENCH_SEEDS, BENCH_BACKEND, BENCH_TIMESTEPS, BENCH_EVAL_FREQ and BENCH_COMPUTE override the
// defaults (bench/lib/learnBench.ts runs the seeds: the final model and the best checkpoint).
import { make, NormalizeObservation, NormalizeReward, ObservationWrapper, SyncVectorEnv, type Env } from '../src/index.js';
import { PPO, RecurrentPPO } from '../src/agents/index.js';
import { runLearnBench } from './lib/learnBench.js';
import { EXTRACTOR_PPO, ZOO_RECURRENT_PPO_NOVEL } from './peers/settings.js';

const plain = process.env.BENCH_ALGO === 'ppo';
const normalize = process.env.BENCH_NORMALIZE !== '0';

/** Observations normalised by statistics it does not update: `stats()` gives the mean and variance to use. */
class FrozenNormalize extends ObservationWrapper<Float32Array, Float32Array, number> {
  constructor(env: Env<Float32Array, number>, readonly stats: () => { mean: Float64Array; var: Float64Array }) {
    super(env, env.observationSpace, env.actionSpace);
  }
  observation(o: Float32Array): Float32Array {
    const { mean, var: v } = this.stats();
    return o.map((x, i) => (x - (mean[i] as number)) / Math.sqrt((v[i] as number) + 1e-8));
  }
}

let first: NormalizeObservation<number> | undefined; // the first training env's statistics
let atBest: { mean: Float64Array; var: Float64Array } | undefined;
const live = () => (first as NormalizeObservation<number>).obsRms;
const noVel = () => make('CartPoleNoVel-v1') as Env<Float32Array, number>;
const envs = () =>
  new SyncVectorEnv(
    Array.from({ length: 8 }, (_, i) => () => {
      if (!normalize) return noVel();
      const obs = new NormalizeObservation(noVel());
      if (i === 0) first = obs;
      return new NormalizeReward(obs, { gamma: 0.98 });
    }),
    { autoresetMode: 'same-step' },
  );

await runLearnBench({
  name: plain ? 'learn-recurrent-ppo (plain PPO, no memory)' : 'learn-recurrent-ppo',
  env: 'CartPoleNoVel-v1', timesteps: 100_000, evalFreq: 10_000, threshold: 475,
  goal: plain ? 'the side-by-side: plain PPO on the same budget should fall short' : '>= 475 in at least 4 of 5 seeds',
  make: (seed, compute) => {
    atBest = undefined;
    return plain ? (new PPO(envs(), { ...EXTRACTOR_PPO, seed, compute }) as unknown as RecurrentPPO) : new RecurrentPPO(envs(), { ...ZOO_RECURRENT_PPO_NOVEL, seed, compute: compute as 'auto' });
  },
  // loaded onto one env to be evaluated: a minibatch no larger than one env's rollout (unused)
  load: (dir, env) => (plain ? (PPO.load(dir, env, { batchSize: 32 }) as unknown as Promise<RecurrentPPO>) : RecurrentPPO.load(dir, env, { batchSize: 32 })),
  ...(normalize
    ? {
        evalEnv: (phase: 'training' | 'final' | 'best') => {
          const stats = phase === 'best' ? () => atBest ?? live() : live;
          return new FrozenNormalize(noVel(), stats) as unknown as Env<Float32Array, never>;
        },
        bestSaved: () => {
          atBest = { mean: live().mean.slice(), var: live().var.slice() };
        },
      }
    : {}),
  info: { normalize, sideBySide: plain ? 'BENCH_ALGO unset: RecurrentPPO' : 'BENCH_ALGO=ppo: plain PPO' },
});

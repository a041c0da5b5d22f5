// Recurrent PPO on CartPoleNoVel-v1: CartPole with its velocities removed, so only memory of the
// positions seen tells which way the pole is falling. rl-baselines3-zoo's ppo_lstm settings
// (8 envs, an LSTM of 64 units for the actor and the critic, 100,000 steps, observations and
// rewards normalised as the zoo's VecNormalize does), then plain PPO with the same settings and
// budget but no memory, side by side. The evaluation reads the first training env's observation
// statistics, frozen.
//   npx tsx examples/cartpole-novel-recurrent-ppo.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { make, NormalizeObservation, NormalizeReward, ObservationWrapper, SyncVectorEnv, type Env } from '../src/index.js';
import { evaluatePolicy, linearSchedule, PPO, RecurrentPPO, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 100_000);
console.log(`backend: ${await useBackend('auto')}`);

/** An eval env normalising observations with a training env's statistics, without updating them. */
class Frozen extends ObservationWrapper<Float32Array, Float32Array, number> {
  constructor(readonly source: NormalizeObservation<number>) {
    super(make('CartPoleNoVel-v1') as Env<Float32Array, number>, source.observationSpace, source.actionSpace);
  }
  observation(o: Float32Array): Float32Array {
    const { mean, var: v } = this.source.obsRms;
    return o.map((x, i) => (x - (mean[i] as number)) / Math.sqrt((v[i] as number) + this.source.epsilon));
  }
}

/** 8 normalised CartPoleNoVel envs, and the first one's observation normaliser. */
function envs(): { vec: SyncVectorEnv<number>; first: NormalizeObservation<number> } {
  let first: NormalizeObservation<number> | undefined;
  const vec = new SyncVectorEnv(
    Array.from({ length: 8 }, (_, i) => () => {
      const obs = new NormalizeObservation(make('CartPoleNoVel-v1') as Env<Float32Array, number>);
      if (i === 0) first = obs;
      return new NormalizeReward(obs, { gamma: 0.98 });
    }),
    { autoresetMode: 'same-step' },
  );
  return { vec, first: first as NormalizeObservation<number> };
}

const ppo = { nSteps: 32, batchSize: 256, nEpochs: 20, gamma: 0.98, gaeLambda: 0.8, entCoef: 0, learningRate: linearSchedule(1e-3), clipRange: linearSchedule(0.2), activation: 'relu', netArch: { pi: [64], vf: [64] }, seed: 0 } as const;
const heldOut = { nEvalEpisodes: 20, deterministic: true, seed: 1000 } as const;

const withMemory = envs();
const agent = new RecurrentPPO(withMemory.vec, { ...ppo, lstmHiddenSize: 64, enableCriticLstm: true, orthoInit: false });
console.log(`training on: ${agent.compute}`);
let t0 = performance.now();
await agent.learn({ totalTimesteps: timesteps });
console.log(`RecurrentPPO: ${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s`);
const recurrent = evaluatePolicy(agent, new Frozen(withMemory.first), heldOut);
console.log(`RecurrentPPO over 20 episodes: ${recurrent.mean.toFixed(1)} ± ${recurrent.std.toFixed(1)} (solved at 475)`);
agent.dispose();

const noMemory = envs();
const plain = new PPO(noMemory.vec, ppo);
t0 = performance.now();
await plain.learn({ totalTimesteps: timesteps });
const feedForward = evaluatePolicy(plain, new Frozen(noMemory.first), heldOut);
console.log(`plain PPO, same budget, no memory: ${feedForward.mean.toFixed(1)} ± ${feedForward.std.toFixed(1)}`);
plain.dispose();

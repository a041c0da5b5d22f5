// The agents bench/throughput-vs-sb3.ts runs beside Stable-Baselines3, with the settings its
// peer scripts use (sb3_bench.py's `train`, sb3_tcn.py here): one copy, for every bench that
// runs these cases. The bench checks them against the peer's own models at run time.
import { FrameStack, make, NormalizeObservation, SyncVectorEnv, type Env } from '../../src/index.js';
import { A2C, DQN, linearSchedule, PPO, QRDQN, RecurrentPPO, SAC, tcnExtractor, type Compute, type SACOptions, type TcnExtractorOptions } from '../../src/agents/index.js';

/** What a bench needs of an agent: train, count steps, say where it trained and with what, let go. */
export interface BenchAgent {
  learn(options: { totalTimesteps: number }): Promise<unknown>;
  dispose(): void;
  readonly numTimesteps: number;
  readonly compute: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** `n` CartPole-v1 envs stepped together with SB3's autoreset (DummyVecEnv resets in the step that ends an episode). */
export const cartpoles = (n: number): SyncVectorEnv<number> =>
  new SyncVectorEnv(Array.from({ length: n }, () => () => make('CartPole-v1') as Env<Float32Array, number>), { autoresetMode: 'same-step' });

/**
 * rl-baselines3-zoo's current dqn.yml CartPole-v1, as sb3_bench.py's ZOO_HEAD_DQN_CARTPOLE (the
 * rest are SB3's DQN defaults, which DQN_DEFAULTS equal: tau 1, initial epsilon 1, gradient
 * norm 10, relu, no double Q, no dueling).
 */
export const ZOO_DQN_CARTPOLE = Object.freeze({
  learningRate: 2.3e-3,
  batchSize: 64,
  bufferSize: 100_000,
  learningStarts: 1000,
  gamma: 0.99,
  targetUpdateInterval: 10,
  trainFreq: 256,
  gradientSteps: 128,
  explorationFraction: 0.16,
  explorationFinalEps: 0.04,
  netArch: Object.freeze([256, 256]),
});

/** DQN with {@link ZOO_DQN_CARTPOLE} on one CartPole-v1. */
export const zooDQN = (compute: Compute = 'auto', seed = 0): DQN => new DQN(make('CartPole-v1'), { ...ZOO_DQN_CARTPOLE, seed, compute });

/**
 * rl-baselines3-zoo's hyperparams/qrdqn.yml CartPole-v1 (tuned): dqn.yml's settings and 10
 * quantiles, as sb3_offpolicy.py trains sb3-contrib's QRDQN; the rest sb3-contrib's defaults (QRDQN_DEFAULTS: no gradient clipping,
 * Adam eps 0.01 / batch size).
 */
export const ZOO_QRDQN_CARTPOLE = Object.freeze({ ...ZOO_DQN_CARTPOLE, nQuantiles: 10 });

/** QR-DQN with {@link ZOO_QRDQN_CARTPOLE} on one CartPole-v1. */
export const zooQRDQN = (compute: Compute = 'auto', seed = 0): QRDQN => new QRDQN(make('CartPole-v1'), { ...ZOO_QRDQN_CARTPOLE, seed, compute });

/** rl-baselines3-zoo hyperparams/sac.yml, Pendulum-v1: n_timesteps 20000, learning_rate 1e-3; the rest SB3's defaults. */
export const ZOO_SAC_PENDULUM: SACOptions = Object.freeze({ learningRate: 1e-3 });

/** SAC with SB3's defaults (256-256 relu actor and twin critics, batch 256, train_freq 1, learned entropy coefficient) on one Pendulum-v1, as sb3_offpolicy.py trains SB3's. */
export const defaultSAC = (compute: Compute = 'auto', seed = 0): SAC => new SAC(make('Pendulum-v1'), { seed, compute });

/** PPO with SB3's defaults (n_steps 2048, batch 64, 10 epochs, 64-64 tanh) on `nEnvs` CartPoles. */
export const defaultPPO = (nEnvs: number, seed = 0, compute: Compute = 'auto'): PPO => new PPO(cartpoles(nEnvs), { seed, compute });

/** A2C with SB3's defaults (n_steps 5, RMSprop, 64-64 tanh) on `nEnvs` CartPoles. */
export const defaultA2C = (nEnvs: number, seed = 0, compute: Compute = 'auto'): A2C => new A2C(cartpoles(nEnvs), { seed, compute });

/** The TCN of the extractor benches: two residual blocks of 16 channels, kernel 3 (sb3_tcn.py's defaults). */
export const TCN_OPTIONS: TcnExtractorOptions = Object.freeze({ channels: Object.freeze([16, 16]), kernelSize: 3 });

/** CartPole-v1 with its last 4 observations stacked: a Box of shape [4, 4], oldest first. */
export const stackedCartPole = (): FrameStack<number> => new FrameStack(make('CartPole-v1') as Env<Float32Array, number>, 4);

/**
 * PPO's settings under a features extractor: rl-baselines3-zoo's RecurrentPPO CartPoleNoVel-v1
 * (8 envs, n_steps 32, batch 256, gae_lambda 0.8, gamma 0.98, 20 epochs, linear learning rate
 * 1e-3 and clip range 0.2, relu heads of 64).
 */
export const EXTRACTOR_PPO = Object.freeze({
  nSteps: 32,
  batchSize: 256,
  gaeLambda: 0.8,
  gamma: 0.98,
  nEpochs: 20,
  entCoef: 0,
  learningRate: linearSchedule(1e-3),
  clipRange: linearSchedule(0.2),
  netArch: Object.freeze({ pi: Object.freeze([64]), vf: Object.freeze([64]) }),
  activation: 'relu',
} as const);

/**
 * PPO with {@link TCN_OPTIONS} on 8 stacked CartPoles, with bench/learn-ppo-extractors.ts's
 * settings (rl-baselines3-zoo's RecurrentPPO CartPoleNoVel-v1), as sb3_tcn.py trains SB3's.
 */
export const tcnPPO = (seed = 0): PPO =>
  new PPO(new SyncVectorEnv(Array.from({ length: 8 }, () => stackedCartPole), { autoresetMode: 'same-step' }), { ...EXTRACTOR_PPO, featuresExtractor: tcnExtractor(TCN_OPTIONS), seed });

/** `n` CartPoleNoVel-v1 envs (CartPole without its velocities), each with its observations normalised by running statistics (the zoo's VecNormalize(norm_obs) as sb3_recurrent.py runs it), stepped together with SB3's autoreset. */
export const noVelCartpoles = (n: number): SyncVectorEnv<number> =>
  new SyncVectorEnv(Array.from({ length: n }, () => () => new NormalizeObservation(make('CartPoleNoVel-v1') as Env<Float32Array, number>)), { autoresetMode: 'same-step' });

/**
 * rl-baselines3-zoo's hyperparams/ppo_lstm.yml, CartPoleNoVel-v1: {@link EXTRACTOR_PPO}'s PPO
 * settings and MlpLstmPolicy's kwargs (ortho_init False, relu, lstm_hidden_size 64,
 * enable_critic_lstm True, net_arch pi [64] / vf [64]); the zoo's normalisation is the envs'.
 */
export const ZOO_RECURRENT_PPO_NOVEL = Object.freeze({ ...EXTRACTOR_PPO, lstmHiddenSize: 64, enableCriticLstm: true, orthoInit: false } as const);

/** RecurrentPPO with {@link ZOO_RECURRENT_PPO_NOVEL} on 8 normalised CartPoleNoVel-v1, as sb3_recurrent.py trains sb3-contrib's. */
export const zooRecurrentPPO = (compute: 'auto' | 'native' | 'wasm' | 'js' = 'auto', seed = 0): RecurrentPPO =>
  new RecurrentPPO(noVelCartpoles(8), { ...ZOO_RECURRENT_PPO_NOVEL, seed, compute });

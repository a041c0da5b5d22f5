import type { CheckpointTarget } from '../common/checkpoint.js';
import { requireInt, requireKnownKeys } from '../../core/checks.js';
import { Algorithm } from '../common/Algorithm.js';
import { argmax } from '../common/distributions.js';
import { definedOnly } from '../common/guards.js';
import type { FloatArray } from '../common/kernels/types.js';
import type { ReplaySample } from '../common/ReplayBuffer.js';
import type { AgentAction, TrainEnv } from '../common/types.js';
import { resolveValueBased, ValueBased, type ValueBasedOptions } from '../common/ValueBased.js';

/**
 * QR-DQN's options: the ones it shares with DQN ({@link ValueBasedOptions}) and `nQuantiles`;
 * each omitted one takes its value from {@link QRDQN_DEFAULTS}.
 * @example
 * ```ts
 * import type { QRDQNOptions } from 'tradegym/agents';
 * // rl-baselines3-zoo's tuned CartPole-v1 settings (hyperparams/qrdqn.yml)
 * const zoo: QRDQNOptions = {
 *   learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
 *   trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], nQuantiles: 10,
 * };
 * console.log(zoo.nQuantiles); // 10
 * ```
 */
export interface QRDQNOptions extends ValueBasedOptions {
  /**
   * Quantiles per action, N (an integer >= 1): the network estimates the return distribution
   * of each action at the fractions `tau_i = (2i + 1) / (2N)`, i = 0..N-1.
   */
  readonly nQuantiles?: number;
  /** Global gradient-norm clip (torch's `clip_grad_norm_`), or `null` (the default, as sb3-contrib's `max_grad_norm=None`) for none. */
  readonly maxGradNorm?: number | null;
}

/**
 * sb3-contrib 2.3.0's QR-DQN defaults. From `QRDQN.__init__` (qrdqn.py): learning rate 5e-5,
 * buffer 1,000,000, learningStarts 100, batch 32, tau 1, gamma 0.99, trainFreq 4,
 * gradientSteps 1, targetUpdateInterval 10,000, explorationFraction 0.005, epsilon from 1 to
 * 0.01, `max_grad_norm=None` (no clipping: `maxGradNorm: null`). From `QRDQNPolicy`
 * (policies.py): 200 quantiles, a 64-64 ReLU MLP. Not an option, as in sb3-contrib with its
 * default optimizer: Adam's epsilon is `0.01 / batchSize` (qrdqn.py, after the paper).
 * @example
 * ```ts
 * import { QRDQN_DEFAULTS } from 'tradegym/agents';
 * console.log(QRDQN_DEFAULTS.nQuantiles, QRDQN_DEFAULTS.learningRate); // 200 0.00005
 * ```
 */
export const QRDQN_DEFAULTS: Readonly<Required<Omit<QRDQNOptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 5e-5,
  bufferSize: 1_000_000,
  learningStarts: 100,
  batchSize: 32,
  tau: 1.0,
  gamma: 0.99,
  trainFreq: 4,
  gradientSteps: 1,
  targetUpdateInterval: 10_000,
  explorationFraction: 0.005,
  explorationInitialEps: 1.0,
  explorationFinalEps: 0.01,
  maxGradNorm: null,
  netArch: Object.freeze([64, 64]),
  activation: 'relu',
  nQuantiles: 200,
  compute: 'auto',
});

const KEYS = [...Object.keys(QRDQN_DEFAULTS), 'seed', 'featuresExtractor'];

/** QR-DQN's resolved options. */
type QRDQNConfig = Readonly<Required<Omit<QRDQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<QRDQNOptions, 'seed' | 'featuresExtractor'>;

/**
 * Quantile Regression DQN (Dabney et al. 2017, "Distributional Reinforcement Learning with
 * Quantile Regression"), as sb3-contrib's `QRDQN`: the network outputs `nQuantiles` quantiles
 * of the return per action (at fractions `tau_i = (2i + 1) / (2N)`), an action's value is the
 * mean of its quantiles, and each gradient step regresses the taken action's quantiles on the
 * target quantiles `r + (1 - done) gamma Z_target(s', a*)`, `a*` greedy under the target
 * network's means, with the quantile Huber loss (`quantileHuberLoss`). Everything else
 * is DQN's machinery, shared with {@link DQN}: epsilon-greedy collection, the replay buffer,
 * `trainFreq` / `gradientSteps` / `learningStarts`, hard or Polyak target updates, the
 * exploration schedule, masks in `predict`, checkpoints that resume exactly, the kernel sets
 * or tfjs (with a `featuresExtractor`) by the same compute rule. Logs SB3's keys:
 * `train/loss`, `train/learning_rate`, `train/n_updates`, `rollout/exploration_rate`.
 * Discrete actions only; `agent.q.spec.nActions` counts the network's outputs,
 * `nActions x nQuantiles` (action-major: action a's quantiles are outputs `a N .. a N + N - 1`).
 *
 * @typeParam Act - the env's action type (it must hold Discrete's `number`s).
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { QRDQN, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new QRDQN(make('CartPole-v1'), { learningStarts: 50, nQuantiles: 10, seed: 0 });
 * await agent.learn({ totalTimesteps: 200 });
 * console.log(agent.predict(new Float32Array(4), { deterministic: true })); // 0 or 1
 * agent.dispose();
 * ```
 */
export class QRDQN<Act extends AgentAction = AgentAction> extends ValueBased<Act, QRDQNConfig> {
  /** The resolved options. */
  declare readonly config: Readonly<Required<Omit<QRDQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<QRDQNOptions, 'seed' | 'featuresExtractor'>;
  /** @internal */
  protected readonly algorithm = 'QRDQN';
  /** Scratch, reused: action values, the taken actions' quantiles and their gradient. */
  #values = new Float64Array(0);
  #current = new Float64Array(0);
  #dCurrent = new Float64Array(0);

  /**
   * @param env - an env with a Box observation space and a Discrete action space, or a
   *   `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link QRDQNOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an env whose action space is not
   *   Discrete (the message names the space), an unknown option, `nQuantiles` not an integer
   *   >= 1, or another value out of range. A constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: QRDQNOptions = {}) {
    requireKnownKeys('options', options, KEYS, ['maxGradNorm']);
    const o = { ...QRDQN_DEFAULTS, ...definedOnly(options) }; // an explicit undefined is "left out"
    const setup = resolveValueBased('QR-DQN', env, o);
    const config = Object.freeze({ ...o, ...setup.checked, nQuantiles: requireInt('nQuantiles', o.nQuantiles, 1) });
    // every option is checked before the networks are built: a throw leaks no tensors
    super(setup, config, { outputsPerAction: config.nQuantiles, dueling: false, adamEps: 0.01 / config.batchSize });
  }

  /** @internal The mean of each action's quantiles (sb3-contrib's `quantiles.mean(dim=1)`). */
  protected actionValues(out: ArrayLike<number>, n: number): ArrayLike<number> {
    const k = this.nActions;
    const N = this.config.nQuantiles;
    if (this.#values.length < n * k) this.#values = new Float64Array(n * k);
    const v = this.#values;
    for (let r = 0; r < n * k; r++) {
      let sum = 0;
      for (let j = r * N; j < (r + 1) * N; j++) sum += out[j] as number;
      v[r] = sum / N;
    }
    return v.subarray(0, n * k);
  }

  /** @internal The target network alone picks and values the next action (sb3-contrib). */
  protected usesNextOnline(): boolean {
    return false;
  }

  /**
   * @internal The target quantiles, `n x N`: `r + (1 - done) gamma Z_target(s', a*)`, with
   * `a*` the action of the highest mean under the target network (sb3-contrib's `train`).
   */
  protected targets(s: ReplaySample, nextTarget: ArrayLike<number>): Float64Array {
    const n = s.rewards.length;
    const k = this.nActions;
    const N = this.config.nQuantiles;
    const means = this.actionValues(nextTarget, n);
    const y = new Float64Array(n * N);
    for (let i = 0; i < n; i++) {
      const at = (i * k + argmax(means, i * k, k)) * N;
      const scale = (1 - (s.dones[i] as number)) * this.config.gamma;
      for (let j = 0; j < N; j++) y[i * N + j] = (s.rewards[i] as number) + scale * (nextTarget[at + j] as number);
    }
    return y;
  }

  /** @internal `quantileHuberLoss` of the taken actions' quantiles; the other outputs get no gradient. */
  protected loss(out: ArrayLike<number>, actions: Int32Array, y: Float64Array, dOut: FloatArray): number {
    const n = actions.length;
    const N = this.config.nQuantiles;
    const w = this.outSize;
    if (this.#current.length < n * N) {
      this.#current = new Float64Array(n * N);
      this.#dCurrent = new Float64Array(n * N);
    }
    const current = this.#current.subarray(0, n * N);
    const dCurrent = this.#dCurrent.subarray(0, n * N);
    for (let i = 0; i < n; i++) {
      const at = i * w + (actions[i] as number) * N;
      for (let j = 0; j < N; j++) current[i * N + j] = out[at + j] as number;
    }
    const loss = quantileHuberLoss(current, y, n, dCurrent);
    dOut.fill(0, 0, n * w);
    for (let i = 0; i < n; i++) {
      const at = i * w + (actions[i] as number) * N;
      for (let j = 0; j < N; j++) dOut[at + j] = dCurrent[i * N + j] as number;
    }
    return loss;
  }

  /**
   * Loads an agent saved with `save`, onto an env with the same spaces. Given the same live
   * `SyncVectorEnv` the saved agent trained on, training resumes exactly where it stopped;
   * any other env is reset when training starts.
   * @param dir - where the checkpoint is: a directory, a tfjs URL such as `'indexeddb://my-agent'`, or a
   *   `tf.io.IOHandler` such as `tf.io.fromMemory(artifacts)` (see {@link CheckpointTarget}).
   * @param env - the env to act in and train on.
   * @param options - options to override (e.g. a custom schedule function, which is not saved).
   * @returns the restored agent.
   * @throws `CheckpointError` (from `tradegym`) if `dir` holds no checkpoint or a damaged one
   *   (missing or invalid `model.json`; missing, truncated or altered weights);
   *   `InvalidArgumentError` if `dir` is none of these (or a URL no tfjs handler here reads), it holds another algorithm's
   *   agent, or the env does not fit the saved network, or `options.bufferSize` is below the
   *   transitions saved (a larger one keeps them, oldest first, and counts only them).
   */
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: QRDQNOptions = {}): Promise<QRDQN<Act>> {
    return Algorithm.fromCheckpoint(dir, 'QRDQN', options, (merged) => new QRDQN(env, merged as QRDQNOptions));
  }
}

/**
 * QR-DQN's loss (Dabney et al. 2017, eq. 10, with kappa 1) on a batch, reduced as
 * sb3-contrib's `quantile_huber_loss(current, target, sum_over_quantiles=True)`: with
 * `u_ijk = target_ik - current_ij` and `tau_j = (2j + 1) / (2N)`,
 * `loss = (1 / (n N')) sum_i sum_k sum_j |tau_j - 1{u_ijk < 0}| huber(u_ijk)`, where
 * `huber(u) = u^2 / 2` for `|u| <= 1` and `|u| - 1/2` beyond: summed over the current
 * quantiles, averaged over the target quantiles and the batch. Writes dLoss/dcurrent into
 * `dCurrent`: `-(1 / (n N')) sum_k |tau_j - 1{u_ijk < 0}| clip(u_ijk, -1, 1)`. Both compute
 * paths run it. @internal
 * @param current - the current quantiles per row, `n x N`.
 * @param target - the target quantiles per row, `n x N'` (any N' >= 1; QR-DQN's N' = N).
 * @param n - the rows.
 * @param dCurrent - receives the gradient, `n x N`; left out, none is computed.
 * @returns the loss.
 * @throws Nothing: the sizes are the caller's to get right (`current.length` and `target.length` multiples of `n`).
 */
export function quantileHuberLoss(current: ArrayLike<number>, target: ArrayLike<number>, n: number, dCurrent?: FloatArray): number {
  const N = current.length / n;
  const M = target.length / n;
  const scale = 1 / (n * M);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < N; j++) {
      const tau = (2 * j + 1) / (2 * N);
      const c = current[i * N + j] as number;
      let l = 0;
      let g = 0;
      for (let k = 0; k < M; k++) {
        const u = (target[i * M + k] as number) - c;
        const a = Math.abs(u);
        const weight = u < 0 ? 1 - tau : tau; // |tau - 1{u < 0}|
        l += weight * (a <= 1 ? 0.5 * u * u : a - 0.5);
        g -= weight * (a <= 1 ? u : Math.sign(u));
      }
      loss += l * scale;
      if (dCurrent !== undefined) dCurrent[i * N + j] = g * scale;
    }
  }
  return loss;
}

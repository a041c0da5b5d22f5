import type { CheckpointTarget } from '../common/checkpoint.js';
import { requireBool, requireKnownKeys } from '../../core/checks.js';
import { Algorithm } from '../common/Algorithm.js';
import { argmax } from '../common/distributions.js';
import { definedOnly } from '../common/guards.js';
import type { Compute } from '../common/kernels/registry.js';
import type { FloatArray } from '../common/kernels/types.js';
import type { ReplaySample } from '../common/ReplayBuffer.js';
import type { AgentAction, TrainEnv } from '../common/types.js';
import { resolveValueBased, ValueBased, type ValueBasedOptions } from '../common/ValueBased.js';

/**
 * Where DQN trains: the same choices as every agent's, {@link Compute} (this name is kept for
 * code written when DQN alone had `'native'`).
 * @example
 * ```ts
 * import type { DQNCompute } from 'tradegym/agents';
 * const compute: DQNCompute = 'auto';
 * console.log(compute);
 * ```
 */
export type DQNCompute = Compute;

/** DQN's options (the ones it shares with QR-DQN are {@link ValueBasedOptions}); each omitted one takes its value from {@link DQN_DEFAULTS}. */
export interface DQNOptions extends ValueBasedOptions {
  /** Global gradient-norm clip (torch's `clip_grad_norm_`). */
  readonly maxGradNorm?: number;
  /** Double DQN (van Hasselt et al. 2016): the online net picks the next action, the target net values it. */
  readonly doubleQ?: boolean;
  /** Dueling heads (Wang et al. 2016). */
  readonly dueling?: boolean;
  /** Where the network trains (default `'auto'`): see {@link ValueBasedOptions.compute}. */
  readonly compute?: DQNCompute;
}

/** Stable-Baselines3's DQN defaults (the Nature paper's, with Adam and a 64-64 ReLU MLP); double and dueling off. */
export const DQN_DEFAULTS: Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 1e-4,
  bufferSize: 1_000_000,
  learningStarts: 100,
  batchSize: 32,
  tau: 1.0,
  gamma: 0.99,
  trainFreq: 4,
  gradientSteps: 1,
  targetUpdateInterval: 10_000,
  explorationFraction: 0.1,
  explorationInitialEps: 1.0,
  explorationFinalEps: 0.05,
  maxGradNorm: 10,
  netArch: Object.freeze([64, 64]),
  activation: 'relu',
  doubleQ: false,
  dueling: false,
  compute: 'auto',
});

const KEYS = [...Object.keys(DQN_DEFAULTS), 'seed', 'featuresExtractor'];

/** DQN's resolved options. */
type DQNConfig = Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<DQNOptions, 'seed' | 'featuresExtractor'>;

/**
 * Deep Q-Network (Mnih et al. 2015), as Stable-Baselines3's DQN: epsilon-greedy collection
 * into a replay buffer, `gradientSteps` Adam steps on the Huber loss every `trainFreq` steps
 * once `learningStarts` steps are in, a target network refreshed by hard copy (tau 1) or
 * Polyak averaging every `targetUpdateInterval` steps, epsilon falling linearly over
 * `explorationFraction` of training, global gradient-norm clipping; double-DQN and dueling
 * heads as options. Discrete actions only. Truncated episodes are bootstrapped from their
 * real final observation. Every gradient step runs in `tf.tidy`. Learns on one env or a
 * `SyncVectorEnv` in either autoreset mode (a next-step reset step is not stored). The
 * machinery it shares with {@link QRDQN} is written once; this file holds its targets and loss.
 *
 * @typeParam Act - the env's action type (it must hold Discrete's `number`s).
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { DQN, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new DQN(make('CartPole-v1'), { learningStarts: 50, seed: 0 });
 * await agent.learn({ totalTimesteps: 200 });
 * console.log(agent.predict(new Float32Array(4), { deterministic: true })); // 0 or 1
 * agent.dispose();
 * ```
 */
export class DQN<Act extends AgentAction = AgentAction> extends ValueBased<Act, DQNConfig> {
  /** The resolved options. */
  declare readonly config: Readonly<Required<Omit<DQNOptions, 'seed' | 'featuresExtractor'>>> & Pick<DQNOptions, 'seed' | 'featuresExtractor'>;
  /** @internal */
  protected readonly algorithm = 'DQN';

  /**
   * @param env - an env with a Box observation space and a Discrete action space, or a
   *   `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link DQNOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an env whose action space is not
   *   Discrete (DQN cannot act in a Box), an unknown option or a value out of range. A
   *   constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: DQNOptions = {}) {
    requireKnownKeys('options', options, KEYS);
    const o = { ...DQN_DEFAULTS, ...definedOnly(options) }; // an explicit undefined is "left out"
    const setup = resolveValueBased('DQN', env, o);
    const config = Object.freeze({ ...o, ...setup.checked, doubleQ: requireBool('doubleQ', o.doubleQ), dueling: requireBool('dueling', o.dueling) });
    // every option is checked before the networks are built: a throw leaks no tensors
    super(setup, config, { outputsPerAction: 1, dueling: config.dueling, adamEps: 1e-8 });
  }

  /** @internal DQN's outputs are the action values. */
  protected actionValues(out: ArrayLike<number>): ArrayLike<number> {
    return out;
  }

  /** @internal Double DQN reads the online network at the next observations. */
  protected usesNextOnline(): boolean {
    return this.config.doubleQ;
  }

  /**
   * @internal The 1-step TD target `r + (1 - done) gamma Q_target(s', a')`, with `a'` the
   * target net's greedy action, or (double DQN) the online net's.
   */
  protected targets(s: ReplaySample, nextTarget: ArrayLike<number>, nextOnline: ArrayLike<number> | undefined): Float64Array {
    const n = s.rewards.length;
    const k = this.nActions;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let next: number;
      if (nextOnline === undefined) {
        next = -Infinity;
        for (let a = i * k; a < (i + 1) * k; a++) next = Math.max(next, nextTarget[a] as number);
      } else next = nextTarget[i * k + argmax(nextOnline, i * k, k)] as number;
      y[i] = (s.rewards[i] as number) + (1 - (s.dones[i] as number)) * this.config.gamma * next;
    }
    return y;
  }

  /** @internal {@link dqnLoss}. */
  protected loss(out: ArrayLike<number>, actions: Int32Array, y: Float64Array, dOut: FloatArray): number {
    return dqnLoss(out, actions, y, dOut);
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
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: DQNOptions = {}): Promise<DQN<Act>> {
    return Algorithm.fromCheckpoint(dir, 'DQN', options, (merged) => new DQN(env, merged as DQNOptions));
  }
}

/**
 * DQN's loss (Mnih et al. 2015, with SB3's `smooth_l1_loss`: Huber, beta 1) on a batch: the
 * mean over the rows of `huber(Q(s_i, a_i) - y_i)`, where `huber(d) = d^2 / 2` for `|d| <= 1`
 * and `|d| - 1/2` beyond, `q` holding the `n x k` Q-values of the observations and `y` the
 * targets. Writes dLoss/dQ into `dQ` (`clip(d, -1, 1) / n` at each row's action, 0 elsewhere).
 * Both compute paths run it. @internal
 * @param q - Q(s, .) per row, `n x k`.
 * @param actions - the action taken per row.
 * @param y - the target per row.
 * @param dQ - receives the gradient, `n x k`.
 * @returns the loss.
 */
export function dqnLoss(q: ArrayLike<number>, actions: ArrayLike<number>, y: ArrayLike<number>, dQ: FloatArray): number {
  const n = y.length;
  const k = q.length / n;
  dQ.fill(0, 0, n * k);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const a = i * k + (actions[i] as number);
    const d = (q[a] as number) - (y[i] as number);
    const ad = Math.abs(d);
    loss += (ad <= 1 ? 0.5 * ad * ad : ad - 0.5) / n;
    dQ[a] = Math.max(-1, Math.min(1, d)) / n;
  }
  return loss;
}

import type { CheckpointTarget } from '../common/checkpoint.js';
import { fail, requireBool, requireInRange, requireInt, requireKnownKeys } from '../../core/checks.js';
import { FlatRMSprop, requireNetArch, type NetArch } from '../common/ActorCritic.js';
import { requireFeaturesExtractor, type FeaturesExtractor } from '../common/featuresExtractor.js';
import { definedOnly } from '../common/guards.js';
import { agentSeed } from '../common/Algorithm.js';
import { batchAdvantages, entropyLoss, explainedVariance, type TypedBatch } from '../common/headLoss.js';
import type { Compute } from '../common/kernels/registry.js';
import { FeedForwardOnPolicy, OnPolicyAlgorithm } from '../common/OnPolicyAlgorithm.js';
import type { AgentAction, TrainEnv } from '../common/types.js';
import { toSchedule, type Schedule } from '../common/schedules.js';

/** A2C's options; each omitted one takes its value from {@link A2C_DEFAULTS}. */
export interface A2COptions {
  /** RMSprop's learning rate, or a schedule of the progress remaining. */
  readonly learningRate?: number | Schedule;
  /** Steps per sub-env per update. */
  readonly nSteps?: number;
  /** Discount factor, in [0, 1]. */
  readonly gamma?: number;
  /** GAE lambda, in [0, 1] (1: plain n-step returns). */
  readonly gaeLambda?: number;
  /** Entropy bonus coefficient. */
  readonly entCoef?: number;
  /** Value loss coefficient. */
  readonly vfCoef?: number;
  /** Global gradient-norm clip. */
  readonly maxGradNorm?: number;
  /** RMSprop's epsilon. */
  readonly rmsPropEps?: number;
  /** Normalise advantages over the batch. */
  readonly normalizeAdvantage?: boolean;
  /** Hidden layers of the policy and value networks. */
  readonly netArch?: NetArch;
  /** Hidden activation. */
  readonly activation?: 'tanh' | 'relu';
  /** Initial log standard deviation for Box actions. */
  readonly logStdInit?: number;
  /** Where the networks train: see {@link Compute} (default `'auto'`). */
  readonly compute?: Compute;
  /**
   * A features extractor under the policy and value heads (shared by both, as SB3's
   * on-policy default): a `tf.LayersModel` or a factory such as {@link tcnExtractor}; see
   * {@link FeaturesExtractor}. Left out, the heads read the flat observation. An agent with one
   * trains on tfjs.
   */
  readonly featuresExtractor?: FeaturesExtractor;
  /** Seed of weights, sampling and the env's first reset. */
  readonly seed?: number;
}

/** Stable-Baselines3's A2C defaults (RMSprop with alpha 0.99 and eps 1e-5). */
export const A2C_DEFAULTS: Readonly<Required<Omit<A2COptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 7e-4,
  nSteps: 5,
  gamma: 0.99,
  gaeLambda: 1.0,
  entCoef: 0.0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  rmsPropEps: 1e-5,
  normalizeAdvantage: false,
  netArch: Object.freeze({ pi: Object.freeze([64, 64]), vf: Object.freeze([64, 64]) }),
  activation: 'tanh',
  logStdInit: 0,
  compute: 'auto',
});

/**
 * Advantage Actor-Critic (Mnih et al. 2016, synchronous), as Stable-Baselines3's A2C: one
 * gradient step per rollout of `nSteps` steps of every sub-env, loss
 * `-(A * log pi) + vfCoef * MSE(returns, V) - entCoef * entropy`, RMSprop with alpha 0.99 and
 * eps 1e-5, global gradient-norm clipping. The on-policy loop is PPO's, written once.
 *
 * @typeParam Act - the env's action type, which `predict` returns: `env.step(agent.predict(observation))`
 *   needs no cast.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { A2C, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new A2C(make('CartPole-v1'), { seed: 0 });
 * await agent.learn({ totalTimesteps: 100 });
 * console.log(agent.predict(new Float32Array(4), { deterministic: true }));
 * agent.dispose();
 * ```
 */
export class A2C<Act extends AgentAction = AgentAction> extends FeedForwardOnPolicy<Act> {
  /** The resolved options. */
  readonly config: Readonly<Required<Omit<A2COptions, 'seed' | 'featuresExtractor'>>> & Pick<A2COptions, 'seed' | 'featuresExtractor'>;
  readonly #lr: Schedule;

  /**
   * @param env - an env with a Box observation space and a Discrete, MultiDiscrete or Box
   *   action space, or a `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link A2COptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of
   *   range. A constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: A2COptions = {}) {
    requireKnownKeys('options', options, [...Object.keys(A2C_DEFAULTS), 'seed', 'featuresExtractor']);
    const o = { ...A2C_DEFAULTS, ...definedOnly(options) }; // an explicit undefined is "left out"
    if (typeof o.learningRate === 'number' && !(o.learningRate > 0)) fail('learningRate', 'a number > 0 or a schedule', o.learningRate);
    requireBool('normalizeAdvantage', o.normalizeAdvantage);
    requireNetArch('netArch', o.netArch);
    const eps = o.rmsPropEps;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) fail('rmsPropEps', 'a finite number > 0', eps);
    const seed = agentSeed(o.seed);
    // every option is checked before super() builds the network: a throw leaks no tensors
    for (const k of ['entCoef', 'vfCoef', 'maxGradNorm'] as const) if (typeof o[k] !== 'number' || !(o[k] >= 0) || !Number.isFinite(o[k])) fail(k, 'a finite number >= 0', o[k]);
    const lr = toSchedule('learningRate', o.learningRate);
    const featuresExtractor = requireFeaturesExtractor('featuresExtractor', o.featuresExtractor);
    super(
      env,
      { nSteps: requireInt('nSteps', o.nSteps, 1), gamma: requireInRange('gamma', o.gamma, 0, 1), gaeLambda: requireInRange('gaeLambda', o.gaeLambda, 0, 1), netArch: o.netArch, activation: o.activation, logStdInit: o.logStdInit, seed, compute: o.compute, featuresExtractor },
      (size) => new FlatRMSprop(size, 0.99, eps),
    );
    this.config = Object.freeze({ ...o, seed, featuresExtractor });
    this.#lr = lr;
  }

  /** @internal */
  protected readonly algorithm = 'A2C';

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
   *   agent, or the env does not fit the saved network.
   */
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: A2COptions = {}): Promise<A2C<Act>> {
    return OnPolicyAlgorithm.fromCheckpoint(dir, 'A2C', options, (merged) => new A2C(env, merged as A2COptions));
  }

  /** @internal */
  protected train(progressRemaining: number): Record<string, number> {
    const { maxGradNorm } = this.config;
    const lr = this.#lr(progressRemaining);
    // the rows holding transitions (a next-step vector env's reset steps are left out)
    const all = this.buffer.validRows();
    const stats = this.gradientStep(all, lr, maxGradNorm, (b) => a2cLoss(b, this.config));
    return {
      'train/policy_loss': stats[0] as number,
      'train/value_loss': stats[1] as number,
      'train/entropy_loss': stats[2] as number,
      'train/loss': stats[3] as number,
      'train/explained_variance': explainedVariance(Array.from(all, (i) => this.buffer.values[i] as number), Array.from(all, (i) => this.buffer.returns[i] as number)),
      'train/learning_rate': lr,
      'train/n_updates': 1,
    };
  }
}

/**
 * A2C's loss on a typed batch, with its gradient per sample: `-mean(A log pi) + vfCoef *
 * mean((R - V)^2) - entCoef * mean(H)` (Mnih et al. 2016, algorithm S3, as SB3's A2C.train),
 * advantages optionally normalised. The only copy: both compute paths run it (the tfjs one
 * inside a custom-gradient op, see `headLossOp`). Returns policy loss, value loss, entropy
 * loss, loss. @internal
 */
export function a2cLoss(b: TypedBatch, o: { readonly entCoef: number; readonly vfCoef: number; readonly normalizeAdvantage: boolean }): number[] {
  const n = b.n;
  const adv = batchAdvantages(b, o.normalizeAdvantage);
  let pg = 0;
  let vLoss = 0;
  for (let i = 0; i < n; i++) {
    pg -= (adv[i] as number) * (b.logProb[i] as number);
    b.gLogProb[i] = -(adv[i] as number) / n;
    const e = (b.returns[i] as number) - (b.values[i] as number);
    vLoss += e * e;
    b.gValue[i] = (o.vfCoef * -2 * e) / n;
  }
  pg /= n;
  vLoss /= n;
  const ent = entropyLoss(b, o.entCoef);
  return [pg, vLoss, ent, pg + o.entCoef * ent + o.vfCoef * vLoss];
}

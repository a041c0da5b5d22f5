import type { CheckpointTarget } from '../common/checkpoint.js';
import { fail, requireBool, requireInRange, requireInt, requireKnownKeys } from '../../core/checks.js';
import { FlatAdam, requireNetArch, type NetArch } from '../common/ActorCritic.js';
import { requireFeaturesExtractor, type FeaturesExtractor } from '../common/featuresExtractor.js';
import { definedOnly } from '../common/guards.js';
import { agentSeed, toVector } from '../common/Algorithm.js';
import { batchAdvantages, entropyLoss, explainedVariance, type OnPolicyLoss, type TypedBatch } from '../common/headLoss.js';
import type { Sequences } from '../common/kernels/lstm.js';
import type { RolloutBuffer } from '../common/RolloutBuffer.js';
import type { Compute } from '../common/kernels/registry.js';
import { FeedForwardOnPolicy, OnPolicyAlgorithm, type OnPolicyConfig } from '../common/OnPolicyAlgorithm.js';
import type { AgentAction, TrainEnv } from '../common/types.js';
import type { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { toSchedule, type Schedule } from '../common/schedules.js';

// shared by the on-policy algorithms since it moved; older imports find it here
export { explainedVariance } from '../common/headLoss.js';

/** PPO's options; each omitted one takes its value from {@link PPO_DEFAULTS}. */
export interface PPOOptions {
  /** Adam's learning rate, or a schedule of the progress remaining. */
  readonly learningRate?: number | Schedule;
  /** Steps per sub-env per rollout. */
  readonly nSteps?: number;
  /** Minibatch size; must not exceed nSteps * nEnvs. */
  readonly batchSize?: number;
  /** Passes over each rollout. */
  readonly nEpochs?: number;
  /** Discount factor, in [0, 1]. */
  readonly gamma?: number;
  /** GAE lambda, in [0, 1]. */
  readonly gaeLambda?: number;
  /** Policy ratio clip (Schulman et al. 2017, eq. 7), or a schedule. */
  readonly clipRange?: number | Schedule;
  /** Clip of the value update around the old value; null for none. */
  readonly clipRangeVf?: number | Schedule | null;
  /** Normalise advantages per minibatch. */
  readonly normalizeAdvantage?: boolean;
  /** Entropy bonus coefficient. */
  readonly entCoef?: number;
  /** Value loss coefficient. */
  readonly vfCoef?: number;
  /** Global gradient-norm clip. */
  readonly maxGradNorm?: number;
  /** Stop the epochs early when the approximate KL exceeds 1.5 x this; null for never. */
  readonly targetKl?: number | null;
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
  /** Seed of weights, sampling, shuffling and the env's first reset. */
  readonly seed?: number;
}

/** Stable-Baselines3's PPO defaults (Adam with eps 1e-5, as SB3's ActorCriticPolicy). */
export const PPO_DEFAULTS: Readonly<Required<Omit<PPOOptions, 'seed' | 'featuresExtractor'>>> = Object.freeze({
  learningRate: 3e-4,
  nSteps: 2048,
  batchSize: 64,
  nEpochs: 10,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipRange: 0.2,
  clipRangeVf: null,
  normalizeAdvantage: true,
  entCoef: 0.0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  netArch: Object.freeze({ pi: Object.freeze([64, 64]), vf: Object.freeze([64, 64]) }),
  activation: 'tanh',
  logStdInit: 0,
  compute: 'auto',
});


function nonNeg(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) fail(name, 'a finite number >= 0', v);
  return v;
}

/**
 * Proximal Policy Optimization (Schulman et al. 2017), as Stable-Baselines3's PPO: clipped
 * surrogate objective with a clip-range schedule, optional value clipping, per-minibatch
 * advantage normalisation, entropy and value coefficients, global gradient-norm clipping,
 * target-KL early stopping and a learning-rate schedule, for Discrete, MultiDiscrete and Box
 * actions, on one env or a `SyncVectorEnv` (either autoreset mode). Every gradient step runs
 * inside `tf.tidy`; the tensor count does not grow across `learn()`.
 *
 * @typeParam Act - the env's action type, which `predict` returns (`number` for CartPole,
 *   `Float32Array` for Pendulum): `env.step(agent.predict(observation))` needs no cast.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { PPO, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new PPO(make('CartPole-v1'), { nSteps: 64, batchSize: 32, nEpochs: 2, seed: 0 });
 * await agent.learn({ totalTimesteps: 128 });
 * const action = agent.predict(new Float32Array(4), { deterministic: true });
 * agent.dispose();
 * ```
 */
export class PPO<Act extends AgentAction = AgentAction> extends FeedForwardOnPolicy<Act> {
  /** The resolved options. */
  readonly config: Readonly<Required<Omit<PPOOptions, 'seed' | 'featuresExtractor'>>> & Pick<PPOOptions, 'seed' | 'featuresExtractor'>;
  readonly #schedules: PPOSchedules;

  /**
   * @param env - an env with a Box observation space and a Discrete, MultiDiscrete or Box
   *   action space, or a `SyncVectorEnv` of such envs (`'next-step'` or `'same-step'`).
   * @param options - see {@link PPOOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of range
   *   (a negative learning rate, gamma outside [0, 1], a batch larger than the rollout, ...),
   *   or an env whose spaces PPO cannot handle. A constructor that throws allocates no tensors.
   * @param critic - leave it out: the multi-agent trainer's centralised critic (MAPPO), whose
   *   value network reads inputs of length `criticObsSize` that the trainer feeds.
   */
  constructor(env: TrainEnv<Act>, options: PPOOptions = {}, critic?: { readonly criticObsSize: number }) {
    const r = resolvePPO(env, options, PPO_DEFAULTS, ['featuresExtractor']);
    const featuresExtractor = requireFeaturesExtractor('featuresExtractor', r.options.featuresExtractor);
    const config = Object.freeze({ ...r.config, netArch: r.options.netArch as NetArch, featuresExtractor });
    super(r.vec, { ...r.loop, netArch: config.netArch, featuresExtractor, ...critic }, (size) => new FlatAdam(size, 0.9, 0.999, 1e-5));
    this.config = config;
    this.#schedules = r.schedules;
  }

  /** @internal */
  protected readonly algorithm = 'PPO';

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
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: PPOOptions = {}): Promise<PPO<Act>> {
    return OnPolicyAlgorithm.fromCheckpoint(dir, 'PPO', options, (merged) => new PPO(env, merged as PPOOptions));
  }

  /** @internal */
  protected train(progressRemaining: number): Record<string, number> {
    // the rows holding transitions (a next-step vector env's reset steps are left out)
    const order = this.buffer.validRows();
    const { batchSize } = this.config;
    const rng = this.rng;
    return ppoUpdate(this.config, this.#schedules, progressRemaining, this.buffer, (...a) => this.gradientStep(...a), function* () {
      rng.shuffle(order);
      // as SB3's RolloutBuffer.get: minibatches of batchSize, the last one shorter when
      // batchSize does not divide the rows (as it may not once reset rows are left out)
      for (let start = 0; start < order.length; start += batchSize) yield { idx: order.subarray(start, Math.min(order.length, start + batchSize)) };
    });
  }
}

/** PPO's settings besides the network's, resolved: what {@link ppoUpdate} reads. @internal */
export interface PPOCore {
  readonly nSteps: number;
  readonly batchSize: number;
  readonly nEpochs: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly normalizeAdvantage: boolean;
  readonly entCoef: number;
  readonly vfCoef: number;
  readonly maxGradNorm: number;
  readonly targetKl: number | null;
}

/** PPO's schedules. @internal */
export interface PPOSchedules {
  readonly lr: Schedule;
  readonly clip: Schedule;
  readonly clipVf: Schedule | null;
}

/**
 * PPO's options checked and resolved, written once for PPO and RecurrentPPO: `options` over
 * `defaults` (an explicit undefined is "left out"), unknown keys refused (`extra` are the
 * caller's own, checked by it), every value checked before any tensor exists. @internal
 */
export function resolvePPO<Act extends AgentAction, D extends Readonly<Required<Omit<PPOOptions, 'seed' | 'featuresExtractor'>>>>(
  env: TrainEnv<Act>,
  options: object,
  defaults: D,
  extra: readonly string[],
): { options: D & Record<string, unknown>; vec: SyncVectorEnv<Act>; config: D & PPOCore & { readonly seed: number | undefined }; schedules: PPOSchedules; loop: Omit<OnPolicyConfig, 'netArch' | 'featuresExtractor'> } {
  requireKnownKeys('options', options, [...Object.keys(defaults), 'seed', ...extra], ['clipRangeVf', 'targetKl']); // null: SB3's None
  const o = { ...defaults, ...definedOnly(options as Record<string, unknown>) } as D & Record<string, unknown> & { seed?: unknown };
  const lr = o.learningRate;
  if (typeof lr === 'number' && !(lr > 0)) fail('learningRate', 'a number > 0 or a schedule', lr);
  const nSteps = requireInt('nSteps', o.nSteps, 1);
  const seed = agentSeed(o.seed);
  const vec = toVector(env);
  // every option is checked before the network is built: a throw leaks no tensors
  const rollout = nSteps * vec.numEnvs;
  const batchSize = requireInt('batchSize', o.batchSize, 1);
  if (batchSize > rollout) fail('batchSize', `<= nSteps * nEnvs (${rollout})`, batchSize);
  requireNetArch('netArch', o.netArch);
  const config = Object.freeze({
    ...o,
    nSteps,
    batchSize,
    gamma: requireInRange('gamma', o.gamma, 0, 1),
    gaeLambda: requireInRange('gaeLambda', o.gaeLambda, 0, 1),
    normalizeAdvantage: requireBool('normalizeAdvantage', o.normalizeAdvantage),
    nEpochs: requireInt('nEpochs', o.nEpochs, 1),
    entCoef: nonNeg('entCoef', o.entCoef),
    vfCoef: nonNeg('vfCoef', o.vfCoef),
    maxGradNorm: nonNeg('maxGradNorm', o.maxGradNorm),
    targetKl: o.targetKl === null ? null : nonNeg('targetKl', o.targetKl),
    seed,
  });
  for (const k of ['clipRange', 'clipRangeVf'] as const) {
    const v = o[k];
    if (typeof v === 'number' && !(v > 0)) fail(k, k === 'clipRange' ? 'a number > 0 or a schedule' : 'a number > 0, a schedule or null', v);
  }
  const schedules = {
    lr: toSchedule('learningRate', o.learningRate),
    clip: toSchedule('clipRange', o.clipRange),
    clipVf: o.clipRangeVf === null ? null : toSchedule('clipRangeVf', o.clipRangeVf),
  };
  const loop = { nSteps, gamma: config.gamma, gaeLambda: config.gaeLambda, activation: o.activation, logStdInit: o.logStdInit, seed, compute: o.compute };
  return { options: o, vec, config, schedules, loop };
}

/** A minibatch: buffer rows, and for a recurrent policy their sequences. @internal */
export interface Minibatch {
  readonly idx: ArrayLike<number>;
  readonly seqs?: Sequences;
}

/**
 * PPO's update over a full buffer, written once for PPO and RecurrentPPO: `nEpochs` passes
 * over the minibatches `epoch()` yields, each a gradient step (`step`) with PPO's loss at the
 * schedules' values, stopped early when the approximate KL exceeds 1.5 x targetKl, with
 * Stable-Baselines3's log keys. @internal
 */
export function ppoUpdate(
  config: PPOCore,
  schedules: PPOSchedules,
  progressRemaining: number,
  buffer: RolloutBuffer,
  step: (idx: ArrayLike<number>, lr: number, maxGradNorm: number, loss: OnPolicyLoss, seqs?: Sequences) => number[],
  epoch: () => Iterable<Minibatch>,
): Record<string, number> {
  const { nEpochs, targetKl } = config;
  const lr = schedules.lr(progressRemaining);
  const clip = schedules.clip(progressRemaining);
  const clipVf = schedules.clipVf?.(progressRemaining) ?? null;
  const sums = [0, 0, 0, 0, 0, 0]; // pg loss, value loss, entropy loss, approx kl, clip fraction, loss
  let batches = 0;
  let stopped = false;
  for (let e = 0; e < nEpochs && !stopped; e++) {
    for (const mb of epoch()) {
      const stats = step(mb.idx, lr, config.maxGradNorm, (b) => ppoLoss(b, clip, clipVf, config), mb.seqs);
      for (let k = 0; k < 6; k++) sums[k] = (sums[k] as number) + (stats[k] as number);
      batches++;
      if (targetKl !== null && (stats[3] as number) > 1.5 * targetKl) {
        stopped = true;
        break;
      }
    }
  }
  const mean = (k: number) => (sums[k] as number) / Math.max(1, batches);
  const rows = buffer.validRows();
  const v = Array.from(rows, (i) => buffer.values[i] as number);
  const r = Array.from(rows, (i) => buffer.returns[i] as number);
  return {
    'train/policy_gradient_loss': mean(0),
    'train/value_loss': mean(1),
    'train/entropy_loss': mean(2),
    'train/approx_kl': mean(3),
    'train/clip_fraction': mean(4),
    'train/loss': mean(5),
    'train/explained_variance': explainedVariance(v, r),
    'train/learning_rate': lr,
    'train/clip_range': clip,
    'train/n_updates': batches,
  };
}

/**
 * PPO's loss on a typed minibatch, with its gradient written per sample: the clipped
 * surrogate (Schulman et al. 2017, eq. 7) with advantages normalised by the unbiased std as
 * SB3, the optionally clipped value loss and the entropy bonus. The only copy: both compute
 * paths run it (the tfjs one inside a custom-gradient op, see `headLossOp`). The gradients
 * follow autodiff's conventions at the kinks (min passes the gradient to its first argument
 * on ties; a clip passes it inside the closed range), as autodiff of the same loss written in
 * tfjs ops does (the oracle of test/agents/losses.test.ts). Returns pg loss, value loss,
 * entropy loss, approx KL, clip fraction and the loss. @internal
 */
export function ppoLoss(b: TypedBatch, clip: number, clipVf: number | null, o: { readonly entCoef: number; readonly vfCoef: number; readonly normalizeAdvantage: boolean }): number[] {
  const n = b.n;
  const adv = batchAdvantages(b, o.normalizeAdvantage);
  let pg = 0;
  let vLoss = 0;
  let kl = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const a = adv[i] as number;
    const r = Math.exp((b.logProb[i] as number) - (b.oldLogProb[i] as number));
    const rc = Math.min(1 + clip, Math.max(1 - clip, r));
    const inside = r >= 1 - clip && r <= 1 + clip;
    const first = a * r <= a * rc;
    pg -= Math.min(a * r, a * rc);
    b.gLogProb[i] = (-(first || inside ? a : 0) * r) / n;
    const v = b.values[i] as number;
    let vPred = v;
    let vInside = true;
    if (clipVf !== null) {
      const d = v - (b.oldValues[i] as number);
      vPred = (b.oldValues[i] as number) + Math.min(clipVf, Math.max(-clipVf, d));
      vInside = d >= -clipVf && d <= clipVf;
    }
    const e = (b.returns[i] as number) - vPred;
    vLoss += e * e;
    b.gValue[i] = vInside ? (o.vfCoef * -2 * e) / n : 0;
    kl += r - 1 - Math.log(r);
    if (Math.abs(r - 1) > clip) clipped++;
  }
  pg /= n;
  vLoss /= n;
  const ent = entropyLoss(b, o.entCoef);
  return [pg, vLoss, ent, kl / n, clipped / n, pg + o.entCoef * ent + o.vfCoef * vLoss];
}

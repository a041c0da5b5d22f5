import * as tf from '@tensorflow/tfjs';
import { fail } from '../../core/checks.js';
import { clipByGlobalNorm, polyakAssign, type FlatOptimizer } from './ActorCritic.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Rng } from '../../core/Rng.js';
import type { Box } from '../../spaces/Box.js';
import { extractorFromDescription, type ExtractorFactory } from './extractors.js';

/**
 * A features extractor, the option `featuresExtractor` of PPO, A2C and DQN (Stable-Baselines3's
 * `features_extractor_class`): a `tf.LayersModel` from the flat observations
 * `[batch, observationSpace.size]` to features `[batch, featuresDim]`, on which the policy,
 * value and Q heads (`netArch`) are built; or a factory `(observationSpace, seed) => model`
 * such as the built-in {@link tcnExtractor} and {@link lstmExtractor}. The agent trains the
 * model's weights with its heads, saves them with its checkpoints and disposes the model with
 * itself (a constructor that throws leaves a model instance to its owner). Left out, the heads read the observation as it is (a flat MLP).
 *
 * A model passed as an instance keeps the weights it was built with, so seed its
 * initializers for a reproducible run; a factory is called with a seed drawn from the agent's.
 */
export type FeaturesExtractor = tf.LayersModel | ExtractorFactory;

/** What a checkpoint saves of a features extractor: a built-in's description, or a custom model's topology. @internal */
export type ExtractorRecord = { readonly builtin: unknown } | { readonly custom: unknown };

const released = new WeakSet<object>();

/** Disposes a model once: later calls (e.g. a failed load's clean-up after the agent's own) do nothing. @internal */
export function releaseModel(model: unknown): void {
  if (!isLayersModel(model) || released.has(model)) return;
  released.add(model);
  model.dispose();
}

/** Whether `v` looks like a tfjs LayersModel (instanceof fails across two copies of tfjs). */
function isLayersModel(v: unknown): v is tf.LayersModel {
  if (v instanceof tf.LayersModel) return true;
  const m = v as { apply?: unknown; getWeights?: unknown; setWeights?: unknown; toJSON?: unknown } | null;
  return typeof m === 'object' && m !== null && typeof m.apply === 'function' && typeof m.getWeights === 'function' && typeof m.setWeights === 'function' && typeof m.toJSON === 'function';
}

/**
 * Checks the option before any tensor exists: undefined, a LayersModel or a function.
 * @internal
 */
export function requireFeaturesExtractor(name: string, v: unknown): FeaturesExtractor | undefined {
  if (v === undefined || isLayersModel(v) || typeof v === 'function') return v as FeaturesExtractor | undefined;
  return fail(name, 'a tf.LayersModel or a function (observationSpace, seed) => tf.LayersModel', v);
}

/**
 * An agent's features extractor: the model, its output width, its trainable variables, and
 * what a checkpoint records of it. @internal
 */
export class Extractor {
  /** The model, owned by the agent. */
  readonly model: tf.LayersModel;
  /** The width of its output. */
  readonly featuresDim: number;
  /** Its trainable weights, in order. */
  readonly vars: readonly tf.Variable[];
  /** The number of trainable parameters. */
  readonly size: number;
  readonly #record: ExtractorRecord;
  /** Built here by a factory (else the user's instance, the agent's only once it is built). */
  readonly #built: boolean;
  #target: tf.Variable[] | undefined;

  private constructor(model: tf.LayersModel, featuresDim: number, record: ExtractorRecord, built: boolean) {
    this.model = model;
    this.#built = built;
    this.featuresDim = featuresDim;
    this.vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.size = this.vars.reduce((a, v) => a + v.size, 0);
    this.#record = record;
  }

  /**
   * Builds the model (a factory is called with a seed drawn from `rng`; an instance draws
   * nothing, so the heads' weights are those of the same agent without it), checks that it maps
   * `[batch, space.size]` to `[batch, d]`, and takes ownership of it: a model that does not
   * fit is disposed before the error is thrown.
   * @throws `InvalidArgumentError` naming `name` for a model whose input or output does not fit.
   */
  static build(name: string, option: FeaturesExtractor, space: Box, rng: Rng): Extractor {
    let model: tf.LayersModel | undefined;
    try {
      const built: unknown = typeof option === 'function' ? option(space, rng.uniform(0, 2 ** 31) | 0) : option;
      if (!isLayersModel(built)) fail(name, 'a factory returning a tf.LayersModel', built);
      model = built;
      const inputs = model.inputs;
      const outputs = model.outputs;
      const inShape = inputs.length === 1 ? inputs[0]?.shape : undefined;
      if (inShape === undefined || inShape.length !== 2 || inShape[1] !== space.size) {
        fail(name, `a model with one input of shape [null, ${space.size}] (the flat observation)`, `a model with inputs ${JSON.stringify(inputs.map((t) => t.shape))}`);
      }
      const outShape = outputs.length === 1 ? outputs[0]?.shape : undefined;
      const d = outShape?.[1];
      if (outShape === undefined || outShape.length !== 2 || typeof d !== 'number' || d < 1) {
        fail(name, 'a model with one output of shape [null, featuresDim]', `a model with outputs ${JSON.stringify(outputs.map((t) => t.shape))}`);
      }
      const description = (option as { description?: unknown }).description;
      const record: ExtractorRecord = typeof option === 'function' && description !== undefined ? { builtin: description } : { custom: model.toJSON(null, false) };
      return new Extractor(model, d, record, typeof option === 'function');
    } catch (e) {
      if (typeof option === 'function') releaseModel(model); // the user's own instance stays theirs
      throw e;
    }
  }

  /** What a checkpoint saves of it (see `fromRecord`). */
  get record(): ExtractorRecord {
    return this.#record;
  }

  /** Features `[batch, featuresDim]` of observations `[batch, obsSize]`. Call inside tf.tidy. */
  apply(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return this.model.apply(x, { training }) as tf.Tensor2D;
  }

  /** Every weight (trainable or not) by name `extractor/<i>`, for a checkpoint. */
  weights(prefix: string): Record<string, tf.Tensor> {
    return Object.fromEntries(this.model.weights.map((w, i) => [`${prefix}/${i}`, w.read()]));
  }

  /**
   * Restores weights saved by `weights(prefix)`.
   * @throws `InvalidArgumentError` if the saved weights do not fit the model.
   */
  setWeights(prefix: string, saved: Record<string, tf.Tensor>): void {
    const ws = this.model.weights;
    const list = ws.map((w, i) => {
      const t = saved[`${prefix}/${i}`];
      if (t === undefined || JSON.stringify(t.shape) !== JSON.stringify(w.shape)) {
        throw new InvalidArgumentError(`featuresExtractor does not fit the saved agent: weight ${i} (${w.name}) has shape ${JSON.stringify(w.shape)}, the checkpoint ${t === undefined ? 'has no such weight' : `has ${JSON.stringify(t.shape)}`}`);
      }
      return t;
    });
    const extra = Object.keys(saved).filter((k) => k.startsWith(`${prefix}/`)).length;
    if (extra !== ws.length) throw new InvalidArgumentError(`featuresExtractor does not fit the saved agent: it has ${ws.length} weights, the checkpoint ${extra}`);
    this.model.setWeights(list);
  }

  /** The trainable weights end to end, `[size]`. Call inside tf.tidy. */
  flat(): tf.Tensor1D {
    return (this.vars.length === 0 ? tf.zeros([0]) : tf.concat(this.vars.map((v) => tf.reshape(v, [-1])))) as tf.Tensor1D;
  }

  /** Assigns `[size]` values end to end to the trainable weights. Call inside tf.tidy. */
  assignFlat(values: tf.Tensor): void {
    let at = 0;
    for (const v of this.vars) {
      v.assign(tf.reshape(tf.slice(values, at, v.size), v.shape));
      at += v.size;
    }
  }

  /**
   * Gives the extractor a target copy of its weights (DQN's target network): variables of their
   * own, equal to the weights now.
   */
  addTarget(): void {
    this.#target = this.model.weights.map((w) => tf.variable(w.read(), false));
  }

  /** Features under the target weights: they are swapped in for the call. Call inside tf.tidy. */
  applyTarget(x: tf.Tensor2D): tf.Tensor2D {
    const target = this.#target as tf.Variable[];
    const vars = this.model.weights.map((w) => w.read() as tf.Variable);
    const online = vars.map((v) => tf.clone(v));
    vars.forEach((v, i) => v.assign(target[i] as tf.Tensor));
    try {
      return this.apply(x);
    } finally {
      vars.forEach((v, i) => v.assign(online[i] as tf.Tensor));
    }
  }

  /** Polyak update of the target weights: `(1 - tau) target + tau weights` (tau 1: a copy). */
  updateTarget(tau: number): void {
    const target = this.#target as tf.Variable[];
    tf.tidy(() => this.model.weights.forEach((w, i) => polyakAssign(target[i] as tf.Variable, w.read(), tau)));
  }

  /** The target weights by name `<prefix>/<i>`, for a checkpoint. */
  targetWeights(prefix: string): Record<string, tf.Tensor> {
    return Object.fromEntries((this.#target ?? []).map((t, i) => [`${prefix}/${i}`, t]));
  }

  /** Restores target weights saved by `targetWeights(prefix)` (shapes as `setWeights` checks them). */
  setTargetWeights(prefix: string, saved: Record<string, tf.Tensor>): void {
    (this.#target ?? []).forEach((t, i) => t.assign(saved[`${prefix}/${i}`] as tf.Tensor));
  }

  /** Releases the model (the agent owns it) and the target weights. */
  dispose(): void {
    releaseModel(this.model);
    this.#target?.forEach((t) => t.dispose());
  }

  /** A failed agent constructor's clean-up: releases a model built here, leaves a user's instance to them. */
  abandon(): void {
    if (this.#built) releaseModel(this.model);
    this.#target?.forEach((t) => t.dispose());
  }
}

/**
 * One optimizer step on tfjs: the gradient of `loss` with respect to the heads' flat
 * parameters `theta` and the extractor's trainable weights, clipped by its global norm as
 * torch's `clip_grad_norm_`, applied by `optimizer` over all of them end to end. Returns the
 * loss. Call inside tf.tidy. @internal
 */
export function tfjsUpdate(loss: () => tf.Scalar, theta: tf.Variable, ext: Extractor | undefined, optimizer: FlatOptimizer, lr: number, maxGradNorm: number): tf.Scalar {
  const vars = [theta, ...(ext?.vars ?? [])];
  const { value, grads } = tf.variableGrads(loss, vars);
  const g = tf.concat(vars.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1])));
  const clipped = clipByGlobalNorm(g, maxGradNorm);
  if (ext === undefined) {
    optimizer.apply(theta, clipped, lr);
    return value;
  }
  const next = optimizer.update(tf.concat([theta, ext.flat()]), clipped, lr);
  theta.assign(tf.slice(next, 0, theta.size));
  ext.assignFlat(tf.slice(next, theta.size, ext.size));
  return value;
}

/**
 * The option a saved record rebuilds: a built-in factory from its description, or the custom
 * model from its topology (`tf.models.modelFromJSON`; custom layers must be registered with
 * `tf.serialization.registerClass`). @internal
 * @throws `InvalidArgumentError` when a custom model cannot be rebuilt: pass `featuresExtractor` to `load`.
 */
export async function extractorFromRecord(record: unknown): Promise<FeaturesExtractor> {
  const r = record as Partial<{ builtin: unknown; custom: unknown }> | null;
  if (r !== null && typeof r === 'object' && 'builtin' in r) return extractorFromDescription(r.builtin);
  if (r === null || typeof r !== 'object' || !('custom' in r)) fail('checkpoint options.featuresExtractor', '{ builtin } or { custom }', record);
  try {
    return await tf.models.modelFromJSON({ modelTopology: r.custom as tf.io.ModelJSON['modelTopology'] });
  } catch (e) {
    throw new InvalidArgumentError(`the saved featuresExtractor, a custom model, cannot be rebuilt from its topology (${(e as Error).message}): pass featuresExtractor (the model or its factory) to load()`);
  }
}

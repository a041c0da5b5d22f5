// The built-in features extractors: over a window of the observation, a TCN (Bai, Kolter and
// Koltun 2018) and an LSTM (Hochreiter and Schmidhuber 1997, with Keras's initialisation); over
// a flattened Dict observation, a combined extractor (Stable-Baselines3's CombinedExtractor).
// Each is a factory `(observationSpace, seed) => tf.LayersModel` carrying a JSON description
// from which a checkpoint rebuilds it.
import * as tf from '@tensorflow/tfjs';
import { fail, requireInt, requireKnownKeys, requireOneOf, requireRecord } from '../../core/checks.js';
import { Rng } from '../../core/Rng.js';
import type { WindowLayout } from '../../envs/trading/TradingEnv.js';
import { Box } from '../../spaces/Box.js';
import { DictSpace, type SpaceRecord } from '../../spaces/DictSpace.js';
import type { SpaceJSON } from '../../spaces/Space.js';
import { spaceFromJSON } from '../../spaces/spaceFromJSON.js';
import { flatLayout, type FlatPart } from '../../wrappers/FlattenObservation.js';
import { requireBox } from '../../wrappers/boxOf.js';
import { quietCpuBackend } from '../backend.js';
import { orthogonal } from './ActorCritic.js';

/**
 * Builds a features extractor for an observation space: a `tf.LayersModel` whose input is the
 * flat observations `[batch, observationSpace.size]` and whose single output is
 * `[batch, featuresDim]`. `seed` (an integer in [0, 2^31)) seeds every initializer, so that
 * an agent's seed fixes the extractor's weights.
 */
export type ExtractorFactory = (observationSpace: Box, seed: number) => tf.LayersModel;

/** Options of {@link tcnExtractor}. */
export interface TcnExtractorOptions {
  /**
   * Output channels of each residual block (default `[32, 32]`); block i uses dilation 2^i.
   * The receptive field is `1 + 2 * (kernelSize - 1) * (2^blocks - 1)` steps (13 with the
   * defaults): add blocks to see a longer window.
   */
  readonly channels?: readonly number[];
  /** Width of each causal convolution, an integer >= 2 (default 3). */
  readonly kernelSize?: number;
  /**
   * Where the window is in the observation (default: the shape of a 2-D Box observation
   * space, `[window, features]`, as `FrameStack` gives over a 1-D observation); a trading
   * env's `observationLayout`.
   */
  readonly layout?: WindowLayout;
}

/** Options of {@link lstmExtractor}. */
export interface LstmExtractorOptions {
  /** Hidden units of each LSTM layer (default 64). */
  readonly units?: number;
  /** Stacked LSTM layers (default 1). */
  readonly layers?: number;
  /** Where the window is in the observation; as {@link TcnExtractorOptions.layout}. */
  readonly layout?: WindowLayout;
}

/**
 * What a built-in extractor is, as JSON: the kind and its options with the defaults filled
 * in (`layout` only where it was given). A checkpoint saves it; {@link extractorFromDescription}
 * rebuilds the factory.
 */
export type ExtractorDescription =
  | ({
      /** A temporal convolutional network ({@link tcnExtractor}). */
      readonly kind: 'tcn';
    } & TcnExtractorOptions)
  | ({
      /** An LSTM ({@link lstmExtractor}). */
      readonly kind: 'lstm';
    } & LstmExtractorOptions)
  | {
      /** One extractor per key of a flattened Dict observation ({@link combinedExtractor}). */
      readonly kind: 'combined';
      /** The Dict space, as `toJSON()` gives it. */
      readonly space: SpaceJSON;
      /** The built-in extractor of each key that has one (the others are passed through flat). */
      readonly extractors: { readonly [key: string]: ExtractorDescription };
    };

/** A built-in factory: it carries its description, which a checkpoint saves to rebuild it. */
export interface BuiltinExtractor extends ExtractorFactory {
  /** The kind and the resolved options, JSON-safe and frozen. */
  readonly description: ExtractorDescription;
}

/** The resolved descriptions (every option but `layout` filled in). */
interface TcnDescription { readonly kind: 'tcn'; readonly channels: readonly number[]; readonly kernelSize: number; readonly layout?: WindowLayout }
interface LstmDescription { readonly kind: 'lstm'; readonly units: number; readonly layers: number; readonly layout?: WindowLayout }
interface CombinedDescription { readonly kind: 'combined'; readonly space: SpaceJSON; readonly extractors: { readonly [key: string]: ExtractorDescription } }

const TCN_DEFAULTS = { channels: [32, 32], kernelSize: 3 } as const;
const LSTM_DEFAULTS = { units: 64, layers: 1 } as const;
const SEED_LIMIT = 2 ** 31;

// ---- custom layers and initializer, registered so tf.models.modelFromJSON rebuilds a model ----

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/** The shape of a single-input layer's input (tfjs-layers may pass it wrapped in a list). */
function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

/** A single-input layer's input tensor (tfjs-layers may pass it wrapped in a list). */
function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}

/** Columns `[begin, begin + size)` of a `[batch, n]` input. */
class ColumnSlice extends tf.layers.Layer {
  static readonly className = 'TradegymColumnSlice';
  readonly begin: number;
  readonly size: number;

  constructor(args: LayerArgs & { begin: number; size: number }) {
    super(args);
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [shape[0] ?? null, this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = singleInput(inputs);
    return tf.slice(x, [0, this.begin], [-1, this.size]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}

/**
 * The taps of a dilated causal convolution, stacked along the channels: step t of the
 * output is `[x[t - (k-1)d], ..., x[t - d], x[t]]` (`[batch, steps, k * channels]`, zeros
 * before the first step), so that a dense layer over the channels after it is the causal
 * convolution (Bai et al.'s padding on both sides then chomp, in one step). tfjs-layers'
 * conv1d has no `padding: 'causal'` (NotImplementedError) and tfjs-core has no gradient for
 * dilations above 1, so the convolution is built from a pad, slices and a matrix product.
 */
class CausalTaps extends tf.layers.Layer {
  static readonly className = 'TradegymCausalTaps';
  readonly kernelSize: number;
  readonly dilationRate: number;

  constructor(args: LayerArgs & { kernelSize: number; dilationRate: number }) {
    super(args);
    this.kernelSize = args.kernelSize;
    this.dilationRate = args.dilationRate;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    const channels = shape[2];
    return [shape[0] ?? null, shape[1] ?? null, typeof channels === 'number' ? channels * this.kernelSize : null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = singleInput(inputs);
    const steps = x.shape[1] as number;
    const d = this.dilationRate;
    return tf.tidy(() => {
      const padded = tf.pad(x, [[0, 0], [(this.kernelSize - 1) * d, 0], [0, 0]]);
      const taps = Array.from({ length: this.kernelSize }, (_, j) => tf.slice(padded, [0, j * d, 0], [-1, steps, -1]));
      return tf.concat(taps, 2);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, dilationRate: this.dilationRate };
  }
}

/**
 * A seeded orthogonal initializer through the float64 {@link orthogonal} (equal to tfjs's to
 * float32 rounding, without its "Slowness may result" print above 2,000 elements, which an
 * LSTM's recurrent kernel exceeds). A layer receives it as a config dict that tfjs-layers
 * deserialises through the registry.
 */
class SeededOrthogonal extends tf.serialization.Serializable {
  static readonly className = 'TradegymOrthogonal';
  readonly gain: number;
  readonly seed: number;

  constructor(config: { gain: number; seed: number }) {
    super();
    this.gain = config.gain;
    this.seed = config.seed;
  }

  apply(shape: readonly number[]): tf.Tensor {
    const cols = shape[shape.length - 1] as number;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return tf.tidy(() => orthogonal(rows, cols, this.gain, this.seed).reshape(shape.slice()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}

/**
 * An LSTM's bias `[4 * units]` in Keras's gate order (input, forget, cell, output): 1 for the
 * forget gate, 0 elsewhere (Jozefowicz et al. 2015; Keras's `unit_forget_bias`). tfjs's own
 * `unitForgetBias: true` leaves 4 tensors behind per layer built.
 */
class ForgetGateBias extends tf.serialization.Serializable {
  static readonly className = 'TradegymForgetGateBias';

  apply(shape: readonly number[]): tf.Tensor {
    const n = shape[0] as number;
    const units = n / 4;
    const b = new Float32Array(n);
    b.fill(1, units, 2 * units);
    return tf.tensor1d(b);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** A registered initializer as the config dict tfjs-layers' getInitializer deserialises through the class registry. */
function registered(className: string, config: tf.serialization.ConfigDict): Initializer {
  return { className, config } as unknown as Initializer;
}

tf.serialization.registerClass(ColumnSlice);
tf.serialization.registerClass(CausalTaps);
tf.serialization.registerClass(SeededOrthogonal);
tf.serialization.registerClass(ForgetGateBias);

// ---- options ----

/** A layout `{ window, features }` of integers >= 1. */
function requireLayout(name: string, value: unknown): WindowLayout {
  const rec = requireKnownKeys(name, value, ['window', 'features']);
  return Object.freeze({ window: requireInt(`${name}.window`, rec.window, 1), features: requireInt(`${name}.features`, rec.features, 1) });
}

function resolveTcn(name: string, options: unknown, allowed: readonly string[]): TcnDescription {
  const o = requireKnownKeys(name, options, allowed);
  let channels: readonly number[] = TCN_DEFAULTS.channels;
  if (o.channels !== undefined) {
    if (!Array.isArray(o.channels) || o.channels.length === 0) fail(`${name}.channels`, 'a non-empty array of integers >= 1', o.channels);
    channels = o.channels.map((c: unknown, i) => requireInt(`${name}.channels[${i}]`, c, 1));
  }
  const kernelSize = o.kernelSize === undefined ? TCN_DEFAULTS.kernelSize : requireInt(`${name}.kernelSize`, o.kernelSize, 2);
  const layout = o.layout === undefined ? {} : { layout: requireLayout(`${name}.layout`, o.layout) };
  return Object.freeze({ kind: 'tcn', channels: Object.freeze(channels.slice()), kernelSize, ...layout });
}

function resolveLstm(name: string, options: unknown, allowed: readonly string[]): LstmDescription {
  const o = requireKnownKeys(name, options, allowed);
  const units = o.units === undefined ? LSTM_DEFAULTS.units : requireInt(`${name}.units`, o.units, 1);
  const layers = o.layers === undefined ? LSTM_DEFAULTS.layers : requireInt(`${name}.layers`, o.layers, 1);
  const layout = o.layout === undefined ? {} : { layout: requireLayout(`${name}.layout`, o.layout) };
  return Object.freeze({ kind: 'lstm', units, layers, ...layout });
}

// ---- building ----

/** A factory's `seed`: an integer in [0, 2^31). */
function requireExtractorSeed(seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) fail('seed', 'an integer in [0, 2^31)', seed);
}

/** The window's place in `space`: `layout` if given, else a 2-D Box's shape; checked against its size. */
function windowOf(space: Box, layout: WindowLayout | undefined): WindowLayout {
  if (layout === undefined) {
    if (space.shape.length !== 2) {
      fail('layout', `given as { window, features } for an observation space of shape ${JSON.stringify(space.shape)} (only a 2-D Box [window, features] carries its own)`, undefined);
    }
    return { window: space.shape[0] as number, features: space.shape[1] as number };
  }
  if (layout.window * layout.features > space.size) {
    fail('layout', `a window of at most the observation size ${space.size} values (window * features = ${layout.window * layout.features})`, layout);
  }
  return layout;
}

/** The space and seed checked, and the flat input split into the window `[batch, window, features]` and the extra values. */
function splitInput(space: unknown, seed: unknown, layout: WindowLayout | undefined): { input: tf.SymbolicTensor; window: tf.SymbolicTensor; extra: tf.SymbolicTensor | undefined; shape: WindowLayout } {
  const box = requireBox('observationSpace', space as Box);
  requireExtractorSeed(seed);
  const shape = windowOf(box, layout);
  quietCpuBackend(); // the first tensor of tfjs's cpu backend prints a banner in Node otherwise
  const size = shape.window * shape.features;
  const input = tf.input({ shape: [box.size], dtype: 'float32' });
  const flat = new ColumnSlice({ begin: 0, size }).apply(input) as tf.SymbolicTensor;
  const window = tf.layers.reshape({ targetShape: [shape.window, shape.features] }).apply(flat) as tf.SymbolicTensor;
  const extra = box.size > size ? (new ColumnSlice({ begin: size, size: box.size - size }).apply(input) as tf.SymbolicTensor) : undefined;
  return { input, window, extra, shape };
}

/** The trunk's features followed by the extra values. */
function withExtra(features: tf.SymbolicTensor, extra: tf.SymbolicTensor | undefined): tf.SymbolicTensor {
  return extra === undefined ? features : (tf.layers.concatenate({ axis: -1 }).apply([features, extra]) as tf.SymbolicTensor);
}

function buildTcn(d: TcnDescription, space: Box, seed: number): tf.LayersModel {
  const { input, window, extra, shape } = splitInput(space, seed, d.layout);
  const rng = new Rng(seed);
  const init = (): Initializer => tf.initializers.heNormal({ seed: rng.integer(0, SEED_LIMIT) }); // He et al. 2015: the convolutions feed relus
  const k = d.kernelSize;
  let x = window;
  let inChannels = shape.features;
  d.channels.forEach((c, i) => {
    // Bai et al. 2018, figure 1(b): two dilated causal convolutions with relu, and a 1x1
    // convolution on the residual path where the width changes; relu(residual + block)
    const dilationRate = 2 ** i;
    let y = x;
    for (let j = 0; j < 2; j++) {
      y = new CausalTaps({ kernelSize: k, dilationRate }).apply(y) as tf.SymbolicTensor;
      y = tf.layers.dense({ units: c, activation: 'relu', kernelInitializer: init() }).apply(y) as tf.SymbolicTensor;
    }
    const residual = inChannels === c ? x : (tf.layers.dense({ units: c, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor);
    x = tf.layers.add().apply([y, residual]) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    inChannels = c;
  });
  // the last step sees the whole receptive field: its channels are the features
  const flat = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const last = new ColumnSlice({ begin: (shape.window - 1) * inChannels, size: inChannels }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: withExtra(last, extra) });
}

function buildLstm(d: LstmDescription, space: Box, seed: number): tf.LayersModel {
  const { input, window, extra } = splitInput(space, seed, d.layout);
  const rng = new Rng(seed);
  const layers = d.layers;
  let x = window;
  for (let i = 0; i < layers; i++) {
    // Keras's LSTM: glorot-uniform kernel, orthogonal recurrent kernel, forget-gate bias 1
    // (Jozefowicz et al. 2015), logistic gates (tfjs defaults to a hard sigmoid)
    x = tf.layers
      .lstm({
        units: d.units,
        returnSequences: i < layers - 1,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.integer(0, SEED_LIMIT) }),
        recurrentInitializer: registered(SeededOrthogonal.className, { gain: 1, seed: rng.integer(0, SEED_LIMIT) }),
        biasInitializer: registered(ForgetGateBias.className, {}),
      })
      .apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: withExtra(x, extra) });
}

/** The flat layout of a combined description's Dict space, and each key's extractor. */
function combinedParts(d: CombinedDescription): { parts: readonly FlatPart[]; size: number; extractors: Map<string, BuiltinExtractor> } {
  const space = spaceFromJSON(d.space) as DictSpace<SpaceRecord>;
  const parts = flatLayout(space);
  const extractors = new Map(Object.entries(d.extractors).map(([k, e]) => [k, extractorFromDescription(e)] as const));
  const last = parts[parts.length - 1] as FlatPart;
  return { parts, size: last.offset + last.size, extractors };
}

function buildCombined(d: CombinedDescription, space: Box, seed: number): tf.LayersModel {
  const box = requireBox('observationSpace', space);
  requireExtractorSeed(seed);
  const { parts, size, extractors } = combinedParts(d);
  if (box.size !== size) fail('observationSpace', `a Box of the flattened Dict's ${size} values (wrap the env in FlattenObservation)`, String(box));
  quietCpuBackend();
  const rng = new Rng(seed);
  const input = tf.input({ shape: [size], dtype: 'float32' });
  const built: tf.LayersModel[] = [];
  try {
    const outputs = parts.map((p) => {
      const slice = new ColumnSlice({ begin: p.offset, size: p.size }).apply(input) as tf.SymbolicTensor;
      const e = extractors.get(p.key);
      if (e === undefined) return slice;
      const sub = e(p.space as Box, rng.integer(0, SEED_LIMIT));
      built.push(sub);
      return sub.apply(slice) as tf.SymbolicTensor;
    });
    const features = outputs.length === 1 ? (outputs[0] as tf.SymbolicTensor) : (tf.layers.concatenate({ axis: -1 }).apply(outputs) as tf.SymbolicTensor);
    return tf.model({ inputs: input, outputs: features });
  } catch (e) {
    built.forEach((m) => m.dispose());
    throw e;
  }
}

function builtin(description: TcnDescription | LstmDescription | CombinedDescription): BuiltinExtractor {
  const factory = (observationSpace: Box, seed: number): tf.LayersModel =>
    description.kind === 'tcn' ? buildTcn(description, observationSpace, seed) : description.kind === 'lstm' ? buildLstm(description, observationSpace, seed) : buildCombined(description, observationSpace, seed);
  return Object.freeze(Object.assign(factory, { description }));
}

/**
 * A temporal convolutional network over the observation's window (Bai, Kolter and Koltun
 * 2018, "An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence
 * Modeling"): residual blocks of two dilated causal 1-D convolutions with relu (dilations 1,
 * 2, 4, ...), a 1x1 convolution on the residual path where the channels change, relu after the
 * sum. Its features are the last step's channels (the latest bar, which sees the whole
 * receptive field) followed by the observation's extra values. Weight normalisation and
 * dropout of the paper are left out (an RL policy trains without them, as in
 * Stable-Baselines3). Convolution kernels are He-normal, biases zero, seeded from `seed`.
 *
 * @param options - `channels`, `kernelSize`, `layout`; see {@link TcnExtractorOptions}.
 * @returns a factory `(observationSpace, seed) => tf.LayersModel` with its `description`.
 *   Calling it throws `InvalidArgumentError` (from `tradegym`) if the space is not a Box, the
 *   seed is not an integer in [0, 2^31), or the window does not fit the space (no layout for
 *   a space that is not 2-D, or `window * features` above its size); it then leaves no tensors.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, `channels` that are
 *   not a non-empty array of integers >= 1, a `kernelSize` that is not an integer >= 2, or a
 *   `layout` whose `window` or `features` is not an integer >= 1 (before any tensor exists).
 * @example
 * ```ts
 * import { CartPole, FrameStack } from 'tradegym';
 * import { tcnExtractor, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const env = new FrameStack(new CartPole(), 4); // a Box of shape [4, 4]: 4 steps of 4 values
 * const model = tcnExtractor({ channels: [16, 16] })(env.observationSpace, 0);
 * console.log(model.outputs[0]?.shape); // [null, 16]
 * model.dispose();
 * ```
 */
export function tcnExtractor(options: TcnExtractorOptions = {}): BuiltinExtractor {
  return builtin(resolveTcn('options', options, ['channels', 'kernelSize', 'layout']));
}

/**
 * An LSTM over the observation's window, oldest step first: `layers` stacked
 * `tf.layers.lstm` of `units`, whose last hidden state, followed by the observation's extra
 * values, is the features. Initialised as Keras's LSTM: glorot-uniform input kernel,
 * orthogonal recurrent kernel, zero biases but 1 for the forget gate; logistic gates. Seeded
 * from `seed`.
 *
 * @param options - `units`, `layers`, `layout`; see {@link LstmExtractorOptions}.
 * @returns a factory `(observationSpace, seed) => tf.LayersModel` with its `description`;
 *   calling it throws as {@link tcnExtractor}'s does.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, `units` or `layers`
 *   that is not an integer >= 1, or a bad `layout` (before any tensor exists).
 * @example
 * ```ts
 * import { RegimeGenerator, TradingEnv } from 'tradegym';
 * import { lstmExtractor, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 1 });
 * const env = new TradingEnv({ data, windowSize: 16 });
 * const model = lstmExtractor({ units: 8, layout: env.observationLayout })(env.observationSpace, 0);
 * console.log(model.outputs[0]?.shape); // [null, 12]: 8 units and the 4 account features
 * model.dispose();
 * ```
 */
export function lstmExtractor(options: LstmExtractorOptions = {}): BuiltinExtractor {
  return builtin(resolveLstm('options', options, ['units', 'layers', 'layout']));
}

/**
 * One extractor per key of a Dict observation, as Stable-Baselines3's `CombinedExtractor`: the
 * env is wrapped in `FlattenObservation` (its observation is the Dict's leaves flattened in key
 * order), and this factory slices each key's values back out, runs the key's built-in
 * extractor over them (a `tcnExtractor` or `lstmExtractor` sees the key's own Box, so a 2-D Box
 * `[window, features]` gives its window by its shape) or passes them through flat, and
 * concatenates the results in key order. Nested keys are joined by '.' (`'account.cash'`), as
 * `flatLayout` names them. Each sub-extractor is seeded from `seed`.
 *
 * @param space - the env's Dict observation space (before flattening).
 * @param extractors - a built-in extractor per key; keys left out are passed through flat.
 * @returns a factory `(observationSpace, seed) => tf.LayersModel` with its `description`.
 *   Calling it throws `InvalidArgumentError` (from `tradegym`) if the space is not a Box of the
 *   flattened Dict's size, the seed is not an integer in [0, 2^31), or a key's extractor does
 *   not fit its Box; it then leaves no tensors.
 * @throws `InvalidArgumentError` (from `tradegym`) if `space` is not a `DictSpace` (or holds a
 *   space `FlattenObservation` cannot flatten), `extractors` names a key the Dict does not have
 *   or one that is not a Box, or a value is not a built-in extractor (before any tensor exists).
 * @example
 * ```ts
 * import { Box, DictSpace, FlattenObservation } from 'tradegym';
 * import { combinedExtractor, lstmExtractor, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const space = new DictSpace({ account: new Box(-1, 1, [2]), window: new Box(-5, 5, [8, 3]) });
 * const factory = combinedExtractor(space, { window: lstmExtractor({ units: 16 }) });
 * const flat = new Box(-5, 5, [26]); // what FlattenObservation makes of it: 2 + 8 * 3 values
 * const model = factory(flat, 0);
 * console.log(model.outputs[0]?.shape); // [null, 18]: the account's 2 values, then the LSTM's 16
 * model.dispose();
 * ```
 */
export function combinedExtractor(space: DictSpace<SpaceRecord>, extractors: Readonly<Record<string, BuiltinExtractor>> = {}): BuiltinExtractor {
  if (!(space instanceof DictSpace)) fail('space', 'a DictSpace', space);
  const parts = flatLayout(space);
  const rec = requireRecord('extractors', extractors);
  const descriptions: Record<string, ExtractorDescription> = {};
  for (const [key, e] of Object.entries(rec)) {
    const part = parts.find((p) => p.key === key);
    if (part === undefined) fail(`extractors.${key}`, `a key of the Dict space (${parts.map((p) => p.key).join(', ')})`, key);
    if (!(part.space instanceof Box)) fail(`extractors.${key}`, `on a Box key (${key} is ${String(part.space)}: it is passed through flat)`, key);
    const d = typeof e === 'function' ? (e as Partial<BuiltinExtractor>).description : undefined;
    if (d === undefined) fail(`extractors.${key}`, 'a built-in extractor (tcnExtractor, lstmExtractor or combinedExtractor)', e);
    descriptions[key] = d;
  }
  return builtin(Object.freeze({ kind: 'combined', space: space.toJSON(), extractors: Object.freeze(descriptions) }));
}

/**
 * Rebuilds a built-in factory from its saved {@link ExtractorDescription}, checking it as the
 * factories check their options (a checkpoint is data).
 *
 * @param description - a `description` as a built-in factory carries it, e.g. parsed from JSON.
 * @returns the factory, whose `description` equals the one given.
 * @throws `InvalidArgumentError` (from `tradegym`) for anything else: not an object, an
 *   unknown `kind`, an unknown key, or an option out of range.
 * @example
 * ```ts
 * import { extractorFromDescription, tcnExtractor } from 'tradegym/agents';
 * const saved = JSON.stringify(tcnExtractor({ kernelSize: 2 }).description);
 * const factory = extractorFromDescription(JSON.parse(saved));
 * console.log(factory.description); // { kind: 'tcn', channels: [32, 32], kernelSize: 2 }
 * ```
 */
export function extractorFromDescription(description: unknown): BuiltinExtractor {
  const rec = requireRecord('description', description);
  const kind = requireOneOf('description.kind', rec.kind, ['tcn', 'lstm', 'combined']);
  if (kind === 'combined') {
    const o = requireKnownKeys('description', rec, ['kind', 'space', 'extractors']);
    const space = spaceFromJSON(o.space);
    if (!(space instanceof DictSpace)) fail('description.space', 'a Dict space', o.space);
    const subs = requireRecord('description.extractors', o.extractors);
    return combinedExtractor(space, Object.fromEntries(Object.entries(subs).map(([k, d]) => [k, extractorFromDescription(d)])));
  }
  return builtin(kind === 'tcn' ? resolveTcn('description', rec, ['kind', 'channels', 'kernelSize', 'layout']) : resolveLstm('description', rec, ['kind', 'units', 'layers', 'layout']));
}

import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../../src/agents/backend.js';
import { extractorFromDescription, lstmExtractor, tcnExtractor, type BuiltinExtractor } from '../../src/agents/common/extractors.js';
import { Box, CartPole, Discrete, FrameStack, InvalidArgumentError, RegimeGenerator, Rng, TradingEnv } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const flat = (n: number) => new Box(-Infinity, Infinity, [n]);

/** A `[rows, n]` batch of standard normal draws from a seeded stream. */
function randomBatch(rows: number, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * n }, () => rng.normal());
}

function predict(model: tf.LayersModel, x: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [x.length / n, n])) as tf.Tensor).dataSync() as Float32Array);
}

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

const relu = (v: number) => Math.max(0, v);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * A reference TCN forward in float64 loops, independent of tfjs's ops: Bai et al.'s residual
 * block, out = relu(res + relu(conv2(relu(conv1(x))))), each convolution causal and dilated:
 * y[t][o] = b[o] + sum_j sum_c w[j][c][o] * x[t - (k - 1 - j) * d][c] (zero before the
 * start), with d = 2^i in block i, and a 1x1 convolution on the residual path when the width
 * changes. The model holds each convolution as a Dense layer over the stacked taps, its kernel
 * `[k * in, out]` (tap j in rows j * in .. (j + 1) * in - 1); the Dense layers are taken in
 * the model's (topological) order, the residual one recognised by its input not being taps.
 */
function referenceTcn(model: tf.LayersModel, window: number[][], channels: readonly number[], k: number): number[] {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => {
    const source = l.inboundNodes[0]!.inboundLayers[0]!;
    const taps = source.getClassName() === 'TradegymCausalTaps';
    const [w, b] = l.getWeights();
    return { taps, w: w!.arraySync() as number[][], b: b!.arraySync() as number[] };
  });
  const conv = (x: number[][], c: (typeof dense)[number], kk: number, d: number) =>
    x.map((_, t) =>
      c.b.map((bo, o) => {
        let s = bo;
        const width = x[0]!.length;
        for (let j = 0; j < kk; j++) {
          const src = t - (kk - 1 - j) * d;
          if (src >= 0) x[src]!.forEach((v, ci) => (s += c.w[j * width + ci]![o]! * v));
        }
        return s;
      }),
    );
  const take = (taps: boolean, width: number) => {
    const i = dense.findIndex((c) => c.taps === taps && c.b.length === width);
    expect(i).toBeGreaterThanOrEqual(0);
    return dense.splice(i, 1)[0]!;
  };
  let x = window;
  channels.forEach((ch, i) => {
    const d = 2 ** i;
    const first = take(true, ch);
    const second = take(true, ch);
    const y = conv(conv(x, first, k, d).map((r) => r.map(relu)), second, k, d).map((r) => r.map(relu));
    const res = x[0]!.length === ch ? x : conv(x, take(false, ch), 1, 1);
    x = y.map((r, t) => r.map((v, o) => relu(v + res[t]![o]!)));
  });
  expect(dense).toEqual([]); // every layer of the model was used
  return x[x.length - 1]!;
}

/** A reference LSTM in float64 (Hochreiter and Schmidhuber 1997; gates in Keras's order i, f, c, o), the last hidden state of the top layer. */
function referenceLstm(model: tf.LayersModel, window: number[][]): number[] {
  let seq = window;
  for (const layer of model.layers.filter((l) => l.getClassName() === 'LSTM')) {
    const [kernel, recurrent, bias] = layer.getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
    const u = bias.length / 4;
    let h = new Array<number>(u).fill(0);
    let c = new Array<number>(u).fill(0);
    const out: number[][] = [];
    for (const xt of seq) {
      const z = bias.map((b, g) => b + xt.reduce((s, v, f) => s + v * kernel[f]![g]!, 0) + h.reduce((s, v, r) => s + v * recurrent[r]![g]!, 0));
      c = c.map((cPrev, q) => sigmoid(z[u + q]!) * cPrev + sigmoid(z[q]!) * Math.tanh(z[2 * u + q]!));
      h = c.map((cq, q) => sigmoid(z[3 * u + q]!) * Math.tanh(cq));
      out.push(h);
    }
    seq = out;
  }
  return seq[seq.length - 1]!;
}

/** Row r of the window `[window, features]` as the extractors must read it: row-major, oldest first. */
function rows(obs: Float32Array, window: number, features: number): number[][] {
  return Array.from({ length: window }, (_, r) => Array.from(obs.subarray(r * features, (r + 1) * features)));
}

describe('tcnExtractor', () => {
  it('reads the window [window, features] row-major and passes the extra values through: outputs equal a reference TCN in float64 (window 6 x 3 features, 2 extra)', () => {
    const [window, features, extraN] = [6, 3, 2];
    const channels = [4, 4, 5]; // block 1 keeps its width (identity residual), blocks 0 and 2 change it (1x1 residual)
    const model = tcnExtractor({ channels, kernelSize: 2, layout: { window, features } })(flat(window * features + extraN), 3);
    const n = window * features + extraN;
    const x = randomBatch(3, n, 11);
    const y = predict(model, x, n);
    expect(model.outputs[0]!.shape).toEqual([null, 5 + extraN]);
    for (let b = 0; b < 3; b++) {
      const obs = x.subarray(b * n, (b + 1) * n);
      const want = [...referenceTcn(model, rows(obs, window, features), channels, 2), ...obs.subarray(window * features)];
      const got = Array.from(y.subarray(b * (5 + extraN), (b + 1) * (5 + extraN)));
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
      // the extra values are copied, not transformed
      expect(got.slice(5)).toEqual(Array.from(obs.subarray(window * features)));
    }
    model.dispose();
  });

  it('is causal: the trunk output at step t does not change when rows after t change, and does when a row at or before t does', () => {
    const [window, features] = [10, 2];
    const model = tcnExtractor({ channels: [3, 3, 3], kernelSize: 3, layout: { window, features } })(flat(window * features), 0);
    // the trunk with every step as output: the last relu after the last residual sum
    const lastRelu = model.layers.filter((l) => l.getClassName() === 'ReLU').at(-1)!;
    const trunk = tf.model({ inputs: model.inputs, outputs: lastRelu.output as tf.SymbolicTensor });
    const seq = (obs: Float32Array) => tf.tidy(() => (trunk.predict(tf.tensor2d(obs, [1, obs.length])) as tf.Tensor).arraySync() as number[][][])[0]!;
    const base = randomBatch(1, window * features, 5);
    const before = seq(base);
    const t = 4;
    const later = base.slice();
    for (let i = (t + 1) * features; i < later.length; i++) later[i] = (later[i] as number) + 3; // every row after t
    const after = seq(later);
    for (let s = 0; s <= t; s++) expect(after[s]).toEqual(before[s]); // bit for bit
    expect(after.slice(t + 1)).not.toEqual(before.slice(t + 1)); // the perturbation does reach later steps
    const atT = base.slice();
    atT[t * features] = (atT[t * features] as number) + 3;
    expect(seq(atT)[t]).not.toEqual(before[t]);
    model.dispose();
  });

  it('takes the window from a 2-D Box: FrameStack over CartPole gives [4, 4] and 32 features (the last block\'s channels)', () => {
    const env = new FrameStack(new CartPole(), 4);
    const model = tcnExtractor()(env.observationSpace, 0);
    expect(model.inputs[0]!.shape).toEqual([null, 16]);
    expect(model.outputs[0]!.shape).toEqual([null, 32]);
    const { observation } = env.reset({ seed: 0 });
    const y = predict(model, observation, 16);
    const want = referenceTcn(model, rows(observation, 4, 4), [32, 32], 3);
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    model.dispose();
  });
});

describe('lstmExtractor', () => {
  it('outputs the last hidden state of stacked LSTMs, then the extra values: equal to a reference LSTM in float64 (window 5 x 3 features, 4 extra)', () => {
    const [window, features, extraN, units] = [5, 3, 4, 6];
    const n = window * features + extraN;
    const model = lstmExtractor({ units, layers: 2, layout: { window, features } })(flat(n), 9);
    expect(model.outputs[0]!.shape).toEqual([null, units + extraN]);
    const x = randomBatch(2, n, 21);
    const y = predict(model, x, n);
    for (let b = 0; b < 2; b++) {
      const obs = x.subarray(b * n, (b + 1) * n);
      const want = [...referenceLstm(model, rows(obs, window, features)), ...obs.subarray(window * features)];
      Array.from(y.subarray(b * (units + extraN), (b + 1) * (units + extraN))).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
    model.dispose();
  });

  it("is initialised as Keras's LSTM: orthogonal recurrent kernel (R R^T = I), forget-gate bias 1 and the other biases 0", () => {
    const units = 64; // the recurrent kernel, 64 x 256, is above tfjs's 2,000-element "Slowness" print
    const model = lstmExtractor({ units })(new FrameStack(new CartPole(), 4).observationSpace, 2);
    const lstm = model.layers.find((l) => l.getClassName() === 'LSTM')!;
    const [, recurrent, bias] = lstm.getWeights();
    const rrt = tf.tidy(() => tf.matMul(recurrent!, recurrent!, false, true).arraySync() as number[][]);
    rrt.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 4)));
    const b = Array.from(bias!.dataSync());
    expect(b).toEqual([...new Array(units).fill(0), ...new Array(units).fill(1), ...new Array(2 * units).fill(0)]);
    model.dispose();
  });
});

describe('built-in extractors', () => {
  const both: [string, (o?: { layout?: { window: number; features: number } }) => BuiltinExtractor][] = [
    ['tcn', (o) => tcnExtractor({ channels: [8, 8], ...o })],
    ['lstm', (o) => lstmExtractor({ units: 8, ...o })],
  ];

  afterEach(() => vi.restoreAllMocks());

  it.each(both)('%s: one seed gives identical weights and outputs; another seed, other weights', (_kind, make) => {
    const space = new FrameStack(new CartPole(), 4).observationSpace;
    const [a, b, c] = [make()(space, 7), make()(space, 7), make()(space, 8)];
    expect(weightsOf(a)).toEqual(weightsOf(b));
    const x = randomBatch(4, 16, 1);
    expect(predict(a, x, 16)).toEqual(predict(b, x, 16));
    // every initialised (non-zero) weight differs with the seed
    weightsOf(a).forEach((w, i) => {
      if (w.some((v) => v !== 0) && !w.every((v) => v === 0 || v === 1)) expect(w).not.toEqual(weightsOf(c)[i]);
    });
    for (const m of [a, b, c]) m.dispose();
  });

  it.each(both)('%s: tf.models.modelFromJSON(model.toJSON()) rebuilds it (custom layers registered): the same outputs after copying the weights', async (_kind, make) => {
    const n = 6 * 2 + 3;
    const model = make({ layout: { window: 6, features: 2 } })(flat(n), 1);
    const copy = await tf.models.modelFromJSON(model.toJSON(null, false) as never);
    copy.setWeights(model.getWeights());
    const x = randomBatch(3, n, 2);
    expect(predict(copy, x, n)).toEqual(predict(model, x, n));
    model.dispose();
    copy.dispose();
  });

  it.each(both)('%s: building and disposing leaves the tensor count as it was; so does a build that throws', (_kind, make) => {
    const space = flat(20);
    const before = tf.memory().numTensors;
    const model = make({ layout: { window: 4, features: 4 } })(space, 0);
    tf.tidy(() => void model.predict(tf.zeros([2, 20])));
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => make({ layout: { window: 5, features: 5 } })(space, 0)).toThrow(InvalidArgumentError);
    expect(() => make()(space, 0)).toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(both)('%s: building prints nothing (64 units / the default channels, over a long window)', (kind) => {
    const spies = (['log', 'warn', 'info', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => undefined));
    const layout = { window: 64, features: 8 };
    const model = (kind === 'tcn' ? tcnExtractor({ layout }) : lstmExtractor({ layout }))(flat(64 * 8), 0);
    model.dispose();
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  it.each(both)('%s: gradients reach every trainable weight through the window split and padding', (_kind, make) => {
    const model = make({ layout: { window: 5, features: 2 } })(flat(12), 4);
    const x = tf.tensor2d(randomBatch(3, 12, 8), [3, 12]);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
    const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    expect(Object.keys(grads).sort()).toEqual([...names].sort());
    for (const g of Object.values(grads)) expect(g.dataSync().every(Number.isFinite)).toBe(true);
    // some gradient of each layer's kernel is non-zero
    for (const w of model.trainableWeights.filter((v) => v.name.includes('kernel'))) expect(grads[(w.read() as tf.Variable).name]!.dataSync().some((v) => v !== 0)).toBe(true);
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  });

  it("reads a TradingEnv's observation through its observationLayout: features = the trunk's, then the 4 account values as they are", () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 200, seed: 3 });
    const env = new TradingEnv({ data, windowSize: 8 });
    const model = lstmExtractor({ units: 5, layout: env.observationLayout })(env.observationSpace, 0);
    env.reset({ seed: 0 });
    const { observation } = env.step(1); // a position is open: the account values are not all zero
    const n = env.observationSpace.size;
    const y = predict(model, observation, n);
    expect(y.length).toBe(5 + 4);
    expect(Array.from(y.subarray(5))).toEqual(Array.from(observation.subarray(n - 4)));
    const want = referenceLstm(model, rows(observation, 8, env.featureNames.length));
    Array.from(y.subarray(0, 5)).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    model.dispose();
  });

  it('describes itself with every default filled in, as frozen JSON-safe data that extractorFromDescription rebuilds', () => {
    const t = tcnExtractor();
    expect(t.description).toEqual({ kind: 'tcn', channels: [32, 32], kernelSize: 3 });
    expect(lstmExtractor().description).toEqual({ kind: 'lstm', units: 64, layers: 1 });
    const l = lstmExtractor({ units: 16, layers: 2, layout: { window: 4, features: 3 } });
    expect(l.description).toEqual({ kind: 'lstm', units: 16, layers: 2, layout: { window: 4, features: 3 } });
    for (const f of [t, l]) {
      expect(Object.isFrozen(f.description)).toBe(true);
      const json = JSON.parse(JSON.stringify(f.description)) as unknown;
      expect(json).toEqual(f.description);
      expect(extractorFromDescription(json).description).toEqual(f.description);
    }
    // the options are copied: mutating the caller's array changes nothing
    const channels = [4, 4];
    const f = tcnExtractor({ channels });
    channels.push(4);
    expect(f.description).toMatchObject({ channels: [4, 4] });
  });

  it('a rebuilt factory builds the same weights for the same seed', () => {
    const original = tcnExtractor({ channels: [4], kernelSize: 2 });
    const rebuilt = extractorFromDescription(JSON.parse(JSON.stringify(original.description)));
    const space = new FrameStack(new CartPole(), 3).observationSpace;
    const [a, b] = [original(space, 5), rebuilt(space, 5)];
    expect(weightsOf(b)).toEqual(weightsOf(a));
    a.dispose();
    b.dispose();
  });
});

describe('argument checks', () => {
  it.each([
    ['an unknown option', () => tcnExtractor({ channel: [8] } as never), /^options\.channel is not a known option \(known: channels, kernelSize, layout\), got \[8\]$/],
    ['null for the default', () => tcnExtractor({ kernelSize: null } as never), /^options\.kernelSize must be a value, or left out for the default, got null$/],
    ['empty channels', () => tcnExtractor({ channels: [] }), /^options\.channels must be a non-empty array of integers >= 1, got \[\]$/],
    ['channels not an array', () => tcnExtractor({ channels: 32 as never }), /^options\.channels must be a non-empty array of integers >= 1, got 32$/],
    ['a channel of 0', () => tcnExtractor({ channels: [8, 0] }), /^options\.channels\[1\] must be an integer >= 1, got 0$/],
    ['kernelSize 1', () => tcnExtractor({ kernelSize: 1 }), /^options\.kernelSize must be an integer >= 2, got 1$/],
    ['a fractional kernelSize', () => tcnExtractor({ kernelSize: 2.5 }), /^options\.kernelSize must be an integer >= 2, got 2\.5$/],
    ['layout.window 0', () => tcnExtractor({ layout: { window: 0, features: 2 } }), /^options\.layout\.window must be an integer >= 1, got 0$/],
    ['an unknown layout key', () => lstmExtractor({ layout: { window: 2, features: 2, extra: 4 } as never }), /^options\.layout\.extra is not a known option \(known: window, features\), got 4$/],
    ['layout not an object', () => lstmExtractor({ layout: [4, 2] as never }), /^options\.layout must be a plain object, got \[4,2\]$/],
    ['units 0', () => lstmExtractor({ units: 0 }), /^options\.units must be an integer >= 1, got 0$/],
    ['layers 1.5', () => lstmExtractor({ layers: 1.5 }), /^options\.layers must be an integer >= 1, got 1\.5$/],
    ['an unknown lstm option', () => lstmExtractor({ channels: [4] } as never), /^options\.channels is not a known option \(known: units, layers, layout\), got \[4\]$/],
    ['options not an object', () => lstmExtractor('big' as never), /^options must be a plain object, got "big"$/],
  ])('the factory refuses %s, before any tensor exists', (_name, call, message) => {
    const before = tf.memory().numTensors;
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  const f = tcnExtractor({ channels: [4] });
  it.each([
    ['a space that is not a Box', () => f(new Discrete(3) as never, 0), /^observationSpace must be a Box, got "Discrete\(3\)"$/],
    ['a negative seed', () => f(flat(4), -1), /^seed must be an integer in \[0, 2\^31\), got -1$/],
    ['a seed of 2^31', () => f(flat(4), 2 ** 31), /^seed must be an integer in \[0, 2\^31\), got 2147483648$/],
    ['a fractional seed', () => f(flat(4), 0.5), /^seed must be an integer in \[0, 2\^31\), got 0\.5$/],
    ['a seed given as a string', () => f(flat(4), '1' as never), /^seed must be an integer in \[0, 2\^31\), got "1"$/],
    ['a 1-D space without a layout', () => f(flat(12), 0), /^layout must be given as \{ window, features \} for an observation space of shape \[12\] \(only a 2-D Box \[window, features\] carries its own\), got undefined$/],
    ['a layout larger than the space', () => tcnExtractor({ layout: { window: 4, features: 4 } })(flat(15), 0), /^layout must be a window of at most the observation size 15 values \(window \* features = 16\), got \{"window":4,"features":4\}$/],
  ])('building refuses %s, and leaves no tensors', (_name, call, message) => {
    const before = tf.memory().numTensors;
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    ['a string', 'tcn', /^description must be a plain object, got "tcn"$/],
    ['an unknown kind', { kind: 'mlp' }, /^description\.kind must be one of 'tcn', 'lstm', 'combined', got "mlp"$/],
    ['no kind', { units: 4 }, /^description\.kind must be one of 'tcn', 'lstm', 'combined', got undefined$/],
    ['a key of the other kind', { kind: 'tcn', units: 4 }, /^description\.units is not a known option \(known: kind, channels, kernelSize, layout\), got 4$/],
    ['a value out of range', { kind: 'lstm', units: -1 }, /^description\.units must be an integer >= 1, got -1$/],
    ['a bad layout', { kind: 'lstm', layout: { window: 2 } }, /^description\.layout\.features must be an integer >= 1, got undefined$/],
  ])('extractorFromDescription refuses %s', (_name, description, message) => {
    expect(() => extractorFromDescription(description)).toThrow(InvalidArgumentError);
    expect(() => extractorFromDescription(description)).toThrow(message);
  });
});

// The on-policy losses exist once, on typed arrays (ppoLoss, a2cLoss, with their gradients per
// sample), and both compute paths run them: the typed kernels, and tfjs through one custom-
// gradient op (headLossOp) under which autodiff carries the gradient through any network. The
// ORACLE here is the other way to write them: the whole loss as tfjs ops (the distributions'
// log-probabilities and entropies, the clipped surrogate, the value and entropy terms) and
// tfjs's autodiff of it, as the agents computed it before. On random networks, batches and
// action spaces, the gradient of the new tfjs path, and that of the typed path, must equal the
// oracle's to float32 precision.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, PPO, useBackend } from '../../src/agents/index.js';
import { ActorCritic } from '../../src/agents/common/ActorCritic.js';
import { distributionFor } from '../../src/agents/common/distributions.js';
import { headLoss, headLossOp, type OnPolicyLoss, type TypedBatch } from '../../src/agents/common/headLoss.js';
import { TypedMLP } from '../../src/agents/common/kernels/jsKernels.js';
import { a2cLoss } from '../../src/agents/a2c/A2C.js';
import { ppoLoss } from '../../src/agents/ppo/PPO.js';
import { Box, Env, MultiDiscrete, Rng, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const LOG_2PI = Math.log(2 * Math.PI);

type Kind = 'categorical' | 'multicategorical' | 'gaussian';

/** ORACLE: log-probabilities and entropies as tfjs ops (the agents' former evaluateActions). */
function oracleEvaluate(kind: Kind, out: tf.Tensor2D, actions: tf.Tensor2D, nvec: number[], logStd: tf.Tensor1D | undefined, n: number): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  if (kind !== 'gaussian') {
    // one categorical per element of nvec (Discrete: one); log-probabilities and entropies add
    const parts = nvec.length === 1 ? [out] : tf.split(out, nvec, 1);
    const cols = nvec.length === 1 ? [actions] : tf.split(actions, nvec.length, 1);
    let logProb: tf.Tensor = tf.zeros([n]);
    let entropy: tf.Tensor = tf.zeros([n]);
    parts.forEach((logits, d) => {
      const logp = tf.logSoftmax(logits);
      const oneHot = tf.oneHot(tf.cast(tf.reshape(cols[d]!, [-1]), 'int32') as tf.Tensor1D, Math.max(2, nvec[d]!));
      logProb = tf.add(logProb, tf.sum(tf.mul(logp, nvec[d] === 1 ? tf.ones([n, 1]) : oneHot), 1));
      entropy = tf.sub(entropy, tf.sum(tf.mul(tf.exp(logp), logp), 1));
    });
    return { logProb: logProb as tf.Tensor1D, entropy: entropy as tf.Tensor1D };
  }
  const ls = logStd as tf.Tensor1D;
  const k = out.shape[1];
  const z = tf.div(tf.sub(actions, out), tf.exp(ls));
  const logProb = tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), tf.add(tf.sum(ls), 0.5 * k * LOG_2PI)) as tf.Tensor1D;
  const entropy = tf.mul(tf.ones([n]), tf.add(tf.sum(ls), 0.5 * k * (1 + LOG_2PI))) as tf.Tensor1D;
  return { logProb, entropy };
}

interface LossCase {
  readonly algo: 'ppo' | 'a2c';
  readonly clip: number;
  readonly clipVf: number | null;
  readonly entCoef: number;
  readonly vfCoef: number;
  readonly normalizeAdvantage: boolean;
}

/** ORACLE: PPO's and A2C's losses as tfjs ops (the agents' former #tfjsStep), with their statistics. */
function oracleLoss(c: LossCase, logProb: tf.Tensor1D, entropy: tf.Tensor1D, values: tf.Tensor1D, b: { oldLogProb: tf.Tensor1D; advantages: tf.Tensor1D; returns: tf.Tensor1D; oldValues: tf.Tensor1D }, n: number): tf.Scalar[] {
  let adv: tf.Tensor = b.advantages;
  if (c.normalizeAdvantage && n > 1) {
    const { mean, variance } = tf.moments(adv);
    // torch's std is unbiased (ddof 1), as in SB3: (adv - mean) / (std + 1e-8)
    adv = tf.div(tf.sub(adv, mean), tf.add(tf.sqrt(tf.mul(variance, n / (n - 1))), 1e-8));
  }
  const entLoss = tf.neg(tf.mean(entropy));
  if (c.algo === 'a2c') {
    const pg = tf.neg(tf.mean(tf.mul(adv, logProb)));
    const vLoss = tf.mean(tf.square(tf.sub(b.returns, values)));
    return [pg, vLoss, entLoss, tf.add(tf.add(pg, tf.mul(entLoss, c.entCoef)), tf.mul(vLoss, c.vfCoef))] as tf.Scalar[];
  }
  // clipped surrogate, Schulman et al. 2017, eq. 7
  const ratio = tf.exp(tf.sub(logProb, b.oldLogProb));
  const pg = tf.neg(tf.mean(tf.minimum(tf.mul(adv, ratio), tf.mul(adv, tf.clipByValue(ratio, 1 - c.clip, 1 + c.clip)))));
  const vPred = c.clipVf === null ? values : tf.add(b.oldValues, tf.clipByValue(tf.sub(values, b.oldValues), -c.clipVf, c.clipVf));
  const vLoss = tf.mean(tf.square(tf.sub(b.returns, vPred)));
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), tf.log(ratio)));
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clip), 'float32'));
  return [pg, vLoss, entLoss, approxKl, clipFraction, tf.add(tf.add(pg, tf.mul(entLoss, c.entCoef)), tf.mul(vLoss, c.vfCoef))] as tf.Scalar[];
}

const lossOf = (c: LossCase): OnPolicyLoss => (b) => (c.algo === 'ppo' ? ppoLoss(b, c.clip, c.clipVf, c) : a2cLoss(b, c));

/** Max |a - b| over max(1, max |b|): float32 agreement whatever the gradient's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return d / scale;
}

/** One random problem: a network (an optional tanh extractor under ActorCritic's heads), a batch, a loss. */
function randomCase(rng: Rng, trial: number) {
  const kind: Kind = (['categorical', 'multicategorical', 'gaussian'] as const)[trial % 3]!;
  const obsSize = rng.integer(1, 7);
  const extractor = trial % 4 === 3 ? rng.integer(2, 6) : 0; // features width, 0 for none
  const nvec = kind === 'multicategorical' ? Array.from({ length: rng.integer(2, 4) }, () => rng.integer(1, 5)) : kind === 'categorical' ? [rng.integer(2, 6)] : [];
  const actionSize = kind === 'gaussian' ? rng.integer(1, 4) : nvec.reduce((a, v) => a + v, 0);
  const hidden = () => Array.from({ length: rng.integer(0, 3) }, () => rng.integer(1, 20));
  const activation = rng.uniform() < 0.5 ? 'tanh' : 'relu';
  const net = new ActorCritic(
    { obsSize: extractor || obsSize, actionSize, distribution: kind, netArch: { pi: hidden(), vf: hidden() }, activation, logStdInit: 0, ...(kind === 'multicategorical' ? { nvec } : {}) },
    rng,
  );
  const n = [1, 2, 5, 16, 33][rng.integer(0, 5)]!;
  const normal = (len: number, s = 1) => Float32Array.from({ length: len }, () => rng.normal() * s);
  // parameters away from the initial ones (tiny policy outputs), so logits and ratios vary
  const theta = normal(net.size, 0.6);
  const W = normal(obsSize * extractor, 0.8);
  const bias = normal(extractor, 0.3);
  const obs = normal(n * obsSize);
  const m = kind === 'gaussian' ? actionSize : nvec.length;
  const actions = Float32Array.from({ length: n * m }, (_, i) => (kind === 'gaussian' ? rng.normal() * 1.5 : rng.integer(0, nvec[i % m]!)));
  const c: LossCase =
    trial % 2 === 0
      ? { algo: 'ppo', clip: [0.1, 0.2, 0.3][rng.integer(0, 3)]!, clipVf: rng.uniform() < 0.5 ? null : 0.2, entCoef: rng.uniform() < 0.3 ? 0 : rng.uniform(0, 0.1), vfCoef: rng.uniform(0.2, 1), normalizeAdvantage: rng.uniform() < 0.7 }
      : { algo: 'a2c', clip: 0, clipVf: null, entCoef: rng.uniform() < 0.3 ? 0 : rng.uniform(0, 0.1), vfCoef: rng.uniform(0.2, 1), normalizeAdvantage: rng.uniform() < 0.3 };
  return { kind, nvec, actionSize, net, n, obsSize, extractor, theta, W, bias, obs, actions, m, c, advantages: normal(n, 2), returns: normal(n, 2), oldValues: normal(n), noise: normal(n, 0.3) };
}

describe('each on-policy loss written once: both compute paths against autodiff of the oracle', () => {
  it('the tfjs path (customGrad over the typed loss) and the typed path equal the oracle on 48 random problems', () => {
    const rng = new Rng(2024);
    const worst = { tfjs: 0, typed: 0, typedVsTfjs: 0, stats: 0 };
    let mixedClip = 0;
    for (let trial = 0; trial < 48; trial++) {
      const start = tf.memory().numTensors;
      const p = randomCase(rng, trial);
      const { net, n, kind } = p;
      const gaussian = kind === 'gaussian';
      const features = (x: tf.Tensor2D, W?: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D => (p.extractor === 0 ? x : (tf.tanh(tf.add(tf.matMul(x, tf.reshape(W!, [p.obsSize, p.extractor])), bias!)) as tf.Tensor2D));
      const x = tf.tensor2d(p.obs, [n, p.obsSize]);
      // differentiated with respect to the heads' parameters, and the extractor's weights if any
      const inputs = p.extractor === 0 ? [tf.tensor1d(p.theta)] : [tf.tensor1d(p.theta), tf.tensor1d(p.W), tf.tensor1d(p.bias)];
      const acts = tf.tensor2d(p.actions, [n, p.m]);
      // the rollout's log-probabilities: the current ones, moved so ratios fall inside and outside the clip range
      const current = tf.tidy(() => {
        const f = features(x, inputs[1], inputs[2]);
        return oracleEvaluate(kind, net.policy(f, inputs[0]), acts, p.nvec, gaussian ? net.logStd(inputs[0]) : undefined, n).logProb.dataSync();
      });
      const oldLogProb = Float32Array.from(current, (v, i) => v + p.noise[i]!);
      const tb = { oldLogProb: tf.tensor1d(oldLogProb), advantages: tf.tensor1d(p.advantages), returns: tf.tensor1d(p.returns), oldValues: tf.tensor1d(p.oldValues) };

      // ORACLE: autodiff of the loss written as tfjs ops
      let oracleStats: number[] = [];
      const oracleGrads = tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads((theta: tf.Tensor, W?: tf.Tensor, bias?: tf.Tensor) => {
          const f = features(x, W, bias);
          const { logProb, entropy } = oracleEvaluate(kind, net.policy(f, theta), acts, p.nvec, gaussian ? net.logStd(theta) : undefined, n);
          const terms = oracleLoss(p.c, logProb, entropy, net.value(f, theta), tb, n);
          oracleStats = terms.map((t) => t.dataSync()[0]!);
          return terms[terms.length - 1]!;
        })(inputs);
        expect(value.dataSync()[0]).toBeCloseTo(oracleStats[oracleStats.length - 1]!, 6);
        return grads.map((g) => g.dataSync() as Float32Array);
      }).map((g) => Float64Array.from(g));

      // the new tfjs path: the same network forward, the loss as one customGrad op
      const dist = distributionFor(kind, p.actionSize, p.nvec);
      const arr = () => new Float64Array(n);
      const batch = (): TypedBatch => ({ n, actions: p.actions, logProb: arr(), entropy: arr(), values: arr(), oldLogProb: Float64Array.from(oldLogProb), advantages: Float64Array.from(p.advantages), returns: Float64Array.from(p.returns), oldValues: Float64Array.from(p.oldValues), gLogProb: arr(), gEntropy: arr(), gValue: arr() });
      let tfjsStats: number[] = [];
      const op = headLossOp(dist, batch(), lossOf(p.c), (s) => (tfjsStats = s));
      const tfjsGrads = tf.tidy(() =>
        tf
          .grads((theta: tf.Tensor, W?: tf.Tensor, bias?: tf.Tensor) => {
            const f = features(x, W, bias);
            return op(net.policy(f, theta), net.value(f, theta), gaussian ? net.logStd(theta) : undefined);
          })(inputs)
          .map((g) => g.dataSync() as Float32Array),
      ).map((g) => Float64Array.from(g));
      oracleGrads.forEach((g, i) => (worst.tfjs = Math.max(worst.tfjs, relErr(tfjsGrads[i]!, g))));
      worst.stats = Math.max(worst.stats, relErr(tfjsStats, oracleStats));
      expect(tfjsStats.length).toBe(oracleStats.length);
      if (p.c.algo === 'ppo' && oracleStats[4]! > 0 && oracleStats[4]! < 1) mixedClip++;

      // the typed path: the typed MLP kernels' forward and backward around the same head loss
      if (p.extractor === 0) {
        const pi = new TypedMLP(net.piLayers, net.spec.activation);
        const vf = new TypedMLP(net.vfLayers, net.spec.activation);
        pi.load(p.theta);
        vf.load(p.theta);
        const b = batch();
        const grad = new Float64Array(net.size);
        const dOut = new Float64Array(n * p.actionSize);
        const slot = net.logStdSlot;
        const logStd = slot === undefined ? undefined : p.theta.subarray(slot.offset, slot.offset + p.actionSize);
        const dLogStd = slot === undefined ? undefined : grad.subarray(slot.offset, slot.offset + p.actionSize);
        const stats = headLoss(dist, pi.forward(p.obs, n), vf.forward(p.obs, n), logStd, b, lossOf(p.c), dOut, dLogStd);
        pi.backward(dOut, n, grad);
        vf.backward(Float64Array.from(b.gValue), n, grad);
        worst.typed = Math.max(worst.typed, relErr(grad, oracleGrads[0]!));
        worst.typedVsTfjs = Math.max(worst.typedVsTfjs, relErr(grad, tfjsGrads[0]!));
        worst.stats = Math.max(worst.stats, relErr(stats, oracleStats));
      }
      // and the op leaks nothing
      tf.dispose([x, ...inputs, acts, ...Object.values(tb)]);
      net.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    // float32 networks and an oracle in float32 ops: agreement to float32 precision of the
    // scale (measured worst: 2.8e-6); a wrong sign or a missing term is off by 1e-2 or more
    expect(worst.tfjs).toBeLessThan(1e-5);
    expect(worst.typed).toBeLessThan(1e-5);
    expect(worst.typedVsTfjs).toBeLessThan(1e-5);
    expect(worst.stats).toBeLessThan(1e-5);
    // the problems reach PPO's kinks: ratios inside and outside the clip range in one batch
    expect(mixedClip).toBeGreaterThan(5);
  }, 60_000);
});

// observations from the env's rng; a MultiDiscrete action with an element of one choice (and start offsets)
class OneChoice extends Env<Float32Array, Int32Array> {
  readonly observationSpace = new Box(-1, 1, [2]);
  readonly actionSpace = new MultiDiscrete([2, 1, 3], [0, 4, -1]);
  #obs(): Float32Array {
    return Float32Array.of(this.rng.uniform(-1, 1), this.rng.uniform(-1, 1));
  }
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: this.#obs(), info: {} };
  }
  protected stepEnv(a: Int32Array): StepResult<Float32Array> {
    return { observation: this.#obs(), reward: (a[0] === 1 ? 1 : 0) + (a[2] === 1 ? 0.5 : 0), terminated: false, truncated: false, info: {} };
  }
}

describe('an action element with one choice', () => {
  // Defect fixed: the tfjs path wrote the categorical log-probability with tf.oneHot, which
  // refuses a depth of 1 ("depth must be >=2"), so compute 'tfjs' (and every agent with a
  // featuresExtractor) threw on Discrete(1) or a MultiDiscrete element of one choice. Both paths
  // now share the typed distribution, whose one-choice categorical has log-probability 0.
  it.each([
    ['PPO', (compute: 'typed' | 'tfjs') => new PPO(new OneChoice(), { nSteps: 32, batchSize: 16, nEpochs: 2, entCoef: 0.1, seed: 3, compute })],
    ['A2C', (compute: 'typed' | 'tfjs') => new A2C(new OneChoice(), { nSteps: 8, entCoef: 0.1, seed: 3, compute })],
  ] as const)('%s trains on tfjs and takes the typed path\'s steps', async (_name, build) => {
    const run = async (compute: 'typed' | 'tfjs') => {
      const agent = build(compute);
      const initial = Array.from(agent.policy.params.dataSync());
      await agent.learn({ totalTimesteps: 64 });
      const params = Array.from(agent.policy.params.dataSync());
      const action = agent.predict(Float32Array.of(0.5, -0.5), { deterministic: true });
      agent.dispose();
      return { initial, params, action };
    };
    const typed = await run('typed');
    const tfjs = await run('tfjs');
    expect(Math.max(...typed.params.map((v, i) => Math.abs(v - typed.initial[i]!)))).toBeGreaterThan(1e-4); // it trained
    expect(Math.max(...typed.params.map((v, i) => Math.abs(v - tfjs.params[i]!)))).toBeLessThan(1e-5);
    expect(tfjs.action[1]).toBe(4); // the one choice, at its start
  }, 60_000);
});

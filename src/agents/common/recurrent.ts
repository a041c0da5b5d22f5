import type { ActorCritic, RecurrentSpec } from './ActorCritic.js';
import { copyInto } from './headLoss.js';
import type { LstmLayer, Sequences } from './kernels/lstm.js';
import type { FloatArray, KernelSet, MlpKernel } from './kernels/types.js';

// A recurrent actor-critic's memory on the kernels, as sb3-contrib's RecurrentActorCriticPolicy
// runs it: the LSTM states of every sub-env carried across rollout steps and zeroed where an
// episode starts, the states each rollout row started from (a training sequence starts from
// the one stored at its first row), and the sequences' forward and backward pass under the
// policy and value heads.

/** The outputs of the policy and value heads. @internal */
export interface HeadsOutput {
  readonly out: FloatArray;
  readonly values: FloatArray;
}

/**
 * The LSTMs of a recurrent policy and their states: per sub-env (`live`), per rollout row
 * (`stored`, `[h_pi, c_pi, h_vf, c_vf]` per row, before the row's reset). @internal
 */
export class Recurrence {
  readonly hidden: number;
  readonly critic: RecurrentSpec['critic'];
  readonly #pi: LstmLayer;
  readonly #vf: LstmLayer | undefined;
  readonly #linear: MlpKernel | undefined;
  readonly #kernels: KernelSet;
  readonly #nEnvs: number;
  /** The sub-envs' states, `[h_pi, c_pi, h_vf, c_vf]` each `nEnvs x hidden`, end to end. */
  readonly live: Float64Array;
  /** Each rollout row's states before its step (the row's reset not yet applied), `rows x 4 hidden`. */
  readonly stored: Float64Array;
  #latPi: FloatArray;
  #latVf: FloatArray;
  #dPi: FloatArray;
  #dVf: FloatArray;
  #h0 = new Float64Array(0);
  #c0 = new Float64Array(0);
  /** Views of `live`'s four blocks (0 h_pi, 1 c_pi, 2 h_vf, 3 c_vf), each `nEnvs x hidden`. */
  readonly #blocks: readonly Float64Array[];

  constructor(net: ActorCritic, kernels: KernelSet, nEnvs: number, rows: number) {
    const slots = net.recurrentSlots;
    const spec = net.spec.lstm;
    if (slots === undefined || spec === undefined) throw new Error('Recurrence: the network has no LSTM');
    this.hidden = spec.hiddenSize;
    this.critic = spec.critic;
    this.#kernels = kernels;
    this.#nEnvs = nEnvs;
    this.#pi = kernels.lstm(slots.pi);
    this.#vf = slots.vf === undefined ? undefined : kernels.lstm(slots.vf);
    this.#linear = slots.linear === undefined ? undefined : kernels.mlp([slots.linear], 'tanh'); // one layer, no activation
    this.live = new Float64Array(4 * nEnvs * this.hidden);
    const size = nEnvs * this.hidden;
    this.#blocks = [0, 1, 2, 3].map((k) => this.live.subarray(k * size, (k + 1) * size));
    this.stored = new Float64Array(4 * rows * this.hidden);
    this.#latPi = kernels.array(0);
    this.#latVf = kernels.array(0);
    this.#dPi = kernels.array(0);
    this.#dVf = kernels.array(0);
  }

  /** Reads the current weights: call whenever they change. */
  load(theta: Float32Array): void {
    this.#pi.load(theta);
    this.#vf?.load(theta);
    this.#linear?.load(theta);
  }

  /** State block `k` (0 h_pi, 1 c_pi, 2 h_vf, 3 c_vf) of the live states. */
  #block(k: number): Float64Array {
    return this.#blocks[k] as Float64Array;
  }

  /** The kernels' own kind of array holding `src`, in `buf` (grown as needed). */
  #asSet(buf: FloatArray, src: ArrayLike<number>): FloatArray {
    return copyInto(buf.length >= src.length ? buf : this.#kernels.array(src.length), src);
  }

  /**
   * A rollout step of every sub-env: stores the states rows `row .. row + nEnvs - 1` start from,
   * zeroes those where an episode starts, advances the LSTMs by `obs` and runs the heads.
   */
  rolloutStep(obs: ArrayLike<number>, starts: ArrayLike<number>, row: number, pi: MlpKernel, vf: MlpKernel): HeadsOutput {
    const n = this.#nEnvs;
    const h = this.hidden;
    for (let k = 0; k < 4; k++) {
      const block = this.#block(k);
      for (let e = 0; e < n; e++) {
        const to = ((row + e) * 4 + k) * h;
        for (let j = 0; j < h; j++) this.stored[to + j] = block[e * h + j] as number;
        if (starts[e] === 1) block.fill(0, e * h, (e + 1) * h); // a new episode starts with an empty memory
      }
    }
    this.#pi.step(obs, n, this.#block(0), this.#block(1));
    this.#latPi = this.#asSet(this.#latPi, this.#block(0));
    let latVf: FloatArray;
    if (this.critic === 'shared') latVf = this.#latPi;
    else if (this.critic === 'lstm') {
      (this.#vf as LstmLayer).step(obs, n, this.#block(2), this.#block(3));
      latVf = this.#latVf = this.#asSet(this.#latVf, this.#block(2));
    } else latVf = (this.#linear as MlpKernel).forward(obs as FloatArray, n);
    return { out: pi.forward(this.#latPi, n), values: vf.forward(latVf, n) };
  }

  /**
   * Values of observations `obs` of sub-envs `envs` (one row each) advanced from their live
   * states, zeroed first where `starts` (per listed env) is 1, the live states left as they are:
   * the bootstrap of a truncated episode from its final observation (the states after the step
   * that ended it) and of the rollout's last observation.
   */
  values(obs: FloatArray, envs: readonly number[], starts: ArrayLike<number> | undefined, vf: MlpKernel): FloatArray {
    const n = envs.length;
    const h = this.hidden;
    if (this.critic === 'linear') return vf.forward((this.#linear as MlpKernel).forward(obs, n), n);
    const [hk, ck, lstm] = this.critic === 'lstm' ? [2, 3, this.#vf as LstmLayer] : [0, 1, this.#pi];
    const hs = new Float64Array(n * h);
    const cs = new Float64Array(n * h);
    envs.forEach((e, j) => {
      if (starts !== undefined && starts[j] === 1) return;
      hs.set(this.#block(hk).subarray(e * h, (e + 1) * h), j * h);
      cs.set(this.#block(ck).subarray(e * h, (e + 1) * h), j * h);
    });
    lstm.step(obs, n, hs, cs);
    return vf.forward(this.#asSet(this.#latVf, hs), n);
  }

  /** The policy's outputs for one observation, advancing the actor state `h`, `c` (`hidden` each) in place. */
  policyStep(obs: ArrayLike<number>, h: Float64Array, c: Float64Array, pi: MlpKernel): FloatArray {
    this.#pi.step(obs, 1, h, c);
    this.#latPi = this.#asSet(this.#latPi, h);
    return pi.forward(this.#latPi, 1);
  }

  /**
   * The heads' outputs over training sequences: `rows` (buffer rows, batch order) hold
   * `obs`; sequence s starts from the states stored at its first row (zeros where that row
   * starts an episode, `starts[row]` 1).
   */
  forward(obs: FloatArray, rows: ArrayLike<number>, seqs: Sequences, starts: ArrayLike<number>, pi: MlpKernel, vf: MlpKernel): HeadsOutput {
    const n = rows.length;
    const h = this.hidden;
    const run = (lstm: LstmLayer, k: number) => {
      this.#h0 = this.#h0.length >= seqs.count * h ? this.#h0 : new Float64Array(seqs.count * h);
      this.#c0 = this.#c0.length >= seqs.count * h ? this.#c0 : new Float64Array(seqs.count * h);
      for (let s = 0; s < seqs.count; s++) {
        const row = rows[seqs.start[s] as number] as number;
        const zero = starts[row] === 1;
        for (let j = 0; j < h; j++) {
          this.#h0[s * h + j] = zero ? 0 : (this.stored[(row * 4 + k) * h + j] as number);
          this.#c0[s * h + j] = zero ? 0 : (this.stored[(row * 4 + k + 1) * h + j] as number);
        }
      }
      return lstm.forward(obs, n, seqs, this.#h0, this.#c0);
    };
    this.#latPi = this.#asSet(this.#latPi, run(this.#pi, 0));
    let latVf: FloatArray;
    if (this.critic === 'shared') latVf = this.#latPi;
    else if (this.critic === 'lstm') latVf = this.#latVf = this.#asSet(this.#latVf, run(this.#vf as LstmLayer, 2));
    else latVf = (this.#linear as MlpKernel).forward(obs, n);
    return { out: pi.forward(this.#latPi, n), values: vf.forward(latVf, n) };
  }

  /**
   * Back-propagates the heads' output gradients of the last {@link Recurrence.forward} through
   * the heads and the LSTMs into `grad` (the shared LSTM gets the policy's gradient only, as
   * sb3-contrib detaches the critic's input from it).
   */
  backward(dOut: FloatArray, dValue: FloatArray, n: number, pi: MlpKernel, vf: MlpKernel, grad: FloatArray): void {
    const size = n * this.hidden;
    if (this.#dPi.length < size) this.#dPi = this.#kernels.array(size);
    if (this.#dVf.length < size) this.#dVf = this.#kernels.array(size);
    pi.backward(dOut, n, grad, this.#dPi);
    vf.backward(dValue, n, grad, this.critic === 'shared' ? undefined : this.#dVf);
    this.#pi.backward(this.#dPi, grad);
    if (this.critic === 'lstm') (this.#vf as LstmLayer).backward(this.#dVf, grad);
    if (this.critic === 'linear') (this.#linear as MlpKernel).backward(this.#dVf.subarray(0, size), n, grad);
  }
}

import type { Slot } from '../types.js';
import { gemmABtJs, grow, tanh, transpose, type Gemm } from './jsKernels.js';
import type { FloatArray } from './types.js';

// An LSTM layer on typed arrays (Hochreiter and Schmidhuber 1997, with the forget gate of Gers
// et al. 2000), as PyTorch's `nn.LSTM` computes it: gates i, f, g, o in that order,
//   z = W [x; h_prev] + b_ih + b_hh,  i, f, o = sigmoid(z_i, z_f, z_o),  g = tanh(z_g),
//   c = f c_prev + i g,  h = o tanh(c).
// One step for a batch (a rollout), or whole sequences of different lengths from their own
// initial states with backpropagation through time (training). Float64 inside, products on the
// JS kernel; parameters are read from, and gradients written into, the agents' flat vectors.

/** Where an LSTM layer's parameters sit in a flat vector: `w` is `[in + hidden, 4 hidden]` (inputs' rows first), two biases of `4 hidden` as PyTorch keeps them. @internal */
export interface LstmSlots {
  readonly w: Slot;
  readonly bIh: Slot;
  readonly bHh: Slot;
}

/**
 * Sequences laid end to end in a batch: sequence s is rows `start[s] .. start[s] + length[s] - 1`
 * of the batch, in time order. @internal
 */
export interface Sequences {
  readonly count: number;
  readonly start: Int32Array;
  readonly length: Int32Array;
}

/** sigmoid(v) = (1 + tanh(v / 2)) / 2, on the same tanh as every kernel set (the wasm build has no exp). */
const sigmoid = (v: number): number => 0.5 * (1 + tanh(0.5 * v));

/**
 * An LSTM layer on a kernel set (see {@link LstmKernel}, the reference): `step` advances a batch
 * of states by one input each; `forward` runs sequences and keeps what `backward` needs. @internal
 */
export interface LstmLayer {
  readonly inSize: number;
  readonly hidden: number;
  /** Reads the current weights from the flat parameters: call again whenever they change. */
  load(params: Float32Array): void;
  /** Advances `n` states (`h`, `c`: `n x hidden`, overwritten) by one input each (`x`: `n x in`). */
  step(x: ArrayLike<number>, n: number, h: Float64Array, c: Float64Array): void;
  /** Every step's output (`rows x hidden`, batch order; valid until the next call) of `seqs` over `x` from `h0`, `c0` (`count x hidden`). */
  forward(x: ArrayLike<number>, rows: number, seqs: Sequences, h0: ArrayLike<number>, c0: ArrayLike<number>): FloatArray;
  /** Backpropagation through time of the last `forward` into `grad` at the layer's offsets. */
  backward(dOut: ArrayLike<number>, grad: FloatArray): void;
}

/**
 * The time-major schedule of sequences (every kernel set's LSTM runs it): ranks sort the
 * sequences longest first, so the ones still running at time t are the first `active[t]`;
 * position `offset[t] + r` is rank r at time t and reads and writes batch row `rowOf[p]`.
 * `packed` is `[active, offset, rowOf]` end to end (the native and wasm kernels' layout). @internal
 */
export interface Schedule {
  readonly order: Int32Array;
  readonly steps: number;
  readonly active: Int32Array;
  readonly offset: Int32Array;
  readonly rowOf: Int32Array;
  readonly packed: Int32Array;
}

/** The {@link Schedule} of `seqs` over a batch of `rows` rows. @internal */
export function schedule(seqs: Sequences, rows: number): Schedule {
  const count = seqs.count;
  const order = Int32Array.from({ length: count }, (_, s) => s).sort((p, q) => (seqs.length[q] as number) - (seqs.length[p] as number) || p - q);
  const steps = count === 0 ? 0 : (seqs.length[order[0] as number] as number);
  let total = 0;
  for (let s = 0; s < count; s++) total += seqs.length[s] as number;
  if (total !== rows) throw new RangeError(`LSTM schedule: the sequences hold ${total} rows, the batch ${rows}`);
  const packed = new Int32Array(2 * steps + rows);
  const active = packed.subarray(0, steps);
  const offset = packed.subarray(steps, 2 * steps);
  const rowOf = packed.subarray(2 * steps);
  let at = 0;
  for (let t = 0; t < steps; t++) {
    let n = 0;
    while (n < count && (seqs.length[order[n] as number] as number) > t) n++;
    active[t] = n;
    offset[t] = at;
    for (let r = 0; r < n; r++) rowOf[at + r] = (seqs.start[order[r] as number] as number) + t;
    at += n;
  }
  return { order, steps, active, offset, rowOf, packed };
}

/** The initial states `h0`, `c0` (by sequence) laid out by rank (`order`) into `h`, `c`. @internal */
export function byRank(order: Int32Array, hidden: number, h0: ArrayLike<number>, c0: ArrayLike<number>, h: FloatArray, c: FloatArray): void {
  for (let r = 0; r < order.length; r++) {
    const s = order[r] as number;
    for (let j = 0; j < hidden; j++) {
      h[r * hidden + j] = h0[s * hidden + j] as number;
      c[r * hidden + j] = c0[s * hidden + j] as number;
    }
  }
}

/**
 * One LSTM layer over a flat parameter vector (see the module comment): `step` advances a batch
 * of states by one input each; `forward` runs sequences and keeps what `backward` needs. @internal
 */
export class LstmKernel implements LstmLayer {
  readonly inSize: number;
  readonly hidden: number;
  readonly #slots: LstmSlots;
  readonly #gemm: Gemm;
  /** W transposed, `[4h, in + h]`: the product kernel's B. */
  readonly #wt: Float64Array;
  /** The recurrent weights as stored, `[h, 4h]`: B of the hidden state's gradient. */
  readonly #wh: Float64Array;
  /** b_ih + b_hh. */
  readonly #b: Float64Array;
  // what forward keeps for backward, time-major: position p = offset[t] + rank
  #a: Float64Array<ArrayBuffer> = new Float64Array(0); // [x; h_prev] per position
  #gates: Float64Array<ArrayBuffer> = new Float64Array(0); // i, f, g, o after their nonlinearities
  #c: Float64Array<ArrayBuffer> = new Float64Array(0);
  #cPrev: Float64Array<ArrayBuffer> = new Float64Array(0);
  #tc: Float64Array<ArrayBuffer> = new Float64Array(0); // tanh(c)
  #sched: Schedule | undefined;
  #rows = 0;
  #out: Float64Array<ArrayBuffer> = new Float64Array(0);
  #h: Float64Array<ArrayBuffer> = new Float64Array(0);
  #cs: Float64Array<ArrayBuffer> = new Float64Array(0);
  #z: Float64Array<ArrayBuffer> = new Float64Array(0);
  #sa: Float64Array<ArrayBuffer> = new Float64Array(0);
  #dz: Float64Array<ArrayBuffer> = new Float64Array(0);
  #dh: Float64Array<ArrayBuffer> = new Float64Array(0);
  #dc: Float64Array<ArrayBuffer> = new Float64Array(0);
  #zt: Float64Array<ArrayBuffer> = new Float64Array(0);
  #at: Float64Array<ArrayBuffer> = new Float64Array(0);
  #gw: Float64Array<ArrayBuffer> = new Float64Array(0);

  constructor(slots: LstmSlots, gemm: Gemm = gemmABtJs) {
    const [rows, cols] = slots.w.shape as [number, number];
    this.hidden = cols / 4;
    this.inSize = rows - this.hidden;
    this.#slots = slots;
    this.#gemm = gemm;
    this.#wt = new Float64Array(rows * cols);
    this.#wh = new Float64Array(this.hidden * cols);
    this.#b = new Float64Array(cols);
  }

  /** Reads the current weights from the flat parameters: call again whenever they change. */
  load(params: Float32Array): void {
    const { w, bIh, bHh } = this.#slots;
    const k = this.inSize + this.hidden;
    const g4 = 4 * this.hidden;
    for (let r = 0; r < k; r++) {
      for (let j = 0; j < g4; j++) {
        const v = params[w.offset + r * g4 + j] as number;
        this.#wt[j * k + r] = v;
        if (r >= this.inSize) this.#wh[(r - this.inSize) * g4 + j] = v;
      }
    }
    for (let j = 0; j < g4; j++) this.#b[j] = (params[bIh.offset + j] as number) + (params[bHh.offset + j] as number);
  }

  /** Gates of `n` rows of `a` (`n x (in + h)`) into `z` (`n x 4h`), activated in place. */
  #gatesOf(a: Float64Array, aOff: number, n: number, z: Float64Array, zOff: number): void {
    const h = this.hidden;
    this.#gemm(a, aOff, this.#wt, 0, z, zOff, n, 4 * h, this.inSize + h, this.#b, 0);
    for (let i = 0; i < n; i++) {
      const base = zOff + i * 4 * h;
      for (let j = 0; j < h; j++) {
        z[base + j] = sigmoid(z[base + j] as number);
        z[base + h + j] = sigmoid(z[base + h + j] as number);
        z[base + 2 * h + j] = tanh(z[base + 2 * h + j] as number);
        z[base + 3 * h + j] = sigmoid(z[base + 3 * h + j] as number);
      }
    }
  }

  /**
   * Advances `n` states by one input each: `x` is `n x in`; `h` and `c` (`n x hidden`) are read
   * as the previous states and overwritten with the new ones (`h` is the output).
   */
  step(x: ArrayLike<number>, n: number, h: Float64Array, c: Float64Array): void {
    const inSize = this.inSize;
    const hid = this.hidden;
    const k = inSize + hid;
    // its own scratch: a step between a forward and its backward leaves what they share alone
    const a = (this.#sa = grow(this.#sa, n * k));
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < inSize; p++) a[i * k + p] = x[i * inSize + p] as number;
      for (let j = 0; j < hid; j++) a[i * k + inSize + j] = h[i * hid + j] as number;
    }
    const z = (this.#z = grow(this.#z, n * 4 * hid));
    this.#gatesOf(a, 0, n, z, 0);
    for (let i = 0; i < n; i++) {
      const g = i * 4 * hid;
      for (let j = 0; j < hid; j++) {
        const cv = (z[g + hid + j] as number) * (c[i * hid + j] as number) + (z[g + j] as number) * (z[g + 2 * hid + j] as number);
        c[i * hid + j] = cv;
        h[i * hid + j] = (z[g + 3 * hid + j] as number) * tanh(cv);
      }
    }
  }

  /**
   * Runs `seqs` over the batch `x` (`rows x in`) from initial states `h0`, `c0` (`count x
   * hidden`, one per sequence) and returns every step's output (`rows x hidden`, batch order;
   * valid until the next call). Keeps what {@link LstmKernel.backward} needs.
   */
  forward(x: ArrayLike<number>, rows: number, seqs: Sequences, h0: ArrayLike<number>, c0: ArrayLike<number>): Float64Array {
    const inSize = this.inSize;
    const hid = this.hidden;
    const k = inSize + hid;
    const sched = (this.#sched = schedule(seqs, rows));
    const { order, steps, active, offset, rowOf } = sched;
    const count = seqs.count;
    this.#rows = rows;
    this.#a = grow(this.#a, rows * k);
    this.#gates = grow(this.#gates, rows * 4 * hid);
    this.#c = grow(this.#c, rows * hid);
    this.#cPrev = grow(this.#cPrev, rows * hid);
    this.#tc = grow(this.#tc, rows * hid);
    const out = (this.#out = grow(this.#out, rows * hid));
    const h = (this.#h = grow(this.#h, count * hid));
    const c = (this.#cs = grow(this.#cs, count * hid));
    byRank(order, hid, h0, c0, h, c);
    const a = this.#a;
    const gates = this.#gates;
    for (let t = 0; t < steps; t++) {
      const n = active[t] as number;
      const off = offset[t] as number;
      for (let r = 0; r < n; r++) {
        const row = rowOf[off + r] as number;
        const ai = (off + r) * k;
        for (let p = 0; p < inSize; p++) a[ai + p] = x[row * inSize + p] as number;
        for (let j = 0; j < hid; j++) a[ai + inSize + j] = h[r * hid + j] as number;
      }
      this.#gatesOf(a, off * k, n, gates, off * 4 * hid);
      for (let r = 0; r < n; r++) {
        const p = off + r;
        const g = p * 4 * hid;
        const row = rowOf[p] as number;
        for (let j = 0; j < hid; j++) {
          const cp = c[r * hid + j] as number;
          const cv = (gates[g + hid + j] as number) * cp + (gates[g + j] as number) * (gates[g + 2 * hid + j] as number);
          const tc = tanh(cv);
          const hv = (gates[g + 3 * hid + j] as number) * tc;
          this.#cPrev[p * hid + j] = cp;
          this.#c[p * hid + j] = cv;
          this.#tc[p * hid + j] = tc;
          c[r * hid + j] = cv;
          h[r * hid + j] = hv;
          out[row * hid + j] = hv;
        }
      }
    }
    return out.subarray(0, rows * hid);
  }

  /**
   * Backpropagation through time of the last `forward`: `dOut` (`rows x hidden`, batch order)
   * is the loss's gradient at the outputs; writes the gradient of the weights and both biases
   * into `grad` at their offsets (the initial states are constants: no gradient flows into them).
   */
  backward(dOut: ArrayLike<number>, grad: FloatArray): void {
    const inSize = this.inSize;
    const hid = this.hidden;
    const k = inSize + hid;
    const g4 = 4 * hid;
    const rows = this.#rows;
    const sched = this.#sched;
    if (sched === undefined) throw new Error('LstmKernel.backward before a forward');
    const { steps, active, offset, rowOf } = sched;
    const count = steps === 0 ? 0 : (active[0] as number);
    const dz = (this.#dz = grow(this.#dz, rows * g4));
    const dh = (this.#dh = grow(this.#dh, count * hid));
    const dc = (this.#dc = grow(this.#dc, count * hid));
    dh.fill(0, 0, count * hid);
    dc.fill(0, 0, count * hid);
    const gates = this.#gates;
    for (let t = steps - 1; t >= 0; t--) {
      const n = active[t] as number;
      const off = offset[t] as number;
      for (let r = 0; r < n; r++) {
        const p = off + r;
        const g = p * g4;
        const row = rowOf[p] as number;
        for (let j = 0; j < hid; j++) {
          const ig = gates[g + j] as number;
          const fg = gates[g + hid + j] as number;
          const gg = gates[g + 2 * hid + j] as number;
          const og = gates[g + 3 * hid + j] as number;
          const tc = this.#tc[p * hid + j] as number;
          const dhv = (dh[r * hid + j] as number) + (dOut[row * hid + j] as number);
          const dcv = (dc[r * hid + j] as number) + dhv * og * (1 - tc * tc);
          dz[g + j] = dcv * gg * ig * (1 - ig);
          dz[g + hid + j] = dcv * (this.#cPrev[p * hid + j] as number) * fg * (1 - fg);
          dz[g + 2 * hid + j] = dcv * ig * (1 - gg * gg);
          dz[g + 3 * hid + j] = dhv * tc * og * (1 - og);
          dc[r * hid + j] = dcv * fg;
        }
      }
      if (t === 0) break;
      // the previous state's gradient: dz W_h^T, for the n sequences running at t
      // (dh of the n running sequences was read above: the product overwrites it)
      this.#gemm(dz, off * g4, this.#wh, 0, dh, 0, n, hid, g4);
    }
    // dW [in + h, 4h] = A^T dz, summed over every position: one product over all of them
    this.#at = grow(this.#at, rows * k);
    this.#zt = grow(this.#zt, rows * g4);
    this.#gw = grow(this.#gw, k * g4);
    transpose(this.#a, rows, k, this.#at);
    transpose(dz, rows, g4, this.#zt);
    this.#gemm(this.#at, 0, this.#zt, 0, this.#gw, 0, k, g4, rows);
    const { w, bIh, bHh } = this.#slots;
    for (let i = 0; i < k * g4; i++) grad[w.offset + i] = this.#gw[i] as number;
    for (let j = 0; j < g4; j++) {
      let s = 0;
      for (let p = 0; p < rows; p++) s += dz[p * g4 + j] as number;
      grad[bIh.offset + j] = s;
      grad[bHh.offset + j] = s;
    }
  }
}

/**
 * The C primitives of an LSTM layer (native/kernels.h's lstm_forward and lstm_backward) as a
 * kernel set calls them, on float32 arrays: `desc` is `[in, hidden, steps, rows, count, wOff,
 * bIhOff, bHhOff]`, `sched` a {@link Schedule}'s `packed`. @internal
 */
export interface LstmCalls {
  forward(desc: Int32Array, sched: Int32Array, params: Float32Array, x: Float32Array, a: Float32Array, gates: Float32Array, cPrev: Float32Array, c: Float32Array, tc: Float32Array, h: Float32Array, cs: Float32Array, out: Float32Array): void;
  backward(desc: Int32Array, sched: Int32Array, params: Float32Array, a: Float32Array, gates: Float32Array, cPrev: Float32Array, tc: Float32Array, dOut: Float32Array, grad: Float32Array): void;
}

/** Float32 arrays a C LSTM layer works in, grown as needed. */
class Buffers {
  x: Float32Array = new Float32Array(0);
  a: Float32Array = new Float32Array(0);
  gates: Float32Array = new Float32Array(0);
  cPrev: Float32Array = new Float32Array(0);
  c: Float32Array = new Float32Array(0);
  tc: Float32Array = new Float32Array(0);
  h: Float32Array = new Float32Array(0);
  cs: Float32Array = new Float32Array(0);
  out: Float32Array = new Float32Array(0);

  /** Sized for `rows` positions of `count` sequences. */
  fit(rows: number, count: number, inSize: number, hidden: number): void {
    const f = (a: Float32Array, n: number) => (a.length >= n ? a : new Float32Array(n));
    this.x = f(this.x, rows * inSize);
    this.a = f(this.a, rows * (inSize + hidden));
    this.gates = f(this.gates, rows * 4 * hidden);
    this.cPrev = f(this.cPrev, rows * hidden);
    this.c = f(this.c, rows * hidden);
    this.tc = f(this.tc, rows * hidden);
    this.h = f(this.h, count * hidden);
    this.cs = f(this.cs, count * hidden);
    this.out = f(this.out, rows * hidden);
  }
}

/**
 * An LSTM layer on the C primitives of a kernel set (native or wasm; float32 throughout): the
 * schedule is built here, the work done by `calls`. A step of the rollout is a schedule of one
 * time step with every row active, in buffers of its own. @internal
 */
export class CLstm implements LstmLayer {
  readonly inSize: number;
  readonly hidden: number;
  readonly #slots: LstmSlots;
  readonly #calls: LstmCalls;
  #params: Float32Array = new Float32Array(0);
  readonly #train = new Buffers();
  readonly #step = new Buffers();
  #last: { desc: Int32Array; sched: Int32Array } | undefined;
  /** A rollout step's schedule (one time step, rows 0 .. n - 1 all running) and desc, for the last n. */
  #stepPlan: { n: number; desc: Int32Array; sched: Int32Array } | undefined;
  #dOut: Float32Array = new Float32Array(0);

  constructor(slots: LstmSlots, calls: LstmCalls) {
    const [rows, cols] = slots.w.shape as [number, number];
    this.hidden = cols / 4;
    this.inSize = rows - this.hidden;
    this.#slots = slots;
    this.#calls = calls;
  }

  load(params: Float32Array): void {
    this.#params = params;
  }

  #desc(steps: number, rows: number, count: number): Int32Array {
    const { w, bIh, bHh } = this.#slots;
    return Int32Array.of(this.inSize, this.hidden, steps, rows, count, w.offset, bIh.offset, bHh.offset);
  }

  step(x: ArrayLike<number>, n: number, h: Float64Array, c: Float64Array): void {
    const b = this.#step;
    const hid = this.hidden;
    b.fit(n, n, this.inSize, hid);
    for (let i = 0; i < n * this.inSize; i++) b.x[i] = x[i] as number;
    for (let i = 0; i < n * hid; i++) {
      b.h[i] = h[i] as number;
      b.cs[i] = c[i] as number;
    }
    if (this.#stepPlan?.n !== n) {
      const sched = new Int32Array(2 + n);
      sched[0] = n;
      for (let i = 0; i < n; i++) sched[2 + i] = i;
      this.#stepPlan = { n, desc: this.#desc(n === 0 ? 0 : 1, n, n), sched };
    }
    const { desc, sched } = this.#stepPlan;
    this.#calls.forward(desc, sched, this.#params, b.x, b.a, b.gates, b.cPrev, b.c, b.tc, b.h, b.cs, b.out);
    for (let i = 0; i < n * hid; i++) {
      h[i] = b.h[i] as number;
      c[i] = b.cs[i] as number;
    }
  }

  forward(x: ArrayLike<number>, rows: number, seqs: Sequences, h0: ArrayLike<number>, c0: ArrayLike<number>): Float32Array {
    const s = schedule(seqs, rows);
    const b = this.#train;
    b.fit(rows, seqs.count, this.inSize, this.hidden);
    for (let i = 0; i < rows * this.inSize; i++) b.x[i] = x[i] as number;
    byRank(s.order, this.hidden, h0, c0, b.h, b.cs);
    const desc = this.#desc(s.steps, rows, seqs.count);
    this.#calls.forward(desc, s.packed, this.#params, b.x, b.a, b.gates, b.cPrev, b.c, b.tc, b.h, b.cs, b.out);
    this.#last = { desc, sched: s.packed };
    return b.out.subarray(0, rows * this.hidden);
  }

  backward(dOut: ArrayLike<number>, grad: FloatArray): void {
    const last = this.#last;
    if (last === undefined) throw new Error('CLstm.backward before a forward');
    if (!(grad instanceof Float32Array)) throw new TypeError('CLstm.backward: grad must be a Float32Array');
    const size = (last.desc[3] as number) * this.hidden;
    if (this.#dOut.length < size) this.#dOut = new Float32Array(size);
    for (let i = 0; i < size; i++) this.#dOut[i] = dOut[i] as number;
    const b = this.#train;
    this.#calls.backward(last.desc, last.sched, this.#params, b.a, b.gates, b.cPrev, b.tc, this.#dOut, grad);
  }
}

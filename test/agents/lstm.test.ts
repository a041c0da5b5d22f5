import { describe, expect, it } from 'vitest';
import { LstmKernel, type LstmSlots, type Sequences } from '../../src/agents/common/kernels/lstm.js';
import type { FloatArray } from '../../src/agents/common/kernels/types.js';
import { sequencesOf } from '../../src/agents/recurrent-ppo/RecurrentPPO.js';
import { Rng } from '../../src/core/Rng.js';

// The LSTM kernel against an LSTM written here from its definition (PyTorch's nn.LSTM: gates
// i, f, g, o; z = W [x; h] + b_ih + b_hh; c = f c' + i g; h = o tanh c) in plain float64 loops
// with Math.tanh, one sequence at a time; its gradients against central finite differences of
// that reference; and sequencesOf against sb3-contrib's create_sequencers, written here from
// its description.

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A random LSTM problem: the slots at a nonzero offset in a larger vector, a batch of sequences laid end to end. */
interface Case {
  readonly inSize: number;
  readonly hid: number;
  readonly slots: LstmSlots;
  readonly size: number;
  readonly params: Float32Array;
  readonly lengths: number[];
  readonly seqs: Sequences;
  readonly rows: number;
  readonly x: Float32Array;
  readonly h0: Float64Array;
  readonly c0: Float64Array;
}

function seqsOf(lengths: readonly number[]): Sequences {
  const start = new Int32Array(lengths.length);
  for (let s = 1; s < lengths.length; s++) start[s] = start[s - 1]! + lengths[s - 1]!;
  return { count: lengths.length, start, length: Int32Array.from(lengths) };
}

function randomCase(rng: Rng, opts: { lengths?: number[]; inSize?: number; hid?: number } = {}): Case {
  const inSize = opts.inSize ?? rng.integer(1, 6);
  const hid = opts.hid ?? rng.integer(1, 10);
  const lengths = opts.lengths ?? Array.from({ length: rng.integer(1, 7) }, () => rng.integer(1, 8));
  const g4 = 4 * hid;
  const k = inSize + hid;
  // spare entries before, between and after the slots
  const wOff = rng.integer(1, 8);
  const bIhOff = wOff + k * g4 + rng.integer(0, 4);
  const bHhOff = bIhOff + g4 + rng.integer(0, 4);
  const size = bHhOff + g4 + rng.integer(1, 5);
  const slots: LstmSlots = { w: { offset: wOff, shape: [k, g4] }, bIh: { offset: bIhOff, shape: [g4] }, bHh: { offset: bHhOff, shape: [g4] } };
  const params = Float32Array.from({ length: size }, () => rng.uniform(-0.5, 0.5));
  const seqs = seqsOf(lengths);
  const rows = lengths.reduce((a, b) => a + b, 0);
  const x = Float32Array.from({ length: rows * inSize }, () => rng.uniform(-1, 1));
  const h0 = Float64Array.from({ length: lengths.length * hid }, () => rng.uniform(-1, 1));
  const c0 = Float64Array.from({ length: lengths.length * hid }, () => rng.uniform(-1, 1));
  return { inSize, hid, slots, size, params, lengths, seqs, rows, x, h0, c0 };
}

/**
 * The reference: each sequence on its own from its initial state, straight from the equations.
 * `p` is the flat parameter vector (float64, so finite differences can nudge it). Returns the
 * outputs (`rows x hid`, batch order) and every sequence's final (h, c).
 */
function reference(cs: Case, p: ArrayLike<number>, x: ArrayLike<number> = cs.x, h0: ArrayLike<number> = cs.h0, c0: ArrayLike<number> = cs.c0) {
  const { inSize, hid, slots, seqs } = cs;
  const g4 = 4 * hid;
  const W = (r: number, j: number) => p[slots.w.offset + r * g4 + j]!;
  const out = new Float64Array(cs.rows * hid);
  const hEnd = new Float64Array(seqs.count * hid);
  const cEnd = new Float64Array(seqs.count * hid);
  for (let s = 0; s < seqs.count; s++) {
    const h = Array.from({ length: hid }, (_, j) => h0[s * hid + j]!);
    const c = Array.from({ length: hid }, (_, j) => c0[s * hid + j]!);
    for (let t = 0; t < seqs.length[s]!; t++) {
      const row = seqs.start[s]! + t;
      const z: number[] = [];
      for (let j = 0; j < g4; j++) {
        let v = p[slots.bIh.offset + j]! + p[slots.bHh.offset + j]!;
        for (let q = 0; q < inSize; q++) v += x[row * inSize + q]! * W(q, j);
        for (let q = 0; q < hid; q++) v += h[q]! * W(inSize + q, j);
        z.push(v);
      }
      for (let j = 0; j < hid; j++) {
        const i = sigmoid(z[j]!);
        const f = sigmoid(z[hid + j]!);
        const g = Math.tanh(z[2 * hid + j]!);
        const o = sigmoid(z[3 * hid + j]!);
        c[j] = f * c[j]! + i * g;
        h[j] = o * Math.tanh(c[j]!);
        out[row * hid + j] = h[j]!;
      }
    }
    for (let j = 0; j < hid; j++) {
      hEnd[s * hid + j] = h[j]!;
      cEnd[s * hid + j] = c[j]!;
    }
  }
  return { out, hEnd, cEnd };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

function kernelOf(cs: Case): LstmKernel {
  const k = new LstmKernel(cs.slots);
  k.load(cs.params);
  expect([k.inSize, k.hidden]).toEqual([cs.inSize, cs.hid]);
  return k;
}

/** Every index of the LSTM's three slots. */
function slotIndices(cs: Case): Set<number> {
  const all = new Set<number>();
  const { w, bIh, bHh } = cs.slots;
  for (const s of [w, bIh, bHh]) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) all.add(s.offset + i);
  }
  return all;
}

const SENTINEL = 12345.5;

describe('LstmKernel', () => {
  it('forward equals the reference LSTM over 40 random cases, and step, one row at a time, equals forward', () => {
    const rng = new Rng(11);
    let worst = 0;
    let worstStep = 0;
    for (let trial = 0; trial < 40; trial++) {
      const cs = randomCase(rng);
      const kernel = kernelOf(cs);
      const h0 = cs.h0.slice();
      const c0 = cs.c0.slice();
      const out = Float64Array.from(kernel.forward(cs.x, cs.rows, cs.seqs, cs.h0, cs.c0));
      // the initial states are read, not written
      expect(cs.h0).toEqual(h0);
      expect(cs.c0).toEqual(c0);
      const ref = reference(cs, cs.params);
      const d = maxAbsDiff(out, ref.out);
      worst = Math.max(worst, d);
      expect(d, `trial ${trial}: in ${cs.inSize} hidden ${cs.hid} lengths ${cs.lengths}`).toBeLessThan(1e-6);

      // step: each sequence one row at a time from its own state, h and c updated in place
      const stepped = new Float64Array(cs.rows * cs.hid);
      for (let s = 0; s < cs.seqs.count; s++) {
        const h = cs.h0.slice(s * cs.hid, (s + 1) * cs.hid);
        const c = cs.c0.slice(s * cs.hid, (s + 1) * cs.hid);
        for (let t = 0; t < cs.lengths[s]!; t++) {
          const row = cs.seqs.start[s]! + t;
          kernel.step(cs.x.subarray(row * cs.inSize, (row + 1) * cs.inSize), 1, h, c);
          stepped.set(h, row * cs.hid);
        }
        // the final state matches the reference's, c included
        expect(maxAbsDiff(h, ref.hEnd.subarray(s * cs.hid, (s + 1) * cs.hid))).toBeLessThan(1e-6);
        expect(maxAbsDiff(c, ref.cEnd.subarray(s * cs.hid, (s + 1) * cs.hid))).toBeLessThan(1e-6);
      }
      const ds = maxAbsDiff(stepped, out);
      worstStep = Math.max(worstStep, ds);
      expect(ds, `trial ${trial}`).toBeLessThan(1e-12);
    }
    // the kernel's tanh is a rational approximation: close, but not Math.tanh
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-6);
    expect(worstStep).toBeLessThan(1e-12);
  });

  it('step advances a batch of states, each row from its own (h, c)', () => {
    const rng = new Rng(12);
    for (let trial = 0; trial < 20; trial++) {
      const cs = randomCase(rng, { lengths: Array.from({ length: rng.integer(2, 7) }, () => rng.integer(1, 8)) });
      const { hid, inSize, seqs } = cs;
      const kernel = kernelOf(cs);
      const ref = reference(cs, cs.params);
      const h = cs.h0.slice();
      const c = cs.c0.slice();
      const steps = Math.max(...cs.lengths);
      for (let t = 0; t < steps; t++) {
        // all sequences at once; one that has ended repeats its last input (its rows are not checked)
        const xt = new Float32Array(seqs.count * inSize);
        for (let s = 0; s < seqs.count; s++) {
          const row = seqs.start[s]! + Math.min(t, seqs.length[s]! - 1);
          xt.set(cs.x.subarray(row * inSize, (row + 1) * inSize), s * inSize);
        }
        kernel.step(xt, seqs.count, h, c);
        for (let s = 0; s < seqs.count; s++) {
          if (t >= seqs.length[s]!) continue;
          const row = seqs.start[s]! + t;
          expect(maxAbsDiff(h.subarray(s * hid, (s + 1) * hid), ref.out.subarray(row * hid, (row + 1) * hid)), `trial ${trial} t ${t} s ${s}`).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('backward equals central finite differences of the reference for every weight and both biases (24 cases); the rest of grad is untouched', () => {
    const rng = new Rng(13);
    const eps = 1e-5;
    let worst = 0;
    let distinct = 0;
    for (let trial = 0; trial < 24; trial++) {
      // the first cases fixed to sequences of very different lengths, in no particular order
      const fixed = [[1, 7, 3], [4, 4, 2, 6, 1], [7, 1]][trial];
      const cs = randomCase(rng, fixed === undefined ? {} : { lengths: fixed });
      if (new Set(cs.lengths).size > 1) distinct++;
      const kernel = kernelOf(cs);
      kernel.forward(cs.x, cs.rows, cs.seqs, cs.h0, cs.c0);
      const dOut = Float64Array.from({ length: cs.rows * cs.hid }, () => rng.normal());
      // alternately float64 and float32 gradient vectors, prefilled with a sentinel
      const grad: FloatArray = trial % 2 === 0 ? new Float64Array(cs.size).fill(SENTINEL) : new Float32Array(cs.size).fill(SENTINEL);
      kernel.backward(dOut, grad);

      const p = Float64Array.from(cs.params);
      const loss = () => {
        const out = reference(cs, p).out;
        let s = 0;
        for (let i = 0; i < out.length; i++) s += dOut[i]! * out[i]!;
        return s;
      };
      const inSlots = slotIndices(cs);
      expect(inSlots.size).toBe((cs.inSize + cs.hid) * 4 * cs.hid + 8 * cs.hid);
      for (let i = 0; i < cs.size; i++) {
        if (!inSlots.has(i)) {
          expect(grad[i], `trial ${trial}: index ${i} outside the slots`).toBe(SENTINEL);
          continue;
        }
        const v = p[i]!;
        p[i] = v + eps;
        const up = loss();
        p[i] = v - eps;
        const down = loss();
        p[i] = v;
        const fd = (up - down) / (2 * eps);
        const err = Math.abs(grad[i]! - fd) / (1 + Math.abs(fd));
        worst = Math.max(worst, err);
        expect(err, `trial ${trial}: in ${cs.inSize} hidden ${cs.hid} lengths ${cs.lengths}, index ${i}: ${grad[i]} vs ${fd}`).toBeLessThan(1e-5);
      }
      // one bias gradient, written into both
      const { bIh, bHh } = cs.slots;
      for (let j = 0; j < 4 * cs.hid; j++) expect(grad[bIh.offset + j]).toBe(grad[bHh.offset + j]);
    }
    expect(distinct).toBeGreaterThanOrEqual(15);
    expect(worst).toBeLessThan(1e-5);
  });

  it('a sequence split at row t, its second half started from the first half\'s final (h, c), gives the whole sequence\'s outputs', () => {
    const rng = new Rng(14);
    for (let trial = 0; trial < 30; trial++) {
      const len = rng.integer(2, 9);
      const cs = randomCase(rng, { lengths: [len] });
      const { hid, inSize } = cs;
      const t = rng.integer(1, len);
      const kernel = kernelOf(cs);
      const whole = Float64Array.from(kernel.forward(cs.x, len, cs.seqs, cs.h0, cs.c0));
      const first = Float64Array.from(kernel.forward(cs.x.subarray(0, t * inSize), t, seqsOf([t]), cs.h0, cs.c0));
      // the first half's final state, by stepping (forward exposes h only)
      const h = cs.h0.slice();
      const c = cs.c0.slice();
      for (let r = 0; r < t; r++) kernel.step(cs.x.subarray(r * inSize, (r + 1) * inSize), 1, h, c);
      expect(maxAbsDiff(h, first.subarray((t - 1) * hid))).toBeLessThan(1e-12);
      const second = Float64Array.from(kernel.forward(cs.x.subarray(t * inSize), len - t, seqsOf([len - t]), h, c));
      const joined = new Float64Array(len * hid);
      joined.set(first);
      joined.set(second, t * hid);
      expect(maxAbsDiff(joined, whole), `trial ${trial}: length ${len} split at ${t}`).toBeLessThan(1e-12);
      // and the reference agrees that the whole is what it should be
      expect(maxAbsDiff(whole, reference(cs, cs.params).out)).toBeLessThan(1e-6);
    }
  });

  it('the gradient of a batch is the sum of its sequences\' gradients, each run alone', () => {
    const rng = new Rng(15);
    for (let trial = 0; trial < 15; trial++) {
      const cs = randomCase(rng, { lengths: Array.from({ length: rng.integer(2, 7) }, () => rng.integer(1, 8)) });
      const { hid, inSize, seqs } = cs;
      const kernel = kernelOf(cs);
      const dOut = Float64Array.from({ length: cs.rows * hid }, () => rng.normal());
      kernel.forward(cs.x, cs.rows, cs.seqs, cs.h0, cs.c0);
      const batch = new Float64Array(cs.size);
      kernel.backward(dOut, batch);
      const sum = new Float64Array(cs.size);
      const one = new Float64Array(cs.size);
      for (let s = 0; s < seqs.count; s++) {
        const a = seqs.start[s]!;
        const n = seqs.length[s]!;
        kernel.forward(cs.x.subarray(a * inSize, (a + n) * inSize), n, seqsOf([n]), cs.h0.subarray(s * hid, (s + 1) * hid), cs.c0.subarray(s * hid, (s + 1) * hid));
        kernel.backward(dOut.subarray(a * hid, (a + n) * hid), one);
        for (let i = 0; i < cs.size; i++) sum[i]! += one[i]!;
      }
      expect(maxAbsDiff(batch, sum) / Math.max(1, ...Array.from(sum, Math.abs)), `trial ${trial}: lengths ${cs.lengths}`).toBeLessThan(1e-12);
    }
  });

  it('a step between a forward and its backward leaves the backward unchanged', () => {
    const rng = new Rng(16);
    const cs = randomCase(rng, { inSize: 3, hid: 5, lengths: [2, 6, 4] });
    const kernel = kernelOf(cs);
    const dOut = Float64Array.from({ length: cs.rows * cs.hid }, () => rng.normal());
    kernel.forward(cs.x, cs.rows, cs.seqs, cs.h0, cs.c0);
    const plain = new Float64Array(cs.size);
    kernel.backward(dOut, plain);
    kernel.forward(cs.x, cs.rows, cs.seqs, cs.h0, cs.c0);
    const h = new Float64Array(7 * cs.hid).fill(0.3);
    const c = new Float64Array(7 * cs.hid).fill(-0.2);
    kernel.step(new Float32Array(7 * cs.inSize).fill(0.5), 7, h, c);
    const after = new Float64Array(cs.size);
    kernel.backward(dOut, after);
    expect(after).toEqual(plain);
    expect(plain.some((v) => v !== 0)).toBe(true);
  });

  it('forward refuses sequences that do not cover the batch', () => {
    const cs = randomCase(new Rng(17), { lengths: [3, 2] });
    const kernel = kernelOf(cs);
    expect(() => kernel.forward(cs.x, 4, cs.seqs, cs.h0, cs.c0)).toThrow(RangeError);
    expect(() => kernel.forward(cs.x, 6, cs.seqs, cs.h0, cs.c0)).toThrow(RangeError);
  });
});

/**
 * sb3-contrib's minibatch cutting, from its description (RecurrentRolloutBuffer.get and
 * buffers.py create_sequencers): the data flattened sub-env-major (swap_and_flatten), the
 * indices rotated by `split`, a batch is indices[from:to]; env_change is 1 at each sub-env's
 * first step; seq_start = episode_starts | env_change, with the batch's first index always a
 * start; the sequences' starts are where seq_start is set, their lengths the gaps between. Rows
 * that only reset a sub-env are dropped here, and the row after one starts a new sequence.
 */
function referenceSequences(episodeStarts: ArrayLike<number>, resets: ArrayLike<number>, nSteps: number, nEnvs: number, split: number, from: number, to: number) {
  const total = nSteps * nEnvs;
  // swap_and_flatten: buffer [step, env] -> flat [env * nSteps + step]
  const flatRow: number[] = [];
  const envChange: boolean[] = [];
  for (let env = 0; env < nEnvs; env++) {
    for (let step = 0; step < nSteps; step++) {
      flatRow.push(step * nEnvs + env);
      envChange.push(step === 0);
    }
  }
  const indices = Array.from({ length: total }, (_, i) => i);
  const rotated = [...indices.slice(split), ...indices.slice(0, split)];
  const batch = rotated.slice(from, to);
  const kept: number[] = [];
  const seqStart: boolean[] = [];
  batch.forEach((f, i) => {
    const row = flatRow[f]!;
    if (resets[row] === 1) return;
    const afterSkip = i > 0 && resets[flatRow[batch[i - 1]!]!] === 1;
    seqStart.push(kept.length === 0 || episodeStarts[row] === 1 || envChange[f]! || afterSkip);
    kept.push(row);
  });
  const starts = seqStart.flatMap((s, i) => (s ? [i] : []));
  const lengths = starts.map((s, i) => (i + 1 < starts.length ? starts[i + 1]! : kept.length) - s);
  return { idx: kept, starts, lengths };
}

const plainOf = (r: ReturnType<typeof sequencesOf>) => ({ idx: Array.from(r.idx), count: r.seqs.count, starts: Array.from(r.seqs.start), lengths: Array.from(r.seqs.length) });

describe('sequencesOf', () => {
  it('a hand-worked buffer', () => {
    // nSteps 3, nEnvs 2: buffer row = step * 2 + env. An episode starts at row 2 (step 1, env 0);
    // row 5 (step 2, env 1) only resets its sub-env. split 4: flat positions 4 5 0 1 2 3, i.e.
    //   f 4 = env 1 step 1 -> row 3   batch start: a sequence starts
    //   f 5 = env 1 step 2 -> row 5   a reset row: left out
    //   f 0 = env 0 step 0 -> row 0   after a skipped row (and step 0): starts
    //   f 1 = env 0 step 1 -> row 2   episode start: starts
    //   f 2 = env 0 step 2 -> row 4   continues
    //   f 3 = env 1 step 0 -> row 1   env change (step 0): starts
    // idx [3, 0, 2, 4, 1], starts [0, 1, 2, 4], lengths [1, 1, 2, 1]
    const buf = { episodeStarts: Float32Array.from([0, 0, 1, 0, 0, 0]), resets: Uint8Array.from([0, 0, 0, 0, 0, 1]) };
    expect(plainOf(sequencesOf(buf, 3, 2, 4, 0, 6))).toEqual({ idx: [3, 0, 2, 4, 1], count: 4, starts: [0, 1, 2, 4], lengths: [1, 1, 2, 1] });
    // positions 2..4 only (f 0, 1, 2 -> rows 0, 2, 4): row 0 starts the batch, row 2 an episode
    expect(plainOf(sequencesOf(buf, 3, 2, 4, 2, 5))).toEqual({ idx: [0, 2, 4], count: 2, starts: [0, 1], lengths: [1, 2] });
    // positions 0..1 (f 4, 5 -> rows 3, 5): the reset row dropped at the batch's end
    expect(plainOf(sequencesOf(buf, 3, 2, 4, 0, 2))).toEqual({ idx: [3], count: 1, starts: [0], lengths: [1] });
    // no episode starts, no resets, no rotation, one batch: one sequence per sub-env
    const quiet = { episodeStarts: new Float32Array(6), resets: new Uint8Array(6) };
    expect(plainOf(sequencesOf(quiet, 3, 2, 0, 0, 6))).toEqual({ idx: [0, 2, 4, 1, 3, 5], count: 2, starts: [0, 3], lengths: [3, 3] });
  });

  it('equals the reference over 200 random buffers', () => {
    const rng = new Rng(21);
    let withResets = 0;
    let multi = 0;
    for (let trial = 0; trial < 200; trial++) {
      const nSteps = rng.integer(1, 10);
      const nEnvs = rng.integer(1, 5);
      const total = nSteps * nEnvs;
      const episodeStarts = Float32Array.from({ length: total }, () => (rng.uniform() < 0.25 ? 1 : 0));
      const resets = new Uint8Array(total);
      const nResets = rng.integer(0, 3);
      for (let r = 0; r < nResets; r++) resets[rng.integer(0, total)] = 1;
      if (resets.some((v) => v === 1)) withResets++;
      const split = rng.integer(0, total);
      const from = rng.integer(0, total);
      const to = rng.integer(from + 1, total + 1);
      const got = plainOf(sequencesOf({ episodeStarts, resets }, nSteps, nEnvs, split, from, to));
      const ref = referenceSequences(episodeStarts, resets, nSteps, nEnvs, split, from, to);
      const what = `trial ${trial}: nSteps ${nSteps} nEnvs ${nEnvs} split ${split} from ${from} to ${to} starts ${Array.from(episodeStarts)} resets ${Array.from(resets)}`;
      expect(got, what).toEqual({ idx: ref.idx, count: ref.starts.length, starts: ref.starts, lengths: ref.lengths });
      // the sequences tile the kept rows end to end
      expect(got.lengths.reduce((a, b) => a + b, 0), what).toBe(got.idx.length);
      if (got.count > 1) multi++;
    }
    expect(withResets).toBeGreaterThan(50);
    expect(multi).toBeGreaterThan(100);
  });

  it('the batches of one epoch hold every non-reset row once', () => {
    const rng = new Rng(22);
    for (let trial = 0; trial < 50; trial++) {
      const nSteps = rng.integer(1, 10);
      const nEnvs = rng.integer(1, 5);
      const total = nSteps * nEnvs;
      const episodeStarts = Float32Array.from({ length: total }, () => (rng.uniform() < 0.2 ? 1 : 0));
      const resets = Uint8Array.from({ length: total }, () => (rng.uniform() < 0.1 ? 1 : 0));
      const split = rng.integer(0, total);
      const batchSize = rng.integer(1, total + 1);
      const seen: number[] = [];
      for (let from = 0; from < total; from += batchSize) seen.push(...Array.from(sequencesOf({ episodeStarts, resets }, nSteps, nEnvs, split, from, Math.min(total, from + batchSize)).idx));
      const expected = Array.from({ length: total }, (_, r) => r).filter((r) => resets[r] !== 1);
      expect([...seen].sort((a, b) => a - b)).toEqual(expected);
    }
  });
});

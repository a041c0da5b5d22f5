import type { DenseSlots } from '../types.js';
import { KERNELS_WASM_BASE64 } from './kernelsWasm.js';
import { nativeLayout } from './native.js';
import { CLstm, type LstmCalls } from './lstm.js';
import type { FloatArray, KernelSet, MlpKernel } from './types.js';

/** The part of the WebAssembly API used here (our lib settings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** What native/wasm.c exports; pointers are byte offsets into `memory`. */
interface Exports {
  readonly memory: WasmMemory;
  readonly __heap_base: { value: number };
  tg_work_needed(layout: number, n: number): number;
  tg_mlp_forward(layout: number, flags: number, params: number, x: number, n: number, acts: number): void;
  tg_mlp_backward(layout: number, flags: number, params: number, x: number, n: number, acts: number, dOut: number, grad: number, dx: number, work: number): void;
  tg_sumsq(g: number, n: number): number;
  tg_adam(p: number, m: number, v: number, g: number, n: number, scale: number, stepSize: number, bc2: number, beta1: number, beta2: number, eps: number): void;
  tg_rmsprop(p: number, v: number, g: number, n: number, scale: number, lr: number, alpha: number, eps: number): void;
  tg_lstm_work_needed(desc: number): number;
  tg_lstm_forward(desc: number, sched: number, params: number, x: number, a: number, gates: number, cPrev: number, c: number, tc: number, h: number, cs: number, out: number, bias: number): void;
  tg_lstm_backward(desc: number, sched: number, params: number, a: number, gates: number, cPrev: number, tc: number, dOut: number, grad: number, work: number): void;
}

/**
 * The instantiated module and a scratch arena over its memory. Nothing stays in the memory
 * between calls: each call lays its arrays out from the heap base (`layout`), copies its inputs
 * in, runs, and copies its outputs out, so a growth of the memory (which detaches every view of
 * it) can never leave a stale view behind.
 */
class Module {
  readonly #x: Exports;
  readonly #base: number;
  constructor(x: Exports) {
    this.#x = x;
    this.#base = (Number(x.__heap_base.value) + 15) & ~15;
  }

  get fns(): Exports {
    return this.#x;
  }

  /**
   * Byte offsets of consecutive arrays of `floats[i]` 4-byte entries (16-byte aligned) from the
   * heap base, the memory grown to hold them, and a fresh float32 and int32 view of it.
   */
  layout(floats: readonly number[]): { at: number[]; f32: Float32Array; i32: Int32Array } {
    const at: number[] = [];
    let top = this.#base;
    for (const f of floats) {
      at.push(top);
      top += (f * 4 + 15) & ~15;
    }
    const mem = this.#x.memory;
    if (top > mem.buffer.byteLength) mem.grow(Math.ceil((top - mem.buffer.byteLength) / 65536));
    return { at, f32: new Float32Array(mem.buffer), i32: new Int32Array(mem.buffer) };
  }
}

let loaded: Module | string | undefined;

/** The module, instantiated on first use, or why it cannot run here. */
function wasmModule(): Module | string {
  if (loaded !== undefined) return loaded;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined || typeof atob !== 'function') return (loaded = 'this JavaScript engine has no WebAssembly');
  const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
  if (!wasm.validate(bytes)) return (loaded = 'this JavaScript engine has no WebAssembly SIMD');
  loaded = new Module(new wasm.Instance(new wasm.Module(bytes), {}).exports as unknown as Exports);
  return loaded;
}

/** Copies `src` (any float array) into `f32` from byte offset `at`. */
function put(f32: Float32Array, at: number, src: ArrayLike<number>): void {
  f32.set(src, at >> 2);
}

/**
 * An MLP on the wasm kernels: the primitives of native/kernels.h compiled to WebAssembly SIMD.
 * It keeps its last input and activations on the JS side for `backward`, and copies the
 * parameters of its own layers in at each call. @internal
 */
class WasmMlp implements MlpKernel {
  readonly inSize: number;
  readonly outSize: number;
  readonly #m: Module;
  readonly #layout: Int32Array;
  readonly #flags: number;
  /** [start, end) of every weight and bias in the flat parameters; the end of the last. */
  readonly #ranges: [number, number][];
  readonly #paramEnd: number;
  /** Floats per row of all layers' outputs. */
  readonly #perRow: number;
  #params: Float32Array = new Float32Array(0);
  #x: Float32Array = new Float32Array(0);
  #acts: Float32Array = new Float32Array(0);
  #n = 0;

  constructor(m: Module, layers: readonly DenseSlots[], activation: 'tanh' | 'relu', activateLast: boolean) {
    this.#m = m;
    this.#layout = nativeLayout(layers);
    this.#flags = (activation === 'relu' ? 1 : 0) | (activateLast ? 2 : 0);
    this.inSize = layers[0]?.w.shape[0] as number;
    this.outSize = layers[layers.length - 1]?.w.shape[1] as number;
    this.#ranges = layers.flatMap((l) => {
      const [fi, fo] = l.w.shape as [number, number];
      return [[l.w.offset, l.w.offset + fi * fo], [l.b.offset, l.b.offset + fo]] as [number, number][];
    });
    this.#paramEnd = Math.max(...this.#ranges.map(([, e]) => e));
    this.#perRow = layers.reduce((s, l) => s + (l.w.shape[1] as number), 0);
  }

  load(params: Float32Array): void {
    this.#params = params;
  }

  /** Copies this network's layers of the parameters in at `at` (the same offsets). */
  #putParams(f32: Float32Array, at: number): void {
    const base = at >> 2;
    for (const [s, e] of this.#ranges) f32.set(this.#params.subarray(s, e), base + s);
  }

  forward(x: FloatArray, n: number): Float32Array {
    const rows = n * this.#perRow;
    const { at, f32, i32 } = this.#m.layout([this.#layout.length, this.#paramEnd, n * this.inSize, rows]);
    const [lay, par, xs, acts] = at as [number, number, number, number];
    i32.set(this.#layout, lay >> 2);
    this.#putParams(f32, par);
    put(f32, xs, x.subarray(0, n * this.inSize));
    this.#m.fns.tg_mlp_forward(lay, this.#flags, par, xs, n, acts);
    if (this.#acts.length < rows) this.#acts = new Float32Array(rows);
    if (this.#x.length < n * this.inSize) this.#x = new Float32Array(n * this.inSize);
    this.#acts.set(f32.subarray(acts >> 2, (acts >> 2) + rows));
    this.#x.set(x.subarray(0, n * this.inSize));
    this.#n = n;
    return this.#acts.subarray(rows - n * this.outSize, rows);
  }

  backward(dOut: FloatArray, n: number, grad: FloatArray, dx?: FloatArray): void {
    if (n !== this.#n) throw new RangeError(`WasmMlp.backward: ${n} rows, the last forward had ${this.#n}`);
    const m = this.#m;
    const rows = n * this.#perRow;
    // the scratch size needs the layout in memory: lay it out first, then the rest
    const first = m.layout([this.#layout.length]);
    first.i32.set(this.#layout, (first.at[0] as number) >> 2);
    const need = m.fns.tg_work_needed(first.at[0] as number, n);
    const { at, f32, i32 } = m.layout([this.#layout.length, this.#paramEnd, n * this.inSize, rows, n * this.outSize, this.#paramEnd, n * this.inSize, need]);
    const [lay, par, xs, acts, dO, g, dxs, wk] = at as [number, number, number, number, number, number, number, number];
    i32.set(this.#layout, lay >> 2);
    this.#putParams(f32, par);
    f32.set(this.#x.subarray(0, n * this.inSize), xs >> 2);
    f32.set(this.#acts.subarray(0, rows), acts >> 2);
    put(f32, dO, dOut.subarray(0, n * this.outSize));
    m.fns.tg_mlp_backward(lay, this.#flags, par, xs, n, acts, dO, g, dx === undefined ? 0 : dxs, wk);
    const gBase = g >> 2;
    for (const [s, e] of this.#ranges) grad.set(f32.subarray(gBase + s, gBase + e), s);
    if (dx !== undefined) dx.set(f32.subarray(dxs >> 2, (dxs >> 2) + n * this.inSize));
  }
}

/**
 * The LSTM primitives on the wasm module: each call copies its arrays into the module's memory
 * (the whole parameter vector: the layer's regions sit at their own offsets in it), runs, and
 * copies what it wrote back out.
 */
function wasmLstmCalls(m: Module): LstmCalls {
  const ints = (i32: Int32Array, at: number, src: Int32Array) => i32.set(src, at >> 2);
  const out = (f32: Float32Array, at: number, dst: Float32Array, n: number) => dst.set(f32.subarray(at >> 2, (at >> 2) + n));
  return {
    forward(desc, sched, params, x, a, gates, cPrev, c, tc, h, cs, o) {
      const [inSize, hid, , rows, count] = desc as unknown as [number, number, number, number, number];
      const k = inSize + hid;
      const sizes = [8, sched.length, params.length, rows * inSize, rows * k, rows * 4 * hid, rows * hid, rows * hid, rows * hid, count * hid, count * hid, rows * hid, 4 * hid];
      const { at, f32, i32 } = m.layout(sizes);
      const [dA, sA, pA, xA, aA, gA, cpA, cA, tcA, hA, csA, oA, bA] = at as number[] as [number, number, number, number, number, number, number, number, number, number, number, number, number];
      ints(i32, dA, desc);
      ints(i32, sA, sched);
      put(f32, pA, params);
      put(f32, xA, x.subarray(0, rows * inSize));
      put(f32, hA, h.subarray(0, count * hid));
      put(f32, csA, cs.subarray(0, count * hid));
      m.fns.tg_lstm_forward(dA, sA, pA, xA, aA, gA, cpA, cA, tcA, hA, csA, oA, bA);
      out(f32, aA, a, rows * k);
      out(f32, gA, gates, rows * 4 * hid);
      out(f32, cpA, cPrev, rows * hid);
      out(f32, cA, c, rows * hid);
      out(f32, tcA, tc, rows * hid);
      out(f32, hA, h, count * hid);
      out(f32, csA, cs, count * hid);
      out(f32, oA, o, rows * hid);
    },
    backward(desc, sched, params, a, gates, cPrev, tc, dOut, grad) {
      const [inSize, hid, , rows] = desc as unknown as [number, number, number, number];
      const k = inSize + hid;
      const first = m.layout([8]);
      ints(first.i32, first.at[0] as number, desc);
      const work = m.fns.tg_lstm_work_needed(first.at[0] as number);
      const sizes = [8, sched.length, params.length, rows * k, rows * 4 * hid, rows * hid, rows * hid, rows * hid, params.length, work];
      const { at, f32, i32 } = m.layout(sizes);
      const [dA, sA, pA, aA, gA, cpA, tcA, doA, grA, wA] = at as number[] as [number, number, number, number, number, number, number, number, number, number];
      ints(i32, dA, desc);
      ints(i32, sA, sched);
      put(f32, pA, params);
      put(f32, aA, a.subarray(0, rows * k));
      put(f32, gA, gates.subarray(0, rows * 4 * hid));
      put(f32, cpA, cPrev.subarray(0, rows * hid));
      put(f32, tcA, tc.subarray(0, rows * hid));
      put(f32, doA, dOut.subarray(0, rows * hid));
      m.fns.tg_lstm_backward(dA, sA, pA, aA, gA, cpA, tcA, doA, grA, wA);
      // only the layer's regions were written: copy those back
      const [, , , , , wOff, bIh, bHh] = desc as unknown as number[] as [number, number, number, number, number, number, number, number];
      const g4 = 4 * hid;
      for (const [s0, n] of [[wOff, k * g4], [bIh, g4], [bHh, g4]] as const) grad.set(f32.subarray((grA >> 2) + s0, (grA >> 2) + s0 + n), s0);
    },
  };
}

let wasmSet: KernelSet | undefined;

/**
 * The wasm kernel set: the C primitives of the native addon (native/kernels.h) compiled to
 * WebAssembly with 128-bit SIMD, float32 throughout; or, where the engine cannot run it, why
 * not. @internal
 */
export function wasmKernels(): KernelSet | string {
  const m = wasmModule();
  if (typeof m === 'string') return m;
  wasmSet ??= {
    name: 'wasm',
    mlp: (layers, activation, activateLast = false) => new WasmMlp(m, layers, activation, activateLast),
    lstm: (slots) => new CLstm(slots, wasmLstmCalls(m)),
    array: (size) => new Float32Array(size),
    sumSquares(g) {
      const { at, f32 } = m.layout([g.length]);
      put(f32, at[0] as number, g);
      return m.fns.tg_sumsq(at[0] as number, g.length);
    },
    adam(p, mo, v, g, scale, stepSize, bc2, beta1, beta2, eps) {
      const n = p.length;
      const { at, f32 } = m.layout([n, n, n, n]);
      const [pa, ma, va, ga] = at as [number, number, number, number];
      put(f32, pa, p);
      put(f32, ma, mo);
      put(f32, va, v);
      put(f32, ga, g.subarray(0, n));
      m.fns.tg_adam(pa, ma, va, ga, n, scale, stepSize, bc2, beta1, beta2, eps);
      p.set(f32.subarray(pa >> 2, (pa >> 2) + n));
      mo.set(f32.subarray(ma >> 2, (ma >> 2) + n));
      v.set(f32.subarray(va >> 2, (va >> 2) + n));
    },
    rmsprop(p, v, g, scale, lr, alpha, eps) {
      const n = p.length;
      const { at, f32 } = m.layout([n, n, n]);
      const [pa, va, ga] = at as [number, number, number];
      put(f32, pa, p);
      put(f32, va, v);
      put(f32, ga, g.subarray(0, n));
      m.fns.tg_rmsprop(pa, va, ga, n, scale, lr, alpha, eps);
      p.set(f32.subarray(pa >> 2, (pa >> 2) + n));
      v.set(f32.subarray(va >> 2, (va >> 2) + n));
    },
  };
  return wasmSet;
}

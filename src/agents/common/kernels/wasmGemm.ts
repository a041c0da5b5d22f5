import { GEMM_WASM_BASE64 } from './gemmWasm.js';
import { gemmABtJs, jsKernelSet } from './jsKernels.js';
import type { KernelSet } from './types.js';

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

/** The instantiated SIMD kernel and its linear memory. */
interface Kernel {
  readonly memory: WasmMemory;
  readonly gemm: (a: number, b: number, c: number, n: number, m: number, k: number, bias: number) => void;
  /** First free byte (the C heap base). */
  readonly base: number;
  /** A float32 view of the memory, renewed when it grows. */
  f32: Float32Array;
}

let kernel: Kernel | null | undefined;

/**
 * The wasm SIMD product kernel (gemm.c), instantiated on first use; null where the engine
 * cannot run WebAssembly SIMD (then the typed path uses its JS kernel). @internal
 */
export function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined || typeof atob !== 'function') return kernel;
  const bytes = Uint8Array.from(atob(GEMM_WASM_BASE64), (c) => c.charCodeAt(0));
  if (!wasm.validate(bytes)) return kernel;
  const exports = new wasm.Instance(new wasm.Module(bytes), {}).exports as unknown as {
    memory: WasmMemory;
    gemm_abt: Kernel['gemm'];
    __heap_base: { value: number };
  };
  const base = (Number(exports.__heap_base.value) + 15) & ~15;
  kernel = { memory: exports.memory, gemm: exports.gemm_abt, base, f32: new Float32Array(exports.memory.buffer) };
  return kernel;
}

/**
 * `C = A B^T (+ bias)` on the wasm kernel: the operands are copied into its memory as float32,
 * multiplied with SIMD, and the result copied back. Same contract as `gemmABt`. @internal
 */
export function gemmWasm(w: Kernel, A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number, n: number, m: number, k: number, bias: Float64Array | undefined, biasOff: number): void {
  // float offsets of A, B, bias and C in the wasm memory
  const pa = w.base >> 2;
  const pb = pa + n * k;
  const pbias = pb + m * k;
  const pc = pbias + m;
  const bytes = (pc + n * m) * 4;
  if (bytes > w.memory.buffer.byteLength) {
    w.memory.grow(Math.ceil((bytes - w.memory.buffer.byteLength) / 65536));
    w.f32 = new Float32Array(w.memory.buffer);
  }
  const f = w.f32;
  f.set(A.subarray(aOff, aOff + n * k), pa);
  f.set(B.subarray(bOff, bOff + m * k), pb);
  if (bias !== undefined) f.set(bias.subarray(biasOff, biasOff + m), pbias);
  w.gemm(pa * 4, pb * 4, pc * 4, n, m, k, bias === undefined ? 0 : pbias * 4);
  C.set(f.subarray(pc, pc + n * m), cOff);
}

/**
 * `C[cOff + i m + j] = sum_p A[aOff + i k + p] B[bOff + j k + p] (+ bias[biasOff + j])` for
 * an `n x k` A and an `m x k` B, overwriting C: on the wasm SIMD kernel (gemm.c: float32, about
 * 20 GMAC/s on one core) unless the product is tiny (under 512 multiply-adds, where copying
 * costs more than it saves), then on {@link gemmABtJs}. @internal
 */
export function gemmABt(A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number, n: number, m: number, k: number, bias?: Float64Array, biasOff = 0): void {
  const w = wasmKernel();
  if (w !== null && n * m * k >= 512) gemmWasm(w, A, aOff, B, bOff, C, cOff, n, m, k, bias, biasOff);
  else gemmABtJs(A, aOff, B, bOff, C, cOff, n, m, k, bias, biasOff);
}

let wasmSet: KernelSet | undefined;

/**
 * The wasm kernel set: the JS kernels with their products on the SIMD kernel; or, where the
 * engine cannot run WebAssembly SIMD, why not. @internal
 */
export function wasmKernels(): KernelSet | string {
  if (wasmKernel() === null) return 'this JavaScript engine has no WebAssembly SIMD';
  wasmSet ??= jsKernelSet('wasm', gemmABt);
  return wasmSet;
}

import type { DenseSlots } from '../types.js';
import { CLstm, LstmKernel, type LstmCalls } from './lstm.js';
import type { FloatArray, KernelSet, MlpKernel } from './types.js';

/**
 * The optional native kernels (native/tradegym.c, a Node-API addon): the kernel primitives in
 * float32, with AVX-512 or AVX2 products where the CPU has them. They come prebuilt in a
 * per-platform package (`@tradegym/native-linux-x64-gnu`, ...; see docs/native.md) or from a
 * source build (`npm run build:native`). `flags` is `relu | 2 * activateLast`. @internal
 */
export interface NativeKernels {
  /** Every layer's output into `acts`, layer after layer, the network's outputs last. */
  mlpForward(layout: Int32Array, flags: number, params: Float32Array, x: Float32Array, n: number, acts: Float32Array): void;
  /** The backward pass of the forward that left `acts`: into `grad` at the parameters' offsets, and into `dx` unless null. */
  mlpBackward(layout: Int32Array, flags: number, params: Float32Array, x: Float32Array, n: number, acts: Float32Array, dOut: Float32Array, grad: Float32Array, dx: Float32Array | null): void;
  sumSquares(g: Float32Array): number;
  adam(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, scale: number, stepSize: number, bc2: number, beta1: number, beta2: number, eps: number): void;
  rmsprop(p: Float32Array, v: Float32Array, g: Float32Array, scale: number, lr: number, alpha: number, eps: number): void;
  /** An LSTM layer's forward pass over a schedule (see `LstmCalls`); absent from addons built before it. */
  lstmForward?: LstmCalls['forward'];
  /** Its backpropagation through time. */
  lstmBackward?: LstmCalls['backward'];
  /** The product kernel in use: `'avx512'`, `'avx2'` (with FMA) or `'plain'` (C). */
  kernel(): string;
  /** Uses a kernel the CPU can run (`'plain'` always), to compare or test them; returns the kernel in use. */
  setKernel(name: 'avx512' | 'avx2' | 'plain'): string;
}

/**
 * The platforms with a prebuilt package `@tradegym/native-<platform>`: the folders npm/native-*
 * of the repository (scripts/build-native-packages.mjs builds them; a test keeps both lists equal).
 */
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu'];

/** The addon's file name, in a platform package and in a source build. */
const BINARY = 'tradegym_native.node';

/** Where `npm run build:native` (scripts/build-native.mjs) writes the addon, from the package root. */
const SOURCE_BUILD = `native/build/Release/${BINARY}`;

/** The loader's outcome, kept for the process: the kernels with where they came from, or why there are none. */
type Loaded =
  | { readonly kernels: NativeKernels; readonly source: 'package' | 'source-build'; readonly path: string }
  | { readonly kernels: null; readonly why: string };

let loaded: Loaded | undefined;

/** The parts of `process` the loader reads, looked up when it runs (a browser has none of them). */
interface NodeProcess {
  readonly platform: string;
  readonly arch: string;
  readonly env: Record<string, string | undefined>;
  readonly report?: { getReport?: () => unknown; excludeNetwork?: boolean };
  readonly getBuiltinModule?: (id: string) => unknown;
}

/** Node's `require` and `fs`/`path`, reached without a static import so browser bundles still build. */
function nodeBuiltins(proc: NodeProcess): { createRequire: (p: string) => NodeRequire; existsSync: (p: string) => boolean; dirname: (p: string) => string; join: (...p: string[]) => string; fileURLToPath: (u: string) => string } | null {
  const get = proc.getBuiltinModule;
  if (typeof get !== 'function') return null;
  const mod = get('node:module') as { createRequire: (p: string) => NodeRequire };
  const fs = get('node:fs') as { existsSync: (p: string) => boolean };
  const path = get('node:path') as { dirname: (p: string) => string; join: (...p: string[]) => string };
  const url = get('node:url') as { fileURLToPath: (u: string) => string };
  return { createRequire: mod.createRequire, existsSync: fs.existsSync, dirname: path.dirname, join: path.join, fileURLToPath: url.fileURLToPath };
}

/** `require` as the loader uses it: load a module, find a package's file. */
interface NodeRequire {
  (id: string): unknown;
  resolve(id: string): string;
}

/**
 * This process's platform as the packages name it: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`. glibc or musl as napi-rs tells them apart: Node's diagnostic report names the
 * glibc it runs on (`header.glibcVersionRuntime`) and nothing on musl.
 */
function platformOf(proc: NodeProcess): string {
  if (proc.platform !== 'linux') return `${proc.platform}-${proc.arch}`;
  const report = proc.report;
  let glibc = true; // a Node without a report (never seen on Linux) is taken as the common case
  if (report !== undefined && typeof report.getReport === 'function') {
    const exclude = report.excludeNetwork;
    report.excludeNetwork = true; // else the report looks up the host names of open sockets, which can be slow
    try {
      const r = report.getReport() as { header?: { glibcVersionRuntime?: string } };
      glibc = typeof r.header?.glibcVersionRuntime === 'string';
    } finally {
      report.excludeNetwork = exclude;
    }
  }
  return `${proc.platform}-${proc.arch}-${glibc ? 'gnu' : 'musl'}`;
}

/** Loads the addon at `file`: the kernels, or the error's message. */
function tryLoad(req: NodeRequire, file: string): NativeKernels | string {
  try {
    return req(file) as NativeKernels;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Looks for the kernels, in order: off with `TRADEGYM_NATIVE=0`; this platform's package,
 * resolved from tradegym's own folder; a source build at native/build/Release (found walking up
 * from this module, src/agents/common/kernels or dist/); else none, saying why.
 */
function load(): Loaded {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const node = proc === undefined ? null : nodeBuiltins(proc);
  if (proc === undefined || node === null) return { kernels: null, why: 'not running on Node.js' };
  if (proc.env.TRADEGYM_NATIVE === '0') return { kernels: null, why: 'switched off by TRADEGYM_NATIVE=0' };
  const req = node.createRequire(import.meta.url);
  const platform = platformOf(proc);
  const pkg = `@tradegym/native-${platform}`;
  const prebuilt = PREBUILT.includes(platform);
  const problems = prebuilt ? [] : [`no prebuilt binary for ${platform}`];
  if (prebuilt) {
    let dir: string | undefined;
    try {
      dir = node.dirname(req.resolve(`${pkg}/package.json`));
    } catch {
      problems.push(`${pkg} is not installed`);
    }
    if (dir !== undefined) {
      const file = node.join(dir, BINARY);
      const k = node.existsSync(file) ? tryLoad(req, file) : `${file} is missing`;
      if (typeof k !== 'string') return { kernels: k, source: 'package', path: file };
      problems.push(`${pkg} did not load: ${k}`);
    }
  }
  let dir = node.dirname(node.fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = node.dirname(dir)) {
    const file = node.join(dir, SOURCE_BUILD);
    if (!node.existsSync(file)) continue;
    const k = tryLoad(req, file);
    if (typeof k !== 'string') return { kernels: k, source: 'source-build', path: file };
    problems.push(`${SOURCE_BUILD} did not load: ${k}`);
    break;
  }
  const build = 'build one from source with `npm run build:native` in tradegym\'s folder (needs a C compiler)';
  const fix = prebuilt ? `install ${pkg} at tradegym's version (its optional dependency for this platform, left out by --omit=optional), or ${build}` : build;
  return { kernels: null, why: `${problems.join('; ')}: ${fix}` };
}

/**
 * The native kernels, loaded on first use; null where there are none for this platform, not
 * Node, or switched off with the environment variable `TRADEGYM_NATIVE=0`. {@link nativeStatus}
 * says which, or where they came from. @internal
 */
export function nativeKernels(): NativeKernels | null {
  loaded ??= load();
  return loaded.kernels;
}

/**
 * Whether tradegym's native kernels are loaded: with the product kernel in use, or with the
 * reason they are not.
 * @example
 * ```ts
 * import { nativeStatus, type NativeStatus } from 'tradegym/agents';
 * const s: NativeStatus = nativeStatus();
 * console.log(s.available);
 * ```
 */
export type NativeStatus = NativeAvailable | NativeUnavailable;

/**
 * The native kernels are loaded.
 * @example
 * ```ts
 * import { nativeStatus } from 'tradegym/agents';
 * const s = nativeStatus();
 * if (s.available) console.log(s.kernel);
 * ```
 */
export interface NativeAvailable {
  /** Loaded. */
  readonly available: true;
  /** The product kernel in use: `'avx512'` or `'avx2'` (with FMA) where the CPU has them, else `'plain'` (C). */
  readonly kernel: string;
  /**
   * Where the addon came from: `'package'`, the prebuilt package for this platform
   * (`@tradegym/native-linux-x64-gnu`, ...), or `'source-build'`, `npm run build:native`'s
   * native/build/Release/tradegym_native.node.
   */
  readonly source: 'package' | 'source-build';
  /** The addon's file. */
  readonly path: string;
}

/**
 * The native kernels are not loaded.
 * @example
 * ```ts
 * import { nativeStatus } from 'tradegym/agents';
 * const s = nativeStatus();
 * if (!s.available) console.log(s.reason);
 * ```
 */
export interface NativeUnavailable {
  /** Not loaded. */
  readonly available: false;
  /**
   * Why, and what to do: the platform's package is not installed (named, e.g.
   * `@tradegym/native-linux-x64-gnu`), no prebuilt binary exists for this platform, an addon
   * did not load (with the error), switched off by `TRADEGYM_NATIVE=0`, or not Node.js.
   */
  readonly reason: string;
}

/**
 * Whether tradegym's native kernels are in use, where they came from, and if not, why. They are
 * looked for once per process, in order: off with the environment variable `TRADEGYM_NATIVE=0`;
 * the prebuilt package for this platform (`@tradegym/native-linux-x64-gnu` or
 * `@tradegym/native-linux-arm64-gnu`, installed with tradegym as an optional dependency); a
 * source build (`npm run build:native`). DQN's `compute: 'auto'` trains on them where they are.
 * Nothing is printed: this is the one place the outcome shows.
 * @returns a {@link NativeStatus}.
 * @throws Nothing: an addon that is missing or does not load is a `reason`, not an error.
 * @example
 * ```ts
 * import { nativeStatus } from 'tradegym/agents';
 * const s = nativeStatus();
 * console.log(s.available ? `native kernels (${s.kernel}) from ${s.source}: ${s.path}` : `no native kernels: ${s.reason}`);
 * ```
 */
export function nativeStatus(): NativeStatus {
  nativeKernels();
  const l = loaded as Loaded;
  return l.kernels === null ? { available: false, reason: l.why } : { available: true, kernel: l.kernels.kernel(), source: l.source, path: l.path };
}

/** `[layers, (fanIn, fanOut, wOff, bOff) per layer]`: the layout the native kernels read. @internal */
export function nativeLayout(layers: readonly DenseSlots[]): Int32Array {
  const out = new Int32Array(1 + 4 * layers.length);
  out[0] = layers.length;
  layers.forEach((l, i) => {
    out.set([l.w.shape[0] as number, l.w.shape[1] as number, l.w.offset, l.b.offset], 1 + 4 * i);
  });
  return out;
}

/** A float32 view of `a`: itself, or a copy into `scratch` (grown as needed). */
function f32(a: FloatArray, size: number, scratch: { buf: Float32Array }): Float32Array {
  if (a instanceof Float32Array) return a;
  if (scratch.buf.length < size) scratch.buf = new Float32Array(size);
  for (let i = 0; i < size; i++) scratch.buf[i] = a[i] as number;
  return scratch.buf;
}

/** An MLP on the native kernels: the addon reads the parameters in place and keeps activations in a buffer of this object. */
class NativeMlp implements MlpKernel {
  readonly inSize: number;
  readonly outSize: number;
  readonly #k: NativeKernels;
  readonly #layout: Int32Array;
  readonly #flags: number;
  /** Floats per row of all layers' outputs, and where the last layer's start in a row block. */
  readonly #perRow: number;
  #params: Float32Array = new Float32Array(0);
  #acts = new Float32Array(0);
  #x: Float32Array = new Float32Array(0);
  readonly #xCopy: { buf: Float32Array } = { buf: new Float32Array(0) };

  constructor(k: NativeKernels, layers: readonly DenseSlots[], activation: 'tanh' | 'relu', activateLast: boolean) {
    this.#k = k;
    this.#layout = nativeLayout(layers);
    this.#flags = (activation === 'relu' ? 1 : 0) | (activateLast ? 2 : 0);
    this.inSize = layers[0]?.w.shape[0] as number;
    this.outSize = layers[layers.length - 1]?.w.shape[1] as number;
    this.#perRow = layers.reduce((s, l) => s + (l.w.shape[1] as number), 0);
  }

  load(params: Float32Array): void {
    this.#params = params;
  }

  forward(x: FloatArray, n: number): Float32Array {
    if (this.#acts.length < n * this.#perRow) this.#acts = new Float32Array(n * this.#perRow);
    // the input is kept for backward: a float64 one is copied (the copy is this object's own)
    this.#x = f32(x, n * this.inSize, this.#xCopy);
    this.#k.mlpForward(this.#layout, this.#flags, this.#params, this.#x, n, this.#acts);
    const end = n * this.#perRow;
    return this.#acts.subarray(end - n * this.outSize, end);
  }

  backward(dOut: FloatArray, n: number, grad: FloatArray, dx?: FloatArray): void {
    // the native set's arrays are float32 (KernelSet.array); another kind would be a caller's bug
    if (!(dOut instanceof Float32Array) || !(grad instanceof Float32Array) || (dx !== undefined && !(dx instanceof Float32Array))) throw new TypeError('NativeMlp.backward: dOut, grad and dx must be Float32Arrays');
    this.#k.mlpBackward(this.#layout, this.#flags, this.#params, this.#x, n, this.#acts, dOut, grad, dx ?? null);
  }
}

let nativeSet: KernelSet | undefined;

/**
 * The native kernel set (float32 throughout, products on AVX-512, AVX2 or plain C); or, where
 * the addon is not loaded, why not (as {@link nativeStatus} says). @internal
 */
export function nativeKernelSet(): KernelSet | string {
  const k = nativeKernels();
  if (k === null) return (loaded as { why: string }).why;
  nativeSet ??= {
    name: 'native',
    mlp: (layers, activation, activateLast = false) => new NativeMlp(k, layers, activation, activateLast),
    // an addon built before the LSTM primitives runs the JS reference's (float64, correct, slower)
    lstm: (slots) => {
      const { lstmForward, lstmBackward } = k;
      return lstmForward !== undefined && lstmBackward !== undefined ? new CLstm(slots, { forward: lstmForward.bind(k), backward: lstmBackward.bind(k) }) : new LstmKernel(slots);
    },
    array: (size) => new Float32Array(size),
    sumSquares: (g) => k.sumSquares(g as Float32Array),
    adam: (p, m, v, g, scale, stepSize, bc2, beta1, beta2, eps) => k.adam(p, m, v, g as Float32Array, scale, stepSize, bc2, beta1, beta2, eps),
    rmsprop: (p, v, g, scale, lr, alpha, eps) => k.rmsprop(p, v, g as Float32Array, scale, lr, alpha, eps),
  };
  return nativeSet;
}

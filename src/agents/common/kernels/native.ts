import type { DenseSlots } from '../ActorCritic.js';

/**
 * The optional native kernels (native/tradegym.c, a Node-API addon built on install by
 * scripts/build-native.mjs): DQN's whole training round and the MLP forward pass in float32,
 * AVX-512 where the CPU has it. @internal
 */
export interface NativeKernels {
  /** `out` (n x outSize) = the network's outputs for the n rows of `x`. */
  forward(layout: Int32Array, relu: number, params: Float32Array, x: Float32Array, n: number, out: Float32Array): void;
  /** `steps` DQN gradient steps; see native/tradegym.c for the arguments. */
  dqnRound(
    layout: Int32Array, relu: number, theta: Float32Array, target: Float32Array, m: Float32Array, v: Float32Array,
    obs: Float32Array, next: Float32Array, actions: Int32Array, rewards: Float32Array, dones: Float32Array,
    steps: number, n: number, gamma: number, maxGradNorm: number, doubleQ: number, adam: Float64Array,
    beta1: number, beta2: number, eps: number, losses: Float64Array,
  ): void;
  /** The product kernel in use: `'avx512'`, `'avx2'` (with FMA) or `'plain'` (C). */
  kernel(): string;
  /** Uses a kernel the CPU can run (`'plain'` always), to compare or test them; returns the kernel in use. */
  setKernel(name: 'avx512' | 'avx2' | 'plain'): string;
}

/** Where the addon is looked for, relative to the package root. */
const ADDON = 'native/build/Release/tradegym_native.node';

let loaded: { kernels: NativeKernels | null; why: string } | undefined;

/** Node's `require` and `fs`/`path`, reached without a static import so browser bundles still build. */
function nodeBuiltins(): { createRequire: (p: string) => (id: string) => unknown; existsSync: (p: string) => boolean; dirname: (p: string) => string; join: (...p: string[]) => string; fileURLToPath: (u: string) => string } | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') return null;
  const mod = get('node:module') as { createRequire: (p: string) => (id: string) => unknown };
  const fs = get('node:fs') as { existsSync: (p: string) => boolean };
  const path = get('node:path') as { dirname: (p: string) => string; join: (...p: string[]) => string };
  const url = get('node:url') as { fileURLToPath: (u: string) => string };
  return { createRequire: mod.createRequire, existsSync: fs.existsSync, dirname: path.dirname, join: path.join, fileURLToPath: url.fileURLToPath };
}

/**
 * The native kernels, loaded on first use; null where they are not built (no C compiler at
 * install), not Node, or switched off with the environment variable `TRADEGYM_NATIVE=0`.
 * {@link nativeStatus} says which. @internal
 */
export function nativeKernels(): NativeKernels | null {
  if (loaded !== undefined) return loaded.kernels;
  loaded = { kernels: null, why: 'not running on Node.js' };
  const node = nodeBuiltins();
  if (node === null) return null;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  if (env.TRADEGYM_NATIVE === '0') {
    loaded.why = 'switched off by TRADEGYM_NATIVE=0';
    return null;
  }
  // walk up from this module (src/agents/common/kernels or dist) to the package root
  let dir = node.dirname(node.fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const file = node.join(dir, ADDON);
    if (node.existsSync(file)) {
      try {
        loaded = { kernels: node.createRequire(import.meta.url)(file) as NativeKernels, why: '' };
      } catch (e) {
        loaded.why = `${ADDON} did not load: ${(e as Error).message}`;
      }
      return loaded.kernels;
    }
    dir = node.dirname(dir);
  }
  loaded.why = `${ADDON} is not built (run \`npm rebuild tradegym\` with a C compiler, or node scripts/build-native.mjs)`;
  return null;
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
  /** Why: not built (no C compiler at install), switched off by `TRADEGYM_NATIVE=0`, not Node.js, or the load error. */
  readonly reason: string;
}

/**
 * Whether tradegym's native kernels are in use, and if not, why. DQN's `compute: 'auto'`
 * trains on them where they are.
 * @returns a {@link NativeStatus}.
 * @example
 * ```ts
 * import { nativeStatus } from 'tradegym/agents';
 * const s = nativeStatus();
 * console.log(s.available ? `native kernels (${s.kernel})` : `no native kernels: ${s.reason}`);
 * ```
 */
export function nativeStatus(): NativeStatus {
  const k = nativeKernels();
  return k === null ? { available: false, reason: (loaded as { why: string }).why } : { available: true, kernel: k.kernel() };
}

/**
 * `[layers, (fanIn, fanOut, wOff, bOff) per layer]`, then for dueling heads
 * `[1, vW, vB, aW, aB, actions]`: the layout the native kernels read. @internal
 */
export function nativeLayout(layers: readonly DenseSlots[], heads?: { readonly v: DenseSlots; readonly a: DenseSlots }): Int32Array {
  const out = new Int32Array(1 + 4 * layers.length + (heads === undefined ? 0 : 6));
  out[0] = layers.length;
  layers.forEach((l, i) => {
    out.set([l.w.shape[0] as number, l.w.shape[1] as number, l.w.offset, l.b.offset], 1 + 4 * i);
  });
  if (heads !== undefined) out.set([1, heads.v.w.offset, heads.v.b.offset, heads.a.w.offset, heads.a.b.offset, heads.a.w.shape[1] as number], 1 + 4 * layers.length);
  return out;
}

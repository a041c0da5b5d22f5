import { fail } from '../../../core/checks.js';
import { chosenBackend } from '../../backend.js';
import { JS_KERNELS } from './jsKernels.js';
import { nativeKernelSet } from './native.js';
import type { FloatArray, KernelName, KernelSet } from './types.js';
import { wasmKernels } from './wasm.js';

/**
 * The kernel sets, registered by name as tfjs-core registers kernels per backend: each loader
 * returns its set, or why it cannot run here. Fastest first; the order is the compute rule's.
 */
const LOADERS: ReadonlyArray<readonly [KernelName, () => KernelSet | string]> = [
  ['native', nativeKernelSet],
  ['wasm', wasmKernels],
  ['js', () => JS_KERNELS],
];

/** The kernel set `name`, or why it is not available here. @internal */
export function kernelSet(name: KernelName): KernelSet | string {
  const loader = LOADERS.find(([n]) => n === name);
  return (loader as (typeof LOADERS)[number])[1]();
}

/**
 * One kernel set and whether it runs here: its name, and either `available: true` or the
 * reason it does not.
 * @example
 * ```ts
 * import { kernelSets, type KernelSetStatus } from 'tradegym/agents';
 * const all: KernelSetStatus[] = kernelSets();
 * console.log(all.map((k) => `${k.name}: ${k.available ? 'yes' : k.reason}`).join('\n'));
 * ```
 */
export type KernelSetStatus =
  | {
      /** The kernel set: `'native'`, `'wasm'` or `'js'`. */
      readonly name: 'native' | 'wasm' | 'js';
      /** It runs here. */
      readonly available: true;
    }
  | {
      /** The kernel set: `'native'`, `'wasm'` or `'js'`. */
      readonly name: 'native' | 'wasm' | 'js';
      /** It does not run here. */
      readonly available: false;
      /** Why not, and what to do about it. */
      readonly reason: string;
    };

/**
 * The typed-array kernel sets the agents train MLPs on, fastest first, each with whether it runs
 * here: `'native'` (the prebuilt or source-built addon; see {@link nativeStatus}), `'wasm'`
 * (WebAssembly SIMD products, in every modern engine) and `'js'` (plain JavaScript, the
 * reference, everywhere). `compute: 'auto'` takes the first available one for an MLP policy.
 * @returns one {@link KernelSetStatus} per set.
 * @throws Nothing: a set that cannot load is reported with its reason.
 * @example
 * ```ts
 * import { kernelSets } from 'tradegym/agents';
 * const best = kernelSets().find((k) => k.available);
 * console.log(best?.name); // 'native', 'wasm' or 'js'
 * ```
 */
export function kernelSets(): KernelSetStatus[] {
  return LOADERS.map(([name, load]) => {
    const set = load();
    return typeof set === 'string' ? { name, available: false, reason: set } : { name, available: true };
  });
}

/**
 * Where an agent trains, as its `compute` option names it:
 * - `'auto'` (the default): `'tfjs'` for a network with a `featuresExtractor` or on a
 *   `tensorflow`, `webgl` or `webgpu` backend chosen with `useBackend` (tfjs's own default in
 *   a browser, webgl, does not count); otherwise the fastest kernel set that runs
 *   here, `'native'`, else `'wasm'`, else `'js'` ({@link kernelSets} lists them, and why one
 *   does not run).
 * - `'native'`, `'wasm'`, `'js'`: that kernel set (MLP policies only); an error where it does not run.
 * - `'typed'`: the fastest kernel set here, never tfjs.
 * - `'tfjs'`: tfjs ops on the active backend, for any network.
 *
 * Every path runs the same loss and distribution code; they differ in how the network's forward
 * and backward pass and the optimizer run. Read the choice made from `agent.compute`.
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { PPO, useBackend, type Compute } from 'tradegym/agents';
 * await useBackend('cpu');
 * const compute: Compute = 'auto';
 * const agent = new PPO(make('CartPole-v1'), { compute, seed: 0 });
 * console.log(agent.compute); // 'native', 'wasm' or 'js' on the cpu backend
 * agent.dispose();
 * ```
 */
export type Compute = 'auto' | 'native' | 'wasm' | 'js' | 'typed' | 'tfjs';

/**
 * Where an agent trains, resolved (`agent.compute`): a kernel set's name, `'native'`, `'wasm'`
 * or `'js'`, or `'tfjs'`.
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { A2C, useBackend, type ResolvedCompute } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new A2C(make('CartPole-v1'), { seed: 0 });
 * const where: ResolvedCompute = agent.compute;
 * console.log(where); // 'native', 'wasm' or 'js' on the cpu backend
 * agent.dispose();
 * ```
 */
export type ResolvedCompute = 'native' | 'wasm' | 'js' | 'tfjs';

const COMPUTES: readonly string[] = ['auto', 'native', 'wasm', 'js', 'typed', 'tfjs'];

/**
 * Resolves an agent's `compute` option by the one rule of {@link Compute}; checks it (an
 * unknown value, a kernel set with a features extractor, or a kernel set that does not run
 * here are errors naming the option). @internal
 */
export function resolveCompute(c: unknown, extractor = false): ResolvedCompute {
  if (typeof c !== 'string' || !COMPUTES.includes(c)) fail('compute', "'auto', 'native', 'wasm', 'js', 'typed' or 'tfjs'", c);
  if (c === 'tfjs') return 'tfjs';
  if (extractor && c !== 'auto') fail('compute', "'auto' or 'tfjs' with a featuresExtractor (the kernel sets run MLPs only)", c);
  if (c === 'auto' && (extractor || ['tensorflow', 'webgl', 'webgpu'].includes(chosenBackend() ?? ''))) return 'tfjs';
  if (c === 'auto' || c === 'typed') {
    for (const [name, load] of LOADERS) if (typeof load() !== 'string') return name;
  }
  const set = kernelSet(c as KernelName);
  if (typeof set === 'string') fail('compute', `a kernel set that runs here: '${c}' does not (${set}); kernelSets() lists them`, c);
  return c as KernelName;
}

/** The kernel set of a resolved compute, or undefined for tfjs. @internal */
export function kernelsFor(compute: ResolvedCompute): KernelSet | undefined {
  if (compute === 'tfjs') return undefined;
  const set = kernelSet(compute);
  if (typeof set === 'string') throw new Error(`kernel set ${compute} vanished: ${set}`); // resolveCompute checked it
  return set;
}

/** The factor that clips `g` to global L2 norm `maxNorm`, as torch's `clip_grad_norm_` (norm + 1e-6; 1 within it). @internal */
export function clipScale(kernels: KernelSet, g: FloatArray, maxNorm: number): number {
  return Math.min(1, maxNorm / (Math.sqrt(kernels.sumSquares(g)) + 1e-6));
}

import * as tf from '@tensorflow/tfjs';
import { requireOneOf } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';

/**
 * A tfjs backend choice. `'auto'` takes the fastest one installed for these small networks;
 * `'webgl'` and `'webgpu'` run in a browser (a page or a Web Worker) with a GPU.
 */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/** The package that registers each backend ('' for the ones `@tensorflow/tfjs` itself brings). */
const PACKAGES: Readonly<Record<Exclude<BackendName, 'auto'>, string>> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgl: '',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  cpu: '',
};

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Chooses the tfjs backend; agents never pick one silently at import. `'auto'` takes
 * `@tensorflow/tfjs-node` where the user has installed it, else
 * `@tensorflow/tfjs-backend-wasm` where installed, else the pure-JS cpu backend (a GPU backend
 * is never chosen for you: these networks are too small to gain from one). A backend
 * already registered with tfjs (e.g. a browser bundle that imports `@tensorflow/tfjs-backend-wasm`
 * or `@tensorflow/tfjs-backend-webgpu` itself) is used without importing its package again.
 * `'webgl'` comes with `@tensorflow/tfjs` and registers only in a browser.
 *
 * The tfjs backend runs the features extractors and the checkpoints; the agents' own maths runs
 * on their kernel sets (the `compute` option), which need no backend.
 *
 * @param name - `'auto'` (default), `'tensorflow'`, `'wasm'`, `'webgl'`, `'webgpu'` or `'cpu'`.
 * @returns the backend now active.
 * @throws `TradegymError` (from `tradegym`) if a named backend's package is not installed or
 *   does not register here, or if it registers but cannot start (no GPU adapter, say).
 * @example
 * ```ts
 * import { useBackend } from 'tradegym/agents';
 * const backend = await useBackend('cpu');
 * console.log(backend); // 'cpu'
 * ```
 */
export async function useBackend(name: BackendName = 'auto'): Promise<string> {
  requireOneOf('name', name, ['auto', 'tensorflow', 'wasm', 'webgl', 'webgpu', 'cpu']);
  const candidates = (name === 'auto' ? (['tensorflow', 'wasm', 'cpu'] as const) : [name]).map((b) => [b, PACKAGES[b]] as const);
  for (const [backend, pkg] of candidates) {
    // a backend the page or the user registered already (a bundle imports the package itself:
    // its dynamic import may not resolve there) is used as it is; otherwise its package is
    // imported, which may still not register it (an alias, a broken native build)
    const available = tf.findBackendFactory(backend) !== null || (pkg !== '' && (await tryImport(pkg)) && tf.findBackendFactory(backend) !== null);
    if (!available) {
      if (name !== 'auto') {
        throw new TradegymError(
          pkg === ''
            ? `backend '${name}' is not registered here: tfjs registers it only in a browser (a page or a Web Worker) that has ${name === 'webgl' ? 'WebGL' : 'it'}; choose another backend`
            : `backend '${name}' needs the package ${pkg}, which is not installed or did not register it; install it (in a bundle, import it before useBackend) or choose another backend`,
        );
      }
      continue;
    }
    if (await tf.setBackend(backend)) {
      await tf.ready();
      quietCpuBackend();
      chosen = tf.getBackend();
      return chosen;
    }
    if (name !== 'auto') throw new TradegymError(`backend '${name}' is installed but could not start here (for a GPU backend: no usable GPU adapter or context); choose another backend`);
  }
  throw new TradegymError(`no tfjs backend could be set for '${name}'`);
}

/** The backend the last `useBackend` set. */
let chosen: string | undefined;

/**
 * The backend `useBackend` chose, while it is still tfjs's active one; undefined when the user
 * chose none (then tfjs's own default, webgl in a browser, is not a choice `compute: 'auto'`
 * follows). Read without starting a backend. @internal
 */
export function chosenBackend(): string | undefined {
  const active = (tf.engine() as unknown as { backendName: string | null }).backendName;
  return active !== null && active === chosen ? chosen : undefined;
}

/**
 * tfjs's cpu backend prints a banner recommending tfjs-node on its first tensor in Node. A
 * library prints nothing unasked, and `useBackend` is where the choice is made (tfjs-node
 * cannot always be installed), so the banner is marked as shown before any tensor exists.
 * Called by `useBackend` and by the agents' constructors. @internal
 */
export function quietCpuBackend(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean }; // as the first tensor would, sets up tfjs's best registered backend
  if (tf.getBackend() === 'cpu' && typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

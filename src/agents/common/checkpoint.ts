import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InvalidArgumentError, TradegymError } from '../../core/errors.js';
import { quietCpuBackend } from '../backend.js';
import { extractorFromRecord } from './featuresExtractor.js';
import { checkArtifacts, fileIO } from './fileIO.js';
import { fail } from '../../core/checks.js';
import { scheduleFromJSON } from './schedules.js';
import type { CheckpointHeader } from './types.js';

// Checkpoints, written and read once for every algorithm: the header (algorithm, network spec,
// counters, RNG, loop state), the options, and the named tensors, through fileIO's crash-safe
// files, a tfjs URL's handler (IndexedDB, localStorage, downloads in a browser) or the user's
// own tf.io.IOHandler.

/**
 * Where an agent's checkpoint is saved to or loaded from:
 * - a directory path (Node): crash-safe files with checksums (see `save`);
 * - a tfjs URL, handled by the routers tfjs registers where it runs: `'indexeddb://name'` and
 *   `'localstorage://name'` in a browser or a Web Worker (IndexedDB only there),
 *   `'downloads://name'` (save only: the page downloads `name.json` and `name.weights.bin`);
 * - any `tf.io.IOHandler`: `tf.io.fromMemory(artifacts)` or `tf.io.browserFiles([json, bin])`
 *   to load, `tf.io.withSaveHandler(fn)` to save, or the user's own storage.
 */
export type CheckpointTarget = string | tf.io.IOHandler;

/** A tfjs URL: a scheme, then `://`. */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Whether `where` is a tfjs URL (`'indexeddb://name'`), not a directory path. @internal */
export function isCheckpointUrl(where: string): boolean {
  return URL_SCHEME.test(where);
}

/**
 * The handler for `where`, checked as the argument `name` (a directory, a URL or a handler with
 * the method `use`). @internal
 * @throws InvalidArgumentError for anything else, or a URL no tfjs router here handles.
 */
export function checkpointIO(name: string, where: unknown, use: 'save' | 'load'): { handler: Required<Pick<tf.io.IOHandler, typeof use>>; label: string; files: boolean } {
  const wanted = `a directory path, a tfjs URL such as 'indexeddb://my-agent', or a tf.io.IOHandler with ${use}()`;
  /** `use` of `h`, bound to it, or undefined where `h` has none; with `label`, its failures (a storage that refused) become CheckpointErrors naming it. */
  const method = (h: tf.io.IOHandler, label?: string) => {
    const f = h[use];
    if (typeof f !== 'function') return undefined;
    const bound = f.bind(h) as (a?: tf.io.ModelArtifacts) => Promise<unknown>;
    const call =
      label === undefined
        ? bound
        : async (a?: tf.io.ModelArtifacts) => {
            try {
              return await bound(a);
            } catch (e) {
              if (e instanceof TradegymError) throw e;
              throw new CheckpointError(label, `${use === 'save' ? 'saving' : 'loading'} failed: ${(e as Error | null)?.message ?? String(e)}`);
            }
          };
    return { [use]: call } as unknown as Required<Pick<tf.io.IOHandler, typeof use>>;
  };
  if (typeof where === 'object' && where !== null) {
    const label = `${name} (a tf.io.IOHandler)`;
    const handler = method(where as tf.io.IOHandler, label);
    if (handler === undefined) fail(name, wanted, where);
    return { handler, label, files: false };
  }
  if (typeof where !== 'string' || where === '') fail(name, wanted, where);
  const scheme = URL_SCHEME.exec(where)?.[1];
  if (scheme === undefined) return { handler: method(fileIO(where) as tf.io.IOHandler) as Required<Pick<tf.io.IOHandler, typeof use>>, label: where, files: true };
  const handlers = use === 'save' ? tf.io.getSaveHandlers(where) : tf.io.getLoadHandlers(where);
  const handler = handlers.length === 1 ? method(handlers[0] as tf.io.IOHandler, where) : undefined;
  if (handler === undefined) {
    throw new InvalidArgumentError(
      `${name} ${JSON.stringify(where)}: ${handlers.length === 0 ? `tfjs has no ${use} handler for ${scheme}:// here` : `tfjs has ${handlers.length} ${use} handlers for it`} ` +
        `(indexeddb:// and localstorage:// exist in a browser, downloads:// saves only); give a directory path or a tf.io.IOHandler instead`,
    );
  }
  return { handler, label: where, files: false };
}

/**
 * Writes a checkpoint crash-safely through {@link fileIO}: the options (schedules as JSON; a
 * custom schedule function cannot be saved), the header and the named tensors. A kill at any
 * instant leaves the previous checkpoint in `dir` or this one, complete. @internal
 */
export async function writeCheckpoint(where: Required<Pick<tf.io.IOHandler, 'save'>>, header: Omit<CheckpointHeader, 'options'>, config: Readonly<Record<string, unknown>>, tensors: Record<string, tf.Tensor>): Promise<void> {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'function' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      throw new TradegymError(`option ${k} is a custom schedule function and cannot be saved; save a constantSchedule/linearSchedule, or pass ${k} again to load()`);
    }
    options[k] = v;
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const topology = JSON.parse(JSON.stringify({ ...header, options })) as object;
  await where.save({ modelTopology: topology, weightSpecs: specs, weightData: data });
}

/** A checkpoint read back by {@link readCheckpoint}. @internal */
export interface Checkpoint {
  readonly topology: CheckpointHeader;
  readonly tensors: Record<string, tf.Tensor>;
  /** The saved options with schedules rebuilt. */
  readonly options: Record<string, unknown>;
}

/**
 * The saved options with the user's overrides on top; a saved features extractor is rebuilt
 * from its record unless the overrides pass one. @internal
 */
export async function withOverrides(saved: Record<string, unknown>, overrides: object): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = { ...saved, ...overrides };
  if (saved.featuresExtractor !== undefined && (overrides as { featuresExtractor?: unknown }).featuresExtractor === undefined) {
    merged.featuresExtractor = await extractorFromRecord(saved.featuresExtractor);
  }
  return merged;
}

/** Throws unless the network built for the env has the saved spec. @internal */
export function requireSameSpec(saved: unknown, built: unknown): void {
  if (JSON.stringify(saved) !== JSON.stringify(built)) {
    throw new InvalidArgumentError(`env does not fit the saved agent: its network spec ${JSON.stringify(built)} differs from the saved ${JSON.stringify(saved)}`);
  }
}

/**
 * Reads a checkpoint written by `save` from `where` (see {@link CheckpointTarget}) and checks its
 * algorithm. @internal
 */
export async function readCheckpoint(where: unknown, algorithm: string): Promise<Checkpoint> {
  const { handler, label, files } = checkpointIO('dir', where, 'load');
  quietCpuBackend(); // the tensors below may be the process's first: before the agent's constructor
  // fileIO checks every field and checksum; what another handler gives is checked as strictly
  const artifacts = files ? await handler.load() : checkArtifacts(label, await handler.load());
  const topology = artifacts.modelTopology as Checkpoint['topology'];
  if (topology.algorithm !== algorithm) {
    throw new InvalidArgumentError(`dir holds a ${topology.algorithm} agent, not ${algorithm}: load it with ${topology.algorithm}.load`);
  }
  let options: Record<string, unknown>;
  try {
    options = Object.fromEntries(Object.entries(topology.options).map(([k, v]) => [k, scheduleFromJSON(v)])); // before any tensor exists
  } catch (e) {
    if (files || !(e instanceof InvalidArgumentError)) throw e;
    throw new CheckpointError(label, `a saved option is not valid: ${e.message}`);
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  return { topology, tensors, options };
}

import * as tf from '@tensorflow/tfjs';
import { fail, requireInt, requireOneOf, requireRecord, show } from '../../core/checks.js';
import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import type * as Process from 'node:process';
import { nodeBuiltin } from '../../core/nodeBuiltin.js';
import { CheckpointError, InvalidArgumentError } from '../../core/errors.js';
import type { CheckpointHeader } from './types.js';

/** What a browser does instead of saving to a directory. */
const INSTEAD = "save to 'indexeddb://name' or a tf.io.IOHandler (see CheckpointTarget)";

/** Node's modules this file uses, looked up when used (see nodeBuiltin): the agents' entry bundles for the browser. */
const node = {
  get fs() {
    return nodeBuiltin<typeof FsPromises>('node:fs/promises', 'saving and loading agents in a directory', INSTEAD);
  },
  get path() {
    return nodeBuiltin<typeof Path>('node:path', 'saving and loading agents in a directory', INSTEAD);
  },
  get crypto() {
    return nodeBuiltin<typeof Crypto>('node:crypto', 'saving and loading agents in a directory', INSTEAD);
  },
  get process() {
    return nodeBuiltin<typeof Process>('node:process', 'saving and loading agents in a directory', INSTEAD);
  },
};

/** `model.json`'s `format`. */
const FORMAT = 'tradegym-agent';
/** 2: versioned weights file and SHA-256 integrity fields (1 was `weights.bin` without checksums). */
const FORMAT_VERSION = 2;
const MODEL_JSON = 'model.json';
/** Files a save owns inside `dir`: its weights and its `model.json` replacement, tagged `<pid>-<hex>`. */
const OWNED = /^(?:weights-(\d+)-[0-9a-f]+\.bin|model\.json\.(\d+)-[0-9a-f]+\.tmp|weights\.bin)$/;
const WEIGHTS_NAME = /^weights-\d+-[0-9a-f]+\.bin$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/**
 * The steps of a save, in order. A save reports each one, once done, to the hook set with
 * {@link setSaveStepHook}; tests stop the process there to check a kill at any step leaves a
 * loadable checkpoint. @internal
 */
export const SAVE_STEPS = [
  'start',
  'dir-created',
  'weights-opened',
  'weights-half-written',
  'weights-synced',
  'manifest-opened',
  'manifest-half-written',
  'manifest-synced',
  'committed',
  'dir-synced',
  'cleaned',
] as const;

/** One of {@link SAVE_STEPS}. @internal */
export type SaveStep = (typeof SAVE_STEPS)[number];

let stepHook: ((step: SaveStep) => void) | undefined;

/**
 * Sets (or, with `undefined`, removes) the function every save calls after each of its steps.
 * For tests only. @internal
 * @param hook - called with the step just done.
 */
export function setSaveStepHook(hook: ((step: SaveStep) => void) | undefined): void {
  stepHook = hook;
}

/** The path of the manifest of the checkpoint in `dir`. @internal */
export function manifestPath(dir: string): string {
  return node.path.join(dir, MODEL_JSON);
}

/**
 * A `tf.io.IOHandler` for tradegym agent checkpoints in a directory on disk (tfjs's own file
 * handler lives in tfjs-node, which cannot always be installed). @internal
 *
 * Layout: `model.json` holds the checkpoint header (as `modelTopology`), the weights manifest
 * naming one weights file `weights-<pid>-<hex>.bin`, and `integrity`: the weights' byte count
 * and SHA-256, and the SHA-256 of the header and manifest.
 *
 * Crash safety: `model.json` is the one commit point. A save writes the weights under a fresh
 * name (the old weights stay untouched), fsyncs them, writes the new manifest beside
 * `model.json`, fsyncs it and the directory, and renames it over `model.json`: renaming a file over a file is
 * atomic (POSIX rename(2)), so a reader sees the old manifest or the new one, each naming
 * complete weights. It then fsyncs the directory, so the rename survives a power loss, and
 * deletes the replaced weights and the files of saves that were killed (those whose process
 * is gone). `load` reads only the files `model.json` names, so it never sees those leftovers.
 * Saves to one directory from one process run one at a time.
 *
 * Integrity: `load` checks every field, the byte count and both checksums, and throws a
 * `CheckpointError` naming the file and what is wrong.
 */
export function fileIO(dir: string): Required<Pick<tf.io.IOHandler, 'save' | 'load'>> {
  return {
    save: (artifacts) => oneAtATime(node.path.resolve(dir), () => save(dir, artifacts)),
    load: () => load(dir),
  };
}

const saving = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task of the same key has settled. */
async function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (saving.get(key) ?? Promise.resolve()).then(task, task);
  const settled = run.catch(() => undefined);
  saving.set(key, settled);
  try {
    return await run;
  } finally {
    if (saving.get(key) === settled) saving.delete(key);
  }
}

function step(name: SaveStep): void {
  stepHook?.(name);
}

function sha256(data: Uint8Array | string): string {
  return node.crypto.createHash('sha256').update(data).digest('hex');
}

/** What the header checksum covers, serialised as the reader will re-serialise it. */
function headerText(modelTopology: unknown, weightsManifest: unknown): string {
  return JSON.stringify({ modelTopology, weightsManifest });
}

function errorCode(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

async function save(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);
  const data = new Uint8Array(weightData instanceof ArrayBuffer ? weightData : tf.io.concatenateArrayBuffers(weightData));
  const tag = `${node.process.pid}-${node.crypto.randomBytes(6).toString('hex')}`;
  const weightsFile = `weights-${tag}.bin`;
  // a JSON round trip first, so the header checksum covers exactly what a reader parses back
  const body = JSON.parse(headerText(artifacts.modelTopology, [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }])) as Record<string, unknown>;
  const integrity = { weightsBytes: data.byteLength, weightsSha256: sha256(data), headerSha256: sha256(headerText(body.modelTopology, body.weightsManifest)) };
  const manifest = new TextEncoder().encode(JSON.stringify({ format: FORMAT, formatVersion: FORMAT_VERSION, ...body, integrity }));
  const pending = node.path.join(dir, `${MODEL_JSON}.${tag}.tmp`);
  let committed = false;
  try {
    step('start');
    await makeDir(dir);
    step('dir-created');
    const previous = await currentWeights(dir);
    await writeSynced(node.path.join(dir, weightsFile), data, ['weights-opened', 'weights-half-written', 'weights-synced']);
    await writeSynced(pending, manifest, ['manifest-opened', 'manifest-half-written', 'manifest-synced']);
    await syncDir(dir); // the new files' entries are durable before the rename that names them
    await node.fs.rename(pending, manifestPath(dir));
    committed = true;
    step('committed');
    await syncDir(dir);
    step('dir-synced');
    await removeLeftovers(dir, previous);
    step('cleaned');
  } finally {
    if (!committed) await Promise.all([node.path.join(dir, weightsFile), pending].map((f) => node.fs.rm(f, { force: true }).catch(() => undefined)));
  }
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
}

/** Creates `dir` if needed, and fsyncs the parent of each directory it created. */
async function makeDir(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await node.fs.mkdir(dir, { recursive: true });
  } catch (e) {
    if (errorCode(e) === 'EEXIST' || errorCode(e) === 'ENOTDIR') throw new CheckpointError(dir, 'cannot save here: the path exists and is not a directory');
    throw e;
  }
  if (created === undefined) return;
  for (let d = node.path.resolve(dir); ; d = node.path.dirname(d)) {
    await syncDir(node.path.dirname(d));
    if (d === node.path.resolve(created) || d === node.path.dirname(d)) break;
  }
}

/** Writes a new file in two halves (a step after each) and fsyncs it. */
async function writeSynced(path: string, data: Uint8Array, steps: readonly [SaveStep, SaveStep, SaveStep]): Promise<void> {
  const file = await node.fs.open(path, 'wx');
  try {
    step(steps[0]);
    const half = data.byteLength >> 1;
    await file.writeFile(data.subarray(0, half));
    step(steps[1]);
    await file.writeFile(data.subarray(half));
    await file.sync();
  } finally {
    await file.close();
  }
  step(steps[2]);
}

/** fsyncs a directory, so renames and new entries in it survive a power loss. */
async function syncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await node.fs.open(path, 'r');
    await handle.sync();
  } catch (e) {
    // Windows cannot open or fsync a directory; some file systems refuse to fsync one
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF'].includes(errorCode(e) as string)) throw e;
  } finally {
    await handle?.close();
  }
}

/** The weights file `dir/model.json` names, if it is readable. */
async function currentWeights(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await node.fs.readFile(manifestPath(dir), 'utf8')) as { weightsManifest?: { paths?: unknown[] }[] };
    const name = json.weightsManifest?.[0]?.paths?.[0];
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Deletes the files of earlier saves: the weights `previous` (those the replaced `model.json`
 * named: once replaced they are never named again, since every save picks a fresh name), and
 * what killed or failed saves left. Any other file tagged with a live process's id is kept:
 * it may be that process's save in progress (saves of this process to `dir` are serialised,
 * so its own are not). Best effort: a file that cannot be deleted now is retried next time.
 */
async function removeLeftovers(dir: string, previous: string | undefined): Promise<void> {
  const current = await currentWeights(dir);
  if (current === undefined) return; // not our manifest any more: delete nothing
  const names = await node.fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = OWNED.exec(name);
    if (m === null || name === current) continue;
    const pid = Number(m[1] ?? m[2] ?? Number.NaN);
    if (name !== previous && !Number.isNaN(pid) && pid !== node.process.pid && isAlive(pid)) continue;
    await node.fs.rm(node.path.join(dir, name), { force: true }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    node.process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM'; // it exists, under another user
  }
}

async function load(dir: string): Promise<tf.io.ModelArtifacts> {
  const file = manifestPath(dir);
  let text = await readManifest(dir);
  for (let attempt = 1; ; attempt++) {
    const manifest = parseManifest(text, file);
    const weightsPath = node.path.join(dir, manifest.weightsFile);
    let bin: Buffer;
    try {
      bin = await node.fs.readFile(weightsPath);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') throw e;
      // a save in another process may have replaced model.json and deleted these weights since
      const now = await readManifest(dir);
      if (now !== text && attempt < 3) {
        text = now;
        continue;
      }
      throw new CheckpointError(weightsPath, `file does not exist (${file} names it)`);
    }
    if (bin.byteLength !== manifest.weightsBytes) {
      throw new CheckpointError(weightsPath, `${bin.byteLength < manifest.weightsBytes ? 'truncated' : 'too long'}: ${bin.byteLength} bytes, ${file} expects ${manifest.weightsBytes}`);
    }
    const actual = sha256(bin);
    if (actual !== manifest.weightsSha256) {
      throw new CheckpointError(weightsPath, `corrupted: its SHA-256 is ${actual}, ${file} records ${manifest.weightsSha256}`);
    }
    return {
      modelTopology: manifest.header as unknown as object,
      weightSpecs: manifest.specs,
      weightData: Uint8Array.from(bin).buffer,
    };
  }
}

/** The text of `dir/model.json`, or a `CheckpointError` saying why there is none. */
async function readManifest(dir: string): Promise<string> {
  const file = manifestPath(dir);
  try {
    return await node.fs.readFile(file, 'utf8');
  } catch (e) {
    if (errorCode(e) !== 'ENOENT' && errorCode(e) !== 'ENOTDIR' && errorCode(e) !== 'EISDIR') throw e;
    const isDir = await node.fs.stat(dir).then(
      (s) => s.isDirectory(),
      () => undefined,
    );
    if (isDir === undefined) throw new CheckpointError(dir, 'the directory does not exist: no agent was saved here');
    if (!isDir) throw new CheckpointError(dir, 'not a directory: an agent is saved as a directory');
    throw new CheckpointError(file, 'file does not exist: no agent was saved here, or its first save did not finish');
  }
}

interface Manifest {
  readonly header: CheckpointHeader;
  readonly specs: tf.io.WeightsManifestEntry[];
  readonly weightsFile: string;
  readonly weightsBytes: number;
  readonly weightsSha256: string;
  readonly headerSha256: string;
}

/** Checks every field of a manifest and its header checksum. */
function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON (${(e as Error).message})`);
  }
  const root = asCheckpointError(file, () => requireRecord('model.json', json));
  if (root.format !== FORMAT) throw new CheckpointError(file, `not a tradegym agent checkpoint (format ${show(root.format)})`);
  const m = asCheckpointError(file, () => {
    if (root.formatVersion !== FORMAT_VERSION) fail('formatVersion', `${FORMAT_VERSION} (the checkpoint format this tradegym reads; save the agent again)`, root.formatVersion);
    const header = checkHeader(requireRecord('modelTopology', root.modelTopology));
    const groups = root.weightsManifest;
    if (!Array.isArray(groups) || groups.length !== 1) fail('weightsManifest', 'an array of one weights group', groups);
    const group = requireRecord('weightsManifest[0]', groups[0]);
    const paths = group.paths;
    if (!Array.isArray(paths) || paths.length !== 1 || typeof paths[0] !== 'string' || !WEIGHTS_NAME.test(paths[0])) {
      fail('weightsManifest[0].paths', 'one weights file name "weights-<pid>-<hex>.bin"', paths);
    }
    const { specs, bytes } = checkSpecs('weightsManifest[0].weights', group.weights);
    const integrity = requireRecord('integrity', root.integrity);
    const weightsBytes = requireInt('integrity.weightsBytes', integrity.weightsBytes, 0);
    for (const k of ['weightsSha256', 'headerSha256'] as const) {
      if (typeof integrity[k] !== 'string' || !SHA256_HEX.test(integrity[k])) fail(`integrity.${k}`, 'a SHA-256 in 64 hex digits', integrity[k]);
    }
    if (weightsBytes !== bytes) fail('integrity.weightsBytes', `${bytes} (the size of the weight specs)`, weightsBytes);
    return { header, specs, weightsFile: paths[0] as string, weightsBytes, weightsSha256: integrity.weightsSha256 as string, headerSha256: integrity.headerSha256 as string };
  });
  const actual = sha256(headerText(root.modelTopology, root.weightsManifest));
  if (actual !== m.headerSha256) throw new CheckpointError(file, `corrupted: the SHA-256 of its header is ${actual}, integrity.headerSha256 records ${m.headerSha256}`);
  return m;
}

/** Checks weight specs (names, shapes, dtypes, no quantization) and sums their bytes. */
function checkSpecs(name: string, weights: unknown): { specs: tf.io.WeightsManifestEntry[]; bytes: number } {
  if (!Array.isArray(weights)) fail(name, 'an array of weight specs', weights);
  let bytes = 0;
  const specs = weights.map((s: unknown, i: number) => {
    const at = `${name}[${i}]`;
    const spec = requireRecord(at, s);
    if (typeof spec.name !== 'string' || spec.name === '') fail(`${at}.name`, 'a non-empty string', spec.name);
    if (!Array.isArray(spec.shape)) fail(`${at}.shape`, 'an array of integers >= 0', spec.shape);
    const shape = spec.shape.map((d: unknown, j: number) => requireInt(`${at}.shape[${j}]`, d, 0));
    const dtype = requireOneOf(`${at}.dtype`, spec.dtype, Object.keys(DTYPE_BYTES) as (keyof typeof DTYPE_BYTES)[]);
    if (spec.quantization !== undefined) fail(`${at}.quantization`, 'absent (tradegym does not quantize)', spec.quantization);
    bytes += shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype];
    return { name: spec.name, shape, dtype };
  });
  return { specs, bytes };
}

/**
 * Checks artifacts that came from a handler other than a directory (IndexedDB, memory, a
 * user's storage) as a directory's manifest is checked: the header's fields, the weight specs,
 * and weights of exactly the specs' size. @internal
 * @returns the artifacts with their weights as one buffer.
 * @throws CheckpointError naming `label` and the field at fault.
 */
export function checkArtifacts(label: string, artifacts: tf.io.ModelArtifacts | undefined): tf.io.ModelArtifacts & { weightData: ArrayBuffer } {
  if (artifacts === undefined || artifacts === null || typeof artifacts !== 'object') throw new CheckpointError(label, 'the handler returned nothing');
  const t = artifacts.modelTopology as Record<string, unknown> | undefined;
  if (typeof t !== 'object' || t === null || Array.isArray(t) || typeof t.algorithm !== 'string' || typeof t.options !== 'object' || typeof t.numTimesteps !== 'number') {
    throw new CheckpointError(label, 'it holds no tradegym agent (its modelTopology has no algorithm, options and numTimesteps)');
  }
  if (artifacts.weightSpecs === undefined || artifacts.weightData === undefined) throw new CheckpointError(label, 'it has no weights (weightSpecs and weightData)');
  const { bytes } = asCheckpointError(label, () => {
    checkHeader(t);
    return checkSpecs('weightSpecs', artifacts.weightSpecs);
  });
  const w = artifacts.weightData;
  const data = w instanceof ArrayBuffer ? w : Array.isArray(w) && w.every((b) => b instanceof ArrayBuffer) ? tf.io.concatenateArrayBuffers(w) : undefined;
  if (data === undefined) throw new CheckpointError(label, 'its weightData is not an ArrayBuffer or a list of them');
  if (data.byteLength !== bytes) throw new CheckpointError(label, `its weights are ${data.byteLength} bytes, the weight specs need ${bytes}${data.byteLength < bytes ? ' (truncated)' : ''}`);
  return { ...artifacts, weightData: data };
}

/** Checks the fields every checkpoint header has (see `CheckpointHeader`). */
function checkHeader(h: Record<string, unknown>): CheckpointHeader {
  if (typeof h.algorithm !== 'string' || h.algorithm === '') fail('modelTopology.algorithm', 'an algorithm name', h.algorithm);
  requireRecord('modelTopology.options', h.options);
  requireRecord('modelTopology.rng', h.rng);
  requireInt('modelTopology.numTimesteps', h.numTimesteps, 0);
  requireInt('modelTopology.optimizerStep', h.optimizerStep, 0);
  for (const k of ['spec', 'rollout']) if (!(k in h)) fail(`modelTopology.${k}`, 'present', undefined);
  return h as unknown as CheckpointHeader;
}

/** Runs the field checks of `check`, reporting a bad field as a `CheckpointError` of `file`. */
function asCheckpointError<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new CheckpointError(file, e.message);
    throw e;
  }
}

import type * as Fs from 'node:fs';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import { fail, requireInt, requireKnownKeys } from '../../core/checks.js';
import { nodeBuiltin } from '../../core/nodeBuiltin.js';
import { TradegymError } from '../../core/errors.js';
import type { CallbackContext, TrainingCallback } from './types.js';

// TensorBoard event files, written by us: `tensorboard --logdir` shows the scalars without
// TensorFlow or tensorboardX. An event file is a sequence of TFRecords (a little-endian uint64
// length, its masked CRC-32C, the bytes, their masked CRC-32C), each holding one serialised
// `tensorflow.Event` protobuf: the first the file version, then one per step with the
// scalars as `Summary.Value.simple_value`.

const node = {
  get fs() {
    return nodeBuiltin<typeof Fs>('node:fs', 'TensorBoard logging', 'log with a callback function instead');
  },
  get path() {
    return nodeBuiltin<typeof Path>('node:path', 'TensorBoard logging', 'log with a callback function instead');
  },
  get os() {
    return nodeBuiltin<typeof Os>('node:os', 'TensorBoard logging', 'log with a callback function instead');
  },
};

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), byte-table driven. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** TFRecord's masked CRC-32C of `bytes`. @internal */
export function maskedCrc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  const crc = (c ^ 0xffffffff) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** A growable byte buffer with the protobuf encodings the Event message needs. */
class Proto {
  #bytes = new Uint8Array(64);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  #room(n: number): void {
    if (this.length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + n));
    grown.set(this.#bytes.subarray(0, this.length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** A varint (non-negative, up to 2^53). */
  varint(v: number): this {
    this.#room(10);
    while (v >= 0x80) {
      this.#bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#bytes[this.length++] = v;
    return this;
  }

  /** A field key: number and wire type. */
  key(field: number, wire: 0 | 1 | 2 | 5): this {
    return this.varint(field * 8 + wire);
  }

  double(field: number, v: number): this {
    this.key(field, 1).#room(8);
    this.#view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5).#room(4);
    this.#view.setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length).#room(b.length);
    this.#bytes.set(b, this.length);
    this.length += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  done(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

/** One TFRecord around `data`. @internal */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** A serialised `tensorflow.Event`: wall time, step, and a file version or scalar summary values. @internal */
export function eventBytes(wallTime: number, step: number, what: { fileVersion: string } | { scalars: readonly (readonly [string, number])[] }): Uint8Array {
  const e = new Proto().double(1, wallTime).key(2, 0).varint(step);
  if ('fileVersion' in what) return e.string(3, what.fileVersion).done();
  const summary = new Proto();
  for (const [tag, value] of what.scalars) summary.bytes(1, new Proto().string(1, tag).float(2, value).done());
  return e.bytes(5, summary.done()).done();
}

/** Checks a writer's `logDir` and options (the writer's and the logger's, once). */
function checkWriterArgs(logDir: unknown, options: unknown): Record<string, unknown> {
  if (typeof logDir !== 'string' || logDir === '') fail('logDir', 'a directory path (a non-empty string)', logDir);
  const o = requireKnownKeys('options', options, ['clock']);
  if (o.clock !== undefined && typeof o.clock !== 'function') fail('options.clock', 'a function returning seconds since the epoch', o.clock);
  return o;
}

/** Files named in this process, so two writers opened in the same second never share one. */
let opened = 0;

/** Options of {@link TensorBoardWriter}. */
export interface TensorBoardWriterOptions {
  /** The clock, in seconds since the epoch (default the wall clock): a test's fixed times. */
  readonly clock?: () => number;
}

/**
 * Writes scalars to a TensorBoard event file in `logDir`, as TensorFlow's summary writer does
 * (`events.out.tfevents.<time>.<host>.<pid>.<n>.v2`); `tensorboard --logdir` shows them.
 * Each event is written to the file as it is added, so a process killed at any instant leaves
 * every earlier event readable (a reader stops at a record cut short). Node only.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { TensorBoardWriter } from 'tradegym/agents';
 * const writer = new TensorBoardWriter(mkdtempSync(join(tmpdir(), 'tb-')));
 * writer.addScalars({ 'eval/mean_reward': 87.5, 'eval/std_reward': 12 }, 10_000);
 * writer.close();
 * console.log(writer.path.includes('events.out.tfevents.')); // true
 * ```
 */
export class TensorBoardWriter {
  /** The event file. */
  readonly path!: string;
  readonly #clock: () => number;
  #fd: number | undefined;

  /**
   * Creates `logDir` if needed and the event file in it, with its file-version event.
   * @param logDir - the run's directory (TensorBoard shows one run per directory).
   * @param options - `clock`.
   * @throws `InvalidArgumentError` (from `tradegym`) for an empty or non-string `logDir` or an unknown option;
   *   `TradegymError` outside Node; file errors as Node reports them.
   */
  constructor(logDir: string, options: TensorBoardWriterOptions = {}) {
    const o = checkWriterArgs(logDir, options);
    const clock = (o.clock as (() => number) | undefined) ?? (() => Date.now() / 1000);
    this.#clock = () => {
      const t = clock();
      if (typeof t !== 'number' || !Number.isFinite(t)) fail('options.clock()', 'a finite number of seconds', t);
      return t;
    };
    const { fs, path, os } = node;
    fs.mkdirSync(logDir, { recursive: true });
    const now = this.#clock();
    const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
    // a name no file has: another writer of this process (a worker thread, a second copy of
    // this module) may have taken the first choice in the same second
    for (;;) {
      const candidate = path.join(logDir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${pid}.${opened++}.v2`);
      try {
        this.#fd = fs.openSync(candidate, 'wx');
        this.path = candidate;
        break;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
      }
    }
    this.#write(eventBytes(now, 0, { fileVersion: 'brain.Event:2' }));
  }

  #write(event: Uint8Array): void {
    if (this.#fd === undefined) throw new TradegymError(`the TensorBoard writer of ${this.path} is closed`);
    const record = tfRecord(event);
    let done = 0;
    while (done < record.length) done += node.fs.writeSync(this.#fd, record, done, record.length - done);
  }

  /**
   * Adds one scalar at `step`.
   * @param tag - the chart's name, e.g. `'rollout/ep_rew_mean'`.
   * @param value - the value (stored as float32, as TensorBoard does).
   * @param step - the x value: an integer >= 0, e.g. the training steps so far.
   * @throws `InvalidArgumentError` (from `tradegym`) for an empty tag, a non-number value or a bad step; `TradegymError` after `close()`.
   */
  addScalar(tag: string, value: number, step: number): void {
    this.addScalars({ [tag]: value }, step);
  }

  /**
   * Adds several scalars at one `step`, in one event (a log record of SB3's keys, say).
   * @param scalars - tag → value.
   * @param step - an integer >= 0.
   * @throws `InvalidArgumentError` (from `tradegym`) for an empty tag, a non-number value or a bad step; `TradegymError` after `close()`.
   */
  addScalars(scalars: Readonly<Record<string, number>>, step: number): void {
    requireInt('step', step, 0);
    if (typeof scalars !== 'object' || scalars === null || Array.isArray(scalars)) fail('scalars', 'an object of tag → number', scalars);
    const entries = Object.entries(scalars);
    for (const [tag, value] of entries) {
      if (tag === '') fail('scalars', 'an object whose tags are non-empty strings', scalars);
      if (typeof value !== 'number') fail(`scalars[${JSON.stringify(tag)}]`, 'a number', value);
    }
    this.#write(eventBytes(this.#clock(), step, { scalars: entries }));
  }

  /** Flushes the file to disk (fsync) and closes it; a second call does nothing. */
  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      node.fs.fsyncSync(fd);
    } finally {
      node.fs.closeSync(fd);
    }
  }
}

/**
 * Logs every training record to TensorBoard, as SB3's `tensorboard_log`: one event per rollout
 * at the agent's step count, with SB3's keys as tags (`rollout/ep_rew_mean`, `train/loss`,
 * `time/fps`, ...). Each `learn` writes a new event file in `logDir`. Node only.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { make } from 'tradegym';
 * import { PPO, TensorBoardLogger } from 'tradegym/agents';
 * const logDir = join(mkdtempSync(join(tmpdir(), 'tb-')), 'ppo_1');
 * const agent = new PPO(make('CartPole-v1'), { nSteps: 64, batchSize: 32, seed: 0 });
 * await agent.learn({ totalTimesteps: 128, callback: new TensorBoardLogger(logDir) }); // then: tensorboard --logdir <dir>
 * agent.dispose();
 * ```
 */
export class TensorBoardLogger implements TrainingCallback {
  #writer: TensorBoardWriter | undefined;

  /**
   * @param logDir - the run's directory (created when training starts).
   * @param options - as {@link TensorBoardWriter}'s.
   * @throws `InvalidArgumentError` (from `tradegym`) for an empty or non-string `logDir` or an unknown option.
   */
  constructor(
    readonly logDir: string,
    readonly options: TensorBoardWriterOptions = {},
  ) {
    checkWriterArgs(logDir, options);
  }

  /** The event file of the current or last training (undefined before the first). */
  get path(): string | undefined {
    return this.#writer?.path;
  }

  /** Opens a new event file. */
  onTrainingStart(): void {
    this.#writer?.close();
    this.#writer = new TensorBoardWriter(this.logDir, this.options);
  }

  /**
   * Writes the record at the agent's step count.
   * @param ctx - the callback context.
   */
  onRolloutEnd(ctx: CallbackContext): void {
    this.#writer?.addScalars(ctx.record, ctx.agent.numTimesteps);
  }

  /** Flushes and closes the file. */
  onTrainingEnd(): void {
    this.#writer?.close();
  }
}

// TensorBoard event files, read back by a reader written here from the formats' specifications
// (TFRecord framing with masked CRC-32C, protobuf's wire format, tensorflow.Event and Summary):
// a bitwise CRC-32C (not the writer's table), a generic protobuf decoder, and the two messages'
// field numbers (event.proto: wall_time 1, step 2, file_version 3, summary 5; summary.proto:
// value 1; Value: tag 1, simple_value 2).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PPO, TensorBoardLogger, TensorBoardWriter, useBackend, type LogRecord } from '../../src/agents/index.js';
import { eventBytes } from '../../src/agents/common/tensorboard.js';
import { InvalidArgumentError, make, TradegymError } from '../../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'tradegym-tb-'));

/** CRC-32C bit by bit (RFC 3720's reflected polynomial 0x82F63B78), and TFRecord's mask. */
function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** The records of a TFRecord file; a record cut short at the end is reported, a bad CRC throws. */
function readRecords(file: Uint8Array): { records: Uint8Array[]; truncated: boolean } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < file.length) {
    if (at + 12 > file.length) return { records, truncated: true };
    const length = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    if (view.getUint32(at + 8, true) !== mask(crc32c(file.subarray(at, at + 8)))) throw new Error(`bad length CRC at byte ${at}`);
    if (at + 12 + length + 4 > file.length) return { records, truncated: true };
    const data = file.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== mask(crc32c(data))) throw new Error(`bad data CRC at byte ${at}`);
    records.push(data);
    at += 16 + length;
  }
  return { records, truncated: false };
}

type Field = { wire: number; value: number | bigint | Uint8Array };
/** A protobuf message's fields by number (wire types 0, 1, 2, 5). */
function decode(msg: Uint8Array): Map<number, Field[]> {
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const fields = new Map<number, Field[]>();
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = msg[at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (at < msg.length) {
    const key = Number(varint());
    const [n, wire] = [key >>> 3, key & 7];
    let f: Field;
    if (wire === 0) f = { wire, value: varint() };
    else if (wire === 1) {
      f = { wire, value: view.getFloat64(at, true) };
      at += 8;
    } else if (wire === 5) {
      f = { wire, value: view.getFloat32(at, true) };
      at += 4;
    } else if (wire === 2) {
      const len = Number(varint());
      f = { wire, value: msg.subarray(at, at + len) };
      at += len;
    } else throw new Error(`wire type ${wire}`);
    fields.set(n, [...(fields.get(n) ?? []), f]);
  }
  return fields;
}

interface Event {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: [string, number][];
}
function readEvents(path: string): { events: Event[]; truncated: boolean } {
  const { records, truncated } = readRecords(readFileSync(path));
  const text = new TextDecoder();
  const events = records.map((r) => {
    const f = decode(r);
    const e: Event = { wallTime: f.get(1)![0]!.value as number, step: Number(f.get(2)?.[0]?.value ?? 0n) };
    if (f.has(3)) e.fileVersion = text.decode(f.get(3)![0]!.value as Uint8Array);
    if (f.has(5)) {
      const summary = decode(f.get(5)![0]!.value as Uint8Array);
      e.scalars = (summary.get(1) ?? []).map((v) => {
        const value = decode(v.value as Uint8Array);
        return [text.decode(value.get(1)![0]!.value as Uint8Array), value.get(2)![0]!.value as number];
      });
    }
    return e;
  });
  return { events, truncated };
}

describe('TensorBoard event files', () => {
  it('the reader here agrees with the published CRC-32C check value and a hand-encoded event', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283); // RFC 3720 / iSCSI check value
    // Event { wall_time: 1.5, step: 3, summary { value { tag: "a", simple_value: 2 } } }, by hand:
    // 09 + 1.5 as a little-endian double; 10 03; 2a 0a (summary, 10 bytes): 0a 08 (value, 8 bytes):
    // 0a 01 61 (tag "a"), 15 + 2.0 as a little-endian float
    const hand = [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x10, 0x03, 0x2a, 0x0a, 0x0a, 0x08, 0x0a, 0x01, 0x61, 0x15, 0, 0, 0, 0x40];
    expect(Array.from(eventBytes(1.5, 3, { scalars: [['a', 2]] }))).toEqual(hand);
  });

  it('writes the file version, then every scalar at its step, read back exactly (as float32)', () => {
    let t = 1_700_000_000;
    const writer = new TensorBoardWriter(join(root, 'run'), { clock: () => (t += 0.25) });
    writer.addScalar('eval/mean_reward', 87.5, 10);
    writer.addScalars({ 'rollout/ep_rew_mean': 1 / 3, 'train/loss': -0.1, 'time/fps': 12345, 'train/nan': Number.NaN }, 2 ** 40 + 7);
    writer.close();
    writer.close(); // a second close does nothing
    expect(() => writer.addScalar('x', 1, 1)).toThrow(TradegymError);
    expect(writer.path).toMatch(/\/run\/events\.out\.tfevents\.1700000000\.[^/]+\.\d+\.\d+\.v2$/);
    const { events, truncated } = readEvents(writer.path);
    expect(truncated).toBe(false);
    expect(events).toEqual([
      { wallTime: 1_700_000_000.25, step: 0, fileVersion: 'brain.Event:2' },
      { wallTime: 1_700_000_000.5, step: 10, scalars: [['eval/mean_reward', 87.5]] },
      { wallTime: 1_700_000_000.75, step: 2 ** 40 + 7, scalars: [['rollout/ep_rew_mean', Math.fround(1 / 3)], ['train/loss', Math.fround(-0.1)], ['time/fps', 12345], ['train/nan', Number.NaN]] },
    ]);
    // two writers in one directory and second never share a file, even when another writer
    // (a worker thread, another copy of the module) took the next name first
    const a = new TensorBoardWriter(join(root, 'twice'), { clock: () => 5 });
    const n = Number(/\.(\d+)\.v2$/.exec(a.path)![1]);
    const taken = a.path.replace(/\.\d+\.v2$/, `.${n + 1}.v2`);
    writeFileSync(taken, 'not ours');
    const b = new TensorBoardWriter(join(root, 'twice'), { clock: () => 5 });
    a.close();
    b.close();
    expect(b.path).toBe(a.path.replace(/\.\d+\.v2$/, `.${n + 2}.v2`));
    expect(readFileSync(taken, 'utf8')).toBe('not ours');
    expect(readdirSync(join(root, 'twice'))).toHaveLength(3);
  });

  it("logs PPO's records at its step counts with SB3's keys", async () => {
    await useBackend('cpu');
    const seen: { step: number; record: LogRecord }[] = [];
    const agent = new PPO(make('CartPole-v1'), { nSteps: 64, batchSize: 32, nEpochs: 2, seed: 1 });
    const logger = new TensorBoardLogger(join(root, 'ppo_1'));
    await agent.learn({ totalTimesteps: 256, callback: [logger, (record) => void seen.push({ step: agent.numTimesteps, record })] });
    const { events } = readEvents(logger.path!);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const scalars = events.slice(1);
    expect(scalars.map((e) => e.step)).toEqual([64, 128, 192, 256]);
    expect(scalars.map((e) => Object.fromEntries(e.scalars!))).toEqual(seen.map((s) => Object.fromEntries(Object.entries(s.record).map(([k, v]) => [k, Math.fround(v)]))));
    expect(Object.keys(Object.fromEntries(scalars[1]!.scalars!))).toEqual(expect.arrayContaining(['rollout/ep_rew_mean', 'train/loss', 'train/approx_kl', 'time/fps', 'time/total_timesteps']));
    // a second learn writes a second file
    const first = logger.path;
    await agent.learn({ totalTimesteps: 64, callback: logger });
    expect(logger.path).not.toBe(first);
    expect(readEvents(logger.path!).events.map((e) => e.step)).toEqual([0, 320]);
    agent.dispose();
  }, 60_000);

  it('leaves every event written before a kill readable (SIGKILL of a writing process, 3 times)', async () => {
    const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tensorboard-child.ts');
    for (let k = 0; k < 3; k++) {
      const dir = join(root, `killed-${k}`);
      const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const path = await new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
      await new Promise((r) => setTimeout(r, 150 + 70 * k));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
      const { events } = readEvents(path); // a bad CRC would throw: only a cut-short tail is allowed
      expect(events.length).toBeGreaterThan(10);
      events.slice(1).forEach((e, step) => {
        expect(e.step).toBe(step);
        expect(e.scalars).toEqual([['rollout/ep_rew_mean', Math.fround(step / 7)], ['train/loss', Math.fround(Math.sin(step))], ['time/fps', step * 3]]);
      });
    }
  }, 60_000);

  it('a file cut at any byte reads as the events before the cut', () => {
    const writer = new TensorBoardWriter(join(root, 'cut'), { clock: () => 1 });
    for (let s = 1; s <= 4; s++) writer.addScalars({ a: s, b: -s }, s);
    writer.close();
    const whole = readFileSync(writer.path);
    const full = readEvents(writer.path).events;
    const ends = [0];
    for (const r of readRecords(whole).records) ends.push(ends.at(-1)! + r.length + 16);
    for (let cut = 0; cut <= whole.length; cut++) {
      const { records, truncated } = readRecords(whole.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length - 1;
      expect(records.length).toBe(complete);
      expect(truncated).toBe(!ends.includes(cut));
    }
    expect(full.map((e) => e.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => new TensorBoardWriter('')).toThrow(/^logDir must be a directory path \(a non-empty string\), got ""$/);
    expect(() => new TensorBoardWriter(join(root, 'x'), { flush: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => new TensorBoardLogger(42 as never)).toThrow(/logDir must be/);
    const w = new TensorBoardWriter(join(root, 'bad'));
    expect(() => w.addScalar('loss', 1, -1)).toThrow(/^step must be an integer >= 0, got -1$/);
    expect(() => w.addScalar('loss', 1, 1.5)).toThrow(/step must be an integer/);
    expect(() => w.addScalars({ loss: '1' as never }, 1)).toThrow(/^scalars\["loss"\] must be a number, got "1"$/);
    expect(() => w.addScalars({ '': 1 }, 1)).toThrow(/^scalars must be an object whose tags are non-empty strings, got/);
    expect(() => w.addScalars([1, 2] as never, 1)).toThrow(/^scalars must be an object of tag → number, got \[1,2\]$/);
    w.close();
    expect(() => new TensorBoardWriter(join(root, 'nan-clock'), { clock: () => Number.NaN })).toThrow(/^options\.clock\(\) must be a finite number of seconds, got NaN$/);
  });
});

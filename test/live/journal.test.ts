// The journal's file format and its promises: one checksummed JSON line per record, appended in
// order and durable when append resolves; a torn last line (a crash mid-write) cut off; a bad
// line before it refused with a JournalCorruptError naming the file and line.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, TradegymError } from '../../src/index.js';
import { fileJournal, JournalCorruptError, memoryJournal, type JournalRecord } from '../../src/live/journal.js';

const root = mkdtempSync(join(tmpdir(), 'tradegym-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `j${++n}`, 'run.journal');
/** All records of the journal at `file`, read by a journal opened and closed for it. */
async function readAll(file: string): Promise<JournalRecord[]> {
  const j = fileJournal(file);
  try {
    return await j.read();
  } finally {
    await j.close();
  }
}

const bar = (index: number): JournalRecord => ({ type: 'bar', index, bar: { timestamp: index * 60_000, open: 100, high: 101, low: 99, close: 100.5, volume: 3 }, ended: false });
const intent = (id: string): JournalRecord => ({ type: 'intent', order: { clientOrderId: id, type: 'market', target: -0, price: Number.NaN, index: 2, timestamp: 120_000, reason: 'signal' } });
const status = (id: string): JournalRecord => ({ type: 'status', status: { clientOrderId: id, state: 'open', filledUnits: 0, averagePrice: Number.NaN } });
const RECORDS: JournalRecord[] = [
  { type: 'start', version: 1, prefix: 'tg-', timeframe: '1m', paper: true },
  bar(1),
  intent('tg-1-0'),
  status('tg-1-0'),
  { type: 'fill', fill: { clientOrderId: 'tg-1-0', index: 2, timestamp: 120_000, units: 1.5, price: 100.25, fee: 0.1, position: 1.5, fillId: 't9' } },
  { type: 'reconcile', index: 2, position: 1.5, cash: Number.POSITIVE_INFINITY, bookPosition: 1.5, bookCash: Number.NEGATIVE_INFINITY, ok: true },
];

/** The checksum as the format defines it: the first 16 hex digits of the SHA-256 of the line's JSON without the sum. */
const sumOf = (json: string) => createHash('sha256').update(json).digest('hex').slice(0, 16);

describe('fileJournal', () => {
  it('writes one JSON line per record, each ending in the checksum of its JSON, in append order', async () => {
    const file = fresh();
    const j = fileJournal(file);
    for (const r of RECORDS) await j.append(r);
    await j.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe(''); // every line ends in a newline
    expect(lines.length).toBe(RECORDS.length + 1);
    lines.slice(0, -1).forEach((line, i) => {
      const m = /^(.*),"sum":"([0-9a-f]{16})"\}$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![2]).toBe(sumOf(`${m![1]}}`));
      const parsed = JSON.parse(line) as { type: string };
      expect(parsed.type).toBe(RECORDS[i]!.type);
    });
    // NaN and -0 are kept in a form JSON has
    expect(lines[2]).toContain('"target":{"$num":"-0"}');
    expect(lines[2]).toContain('"price":{"$num":"NaN"}');
  });

  it('reads back what was appended, NaN, infinities and -0 included (Object.is)', async () => {
    const file = fresh();
    const j = fileJournal(file);
    await Promise.all(RECORDS.map((r) => j.append(r))); // appends queued at once keep their order
    await j.close();
    const back = await readAll(file);
    expect(back).toEqual(RECORDS);
    const o = (back[2] as Extract<JournalRecord, { type: 'intent' }>).order;
    expect(Object.is(o.target, -0)).toBe(true);
    expect(Number.isNaN(o.price)).toBe(true);
    expect((back[5] as Extract<JournalRecord, { type: 'reconcile' }>).bookCash).toBe(Number.NEGATIVE_INFINITY);
  });

  it('appends to a file that exists, never rewriting it', async () => {
    const file = fresh();
    const a = fileJournal(file);
    await a.append(bar(1));
    await a.close();
    const before = readFileSync(file, 'utf8');
    const b = fileJournal(file);
    expect(await b.read()).toEqual([bar(1)]);
    await b.append(bar(2));
    await b.close();
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(await readAll(file)).toEqual([bar(1), bar(2)]);
  });

  it.each([
    ['half a line (no newline)', (line: string) => line.slice(0, 25)],
    ['a whole line with a bad checksum', (line: string) => line.replace('"index":3', '"index":4')],
    ['a whole line of garbage', () => 'x'.repeat(40) + '\n'],
  ])('cuts off a torn last line (%s) and appends after the good ones', async (_name, tear) => {
    const file = fresh();
    const j = fileJournal(file);
    await j.append(bar(1));
    await j.append(bar(2));
    await j.close();
    const good = readFileSync(file, 'utf8');
    const tmp = fresh();
    const k = fileJournal(tmp);
    await k.append(bar(3));
    await k.close();
    appendFileSync(file, tear(readFileSync(tmp, 'utf8')));
    const r = fileJournal(file);
    expect(await r.read()).toEqual([bar(1), bar(2)]);
    expect(readFileSync(file, 'utf8')).toBe(good); // cut on open, durably
    await r.append(bar(3));
    await r.close();
    expect(await readAll(file)).toEqual([bar(1), bar(2), bar(3)]);
  });

  it('refuses a bad line before the last with a JournalCorruptError naming the file and the line', async () => {
    const file = fresh();
    const j = fileJournal(file);
    for (const r of RECORDS) await j.append(r);
    await j.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = (lines[2] as string).replace('"tg-1-0"', '"tg-1-1"'); // a flipped character in line 3
    writeFileSync(file, lines.join('\n'));
    const err = await readAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect(err).toMatchObject({ file, line: 3 });
    expect((err as Error).message).toMatch(/^journal .*run\.journal, line 3: checksum mismatch/);
    expect(readFileSync(file, 'utf8')).toBe(lines.join('\n')); // nothing cut or rewritten
  });

  it('refuses a line whose checksum holds but whose record is unknown', async () => {
    const file = fresh();
    const json = '{"type":"nonsense"}';
    const line = `${json.slice(0, -1)},"sum":"${sumOf(json)}"}\n`;
    const j = fileJournal(file);
    await j.append(bar(1));
    await j.close();
    appendFileSync(file, line);
    appendFileSync(file, readFileSync(file, 'utf8').split('\n')[0] + '\n');
    await expect(readAll(file)).rejects.toThrow(/line 2: not a journal record \(type "nonsense"\)/);
  });

  it('lets one process at a time hold a journal: a second is refused, a dead holder is taken over', async () => {
    const file = fresh();
    const a = fileJournal(file);
    await a.append(bar(1));
    await expect(readAll(file)).rejects.toThrow(TradegymError);
    await expect(readAll(file)).rejects.toThrow(/held by this process already/);
    await a.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    // another running process's lock (this test's parent is running)
    writeFileSync(`${file}.lock`, String(process.ppid));
    await expect(readAll(file)).rejects.toThrow(`held by process ${process.ppid}, which is running`);
    writeFileSync(`${file}.lock`, '999999999'); // a pid no process has (above Linux's pid_max)
    const b = fileJournal(file);
    expect(await b.read()).toEqual([bar(1)]);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(String(process.pid));
    await b.close();
    // a lock naming this process's id that it does not hold: an earlier process with the same id
    // (a container's process 1, restarted after a kill) left it, and it is taken over
    writeFileSync(`${file}.lock`, String(process.pid));
    const c = fileJournal(file);
    expect(await c.read()).toEqual([bar(1)]);
    await c.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses bad arguments, records and use after close', async () => {
    expect(() => fileJournal('')).toThrow(InvalidArgumentError);
    expect(() => fileJournal(3 as unknown as string)).toThrow('path must be a non-empty string, got 3');
    expect(() => fileJournal(fresh(), { lock: 'yes' } as unknown as { lock: boolean })).toThrow('options.lock must be a boolean, got "yes"');
    expect(() => fileJournal(fresh(), { fsync: false } as unknown as { lock: boolean })).toThrow(/fsync/);
    const j = fileJournal(fresh());
    await expect(j.append({ type: 'nope' } as unknown as JournalRecord)).rejects.toThrow(/record must be a journal record/);
    await j.close();
    await expect(j.append(bar(1))).rejects.toThrow(/closed/);
  });
});

describe('memoryJournal', () => {
  it('keeps copies in order, from a starting list', async () => {
    const start = [bar(1)];
    const j = memoryJournal(start);
    const r = intent('a');
    await j.append(r);
    (r as { order: { target: number } }).order.target = 5; // the caller's object is not the record
    const back = await j.read();
    expect(back).toEqual([bar(1), intent('a')]);
    expect(Object.is((back[1] as Extract<JournalRecord, { type: 'intent' }>).order.target, -0)).toBe(true);
    back.pop();
    expect((await j.read()).length).toBe(2);
    await j.close();
    await expect(j.append(bar(2))).rejects.toThrow(/closed/);
  });

  it('refuses what is not a list of records', () => {
    expect(() => memoryJournal({} as unknown as JournalRecord[])).toThrow('records must be an array of journal records, got {}');
    expect(() => memoryJournal([{ type: 'x' } as unknown as JournalRecord])).toThrow(/records\[0\] must be a journal record/);
  });
});

// The live runner's crash-safe memory: an append-only journal of what it saw and did (bars,
// order intents written before an order leaves, the broker's answers, fills), so a process
// killed at any instant restarts, rebuilds its book by replaying the journal and never places
// an order twice. Node's modules are reached lazily (nodeBuiltin), so tradegym/live still
// bundles for the browser, where memoryJournal works.
import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { fail, requireKnownKeys, show } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';
import { nodeBuiltin } from '../core/nodeBuiltin.js';
import type { FillEvent, OrderRequest, OrderStatus } from './broker.js';
import type { Bar } from './types.js';

/**
 * One entry of a {@link Journal}: what a {@link LiveRunner} saw and did, in the order it did it.
 * Every record is plain data; numbers keep NaN, infinities and -0 through a file journal.
 */
export type JournalRecord =
  | {
      /** A run (or a restart) began. */
      readonly type: 'start';
      /** The journal format's version (2; a version 1 journal has no `run` or `book`). */
      readonly version: number;
      /** The runner's client order id prefix. */
      readonly prefix: string;
      /** The bar length, e.g. `'15m'`. */
      readonly timeframe: string;
      /** Whether the broker was paper. */
      readonly paper: boolean;
      /**
       * The run's id in its client order ids (`<prefix><run>-<bar>-<n>`): made when the run
       * first starts, the same in every restart's record, so ids never repeat across runs.
       */
      readonly run?: string;
      /** The book the run first started from (`Account.snapshot()`): a restart starts there again. */
      readonly book?: Readonly<Record<string, unknown>>;
    }
  | {
      /** A bar closed; written before anything of it is done. */
      readonly type: 'bar';
      /** Its index (history included). */
      readonly index: number;
      /** The bar. */
      readonly bar: Bar;
      /** Whether the feed said it was its last. */
      readonly ended: boolean;
    }
  | {
      /** The bar was stepped without a decision: the kill switch was on. */
      readonly type: 'skip';
      /** The bar. */
      readonly index: number;
    }
  | {
      /** An order is about to go to the broker; durable before it does. */
      readonly type: 'intent';
      /** The order. */
      readonly order: OrderRequest;
    }
  | {
      /** The broker's answer to an order (or a restart's finding about it). */
      readonly type: 'status';
      /** The status. */
      readonly status: OrderStatus;
    }
  | {
      /** A fill the broker reported. */
      readonly type: 'fill';
      /** The fill (with `fillId` when the broker gives one). */
      readonly fill: FillEvent;
    }
  | {
      /** The live gate refused a signal's order (the order rate): nothing went to the broker. */
      readonly type: 'blocked';
      /** The bar. */
      readonly index: number;
      /** The target refused. */
      readonly target: number;
    }
  | {
      /** An open order was canceled. */
      readonly type: 'cancel';
      /** The order's client id. */
      readonly clientOrderId: string;
      /** Its status after the cancel, if the broker knew it. */
      readonly status?: OrderStatus;
    }
  | {
      /**
       * The run failed at this point (the strategy, the agent, the broker, the feed threw);
       * written before the flatten, so a restart replays through the failure.
       */
      readonly type: 'error';
      /** The bar the runner was at. */
      readonly index: number;
      /**
       * Where: `'feed'` after bar `index` (the feed, a bad next bar), or in bar `index`: its
       * `'features'`, the broker's bar (`'broker'`), or the `'step'` (stops, the decision, orders).
       */
      readonly phase: 'feed' | 'features' | 'broker' | 'step';
      /** The error's name. */
      readonly name: string;
      /** Its message. */
      readonly message: string;
    }
  | {
      /** The runner flattened the book and stopped (kill switch or error). */
      readonly type: 'flatten';
      /** The bar. */
      readonly index: number;
      /** Why. */
      readonly reason: string;
    }
  | {
      /** A restart compared the exchange's book with the rebuilt one. */
      readonly type: 'reconcile';
      /** The last journaled bar. */
      readonly index: number;
      /** Units held at the exchange. */
      readonly position: number;
      /** Cash at the exchange. */
      readonly cash: number;
      /** Units in the rebuilt book. */
      readonly bookPosition: number;
      /** Cash in the rebuilt book. */
      readonly bookCash: number;
      /** Whether the two agree. */
      readonly ok: boolean;
    };

/**
 * Where a {@link LiveRunner} keeps its journal: {@link fileJournal} (Node) or
 * {@link memoryJournal}; anything with these three calls (a database table, say) will do.
 */
export interface Journal {
  /**
   * Every record so far, in order (a file journal cuts off a torn last line first).
   * @returns the records.
   * @throws {@link JournalCorruptError} (a file journal) for a damaged line before the last.
   */
  read(): Promise<JournalRecord[]>;
  /**
   * Appends a record after those appended before; resolves only once it is durable (a file:
   * written and fsync'd). A failed append fails every append queued after it.
   * @param record - the record.
   * @returns nothing, once the record is durable.
   * @throws `InvalidArgumentError` (from `tradegym`) for a value that is not a record.
   */
  append(record: JournalRecord): Promise<void>;
  /**
   * Releases the journal (a file journal its handle and lock); appends after it are refused.
   * @returns nothing, once released.
   */
  close(): Promise<void>;
}

/**
 * A journal file cannot be trusted: a line other than the last is not a record with a valid
 * checksum. The runner refuses to start on it rather than skip what it cannot read.
 *
 * @example
 * ```ts
 * import { JournalCorruptError } from 'tradegym/live';
 * const err = new JournalCorruptError('run.journal', 7, 'checksum mismatch');
 * console.log(err.message); // "journal run.journal, line 7: checksum mismatch"
 * ```
 */
export class JournalCorruptError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'JournalCorruptError';
  /** The journal file. */
  readonly file: string;
  /** The bad line (1-based). */
  readonly line: number;

  /**
   * @param file - the journal file.
   * @param line - the bad line, 1-based.
   * @param problem - what is wrong with it.
   */
  constructor(file: string, line: number, problem: string) {
    super(`journal ${file}, line ${line}: ${problem}`);
    this.file = file;
    this.line = line;
  }
}

/**
 * A restart cannot rebuild the run from its journal: replaying the journaled bars made other
 * orders than the journaled ones (the strategy, its options or the history changed between
 * runs), or the journal belongs to another runner (prefix, timeframe). Nothing is traded.
 *
 * @example
 * ```ts
 * import { RecoveryError } from 'tradegym/live';
 * const err = new RecoveryError('bar 40: the replay ordered target 1, the journal has target 0.5');
 * console.log(err.name); // "RecoveryError"
 * ```
 */
export class RecoveryError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'RecoveryError';
}

/**
 * At a restart, the exchange's position or cash differ from the book rebuilt from the journal
 * (an order placed by hand, a fill the exchange never reported...). The runner does not trade.
 *
 * @example
 * ```ts
 * import { ReconciliationError } from 'tradegym/live';
 * const err = new ReconciliationError(0.5, 5000, 0.4, 5040);
 * console.log(err.message); // "the exchange holds 0.5 units and 5000 cash, the journal's book 0.4 units and 5040 cash"
 * ```
 */
export class ReconciliationError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'ReconciliationError';
  /** Units at the exchange. */
  readonly position: number;
  /** Cash at the exchange. */
  readonly cash: number;
  /** Units in the rebuilt book. */
  readonly bookPosition: number;
  /** Cash in the rebuilt book. */
  readonly bookCash: number;

  /**
   * @param position - units at the exchange.
   * @param cash - cash at the exchange.
   * @param bookPosition - units in the rebuilt book.
   * @param bookCash - cash in the rebuilt book.
   */
  constructor(position: number, cash: number, bookPosition: number, bookCash: number) {
    super(`the exchange holds ${position} units and ${cash} cash, the journal's book ${bookPosition} units and ${bookCash} cash`);
    this.position = position;
    this.cash = cash;
    this.bookPosition = bookPosition;
    this.bookCash = bookCash;
  }
}

const TYPES: readonly JournalRecord['type'][] = ['start', 'bar', 'skip', 'intent', 'status', 'fill', 'blocked', 'cancel', 'error', 'flatten', 'reconcile'];

/**
 * A journal in memory (tests, browsers): it survives a runner, not a process. Records are
 * copied in and out, as a file journal's would be.
 * @param records - records to start from (e.g. another journal's, to simulate a restart).
 * @returns the journal.
 * @throws `InvalidArgumentError` (from `tradegym`) for `records` that is not an array of records.
 * @example
 * ```ts
 * import { memoryJournal } from 'tradegym/live';
 * const journal = memoryJournal();
 * await journal.append({ type: 'skip', index: 3 });
 * console.log((await journal.read()).length); // 1
 * ```
 */
export function memoryJournal(records: readonly JournalRecord[] = []): Journal {
  if (!Array.isArray(records)) fail('records', 'an array of journal records', records);
  records.forEach((r, i) => checkRecord(`records[${i}]`, r));
  const held = records.map((r) => structuredClone(r));
  let closed = false;
  return {
    async read() {
      return held.map((r) => structuredClone(r));
    },
    async append(record) {
      if (closed) throw new TradegymError('memoryJournal.append: the journal is closed');
      checkRecord('record', record);
      held.push(structuredClone(record));
    },
    async close() {
      closed = true;
    },
  };
}

/** Options of {@link fileJournal}. */
export interface FileJournalOptions {
  /**
   * Take a lock file (`<path>.lock`, holding the process id) so two live processes never write
   * one journal (default true); a lock left by a dead process is taken over.
   */
  readonly lock?: boolean;
}

interface NodeParts {
  readonly fs: typeof FsPromises;
  readonly path: typeof Path;
  readonly crypto: typeof Crypto;
}

/**
 * A journal in a file (Node): one JSON line per record, ending in a checksum of the line
 * (`"sum"`: the first 16 hex digits of the SHA-256 of the record's JSON). Each append is written
 * and fsync'd before it resolves; the folder is fsync'd when the file is created. On the first
 * `read` (or `append`), a torn or checksum-failing last line (a crash mid-write) is cut off; a
 * bad line anywhere else is a {@link JournalCorruptError} naming the file and line, never
 * skipped. A lock file keeps a second process out.
 * @param path - the file (created with its folder; appended to, never rewritten).
 * @param options - see {@link FileJournalOptions}.
 * @returns the journal.
 * @throws `InvalidArgumentError` (from `tradegym`) for a path that is not a non-empty string or a
 *   bad option. `read` and `append` throw {@link JournalCorruptError} for a damaged file,
 *   `TradegymError` when another live process holds the lock, or outside Node.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { fileJournal } from 'tradegym/live';
 * const file = join(mkdtempSync(join(tmpdir(), 'tg-')), 'run.journal');
 * const journal = fileJournal(file);
 * await journal.append({ type: 'skip', index: 3 });
 * await journal.close();
 * console.log(readFileSync(file, 'utf8')); // {"type":"skip","index":3,"sum":"b8845e9b5258af2a"}
 * const again = fileJournal(file);
 * console.log(await again.read()); // [ { type: 'skip', index: 3 } ]
 * await again.close();
 * ```
 */
export function fileJournal(path: string, options: FileJournalOptions = {}): Journal {
  if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
  requireKnownKeys('options', options, ['lock']);
  const lock = options.lock ?? true;
  if (typeof lock !== 'boolean') fail('options.lock', 'a boolean', lock);
  // the file and its lock, resolved once, at the first open: a later chdir moves neither
  let file = path;
  let lockPath = `${path}.lock`;
  let node: NodeParts | undefined;
  let handle: FsPromises.FileHandle | undefined;
  let opened: Promise<JournalRecord[]> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let locked = false;
  let closed = false;

  const parts = (): NodeParts =>
    (node ??= {
      fs: nodeBuiltin<typeof FsPromises>('node:fs/promises', 'fileJournal', 'use memoryJournal()'),
      path: nodeBuiltin<typeof Path>('node:path', 'fileJournal', 'use memoryJournal()'),
      crypto: nodeBuiltin<typeof Crypto>('node:crypto', 'fileJournal', 'use memoryJournal()'),
    });

  /** Opens the file (taking the lock), cuts a torn tail off, and reads every record. */
  const open = async (): Promise<JournalRecord[]> => {
    const { fs, path: p } = parts();
    file = p.resolve(path);
    lockPath = `${file}.lock`;
    const dir = p.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    if (lock) {
      await takeLock(fs, lockPath);
      locked = true;
    }
    const existed = await fs.stat(file).then(
      () => true,
      () => false,
    );
    try {
      handle = await fs.open(file, 'a+');
      if (!existed) await syncDir(fs, dir);
      const text = await fs.readFile(file, 'utf8');
      const { records, validLength, cut } = parseJournal(text, path, (s) => hashOf(parts().crypto, s));
      if (cut) {
        await handle.truncate(validLength);
        await handle.sync();
      }
      return records;
    } catch (e) {
      // a journal that cannot be read is not held: its handle and lock are released
      await handle?.close();
      handle = undefined;
      if (locked) await fs.rm(lockPath, { force: true });
      if (locked) heldLocks.delete(lockPath);
      locked = false;
      throw e;
    }
  };

  const ensureOpen = (): Promise<JournalRecord[]> => {
    if (closed) return Promise.reject(new TradegymError(`fileJournal ${path}: the journal is closed`));
    return (opened ??= open());
  };

  return {
    async read() {
      await ensureOpen();
      // the file as it is now: the records read at open plus those appended since
      const text = await parts().fs.readFile(file, 'utf8');
      return parseJournal(text, path, (s) => hashOf(parts().crypto, s)).records;
    },
    async append(record) {
      checkRecord('record', record);
      const line = encodeLine(record, (s) => hashOf(parts().crypto, s));
      const next = chain.then(async () => {
        await ensureOpen();
        const h = handle as FsPromises.FileHandle;
        await h.write(line);
        await h.sync();
      });
      // a failed append fails the ones queued after it too: nothing is written past a gap
      chain = next;
      await next;
    },
    async close() {
      if (closed) return;
      // the appends asked before are written first; an open under way (a read not awaited)
      // takes the lock: released with it
      await chain.catch(() => undefined);
      closed = true;
      await opened?.catch(() => undefined);
      await handle?.close();
      handle = undefined;
      if (locked) await parts().fs.rm(lockPath, { force: true });
      if (locked) heldLocks.delete(lockPath);
      locked = false;
    },
  };
}

/** The lock files this process holds (a second journal on one of them is refused). */
const heldLocks = new Set<string>();

/**
 * Takes the lock file; a lock of a live process is refused, one of a dead process taken over.
 * A lock naming this very process's id that this process does not hold was left by an earlier
 * process that had the same id (a container's process 1 restarted): it is taken over too.
 */
async function takeLock(fs: typeof FsPromises, lockPath: string): Promise<void> {
  const pid = (globalThis as { process?: { pid: number } }).process?.pid ?? 0;
  if (heldLocks.has(lockPath)) throw new TradegymError(`fileJournal: ${lockPath} is held by this process already: one journal takes one live runner`);
  // reserved before the first await: two journals of this process opening at once, one wins
  heldLocks.add(lockPath);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(lockPath, String(pid), { flag: 'wx' });
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
      const holder = Number(await fs.readFile(lockPath, 'utf8').catch(() => ''));
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) {
        throw new TradegymError(`fileJournal: ${lockPath} is held by process ${holder}, which is running: one journal takes one live process (stop it, or remove the lock if it is not a runner)`);
      }
      await fs.rm(lockPath, { force: true }); // left by a process that died
    }
    throw new TradegymError(`fileJournal: could not take the lock ${lockPath}`);
  } catch (e) {
    heldLocks.delete(lockPath);
    throw e;
  }
}

function isAlive(pid: number): boolean {
  try {
    (globalThis as unknown as { process: { kill(pid: number, signal: number): void } }).process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** fsyncs a directory, so a new file's entry survives a power loss. */
async function syncDir(fs: typeof FsPromises, dir: string): Promise<void> {
  let h: FsPromises.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch (e) {
    // Windows cannot open or fsync a directory; some file systems refuse to fsync one
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF'].includes((e as { code?: string }).code as string)) throw e;
  } finally {
    await h?.close();
  }
}

function hashOf(crypto: typeof Crypto, text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const SUM = /,"sum":"([0-9a-f]{16})"\}$/;

/** One record as a line: its JSON (non-finite numbers and -0 kept as `{"$num":"…"}`), ending in its checksum. @internal */
export function encodeLine(record: JournalRecord, hash: (text: string) => string): string {
  const json = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $num: Object.is(v, -0) ? '-0' : String(v) } : v));
  return `${json.slice(0, -1)},"sum":"${hash(json)}"}\n`;
}

/**
 * The records of a journal file's text; a torn or bad last line is dropped (`cut`), a bad line
 * before it throws. @internal
 */
export function parseJournal(text: string, file: string, hash: (text: string) => string): { records: JournalRecord[]; validLength: number; cut: boolean } {
  const records: JournalRecord[] = [];
  let at = 0;
  let line = 0;
  while (at < text.length) {
    line++;
    const end = text.indexOf('\n', at);
    const last = end < 0 || end === text.length - 1;
    if (end < 0) return { records, validLength: byteLength(text.slice(0, at)), cut: true }; // torn: no newline yet
    const problem = decodeLine(text.slice(at, end), hash, records);
    if (problem !== undefined) {
      if (last) return { records, validLength: byteLength(text.slice(0, at)), cut: true };
      throw new JournalCorruptError(file, line, problem);
    }
    at = end + 1;
  }
  return { records, validLength: byteLength(text), cut: false };
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Decodes one line into `out`; returns what is wrong with it instead, if anything. */
function decodeLine(line: string, hash: (text: string) => string, out: JournalRecord[]): string | undefined {
  const m = SUM.exec(line);
  if (m === null) return `no checksum at the end of the line: ${show(line)}`;
  const json = `${line.slice(0, m.index)}}`;
  const sum = hash(json);
  if (sum !== m[1]) return `checksum mismatch (the line's is ${m[1]}, its content's ${sum})`;
  let record: unknown;
  try {
    record = JSON.parse(json, (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const n = (v as { $num?: unknown }).$num;
        if (keys.length === 1 && typeof n === 'string') return n === '-0' ? -0 : Number(n);
      }
      return v;
    });
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const type = (record as { type?: unknown } | null)?.type;
  if (!TYPES.includes(type as JournalRecord['type'])) return `not a journal record (type ${show(type)})`;
  out.push(record as JournalRecord);
  return undefined;
}

function checkRecord(name: string, record: unknown): void {
  if (record === null || typeof record !== 'object' || !TYPES.includes((record as { type?: unknown }).type as JournalRecord['type'])) {
    fail(name, `a journal record (an object with type ${TYPES.map((t) => `'${t}'`).join(', ')})`, record);
  }
}

// The kill-and-restart harness of crash.test.ts and crash.ccxt.test.ts: builds crash-child.ts
// once into plain JS (a child then starts in a fraction of a second instead of compiling
// TypeScript), runs it, and drives chains of children each SIGKILLed at a chosen point.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { Rng } from '../../src/core/Rng.js';
import { fileJournal, type JournalRecord } from '../../src/live/journal.js';
import type { CrashChildConfig } from './crash-child.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `ccxt` as its binance class alone (all the fake and CcxtBroker use): a child then loads ccxt's
 * base and one exchange instead of all of them (~1 s less per child). protobufjs, which only
 * other exchanges' code imports, is an empty module.
 */
const ccxtBinanceOnly: Plugin = {
  name: 'ccxt-binance-only',
  setup(b) {
    b.onResolve({ filter: /^ccxt$/ }, () => ({ path: 'ccxt', namespace: 'ccxt-binance' }));
    b.onLoad({ filter: /.*/, namespace: 'ccxt-binance' }, () => ({ contents: `import binance from ${JSON.stringify(join(repo, 'node_modules', 'ccxt', 'js', 'src', 'binance.js'))}; export default { binance }; export { binance };`, resolveDir: repo, loader: 'js' }));
    b.onResolve({ filter: /^protobufjs/ }, () => ({ path: 'protobufjs', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/**
 * Bundles crash-child.ts into a folder under node_modules/.cache (the ccxt parts in chunks only a
 * ccxt child loads). @returns the script and a cleanup.
 */
export async function buildChild(): Promise<{ script: string; remove: () => void }> {
  const cache = join(repo, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'tradegym-crash-'));
  await build({ entryPoints: [join(repo, 'test', 'live', 'crash-child.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', outdir, outExtension: { '.js': '.mjs' }, plugins: [ccxtBinanceOnly], external: ['undici'], logLevel: 'error',
    // CommonJS dependencies (ws) require Node's modules: give the ESM bundle a require
    banner: { js: "import { createRequire as __tgRequire } from 'node:module'; const require = __tgRequire(import.meta.url);" },
  });
  return { script: join(outdir, 'crash-child.mjs'), remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** Runs one child to its end (or its death). */
export function runChild(script: string, config: CrashChildConfig): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [script, JSON.stringify(config)], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('exit', (code, signal) => res({ code, signal, stderr }));
  });
}

/** Every record of the journal file (opened and closed for it). */
export async function journalOf(file: string): Promise<JournalRecord[]> {
  const j = fileJournal(file, { lock: false });
  try {
    return await j.read();
  } finally {
    await j.close();
  }
}

/** When a child dies: after its k-th durable append, its first of a type, or at an instant (ms). */
export type Kill = { readonly killAfter: number } | { readonly killAfterType: string } | { readonly killAtMs: number };

/**
 * `n` sure kills cycling through: after a child's 2nd and 3rd append (its 1st is its start
 * record), and after its first record of each of `types`; then `random` kills at seeded random
 * instants in [0, maxMs) (last: a child such a kill misses finishes the run).
 */
export function schedule(n: number, types: readonly string[], random: number, seed: number, maxMs: number): Kill[] {
  const rng = new Rng(seed);
  const cycle: Kill[] = [{ killAfter: 2 }, { killAfter: 3 }, ...types.map((t) => ({ killAfterType: t }))];
  return [...Array.from({ length: n }, (_, i) => cycle[i % cycle.length] as Kill), ...Array.from({ length: random }, () => ({ killAtMs: Math.floor(rng.uniform(0, maxMs)) }))];
}

/** What a chain of killed children did. */
export interface Chain {
  /** Children killed by SIGKILL. */
  readonly kills: number;
  /** The type of the journal's last record after each kill (the step killed after). */
  readonly killedAfter: readonly string[];
}

/**
 * Runs a child per kill in `kills` on one journal, each restarted from what the last one left:
 * `{ killAfter: k }` dies right after its k-th durable append, `{ killAtMs }` at that instant.
 * A child that finishes first exits normally (then the next restarts on a complete journal).
 * `before(i)` runs before child i starts (to set the fake exchange up).
 * @throws when a child fails otherwise (its stderr in the message).
 */
export async function killChain(script: string, base: CrashChildConfig, kills: readonly Kill[], before?: (i: number) => void): Promise<Chain> {
  let n = 0;
  const killedAfter: string[] = [];
  for (const [i, kill] of kills.entries()) {
    before?.(i);
    const r = await runChild(script, { ...base, ...kill });
    if (r.signal === 'SIGKILL') {
      n++;
      killedAfter.push((await journalOf(base.journal)).at(-1)?.type ?? 'none');
    } else if (r.code !== 0) throw new Error(`a child failed (code ${r.code}, signal ${r.signal}): ${r.stderr}`);
  }
  return { kills: n, killedAfter };
}

// Every public entry bundles for the browser as it is: esbuild with --platform=browser, no stubs,
// no polyfills, nothing external but the tfjs peers, must resolve every import (a Node built-in
// such as node:fs would not resolve). What needs Node (files, checkpoints, the progress bar)
// reaches it only when called, and says so elsewhere.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { PPO, useBackend } from '../../src/agents/index.js';
import { make, MarketData, readCsv, TradegymError, writeCsv } from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** tsup's entries (tsup.config.ts), by the package's subpath. */
const ENTRIES = { '.': 'src/index.ts', './agents': 'src/agents/index.ts', './ccxt': 'src/ccxt/index.ts', './danfo': 'src/danfo/index.ts', './report': 'src/report/index.ts', './tune': 'src/tune/index.ts', './live': 'src/live/index.ts' };
/** Entries for Node only, and why: they are files and processes through and through. */
const NODE_ONLY = { './experiment': 'run folders, config files and the command line' };

describe('the browser', () => {
  it('has a bundle test for every entry the package exports', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const exported = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(exported.sort()).toEqual([...Object.keys(ENTRIES), ...Object.keys(NODE_ONLY)].sort());
  });

  it.each(Object.entries(ENTRIES))('entry %s bundles with esbuild --platform=browser, no Node built-in, no stub', async (_name, entry) => {
    const r = await build({ entryPoints: [join(root, entry)], bundle: true, write: false, platform: 'browser', format: 'esm', external: ['@tensorflow/*'], logLevel: 'silent', metafile: true });
    expect(r.errors).toEqual([]);
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((f) => f.startsWith('node:') || /^(fs|path|crypto|os|child_process)$/.test(f))).toEqual([]);
    expect(r.outputFiles[0]!.text.length).toBeGreaterThan(1000);
  }, 120_000);

  // the size a page pays: minified and gzipped, tfjs left out (a page that trains loads it anyway).
  // Measured at 59.5 KB (root) and 60.2 KB (agents) when the budgets were set, with a quarter
  // of headroom: a change that crosses one has to be looked at.
  it.each([
    ['.', 75_000],
    ['./agents', 75_000],
  ] as const)('entry %s stays within its size budget (minified + gzip, without tfjs): %i bytes', async (name, budget) => {
    const r = await build({ entryPoints: [join(root, ENTRIES[name])], bundle: true, write: false, platform: 'browser', format: 'esm', minify: true, external: ['@tensorflow/*'], logLevel: 'silent' });
    const gz = gzipSync(r.outputFiles[0]!.contents, { level: 9 }).length;
    expect(gz).toBeLessThan(budget);
    expect(gz).toBeGreaterThan(budget / 4); // a bundle that lost its contents would pass the budget too
  }, 120_000);

  it.each(['.', './ccxt'] as const)("entry %s, minified, keeps its error classes' names (a worker's error crosses by name)", async (name) => {
    const r = await build({ entryPoints: [join(root, ENTRIES[name])], bundle: true, write: false, platform: 'browser', format: 'esm', minify: true, external: ['@tensorflow/*', 'ccxt'], logLevel: 'silent' });
    const dir = mkdtempSync(join(tmpdir(), 'tradegym-min-'));
    const file = join(dir, 'bundle.mjs');
    writeFileSync(file, r.outputFiles[0]!.contents);
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const errors = Object.entries(mod).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error);
    expect(errors.length).toBeGreaterThanOrEqual(name === '.' ? 9 : 1);
    for (const [exported, C] of errors) expect(new (C as new (a: string, b: string) => Error)('a', 'b').name).toBe(exported);
    // the minifier did rename the classes: the names come from the literals
    expect(errors.some(([exported, C]) => (C as { name: string }).name !== exported)).toBe(true);
  }, 120_000);

  describe('outside Node, what needs Node says so when called', () => {
    const proc = process as { getBuiltinModule?: unknown };
    const original = proc.getBuiltinModule;
    afterEach(() => {
      proc.getBuiltinModule = original;
    });

    it("readCsv, writeCsv and an agent's save throw a TradegymError naming themselves", async () => {
      const data = new MarketData({ timeframe: '1m', timestamps: [0, 60_000], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] });
      await useBackend('cpu');
      const agent = new PPO(make('CartPole-v1'), { nSteps: 8, batchSize: 8, seed: 0 });
      proc.getBuiltinModule = undefined;
      await expect(readCsv('bars.csv')).rejects.toThrow(TradegymError);
      await expect(readCsv('bars.csv')).rejects.toThrow(/readCsv needs Node\.js \(node:fs\).* in a browser, read a File or a fetch body with readCsvStream instead/);
      await expect(writeCsv(data, 'bars.csv')).rejects.toThrow(/writeCsv needs Node\.js/);
      // the progress bar refuses before the first rollout, not after it
      await expect(agent.learn({ totalTimesteps: 64, progressBar: true })).rejects.toThrow(/progressBar needs Node\.js .* in a browser, follow training with a callback of the log record/);
      expect(agent.numTimesteps).toBe(0);
      await expect(agent.save('checkpoint')).rejects.toThrow(/saving and loading agents in a directory needs Node\.js .* in a browser, save to 'indexeddb:\/\/name' or a tf\.io\.IOHandler/);
      proc.getBuiltinModule = original;
      agent.dispose();
    });
  });
});

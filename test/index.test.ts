// The public entries (package.json "exports": tradegym, tradegym/agents, tradegym/report, ...)
// export no symbol documented `@internal` (issue 14: dropNaN, nanmean, nanstd, selectKth and
// percentileSelect leaked from the root through `export *` barrels). Read with the compiler, so
// a helper re-exported under any name, through any barrel, is found.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/index.ts for ".", src/<name>/index.ts for "./<name>", from package.json's exports. */
function publicEntries(): string[] {
  const exportsField = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
  return Object.keys(exportsField)
    .filter((k) => k !== './package.json')
    .map((k) => join(repo, 'src', ...(k === '.' ? [] : [k.slice(2)]), 'index.ts'));
}

describe('public entries', () => {
  it('are read from package.json (root, agents, report at least)', () => {
    const names = publicEntries().map((f) => relative(repo, f));
    expect(names).toEqual(expect.arrayContaining(['src/index.ts', 'src/agents/index.ts', 'src/report/index.ts']));
  });

  it('export no @internal symbol', () => {
    const entries = publicEntries();
    const program = ts.createProgram(entries, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const checker = program.getTypeChecker();
    const leaks: string[] = [];
    for (const entry of entries) {
      const sf = program.getSourceFile(entry);
      expect(sf, entry).toBeDefined();
      const mod = checker.getSymbolAtLocation(sf!);
      for (const s of mod === undefined ? [] : checker.getExportsOfModule(mod)) {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        for (const d of target.declarations ?? []) {
          if (ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal')) {
            leaks.push(`${relative(repo, entry)}: ${s.name} (${relative(repo, d.getSourceFile().fileName)})`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);
  }, 120_000);

  it("the root no longer carries the metrics' NaN helpers", () => {
    for (const name of ['dropNaN', 'nanmean', 'nanstd', 'selectKth', 'percentileSelect', 'hasNaN', 'requireSeries']) {
      expect(Object.keys(root)).not.toContain(name);
    }
    expect(typeof root.sharpeRatio).toBe('function'); // the metrics themselves stay public
  });
});

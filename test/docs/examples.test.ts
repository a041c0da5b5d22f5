// Every @example in the TSDoc of src/, and every ```ts block of the README and docs/, is real code: this test extracts each one, points its
// `from 'tradegym'` imports at the source, and runs it. A renamed option or a changed
// signature breaks the docs here, not in a user's editor. A block fenced ```ts browser (a
// page) or ```ts worker (a Web Worker's script) is type-checked against the browser's types
// (lib DOM, or lib WebWorker) and not run here: Node has no page; the page and worker code
// they show runs in headless Chromium in test/browser/page.test.ts (examples/browser/).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'test', '.doc-examples');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Example {
  readonly name: string;
  readonly code: string;
  /** Where it runs: Node (run here), or a page or a worker (type-checked only). */
  readonly where: 'node' | 'browser' | 'worker';
}

/** The `where` of a fence's info string after `ts`: '' (Node), ' browser' or ' worker'. */
function whereOf(info: string | undefined): Example['where'] {
  return info === ' browser' ? 'browser' : info === ' worker' ? 'worker' : 'node';
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    let k = 0;
    lines.forEach((line, i) => {
      if (!line.trim().startsWith('@example')) return;
      const open = lines.findIndex((l, j) => j > i && l.trim().startsWith('```'));
      const close = lines.findIndex((l, j) => j > open && l.trim().startsWith('```'));
      if (open < 0 || close < 0) return;
      const where = whereOf(/^```ts( browser| worker)?$/.exec((lines[open] as string).trim())?.[1]);
      found.push({ name: `${relative(root, file)} #${++k}`, code: lines.slice(open + 1, close).join('\n'), where });
    });
  }
  // the ```ts blocks of the README and the guides run too
  for (const doc of ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]) {
    const text = readFileSync(join(root, doc), 'utf8');
    const re = /```ts( browser| worker)?\n([\s\S]*?)```/g;
    let m: RegExpExecArray | null;
    let k = 0;
    while ((m = re.exec(text)) !== null) found.push({ name: `${doc} #${++k}`, code: m[2] ?? '', where: whereOf(m[1]) });
  }
  return found;
}

const all = examples();
mkdirSync(outDir, { recursive: true });
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/**
 * Writes example i as a module and returns its path: `from 'tradegym'` becomes src/index.ts
 * and a subpath `tradegym/x` src/x/index.ts, as a file URL (to run) or a relative `.js`
 * specifier (to type-check under NodeNext resolution).
 */
function exampleFile(i: number, mode: 'run' | 'typecheck'): string {
  const code = all[i]!.code.replace(/from 'tradegym(?:\/(\w+))?'/g, (_m, sub: string | undefined) => {
    const target = join(root, 'src', ...(sub ? [sub] : []), 'index.ts');
    return `from '${mode === 'run' ? pathToFileURL(target).href : relative(outDir, target).replace(/\.ts$/, '.js')}'`;
  });
  const file = join(outDir, `example-${i}${mode === 'run' ? '' : '-typed'}.ts`);
  writeFileSync(file, `${code}\nexport {};\n`);
  return file;
}

beforeAll(() => {
  for (let i = 0; i < all.length; i++) exampleFile(i, 'typecheck');
});

describe('TSDoc examples', () => {
  it('exists for every exported class and function (the TSDoc standard)', () => {
    const documented = new Map<string, boolean>();
    for (const file of sourceFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const re = /(\/\*\*(?:[^*]|\*(?!\/))*\*\/)?\s*export (?:abstract )?(?:class|function) (\w+)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const doc = m[1] ?? '';
        if (doc.includes('@internal')) continue;
        const key = `${relative(root, file)}: ${m[2]}`; // overloads share one doc block
        documented.set(key, (documented.get(key) ?? false) || doc.includes('@example'));
      }
    }
    expect([...documented].filter(([, ok]) => !ok).map(([k]) => k)).toEqual([]);
    expect(documented.size).toBeGreaterThan(25);
    expect(all.length).toBeGreaterThan(30);
  });

  // the examples type-check under the project's strict compiler options, as users' code would;
  // a page's and a worker's against the browser's own types
  it.each([
    ['node', ['lib.es2022.d.ts']],
    ['browser', ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts']],
    ['worker', ['lib.es2022.d.ts', 'lib.webworker.d.ts']],
  ] as const)('type-check (%s examples)', (where, lib) => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const chosen = all.flatMap((e, i) => (e.where === where ? [i] : []));
    if (where !== 'node') expect(chosen.length, `${where} examples`).toBeGreaterThanOrEqual(2);
    const files = chosen.map((i) => join(outDir, `example-${i}-typed.ts`));
    const program = ts.createProgram(files, { ...parsed.options, lib: [...lib], noEmit: true });
    const problems = files.flatMap((f, k) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => `${all[chosen[k]!]!.name}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it.each(all.flatMap((e, i) => (e.where === 'node' ? [[e.name, i] as const] : [])))('%s runs', async (_name, i) => {
    const file = exampleFile(i, 'run');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
  });
});

// Every @example in the TSDoc of src/, and every ```ts block of the README and docs/, is real code: this test extracts each one, points its
// `from 'tradegym'` imports at the source, and runs it. A renamed option or a changed
// signature breaks the docs here, not in a user's editor.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

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
      found.push({ name: `${relative(root, file)} #${++k}`, code: lines.slice(open + 1, close).join('\n') });
    });
  }
  // the ```ts blocks of the README and the guides run too
  for (const doc of ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]) {
    const text = readFileSync(join(root, doc), 'utf8');
    const re = /```ts\n([\s\S]*?)```/g;
    let m: RegExpExecArray | null;
    let k = 0;
    while ((m = re.exec(text)) !== null) found.push({ name: `${doc} #${++k}`, code: m[1] ?? '' });
  }
  return found;
}

const all = examples();
mkdirSync(outDir, { recursive: true });
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

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

  it.each(all.map((e, i) => [e.name, i] as const))('%s runs', async (_name, i) => {
    const example = all[i]!;
    // 'tradegym' is src/index.ts; a subpath 'tradegym/x' is src/x/index.ts
    const code = example.code.replace(/from 'tradegym(?:\/(\w+))?'/g, (_m, sub: string | undefined) =>
      `from '${pathToFileURL(join(root, 'src', ...(sub ? [sub] : []), 'index.ts')).href}'`,
    );
    const file = join(outDir, `example-${i}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * Dependencies compiled into dist/ instead of installed beside it. technicalindicators declares
 * `@types/node@^6` as a runtime dependency, which would land in every user's node_modules and
 * break their `tsc` (node_modules/@types/node/base.d.ts); bundled, it is a devDependency and
 * users never install it. No type of ours names it, so the .d.ts files need nothing from it.
 */
const BUNDLED = ['technicalindicators'];

/** Writes dist/THIRD-PARTY-LICENSES.md: the licence of each package compiled into dist/. */
function writeLicenses(): void {
  const require = createRequire(import.meta.url);
  const parts = BUNDLED.map((name) => {
    const pkgFile = require.resolve(`${name}/package.json`);
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string; license: string };
    const text = readFileSync(join(dirname(pkgFile), 'LICENSE'), 'utf8').trim();
    return `## ${name}@${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/THIRD-PARTY-LICENSES.md', `# Third-party code bundled in tradegym's dist/\n\n${parts.join('\n')}`);
}

// ESM + CJS + .d.ts for every public entry. Subpath entries (agents, ccxt, danfo, report, tune) join this
// list as their modules arrive, so heavy peers never load from the root entry. tune-worker is no
// subpath: tradegym/tune's threadPool() starts it by file, from beside its own chunk in dist/.
export default defineConfig({
  entry: { index: 'src/index.ts', agents: 'src/agents/index.ts', ccxt: 'src/ccxt/index.ts', danfo: 'src/danfo/index.ts', report: 'src/report/index.ts', tune: 'src/tune/index.ts', experiment: 'src/experiment/index.ts', cli: 'src/cli/main.ts', 'tune-worker': 'src/tune/threadWorker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // shared code goes into chunks, so tradegym and tradegym/ccxt use one copy of the core
  splitting: true,
  treeshake: true,
  noExternal: BUNDLED,
  onSuccess: async () => writeLicenses(),
});

import { defineConfig } from 'tsup';

// ESM + CJS + .d.ts for every public entry. Subpath entries (agents, ccxt, danfo, report) join this
// list as their modules arrive, so heavy peers never load from the root entry.
export default defineConfig({
  entry: { index: 'src/index.ts', agents: 'src/agents/index.ts', ccxt: 'src/ccxt/index.ts', danfo: 'src/danfo/index.ts', report: 'src/report/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // shared code goes into chunks, so tradegym and tradegym/ccxt use one copy of the core
  splitting: true,
  treeshake: true,
});

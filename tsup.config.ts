import { defineConfig } from 'tsup';

// ESM + CJS + .d.ts for every public entry. Subpath entries (agents, ccxt, danfo, report, tune) join this
// list as their modules arrive, so heavy peers never load from the root entry. tune-worker is no
// subpath: tradegym/tune's threadPool() starts it by file, from beside its own chunk in dist/.
export default defineConfig({
  entry: { index: 'src/index.ts', agents: 'src/agents/index.ts', ccxt: 'src/ccxt/index.ts', danfo: 'src/danfo/index.ts', report: 'src/report/index.ts', tune: 'src/tune/index.ts', experiment: 'src/experiment/index.ts', live: 'src/live/index.ts', cli: 'src/cli/main.ts', 'tune-worker': 'src/tune/threadWorker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // shared code goes into chunks, so tradegym and tradegym/ccxt use one copy of the core
  splitting: true,
  treeshake: true,
});

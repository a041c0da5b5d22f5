#!/usr/bin/env node
// The `tradegym` command. An installed package runs its build (dist/cli.js); a clone of the
// repository, which has the sources and tsx (a devDependency) but maybe no build, runs the
// sources, so `npx tradegym ...` works right after `npm install` and never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL('../dist/cli.js', import.meta.url).href);
}
process.exit(await cli.main(process.argv.slice(2)));

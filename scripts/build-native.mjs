// Builds tradegym's optional native kernels (native/tradegym.c, Node-API) with node-gyp, run by
// npm on install. It never fails the install: without a C compiler (or on TRADEGYM_NATIVE=0)
// it prints one line and tradegym trains on its WebAssembly and JS kernels instead.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const say = (line) => console.log(`tradegym: ${line}`);

if (process.env.TRADEGYM_NATIVE === '0') {
  say('native kernels not built (TRADEGYM_NATIVE=0); DQN trains on tfjs or the wasm kernel');
  process.exit(0);
}
// node-gyp needs Python, make and a C compiler (it links with the C++ driver): without them it
// fails with pages of gyp ERR! lines, so look first and say in one line what is missing
const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && (() => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  })());
const tool = (envVar, names) => {
  const named = process.env[envVar];
  if (named) return isAbsolute(named) ? existsSync(named) : onPath(named.split(' ')[0]);
  return names.some(onPath);
};
if (process.platform !== 'win32') {
  const missing = [
    ['Python', tool('PYTHON', ['python3', 'python'])],
    ['make', tool('MAKE', ['make', 'gmake'])],
    ['a C compiler', tool('CC', ['cc', 'gcc', 'clang'])],
    ['a C++ driver to link', tool('CXX', ['c++', 'g++', 'clang++'])],
  ].filter(([, found]) => !found).map(([what]) => what);
  if (missing.length > 0) {
    say(`native kernels not built (not on the PATH: ${missing.join(', ')}); DQN trains on tfjs or the wasm kernel`);
    process.exit(0);
  }
}
// npm hands its own node-gyp to install scripts; outside npm, try npm's copy beside this Node,
// then one on the PATH
const prefix = dirname(dirname(process.execPath));
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const command = gyp ? process.execPath : 'node-gyp';
const args = [...(gyp ? [gyp] : []), 'rebuild'];
// build against the running Node's own headers where it has them (no download needed)
if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', shell: process.platform === 'win32' });
if (r.status === 0) {
  say('native kernels built (native/build/Release/tradegym_native.node)');
} else {
  const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
  say(`native kernels not built (${why}); DQN trains on tfjs or the wasm kernel`);
}

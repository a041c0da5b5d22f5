// Builds tradegym's native kernels (native/tradegym.c, a Node-API addon) from source into
// native/build/Release/tradegym_native.node, where tradegym's loader looks after the prebuilt
// per-platform package (docs/native.md):
//
//   npm run build:native                     in this repository or in an installed tradegym
//   node node_modules/tradegym/scripts/build-native.mjs     the same, from a user's project
//
// Nothing runs it on install: tradegym has no install script. It compiles with the C compiler
// ($CC, else cc) directly against the running Node's own headers (<prefix>/include/node, which
// Node's Linux and macOS builds ship), so it needs neither node-gyp, Python, make nor a header
// download. Where those headers are missing (Windows' installer ships none), or with --node-gyp,
// it runs node-gyp on native/binding.gyp instead. The compiler flags live once, in binding.gyp.
// Exits 1 with one line saying why when it cannot build; scripts/build-native-packages.mjs
// imports compileAddon to build the prebuilt binaries.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NATIVE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'native');
/** The addon's file name, the same in a source build and in a per-platform package. */
export const BINARY = 'tradegym_native.node';
export const SOURCE_BUILD = join(NATIVE_DIR, 'build', 'Release', BINARY);

/** The running Node's header folder (node_api.h), or null where this Node ships none. */
export function nodeHeaders() {
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  return existsSync(join(dir, 'node_api.h')) ? dir : null;
}

/** binding.gyp's target: the one list of sources, defines and C flags for both builds. */
function gypTarget() {
  const gyp = JSON.parse(readFileSync(join(NATIVE_DIR, 'binding.gyp'), 'utf8'));
  const target = gyp.targets.find((t) => t.target_name === 'tradegym_native');
  if (target === undefined) throw new Error('native/binding.gyp has no tradegym_native target');
  return { sources: target.sources, defines: target.defines ?? [], cflags: target.cflags ?? [] };
}

/**
 * Compiles the addon into `out` with the compiler command `cc` (a string: "cc",
 * "aarch64-linux-gnu-gcc", "ccache gcc") for `os` (the target's process.platform). Node-API
 * symbols stay undefined and resolve when Node loads the addon, so no Node library is linked.
 * Throws with the compiler's last lines when it fails.
 */
export function compileAddon({ cc, out, os = process.platform, headers = nodeHeaders() }) {
  if (headers === null) throw new Error(`no Node-API headers beside ${process.execPath} (include/node/node_api.h)`);
  const { sources, defines, cflags } = gypTarget();
  // a shared object on Linux; a bundle whose Node-API symbols the host resolves on macOS, as node-gyp links it
  const link = os === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
  const [command, ...pre] = cc.trim().split(/\s+/);
  const argv = [...pre, ...cflags, '-fPIC', ...defines.map((d) => `-D${d}`), `-I${headers}`, ...sources.map((s) => join(NATIVE_DIR, s)), ...link, '-o', out, '-lm'];
  mkdirSync(dirname(out), { recursive: true });
  const r = spawnSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error?.code === 'ENOENT') throw new Error(`the C compiler ${command} is not on the PATH: install one, or name it in CC`);
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr || r.stdout).trim().split('\n').slice(-3).join('\n');
    throw new Error(`${command} ${argv.join(' ')} failed: ${why}`);
  }
}

const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => {
    if (d === '') return false;
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** Builds with node-gyp (Python, make, a C compiler and a C++ driver to link); throws saying why it could not. */
function nodeGyp() {
  if (process.platform !== 'win32') {
    const tool = (envVar, names) => {
      const named = process.env[envVar];
      if (named) return isAbsolute(named) ? existsSync(named) : onPath(named.split(' ')[0]);
      return names.some(onPath);
    };
    const missing = [
      ['Python', tool('PYTHON', ['python3', 'python'])],
      ['make', tool('MAKE', ['make', 'gmake'])],
      ['a C compiler', tool('CC', ['cc', 'gcc', 'clang'])],
      ['a C++ driver to link', tool('CXX', ['c++', 'g++', 'clang++'])],
    ].filter(([, found]) => !found).map(([what]) => what);
    if (missing.length > 0) throw new Error(`node-gyp needs ${missing.join(', ')} on the PATH`);
  }
  // npm hands its node-gyp to the scripts it runs; else npm's copy beside this Node; else one on the PATH
  const prefix = dirname(dirname(process.execPath));
  const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
  const args = [...(gyp ? [gyp] : []), 'rebuild'];
  if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(gyp ? process.execPath : 'node-gyp', args, { cwd: NATIVE_DIR, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error((r.error?.message ?? r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `node-gyp exited ${r.status}`);
}

function main() {
  const say = (line) => console.log(`tradegym: ${line}`);
  const useGyp = process.argv.includes('--node-gyp') || process.platform === 'win32' || nodeHeaders() === null;
  try {
    if (useGyp) nodeGyp();
    else compileAddon({ cc: process.env.CC ?? 'cc', out: SOURCE_BUILD });
    // load it, as tradegym will: a binary that does not load is a failed build
    const addon = createRequire(import.meta.url)(SOURCE_BUILD);
    say(`native kernels built with ${useGyp ? 'node-gyp' : process.env.CC ?? 'cc'}: native/build/Release/${BINARY} (product kernel ${addon.kernel()})`);
  } catch (e) {
    say(`native kernels not built: ${e.message}`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

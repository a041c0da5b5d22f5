// Builds the prebuilt binaries of tradegym's native kernels into the per-platform packages under
// npm/ (npm run build:native-packages): npm/native-<os>-<cpu>-<libc>/tradegym_native.node, one
// per folder, each folder's package.json naming its platform in the os, cpu and libc fields npm
// and pnpm install by. Linux only: x64 and arm64 are compiled here, the other one with Debian's
// cross compiler (gcc-aarch64-linux-gnu on x64, gcc-x86-64-linux-gnu on arm64), against the
// running Node's headers (scripts/build-native.mjs). Each binary is checked before it is kept:
// an ELF shared object for its CPU exporting napi_register_module_v1, and the host's one loaded.
// An arm64 binary cannot be loaded without an arm64 Node; its products are checked under qemu by
// scripts/check-gemm.sh.
//
//   node scripts/build-native-packages.mjs [--pack <dir>]
//   node scripts/build-native-packages.mjs --refuse-publish    (package.json's prepublishOnly)
//
// With --pack <dir>, it then packs each platform package and tradegym into <dir> (dist/ must be
// built) and prints their paths as JSON. tradegym's packed package.json gains the
// optionalDependencies on the platform packages, at tradegym's version: they are not in the
// repository's package.json because the packages are not on the registry while a version is
// being made, and npm >= 11.16 then rejects its own lockfile in `npm ci` (npm/cli#9846; see
// docs/native.md). Publish the tarballs, the platform packages first: `npm publish <file>`.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINARY, compileAddon } from './build-native.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tradegym = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Per CPU: the ELF machine number (e_machine) and Debian's cross-compiler prefix for it. */
const CPUS = {
  x64: { machine: 62, triple: 'x86_64-linux-gnu' },
  arm64: { machine: 183, triple: 'aarch64-linux-gnu' },
};

/** The platform packages: every npm/native-* folder, its manifest checked against tradegym's. */
export function platformPackages() {
  return readdirSync(join(root, 'npm')).filter((d) => d.startsWith('native-')).sort().map((folder) => {
    const dir = join(root, 'npm', folder);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const [, os, cpu, libc] = /^native-([a-z0-9]+)-([a-z0-9]+)(?:-(gnu|musl))?$/.exec(folder) ?? [];
    const want = {
      name: `@tradegym/${folder}`,
      version: tradegym.version,
      os: JSON.stringify([os]),
      cpu: JSON.stringify([cpu]),
      libc: JSON.stringify(libc === undefined ? undefined : [libc === 'gnu' ? 'glibc' : 'musl']),
      main: BINARY,
      files: JSON.stringify([BINARY]),
    };
    for (const [key, value] of Object.entries(want)) {
      const got = typeof pkg[key] === 'string' ? pkg[key] : JSON.stringify(pkg[key]);
      if (got !== value) throw new Error(`npm/${folder}/package.json: ${key} must be ${value} (from the folder's name and tradegym's package.json), got ${got}`);
    }
    if (os !== 'linux' || CPUS[cpu] === undefined || libc !== 'gnu') throw new Error(`npm/${folder}: only linux-x64-gnu and linux-arm64-gnu are built here, got ${folder}`);
    return { folder, dir, name: pkg.name, cpu, file: join(dir, BINARY) };
  });
}

/** The ELF file's machine number and the names of the symbols its dynamic symbol table defines. */
function elfExports(file) {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw new Error(`${file} is not a 64-bit little-endian ELF file`);
  if (b.readUInt16LE(16) !== 3) throw new Error(`${file} is not a shared object (ELF type ${b.readUInt16LE(16)})`);
  const shoff = Number(b.readBigUInt64LE(40));
  const shentsize = b.readUInt16LE(58);
  const sections = Array.from({ length: b.readUInt16LE(60) }, (_, i) => {
    const at = shoff + i * shentsize;
    return { type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 24)), size: Number(b.readBigUInt64LE(at + 32)), link: b.readUInt32LE(at + 40) };
  });
  const dynsym = sections.find((s) => s.type === 11); // SHT_DYNSYM
  if (dynsym === undefined) throw new Error(`${file} has no dynamic symbol table`);
  const strtab = sections[dynsym.link];
  const names = [];
  for (let at = dynsym.offset; at < dynsym.offset + dynsym.size; at += 24) {
    if (b.readUInt16LE(at + 6) === 0) continue; // st_shndx SHN_UNDEF: imported, not defined
    const start = strtab.offset + b.readUInt32LE(at);
    names.push(b.toString('latin1', start, b.indexOf(0, start)));
  }
  return { machine: b.readUInt16LE(18), names };
}

/** Compiles and checks each platform package's binary, copies the licence beside it; returns the packages. */
export function buildAll() {
  if (process.platform !== 'linux') throw new Error(`the prebuilt binaries are built on Linux, this is ${process.platform}`);
  const packages = platformPackages();
  for (const p of packages) {
    const cc = p.cpu === process.arch ? process.env.CC ?? 'cc' : `${CPUS[p.cpu].triple}-gcc`;
    compileAddon({ cc, out: p.file, os: 'linux' });
    const { machine, names } = elfExports(p.file);
    if (machine !== CPUS[p.cpu].machine) throw new Error(`${p.file}: ELF machine ${machine}, expected ${CPUS[p.cpu].machine} (${p.cpu})`);
    if (!names.includes('napi_register_module_v1')) throw new Error(`${p.file} does not export napi_register_module_v1`);
    let loaded = 'not loaded: no Node for this CPU here';
    if (p.cpu === process.arch) {
      const addon = createRequire(import.meta.url)(p.file);
      for (const f of ['mlpForward', 'mlpBackward', 'sumSquares', 'adam', 'rmsprop', 'kernel', 'setKernel']) if (typeof addon[f] !== 'function') throw new Error(`${p.file} loads without ${f}()`);
      loaded = `loaded, product kernel ${addon.kernel()}`;
    }
    copyFileSync(join(root, 'LICENSE'), join(p.dir, 'LICENSE'));
    console.error(`built npm/${p.folder}/${BINARY} with ${cc} (ELF ${p.cpu}, exports napi_register_module_v1; ${loaded})`);
  }
  return packages;
}

/** `npm pack` of `dir` into `dest`; returns the tarball's path. */
function npmPack(dir, dest) {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return join(dest, JSON.parse(out)[0].filename);
}

/** Packs the platform packages, then tradegym with optionalDependencies on them, into `dest`. */
export function packAll(packages, dest) {
  if (!existsSync(join(root, 'dist', 'agents.js'))) throw new Error('dist/ is not built: run npm run build first');
  mkdirSync(dest, { recursive: true });
  const platforms = packages.map((p) => npmPack(p.dir, dest));
  // tradegym as npm packs it, unpacked, its manifest given the optional dependencies, packed again
  const stage = mkdtempSync(join(tmpdir(), 'tradegym-pack-'));
  try {
    const plain = npmPack(root, stage);
    const r = spawnSync('tar', ['-xzf', plain, '-C', stage], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar could not unpack ${plain}: ${r.error?.message ?? r.stderr}`);
    const manifestFile = join(stage, 'package', 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.optionalDependencies = Object.fromEntries(packages.map((p) => [p.name, tradegym.version]));
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    return { tradegym: npmPack(join(stage, 'package'), dest), platforms };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--refuse-publish')) {
    // package.json's prepublishOnly: `npm publish` of this folder would publish a tradegym
    // without its optional dependencies, and every user would silently lose the native kernels
    console.error('tradegym is published from the tarballs of `npm run build:native-packages -- --pack <dir>` (npm publish <file>, the platform packages first; docs/native.md), not from this folder');
    process.exit(1);
  }
  try {
    const packages = buildAll();
    if (args.includes('--pack')) {
      const dest = args[args.indexOf('--pack') + 1];
      if (dest === undefined) throw new Error('--pack needs a folder');
      console.log(JSON.stringify(packAll(packages, resolve(dest)), null, 2));
    }
  } catch (e) {
    console.error(`build-native-packages: ${e.message}`);
    process.exit(1);
  }
}

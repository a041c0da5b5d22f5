// A user's install of tradegym, as a check CI runs (npm run check:native-install): tradegym runs
// no install script, and on linux-x64 DQN trains on the native kernels with no C compiler on the
// machine, under npm and under pnpm 10.
//
// It builds the platform packages and packs them with tradegym (scripts/build-native-packages.mjs
// --pack; dist/ must be built). The platform packages are not on the public registry, so a small
// registry on 127.0.0.1 serves them, as npm publish would, and the users' projects take the
// @tradegym scope from it (`@tradegym:registry=` in their .npmrc); everything else comes from the
// usual registry or the npm cache. npm and pnpm then meet tradegym's optionalDependencies as users
// will, and choose by the packages' os, cpu and libc fields. In fresh projects whose PATH holds only
// node, npm, npx and sh (no cc, make or Python), it installs the tradegym tarball and
// @tensorflow/tfjs (the version in our lockfile), then checks:
//   - the installed tradegym/package.json has no preinstall, install or postinstall script, and
//     the package manager's output names no tradegym script (npm's "> tradegym@x install"
//     banner or its install-scripts list; pnpm 10's "Ignored build scripts: tradegym");
//   - the linux-x64 package is installed and the linux-arm64 one is not;
//   - a small DQN trains with compute 'native', nativeStatus() saying it loaded from the package.
// Needs Linux on x64, the arm64 cross compiler (as build:native-packages) and the registry for
// tfjs and pnpm (or a warm npm cache and pnpm store).
//
//   node scripts/check-native-install.mjs [--keep] [--no-pnpm]
// Exits 1 on any failure.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildAll, packAll } from './build-native-packages.mjs';

const started = Date.now();
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const log = (line) => console.log(`[check-native-install ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const tfjs = `@tensorflow/tfjs@${lock.packages['node_modules/@tensorflow/tfjs'].version}`;
const HOST = '@tradegym/native-linux-x64-gnu';
const OTHER = '@tradegym/native-linux-arm64-gnu';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  log(`this check installs the linux-x64 package, and runs on Linux x64 only (this is ${process.platform}-${process.arch})`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'tradegym-native-install-'));
let failed = false;
const check = (ok, line) => {
  if (!ok) failed = true;
  log(`${ok ? 'ok' : 'FAILED'}: ${line}`);
};

/** A folder of links to the only programs a user without build tools has: node, npm, npx, sh. */
function toolsOnly() {
  const dir = join(work, 'bin');
  mkdirSync(dir);
  const which = (name) => {
    for (const d of (process.env.PATH ?? '').split(delimiter)) if (d !== '' && existsSync(join(d, name))) return join(d, name);
    throw new Error(`${name} is not on the PATH`);
  };
  symlinkSync(process.execPath, join(dir, 'node'));
  for (const name of ['npm', 'npx']) symlinkSync(realpathSync(which(name)), join(dir, name));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

/** The environment of a user's shell with only those tools: PATH replaced, npm's own variables (set under npm run) dropped. */
function userEnv(bin) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !['INIT_CWD', 'NODE', 'TRADEGYM_NATIVE'].includes(k)));
  return { ...env, PATH: bin };
}

/** Runs `cmd` with `env` in `cwd` (without blocking: the registry below answers meanwhile); resolves to stdout and stderr together. */
async function run(cmd, argv, cwd, env) {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, argv, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    return `${stdout}${stderr}`;
  } catch (e) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${e.code}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * A registry on 127.0.0.1 serving the packed platform packages as `npm publish` would: a packument
 * (the manifest with its dist.tarball and integrity) per package, and the tarballs.
 */
async function registry(tarballs) {
  const packages = new Map();
  const files = new Map();
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    const body = packages.get(url.slice(1)) ?? files.get(url);
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream' });
    res.end(body ?? '{"error":"not found"}');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const file of tarballs) {
    const data = readFileSync(file);
    const manifest = JSON.parse(await run('tar', ['-xzOf', file, 'package/package.json'], work, process.env));
    const path = `/tarballs/${basename(file)}`;
    files.set(path, data);
    const dist = { tarball: `${base}${path}`, integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`, shasum: createHash('sha1').update(data).digest('hex') };
    packages.set(manifest.name, JSON.stringify({ name: manifest.name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, _id: `${manifest.name}@${manifest.version}`, dist } } }));
  }
  return { url: `${base}/`, close: () => server.close() };
}

/** The user's program: trains a small DQN on the default compute and reports how. */
const PROGRAM = `
import { make } from 'tradegym';
import { DQN, nativeStatus } from 'tradegym/agents';
const agent = new DQN(make('CartPole-v1'), { learningStarts: 200, trainFreq: 4, gradientSteps: 1, netArch: [64, 64], seed: 1 });
const t = performance.now();
await agent.learn({ totalTimesteps: 3000 });
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ status: nativeStatus(), compute: agent.compute, stepsPerSecond: Math.round(3000 / seconds), finite: Array.from(agent.q.params.dataSync()).every(Number.isFinite) }));
agent.dispose();
`;

/** A fresh project folder for `manager`, taking the @tradegym scope from `registryUrl`. */
function project(manager, registryUrl) {
  const dir = join(work, `${manager}-project`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `${manager}-project`, private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, '.npmrc'), `@tradegym:registry=${registryUrl}\n`);
  writeFileSync(join(dir, 'main.mjs'), PROGRAM);
  return dir;
}

/** The checks on the project in `dir`, installed by `manager` with `output` into `installed` (the packages' folders it made). */
async function checkProject(manager, dir, output, installed, bin) {
  check(installed.includes(HOST) && !installed.includes(OTHER), `${manager}: installed ${HOST}, not ${OTHER} (@tradegym packages installed: ${installed.join(', ') || 'none'})`);
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'tradegym', 'package.json'), 'utf8'));
  const scripts = Object.keys(pkg.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall'].includes(s));
  check(scripts.length === 0, `${manager}: the installed tradegym/package.json has no install-time script (${scripts.join(', ') || 'none'})`);
  check(JSON.stringify(pkg.optionalDependencies) === JSON.stringify({ [OTHER]: pkg.version, [HOST]: pkg.version }), `${manager}: tradegym's optionalDependencies name both platform packages at its version ${JSON.stringify(pkg.optionalDependencies)}`);
  const named = output.split('\n').filter((l) => /> tradegym@\S+ (pre|post)?install\b|tradegym@\S+ \((pre|post)?install|Ignored build scripts:.*\btradegym\b/.test(l));
  check(named.length === 0, `${manager}: its output names no tradegym script${named.length > 0 ? `: ${named.join(' | ')}` : ''}`);
  check(!existsSync(join(dir, 'node_modules', 'tradegym', 'native', 'build')), `${manager}: nothing was compiled (no node_modules/tradegym/native/build)`);
  const out = await run(join(bin, 'node'), ['main.mjs'], dir, userEnv(bin));
  const r = JSON.parse(out.trim().split('\n').pop());
  const fromPackage = r.status.available && r.status.source === 'package' && r.status.path.includes(`${HOST}/tradegym_native.node`);
  check(fromPackage, `${manager}: nativeStatus() ${JSON.stringify(r.status)}`);
  check(r.compute === 'native' && r.finite, `${manager}: DQN trained with compute '${r.compute}' (${r.stepsPerSecond} steps/s, finite parameters: ${r.finite})`);
}

let server;
try {
  if (!existsSync(join(root, 'dist', 'agents.js'))) throw new Error('dist/ is not built: run npm run build first');
  log('building and packing the platform packages and tradegym');
  const packed = packAll(buildAll(), join(work, 'tarballs'));
  server = await registry(packed.platforms);
  const bin = toolsOnly();
  const env = userEnv(bin);
  const tools = readdirSync(bin).sort();
  check(env.PATH === bin && tools.join() === 'node,npm,npx,sh', `the user's PATH is one folder holding only ${tools.join(', ')} (no C compiler, make or Python)`);
  const cache = (await run('npm', ['config', 'get', 'cache'], root, process.env)).trim();

  const npmDir = project('npm', server.url);
  log(`npm ${(await run(join(bin, 'npm'), ['--version'], npmDir, env)).trim()}: npm install tradegym.tgz ${tfjs}`);
  const npmOut = await run(join(bin, 'npm'), ['install', packed.tradegym, tfjs, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund', `--cache=${cache}`], npmDir, env);
  const scope = join(npmDir, 'node_modules', '@tradegym');
  await checkProject('npm', npmDir, npmOut, existsSync(scope) ? readdirSync(scope).map((d) => `@tradegym/${d}`) : [], bin);

  if (!args.includes('--no-pnpm')) {
    const pnpmDir = project('pnpm', server.url);
    const pnpm = (argv) => run(join(bin, 'npx'), ['--yes', `--cache=${cache}`, '--prefer-offline', 'pnpm@10', ...argv], pnpmDir, env);
    log(`pnpm ${(await pnpm(['--version'])).trim()}: pnpm add tradegym.tgz ${tfjs}`);
    const pnpmOut = await pnpm(['add', packed.tradegym, tfjs, '--prefer-offline', '--reporter=append-only']);
    // pnpm's virtual store holds a folder per package it installed: @tradegym+native-linux-x64-gnu@0.1.0
    const installed = readdirSync(join(pnpmDir, 'node_modules', '.pnpm')).filter((d) => d.startsWith('@tradegym+')).map((d) => d.replace('+', '/').replace(/@[^@]*$/, ''));
    await checkProject('pnpm', pnpmDir, pnpmOut, installed, bin);
  }
} catch (e) {
  check(false, e.message);
} finally {
  server?.close();
  if (args.includes('--keep')) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
log(failed ? 'failed' : `passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);

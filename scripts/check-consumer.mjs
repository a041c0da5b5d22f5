// A new user's first hour, as a check CI runs: fresh TypeScript projects (strict, skipLibCheck
// false) install the packed tarball, then compile and run a program:
//   0. tradegym alone, no peers and no @types/node anywhere, the root entry (technicalindicators'
//      @types/node@6 once landed here and broke tsc in node_modules/@types/node/base.d.ts);
// then with the optional peers (tfjs, its wasm backend, vega, vega-lite, ccxt), an import of
// every subpath in package.json "exports":
//   1. NodeNext, without an @types/node of the user's own (tfjs brings one via @types/node-fetch),
//   2. NodeNext, with @types/node (the version in our lockfile); the program runs, and so does
//      every ```ts block of the README, compiled as the user's own files, unchanged,
//   3. moduleResolution node10 (subpath types through "typesVersions").
// The peers' typings are compiled alone first, in a project without tradegym and the same
// settings: an error tradegym's project shares with that control is the peer's own (reported,
// allowed); any other error fails the check, as does any @types/node older than 18.
// Versions come from our package-lock.json and npm runs with --prefer-offline, so a warm npm
// cache (npm ci leaves one) needs no network.
//
//   node scripts/check-consumer.mjs [--tarball tradegym-x.y.z.tgz] [--keep]
// Without --tarball it builds dist/ if missing and packs it. Exits 1 on any failure.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const started = Date.now();
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const tarballArg = args.includes('--tarball') ? args[args.indexOf('--tarball') + 1] : undefined;
const keep = args.includes('--keep');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const locked = (name) => {
  const v = lock.packages[`node_modules/${name}`]?.version;
  if (v === undefined) throw new Error(`${name} is not in package-lock.json`);
  return `${name}@${v}`;
};
const log = (line) => console.log(`[check-consumer ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
const run = (cmd, argv, cwd) => execFileSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const npm = (argv, cwd) => run('npm', [...argv, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], cwd);

const PEERS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'vega', 'vega-lite', 'ccxt'];
const base = { strict: true, skipLibCheck: false, target: 'ES2022', noEmit: true, forceConsistentCasingInFileNames: true };
const SETTINGS = {
  nodenext: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext' },
  emit: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: false, outDir: 'out' },
  node10: { ...base, module: 'CommonJS', moduleResolution: 'node10', esModuleInterop: true },
};

const work = mkdtempSync(join(tmpdir(), 'tradegym-consumer-'));
let failed = false;
const fail = (line) => {
  failed = true;
  log(`FAILED: ${line}`);
};

/** A project `name` with these dependencies and one source file, src/main.ts; returns its folder. */
function project(name, deps, source) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, 'src', 'main.ts'), source);
  log(`${name}: npm install ${deps.map((d) => d.replace(/^.*\//, '')).join(' ')}`);
  npm(['install', ...deps], dir);
  return dir;
}

/** tsc's error lines (`file(line,col): error TSn: ...`, paths relative to the project) under `mode`. */
async function compile(dir, mode) {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: SETTINGS[mode], include: ['src'] }, null, 2));
  try {
    await promisify(execFile)(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    return [];
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    if (errors.length === 0) throw new Error(`tsc failed without an error line:\n${out}`);
    return errors;
  }
}

/** Every @types/node installed anywhere under `dir`'s node_modules, as `path@version`. */
function typesNodeCopies(dir) {
  const found = [];
  const walk = (nm) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@') ? readdirSync(join(nm, entry)).map((e) => `${entry}/${e}`) : [entry];
      for (const name of names) {
        const at = join(nm, name);
        if (name === '@types/node') found.push(`${at.slice(dir.length + 1)}@${JSON.parse(readFileSync(join(at, 'package.json'), 'utf8')).version}`);
        walk(join(at, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** Fails on any error of `mine` that the control (`theirs`, the peers alone) does not have. */
function verdict(label, mine, theirs) {
  const own = new Set(theirs);
  const extra = mine.filter((e) => !own.has(e));
  const shared = mine.filter((e) => own.has(e));
  if (shared.length > 0) {
    const files = [...new Set(shared.map((e) => e.replace(/\(.*$/, '')))];
    log(`${label}: ${shared.length} error(s) that the peers' typings have without tradegym too, in ${files.join(', ')}; the first: ${shared[0]}`);
  }
  if (extra.length > 0) {
    fail(`${label}: ${extra.length} error(s) that the peers alone do not have:`);
    for (const e of extra) console.log(`  ${e}`);
  } else log(`${label}: compiles, no error from tradegym`);
}

function noOldTypesNode(dir) {
  for (const copy of typesNodeCopies(dir)) if (Number(copy.replace(/^.*@/, '').split('.')[0]) < 18) fail(`an old @types/node is installed: ${copy}`);
}

try {
  // the tarball, as npm publishes it
  let tarball = tarballArg;
  if (tarball === undefined) {
    if (!existsSync(join(root, 'dist', 'index.js'))) {
      log('building dist/ (npm run build)');
      run('npm', ['run', 'build'], root);
    }
    tarball = join(work, run('npm', ['pack', '--pack-destination', work, '--silent'], root).trim().split('\n').pop());
  }
  tarball = resolve(tarball);
  log(`tarball ${tarball}`);
  const typescript = locked('typescript');
  const peers = PEERS.map(locked);
  const subpaths = Object.keys(pkg.exports)
    .filter((s) => s !== './package.json')
    .map((s) => (s === '.' ? pkg.name : `${pkg.name}/${s.slice(2)}`));
  const program = (imports) =>
    imports.map((s, i) => `import * as m${i} from '${s}';\n`).join('') +
    `import { make } from '${pkg.name}';\n` +
    `const first: Float32Array = make('CartPole-v1').reset({ seed: 1 }).observation as Float32Array;\n` +
    `console.log(JSON.stringify({ exports: { ${imports.map((s, i) => `'${s}': Object.keys(m${i}).length`).join(', ')} }, observation: first.length }));\n`;

  // 0. tradegym alone
  const bare = project('bare', [tarball, typescript], program([pkg.name]));
  const bareTypes = typesNodeCopies(bare);
  if (bareTypes.length > 0) fail(`tradegym alone installs @types/node into the user's project: ${bareTypes.join(', ')}`);
  const bareErrors = await compile(bare, 'emit');
  if (bareErrors.length > 0) {
    fail(`tradegym alone, NodeNext: ${bareErrors.length} error(s):`);
    for (const e of bareErrors) console.log(`  ${e}`);
  } else log(`tradegym alone, NodeNext: compiles, and runs: ${run(process.execPath, [join(bare, 'out', 'main.js')], bare).trim()}`);

  // the control (the peers alone) and the app (tradegym with the peers), compiled side by side
  const control = project('control', [...peers, typescript], PEERS.map((p, i) => `import * as p${i} from '${p}';\nconsole.log(typeof p${i});\n`).join(''));
  const app = project('app', [tarball, ...peers, typescript], program(subpaths));
  // the README's snippets, unchanged, as files of the user's project
  const snippets = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  snippets.forEach((code, i) => writeFileSync(join(app, 'src', `readme-${i + 1}.ts`), code));
  log(`README: ${snippets.length} snippets added to the project`);
  const both = async (label, mode) => {
    const [mine, theirs] = await Promise.all([compile(app, mode), compile(control, mode)]);
    verdict(label, mine, theirs);
  };

  // 1. NodeNext, no @types/node of the user's own
  noOldTypesNode(app);
  log(`@types/node the peers brought: ${typesNodeCopies(app).join(', ') || 'none'}`);
  await both('with peers, NodeNext, no own @types/node', 'nodenext');

  // 2. NodeNext with the user's own @types/node; the program runs
  for (const dir of [app, control]) npm(['install', locked('@types/node')], dir);
  noOldTypesNode(app);
  await both(`with peers, NodeNext, own ${locked('@types/node')}`, 'emit');
  log(`with peers, the compiled program runs: ${run(process.execPath, [join(app, 'out', 'main.js')], app).trim().split('\n').pop()}`);
  snippets.forEach((_, i) => {
    run(process.execPath, [join(app, 'out', `readme-${i + 1}.js`)], app);
    log(`README snippet ${i + 1} runs`);
  });

  // 3. node10: subpath types through "typesVersions"
  await both('with peers, moduleResolution node10', 'node10');
} catch (e) {
  fail(`${e.stack ?? e}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
log(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { make } from '../../src/index.js';
import { DQN, nativeStatus } from '../../src/agents/index.js';
import { nativeKernels, nativeKernelSet } from '../../src/agents/common/kernels/native.js';
import { KernelQNet } from '../../src/agents/common/kernels/qNet.js';
import type { KernelSet } from '../../src/agents/common/kernels/types.js';
import { Rng } from '../../src/core/Rng.js';
import { QNetwork } from '../../src/agents/common/QNetwork.js';
import * as tf from '@tensorflow/tfjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The addon loads from this platform's package (@tradegym/native-linux-x64-gnu, ...) or from a
// source build (npm run build:native; CI always runs it, .ci/run); where neither is, the kernel
// tests below are not registered, and the loader's fallback is what gets tested.
const native = nativeKernels();

/** The product kernels this CPU can run, plainest first (our CI machines run all three). */
const kernels = native === null ? [] : (['plain', 'avx2', 'avx512'] as const).filter((k) => {
  try {
    native.setKernel(k);
    return true;
  } catch {
    return false;
  }
});
native?.setKernel(kernels[kernels.length - 1]!);

/** The forward pass of the MLP `slots` on the native kernel set, a copy of its outputs. */
function nativeForward(slots: unknown, relu: boolean, params: Float32Array, x: Float32Array, n: number): Float32Array {
  const net = (nativeKernelSet() as KernelSet).mlp(slots as never, relu ? 'relu' : 'tanh');
  net.load(params);
  return net.forward(x, n).slice() as Float32Array;
}

/** Runs `work` with each kernel this CPU can run, then restores the best. */
function eachKernel(work: (kernel: string) => void): void {
  try {
    for (const k of kernels) {
      native!.setKernel(k);
      work(k);
    }
  } finally {
    native!.setKernel(kernels[kernels.length - 1]!);
  }
}

// An MLP written out in float64 loops, the reference for the native forward pass.
function reference(sizes: number[], relu: boolean, params: Float32Array, x: Float32Array, n: number): Float64Array {
  let h = Float64Array.from(x);
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fi = sizes[l]!;
    const fo = sizes[l + 1]!;
    const w = off;
    const b = off + fi * fo;
    off = b + fo;
    const out = new Float64Array(n * fo);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < fo; j++) {
        let s = params[b + j]!;
        for (let p = 0; p < fi; p++) s += h[i * fi + p]! * params[w + p * fo + j]!;
        out[i * fo + j] = l + 2 < sizes.length ? (relu ? Math.max(0, s) : Math.tanh(s)) : s;
      }
    }
    h = out;
  }
  return h;
}

/** An MLP of `sizes` with random parameters in the native layout, and `n` random input rows. */
function randomMlp(sizes: readonly number[], n: number, seed: number) {
  const rng = new Rng(seed);
  let size = 0;
  const slots: { w: { offset: number; shape: number[] }; b: { offset: number } }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    slots.push({ w: { offset: size, shape: [sizes[l]!, sizes[l + 1]!] }, b: { offset: size + sizes[l]! * sizes[l + 1]! } });
    size += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  }
  const params = Float32Array.from({ length: size }, () => rng.normal() * 0.3);
  const x = Float32Array.from({ length: n * sizes[0]! }, () => rng.normal());
  return { slots, params, x };
}

/** The parameters after a short native DQN run (odd layer sizes, 4 gradient steps a round) on `kernel`. */
async function trainedParams(kernel: (typeof kernels)[number]): Promise<Float32Array> {
  native!.setKernel(kernel);
  try {
    const agent = new DQN(make('CartPole-v1'), { learningStarts: 64, trainFreq: 16, gradientSteps: 4, batchSize: 30, targetUpdateInterval: 8, netArch: [37, 19], learningRate: 1e-3, seed: 9, compute: 'native' });
    await agent.learn({ totalTimesteps: 400 });
    const params = agent.q.params.dataSync() as Float32Array;
    agent.dispose();
    return params;
  } finally {
    native!.setKernel(kernels[kernels.length - 1]!);
  }
}

// the kernels themselves, where the addon is built
if (native !== null) {
  describe('native kernels', () => {
    it('load on this machine, with the best kernel the CPU runs', () => {
      const status = nativeStatus();
      expect(status).toMatchObject({ available: true });
      const kernel = (status as { kernel: string }).kernel;
      expect(kernels).toContain('plain');
      expect(kernel).toBe(kernels[kernels.length - 1]);
      expect(() => native.setKernel('sse' as never)).toThrow(/the kernel must be 'avx512', 'avx2' or 'plain'/);
    });

    // odd sizes and batches exercise the masked last column block and the leftover rows
    it.each([
      [[4, 256, 256, 2], true, 64],
      [[5, 37, 19, 3], false, 7],
      [[3, 33, 1], true, 5],
    ] as const)('the forward pass of %j (relu %s, %i rows) equals the product written out, on every kernel', (sizes, relu, n) => {
      const { slots, params, x } = randomMlp(sizes, n, 1);
      const want = reference([...sizes], relu, params, x, n);
      eachKernel((kernel) => {
        const out = nativeForward(slots, relu, params, x, n);
        // float32 sums of up to 256 terms of size ~1: within 1e-4; tanh by Eigen's approximation within 3e-7
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!)));
      });
    });

    // the products differ in rounding only between kernels; the training steps are the same
    it('DQN takes the same steps on every product kernel', async () => {
      const params: number[][] = [];
      for (const kernel of kernels) params.push(Array.from(await trainedParams(kernel)));
      const fresh = new DQN(make('CartPole-v1'), { netArch: [37, 19], seed: 9 });
      const initial = Array.from(fresh.q.params.dataSync());
      fresh.dispose();
      for (const p of params.slice(1)) {
        expect(p).not.toEqual(initial);
        expect(Math.max(...p.map((v, i) => Math.abs(v - params[0]![i]!)))).toBeLessThan(1e-5);
      }
    });

    // AVX2 and AVX-512 both add each product, fused, in order p = 0, 1, ...: only the blocking
    // differs (6 x 16 against 8 x 32), so their results agree bit for bit; a block that dropped
    // or repeated a row, a column or a product would not
    it.each([
      [[4, 256, 256, 2], 64],
      [[5, 37, 19, 3], 13],
      [[3, 16, 9, 4], 11],
    ] as const)('the fused-multiply-add kernels give identical forward passes (%j, %i rows)', (sizes, n) => {
      const fused = kernels.filter((k) => k !== 'plain');
      const { slots, params, x } = randomMlp(sizes, n, 4);
      const want = reference([...sizes], true, params, x, n);
      const outs: Float32Array[] = [];
      eachKernel((kernel) => {
        if (!fused.includes(kernel as 'avx2')) return;
        const out = nativeForward(slots, true, params, x, n);
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!)));
        outs.push(out);
      });
      expect(outs).toHaveLength(fused.length);
      for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
    });

    it('the fused-multiply-add kernels take bit-identical DQN steps', async () => {
      const params: Float32Array[] = [];
      for (const kernel of kernels.filter((k) => k !== 'plain')) params.push(await trainedParams(kernel));
      for (const p of params.slice(1)) expect(p).toEqual(params[0]);
    });

    it("'auto' trains DQN natively here, dueling or not", () => {
      const plain = new DQN(make('CartPole-v1'));
      const dueling = new DQN(make('CartPole-v1'), { dueling: true });
      expect(plain.compute).toBe('native');
      expect(dueling.compute).toBe('native');
      plain.dispose();
      dueling.dispose();
    });

    // tfjs's forward pass of the same network (tf.matMul, tf.mean) is the reference
    it.each([
      [[16], 'relu', 3],
      [[21, 13], 'tanh', 9],
    ] as const)('the dueling forward pass (netArch %j, %s, %i rows) equals tfjs\'s Q = V + A - mean(A), on every kernel', (netArch, activation, n) => {
      const rng = new Rng(3);
      const q = new QNetwork({ obsSize: 5, nActions: 4, netArch: [...netArch], activation, dueling: true }, rng);
      const params = q.params.dataSync() as Float32Array;
      const x = Float32Array.from({ length: n * 5 }, () => rng.normal());
      const want = tf.tidy(() => q.q(tf.tensor2d(x, [n, 5])).dataSync());
      const net = new KernelQNet(nativeKernelSet() as KernelSet, q, activation);
      net.load(params);
      eachKernel((kernel) => {
        const out = net.forward(x, n);
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!)));
      });
      q.dispose();
    });

  });

  describe('native kernels guard their inputs', () => {
    const layout = Int32Array.from([2, 4, 8, 0, 32, 8, 2, 40, 56]); // 4 -> 8 -> 2: 58 parameters
    const acts = () => new Float32Array(10); // one row: 8 + 2 outputs
    it('a forward pass with too few parameters or inputs, or a layout that does not chain, is a RangeError', () => {
      const k = native;
      expect(() => k.mlpForward(layout, 1, new Float32Array(57), new Float32Array(4), 1, acts())).toThrow(/params has 57 entries, needs 58/);
      expect(() => k.mlpForward(layout, 1, new Float32Array(58), new Float32Array(3), 1, acts())).toThrow(/x has 3 entries, needs 4/);
      expect(() => k.mlpForward(layout, 1, new Float32Array(58), new Float32Array(4), 1, new Float32Array(9))).toThrow(/acts has 9 entries, needs 10/);
      expect(() => k.mlpForward(Int32Array.from([2, 4, 8, 0, 32, 7, 2, 40, 54]), 1, new Float32Array(58), new Float32Array(4), 1, acts())).toThrow(/each layer's fanIn the previous fanOut/);
      expect(() => k.mlpForward(layout, 4, new Float32Array(58), new Float32Array(4), 1, acts())).toThrow(/flags must be/);
      expect(() => k.mlpForward(layout, 1, new Float32Array(58), new Float32Array(4), 0, acts())).toThrow(/n must be an integer >= 1/);
      expect(() => k.mlpForward(layout, 1, new Float64Array(58) as never, new Float32Array(4), 1, acts())).toThrow(/wrong kind/);
    });

    it('a backward pass or an optimizer step with a short array is a RangeError, and writes nothing', () => {
      const k = native;
      const params = Float32Array.from({ length: 58 }, (_, i) => Math.sin(i));
      const x = Float32Array.of(1, -1, 0.5, 2);
      const a = acts();
      k.mlpForward(layout, 1, params, x, 1, a);
      const grad = new Float32Array(58);
      expect(() => k.mlpBackward(layout, 1, params, x, 1, a, new Float32Array(1), grad, null)).toThrow(/dOut has 1 entries, needs 2/);
      expect(() => k.mlpBackward(layout, 1, params, x, 1, a, new Float32Array(2), new Float32Array(57), null)).toThrow(/grad has 57 entries, needs 58/);
      expect(() => k.mlpBackward(layout, 1, params, x, 1, a, new Float32Array(2), grad, new Float32Array(3))).toThrow(/dx has 3 entries, needs 4/);
      expect(grad).toEqual(new Float32Array(58));
      const before = params.slice();
      expect(() => k.adam(params, new Float32Array(58), new Float32Array(57), grad, 1, 1e-3, 1, 0.9, 0.999, 1e-8)).toThrow(/v has 57 entries, needs 58/);
      expect(() => k.rmsprop(params, new Float32Array(58), new Float32Array(10), 1, 1e-3, 0.99, 1e-5)).toThrow(/g has 10 entries, needs 58/);
      expect(params).toEqual(before);
      k.mlpBackward(layout, 1, params, x, 1, a, Float32Array.of(1, -1), grad, null); // a valid pass writes the gradient
      expect(grad).not.toEqual(new Float32Array(58));
    });

    it('an LSTM pass with a short array, or a schedule that would read or write out of bounds, is a RangeError', () => {
      const k = native;
      const forward = k.lstmForward!.bind(k);
      const backward = k.lstmBackward!.bind(k);
      // 1 input, 2 units: W [3, 8] at 0, biases at 24 and 32 (40 parameters); 2 sequences of 2 and 1 steps
      const desc = Int32Array.of(1, 2, 2, 3, 2, 0, 24, 32);
      const sched = Int32Array.of(2, 1, 0, 2, 0, 2, 1); // active [2, 1], offset [0, 2], rowOf [0, 2, 1]
      const f = (n: number) => new Float32Array(n);
      const params = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i));
      const args = (over: Record<number, unknown> = {}) => [desc, sched, params, f(3), f(9), f(24), f(6), f(6), f(6), f(4), f(4), f(6)].map((v, i) => (i in over ? over[i] : v)) as Parameters<typeof forward>;
      expect(() => forward(...args({ 2: f(39) }))).toThrow(/params has 39 entries, needs 40/);
      expect(() => forward(...args({ 3: f(2) }))).toThrow(/x has 2 entries, needs 3/);
      expect(() => forward(...args({ 11: f(5) }))).toThrow(/out has 5 entries, needs 6/);
      expect(() => forward(...args({ 1: Int32Array.of(1, 2, 0, 1, 0, 2, 1) }))).toThrow(/non-increasing active counts/);
      expect(() => forward(...args({ 1: Int32Array.of(2, 1, 0, 2, 0, 3, 1) }))).toThrow(/every rowOf must be in \[0, rows\)/);
      // 4 rows claimed, 3 scheduled
      expect(() => forward(...args({ 0: Int32Array.of(1, 2, 2, 4, 2, 0, 24, 32), 1: Int32Array.of(2, 1, 0, 2, 0, 2, 1, 3) }))).toThrow(/active counts must add up to rows/);
      expect(() => forward(...args({ 0: Int32Array.of(1, 0, 2, 3, 2, 0, 24, 32) }))).toThrow(/desc must be/);
      const a = args();
      forward(...a);
      const grad = f(40);
      expect(() => backward(desc, sched, params, a[4], a[5], a[6], a[8], f(5), grad)).toThrow(/dOut has 5 entries, needs 6/);
      expect(() => backward(desc, sched, params, a[4], a[5], a[6], a[8], f(6), f(39))).toThrow(/grad has 39 entries, needs 40/);
      expect(grad).toEqual(f(40));
      backward(desc, sched, params, a[4], a[5], a[6], a[8], Float32Array.of(1, -1, 0.5, 2, -2, 1), grad);
      expect(grad).not.toEqual(f(40));
    });
  });
}

/** tradegym's package.json and its per-platform packages (npm/native-*), as the repository holds them. */
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string>; files: string[]; optionalDependencies?: unknown };
const platformPackages = readdirSync(join(root, 'npm')).filter((d) => d.startsWith('native-')).sort().map((folder) => {
  const pkg = JSON.parse(readFileSync(join(root, 'npm', folder, 'package.json'), 'utf8')) as Record<string, unknown>;
  return { folder, pkg, binary: join(root, 'npm', folder, 'tradegym_native.node') };
});

/**
 * This machine's platform as the packages name it, found without the loader: glibc unless
 * /usr/bin/ldd is musl's (detect-libc's check); null off Linux.
 */
const here = process.platform !== 'linux' ? null : `linux-${process.arch}-${existsSync('/usr/bin/ldd') && readFileSync('/usr/bin/ldd', 'latin1').includes('musl') ? 'musl' : 'gnu'}`;
/** The addon built for this machine: the prebuilt package's binary, else the source build; null where neither is. */
const builtHere = [
  ...(here === null ? [] : [join(root, 'npm', `native-${here}`, 'tradegym_native.node')]),
  join(root, 'native', 'build', 'Release', 'tradegym_native.node'),
].find((f) => existsSync(f)) ?? null;

/** What the loader's copy in `pkg` sees as a process on `platform` (e.g. `linux-x64-gnu`, `darwin-arm64`), or as this one. */
interface Case {
  readonly platform?: string;
  readonly env?: Record<string, string>;
}

/**
 * nativeStatus() from a copy of the loader in `pkg` (a folder laid out like the installed
 * package: src/agents/common/kernels/native.ts), once per case, each a fresh copy of the module
 * in one Node process whose platform, CPU and C library the case sets beforehand.
 */
function statusesFrom(pkg: string, cases: readonly Case[]): unknown[] {
  const file = join(pkg, 'src', 'agents', 'common', 'kernels', 'native.ts');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{ "type": "module" }');
  // the loader and the modules it imports at run time (its LSTM layers: lstm.ts, on jsKernels.ts)
  for (const f of ['native.ts', 'lstm.ts', 'jsKernels.ts']) copyFileSync(join(root, 'src', 'agents', 'common', 'kernels', f), join(dirname(file), f));
  const code = `
    const out = [];
    for (const [i, c] of ${JSON.stringify(cases)}.entries()) {
      if (c.platform !== undefined) {
        const [platform, arch, libc] = c.platform.split('-');
        Object.defineProperty(process, 'platform', { value: platform });
        Object.defineProperty(process, 'arch', { value: arch });
        // Node's report names the glibc it runs on, and none on musl
        process.report.getReport = () => ({ header: libc === 'gnu' ? { glibcVersionRuntime: '2.36' } : {} });
      }
      delete process.env.TRADEGYM_NATIVE;
      Object.assign(process.env, c.env ?? {});
      const { nativeStatus } = await import(${JSON.stringify(pathToFileURL(file).href)} + '?case=' + i);
      out.push(nativeStatus());
    }
    console.log(JSON.stringify(out));`;
  const env = { ...process.env };
  delete env.TRADEGYM_NATIVE;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as unknown[];
}

/** Lays out `node_modules/@tradegym/native-<platform>` in `pkg` as npm installs it, with `binary` as its addon (none if undefined). */
function installPlatformPackage(pkg: string, platform: string, binary?: string | Buffer): string {
  const dir = join(pkg, 'node_modules', '@tradegym', `native-${platform}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'npm', `native-${platform}`, 'package.json'), join(dir, 'package.json'));
  if (typeof binary === 'string') copyFileSync(binary, join(dir, 'tradegym_native.node'));
  else if (binary !== undefined) writeFileSync(join(dir, 'tradegym_native.node'), binary);
  return join(dir, 'tradegym_native.node');
}

/** `pkg`'s native/build/Release/tradegym_native.node, as npm run build:native writes it. */
function sourceBuild(pkg: string, binary: string | Buffer): string {
  const file = join(pkg, 'native', 'build', 'Release', 'tradegym_native.node');
  mkdirSync(dirname(file), { recursive: true });
  if (typeof binary === 'string') copyFileSync(binary, file);
  else writeFileSync(file, binary);
  return file;
}

/** Runs `work` on a fresh folder, removed afterwards. */
function inTempPackage<T>(work: (pkg: string) => T): T {
  const pkg = mkdtempSync(join(tmpdir(), 'tradegym-native-'));
  try {
    return work(pkg);
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
}

const BUILD = 'build one from source with `npm run build:native` in tradegym\'s folder (needs a C compiler)';
const install = (name: string) => `install ${name} at tradegym's version (its optional dependency for this platform, left out by --omit=optional), or ${BUILD}`;
const notLoaded = /did not load: .*(invalid ELF header|file too short|not a valid|not a mach-o)/;

describe('tradegym installs no build: the native kernels come prebuilt per platform', () => {
  // npm 11 holds install scripts for approval, pnpm 10 skips them ("Ignored build scripts"), and
  // --ignore-scripts drops them: each left DQN on its slowest path with only `gyp ERR!` to explain
  it('package.json has no install-time script', () => {
    expect(Object.keys(manifest.scripts).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
  });

  it('the native sources and their build script still ship, for a source build on other platforms', () => {
    for (const f of ['native/binding.gyp', 'native/gemm.h', 'native/kernels.h', 'native/tradegym.c', 'scripts/build-native.mjs']) expect(manifest.files).toContain(f);
    expect(manifest.scripts['build:native']).toBe('node scripts/build-native.mjs');
  });

  // the optional dependencies join the packed manifest only (scripts/build-native-packages.mjs
  // --pack): while the platform packages are not on the registry, npm >= 11.16's `npm ci`
  // rejects a lockfile that cannot list them (npm/cli#9846)
  it('the repository\'s package.json leaves the optional dependencies to the packed manifest', () => {
    expect(manifest.optionalDependencies).toBeUndefined();
  });

  it.each(platformPackages.map((p) => [p.folder, p.pkg] as const))('npm/%s is installable only where it runs, at tradegym\'s version', (folder, pkg) => {
    const [, os, cpu, libc] = folder.split('-');
    expect(pkg).toMatchObject({
      name: `@tradegym/${folder}`,
      version: manifest.version,
      os: [os],
      cpu: [cpu],
      libc: [libc === 'gnu' ? 'glibc' : 'musl'],
      main: 'tradegym_native.node',
      files: ['tradegym_native.node'],
    });
    expect(pkg.scripts).toBeUndefined();
  });

  // ELF header: e_machine at byte 18 is 62 for x86-64, 183 for AArch64 (the ELF-64 object file
  // format; Linux's include/uapi/linux/elf-em.h); an arm64 Node is not here to load the arm64 one
  const built = platformPackages.filter((p) => existsSync(p.binary));
  if (process.env.CI) {
    it('CI builds every platform package\'s binary (.ci/run: npm run build:native-packages)', () => {
      expect(built.map((p) => p.folder)).toEqual(platformPackages.map((p) => p.folder));
    });
  }
  it.each(built.map((p) => [p.folder, p.binary] as const))('npm/%s holds a shared object for its CPU exporting the Node-API entry point', (folder, binary) => {
    const b = readFileSync(binary);
    expect(b.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(b.readUInt16LE(16)).toBe(3); // ET_DYN
    expect(b.readUInt16LE(18)).toBe(folder.includes('-x64-') ? 62 : 183);
    expect(b.includes('napi_register_module_v1')).toBe(true);
  });
});

describe('the native kernels\' loader degrades to the other kernels', () => {
  it(native === null ? "here no addon loads: nativeStatus says why, 'auto' trains elsewhere and 'native' is an error saying why" : 'here the addon loads, as CI requires', () => {
    const status = nativeStatus();
    if (process.env.CI) expect(status.available, 'CI builds the addon (.ci/run: npm run build:native)').toBe(true);
    const agent = new DQN(make('CartPole-v1'));
    if (native === null) expect(agent.compute).not.toBe('native');
    else expect(agent.compute).toBe('native');
    agent.dispose();
    if (native !== null) {
      // in this repository the platform package is not installed: the source build is what loads
      expect(status).toEqual({ available: true, kernel: native.kernel(), source: 'source-build', path: join(root, 'native', 'build', 'Release', 'tradegym_native.node') });
      return;
    }
    expect(status).toEqual({ available: false, reason: expect.stringMatching(/build one from source with `npm run build:native`|^switched off by TRADEGYM_NATIVE=0$/) });
    const why = (status as { reason: string }).reason;
    expect(() => new DQN(make('CartPole-v1'), { compute: 'native' })).toThrow(`compute must be a kernel set that runs here: 'native' does not (${why}); kernelSets() lists them, got "native"`);
  });

  it('with neither the platform package nor a source build, the reason names the package that would provide them, or says none exists', () => {
    const cases = [...platformPackages.map((p) => p.folder.slice('native-'.length)), 'linux-x64-musl', 'linux-riscv64-gnu', 'darwin-arm64', 'win32-x64'];
    const got = inTempPackage((pkg) => statusesFrom(pkg, cases.map((platform) => ({ platform }))));
    expect(got).toEqual(cases.map((platform) => ({
      available: false,
      reason: platformPackages.some((p) => p.folder === `native-${platform}`)
        ? `@tradegym/native-${platform} is not installed: ${install(`@tradegym/native-${platform}`)}`
        : `no prebuilt binary for ${platform}: ${BUILD}`,
    })));
    // the two prebuilt platforms are the two folders under npm/
    expect(platformPackages.map((p) => p.folder)).toEqual(['native-linux-arm64-gnu', 'native-linux-x64-gnu']);
  }, 60_000);

  it('a platform package or a source build that does not load is a reason naming it, not a crash', () => {
    const garbage = Buffer.from('not a shared object');
    const [missing, broken, both] = inTempPackage((pkg) => {
      const file = installPlatformPackage(pkg, 'linux-x64-gnu');
      const missing = statusesFrom(pkg, [{ platform: 'linux-x64-gnu' }])[0];
      writeFileSync(file, garbage);
      const broken = statusesFrom(pkg, [{ platform: 'linux-x64-gnu' }])[0];
      sourceBuild(pkg, garbage);
      return [missing, broken, statusesFrom(pkg, [{ platform: 'linux-x64-gnu' }])[0]];
    }) as { reason: string }[];
    expect(missing).toEqual({ available: false, reason: expect.stringMatching(/^@tradegym\/native-linux-x64-gnu did not load: \/.*\/node_modules\/@tradegym\/native-linux-x64-gnu\/tradegym_native\.node is missing: install /) });
    expect(broken).toEqual({ available: false, reason: expect.stringMatching(/^@tradegym\/native-linux-x64-gnu did not load: /) });
    expect(broken!.reason).toMatch(notLoaded);
    expect(both!.reason.split('; ')).toHaveLength(2);
    expect(both!.reason.split('; ')[1]).toMatch(/^native\/build\/Release\/tradegym_native\.node did not load: /);
    expect(both!.reason).toMatch(new RegExp(`: ${install('@tradegym/native-linux-x64-gnu').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  }, 60_000);

  if (builtHere !== null && here !== null && platformPackages.some((p) => p.folder === `native-${here}`)) {
    it(`the platform package (@tradegym/native-${here}), resolved from tradegym's folder, comes first, then a source build; TRADEGYM_NATIVE=0 turns both off`, () => {
      const got = inTempPackage((pkg) => {
        const fromPackage = installPlatformPackage(pkg, here, builtHere);
        const fromSource = sourceBuild(pkg, builtHere);
        const [first, off] = statusesFrom(pkg, [{}, { env: { TRADEGYM_NATIVE: '0' } }]);
        rmSync(join(pkg, 'node_modules'), { recursive: true });
        const [second] = statusesFrom(pkg, [{}]);
        return { first, off, second, fromPackage, fromSource };
      });
      expect(got.first).toEqual({ available: true, kernel: expect.stringMatching(/^(avx512|avx2|plain)$/), source: 'package', path: got.fromPackage });
      expect(got.second).toEqual({ available: true, kernel: expect.stringMatching(/^(avx512|avx2|plain)$/), source: 'source-build', path: got.fromSource });
      expect(got.off).toEqual({ available: false, reason: 'switched off by TRADEGYM_NATIVE=0' });
    }, 60_000);
  }

  it("with TRADEGYM_NATIVE=0 they are off: 'auto' trains elsewhere and 'native' is an error saying why", () => {
    const code = `
      import { make } from './src/index.ts';
      import { DQN, nativeStatus } from './src/agents/index.ts';
      const auto = new DQN(make('CartPole-v1'));
      let error = '';
      try { new DQN(make('CartPole-v1'), { compute: 'native' }); } catch (e) { error = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ status: nativeStatus(), auto: auto.compute, error }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, TRADEGYM_NATIVE: '0' }, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { status: unknown; auto: string; error: string };
    expect(r.status).toEqual({ available: false, reason: 'switched off by TRADEGYM_NATIVE=0' });
    expect(r.auto).toBe('wasm'); // the next set by the one compute rule (Node runs WebAssembly SIMD)
    expect(r.error).toBe(`InvalidArgumentError: compute must be a kernel set that runs here: 'native' does not (switched off by TRADEGYM_NATIVE=0); kernelSets() lists them, got "native"`);
  }, 60_000);
});

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { make } from '../../src/index.js';
import { DQN, nativeStatus } from '../../src/agents/index.js';
import { nativeKernels, nativeLayout } from '../../src/agents/common/kernels/native.js';
import { Rng } from '../../src/core/Rng.js';
import { QNetwork } from '../../src/agents/common/QNetwork.js';
import * as tf from '@tensorflow/tfjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The addon is built by npm install where a C compiler is (CI always has one); elsewhere the
// kernel tests below are not registered, and the loader's fallback is what gets tested.
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
    it('are built on this machine by npm install (scripts/build-native.mjs), with the best kernel the CPU runs', () => {
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
      const k = native;
      const { slots, params, x } = randomMlp(sizes, n, 1);
      const want = reference([...sizes], relu, params, x, n);
      eachKernel((kernel) => {
        const out = new Float32Array(n * sizes[sizes.length - 1]!);
        k.forward(nativeLayout(slots as never), relu ? 1 : 0, params, x, n, out);
        // float32 sums of up to 256 terms of size ~1: within 1e-4; tanh by Eigen's approximation within 3e-7
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!)));
      });
    });

    // the products differ in rounding only between kernels; the steps of a round are the same
    it('a DQN round takes the same steps on every kernel', async () => {
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
        const out = new Float32Array(n * sizes[sizes.length - 1]!);
        native.forward(nativeLayout(slots as never), 1, params, x, n, out);
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!)));
        outs.push(out);
      });
      expect(outs).toHaveLength(fused.length);
      for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
    });

    it('the fused-multiply-add kernels take bit-identical DQN rounds', async () => {
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
      eachKernel((kernel) => {
        const out = new Float32Array(n * 4);
        native.forward(nativeLayout(q.trunkLayers, q.heads), activation === 'relu' ? 1 : 0, params, x, n, out);
        for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!), `${kernel} [${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!)));
      });
      q.dispose();
    });

  });

  describe('native kernels guard their inputs', () => {
    const layout = Int32Array.from([2, 4, 8, 0, 32, 8, 2, 40, 56]); // 4 -> 8 -> 2: 58 parameters
    it('a forward pass with too few parameters, or a layout that does not chain, is a RangeError', () => {
      const k = native;
      expect(() => k.forward(layout, 1, new Float32Array(57), new Float32Array(4), 1, new Float32Array(2))).toThrow(/params has 57 entries, needs 58/);
      expect(() => k.forward(layout, 1, new Float32Array(58), new Float32Array(3), 1, new Float32Array(2))).toThrow(/x has 3 entries, needs 4/);
      expect(() => k.forward(Int32Array.from([2, 4, 8, 0, 32, 7, 2, 40, 54]), 1, new Float32Array(58), new Float32Array(4), 1, new Float32Array(2))).toThrow(RangeError);
      // dueling heads with an action count of 0
      expect(() => k.forward(Int32Array.from([2, 4, 8, 0, 32, 8, 2, 40, 56, 1, 0, 0, 0, 0, 0]), 1, new Float32Array(58), new Float32Array(4), 1, new Float32Array(2))).toThrow(/dueling heads must be/);
    });

    it('a training round with a short batch or an action out of range is a RangeError, and changes nothing', () => {
      const k = native;
      const theta = Float32Array.from({ length: 58 }, (_, i) => Math.sin(i));
      const before = theta.slice();
      const round = (actions: Int32Array, obsLen: number) =>
        k.dqnRound(layout, 1, theta, theta.slice(), new Float32Array(58), new Float32Array(58), new Float32Array(obsLen), new Float32Array(obsLen), actions, new Float32Array(4), new Float32Array(4), 2, 2, 0.99, 10, 0, Float64Array.from([1e-3, 1, 1e-3, 1]), 0.9, 0.999, 1e-8, new Float64Array(2));
      expect(() => round(new Int32Array(4), 15)).toThrow(/obs has 15 entries, needs 16/);
      expect(() => round(Int32Array.from([0, 1, 2, 0]), 16)).toThrow(/an action outside \[0, outputs\)/);
      expect(theta).toEqual(before);
      round(Int32Array.from([0, 1, 1, 0]), 16); // a valid round moves the parameters
      expect(theta).not.toEqual(before);
    });
  });
}

/** nativeStatus() as a copy of the loader sees it from `pkg`, a folder laid out like the package. */
function statusFrom(pkg: string, env: Record<string, string> = {}): unknown {
  const file = join(pkg, 'src', 'agents', 'common', 'kernels', 'native.ts');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{ "type": "module" }');
  copyFileSync(join(root, 'src', 'agents', 'common', 'kernels', 'native.ts'), file);
  const code = `import { nativeStatus } from ${JSON.stringify(pathToFileURL(file).href)}; console.log(JSON.stringify(nativeStatus()));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('the native kernels\' loader degrades to the other kernels', () => {
  it(native === null ? "here the addon is not built: nativeStatus says so, 'auto' takes tfjs and 'native' is an error saying why" : 'here the addon is built, as CI requires', () => {
    const status = nativeStatus();
    if (process.env.CI) expect(status.available, 'CI builds the addon (.ci/run: npm ci runs scripts/build-native.mjs)').toBe(true);
    const agent = new DQN(make('CartPole-v1'));
    expect(agent.compute).toBe(native === null ? 'tfjs' : 'native');
    agent.dispose();
    if (native !== null) return;
    expect(status).toEqual({ available: false, reason: expect.stringMatching(/^native\/build\/Release\/tradegym_native\.node (is not built|did not load: )/) });
    const why = (status as { reason: string }).reason;
    expect(() => new DQN(make('CartPole-v1'), { compute: 'native' })).toThrow(`compute must be 'auto', 'typed' or 'tfjs': the native kernels are not available here (${why}), got "native"`);
  });

  it('an addon that is not there, or does not load, is a reason, not a crash', () => {
    const pkg = mkdtempSync(join(tmpdir(), 'tradegym-native-'));
    try {
      expect(statusFrom(pkg)).toEqual({ available: false, reason: 'native/build/Release/tradegym_native.node is not built (run `npm rebuild tradegym` with a C compiler, or node scripts/build-native.mjs)' });
      mkdirSync(join(pkg, 'native', 'build', 'Release'), { recursive: true });
      writeFileSync(join(pkg, 'native', 'build', 'Release', 'tradegym_native.node'), 'not a shared object');
      expect(statusFrom(pkg)).toEqual({ available: false, reason: expect.stringMatching(/^native\/build\/Release\/tradegym_native\.node did not load: .*(invalid ELF header|file too short|not a valid)/) });
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  }, 60_000);

  it("with TRADEGYM_NATIVE=0 they are off: 'auto' takes tfjs and 'native' is an error saying why", () => {
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
    expect(r.auto).toBe('tfjs');
    expect(r.error).toBe(`InvalidArgumentError: compute must be 'auto', 'typed' or 'tfjs': the native kernels are not available here (switched off by TRADEGYM_NATIVE=0), got "native"`);
  }, 60_000);
});

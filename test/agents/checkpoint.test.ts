// Checkpoints survive a kill at any instant of a save, clean up after killed saves, and refuse
// a damaged checkpoint with a CheckpointError naming the file and what is wrong.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2C, useBackend } from '../../src/agents/index.js';
import { SAVE_STEPS, setSaveStepHook } from '../../src/agents/common/fileIO.js';
import { CartPole, CheckpointError, TradegymError } from '../../src/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const child = join(repo, 'test', 'agents', 'checkpoint-child.ts');
const root = mkdtempSync(join(tmpdir(), 'tradegym-checkpoint-'));
/** The first step after which the new checkpoint is the one `load` sees. */
const COMMITTED = SAVE_STEPS.indexOf('committed');

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The "old" agent: another seed and step count than the child's "new" one. */
const oldAgent = () => new A2C(new CartPole(), { seed: 0, nSteps: 4, netArch: { pi: [4], vf: [4] } });

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Manifest {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  integrity: Record<string, unknown>;
  [k: string]: unknown;
}
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
const weightsPathOf = (dir: string) => join(dir, manifestOf(dir).weightsManifest[0]!.paths[0]!);

/** Everything a checkpoint holds, read back through the public `A2C.load` and from the files. */
async function snapshot(dir: string) {
  const manifest = manifestOf(dir);
  const agent = await A2C.load(dir, new CartPole());
  try {
    return {
      numTimesteps: agent.numTimesteps,
      params: Array.from(agent.policy.params.dataSync()),
      header: JSON.stringify(manifest.modelTopology),
      weightsSha256: sha256(readFileSync(weightsPathOf(dir))),
    };
  } finally {
    agent.dispose();
  }
}

/** Files in `dir` besides model.json and the weights it names. */
function leftovers(dir: string): string[] {
  const keep = existsSync(join(dir, 'model.json')) ? ['model.json', manifestOf(dir).weightsManifest[0]!.paths[0]!] : [];
  return readdirSync(dir).filter((f) => !keep.includes(f));
}

/** Runs checkpoint-child.ts: it saves the new agent to `dir`, killing itself after step k (-1: never). */
function runChild(dir: string, k: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir, String(k)], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('exit', (code, signal) => res({ code, signal, stderr }));
  });
}

async function killedAfter(dir: string, k: number): Promise<void> {
  const r = await runChild(dir, k);
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

/** Runs `task` on every item, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  }));
}

// Each child takes ~1.3 s (mostly importing tfjs): the two tests take ~30 s on an idle
// 2-core machine; the timeouts leave room for a loaded one.
describe('crash safety: a child killed by SIGKILL right after each step of its save', () => {
  let newSnapshot: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    const ref = join(root, 'new-reference');
    const r = await runChild(ref, -1);
    expect(r.code, r.stderr).toBe(0);
    newSnapshot = await snapshot(ref);
  }, 120_000);

  it('leaves the complete old checkpoint before the commit and the complete new one from it on; the next save cleans up', async () => {
    const old = oldAgent();
    const oldDir = join(root, 'old-reference');
    await old.save(oldDir);
    const oldSnapshot = await snapshot(oldDir);
    expect(oldSnapshot.numTimesteps).toBe(0);
    expect(newSnapshot.numTimesteps).toBe(8);
    expect(newSnapshot.params).not.toEqual(oldSnapshot.params);

    const steps = SAVE_STEPS.map((_, k) => k);
    const after: Record<number, { state: unknown; leftovers: string[] }> = {};
    await pool(steps, 2, async (k) => {
      const dir = join(root, `kill-after-${k}`);
      await old.save(dir);
      const oldWeights = manifestOf(dir).weightsManifest[0]!.paths[0]!;
      await killedAfter(dir, k);
      const kind = (f: string) => (f === oldWeights ? 'old weights' : /^weights-\d+-[0-9a-f]+\.bin$/.test(f) ? 'new weights' : /^model\.json\.\d+-[0-9a-f]+\.tmp$/.test(f) ? 'new model.json' : f);
      after[k] = { state: await snapshot(dir), leftovers: leftovers(dir).map(kind).sort() };
    });
    const at = (s: (typeof SAVE_STEPS)[number]) => SAVE_STEPS.indexOf(s);
    for (const k of steps) {
      // the rename of model.json is the one commit point; before it the files of the new save
      // are not named by model.json, after it the replaced weights are not
      const leftover = k < at('weights-opened') ? [] : k < at('manifest-opened') ? ['new weights'] : k < COMMITTED ? ['new model.json', 'new weights'] : k < at('cleaned') ? ['old weights'] : [];
      expect({ step: SAVE_STEPS[k], ...after[k] }).toEqual({ step: SAVE_STEPS[k], state: k < COMMITTED ? oldSnapshot : newSnapshot, leftovers: leftover });
    }

    for (const k of steps) {
      const dir = join(root, `kill-after-${k}`);
      await old.save(dir);
      expect(leftovers(dir)).toEqual([]);
      expect(readdirSync(dir)).toHaveLength(2);
      expect(await snapshot(dir)).toEqual(oldSnapshot);
    }
    old.dispose();
  }, 240_000);

  it('twenty killed saves, the first ones before any checkpoint existed, leave nothing behind after the next save', async () => {
    const dir = join(root, 'twenty-kills');
    for (let k = 0; k < SAVE_STEPS.length; k++) {
      await killedAfter(dir, k);
      // no checkpoint until the first commit (a kill after 'committed'), the new one from then on
      if (k < COMMITTED) await expect(A2C.load(dir, new CartPole())).rejects.toThrow(CheckpointError);
      else expect(await snapshot(dir)).toEqual(newSnapshot);
    }
    // the other nine two at a time: killed saves of two processes interleaved in one directory
    await pool([0, 2, 3, 4, 5, 6, 7, 8, 9], 2, (k) => killedAfter(dir, k));
    expect(await snapshot(dir)).toEqual(newSnapshot);
    expect(leftovers(dir).length).toBeGreaterThan(0);
    const old = oldAgent();
    await old.save(dir);
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(2);
    expect((await snapshot(dir)).numTimesteps).toBe(0);
    expect(readdirSync(root).filter((f) => f.includes('.tmp'))).toEqual([]); // nothing beside the dir either
    old.dispose();
  }, 240_000);
});

describe('leftovers and failures inside one process', () => {
  it('a save that fails midway removes its own files and keeps the old checkpoint', async () => {
    const old = oldAgent();
    const dir = join(root, 'fails-midway');
    await old.save(dir);
    const before = await snapshot(dir);
    const next = new A2C(new CartPole(), { seed: 5, nSteps: 4, netArch: { pi: [4], vf: [4] } });
    setSaveStepHook((s) => {
      if (s === 'manifest-half-written') throw new Error('disk full');
    });
    try {
      await expect(next.save(dir)).rejects.toThrow('disk full');
    } finally {
      setSaveStepHook(undefined);
    }
    expect(leftovers(dir)).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
    old.dispose();
    next.dispose();
  });

  it("keeps files tagged by a live process (its save may be in progress) and deletes a dead process's", async () => {
    const agent = oldAgent();
    const dir = join(root, 'tags');
    await agent.save(dir);
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited: its pid is free
    const live = process.ppid;
    const names = [`weights-${dead}-abc.bin`, `model.json.${dead}-abc.tmp`, `weights-${live}-abc.bin`, `model.json.${live}-abc.tmp`, 'weights.bin', 'notes.txt'];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    await agent.save(dir);
    // weights.bin is the weights file of checkpoint format 1; notes.txt is not ours
    expect(leftovers(dir).sort()).toEqual([`model.json.${live}-abc.tmp`, 'notes.txt', `weights-${live}-abc.bin`].sort());
    agent.dispose();
  });

  it('saves to one directory from one process run one after the other: the last one wins', async () => {
    const a = oldAgent();
    const b = new A2C(new CartPole(), { seed: 5, nSteps: 4, netArch: { pi: [4], vf: [4] } });
    const dir = join(root, 'concurrent');
    await Promise.all([a.save(dir), b.save(dir), a.save(dir), b.save(dir)]);
    expect(leftovers(dir)).toEqual([]);
    expect((await snapshot(dir)).params).toEqual(Array.from(b.policy.params.dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('integrity on load: every damage is a CheckpointError naming the file and the problem', () => {
  let good: string;
  let n = 0;
  beforeAll(async () => {
    const agent = oldAgent();
    await agent.learn({ totalTimesteps: 8 });
    good = join(root, 'good');
    await agent.save(good);
    agent.dispose();
  });

  /** A copy of the good checkpoint with `damage` applied. */
  function damaged(damage: (dir: string) => void): string {
    const dir = join(root, `damaged-${n++}`);
    cpSync(good, dir, { recursive: true });
    damage(dir);
    return dir;
  }

  async function loadError(dir: string): Promise<CheckpointError> {
    const e: unknown = await A2C.load(dir, new CartPole()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e).toBeInstanceOf(TradegymError);
    return e as CheckpointError;
  }

  const drop = (o: object, key: string): void => {
    delete (o as Record<string, unknown>)[key];
  };
  const editManifest = (edit: (m: Manifest) => unknown) => (dir: string) => {
    const m = manifestOf(dir);
    edit(m);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
  };

  it('the good copy loads', async () => {
    expect((await snapshot(damaged(() => undefined))).numTimesteps).toBe(8);
  });

  it('no directory, or a file in its place', async () => {
    const missing = join(root, 'never-saved');
    const e = await loadError(missing);
    expect(e.message).toBe(`checkpoint ${missing}: the directory does not exist: no agent was saved here`);
    expect(e.file).toBe(missing);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect((await loadError(file)).message).toBe(`checkpoint ${file}: not a directory: an agent is saved as a directory`);
  });

  it('no model.json', async () => {
    const dir = damaged((d) => rmSync(join(d, 'model.json')));
    const e = await loadError(dir);
    expect(e.file).toBe(join(dir, 'model.json'));
    expect(e.message).toMatch(/model\.json: file does not exist: no agent was saved here, or its first save did not finish$/);
  });

  it('model.json cut short (not JSON), or not a tradegym checkpoint', async () => {
    const cut = damaged((d) => writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json')).subarray(0, 100)));
    expect((await loadError(cut)).message).toMatch(/model\.json: not valid JSON \(/);
    const other = damaged((d) => writeFileSync(join(d, 'model.json'), '{"format":"tfjs-layers"}'));
    expect((await loadError(other)).message).toMatch(/model\.json: not a tradegym agent checkpoint \(format "tfjs-layers"\)$/);
  });

  it.each([
    ['formatVersion', (m: Manifest): void => drop(m, 'formatVersion'), /formatVersion must be 2 \(the checkpoint format this tradegym reads; save the agent again\), got undefined/],
    ['integrity', (m: Manifest): void => drop(m, 'integrity'), /integrity must be a plain object, got undefined/],
    ['integrity.weightsSha256', (m: Manifest): void => drop(m.integrity, 'weightsSha256'), /integrity\.weightsSha256 must be a SHA-256 in 64 hex digits, got undefined/],
    ['integrity.headerSha256', (m: Manifest): void => {
      m.integrity.headerSha256 = 'abc';
    }, /integrity\.headerSha256 must be a SHA-256 in 64 hex digits, got "abc"/],
    ['integrity.weightsBytes', (m: Manifest): void => drop(m.integrity, 'weightsBytes'), /integrity\.weightsBytes must be an integer >= 0, got undefined/],
    ['weightsManifest', (m: Manifest): void => drop(m, 'weightsManifest'), /weightsManifest must be an array of one weights group, got undefined/],
    ['weightsManifest[0].paths', (m: Manifest): void => {
      m.weightsManifest[0]!.paths = ['../../etc/passwd'];
    }, /weightsManifest\[0\]\.paths must be one weights file name "weights-<pid>-<hex>\.bin", got \["\.\.\/\.\.\/etc\/passwd"\]/],
    ['weightsManifest[0].weights[0].dtype', (m: Manifest): void => {
      m.weightsManifest[0]!.weights[0]!.dtype = 'string';
    }, /weightsManifest\[0\]\.weights\[0\]\.dtype must be one of 'float32', 'int32', 'bool', got "string"/],
    ['weightsManifest[0].weights[0].shape', (m: Manifest): void => {
      m.weightsManifest[0]!.weights[0]!.shape = [-1];
    }, /weightsManifest\[0\]\.weights\[0\]\.shape\[0\] must be an integer >= 0, got -1/],
    ['modelTopology', (m: Manifest): void => drop(m, 'modelTopology'), /modelTopology must be a plain object, got undefined/],
    ['modelTopology.algorithm', (m: Manifest): void => drop(m.modelTopology, 'algorithm'), /modelTopology\.algorithm must be an algorithm name, got undefined/],
    ['modelTopology.numTimesteps', (m: Manifest): void => drop(m.modelTopology, 'numTimesteps'), /modelTopology\.numTimesteps must be an integer >= 0, got undefined/],
    ['modelTopology.options', (m: Manifest): void => drop(m.modelTopology, 'options'), /modelTopology\.options must be a plain object, got undefined/],
    ['modelTopology.rollout', (m: Manifest): void => drop(m.modelTopology, 'rollout'), /modelTopology\.rollout must be present, got undefined/],
  ] as const)('a missing or invalid field: %s', async (_field, edit, message) => {
    const dir = damaged(editManifest(edit));
    const e = await loadError(dir);
    expect(e.file).toBe(join(dir, 'model.json'));
    expect(e.message).toMatch(new RegExp(`^checkpoint ${join(dir, 'model.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(e.message).toMatch(message);
  });

  it('weight specs that do not add up to the recorded byte count', async () => {
    // drop the last spec: the specs now need its bytes (elements x 4 for float32/int32) fewer
    const dir = damaged(editManifest((m) => m.weightsManifest[0]!.weights.pop()));
    const specs = manifestOf(good).weightsManifest[0]!.weights;
    const bytes = (w: { shape: number[]; dtype: string }) => (w.dtype === 'bool' ? 1 : 4) * w.shape.reduce((a, b) => a * b, 1);
    const all = readFileSync(weightsPathOf(good)).byteLength;
    expect(specs.reduce((s, w) => s + bytes(w), 0)).toBe(all);
    const without = all - bytes(specs[specs.length - 1]!);
    expect((await loadError(dir)).message).toMatch(new RegExp(`integrity\\.weightsBytes must be ${without} \\(the size of the weight specs\\), got ${all}`));
  });

  it('the weights file is missing, truncated or too long', async () => {
    const missing = damaged((d) => rmSync(weightsPathOf(d)));
    const e = await loadError(missing);
    expect(e.file).toBe(weightsPathOf(missing));
    expect(e.message).toBe(`checkpoint ${weightsPathOf(missing)}: file does not exist (${join(missing, 'model.json')} names it)`);
    const size = readFileSync(weightsPathOf(good)).byteLength;
    const cut = damaged((d) => writeFileSync(weightsPathOf(d), readFileSync(weightsPathOf(d)).subarray(0, size - 10)));
    expect((await loadError(cut)).message).toBe(`checkpoint ${weightsPathOf(cut)}: truncated: ${size - 10} bytes, ${join(cut, 'model.json')} expects ${size}`);
    const long = damaged((d) => writeFileSync(weightsPathOf(d), Buffer.concat([readFileSync(weightsPathOf(d)), Buffer.alloc(4)])));
    expect((await loadError(long)).message).toBe(`checkpoint ${weightsPathOf(long)}: too long: ${size + 4} bytes, ${join(long, 'model.json')} expects ${size}`);
  });

  it('weights overwritten at the same length (NaN weights) fail the SHA-256 check', async () => {
    const dir = damaged((d) => {
      const bytes = readFileSync(weightsPathOf(d));
      Buffer.from(new Float32Array([Number.NaN, Number.NaN]).buffer).copy(bytes, 0);
      writeFileSync(weightsPathOf(d), bytes);
    });
    const bytes = readFileSync(weightsPathOf(dir));
    expect(bytes.byteLength).toBe(readFileSync(weightsPathOf(good)).byteLength);
    const recorded = manifestOf(dir).integrity.weightsSha256 as string;
    expect((await loadError(dir)).message).toBe(`checkpoint ${weightsPathOf(dir)}: corrupted: its SHA-256 is ${sha256(bytes)}, ${join(dir, 'model.json')} records ${recorded}`);
  });

  it('a header changed at the same length fails its SHA-256 check', async () => {
    const dir = damaged((d) => {
      const text = readFileSync(join(d, 'model.json'), 'utf8');
      expect(text).toContain('"numTimesteps":8,');
      writeFileSync(join(d, 'model.json'), text.replace('"numTimesteps":8,', '"numTimesteps":9,'));
    });
    expect((await loadError(dir)).message).toMatch(/model\.json: corrupted: the SHA-256 of its header is [0-9a-f]{64}, integrity\.headerSha256 records [0-9a-f]{64}$/);
  });

  it('a file in the place of the checkpoint directory cannot be saved over', async () => {
    const file = join(root, 'in-the-way');
    writeFileSync(file, 'x');
    const agent = oldAgent();
    await expect(agent.save(file)).rejects.toThrow(new CheckpointError(file, 'cannot save here: the path exists and is not a directory'));
    await expect(agent.save(join(file, 'below'))).rejects.toThrow(CheckpointError);
    agent.dispose();
  });
});

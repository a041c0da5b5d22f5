import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tradegym-quiet-'));
const run = (mode: string) => spawnSync(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'quiet-agents.ts'), mode, dir], { cwd: repo, encoding: 'utf8', timeout: 120_000 });

describe('a library prints nothing unasked', () => {
  // tfjs's cpu backend prints a banner recommending tfjs-node on its first tensor in Node
  it.each(['tfjs', 'auto'])('training, predicting and saving (compute %s) in a fresh process writes nothing to stdout or stderr', (compute) => {
    const r = run(compute);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
  }, 150_000);

  // load reads the checkpoint's tensors before any agent is built (checkpoints from the runs above)
  it('loading a PPO and a DQN as the first tfjs use of a fresh process writes nothing', () => {
    const r = run('load');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
  }, 150_000);
});

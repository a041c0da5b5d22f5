import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

describe('a library prints nothing unasked', () => {
  // tfjs's cpu backend prints a banner recommending tfjs-node on its first tensor in Node
  it.each(['tfjs', 'auto'])('training and predicting (compute %s) in a fresh process writes nothing to stdout or stderr', (compute) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'quiet-agents.ts'), compute], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
  }, 150_000);
});

// fileJournal resolves its file and lock once, at open: a change of working directory before
// close() removes its own lock (not another folder's of the same name), and the journal opens
// again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('fileJournal close() after a change of working directory', () => {
  it('releases its own lock, not another folder\'s', () => {
    const a = mkdtempSync(join(tmpdir(), 'rv3a-'));
    const b = mkdtempSync(join(tmpdir(), 'rv3b-'));
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'journal-chdir-child.ts'), a, b], { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1) as string);
    expect(r).toEqual({ lockLeftInA: false, otherLockInBRemoved: false, reopen: 'ok' });
  });
});

// fileJournal: an append asked before close() is written, not refused.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileJournal } from '../../../src/live/journal.js';

describe('fileJournal.close with an append asked before it', () => {
  it('the append asked before close() is written, not refused', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'r5-')), 'j.journal');
    const j = fileJournal(path);
    await j.append({ type: 'skip', index: 0 });
    const pending = j.append({ type: 'skip', index: 1 }); // asked before close
    const closing = j.close();
    const res = await pending.then(() => 'written', (e: Error) => `refused: ${e.message}`);
    await closing;
    const lines = readFileSync(path, 'utf8').trim().split('\n').length;
    expect(res).toBe('written');
    expect(lines).toBe(2);
  });
});

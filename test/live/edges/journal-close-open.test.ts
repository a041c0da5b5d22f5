// fileJournal.close() while its first open is under way (a read() not yet resolved) waits for
// the open and releases its lock and handle: the journal opens again.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileJournal } from '../../../src/live/journal.js';

describe('fileJournal: close() during the first open', () => {
  it('releases the lock the open took', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rv4-')), 'run.journal');
    const j = fileJournal(file);
    const reading = j.read();
    await j.close();
    await reading.catch(() => undefined);
    const lockLeft = existsSync(`${file}.lock`);
    const again = await fileJournal(file).read().then(
      () => 'ok',
      (e: Error) => e.message,
    );
    expect({ lockLeft, again }).toEqual({ lockLeft: false, again: 'ok' });
  });
});

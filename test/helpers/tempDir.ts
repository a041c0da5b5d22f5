// A fresh temporary folder per test (checkpoints, journals), removed after it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * Registers, in the calling file or describe block, a new folder under the system's temporary
 * folder before each test and its removal after it.
 * @param prefix - the folder name's start, e.g. `'tradegym-resume-'`.
 * @returns the current test's folder.
 */
export function tempDirPerTest(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

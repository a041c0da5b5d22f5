// Run by journal-chdir.test.ts: node --import tsx journal-chdir-child.ts <dirA> <dirB>
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileJournal } from '../../../src/live/journal.js';

const [a, b] = process.argv.slice(2) as [string, string];
process.chdir(a);
const j = fileJournal('run.journal');
await j.append({ type: 'skip', index: 1 });
// another live process's lock in the other folder, for a journal of the same relative name
writeFileSync(join(b, 'run.journal.lock'), String(process.ppid));
process.chdir(b); // e.g. a library the process loads changes the working directory
await j.close();
const out: Record<string, unknown> = { lockLeftInA: existsSync(join(a, 'run.journal.lock')), otherLockInBRemoved: !existsSync(join(b, 'run.journal.lock')) };
process.chdir(a);
try {
  await fileJournal('run.journal').read();
  out.reopen = 'ok';
} catch (e) {
  out.reopen = (e as Error).message;
}
console.log(JSON.stringify(out));

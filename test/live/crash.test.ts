// Crash safety of a paper run on a file journal: a child process is SIGKILLed right after each
// kind of journal step (and at seeded random instants), over and over, each time restarted from
// what the journal holds, until it finishes. Its final book must equal the uninterrupted run's
// exactly (and backtest()'s), and the journal must hold each bar once and each order's intent once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/index.js';
import { LiveRunner, ReplayFeed } from '../../src/live/index.js';
import { memoryJournal, type JournalRecord } from '../../src/live/journal.js';
import { bookOf, exact, RUN, strategy } from './crash-child.js';
import { buildChild, journalOf, killChain, runChild, schedule } from './crash-harness.js';
import { randomBars } from '../helpers/randomBars.js';

const BARS = 60;
const root = mkdtempSync(join(tmpdir(), 'tradegym-crash-'));
let child: Awaited<ReturnType<typeof buildChild>>;
beforeAll(async () => {
  child = await buildChild();
}, 60_000);
afterAll(() => {
  child?.remove();
  rmSync(root, { recursive: true, force: true });
});

describe('a paper LiveRunner on a fileJournal, SIGKILLed again and again', () => {
  it('ends with the uninterrupted book, each bar and each intent journaled once', async () => {
    const data = randomBars(BARS, RUN.seed);
    const uninterrupted = memoryJournal();
    const runner = new LiveRunner({ feed: new ReplayFeed(data), strategy, account: RUN.account, risk: RUN.risk, journal: uninterrupted });
    const reference = bookOf(await runner.run(), runner.broker);
    const bt = backtest({ data, strategy, account: RUN.account, risk: RUN.risk });
    expect(Array.from(reference.equity)).toEqual(Array.from(bt.equity));
    expect(reference.trades.length).toBeGreaterThan(3);

    const journal = join(root, 'paper.journal');
    // a child dies right after its 2nd or 3rd durable append (its 1st is its own start record),
    // or right after its first bar, intent, status or fill record (22 such kills make about 55
    // records of progress of the 105); then 3 at seeded random instants (mid-write as likely as not)
    const kills = schedule(22, ['bar', 'intent', 'status', 'fill'], 3, 2024, 150);
    const chain = await killChain(child.script, { journal, broker: 'paper', bars: BARS }, kills);
    expect(chain.kills).toBeGreaterThanOrEqual(20);
    for (const step of ['bar', 'intent', 'status', 'fill']) expect(chain.killedAfter).toContain(step);

    const out = join(root, 'paper.out.json');
    const last = await runChild(child.script, { journal, broker: 'paper', bars: BARS, out });
    expect(last.code, last.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(exact(reference));

    const records = await journalOf(journal);
    const bars = records.flatMap((r) => (r.type === 'bar' ? [r.index] : []));
    expect(bars).toEqual(Array.from({ length: BARS }, (_, i) => i));
    const intents = records.flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
    expect(new Set(intents).size).toBe(intents.length);
    // more: but for each restart's start record, the journal is the uninterrupted run's, record for record
    // (each fresh run has its own run id in its client order ids: one here, across every restart)
    const runs = new Set(records.flatMap((r) => (r.type === 'start' ? [r.run] : [])));
    expect(runs.size).toBe(1);
    expect(intents.every((id) => id.startsWith(`tg-${[...runs][0] as string}-`))).toBe(true);
    const body = (rs: JournalRecord[]) => exact(rs.filter((r) => r.type !== 'start')).replace(/"tg-[0-9a-z]+-/g, '"tg-');
    expect(body(records)).toBe(body(await uninterrupted.read()));
    expect(records.filter((r) => r.type === 'start').length).toBeGreaterThanOrEqual(21); // each sure kill restarted
  }, 120_000);
});

// A crash right after an exit's intent became durable, before the order left (the window the
// intent-before-order rule exists for), or right before it: the restart settles the exit as not
// placed and closes the position once the replay is settled.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Broker, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal, type JournalRecord } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(70, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

async function fullRun(killAt?: number) {
  const state = freshExchange(data.open[0] as number);
  const full = memoryJournal();
  const before: ExchangeState[] = [];
  const after: ExchangeState[] = [];
  const first: LiveRunner = make(watchedJournal(full, state, before, after), new ExchangeBroker(state), killAt === undefined ? undefined : (e) => e.type === 'bar' && e.index === killAt && first.kill('operator'));
  await first.run();
  return { records: await full.read(), before, after };
}

async function restart(records: JournalRecord[], exchange: ExchangeState) {
  let atRecovery = Number.NaN;
  let recovery: LiveEvent | undefined;
  const journal = memoryJournal(records);
  await make(journal, new ExchangeBroker(exchange), (e) => {
    if (e.type === 'recovery') [recovery, atRecovery] = [e, exchange.position];
  }).run();
  return { atRecovery, recovery, rs: await journal.read() };
}

describe('lost exit: the intent is journaled, the order never left', () => {
  it('stop-loss exit: crash right before its intent -> flattened; right after its intent -> not', async () => {
    const { records, before, after } = await fullRun();
    const k = records.findIndex((r) => r.type === 'intent' && r.order.type === 'exit' && r.order.reason === 'stop-loss');
    expect(k).toBeGreaterThan(0);
    // crash right before the intent: #lostExit flattens after the replay
    const a = await restart(records.slice(0, k), structuredClone(before[k]) as ExchangeState);
    expect(a.atRecovery).toBeCloseTo(0, 9);
    // crash right after the intent (the order had not left): the exchange still holds the position
    const x = structuredClone(after[k]) as ExchangeState;
    expect(x.position).toBeGreaterThan(0);
    const b = await restart(records.slice(0, k + 1), x);
    expect(b.rs.slice(k + 1).find((q) => q.type === 'status')).toMatchObject({ status: { state: 'rejected' } }); // unknown to the exchange
    expect(b.atRecovery).toBeCloseTo(0, 9);
  });

  it('kill-switch flatten: crash after the flatten record AND the exit intent -> the restart trades on with the position', async () => {
    const { records, after } = await fullRun(20);
    const f = records.findIndex((r) => r.type === 'flatten');
    expect(records[f + 1]).toMatchObject({ type: 'intent', order: { type: 'exit' } });
    const x = structuredClone(after[f + 1]) as ExchangeState;
    expect(x.position).toBeGreaterThan(0);
    const b = await restart(records.slice(0, f + 2), x);
    expect(b.atRecovery).toBeCloseTo(0, 9);
  });
});

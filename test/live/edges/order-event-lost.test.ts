// Events around a crash are at least once: an order whose answer the crash lost (its 'order'
// event is told after its status is journaled) is told by the restart that answers it.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Broker, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal, type JournalRecord } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(70, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);

describe("an order whose answer the crash kept from the journal", () => {
  it('paper: its order event is told by the first process or the restart', async () => {
    const make = (journal: Journal, onEvent?: (e: LiveEvent) => void) => new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, journal, ...(onEvent ? { onEvent } : {}) });
    const full = memoryJournal();
    await make(full).run();
    const records = await full.read();
    const k = records.findIndex((r) => r.type === 'intent');
    const id = (records[k] as Extract<JournalRecord, { type: 'intent' }>).order.clientOrderId;
    // the first process told nothing of it: #place emits the 'order' event after the status append (LiveRunner.ts:822-824)
    const events: LiveEvent[] = [];
    await make(memoryJournal(records.slice(0, k + 1)), (e) => events.push(e)).run();
    const again = events.filter((e) => e.type === 'order' && e.order.clientOrderId === id);
    expect(again.length).toBeGreaterThan(0);
  });

  it('exchange: its settled status is never told either', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
      new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent ? { onEvent } : {}) });
    await make(watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
    const records = await full.read();
    const k = records.findIndex((r, i) => r.type === 'intent' && records[i + 1]?.type === 'fill');
    const id = (records[k] as Extract<JournalRecord, { type: 'intent' }>).order.clientOrderId;
    const events: LiveEvent[] = [];
    await make(memoryJournal(records.slice(0, k + 1)), new ExchangeBroker(structuredClone(before[k + 1]) as ExchangeState), (e) => events.push(e)).run();
    expect(events.filter((e) => e.type === 'order' && e.order.clientOrderId === id).length).toBeGreaterThan(0);
  });
});

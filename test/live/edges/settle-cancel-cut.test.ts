// A restart cut inside its own settling: the order was open at the first crash with one fill
// journaled; the exchange filled more of it before the restart. Restart 1 journals the new fill
// before its 'cancel' record, so restart 2, cut after that cancel, has every fill.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Broker } from '../../../src/live/index.js';
import { memoryJournal, type Journal, type JournalRecord } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(45, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
const make = (journal: Journal, broker: Broker) => new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, broker, realOrders: true, journal });

describe('a restart cut after its cancel record', () => {
  it('the next restart still books the fills the cancel reported', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const after: ExchangeState[] = [];
    await make(watchedJournal(full, state, [], after), new ExchangeBroker(state)).run();
    const records = await full.read();
    const k = records.findIndex((r) => r.type === 'status' && r.status.state === 'open');
    expect(k).toBeGreaterThan(0);
    const id = (records[k] as Extract<JournalRecord, { type: 'status' }>).status.clientOrderId;
    // the crash right after the 'open' answer; before the restart, the exchange fills a quarter more
    const x = structuredClone(after[k]) as ExchangeState;
    const o = x.orders[id]!;
    const u = o.rest / 2;
    const fee = u * x.price * 0.001;
    x.cash -= u * x.price + fee;
    x.position += u;
    o.rest -= u;
    o.fills.push({ ...o.fills[0]!, units: u, price: x.price, fee, fillId: `t${++x.trades}` });
    // restart 1, recorded
    const j1 = memoryJournal(records.slice(0, k + 1));
    const after1: ExchangeState[] = [];
    await make(watchedJournal(j1, x, [], after1), new ExchangeBroker(x)).run();
    const rs1 = await j1.read();
    const c = rs1.findIndex((r, i) => i > k && r.type === 'cancel' && r.clientOrderId === id);
    expect(c).toBeGreaterThan(k);
    // restart 2: restart 1 died right after its cancel record
    const x2 = structuredClone(after1[c - (k + 1)]) as ExchangeState;
    const out = await make(memoryJournal(rs1.slice(0, c + 1)), new ExchangeBroker(x2)).run().then(
      () => 'ok',
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(out).toBe('ok');
  });
});

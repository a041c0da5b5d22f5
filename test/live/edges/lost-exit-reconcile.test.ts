// A lost exit and an exchange that disagrees with the rebuilt book: no flatten, no order.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Broker } from '../../../src/live/index.js';
import { memoryJournal, type Journal } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(70, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
const make = (journal: Journal, broker: Broker) => new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal });

describe('lost exit + reconciliation failure', () => {
  it('refuses to trade and does not flatten', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const after: ExchangeState[] = [];
    await make(watchedJournal(full, state, [], after), new ExchangeBroker(state)).run();
    const records = await full.read();
    const k = records.findIndex((r) => r.type === 'intent' && r.order.type === 'exit' && r.order.reason === 'stop-loss');
    const x = structuredClone(after[k]) as ExchangeState;
    x.cash += 1; // someone else traded
    const submits = x.submits.length;
    const j = memoryJournal(records.slice(0, k + 1));
    const err = await make(j, new ExchangeBroker(x)).run().then(() => 'ok', (e: Error) => e.name);
    const rs = await j.read();
    expect(err).toBe('ReconciliationError');
    expect(x.submits.length).toBe(submits);
    expect(rs.slice(k + 1).filter((r) => r.type === 'flatten' || r.type === 'intent')).toEqual([]);
  });
});

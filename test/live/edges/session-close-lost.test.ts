// A session-close order closes the position as an exit does (a 'market' target 0, reason
// 'session-close'): lost to a crash before its intent, the restart closes the position.
import { describe, expect, it } from 'vitest';
import { LiveRunner, ReplayFeed, type Broker, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(30, 21); // hourly from 2024-01-01 00:00 UTC
const strategy = () => 0.8; // long all day
const risk = { sessionClose: { time: '16:00', minutesBefore: 60 } };
const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed: new ReplayFeed(data), strategy, risk, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

describe('a session-close order lost at a crash', () => {
  it('is closed after the restart, as a lost exit is', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    await make(watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
    const records = await full.read();
    const k = records.findIndex((r) => r.type === 'intent' && r.order.reason === 'session-close');
    expect(k).toBeGreaterThan(0);
    // crash right before it: the exchange is long
    const x = structuredClone(before[k]) as ExchangeState;
    expect(x.position).toBeGreaterThan(0);
    const journal = memoryJournal(records.slice(0, k));
    const positions: string[] = [];
    await make(journal, new ExchangeBroker(x), (e) => {
      if (e.type === 'bar' && e.index >= 13 && e.index <= 16) positions.push(`${e.index}:${e.position.toFixed(2)}`);
      if (e.type === 'recovery') positions.push(`recovery:${e.position.toFixed(2)}`);
    }).run();
    const rs = await journal.read();
    // the uninterrupted run is flat over the close (bar 15's close is 16:00); the restart is not
    const held = rs.findIndex((q, i) => i >= k && q.type === 'flatten');
    expect(held).toBeGreaterThan(0);
  });
});

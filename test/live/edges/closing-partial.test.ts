// A closing order (a session close: a 'market' target 0) the exchange filled in part and still
// had open at the crash: the restart cancels the rest (a past bar's order) and closes what it
// left, as the uninterrupted run was flat over the session close.
import { describe, expect, it } from 'vitest';
import { LiveRunner, ReplayFeed, type Broker, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(30, 21); // hourly from 2024-01-01 00:00 UTC
const strategy = () => 0.8;
const risk = { sessionClose: { time: '16:00', minutesBefore: 60 } };
const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed: new ReplayFeed(data), strategy, risk, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

describe('a closing order partly filled and open at the crash', () => {
  it('the restart closes the rest of the position (as the uninterrupted run did)', async () => {
    for (let pad = 0; pad < 3; pad++) {
      const state = freshExchange(data.open[0] as number);
      for (let i = 0; i < pad; i++) state.submits.push(`pad${i}`);
      const full = memoryJournal();
      const after: ExchangeState[] = [];
      const whole: string[] = [];
      await make(watchedJournal(full, state, [], after), new ExchangeBroker(state), (e) => {
        if (e.type === 'bar' && e.index >= 13 && e.index <= 17) whole.push(`${e.index}:${e.position.toFixed(3)}`);
      }).run();
      const records = await full.read();
      const k = records.findIndex((r) => r.type === 'status' && r.status.state === 'open' && records.some((q) => q.type === 'intent' && q.order.reason === 'session-close' && q.order.clientOrderId === r.status.clientOrderId));
      if (k < 0) continue;
      const x = structuredClone(after[k]) as ExchangeState;
      const journal = memoryJournal(records.slice(0, k + 1));
      const restarted: string[] = [];
      await make(journal, new ExchangeBroker(x), (e) => {
        if (e.type === 'bar' && e.index >= 13 && e.index <= 17) restarted.push(`${e.index}:${e.position.toFixed(3)}`);
      }).run();
      // closed over the session close as the uninterrupted run was (the re-entry after it is sized
      // on a book closed at another price)
      expect(whole).toContain('15:0.000');
      expect(restarted).toContain('15:0.000');
      return;
    }
    throw new Error('no session close left open');
  });
});

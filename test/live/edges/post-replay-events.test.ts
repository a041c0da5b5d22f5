// The post-replay flatten (an exit the crash kept from the exchange) tells a 'risk' kill-switch
// 'exit', not 'stop': the run trades on.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Broker, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(70, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed: new ReplayFeed(data), strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

describe('events of the post-replay flatten', () => {
  it('say the run stopped, and come before the recovery event', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    await make(watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
    const records = await full.read();
    const k = records.findIndex((r) => r.type === 'intent' && r.order.type === 'exit' && r.order.reason === 'stop-loss');
    const events: LiveEvent[] = [];
    const r = await make(memoryJournal(records.slice(0, k)), new ExchangeBroker(structuredClone(before[k]) as ExchangeState), (e) => events.push(e)).run();
    expect(events).toContainEqual(expect.objectContaining({ type: 'risk', rule: 'kill-switch', action: 'exit', message: 'flattened: an exit the crash kept from the exchange; trading on' }));
    const stop = events.findIndex((e) => e.type === 'risk' && e.action === 'stop');
    expect(r.stopReason).toBe('feed-ended');
    expect(stop).toBe(-1);
  });
});

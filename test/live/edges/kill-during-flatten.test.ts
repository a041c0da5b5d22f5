// kill() while the restart's post-replay flatten runs (a SIGTERM handler, or onEvent): the run
// stops at once, without waiting for the feed's next bar (an hour away on 1h bars).
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../../src/index.js';
import { LiveRunner, ReplayFeed, type Bar, type Broker, type Feed, type LiveEvent } from '../../../src/live/index.js';
import { memoryJournal, type Journal } from '../../../src/live/journal.js';
import { randomBars } from '../../helpers/randomBars.js';
import { meanCross } from '../../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../../helpers/exchangeBroker.js';

const data = randomBars(70, 21);
const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
const make = (feed: Feed, journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void) =>
  new LiveRunner({ feed, strategy: longFlat, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

/** A live feed started after the last journaled bar: nothing until close() (the next bar is an hour away). */
function liveFeed(): Feed & { closed: boolean } {
  let wake: () => void = () => {};
  const closedP = new Promise<void>((r) => (wake = r));
  const f = {
    closed: false,
    timeframe: '1h',
    async close() {
      f.closed = true;
      wake();
    },
    // eslint-disable-next-line require-yield
    async *[Symbol.asyncIterator](): AsyncIterator<Bar> {
      await closedP;
    },
  };
  return f;
}

describe('kill() during the post-replay flatten', () => {
  it('stops the run promptly', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    await make(new ReplayFeed(data), watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
    const records = await full.read();
    // a crash right before a stop-loss exit's intent: the restart flattens after the replay
    const k = records.findIndex((r) => r.type === 'intent' && r.order.type === 'exit' && r.order.reason === 'stop-loss');
    const lastBar = records.slice(0, k).reduce((m, q) => (q.type === 'bar' ? q.index : m), -1);
    const feed = liveFeed();
    expect(lastBar).toBeGreaterThan(0);
    let killedAt = '';
    const runner: LiveRunner = make(feed, memoryJournal(records.slice(0, k)), new ExchangeBroker(structuredClone(before[k]) as ExchangeState), (e) => {
      // the operator's SIGTERM lands while the restart's own flatten sends its exit
      if (e.type === 'risk' && e.rule === 'kill-switch' && e.action === 'exit' && killedAt === '') {
        killedAt = e.message;
        runner.kill('SIGTERM');
      }
    });
    const outcome = await Promise.race([runner.run().then((r) => r.stopReason), new Promise((r) => setTimeout(() => r('still running 2 s after kill()'), 2000))]);
    expect(killedAt).not.toBe('');
    expect(outcome).toBe('kill-switch');
    if (!feed.closed) await feed.close();
  });
});

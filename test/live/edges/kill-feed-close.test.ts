// kill() closes the feed: a feed whose close rejects (an exchange's websocket close failing) is
// the run's fault, never an unhandled rejection (which ends a Node process by default).
import { describe, expect, it } from 'vitest';
import { LiveRunner, ReplayFeed } from '../../../src/live/index.js';
import { randomBars } from '../../helpers/randomBars.js';

describe('kill() and a feed whose close() rejects', () => {
  it('no unhandled rejection', async () => {
    const data = randomBars(10, 3);
    const inner = new ReplayFeed(data);
    let calls = 0;
    const feed = {
      symbol: data.symbol,
      timeframe: data.timeframe,
      [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
      close: () => (++calls === 1 ? Promise.reject(new Error('websocket close failed')) : Promise.resolve()),
    };
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', on);
    try {
      const runner = new LiveRunner({ feed: feed as never, strategy: () => 0.5, account: {} });
      runner.kill('SIGTERM'); // before run(), as a signal handler may
      await runner.run().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', on);
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});

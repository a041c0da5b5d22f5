// A restart of a restart after the post-replay flatten, cut after every record of the first
// restart, with the exchange as it was right after or right before that append: no id sent
// twice, each fill journaled once, the books agree.
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

describe('restart of a restart after the post-replay flatten', () => {
  for (const reason of ['stop-loss', 'kill-switch'] as const) {
    it(`cut at every record of the first restart (${reason} exit lost)`, async () => {
      const state = freshExchange(data.open[0] as number);
      const full = memoryJournal();
      const before: ExchangeState[] = [];
      const first: LiveRunner = make(watchedJournal(full, state, before, []), new ExchangeBroker(state), reason === 'kill-switch' ? (e) => e.type === 'bar' && e.index === 20 && first.kill('operator') : undefined);
      await first.run();
      const records = await full.read();
      const k = records.findIndex((r) => r.type === 'intent' && r.order.type === 'exit' && r.order.reason === reason);
      expect(k).toBeGreaterThan(0);
      // restart 1: crash right before that exit's intent
      const x1 = structuredClone(before[k]) as ExchangeState;
      const b1: ExchangeState[] = [];
      const a1: ExchangeState[] = [];
      const j1 = memoryJournal(records.slice(0, k));
      const ev1: LiveEvent[] = [];
      const r1 = await make(watchedJournal(j1, x1, b1, a1), new ExchangeBroker(x1), (e) => ev1.push(e)).run();
      const rs1 = await j1.read();
      const flat = rs1.findIndex((q, i) => i >= k && q.type === 'flatten');
      expect(flat).toBeGreaterThan(0);
      expect(ev1.find((e) => e.type === 'recovery')).toMatchObject({ position: 0 });
      const problems: string[] = [];
      for (let j = k + 1; j <= rs1.length; j++) {
        for (const [name, xs] of [['after', a1[j - 1 - k]], ['before', b1[j - k]]] as const) {
          if (xs === undefined) continue;
          const x = structuredClone(xs) as ExchangeState;
          const journal = memoryJournal(rs1.slice(0, j));
          const broker = new ExchangeBroker(x);
          const events: LiveEvent[] = [];
          let r;
          try {
            r = await make(journal, broker, (e) => events.push(e)).run();
          } catch (e) {
            problems.push(`cut ${j} (${name}, last ${rs1[j - 1]?.type}): threw ${(e as Error).name}: ${(e as Error).message}`);
            continue;
          }
          const rs = await journal.read();
          const subs = x.submits;
          if (new Set(subs).size !== subs.length) problems.push(`cut ${j} (${name}): an id submitted twice`);
          const intents = rs.flatMap((q) => (q.type === 'intent' ? [q.order.clientOrderId] : []));
          if (new Set(intents).size !== intents.length) problems.push(`cut ${j} (${name}): an intent twice`);
          const traded = Object.values(x.orders).flatMap((o) => o.fills.map((f) => f.fillId)).sort();
          const journaled = rs.flatMap((q) => (q.type === 'fill' ? [q.fill.fillId] : [])).sort();
          if (JSON.stringify(traded) !== JSON.stringify(journaled)) problems.push(`cut ${j} (${name}): fills ${journaled.length} journaled vs ${traded.length} traded`);
          if (Math.abs((broker.account.positions[0] as number) - x.position) > 1e-6) problems.push(`cut ${j} (${name}): book ${broker.account.positions[0]} vs exchange ${x.position}`);
          if (r.stopReason !== 'feed-ended') problems.push(`cut ${j} (${name}): ${r.stopReason}`);
          // the final positions: the same as the uninterrupted first restart
          if (Math.abs((r.positions.at(-1) as number) - (r1.positions.at(-1) as number)) > 1e-6) problems.push(`cut ${j} (${name}): ends at ${r.positions.at(-1)} vs ${r1.positions.at(-1)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

// Crash safety against an exchange: children trade through CcxtBroker (ccxt's real binance
// class) against the fake Binance served from this process, each SIGKILLed right after a
// journal step (and at seeded random instants) and restarted from the journal. The exchange
// outlives them all, so afterwards it must show: no client order id placed twice, every trade
// of our orders in the journal exactly once, and the position and cash the last runner's
// account holds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBars } from '../helpers/randomBars.js';
import { cashSlack, start, type FakeOrdersServer } from '../helpers/fakeBinanceOrders.js';
import { RUN } from './crash-child.js';
import { buildChild, journalOf, killChain, runChild, schedule } from './crash-harness.js';

const root = mkdtempSync(join(tmpdir(), 'tradegym-crash-ccxt-'));
let child: Awaited<ReturnType<typeof buildChild>>;
let fake: FakeOrdersServer;
beforeAll(async () => {
  child = await buildChild();
  fake = await start({ balances: { USDT: 10_000 }, price: randomBars(RUN.bars, RUN.seed).close[0] as number });
  // every other order fills in two parts, the second at the next poll: orders are left open at
  // the exchange when a child dies, and a restart must book their fills once, at their place
  let placed = 0;
  Object.defineProperty(fake.state, 'partialFills', { get: () => (placed++ % 2 === 0 ? [0.5, 0.5] : undefined), set: () => undefined });
}, 60_000);
afterAll(async () => {
  child?.remove();
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a LiveRunner with CcxtBroker on a fileJournal, SIGKILLed again and again', () => {
  it('places no order twice, journals every exchange trade once, and ends holding what the exchange holds', async () => {
    const journal = join(root, 'ccxt.journal');
    const base = { journal, broker: 'ccxt', url: fake.url } as const;
    // as in crash.test.ts, and right after a restart's reconciliation
    const kills = schedule(21, ['bar', 'intent', 'status', 'fill', 'reconcile'], 2, 7, 600);
    const chain = await killChain(child.script, base, kills);
    expect(chain.kills).toBeGreaterThanOrEqual(20);
    for (const step of ['bar', 'intent', 'status', 'fill', 'reconcile']) expect(chain.killedAfter).toContain(step);

    const out = join(root, 'ccxt.out.json');
    const last = await runChild(child.script, { ...base, out });
    expect(last.code, last.stderr).toBe(0);
    const book = JSON.parse(readFileSync(out, 'utf8')) as { position: string; cash: string; equity: string[] };
    expect(book.equity.length).toBe(RUN.bars);

    const { orders, trades, balances } = fake.state;
    expect(orders.length).toBeGreaterThan(3);
    // partial fills happened: orders with more than one trade
    expect(orders.filter((o) => trades.filter((t) => t.clientOrderId === o.clientOrderId).length > 1).length).toBeGreaterThan(1);
    // no client order id placed twice (the fake would refuse a duplicate: none was even sent)
    expect(new Set(orders.map((o) => o.clientOrderId)).size).toBe(orders.length);
    const sent = fake.state.requests.filter((r) => r.startsWith('POST /api/v3/order')).map((r) => new URLSearchParams(r.split(' ')[2]).get('newClientOrderId'));
    expect(new Set(sent).size).toBe(sent.length);

    // every exchange trade of our orders is in the journal exactly once, as it was
    const records = await journalOf(journal);
    const journaled = records.flatMap((r) => (r.type === 'fill' ? [r.fill] : []));
    expect(journaled.map((f) => f.fillId).sort()).toEqual(trades.map((t) => String(t.id)).sort());
    for (const t of trades) {
      const f = journaled.find((x) => x.fillId === String(t.id));
      expect(f?.clientOrderId).toBe(t.clientOrderId);
      expect(f?.price).toBeCloseTo(t.price, 6); // the API's decimals
    }
    // each journaled intent once; an intent the exchange never saw is journaled as not placed
    const intents = records.flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
    expect(new Set(intents).size).toBe(intents.length);
    for (const o of orders) expect(intents).toContain(o.clientOrderId);

    // the exchange's book is the runner's
    const position = balances.BTC.free + balances.BTC.locked;
    const cash = balances.USDT.free + balances.USDT.locked;
    expect(Number(book.position)).toBeCloseTo(position, 9);
    expect(Math.abs(Number(book.cash) - cash)).toBeLessThanOrEqual(cashSlack(fake.state)); // the API's 8 decimals
    // each restart reconciled, and every reconciliation agreed
    const reconciled = records.filter((r) => r.type === 'reconcile');
    expect(reconciled.length).toBeGreaterThan(10);
    expect(reconciled.every((r) => r.type === 'reconcile' && r.ok)).toBe(true);
  }, 120_000);
});

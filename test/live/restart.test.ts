// A restart from the journal, in process: a paper run whose journal is cut after its k-th record
// (what a crash right after that durable append leaves) and restarted on a fresh broker ends
// exactly as the uninterrupted run (Object.is on every number) and as backtest(), for every k;
// its journal then holds the uninterrupted run's records, each intent once. A changed strategy
// is refused before anything is placed. Through an exchange (a broker outside the process), a
// restart at any point sends no order twice, journals every fill once and agrees with the
// exchange, or refuses to trade.
import { describe, expect, it } from 'vitest';
import { backtest, DataValidationError, FeaturePipeline, InvalidArgumentError, RegimeGenerator, type MarketData, type RiskOptions, type StrategyContext } from '../../src/index.js';
import { LiveRunner, ReplayFeed, replayFeatures, type Bar, type Broker, type Feed, type LiveEvent, type LiveResult } from '../../src/live/index.js';
import { fileJournal, memoryJournal, ReconciliationError, RecoveryError, type Journal, type JournalRecord } from '../../src/live/journal.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBars } from '../helpers/randomBars.js';
import { meanCross } from '../helpers/strategies.js';
import { ExchangeBroker, freshExchange, watchedJournal, type ExchangeState } from '../helpers/exchangeBroker.js';

function expectSame(a: LiveResult, b: LiveResult): void {
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => (x.length !== y.length ? -2 : Array.from(x).findIndex((v, i) => !Object.is(v, y[i])));
  expect(diff(a.timestamps, b.timestamps)).toBe(-1);
  expect(diff(a.equity, b.equity)).toBe(-1);
  expect(diff(a.positions, b.positions)).toBe(-1);
  expect(a.trades).toEqual(b.trades);
  a.trades.forEach((t, k) => expect(Object.is(t.pnl, b.trades[k]?.pnl)).toBe(true));
  expect(Object.is(a.fees, b.fees)).toBe(true);
  expect(Object.is(a.borrow, b.borrow)).toBe(true);
  expect(a.riskEvents).toEqual(b.riskEvents);
}

/** The records without the `start` each (re)start writes. */
const body = (rs: readonly JournalRecord[]) => rs.filter((r) => r.type !== 'start');
/** The records as text, every number kept exactly (NaN and -0 too): a fast exact comparison. */
const text = (rs: readonly JournalRecord[]) => JSON.stringify(body(rs), (_k, v: unknown) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v));

/** Each intent's client id appears at most once. */
function intentsOnce(rs: readonly JournalRecord[]): void {
  const ids = rs.flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
  expect(new Set(ids).size).toBe(ids.length);
}

type Make = (journal: ReturnType<typeof memoryJournal>) => LiveRunner;

/**
 * Runs once uninterrupted, then for each cut k restarts on the first k records: the result and
 * the journal must be the uninterrupted run's. @returns the number of records and of cuts tried.
 */
async function everyCut(make: Make, step = 1): Promise<{ records: number; cuts: number; reference: LiveResult }> {
  const full = memoryJournal();
  const reference = await make(full).run();
  const records = await full.read();
  intentsOnce(records);
  expect(records.filter((r) => r.type === 'intent').length).toBeGreaterThan(10);
  let cuts = 0;
  for (let k = 1; k < records.length; k += step) {
    const journal = memoryJournal(records.slice(0, k));
    const runner = make(journal);
    const restarted = await runner.run();
    expectSame(restarted, reference);
    expect(text(await journal.read())).toBe(text(records));
    cuts++;
  }
  return { records: records.length, cuts, reference };
}

/** A replay of `data` whose `n`-th bar is `change(bar, n)` (which may throw, as a feed fails). */
function feedOf(data: MarketData, change: (bar: Bar, n: number) => Bar): Feed {
  const replay = new ReplayFeed(data);
  return {
    timeframe: replay.timeframe,
    close: () => replay.close(),
    async *[Symbol.asyncIterator]() {
      let n = 0;
      for await (const b of replay) yield change(b, n++);
    },
  };
}

/** A deterministic function of the whole observation (window and account features): 3 actions. */
const agent = {
  predict: (o: Float32Array) => {
    let s = 0;
    for (let i = 0; i < o.length; i++) s += Math.sin(o[i]! * (i + 1) * 5.1);
    return Math.floor(Math.abs(s) * 10) % 3;
  },
};

const RISKS: [string, RiskOptions][] = [
  ['no rules', {}],
  ['stop loss, take profit, cooldown', { stopLoss: 0.01, takeProfit: 0.02, cooldownBars: 4 }],
  ['trailing stop, minHoldBars, daily loss limit, volatility sizing', { trailingStop: 0.012, minHoldBars: 5, dailyLossLimit: 0.01, sizing: { kind: 'volatility', targetVolatility: 0.004 } }],
];

describe('a paper run restarted from its journal cut after any record', () => {
  const data = randomBars(100, 12);
  // every cut of the first; every 4th of the others (the cuts are O(records^2) bars to replay)
  it.each(RISKS.flatMap(([name, risk], i) => (['next-open', 'close'] as const).map((execution, e) => [name, execution, risk, i + e === 0 ? 1 : 4] as const)))(
    '%s (%s): equals the uninterrupted run and backtest()',
    async (_name, execution, risk, step) => {
      const account = { fee: 10, slippage: 3, borrowRate: 1e-5 };
      const make: Make = (journal) => new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), account, execution, risk, journal });
      const { records, cuts, reference } = await everyCut(make, step);
      expect(cuts).toBe(Math.ceil((records - 1) / step));
      const bt = backtest({ data, strategy: meanCross(8), account, execution, risk });
      expect(Array.from(reference.equity)).toEqual(Array.from(bt.equity));
      expect(reference.trades).toEqual(bt.trades);
      expect(Object.is(reference.fees, bt.fees)).toBe(true);
    },
  );

  it('an agent with streamed features, closing at the end: the features and the stepper are rebuilt too', async () => {
    const d: MarketData = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 120, seed: 5 }).data;
    const frame = new FeaturePipeline(['logReturns', 'rsi']).compute(d);
    const make: Make = (journal) =>
      new LiveRunner({
        feed: new ReplayFeed(d),
        strategy: { agent, features: replayFeatures(frame), windowSize: 6, actionScheme: 'discrete-3' },
        account: { fee: 5 },
        risk: { stopLoss: 0.01, cooldownBars: 3 },
        closeAtEnd: true,
        journal,
      });
    const { cuts } = await everyCut(make, 5);
    expect(cuts).toBeGreaterThan(25);
  });

  // the kill switch pulled at a bar's end, between a decision and its order (the order is
  // refused: a 'blocked' record), or during a bar's fills (no decision: a 'skip' record)
  it.each([
    ['at the end of bar 60', 'flatten'],
    ['between a decision and its order', 'blocked'],
    ['during the fills of a bar', 'skip'],
  ] as const)('a run stopped by its kill switch %s replays its flattening, and the restart trades on', async (when, record) => {
    const journal = memoryJournal();
    let last = Number.NaN;
    const trigger = (e: LiveEvent): boolean => {
      if (when === 'at the end of bar 60') return e.type === 'bar' && e.index === 60;
      if (when === 'during the fills of a bar') return e.type === 'fill' && e.index >= 60;
      if (e.type !== 'signal') return false;
      const changes = e.index >= 60 && e.target !== last;
      last = e.target;
      return changes;
    };
    const runner: LiveRunner = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal, onEvent: (e) => trigger(e) && runner.kill('operator') });
    const killed = await runner.run();
    expect(killed.stopReason).toBe('kill-switch');
    const records = await journal.read();
    const at = killed.equity.length - 1;
    expect(records.some((r) => r.type === 'flatten' && r.index === at && r.reason === 'operator')).toBe(true);
    expect(records.some((r) => r.type === record)).toBe(true);
    const events: LiveEvent[] = [];
    const restart = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records), onEvent: (e) => events.push(e) });
    const r = await restart.run();
    // the bars up to the kill are the killed run's book, exactly; trading goes on after
    expect(Array.from(r.equity.subarray(0, at + 1))).toEqual(Array.from(killed.equity));
    expect(r.equity.length).toBe(data.length);
    expect(killed.positions.at(-1)).toBe(0);
    expect(r.trades.length).toBeGreaterThan(killed.trades.length);
    expect(events[0]).toMatchObject({ type: 'recovery', index: at, bars: at + 1, resolved: 0, position: 0 });
    expect(events.filter((e) => e.type === 'bar')[0]).toMatchObject({ index: at + 1 }); // replayed bars are not told again
  });

  // a failure inside a bar (the strategy or the agent throws): journaled before the flatten, so
  // a restart replays through it, whether the failure comes back in the replay or not
  describe('a run stopped by a failure at a bar restarts past it', () => {
    const failing = (at: number, times: number) => {
      let left = times;
      return (ctx: StrategyContext): number => {
        if (ctx.index === at && left-- > 0) throw new Error(`model server down at ${at}`);
        return meanCross(8)(ctx);
      };
    };
    /** The bars of the uninterrupted run with and without a signal order. */
    const ordering = async () => {
      const full = memoryJournal();
      await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: full }).run();
      const at = new Set((await full.read()).flatMap((r) => (r.type === 'intent' && r.order.reason === 'signal' ? [r.order.index] : [])));
      const quiet = Array.from({ length: 40 }, (_, k) => 40 + k).filter((b) => !at.has(b));
      return { orderAt: [...at].find((b) => b >= 40) as number, quietAt: quiet[0] as number };
    };

    it.each([
      ['every time (a bug at that bar: it fails again in the replay)', Infinity, 'orderAt'],
      ['once, where the decision orders (the replay orders where the run failed)', 1, 'orderAt'],
      ['once, where the decision orders nothing', 1, 'quietAt'],
    ] as const)('failing %s', async (_when, times, which) => {
      const at = (await ordering())[which];
      const journal = memoryJournal();
      const runner = new LiveRunner({ feed: new ReplayFeed(data), strategy: failing(at, times), account: { fee: 10 }, journal });
      const err = await runner.run().catch((e: unknown) => e);
      expect((err as Error).message).toBe(`model server down at ${at}`);
      const failed = runner.result;
      const records = await journal.read();
      const k = records.findIndex((r) => r.type === 'error');
      expect(records[k]).toEqual({ type: 'error', index: at, phase: 'step', name: 'Error', message: `model server down at ${at}` });
      expect(records[k + 1]).toEqual({ type: 'flatten', index: at, reason: 'error' });
      expect(failed.positions.at(-1)).toBe(0);

      // the restart (the failure fixed, or not: a bug at that bar fails in the replay again)
      const strategy = times === Infinity ? failing(at, times) : meanCross(8);
      const events: LiveEvent[] = [];
      const again = memoryJournal(records);
      const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy, account: { fee: 10 }, journal: again, onEvent: (e) => events.push(e) }).run();
      expect(r.stopReason).toBe('feed-ended');
      expect(events[0]).toMatchObject({ type: 'recovery', index: at, position: 0 });
      // the failed bar was never finished: the book has every bar but it, the failed run's up to it exactly
      expect(Array.from(r.timestamps)).toEqual(Array.from(data.timestamps).filter((_, b) => b !== at));
      expect(Array.from(r.equity.subarray(0, at))).toEqual(Array.from(failed.equity));
      const rs = await again.read();
      intentsOnce(rs);
      expect(text(rs.slice(0, records.length))).toBe(text(records));

      // and that journal, cut anywhere after the failure (right after its error record, before
      // the flatten, too: the restart flattens then), restarts into the same book
      const full = rs.length;
      for (let c = k + 1; c < full; c += 3) {
        const cut = await new LiveRunner({ feed: new ReplayFeed(data), strategy: times === Infinity ? failing(at, times) : meanCross(8), account: { fee: 10 }, journal: memoryJournal(rs.slice(0, c)) }).run();
        expectSame(cut, r);
      }
    });

    it('a failure the journal does not hold (the journal ends in that bar) is this run\'s: journaled, flattened, and the next restart goes past it', async () => {
      const { orderAt: at } = await ordering();
      const full = memoryJournal();
      await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), account: { fee: 10 }, journal: full }).run();
      const records = await full.read();
      const bar = records.findIndex((r) => r.type === 'bar' && r.index === at);
      // killed right after bar `at` was journaled; restarted with a strategy that fails there
      const journal = memoryJournal(records.slice(0, bar + 1));
      const err = await new LiveRunner({ feed: new ReplayFeed(data), strategy: failing(at, Infinity), account: { fee: 10 }, journal }).run().catch((e: unknown) => e);
      expect((err as Error).message).toBe(`model server down at ${at}`);
      const rs = await journal.read();
      const k = rs.findIndex((q) => q.type === 'error');
      expect(k).toBeGreaterThan(bar);
      expect(rs.slice(k, k + 2)).toEqual([
        { type: 'error', index: at, phase: 'step', name: 'Error', message: `model server down at ${at}` },
        { type: 'flatten', index: at, reason: 'error' },
      ]);
      const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: failing(at, Infinity), account: { fee: 10 }, journal: memoryJournal(rs) }).run();
      expect(r.stopReason).toBe('feed-ended');
      expect(r.timestamps.length).toBe(data.length - 1);
    });
  });

  it('a feed failing between bars: journaled as such; a restart cut anywhere after it, before its flatten too, ends as the whole one', async () => {
    const bad = feedOf(data, (b, n) => {
      if (n === 60) throw new Error('socket closed');
      return b;
    });
    const make = (journal: Journal, feed: Feed = new ReplayFeed(data)) => new LiveRunner({ feed, strategy: meanCross(8), account: { fee: 10 }, journal });
    const j = memoryJournal();
    await expect(make(j, bad).run()).rejects.toThrow('socket closed');
    const records = await j.read();
    const k = records.findIndex((r) => r.type === 'error');
    expect(records[k]).toEqual({ type: 'error', index: 59, phase: 'feed', name: 'Error', message: 'socket closed' });
    expect(records[k + 1]).toEqual({ type: 'flatten', index: 59, reason: 'error' });
    const whole = await make(memoryJournal(records)).run();
    expect(whole.equity.length).toBe(data.length); // nothing of a bar failed: every bar is in the book
    for (let c = k + 1; c <= records.length; c++) expectSame(await make(memoryJournal(records.slice(0, c))).run(), whole);
  });

  it("an agent's features failing once while a next-open order waits: the restart feeds them the bar and fills nothing the run did not", async () => {
    const d: MarketData = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 120, seed: 5 }).data;
    const frame = new FeaturePipeline(['logReturns', 'rsi']).compute(d);
    const flaky = (at: number, times: number) => {
      const inner = replayFeatures(frame);
      let left = times;
      return { names: inner.names, warmup: inner.warmup, update: (bar: Bar) => (bar.timestamp === d.timestamps[at] && left-- > 0 ? fail() : inner.update(bar)) };
    };
    const fail = (): never => {
      throw new Error('feature service down');
    };
    const make = (journal: Journal, features: ReturnType<typeof flaky>) => new LiveRunner({ feed: new ReplayFeed(d), strategy: { agent, features, windowSize: 6, actionScheme: 'discrete-3' }, account: { fee: 5 }, journal });
    const full = memoryJournal();
    await make(full, flaky(0, 0)).run();
    // a bar whose open fills the previous bar's signal order (next-open)
    const at = 1 + ((await full.read()).flatMap((r) => (r.type === 'intent' && r.order.reason === 'signal' && r.order.index > 40 ? [r.order.index] : []))[0] as number);
    const journal = memoryJournal();
    const runner = make(journal, flaky(at, 1));
    await expect(runner.run()).rejects.toThrow('feature service down');
    const records = await journal.read();
    const k = records.findIndex((r) => r.type === 'error');
    expect(records[k]).toMatchObject({ index: at, phase: 'features' });
    expect(records[k - 1]).toMatchObject({ type: 'bar', index: at }); // nothing of the bar was done: the order waits
    // the service is back: the restart goes through the failure (the waiting order canceled, as the run did)
    const r = await make(memoryJournal(records), flaky(at, 0)).run();
    expect(r.stopReason).toBe('feed-ended');
    expect(r.trades.slice(0, runner.result.trades.length)).toEqual(runner.result.trades);
    expect(Array.from(r.equity.subarray(0, runner.result.equity.length))).toEqual(Array.from(runner.result.equity));
  });

  it('a kill() that lands while a restart replays (a SIGTERM handler) stops the run after the replay', async () => {
    const full = memoryJournal();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: full }).run();
    const records = (await full.read()).slice(0, 150);
    const last = records.reduce((m, q) => (q.type === 'bar' ? q.index : m), -1);
    // the strategy stands for the handler: the replay calls it
    const strategy = (ctx: StrategyContext) => {
      if (ctx.index === 20) runner.kill('SIGTERM');
      return meanCross(8)(ctx);
    };
    const runner: LiveRunner = new LiveRunner({ feed: new ReplayFeed(data), strategy, journal: memoryJournal(records) });
    const r = await runner.run();
    expect(r.stopReason).toBe('kill-switch');
    expect(r.equity.length).toBe(last + 1);
    expect(r.positions.at(-1)).toBe(0);
  });

  it('gives each run its own client order ids, kept across restarts; a version 1 journal restarts with its old ids', async () => {
    const a = memoryJournal();
    const b = memoryJournal();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: a, now: () => 0 }).run();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: b, now: () => 0 }).run();
    const ids = async (j: Journal) => (await j.read()).flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
    const [x, y] = [await ids(a), await ids(b)];
    expect(x.length).toBeGreaterThan(10);
    for (const id of [...x, ...y]) expect(id).toMatch(/^tg-[0-9a-z]+-\d+-\d+$/);
    // the same clock: still two runs, no id in common
    expect(x.filter((id) => y.includes(id))).toEqual([]);
    const runOf = (id: string) => id.split('-')[1];
    expect(new Set(x.map(runOf)).size).toBe(1);
    expect(runOf(x[0] as string)).not.toBe(runOf(y[0] as string));

    // a journal written before run ids (version 1: no run, no book) restarts with ids <prefix><bar>-<n>
    const run = runOf(x[0] as string) as string;
    const v1 = (await a.read()).map((r): JournalRecord => {
      if (r.type === 'start') return { type: 'start', version: 1, prefix: r.prefix, timeframe: r.timeframe, paper: r.paper };
      const old = (id: string) => id.replace(`tg-${run}-`, 'tg-');
      if (r.type === 'intent') return { ...r, order: { ...r.order, clientOrderId: old(r.order.clientOrderId) } };
      if (r.type === 'status') return { ...r, status: { ...r.status, clientOrderId: old(r.status.clientOrderId) } };
      if (r.type === 'fill') return { ...r, fill: { ...r.fill, clientOrderId: old(r.fill.clientOrderId) } };
      if (r.type === 'cancel') return { ...r, clientOrderId: old(r.clientOrderId), ...(r.status !== undefined ? { status: { ...r.status, clientOrderId: old(r.status.clientOrderId) } } : {}) };
      return r;
    });
    const reference = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8) }).run();
    const cut = v1.slice(0, Math.floor(v1.length / 2));
    const j = memoryJournal(cut);
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: j }).run();
    expectSame(r, reference);
    const after = await ids(j);
    for (const id of after) expect(id).toMatch(/^tg-\d+-\d+$/);
    intentsOnce(await j.read());
  });

  it('refuses a second runner on a journal in use, in one process: the same Journal, or the same file', async () => {
    const journal = memoryJournal();
    const a = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal });
    const b = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal });
    const [ra, rb] = await Promise.allSettled([a.run(), b.run()]);
    expect(ra.status).toBe('fulfilled');
    expect(rb.status === 'rejected' && String(rb.reason)).toMatch(/its journal is in use by another running LiveRunner/);
    intentsOnce(await journal.read());
    const file = join(mkdtempSync(join(tmpdir(), 'tg-two-')), 'run.journal');
    const [fa, fb] = await Promise.allSettled([new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: file }).run(), new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: file }).run()]);
    expect([fa.status, fb.status].sort()).toEqual(['fulfilled', 'rejected']);
    const reason = fa.status === 'rejected' ? fa.reason : fb.status === 'rejected' ? fb.reason : undefined;
    expect(String(reason)).toMatch(/is held by this process already: one journal takes one live runner/);
    const again = fileJournal(file);
    intentsOnce(await again.read());
    await again.close();
  });

  it('refuses a restart whose paper account starts from another book than the journal\'s run', async () => {
    const journal = memoryJournal();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), account: { fee: 10 }, journal }).run();
    const records = (await journal.read()).slice(0, 60);
    const again = memoryJournal(records);
    const err = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), account: { fee: 20 }, journal: again }).run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryError);
    expect((err as Error).message).toMatch(/the journal's run started from another book \(the account's cash or costs changed between runs\): .*"fee":10.*this runner's .*"fee":20/);
    expect(text(await again.read())).toBe(text(records)); // nothing placed or journaled but its start
  });

  it('journals no bad bar: a run stopped by one restarts on a good feed', async () => {
    const journal = memoryJournal();
    // bars 0..49, then bar 10 again: out of order
    const bad = feedOf(data, (b, n) => (n === 50 ? { ...b, timestamp: data.timestamps[10] as number } : b));
    const err = await new LiveRunner({ feed: bad, strategy: meanCross(8), journal }).run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    const records = await journal.read();
    expect(records.filter((r) => r.type === 'bar').at(-1)).toMatchObject({ index: 49 });
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records) }).run();
    expect(r.stopReason).toBe('feed-ended');
    expect(r.equity.length).toBe(data.length);
  });

  it('refuses a changed strategy, order by order, before placing or journaling anything', async () => {
    const journal = memoryJournal();
    await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal }).run();
    const records = (await journal.read()).slice(0, 200);
    const again = memoryJournal(records);
    const events: LiveEvent[] = [];
    const changed = new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(9), journal: again, onEvent: (e) => events.push(e) });
    const err = await changed.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryError);
    expect((err as Error).message).toMatch(/^journal record \d+: (the replay ordered tg-\d+-\d+|an intent record the replay did not make).*the strategy, its options, the history or the broker changed/);
    expect(body(await again.read())).toEqual(body(records)); // nothing journaled but the start
    expect(events.map((e) => e.type)).toEqual(['error', 'stop']); // no order, no fill, no flattening
    // another prefix or timeframe is another runner's journal
    const other = await new LiveRunner({ feed: new ReplayFeed(data), strategy: meanCross(8), journal: memoryJournal(records), orderIdPrefix: 'x-' }).run().catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RecoveryError);
    expect((other as Error).message).toContain('prefix "tg-"');
  });

  it('refuses a bad journal option, and a broker outside the process that cannot restore fills', () => {
    const feed = new ReplayFeed(data);
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), journal: 5 as unknown as string })).toThrow(InvalidArgumentError);
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), journal: '' })).toThrow('journal must be a non-empty file path or a Journal, got ""');
    const outside = { paper: false, account: new LiveRunner({ feed, strategy: meanCross(8) }).account, onBar: async () => {}, submit: async () => ({}), cancel: async () => undefined, status: async () => undefined, onFill: () => () => {} } as unknown as Broker;
    expect(() => new LiveRunner({ feed, strategy: meanCross(8), broker: outside, realOrders: true, journal: memoryJournal() })).toThrow(/broker must be a broker with saveBook, restoreBook, restoreFill and fillsOf/);
  });
});

// ---------------------------------------------------------------------------------------------
// A broker whose book is outside the process: test/helpers/exchangeBroker.ts.


describe('a run through an exchange restarted from its journal', () => {
  const data = randomBars(70, 21);
  const longFlat = (ctx: StrategyContext) => (meanCross(6)(ctx) > 0 ? 0.8 : 0);
  const make = (journal: Journal, broker: Broker, onEvent?: (e: LiveEvent) => void, strategy: (ctx: StrategyContext) => number = longFlat) =>
    new LiveRunner({ feed: new ReplayFeed(data), strategy, risk: { stopLoss: 0.01 }, broker, realOrders: true, journal, ...(onEvent !== undefined ? { onEvent } : {}) });

  it('killed before or after any append (with the exchange as it then was): no order twice, every fill once, the books agree', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    const after: ExchangeState[] = [];
    await make(watchedJournal(full, state, before, after), new ExchangeBroker(state)).run();
    const records = await full.read();
    expect(records.filter((r) => r.type === 'intent').length).toBeGreaterThan(10);
    let settled = 0;
    for (let k = 1; k < records.length; k++) {
      // died right after append k, or right before append k + 1 became durable (the exchange had
      // done whatever came between: an order placed whose answer was never journaled...)
      for (const x of [after[k - 1], before[k]]) {
        const exchange = structuredClone(x) as ExchangeState;
        const journal = memoryJournal(records.slice(0, k));
        const broker = new ExchangeBroker(exchange);
        const events: LiveEvent[] = [];
        const r = await make(journal, broker, (e) => events.push(e)).run();
        expect(r.stopReason).toBe('feed-ended');
        const rs = await journal.read();
        const recovery = events.find((e) => e.type === 'recovery');
        if (recovery?.type === 'recovery') settled += recovery.resolved;
        // no client order id sent twice, in either process
        expect(new Set(exchange.submits).size).toBe(exchange.submits.length);
        const intents = rs.flatMap((q) => (q.type === 'intent' ? [q.order.clientOrderId] : []));
        expect(new Set(intents).size).toBe(intents.length);
        // every exchange trade is journaled once
        const traded = Object.values(exchange.orders).flatMap((o) => o.fills.map((f) => f.fillId));
        const journaled = rs.flatMap((q) => (q.type === 'fill' ? [q.fill.fillId] : []));
        expect(journaled.sort()).toEqual(traded.sort());
        // the books agree (the same fills summed in another order: float noise only)
        expect(broker.account.positions[0]).toBeCloseTo(exchange.position, 9);
        expect(broker.account.cash).toBeCloseTo(exchange.cash, 6);
        expect(rs.filter((q) => q.type === 'reconcile').every((q) => q.type === 'reconcile' && q.ok)).toBe(true);
      }
    }
    expect(settled).toBeGreaterThan(10); // orders the journal did not settle were asked of the exchange
  });

  it('a broker that fails on an order (placed, its answer lost) stops the run; the restart settles that order with the exchange and trades on', async () => {
    const state = freshExchange(data.open[0] as number);
    let submits = 0;
    const failing = new ExchangeBroker(state);
    const submit = failing.submit.bind(failing);
    failing.submit = async (order) => {
      const status = await submit(order);
      if (++submits === 4) throw new Error('connection reset');
      return status;
    };
    const journal = memoryJournal();
    const err = await make(journal, failing).run().catch((e: unknown) => e);
    expect((err as Error).message).toBe('connection reset');
    const records = await journal.read();
    const k = records.findIndex((r) => r.type === 'error');
    // the order whose answer never came (its fills were told before submit failed)
    const lost = records.slice(0, k).reverse().find((r) => r.type === 'intent');
    expect(records.slice(0, k).some((r) => r.type === 'status' && lost?.type === 'intent' && r.status.clientOrderId === lost.order.clientOrderId)).toBe(false);
    expect(records[k]).toMatchObject({ type: 'error', phase: 'step', message: 'connection reset' });
    expect(records[k + 1]).toMatchObject({ type: 'flatten', reason: 'error' });

    const events: LiveEvent[] = [];
    const again = memoryJournal(records);
    const broker = new ExchangeBroker(state);
    const r = await make(again, broker, (e) => events.push(e)).run();
    expect(r.stopReason).toBe('feed-ended');
    expect(events.find((e) => e.type === 'recovery')).toMatchObject({ resolved: 1 }); // the lost answer, asked of the exchange
    const rs = await again.read();
    const id = lost?.type === 'intent' ? lost.order.clientOrderId : '';
    expect(rs.slice(records.length).find((q) => q.type === 'status' && q.status.clientOrderId === id)).toBeDefined();
    expect(new Set(state.submits).size).toBe(state.submits.length);
    intentsOnce(rs);
    const traded = Object.values(state.orders).flatMap((o) => o.fills.map((f) => f.fillId));
    expect(rs.flatMap((q) => (q.type === 'fill' ? [q.fill.fillId] : [])).sort()).toEqual(traded.sort());
    expect(broker.account.positions[0]).toBeCloseTo(state.position, 9);
    expect(broker.account.cash).toBeCloseTo(state.cash, 6);
    // a restart of that restart (its journal holds the settling of the lost answer): read through
    const submitted = state.submits.length;
    const again2 = memoryJournal(rs);
    const r2 = await make(again2, new ExchangeBroker(state)).run();
    expect(r2.stopReason).toBe('feed-ended');
    expect(state.submits.length).toBe(submitted);
    expect((await again2.read()).filter((q) => q.type === 'reconcile').every((q) => q.type === 'reconcile' && q.ok)).toBe(true);
  });

  // the journal ends right after bar b (the exchange has filled the rest of an order left open
  // at the bar before, not journaled yet), and the restarted strategy fails at b: the failure is
  // this run's, after the replay is settled with the exchange
  describe("the strategy fails in the journal's last bar at a restart", () => {
    const failingAt = (b: number) => (ctx: StrategyContext) => {
      if (ctx.index === b) throw new Error('model server down');
      return longFlat(ctx);
    };
    async function setting() {
      const state = freshExchange(data.open[0] as number);
      const full = memoryJournal();
      const before: ExchangeState[] = [];
      await make(watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
      const records = await full.read();
      const fillOf = (i: number) => records[i] as Extract<JournalRecord, { type: 'fill' }>;
      const k = records.findIndex((r, i) => r.type === 'bar' && r.index > 20 && records[i + 1]?.type === 'fill' && records.slice(0, i).some((q) => q.type === 'status' && q.status.state === 'open' && q.status.clientOrderId === fillOf(i + 1).fill.clientOrderId));
      expect(k).toBeGreaterThan(0);
      const b = (records[k] as Extract<JournalRecord, { type: 'bar' }>).index;
      // died right before that fill was journaled (the exchange had made it)
      return { records: records.slice(0, k + 1), exchange: structuredClone(before[k + 1]) as ExchangeState, b };
    }

    it('settles the open order (its fill journaled), reconciles, flattens the exchange and the book; a restart of that restart reads it', async () => {
      const { records, exchange, b } = await setting();
      const journal = memoryJournal(records);
      const broker = new ExchangeBroker(exchange);
      await expect(make(journal, broker, undefined, failingAt(b)).run()).rejects.toThrow('model server down');
      const rs = await journal.read();
      const traded = Object.values(exchange.orders).flatMap((o) => o.fills.map((f) => f.fillId));
      expect(rs.flatMap((q) => (q.type === 'fill' ? [q.fill.fillId] : [])).sort()).toEqual(traded.sort());
      expect(rs.filter((q) => q.type === 'reconcile')).toMatchObject([{ ok: true }]);
      expect(rs.find((q) => q.type === 'error')).toMatchObject({ index: b, phase: 'step' });
      expect(exchange.position).toBeCloseTo(0, 9);
      expect(broker.account.positions[0]).toBeCloseTo(0, 9);
      expect(broker.account.cash).toBeCloseTo(exchange.cash, 6);
      const again = await make(memoryJournal(rs), new ExchangeBroker(exchange), undefined, failingAt(b)).run();
      expect(again.stopReason).toBe('feed-ended');
    });

    it('with a broker that values no order before it was given a bar: the flatten places its exit', async () => {
      const { records, exchange, b } = await setting();
      expect(exchange.position).toBeGreaterThan(0); // the setting holds a position
      const broker = new ExchangeBroker(exchange);
      broker.requireBar = true;
      await expect(make(memoryJournal(records), broker, undefined, failingAt(b)).run()).rejects.toThrow('model server down');
      expect(broker.bars).toBe(1); // the journal's last bar, after the replay
      expect(exchange.position).toBeCloseTo(0, 9);
    });
  });

  it("a crash right after a flatten record (its exit never sent): the restart sends it once the replay is settled", async () => {
    // killed by the operator at bar 20 while long
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const after: ExchangeState[] = [];
    const first: LiveRunner = make(watchedJournal(full, state, [], after), new ExchangeBroker(state), (e) => e.type === 'bar' && e.index === 20 && first.kill('operator'));
    await first.run();
    const records = await full.read();
    const f = records.findIndex((r) => r.type === 'flatten');
    expect(f).toBeGreaterThan(0);
    const exchange = structuredClone(after[f]) as ExchangeState;
    expect(exchange.position).toBeGreaterThan(0); // the exit had not been sent
    const events: LiveEvent[] = [];
    const journal = memoryJournal(records.slice(0, f + 1));
    await make(journal, new ExchangeBroker(exchange), (e) => events.push(e)).run();
    const rs = await journal.read();
    // the replayed exit is journaled as not placed, then the restart's own flatten sends one
    const exits = rs.slice(f + 1).flatMap((q) => (q.type === 'intent' && q.order.type === 'exit' && q.order.reason === 'kill-switch' ? [q.order.clientOrderId] : []));
    expect(exits.length).toBe(2);
    expect(rs.find((q) => q.type === 'status' && q.status.clientOrderId === exits[0])).toMatchObject({ status: { state: 'rejected' } });
    expect(exchange.submits).toContain(exits[1]);
    expect(rs.filter((q) => q.type === 'flatten').map((q) => q.type === 'flatten' && q.reason)).toEqual(['operator', 'an exit the crash kept from the exchange']);
    expect(new Set(exchange.submits).size).toBe(exchange.submits.length);
    // and it then trades on, its book the exchange's, as the restart from the whole journal does
    const whole = structuredClone(after[records.length - 1]) as ExchangeState;
    const broker = new ExchangeBroker(whole);
    const ref = await make(memoryJournal(records), broker).run();
    expect(ref.positions.at(-1)).toBeCloseTo(exchange.position, 9);
  });

  it('tells the fills a restart finds at the exchange (an answer the crash lost) to onEvent, and journals them', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    const before: ExchangeState[] = [];
    await make(watchedJournal(full, state, before, []), new ExchangeBroker(state)).run();
    const records = await full.read();
    // the crash right after an intent whose order the exchange filled
    const k = records.findIndex((r, i) => r.type === 'intent' && records[i + 1]?.type === 'fill');
    const exchange = structuredClone(before[k + 1]) as ExchangeState;
    const events: LiveEvent[] = [];
    const journal = memoryJournal(records.slice(0, k + 1));
    await make(journal, new ExchangeBroker(exchange), (e) => events.push(e)).run();
    const id = (records[k] as Extract<JournalRecord, { type: 'intent' }>).order.clientOrderId;
    const found = (await journal.read()).slice(k + 1).flatMap((q) => (q.type === 'fill' && q.fill.clientOrderId === id ? [q.fill.fillId] : []));
    expect(found.length).toBeGreaterThan(0);
    expect(events.flatMap((e) => (e.type === 'fill' && e.clientOrderId === id ? [e.fillId] : []))).toEqual(found);
  });

  it('two fresh runs on one exchange: the second places every order of its own (no id of the first)', async () => {
    const state = freshExchange(data.open[0] as number);
    await make(memoryJournal(), new ExchangeBroker(state)).run();
    const first = state.submits.length;
    expect(first).toBeGreaterThan(10);
    const second = memoryJournal();
    await make(second, new ExchangeBroker(state)).run();
    const intents = (await second.read()).flatMap((r) => (r.type === 'intent' ? [r.order.clientOrderId] : []));
    // each of its intents reached the exchange as a new order
    expect(state.submits.slice(first)).toEqual(intents.filter((id) => state.orders[id] !== undefined));
    expect(state.submits.length - first).toBeGreaterThan(10);
    expect(new Set(state.submits).size).toBe(state.submits.length);
  });

  it('refuses to trade, or even flatten, when the exchange holds what the journal does not', async () => {
    const state = freshExchange(data.open[0] as number);
    const full = memoryJournal();
    await make(full, new ExchangeBroker(state)).run();
    const records = (await full.read()).slice(0, 120);
    const exchange = structuredClone(state);
    exchange.position += 0.5; // bought by hand
    exchange.cash -= 0.5 * exchange.price;
    const submitted = exchange.submits.length;
    const events: LiveEvent[] = [];
    const err = await make(memoryJournal(records), new ExchangeBroker(exchange), (e) => events.push(e)).run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconciliationError);
    expect((err as ReconciliationError).position).toBe(exchange.position);
    expect(exchange.submits.length).toBe(submitted);
    // the journal's last bar was cut short: its rest is told (nothing placed), then the refusal
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'stop']);
    expect(events.at(-2)).toMatchObject({ type: 'error', name: 'ReconciliationError' });
    expect(events.filter((e) => e.type === 'order').every((e) => e.type === 'order' && e.status.state === 'rejected')).toBe(true);
  });
});

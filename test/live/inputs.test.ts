// Bad input is refused early, typed, naming the argument and showing its value; the JSONL sink
// appends; the paper broker is idempotent by client order id.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest, DataValidationError, FeaturePipeline, InvalidArgumentError, InvalidActionError } from '../../src/index.js';
import { LiveRunner, PaperBroker, ReplayFeed, replayFeatures, type Bar, type Broker, type Feed, type LiveEvent } from '../../src/live/index.js';
import { randomBars } from '../helpers/randomBars.js';

const data = randomBars(120, 9);
const feed = () => new ReplayFeed(data);
const flat = () => 0;

/** A feed of the given bars (a live feed's shape: no `ended`). */
function feedOf(list: readonly Bar[]): Feed {
  return {
    timeframe: '1h',
    async *[Symbol.asyncIterator]() {
      yield* list;
    },
    async close() {},
  };
}

describe('LiveRunner refuses bad options', () => {
  it.each([
    [{ feed: feed(), strategy: flat, colour: 1 }, /options\.colour is not a known option/],
    [{ feed: feed(), strategy: flat, risk: { stopLos: 0.1 } }, /risk\.stopLos is not a known option/],
    [{ feed: feed(), strategy: flat, risk: { maxOrders: { perSecond: 1 } } }, /risk\.maxOrders\.perSecond is not a known option/],
    [{ feed: feed(), strategy: flat, risk: { maxOrders: { perMinute: 0 } } }, /risk\.maxOrders\.perMinute must be an integer >= 1, got 0/],
    [{ feed: feed(), strategy: flat, risk: { timeZone: 'Mars/Olympus' } }, /risk\.timeZone must be an IANA time zone .*, got "Mars\/Olympus"/],
    [{ feed: feed(), strategy: flat, risk: { sessionClose: { time: '4pm', minutesBefore: 10 } } }, /risk\.sessionClose\.time must be a time of day 'HH:MM'.*, got "4pm"/],
    [{ feed: feed(), strategy: flat, risk: { sessionClose: { time: '16:00', minutesBefore: 0 } } }, /risk\.sessionClose\.minutesBefore must be an integer >= 1, got 0/],
    [{ feed: feed(), strategy: flat, risk: { sessionClose: { time: '16:00' } } }, /risk\.sessionClose\.minutesBefore must be an integer >= 1, got undefined/],
    [{ feed: feed(), strategy: flat, risk: { minHoldBars: 1.5 } }, /risk\.minHoldBars must be an integer >= 0, got 1\.5/],
    [{ feed: [], strategy: flat }, /feed must be a Feed/],
    [{ feed: feed(), strategy: flat, execution: 'later' }, /execution must be one of 'next-open', 'close', got "later"/],
    [{ feed: feed(), strategy: flat, broker: new PaperBroker({ execution: 'close' }), execution: 'next-open' }, /execution must be left out, or the PaperBroker's own \('close'\)/],
    [{ feed: feed(), strategy: flat, broker: new PaperBroker(), account: { fee: 1 } }, /account must be left out with a broker/],
    [{ feed: feed(), strategy: flat, account: { fee: -1 } }, /account\.fee must be a finite number >= 0, got -1/],
    [{ feed: feed(), strategy: flat, history: randomBars(10, 1).slice(0, 5), closeAtEnd: 'yes' }, /closeAtEnd must be true or false, got "yes"/],
    [{ feed: { ...feedOf([]), timeframe: undefined }, strategy: flat }, /timeframe must be given/],
    [{ feed: feed(), strategy: { agent: { predict: (): number => 0 }, features: replayFeatures(new FeaturePipeline(['logReturns']).compute(data)), window: 3 } }, /strategy\.window is not a known option/],
    [{ feed: feed(), strategy: { agent: {}, features: replayFeatures(new FeaturePipeline(['logReturns']).compute(data)) } }, /strategy\.agent must be an object with predict/],
    [{ feed: feed(), strategy: { agent: { predict: (): number => 0 }, features: replayFeatures(new FeaturePipeline(['logReturns']).compute(data)), positionSize: 2 } }, /strategy\.positionSize must be <= account\.maxLeverage \(1\), got 2/],
  ])('%#: %s', (options, message) => {
    expect(() => new LiveRunner(options as never)).toThrow(InvalidArgumentError);
    expect(() => new LiveRunner(options as never)).toThrow(message);
  });

  it('refuses a broker that is not paper unless realOrders is true', () => {
    const paper = new PaperBroker();
    const real: Broker = { paper: false, account: paper.account, onBar: paper.onBar.bind(paper), submit: paper.submit.bind(paper), cancel: paper.cancel.bind(paper), status: paper.status.bind(paper), onFill: paper.onFill.bind(paper) };
    expect(() => new LiveRunner({ feed: feed(), strategy: flat, broker: real })).toThrow(/realOrders must be true to trade through a broker that is not paper .*, got undefined/);
    expect(() => new LiveRunner({ feed: feed(), strategy: flat, broker: real, realOrders: true })).not.toThrow();
  });

  it('backtest() checks the new risk options the same way', () => {
    expect(() => backtest({ data, strategy: flat, risk: { timeZone: 'Nowhere' } })).toThrow(/risk\.timeZone must be an IANA time zone/);
    expect(() => backtest({ data, strategy: flat, risk: { sessionClose: { time: '25:00', minutesBefore: 5 } } })).toThrow(/risk\.sessionClose\.time must be a time of day/);
    expect(() => backtest({ data, strategy: flat, risk: { maxOrders: {} } as never })).toThrow(/risk\.maxOrders is not a known option/);
  });
});

describe('a run that meets bad data or a failing strategy', () => {
  const good = Array.from({ length: 5 }, (_, i): Bar => ({ timestamp: i * 3_600_000, open: 100, high: 101, low: 99, close: 100, volume: 1 }));

  it.each([
    ['a bar out of order', [...good, { ...good[1]! }], /timestamp 1970-01-01T01:00:00\.000Z is before the previous row's 1970-01-01T04:00:00\.000Z \(unsorted\)/],
    ['a bar with high below the close', [...good, { ...good[4]!, timestamp: 5 * 3_600_000, high: 99 }], /high 99 < max\(open 100, close 100\)/],
    ['a NaN close', [...good, { ...good[4]!, timestamp: 5 * 3_600_000, close: Number.NaN }], /close must be finite, got NaN/],
    ['a bar off the timeframe grid', [...good, { ...good[4]!, timestamp: 5 * 3_600_000 + 1 }], /timestamp 1970-01-01T05:00:00\.001Z is 3600001 ms after the previous row, not a multiple of the timeframe \(3600000 ms\)/],
  ])('%s: flattens, writes an error event and rejects with DataValidationError', async (_name, list, message) => {
    const events: LiveEvent[] = [];
    const runner = new LiveRunner({ feed: feedOf(list), strategy: () => 1, onEvent: (e) => events.push(e) });
    await expect(runner.run()).rejects.toThrow(DataValidationError);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ name: 'DataValidationError', message: expect.stringMatching(message) });
    expect(events.at(-1)).toMatchObject({ type: 'stop', reason: 'error' });
    expect(runner.account.positions[0]).toBe(0);
    expect(runner.result.stopReason).toBe('error');
  });

  it('a strategy value out of range names the bar and the value', async () => {
    const runner = new LiveRunner({ feed: feed(), strategy: ({ index }) => (index === 7 ? 3 : 1) });
    await expect(runner.run()).rejects.toThrow(/strategy\(\{ index: 7 \}\) must be in \[-1, 1\].*, got 3/);
    expect(runner.account.positions[0]).toBe(0);
  });

  it("an agent's action outside its space is an InvalidActionError", async () => {
    const features = replayFeatures(new FeaturePipeline(['logReturns']).compute(data));
    const runner = new LiveRunner({ feed: feed(), strategy: { agent: { predict: () => 7 }, features, windowSize: 4 } });
    await expect(runner.run()).rejects.toThrow(InvalidActionError);
  });

  it('replayFeatures refuses a bar that is not its next row', () => {
    const source = replayFeatures(new FeaturePipeline(['logReturns']).compute(data));
    expect(() => source.update({ timestamp: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 })).toThrow(/replayFeatures: bar 1970-01-01T00:00:00\.001Z is not row 0's/);
  });

  it('an onEvent that throws, or a sink that fails, stops the run flat and rejects with its error', async () => {
    const boom = new Error('boom');
    const thrower = new LiveRunner({ feed: feed(), strategy: () => 1, onEvent: (e) => {
      if (e.type === 'bar' && e.index === 30) throw boom;
    } });
    await expect(thrower.run()).rejects.toBe(boom);
    expect(thrower.account.positions[0]).toBe(0);
    expect(thrower.result.equity.length).toBeLessThanOrEqual(32);
    const failing = new LiveRunner({ feed: feed(), strategy: () => 1, events: { write: (e) => {
      if (e.type === 'fill') throw boom;
    } } });
    await expect(failing.run()).rejects.toBe(boom);
    expect(failing.account.positions[0]).toBe(0);
    expect(failing.result.stopReason).toBe('error');
  });

  it('runs once', async () => {
    const runner = new LiveRunner({ feed: feed(), strategy: flat });
    await runner.run();
    await expect(runner.run()).rejects.toThrow(/a runner runs once/);
  });
});

describe('ReplayFeed and PaperBroker', () => {
  it.each([
    [{ start: -1 }, /options\.start must be an integer >= 0, got -1/],
    [{ end: 1000 }, /options\.end must be <= data\.length \(120\), got 1000/],
    [{ start: 5, end: 5 }, /options\.start must be < options\.end \(5\), got 5/],
    [{ speed: 2 }, /options\.speed is not a known option/],
  ])('ReplayFeed(%o) throws', (options, message) => {
    expect(() => new ReplayFeed(data, options as never)).toThrow(message);
  });

  it('replays the same bars every time, and stops when closed', async () => {
    const f = new ReplayFeed(data, { start: 100 });
    const once: number[] = [];
    for await (const b of f) once.push(b.close);
    const twice: number[] = [];
    for await (const b of f) {
      twice.push(b.close);
      if (twice.length === 3) await f.close();
    }
    expect(once).toEqual(Array.from(data.close.subarray(100)));
    expect(twice).toEqual(once.slice(0, 3));
  });

  it('fills an order id once, refuses malformed orders and orders before the first bar', async () => {
    const broker = new PaperBroker({ execution: 'close', account: { fee: 10 } });
    const order = { clientOrderId: 'x', type: 'market', target: 0.5, price: Number.NaN, index: 0, timestamp: 0, reason: 'signal' } as const;
    await expect(broker.submit(order)).rejects.toThrow(/order must be placed after the first bar/);
    await broker.onBar({ timestamp: 0, open: 10, high: 10, low: 10, close: 10, volume: 1 }, 0);
    const fills: unknown[] = [];
    broker.onFill((f) => fills.push(f));
    const first = await broker.submit(order);
    const again = await broker.submit({ ...order, target: 1 });
    expect(again).toBe(first);
    expect(fills.length).toBe(1);
    await expect(broker.submit({ ...order, clientOrderId: 'y', type: 'limit' as never })).rejects.toThrow(/order\.type must be one of 'market', 'exit', got "limit"/);
    await expect(broker.submit({ ...order, clientOrderId: 'z', type: 'exit', price: -1 })).rejects.toThrow(/order\.price must be a finite number > 0 for an exit, got -1/);
    await expect(broker.onBar({ timestamp: 1, open: 10, high: 10, low: 10, close: 10, volume: 1 }, 0)).rejects.toThrow(/index must be an integer > the last bar's \(0\), got 0/);
    expect(() => new PaperBroker({ slippage: 1 } as never)).toThrow(/options\.slippage is not a known option/);
  });
});

describe('the JSONL event sink', () => {
  it('writes every event as a line of JSON, appending run after run', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tradegym-live-')), 'sub', 'events.jsonl');
    const small = randomBars(30, 2);
    const run = () => new LiveRunner({ feed: new ReplayFeed(small), strategy: ({ index }) => (index % 10 < 5 ? 1 : 0), events: file }).run();
    await run();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as LiveEvent);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['bar', 'signal', 'order', 'fill', 'stop']));
    expect(events.filter((e) => e.type === 'bar').length).toBe(30);
    expect(events.at(-1)).toEqual({ type: 'stop', index: 29, reason: 'feed-ended' });
    await run();
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBe(2 * lines.length);
  });
});

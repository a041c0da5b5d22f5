// CcxtBroker through ccxt's REAL binance class against a fake Binance spot API on 127.0.0.1
// (helpers/fakeBinanceOrders): BTC/USDT with Binance's steps (0.00001 BTC, 0.01 USDT) and a
// 5 USDT minimum notional; a 0.1 % fee, in BTC on buys (the asset received) and in USDT on
// sells, as Binance charges without BNB. Every number below is worked out by hand in a comment.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, TradegymError } from '../../src/core/errors.js';
import { Account } from '../../src/envs/trading/Account.js';
import { RegimeGenerator, type MarketData, type StrategyContext } from '../../src/index.js';
import type { FillEvent, OrderRequest } from '../../src/live/broker.js';
import { CcxtBroker, CcxtBrokerError } from '../../src/live/CcxtBroker.js';
import type { CcxtBrokerEvent, CcxtBrokerOptions } from '../../src/live/ccxtBrokerOptions.js';
import { LiveRunner } from '../../src/live/LiveRunner.js';
import { PaperBroker } from '../../src/live/PaperBroker.js';
import { ReplayFeed } from '../../src/live/ReplayFeed.js';
import type { Bar, Feed } from '../../src/live/types.js';
import { H, T0 } from '../helpers/fakeBinance.js';
import { binanceAt, setPriceAt, start, type FakeOrdersOptions, type FakeOrdersServer } from '../helpers/fakeBinanceOrders.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const bar = (close: number, i = 0): Bar => ({ timestamp: T0 + i * H, open: close, high: close, low: close, close, volume: 1 });
const order = (clientOrderId: string, type: OrderRequest['type'], target: number, price = Number.NaN): OrderRequest => ({ clientOrderId, type, target, price, index: 0, timestamp: T0, reason: 'signal' });

async function setup(fakeOptions: FakeOrdersOptions = {}, brokerOptions: Partial<CcxtBrokerOptions> = {}) {
  const fake = await start(fakeOptions);
  cleanup = fake.close;
  const { broker, events, fills } = await brokerOn(fake, brokerOptions);
  return { fake, broker, events, fills };
}

/** A broker (another process's, say) on the same fake, started, with its events and fills. */
async function brokerOn(fake: FakeOrdersServer, brokerOptions: Partial<CcxtBrokerOptions> = {}, startBook?: Parameters<CcxtBroker['start']>[0]) {
  const events: CcxtBrokerEvent[] = [];
  const broker = new CcxtBroker({ exchange: binanceAt(fake.url), symbol: 'BTC/USDT', backoff: { initialMs: 1, maxMs: 4 }, onEvent: (e) => events.push(e), ...brokerOptions });
  const started = await broker.start(startBook);
  const fills: FillEvent[] = [];
  broker.onFill((f) => fills.push(f));
  return { broker, events, fills, started };
}

const posts = (fake: FakeOrdersServer) => fake.state.requests.filter((r) => r.startsWith('POST /api/v3/order'));
const param = (request: string, key: string) => new URLSearchParams(request.split(' ')[2]).get(key);
const balances = (fake: FakeOrdersServer) => ({ BTC: fake.state.balances.BTC.free + fake.state.balances.BTC.locked, USDT: fake.state.balances.USDT.free + fake.state.balances.USDT.locked });

describe('CcxtBroker: market orders, exits and the book', () => {
  it('buys to a target at the market and sells out on an exit, booking the exchange fees', async () => {
    const { fake, broker, fills } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    expect(broker.account.cash).toBe(10_000);
    await broker.onBar(bar(100), 0);
    const s = await broker.submit(order('tg-0-0', 'market', 0.5));
    // half of 10,000 at 100: 50 BTC; the fee is 0.1 % of them in BTC (0.05), worth 5 USDT
    expect(s).toEqual({ clientOrderId: 'tg-0-0', state: 'filled', filledUnits: 50, averagePrice: 100 });
    expect(param(posts(fake)[0] as string, 'newClientOrderId')).toBe('tg-0-0');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: 'tg-0-0', units: 49.95, price: 100, fee: 5, position: 49.95, fillId: '5000' });
    expect(broker.account.cash).toBe(5000);
    expect(broker.account.positions[0]).toBeCloseTo(49.95, 12);
    expect(broker.account.feesPaid).toBeCloseTo(5, 12);
    fake.state.price = 110;
    await broker.onBar(bar(110, 1), 1);
    const x = await broker.submit({ ...order('tg-1-1', 'exit', 0, 110), index: 1 });
    // all 49.95 BTC at 110: 5494.5 USDT less a 0.1 % fee of 5.4945: cash 5000 + 5489.0055
    expect(x).toMatchObject({ state: 'filled', filledUnits: -49.95, averagePrice: 110 });
    expect(broker.account.cash).toBeCloseTo(10_489.0055, 9);
    expect(broker.account.positions[0]).toBe(0);
    // the round trip: (110 - 100) * 49.95 = 499.5, less 5 + 5.4945 of fees
    expect(broker.account.trades[0]?.pnl).toBeCloseTo(489.0055, 9);
    expect(balances(fake)).toEqual({ BTC: 0, USDT: 10_489.0055 });
  });

  it('rounds amounts down to the step and limit prices to the tick (hand-checked)', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 123.45 });
    await broker.onBar(bar(123.45), 0);
    await broker.submit(order('tg-0-0', 'market', 0.3333));
    // 0.3333 * 10,000 / 123.45 = 26.9987849...: down to the 0.00001 step
    expect(param(posts(fake)[0] as string, 'quantity')).toBe('26.99878');
    await broker.submit(order('tg-0-1', 'limit', 0.5, 99.994));
    // 99.994 to the 0.01 tick: 99.99. Equity at the close: 10,000 - 26.99878 * 123.45 (cash
    // 6667.000609) + 26.97178122 * 123.45 (the BTC after the 0.02699878 fee) = 9996.667000609;
    // half of it at 99.99 is 49.98833383..., less the 26.97178122 held: 23.0165526... -> 23.01655
    const limit = posts(fake)[1] as string;
    expect(param(limit, 'price')).toBe('99.99');
    expect(param(limit, 'quantity')).toBe('23.01655');
    expect(param(limit, 'type')).toBe('LIMIT');
  });

  it("places nothing below the market's minimum amount or cost, and says why", async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    // 0.0004 USDT of BTC at 100 is 0.000004 BTC: below the 0.00001 step, 0 after rounding
    expect(await broker.submit(order('tg-0-0', 'market', 4e-8))).toEqual({ clientOrderId: 'tg-0-0', state: 'filled', filledUnits: 0, averagePrice: Number.NaN, message: "nothing placed: amount 0 BTC is below the market's minimum 0.00001" });
    // 4 USDT is 0.04 BTC: a valid amount, below the 5 USDT notional
    expect((await broker.submit(order('tg-0-1', 'market', 4e-4))).message).toBe("nothing placed: cost 4 USDT is below the market's minimum 5");
    expect(posts(fake)).toHaveLength(0);
    expect(broker.account.cash).toBe(10_000);
  });

  it('refuses shorts and leverage on spot, and ids without its prefix, naming the field', async () => {
    const { broker } = await setup();
    await broker.onBar(bar(100), 0);
    await expect(broker.submit(order('tg-0-0', 'market', -1))).rejects.toThrow(/^order\.target must be a fraction of equity in \[0, 1\] on the spot market BTC\/USDT \(no shorts, no leverage\), got -1$/);
    await expect(broker.submit(order('tg-0-0', 'market', 1.5))).rejects.toThrow(/order\.target must be a fraction of equity in \[0, 1\].*got 1\.5/);
    await expect(broker.submit(order('bot-0-0', 'market', 1))).rejects.toThrow(/order\.clientOrderId must be an id <prefix>\[<run>-\]<bar>-<n> with the broker's clientOrderIdPrefix \('tg-'\).*got "bot-0-0"/);
    await expect(broker.submit(order('tg-0-0', 'limit', 1))).rejects.toThrow(/order\.price must be a finite number > 0 for a limit order, got NaN/);
  });
});

describe('CcxtBroker: the cash buffer of a buy', () => {
  /** A second fake and a broker on it with `cashBuffer` 0, closed with the test's. */
  async function allCash(price: number) {
    const fake = await start({ balances: { USDT: 10_000 }, price });
    const first = cleanup;
    cleanup = async () => {
      await first?.();
      await fake.close();
    };
    return { fake, ...(await brokerOn(fake, { cashBuffer: 0 })) };
  }

  it('a target of 1 buys with the cash less the 1 % buffer; cashBuffer 0 spends all of it', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    // 10,000 * (1 - 0.01) / 100 = 99 BTC, on the 0.00001 step already
    expect(await broker.submit(order('tg-0-0', 'market', 1))).toMatchObject({ state: 'filled', filledUnits: 99 });
    expect(Number(param(posts(fake)[0] as string, 'quantity'))).toBe(99);
    expect(broker.account.cash).toBeCloseTo(100, 9); // 10,000 - 99 * 100
    const zero = await allCash(100);
    await zero.broker.onBar(bar(100), 0);
    // 10,000 / 100 = 100 BTC: all the cash, the size before the buffer
    expect(await zero.broker.submit(order('tg-0-0', 'market', 1))).toMatchObject({ state: 'filled', filledUnits: 100 });
    expect(Number(param(posts(zero.fake)[0] as string, 'quantity'))).toBe(100);
    expect(zero.broker.account.cash).toBeCloseTo(0, 9);
  });

  it('a buy sized at the close fills 0.5 % higher with the default buffer; with cashBuffer 0 the exchange refuses it', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.price = 100.5; // the market moved up 0.5 % between the close and the order
    // 99 BTC at 100.5 cost 9,949.5 <= 10,000 USDT: filled, 50.5 USDT left
    expect(await broker.submit(order('tg-0-0', 'market', 1))).toMatchObject({ state: 'filled', filledUnits: 99, averagePrice: 100.5 });
    expect(broker.account.cash).toBeCloseTo(50.5, 9);
    const zero = await allCash(100);
    await zero.broker.onBar(bar(100), 0);
    zero.fake.state.price = 100.5;
    // 100 BTC at 100.5 cost 10,050 > 10,000 USDT: Binance's -2010
    expect(await zero.broker.submit(order('tg-0-0', 'market', 1))).toEqual({ clientOrderId: 'tg-0-0', state: 'rejected', filledUnits: 0, averagePrice: Number.NaN, message: 'InsufficientFunds: binance Account has insufficient balance for requested action.' });
    expect(zero.fake.state.orders).toHaveLength(0);
    expect(zero.broker.account.cash).toBe(10_000);
  });

  it.each([[-0.1, '-0.1'], [1, '1'], [Number.NaN, 'NaN'], ['0.01', '"0.01"']])('refuses cashBuffer %s with an InvalidArgumentError naming it', (cashBuffer, shown) => {
    const make = () => new CcxtBroker({ exchange: binanceAt('http://127.0.0.1:9'), symbol: 'BTC/USDT', cashBuffer: cashBuffer as number });
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(`cashBuffer must be a fraction in [0, 1) (the share of the cash a buy leaves unspent), got ${shown}`);
  });
});

describe('CcxtBroker: idempotency and faults', () => {
  it('never places an id twice: not on a resubmit, nor from another broker on the same account', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    const first = await broker.submit(order('tg-0-0', 'market', 0.5));
    expect(await broker.submit(order('tg-0-0', 'market', 0.5))).toEqual(first);
    // a restarted process: it asks the exchange for the id before placing anything
    const other = await brokerOn(fake, {}, { cash: 10_000, position: 0, price: 100 });
    await other.broker.onBar(bar(100), 0);
    expect(await other.broker.submit(order('tg-0-0', 'market', 0.5))).toEqual(first);
    expect(posts(fake)).toHaveLength(1);
    expect(fake.state.orders).toHaveLength(1);
  });

  it.each(['lost', 'lost-late'] as const)('finds an order placed whose answer was %s, and places it once', async (fault) => {
    const { fake, broker, events, fills } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.faults.push({ fault, method: 'POST', path: '/api/v3/order' });
    const s = await broker.submit(order('tg-0-0', 'market', 0.5));
    expect(s).toMatchObject({ state: 'filled', filledUnits: 50 });
    expect(events.map((e) => e.type)).toEqual(['found']);
    expect((events[0] as { error: string }).error).toMatch(fault === 'lost' ? /^NetworkError/ : /^RequestTimeout/);
    expect(await broker.submit(order('tg-0-0', 'market', 0.5))).toEqual(s);
    expect(fake.state.orders).toHaveLength(1);
    expect(fills.map((f) => f.fillId)).toEqual(['5000']); // booked once
    expect(broker.account.positions[0]).toBeCloseTo(49.95, 12);
  });

  it('retries 429, 500, 503 and a timeout with seeded backoff, then places the order once', async () => {
    const { fake, broker, events } = await setup({ balances: { USDT: 10_000 }, price: 100 }, { backoff: { initialMs: 1, maxMs: 8, seed: 3 } });
    await broker.onBar(bar(100), 0);
    for (const fault of [429, 500, 503, 'timeout'] as const) fake.state.faults.push({ fault, method: 'POST', path: '/api/v3/order' });
    expect(await broker.submit(order('tg-0-0', 'market', 0.5))).toMatchObject({ state: 'filled', filledUnits: 50 });
    const retries = events.filter((e): e is Extract<CcxtBrokerEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries.map((e) => [e.call, e.attempt, e.error.split(':')[0]])).toEqual([
      ['createOrder', 1, 'DDoSProtection'],
      ['createOrder', 2, 'OperationFailed'],
      ['createOrder', 3, 'ExchangeNotAvailable'],
      ['createOrder', 4, 'RequestTimeout'],
    ]);
    // attempt k waits min(8, 2^k) * a jitter in [0.5, 1.5), capped at 8
    retries.forEach((e, k) => expect(e.delayMs).toBeGreaterThanOrEqual(Math.min(8, 2 ** k) * 0.5));
    retries.forEach((e) => expect(e.delayMs).toBeLessThanOrEqual(8));
    expect(fake.state.orders).toHaveLength(1);
    // each failure was followed by a look-up of the id before placing again
    const calls = fake.state.requests.map((r) => r.split('?')[0]?.split(' ').slice(0, 2).join(' '));
    expect(calls.filter((c) => c === 'GET /api/v3/order')).toHaveLength(5); // the first look-up and one per failure
  });

  it('gives up with a CcxtBrokerError after `retries` transient failures in a row', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 }, { retries: 1 });
    await broker.onBar(bar(100), 0);
    fake.state.faults.push({ fault: 503, method: 'POST' }, { fault: 503, method: 'POST' });
    const err = await broker.submit(order('tg-0-0', 'market', 0.5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CcxtBrokerError);
    expect((err as Error).message).toMatch(/^binance BTC\/USDT: createOrder tg-0-0 gave up after 1 retries: ExchangeNotAvailable/);
    expect(fake.state.orders).toHaveLength(0);
  });

  it("turns the exchange's refusal into a 'rejected' status with its message", async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.faults.push({ fault: 'reject', method: 'POST' });
    const s = await broker.submit(order('tg-0-0', 'market', 0.5));
    expect(s).toEqual({ clientOrderId: 'tg-0-0', state: 'rejected', filledUnits: 0, averagePrice: Number.NaN, message: 'InsufficientFunds: binance Account has insufficient balance for requested action.' });
    expect(await broker.submit(order('tg-0-0', 'market', 0.5))).toEqual(s); // not tried again under that id
    expect(broker.account.cash).toBe(10_000);
  });
});

describe('CcxtBroker: partial fills, limits, cancel', () => {
  it('books each part of a partly filled order once, and the book equals a hand-kept ledger', async () => {
    const { fake, broker, fills } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.partialFills = [0.3, 0.3, 0.4];
    // all in, less the 1 % cash buffer: 10,000 * (1 - 0.01) / 100 = 99 BTC, filled 29.7 now
    // (0.3 * 99), 29.7 and 39.6 (the rest) at the next two polls
    expect(await broker.submit(order('tg-0-0', 'market', 1))).toMatchObject({ state: 'open', filledUnits: 29.7 });
    await broker.onBar(bar(100, 1), 1);
    expect(await broker.status('tg-0-0')).toMatchObject({ state: 'open', filledUnits: 59.4 });
    await broker.onBar(bar(100, 2), 2);
    expect(await broker.status('tg-0-0')).toMatchObject({ state: 'filled', filledUnits: 99, averagePrice: 100 });
    // each part's BTC less its 0.1 % fee in BTC: 29.7 - 0.0297 = 29.6703 (fee 2.97 USDT), and
    // 39.6 - 0.0396 = 39.5604 (fee 3.96 USDT)
    const want = [[29.6703, 2.97, 0], [29.6703, 2.97, 1], [39.5604, 3.96, 2]];
    expect(fills.map((f) => f.index)).toEqual([0, 1, 2]);
    fills.forEach((f, k) => {
      expect(f.units).toBeCloseTo(want[k]?.[0] as number, 12);
      expect(f.fee).toBeCloseTo(want[k]?.[1] as number, 12);
    });
    const gross = fills.reduce((s, f) => s + f.units + f.fee / f.price, 0);
    expect(gross).toBeCloseTo(99, 10); // the parts add up to the order
    fake.state.price = 110;
    await broker.onBar(bar(110, 3), 3);
    fake.state.partialFills = [0.5, 0.5];
    await broker.submit({ ...order('tg-3-1', 'exit', 0, 110), index: 3 });
    await broker.onBar(bar(110, 4), 4);
    // the ledger by hand: bought 99 BTC for 9,900 USDT, received 98.901 (fees 0.099 BTC = 9.9
    // USDT); sold 98.901 at 110 in two parts of 49.4505: 10,879.11 USDT less 0.1 % (10.87911);
    // the 100 USDT of the buffer never moved, so the round trip's pnl is still cash - 10,000
    const ledger = { cash: 10_000 - 9900 + 10_879.11 - 10.87911, units: 0, fees: 9.9 + 10.87911 };
    expect(fills).toHaveLength(5);
    expect(broker.account.cash).toBeCloseTo(ledger.cash, 9);
    expect(broker.account.positions[0]).toBe(ledger.units);
    expect(broker.account.feesPaid).toBeCloseTo(ledger.fees, 9);
    expect(broker.account.trades).toHaveLength(1);
    expect(broker.account.trades[0]?.pnl).toBeCloseTo(ledger.cash - 10_000, 9);
    expect(balances(fake).USDT).toBeCloseTo(ledger.cash, 9);
    expect(new Set(fills.map((f) => f.fillId)).size).toBe(5);
  });

  it('rests a limit order, books it when the price crosses, and cancels what rests', async () => {
    const { fake, broker, fills } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    // half of 10,000 at 95: 52.63157894... -> 52.63157 BTC, locking 4999.99915 USDT
    expect(await broker.submit(order('tg-0-0', 'limit', 0.5, 95))).toMatchObject({ state: 'open', filledUnits: 0 });
    expect(fake.state.balances.USDT).toEqual({ free: 5000.00085, locked: 4999.99915 });
    const snap = await broker.snapshot();
    expect(snap).toEqual({ position: 0, cash: 10_000, openOrders: [{ clientOrderId: 'tg-0-0', state: 'open', filledUnits: 0, averagePrice: Number.NaN }] });
    fake.book.setPrice(94); // crosses: filled at its limit, 95
    await broker.onBar(bar(94, 1), 1);
    expect(await broker.status('tg-0-0')).toMatchObject({ state: 'filled', filledUnits: 52.63157, averagePrice: 95 });
    // fee 0.05263157 BTC = 5.0000 USDT at 95 (4.99999915)
    expect(fills[0]).toMatchObject({ units: 52.57893843, price: 95 });
    expect(fills[0]?.fee).toBeCloseTo(4.99999915, 9);
    expect(broker.account.cash).toBeCloseTo(5000.00085, 9);
    // a second one rests, is canceled, unlocks its USDT; canceling again changes nothing
    await broker.submit({ ...order('tg-1-1', 'limit', 0.9, 50), index: 1 });
    expect(fake.state.balances.USDT.locked).toBeGreaterThan(0);
    expect(await broker.cancel('tg-1-1')).toMatchObject({ state: 'canceled', filledUnits: 0 });
    expect(fake.state.balances.USDT.locked).toBe(0);
    expect(await broker.cancel('tg-1-1')).toMatchObject({ state: 'canceled' });
    expect(await broker.cancel('tg-9-9')).toBeUndefined();
    expect(await broker.cancel('tg-0-0')).toMatchObject({ state: 'filled' }); // filled: left as it is
  });

  it('replaces its open order with a new one, keeping what it filled; a restart tracks it and leaves its part to the runner (fillsOf, restoreFill)', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.partialFills = [0.5, 0.5];
    // 50 BTC at 100: marketable, 25 fill at once (24.975 received), 25 rest
    expect(await broker.submit(order('tg-0-0', 'limit', 0.5, 100))).toMatchObject({ state: 'open', filledUnits: 25 });
    fake.state.price = 101; // above the limit: the rest does not fill
    // another process starting from the same initial book (a restart) tracks the open order but
    // does not book its part at start: the runner books it at its place in the replay, from the
    // journal or from fillsOf, with restoreFill
    const other = await brokerOn(fake, {}, { cash: 10_000, position: 0, price: 100 });
    expect(other.started.snapshot.openOrders).toEqual([{ clientOrderId: 'tg-0-0', state: 'open', filledUnits: 25, averagePrice: 100 }]);
    expect(other.broker.account.positions[0]).toBe(0);
    expect(other.broker.account.cash).toBe(10_000);
    const part = await other.broker.fillsOf('tg-0-0', 0);
    expect(part.map((f) => f.units)).toEqual([24.975]); // 25 less the 0.1 % fee taken in BTC
    for (const f of part) other.broker.restoreFill(f);
    other.broker.restoreFill(part[0]!); // the same fillId again books nothing
    expect(other.broker.account.positions[0]).toBeCloseTo(24.975, 12);
    expect(other.broker.account.cash).toBe(7500);
    await broker.onBar(bar(101, 1), 1);
    await broker.submit({ ...order('tg-1-1', 'market', 0), index: 1 });
    expect(fake.state.orders.map((o) => [o.clientOrderId, o.status])).toEqual([['tg-0-0', 'CANCELED'], ['tg-1-1', 'FILLED']]);
    expect(await broker.status('tg-0-0')).toMatchObject({ state: 'canceled', filledUnits: 25 });
    // sold the 24.975 held at 101: 2522.475 USDT less 0.1 % (2.522475); the resting 25 BTC's
    // 2500 USDT, locked until the cancel, were cash all along
    expect(broker.account.positions[0]).toBe(0);
    expect(broker.account.cash).toBeCloseTo(7500 + 2522.475 - 2.522475, 9);
    expect(fake.state.balances.USDT).toEqual({ free: 10_019.952525, locked: 0 });
  });

  it('keeps the filled part of a canceled order', async () => {
    const { fake, broker, fills } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.partialFills = [0.5, 0.5];
    // a limit buy keeps the 1 % cash buffer too: 10,000 * (1 - 0.01) / 100 = 99 BTC at 100;
    // half of them, 49.5, fill at once (49.4505 received, less the 0.0495 BTC fee)
    await broker.submit(order('tg-0-0', 'limit', 1, 100));
    expect(await broker.cancel('tg-0-0')).toMatchObject({ state: 'canceled', filledUnits: 49.5 });
    expect(fills.map((f) => f.units)).toEqual([49.4505]);
    // 10,000 - 49.5 * 100 = 5050 USDT, the rest's lock released by the cancel
    expect(broker.account.cash).toBeCloseTo(5050, 9);
    expect(fake.state.balances.USDT).toEqual({ free: 5050, locked: 0 });
  });
});

describe('CcxtBroker: start, snapshot, restarts', () => {
  it('reads the balances at start, tracks its open orders and leaves others alone', async () => {
    const fake = await start({ balances: { USDT: 5000, BTC: 20 }, price: 100 });
    cleanup = fake.close;
    const ex = binanceAt(fake.url);
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 50, { clientOrderId: 'manual-1' });
    await ex.createOrder('BTC/USDT', 'limit', 'sell', 2, 150, { clientOrderId: 'tg-5-0' });
    const { broker, events, started } = await brokerOn(fake);
    // 5000 USDT (50 of them locked) and 20 BTC (2 locked) at the ticker's 100
    expect(started.snapshot).toEqual({ position: 20, cash: 5000, openOrders: [{ clientOrderId: 'tg-5-0', state: 'open', filledUnits: 0, averagePrice: Number.NaN }] });
    expect(started.foreignOrders.map((o) => o.clientOrderId)).toEqual(['manual-1']);
    expect(events).toEqual([{ type: 'foreign-order', id: '1000', clientOrderId: 'manual-1', side: 'buy', amount: 1, price: 50 }]);
    expect(broker.account.cash).toBe(5000);
    expect(broker.account.positions[0]).toBe(20);
    expect(broker.account.initialCash).toBe(7000);
    expect(broker.account.openTrade(0)).toEqual({ side: 1, entryIndex: 0, entryPrice: 100 });
    // its own order fills: booked at the next bar; the foreign one is never touched
    fake.book.setPrice(151);
    await broker.onBar(bar(151), 0);
    expect(await broker.status('tg-5-0')).toMatchObject({ state: 'filled', filledUnits: -2 });
    expect(broker.account.positions[0]).toBe(18);
    expect(broker.account.cash).toBeCloseTo(5000 + 300 - 0.3, 9);
    expect(fake.state.orders[0]?.status).toBe('NEW');
    expect(fake.state.requests.some((r) => r.startsWith('DELETE'))).toBe(false);
  });

  it('started from the balances, never books again a fill the balances already hold', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    await broker.submit(order('tg-0-0', 'market', 0.5));
    // a fresh start reads 5000 USDT and 49.95 BTC (valued at 100): the order's fill is in them
    const again = await brokerOn(fake);
    expect(again.broker.account.cash).toBe(5000);
    expect(again.broker.account.positions[0]).toBe(49.95);
    expect(await again.broker.status('tg-0-0')).toMatchObject({ state: 'filled', filledUnits: 50 });
    await again.broker.onBar(bar(100, 1), 1);
    expect(await again.broker.submit(order('tg-0-0', 'market', 0.5))).toMatchObject({ state: 'filled' });
    expect(again.fills).toEqual([]);
    expect(again.broker.account.positions[0]).toBe(49.95);
    expect(posts(fake)).toHaveLength(1);
  });

  it("rebuilds a restarted runner's book with fillsOf and restoreFill, each fill once", async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.partialFills = [0.25, 0.75];
    await broker.submit(order('tg-0-0', 'market', 0.8));
    await broker.onBar(bar(100, 1), 1);
    // another process, started from the book the first one started with
    const again = await brokerOn(fake, {}, { cash: 10_000, position: 0, price: 100 });
    const found = await again.broker.fillsOf('tg-0-0', 1);
    expect(found.map((f) => f.fillId)).toEqual(['5000', '5001']);
    expect(await again.broker.fillsOf('tg-7-0', 1)).toEqual([]);
    for (const f of found) again.broker.restoreFill(f);
    for (const f of found) again.broker.restoreFill(f); // once per fillId
    await again.broker.onBar(bar(100, 2), 2); // polls nothing twice
    expect(again.fills).toEqual([]);
    for (const key of ['cash', 'feesPaid'] as const) expect(again.broker.account[key]).toBeCloseTo(broker.account[key], 9);
    expect(again.broker.account.positions[0]).toBeCloseTo(broker.account.positions[0] as number, 12);
    const snap = await again.broker.snapshot();
    expect(snap.position).toBeCloseTo(again.broker.account.positions[0] as number, 9);
    expect(snap.cash).toBeCloseTo(again.broker.account.cash, 9);
  });
});

describe('CcxtBroker: restoreBook, fillsOf, trades without fetchOrderTrades', () => {
  /**
   * A first run started from 10,000 USDT left a 1 BTC limit buy at 10,000 filled 0.25 at once
   * and 0.25 at a status poll; a restarted broker starts from the balances. No fee, for round
   * numbers.
   */
  async function halfFilledRestart() {
    const fake = await start({ balances: { USDT: 10_000 }, price: 10_000, feeRate: 0 });
    cleanup = fake.close;
    const ex = binanceAt(fake.url);
    fake.state.partialFills = [0.25, 0.25, 0.5];
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 10_000, { clientOrderId: 'tg-0-0' });
    await ex.fetchOrder(String(placed.id), 'BTC/USDT'); // a status poll: the second part fills
    // 0.5 BTC and 5,000 USDT (locked by the order's rest): equity 5,000 + 0.5 * 10,000 = 10,000
    expect(balances(fake)).toEqual({ BTC: 0.5, USDT: 5000 });
    const restarted = await brokerOn(fake);
    const acct = restarted.broker.account;
    expect([acct.cash, acct.positions[0], acct.initialCash]).toEqual([5000, 0.5, 10_000]);
    fake.state.price = 10_001; // above the limit: status polls fill nothing until it is back
    return { fake, ...restarted };
  }

  it("restoreBook puts back the run's first book: the open order's fills the balances held are booked once, by restoreFill or a poll", async () => {
    const { fake, broker, fills } = await halfFilledRestart();
    const acct = broker.account;
    const first = new Account({ initialCash: 10_000 });
    broker.restoreBook({ account: first.snapshot(), fillIds: [] });
    expect(broker.account).toBe(acct); // the same object, put back
    expect(acct.snapshot()).toEqual(first.snapshot());
    expect([acct.cash, acct.positions[0]]).toEqual([10_000, 0]);
    // none of the two fills is booked now: fillsOf counts both into its positions
    const found = await broker.fillsOf('tg-0-0', 0);
    expect(found.map((f) => [f.fillId, f.units, f.price, f.fee, f.position])).toEqual([['5000', 0.25, 10_000, 0, 0.25], ['5001', 0.25, 10_000, 0, 0.5]]);
    for (const f of found) broker.restoreFill(f);
    // 0.25 + 0.25 BTC for 2 * 2,500 USDT
    expect([acct.cash, acct.positions[0]]).toEqual([5000, 0.5]);
    broker.restoreFill(found[1]!); // the same fillId again books nothing
    expect([acct.cash, acct.positions[0]]).toEqual([5000, 0.5]);
    // the order's last 0.5 fills when the price is back at its limit: booked at the next poll
    // from the exchange, the restored two not again
    fake.book.setPrice(10_000);
    await broker.onBar(bar(10_000), 0);
    expect(fills.map((f) => [f.fillId, f.units, f.position])).toEqual([['5002', 0.5, 1]]);
    expect([acct.cash, acct.positions[0]]).toEqual([0, 1]); // 5,000 - 0.5 * 10,000
    expect(balances(fake)).toEqual({ BTC: 1, USDT: 0 });
  });

  it('after restoreBook, a poll books the fills no journal restored, as start(book) would', async () => {
    const { fake, broker, fills } = await halfFilledRestart();
    broker.restoreBook({ account: new Account({ initialCash: 10_000 }).snapshot(), fillIds: [] });
    // nothing new fills at 10,001, but the two parts filled before are not in the book: booked now
    await broker.onBar(bar(10_001), 0);
    expect(fills.map((f) => [f.fillId, f.units, f.position])).toEqual([['5000', 0.25, 0.25], ['5001', 0.25, 0.5]]);
    fake.book.setPrice(10_000); // the last 0.5 fills
    await broker.onBar(bar(10_000, 1), 1);
    expect(fills.map((f) => [f.fillId, f.units, f.position])).toEqual([['5000', 0.25, 0.25], ['5001', 0.25, 0.5], ['5002', 0.5, 1]]);
    // each part bought at 10,000: 10,000 - (0.25 + 0.25 + 0.5) * 10,000
    expect([broker.account.cash, broker.account.positions[0]]).toEqual([0, 1]);
  });

  it('after restoreBook, an order looked up is no longer taken as held in the balances, before or after it', async () => {
    const fake = await start({ balances: { USDT: 10_000 }, price: 100, feeRate: 0 });
    cleanup = fake.close;
    // the first run filled two market buys, 30 and 20 BTC at 100 (no fee): 50 BTC + 5,000 USDT,
    // equity 10,000 at the ticker's 100
    const ex = binanceAt(fake.url);
    await ex.createOrder('BTC/USDT', 'market', 'buy', 30, undefined, { clientOrderId: 'tg-0-0' });
    await ex.createOrder('BTC/USDT', 'market', 'buy', 20, undefined, { clientOrderId: 'tg-1-0' });
    const { broker } = await brokerOn(fake);
    expect(await broker.status('tg-0-0')).toMatchObject({ state: 'filled', filledUnits: 30 }); // looked up before
    broker.restoreBook({ account: new Account({ initialCash: 10_000 }).snapshot(), fillIds: [] });
    expect(await broker.status('tg-1-0')).toMatchObject({ state: 'filled', filledUnits: 20 }); // and after
    for (const id of ['tg-0-0', 'tg-1-0']) for (const f of await broker.fillsOf(id, 0)) broker.restoreFill(f);
    // both booked: 30 + 20 BTC for 3,000 + 2,000 USDT
    expect([broker.account.cash, broker.account.positions[0]]).toEqual([5000, 50]);
  });

  it('restoreBook is refused with a TradegymError before start() and after the first onBar, cancel or restoreFill', async () => {
    const snap = new Account({ initialCash: 10_000 }).snapshot();
    const unstarted = new CcxtBroker({ exchange: binanceAt('http://127.0.0.1:9'), symbol: 'BTC/USDT' });
    expect(() => unstarted.restoreBook({ account: snap, fillIds: [] })).toThrow(TradegymError);
    expect(() => unstarted.restoreBook({ account: snap, fillIds: [] })).toThrow(/^CcxtBroker\.restoreBook: call await broker\.start\(\) first/);
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    await broker.submit(order('tg-0-0', 'market', 0.5)); // 50 BTC, 49.95 received
    expect(() => broker.restoreBook({ account: snap, fillIds: [] })).toThrow(/^CcxtBroker\.restoreBook: call it right after start\(\), before onBar, submit, cancel or restoreFill \(a restart's first step\), not after onBar$/);
    expect(broker.account.positions[0]).toBeCloseTo(49.95, 12); // unchanged
    const fill = { clientOrderId: 'tg-0-0', index: 0, timestamp: T0, units: 1, price: 100, fee: 0, position: 1, fillId: 'x' };
    for (const [step, go] of [['cancel', (b: CcxtBroker) => b.cancel('tg-0-0')], ['restoreFill', (b: CcxtBroker) => b.restoreFill(fill)]] as const) {
      const other = (await brokerOn(fake, {}, { cash: 10_000, position: 0, price: 100 })).broker;
      await go(other);
      expect(() => other.restoreBook({ account: snap, fillIds: [] })).toThrow(new RegExp(`not after ${step}$`));
    }
  });

  it("restoreBook refuses another account's snapshot with the account's InvalidArgumentError, and changes nothing", async () => {
    // 5,000 USDT and 60 BTC at 100: equity, the initial cash start() took, 11,000
    const { broker } = await setup({ balances: { USDT: 5000, BTC: 60 }, price: 100 });
    const two = new Account({ initialCash: 10_000, assets: 2 }).snapshot();
    expect(() => broker.restoreBook({ account: two, fillIds: [] })).toThrow(InvalidArgumentError);
    expect(() => broker.restoreBook({ account: two, fillIds: [] })).toThrow(/^snapshot\.config\.assets must be 1 \(this account's assets\), got 2$/);
    expect(() => broker.restoreBook({ account: new Account({ initialCash: 10_000, fee: 10 }).snapshot(), fillIds: [] })).toThrow(/^snapshot\.config\.fee must be 0 \(this account's fee\), got 10$/);
    expect([broker.account.cash, broker.account.positions[0], broker.account.initialCash]).toEqual([5000, 60, 11_000]);
    // a refusal is not a step; a first book of another initial cash is taken (a mirror's initial
    // cash is the equity start() found: it stays, and nothing reads it)
    broker.restoreBook({ account: new Account({ initialCash: 10_000 }).snapshot(), fillIds: [] });
    expect([broker.account.cash, broker.account.positions[0], broker.account.initialCash]).toEqual([10_000, 0, 11_000]);
  });

  it('fillsOf counts into its positions only the fills not booked yet', async () => {
    const { fake, broker } = await setup({ balances: { USDT: 10_000 }, price: 100 });
    await broker.onBar(bar(100), 0);
    fake.state.partialFills = [0.25, 0.75];
    await broker.submit(order('tg-0-0', 'market', 0.8)); // 80 BTC: 20 now, 60 at the next poll
    await broker.onBar(bar(100, 1), 1);
    const again = (await brokerOn(fake, {}, { cash: 10_000, position: 0, price: 100 })).broker;
    const [a] = await again.fillsOf('tg-0-0', 1);
    again.restoreFill(a!); // 20 less the 0.02 BTC fee: 19.98
    expect(again.account.positions[0]).toBeCloseTo(19.98, 12);
    const after = await again.fillsOf('tg-0-0', 1);
    expect(after.map((f) => f.fillId)).toEqual(['5000', '5001']);
    // the booked one is in the account already: 19.98, not 19.98 + 19.98; the other, 60 less
    // 0.06 = 59.94, lands at 19.98 + 59.94 = 79.92
    expect(after[0]?.position).toBeCloseTo(19.98, 12);
    expect(after[1]?.units).toBeCloseTo(59.94, 12);
    expect(after[1]?.position).toBeCloseTo(79.92, 12);
  });

  it("without fetchOrderTrades, a trade that names no order is not booked to the broker's order", async () => {
    const fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    cleanup = fake.close;
    const ex = binanceAt(fake.url);
    // someone else's order: 20 BTC for 2,000 USDT, 19.98 received (trade 5000)
    await ex.createOrder('BTC/USDT', 'market', 'buy', 20, undefined, { clientOrderId: 'manual-1' });
    ex.has = { ...ex.has, fetchOrderTrades: false };
    const mine = ex.fetchMyTrades.bind(ex);
    ex.fetchMyTrades = async (...args: Parameters<typeof mine>) => (await mine(...args)).map((tr) => (tr.id === '5000' ? { ...tr, order: undefined } : tr));
    const { broker, fills } = await brokerOn(fake, { exchange: ex });
    // 8,000 USDT + 19.98 BTC at 100: equity 9,998; half of it is 49.99 BTC, less the 19.98 held:
    // 30.01 BTC for 3,001 USDT, 30.01 - 0.03001 = 29.97999 received (trade 5001)
    await broker.onBar(bar(100), 0);
    expect(await broker.submit(order('tg-0-0', 'market', 0.5))).toMatchObject({ state: 'filled', filledUnits: 30.01 });
    expect(fills.map((f) => f.fillId)).toEqual(['5001']); // 5000 named no order: not this one's
    expect(broker.account.positions[0]).toBeCloseTo(19.98 + 29.97999, 9);
    expect(broker.account.cash).toBeCloseTo(8000 - 3001, 9);
    expect(fake.state.requests.some((r) => r.startsWith('GET /api/v3/myTrades') && !r.includes('orderId'))).toBe(true);
  });
});

describe('CcxtBroker under a LiveRunner', () => {
  /** A replay during which the exchange trades at each bar's close, while the runner decides at it. */
  const closingFeed = (fake: FakeOrdersServer, data: MarketData): Feed => {
    const replay = new ReplayFeed(data);
    return {
      timeframe: replay.timeframe,
      symbol: 'BTC/USDT',
      close: () => replay.close(),
      ended: () => replay.ended(),
      async *[Symbol.asyncIterator]() {
        for await (const b of replay) {
          await setPriceAt(fake.url, b.close); // over HTTP, as a child process would
          yield b;
        }
      },
    };
  };
  // long above the 20-bar mean (80 % of equity), flat below
  const strategy = ({ index, data: d }: StrategyContext) => {
    if (index < 20) return 0;
    let s = 0;
    for (let k = index - 19; k <= index; k++) s += d.close[k] as number;
    return (d.close[index] as number) > s / 20 ? 0.8 : 0;
  };

  it('trades a replay end to end: the exchange ends holding what the account says', async () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 240, seed: 5 });
    const fake = await start({ balances: { USDT: 10_000 }, price: data.close[0] as number });
    cleanup = fake.close;
    const { broker } = await brokerOn(fake);
    const feed = closingFeed(fake, data);
    const fills: FillEvent[] = [];
    const runner = new LiveRunner({ feed, strategy, broker, realOrders: true, closeAtEnd: true, onEvent: (e) => e.type === 'fill' && fills.push(e) });
    const result = await runner.run();
    expect(result.stopReason).toBe('feed-ended');
    // each order filled at once, at the close it was decided at
    expect(fake.state.orders.length).toBeGreaterThan(10);
    expect(fake.state.orders.every((o) => o.status === 'FILLED')).toBe(true);
    expect(fills.map((f) => f.fillId)).toEqual(fake.state.trades.map((t) => String(t.id)));
    const held = balances(fake);
    // the last exit leaves what the 0.00001 step cannot sell
    expect(Math.abs(held.BTC)).toBeLessThan(1e-5);
    expect(broker.account.positions[0]).toBeCloseTo(held.BTC, 9);
    expect(broker.account.cash).toBeCloseTo(held.USDT, 6);
    const sumFees = fake.state.trades.reduce((s, t) => s + (t.commissionAsset === 'BTC' ? t.commission * t.price : t.commission), 0);
    expect(broker.account.feesPaid).toBeCloseTo(sumFees, 6);
  });

  it("takes the dust an exit leaves (below the market's minimum amount) as flat: no stop fires on it", async () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 240, seed: 5 });
    const fake = await start({ balances: { USDT: 10_000 }, price: data.close[0] as number });
    cleanup = fake.close;
    const { broker } = await brokerOn(fake);
    // the fake's LOT_SIZE (step and minimum 0.00001) and NOTIONAL (5 USDT) filters, at 100:
    expect(broker.isDust(0.000019, 100)).toBe(true); // rounds down to 0.00001: 0.001 USDT < 5
    expect(broker.isDust(0.04, 100)).toBe(true); // 4 USDT < 5
    expect(broker.isDust(-0.04, 100)).toBe(true); // its size counts
    expect(broker.isDust(0.05, 100)).toBe(false); // 5 USDT: sellable
    const exits: { position: number; status: string | undefined }[] = [];
    const runner: LiveRunner = new LiveRunner({
      feed: closingFeed(fake, data),
      strategy,
      broker,
      realOrders: true,
      risk: { stopLoss: 0.005 },
      closeAtEnd: true,
      onEvent: (e) => e.type === 'order' && e.order.type === 'exit' && exits.push({ position: runner.account.positions[0] as number, status: e.status.message }),
    });
    await runner.run();
    // stops fired, and each sold a position: none was the dust of a buy's fee in BTC
    expect(exits.length).toBeGreaterThan(0);
    expect(exits.filter((x) => x.status !== undefined)).toEqual([]);
    expect(Math.abs(balances(fake).BTC)).toBeLessThan(1e-5);
  });

  it("takes the broker's clientOrderIdPrefix as the runner's order id prefix, and refuses another", async () => {
    const fake = await start({ balances: { USDT: 10_000 }, price: 100 });
    try {
      const { broker } = await brokerOn(fake, { clientOrderIdPrefix: 'bot1-' });
      const feed = { timeframe: '1h', close: async () => undefined, async *[Symbol.asyncIterator]() {} };
      expect(() => new LiveRunner({ feed, strategy: () => 1, broker, realOrders: true, orderIdPrefix: 'tg-' })).toThrow(`orderIdPrefix must be left out, or the broker's clientOrderIdPrefix ('bot1-'), got "tg-"`);
      const orders: string[] = [];
      const bars = { timeframe: '1h', close: async () => undefined, async *[Symbol.asyncIterator]() { for (let i = 0; i < 3; i++) yield { timestamp: T0 + i * 3_600_000, open: 100, high: 100, low: 100, close: 100, volume: 1 }; } };
      await new LiveRunner({ feed: bars, strategy: () => 0.5, broker, realOrders: true, onEvent: (e) => e.type === 'order' && orders.push(e.order.clientOrderId) }).run();
      // the broker's prefix, then the runner's run id (its start time, base 36), bar 0, order 0
      expect(orders[0]).toMatch(/^bot1-[0-9a-z]+-0-0$/);
      expect(fake.state.orders.map((o) => o.clientOrderId)).toContain(orders[0]);
    } finally {
      await fake.close();
    }
  });
});

describe('CcxtBroker options and misuse', () => {
  const exchange = binanceAt('http://127.0.0.1:9');
  const base = { exchange, symbol: 'BTC/USDT' };
  it.each([
    [{ ...base, pollMs: 5 }, /options\.pollMs is not a known option/],
    [{ ...base, exchange: {} }, /exchange must be a ccxt exchange instance with loadMarkets/],
    [{ ...base, exchange: { loadMarkets: () => undefined, market: () => undefined } }, /exchange must be a ccxt exchange instance with amountToPrecision \(new ccxt\.binance/],
    [{ ...base, symbol: 'BTCUSDT' }, /symbol must be a spot market symbol such as 'BTC\/USDT', got "BTCUSDT"/],
    [{ ...base, symbol: 'BTC/USDT:USDT' }, /symbol must be a spot market symbol/],
    [{ ...base, clientOrderIdPrefix: '' }, /clientOrderIdPrefix must be a string of 1 to 12 letters/],
    // 13 characters: with a runner's <run 8>-<bar>-<n> an id could pass Binance's 36
    [{ ...base, clientOrderIdPrefix: 'abcdefghijkl-' }, /^clientOrderIdPrefix must be a string of 1 to 12 letters, digits or \. _ : -, got "abcdefghijkl-"$/],
    [{ ...base, retries: -1 }, /retries must be an integer >= 0, got -1/],
    [{ ...base, backoff: { factor: 0.5 } }, /backoff\.factor must be a finite number >= 1, got 0\.5/],
    [{ ...base, backoff: { jitter: 1 } }, /backoff\.jitter is not a known option/],
    [{ ...base, onEvent: 'log' }, /onEvent must be a function, got "log"/],
  ])('rejects bad options %#', (opts, message) => {
    expect(() => new CcxtBroker(opts as never)).toThrow(message);
  });

  it('needs start() before its account and orders, and a LiveRunner needs realOrders', async () => {
    const broker = new CcxtBroker(base);
    expect(() => broker.account).toThrow(/call await broker\.start\(\) first/);
    await expect(broker.onBar(bar(100), 0)).rejects.toThrow(/call await broker\.start\(\) first/);
    const fake = await start();
    cleanup = fake.close;
    const { broker: started } = await brokerOn(fake);
    const feed = new ReplayFeed(RegimeGenerator.preset('crypto-15m').generate({ numSamples: 30, seed: 1 }).data);
    expect(() => new LiveRunner({ feed, strategy: () => 0, broker: started })).toThrow(/realOrders must be true to trade through a broker that is not paper/);
    await expect(started.start()).rejects.toThrow(/start must be called once per broker/);
  });

  it('PaperBroker refuses limit orders with a typed error naming the type', async () => {
    const paper = new PaperBroker();
    await paper.onBar(bar(100), 0);
    const err = await paper.submit(order('a-1', 'limit', 1, 99)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    await expect(paper.submit(order('a-1', 'limit', 1, 99))).rejects.toThrow(/^order\.type must be one of 'market', 'exit', got "limit": a PaperBroker fills no limit orders \(an exchange broker such as CcxtBroker does\)$/);
  });

  it("Account.book books a fill as trade() does when given trade()'s price and fee", () => {
    // reference: trade() with a 10 bps fee and 5 bps slippage; book() given its price and fee
    const ref = new Account({ initialCash: 10_000, fee: 10, slippage: 5 });
    const acct = new Account({ initialCash: 10_000 });
    for (const [units, price, i] of [[30, 100, 0], [-10, 110, 1], [-40, 95, 2], [25, 90, 3]] as const) {
      const r = ref.trade(0, units, price, i);
      const b = acct.book(0, units, r.price, r.fee, i);
      expect([b.units, b.price, b.fee, b.slippageCost]).toEqual([r.units, r.price, r.fee, 0]);
    }
    expect(acct.cash).toBe(ref.cash);
    expect(acct.positions[0]).toBe(ref.positions[0]);
    expect(acct.feesPaid).toBe(ref.feesPaid);
    expect(acct.trades).toEqual(ref.trades);
    expect(() => acct.book(0, 0, 100, 0, 4)).toThrow(/units must be a finite number other than 0, got 0/);
    expect(() => acct.book(0, 1, 100, -1, 4)).toThrow(/fee must be a finite number >= 0, got -1/);
  });
});

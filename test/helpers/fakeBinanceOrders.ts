// The ORDER side of a fake Binance spot API on 127.0.0.1, for CcxtBroker's tests and the crash
// tests: markets with real filters (LOT_SIZE, PRICE_FILTER, NOTIONAL), balances, orders, trades,
// and faults injected per request. Driven through ccxt's real binance class (binanceAt). It runs
// in one process and serves others: start() returns its url and its state, which a test reads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ccxt from 'ccxt';
import { answerHttpError, BINANCE_OPTIONS, exchangeInfo, pointAt, sendJson, T0 } from './fakeBinance.js';

/**
 * A fault for the next request that matches `method` and `path` (either left out: any):
 * - 429, 500, 503: Binance's answers when rate-limited, failing or down (nothing is done).
 * - `'timeout'`: nothing is done, the answer comes after `LATE_MS` (beyond ccxt's timeout).
 * - `'reject'`: an order refused for an insufficient balance (-2010).
 * - `'lost'`: the order IS placed (and filled as usual), then the connection is dropped
 *   without an answer: the fault that makes idempotency matter.
 * - `'lost-late'`: the order is placed, the answer comes after `LATE_MS` (ccxt has timed out).
 */
export interface FaultRule {
  /** What happens to the request (see above). */
  readonly fault: 429 | 500 | 503 | 'timeout' | 'reject' | 'lost' | 'lost-late';
  /** `'GET'`, `'POST'`, `'DELETE'` (default: any). */
  readonly method?: string;
  /** The path, e.g. `'/api/v3/order'` (default: any). */
  readonly path?: string;
}

/** One order as the fake holds it. */
export interface FakeOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT';
  /** Quantity ordered. */
  readonly origQty: number;
  /** The limit price (0 for a market order). */
  readonly price: number;
  executedQty: number;
  cumQuote: number;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED';
  readonly time: number;
  /** Quantities still to fill, one per status poll (GET /api/v3/order of this order). */
  readonly parts: number[];
}

/** One trade (fill) as the fake holds it. */
export interface FakeTrade {
  readonly id: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly qty: number;
  /** The fee: in BTC for a buy (the asset received), in USDT for a sell, as Binance without BNB. */
  readonly commission: number;
  readonly commissionAsset: 'BTC' | 'USDT';
  readonly time: number;
  readonly isMaker: boolean;
}

/** The fake's state: read it, and set `price`, `faults`, `partialFills` between requests. */
export interface FakeState {
  /** Free and locked balances by asset (`BTC`, `USDT`). */
  readonly balances: Record<'BTC' | 'USDT', { free: number; locked: number }>;
  readonly orders: FakeOrder[];
  readonly trades: FakeTrade[];
  /** The market price: market orders fill here; a resting limit order fills when it crosses (see `setPrice`). */
  price: number;
  /** The fee rate (default 0.001: Binance's 0.1 %). */
  feeRate: number;
  /** Faults, each used by the first request it matches. */
  readonly faults: FaultRule[];
  /**
   * The next order placed fills in these fractions of its quantity (rounded down to the step,
   * the last part takes the rest): the first part at once (a limit order: once marketable),
   * then one part per status poll of that order (GET /api/v3/order). Consumed by that order.
   */
  partialFills: number[] | undefined;
  /** Every request: method, path and query (the body of a POST appended after a space). */
  readonly requests: string[];
  /** The clock of orders and trades (ms); advances 1 ms per order. */
  now: number;
}

/** The market's filters: BTC/USDT with Binance's real steps (0.00001 BTC, 0.01 USDT) and a 5 USDT minimum notional. */
export const FILTERS = { stepSize: 0.00001, minQty: 0.00001, maxQty: 9000, tickSize: 0.01, minPrice: 0.01, maxPrice: 1_000_000, minNotional: 5 } as const;
/** ccxt's request timeout of {@link binanceAt}'s instances (ms): generous, so that a loaded machine does not time out by itself. */
export const TIMEOUT_MS = 1000;
/** How late a `'timeout'` or `'lost-late'` answer comes (ms): beyond the ccxt timeout. */
export const LATE_MS = 1500;

/** exchangeInfo with the filters, so ccxt's precision and limits are real. */
function marketInfo(serverTime: number) {
  const info = exchangeInfo(serverTime);
  const f = FILTERS;
  const filters = [
    { filterType: 'PRICE_FILTER', minPrice: String(f.minPrice), maxPrice: String(f.maxPrice), tickSize: '0.01000000' },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: String(f.maxQty), stepSize: '0.00001000' },
    { filterType: 'NOTIONAL', minNotional: String(f.minNotional), applyMinToMarket: true, maxNotional: '9000000', applyMaxToMarket: false, avgPriceMins: 5 },
  ];
  return { ...info, symbols: info.symbols.map((s) => ({ ...s, filters })) };
}

/** Whole steps of `step` in `x` (x a decimal number from a request): exact for our 1e-5 and 1e-2 steps. */
const steps = (x: number, step: number): number => Math.round(x / step);
const onGrid = (x: number, step: number): boolean => Math.abs(x / step - steps(x, step)) < 1e-6;
/** Rounds to 1e-10 to keep the fake's sums free of float dust. */
const clean = (x: number): number => Math.round(x * 1e10) / 1e10;
const str = (x: number): string => clean(x).toFixed(8);

/**
 * How far a book made from this fake's answers may be from its USDT balance: the API gives each
 * trade's price and fee to 8 decimals (`str`) while the balances move by the exact ones (to
 * 1e-10), so each trade's quote may differ by up to qty * 0.5e-8, and a sell's USDT fee by 0.5e-8
 * (a buy's fee is in BTC, a multiple of 1e-8: exact). @returns that bound, in USDT.
 */
export function cashSlack(state: FakeState): number {
  return state.trades.reduce((s, t) => s + t.qty * 0.5e-8 + (t.commissionAsset === 'USDT' ? 0.5e-8 : 0) + 1e-9, 0);
}

/** Binance's answer for an order. */
function orderJson(o: FakeOrder, trades: readonly FakeTrade[]) {
  const mine = trades.filter((t) => t.orderId === o.orderId);
  return {
    symbol: 'BTCUSDT', orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.time,
    price: str(o.price), origQty: str(o.origQty), executedQty: str(o.executedQty), cummulativeQuoteQty: str(o.cumQuote),
    status: o.status, timeInForce: o.type === 'LIMIT' ? 'GTC' : 'GTC', type: o.type, side: o.side, stopPrice: '0.00000000',
    icebergQty: '0.00000000', time: o.time, updateTime: o.time, isWorking: true, workingTime: o.time, origQuoteOrderQty: '0.00000000',
    fills: mine.map((t) => ({ price: str(t.price), qty: str(t.qty), commission: str(t.commission), commissionAsset: t.commissionAsset, tradeId: t.id })),
  };
}

function tradeJson(t: FakeTrade) {
  return {
    symbol: 'BTCUSDT', id: t.id, orderId: t.orderId, orderListId: -1, price: str(t.price), qty: str(t.qty), quoteQty: str(t.price * t.qty),
    commission: str(t.commission), commissionAsset: t.commissionAsset, time: t.time, isBuyer: t.side === 'BUY', isMaker: t.isMaker, isBestMatch: true,
  };
}

/** The state's logic: placing, filling, cancelling. Exported for tests that drive it directly. */
export class FakeBook {
  constructor(readonly state: FakeState) {}

  /** Sets the market price and fills resting limit orders it crosses (at their limit price, as makers). */
  setPrice(price: number): void {
    this.state.price = price;
    for (const o of this.state.orders) if (o.type === 'LIMIT' && this.#open(o) && this.#marketable(o)) this.#fillNext(o, true);
  }

  /** The remaining quantity of an order. */
  remaining(o: FakeOrder): number {
    return clean(o.origQty - o.executedQty);
  }

  #open(o: FakeOrder): boolean {
    return o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  }

  #marketable(o: FakeOrder): boolean {
    return o.type === 'MARKET' || (o.side === 'BUY' ? this.state.price <= o.price : this.state.price >= o.price);
  }

  /** Places an order after Binance's checks; the error answer (status and body) if refused. */
  place(p: URLSearchParams): { order: FakeOrder } | { status: number; body: { code: number; msg: string } } {
    const s = this.state;
    const bad = (code: number, msg: string) => ({ status: 400, body: { code, msg } });
    if (p.get('symbol') !== 'BTCUSDT') return bad(-1121, 'Invalid symbol.');
    const side = p.get('side');
    const type = p.get('type');
    if (side !== 'BUY' && side !== 'SELL') return bad(-1102, 'Mandatory parameter side was not sent.');
    if (type !== 'MARKET' && type !== 'LIMIT') return bad(-1116, 'Invalid orderType.');
    const clientOrderId = p.get('newClientOrderId') ?? `fake-${s.orders.length + 1}`;
    if (s.orders.some((o) => o.clientOrderId === clientOrderId)) return bad(-2010, 'Duplicate order sent.');
    const qty = Number(p.get('quantity'));
    if (!(qty > 0) || !onGrid(qty, FILTERS.stepSize) || qty < FILTERS.minQty) return bad(-1013, 'Filter failure: LOT_SIZE');
    const price = type === 'LIMIT' ? Number(p.get('price')) : 0;
    if (type === 'LIMIT' && (!(price >= FILTERS.minPrice) || !onGrid(price, FILTERS.tickSize))) return bad(-1013, 'Filter failure: PRICE_FILTER');
    const ref = type === 'LIMIT' ? price : s.price;
    if (qty * ref < FILTERS.minNotional) return bad(-1013, 'Filter failure: NOTIONAL');
    const need = side === 'BUY' ? qty * ref : qty;
    const wallet = s.balances[side === 'BUY' ? 'USDT' : 'BTC'];
    if (need > wallet.free + 1e-9) return bad(-2010, 'Account has insufficient balance for requested action.');
    const fractions = s.partialFills ?? [1];
    s.partialFills = undefined;
    const parts: number[] = [];
    let left = steps(qty, FILTERS.stepSize);
    fractions.forEach((f, k) => {
      const n = k === fractions.length - 1 ? left : Math.min(left, Math.floor(steps(qty, FILTERS.stepSize) * f));
      left -= n;
      if (n > 0) parts.push(clean(n * FILTERS.stepSize));
    });
    const order: FakeOrder = { orderId: 1000 + s.orders.length, clientOrderId, side, type, origQty: qty, price, executedQty: 0, cumQuote: 0, status: 'NEW', time: s.now++, parts };
    s.orders.push(order);
    if (type === 'LIMIT') {
      // a resting limit order locks what it may spend
      const lock = side === 'BUY' ? qty * price : qty;
      wallet.free = clean(wallet.free - lock);
      wallet.locked = clean(wallet.locked + lock);
    }
    if (this.#marketable(order)) this.#fillNext(order, false);
    return { order };
  }

  /** A status poll of an order: its next part fills if it can. */
  poll(o: FakeOrder): void {
    if (this.#open(o) && o.executedQty > 0 && this.#marketable(o)) this.#fillNext(o, o.type === 'LIMIT');
  }

  /** Fills the order's next part at the market (a market order) or its limit price. */
  #fillNext(o: FakeOrder, maker: boolean): void {
    const s = this.state;
    const qty = o.parts.shift();
    if (qty === undefined) return;
    const price = o.type === 'LIMIT' ? o.price : s.price;
    const quote = clean(qty * price);
    const { BTC: btc, USDT: usdt } = s.balances;
    let commission: number;
    if (o.side === 'BUY') {
      commission = clean(qty * s.feeRate);
      if (o.type === 'LIMIT') usdt.locked = clean(usdt.locked - quote);
      else usdt.free = clean(usdt.free - quote);
      btc.free = clean(btc.free + qty - commission);
    } else {
      commission = clean(quote * s.feeRate);
      if (o.type === 'LIMIT') btc.locked = clean(btc.locked - qty);
      else btc.free = clean(btc.free - qty);
      usdt.free = clean(usdt.free + quote - commission);
    }
    s.trades.push({ id: 5000 + s.trades.length, orderId: o.orderId, clientOrderId: o.clientOrderId, side: o.side, price, qty, commission, commissionAsset: o.side === 'BUY' ? 'BTC' : 'USDT', time: s.now++, isMaker: maker });
    o.executedQty = clean(o.executedQty + qty);
    o.cumQuote = clean(o.cumQuote + quote);
    o.status = o.parts.length === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
  }

  /** Cancels an open order, unlocking what it held. */
  cancel(o: FakeOrder): void {
    if (!this.#open(o)) return;
    if (o.type === 'LIMIT') {
      const left = this.remaining(o);
      const w = this.state.balances[o.side === 'BUY' ? 'USDT' : 'BTC'];
      const lock = o.side === 'BUY' ? left * o.price : left;
      w.locked = clean(w.locked - lock);
      w.free = clean(w.free + lock);
    }
    o.parts.length = 0;
    o.status = 'CANCELED';
  }

  /** The order by `orderId` or `origClientOrderId`. */
  find(p: URLSearchParams): FakeOrder | undefined {
    const id = p.get('orderId');
    const cid = p.get('origClientOrderId');
    return this.state.orders.find((o) => (id !== null ? String(o.orderId) === id : o.clientOrderId === cid));
  }
}

/** The options of {@link start}. */
export interface FakeOrdersOptions {
  /** Starting balances (default 10,000 USDT and no BTC). */
  readonly balances?: { readonly BTC?: number; readonly USDT?: number };
  /** The starting price (default 100). */
  readonly price?: number;
  /** The fee rate (default 0.001). */
  readonly feeRate?: number;
}

/** What {@link start} returns. */
export interface FakeOrdersServer {
  /** The fake's base url, `http://127.0.0.1:<port>`: give it to {@link binanceAt} (in any process). */
  readonly url: string;
  /** The exchange's state, live. */
  readonly state: FakeState;
  /** Its logic (`setPrice` fills crossing limit orders). */
  readonly book: FakeBook;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the fake Binance (spot BTC/USDT: exchangeInfo, time, ticker, klines-free) on 127.0.0.1
 * with an order side: POST/GET/DELETE /api/v3/order, GET /api/v3/openOrders, /api/v3/myTrades,
 * /api/v3/account. Signed requests are accepted with any key and signature.
 */
export async function start(options: FakeOrdersOptions = {}): Promise<FakeOrdersServer> {
  const state: FakeState = {
    balances: { BTC: { free: options.balances?.BTC ?? 0, locked: 0 }, USDT: { free: options.balances?.USDT ?? 10_000, locked: 0 } },
    orders: [],
    trades: [],
    price: options.price ?? 100,
    feeRate: options.feeRate ?? 0.001,
    faults: [],
    partialFills: undefined,
    requests: [],
    now: T0,
  };
  const book = new FakeBook(state);
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, LATE_MS);
    timers.add(t);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    state.requests.push(`${method} ${path}${url.search}${body === '' ? '' : ` ${body}`}`);
    const p = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(body)) p.set(k, v);
    const json = (status: number, b: unknown) => sendJson(res, status, b);
    if (path === '/api/v3/exchangeInfo') return json(200, marketInfo(state.now));
    if (path === '/api/v3/time') return json(200, { serverTime: state.now });
    // test control, not Binance's: the market price, from another process (see setPriceAt)
    if (path === '/fake/price' && method === 'POST') {
      book.setPrice(Number(p.get('price')));
      return json(200, { price: state.price });
    }
    const k = state.faults.findIndex((f) => (f.method === undefined || f.method === method) && (f.path === undefined || f.path === path));
    const fault = k < 0 ? undefined : state.faults.splice(k, 1)[0]?.fault;
    if (typeof fault === 'number') return answerHttpError(res, fault);
    if (fault === 'timeout') return later(() => json(503, { code: -1000, msg: 'late' }));
    if (fault === 'reject') return json(400, { code: -2010, msg: 'Account has insufficient balance for requested action.' });
    if (path === '/api/v3/ticker/24hr' || path === '/api/v3/ticker/price') {
      const px = str(state.price);
      return json(200, { symbol: 'BTCUSDT', price: px, lastPrice: px, bidPrice: px, askPrice: px, openPrice: px, highPrice: px, lowPrice: px, volume: '0', quoteVolume: '0', openTime: state.now, closeTime: state.now, count: 0 });
    }
    if (path === '/api/v3/account') {
      const balances = Object.entries(state.balances).map(([asset, b]) => ({ asset, free: str(b.free), locked: str(b.locked) }));
      return json(200, { makerCommission: 10, takerCommission: 10, canTrade: true, canWithdraw: true, canDeposit: true, updateTime: state.now, accountType: 'SPOT', balances, permissions: ['SPOT'] });
    }
    if (path === '/api/v3/openOrders') return json(200, state.orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').map((o) => orderJson(o, state.trades)));
    if (path === '/api/v3/myTrades') {
      const orderId = p.get('orderId');
      const fromId = Number(p.get('fromId') ?? 0);
      const from = Number(p.get('startTime') ?? 0);
      const limit = Number(p.get('limit') ?? 500);
      const list = state.trades.filter((t) => (orderId === null || String(t.orderId) === orderId) && t.id >= fromId && t.time >= from);
      return json(200, list.slice(0, limit).map(tradeJson));
    }
    if (path === '/api/v3/order') {
      if (method === 'POST') {
        const placed = book.place(p);
        if (!('order' in placed)) return json(placed.status, placed.body);
        if (fault === 'lost') return res.socket?.destroy();
        const answer = () => json(200, orderJson(placed.order, state.trades));
        if (fault === 'lost-late') return later(answer);
        return answer();
      }
      const o = book.find(p);
      if (o === undefined) return json(400, method === 'DELETE' ? { code: -2011, msg: 'Unknown order sent.' } : { code: -2013, msg: 'Order does not exist.' });
      if (method === 'DELETE') {
        if (o.status === 'FILLED' || o.status === 'CANCELED') return json(400, { code: -2011, msg: 'Unknown order sent.' });
        book.cancel(o);
      } else book.poll(o);
      return json(200, orderJson(o, state.trades));
    }
    return json(404, { code: -1, msg: `not found: ${path}` });
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    book,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Sets a fake's market price from any process (market orders fill there; crossed limit orders
 * fill): e.g. a child's feed calls it with each bar's close before yielding the bar.
 */
export async function setPriceAt(url: string, price: number): Promise<void> {
  const res = await fetch(`${url}/fake/price`, { method: 'POST', body: new URLSearchParams({ price: String(price) }) });
  if (!res.ok) throw new Error(`fake price: HTTP ${res.status}`);
  await res.text();
}

/**
 * A ccxt binance instance (the real class) pointed at a fake's url, with a key and secret (the
 * fake accepts any signature), a {@link TIMEOUT_MS} timeout and the fakes' 1 ms rate limit. Spot
 * only, no currency or margin endpoints (sapi), as the fake serves.
 */
export function binanceAt(url: string): InstanceType<typeof ccxt.binance> {
  const ex = new ccxt.binance({ ...BINANCE_OPTIONS, timeout: TIMEOUT_MS, apiKey: 'fake-key', secret: 'fake-secret', options: { ...BINANCE_OPTIONS.options, fetchCurrencies: false, fetchMargins: false } });
  return pointAt(ex, url);
}

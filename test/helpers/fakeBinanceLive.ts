import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import ccxt from 'ccxt';
import { answerHttpError, answerKlines, BINANCE_OPTIONS, exchangeInfo, H, pointAt, sendJson, T0, trueBar, type Candle } from './fakeBinance.js';

/**
 * Simulated time shared by a fake exchange and the feed under test. `sleep` honours its abort
 * signal. With `auto`, a sleep moves the clock to its end at once (after a turn of the event
 * loop): a polling feed then runs hours of bars in milliseconds. Without, time moves only by
 * `advanceTo`, so a test decides when bars close and what the websocket sends meanwhile.
 */
export class VirtualClock {
  #t: number;
  readonly #timers = new Set<{ at: number; fire: () => void }>();
  readonly #listeners: ((from: number, to: number) => void)[] = [];
  /** Every wait asked for, in ms. */
  readonly sleeps: number[] = [];

  constructor(t0: number, readonly auto: boolean) {
    this.#t = t0;
  }

  readonly now = (): number => this.#t;

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      const timer = { at: this.#t + ms, fire };
      const timers = this.#timers;
      function fire(): void {
        timers.delete(timer);
        signal.removeEventListener('abort', fire);
        resolve();
      }
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', fire, { once: true });
      timers.add(timer);
      if (this.auto) setImmediate(() => this.#runNext());
    });
  };

  /** Calls `listener(from, to)` whenever time moves. */
  onAdvance(listener: (from: number, to: number) => void): void {
    this.#listeners.push(listener);
  }

  #moveTo(t: number): void {
    if (t <= this.#t) return;
    const from = this.#t;
    this.#t = t;
    for (const l of this.#listeners) l(from, t);
  }

  #earliest(): { at: number; fire: () => void } | undefined {
    let first: { at: number; fire: () => void } | undefined;
    for (const t of this.#timers) if (first === undefined || t.at < first.at) first = t;
    return first;
  }

  #runNext(): void {
    const first = this.#earliest();
    if (first === undefined) return;
    this.#moveTo(first.at);
    first.fire();
  }

  /** Moves time to `t`, firing the timers due on the way in order, each after a turn of the event loop. */
  async advanceTo(t: number): Promise<void> {
    for (let first = this.#earliest(); first !== undefined && first.at <= t; first = this.#earliest()) {
      this.#moveTo(first.at);
      first.fire();
      await new Promise((r) => setImmediate(r));
    }
    this.#moveTo(t);
    await new Promise((r) => setImmediate(r));
  }
}

/** Waits (real time, bounded) until `cond` holds. */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** What the fake does with one klines request. */
export type LiveFault = 'ok' | 429 | 500 | 503 | 'timeout' | 'duplicate-rows';

/** The minimal part of the `ws` package's server the fake uses (ws ships no types; ccxt depends on it). */
interface WsSocket {
  send(data: string): void;
  terminate(): void;
  on(event: 'message', cb: (data: Buffer) => void): void;
}
interface WsServer {
  readonly clients: Set<WsSocket>;
  on(event: 'connection', cb: (socket: WsSocket) => void): void;
  close(cb?: () => void): void;
}
const requireFromCcxt = createRequire(createRequire(import.meta.url).resolve('ccxt'));
const { WebSocketServer } = requireFromCcxt('ws') as { WebSocketServer: new (options: { server: http.Server }) => WsServer };

/** Bar i's values at time `now`: final once closed; while forming, a partial bar (look-ahead would show). */
export function barAt(i: number, now: number): [number, number, number, number, number, number] {
  const [t, o, h, l, c, v] = trueBar(i);
  const frac = Math.min(1, (now - t) / H);
  if (frac >= 1) return [t, o, h, l, c, v];
  return [t, o, o + frac * (h - o), o - frac * (o - l), o + frac * (c - o), v * frac];
}

/** What {@link fakeBinanceLive} returns. */
export interface LiveFake {
  /** ccxt's REST-only binance class, pointed at the fake. */
  readonly rest: InstanceType<typeof ccxt.binance>;
  /** ccxt pro's binance class (REST and websocket), pointed at the fake. */
  readonly pro: InstanceType<typeof ccxt.pro.binance>;
  /** Every HTTP request, path and query. */
  readonly requests: string[];
  /** The klines requests. */
  klineRequests(): string[];
  /** Every message received on the websocket. */
  readonly wsMessages: { method?: string; params?: string[] }[];
  /** Sends bar i's kline update to subscribers: final, or forming at the clock's time, or `values` as given. */
  sendKline(i: number, final: boolean, values?: readonly [number, number, number, number, number, number]): void;
  /** Drops every websocket connection, as a network failure does (no close frame). */
  disconnect(): void;
  /** Stops the servers and closes both exchanges. */
  close(): Promise<void>;
}

/** The options of {@link fakeBinanceLive}. */
export interface LiveOptions {
  /** Bars REST never has (and the stream never sends). */
  readonly missing?: ReadonlySet<number>;
  /** Bar index → the time from which REST has it and the bars after it (a late bar: the exchange's candles lag). */
  readonly availableFrom?: ReadonlyMap<number, number>;
  /** Bar index → how many klines answers that would hold it closed leave it out (a dropped bar). */
  readonly drops?: Map<number, number>;
  /** Per klines request, in order ('ok' once they run out). */
  readonly faults?: LiveFault[];
  /** Bar index → a close REST shows for it from a time on (a revised bar). */
  readonly revise?: ReadonlyMap<number, { readonly from: number; readonly close: number }>;
  /** Bars the websocket never sends by itself. */
  readonly wsSkip?: ReadonlySet<number>;
  /** The exchange's clock minus the clock's (default 0). */
  readonly skewMs?: number;
}

/**
 * A live Binance on 127.0.0.1 driven by a {@link VirtualClock}: exchangeInfo, time and klines
 * over HTTP (bars up to the one forming at the clock's time, the forming one partial), and the
 * kline stream over a websocket: on SUBSCRIBE it sends the forming bar, and whenever the clock
 * crosses a bar's close it sends that bar's final update then the next bar's first. Returns a
 * REST-only `ccxt.binance` and a `ccxt.pro.binance` pointed at it.
 */
export async function fakeBinanceLive(clock: VirtualClock, opts: LiveOptions = {}): Promise<LiveFake> {
  const faults = [...(opts.faults ?? [])];
  const requests: string[] = [];
  const wsMessages: { method?: string; params?: string[] }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const time = () => clock.now() + (opts.skewMs ?? 0);
  const current = () => Math.floor((time() - T0) / H);
  const lagging = (i: number) => [...(opts.availableFrom ?? [])].some(([j, from]) => j <= i && time() < from);
  const has = (i: number) => !opts.missing?.has(i) && !lagging(i);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname + url.search);
    const json = (status: number, body: unknown) => sendJson(res, status, body);
    if (url.pathname === '/api/v3/exchangeInfo') return json(200, exchangeInfo(time()));
    if (url.pathname === '/api/v3/time') return json(200, { serverTime: time() });
    if (url.pathname !== '/api/v3/klines') return json(404, { code: -1, msg: 'not found' });
    const fault = faults.shift() ?? 'ok';
    if (typeof fault === 'number') return answerHttpError(res, fault);
    if (url.searchParams.get('symbol') !== 'BTCUSDT') return json(400, { code: -1121, msg: 'Invalid symbol.' });
    const start = Number(url.searchParams.get('startTime') ?? T0);
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const bars: Candle[] = [];
    for (let i = Math.max(0, Math.ceil((start - T0) / H)); i <= current() && bars.length < limit; i++) {
      if (!has(i)) continue;
      const dropsLeft = opts.drops?.get(i) ?? 0;
      if (dropsLeft > 0 && i < current()) {
        opts.drops?.set(i, dropsLeft - 1);
        continue;
      }
      const [t, o, h, l, close, v] = barAt(i, time());
      const revised = opts.revise?.get(i);
      bars.push([t, o, h, l, revised !== undefined && time() >= revised.from ? revised.close : close, v]);
    }
    return answerKlines(res, bars, timers, { repeat: fault === 'duplicate-rows' ? 2 : 0, late: fault === 'timeout' });
  });

  const wss = new WebSocketServer({ server });
  const subscribed = new Set<WsSocket>();
  const sendKline = (i: number, final: boolean, values?: readonly [number, number, number, number, number, number]) => {
    const [t, o, h, l, c, v] = values ?? (final ? trueBar(i) : barAt(i, time()));
    const k = { t, T: t + H - 1, s: 'BTCUSDT', i: '1h', f: 0, L: 0, o: String(o), c: String(c), h: String(h), l: String(l), v: String(v), n: 1, x: final, q: '0', V: '0', Q: '0', B: '0' };
    const message = JSON.stringify({ e: 'kline', E: time(), s: 'BTCUSDT', k });
    for (const socket of subscribed) socket.send(message);
  };
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { method?: string; params?: string[]; id?: number };
      wsMessages.push(msg);
      socket.send(JSON.stringify({ result: null, id: msg.id }));
      if (msg.method === 'SUBSCRIBE') {
        subscribed.add(socket);
        if (!opts.wsSkip?.has(current())) sendKline(current(), false);
      } else if (msg.method === 'UNSUBSCRIBE') subscribed.delete(socket);
    });
  });
  clock.onAdvance((from, to) => {
    for (let i = Math.floor((from + (opts.skewMs ?? 0) - T0) / H) + 1; i <= Math.floor((to + (opts.skewMs ?? 0) - T0) / H); i++) {
      if (!opts.wsSkip?.has(i - 1) && !opts.missing?.has(i - 1)) sendKline(i - 1, true);
      if (!opts.wsSkip?.has(i) && !opts.missing?.has(i)) sendKline(i, false);
    }
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const rest = pointAt(new ccxt.binance(BINANCE_OPTIONS), base);
  // ccxt's own reconnect backoff (1 s base) cut to ~1 ms; '/stream' in the url marks it as spot's
  const pro = pointAt(new ccxt.pro.binance({ ...BINANCE_OPTIONS, options: { ...BINANCE_OPTIONS.options, ws: { backoff: { base: 1, max: 5 } } } }), base);
  (pro.urls.api as { ws: Record<string, unknown> }).ws['spot'] = `ws://127.0.0.1:${port}/stream/ws`;
  await pro.loadHttpProxyAgent(); // ccxt asks for it before any plain ws:// url

  return {
    rest,
    pro,
    requests,
    klineRequests: () => requests.filter((r) => r.startsWith('/api/v3/klines')),
    wsMessages,
    sendKline,
    disconnect: () => {
      for (const socket of wss.clients) socket.terminate();
      subscribed.clear();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([rest.close(), pro.close()]);
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

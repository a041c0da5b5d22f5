import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ccxt from 'ccxt';

/** What the fake does with one klines request. */
export type Fault = 'ok' | 429 | 500 | 503 | 418 | 'timeout' | 'overlap' | 'duplicate-rows' | 'bad-symbol';

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/** The true series: bar i opens at T0 + i h; open = 100 + i, close = 100.5 + i. */
export function trueBar(i: number): [number, number, number, number, number, number] {
  return [T0 + i * H, 100 + i, 101 + i, 99 + i, 100.5 + i, 10 + (i % 7)];
}

/** Binance's exchangeInfo answer listing the one market, BTC/USDT spot. */
export function exchangeInfo(serverTime: number) {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [],
    exchangeFilters: [],
    symbols: [
      {
        symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT',
        baseAssetPrecision: 8, quotePrecision: 8, quoteAssetPrecision: 8, baseCommissionPrecision: 8, quoteCommissionPrecision: 8,
        orderTypes: ['LIMIT', 'MARKET'], icebergAllowed: true, ocoAllowed: true, isSpotTradingAllowed: true, isMarginTradingAllowed: false,
        filters: [], permissions: ['SPOT'], permissionSets: [['SPOT']],
      },
    ],
  };
}

/** The ccxt binance options of the fakes: a 1 ms rate limit, a 250 ms timeout, spot markets only. */
export const BINANCE_OPTIONS = { enableRateLimit: true, rateLimit: 1, timeout: 250, options: { fetchMarkets: { types: ['spot'] } } };

/** Points a ccxt binance instance's REST urls at `base` (http://127.0.0.1:port). */
export function pointAt<E extends { urls: { api: unknown } }>(exchange: E, base: string): E {
  const api = exchange.urls.api as Record<string, unknown>;
  for (const k of Object.keys(api)) if (typeof api[k] === 'string') api[k] = (api[k] as string).replace(/^https:\/\/[^/]+/, base);
  return exchange;
}

/** Answers with `body` as JSON. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Answers as Binance does when rate-limited (429), banned (418), failing (500), or down behind its CDN (503, HTML). */
export function answerHttpError(res: http.ServerResponse, status: 429 | 418 | 500 | 503): void {
  const body = { 429: { code: -1003, msg: 'Too many requests' }, 418: { code: -1003, msg: 'IP banned' }, 500: { code: -1000, msg: 'internal error' } };
  if (status === 503) {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end('<html>Service Unavailable</html>');
    return;
  }
  sendJson(res, status, body[status]);
}

/** One candle: time, open, high, low, close, volume. */
export type Candle = readonly [number, number, number, number, number, number];

/**
 * Answers a klines request with `bars` as Binance's rows, the first `repeat` of them twice;
 * `late`, after 600 ms (beyond the fakes' 250 ms ccxt timeout), on a timer held in `timers`.
 */
export function answerKlines(res: http.ServerResponse, bars: readonly Candle[], timers: Set<NodeJS.Timeout>, opts: { repeat?: number; late?: boolean } = {}): void {
  const rows = bars.map(([t, o, h, l, c, v]) => [t, String(o), String(h), String(l), String(c), String(v), t + H - 1, '0', 1, '0', '0', '0']);
  rows.push(...rows.slice(0, opts.repeat ?? 0));
  const send = () => sendJson(res, 200, rows);
  if (opts.late !== true) return send();
  const timer = setTimeout(() => {
    timers.delete(timer);
    send();
  }, 600);
  timers.add(timer);
}

/**
 * A local HTTP server answering like Binance's spot API (exchangeInfo and klines) for
 * BTCUSDT 1h bars 0..bars-1, without the bars in `missing`. Each klines request takes the
 * next fault from `faults` ('ok' once they run out). Bounded: a 'timeout' answers after
 * 600 ms, and close() ends the server.
 */
export async function fakeBinance(opts: { bars: number; missing?: ReadonlySet<number>; faults?: Fault[] }) {
  const faults = [...(opts.faults ?? [])];
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname + url.search);
    const json = (status: number, body: unknown) => sendJson(res, status, body);
    if (url.pathname === '/api/v3/exchangeInfo') return json(200, exchangeInfo(T0));
    if (url.pathname !== '/api/v3/klines') return json(404, { code: -1, msg: 'not found' });
    const fault = faults.shift() ?? 'ok';
    if (typeof fault === 'number') return answerHttpError(res, fault);
    if (fault === 'bad-symbol' || url.searchParams.get('symbol') !== 'BTCUSDT') return json(400, { code: -1121, msg: 'Invalid symbol.' });
    const start = Number(url.searchParams.get('startTime') ?? T0);
    const limit = Number(url.searchParams.get('limit') ?? 500);
    let first = Math.max(0, Math.ceil((start - T0) / H));
    if (fault === 'overlap') first = Math.max(0, first - 3); // a page that repeats 3 bars
    const bars: Candle[] = [];
    for (let i = first; i < opts.bars && bars.length < limit; i++) if (!opts.missing?.has(i)) bars.push(trueBar(i));
    // 'duplicate-rows': the exchange repeats 3 bars
    return answerKlines(res, bars, timers, { repeat: fault === 'duplicate-rows' ? 3 : 0, late: fault === 'timeout' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const exchange = pointAt(new ccxt.binance(BINANCE_OPTIONS), base);

  return {
    exchange,
    requests,
    klineRequests: () => requests.filter((r) => r.startsWith('/api/v3/klines')),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// Writes examples/data/sample-btcusdt-1h.csv: 2,000 hourly bars of a seeded random walk, a
// stand-in for exchange data when there is no network. Not real market data.
// Run: npx tsx examples/data/make-sample.ts
import { MarketData, Rng, writeCsv } from '../../src/index.js';

const rng = new Rng(2024);
const n = 2000;
const cols = { timestamps: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
let p = 42_000;
for (let i = 0; i < n; i++) {
  const o = p;
  p = Math.round(p * Math.exp(rng.normal(0.00002, 0.006)) * 100) / 100;
  cols.timestamps.push(Date.UTC(2024, 0, 1) + i * 3_600_000);
  cols.open.push(o);
  cols.close.push(p);
  cols.high.push(Math.round(Math.max(o, p) * (1 + rng.uniform(0, 0.004)) * 100) / 100);
  cols.low.push(Math.round(Math.min(o, p) * (1 - rng.uniform(0, 0.004)) * 100) / 100);
  cols.volume.push(Math.round(rng.uniform(50, 500) * 1000) / 1000);
}
await writeCsv(new MarketData({ ...cols, symbol: 'BTC/USDT', timeframe: '1h' }), new URL('./sample-btcusdt-1h.csv', import.meta.url).pathname);

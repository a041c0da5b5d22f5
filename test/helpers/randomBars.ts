import { MarketData, Rng } from '../../src/index.js';

/** A seeded random walk of `n` valid hourly bars (independent of the synthetic generator). */
export function randomBars(n: number, seed = 1, start = Date.UTC(2024, 0, 1)): MarketData {
  const rng = new Rng(seed);
  const ts: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  let p = 100;
  for (let i = 0; i < n; i++) {
    const o = p;
    p = p * Math.exp(rng.normal(0, 0.01));
    ts.push(start + i * 3_600_000);
    open.push(o);
    close.push(p);
    high.push(Math.max(o, p) * (1 + rng.uniform(0, 0.005)));
    low.push(Math.min(o, p) * (1 - rng.uniform(0, 0.005)));
    volume.push(rng.uniform(50, 150));
  }
  return new MarketData({ symbol: 'TEST/USD', timeframe: '1h', timestamps: ts, open, high, low, close, volume });
}

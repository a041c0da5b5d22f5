// Ten years of 15-minute crypto bars (350,640) from the crypto-15m preset. Goal: < 0.25 s.
// Reports the first (cold) run and the median of five warm runs, generation and validation
// of the MarketData included.
import { RegimeGenerator } from '../src/index.js';

const BARS = 10 * 365.25 * 96; // 350,640
const gen = RegimeGenerator.preset('crypto-15m');
const time = (seed: number): number => {
  const t0 = performance.now();
  const { data } = gen.generate({ numSamples: BARS, seed });
  const ms = performance.now() - t0;
  if (data.length !== BARS) throw new Error('wrong length');
  return ms;
};
const cold = time(0);
const warm = [1, 2, 3, 4, 5].map(time).sort((a, b) => a - b);
const median = warm[2]!;
console.log(
  JSON.stringify({
    benchmark: 'synthetic',
    preset: 'crypto-15m',
    bars: BARS,
    coldSeconds: +(cold / 1000).toFixed(3),
    warmMedianSeconds: +(median / 1000).toFixed(3),
    warmRunsMs: warm.map((m) => Math.round(m)),
    barsPerSecond: Math.round(BARS / (median / 1000)),
    goalSeconds: 0.25,
  }),
);

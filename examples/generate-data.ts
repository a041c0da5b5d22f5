// A year of synthetic 15-minute crypto bars from the crypto-15m preset, written to CSV, with
// a summary per regime: share of time, mean spell length, realised drift and volatility.
//   npx tsx examples/generate-data.ts [--seed 42] [--out out/synthetic-crypto-15m.csv]
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RegimeGenerator, writeCsv } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const seed = Number(flag('seed', '42'));
const out = flag('out', 'out/synthetic-crypto-15m.csv');
const BARS_PER_DAY = 96;
const bars = 365 * BARS_PER_DAY;

const gen = RegimeGenerator.preset('crypto-15m');
const t0 = performance.now();
const { data, regimes, regimeNames, spells } = gen.generate({ numSamples: bars, seed, symbol: 'SYNTH/USDT' });
const ms = performance.now() - t0;
mkdirSync(dirname(out), { recursive: true });
await writeCsv(data, out);
console.log(`${bars.toLocaleString('en-US')} bars (${data.timeframe}, seed ${seed}) in ${ms.toFixed(0)} ms -> ${out}`);
console.log(`price ${data.open[0]!.toFixed(0)} -> ${data.close[bars - 1]!.toFixed(0)}\n`);

// per regime: bars whose previous bar was in the same regime, so each return is the regime's own
const rows = regimeNames.map((name, k) => {
  const rs: number[] = [];
  for (let i = 1; i < bars; i++) if (regimes[i] === k && regimes[i - 1] === k) rs.push(Math.log(data.close[i]! / data.close[i - 1]!));
  const n = rs.length;
  const mean = rs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = Math.sqrt(rs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const own = spells.filter((s) => s.regime === k);
  const cfg = gen.config.regimes[k]!;
  return {
    regime: name,
    'time %': ((100 * regimes.filter((r) => r === k).length) / bars).toFixed(1),
    spells: own.length,
    'mean spell (days)': (own.reduce((a, s) => a + s.length, 0) / Math.max(1, own.length) / BARS_PER_DAY).toFixed(2),
    'drift/bar': mean.toExponential(2),
    'drift cfg': cfg.drift.toExponential(2),
    'vol/bar': sd.toFixed(5),
    'vol cfg': cfg.volatility.toFixed(5),
  };
});
console.table(rows);

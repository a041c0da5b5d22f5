// CSV read of 1,000,000 rows and the full feature set on 1,000,000 bars, with each
// indicator's share of the feature time. Goals: CSV < 2 s, features < 10 s.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeaturePipeline, MarketData, readCsv, Rng, writeCsv } from '../src/index.js';

const N = Number(process.env.BENCH_BARS ?? 1_000_000);

function walk(n: number): MarketData {
  const rng = new Rng(1);
  const cols = { timestamps: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let p = 30_000;
  for (let i = 0; i < n; i++) {
    const o = p;
    p *= Math.exp(rng.normal(0, 0.002));
    cols.timestamps[i] = Date.UTC(2020, 0, 1) + i * 60_000;
    cols.open[i] = o;
    cols.close[i] = p;
    cols.high[i] = Math.max(o, p) * (1 + rng.uniform(0, 0.001));
    cols.low[i] = Math.min(o, p) * (1 - rng.uniform(0, 0.001));
    cols.volume[i] = rng.uniform(1, 100);
  }
  return new MarketData({ ...cols, symbol: 'BTC/USDT', timeframe: '1m' });
}

const data = walk(N);
const dir = mkdtempSync(join(tmpdir(), 'tradegym-bench-'));
const file = join(dir, 'bars.csv');
await writeCsv(data, file, { timestampFormat: 'ms' });
const csvMB = statSync(file).size / 2 ** 20;

const csvRuns: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const back = await readCsv(file);
  csvRuns.push(performance.now() - t0);
  if (back.length !== N) throw new Error(`read ${back.length} rows, expected ${N}`);
}
rmSync(dir, { recursive: true, force: true });

const pipeline = FeaturePipeline.all();
pipeline.compute(data.slice(0, 5000)); // warm the JIT on a small input
const t0 = performance.now();
const { frame, millis } = pipeline.computeTimed(data);
const featureMs = performance.now() - t0;
const total = Object.values(millis).reduce((a, b) => a + b, 0);
const shares = Object.fromEntries(
  Object.entries(millis)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => [k, { ms: Math.round(v), share: +(v / total).toFixed(3) }]),
);

console.log(
  JSON.stringify({
    benchmark: 'market',
    bars: N,
    csv: { rows: N, megabytes: +csvMB.toFixed(1), readSeconds: +(Math.min(...csvRuns) / 1000).toFixed(3), runsMs: csvRuns.map(Math.round), goalSeconds: 2 },
    features: { columns: frame.names.length, seconds: +(featureMs / 1000).toFixed(3), goalSeconds: 10, perIndicator: shares },
  }),
);

// The feature pipeline in batch and one bar at a time (issue 18): the batch `compute` of the
// 44 default columns over 1,000,000 bars, and the latency of one `FeatureStream.update` (all
// 44 columns, with and without a fitted Normalizer's `transformRow`) over 100,000 bars after
// warm-up. Best of several runs: another process on the machine only ever slows a run down.
import { FeaturePipeline, Normalizer, RegimeGenerator, type MarketData, type OhlcvBar } from '../src/index.js';

const N = Number(process.env.BENCH_BARS ?? 1_000_000);
const STREAM_BARS = Math.min(100_000, N - 1_000);
const REPEATS = 5;

const { data } = RegimeGenerator.preset('crypto-15m-null').generate({ numSamples: N, seed: 1 });
const pipeline = FeaturePipeline.all();

function batchMs(d: MarketData): number[] {
  pipeline.compute(d.slice(0, 5_000)); // warm the JIT on a small input
  return Array.from({ length: REPEATS }, () => {
    const t0 = performance.now();
    pipeline.compute(d);
    return performance.now() - t0;
  });
}

function barAt(i: number): OhlcvBar {
  return { timestamp: data.timestamps[i]!, open: data.open[i]!, high: data.high[i]!, low: data.low[i]!, close: data.close[i]!, volume: data.volume[i]! };
}

/** Per-bar latencies in microseconds of `STREAM_BARS` updates after 1,000 warm-up bars. */
function updateMicros(norm?: Normalizer): Float64Array {
  const stream = pipeline.stream({ timeframe: data.timeframe });
  for (let i = 0; i < 1_000; i++) stream.update(barAt(i));
  const out = new Float64Array(STREAM_BARS);
  for (let k = 0; k < STREAM_BARS; k++) {
    const bar = barAt(1_000 + k);
    const t0 = process.hrtime.bigint();
    const row = stream.update(bar);
    if (norm !== undefined) norm.transformRow(row, stream.names);
    out[k] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  return out.sort();
}

const quantile = (sorted: Float64Array, q: number): number => +sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(2);

/** The run with the lowest median (the least disturbed), as median and p99. */
function bestLatency(norm?: Normalizer): { medianMicros: number; p99Micros: number } {
  const runs = Array.from({ length: REPEATS }, () => updateMicros(norm));
  const best = runs.reduce((a, b) => (quantile(b, 0.5) < quantile(a, 0.5) ? b : a));
  return { medianMicros: quantile(best, 0.5), p99Micros: quantile(best, 0.99) };
}

const batch = batchMs(data);
const norm = new Normalizer({ clip: 5 }).fit(pipeline.compute(data.slice(0, 20_000)).dropWarmup());
console.log(
  JSON.stringify({
    benchmark: 'features-stream',
    bars: N,
    columns: pipeline.names.length,
    batch: { bestMs: Math.round(Math.min(...batch)), runsMs: batch.map(Math.round) },
    update: { bars: STREAM_BARS, ...bestLatency() },
    updateAndNormalize: { bars: STREAM_BARS, ...bestLatency(norm) },
  }),
);

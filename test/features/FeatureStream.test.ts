import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataValidationError,
  FeaturePipeline,
  InvalidArgumentError,
  MarketData,
  Normalizer,
  type FeatureSpecObject,
  type OhlcvBar,
} from '../../src/index.js';
import { INDICATORS } from '../../src/features/catalog.js';
import { Ema, RollingExtreme, RollingMoments, RollingSum } from '../../src/features/rolling.js';
import { randomBars } from '../helpers/randomBars.js';

const HOUR = 3_600_000;

function barAt(data: MarketData, i: number): OhlcvBar {
  return { timestamp: data.timestamps[i]!, open: data.open[i]!, high: data.high[i]!, low: data.low[i]!, close: data.close[i]!, volume: data.volume[i]! };
}

/** Streams every bar of `data` and throws at the first value that differs from the batch frame's, bit for bit (NaN and -0 included). */
function expectStreamEqualsBatch(pipeline: FeaturePipeline, data: MarketData, norm?: Normalizer): void {
  const frame = pipeline.compute(data);
  const batch = norm === undefined ? frame : norm.transform(frame);
  const stream = pipeline.stream({ timeframe: data.timeframe });
  for (let i = 0; i < data.length; i++) {
    const raw = stream.update(barAt(data, i));
    const row = norm === undefined ? raw : norm.transformRow(raw, stream.names);
    batch.columns.forEach((col, j) => {
      if (!Object.is(row[j], col[i])) throw new Error(`${batch.names[j]} at bar ${i}: stream ${row[j]} != batch ${col[i]}`);
    });
  }
  expect(stream.length).toBe(data.length);
}

/**
 * Valid hourly bars that hit the edge cases: flat bars and flat runs (zero range, zero
 * changes, ties in the rolling max and min), zero volume, gaps of whole bars, day changes,
 * and price levels from 1e-3 to 1e5.
 */
const barsArb = fc
  .record({
    level: fc.constantFrom(1e-3, 1, 100, 1e5),
    start: fc.integer({ min: 0, max: 2000 * 24 }),
    moves: fc.array(
      fc.record({
        change: fc.oneof(fc.constant(0), fc.double({ min: -0.05, max: 0.05, noNaN: true })),
        up: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })),
        down: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })),
        volume: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1000, noNaN: true })),
        gap: fc.oneof(fc.constant(1), fc.constant(1), fc.integer({ min: 2, max: 30 })),
      }),
      { minLength: 1, maxLength: 160 },
    ),
  })
  .map(({ level, start, moves }) => {
    const cols = { timestamps: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
    let p = level;
    let t = start * HOUR;
    for (const m of moves) {
      const o = p;
      p = p * (1 + m.change);
      t += m.gap * HOUR;
      cols.timestamps.push(t);
      cols.open.push(o);
      cols.close.push(p);
      cols.high.push(Math.max(o, p) * (1 + m.up));
      cols.low.push(Math.min(o, p) * (1 - m.down));
      cols.volume.push(m.volume);
    }
    return new MarketData({ ...cols, timeframe: '1h' });
  });

/** Every indicator with random parameters near their minimum (where windows are shortest). */
const specsArb = fc.tuple(
  ...Object.entries(INDICATORS).map(([name, def]) =>
    fc
      .record(
        Object.fromEntries(
          Object.entries(def.params).map(([k, p]) => [k, p.integer ? fc.integer({ min: p.min, max: p.min + 6 }) : fc.double({ min: p.min, max: p.min + 3, noNaN: true })]),
        ),
      )
      .map((params): FeatureSpecObject => (name === 'macd' ? { name, ...params, slow: params.fast! + params.slow! } : { name, ...params })),
  ),
);

describe('FeatureStream: one bar at a time equals the batch on every bar', () => {
  it('all 44 default columns, bit for bit, on random bars (property)', () => {
    const pipeline = FeaturePipeline.all();
    expect(pipeline.names.length).toBe(44);
    fc.assert(
      fc.property(barsArb, (data) => expectStreamEqualsBatch(pipeline, data)),
      { numRuns: 60, seed: 18 },
    );
  });

  it('every indicator with random parameters, bit for bit (property)', () => {
    fc.assert(
      fc.property(specsArb, barsArb, (specs, data) => expectStreamEqualsBatch(new FeaturePipeline(specs), data)),
      { numRuns: 60, seed: 19 },
    );
  });

  it('with a fitted Normalizer applied to each row, bit for bit, for every method and clipping', () => {
    const pipeline = FeaturePipeline.all();
    const data = randomBars(600, 11);
    const train = pipeline.compute(data.slice(0, 400)).dropWarmup();
    const preserve = ['timeOfDay_sin', 'timeOfDay_cos'];
    for (const norm of [
      new Normalizer().fit(train),
      new Normalizer({ method: 'minmax', preserve }).fit(train),
      new Normalizer({ method: 'robust', clip: 3, preserve }).fit(train),
    ]) {
      expectStreamEqualsBatch(pipeline, data, norm);
    }
  });

  it('on a long random walk (5,000 bars, past many re-summations of every window)', () => {
    expectStreamEqualsBatch(FeaturePipeline.all(), randomBars(5000, 4));
  });

  it('knows its warm-up before the first bar: the frame\'s warm-up on bars in general position (property, random parameters)', () => {
    fc.assert(
      fc.property(specsArb, fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 1000 }), (specs, n, seed) => {
        const pipeline = new FeaturePipeline(specs);
        const stream = pipeline.stream({ timeframe: '1h' });
        expect(stream.warmup).toBe(pipeline.warmup);
        // with no more bars than the warm-up, every row has a NaN
        expect(pipeline.compute(randomBars(n, seed)).warmup).toBe(Math.min(pipeline.warmup, n));
      }),
      { numRuns: 100, seed: 20 },
    );
    expect(FeaturePipeline.all().warmup).toBe(52); // TRIX(18): three chained EMAs (3 * 17 bars) and a 1-bar change
  });

  it('returns a fresh row per bar and counts its bars', () => {
    const pipeline = new FeaturePipeline([{ name: 'sma', period: 3 }, 'returns']);
    const stream = pipeline.stream({ timeframe: '1h' });
    const data = randomBars(5);
    const rows = Array.from({ length: 5 }, (_, i) => stream.update(barAt(data, i)));
    expect(rows[0]).not.toBe(rows[1]);
    expect(Number.isNaN(rows[1]![0])).toBe(true);
    expect(rows[2]![0]).toBe(pipeline.compute(data).column('sma_3')[2]);
    expect(stream.length).toBe(5);
    expect(stream.warmup).toBe(2);
    expect(stream.names).toEqual(['sma_3', 'returns_1']);
  });
});

describe('FeatureStream bad input', () => {
  const good: OhlcvBar = { timestamp: Date.UTC(2024, 0, 1), open: 100, high: 101, low: 99, close: 100.5, volume: 10 };
  const next = (patch: Partial<Record<keyof OhlcvBar, unknown>>) => ({ ...good, timestamp: good.timestamp + HOUR, ...patch }) as OhlcvBar;

  it.each([
    ['an unknown field', { ...next({}), vol: 1 }, InvalidArgumentError, /bar\.vol is not a known option .*got 1/],
    ['a missing field', { timestamp: good.timestamp + HOUR, open: 1, high: 1, low: 1, close: 1 }, InvalidArgumentError, /bar\.volume must be a number, got undefined/],
    ['a string', next({ close: '100' }), InvalidArgumentError, /bar\.close must be a number, got "100"/],
    ['a null', next({ volume: null }), InvalidArgumentError, /bar\.volume must be a number, got null/],
    ['a NaN price', next({ open: Number.NaN }), DataValidationError, /bar 1 is invalid: open must be finite, got NaN; got \{ timestamp: \d+, open: NaN/],
    ['high below the close', next({ high: 100, close: 100.5 }), DataValidationError, /bar 1 is invalid: high 100 < max\(open 100, close 100\.5\)/],
    ['low above the open', next({ low: 100.2 }), DataValidationError, /bar 1 is invalid: low 100\.2 > min\(open 100, close 100\.5\)/],
    ['a negative volume', next({ volume: -1 }), DataValidationError, /bar 1 is invalid: volume must be >= 0, got -1/],
    ['a zero price', next({ low: 0 }), DataValidationError, /bar 1 is invalid: low must be > 0, got 0/],
    ['the same timestamp', next({ timestamp: good.timestamp }), DataValidationError, /bar 1 is invalid: duplicate timestamp 2024-01-01T00:00:00\.000Z/],
    ['an earlier timestamp', next({ timestamp: good.timestamp - HOUR }), DataValidationError, /bar 1 is invalid: timestamp 2023-12-31T23:00:00\.000Z is before the previous row's/],
    ['a step that is not whole bars', next({ timestamp: good.timestamp + HOUR / 2 }), DataValidationError, /bar 1 is invalid: timestamp .* is 1800000 ms after the previous row, not a multiple of the timeframe/],
  ])('rejects %s, naming the field and value, and keeps its state', (_name, bar, type, message) => {
    const pipeline = FeaturePipeline.all();
    const stream = pipeline.stream({ timeframe: '1h' });
    stream.update(good);
    expect(() => stream.update(bar as OhlcvBar)).toThrow(type);
    expect(() => stream.update(bar as OhlcvBar)).toThrow(message);
    // the bad bar changed nothing: the stream goes on exactly as the batch over the good bars
    expect(stream.length).toBe(1);
    const row = stream.update(next({}));
    const batch = pipeline.compute(new MarketData({ timeframe: '1h', timestamps: [good.timestamp, good.timestamp + HOUR], open: [100, 100], high: [101, 101], low: [99, 99], close: [100.5, 100.5], volume: [10, 10] }));
    batch.columns.forEach((c, j) => expect(Object.is(row[j], c[1]), batch.names[j]).toBe(true));
  });

  it.each([
    [{ timeframe: '1x' }, /timeframe must be a count and a unit/],
    [{ timeframe: '1h', symbol: 'X' }, /options\.symbol is not a known option \(known: timeframe\), got "X"/],
    [undefined, /options must be a plain object, got undefined/],
  ])('rejects stream options %j', (options, message) => {
    expect(() => FeaturePipeline.all().stream(options as never)).toThrow(InvalidArgumentError);
    expect(() => FeaturePipeline.all().stream(options as never)).toThrow(message);
  });

  it('rejects a bar that is not an object', () => {
    expect(() => FeaturePipeline.all().stream({ timeframe: '1h' }).update(null as never)).toThrow(/bar must be a plain object, got null/);
  });
});

describe('streaming kernels stay accurate on long series', () => {
  /** A 1,000,000-step random walk around 1e5 with 0.1% moves. */
  function walk(n: number, level: number): Float64Array {
    const x = new Float64Array(n);
    let v = level;
    let s = 12345;
    for (let i = 0; i < n; i++) {
      // a fixed LCG: a test needs no Rng, only moves of both signs
      s = (s * 1103515245 + 12345) % 2147483648;
      v *= 1 + ((s / 2147483648) - 0.5) * 0.002;
      x[i] = v;
    }
    return x;
  }

  /** The two-pass mean and standard deviation of x[i - p + 1 .. i]. */
  function twoPass(x: Float64Array, i: number, p: number, ddof: number): { mean: number; sd: number } {
    let s = 0;
    for (let k = i - p + 1; k <= i; k++) s += x[k]!;
    const mean = s / p;
    let q = 0;
    for (let k = i - p + 1; k <= i; k++) q += (x[k]! - mean) ** 2;
    return { mean, sd: Math.sqrt(q / (p - ddof)) };
  }

  it('rolling mean and std over 1e6 bars near 1e5 agree with a two-pass window to 1e-12 (relative), however far in', () => {
    const p = 20;
    const x = walk(1_000_000, 1e5);
    const w = new RollingMoments(p);
    let worstMean = 0;
    let worstSd = 0;
    for (let i = 0; i < x.length; i++) {
      const mean = w.push(x[i]!);
      if (i >= p - 1 && (i % 997 === 0 || i >= x.length - 100)) {
        const ref = twoPass(x, i, p, 1);
        worstMean = Math.max(worstMean, Math.abs(mean - ref.mean) / ref.mean);
        worstSd = Math.max(worstSd, Math.abs(Math.sqrt(w.variance(1)) - ref.sd) / ref.sd);
      }
    }
    // the std is ~100 here: 1e-12 relative is 1e-10 absolute, inside toBeCloseTo(v, 9)
    expect(worstMean).toBeLessThan(1e-14);
    expect(worstSd).toBeLessThan(1e-12);
  });

  it('the std stays accurate across a jump in level (1e5 to 1e3) and is exactly 0 on a flat window', () => {
    const p = 20;
    const x = Float64Array.from({ length: 400 }, (_, i) => (i < 200 ? 1e5 + Math.sin(i) : 1e3 + 1e-3 * Math.sin(i)));
    const w = new RollingMoments(p);
    for (let i = 0; i < x.length; i++) {
      w.push(x[i]!);
      if (i >= p - 1) expect(Math.abs(Math.sqrt(w.variance(0)) - twoPass(x, i, p, 0).sd) / twoPass(x, i, p, 0).sd).toBeLessThan(1e-9);
    }
    const flat = new RollingMoments(p);
    for (let i = 0; i < 3 * p; i++) flat.push(i < p ? i : 0.1);
    expect(flat.variance(1)).toBe(0);
  });

  it('windowed sums do not drift: the 1e6-bar SMA equals the exact window mean at the end', () => {
    const x = walk(1_000_000, 1e5);
    const w = new RollingSum(20);
    let last = Number.NaN;
    for (const v of x) last = w.push(v);
    expect(Math.abs(last - twoPass(x, x.length - 1, 20, 0).mean) / last).toBeLessThan(1e-15);
  });

  it('kernels by hand: EMA seeds with the SMA, the rolling max forgets values older than its window', () => {
    const e = Ema.exponential(3); // alpha 1/2
    expect([1, 2, 3, 4, 5].map((v) => e.push(v))).toEqual([NaN, NaN, 2, 3, 4]);
    const m = new RollingExtreme(3, 'max');
    expect([5, 1, 2, 3, 1, 0].map((v) => m.push(v))).toEqual([NaN, NaN, 5, 3, 3, 3]);
    const lo = new RollingExtreme(2, 'min');
    expect([2, 2, 3, 1, 4].map((v) => lo.push(v))).toEqual([NaN, 2, 2, 1, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import { FeatureFrame, FeaturePipeline, InvalidArgumentError, Normalizer, splitByDate, splitByFraction, TradingEnv } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const data = randomBars(400, 12);
const pipeline = new FeaturePipeline(['logReturns', 'rsi', { name: 'sma', period: 30 }]);

/** The frame's rows and its bars agree: same length, same times, and the bars are `data`'s. */
function expectAligned(frame: FeatureFrame): void {
  const bars = frame.bars;
  expect(bars).toBeDefined();
  expect(bars!.length).toBe(frame.length);
  expect(Array.from(bars!.timestamps)).toEqual(Array.from(frame.timestamps));
  const offset = data.lowerBound(frame.timestamps[0]!);
  for (let i = 0; i < frame.length; i += 37) expect(bars!.close[i]).toBe(data.close[offset + i]);
}

describe('FeatureFrame carries its bars', () => {
  it('compute() attaches the bars; dropWarmup, slice, select, splits and Normalizer.transform keep them aligned', () => {
    const frame = pipeline.compute(data);
    expect(frame.bars).toBe(data);
    const ready = frame.dropWarmup();
    expect(ready.warmup).toBe(0);
    expect(ready.length).toBe(data.length - frame.warmup); // sma 30 warms up 29 rows
    expectAligned(ready);
    expectAligned(ready.slice(10, 50));
    expectAligned(ready.select(['rsi_14']));
    const { train, validation, test } = splitByFraction(ready, { train: 0.6, validation: 0.2 });
    for (const part of [train, validation, test]) expectAligned(part);
    const byDate = splitByDate(ready, { trainEnd: data.timestamps[200]! });
    expectAligned(byDate.train);
    expectAligned(byDate.test);
    const norm = new Normalizer({ method: 'robust' }).fit(train);
    expectAligned(norm.transform(test));
    expect(norm.transform(test).bars!.close).toBe(test.bars!.close); // a view, no copy
  });

  it('the README path works: trim, split, normalise, and hand each env its own part and bars', () => {
    // before, frames had no bars: the README passed the full `data` and TradingEnv threw
    // "features must be aligned with data"
    const frame = pipeline.compute(data).dropWarmup();
    const { train, test } = splitByFraction(frame, { train: 0.8 });
    const norm = new Normalizer({ method: 'robust', clip: 5 }).fit(train);
    const env = new TradingEnv({ data: train.bars, features: norm.transform(train), windowSize: 16 });
    const testEnv = new TradingEnv({ data: test.bars, features: norm.transform(test), windowSize: 16 });
    expect(env.data.length).toBe(train.length);
    expect(testEnv.data.timestamps[0]).toBe(test.timestamps[0]);
    const { observation } = testEnv.reset({ seed: 0 });
    // the first observation's last window row holds the normalised features of bar 15 of test
    const scaled = norm.transform(test);
    const nf = scaled.names.length;
    for (let j = 0; j < nf; j++) expect(observation[15 * nf + j]).toBeCloseTo(scaled.columns[j]![15]!, 5);
  });

  it('frames from bare columns have no bars, and bars must match the rows', () => {
    const bare = new FeatureFrame(Float64Array.of(0, 1), ['x'], [Float64Array.of(1, 2)]);
    expect(bare.bars).toBeUndefined();
    expect(bare.dropWarmup().bars).toBeUndefined();
    const cols = [new Float64Array(data.length)];
    expect(new FeatureFrame(data.timestamps, ['x'], cols, data).bars).toBe(data);
    expect(new FeatureFrame(data.timestamps.slice(), ['x'], cols, data).bars).toBe(data); // equal times, another array
    expect(() => new FeatureFrame(data.timestamps, ['x'], cols, data.slice(1))).toThrow(InvalidArgumentError);
    expect(() => new FeatureFrame(data.timestamps, ['x'], cols, data.slice(1))).toThrow(/bars must be aligned with the 400 rows \(the same timestamps\), got "399 bars"/);
    const shifted = data.timestamps.map((t) => t + 1);
    expect(() => new FeatureFrame(shifted, ['x'], cols, data)).toThrow(/bars must be aligned with the 400 rows/);
    expect(() => new FeatureFrame(data.timestamps, ['x'], cols, {} as never)).toThrow(/bars must be a MarketData or undefined, got \{\}/);
  });

  it('concat joins columns over the same rows and keeps the bars; other rows are refused', () => {
    const a = pipeline.compute(data);
    const b = new FeaturePipeline([{ name: 'ema', period: 5 }]).compute(data);
    const both = a.concat(b);
    expect(both.names).toEqual([...a.names, 'ema_5']);
    expect(both.bars).toBe(data);
    // same length and first time, different last time: the old check compared only the first
    const other = new FeatureFrame(Float64Array.from(a.timestamps, (t, i) => (i === a.length - 1 ? t + 1 : t)), ['y'], [new Float64Array(a.length)]);
    expect(() => a.concat(other)).toThrow(/other must be a frame over the same 400 rows \(the same timestamps\), got "400 rows"/);
  });
});

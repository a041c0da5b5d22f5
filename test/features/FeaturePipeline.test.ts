import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeaturePipeline, InvalidArgumentError, MarketData, type FeatureSpec } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const HOUR = 3_600_000;

function barsFromCloses(close: number[], volume?: number[], start = Date.UTC(2024, 0, 1)): MarketData {
  return new MarketData({
    timeframe: '1h',
    timestamps: close.map((_, i) => start + i * HOUR),
    open: close,
    high: close,
    low: close,
    close,
    volume: volume ?? close.map(() => 1),
  });
}

function col(spec: FeatureSpec, data: MarketData): number[] {
  return Array.from(new FeaturePipeline([spec]).compute(data).columns[0]!);
}

describe('FeaturePipeline values', () => {
  it('SMA(3) of 1..5 is [NaN, NaN, 2, 3, 4]', () => {
    expect(col({ name: 'sma', period: 3 }, barsFromCloses([1, 2, 3, 4, 5]))).toEqual([NaN, NaN, 2, 3, 4]);
  });

  it('EMA(3) of 1..5 starts from the SMA and then weights 2/(3+1) = 1/2', () => {
    // EMA[2] = SMA = 2; EMA[3] = 0.5*4 + 0.5*2 = 3; EMA[4] = 0.5*5 + 0.5*3 = 4
    expect(col({ name: 'ema', period: 3 }, barsFromCloses([1, 2, 3, 4, 5]))).toEqual([NaN, NaN, 2, 3, 4]);
  });

  it("RSI(2) by hand with Wilder's smoothing", () => {
    // changes +1, +1, -1, -1. First averages over two changes: gain 1, loss 0 -> RSI 100.
    // then gain (1*1 + 0)/2 = 0.5, loss (0*1 + 1)/2 = 0.5 -> RSI 50;
    // then gain 0.25, loss 0.75 -> RS = 1/3 -> RSI = 100 - 100/(4/3) = 25
    expect(col({ name: 'rsi', period: 2 }, barsFromCloses([1, 2, 3, 2, 1]))).toEqual([NaN, NaN, 100, 50, 25]);
  });

  it("RSI(14) on StockCharts' published closes, worked by hand", () => {
    // Closes from StockCharts ChartSchool's RSI worksheet. First 14 changes: gains sum to
    // 0.06+0.72+0.50+0.27+0.32+0.42+0.24+0.14+0.67 = 3.34, losses to 0.25+0.54+0.19+0.42 = 1.40,
    // so RSI = 100 - 100 / (1 + 3.34 / 1.40) = 70.464 (the worksheet prints 70.53 because it
    // rounds its averages). Next change -0.28: gain (3.34/14 * 13) / 14, loss (1.40/14 * 13 + 0.28) / 14.
    const closes = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0];
    const rsi = col({ name: 'rsi', period: 14 }, barsFromCloses(closes));
    expect(rsi[14]).toBeCloseTo(100 - 100 / (1 + 3.34 / 1.4), 9);
    const gain = ((3.34 / 14) * 13) / 14;
    const loss = ((1.4 / 14) * 13 + 0.28) / 14;
    expect(rsi[15]).toBeCloseTo(100 - 100 / (1 + gain / loss), 9);
  });

  it('returns, log returns and volatility by hand', () => {
    const d = barsFromCloses([100, 110, 99, 99]);
    expect(col({ name: 'returns' }, d)).toEqual([NaN, 0.10000000000000009, 99 / 110 - 1, 0]);
    expect(col({ name: 'logReturns', period: 2 }, d)).toEqual([NaN, NaN, Math.log(0.99), Math.log(0.9)]);
    // volatility(2) at bar 2: std (ddof 1) of ln(1.1), ln(0.9) = |ln 1.1 - ln 0.9| / sqrt(2)
    expect(col({ name: 'volatility', period: 2 }, d)[2]).toBeCloseTo(Math.abs(Math.log(1.1) - Math.log(0.9)) / Math.SQRT2, 14);
  });

  it('OBV adds volume on up closes and subtracts it on down closes', () => {
    // closes 10, 11, 10, 10, 12 with volumes 1..5: +2, -3, 0, +5 -> 2, -1, -1, 4
    const obv = col({ name: 'obv' }, barsFromCloses([10, 11, 10, 10, 12], [1, 2, 3, 4, 5]));
    expect(obv.slice(1)).toEqual([2, -1, -1, 4]);
  });

  it('session VWAP restarts at each UTC day', () => {
    // bars at 22:00 and 23:00 on Jan 1, then 00:00 on Jan 2; flat bars so typical = close
    const d = barsFromCloses([10, 20, 30], [1, 3, 2], Date.UTC(2024, 0, 1, 22));
    expect(col({ name: 'vwap' }, d)).toEqual([10, (10 * 1 + 20 * 3) / 4, 30]);
  });

  it('time features put 06:00 at sin = 1 and Monday at day 0', () => {
    const d = barsFromCloses([1], [1], Date.UTC(2024, 0, 1, 6)); // 2024-01-01 was a Monday
    const f = new FeaturePipeline(['timeOfDay', 'dayOfWeek']).compute(d);
    expect(f.column('timeOfDay_sin')[0]).toBeCloseTo(1, 15);
    expect(f.column('timeOfDay_cos')[0]).toBeCloseTo(0, 15);
    expect(f.column('dayOfWeek_sin')[0]).toBe(0);
    expect(f.column('dayOfWeek_cos')[0]).toBe(1);
  });

  it('names columns from the indicator and its parameters, or from `as`', () => {
    const p = new FeaturePipeline(['rsi', { name: 'macd', fast: 8, slow: 21, signal: 5 }, { name: 'bbands', as: 'bb' }]);
    expect(p.names).toEqual(['rsi_14', 'macd_8_21_5', 'macd_8_21_5_signal', 'macd_8_21_5_hist', 'bb_upper', 'bb_middle', 'bb_lower', 'bb_pctb', 'bb_width']);
  });

  it('offers at least 40 feature columns', () => {
    expect(FeaturePipeline.all().names.length).toBeGreaterThanOrEqual(40);
  });

  it('reports warm-up rows and drops them', () => {
    const frame = new FeaturePipeline([{ name: 'sma', period: 10 }, 'returns']).compute(randomBars(50));
    expect(frame.warmup).toBe(9);
    const hot = frame.dropWarmup();
    expect(hot.length).toBe(41);
    for (const c of hot.columns) for (const v of c) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('no look-ahead', () => {
  // Perturb every bar after t (prices scaled per bar, which keeps OHLC valid, and volumes);
  // every feature at bars <= t must be unchanged, bit for bit.
  it('every feature at bar t depends only on bars <= t (property, all indicators)', () => {
    const base = randomBars(260, 3);
    const pipeline = FeaturePipeline.all();
    const before = pipeline.compute(base);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 258 }), fc.double({ min: 0.5, max: 2, noNaN: true }), fc.integer({ min: 1, max: 2 ** 30 }), (t, scale, salt) => {
        const cols = { open: base.open.slice(), high: base.high.slice(), low: base.low.slice(), close: base.close.slice(), volume: base.volume.slice() };
        for (let i = t + 1; i < base.length; i++) {
          const f = scale * (1 + ((salt * (i + 1)) % 97) / 1000);
          cols.open[i]! *= f;
          cols.high[i]! *= f;
          cols.low[i]! *= f;
          cols.close[i]! *= f;
          cols.volume[i]! *= 1 + ((salt + i) % 13);
        }
        const changed = pipeline.compute(new MarketData({ ...cols, timestamps: base.timestamps, timeframe: '1h' }));
        before.columns.forEach((c, j) => {
          for (let i = 0; i <= t; i++) {
            if (!Object.is(c[i], changed.columns[j]![i])) {
              throw new Error(`${before.names[j]} at bar ${i} changed when bars after ${t} did: ${c[i]} -> ${changed.columns[j]![i]}`);
            }
          }
        });
      }),
      { numRuns: 40, seed: 42 },
    );
  });
});

describe('FeaturePipeline bad input', () => {
  it.each([
    [['rsix'], /specs\[0\]\.name must be one of returns, logReturns, .*, got "rsix"/],
    [[{ name: 'rsi', perod: 3 }], /specs\[0\]\.perod is not a parameter of rsi \(known: period\), got 3/],
    [[{ name: 'rsi', period: 1 }], /specs\[0\]\.period must be an integer >= 2, got 1/],
    [[{ name: 'rsi', period: 2.5 }], /specs\[0\]\.period must be an integer >= 2, got 2\.5/],
    [[{ name: 'bbands', stdDev: -1 }], /specs\[0\]\.stdDev must be a number >= 0, got -1/],
    [[{ name: 'macd', fast: 30 }], /specs\[0\]\.fast must be < slow \(26\), got 30/],
    [[{ name: 'obv', period: 3 }], /specs\[0\]\.period is not a parameter of obv \(it takes none\), got 3/],
    [['rsi', 'rsi'], /specs produce the column "rsi_14" twice/],
    [[], /specs must be a non-empty array of feature specs/],
  ])('rejects %j', (specs, message) => {
    expect(() => new FeaturePipeline(specs as never)).toThrow(InvalidArgumentError);
    expect(() => new FeaturePipeline(specs as never)).toThrow(message);
  });

  it('names an unknown column and lists the known ones', () => {
    const frame = new FeaturePipeline(['rsi']).compute(randomBars(30));
    expect(() => frame.column('rsi')).toThrow(/name must be a feature column, got "rsi"; columns: rsi_14/);
  });
});

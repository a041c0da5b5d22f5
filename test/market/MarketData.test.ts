import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataValidationError, InvalidArgumentError, MarketData, resample, timeframeToMs } from '../../src/index.js';

const H = 3_600_000;
function bars(over: Partial<Record<'timestamps' | 'open' | 'high' | 'low' | 'close' | 'volume', number[]>> = {}, extra = {}) {
  return new MarketData({
    symbol: 'BTC/USDT',
    timeframe: '1h',
    timestamps: [0, H, 2 * H, 3 * H],
    open: [10, 11, 12, 13],
    high: [11, 12, 13, 14],
    low: [9, 10, 11, 12],
    close: [11, 12, 13, 14],
    volume: [1, 2, 3, 4],
    ...over,
    ...extra,
  });
}

describe('MarketData', () => {
  it('stores columns as Float64Array and slices without copying', () => {
    const d = bars();
    expect(d.close).toBeInstanceOf(Float64Array);
    expect(d.length).toBe(4);
    const s = d.slice(1, 3);
    expect(Array.from(s.close)).toEqual([12, 13]);
    expect(s.close.buffer).toBe(d.close.buffer); // a view
    expect(s.symbol).toBe('BTC/USDT');
    expect(Array.from(d.slice(-1).timestamps)).toEqual([3 * H]);
    expect(d.sliceByTime(H, 3 * H).length).toBe(2);
    expect(d.lowerBound(1.5 * H)).toBe(2);
  });

  it.each([
    ['NaN close', { close: [11, Number.NaN, 13, 14] }, /row 1 \(1970-01-01T01:00:00\.000Z\): close must be finite, got NaN/],
    ['infinite open', { open: [10, 11, Infinity, 13] }, /row 2 .*: open must be finite, got Infinity/],
    ['high < low', { high: [11, 12, 10, 14], low: [9, 10, 11, 12] }, /row 2 .*: high 10 < low 11/],
    ['high below the close', { high: [11, 11.5, 13, 14] }, /row 1 .*: high 11\.5 < max\(open 11, close 12\)/],
    ['low above the open', { low: [10.5, 10, 11, 12] }, /row 0 .*: low 10\.5 > min\(open 10, close 11\)/],
    ['negative volume', { volume: [1, -2, 3, 4] }, /row 1 .*: volume must be >= 0, got -2/],
    ['duplicate timestamp', { timestamps: [0, H, H, 3 * H] }, /row 2 .*: duplicate timestamp 1970-01-01T01:00:00\.000Z/],
    ['unsorted timestamps', { timestamps: [0, 2 * H, H, 3 * H] }, /row 2 .*: timestamp 1970-01-01T01:00:00\.000Z is before the previous row's/],
    ['mixed timeframes', { timestamps: [0, H, 2.5 * H, 3.5 * H] }, /row 2 .*: timestamp .* is 5400000 ms after the previous row, not a multiple of the timeframe \(3600000 ms\): mixed timeframes/],
  ])('rejects %s, naming the row, its time and the fault', (_name, over, message) => {
    expect(() => bars(over)).toThrow(DataValidationError);
    expect(() => bars(over)).toThrow(message);
  });

  it.each([
    ['a zero open', { open: [10, 0, 12, 13], low: [9, 0, 11, 12] }, /row 1 \(1970-01-01T01:00:00\.000Z\): open must be > 0, got 0/],
    ['a negative close', { close: [11, 12, -1, 14], low: [9, 10, -2, 12] }, /row 2 .*: low must be > 0, got -2; close must be > 0, got -1/],
    ['a negative low only', { low: [9, 10, 11, -0.5] }, /row 3 .*: low must be > 0, got -0\.5/],
    ['a zero high, open, low and close', { open: [0, 11, 12, 13], high: [0, 12, 13, 14], low: [0, 10, 11, 12], close: [0, 12, 13, 14] }, /row 0 .*: open must be > 0, got 0; high must be > 0, got 0; low must be > 0, got 0; close must be > 0, got 0/],
    ['a negative zero', { low: [-0, 10, 11, 12] }, /row 0 .*: low must be > 0, got -0/],
  ])('rejects %s: prices must be > 0, naming the column, row and value', (_name, over, message) => {
    expect(() => bars(over)).toThrow(DataValidationError);
    expect(() => bars(over)).toThrow(message);
    expect(() => bars(over)).toThrow(/pass allowNonPositivePrices: true only for an instrument that trades at or below zero/);
  });

  it('allowNonPositivePrices: true holds prices <= 0, keeps the other rules, and travels with slices, joins and resampling', () => {
    // WTI's May 2020 future settled at -37.63 on 2020-04-20
    const neg = { open: [10, 0, -5, -37.63], high: [11, 1, -4, -30], low: [-1, -6, -40, -40], close: [0, -5, -37.63, -30] };
    const d = bars(neg, { allowNonPositivePrices: true });
    expect(d.allowNonPositivePrices).toBe(true);
    expect(Array.from(d.close)).toEqual([0, -5, -37.63, -30]);
    expect(d.slice(1).allowNonPositivePrices).toBe(true);
    expect(MarketData.concat([d.slice(0, 2), d.slice(2)]).close).toEqual(d.close);
    const twoHours = resample(d, '2h');
    expect(twoHours.allowNonPositivePrices).toBe(true);
    expect(Array.from(twoHours.low)).toEqual([-6, -40]); // min of each pair of lows
    // the OHLC rules still hold
    expect(() => bars({ ...neg, high: [11, -7, -4, -30] }, { allowNonPositivePrices: true })).toThrow(/row 1 .*: high -7 < low -6/);
    expect(() => bars({}, { allowNonPositivePrices: 'yes' })).toThrow(/allowNonPositivePrices must be a boolean, got "yes"/);
    expect(bars().allowNonPositivePrices).toBe(false);
  });

  it("repair: 'drop' removes rows with prices <= 0 and 'forward-fill' does not mend them", () => {
    expect(Array.from(bars({ open: [10, 0, 12, 13], low: [9, 0, 11, 12] }, { repair: 'drop' }).close)).toEqual([11, 13, 14]);
    expect(() => bars({ open: [10, 0, 12, 13], low: [9, 0, 11, 12] }, { repair: 'forward-fill' })).toThrow(/open must be > 0, got 0/);
  });

  it('rejects an unknown init key, naming it', () => {
    expect(() => bars({}, { repiar: 'drop' })).toThrow(InvalidArgumentError);
    expect(() => bars({}, { repiar: 'drop' })).toThrow(/init\.repiar is not a known option \(known: timestamps, open, high, low, close, volume, symbol, timeframe, repair, allowNonPositivePrices\), got "drop"/);
  });

  it('says when the timestamps look like epoch seconds', () => {
    // 2024-01-01 in epoch seconds, one minute apart: 60 "ms" steps against a 60,000 ms timeframe
    const t0 = 1_704_067_200;
    const make = () => bars({ timestamps: [t0, t0 + 60, t0 + 120, t0 + 180] }, { timeframe: '1m' });
    expect(make).toThrow(/is 60 ms after the previous row, not a multiple of the timeframe \(60000 ms\); the timestamps look like epoch seconds: MarketData takes ms, multiply them by 1000/);
  });

  it('lists at most five faults and counts the rest', () => {
    const n = 8;
    const close = Array.from({ length: n }, () => Number.NaN);
    const make = () =>
      new MarketData({ timeframe: '1m', timestamps: close.map((_, i) => i * 60_000), open: close.map(() => 1), high: close.map(() => 1), low: close.map(() => 1), close, volume: close.map(() => 1) });
    expect(make).toThrow(/has 8 invalid row\(s\)/);
    expect(make).toThrow(/\.\.\. and 3 more/);
  });

  it("repair: 'drop' removes every bad row and reports it; the rest is untouched", () => {
    const d = bars({ close: [11, Number.NaN, 13, 14], timestamps: [0, H, H, 3 * H] }, { repair: 'drop' });
    // row 1 has a NaN close; row 2 then duplicates row 1's time... but row 1 was dropped, so
    // row 2 follows row 0 and is kept
    expect(d.repairs.dropped).toEqual([1]);
    expect(Array.from(d.timestamps)).toEqual([0, H, 3 * H]);
    expect(Array.from(d.close)).toEqual([11, 13, 14]);
  });

  it("repair: 'forward-fill' fills non-finite prices from the previous close and volume with 0", () => {
    const d = bars({ open: [10, Number.NaN, 12, 13], close: [11, Number.NaN, 13, 14], volume: [1, Number.NaN, 3, 4] }, { repair: 'forward-fill' });
    expect(d.repairs.filled).toEqual([1]);
    expect(d.open[1]).toBe(11);
    expect(d.close[1]).toBe(11);
    expect(d.volume[1]).toBe(0);
    expect(d.high[1]).toBe(12); // kept: still >= the filled prices
    expect(d.low[1]).toBe(10);
  });

  it("forward-fill does not mend other faults, and says what to do", () => {
    expect(() => bars({ high: [11, 12, 10, 14] }, { repair: 'forward-fill' })).toThrow(/forward-fill mends only non-finite values; use repair: "drop"/);
  });

  it('reports gaps', () => {
    const d = bars({ timestamps: [0, H, 4 * H, 5 * H] });
    expect(d.gaps()).toEqual([{ start: 2 * H, end: 4 * H, missingBars: 2 }]);
  });

  it('concatenates in time order and validates the join', () => {
    const d = bars();
    expect(MarketData.concat([d.slice(0, 2), d.slice(2)]).close).toEqual(d.close);
    expect(() => MarketData.concat([d.slice(2), d.slice(0, 2)])).toThrow(DataValidationError);
  });

  it.each([
    [() => bars({ close: [1, 2, 3] }), /close\.length must be 4 \(the length of timestamps\), got 3/],
    [() => bars({}, { timeframe: '1M' }), /timeframe must be a count and a unit s, m, h, d or w .*got "1M"/],
    [() => bars({}, { repair: 'fix' }), /repair must be one of 'drop', 'forward-fill', got "fix"/],
    [() => bars().column('vwap' as never), /name must be one of timestamps, open, high, low, close, volume, got "vwap"/],
  ])('rejects bad arguments %#', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('knows timeframe lengths', () => {
    expect([timeframeToMs('1s'), timeframeToMs('15m'), timeframeToMs('4h'), timeframeToMs('1d'), timeframeToMs('1w')]).toEqual([1000, 900_000, 14_400_000, 86_400_000, 604_800_000]);
  });
});

describe('MarketData validation (property)', () => {
  // The rules, restated independently: a row is valid when every value is finite, every
  // price > 0, high >= max(open, close), low <= min(open, close), volume >= 0, and its
  // timestamp is an integer, greater than the previous one by a whole number of bars.
  function specValid(cols: Record<'timestamps' | 'open' | 'high' | 'low' | 'close' | 'volume', number[]>, tf: number): boolean {
    const n = cols.close.length;
    for (let i = 0; i < n; i++) {
      const vals = [cols.timestamps[i]!, cols.open[i]!, cols.high[i]!, cols.low[i]!, cols.close[i]!, cols.volume[i]!];
      if (!vals.every(Number.isFinite)) return false;
      if (!(cols.open[i]! > 0 && cols.high[i]! > 0 && cols.low[i]! > 0 && cols.close[i]! > 0)) return false;
      if (cols.high[i]! < Math.max(cols.open[i]!, cols.close[i]!)) return false;
      if (cols.low[i]! > Math.min(cols.open[i]!, cols.close[i]!)) return false;
      if (cols.volume[i]! < 0 || !Number.isInteger(cols.timestamps[i]!)) return false;
      if (i > 0) {
        const step = cols.timestamps[i]! - cols.timestamps[i - 1]!;
        if (step <= 0 || step % tf !== 0) return false;
      }
    }
    return true;
  }

  it('accepts exactly the data the rules allow', () => {
    let acceptedCount = 0;
    // valid rows with, now and then, one planted fault (a gap of two bars is not a fault)
    // about half of the arrays come out valid (fast-check favours short ones); the rest
    // carry one or more planted faults
    const fault = fc.oneof(
      { weight: 12, arbitrary: fc.constant('none') },
      { weight: 1, arbitrary: fc.constantFrom('gap', 'nan', 'inf', 'swap', 'high-below-close', 'low-above-open', 'negative-volume', 'duplicate-time', 'back-in-time', 'half-step', 'fractional-time', 'zero-low', 'negative-bar') },
    );
    const row = fc.record({ o: fc.double({ min: 1, max: 3, noNaN: true }), c: fc.double({ min: 1, max: 3, noNaN: true }), up: fc.double({ min: 0, max: 0.5, noNaN: true }), down: fc.double({ min: 0, max: 0.5, noNaN: true }), v: fc.double({ min: 0, max: 10, noNaN: true }), fault });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 12 }), (rows) => {
        let t = 0;
        const cols = { timestamps: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
        rows.forEach((r, i) => {
          let h = Math.max(r.o, r.c) + r.up;
          let l = Math.min(r.o, r.c) - r.down;
          let { o, c, v } = r;
          let step = i === 0 ? 0 : 60_000;
          if (r.fault === 'gap') step = 180_000;
          if (r.fault === 'nan') c = Number.NaN;
          if (r.fault === 'inf') o = Infinity;
          if (r.fault === 'swap') [h, l] = [l - 0.1, h + 0.1];
          if (r.fault === 'high-below-close') h = Math.max(r.o, r.c) - 0.01;
          if (r.fault === 'low-above-open') l = Math.min(r.o, r.c) + 0.01;
          if (r.fault === 'negative-volume') v = -1;
          if (r.fault === 'zero-low') l = 0;
          if (r.fault === 'negative-bar') [o, c, h, l] = [-o, -c, -l, -h];
          if (r.fault === 'duplicate-time' && i > 0) step = 0;
          if (r.fault === 'back-in-time' && i > 0) step = -60_000;
          if (r.fault === 'half-step' && i > 0) step = 30_000;
          t += step;
          cols.timestamps.push(r.fault === 'fractional-time' ? t + 0.5 : t);
          cols.open.push(o);
          cols.high.push(h);
          cols.low.push(l);
          cols.close.push(c);
          cols.volume.push(v);
        });
        let accepted = true;
        try {
          new MarketData({ ...cols, timeframe: '1m' });
        } catch (e) {
          if (!(e instanceof DataValidationError)) throw e;
          accepted = false;
        }
        expect(accepted).toBe(specValid(cols, 60_000));
        if (accepted) acceptedCount++;
      }),
      { numRuns: 3000, seed: 11 },
    );
    // not vacuous: both outcomes occur often
    expect(acceptedCount).toBeGreaterThan(500);
    expect(acceptedCount).toBeLessThan(2500);
  });
});

describe('MarketData takes numbers only, never converts', () => {
  const cols = { timeframe: '1h', timestamps: [0, H, 2 * H], open: [1, 2, 3], high: [2, 3, 4], low: [0.5, 1.5, 2.5], close: [2, 3, 4], volume: [1, 1, 1] };
  it.each([
    // Float64Array.from read null as 0, '2' as 2 and true as 1
    ['a null volume', { volume: [null, 1, 1] }, /volume\[0\] must be a number, got null/],
    ['string closes', { close: ['2', '3', '4'] }, /close\[0\] must be a number, got "2"/],
    ['a boolean', { volume: [1, true, 1] }, /volume\[1\] must be a number, got true/],
    ['string timestamps', { timestamps: ['0', String(H), String(2 * H)] }, /timestamps\[0\] must be a number, got "0"/],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole', { open: [1, , 3] }, /open\[1\] must be a number, got undefined/],
    ['a null price with allowNonPositivePrices', { low: [0.5, 1.5, null], allowNonPositivePrices: true }, /low\[2\] must be a number, got null/],
  ])('rejects %s with a DataValidationError naming column, row and value', (_name, over, message) => {
    expect(() => new MarketData({ ...cols, ...over } as never)).toThrow(DataValidationError); // deliberately invalid: past the type
    expect(() => new MarketData({ ...cols, ...over } as never)).toThrow(message);
  });

  it('takes NaN (a number) to the row check, and typed arrays as they are', () => {
    expect(() => new MarketData({ ...cols, volume: [Number.NaN, 1, 1] })).toThrow(/row 0 .*volume must be finite, got NaN/);
    const d = new MarketData({ ...cols, volume: Float32Array.of(1, 2, 3), timestamps: Int32Array.of(0, H, 2 * H) });
    expect(Array.from(d.volume)).toEqual([1, 2, 3]);
    expect(() => new MarketData({ ...cols, volume: BigInt64Array.of(1n, 1n, 1n) } as never)).toThrow(/volume\[0\] must be a number, got 1/);
  });
});

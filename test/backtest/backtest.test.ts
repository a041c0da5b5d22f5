import { describe, expect, it } from 'vitest';
import { backtest, inferPeriodsPerYear, InvalidArgumentError, MarketData, RegimeGenerator, TradingEnv, walkForward, walkForwardBacktest, type BacktestOptions } from '../../src/index.js';

const HOUR = 3_600_000;
const bars = (open: number[], close: number[], high?: number[], low?: number[]) =>
  new MarketData({
    timestamps: open.map((_, i) => Date.UTC(2024, 0, 1) + i * HOUR),
    open,
    high: high ?? open.map((o, i) => Math.max(o, close[i]!)),
    low: low ?? open.map((o, i) => Math.min(o, close[i]!)),
    close,
    volume: open.map(() => 1),
    timeframe: '1h',
  });

describe('backtest', () => {
  // Signal long at bar 0's close, flat at bar 2's close; next-open fills; 10 bps fee.
  // Entry at open[1] = 100, sized net of the fee: 10000 / 1.001 = 9990.00999 notional,
  // 99.9000999 units, fee 9.99001, cash 0. Close 110: equity 99.9000999 * 110 = 10989.01.
  // Close 120: 11988.01. Exit at open[3] = 121: proceeds 12087.91, fee 12.09, equity 12075.82.
  // Trade PnL: (121 - 100) * 99.9000999 - 9.99001 - 12.08791 = 2075.82.
  it('matches a hand calculation to the cent, fees on entry and exit', () => {
    const data = bars([100, 100, 110, 121, 121], [100, 110, 120, 121, 121]);
    const r = backtest({ data, strategy: [1, 1, 0, 0, 0], account: { initialCash: 10_000, fee: 10 }, periodsPerYear: 8760 });
    expect(Array.from(r.equity, (e) => e.toFixed(2))).toEqual(['10000.00', '10989.01', '11988.01', '12075.82', '12075.82']);
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect([t.side, t.entryIndex, t.exitIndex]).toEqual([1, 1, 3]);
    expect(t.entryPrice).toBeCloseTo(100, 9);
    expect(t.exitPrice).toBeCloseTo(121, 9);
    expect(t.pnl.toFixed(2)).toBe('2075.82');
    expect(t.fees.toFixed(2)).toBe((9.99001 + 12.08791).toFixed(2));
    expect(r.fees.toFixed(2)).toBe('22.08');
    expect(r.stats.return).toBeCloseTo(0.2075824, 6);
    expect(r.stats.buyAndHoldReturn).toBeCloseTo(0.21, 12);
    expect(r.stats.exposureTime).toBeCloseTo(2 / 5, 12); // held at closes 1 and 2
    expect(r.returns[0]).toBeCloseTo(10989.010989 / 10000 - 1, 9);
  });

  // Plain signals (no stops, no loss limit, fixed or no sizing) take a scan-and-mark-runs path;
  // the same signal read by a function strategy takes the bar-by-bar loop. Both must agree bit
  // for bit: equity, positions, every trade, fees and borrow.
  it('a plain signal gives exactly what the bar-by-bar loop gives', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 3000, seed: 4 });
    const sig = Array.from(data.close, (_, t) => (t % 97 === 5 ? Number.NaN : [1, 1, 0.5, -1, 0, -0.25, 1][Math.floor(t / 37) % 7]!));
    for (const execution of ['next-open', 'close'] as const) {
      for (const risk of [undefined, { sizing: { kind: 'fixed', fraction: 0.6 } as const, maxPosition: 0.5 }]) {
        const options = { data, account: { fee: 10, borrowRate: 1e-5, slippage: 2 }, execution, risk, start: 11 };
        const fast = backtest({ ...options, strategy: sig });
        const slow = backtest({ ...options, strategy: (ctx) => sig[ctx.index]! });
        expect(fast.trades.length).toBeGreaterThan(20);
        expect(Array.from(fast.equity)).toEqual(Array.from(slow.equity));
        expect(Array.from(fast.positions)).toEqual(Array.from(slow.positions));
        expect(fast.trades).toEqual(slow.trades);
        expect([fast.fees, fast.borrow]).toEqual([slow.fees, slow.borrow]);
      }
    }
  });

  it('NaN holds a fractional position as it is, and sizing is not redone while the signal stays', () => {
    // 0.5 then NaN: the half position is held (not rounded to a full one); a constant signal
    // under volatility sizing trades once, not every bar as the ATR moves
    const data = bars([100, 101, 102, 103, 104, 105], [101, 102, 103, 104, 105, 106], [102, 104, 103, 106, 105, 108], [99, 100, 101, 101, 103, 104]);
    const r = backtest({ data, strategy: [0.5, Number.NaN, Number.NaN, 0, 0, 0], periodsPerYear: 1 });
    expect(r.trades).toHaveLength(1);
    expect([r.trades[0]!.entryIndex, r.trades[0]!.exitIndex]).toEqual([1, 4]);
    // entry at open[1] = 101 with no fee: 0.5 x 10000 / 101 units, held through the NaNs
    expect(r.positions[1]).toBeCloseTo(5000 / 101, 9);
    expect([r.positions[2], r.positions[3]]).toEqual([r.positions[1], r.positions[1]]);
    const v = backtest({ data, strategy: [1, 1, 1, 1, 1, 1], periodsPerYear: 1, risk: { sizing: { kind: 'volatility', targetVolatility: 0.01, atrPeriod: 2 } } });
    expect(new Set(Array.from(v.positions.subarray(3)))).toHaveLength(1);
  });

  it('a short pays borrow per bar and profits from a fall, to the cent', () => {
    // short at open[1] = 100 with no fee: 100 units; close 90: equity 10000 + 1000 - borrow;
    // borrow 0.001 * 100 * 90 = 9 at that close. Exit at open[2] = 90 (signal 0 at bar 1).
    const data = bars([100, 100, 90, 90], [100, 90, 90, 90]);
    const r = backtest({ data, strategy: [-1, 0, 0, 0], account: { borrowRate: 0.001 }, periodsPerYear: 8760 });
    expect(r.equity[1]!.toFixed(2)).toBe('10991.00');
    expect(r.trades[0]!.pnl.toFixed(2)).toBe('991.00');
    expect(r.borrow).toBeCloseTo(9, 9);
  });

  it('a stop-loss exits at the stop (or the open when it gaps through), and re-entry waits for a new signal', () => {
    // long at open[1] = 100 with a 5% stop: bar 2's low 94 hits 95 -> exit at 95
    const data = bars([100, 100, 99, 96, 97], [100, 99, 96, 97, 98], [100, 101, 99, 97, 98], [100, 99, 94, 95, 96]);
    const r = backtest({ data, strategy: [1, 1, 1, 1, 1], risk: { stopLoss: 0.05 }, periodsPerYear: 8760 });
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.exitPrice).toBe(95);
    expect(r.events).toEqual([{ index: 2, kind: 'stop-loss' }]);
    expect(Array.from(r.positions.slice(2))).toEqual([0, 0, 0]); // the same signal does not re-enter
    const gap = bars([100, 100, 90, 90], [100, 99, 91, 90], [100, 100, 92, 90], [100, 99, 89, 90]);
    expect(backtest({ data: gap, strategy: [1, 1, 1, 1], risk: { stopLoss: 0.05 }, periodsPerYear: 8760 }).trades[0]!.exitPrice).toBe(90);
  });

  it('take-profit and trailing stop exit where they should', () => {
    const data = bars([100, 100, 104, 112, 108], [100, 104, 110, 109, 107], [100, 105, 111, 112, 109], [100, 99, 103, 108, 100]);
    const tp = backtest({ data, strategy: [1, 1, 1, 1, 1], risk: { takeProfit: 0.1 }, periodsPerYear: 8760 });
    expect(tp.trades[0]!.exitPrice).toBeCloseTo(110, 9); // bar 2's high 111 reaches 110
    // trailing 3%: best high 111 (bar 2) -> stop 107.67; bar 3's low 108 holds; best 112 -> stop
    // 108.64; bar 4 opens at 108, already through the stop: it fills at the open
    const tr = backtest({ data, strategy: [1, 1, 1, 1, 1], risk: { trailingStop: 0.03 }, periodsPerYear: 8760 });
    expect(tr.trades[0]!.exitPrice).toBeCloseTo(108, 9);
    expect(tr.trades[0]!.exitIndex).toBe(4);
    expect(tr.events[0]!.kind).toBe('trailing-stop');
  });

  it('sizes with a fixed fraction and caps with maxPosition; a cooldown blocks re-entry', () => {
    const data = bars([100, 100, 100, 100], [100, 100, 100, 100]);
    const r = backtest({ data, strategy: [1, 1, 1, 1], risk: { sizing: { kind: 'fixed', fraction: 0.5 } }, periodsPerYear: 8760 });
    expect(r.positions[1]).toBeCloseTo(50, 9); // half of 10,000 at 100
    const capped = backtest({ data, strategy: [1, 1, 1, 1], risk: { maxPosition: 0.25 }, periodsPerYear: 8760 });
    expect(capped.positions[1]).toBeCloseTo(25, 9);
  });

  it('volatility targeting uses the ATR up to the decision bar only', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 400, seed: 3 });
    const signal = new Array<number>(data.length).fill(1);
    const a = backtest({ data, strategy: signal, risk: { sizing: { kind: 'volatility', targetVolatility: 0.002, atrPeriod: 14 } } });
    // changing the bars after 200 cannot change positions up to bar 200
    const close = data.close.slice();
    const high = data.high.slice();
    for (let i = 201; i < close.length; i++) {
      close[i] = close[i]! * 2;
      high[i] = high[i]! * 2;
    }
    const altered = new MarketData({ timestamps: data.timestamps, open: data.open, high, low: data.low, close, volume: data.volume, timeframe: data.timeframe });
    const b = backtest({ data: altered, strategy: signal, risk: { sizing: { kind: 'volatility', targetVolatility: 0.002, atrPeriod: 14 } } });
    expect(Array.from(b.positions.slice(0, 201))).toEqual(Array.from(a.positions.slice(0, 201)));
    expect(a.positions[20]).not.toBe(0);
  });

  it('a daily loss limit flattens and halts for the rest of the day', () => {
    const data = bars([100, 100, 90, 90, 95], [100, 90, 90, 95, 96]);
    const r = backtest({ data, strategy: [1, 1, 1, 1, 1], risk: { dailyLossLimit: 0.05 }, periodsPerYear: 8760 });
    expect(r.events).toEqual([{ index: 1, kind: 'daily-loss-limit' }]);
    expect(Array.from(r.positions.slice(1))).toEqual([0, 0, 0, 0]);
  });

  it('infers periods per year from the timeframe and calendar', () => {
    expect(inferPeriodsPerYear(RegimeGenerator.preset('crypto-15m').generate({ numSamples: 700, seed: 1 }).data)).toBe(365 * 96);
    expect(inferPeriodsPerYear(RegimeGenerator.preset('equity-daily').generate({ numSamples: 50, seed: 1 }).data)).toBe(252);
  });

  it('counts bars per day on whole days: hourly weekday bars from Monday noon are 24 a day, not 12', () => {
    // Monday 2024-01-01 12:00 to Wednesday 11:00: days of 12, 24 and 12 bars; the middle one is whole
    const t0 = Date.UTC(2024, 0, 1, 12);
    const ts = Array.from({ length: 48 }, (_, i) => t0 + i * 3_600_000);
    const ones = ts.map(() => 1);
    const data = new MarketData({ timeframe: '1h', timestamps: ts, open: ones, high: ones, low: ones, close: ones, volume: ones });
    expect(inferPeriodsPerYear(data)).toBe(252 * 24);
    // session hours (14:00 to 20:00, 7 bars a day) over a week: 7 a day
    const session = [0, 1, 2, 3, 4].flatMap((d) => Array.from({ length: 7 }, (_, h) => Date.UTC(2024, 0, 1 + d, 14 + h)));
    const s1 = session.map(() => 1);
    expect(inferPeriodsPerYear(new MarketData({ timeframe: '1h', timestamps: session, open: s1, high: s1, low: s1, close: s1, volume: s1 }))).toBe(252 * 7);
  });

  it('an agent strategy runs its TradingEnv and reads that env\'s Account', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 5 });
    const env = new TradingEnv({ data, windowSize: 8, actionScheme: 'discrete-3', fee: 10 });
    const r = backtest({ data, strategy: { env, agent: { predict: () => 2 } } }); // always long
    expect(r.equity.length).toBe(r.timestamps.length);
    expect(r.timestamps[r.timestamps.length - 1]).toBe(data.timestamps[data.length - 1]);
    expect(r.equity[r.equity.length - 1]).toBeCloseTo(env.account.lastEquity, 9);
    expect(r.fees).toBeCloseTo(env.account.feesPaid, 9);
    expect(r.fees).toBeGreaterThan(0);
  });

  it('a recurrent agent (recurrent: true) gets back the state it returned, starting the episode with episodeStart', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 200, seed: 6 });
    const calls: { state: unknown; episodeStart: unknown }[] = [];
    // its memory is the step count: long for 3 bars, flat for 2, and so on
    const agent = {
      recurrent: true as const,
      predict(_o: Float32Array, options: { state?: never; episodeStart?: boolean } = {}) {
        const o = options as { state?: number; episodeStart?: boolean };
        calls.push({ state: o.state, episodeStart: o.episodeStart });
        const t = o.episodeStart === true || o.state === undefined ? 0 : o.state + 1;
        return { action: t % 5 < 3 ? 2 : 1, state: t as never };
      },
    };
    const r = backtest({ data, strategy: { env: new TradingEnv({ data, windowSize: 8, actionScheme: 'discrete-3', fee: 10 }), agent } });
    expect(calls[0]).toEqual({ state: undefined, episodeStart: true });
    calls.slice(1).forEach((c, i) => expect(c).toEqual({ state: i, episodeStart: false }));
    // the same decisions from a policy that counts the bars itself
    let t = -1;
    const policy = () => (++t % 5 < 3 ? 2 : 1);
    const same = backtest({ data, strategy: { env: new TradingEnv({ data, windowSize: 8, actionScheme: 'discrete-3', fee: 10 }), policy } });
    expect(r.equity).toEqual(same.equity);
    expect(r.fees).toBeGreaterThan(0);
  });

  it('walk-forward stitches the out-of-sample returns of every fold', async () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1200, seed: 2 });
    const seen: [number, number][] = [];
    const r = await walkForwardBacktest({
      data, trainSize: 400, testSize: 200, periodsPerYear: 35040,
      fit: (train, test) => {
        seen.push([train.timestamps[train.length - 1]!, test.timestamps[0]!]);
        return new Array<number>(test.length).fill(1);
      },
    });
    expect(r.folds).toHaveLength(4);
    for (const [trainEnd, testStart] of seen) expect(testStart).toBeGreaterThan(trainEnd); // no look-ahead
    expect(r.returns.length).toBe(4 * 199);
    const product = r.folds.reduce((p, f) => p * (f.equity[f.equity.length - 1]! / f.equity[0]!), 1);
    expect(r.equity[r.equity.length - 1]! / r.equity[0]!).toBeCloseTo(product, 9);
  });

  // A slippage function used to see a zero bar ({ open: 0, ... }) on every backtest fill; it
  // sees the bar the fill happens in, on both paths and for stop and loss-limit exits.
  it('a slippage function sees the bar each fill happens in', () => {
    const data = bars([100, 100, 99, 96, 97], [100, 99, 96, 97, 98], [100, 101, 99, 97, 98], [100, 99, 94, 95, 96]);
    const barOf = (i: number) => ({ open: data.open[i]!, high: data.high[i]!, low: data.low[i]!, close: data.close[i]!, volume: data.volume[i]! });
    const seenBars = (o: Omit<BacktestOptions, 'data' | 'periodsPerYear' | 'account'>) => {
      const seen: { price: number; bar: object }[] = [];
      backtest({ data, periodsPerYear: 1, account: { slippage: (ctx) => (seen.push({ price: ctx.price, bar: { ...ctx.bar } }), 0) }, ...o });
      return seen;
    };
    // next-open: in at open[1], out at open[3] (the decision at close 2)
    for (const risk of [undefined, { trailingStop: 0.5 }]) {
      const seen = seenBars({ strategy: [1, 1, 0, 0, 0], ...(risk ? { risk } : {}) });
      expect(seen.at(-1)).toEqual({ price: 96, bar: barOf(3) }); // the exit at open[3]
      expect(seen[0]).toEqual({ price: 100, bar: barOf(1) });
    }
    // 'close': in at close[0], out at close[2]
    const atClose = seenBars({ strategy: [1, 1, 0, 0, 0], execution: 'close' });
    expect([atClose[0]!.bar, atClose.at(-1)!.bar]).toEqual([barOf(0), barOf(2)]);
    // a 5% stop from 100 hit in bar 2 (low 94): the exit at 95 sees bar 2
    const stopped = seenBars({ strategy: [1, 1, 1, 1, 1], risk: { stopLoss: 0.05 } });
    expect(stopped.at(-1)).toEqual({ price: 95, bar: barOf(2) });
    const fall = bars([100, 100, 90, 90], [100, 90, 90, 95]);
    const limitSeen: object[] = [];
    backtest({ data: fall, strategy: [1, 1, 1, 1], periodsPerYear: 1, risk: { dailyLossLimit: 0.05 }, account: { slippage: (ctx) => (limitSeen.push({ price: ctx.price, bar: { ...ctx.bar } }), 0) } });
    // in at open[1] = 100; close[1] = 90 is 10% down on the day: flattened at that close, in bar 1
    expect(limitSeen.at(-1)).toEqual({ price: 90, bar: { open: 100, high: 100, low: 90, close: 90, volume: 1 } });
  });

  // Issue 14, defect 3: the plain-signal fast path used to read any value as a number
  // (undefined, a hole or 'abc' gave NaN equity, null acted as 0 and '1' as 1) while the risk
  // path rejected some of them. One check now runs before either path, and a strategy function's
  // value gets the same check at every bar.
  describe('every signal value is a finite number or NaN (hold), whichever path runs', () => {
    const data = bars([100, 100, 100, 100, 100], [100, 100, 100, 100, 100]);
    const holed = [0, 0, 0, 0, 0];
    delete holed[2];
    const bad: [string, unknown, string][] = [
      ['undefined', undefined, 'undefined'],
      ['a hole', 'hole', 'undefined'],
      ["'abc'", 'abc', '"abc"'],
      ['null', null, 'null'],
      ["'1'", '1', '"1"'],
      ['true', true, 'true'],
      ['Infinity', Infinity, 'Infinity'],
      ['-Infinity', -Infinity, '-Infinity'],
      ['an object', { v: 1 }, '{"v":1}'],
    ];
    const paths: [string, BacktestOptions['risk']][] = [
      ['plain (fast) path', undefined],
      ['fixed sizing (fast) path', { sizing: { kind: 'fixed', fraction: 0.5 } }],
      ['risk-rule (bar-by-bar) path', { stopLoss: 0.5 }],
      ['volatility sizing (bar-by-bar) path', { sizing: { kind: 'volatility', targetVolatility: 0.01 } }],
    ];
    const cases = bad.flatMap(([label, v, shown]) => paths.map(([path, risk]) => [label, path, v, shown, risk] as const));
    it.each(cases)('rejects %s in a signal array on the %s', (_label, _path, v, shown, risk) => {
      const signal: unknown[] = v === 'hole' ? holed.slice() : [0, 0, v, 0, 0];
      const run = () => backtest({ data, strategy: signal as number[], periodsPerYear: 1, ...(risk ? { risk } : {}) });
      expect(run).toThrow(InvalidArgumentError);
      expect(run).toThrow(`strategy[2] must be a finite number or NaN (hold), got ${shown}`);
    });
    it.each(cases)('rejects %s returned by a strategy function on the %s', (_label, _path, v, shown, risk) => {
      const seen: number[] = [];
      const fn = (ctx: { index: number }) => {
        seen.push(ctx.index);
        return (ctx.index === 2 ? (v === 'hole' ? undefined : v) : 0) as number;
      };
      const run = () => backtest({ data, strategy: fn, periodsPerYear: 1, ...(risk ? { risk } : {}) });
      expect(run).toThrow(InvalidArgumentError);
      expect(run).toThrow(`strategy({ index: 2 }) must be a finite number or NaN (hold), got ${shown}`);
      expect(Math.max(...seen)).toBe(2); // it stops at the bar that returned the value
    });
    it('still takes NaN as "hold" on both paths, in arrays and typed arrays', () => {
      for (const strategy of [[1, Number.NaN, Number.NaN, 0, 0], Float64Array.from([1, Number.NaN, Number.NaN, 0, 0])]) {
        for (const risk of [undefined, { stopLoss: 0.5 }]) {
          const r = backtest({ data, strategy, periodsPerYear: 1, ...(risk ? { risk } : {}) });
          // long from open[1] = 100 (10,000 / 100 = 100 units), held through the NaNs, flat at open[4]
          expect(Array.from(r.positions)).toEqual([0, 100, 100, 100, 0]);
        }
      }
    });
    it('rejects a signal whose length differs from the data, either way', () => {
      for (const strategy of [[0, 0, 0, 0], [0, 0, 0, 0, 0, 0], new Float64Array(3)]) {
        expect(() => backtest({ data, strategy, periodsPerYear: 1 })).toThrow(new RegExp(`strategy must be a signal of 5 values \\(one per bar\\), got "${strategy.length} values"`));
      }
    });
  });

  // Issue 14, defect 10 (part): the Account caps exposure at maxLeverage, so a signal of 5 used
  // to act as 1 with nothing said. A target beyond the cap is now an error; risk.maxPosition is
  // the way to clip on purpose. Units below are hand-computed: no fee or slippage, entry at
  // open[1] = 100 with equity 10,000, so units = target x 10,000 / 100.
  describe('signals beyond the leverage cap', () => {
    const data = bars([100, 100, 100, 100], [100, 100, 100, 100]);
    const unitsHeld = (o: Omit<BacktestOptions, 'data' | 'periodsPerYear'>) => backtest({ data, periodsPerYear: 1, ...o }).positions[1];
    it('a signal up to maxLeverage is taken as it is, long and short', () => {
      expect(unitsHeld({ strategy: [2, 2, 2, 2], account: { maxLeverage: 2 } })).toBeCloseTo(200, 9);
      expect(unitsHeld({ strategy: [-2, -2, -2, -2], account: { maxLeverage: 2 } })).toBeCloseTo(-200, 9);
      expect(unitsHeld({ strategy: [1, 1, 1, 1] })).toBeCloseTo(100, 9);
      // |2 x 0.5| = 1 <= maxLeverage 1
      expect(unitsHeld({ strategy: [2, 2, 2, 2], risk: { sizing: { kind: 'fixed', fraction: 0.5 } } })).toBeCloseTo(100, 9);
      expect(unitsHeld({ strategy: (ctx) => (ctx.index < 3 ? 2 : 0), account: { maxLeverage: 2 }, risk: { stopLoss: 0.5 } })).toBeCloseTo(200, 9);
    });
    it('risk.maxPosition clips larger signals, as asked', () => {
      expect(unitsHeld({ strategy: [5, 5, 5, 5], risk: { maxPosition: 1 } })).toBeCloseTo(100, 9);
      expect(unitsHeld({ strategy: [-5, -5, -5, -5], risk: { maxPosition: 0.5 } })).toBeCloseTo(-50, 9);
    });
    it.each([
      ['a signal of 5 with maxLeverage 1', { strategy: [0, 5, 5, 5] }, /strategy\[1\] must be in \[-1, 1\] \(\|signal\| <= account\.maxLeverage 1; set risk\.maxPosition to clip, or raise account\.maxLeverage\) or NaN \(hold\), got 5/],
      ['a signal of -2.5 with maxLeverage 2', { strategy: [0, 0, -2.5, 0], account: { maxLeverage: 2 } }, /strategy\[2\] must be in \[-2, 2\].*got -2\.5/],
      ['a signal of 3 x fixed fraction 0.5', { strategy: [3, 3, 3, 3], risk: { sizing: { kind: 'fixed', fraction: 0.5 } } }, /strategy\[0\] must be in \[-2, 2\] \(\|signal x sizing fraction 0\.5\| <= account\.maxLeverage 1;.*got 3/],
      ['the same on the bar-by-bar path', { strategy: [0, 5, 5, 5], risk: { stopLoss: 0.1 } }, /strategy\[1\] must be in \[-1, 1\].*got 5/],
      ['a function returning 5', { strategy: () => 5 }, /strategy\(\{ index: 0 \}\) must be in \[-1, 1\].*got 5/],
      ['maxPosition above maxLeverage', { strategy: [1, 1, 1, 1], risk: { maxPosition: 2 } }, /risk\.maxPosition must be <= account\.maxLeverage \(1\).*got 2/],
      ['volatility sizing able to exceed the cap', { strategy: [1, 1, 1, 1], risk: { sizing: { kind: 'volatility', targetVolatility: 0.01, maxFraction: 3 } }, account: { maxLeverage: 2 } }, /risk\.sizing\.maxFraction must be <= account\.maxLeverage \(2\).*got 3/],
      ['Kelly sizing starting above the cap', { strategy: [1, 1, 1, 1], risk: { sizing: { kind: 'kelly', initialFraction: 1.5 } } }, /risk\.sizing\.initialFraction must be <= account\.maxLeverage \(1\).*got 1\.5/],
    ] as const)('rejects %s', (_label, o, message) => {
      const run = () => backtest({ data, periodsPerYear: 1, ...(o as Omit<BacktestOptions, 'data'>) });
      expect(run).toThrow(InvalidArgumentError);
      expect(run).toThrow(message);
    });
  });

  // Issue 14, defect 7: with step < testSize the test windows overlap and the old stitching
  // chained every fold's returns (1,393 returns over 800 bars here). A bar's return now comes
  // once, from the latest fold covering it. The reference below recomputes that from the folds
  // themselves: fold k covers the returns ending at bars (a_k, a_k + its returns], where a_k is
  // its first bar in `data`.
  describe('walk-forward stitching counts each bar once', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1200, seed: 2 });
    // alternate long and short by fold, so two folds never give the same return for a bar
    const signalFit = (_train: MarketData, test: MarketData, fold: number) => new Array<number>(test.length).fill(fold % 2 === 0 ? 1 : -1);
    const envFit = (_train: MarketData, test: MarketData, fold: number) => ({
      env: new TradingEnv({ data: test, windowSize: 8, actionScheme: 'discrete-3' }),
      policy: () => (fold % 2 === 0 ? 2 : 0),
    });
    const reference = (r: Awaited<ReturnType<typeof walkForwardBacktest>>, testStarts: number[]) => {
      const covering = new Map<number, number>(); // bar -> latest fold whose backtest covers it
      r.folds.forEach((f, k) => {
        const a = testStarts[k]! + f.startIndex;
        for (let j = 0; j < f.returns.length; j++) covering.set(a + 1 + j, k);
      });
      const barsCovered = [...covering.keys()].sort((x, y) => x - y);
      const returns = barsCovered.map((b) => {
        const k = covering.get(b)!;
        return r.folds[k]!.returns[b - (testStarts[k]! + r.folds[k]!.startIndex) - 1]!;
      });
      return { barsCovered, returns };
    };
    it.each([
      ['overlapping windows, signal folds', 100, signalFit],
      ['overlapping windows, env folds', 100, envFit],
      ['tiling windows (the default step)', undefined, signalFit],
      ['windows with gaps', 250, signalFit],
    ] as const)('%s', async (_label, step, fit) => {
      const sizes = { trainSize: 400, testSize: 200, ...(step !== undefined ? { step } : {}) };
      const folds = walkForward(data.length, sizes);
      const r = await walkForwardBacktest({ data, ...sizes, fit, periodsPerYear: 35040 });
      const ref = reference(r, folds.map((f) => f.test[0]));
      // each bar at most once, in time order, and every covered bar present
      expect(Array.from(r.returnIndex)).toEqual(ref.barsCovered);
      for (let k = 1; k < r.returnIndex.length; k++) expect(r.returnIndex[k]!).toBeGreaterThan(r.returnIndex[k - 1]!);
      expect(Array.from(r.returns)).toEqual(ref.returns);
      expect(r.equity.length).toBe(r.returns.length + 1);
      const compounded = ref.returns.reduce((e, x) => e * (1 + x), r.equity[0]!);
      expect(r.equity[r.equity.length - 1]! / compounded).toBeCloseTo(1, 12);
      // the count: distinct test bars minus the bars no fold has a return for (each fold's
      // first bar, unless an earlier fold covers it)
      const testBars = new Set(folds.flatMap((f) => Array.from({ length: f.test[1] - f.test[0] }, (_, i) => f.test[0] + i)));
      expect(r.returns.length).toBeLessThanOrEqual(testBars.size);
      if (step === 100 && fit === signalFit) {
        expect(r.folds.map((f) => f.returns.length).reduce((a, b) => a + b)).toBe(1393); // what the old stitching chained
        expect(testBars.size).toBe(800); // bars 400..1199
        expect(r.returns.length).toBe(799); // 6 folds x 100 + the last fold's 199: every bar but the first
      }
    });
  });

  describe('bad input', () => {
    const d3 = bars([1, 1, 1], [1, 1, 1]);
    const ok = { data: d3, strategy: [1, 1, 1], periodsPerYear: 1 };
    const env = () => new TradingEnv({ data: RegimeGenerator.preset('crypto-15m').generate({ numSamples: 60, seed: 1 }).data, windowSize: 4 });
    const envRun = (extra: object, strategy?: (e: TradingEnv) => unknown) => () => {
      const e = env();
      return backtest({ data: e.data, strategy: (strategy ? strategy(e) : { env: e, policy: () => 1 }) as BacktestOptions['strategy'], ...extra });
    };
    const bt = (o: object) => () => backtest(o as BacktestOptions);
    it.each([
      // options and data
      ['options that are not an object', bt(null as unknown as object), /options must be a plain object, got null/],
      ['an unknown option', bt({ ...ok, fee: 10 }), /options\.fee is not a known option \(known: data, strategy, account, risk, execution, periodsPerYear, start\), got 10/],
      ['data that is not a MarketData', bt({ ...ok, data: { close: new Float64Array(3) } }), /data must be a MarketData, got/],
      ['data of one bar', bt({ ...ok, data: bars([1], [1]), strategy: [1] }), /data must be at least 2 bars, got "1 bars"/],
      // the strategy
      ['no strategy', bt({ ...ok, strategy: undefined }), /strategy must be a signal array, a function, or \{ env, agent \| policy \}, got undefined/],
      ['a string strategy', bt({ ...ok, strategy: 'abc' }), /strategy must be a signal array, a function, or/],
      ['a signal of the wrong length', bt({ ...ok, data: bars([1, 1], [1, 1]), strategy: [1] }), /strategy must be a signal of 2 values/],
      ['an array-like of holes', bt({ ...ok, strategy: { length: 3 } }), /strategy\[0\] must be a finite number or NaN \(hold\), got undefined/],
      ['Infinity in a signal', bt({ ...ok, strategy: [1, Infinity, 1] }), /strategy\[1\] must be a finite number or NaN \(hold\), got Infinity/],
      // periodsPerYear, execution, start: null is not "left out"
      ['periodsPerYear -1', bt({ ...ok, periodsPerYear: -1 }), /periodsPerYear must be a finite number > 0, got -1/],
      ['periodsPerYear NaN', bt({ ...ok, periodsPerYear: Number.NaN }), /periodsPerYear must be a finite number > 0, got NaN/],
      ['periodsPerYear Infinity', bt({ ...ok, periodsPerYear: Infinity }), /periodsPerYear must be a finite number > 0, got Infinity/],
      ["periodsPerYear '252'", bt({ ...ok, periodsPerYear: '252' }), /periodsPerYear must be a finite number > 0, got "252"/],
      ['periodsPerYear null', bt({ ...ok, periodsPerYear: null }), /options\.periodsPerYear must be a value, or left out for the default, got null/],
      ["execution 'open'", bt({ ...ok, execution: 'open' }), /execution must be one of 'next-open', 'close', got "open"/],
      ['execution null', bt({ ...ok, execution: null }), /options\.execution must be a value, or left out for the default, got null/],
      ['start -1', bt({ ...ok, start: -1 }), /start must be an integer >= 0, got -1/],
      ['start 0.5', bt({ ...ok, start: 0.5 }), /start must be an integer >= 0, got 0\.5/],
      ["start '1'", bt({ ...ok, start: '1' }), /start must be an integer >= 0, got "1"/],
      ['start null', bt({ ...ok, start: null }), /options\.start must be a value, or left out for the default, got null/],
      ['start past the last two bars', bt({ ...ok, start: 2 }), /start must be <= 1 \(two bars at least\), got 2/],
      // the account: its values are judged by the Account, named as account.<key>
      ['account null', bt({ ...ok, account: null }), /options\.account must be a value, or left out for the default, got null/],
      ['an unknown account key', bt({ ...ok, account: { leverage: 2 } }), /account\.leverage is not a known option/],
      ['account.fee -1', bt({ ...ok, account: { fee: -1 } }), /account\.fee must be a finite number >= 0, got -1/],
      ['account.fee NaN', bt({ ...ok, account: { fee: Number.NaN } }), /account\.fee must be a finite number >= 0, got NaN/],
      ['account.fee null', bt({ ...ok, account: { fee: null } }), /account\.fee must be a value, or left out for the default, got null/],
      ['account.initialCash 0', bt({ ...ok, account: { initialCash: 0 } }), /account\.initialCash must be a finite number > 0, got 0/],
      ["account.initialCash '1000'", bt({ ...ok, account: { initialCash: '1000' } }), /account\.initialCash must be a finite number, got "1000"/],
      ['account.maxLeverage 0', bt({ ...ok, account: { maxLeverage: 0 } }), /account\.maxLeverage must be a finite number > 0, got 0/],
      ['account.borrowRate Infinity', bt({ ...ok, account: { borrowRate: Infinity } }), /account\.borrowRate must be a finite number >= 0, got Infinity/],
      ["account.slippage '2'", bt({ ...ok, account: { slippage: '2' } }), /account\.slippage must be/],
      // risk rules
      ['risk null', bt({ ...ok, risk: null }), /options\.risk must be a value, or left out for the default, got null/],
      ['an unknown risk key', bt({ ...ok, risk: { stop: 0.1 } }), /risk\.stop is not a known option/],
      ['risk.stopLoss 1.5', bt({ ...ok, risk: { stopLoss: 1.5 } }), /risk\.stopLoss must be a number in \(0, 1\], got 1\.5/],
      ['risk.stopLoss NaN', bt({ ...ok, risk: { stopLoss: Number.NaN } }), /risk\.stopLoss must be a number in \(0, 1\], got NaN/],
      ["risk.stopLoss '0.02'", bt({ ...ok, risk: { stopLoss: '0.02' } }), /risk\.stopLoss must be a number in \(0, 1\], got "0\.02"/],
      ['risk.takeProfit 0', bt({ ...ok, risk: { takeProfit: 0 } }), /risk\.takeProfit must be a number in \(0, 100\], got 0/],
      ['risk.trailingStop null', bt({ ...ok, risk: { trailingStop: null } }), /risk\.trailingStop must be a value, or left out for the default, got null/],
      ['risk.maxPosition -1', bt({ ...ok, risk: { maxPosition: -1 } }), /risk\.maxPosition must be a number in \(0, 100\], got -1/],
      ['risk.dailyLossLimit 2', bt({ ...ok, risk: { dailyLossLimit: 2 } }), /risk\.dailyLossLimit must be a number in \(0, 1\], got 2/],
      ['risk.cooldownBars -1', bt({ ...ok, risk: { stopLoss: 0.1, cooldownBars: -1 } }), /risk\.cooldownBars must be an integer >= 0, got -1/],
      ['risk.cooldownBars without a stop', bt({ ...ok, risk: { cooldownBars: 3 } }), /risk\.cooldownBars must be given with a stopLoss, takeProfit or trailingStop/],
      ['risk.sizing null', bt({ ...ok, risk: { sizing: null } }), /risk\.sizing must be a value, or left out for the default, got null/],
      ["risk.sizing.kind 'martingale'", bt({ ...ok, risk: { sizing: { kind: 'martingale' } } }), /risk\.sizing\.kind must be one of 'fixed', 'volatility', 'kelly', got "martingale"/],
      ['a fixed sizing without its fraction', bt({ ...ok, risk: { sizing: { kind: 'fixed' } } }), /risk\.sizing\.fraction must be a number in \(0, 100\], got undefined/],
      ['a key of another sizing kind', bt({ ...ok, risk: { sizing: { kind: 'fixed', fraction: 0.5, maxFraction: 0.3 } } }), /risk\.sizing\.maxFraction is not a known option \(known: kind, fraction\)/],
      ['risk.sizing.atrPeriod 0', bt({ ...ok, risk: { sizing: { kind: 'volatility', targetVolatility: 0.01, atrPeriod: 0 } } }), /risk\.sizing\.atrPeriod must be an integer >= 1, got 0/],
      ['risk.sizing.minTrades 1.5', bt({ ...ok, risk: { sizing: { kind: 'kelly', minTrades: 1.5 } } }), /risk\.sizing\.minTrades must be an integer >= 1, got 1\.5/],
      ['risk.sizing.fraction 2 (Kelly)', bt({ ...ok, risk: { sizing: { kind: 'kelly', fraction: 2 } } }), /risk\.sizing\.fraction must be a number in \(0, 1\], got 2/],
      // an env strategy trades under its env: other settings would be ignored silently
      ['risk with an env strategy', envRun({ risk: { stopLoss: 0.1 } }), /options\.risk must be left out with an env strategy/],
      ['account with an env strategy', envRun({ account: { fee: 10 } }), /options\.account must be left out with an env strategy, which trades under its env's settings.*got \{"fee":10\}/],
      ['execution with an env strategy', envRun({ execution: 'close' }), /options\.execution must be left out with an env strategy/],
      ['start with an env strategy', envRun({ start: 5 }), /options\.start must be left out with an env strategy/],
      ['an env on other bars', () => backtest({ data: d3, strategy: { env: env(), policy: () => 1 } }), /strategy\.env must be an env on the backtest's data \(3 bars\), got "an env on 60 other bars"/],
      ['both agent and policy', envRun({}, (e) => ({ env: e, policy: () => 1, agent: { predict: () => 1 } })), /strategy must be \{ env, agent \} or \{ env, policy \} \(one of the two\)/],
      ['neither agent nor policy', envRun({}, (e) => ({ env: e })), /strategy must be \{ env, agent \} or \{ env, policy \} \(one of the two\), got \["env"\]/],
      ['an agent without predict', envRun({}, (e) => ({ env: e, agent: {} })), /strategy\.agent must be an object with predict\(observation\), got \{\}/],
      ['a policy that is not a function', envRun({}, (e) => ({ env: e, policy: 1 })), /strategy\.policy must be a function of the observation, got 1/],
      ['an unknown key beside env', envRun({}, (e) => ({ env: e, policy: () => 1, deterministic: false })), /strategy\.deterministic is not a known option \(known: env, agent, policy\)/],
      ['an env that is not a TradingEnv', bt({ ...ok, strategy: { env: {}, policy: () => 1 } }), /strategy\.env must be a TradingEnv/],
    ] as const)('rejects %s', (_label, run, message) => {
      expect(run).toThrow(InvalidArgumentError);
      expect(run).toThrow(message);
    });

    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 300, seed: 1 });
    const fit = () => new Array<number>(100).fill(1);
    it.each([
      ['an unknown option', { strategy: [1] }, /options\.strategy is not a known option/],
      ['start, which folds do not take', { start: 3 }, /options\.start is not a known option/],
      ['no data', { data: undefined }, /data must be a MarketData, got undefined/],
      ['fit that is not a function', { fit: 3 }, /fit must be a function \(train, test, fold\) => strategy, got 3/],
      ['step 0', { step: 0 }, /step must be an integer >= 1, got 0/],
      ['no room for a fold', { trainSize: 250 }, /no walk-forward fold fits/],
      ['a bad periodsPerYear', { periodsPerYear: -1 }, /periodsPerYear must be a finite number > 0, got -1/],
      ['a bad account', { account: { fee: -1 } }, /account\.fee must be a finite number >= 0, got -1/],
      ['a bad risk rule', { risk: { stopLoss: 2 } }, /risk\.stopLoss must be a number in \(0, 1\], got 2/],
      ['a bad execution', { execution: 'open' }, /execution must be one of 'next-open', 'close', got "open"/],
    ] as const)('walkForwardBacktest rejects %s before any fit', async (_label, extra, message) => {
      let fits = 0;
      const run = walkForwardBacktest({ data, trainSize: 100, testSize: 100, periodsPerYear: 35040, fit: () => (fits++, fit()), ...(extra as object) } as Parameters<typeof walkForwardBacktest>[0]);
      await expect(run).rejects.toThrow(InvalidArgumentError);
      await expect(run).rejects.toThrow(message);
      expect(fits).toBe(0);
    });
  });
});

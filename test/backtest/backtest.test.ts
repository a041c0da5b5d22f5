import { describe, expect, it } from 'vitest';
import { backtest, inferPeriodsPerYear, InvalidArgumentError, MarketData, RegimeGenerator, TradingEnv, walkForwardBacktest } from '../../src/index.js';

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

  it.each([
    [() => backtest({ data: bars([1, 1], [1, 1]), strategy: [1] }), /strategy must be a signal of 2 values/],
    [() => backtest({ data: bars([1, 1, 1], [1, 1, 1]), strategy: [1, 1, 1], risk: { stopLoss: 1.5 } }), /risk\.stopLoss must be a number in \(0, 1\], got 1\.5/],
    [() => backtest({ data: bars([1, 1, 1], [1, 1, 1]), strategy: [1, 1, 1], risk: { sizing: { kind: 'martingale' } as never } }), /risk\.sizing\.kind must be one of/],
    [() => backtest({ data: bars([1, 1, 1], [1, 1, 1]), strategy: [1, Infinity, 1], periodsPerYear: 1 }), /signal\[1\] must be a finite number or NaN/],
    [() => backtest({ data: bars([1, 1, 1], [1, 1, 1]), strategy: [1, 1, 1], periodsPerYear: -1 }), /periodsPerYear must be a finite number > 0, got -1/],
  ])('rejects bad input %#', (run, message) => {
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(message);
  });
});

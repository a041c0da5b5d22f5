// The risk rules added for live trading, in backtest() itself (the live runner runs the same
// stepper: test/live holds the two equal): minimum hold, session close, the trading day's zone.
import { describe, expect, it } from 'vitest';
import { backtest, RegimeGenerator, type StrategyContext } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

describe('backtest() risk rules of the trading day', () => {
  it('minHoldBars: no trade closed by the signal is shorter, and 0 changes nothing', () => {
    const data = randomBars(500, 3);
    const flip = ({ index }: StrategyContext) => (index % 3 === 0 ? 1 : -1);
    expect(backtest({ data, strategy: flip, risk: { minHoldBars: 0 } }).equity).toEqual(backtest({ data, strategy: flip }).equity);
    for (const execution of ['next-open', 'close'] as const) {
      const r = backtest({ data, strategy: flip, risk: { minHoldBars: 7 }, execution });
      expect(r.trades.length).toBeGreaterThan(20);
      expect(Math.min(...r.trades.map((t) => t.duration))).toBeGreaterThanOrEqual(7);
    }
  });

  it('sessionClose: flat through the window before the close each day (UTC by default), back in after', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 4, seed: 9 });
    const r = backtest({ data, strategy: () => 1, risk: { sessionClose: { time: '00:00', minutesBefore: 45 } } });
    const hm = (ts: number) => new Date(ts).toISOString().slice(11, 16);
    r.timestamps.forEach((ts, k) => {
      if (k > 0 && ['23:15', '23:30', '23:45'].includes(hm(ts))) expect(r.positions[k], hm(ts)).toBe(0);
      if (k > 1 && hm(ts) === '00:15') expect(r.positions[k]).toBeGreaterThan(0);
    });
    expect(r.events.filter((e) => e.kind === 'session-close').length).toBe(4);
  });

  it('timeZone moves the daily loss limit day: UTC and UTC+14 see different days', () => {
    const data = randomBars(24 * 30, 21);
    const strategy = ({ index }: StrategyContext) => (index % 11 < 6 ? 1 : -1);
    const utc = backtest({ data, strategy, risk: { dailyLossLimit: 0.004 } });
    const kiritimati = backtest({ data, strategy, risk: { dailyLossLimit: 0.004, timeZone: 'Pacific/Kiritimati' } });
    expect(backtest({ data, strategy, risk: { dailyLossLimit: 0.004, timeZone: 'UTC' } }).equity).toEqual(utc.equity);
    expect(utc.events.length).toBeGreaterThan(3);
    expect(kiritimati.events.map((e) => e.index)).not.toEqual(utc.events.map((e) => e.index));
  });
});

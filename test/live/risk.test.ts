// Each risk rule by scenario, through the live runner (the backtester runs the same stepper; the
// parity tests hold the two equal): the kill switch, the daily loss limit's day in a time zone,
// the minimum hold, the forced flat before a session close, and the order rate.
import { describe, expect, it } from 'vitest';
import { backtest, MarketData, RegimeGenerator, type StrategyContext } from '../../src/index.js';
import { LiveRunner, ReplayFeed, type LiveEvent } from '../../src/live/index.js';
import { randomBars } from '../helpers/randomBars.js';

const H = 3_600_000;

/** Hourly bars from 2024-01-02 00:00 UTC at 100 (a tiny zig-zag), with a drop to `drop` at bar `at`. */
function bars(n: number, at: number, drop: number): MarketData {
  const ts: number[] = [];
  const close: number[] = [];
  for (let i = 0; i < n; i++) {
    ts.push(Date.UTC(2024, 0, 2) + i * H);
    close.push(i === at ? drop : 100 + (i % 2) * 0.01);
  }
  const open = close.map((_, i) => (i === 0 ? 100 : (close[i - 1] as number)));
  return new MarketData({ timeframe: '1h', timestamps: ts, open, close, high: close.map((c, i) => Math.max(c, open[i] as number)), low: close.map((c, i) => Math.min(c, open[i] as number)), volume: close.map(() => 1) });
}

const always = (v: number) => (): number => v;

describe('the kill switch', () => {
  it('flattens at the last close, cancels what waits and stops the run', async () => {
    const data = randomBars(300, 5);
    const events: LiveEvent[] = [];
    const runner: LiveRunner = new LiveRunner({
      feed: new ReplayFeed(data),
      strategy: always(1),
      account: { fee: 10 },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'bar' && e.index === 120) runner.kill('operator');
      },
    });
    const r = await runner.run();
    expect(r.stopReason).toBe('kill-switch');
    expect(r.equity.length).toBe(121); // bars 0..120, nothing after
    expect(r.positions.at(-1)).toBe(0);
    expect(runner.account.positions[0]).toBe(0);
    expect(r.trades.at(-1)?.exitIndex).toBe(120);
    expect(r.trades.at(-1)?.exitPrice).toBe(data.close[120]);
    expect(events.filter((e) => e.type === 'risk' && e.rule === 'kill-switch').map((e) => (e as { action: string }).action)).toEqual(['exit', 'stop']);
    expect(events.at(-1)).toEqual({ type: 'stop', index: 120, reason: 'kill-switch' });
    // the equity reported last is the book after the exit, at that close
    expect(r.equity.at(-1)).toBe(runner.account.cash);
  });

  it('cancels a next-open order still waiting, so nothing fills after the stop', async () => {
    const data = randomBars(50, 6);
    let id = '';
    const runner: LiveRunner = new LiveRunner({
      feed: new ReplayFeed(data),
      strategy: ({ index }: StrategyContext) => (index >= 10 ? 1 : 0),
      onEvent: (e) => {
        if (e.type === 'order' && e.order.index === 10) {
          id = e.order.clientOrderId;
          runner.kill();
        }
      },
    });
    const r = await runner.run();
    expect(r.trades).toEqual([]);
    expect(runner.account.positions[0]).toBe(0);
    expect(id).toMatch(/^tg-[0-9a-z]+-10-0$/);
    expect(await runner.broker.status(id)).toMatchObject({ state: 'canceled' });
  });
});

describe('the daily loss limit', () => {
  it.each([
    ['UTC', 25],
    ['America/New_York', 30], // the New York day starts at 05:00 UTC in January
    ['Asia/Tokyo', 16], // 15:00 UTC the same day: the loss at 19:00 Tokyo is late in its day
  ])('in %s: flattens on the loss and opens nothing until the next local day (re-entry fills at bar %i)', async (timeZone, reentry) => {
    const data = bars(60, 10, 97);
    const risk = { dailyLossLimit: 0.02, timeZone };
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: always(1), risk }).run();
    expect(r.riskEvents).toEqual([{ index: 10, kind: 'daily-loss-limit' }]);
    expect(r.trades[0]).toMatchObject({ entryIndex: 1, exitIndex: 10, exitPrice: 97 });
    expect(runner(r.positions, 11, reentry)).toBe(0);
    expect(r.positions[reentry]).toBeGreaterThan(0);
    expect(backtest({ data, strategy: always(1), risk }).equity).toEqual(r.equity);
  });

  function runner(positions: Float64Array, from: number, to: number): number {
    return Math.max(...Array.from(positions.subarray(from, to), Math.abs));
  }
});

describe('the minimum hold', () => {
  it('keeps every position at least minHoldBars bars against a signal that flips each bar', async () => {
    const data = randomBars(400, 7);
    const flip = ({ index }: StrategyContext) => (index % 2 === 0 ? 1 : -1);
    const free = await new LiveRunner({ feed: new ReplayFeed(data), strategy: flip }).run();
    const held = await new LiveRunner({ feed: new ReplayFeed(data), strategy: flip, risk: { minHoldBars: 5 } }).run();
    expect(Math.min(...free.trades.map((t) => t.duration))).toBe(1);
    expect(held.trades.length).toBeGreaterThan(20);
    expect(Math.min(...held.trades.map((t) => t.duration))).toBeGreaterThanOrEqual(5);
  });

  it('does not hold back a stop', async () => {
    const data = bars(40, 5, 90);
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: always(1), risk: { minHoldBars: 20, stopLoss: 0.05 } }).run();
    expect(r.riskEvents[0]).toEqual({ index: 5, kind: 'stop-loss' });
    expect(r.trades[0]).toMatchObject({ entryIndex: 1, exitIndex: 5 });
  });
});

describe('the session close', () => {
  it('is flat for the last 30 minutes before 16:00 New York every day, and back in after', async () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 6, seed: 4 });
    const risk = { sessionClose: { time: '16:00', minutesBefore: 30 }, timeZone: 'America/New_York' };
    const r = await new LiveRunner({ feed: new ReplayFeed(data), strategy: always(1), risk }).run();
    const ny = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    let windows = 0;
    r.timestamps.forEach((ts, k) => {
      const hm = ny.format(ts);
      if (k > 0 && (hm === '15:30' || hm === '15:45')) {
        windows++;
        expect(r.positions[k], hm).toBe(0);
      }
      if (k > 1 && hm === '16:15') expect(r.positions[k]).toBeGreaterThan(0);
    });
    expect(windows).toBeGreaterThanOrEqual(10);
    expect(r.riskEvents.filter((e) => e.kind === 'session-close').length).toBe(r.trades.length);
  });
});

describe('the order rate', () => {
  it('refuses signal orders beyond the limit in a rolling minute, and lets exits through', async () => {
    const data = randomBars(200, 8);
    let clock = 0;
    const placed: number[] = [];
    const blocked: number[] = [];
    await new LiveRunner({
      feed: new ReplayFeed(data),
      strategy: ({ index }: StrategyContext) => (index % 2 === 0 ? 1 : -1),
      risk: { maxOrders: { perMinute: 3, perHour: 100 }, stopLoss: 0.004 },
      now: () => clock,
      onEvent: (e) => {
        if (e.type === 'bar') clock += 10_000; // a bar every 10 s
        if (e.type === 'order') placed.push(clock);
        if (e.type === 'risk' && e.rule === 'order-rate') blocked.push(clock);
      },
    }).run();
    expect(blocked.length).toBeGreaterThan(50);
    const signalOrders = placed.length;
    expect(signalOrders).toBeLessThanOrEqual(100 + 10); // perHour caps the signal orders (exits may add)
    for (const t of placed) expect(placed.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(4);
  });
});

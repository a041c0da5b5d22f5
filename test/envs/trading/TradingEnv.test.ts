import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Account,
  checkEnv,
  DataValidationError,
  EnvClosedError,
  FeatureFrame,
  FeaturePipeline,
  InvalidActionError,
  InvalidArgumentError,
  MarketData,
  PortfolioEnv,
  TimeLimit,
  TradingEnv,
  backtest,
  type Trade,
  type TradingEnvOptions,
} from '../../../src/index.js';
import { randomBars } from '../../helpers/randomBars.js';

const H = 3_600_000;
// four hourly bars: opens 100, 101, 103, 105; closes 100, 102, 104, 106
const bars = new MarketData({
  timeframe: '1h',
  timestamps: [0, H, 2 * H, 3 * H],
  open: [100, 101, 103, 105],
  high: [100, 102, 104, 106],
  low: [100, 101, 103, 105],
  close: [100, 102, 104, 106],
  volume: [1, 1, 1, 1],
});
const flatFeature = new FeatureFrame(bars.timestamps, ['one'], [new Float64Array(4).fill(1)]);
const scenario = (o: Partial<TradingEnvOptions> = {}) => new TradingEnv({ data: bars, features: flatFeature, windowSize: 1, fee: 10, ...o });

function run(env: TradingEnv, actions: (number | Float32Array)[]) {
  const out = [env.reset({ seed: 0 })];
  const steps = actions.map((a) => env.step(a));
  return { reset: out[0]!, steps };
}

describe('TradingEnv: three bars by hand, 10 bps fee, next-open fills', () => {
  // Long at the open of bar 1 (101) with all of 10,000, net of the fee:
  //   notional N = 10000 / (1 + 0.001) = 9990.00999, units u = N / 101 = 98.910990, fee 9.99001, cash 0
  //   equity at close 1 (102): u * 102 = 10088.92;  at close 2 (104): u * 104 = 10286.74
  //   close at the open of bar 3 (105): proceeds u * 105 = 10385.65, fee 10.38565 -> 10375.27
  it('long then close', () => {
    const env = scenario();
    const { steps } = run(env, [1, 0, 3]);
    expect(steps.map((s) => s.info.equity as number)).toEqual([
      expect.closeTo(10088.92, 2),
      expect.closeTo(10286.74, 2),
      expect.closeTo(10375.27, 2),
    ]);
    expect(steps[2]!.truncated).toBe(true);
    const trade = env.account.trades[0]!;
    expect(trade.entryPrice).toBe(101);
    expect(trade.exitPrice).toBe(105);
    expect(trade.pnl).toBeCloseTo(375.27, 2); // (105 - 101) u - 9.99001 - 10.38565
    expect(trade.fees).toBeCloseTo(20.38, 2);
    expect(trade.duration).toBe(2);
    expect(steps[2]!.info.summary).toEqual({ return: expect.closeTo(0.037527, 6), trades: 1, fees: expect.closeTo(20.38, 2), maxDrawdown: 0, finalEquity: expect.closeTo(10375.27, 2), steps: 3 });
  });

  // Short 98.910990 units at 101: cash 10000 + 9990.00999 - 9.99001 = 19980.02; borrow 1e-4 per bar
  // on the short notional at each close: 98.91099 * 102 * 1e-4 = 1.00889, then * 104 -> 1.02867.
  //   equity at close 1: 19980.02 - 1.00889 - u * 102 = 9890.09; at close 2: 9691.24
  //   buy back at 105: 10385.65 + fee 10.38565 -> 9581.94
  it('short then close, with borrow', () => {
    const env = scenario({ borrowRate: 1e-4 });
    const { steps } = run(env, [2, 0, 3]);
    expect(steps.map((s) => s.info.equity as number)).toEqual([expect.closeTo(9890.09, 2), expect.closeTo(9691.24, 2), expect.closeTo(9581.94, 2)]);
    expect(env.account.borrowPaid).toBeCloseTo(2.04, 2);
    expect(env.account.trades[0]!.pnl).toBeCloseTo(-418.06, 2); // (101 - 105) u - fees - borrow
    expect(env.account.trades[0]!.side).toBe(-1);
  });

  // execution 'close': the action on bar 0 fills at its close (100): u = 9990.00999 / 100;
  // equity u * 102 = 10189.81, u * 104 = 10389.61; closing at close 2 (104) less 0.1% -> 10379.22
  it("execution 'close' fills at the observed bar's close", () => {
    const { steps } = run(scenario({ execution: 'close' }), [1, 0, 3]);
    expect(steps.map((s) => s.info.equity as number)).toEqual([expect.closeTo(10189.81, 2), expect.closeTo(10389.61, 2), expect.closeTo(10379.22, 2)]);
  });

  it('closes an open position at the end, with its fee, so the episode PnL is realised', () => {
    const env = scenario();
    const { steps } = run(env, [1, 0, 0]);
    // still long at the end: sold at the last close 106, fee 0.1%: u * 106 * 0.999
    expect(steps[2]!.info.equity).toBeCloseTo(98.91099000009892 * 106 * 0.999, 6);
    expect(env.account.positions[0]).toBe(0);
    expect(env.account.trades).toHaveLength(1);
  });

  it('discrete-4 masks the actions that do not apply, and taking one is a hold', () => {
    const env = scenario();
    expect(Array.from(env.reset().info.actionMask as Int8Array)).toEqual([1, 1, 1, 0]);
    const long = env.step(1);
    expect(Array.from(long.info.actionMask as Int8Array)).toEqual([1, 0, 0, 1]);
    const units = env.account.positions[0];
    env.step(2); // short while long: masked, a hold
    expect(env.account.positions[0]).toBe(units);
  });

  it('discrete-3 and continuous set targets', () => {
    const d3 = scenario({ actionScheme: 'discrete-3' });
    d3.reset();
    d3.step(0); // short
    expect(d3.account.positions[0]).toBeLessThan(0);
    const cont = scenario({ actionScheme: 'continuous', fee: 0 });
    cont.reset();
    cont.step(Float32Array.of(0.5)); // half of equity at 101
    expect(cont.account.positions[0]! * 101).toBeCloseTo(5000, 9);
    const longOnly = scenario({ actionScheme: 'continuous', longOnly: true });
    expect(longOnly.actionSpace.contains(Float32Array.of(-0.5))).toBe(false);
  });
});

describe('TradingEnv invariants (properties)', () => {
  const data = randomBars(300, 21);
  const features = new FeaturePipeline(['logReturns', 'rsi']).compute(data);

  it('equity = cash + position x close; fees >= 0; the pnl component equals the change in equity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 20 }),
        (targets, fee, slip) => {
          const env = new TradingEnv({ data, features, windowSize: 8, actionScheme: 'continuous', fee, slippage: slip, borrowRate: 1e-4, maxLeverage: 2, positionSize: 2 });
          env.reset({ options: { start: 30 } });
          let prev = env.account.lastEquity;
          let feesBefore = 0;
          for (const a of targets) {
            const r = env.step(Float32Array.of(a));
            const acct = env.account;
            const close = data.close[env.barIndex]!;
            expect(acct.lastEquity).toBeCloseTo(acct.cash + acct.positions[0]! * close, 6);
            expect(r.info.equity).toBe(acct.lastEquity);
            expect(acct.feesPaid).toBeGreaterThanOrEqual(feesBefore);
            expect(r.info.fees as number).toBeGreaterThanOrEqual(0);
            feesBefore = acct.feesPaid;
            const comp = (r.info.rewardComponents as Record<string, number>).pnl!;
            expect(comp * prev).toBeCloseTo(acct.lastEquity - prev, 6);
            expect(r.reward).toBe(comp); // default weights: pnl only
            if (acct.positions[0] === 0) expect(acct.exposure([close])).toBe(0);
            prev = acct.lastEquity;
            if (r.terminated || r.truncated) break;
          }
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it('keeps gross exposure within maxLeverage x equity at every fill, across assets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ asset: fc.integer({ min: 0, max: 2 }), f: fc.double({ min: -5, max: 5, noNaN: true }), p: fc.double({ min: 1, max: 200, noNaN: true }) }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        (orders, lev) => {
          const acct = new Account({ initialCash: 1000, assets: 3, fee: 5, maxLeverage: lev });
          const prices = [50, 50, 50];
          for (const o of orders) {
            prices[o.asset] = o.p;
            acct.setTarget(o.asset, o.f, o.p, 0, undefined, prices);
            const equity = acct.equity(prices);
            // (a ruined book, equity <= 0, can only close positions; there is no cap to keep)
            if (equity > 0) expect(acct.exposure(prices)).toBeLessThanOrEqual(lev * equity * (1 + 1e-9) + 1e-9);
            expect(acct.feesPaid).toBeGreaterThanOrEqual(0);
            acct.mark(prices);
            expect(acct.lastEquity).toBeCloseTo(acct.cash + prices.reduce((a, p, i) => a + acct.positions[i]! * p, 0), 9);
          }
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });

  it('markRun charges borrow and marks exactly as mark called once per bar', () => {
    const closes = [100, 97, 101.5, 99.25, 103, 98];
    const run = (bulk: boolean) => {
      const acct = new Account({ initialCash: 10_000, fee: 7, borrowRate: 0.0003 });
      acct.setTarget(0, -0.8, 100, 0);
      const out = new Float64Array(closes.length);
      if (bulk) acct.markRun(closes, 1, closes.length, out, 0);
      else for (let b = 1; b < closes.length; b++) out[b] = acct.mark([closes[b]!]);
      acct.setTarget(0, 0, 98, closes.length);
      return { out: Array.from(out), cash: acct.cash, borrow: acct.borrowPaid, trade: acct.trades[0]!.borrow, last: acct.lastEquity };
    };
    const bulk = run(true);
    expect(bulk).toEqual(run(false));
    // a short of 0.8 x 10000 / (1 + 0.8 x 0.0007) units at 100 pays 0.03 % of its notional per bar
    const units = 8000 / (1 + 0.8 * 7e-4) / 100;
    expect(bulk.borrow).toBeCloseTo(units * 0.0003 * (97 + 101.5 + 99.25 + 103 + 98), 9);
    expect(() => new Account({ initialCash: 1, assets: 2 }).markRun([1], 0, 1, new Float64Array(1), 0)).toThrow(/assets must be 1 for markRun/);
  });

  it('with zero fee and slippage, a round trip at an unchanged price leaves equity unchanged', () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 1e4, noNaN: true }), (f, price) => {
        const acct = new Account({ initialCash: 10_000, maxLeverage: 3 });
        acct.setTarget(0, f, price, 0);
        acct.setTarget(0, 0, price, 1);
        expect(acct.positions[0]).toBe(0);
        expect(acct.equity([price])).toBeCloseTo(10_000, 8);
        expect(acct.feesPaid).toBe(0);
      }),
      { numRuns: 200, seed: 6 },
    );
  });

  // Perturb every price and feature after bar t; replay the same actions. Observations up to
  // t and every fill before bar t+1 must be identical.
  it('no look-ahead: observations up to t and fills before t+1 ignore everything after t', () => {
    fc.assert(
      fc.property(fc.integer({ min: 31, max: 120 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 130, maxLength: 130 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (t, actions, scale) => {
        const cols = { open: data.open.slice(), high: data.high.slice(), low: data.low.slice(), close: data.close.slice(), volume: data.volume.slice() };
        for (let i = t + 1; i < data.length; i++) {
          cols.open[i]! *= scale;
          cols.high[i]! *= scale;
          cols.low[i]! *= scale;
          cols.close[i]! *= scale;
          cols.volume[i]! *= 2;
        }
        const other = new MarketData({ ...cols, timestamps: data.timestamps, timeframe: '1h' });
        const featsA = new FeaturePipeline(['logReturns', 'rsi']).compute(data);
        const featsB = new FeaturePipeline(['logReturns', 'rsi']).compute(other);
        const record = (d: MarketData, f: FeatureFrame) => {
          const env = new TradingEnv({ data: d, features: f, windowSize: 8, fee: 10 });
          const obs: Float32Array[] = [env.reset({ options: { start: 30 } }).observation];
          for (const a of actions) {
            if (env.barIndex >= t) break; // the observation after this step would include bar t + 1
            obs.push(env.step(a).observation);
          }
          return { obs, fills: env.account.trades.filter((tr) => tr.exitIndex <= t), cash: env.account.cash };
        };
        const a = record(data, featsA);
        const b = record(other, featsB);
        expect(b.obs).toEqual(a.obs);
        expect(b.fills).toEqual(a.fills);
        expect(b.cash).toBe(a.cash);
      }),
      { numRuns: 30, seed: 7 },
    );
  });

  it('is deterministic: the same seed and actions give the same trajectory', () => {
    const go = () => {
      const env = new TradingEnv({ data, features, windowSize: 8, episodeLength: 100 });
      env.reset({ seed: 3 });
      env.actionSpace.seed(3);
      const out: number[] = [];
      for (let i = 0; i < 100; i++) {
        const r = env.step(env.actionSpace.sample());
        out.push(r.reward, ...r.observation);
        if (r.terminated || r.truncated) break;
      }
      return out;
    };
    expect(go()).toEqual(go());
  });
});

describe('TradingEnv conformance and options', () => {
  const data = randomBars(400, 22);
  it.each(['discrete-4', 'discrete-3', 'continuous'] as const)('passes checkEnv with %s', (actionScheme) => {
    const env = new TradingEnv({ data, windowSize: 10, actionScheme, episodeLength: 50 });
    expect(checkEnv(env as never)).toContain('reset-needed');
  });

  it('terminates when the drawdown passes maxDrawdown', () => {
    // a market that falls 1% a bar; long all the way down
    const n = 60;
    const close = Array.from({ length: n }, (_, i) => 100 * 0.99 ** i);
    const falling = new MarketData({ timeframe: '1h', timestamps: close.map((_, i) => i * H), open: close, high: close, low: close, close, volume: close.map(() => 1) });
    const env = new TradingEnv({ data: falling, windowSize: 2, fee: 0, maxDrawdown: 0.1, actionScheme: 'discrete-3' });
    env.reset();
    let steps = 0;
    let last;
    do {
      last = env.step(2);
      steps++;
    } while (!last.terminated && !last.truncated);
    expect(last.terminated).toBe(true);
    // 0.99^k < 0.9 first at k = 11; the first fill is one bar after the first step
    expect(steps).toBe(12);
    expect(last.info.summary).toMatchObject({ maxDrawdown: expect.closeTo(1 - 0.99 ** 11, 9) });
  });

  it('random starts are seeded and episodes have episodeLength steps', () => {
    const env = new TradingEnv({ data, windowSize: 10, episodeLength: 25 });
    const s1 = env.reset({ seed: 9 }).info.bar;
    const s2 = new TradingEnv({ data, windowSize: 10, episodeLength: 25 }).reset({ seed: 9 }).info.bar;
    expect(s1).toBe(s2);
    let n = 0;
    for (;;) {
      n++;
      const r = env.step(0);
      if (r.truncated) break;
    }
    expect(n).toBe(25);
  });

  it('reward components: trade penalty, differential Sharpe by hand, and a user function', () => {
    const env = scenario({ reward: { weights: { pnl: 0, tradePenalty: 1 } } });
    env.reset();
    expect(env.step(1).reward).toBe(-1); // opens a trade
    expect(env.step(0).reward).toBe(0);
    // differential Sharpe: A0 = B0 = 0, so the first step has a zero denominator (0). Second
    // step with R1 = r1 before: A1 = eta r1, B1 = eta r1^2; D2 = (B1 (r2 - A1) - A1 (r2^2 - B1) / 2) / (B1 - A1^2)^1.5
    const dsr = scenario({ reward: { weights: { pnl: 0, differentialSharpe: 1 }, eta: 0.5 } });
    dsr.reset();
    const first = dsr.step(1);
    expect(first.reward).toBe(0);
    const second = dsr.step(0);
    const r1 = 10088.92098001009 / 10000 - 1;
    const r2 = 10286.742960010288 / 10088.92098001009 - 1;
    const A1 = 0.5 * r1;
    const B1 = 0.5 * r1 * r1;
    expect(second.reward).toBeCloseTo((B1 * (r2 - A1) - 0.5 * A1 * (r2 * r2 - B1)) / (B1 - A1 * A1) ** 1.5, 9);
    const user = scenario({ reward: (ctx) => ctx.equity - ctx.prevEquity });
    user.reset();
    expect(user.step(1).reward).toBeCloseTo(88.92, 2);
  });

  it('reward components by hand: fee, benchmark, profit bonus, drawdown, idle, rolling Sharpe', () => {
    const comps = (env: TradingEnv, actions: number[]) => {
      env.reset();
      return actions.map((a) => env.step(a).info.rewardComponents as Record<string, number>);
    };
    // long scenario: equities 10000 -> 10088.92098 -> 10286.74296 -> 10375.26830
    const e = [10000, 10088.92098001009, 10286.742960010288, 10375.268296060376];
    const long = comps(scenario({ reward: { idleThreshold: 0 } }), [1, 0, 3]);
    expect(long[0]!.fee).toBeCloseTo(-9.990009990009991 / 10000, 12); // the entry fee over equity
    expect(long[0]!.benchmark).toBeCloseTo(e[1]! / e[0]! - 1 - (102 / 100 - 1), 12); // vs close 100 -> 102
    expect(long[2]!.profitBonus).toBeCloseTo(375.2682960603753 / e[2]!, 9); // the closed trade's profit
    expect(long[1]!.profitBonus).toBe(0);
    expect(long[2]!.idle).toBe(-1); // flat again, threshold 0
    const r1 = e[1]! / e[0]! - 1;
    const r2 = e[2]! / e[1]! - 1;
    const m = (r1 + r2) / 2;
    expect(long[1]!.sharpe).toBeCloseTo(m / Math.sqrt(((r1 - m) ** 2 + (r2 - m) ** 2) / 1), 9); // ddof 1 over 2
    // short scenario (no borrow): equity falls from 10000, so the drawdown grows every step
    const short = comps(scenario(), [2, 0]);
    const s1 = 10000 + 9990.00999000999 - 9.990009990009991 - 98.91099000009892 * 102;
    const s2 = 10000 + 9990.00999000999 - 9.990009990009991 - 98.91099000009892 * 104;
    expect(short[0]!.drawdown).toBeCloseTo(-(1 - s1 / 10000), 12);
    expect(short[1]!.drawdown).toBeCloseTo(-((1 - s2 / 10000) - (1 - s1 / 10000)), 12);
  });

  it.each([
    [{ windowSize: 400 }, /windowSize must leave at least one step/],
    [{ fee: -1 }, /fee must be a finite number >= 0, got -1/],
    [{ fee: Number.NaN }, /fee must be a finite number >= 0, got NaN/],
    [{ slippage: -2 }, /slippage must be a number of bps in \[0, 10000\), got -2/],
    [{ featureColumns: ['nope'] }, /name must be a feature column, got "nope"; columns: logReturns_1/],
    [{ actionScheme: 'discrete-5' }, /actionScheme must be one of 'discrete-4', 'discrete-3', 'continuous', got "discrete-5"/],
    [{ episodeLength: 10_000 }, /episodeLength must be at most/],
    [{ maxDrawdown: 0 }, /maxDrawdown must be a number in \(0, 1\], got 0/],
    [{ windowsize: 3 }, /options\.windowsize is not a known option/],
    [{ reward: { weights: { pnll: 1 } } }, /reward\.weights\.pnll is not a known option/],
  ])('rejects %j', (opts, message) => {
    expect(() => new TradingEnv({ data, ...(opts as object) } as TradingEnvOptions)).toThrow(InvalidArgumentError);
    expect(() => new TradingEnv({ data, ...(opts as object) } as TradingEnvOptions)).toThrow(message);
  });

  it('rejects features that are not aligned with the data, and actions outside the space', () => {
    const f = new FeaturePipeline(['rsi']).compute(data.slice(1));
    expect(() => new TradingEnv({ data, features: f })).toThrow(/features must be aligned with data \(400 bars from/);
    const env = new TradingEnv({ data, windowSize: 5 });
    env.reset();
    expect(() => env.step(4)).toThrow(InvalidActionError);
    const cont = new TradingEnv({ data, windowSize: 5, actionScheme: 'continuous' });
    cont.reset();
    expect(() => cont.step(Float32Array.of(1.5))).toThrow(/action must be in Box\(-1, 1, \[1\], float32\), got Float32Array\(1\) \[1\.5\]/);
  });

  it('renders one line', () => {
    const env = scenario();
    env.reset();
    expect(env.render()).toBe('bar 0 1970-01-01T00:00:00.000Z close 100.00 pos +0.00 equity 10000.00');
  });
});

describe('TradingEnv hardening (issue 14)', () => {
  const data = randomBars(200, 3);

  it('step and reset after close() throw EnvClosedError, on the env and through wrappers', () => {
    const env = new TradingEnv({ data, windowSize: 4 });
    env.reset({ seed: 0 });
    env.close();
    expect(env.closed).toBe(true);
    expect(() => env.step(0)).toThrow(EnvClosedError);
    expect(() => env.step(0)).toThrow(/step\(\) called after close\(\)/);
    expect(() => env.reset()).toThrow(EnvClosedError);
    const wrapped = new TimeLimit(new TradingEnv({ data, windowSize: 4 }), 10);
    wrapped.reset({ seed: 0 });
    wrapped.close();
    expect(() => wrapped.step(0)).toThrow(EnvClosedError);
    expect(() => wrapped.unwrapped.step(0)).toThrow(EnvClosedError);
    expect(() => env.close()).not.toThrow(); // twice is fine
  });

  it('rejects NaN or float32-overflowing features after the warm-up rows, naming the column and row', () => {
    const col = new Float64Array(data.length).fill(0.5);
    col[0] = Number.NaN; // inside the warm-up: never observed
    col[150] = Number.NaN;
    const frame = new FeatureFrame(data.timestamps, ['x'], [col]); // warm-up: the leading NaN row
    expect(() => new TradingEnv({ data, features: frame, windowSize: 4 })).toThrow(DataValidationError);
    expect(() => new TradingEnv({ data, features: frame, windowSize: 4 })).toThrow(/features.x\[150\] must be finite after the 1 warm-up rows/);
    col[150] = 1e39; // finite as a float64, Infinity as a float32
    expect(() => new TradingEnv({ data, features: frame, windowSize: 4 })).toThrow(/features.x\[150\] must be finite/);
    col[150] = 0.5;
    expect(() => new TradingEnv({ data, features: frame, windowSize: 4 })).not.toThrow();
  });

  it('rejects a positionSize above maxLeverage instead of cutting full signals silently', () => {
    expect(() => new TradingEnv({ data, windowSize: 4, positionSize: 5 })).toThrow(/positionSize must be <= maxLeverage \(1\).*got 5/);
    expect(() => new TradingEnv({ data, windowSize: 4, positionSize: 2, maxLeverage: 2 })).not.toThrow();
  });

  it('declares its info type: the mask, summary and closed trade need no casts', () => {
    const env = new TradingEnv({ data, windowSize: 4, fee: 0 });
    let { info } = env.reset({ seed: 1 });
    expectTypeOf(info.actionMask).toEqualTypeOf<Int8Array | undefined>();
    expectTypeOf(info.equity).toEqualTypeOf<number>();
    const closed: Trade[] = [];
    for (let i = 0; i < 60; i++) {
      const r = env.step(env.actionSpace.sample(info.actionMask));
      info = r.info;
      closed.push(...(info.closedTrades ?? []));
      if (r.terminated || r.truncated) break;
    }
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((t) => Number.isFinite(t.pnl))).toBe(true);
  });

  it('takes its bars from a pipeline frame when data is left out, and says so when they disagree', () => {
    const frame = new FeaturePipeline(['logReturns', 'rsi']).compute(data).dropWarmup();
    const env = new TradingEnv({ features: frame, windowSize: 4 });
    expect(env.data).toBe(frame.bars);
    expect(() => new TradingEnv({ data, features: frame, windowSize: 4 })).toThrow(/these features carry their own bars: pass data: features.bars/);
    expect(() => new TradingEnv({ windowSize: 4 } as TradingEnvOptions)).toThrow(/data must be a MarketData \(or features from FeaturePipeline.compute/);
  });

  it('refuses bars declared with allowNonPositivePrices when a price it would trade at is <= 0', () => {
    const raw = { timeframe: '1h', timestamps: [0, H, 2 * H, 3 * H, 4 * H], open: [1, 1, -1, 1, 1], high: [1, 1, 1, 1, 1], low: [1, 1, -1, 1, 1], close: [1, 1, 1, 1, 1], volume: [1, 1, 1, 1, 1] };
    const negative = new MarketData({ ...raw, allowNonPositivePrices: true });
    expect(() => new TradingEnv({ data: negative, windowSize: 1 })).toThrow(/data.open\[2\] must be > 0 to trade/);
    expect(() => backtest({ data: negative, strategy: [1, 1, 1, 1, 1] })).toThrow(/data.open\[2\] must be > 0 to trade/);
    expect(() => new PortfolioEnv({ assets: [negative], windowSize: 1 })).toThrow(/assets\[0\].open\[2\] must be > 0 to trade/);
  });
});

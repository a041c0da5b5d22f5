import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Account, InvalidArgumentError } from '../../../src/index.js';

describe('Account: trade PnL at the average cost of the units still open', () => {
  it('realises a partial reduce at the average cost and leaves the cost unchanged (the issue 14 reproduction)', () => {
    const a = new Account({ initialCash: 10_000 });
    a.trade(0, 10, 100, 0); // 10 @ 100, cost 100
    a.trade(0, -5, 110, 1); // realise 5 * (110 - 100) = 50; 5 open at 100
    expect(a.openTrade(0)?.entryPrice).toBe(100);
    a.trade(0, 5, 120, 2); // 10 open, cost (5 * 100 + 5 * 120) / 10 = 110
    expect(a.openTrade(0)?.entryPrice).toBe(110);
    a.trade(0, -10, 120, 3); // realise 10 * (120 - 110) = 100
    const t = a.trades[0];
    expect(a.trades).toHaveLength(1);
    expect(t?.pnl).toBe(150);
    expect(a.cash - 10_000).toBe(150);
    // entry and exit prices average every adding and every reducing fill
    expect(t?.entryPrice).toBeCloseTo((10 * 100 + 5 * 120) / 15, 12);
    expect(t?.exitPrice).toBeCloseTo((5 * 110 + 10 * 120) / 15, 12);
    expect(t?.size).toBe(10);
  });

  it('a short: adds raise the average cost, reductions realise against it; fees and borrow count', () => {
    const a = new Account({ initialCash: 10_000, fee: 10, borrowRate: 0.001 });
    a.trade(0, -4, 50, 0); // short 4 @ 50, fee 4 * 50 * 0.001 = 0.2
    a.mark([50]); // borrow 4 * 50 * 0.001 = 0.2
    a.trade(0, 2, 40, 1); // cover 2 @ 40: realise -1 * (40 - 50) * 2 = 20, fee 0.08
    a.trade(0, -2, 60, 2); // short 2 more @ 60: cost (2 * 50 + 2 * 60) / 4 = 55, fee 0.12
    expect(a.openTrade(0)).toEqual({ side: -1, entryIndex: 0, entryPrice: 55 });
    a.mark([60]); // borrow 4 * 60 * 0.001 = 0.24
    a.trade(0, 4, 45, 3); // cover 4 @ 45: realise -1 * (45 - 55) * 4 = 40, fee 0.18
    const t = a.trades[0];
    expect(t?.fees).toBeCloseTo(0.2 + 0.08 + 0.12 + 0.18, 12);
    expect(t?.borrow).toBeCloseTo(0.2 + 0.24, 12);
    expect(t?.pnl).toBeCloseTo(20 + 40 - 0.58 - 0.44, 10);
    expect(t?.pnl).toBeCloseTo(a.cash - 10_000, 10);
  });

  it('a flip closes one trade and opens the next, splitting the fill fee by units', () => {
    const a = new Account({ initialCash: 10_000, fee: 100 }); // 1%
    a.trade(0, 2, 100, 0); // fee 2
    a.trade(0, -5, 110, 1); // close 2 (fee 2.2), open short 3 (fee 3.3)
    expect(a.trades[0]?.pnl).toBeCloseTo(2 * 10 - 2 - 2.2, 10);
    expect(a.openTrade(0)).toEqual({ side: -1, entryIndex: 1, entryPrice: 110 });
    a.trade(0, 3, 100, 2); // cover at 100: 3 * 10 - 3.3 - 3
    expect(a.trades[1]?.pnl).toBeCloseTo(30 - 3.3 - 3, 10);
  });

  it('a position smaller than 1e-12 units is kept, not zeroed after its cash was paid (equity is conserved)', () => {
    // found on a 1,000,000-bar backtest whose equity had fallen to 6.5e-7 at a price near 1e6:
    // the 6.6e-13 units bought were set to 0 and the equity became exactly 0. Equity after a
    // buy = cash + units x price = 1e-6 - fee; with no fee, 1e-6 exactly as before
    const a = new Account({ initialCash: 1e-6 });
    a.trade(0, 1e-12 / 2, 1e6, 0); // 5e-13 units for 5e-7
    expect(a.positions[0]).toBe(5e-13);
    expect(a.mark([1e6])).toBeCloseTo(1e-6, 18);
    a.trade(0, -5e-13, 1e6, 1); // and it closes flat
    expect(a.positions[0]).toBe(0);
    expect(a.trades).toHaveLength(1);
    // a close's float noise still counts as flat: 0.3 - 0.1 - 0.2 leaves -2.8e-17
    const b = new Account({ initialCash: 1e3 });
    b.trade(0, 0.3, 1, 0);
    b.trade(0, -0.1, 1, 1);
    b.trade(0, -0.2, 1, 2);
    expect(b.positions[0]).toBe(0);
    expect(b.trades).toHaveLength(1);
  });

  it('over any random sequence of fills that ends flat, trade PnLs add up to the change in cash', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: 1, max: 200, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.double({ min: 0, max: 1e-3, noNaN: true }),
        (fills, fee, slippage, borrowRate) => {
          const a = new Account({ initialCash: 1e6, fee, slippage, borrowRate });
          fills.forEach(([units, price, mark], i) => {
            a.trade(0, units, price, i);
            if (mark) a.mark([price]);
          });
          const last = fills[fills.length - 1]?.[1] as number;
          if (a.positions[0] !== 0) a.trade(0, -(a.positions[0] as number), last, fills.length);
          const sum = a.trades.reduce((s, t) => s + t.pnl, 0);
          expect(Math.abs(sum - (a.cash - 1e6))).toBeLessThan(1e-7 * (1 + a.feesPaid + Math.abs(sum)));
          // every fee and every bar of borrow belongs to some trade
          expect(a.trades.reduce((s, t) => s + t.fees, 0)).toBeCloseTo(a.feesPaid, 6);
          expect(a.trades.reduce((s, t) => s + t.borrow, 0)).toBeCloseTo(a.borrowPaid, 6);
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });
});

describe('Account.setTarget: costs and the leverage cap are exact', () => {
  it('slippage does not push exposure past the cap (issue 14: slippage 50, target 1x gave 1.005x)', () => {
    const a = new Account({ initialCash: 10_000, slippage: 50 });
    a.setTarget(0, 1, 100, 0);
    expect(a.cash).toBeGreaterThanOrEqual(-1e-9);
    expect(a.exposure([100]) / a.equity([100])).toBeCloseTo(1, 12);
  });

  it('hits the target exactly, and never exceeds the cap, for random fees, slippage, leverage and books', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 100 }),
        fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(-1)), // -1: a slippage function
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.array(fc.tuple(fc.nat(2), fc.double({ min: -4, max: 4, noNaN: true }), fc.array(fc.double({ min: 5, max: 500, noNaN: true }), { minLength: 3, maxLength: 3 })), { minLength: 1, maxLength: 12 }),
        (assets, fee, slip, maxLeverage, steps) => {
          const slippage = slip >= 0 ? slip : ({ units, price }: { units: number; price: number }) => Math.min(80, (Math.abs(units) * price) / 5000);
          const a = new Account({ initialCash: 10_000, assets, fee, slippage, maxLeverage });
          steps.forEach(([asset, f, px], i) => {
            const k = asset % assets;
            const prices = px.slice(0, assets);
            const p = prices[k] as number;
            const before = a.equity(prices);
            a.setTarget(k, f, p, i, undefined, prices);
            if (!(before > 0)) {
              expect(a.positions[k]).toBe(0); // bankrupt: the position is only closed
              return;
            }
            const e = a.equity(prices);
            const gross = a.exposure(prices);
            // the other assets' exposure is not this call's to cut (their prices may have moved)
            const others = gross - Math.abs((a.positions[k] as number) * p);
            if (others <= maxLeverage * e) expect(gross).toBeLessThanOrEqual(maxLeverage * e * (1 + 1e-9) + 1e-9);
            // within the cap, the position is the target fraction of the equity left after costs
            const room = maxLeverage * e - others;
            const want = Math.sign(f) * Math.min(Math.abs(f) * e, Math.max(0, room));
            expect(Math.abs((a.positions[k] as number) * p - want)).toBeLessThanOrEqual(1e-6 * Math.abs(e) + 1e-9 * Math.abs(want));
          });
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });
});

describe('Account input checks', () => {
  const acct = () => new Account({ initialCash: 1000, assets: 2 });
  it.each([
    ['setTarget with a NaN fraction', () => acct().setTarget(0, Number.NaN, 100, 0, undefined, [100, 100]), /fraction must be a finite number, got NaN/],
    ['setTarget at price 0', () => acct().setTarget(0, 1, 0, 0, undefined, [100, 100]), /price must be a finite number > 0, got 0/],
    ['setTarget on asset 2 of 2', () => acct().setTarget(2, 1, 100, 0, undefined, [100, 100]), /asset must be an integer in \[0, 1\], got 2/],
    ['setTarget without prices on a multi-asset book', () => acct().setTarget(0, 1, 100, 0), /prices must be given for a book of 2 assets/],
    ['setTarget with a fractional bar index', () => acct().setTarget(0, 1, 100, 0.5, undefined, [100, 100]), /index must be an integer >= 0, got 0.5/],
    ['trade of Infinity units', () => acct().trade(0, Infinity, 100, 0), /units must be a finite number, got Infinity/],
    ['trade at a negative price', () => acct().trade(1, 1, -5, 0), /price must be a finite number > 0, got -5/],
    ['trade on asset -1', () => acct().trade(-1, 1, 5, 0), /asset must be an integer in \[0, 1\], got -1/],
    ['mark with too few prices', () => acct().mark([100]), /prices.length must be >= 2 \(one price per asset\), got 1/],
    ['mark with a NaN price', () => acct().mark([100, Number.NaN]), /prices\[1\] must be a finite number > 0, got NaN/],
    ['equity with a zero price', () => acct().equity([0, 1]), /prices\[0\] must be a finite number > 0, got 0/],
    ['openTrade of asset 5', () => acct().openTrade(5), /asset must be an integer in \[0, 1\], got 5/],
    ['markRun past the closes', () => new Account({ initialCash: 1 }).markRun([1, 2], 0, 3, new Float64Array(3), 0), /to must be <= closes.length \(2\), got 3/],
    ['markRun into too short an output', () => new Account({ initialCash: 1 }).markRun([1, 2], 0, 2, new Float64Array(1), 0), /out must be long enough for bars 0..1/],
    ['markRun over a zero close', () => new Account({ initialCash: 1 }).markRun([1, 0], 0, 2, new Float64Array(2), 0), /closes\[1\] must be a finite number > 0, got 0/],
    ['slippage of 10,000 bps', () => new Account({ initialCash: 1, slippage: 10_000 }), /slippage must be a number of bps in \[0, 10000\), got 10000/],
    ['a slippage function returning 10,000 bps', () => new Account({ initialCash: 1000, slippage: () => 10_000 }).trade(0, -1, 100, 0), /slippage\(\) must be a number of bps in \[0, 10000\), got 10000/],
    ['an unknown option', () => new Account({ initialCash: 1, maxLeverge: 2 } as never), /options.maxLeverge is not a known option/],
    ['a null option (not the default)', () => new Account({ initialCash: 1, fee: null } as never), /options\.fee must be a value, or left out for the default, got null/],
  ])('rejects %s', (_, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('a sell never fills at a price <= 0: slippage below 10,000 bps keeps the fill positive', () => {
    const a = new Account({ initialCash: 1000, slippage: 9_999 });
    const fill = a.trade(0, -1, 100, 0);
    expect(fill.price).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { Account, InvalidArgumentError, Rng, type AccountOptions, type SlippageContext } from '../../src/index.js';

/** Deep equality with `Object.is` on every number: bit for bit (NaN equal to NaN, -0 not 0). */
function same(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ArrayBuffer.isView(a) !== ArrayBuffer.isView(b) || Array.isArray(a) !== Array.isArray(b)) return `${path}: different shapes`;
  for (const k of ka) {
    const d = same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Everything observable about an account through its public API. */
function observed(acct: Account): unknown {
  return {
    cash: acct.cash,
    positions: Array.from(acct.positions),
    feesPaid: acct.feesPaid,
    borrowPaid: acct.borrowPaid,
    borrowByAsset: Array.from(acct.borrowByAsset),
    slippagePaid: acct.slippagePaid,
    lastEquity: acct.lastEquity,
    trades: acct.trades.map((t) => ({ ...t })),
    open: Array.from({ length: acct.assets }, (_, a) => acct.openTrade(a) ?? null),
  };
}

// a slippage function of the order and the bar: deterministic, so two accounts agree
const DROP = Symbol('drop');
const slipFn = (ctx: SlippageContext) => 2 + Math.min(50, Math.abs(ctx.units) * 0.01) + (ctx.bar.volume % 3);

function randomConfig(rng: Rng): AccountOptions {
  const assets = rng.integer(1, 4);
  return {
    initialCash: rng.uniform(100, 100_000),
    assets,
    fee: rng.uniform() < 0.3 ? 0 : rng.uniform(0, 30),
    slippage: rng.uniform() < 0.3 ? slipFn : rng.uniform() < 0.5 ? 0 : rng.uniform(0, 20),
    borrowRate: rng.uniform() < 0.5 ? 0 : rng.uniform(0, 1e-3),
    maxLeverage: rng.uniform(0.5, 3),
  };
}

/** A random operation, drawn from `rng`, applied to every account given (the same operation to each). */
function randomOp(rng: Rng, bar: number, prices: number[]): (acct: Account) => void {
  const n = prices.length;
  for (let a = 0; a < n; a++) prices[a] = (prices[a] as number) * Math.exp(rng.normal(0, 0.03));
  const asset = rng.integer(0, n);
  const price = prices[asset] as number;
  const px = prices.slice();
  const b = { open: price, high: price * 1.01, low: price * 0.99, close: price, volume: rng.integer(0, 100) };
  const kind = rng.integer(0, n === 1 ? 5 : 4);
  if (kind === 0) {
    const fraction = rng.uniform(-1.5, 1.5);
    const f = rng.uniform() < 0.15 ? 0 : fraction;
    return (acct) => void acct.setTarget(asset, f, price, bar, b, n === 1 ? undefined : px);
  }
  if (kind === 1) {
    const units = rng.normal(0, 20) || 1;
    return (acct) => void acct.trade(asset, units, price, bar, b);
  }
  if (kind === 2) {
    const units = rng.normal(0, 10) || 1;
    const fee = rng.uniform(0, 2);
    return (acct) => void acct.book(asset, units, price, fee, bar);
  }
  if (kind === 3) return (acct) => void acct.mark(px);
  // markRun over a few closes (single asset)
  const closes = Array.from({ length: 4 }, () => price * Math.exp(rng.normal(0, 0.02)));
  return (acct) => void acct.markRun(closes, 0, closes.length, new Float64Array(closes.length), 0);
}

describe('Account.snapshot and Account.restore', () => {
  it('round trip over random fill sequences, through JSON; then the original and the restored go on bit for bit', () => {
    const rng = new Rng(2024);
    let withTrades = 0;
    let withOpen = 0;
    for (let run = 0; run < 150; run++) {
      const config = randomConfig(rng);
      const acct = new Account(config);
      const prices = Array.from({ length: acct.assets }, () => rng.uniform(10, 500));
      const before = rng.integer(0, 40);
      let bar = 0;
      for (let k = 0; k < before; k++) randomOp(rng, bar++, prices)(acct);
      const snap = acct.snapshot();
      const json = JSON.stringify(snap);
      const copy = new Account(config);
      copy.trade(0, 1, 100, 0); // some state of its own, which restore must replace whole
      copy.restore(JSON.parse(json));
      expect(same(observed(copy), observed(acct))).toBeUndefined();
      expect(JSON.stringify(copy.snapshot())).toBe(json);
      if (acct.trades.length > 0) withTrades++;
      if (Array.from({ length: acct.assets }, (_, a) => acct.openTrade(a)).some((o) => o !== undefined)) withOpen++;
      // the same random operations on both: every private running total must have come back
      const after = rng.integer(1, 40);
      for (let k = 0; k < after; k++) {
        const op = randomOp(rng, bar++, prices);
        op(acct);
        op(copy);
        expect(same(observed(copy), observed(acct))).toBeUndefined();
      }
      // and closing every position settles the open trades into equal trade records
      for (let a = 0; a < acct.assets; a++) {
        const p = acct.positions[a] as number;
        if (p !== 0) {
          acct.trade(a, -p, prices[a] as number, bar);
          copy.trade(a, -p, prices[a] as number, bar);
        }
      }
      expect(same(observed(copy), observed(acct))).toBeUndefined();
      expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(acct.snapshot()));
    }
    // the sample covers what matters: closed trades and open ones at the snapshot
    expect(withTrades).toBeGreaterThan(30);
    expect(withOpen).toBeGreaterThan(30);
  });

  it('a restore that misses a private running total would show: the open trade decides the closed trade', () => {
    // two accounts with the same public state but different open-trade histories close different trades
    const a = new Account({ initialCash: 10_000 });
    a.trade(0, 10, 100, 0);
    a.trade(0, -5, 120, 1); // realised 100 so far, exit notional 600
    const b = new Account({ initialCash: 10_000 });
    b.restore(a.snapshot());
    a.trade(0, -5, 110, 2);
    b.trade(0, -5, 110, 2);
    // by hand: 5 * (120 - 100) + 5 * (110 - 100) = 150; exit price (600 + 550) / 10 = 115
    expect(b.trades[0]).toEqual({ asset: 0, side: 1, entryIndex: 0, exitIndex: 2, entryPrice: 100, exitPrice: 115, size: 10, pnl: 150, fees: 0, borrow: 0, duration: 2 });
    expect(b.trades).toEqual(a.trades);
  });

  it('is a deep copy: later fills do not change a snapshot taken before', () => {
    const acct = new Account({ initialCash: 1000, assets: 2 });
    acct.trade(1, 2, 100, 0);
    const snap = acct.snapshot();
    const text = JSON.stringify(snap);
    acct.trade(1, -2, 120, 1);
    acct.trade(0, 1, 50, 2);
    expect(JSON.stringify(snap)).toBe(text);
  });

  it('keeps NaN, Infinity, -Infinity and -0 through JSON (as strings)', () => {
    const acct = new Account({ initialCash: 1000 });
    acct.cash = NaN;
    acct.lastEquity = -0;
    acct.feesPaid = Infinity;
    acct.slippagePaid = -Infinity;
    const snap = JSON.parse(JSON.stringify(acct.snapshot())) as Record<string, unknown>;
    expect([snap.cash, snap.lastEquity, snap.feesPaid, snap.slippagePaid]).toEqual(['NaN', '-0', 'Infinity', '-Infinity']);
    const copy = new Account({ initialCash: 1000 });
    copy.restore(snap);
    expect(Object.is(copy.cash, NaN)).toBe(true);
    expect(Object.is(copy.lastEquity, -0)).toBe(true);
    expect(copy.feesPaid).toBe(Infinity);
    expect(copy.slippagePaid).toBe(-Infinity);
    expect(copy.borrowPaid).toBe(0);
  });

  it("refuses another configuration's snapshot, naming the entry", () => {
    const one = new Account({ initialCash: 1000 }).snapshot();
    const msg = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError);
        return (e as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(msg(() => new Account({ initialCash: 1000, assets: 2 }).restore(one))).toMatch(/^snapshot\.config\.assets must be 2 .*got 1$/);
    expect(msg(() => new Account({ initialCash: 1000, fee: 5 }).restore(one))).toMatch(/^snapshot\.config\.fee must be 5/);
    expect(msg(() => new Account({ initialCash: 2000 }).restore(one))).toMatch(/^snapshot\.config\.initialCash/);
    expect(msg(() => new Account({ initialCash: 1000, slippage: slipFn }).restore(one))).toMatch(/^snapshot\.config\.slippage must be "function"/);
    // a slippage function matches a slippage function
    const f = new Account({ initialCash: 1000, slippage: slipFn });
    f.trade(0, 2, 100, 0);
    const g = new Account({ initialCash: 1000, slippage: () => 1 });
    g.restore(f.snapshot());
    expect(g.positions[0]).toBe(2);
  });

  it('refuses malformed snapshots, naming the entry, and leaves the account as it was', () => {
    const acct = new Account({ initialCash: 1000, assets: 2 });
    acct.trade(0, 3, 100, 0);
    acct.trade(0, -3, 110, 1);
    acct.trade(1, -2, 50, 2);
    const good = JSON.parse(JSON.stringify(acct.snapshot())) as Record<string, unknown>;
    const target = new Account({ initialCash: 1000, assets: 2 });
    target.trade(0, 1, 10, 0);
    const kept = JSON.stringify(target.snapshot());
    /** The good snapshot with the entry at `path` set to `value` (deleted when `value` is `DROP`). */
    const edit = (path: (string | number)[], value: unknown): unknown => {
      const s = JSON.parse(JSON.stringify(good)) as unknown;
      let o = s as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (value === DROP) delete o[last];
      else o[last] = value;
      return s;
    };
    const open1 = (good.open as unknown[])[1];
    const cases: [unknown, RegExp][] = [
      [null, /^snapshot must be a plain object/],
      [[1, 2], /^snapshot must be a plain object/],
      [edit(['extra'], 1), /^snapshot\.extra is not a known/],
      [edit(['cash'], DROP), /^snapshot\.cash must be present/],
      [edit(['version'], 2), /^snapshot\.version must be 1, got 2/],
      [edit(['config', 'extra'], 1), /^snapshot\.config\.extra is not a known/],
      [edit(['cash'], 'lots'), /^snapshot\.cash must be a finite number, or one of/],
      [edit(['cash'], null), /^snapshot\.cash must be a value/],
      [edit(['positions'], [0]), /^snapshot\.positions must be an array of 2 numbers/],
      [edit(['borrowByAsset', 1], true), /^snapshot\.borrowByAsset\[1\] must be a finite number/],
      [edit(['trades'], {}), /^snapshot\.trades must be an array/],
      [edit(['trades', 0, 'side'], 0), /^snapshot\.trades\[0\]\.side must be 1 or -1, got 0$/],
      [edit(['trades', 0, 'asset'], 2), /^snapshot\.trades\[0\]\.asset must be an integer in \[0, 1\], got 2$/],
      [edit(['trades', 0, 'exitIndex'], -1), /^snapshot\.trades\[0\]\.exitIndex must be an integer >= 0/],
      [edit(['trades', 0, 'duration'], 1), /^snapshot\.trades\[0\]\.duration is not a known/],
      [edit(['trades', 0, 'pnl'], DROP), /^snapshot\.trades\[0\]\.pnl must be present/],
      [edit(['open'], [null]), /^snapshot\.open must be an array of 2/],
      [edit(['open', 1], null), /^snapshot\.open\[1\] must be an open trade, since positions\[1\] is -2/],
      [edit(['open', 0], open1), /^snapshot\.open\[0\] must be null, since positions\[0\] is 0/],
      [edit(['open', 1, 'side'], 1), /^snapshot\.open\[1\]\.side must be the side of positions\[1\]/],
      [edit(['open', 1, 'avgCost'], 'x'), /^snapshot\.open\[1\]\.avgCost must be a finite number/],
      [edit(['open', 1, 'entryIndex'], 1.5), /^snapshot\.open\[1\]\.entryIndex must be an integer/],
      [edit(['open', 1, 'extra'], 0), /^snapshot\.open\[1\]\.extra is not a known/],
    ];
    for (const [snap, re] of cases) {
      expect(() => target.restore(snap), re.source).toThrow(InvalidArgumentError);
      expect(() => target.restore(snap)).toThrow(re);
      expect(JSON.stringify(target.snapshot())).toBe(kept);
    }
    target.restore(good); // and the good one is accepted
    expect(JSON.stringify(target.snapshot())).toBe(JSON.stringify(good));
  });
});

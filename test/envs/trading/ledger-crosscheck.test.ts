// Randomized cross-check of the ledger (issue 14): Account, TradingEnv and backtest() against
// the independent reference ledger in test/helpers/referenceLedger.ts, over hundreds of seeded
// random cases (bars with gaps, fees, slippage constant or a function, borrow, leverage, both
// fill timings, every action scheme). Everything is compared to 1e-9 relative (against the
// quantity's natural scale: cash for money, cash / price for units): equity, cash, positions,
// fees, borrow, slippage, every closed trade and the open trade's average cost.
import { afterAll, describe, expect, it } from 'vitest';
import {
  Account,
  backtest,
  FeatureFrame,
  InvalidArgumentError,
  MarketData,
  Rng,
  TradingEnv,
  type ActionScheme,
  type Fill,
  type StrategyContext,
  type Trade,
  type TradingInfo,
} from '../../../src/index.js';
import { RefLedger, refCoverage, ZERO_BAR, type RefBar, type RefConfig, type RefFill, type RefSlippage, type RefTrade } from '../../helpers/referenceLedger.js';

const H = 3_600_000;
const REL = 1e-9;

// ---------------------------------------------------------------- comparison

/** Records the first disagreement of one case. */
class Diff {
  first: string | undefined;

  /** |actual - expected| <= 1e-9 max(|actual|, |expected|, scale). */
  num(what: string, actual: number | undefined, expected: number, scale: number): void {
    if (this.first !== undefined) return;
    if (actual === expected) return;
    const a = actual ?? Number.NaN;
    if (!(Math.abs(a - expected) <= REL * Math.max(Math.abs(a), Math.abs(expected), scale))) {
      this.first = `${what}: got ${actual}, expected ${expected}`;
    }
  }

  same(what: string, actual: unknown, expected: unknown): void {
    if (this.first === undefined && actual !== expected) this.first = `${what}: got ${String(actual)}, expected ${String(expected)}`;
  }

  trade(what: string, t: Trade | undefined, r: RefTrade | undefined, cash: number): void {
    if (t === undefined || r === undefined) return this.same(`${what} present`, t !== undefined, r !== undefined);
    const units = cash / r.entryPrice;
    this.same(`${what}.asset`, t.asset, r.asset);
    this.same(`${what}.side`, t.side, r.side);
    this.same(`${what}.entryIndex`, t.entryIndex, r.entryIndex);
    this.same(`${what}.exitIndex`, t.exitIndex, r.exitIndex);
    this.same(`${what}.duration`, t.duration, r.duration);
    this.num(`${what}.entryPrice`, t.entryPrice, r.entryPrice, 0);
    this.num(`${what}.exitPrice`, t.exitPrice, r.exitPrice, 0);
    this.num(`${what}.size`, t.size, r.size, units);
    this.num(`${what}.fees`, t.fees, r.fees, cash);
    this.num(`${what}.borrow`, t.borrow, r.borrow, cash);
    this.num(`${what}.pnl`, t.pnl, r.pnl, cash);
    // a closed trade sold every unit it bought: price PnL = side (exit - entry) units
    this.num(`${what} pnl + fees + borrow vs side (exitPrice - entryPrice) units`, t.pnl + t.fees + t.borrow, t.side * (t.exitPrice - t.entryPrice) * r.units, cash);
  }

  trades(what: string, ts: readonly Trade[], rs: readonly RefTrade[], cash: number): void {
    this.same(`${what}.length`, ts.length, rs.length);
    rs.forEach((r, k) => this.trade(`${what}[${k}]`, ts[k], r, cash));
  }

  fill(what: string, f: Fill | undefined, r: RefFill | undefined, cash: number, price: number): void {
    if (f === undefined || r === undefined) return this.same(`${what} traded`, f !== undefined, r !== undefined);
    this.num(`${what}.units`, f.units, r.units, cash / price);
    this.num(`${what}.price`, f.price, r.price, 0);
    this.num(`${what}.fee`, f.fee, r.fee, cash);
    this.num(`${what}.slippageCost`, f.slippageCost, r.slippageCost, cash);
    this.trade(`${what}.closed`, f.closed, r.closed, cash);
  }

  /** The whole book: cash, positions, cost totals, trades, open trades. */
  book(what: string, acct: Account, ref: RefLedger, prices: ArrayLike<number>): void {
    const cash = ref.cfg.initialCash;
    this.num(`${what} cash`, acct.cash, ref.cash, cash);
    ref.pos.forEach((u, a) => this.num(`${what} positions[${a}]`, acct.positions[a], u, cash / (prices[a] ?? 1)));
    this.num(`${what} feesPaid`, acct.feesPaid, ref.feesPaid, cash);
    this.num(`${what} borrowPaid`, acct.borrowPaid, ref.borrowPaid, cash);
    this.num(`${what} slippagePaid`, acct.slippagePaid, ref.slippagePaid, cash);
    ref.borrowByAsset.forEach((b, a) => this.num(`${what} borrowByAsset[${a}]`, acct.borrowByAsset[a], b, cash));
    this.num(`${what} lastEquity`, acct.lastEquity, ref.lastEquity, cash);
    this.trades(`${what} trades`, acct.trades, ref.trades, cash);
    ref.pos.forEach((_, a) => {
      const o = acct.openTrade(a);
      const r = ref.openTrade(a);
      if (o === undefined || r === undefined) return this.same(`${what} openTrade(${a}) present`, o !== undefined, r !== undefined);
      this.same(`${what} openTrade(${a}).side`, o.side, r.side);
      this.same(`${what} openTrade(${a}).entryIndex`, o.entryIndex, r.entryIndex);
      this.num(`${what} openTrade(${a}).entryPrice (average cost of the units open)`, o.entryPrice, r.entryPrice, 0);
    });
  }
}

type Rule = keyof typeof refCoverage;

/**
 * Runs `n` seeded cases; fails with how many disagreed and the first disagreements, or if the
 * cases never reached one of the rules in `reaches`.
 */
function crossCheck(n: number, salt: number, body: (rng: Rng) => string | undefined, reaches: readonly Rule[] = []): void {
  const before = { ...refCoverage };
  const bad: string[] = [];
  for (let seed = 1; seed <= n; seed++) {
    let problem: string | undefined;
    try {
      problem = body(new Rng(salt * 100_000 + seed));
    } catch (e) {
      problem = `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    if (problem !== undefined) bad.push(`seed ${salt * 100_000 + seed}: ${problem}`);
  }
  expect(bad.length === 0 ? 'all cases agree' : `${bad.length} of ${n} cases disagree; first:\n${bad.slice(0, 4).join('\n')}`).toBe('all cases agree');
  expect(reaches.filter((r) => refCoverage[r] === before[r]), 'rules the random cases never reached').toEqual([]);
}

/**
 * The reference's own consistency, for each closed trade: the realised PnL on average cost
 * equals side * (exit notional - entry notional) (all units bought were sold), and
 * pnl = realised - fees - borrow.
 */
function selfCheck(d: Diff, ref: RefLedger): void {
  ref.trades.forEach((t, k) => {
    d.num(`reference trade[${k}] realised vs notional`, t.realised, t.grossByNotional, ref.cfg.initialCash);
    d.num(`reference trade[${k}] pnl`, t.pnl, t.realised - t.fees - t.borrow, ref.cfg.initialCash);
  });
}

// ---------------------------------------------------------------- random inputs

interface Costs {
  initialCash: number;
  fee: number;
  slippage: RefSlippage;
  borrowRate: number;
  maxLeverage: number;
}

/**
 * A slippage function of the order and the bar it fills in (< 100 bps): a base, a part growing
 * with the order's notional, a part with the bar's range, more on buys, more on higher assets.
 */
function slippageFunction(rng: Rng, cash: number): (ctx: { asset: number; units: number; price: number; bar: RefBar }) => number {
  const base = rng.uniform(0, 20);
  const perNotional = rng.uniform(0, 15);
  const perRange = rng.uniform(0, 0.2);
  const buyExtra = rng.uniform(0, 5);
  return ({ asset, units, price, bar }) =>
    base + perNotional * Math.min(1, Math.abs(units * price) / cash) + perRange * Math.min(100, ((bar.high - bar.low) / price) * 1e4) + (units > 0 ? buyExtra : 0) + asset;
}

function drawCosts(rng: Rng, slippage: 'any' | 'constant' | 'function' = 'any'): Costs {
  const initialCash = 10 ** rng.uniform(2, 6);
  const kind = slippage === 'any' ? rng.choice(['none', 'constant', 'constant', 'function', 'function'] as const) : slippage;
  return {
    initialCash,
    fee: rng.uniform() < 0.2 ? 0 : rng.uniform(0, 50),
    slippage: kind === 'none' ? 0 : kind === 'constant' ? rng.uniform(0, 50) : slippageFunction(rng, initialCash),
    borrowRate: rng.uniform() < 0.3 ? 0 : rng.uniform(0, 1e-3),
    maxLeverage: rng.uniform() < 0.25 ? 1 : rng.uniform(0.5, 3),
  };
}

/** Positive OHLC bars with gaps between a close and the next open; per-bar volatility drawn per case (up to 40%). */
function gappyBars(rng: Rng, n: number): MarketData {
  const vol = 10 ** rng.uniform(-3, Math.log10(rng.uniform() < 0.2 ? 0.4 : 0.12));
  const gap = rng.uniform() < 0.5 ? 0 : vol * rng.uniform(0, 2);
  let c = 10 ** rng.uniform(0, 4);
  const cols = { open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  for (let i = 0; i < n; i++) {
    const o = c * Math.exp(rng.normal(0, gap));
    c = o * Math.exp(rng.normal(0, vol));
    cols.open.push(o);
    cols.close.push(c);
    cols.high.push(Math.max(o, c) * Math.exp(Math.abs(rng.normal(0, vol / 2))));
    cols.low.push(Math.min(o, c) * Math.exp(-Math.abs(rng.normal(0, vol / 2))));
    cols.volume.push(rng.uniform(0, 1000));
  }
  return new MarketData({ timeframe: '1h', timestamps: Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * H), ...cols });
}

function barAt(data: MarketData, i: number): RefBar {
  return { open: data.open[i] as number, high: data.high[i] as number, low: data.low[i] as number, close: data.close[i] as number, volume: data.volume[i] as number };
}

const config = (c: Costs, assets = 1): RefConfig => ({ ...c, assets });

// ---------------------------------------------------------------- Account

/** A random walk of Account calls, compared call by call; ends flat when `endFlat`. */
function accountCase(rng: Rng, assets: number, options: { endFlat: boolean; offPrice: boolean }): string | undefined {
  const c = drawCosts(rng);
  const acct = new Account({ ...c, assets });
  const ref = new RefLedger(config(c, assets));
  const d = new Diff();
  const px = Array.from({ length: assets }, () => 10 ** rng.uniform(0, 4));
  const vol = rng.uniform(0.001, 0.1);
  const bar = (p: number): RefBar => ({ open: p, high: p * (1 + rng.uniform(0, vol)), low: p * (1 - rng.uniform(0, vol)), close: p, volume: rng.uniform(0, 100) });
  let index = 0;
  const steps = rng.integer(5, 60);
  for (let k = 0; k < steps && d.first === undefined; k++) {
    index += rng.integer(0, 3);
    const a = rng.integer(0, assets);
    // now and then a crash or a squeeze, so that leveraged books go under water
    const move = (): void => {
      for (let b = 0; b < assets; b++) px[b] = (px[b] as number) * (rng.uniform() < 0.05 ? rng.choice([0.2, 0.5, 2, 5]) : Math.exp(rng.normal(0, vol)));
    };
    const op = rng.choice(['mark', 'trade', 'target', 'target'] as const);
    if (op === 'mark') {
      move();
      const e = acct.mark(px);
      d.num(`step ${k} mark() return`, e, ref.mark(px), c.initialCash);
    } else if (op === 'trade') {
      const p = px[a] as number;
      const held = ref.pos[a] as number;
      const scale = Math.max(ref.equity(px), 0.1 * c.initialCash) / p;
      const kind = held === 0 ? 'open' : rng.choice(['close', 'almost-close', 'flip', 'reduce', 'add', 'open'] as const);
      const units =
        kind === 'close' ? -held : kind === 'almost-close' ? -held * (1 + rng.uniform(-1, 1) * 1e-13) : kind === 'flip' ? -held * rng.uniform(1.1, 3) : kind === 'reduce' ? -held * rng.uniform(0.05, 0.95) : kind === 'add' ? held * rng.uniform(0.05, 1) : (rng.uniform() < 0.5 ? -1 : 1) * scale * rng.uniform(0.05, 1.5);
      const b = bar(p);
      d.fill(`step ${k} trade(${a}, ${kind})`, acct.trade(a, units, p, index, b), ref.fill(a, units, p, index, b), c.initialCash, p);
    } else {
      const p = px[a] as number;
      const f = rng.choice([0, 1, -1, c.maxLeverage, rng.uniform(-1.5, 1.5) * c.maxLeverage]);
      // the traded asset is valued at `price` whatever prices[a] holds
      const prices = px.slice();
      if (options.offPrice) prices[a] = p * Math.exp(rng.normal(0, 0.05));
      const b = bar(p);
      const at = prices.slice();
      at[a] = p;
      const eBefore = acct.equity(at);
      const fill = assets === 1 && !options.offPrice ? acct.setTarget(a, f, p, index, b) : acct.setTarget(a, f, p, index, b, prices);
      // independent of the reference: valued at the fill price after the fill (E' the equity,
      // O the other assets' gross exposure), the position is on target, N = f E', or on the
      // cap, |N| + O = L E' with |N| < |f| E', or flat with O >= L E'
      if (fill !== undefined && eBefore > 0) {
        const e1 = acct.equity(at);
        const n = (acct.positions[a] as number) * p;
        const others = acct.exposure(at) - Math.abs(n);
        const tol = 1e-9 * Math.max(Math.abs(e1), c.initialCash);
        const L = c.maxLeverage;
        const onTarget = Math.abs(n - f * e1) <= tol;
        const onCap = Math.sign(n) === Math.sign(f) && Math.abs(Math.abs(n) + others - L * e1) <= tol && Math.abs(n) <= Math.abs(f) * e1 + tol;
        const flatAtCap = n === 0 && others >= L * e1 - tol;
        if (!(onTarget || onCap || flatAtCap)) d.first ??= `step ${k} setTarget(${a}, ${f}): notional ${n} is neither f E' = ${f * e1} nor on the cap (O ${others}, L E' ${L * e1})`;
      }
      d.fill(`step ${k} setTarget(${a}, ${f.toFixed(4)})`, fill, ref.target(a, f, p, index, b, prices), c.initialCash, p);
    }
    d.book(`step ${k} (${op})`, acct, ref, px);
  }
  if (options.endFlat && d.first === undefined) {
    for (let a = 0; a < assets; a++) {
      const held = acct.positions[a] as number;
      if (held !== 0) acct.trade(a, -held, px[a] as number, index + 1, ZERO_BAR);
      if (ref.pos[a] !== 0) ref.fill(a, -(ref.pos[a] as number), px[a] as number, index + 1, ZERO_BAR);
    }
    d.book('after closing everything', acct, ref, px);
    const sum = acct.trades.reduce((s, t) => s + t.pnl, 0);
    d.num('Σ trade pnl vs cash change (flat book)', sum, acct.cash - c.initialCash, c.initialCash);
  }
  selfCheck(d, ref);
  return d.first;
}

describe('Account against the reference ledger', () => {
  // the issue's own reproduction and the input table live in Account.test.ts
  it('single asset: 300 random trade / setTarget / mark sequences, call by call', () => {
    crossCheck(300, 1, (rng) => accountCase(rng, 1, { endFlat: false, offPrice: false }), ['flips', 'reduceThenAdd', 'capped', 'bankruptClose', 'negligible', 'snapped', 'borrowOnTrade', 'slippageFunctionSizing']);
  });

  it('two and three assets: 200 random sequences (the cap counts the other assets)', () => {
    crossCheck(200, 2, (rng) => accountCase(rng, rng.integer(2, 4), { endFlat: false, offPrice: false }), ['capped', 'cappedToFlat', 'bankruptClose']);
  });

  it('setTarget values the traded asset at `price`, whatever prices[asset] holds', () => {
    crossCheck(100, 3, (rng) => accountCase(rng, rng.integer(1, 4), { endFlat: false, offPrice: true }), ['capped']);
  });

  it('over any sequence ending flat, Σ trade pnl = final cash - initial cash (fees and borrow all in trades)', () => {
    crossCheck(200, 4, (rng) => accountCase(rng, rng.integer(1, 4), { endFlat: true, offPrice: false }), ['flips', 'reduceThenAdd', 'borrowOnTrade']);
  });

  // A slippage function is sized with two evaluations (the rules of issue 14), 10 bps fee,
  // s(u) = 5 + |u| / 100 bps, all in at 100 from 10,000 (N = E / (1 + κ), κ = σ + (1 + σ) φ):
  //   fee only:          N = 10000 / 1.001 = 9990.00999, 99.9001 units -> s = 5.999001 bps
  //   sized at 5.999001: 99.840206 units -> s = 5.998402 bps
  //   sized at 5.998402: 99.840212 units, filled at 100 (1 + 5.998402e-4) = 100.059984
  it('a slippage function: sized with the rate at the first sized units, landing on f x equity', () => {
    const acct = new Account({ initialCash: 10_000, fee: 10, slippage: ({ units }) => 5 + Math.abs(units) / 100 });
    const fill = acct.setTarget(0, 1, 100, 0, ZERO_BAR) as Fill;
    expect(fill.units).toBeCloseTo(99.84021172695542, 10);
    expect(fill.price).toBeCloseTo(100.05998402057507, 10);
    // N = f E': the position's notional at the reference price is the equity after the fill
    expect((acct.positions[0] as number) * 100).toBeCloseTo(acct.equity([100]), 9);
  });
});

// ---------------------------------------------------------------- Account input checks

describe('Account input checks', () => {
  it('a rejected call leaves the book unchanged', () => {
    const acct = new Account({ initialCash: 1000, fee: 10 });
    acct.setTarget(0, 0.5, 100, 0);
    const before = [acct.cash, acct.positions[0], acct.feesPaid, acct.trades.length];
    expect(() => acct.setTarget(0, Number.NaN, 100, 1)).toThrow(InvalidArgumentError);
    expect(() => acct.trade(0, 1, 0, 1)).toThrow(InvalidArgumentError);
    expect([acct.cash, acct.positions[0], acct.feesPaid, acct.trades.length]).toEqual(before);
  });
});

// ---------------------------------------------------------------- TradingEnv

/** How the reference's episodes ended, over all env cases. */
const episodeEnds = { ruin: 0, drawdown: 0, endOfData: 0 };

interface EnvCase {
  data: MarketData;
  costs: Costs;
  scheme: ActionScheme;
  longOnly: boolean;
  positionSize: number;
  execution: 'next-open' | 'close';
  maxDrawdown: number;
  start: number;
  actions: (number | Float32Array)[];
}

function drawEnvCase(rng: Rng, scheme: ActionScheme): EnvCase {
  const n = rng.integer(3, 60);
  const longOnly = scheme === 'continuous' && rng.uniform() < 0.3;
  const actions: (number | Float32Array)[] = [];
  for (let k = 0; k < n; k++) {
    const prev = actions[k - 1];
    if (prev !== undefined && rng.uniform() < 0.3) actions.push(prev);
    else if (scheme === 'discrete-4') actions.push(rng.integer(0, 4)); // masked actions included: they hold
    else if (scheme === 'discrete-3') actions.push(rng.integer(0, 3));
    else {
      const lo = longOnly ? 0 : -1;
      actions.push(Float32Array.of(rng.uniform() < 0.3 ? rng.choice(longOnly ? [0, 1] : [-1, 0, 1]) : rng.uniform(lo, 1)));
    }
  }
  const costs = drawCosts(rng);
  return {
    data: gappyBars(rng, n),
    costs,
    scheme,
    longOnly,
    // TradingEnv takes positionSize <= maxLeverage
    positionSize: rng.uniform() < 0.3 ? Math.min(1, costs.maxLeverage) : rng.uniform() < 0.3 ? costs.maxLeverage : rng.uniform(0.2, 1) * costs.maxLeverage,
    execution: rng.uniform() < 0.5 ? 'next-open' : 'close',
    maxDrawdown: rng.uniform() < 0.6 ? 1 : rng.uniform(0.05, 0.9),
    start: rng.integer(0, n - 1),
    actions,
  };
}

/**
 * TradingEnv's documented semantics on the reference ledger: an action at bar t fills at
 * t+1's open ('next-open') or t's close ('close'); equity is marked at t+1's close; the
 * episode terminates at ruin or when the drawdown exceeds maxDrawdown and is truncated at the
 * end of the data; an open position is then closed at that last close.
 */
function envCase(rng: Rng, scheme: ActionScheme): string | undefined {
  const k = drawEnvCase(rng, scheme);
  const { data, costs: c } = k;
  const features = new FeatureFrame(data.timestamps, ['one'], [new Float64Array(data.length).fill(1)]);
  const env = new TradingEnv({
    data, features, windowSize: 1, actionScheme: scheme, longOnly: k.longOnly, positionSize: k.positionSize, execution: k.execution, maxDrawdown: k.maxDrawdown,
    initialCash: c.initialCash, fee: c.fee, slippage: c.slippage, borrowRate: c.borrowRate, maxLeverage: c.maxLeverage,
  });
  const ref = new RefLedger(config(c));
  const d = new Diff();
  const cash = c.initialCash;
  const mask = () => (scheme === 'discrete-4' ? (ref.pos[0] === 0 ? [1, 1, 1, 0] : [1, 0, 0, 1]) : scheme === 'discrete-3' ? [1, 1, 1] : undefined);
  const checkInfo = (what: string, info: TradingInfo, t: number, peak: number): void => {
    d.same(`${what} bar`, info.bar, t);
    d.num(`${what} info.equity`, info.equity, ref.lastEquity, cash);
    d.num(`${what} info.cash`, info.cash, ref.cash, cash);
    d.num(`${what} info.position`, info.position, ref.pos[0] as number, cash / (data.close[t] as number));
    d.num(`${what} info.drawdown`, info.drawdown, peak > 0 ? 1 - ref.lastEquity / peak : 0, 1);
    const m = mask();
    d.same(`${what} info.actionMask`, m === undefined ? undefined : m.join(), info.actionMask === undefined ? undefined : Array.from(info.actionMask).join());
  };
  let { info } = env.reset({ options: { start: k.start } });
  let t = k.start;
  ref.mark([data.close[t] as number]);
  let peak = ref.lastEquity;
  let maxDd = 0;
  checkInfo('reset', info, t, peak);
  let ended = false;
  for (const action of k.actions) {
    const pos = ref.pos[0] as number;
    const feesBefore = ref.feesPaid;
    let target: number | undefined;
    if (typeof action !== 'number') target = action[0] as number;
    else if (scheme === 'discrete-3') target = action - 1;
    else if (action === 1) target = pos === 0 ? 1 : undefined;
    else if (action === 2) target = pos === 0 ? -1 : undefined;
    else if (action === 3) target = pos !== 0 ? 0 : undefined;
    const closed: RefTrade[] = [];
    if (target !== undefined) {
      const at = k.execution === 'next-open' ? t + 1 : t;
      const price = k.execution === 'next-open' ? (data.open[at] as number) : (data.close[at] as number);
      const opened = ref.target(0, target * k.positionSize, price, at, barAt(data, at))?.closed;
      if (opened !== undefined) closed.push(opened);
    }
    t += 1;
    const close = data.close[t] as number;
    let equity = ref.mark([close]);
    const terminated = !(equity > 0) || 1 - equity / Math.max(peak, equity) > k.maxDrawdown;
    const truncated = !terminated && t >= data.length - 1;
    if (terminated) episodeEnds[equity > 0 ? 'drawdown' : 'ruin']++;
    if (truncated) episodeEnds.endOfData++;
    if ((terminated || truncated) && ref.pos[0] !== 0) {
      const last = ref.fill(0, -(ref.pos[0] as number), close, t, barAt(data, t)).closed;
      if (last !== undefined) closed.push(last);
      equity = ref.equity([close]);
      ref.lastEquity = equity;
    }
    peak = Math.max(peak, equity);
    maxDd = Math.max(maxDd, peak > 0 ? 1 - equity / peak : 1);
    const r = env.step(action);
    info = r.info;
    const what = `step to bar ${t} (action ${String(typeof action === 'number' ? action : action[0])})`;
    d.same(`${what} terminated`, r.terminated, terminated);
    d.same(`${what} truncated`, r.truncated, truncated);
    d.num(`${what} info.fees`, info.fees ?? Number.NaN, ref.feesPaid - feesBefore, cash);
    // every round trip closed in the step: a flip's and the episode end's both
    d.same(`${what} info.closedTrades.length`, info.closedTrades?.length ?? 0, closed.length);
    closed.forEach((c, i) => d.trade(`${what} info.closedTrades[${i}]`, info.closedTrades?.[i], c, cash));
    checkInfo(what, info, t, peak);
    d.book(what, env.account, ref, [close]);
    if (terminated || truncated) {
      const s = info.summary;
      if (s === undefined) return `${what}: no info.summary on the last step`;
      d.num('summary.return', s.return, equity / cash - 1, 1);
      d.same('summary.trades', s.trades, ref.trades.length);
      d.num('summary.fees', s.fees, ref.feesPaid, cash);
      d.num('summary.maxDrawdown', s.maxDrawdown, maxDd, 1);
      d.num('summary.finalEquity', s.finalEquity, equity, cash);
      d.same('summary.steps', s.steps, t - k.start);
      // the episode ends flat: every cost is in a trade
      d.num('Σ trade pnl vs cash change', env.account.trades.reduce((x, tr) => x + tr.pnl, 0), env.account.cash - cash, cash);
      ended = true;
      break;
    }
    if (d.first !== undefined) break;
  }
  if (!ended) d.same('the episode ended by the last bar', false, true);
  selfCheck(d, ref);
  return d.first === undefined ? undefined : `${scheme} ${k.execution} size ${k.positionSize.toFixed(3)} L ${c.maxLeverage.toFixed(3)} fee ${c.fee.toFixed(2)} slip ${typeof c.slippage === 'number' ? c.slippage.toFixed(2) : 'fn'}: ${d.first}`;
}

describe('TradingEnv against the reference ledger', () => {
  afterAll(() => {
    // the episodes end in all three ways the env documents
    expect(Object.values(episodeEnds).every((n) => n > 0), JSON.stringify(episodeEnds)).toBe(true);
  });
  it('discrete-4: 200 random episodes (masked actions hold)', () => {
    crossCheck(200, 11, (rng) => envCase(rng, 'discrete-4'), ['borrowOnTrade', 'slippageFunctionSizing']);
  });
  it('discrete-3: 200 random episodes', () => {
    crossCheck(200, 12, (rng) => envCase(rng, 'discrete-3'), ['flips', 'reduceThenAdd', 'borrowOnTrade', 'slippageFunctionSizing']);
  });
  it('continuous, with and without longOnly, positionSize != 1: 250 random episodes', () => {
    crossCheck(250, 13, (rng) => envCase(rng, 'continuous'), ['flips', 'reduceThenAdd', 'borrowOnTrade', 'slippageFunctionSizing']);
  });
});

// ---------------------------------------------------------------- backtest

/**
 * backtest()'s documented semantics for a signal or a strategy function, without risk rules:
 * the decision at bar t's close (NaN holds) fills at t+1's open or at t's close; the position
 * is traded only when the target changes (held, not rebalanced); equity is marked at every
 * close from `start`; nothing is closed at the end.
 */
function backtestCase(rng: Rng, kind: 'signal' | 'function', slippage: 'constant' | 'function'): string | undefined {
  const n = rng.integer(3, 80);
  const data = gappyBars(rng, n);
  const c = drawCosts(rng, slippage);
  const execution = rng.uniform() < 0.5 ? 'next-open' : 'close';
  const start = rng.integer(0, n - 1);
  const signal: number[] = [];
  for (let t = 0; t < n; t++) {
    const prev = signal[t - 1];
    const u = rng.uniform();
    // within the leverage cap: whether a signal beyond it is clamped or rejected is not the ledger's concern
    signal.push(prev !== undefined && u < 0.3 ? prev : u < 0.4 ? Number.NaN : u < 0.55 ? 0 : u < 0.65 ? rng.choice([-1, 1]) * c.maxLeverage : rng.uniform(-1, 1) * c.maxLeverage);
  }
  const seen: StrategyContext[] = [];
  const strategy = kind === 'signal' ? signal : (ctx: StrategyContext) => (seen.push({ ...ctx }), signal[ctx.index] as number);
  const result = backtest({ data, strategy, account: c, execution, start, periodsPerYear: 8760 });

  const ref = new RefLedger(config(c));
  const d = new Diff();
  const cash = c.initialCash;
  const equity = [ref.mark([data.close[start] as number])];
  const positions = [0];
  const expectedCtx: { index: number; position: number; equity: number }[] = [];
  let held = 0;
  let last = Number.NaN;
  for (let t = start; t < n - 1; t++) {
    const e = equity[t - start] as number;
    if (kind === 'function') expectedCtx.push({ index: t, position: e > 0 ? ((ref.pos[0] as number) * (data.close[t] as number)) / e : 0, equity: e });
    const s = signal[t] as number;
    if (!Number.isNaN(s)) last = s;
    const target = Number.isNaN(last) ? 0 : last;
    if (target !== held) {
      const at = execution === 'next-open' ? t + 1 : t;
      const price = execution === 'next-open' ? (data.open[at] as number) : (data.close[at] as number);
      ref.target(0, target, price, at, barAt(data, at));
      held = target;
    }
    equity.push(ref.mark([data.close[t + 1] as number]));
    positions.push(ref.pos[0] as number);
  }
  d.same('startIndex', result.startIndex, start);
  d.same('equity.length', result.equity.length, equity.length);
  equity.forEach((e, k) => d.num(`equity[${k}]`, result.equity[k], e, cash));
  positions.forEach((p, k) => d.num(`positions[${k}]`, result.positions[k], p, cash / (data.close[start + k] as number)));
  d.trades('trades', result.trades, ref.trades, cash);
  d.num('fees', result.fees, ref.feesPaid, cash);
  d.num('borrow', result.borrow, ref.borrowPaid, cash);
  if (kind === 'function') {
    d.same('strategy calls', seen.length, expectedCtx.length);
    expectedCtx.forEach((x, k) => {
      d.same(`ctx[${k}].index`, seen[k]?.index, x.index);
      d.num(`ctx[${k}].equity`, seen[k]?.equity, x.equity, cash);
      d.num(`ctx[${k}].position`, seen[k]?.position, x.position, 1);
    });
  }
  if (ref.pos[0] === 0) d.num('Σ trade pnl vs cash change (ends flat)', result.trades.reduce((x, tr) => x + tr.pnl, 0), (result.equity[result.equity.length - 1] as number) - cash, cash);
  selfCheck(d, ref);
  return d.first === undefined ? undefined : `${kind} ${execution} start ${start} L ${c.maxLeverage.toFixed(3)} fee ${c.fee.toFixed(2)} slip ${typeof c.slippage === 'number' ? c.slippage.toFixed(2) : 'fn'}: ${d.first}`;
}

describe('backtest() against the reference ledger', () => {
  it('a plain signal array: 250 random backtests', () => {
    crossCheck(250, 21, (rng) => backtestCase(rng, 'signal', 'constant'), ['flips', 'reduceThenAdd', 'borrowOnTrade']);
  });
  it('a strategy function (and the context it sees): 200 random backtests', () => {
    crossCheck(200, 22, (rng) => backtestCase(rng, 'function', 'constant'), ['flips', 'reduceThenAdd', 'borrowOnTrade']);
  });
  it('a slippage function sees the bar the fill happens in: 150 random backtests', () => {
    crossCheck(150, 23, (rng) => backtestCase(rng, rng.uniform() < 0.5 ? 'signal' : 'function', 'function'), ['slippageFunctionSizing']);
  });
});

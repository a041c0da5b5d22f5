// An independent reference ledger for the randomized cross-check of `Account` (issue 14).
// Written from the accounting rules stated in the issue and the public docs, not from
// src/envs/trading/Account.ts: plain numbers and arrays, one obvious formula per rule, so a
// reader can check it against the rules line by line.
//
// Rules (bps = 1e-4):
// - a fill of u units at reference price p with slippage s bps and fee φ bps executes at
//   x = p (1 + sign(u) s 1e-4), pays fee |u| x φ 1e-4 and moves cash by -(u x + fee); its
//   slippage cost is |u| |x - p|. A position smaller than 1e-12 max(1, |before|) is 0.
// - mark(closes) charges |pos| close borrowRate on each short, then equity = cash + Σ pos close.
// - a round trip opens when a position leaves 0 and closes when it returns to 0 or flips sign
//   (a flip closes one trade and opens the next in the same fill; the fee is split by units).
//   Its PnL is realised on the average cost of the units still open: reducing r units at x
//   realises side (x - avgCost) r; adding q units at x moves avgCost to the weighted mean.
//   pnl = realised - fees - borrow; entry/exit prices are volume-weighted over the fills that
//   increased / decreased |pos|; size is the largest |pos| held.
// - target sizing: see `RefLedger.target`.

/** A bar, as a slippage function sees it. */
export interface RefBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** What a slippage function is given. */
export interface RefSlippageContext {
  readonly asset: number;
  readonly units: number;
  readonly price: number;
  readonly bar: RefBar;
}

/** Slippage in bps: a constant or a function of the fill. */
export type RefSlippage = number | ((ctx: RefSlippageContext) => number);

/** The ledger's parameters (all explicit: no defaults here). */
export interface RefConfig {
  readonly initialCash: number;
  readonly assets: number;
  readonly fee: number;
  readonly slippage: RefSlippage;
  readonly borrowRate: number;
  readonly maxLeverage: number;
}

/** A closed round trip. */
export interface RefTrade {
  readonly asset: number;
  readonly side: 1 | -1;
  readonly entryIndex: number;
  readonly exitIndex: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly size: number;
  readonly pnl: number;
  readonly fees: number;
  readonly borrow: number;
  readonly duration: number;
  /** Units bought into the trade = units sold out of it (not part of `Trade`; for checks). */
  readonly units: number;
  /** side * (exit notional - entry notional): must equal the realised price PnL. */
  readonly grossByNotional: number;
  /** The realised price PnL on average cost. */
  readonly realised: number;
}

/** What one fill did. */
export interface RefFill {
  readonly asset: number;
  readonly units: number;
  readonly price: number;
  readonly fee: number;
  readonly slippageCost: number;
  readonly closed: RefTrade | undefined;
}

interface OpenRound {
  side: 1 | -1;
  entryIndex: number;
  entryUnits: number;
  entryNotional: number;
  exitUnits: number;
  exitNotional: number;
  avgCost: number;
  size: number;
  realised: number;
  fees: number;
  borrow: number;
}

const BPS = 1e-4;

/**
 * How often each rule ran, over every RefLedger: tests read it to show that their random
 * cases reach the rules they claim to check (a cap that never binds checks nothing).
 */
export const refCoverage = {
  flips: 0,
  reduceThenAdd: 0,
  capped: 0,
  cappedToFlat: 0,
  bankruptClose: 0,
  negligible: 0,
  snapped: 0,
  borrowOnTrade: 0,
  slippageFunctionSizing: 0,
};

/** A bar of zeros, passed explicitly where the bar does not matter to a test. */
export const ZERO_BAR: RefBar = { open: 0, high: 0, low: 0, close: 0, volume: 0 };

/** The reference ledger. */
export class RefLedger {
  readonly cfg: RefConfig;
  cash: number;
  readonly pos: number[];
  feesPaid = 0;
  borrowPaid = 0;
  slippagePaid = 0;
  readonly borrowByAsset: number[];
  readonly trades: RefTrade[] = [];
  lastEquity: number;
  readonly #open: (OpenRound | undefined)[];

  constructor(cfg: RefConfig) {
    this.cfg = cfg;
    this.cash = cfg.initialCash;
    this.pos = new Array<number>(cfg.assets).fill(0);
    this.borrowByAsset = new Array<number>(cfg.assets).fill(0);
    this.#open = new Array<OpenRound | undefined>(cfg.assets).fill(undefined);
    this.lastEquity = cfg.initialCash;
  }

  /** cash + Σ pos_a price_a. */
  equity(prices: ArrayLike<number>): number {
    let e = this.cash;
    this.pos.forEach((u, a) => (e += u * at(prices, a)));
    return e;
  }

  /** Σ |pos_a price_a|. */
  exposure(prices: ArrayLike<number>): number {
    let g = 0;
    this.pos.forEach((u, a) => (g += Math.abs(u * at(prices, a))));
    return g;
  }

  /** The open round trip of an asset: side, first fill, average cost of the units still open. */
  openTrade(asset: number): { side: 1 | -1; entryIndex: number; entryPrice: number } | undefined {
    const o = this.#open[asset];
    return o === undefined ? undefined : { side: o.side, entryIndex: o.entryIndex, entryPrice: o.avgCost };
  }

  /** The slippage in bps of a fill of `units` (the function evaluated, or the constant). */
  slippageBps(asset: number, units: number, price: number, bar: RefBar): number {
    const s = this.cfg.slippage;
    return typeof s === 'function' ? s({ asset, units, price, bar }) : s;
  }

  /**
   * Fills `units` at `price`; the slippage is the function evaluated on this fill, unless the
   * caller fixes the rate (`target` sizes with one rate and fills with the same one).
   */
  fill(asset: number, units: number, price: number, index: number, bar: RefBar, slipBps?: number): RefFill {
    const s = slipBps ?? this.slippageBps(asset, units, price, bar);
    const x = price * (1 + Math.sign(units) * s * BPS);
    const fee = Math.abs(units) * x * this.cfg.fee * BPS;
    const slippageCost = Math.abs(units) * Math.abs(x - price);
    this.cash -= units * x + fee;
    this.feesPaid += fee;
    this.slippagePaid += slippageCost;
    const before = at(this.pos, asset);
    let after = before + units;
    if (after !== 0 && Math.abs(after) < 1e-12 * Math.max(1, Math.abs(before))) {
      after = 0;
      refCoverage.snapped++;
    }
    this.pos[asset] = after;
    const closed = this.#book(asset, before, after, x, fee, index);
    return { asset, units, price: x, fee, slippageCost, closed };
  }

  /** Charges borrow on shorts at the closes, then values the book. */
  mark(closes: ArrayLike<number>): number {
    this.pos.forEach((u, a) => {
      if (u >= 0) return;
      const cost = -u * at(closes, a) * this.cfg.borrowRate;
      this.cash -= cost;
      this.borrowPaid += cost;
      this.borrowByAsset[a] = at(this.borrowByAsset, a) + cost;
      const o = this.#open[a];
      if (o !== undefined && cost > 0) {
        o.borrow += cost;
        refCoverage.borrowOnTrade++;
      }
    });
    this.lastEquity = this.equity(closes);
    return this.lastEquity;
  }

  /**
   * Moves asset `a` to the post-fill notional N = newUnits p chosen so that, with
   * E' = E - (the fill's slippage and fee, valued at p),
   *   (i)  N = f E', unless
   *   (ii) |N| + O > L E' (O: the other assets' gross exposure, L: maxLeverage), in which case
   *        N = sign(f) max(0, L E' - O),
   * both exactly. E is valued at `prices` with asset a at `price`. E <= 0 closes the position.
   *
   * A slippage function is sized as the rules state: the rate is the function evaluated at the
   * units of the solution sized with the rate evaluated at the units of the fee-only solution
   * (two evaluations), and the fill uses that same rate.
   */
  target(asset: number, f: number, price: number, index: number, bar: RefBar, prices?: ArrayLike<number>): RefFill | undefined {
    const px = Array.from(prices ?? [price]);
    px[asset] = price;
    const pos0 = at(this.pos, asset);
    const e = this.equity(px);
    if (!(e > 0)) {
      if (pos0 === 0) return undefined;
      refCoverage.bankruptClose++;
      return this.fill(asset, -pos0, price, index, bar);
    }
    const others = this.exposure(px) - Math.abs(pos0 * price);
    const unitsAt = (sBps: number): number => sizeNotional(e, pos0 * price, others, f, this.cfg.maxLeverage, sBps * BPS, this.cfg.fee * BPS) / price - pos0;
    let s: number;
    if (typeof this.cfg.slippage === 'function') {
      const feeOnly = unitsAt(0);
      const first = unitsAt(this.slippageBps(asset, feeOnly, price, bar));
      s = this.slippageBps(asset, first, price, bar);
      refCoverage.slippageFunctionSizing++;
    } else s = this.cfg.slippage;
    const units = unitsAt(s);
    if (Math.abs(units) * price <= 1e-9 * e) {
      if (units !== 0) refCoverage.negligible++;
      return undefined;
    }
    return this.fill(asset, units, price, index, bar, s);
  }

  #book(asset: number, before: number, after: number, x: number, fee: number, index: number): RefTrade | undefined {
    let o = this.#open[asset];
    let closed: RefTrade | undefined;
    const traded = Math.abs(after - before);
    const flips = before !== 0 && after !== 0 && Math.sign(after) !== Math.sign(before);
    if (flips) refCoverage.flips++;
    if (o !== undefined && before !== 0) {
      const reduce = after === 0 || flips ? Math.abs(before) : Math.max(0, Math.abs(before) - Math.abs(after));
      if (reduce > 0) {
        o.realised += o.side * (x - o.avgCost) * reduce;
        o.exitUnits += reduce;
        o.exitNotional += reduce * x;
        o.fees += flips ? (fee * Math.abs(before)) / traded : fee;
      }
      if (after === 0 || flips) {
        closed = {
          asset,
          side: o.side,
          entryIndex: o.entryIndex,
          exitIndex: index,
          entryPrice: o.entryNotional / o.entryUnits,
          exitPrice: o.exitNotional / o.exitUnits,
          size: o.size,
          pnl: o.realised - o.fees - o.borrow,
          fees: o.fees,
          borrow: o.borrow,
          duration: index - o.entryIndex,
          units: o.entryUnits,
          grossByNotional: o.side * (o.exitNotional - o.entryNotional),
          realised: o.realised,
        };
        this.trades.push(closed);
        o = undefined;
      }
    }
    if (after !== 0) {
      if (o === undefined) {
        const q = Math.abs(after);
        o = {
          side: after > 0 ? 1 : -1,
          entryIndex: index,
          entryUnits: q,
          entryNotional: q * x,
          exitUnits: 0,
          exitNotional: 0,
          avgCost: x,
          size: q,
          realised: 0,
          fees: flips ? (fee * q) / traded : fee,
          borrow: 0,
        };
      } else if (Math.abs(after) > Math.abs(before)) {
        const q = Math.abs(after) - Math.abs(before);
        if (o.exitUnits > 0) refCoverage.reduceThenAdd++;
        o.avgCost = (o.avgCost * Math.abs(before) + x * q) / Math.abs(after);
        o.entryUnits += q;
        o.entryNotional += q * x;
        o.fees += fee;
        o.size = Math.max(o.size, Math.abs(after));
      }
    }
    this.#open[asset] = o;
    return closed;
  }
}

/**
 * The post-fill notional N for a target fraction f, solved exactly per side of the trade.
 * With N0 the notional held and κ the cost per unit of notional traded (buy: σ + (1 + σ) φ,
 * sell: σ + (1 - σ) φ; σ slippage and φ fee as fractions), E'(N) = E - |N - N0| κ, and each rule
 * is N = c1 E'(N) + c0: (i) c1 = f, c0 = 0; (ii) c1 = ±L, c0 = ∓O. On the buying side
 * N = (c1 (E + N0 κb) + c0) / (1 + c1 κb); on the selling side N = (c1 (E - N0 κs) + c0) / (1 - c1 κs).
 * N - c1 E'(N) - c0 increases with N (|c1| κ < 1), so it is a buy iff c1 E + c0 > N0.
 */
export function sizeNotional(e: number, n0: number, others: number, f: number, lev: number, sigma: number, phi: number): number {
  const kb = sigma + (1 + sigma) * phi;
  const ks = sigma + (1 - sigma) * phi;
  const solve = (c1: number, c0: number): number => {
    const atN0 = c1 * e + c0;
    if (atN0 > n0) return (c1 * (e + n0 * kb) + c0) / (1 + c1 * kb);
    if (atN0 < n0) return (c1 * (e - n0 * ks) + c0) / (1 - c1 * ks);
    return n0;
  };
  const after = (n: number): number => e - Math.abs(n - n0) * (n > n0 ? kb : ks);
  const n = solve(f, 0);
  if (!(Math.abs(n) + others > lev * after(n))) return n;
  if (f === 0) return 0;
  const capped = f > 0 ? solve(lev, -others) : solve(-lev, others);
  if (Math.sign(capped) === Math.sign(f)) {
    refCoverage.capped++;
    return capped;
  }
  refCoverage.cappedToFlat++;
  return 0; // max(0, L E' - O) on f's side
}

function at(xs: ArrayLike<number>, i: number): number {
  const v = xs[i];
  if (v === undefined) throw new Error(`reference ledger: no value at index ${i}`);
  return v;
}

import { fail, requireFinite, requireInt, requireRecord } from '../../core/checks.js';

/** One bar's prices and volume. */
export interface Bar {
  /** Open price. */
  readonly open: number;
  /** High price. */
  readonly high: number;
  /** Low price. */
  readonly low: number;
  /** Close price. */
  readonly close: number;
  /** Volume. */
  readonly volume: number;
}

/** An open position's trade: its side, first fill and average entry price. */
export interface OpenTradeInfo {
  /** `1` long, `-1` short. */
  readonly side: 1 | -1;
  /** Bar index of the first fill. */
  readonly entryIndex: number;
  /** Volume-weighted average entry price. */
  readonly entryPrice: number;
}

/** What a slippage function sees: the order and the bar it fills in. */
export interface SlippageContext {
  /** The asset's index. */
  readonly asset: number;
  /** Units bought (> 0) or sold (< 0). */
  readonly units: number;
  /** The reference price before slippage (the bar's open or close). */
  readonly price: number;
  /** The bar the fill happens in. */
  readonly bar: Bar;
}

/** Slippage in basis points of the price: a number, or a function of the order and bar (>= 0). */
export type Slippage = number | ((ctx: SlippageContext) => number);

/** Options of {@link Account}. */
export interface AccountOptions {
  /** Starting cash (> 0). */
  readonly initialCash: number;
  /** How many assets (default 1). */
  readonly assets?: number;
  /** Fee in basis points of traded notional (default 0). */
  readonly fee?: number;
  /** Slippage in basis points, or a function returning them (default 0). */
  readonly slippage?: Slippage;
  /** Borrow cost per bar on short notional, as a fraction (e.g. 1e-5), default 0. */
  readonly borrowRate?: number;
  /** The largest gross exposure as a multiple of equity (default 1). */
  readonly maxLeverage?: number;
}

/** One round trip: from flat, through one side, back to flat. */
export interface Trade {
  /** The asset's index. */
  readonly asset: number;
  /** `1` long, `-1` short. */
  readonly side: 1 | -1;
  /** Bar index of the first fill. */
  readonly entryIndex: number;
  /** Bar index of the closing fill. */
  readonly exitIndex: number;
  /** Average entry price (volume-weighted over the fills that added to the position). */
  readonly entryPrice: number;
  /** Average exit price (over the fills that reduced it). */
  readonly exitPrice: number;
  /** The largest absolute size held, in units. */
  readonly size: number;
  /** Net profit: realised price PnL minus fees and borrow costs of the trade. */
  readonly pnl: number;
  /** Fees paid by the trade's fills. */
  readonly fees: number;
  /** Borrow paid while the trade was short. */
  readonly borrow: number;
  /** Bars held: `exitIndex - entryIndex`. */
  readonly duration: number;
}

/** What one fill did. */
export interface Fill {
  /** The asset's index. */
  readonly asset: number;
  /** Units traded (signed). */
  readonly units: number;
  /** The price after slippage. */
  readonly price: number;
  /** The fee paid. */
  readonly fee: number;
  /** The cost of slippage: |units| * |price - reference|. */
  readonly slippageCost: number;
  /** A trade closed by this fill, if any. */
  readonly closed: Trade | undefined;
}

interface OpenTrade {
  side: 1 | -1;
  entryIndex: number;
  entryNotional: number; // sum of |units| * price over adding fills
  entryUnits: number;
  exitNotional: number;
  exitUnits: number;
  size: number;
  realised: number; // price PnL realised so far
  fees: number;
  borrow: number;
}

const BPS = 1e-4;

/**
 * The ledger: the only place money moves, shared by the trading envs and the backtester so
 * that rewards, infos and equity curves can never disagree. It holds cash and a signed
 * position per asset; fills pay a fee (bps of notional) and slippage (bps, or a function of
 * the order and bar); `mark` values the book at close prices and charges borrow on shorts;
 * round trips are recorded as {@link Trade}s.
 *
 * Invariants (property-tested): `equity = cash + sum(position * price)`; fees >= 0; a flat
 * book has no exposure; with no fee or slippage, a round trip at an unchanged price leaves
 * equity unchanged.
 *
 * @example
 * ```ts
 * import { Account } from 'tradegym';
 * const acct = new Account({ initialCash: 10_000, fee: 10 }); // 10 bps
 * acct.setTarget(0, 1, 100, 0);   // all in at 100, net of the fee
 * acct.mark([110]);
 * acct.setTarget(0, 0, 110, 1);   // flat at 110
 * console.log(acct.equity([110]).toFixed(2), acct.trades.length); // 10978.02 1
 * ```
 */
export class Account {
  /** Starting cash. */
  readonly initialCash: number;
  /** Number of assets. */
  readonly assets: number;
  /** Fee in bps. */
  readonly fee: number;
  /** Slippage in bps, or its function. */
  readonly slippage: Slippage;
  /** Borrow cost per bar on short notional. */
  readonly borrowRate: number;
  /** Gross exposure cap, in multiples of equity. */
  readonly maxLeverage: number;
  /** Cash. */
  cash = 0;
  /** Signed units per asset. */
  readonly positions: Float64Array;
  /** Fees paid since reset. */
  feesPaid = 0;
  /** Borrow paid since reset. */
  borrowPaid = 0;
  /** Borrow paid since reset, per asset. */
  readonly borrowByAsset: Float64Array;
  /** Slippage cost since reset. */
  slippagePaid = 0;
  /** Round trips closed since reset. */
  readonly trades: Trade[] = [];
  /** Equity at the last `mark`. */
  lastEquity = 0;
  readonly #open: (OpenTrade | undefined)[];
  readonly #noBar = { open: 0, high: 0, low: 0, close: 0, volume: 0 };

  /**
   * @param options - initial cash, assets, fee, slippage, borrow rate, leverage cap.
   * @throws {@link InvalidArgumentError} for a value out of range (fee or slippage negative or
   *   not finite, leverage <= 0, ...), naming it.
   */
  constructor(options: AccountOptions) {
    requireRecord('options', options);
    const cash = requireFinite('initialCash', options.initialCash);
    if (cash <= 0) fail('initialCash', 'a finite number > 0', cash);
    this.initialCash = cash;
    this.assets = requireInt('assets', options.assets ?? 1, 1);
    this.fee = nonNegative('fee', options.fee ?? 0);
    const slip = options.slippage ?? 0;
    this.slippage = typeof slip === 'function' ? slip : nonNegative('slippage', slip);
    this.borrowRate = nonNegative('borrowRate', options.borrowRate ?? 0);
    const lev = requireFinite('maxLeverage', options.maxLeverage ?? 1);
    if (lev <= 0) fail('maxLeverage', 'a finite number > 0', lev);
    this.maxLeverage = lev;
    this.positions = new Float64Array(this.assets);
    this.borrowByAsset = new Float64Array(this.assets);
    this.#open = new Array<OpenTrade | undefined>(this.assets).fill(undefined);
    this.reset();
  }

  /** Back to the starting cash, no positions, no history. */
  reset(): void {
    this.cash = this.initialCash;
    this.positions.fill(0);
    this.feesPaid = 0;
    this.borrowPaid = 0;
    this.borrowByAsset.fill(0);
    this.slippagePaid = 0;
    this.trades.length = 0;
    this.#open.fill(undefined);
    this.lastEquity = this.initialCash;
  }

  /**
   * Equity at the given prices: cash plus the value of every position.
   * @param prices - one price per asset.
   * @returns the equity.
   */
  equity(prices: ArrayLike<number>): number {
    let e = this.cash;
    for (let a = 0; a < this.assets; a++) e += (this.positions[a] as number) * (prices[a] as number);
    return e;
  }

  /**
   * Gross exposure (sum of |position| * price) at the given prices.
   * @param prices - one price per asset.
   * @returns the exposure.
   */
  exposure(prices: ArrayLike<number>): number {
    let g = 0;
    for (let a = 0; a < this.assets; a++) g += Math.abs((this.positions[a] as number) * (prices[a] as number));
    return g;
  }

  /**
   * Moves one asset's position to `fraction` of equity (net of the fill's own fee, so the
   * exposure after the fill is exactly `fraction * equity` at the fill price), capped so
   * that gross exposure stays within `maxLeverage * equity`.
   *
   * @param asset - the asset's index.
   * @param fraction - the target exposure as a signed fraction of equity.
   * @param price - the reference price (e.g. the next bar's open).
   * @param index - the bar index, for the trade record.
   * @param bar - the bar, for a slippage function.
   * @param prices - every asset's price, for equity and the leverage cap (default: `price` for a single asset).
   * @returns the fill, or undefined when nothing needed to trade.
   */
  setTarget(asset: number, fraction: number, price: number, index: number, bar: SlippageContext['bar'] = this.#noBar, prices?: ArrayLike<number>): Fill | undefined {
    const px = prices ?? [price];
    const current = this.positions[asset] as number;
    const equity = this.equity(px);
    if (!(equity > 0)) return current === 0 ? undefined : this.trade(asset, -current, price, index, bar); // bankrupt: only close
    // cap the target so gross exposure (this asset's plus the others') stays within the limit
    const others = this.exposure(px) - Math.abs(current * price);
    const room = Math.max(0, this.maxLeverage * equity - others) / equity;
    const f = Math.max(-room, Math.min(room, fraction));
    const phi = this.fee * BPS;
    const n0 = current * price;
    // N = f (E - |N - N0| phi): solve for the buying and the selling side
    let n = (f * (equity + n0 * phi)) / (1 + f * phi);
    if (n < n0) n = (f * (equity - n0 * phi)) / (1 - f * phi);
    const units = n / price - current;
    if (Math.abs(units) * price <= 1e-9 * equity) return undefined;
    return this.trade(asset, units, price, index, bar);
  }

  /**
   * Trades `units` of one asset at `price` plus slippage, paying the fee.
   * @param asset - the asset's index.
   * @param units - units to buy (> 0) or sell (< 0).
   * @param price - the reference price.
   * @param index - the bar index, for the trade record.
   * @param bar - the bar, for a slippage function.
   * @returns the fill.
   */
  trade(asset: number, units: number, price: number, index: number, bar: SlippageContext['bar'] = this.#noBar): Fill {
    const slipBps = typeof this.slippage === 'function' ? this.slippage({ asset, units, price, bar }) : this.slippage;
    if (!(slipBps >= 0) || !Number.isFinite(slipBps)) fail('slippage()', 'a finite number of bps >= 0', slipBps);
    const exec = price * (1 + Math.sign(units) * slipBps * BPS);
    const notional = Math.abs(units) * exec;
    const fee = notional * this.fee * BPS;
    const slippageCost = Math.abs(units) * Math.abs(exec - price);
    this.cash -= units * exec + fee;
    this.feesPaid += fee;
    this.slippagePaid += slippageCost;
    const before = this.positions[asset] as number;
    const after = before + units;
    this.positions[asset] = Math.abs(after) < 1e-12 * Math.max(1, Math.abs(before)) ? 0 : after;
    const closed = this.#record(asset, before, this.positions[asset] as number, exec, fee, index);
    return { asset, units, price: exec, fee, slippageCost, closed };
  }

  /**
   * Marks the book at close prices and charges one bar of borrow on shorts.
   * @param prices - one close per asset.
   * @returns the equity after borrow.
   */
  mark(prices: ArrayLike<number>): number {
    if (this.borrowRate > 0) {
      for (let a = 0; a < this.assets; a++) {
        const p = this.positions[a] as number;
        if (p < 0) {
          const cost = -p * (prices[a] as number) * this.borrowRate;
          this.cash -= cost;
          this.borrowPaid += cost;
          this.borrowByAsset[a] = (this.borrowByAsset[a] as number) + cost;
          const open = this.#open[a];
          if (open !== undefined) open.borrow += cost;
        }
      }
    }
    this.lastEquity = this.equity(prices);
    return this.lastEquity;
  }

  /**
   * Marks a single-asset book at consecutive closes while the position is unchanged: the same
   * arithmetic as calling {@link Account.mark} once per bar (borrow charged bar by bar), in one
   * loop, for backtests that trade rarely.
   * @param closes - the close prices.
   * @param from - the first bar to mark.
   * @param to - one past the last bar to mark.
   * @param out - receives the equity of bar `b` at `out[b - outOffset]`.
   * @param outOffset - the bar stored at `out[0]`.
   * @returns the equity after the last bar (`lastEquity` if the range is empty).
   * @throws {@link InvalidArgumentError} if the account holds more than one asset.
   * @example
   * ```ts
   * import { Account } from 'tradegym';
   * const acct = new Account({ initialCash: 1000 });
   * acct.setTarget(0, 1, 100, 0);
   * const equity = new Float64Array(3);
   * acct.markRun([100, 101, 99], 0, 3, equity, 0);
   * console.log(Array.from(equity)); // [1000, 1010, 990]
   * ```
   */
  markRun(closes: ArrayLike<number>, from: number, to: number, out: Float64Array, outOffset: number): number {
    if (this.assets !== 1) fail('assets', '1 for markRun (mark each bar of a multi-asset book)', this.assets);
    const p = this.positions[0] as number;
    let cash = this.cash;
    let e = this.lastEquity;
    if (p < 0 && this.borrowRate > 0) {
      const open = this.#open[0];
      for (let b = from; b < to; b++) {
        const price = closes[b] as number;
        const cost = -p * price * this.borrowRate;
        cash -= cost;
        this.borrowPaid += cost;
        this.borrowByAsset[0] = (this.borrowByAsset[0] as number) + cost;
        if (open !== undefined) open.borrow += cost;
        e = cash + p * price;
        out[b - outOffset] = e;
      }
    } else {
      for (let b = from; b < to; b++) {
        e = cash + p * (closes[b] as number);
        out[b - outOffset] = e;
      }
    }
    this.cash = cash;
    this.lastEquity = e;
    return e;
  }

  /**
   * The open trade of an asset: its side, entry and average entry price, or undefined when flat.
   * @param asset - the asset's index.
   * @returns the open trade's summary.
   */
  openTrade(asset: number): OpenTradeInfo | undefined {
    const o = this.#open[asset];
    return o === undefined ? undefined : { side: o.side, entryIndex: o.entryIndex, entryPrice: o.entryNotional / o.entryUnits };
  }

  #record(asset: number, before: number, after: number, price: number, fee: number, index: number): Trade | undefined {
    let open = this.#open[asset];
    let closed: Trade | undefined;
    let feeLeft = fee;
    const traded = Math.abs(after - before);
    // the part of the fill that reduces (or closes) an open position
    if (open !== undefined && before !== 0) {
      const reduce = Math.sign(after) === Math.sign(before) ? Math.max(0, Math.abs(before) - Math.abs(after)) : Math.abs(before);
      if (reduce > 0) {
        const avg = open.entryNotional / open.entryUnits;
        open.realised += open.side * (price - avg) * reduce;
        open.exitNotional += reduce * price;
        open.exitUnits += reduce;
        const share = traded > 0 ? (fee * reduce) / traded : fee;
        open.fees += share;
        feeLeft -= share;
      }
      if (after === 0 || Math.sign(after) !== Math.sign(before)) {
        closed = {
          asset,
          side: open.side,
          entryIndex: open.entryIndex,
          exitIndex: index,
          entryPrice: open.entryNotional / open.entryUnits,
          exitPrice: open.exitNotional / open.exitUnits,
          size: open.size,
          pnl: open.realised - open.fees - open.borrow,
          fees: open.fees,
          borrow: open.borrow,
          duration: index - open.entryIndex,
        };
        this.trades.push(closed);
        open = undefined;
      }
    }
    // the part that opens or adds
    if (after !== 0) {
      const add = open === undefined ? Math.abs(after) : Math.max(0, Math.abs(after) - Math.abs(before));
      if (open === undefined) {
        open = { side: after > 0 ? 1 : -1, entryIndex: index, entryNotional: 0, entryUnits: 0, exitNotional: 0, exitUnits: 0, size: 0, realised: 0, fees: 0, borrow: 0 };
      }
      if (add > 0) {
        open.entryNotional += add * price;
        open.entryUnits += add;
        open.fees += feeLeft;
      }
      open.size = Math.max(open.size, Math.abs(after));
    }
    this.#open[asset] = open;
    return closed;
  }
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(name, 'a finite number >= 0', v);
  return v;
}

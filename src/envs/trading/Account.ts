import { fail, requireFinite, requireInt, requireKnownKeys, show } from '../../core/checks.js';

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

/** An open position's trade: its side, first fill and average cost. */
export interface OpenTradeInfo {
  /** `1` long, `-1` short. */
  readonly side: 1 | -1;
  /** Bar index of the first fill. */
  readonly entryIndex: number;
  /**
   * The average cost of the units still open (fill prices after slippage): adds move it,
   * reductions do not. Unrealised PnL is `side * (price - entryPrice) * |position|`.
   */
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

/**
 * Slippage in basis points of the price: a number, or a function of the order and bar, in
 * [0, 10,000) (at 10,000 bps a sell would fill at a price of 0).
 */
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

/**
 * One round trip: from flat, through one side, back to flat (a fill that flips the side
 * closes one trade and opens the next).
 *
 * Accounting rule: **average cost of the units still open**. A fill that adds to the
 * position moves the average cost; a fill that reduces it realises
 * `side * (fill price - average cost) * units reduced` and leaves the average cost as it was.
 * `pnl` is the realised price PnL minus the trade's fees and borrow, so over a closed trade it
 * equals `side * (exitPrice - entryPrice) * units traded each way - fees - borrow`, and over any
 * sequence of fills that ends flat the trades' PnLs add up to the change in cash. A flipping
 * fill's fee is split between the closed and the new trade in proportion to their units.
 */
export interface Trade {
  /** The asset's index. */
  readonly asset: number;
  /** `1` long, `-1` short. */
  readonly side: 1 | -1;
  /** Bar index of the first fill. */
  readonly entryIndex: number;
  /** Bar index of the closing fill. */
  readonly exitIndex: number;
  /** Average entry price: volume-weighted over every fill that added to the position. */
  readonly entryPrice: number;
  /** Average exit price: volume-weighted over every fill that reduced it. */
  readonly exitPrice: number;
  /** The largest absolute size held, in units. */
  readonly size: number;
  /** Net profit: price PnL realised at average cost, minus the trade's fees and borrow. */
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
  avgCost: number; // average cost of the units still open
  openUnits: number; // |position|
  realised: number; // price PnL realised so far, at average cost
  fees: number;
  borrow: number;
}

/**
 * A float of an {@link AccountSnapshot}: a finite number as itself; `NaN`, `Infinity`,
 * `-Infinity` and `-0`, which JSON cannot hold, as the strings `'NaN'`, `'Infinity'`,
 * `'-Infinity'` and `'-0'`. So every Float64 value survives `JSON.stringify` and `JSON.parse`
 * bit for bit.
 */
export type SnapshotNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/**
 * Everything an {@link Account} holds that changes, as plain JSON-serialisable data
 * ({@link Account.snapshot}, {@link Account.restore}): the configuration it was taken of (to
 * refuse another account's), cash, positions, costs paid, the last equity, the closed trades
 * and each asset's open trade with its running totals. Floats are `SnapshotNumber`s.
 */
export type AccountSnapshot = {
  /** The snapshot format's version: 1. */
  readonly version: 1;
  /** The account's configuration; `slippage` is `'function'` for a slippage function. */
  readonly config: {
    readonly initialCash: number;
    readonly assets: number;
    readonly fee: number;
    readonly slippage: number | 'function';
    readonly borrowRate: number;
    readonly maxLeverage: number;
  };
  /** Cash. */
  readonly cash: SnapshotNumber;
  /** Signed units per asset. */
  readonly positions: readonly SnapshotNumber[];
  /** Fees paid since reset. */
  readonly feesPaid: SnapshotNumber;
  /** Borrow paid since reset. */
  readonly borrowPaid: SnapshotNumber;
  /** Borrow paid since reset, per asset. */
  readonly borrowByAsset: readonly SnapshotNumber[];
  /** Slippage cost since reset. */
  readonly slippagePaid: SnapshotNumber;
  /** Equity at the last `mark`. */
  readonly lastEquity: SnapshotNumber;
  /** The closed round trips, as {@link Trade}s without `duration` (it is `exitIndex - entryIndex`). */
  readonly trades: readonly {
    readonly asset: number;
    readonly side: 1 | -1;
    readonly entryIndex: number;
    readonly exitIndex: number;
    readonly entryPrice: SnapshotNumber;
    readonly exitPrice: SnapshotNumber;
    readonly size: SnapshotNumber;
    readonly pnl: SnapshotNumber;
    readonly fees: SnapshotNumber;
    readonly borrow: SnapshotNumber;
  }[];
  /** Per asset, its open trade's running totals, or null when flat. */
  readonly open: readonly ({
    readonly side: 1 | -1;
    readonly entryIndex: number;
    readonly entryNotional: SnapshotNumber;
    readonly entryUnits: SnapshotNumber;
    readonly exitNotional: SnapshotNumber;
    readonly exitUnits: SnapshotNumber;
    readonly size: SnapshotNumber;
    readonly avgCost: SnapshotNumber;
    readonly openUnits: SnapshotNumber;
    readonly realised: SnapshotNumber;
    readonly fees: SnapshotNumber;
    readonly borrow: SnapshotNumber;
  } | null)[];
};

const SNAPSHOT_KEYS = ['version', 'config', 'cash', 'positions', 'feesPaid', 'borrowPaid', 'borrowByAsset', 'slippagePaid', 'lastEquity', 'trades', 'open'] as const;
const CONFIG_KEYS = ['initialCash', 'assets', 'fee', 'slippage', 'borrowRate', 'maxLeverage'] as const;
const TRADE_FLOATS = ['entryPrice', 'exitPrice', 'size', 'pnl', 'fees', 'borrow'] as const;
const OPEN_FLOATS = ['entryNotional', 'entryUnits', 'exitNotional', 'exitUnits', 'size', 'avgCost', 'openUnits', 'realised', 'fees', 'borrow'] as const;

const BPS = 1e-4;
const ACCOUNT_KEYS = ['initialCash', 'assets', 'fee', 'slippage', 'borrowRate', 'maxLeverage'] as const;

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
   * @throws {@link InvalidArgumentError} for an unknown option, a null, or a value out of range
   *   (fee negative or not finite, slippage outside [0, 10,000) bps, leverage <= 0, ...), naming it.
   */
  constructor(options: AccountOptions) {
    requireKnownKeys('options', options, ACCOUNT_KEYS);
    const cash = requireFinite('initialCash', options.initialCash);
    if (cash <= 0) fail('initialCash', 'a finite number > 0', cash);
    this.initialCash = cash;
    this.assets = requireInt('assets', options.assets ?? 1, 1);
    this.fee = nonNegative('fee', options.fee ?? 0);
    const slip = options.slippage ?? 0;
    this.slippage = typeof slip === 'function' ? slip : slippageBps('slippage', slip);
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
   * @param prices - one price per asset (finite, > 0).
   * @returns the equity.
   * @throws {@link InvalidArgumentError} if `prices` has fewer entries than assets or holds a
   *   price that is not finite and > 0.
   */
  equity(prices: ArrayLike<number>): number {
    this.#checkPrices('prices', prices);
    return this.#equityAt(prices);
  }

  #equityAt(prices: ArrayLike<number>): number {
    let e = this.cash;
    for (let a = 0; a < this.assets; a++) e += (this.positions[a] as number) * (prices[a] as number);
    return e;
  }

  /**
   * Gross exposure (sum of |position| * price) at the given prices.
   * @param prices - one price per asset (finite, > 0).
   * @returns the exposure.
   * @throws {@link InvalidArgumentError} as {@link Account.equity}.
   */
  exposure(prices: ArrayLike<number>): number {
    this.#checkPrices('prices', prices);
    let g = 0;
    for (let a = 0; a < this.assets; a++) g += Math.abs((this.positions[a] as number) * (prices[a] as number));
    return g;
  }

  /**
   * Moves one asset's position to `fraction` of equity, sized so that the fill's own costs are
   * counted: after the fill, the position's notional at `price` is exactly `fraction` times
   * the equity left once the fee and the slippage are paid. The target is capped so that gross
   * exposure (this asset's plus the others') stays within `maxLeverage` times that equity, also
   * exactly. With a slippage function, the rate is evaluated at the order the fee-only sizing
   * gives, the order is re-sized with it, the rate evaluated again at that order and the order
   * sized and filled with this last rate (so the cap holds for the rate the fill pays).
   *
   * When equity is 0 or less, the position is only closed.
   *
   * @param asset - the asset's index.
   * @param fraction - the target exposure as a signed fraction of equity (finite).
   * @param price - the reference price (e.g. the next bar's open), finite and > 0.
   * @param index - the bar index, for the trade record (an integer >= 0).
   * @param bar - the bar the fill happens in, passed to a slippage function (default: a bar of
   *   zeros; the envs and the backtester pass the real bar).
   * @param prices - every asset's price, for equity and the leverage cap (default: `price` for
   *   a single asset); this asset is valued at `price`.
   * @returns the fill, or undefined when nothing needed to trade.
   * @throws {@link InvalidArgumentError} for an asset index out of range, a fraction that is not
   *   finite, a price that is not finite and > 0, or too few `prices`.
   * @example
   * ```ts
   * import { Account } from 'tradegym';
   * const acct = new Account({ initialCash: 10_000, fee: 10, slippage: 5 });
   * acct.setTarget(0, 1, 100, 0);
   * // exposure equals equity after the fill's costs, never more
   * console.log((acct.exposure([100]) / acct.equity([100])).toFixed(12)); // "1.000000000000"
   * ```
   */
  setTarget(asset: number, fraction: number, price: number, index: number, bar: SlippageContext['bar'] = this.#noBar, prices?: ArrayLike<number>): Fill | undefined {
    this.#checkAsset(asset);
    requireFinite('fraction', fraction);
    checkPrice('price', price);
    checkIndex(index);
    if (prices !== undefined) this.#checkPrices('prices', prices);
    else if (this.assets > 1) fail('prices', `given for a book of ${this.assets} assets`, prices);
    const current = this.positions[asset] as number;
    const n0 = current * price;
    let equity = this.cash + n0;
    let others = 0;
    for (let b = 0; b < this.assets; b++) {
      if (b === asset || prices === undefined) continue;
      const v = (this.positions[b] as number) * (prices[b] as number);
      equity += v;
      others += Math.abs(v);
    }
    if (!(equity > 0)) return current === 0 ? undefined : this.#fill(asset, -current, price, index, this.#slipBps(asset, -current, price, bar)); // bankrupt: only close
    // no closures here: this runs once per asset per env step
    let bps: number;
    if (typeof this.slippage === 'function') {
      const first = this.#slipBps(asset, this.#targetNotional(fraction, n0, equity, others, 0) / price - current, price, bar);
      bps = this.#slipBps(asset, this.#targetNotional(fraction, n0, equity, others, first * BPS) / price - current, price, bar);
    } else {
      bps = this.slippage;
    }
    const n = this.#targetNotional(fraction, n0, equity, others, bps * BPS);
    const units = n / price - current;
    if (Math.abs(units) * price <= 1e-9 * equity) return undefined;
    return this.#fill(asset, units, price, index, bps);
  }

  /**
   * The post-fill notional `N` of the target: `N = f * E'` where `E' = E - |N - N0| * k` is the
   * equity left after the fill's costs (k per unit of notional: slippage `s`, and the fee on
   * the slipped price, `phi * (1 ± s)`), unless gross exposure `|N| + others` would exceed
   * `maxLeverage * E'`, in which case `|N| = max(0, maxLeverage * E' - others)`.
   */
  #targetNotional(fraction: number, n0: number, equity: number, others: number, s: number): number {
    const n = this.#solveNotional(fraction, 0, n0, equity, s);
    const d = Math.sign(n - n0);
    const left = equity - Math.abs(n - n0) * (s + this.fee * BPS * (1 + d * s));
    if (Math.abs(n) + others <= this.maxLeverage * left * (1 + 1e-12)) return n;
    const sign = fraction < 0 ? -1 : 1;
    const capped = this.#solveNotional(sign * this.maxLeverage, -sign * others, n0, equity, s);
    return sign * capped > 0 ? capped : 0;
  }

  /** N = a E' + b with E' = E - d (N - N0) k, d the side of the fill: linear in N on each side. */
  #solveNotional(a: number, b: number, n0: number, equity: number, s: number): number {
    const phi = this.fee * BPS;
    for (let d = 1; d >= -1; d -= 2) {
      const k = s + phi * (1 + d * s);
      const den = 1 + a * d * k;
      if (!(den > 0)) continue;
      const n = (a * (equity + d * k * n0) + b) / den;
      if (d * (n - n0) >= 0) return n;
    }
    return n0;
  }

  /**
   * Trades `units` of one asset at `price` plus slippage, paying the fee.
   * @param asset - the asset's index.
   * @param units - units to buy (> 0) or sell (< 0), finite.
   * @param price - the reference price, finite and > 0.
   * @param index - the bar index, for the trade record (an integer >= 0).
   * @param bar - the bar the fill happens in, passed to a slippage function (default: a bar of
   *   zeros; the envs and the backtester pass the real bar).
   * @returns the fill.
   * @throws {@link InvalidArgumentError} for an asset index out of range, units that are not
   *   finite, a price that is not finite and > 0, or a slippage function returning a value
   *   outside [0, 10,000) bps.
   * @example
   * ```ts
   * import { Account } from 'tradegym';
   * const a = new Account({ initialCash: 10_000 });
   * a.trade(0, 10, 100, 0); a.trade(0, -5, 110, 1); a.trade(0, 5, 120, 2); a.trade(0, -10, 120, 3);
   * // average cost: 50 realised on the first 5 units, 100 on the last 10 (cost 110)
   * console.log(a.trades[0]?.pnl, a.cash - 10_000); // 150 150
   * ```
   */
  trade(asset: number, units: number, price: number, index: number, bar: SlippageContext['bar'] = this.#noBar): Fill {
    this.#checkAsset(asset);
    requireFinite('units', units);
    checkPrice('price', price);
    checkIndex(index);
    return this.#fill(asset, units, price, index, this.#slipBps(asset, units, price, bar));
  }

  #slipBps(asset: number, units: number, price: number, bar: SlippageContext['bar']): number {
    if (typeof this.slippage !== 'function') return this.slippage;
    return slippageBps('slippage()', this.slippage({ asset, units, price, bar }));
  }

  /**
   * Books a fill whose price and fee were set elsewhere (an exchange's fill): `units` at
   * `price`, paying `fee` in cash, with the same bookkeeping as every other fill (cash,
   * position, fees, the round trip). No slippage and no fee rate are applied: the price is the
   * one traded at, and the fee the one charged.
   * @param asset - the asset's index.
   * @param units - units bought (> 0) or sold (< 0), finite and not 0.
   * @param price - the price traded at, finite and > 0.
   * @param fee - the fee paid, in cash, finite and >= 0.
   * @param index - the bar index, for the trade record (an integer >= 0).
   * @returns the fill (its `slippageCost` is 0).
   * @throws {@link InvalidArgumentError} for an asset index out of range, units that are 0 or not
   *   finite, a price that is not finite and > 0, a fee that is negative or not finite, or a bad index.
   * @example
   * ```ts
   * import { Account } from 'tradegym';
   * const a = new Account({ initialCash: 1000 });
   * a.book(0, 2, 100, 0.2, 0);   // bought 2 at 100, paid a fee of 0.2
   * a.book(0, -2, 110, 0.22, 1); // sold them at 110
   * console.log(a.cash.toFixed(2), a.trades[0]?.pnl.toFixed(2)); // 1019.58 19.58
   * ```
   */
  book(asset: number, units: number, price: number, fee: number, index: number): Fill {
    this.#checkAsset(asset);
    if (requireFinite('units', units) === 0) fail('units', 'a finite number other than 0', units);
    checkPrice('price', price);
    nonNegative('fee', fee);
    checkIndex(index);
    return this.#book(asset, units, price, fee, 0, index);
  }

  #fill(asset: number, units: number, price: number, index: number, slipBps: number): Fill {
    const exec = price * (1 + Math.sign(units) * slipBps * BPS);
    const notional = Math.abs(units) * exec;
    const fee = notional * this.fee * BPS;
    const slippageCost = Math.abs(units) * Math.abs(exec - price);
    return this.#book(asset, units, exec, fee, slippageCost, index);
  }

  /** The one copy of a fill's bookkeeping: cash, fees, slippage, the position and the round trip. */
  #book(asset: number, units: number, exec: number, fee: number, slippageCost: number, index: number): Fill {
    this.cash -= units * exec + fee;
    this.feesPaid += fee;
    this.slippagePaid += slippageCost;
    const before = this.positions[asset] as number;
    const after = before + units;
    // a close leaves float noise of the size it closed: that is flat. The scale is the fill's or
    // the position's, never an absolute size: a small position opened (cash paid) is kept
    this.positions[asset] = Math.abs(after) < 1e-12 * Math.max(Math.abs(before), Math.abs(units)) ? 0 : after;
    const closed = this.#record(asset, before, this.positions[asset] as number, exec, fee, index);
    return { asset, units, price: exec, fee, slippageCost, closed };
  }

  /**
   * Marks the book at close prices and charges one bar of borrow on shorts.
   * @param prices - one close per asset (finite, > 0).
   * @returns the equity after borrow.
   * @throws {@link InvalidArgumentError} as {@link Account.equity}.
   */
  mark(prices: ArrayLike<number>): number {
    this.#checkPrices('prices', prices);
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
    this.lastEquity = this.#equityAt(prices);
    return this.lastEquity;
  }

  /**
   * Marks a single-asset book at consecutive closes while the position is unchanged: the same
   * arithmetic as calling {@link Account.mark} once per bar (borrow charged bar by bar), in one
   * loop, for backtests that trade rarely.
   * @param closes - the close prices (each finite and > 0).
   * @param from - the first bar to mark.
   * @param to - one past the last bar to mark.
   * @param out - receives the equity of bar `b` at `out[b - outOffset]`.
   * @param outOffset - the bar stored at `out[0]`.
   * @returns the equity after the last bar (`lastEquity` if the range is empty).
   * @throws {@link InvalidArgumentError} if the account holds more than one asset, the range is
   *   not inside `closes` and `out`, or a close is not finite and > 0.
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
    requireInt('from', from, 0);
    requireInt('to', to, from);
    if (to > closes.length) fail('to', `<= closes.length (${closes.length})`, to);
    requireInt('outOffset', outOffset, 0);
    if (to > from && (from < outOffset || to - outOffset > out.length)) fail('out', `long enough for bars ${from}..${to - 1} from offset ${outOffset}`, out);
    const p = this.positions[0] as number;
    let cash = this.cash;
    let e = this.lastEquity;
    const charge = p < 0 && this.borrowRate > 0;
    const open = this.#open[0];
    for (let b = from; b < to; b++) {
      const price = closes[b] as number;
      if (!(price > 0 && price < Infinity)) fail(`closes[${b}]`, 'a finite number > 0', price);
      if (charge) {
        const cost = -p * price * this.borrowRate;
        cash -= cost;
        this.borrowPaid += cost;
        this.borrowByAsset[0] = (this.borrowByAsset[0] as number) + cost;
        if (open !== undefined) open.borrow += cost;
      }
      e = cash + p * price;
      out[b - outOffset] = e;
    }
    this.cash = cash;
    this.lastEquity = e;
    return e;
  }

  /**
   * Everything about the account that changes, as plain data: a deep copy, JSON-serialisable,
   * whose floats come back bit for bit through JSON. With {@link Account.restore}, an exact
   * save and resume of the ledger. Its fields (the `AccountSnapshot` interface of
   * `src/envs/trading/Account.ts`): `version` (1); `config` (initial cash, assets, fee,
   * slippage, or `'function'`, borrow rate, leverage cap: the configuration it was taken of);
   * `cash`, `positions`, `feesPaid`, `borrowPaid`, `borrowByAsset`, `slippagePaid`,
   * `lastEquity`; `trades` (the closed {@link Trade}s without `duration`); `open` (per asset,
   * the open trade's running totals, or null). Floats are numbers, except `NaN`, `Infinity`,
   * `-Infinity` and `-0`, which JSON cannot hold: those are the strings `'NaN'`,
   * `'Infinity'`, `'-Infinity'` and `'-0'`.
   * @returns the snapshot: treat it as opaque, and give it back to `restore`.
   * @example
   * ```ts
   * import { Account } from 'tradegym';
   * const acct = new Account({ initialCash: 10_000, fee: 10 });
   * acct.setTarget(0, 1, 100, 0);
   * const saved = JSON.stringify(acct.snapshot());
   * acct.setTarget(0, -1, 120, 1);
   * const copy = new Account({ initialCash: 10_000, fee: 10 });
   * copy.restore(JSON.parse(saved));
   * copy.setTarget(0, -1, 120, 1);
   * console.log(copy.cash === acct.cash, copy.trades.length); // true 1
   * ```
   */
  snapshot(): Readonly<Record<string, unknown>> {
    const e = encodeNumber;
    const snap: AccountSnapshot = {
      version: 1,
      config: {
        initialCash: this.initialCash,
        assets: this.assets,
        fee: this.fee,
        slippage: typeof this.slippage === 'function' ? 'function' : this.slippage,
        borrowRate: this.borrowRate,
        maxLeverage: this.maxLeverage,
      },
      cash: e(this.cash),
      positions: Array.from(this.positions, e),
      feesPaid: e(this.feesPaid),
      borrowPaid: e(this.borrowPaid),
      borrowByAsset: Array.from(this.borrowByAsset, e),
      slippagePaid: e(this.slippagePaid),
      lastEquity: e(this.lastEquity),
      trades: this.trades.map((t) => ({
        asset: t.asset,
        side: t.side,
        entryIndex: t.entryIndex,
        exitIndex: t.exitIndex,
        entryPrice: e(t.entryPrice),
        exitPrice: e(t.exitPrice),
        size: e(t.size),
        pnl: e(t.pnl),
        fees: e(t.fees),
        borrow: e(t.borrow),
      })),
      open: this.#open.map((o) =>
        o === undefined
          ? null
          : {
              side: o.side,
              entryIndex: o.entryIndex,
              entryNotional: e(o.entryNotional),
              entryUnits: e(o.entryUnits),
              exitNotional: e(o.exitNotional),
              exitUnits: e(o.exitUnits),
              size: e(o.size),
              avgCost: e(o.avgCost),
              openUnits: e(o.openUnits),
              realised: e(o.realised),
              fees: e(o.fees),
              borrow: e(o.borrow),
            },
      ),
    };
    return snap;
  }

  /**
   * Puts back the state of a {@link Account.snapshot} (possibly read back through JSON): the
   * account then goes on exactly as the one the snapshot was taken of. The snapshot is checked
   * whole before anything changes, so a refused one leaves the account as it was.
   * @param snapshot - a snapshot of an account of the same configuration (initial cash,
   *   assets, fee, slippage, borrow rate, leverage cap; a slippage function matches any
   *   function).
   * @throws {@link InvalidArgumentError} naming the offending entry (e.g.
   *   `snapshot.config.assets`, `snapshot.trades[3].side`) for another configuration, an
   *   unknown or missing key, a value of the wrong kind or out of range, arrays not of one
   *   entry per asset, or an open trade that does not match its position (present exactly
   *   when the position is not 0, on its side).
   * @example
   * ```ts
   * import { Account, InvalidArgumentError } from 'tradegym';
   * const one = new Account({ initialCash: 1000 });
   * const two = new Account({ initialCash: 1000, assets: 2 });
   * try { two.restore(one.snapshot()); } catch (e) { console.log(e instanceof InvalidArgumentError); } // true
   * ```
   */
  restore(snapshot: unknown): void {
    const s = requireKnownKeys('snapshot', snapshot, SNAPSHOT_KEYS);
    for (const k of SNAPSHOT_KEYS) if (!(k in s)) fail(`snapshot.${k}`, 'present', undefined);
    if (s.version !== 1) fail('snapshot.version', '1', s.version);
    const c = requireKnownKeys('snapshot.config', s.config, CONFIG_KEYS);
    const slip = typeof this.slippage === 'function' ? 'function' : this.slippage;
    const want: Record<(typeof CONFIG_KEYS)[number], unknown> = { initialCash: this.initialCash, assets: this.assets, fee: this.fee, slippage: slip, borrowRate: this.borrowRate, maxLeverage: this.maxLeverage };
    for (const k of CONFIG_KEYS) if (c[k] !== want[k]) fail(`snapshot.config.${k}`, `${show(want[k])} (this account's ${k})`, c[k]);
    const n = this.assets;
    const perAsset = (name: 'positions' | 'borrowByAsset'): number[] => {
      const v = s[name];
      if (!Array.isArray(v) || v.length !== n) fail(`snapshot.${name}`, `an array of ${n} numbers (one per asset)`, v);
      return v.map((x: unknown, a) => decodeNumber(`snapshot.${name}[${a}]`, x));
    };
    const positions = perAsset('positions');
    const borrowByAsset = perAsset('borrowByAsset');
    const scalar = (name: 'cash' | 'feesPaid' | 'borrowPaid' | 'slippagePaid' | 'lastEquity'): number => decodeNumber(`snapshot.${name}`, s[name]);
    const cash = scalar('cash');
    const feesPaid = scalar('feesPaid');
    const borrowPaid = scalar('borrowPaid');
    const slippagePaid = scalar('slippagePaid');
    const lastEquity = scalar('lastEquity');
    if (!Array.isArray(s.trades)) fail('snapshot.trades', 'an array of trades', s.trades);
    const trades = s.trades.map((raw: unknown, i): Trade => {
      const name = `snapshot.trades[${i}]`;
      const t = requireRecordOf(name, raw, ['asset', 'side', 'entryIndex', 'exitIndex', ...TRADE_FLOATS]);
      const asset = t.asset;
      if (typeof asset !== 'number' || !Number.isInteger(asset) || asset < 0 || asset >= n) fail(`${name}.asset`, `an integer in [0, ${n - 1}]`, asset);
      const entryIndex = snapshotIndex(`${name}.entryIndex`, t.entryIndex, 0);
      const exitIndex = snapshotIndex(`${name}.exitIndex`, t.exitIndex, entryIndex);
      const f = (k: (typeof TRADE_FLOATS)[number]): number => decodeNumber(`${name}.${k}`, t[k]);
      return { asset, side: snapshotSide(`${name}.side`, t.side), entryIndex, exitIndex, entryPrice: f('entryPrice'), exitPrice: f('exitPrice'), size: f('size'), pnl: f('pnl'), fees: f('fees'), borrow: f('borrow'), duration: exitIndex - entryIndex };
    });
    if (!Array.isArray(s.open) || s.open.length !== n) fail('snapshot.open', `an array of ${n} open trades or nulls (one per asset)`, s.open);
    const open = s.open.map((raw: unknown, a): OpenTrade | undefined => {
      const name = `snapshot.open[${a}]`;
      const p = positions[a] as number;
      if (raw === null) {
        if (p !== 0) fail(name, `an open trade, since positions[${a}] is ${p}`, raw);
        return undefined;
      }
      const o = requireRecordOf(name, raw, ['side', 'entryIndex', ...OPEN_FLOATS]);
      const side = snapshotSide(`${name}.side`, o.side);
      if (p === 0) fail(name, `null, since positions[${a}] is 0`, raw);
      if (side * p < 0) fail(`${name}.side`, `the side of positions[${a}] (${p})`, side);
      const f = (k: (typeof OPEN_FLOATS)[number]): number => decodeNumber(`${name}.${k}`, o[k]);
      return {
        side,
        entryIndex: snapshotIndex(`${name}.entryIndex`, o.entryIndex, 0),
        entryNotional: f('entryNotional'),
        entryUnits: f('entryUnits'),
        exitNotional: f('exitNotional'),
        exitUnits: f('exitUnits'),
        size: f('size'),
        avgCost: f('avgCost'),
        openUnits: f('openUnits'),
        realised: f('realised'),
        fees: f('fees'),
        borrow: f('borrow'),
      };
    });
    // every entry checked: now the state changes, all of it
    this.cash = cash;
    this.positions.set(positions);
    this.feesPaid = feesPaid;
    this.borrowPaid = borrowPaid;
    this.borrowByAsset.set(borrowByAsset);
    this.slippagePaid = slippagePaid;
    this.lastEquity = lastEquity;
    this.trades.length = 0;
    this.trades.push(...trades);
    for (let a = 0; a < n; a++) this.#open[a] = open[a];
  }

  /**
   * The open trade of an asset: its side, first fill and the average cost of the units still
   * open, or undefined when flat.
   * @param asset - the asset's index.
   * @returns the open trade's summary.
   * @throws {@link InvalidArgumentError} for an asset index out of range.
   */
  openTrade(asset: number): OpenTradeInfo | undefined {
    this.#checkAsset(asset);
    const o = this.#open[asset];
    return o === undefined ? undefined : { side: o.side, entryIndex: o.entryIndex, entryPrice: o.avgCost };
  }

  #checkAsset(asset: number): void {
    if (!Number.isInteger(asset) || asset < 0 || asset >= this.assets) fail('asset', `an integer in [0, ${this.assets - 1}]`, asset);
  }

  #checkPrices(name: string, prices: ArrayLike<number>): void {
    if (prices === null || typeof prices !== 'object' || typeof prices.length !== 'number') fail(name, 'an array of prices', prices);
    if (prices.length < this.assets) fail(`${name}.length`, `>= ${this.assets} (one price per asset)`, prices.length);
    for (let a = 0; a < this.assets; a++) {
      const v = prices[a];
      if (typeof v !== 'number' || !(v > 0 && v < Infinity)) fail(`${name}[${a}]`, 'a finite number > 0', v);
    }
  }

  #record(asset: number, before: number, after: number, price: number, fee: number, index: number): Trade | undefined {
    let open = this.#open[asset];
    let closed: Trade | undefined;
    let feeLeft = fee;
    const traded = Math.abs(after - before);
    // the part of the fill that reduces (or closes) an open position: realised at average cost
    if (open !== undefined && before !== 0) {
      const reduce = Math.sign(after) === Math.sign(before) ? Math.max(0, Math.abs(before) - Math.abs(after)) : Math.abs(before);
      if (reduce > 0) {
        open.realised += open.side * (price - open.avgCost) * reduce;
        open.openUnits = Math.max(0, open.openUnits - reduce);
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
    // the part that opens or adds: moves the average cost
    if (after !== 0) {
      const add = open === undefined ? Math.abs(after) : Math.max(0, Math.abs(after) - Math.abs(before));
      if (open === undefined) {
        open = { side: after > 0 ? 1 : -1, entryIndex: index, entryNotional: 0, entryUnits: 0, exitNotional: 0, exitUnits: 0, size: 0, avgCost: price, openUnits: 0, realised: 0, fees: 0, borrow: 0 };
      }
      if (add > 0) {
        open.avgCost = (open.avgCost * open.openUnits + price * add) / (open.openUnits + add);
        open.openUnits += add;
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

/** Slippage in bps: [0, 10,000), since at 10,000 bps a sell fills at a price of 0. */
function slippageBps(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 10_000)) fail(name, 'a number of bps in [0, 10000)', v);
  return v;
}

function checkPrice(name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v > 0 && v < Infinity)) fail(name, 'a finite number > 0', v);
}

function checkIndex(index: unknown): void {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) fail('index', 'an integer >= 0', index);
}

/** A float for a snapshot: finite numbers as themselves, the rest (and -0) as strings JSON keeps. */
function encodeNumber(v: number): SnapshotNumber {
  if (Object.is(v, -0)) return '-0';
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function decodeNumber(name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) return SPECIAL[v] as number;
  return fail(name, "a finite number, or one of 'NaN', 'Infinity', '-Infinity', '-0'", v);
}

/** A record with exactly these keys. */
function requireRecordOf(name: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  const rec = requireKnownKeys(name, v, keys);
  for (const k of keys) if (!(k in rec)) fail(`${name}.${k}`, 'present', undefined);
  return rec;
}

function snapshotSide(name: string, v: unknown): 1 | -1 {
  if (v !== 1 && v !== -1) fail(name, '1 or -1', v);
  return v;
}

function snapshotIndex(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(name, `an integer >= ${min}`, v);
  return v;
}

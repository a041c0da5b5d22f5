import { fail, requireKnownKeys } from '../core/checks.js';
import type { StrategyContext } from './backtest.js';

/** Options of {@link dcaBotStrategy}; fractions are of equity. */
export interface DcaBotOptions {
  /** The first buy of a cycle (default 0.05). */
  readonly firstBuy?: number;
  /** Buy again each time the close falls this fraction below the last buy's close (default 0.02). */
  readonly step?: number;
  /** Each buy after the first is this multiple of the one before (default 1.5). */
  readonly multiplier?: number;
  /** The largest single buy (default 0.25). */
  readonly maxBuy?: number;
  /** The largest position the cycle builds (default 1; at most the account's `maxLeverage`). */
  readonly maxPosition?: number;
  /** Sell the whole cycle once the close is this fraction above the cycle's average buy close (default 0.015). */
  readonly takeProfit?: number;
}

const DCA_BOT_DEFAULTS = { firstBuy: 0.05, step: 0.02, multiplier: 1.5, maxBuy: 0.25, maxPosition: 1, takeProfit: 0.015 } as const;

/**
 * Dollar-cost averaging as trading bots run it (a "DCA bot" with safety orders, unlike
 * `dcaStrategy`'s buy-every-n-bars baseline): a cycle opens with a small buy, adds a larger buy each
 * time the price falls `step` below the last buy (each `multiplier` times the one before, none
 * larger than `maxBuy`, the position no larger than `maxPosition`), and sells everything only
 * once the close is `takeProfit` above the cycle's average buy close: it never sells at a loss
 * (add stops through `risk` if you want them). Long only.
 *
 * It is a strategy function over {@link StrategyContext}, so `backtest()` and the live runner
 * run it alike. It keeps its cycle between calls: make one per run, and call it bar by bar.
 * Buys are decided at closes and sized from the position at that close; the average is of the
 * decision closes (with `'next-open'` execution the fills are at the next opens).
 *
 * @param options - see {@link DcaBotOptions}.
 * @returns the strategy function: the target position at each close, NaN to hold.
 * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of range, naming it.
 * @example
 * ```ts
 * import { backtest, dcaBotStrategy, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 3000, seed: 5 });
 * const result = backtest({ data, strategy: dcaBotStrategy({ firstBuy: 0.05, step: 0.01, maxBuy: 0.2 }), account: { fee: 10 } });
 * // every closed cycle sold above its entry price
 * console.log(result.trades.every((t) => t.exitPrice > t.entryPrice)); // true
 * ```
 */
export function dcaBotStrategy(options: DcaBotOptions = {}): (ctx: StrategyContext) => number {
  requireKnownKeys('options', options, Object.keys(DCA_BOT_DEFAULTS));
  const o = { ...DCA_BOT_DEFAULTS, ...options };
  const positive = (name: keyof DcaBotOptions, max: number) => {
    const v = o[name];
    if (typeof v !== 'number' || !(v > 0 && v <= max)) fail(`options.${name}`, `a number in (0, ${max}]`, v);
  };
  positive('firstBuy', 100);
  positive('step', 1);
  positive('maxBuy', 100);
  positive('maxPosition', 100);
  positive('takeProfit', 100);
  if (typeof o.multiplier !== 'number' || !(o.multiplier >= 1 && o.multiplier < Infinity)) fail('options.multiplier', 'a finite number >= 1', o.multiplier);
  if (o.firstBuy > o.maxPosition) fail('options.firstBuy', `<= options.maxPosition (${o.maxPosition})`, o.firstBuy);
  let lastBuy = 0; // the close of the cycle's last buy (0: no cycle)
  let lastLot = 0;
  let bought = 0; // the sum of the lots and of lot x close, for the average
  let cost = 0;
  return ({ index, data, position }) => {
    const c = data.close[index] as number;
    if (lastBuy > 0 && position <= 0) lastBuy = 0; // the cycle was closed (by us, or a stop)
    if (lastBuy === 0) {
      lastBuy = c;
      lastLot = o.firstBuy;
      bought = lastLot;
      cost = lastLot * c;
      return Math.min(o.maxPosition, position + lastLot);
    }
    if (c >= (cost / bought) * (1 + o.takeProfit)) {
      lastBuy = 0;
      return 0;
    }
    if (c <= lastBuy * (1 - o.step) && position < o.maxPosition) {
      lastLot = Math.min(o.maxBuy, lastLot * o.multiplier);
      lastBuy = c;
      bought += lastLot;
      cost += lastLot * c;
      return Math.min(o.maxPosition, position + lastLot);
    }
    return Number.NaN;
  };
}

// The one builder of a BacktestResult from a run's equity, positions and ledger: the lazy
// metrics, trade statistics and buy-and-hold benchmark every backtest returns. backtest()'s
// runs and the portfolio and multi-agent backtests (portfolio.ts, multiAgent.ts) build their
// results here, so a report reads the same fields the same way whatever ran.
import type { Account } from '../envs/trading/Account.js';
import type { BacktestResult } from './backtest.js';
import { returnMetrics, type ReturnMetrics } from './metrics.js';
import type { RiskEvent } from './risk.js';
import { tradeStats, type TradeStats } from './tradeStats.js';

/** What {@link buildResult} assembles a result from. @internal */
export interface ResultParts {
  /** The bar index (in the data) of the first equity point. */
  readonly startIndex: number;
  /** One timestamp per equity point. */
  readonly timestamps: Float64Array;
  /** One price per equity point: buy-and-hold (the benchmark) holds this series from its first point. */
  readonly prices: Float64Array;
  /** Equity at each point; the first is the starting cash. */
  readonly equity: Float64Array;
  /** One position per equity point, or a function building them on first read. */
  readonly positions: Float64Array | (() => Float64Array);
  /** The ledger the run traded through: its trades, fees and borrow. */
  readonly account: Account;
  /** Periods per year for annualising. */
  readonly periodsPerYear: number;
  /** Risk events of the run. */
  readonly events: readonly RiskEvent[];
}

/**
 * A {@link BacktestResult} from a run's parts, with `extra` fields (a multi-asset run's detail)
 * beside them. The benchmark and every statistic are computed on first read (as vectorbt's
 * stats), so a sweep that needs only equity and trades does not pay for them. @internal
 */
export function buildResult<E extends object = object>(parts: ResultParts, extra?: E): BacktestResult & E {
  const { startIndex, timestamps, prices, equity, account: acct, periodsPerYear, events } = parts;
  const units = parts.positions;
  let positions = typeof units === 'function' ? undefined : units;
  const held = () => (positions ??= (units as () => Float64Array)());
  const n = equity.length;
  let returns: Float64Array | undefined;
  const simpleReturns = () => {
    if (returns !== undefined) return returns;
    returns = new Float64Array(n - 1);
    for (let k = 1; k < n; k++) returns[k - 1] = (equity[k] as number) / (equity[k - 1] as number) - 1;
    return returns;
  };
  const cash = equity[0] as number;
  const o = { periodsPerYear };
  const trades = acct.trades.slice();
  let bhEquity: Float64Array | undefined;
  let bhReturns: Float64Array | undefined;
  const buyAndHoldEquity = () => {
    if (bhEquity !== undefined) return bhEquity;
    bhEquity = new Float64Array(n);
    for (let k = 0; k < n; k++) bhEquity[k] = (cash * (prices[k] as number)) / (prices[0] as number);
    return bhEquity;
  };
  const buyAndHoldReturns = () => {
    if (bhReturns !== undefined) return bhReturns;
    bhReturns = new Float64Array(n - 1);
    for (let k = 1; k < n; k++) bhReturns[k - 1] = (prices[k] as number) / (prices[k - 1] as number) - 1;
    return bhReturns;
  };
  let metrics: ReturnMetrics | undefined;
  let stats: TradeStats | undefined;
  let benchmark: BacktestResult['benchmark'] | undefined;
  return {
    ...(extra as E),
    startIndex,
    timestamps,
    prices,
    equity,
    get returns() {
      return simpleReturns();
    },
    get positions() {
      return held();
    },
    trades,
    fees: acct.feesPaid,
    borrow: acct.borrowPaid,
    periodsPerYear,
    get metrics() {
      return (metrics ??= returnMetrics(simpleReturns(), { ...o, benchmark: buyAndHoldReturns() }));
    },
    get stats() {
      // buy-and-hold's equity is proportional to the prices: its return is theirs
      return (stats ??= tradeStats(trades, equity, held(), prices));
    },
    get benchmark() {
      if (benchmark !== undefined) return benchmark;
      let bhMetrics: ReturnMetrics | undefined;
      return (benchmark = {
        get equity() {
          return buyAndHoldEquity();
        },
        get returns() {
          return buyAndHoldReturns();
        },
        get metrics() {
          return (bhMetrics ??= returnMetrics(buyAndHoldReturns(), o));
        },
      });
    },
    events,
  };
}

// A multi-asset book recorded step by step from an env's own Account, for the portfolio and
// multi-agent backtests (portfolio.ts, multiAgent.ts): the ledger is read, never re-computed.
import { fail } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Account } from '../envs/trading/Account.js';
import type { MarketData } from '../market/MarketData.js';
import { inferPeriodsPerYear } from './backtest.js';
import type { PortfolioAssetDetail } from './portfolio.js';
import type { ResultParts } from './result.js';

/**
 * Records a multi-asset book after each step of a run and builds its result: the equity and
 * the positions are the ledger's own, read once per step. @internal
 */
export class BookRecorder {
  readonly #assets: readonly MarketData[];
  readonly #account: Account;
  readonly #start: number;
  readonly #equity: number[] = [];
  readonly #units: number[] = [];

  /**
   * @param assets - the env's assets.
   * @param account - the env's ledger.
   * @param start - the bar of the first point (the reset's bar).
   */
  constructor(assets: readonly MarketData[], account: Account, start: number) {
    this.#assets = assets;
    this.#account = account;
    this.#start = start;
    this.record();
  }

  /** Reads the ledger's equity (its last mark) and positions. */
  record(): void {
    this.#equity.push(this.#account.lastEquity);
    for (const u of this.#account.positions) this.#units.push(u);
  }

  /** Equity points recorded so far. */
  get length(): number {
    return this.#equity.length;
  }

  /**
   * @param periodsPerYear - for annualising.
   * @returns the parts of the run's result, and each asset's detail.
   */
  parts(periodsPerYear: number): { parts: ResultParts; assets: PortfolioAssetDetail[] } {
    const n = this.#equity.length;
    const m = this.#assets.length;
    const start = this.#start;
    const equity = Float64Array.from(this.#equity);
    const first = this.#assets[0] as MarketData;
    const basket = new Float64Array(n);
    const gross = new Float64Array(n);
    const trades = this.#account.trades;
    const assets = this.#assets.map((d, a) => {
      const prices = d.close.subarray(start, start + n);
      const positions = new Float64Array(n);
      const exposure = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const u = this.#units[k * m + a] as number;
        const p = prices[k] as number;
        positions[k] = u;
        exposure[k] = (u * p) / (equity[k] as number);
        gross[k] = (gross[k] as number) + Math.abs(exposure[k] as number);
        basket[k] = (basket[k] as number) + (100 * p) / (prices[0] as number) / m;
      }
      return { symbol: d.symbol, prices, positions, exposure, trades: trades.filter((t) => t.asset === a) };
    });
    return { parts: { startIndex: start, timestamps: first.timestamps.subarray(start, start + n), prices: basket, equity, positions: gross, account: this.#account, periodsPerYear, events: [] }, assets };
  }
}

/** The checked periods per year: the option, or inferred from the bars. @internal */
export function portfolioPeriodsPerYear(value: unknown, data: MarketData): number {
  const ppy = value === undefined ? inferPeriodsPerYear(data) : value;
  if (typeof ppy !== 'number' || !(ppy > 0) || !Number.isFinite(ppy)) fail('periodsPerYear', 'a finite number > 0', ppy);
  return ppy;
}

/**
 * Throws unless a run ended at the data's last bar or by termination (ruin, a drawdown limit):
 * an env with an `episodeLength` would cut the backtest short silently. @internal
 */
export function requireWholeRun(env: string, bar: number, length: number, terminated: boolean): void {
  if (!terminated && bar !== length - 1) {
    throw new InvalidArgumentError(`${env} must run to the end of its data (bar ${length - 1}), got an episode that ended at bar ${bar}: build the backtest's env without episodeLength`);
  }
}


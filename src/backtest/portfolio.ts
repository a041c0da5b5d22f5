import { fail } from '../core/checks.js';
import { episodeActor } from '../core/episodeActor.js';
import type { Trade } from '../envs/trading/Account.js';
import { PortfolioEnv } from '../envs/trading/PortfolioEnv.js';
import type { BacktestResult, StrategyAgent } from './backtest.js';
import { BookRecorder, requireWholeRun } from './book.js';
import { checkBookBacktestOptions } from './portfolioOptions.js';
import { buildResult } from './result.js';

/** One asset of a portfolio backtest: its prices, the units held and its round trips. */
export interface PortfolioAssetDetail {
  /** The asset's symbol. */
  readonly symbol: string;
  /** Its close at each equity point: a view of the data's column, not a copy. */
  readonly prices: Float64Array;
  /** Units held at each close (signed: negative is short). */
  readonly positions: Float64Array;
  /** The position's value over equity at each close (signed). */
  readonly exposure: Float64Array;
  /** Its closed round trips (the ledger's trades of this asset). */
  readonly trades: readonly Trade[];
}

/**
 * A backtest of several assets traded through one ledger: a {@link BacktestResult} over the
 * whole book, with each asset's detail. Two fields read differently from a single-asset
 * result: `prices` is the equal-weight basket (100 at the first point, each asset's close
 * relative to its first), so `benchmark` is buy-and-hold of equal weights set at the first
 * close and never rebalanced, without costs; `positions` is the book's gross exposure (the sum
 * of `|units × close|` over equity), so the trade statistics' exposure time counts the bars
 * with any position. `trades` holds every asset's round trips (`trade.asset` says whose).
 */
export interface PortfolioBacktestResult extends BacktestResult {
  /** The equal-weight basket's value at each point, 100 at the first. */
  readonly prices: Float64Array;
  /** Gross exposure (sum over assets of `|units × close|`, over equity) at each close. */
  readonly positions: Float64Array;
  /** Each asset's prices, units, exposure and round trips, in the env's asset order. */
  readonly assets: readonly PortfolioAssetDetail[];
}

/** Options of {@link backtestPortfolio}: an env and an agent or a policy acting in it. */
export interface PortfolioBacktestOptions {
  /** The env to run, on the bars to test (its Account is the ledger). */
  readonly env: PortfolioEnv;
  /** An agent, acting deterministically (`predict(observation, { deterministic: true })`). */
  readonly agent?: StrategyAgent;
  /** Or a function of the observation returning the action. */
  readonly policy?: (observation: Float32Array) => Float32Array;
  /** Periods per year for annualising (default: inferred from the first asset's bars). */
  readonly periodsPerYear?: number;
}

/**
 * Backtests an agent or a policy allocating across the assets of a {@link PortfolioEnv}: one
 * deterministic episode from the first bar the observation window allows (`windowSize`) to the
 * end of the env's data (or to its termination at ruin or its drawdown limit), reading the
 * env's own Account after every step; the env's costs and execution apply. The env's last step
 * closes every position at the last close, as in training.
 * @param options - `env`, `agent` or `policy`, `periodsPerYear`.
 * @returns the {@link PortfolioBacktestResult}.
 * @throws `InvalidArgumentError` (from `tradegym`) naming the argument and showing its value: an
 *   unknown option, an env that is not a PortfolioEnv or has an `episodeLength`, both or neither
 *   of `agent` and `policy`, an agent without `predict`, a bad `periodsPerYear`; the env's own
 *   errors for an action outside its space.
 * @example
 * ```ts
 * import { backtestPortfolio, PortfolioEnv, RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 300, seed: i, symbol }).data);
 * const env = new PortfolioEnv({ assets, windowSize: 8, fee: 10 });
 * // equal weights, no cash, rebalanced every bar
 * const result = backtestPortfolio({ env, policy: () => Float32Array.of(0, 0, -1000) });
 * console.log(result.equity.length, result.assets.map((a) => a.symbol)); // 292 [ 'BTC', 'ETH' ]
 * console.log(result.fees > 0, result.metrics.maxDrawdown <= 0); // true true
 * ```
 */
export function backtestPortfolio(options: PortfolioBacktestOptions): PortfolioBacktestResult {
  const { env, first, periodsPerYear } = checkBookBacktestOptions(options, PortfolioEnv, 'a PortfolioEnv');
  const { agent, policy } = options;
  let act: (o: Float32Array) => Float32Array;
  if (agent !== undefined) {
    if (agent === null || typeof agent !== 'object' || typeof (agent as { predict?: unknown }).predict !== 'function') fail('options.agent', 'an object with predict(observation)', agent);
    const actor = episodeActor<Float32Array>(agent as { predict(o: Float32Array): unknown });
    act = (o) => actor.act(o, { deterministic: true });
  } else {
    if (typeof policy !== 'function') fail('options.policy', 'a function of the observation', policy);
    act = policy;
  }
  let { observation } = env.reset({ options: { start: env.windowSize } });
  const book = new BookRecorder(env.assets, env.account, env.barIndex);
  for (;;) {
    const r = env.step(act(observation)); // the env checks the action against its space
    book.record();
    observation = r.observation;
    if (r.terminated || r.truncated) {
      requireWholeRun('options.env', env.barIndex, first.length, r.terminated);
      break;
    }
  }
  const { parts, assets } = book.parts(periodsPerYear);
  return buildResult(parts, { assets });
}

import { fail, requireKnownKeys } from '../core/checks.js';
import type { MarketData } from '../market/MarketData.js';
import { portfolioPeriodsPerYear } from './book.js';

/** The options both book backtests take (`backtestPortfolio`, `backtestMultiAgent`), before checking. @internal */
export interface BookBacktestOptions {
  readonly env: unknown;
  readonly agent?: unknown;
  readonly policy?: unknown;
  readonly periodsPerYear?: number;
}

/**
 * Checks the options of a backtest over several assets, in the order their errors are
 * reported: no unknown key, an env of class `envClass` (named `envName` in the error), a
 * valid or inferable `periodsPerYear`, exactly one of `agent` and `policy`. The agent and the
 * policy themselves are each caller's to check: they act on different observations. @internal
 * @returns the env, its first asset's data and the periods per year.
 */
export function checkBookBacktestOptions<E extends { readonly assets: readonly MarketData[] }>(
  options: BookBacktestOptions,
  envClass: abstract new (...args: never[]) => E,
  envName: string,
): { readonly env: E; readonly first: MarketData; readonly periodsPerYear: number } {
  requireKnownKeys('options', options, ['env', 'agent', 'policy', 'periodsPerYear']);
  const { env, agent, policy } = options;
  if (!(env instanceof envClass)) fail('options.env', envName, env);
  const first = env.assets[0] as MarketData;
  const periodsPerYear = portfolioPeriodsPerYear(options.periodsPerYear, first);
  if ((agent === undefined) === (policy === undefined)) fail('options', '{ env, agent } or { env, policy } (one of the two)', Object.keys(options));
  return { env, first, periodsPerYear };
}

import { fail } from '../core/checks.js';
import { MultiAgentTradingEnv, type TradingAgent } from '../envs/multiagent/MultiAgentTradingEnv.js';
import { buildResult } from './result.js';
import { BookRecorder, requireWholeRun } from './book.js';
import { checkBookBacktestOptions } from './portfolioOptions.js';
import type { PortfolioAssetDetail, PortfolioBacktestResult } from './portfolio.js';

/**
 * Actions by agent, as {@link MultiAgentTradingEnv}'s `step` takes them (an `Int32Array`, which
 * an agent's `predict` may return in general, is outside every space of that env: the env rejects it).
 */
export type MultiAgentActions = Partial<Record<TradingAgent, number | Float32Array | Int32Array>>;

/**
 * A multi-agent system that acts: something with `predict(observations, { deterministic })`
 * returning every agent's action, such as a trained `MultiAgentTrainer` (from `tradegym/agents`).
 */
export interface MultiAgentStrategyAgent {
  /** The actions of the agents whose observations are given. */
  predict(observations: Readonly<Partial<Record<TradingAgent, Float32Array>>>, options: { readonly deterministic: boolean }): MultiAgentActions;
}

/** Options of {@link backtestMultiAgent}: an env and the system acting in it. */
export interface MultiAgentBacktestOptions {
  /** The env to run, on the bars to test (its Account is the ledger), without `episodeLength`. */
  readonly env: MultiAgentTradingEnv;
  /** The agents, acting deterministically: e.g. a trained `MultiAgentTrainer`. */
  readonly agent?: MultiAgentStrategyAgent;
  /** Or a function of every agent's observation returning every agent's action. */
  readonly policy?: (observations: Readonly<Record<TradingAgent, Float32Array>>) => MultiAgentActions;
  /** Periods per year for annualising (default: inferred from the first asset's bars). */
  readonly periodsPerYear?: number;
}

/** One asset of a multi-agent backtest: its detail, and what its specialist and the meta-agent decided. */
export interface MultiAgentAssetDetail extends PortfolioAssetDetail {
  /** The specialist acting on this asset (`specialist:<symbol>`). */
  readonly agent: TradingAgent;
  /** The specialist's side at each step: -1 short, 0 flat, 1 long (one per step, `equity.length - 1`). */
  readonly side: Int8Array;
  /** The meta-agent's weight of this asset's sleeve at each step (the softmax of its logits). */
  readonly allocation: Float64Array;
  /** The specialist's reward at each step: the asset's PnL over the previous equity. */
  readonly reward: Float64Array;
}

/**
 * A {@link PortfolioBacktestResult} of the multi-agent system, with each specialist's sides,
 * the meta-agent's allocations and every agent's rewards.
 */
export interface MultiAgentBacktestResult extends PortfolioBacktestResult {
  /** Each asset's detail with its specialist's decisions, in the env's asset order. */
  readonly assets: readonly MultiAgentAssetDetail[];
  /** The meta-agent's cash weight at each step (1 less the sleeves' weights). */
  readonly cashAllocation: Float64Array;
  /** The meta-agent's reward at each step: the portfolio's log return. */
  readonly metaReward: Float64Array;
}

/**
 * Backtests a hierarchical trading system, specialists per asset and a meta-agent allocating
 * capital across them, on held-out bars: one deterministic episode of its
 * {@link MultiAgentTradingEnv} from the first bar the observation window allows (`windowSize`)
 * to the end of the env's data (or to ruin), every agent acting on its own observation. The
 * equity and positions are read from the env's own Account after each step, so the result
 * holds exactly what the env's ledger charged (fees, slippage, borrow, the next-open fills);
 * the env's last step closes every position at the last close, as in training. No look-ahead:
 * a decision at bar t sees the bars up to t only, as the env shows them.
 *
 * The result is a {@link PortfolioBacktestResult} (the report's `writeReport` takes it like any other
 * backtest), with each specialist's side, the meta-agent's allocation and every agent's reward
 * per step.
 * @param options - `env`, `agent` (such as a trained `MultiAgentTrainer`) or `policy`, `periodsPerYear`.
 * @returns the {@link MultiAgentBacktestResult}.
 * @throws `InvalidArgumentError` (from `tradegym`) naming the argument and showing its value: an
 *   unknown option, an env that is not a MultiAgentTradingEnv or has an `episodeLength`, both or
 *   neither of `agent` and `policy`, an agent without `predict`, a bad `periodsPerYear`, or
 *   actions that are not an object.
 * @throws `InvalidActionError` (from `tradegym`) from the env for a missing action or one outside
 *   its agent's space.
 * @example
 * ```ts
 * import { backtestMultiAgent, MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 300, seed: i, symbol }).data);
 * const env = new MultiAgentTradingEnv({ assets, windowSize: 8, fee: 10 });
 * // specialists: long after an up bar, flat otherwise; the meta-agent: half in each sleeve
 * const result = backtestMultiAgent({
 *   env,
 *   policy: (obs) => ({
 *     'specialist:BTC': obs['specialist:BTC']![7]! > 0 ? 2 : 1,
 *     'specialist:ETH': obs['specialist:ETH']![7]! > 0 ? 2 : 1,
 *     meta: Float32Array.of(0, 0, -1000),
 *   }),
 * });
 * console.log(result.equity.length, result.assets[0]!.allocation[0]); // 292 0.5
 * console.log(result.trades.length > 0, result.fees > 0); // true true
 * ```
 */
export function backtestMultiAgent(options: MultiAgentBacktestOptions): MultiAgentBacktestResult {
  const { env, first, periodsPerYear } = checkBookBacktestOptions(options, MultiAgentTradingEnv, 'a MultiAgentTradingEnv');
  const { agent, policy } = options;
  let act: (o: Readonly<Record<TradingAgent, Float32Array>>) => unknown;
  if (agent !== undefined) {
    if (agent === null || typeof agent !== 'object' || typeof (agent as { predict?: unknown }).predict !== 'function') fail('options.agent', 'an object with predict(observations, options)', agent);
    act = (o) => agent.predict(o, { deterministic: true });
  } else {
    if (typeof policy !== 'function') fail('options.policy', 'a function of the observations by agent', policy);
    act = policy;
  }
  const n = env.assets.length;
  const specialists = env.possibleAgents.slice(0, n);
  const reset = env.reset({ options: { start: env.windowSize } });
  let observations = reset.observations;
  const book = new BookRecorder(env.assets, env.account, reset.infos.meta.bar as number);
  const sides: number[][] = specialists.map(() => []);
  const allocations: number[][] = specialists.map(() => []);
  const rewards: number[][] = specialists.map(() => []);
  const metaReward: number[] = [];
  for (;;) {
    const actions = act(observations);
    if (actions === null || typeof actions !== 'object') fail(agent !== undefined ? 'options.agent.predict()' : 'options.policy()', 'an object of actions by agent', actions);
    const r = env.step(actions as Partial<Record<TradingAgent, number | Float32Array>>); // the env checks every action against its agent's space
    book.record();
    specialists.forEach((s, a) => {
      (sides[a] as number[]).push(((actions as MultiAgentActions)[s] as number) - 1);
      (allocations[a] as number[]).push(r.infos[s]?.weight as number);
      (rewards[a] as number[]).push(r.rewards[s] as number);
    });
    metaReward.push(r.rewards.meta);
    if (r.terminations.meta || r.truncations.meta) {
      requireWholeRun('options.env', r.infos.meta.bar as number, first.length, r.terminations.meta);
      break;
    }
    observations = r.observations;
  }
  const { parts, assets: detail } = book.parts(periodsPerYear);
  const assets = detail.map((d, a) => ({
    ...d,
    agent: specialists[a] as TradingAgent,
    side: Int8Array.from(sides[a] as number[]),
    allocation: Float64Array.from(allocations[a] as number[]),
    reward: Float64Array.from(rewards[a] as number[]),
  }));
  const cashAllocation = new Float64Array(metaReward.length);
  for (let k = 0; k < cashAllocation.length; k++) {
    let w = 1;
    for (const al of allocations) w -= al[k] as number;
    cashAllocation[k] = w;
  }
  return buildResult(parts, { assets, cashAllocation, metaReward: Float64Array.from(metaReward) });
}

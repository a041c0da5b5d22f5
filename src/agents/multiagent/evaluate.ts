import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import type { ParallelEnv } from '../../envs/multiagent/types.js';
import { definedOnly } from '../common/guards.js';
import type { AgentAction } from '../common/types.js';
import type { MultiAgentPredictOptions } from './MultiAgentTrainer.js';

/** Options of {@link evaluateMultiAgent}: `evaluatePolicy`'s. */
export interface MultiAgentEvaluateOptions {
  /** Episodes to run (default 10). */
  readonly nEvalEpisodes?: number;
  /** Deterministic actions (default true). */
  readonly deterministic?: boolean;
  /** The seed of the first episode's reset; episode i uses seed + i (default 0). */
  readonly seed?: number;
}

/** What {@link evaluateMultiAgent} returns: each agent's returns, and the team's (their sum). */
export interface MultiAgentEvaluation<A extends string = string> {
  /** Each agent's return in each episode (0 in an episode it never acted in), by agent. */
  readonly agentRewards: Readonly<Record<A, readonly number[]>>;
  /** Each agent's mean episode return. */
  readonly agentMeans: Readonly<Record<A, number>>;
  /** The team's return in each episode: the sum of every agent's rewards. */
  readonly episodeRewards: readonly number[];
  /** The team's mean episode return. */
  readonly mean: number;
  /** Population standard deviation of the team's returns (as SB3's np.std). */
  readonly std: number;
  /** Each episode's length in env steps. */
  readonly episodeLengths: readonly number[];
}

/** Anything that acts for a dict of agents, as `MultiAgentTrainer.predict` does. */
export interface MultiAgentPredictor<A extends string, Act> {
  /** The actions of the agents whose observations are given. */
  predict(observations: Readonly<Partial<Record<A, Float32Array>>>, options?: MultiAgentPredictOptions<A>): Partial<Record<A, Act>>;
}

/**
 * Runs a multi-agent system (a `MultiAgentTrainer`, or anything with its `predict`) on a
 * parallel env for whole episodes, as Stable-Baselines3's `evaluate_policy` does for one agent:
 * an episode lasts while any agent is live (PettingZoo's loop), each live agent acts on its
 * observation with its `info.actionMask` when the env gives one. Reports each agent's returns
 * and the team's (their sum), which is the figure of a cooperative game. Where agents' rewards
 * overlap the sum counts twice: in `MultiAgentTradingEnv` the specialists' rewards add up to
 * the book's return and the meta-agent's is its log return, so read the agents' own means (or
 * backtest the system with `backtestMultiAgent`).
 *
 * @param agent - the system: `predict(observations, { deterministic, actionMasks })`.
 * @param env - a parallel env (its episodes must end).
 * @param options - `nEvalEpisodes`, `deterministic`, `seed`.
 * @returns per-agent and team returns, mean and std, and episode lengths.
 * @throws `InvalidArgumentError` (from `tradegym`) for an agent without `predict`, an env
 *   without `reset`/`step`, an unknown option or a bad value.
 * @example
 * ```ts
 * import { evaluateMultiAgent } from 'tradegym/agents';
 * import { MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 200, seed: 1, symbol: 'BTC' });
 * const env = new MultiAgentTradingEnv({ assets: [data], windowSize: 8, episodeLength: 50 });
 * // every specialist flat, the meta-agent indifferent: nothing is traded, nothing is earned
 * const flat = { predict: (obs: Partial<Record<string, Float32Array>>) => Object.fromEntries(Object.keys(obs).map((a) => [a, a === 'meta' ? new Float32Array(2) : 1])) };
 * const r = evaluateMultiAgent(flat, env, { nEvalEpisodes: 1 });
 * console.log(r.mean, r.episodeLengths); // 0 [ 50 ]
 * ```
 */
export function evaluateMultiAgent<A extends string, Act extends AgentAction>(agent: MultiAgentPredictor<A, Act>, env: ParallelEnv<A, Float32Array, Act>, options: MultiAgentEvaluateOptions = {}): MultiAgentEvaluation<A> {
  if (agent === null || typeof agent !== 'object' || typeof agent.predict !== 'function') fail('agent', 'an object with predict(observations)', agent);
  if (env === null || typeof env !== 'object' || typeof env.reset !== 'function' || typeof env.step !== 'function' || !Array.isArray(env.possibleAgents)) fail('env', 'a parallel env (possibleAgents, reset, step)', env);
  const o = definedOnly(requireKnownKeys('options', options, ['nEvalEpisodes', 'deterministic', 'seed']) as MultiAgentEvaluateOptions);
  const episodes = requireInt('nEvalEpisodes', o.nEvalEpisodes ?? 10, 1);
  const seed = requireInt('seed', o.seed ?? 0, 0);
  const deterministic = requireBool('deterministic', o.deterministic ?? true);
  const possible: readonly A[] = env.possibleAgents;
  const agentRewards = Object.fromEntries(possible.map((a) => [a, [] as number[]])) as Record<A, number[]>;
  const team: number[] = [];
  const lengths: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    let { observations, infos } = env.reset({ seed: seed + ep });
    const totals = new Map<A, number>(possible.map((a) => [a, 0]));
    let len = 0;
    while (env.agents.length > 0) {
      const live: Partial<Record<A, Float32Array>> = {};
      const masks: Partial<Record<A, ArrayLike<number>>> = {};
      for (const a of env.agents) {
        live[a] = observations[a];
        const mask = infos[a]?.actionMask as ArrayLike<number> | undefined;
        if (mask !== undefined) masks[a] = mask;
      }
      const r = env.step(agent.predict(live, { deterministic, ...(Object.keys(masks).length > 0 ? { actionMasks: masks } : {}) }));
      for (const [a, reward] of Object.entries(r.rewards) as [A, number][]) totals.set(a, (totals.get(a) ?? 0) + reward);
      ({ observations, infos } = r);
      len++;
    }
    let sum = 0;
    for (const a of possible) {
      const t = totals.get(a) ?? 0;
      agentRewards[a].push(t);
      sum += t;
    }
    team.push(sum);
    lengths.push(len);
  }
  const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const mean = meanOf(team);
  const std = Math.sqrt(team.reduce((s, x) => s + (x - mean) ** 2, 0) / team.length);
  const agentMeans = Object.fromEntries(possible.map((a) => [a, meanOf(agentRewards[a])])) as Record<A, number>;
  return { agentRewards, agentMeans, episodeRewards: team, mean, std, episodeLengths: lengths };
}

import { show } from '../../core/checks.js';
import { EnvClosedError, InvalidActionError, ResetNeededError } from '../../core/errors.js';
import type { Info, ResetParams } from '../../core/types.js';
import type { Space } from '../../spaces/Space.js';
import type { AecLast, ParallelEnv } from './types.js';

/**
 * PettingZoo's AEC (agent environment cycle) view of a parallel env, as its
 * `parallel_to_aec`: agents act one at a time; the parallel env steps when every live agent
 * has chosen. `last()` gives the selected agent's observation, the reward it accumulated
 * since it last acted, and its flags. A terminated or truncated agent must then be stepped
 * once with `null` (its "dead step"), which removes it. An agent that joins the parallel env
 * in a step joins `agents` then, with its first observation and no reward.
 *
 * @typeParam A - agent names.
 * @typeParam Obs - the observation type.
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 200, seed: i, symbol }).data);
 * const aec = new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 20 }).toAec();
 * aec.reset({ seed: 1 });
 * for (const agent of aec.agentIter()) {
 *   const { termination, truncation } = aec.last();
 *   aec.step(termination || truncation ? null : aec.actionSpace(agent).sample());
 * }
 * ```
 */
export class AecEnv<A extends string, Obs, Act> {
  /** The parallel env underneath. */
  readonly parallel: ParallelEnv<A, Obs, Act>;
  /** Live agents, including those awaiting their dead step. */
  agents: A[] = [];
  /** The agent whose turn it is. */
  agentSelection: A | undefined;
  /** Each agent's reward from the last parallel step. */
  rewards = {} as Record<A, number>;
  /** Each agent's reward accumulated since it last acted. */
  cumulativeRewards = {} as Record<A, number>;
  /** Terminations by agent. */
  terminations = {} as Record<A, boolean>;
  /** Truncations by agent. */
  truncations = {} as Record<A, boolean>;
  /** Infos by agent. */
  infos = {} as Record<A, Info>;
  #observations = {} as Record<A, Obs>;
  #pending = {} as Partial<Record<A, Act>>;
  #started = false;
  #closed = false;

  /**
   * @param parallel - a parallel env.
   */
  constructor(parallel: ParallelEnv<A, Obs, Act>) {
    this.parallel = parallel;
  }

  /** Every agent that can take part. */
  get possibleAgents(): readonly A[] {
    return this.parallel.possibleAgents;
  }

  /**
   * @param agent - an agent.
   * @returns its observation space (the parallel env's object).
   */
  observationSpace(agent: A): Space<Obs> {
    return this.parallel.observationSpace(agent);
  }

  /**
   * @param agent - an agent.
   * @returns its action space (the parallel env's object).
   */
  actionSpace(agent: A): Space<Act> {
    return this.parallel.actionSpace(agent);
  }

  /**
   * Starts an episode; the first live agent is selected.
   * @param params - passed to the parallel env's reset.
   */
  reset(params: ResetParams = {}): void {
    const r = this.parallel.reset(params);
    this.agents = [...this.parallel.agents];
    this.#observations = { ...r.observations };
    this.infos = { ...r.infos };
    for (const a of this.agents) {
      this.rewards[a] = 0;
      this.cumulativeRewards[a] = 0;
      this.terminations[a] = false;
      this.truncations[a] = false;
    }
    this.#pending = {};
    this.agentSelection = this.agents[0];
    this.#started = true;
  }

  /**
   * Yields the selected agent until no agent is left (or `maxIterations` turns).
   * @param maxIterations - a bound on turns (default 2^53 - 1).
   * @returns an iterator of agent names.
   */
  *agentIter(maxIterations = Number.MAX_SAFE_INTEGER): Generator<A, void, undefined> {
    for (let i = 0; i < maxIterations && this.agentSelection !== undefined && this.agents.length > 0; i++) yield this.agentSelection;
  }

  /**
   * The selected agent's view.
   * @returns its observation, accumulated reward, flags and info.
   * @throws {@link ResetNeededError} before `reset` or when no agent is left.
   */
  last(): AecLast<Obs> {
    const a = this.agentSelection;
    if (!this.#started || a === undefined) throw new ResetNeededError('last() called with no selected agent: call reset() first');
    return {
      observation: this.#observations[a],
      reward: this.cumulativeRewards[a] ?? 0,
      termination: this.terminations[a] ?? false,
      truncation: this.truncations[a] ?? false,
      info: this.infos[a] ?? {},
    };
  }

  /**
   * Acts for the selected agent: an action from its space, or `null` for the dead step of a
   * terminated or truncated agent.
   * @param action - the action, or null.
   * @throws {@link ResetNeededError} when no agent is left.
   * @throws {@link EnvClosedError} after `close()`.
   * @throws {@link InvalidActionError} for null from a live agent, an action from a done one,
   *   or an action outside the agent's space.
   */
  step(action: Act | null): void {
    if (this.#closed) throw new EnvClosedError('step() called after close(): this env is closed; make a new one');
    const agent = this.agentSelection;
    if (!this.#started || agent === undefined) throw new ResetNeededError('step() called with no selected agent: call reset() first');
    const done = this.terminations[agent] || this.truncations[agent];
    if (done) {
      if (action !== null) throw new InvalidActionError(`${agent} is done: step it with null (its dead step), got ${show(action)}`);
      this.agents = this.agents.filter((a) => a !== agent);
      this.agentSelection = this.#nextAfter(agent);
      return;
    }
    if (action === null) throw new InvalidActionError(`${agent} is live: step it with an action from its space, got null`);
    if (!this.actionSpace(agent).contains(action)) throw new InvalidActionError(`action of ${agent} must be in ${String(this.actionSpace(agent))}, got ${show(action)}`);
    this.cumulativeRewards[agent] = 0;
    this.#pending[agent] = action;
    const live = this.agents.filter((a) => !(this.terminations[a] || this.truncations[a]));
    if (live.every((a) => a in this.#pending)) {
      const r = this.parallel.step(this.#pending);
      this.#pending = {};
      for (const a of live) {
        this.#observations[a] = r.observations[a];
        this.rewards[a] = r.rewards[a];
        this.cumulativeRewards[a] = (this.cumulativeRewards[a] ?? 0) + r.rewards[a];
        this.terminations[a] = r.terminations[a];
        this.truncations[a] = r.truncations[a];
        this.infos[a] = r.infos[a];
      }
      // agents that joined in the step (PettingZoo's Parallel API allows it): live from now on, in possibleAgents order
      const joined = this.parallel.agents.filter((a) => !this.agents.includes(a));
      for (const a of joined) {
        this.#observations[a] = r.observations[a];
        this.rewards[a] = 0;
        this.cumulativeRewards[a] = 0;
        this.terminations[a] = false;
        this.truncations[a] = false;
        this.infos[a] = r.infos[a] ?? {};
      }
      if (joined.length > 0) this.agents = this.parallel.possibleAgents.filter((a) => this.agents.includes(a) || joined.includes(a));
      this.agentSelection = this.agents[0];
      return;
    }
    this.agentSelection = this.#nextAfter(agent);
  }

  /** Closes the parallel env. */
  close(): void {
    this.#closed = true;
    this.parallel.close();
  }

  #nextAfter(agent: A): A | undefined {
    if (this.agents.length === 0) return undefined;
    const order = this.parallel.possibleAgents;
    const i = order.indexOf(agent);
    for (let k = 1; k <= order.length; k++) {
      const cand = order[(i + k) % order.length] as A;
      if (this.agents.includes(cand)) return cand;
    }
    return undefined;
  }
}

import { Env } from '../../core/Env.js';
import { InvalidArgumentError, TradegymError } from '../../core/errors.js';
import type { Info } from '../../core/types.js';
import { Box } from '../../spaces/Box.js';
import type { Space } from '../../spaces/Space.js';
import { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { A2C, type A2COptions } from '../a2c/A2C.js';
import { requireActionMask } from '../common/guards.js';
import { EpisodeStats } from '../common/training.js';
import type { AgentAction, LogRecord } from '../common/types.js';
import { PPO, type PPOOptions } from '../ppo/PPO.js';
import type { ResolvedPolicy } from './options.js';

/**
 * One agent's spaces as an env: what a policy's PPO or A2C is built on, one per agent mapped
 * to it (its rollout's columns). The trainer steps the parallel env itself, so this one is
 * never reset or stepped. @internal
 */
class SlotEnv<Act> extends Env<Float32Array, Act> {
  constructor(
    override readonly observationSpace: Box,
    override readonly actionSpace: Space<Act>,
  ) {
    super();
  }

  protected resetEnv(): never {
    return SlotEnv.#refuse();
  }

  protected stepEnv(): never {
    return SlotEnv.#refuse();
  }

  static #refuse(): never {
    throw new TradegymError("a multi-agent trainer's policy has no env of its own: train it with the trainer's learn()");
  }
}

/** The observation space a policy reads: the agents', with a one-hot of `k` agents appended when asked. */
function inputSpace(space: Box, k: number, agentIdInput: boolean): Box {
  if (!agentIdInput) return space;
  const low = new Float32Array(space.size + k);
  const high = new Float32Array(space.size + k).fill(1);
  low.set(space.low);
  high.set(space.high);
  return new Box(low, high, [space.size + k]);
}

/**
 * One policy of the multi-agent trainer at work: its algorithm (a PPO or an A2C, built on one
 * {@link SlotEnv} per agent mapped to it, so its rollout buffer has a column per agent), and
 * what the parallel loop tracks per column: whether the next observation starts an episode,
 * the episode statistics. Each parallel env step writes one buffer row: a live agent's
 * transition, or for an agent absent at that step (not yet joined, or left) a row marked as
 * no transition, which GAE skips and the update leaves out, as the single-agent loop treats a
 * next-step autoreset step. @internal
 */
export class PolicyRunner<A extends string, Act extends AgentAction> {
  readonly id: string;
  readonly agents: readonly A[];
  readonly train: boolean;
  readonly agent: PPO<Act> | A2C<Act>;
  readonly stats: EpisodeStats;
  /** 1 where the column's next observation starts an episode (at first, and after its agent is done). */
  readonly starts: Float32Array;
  /** The agents' observation length (the policy's input adds the one-hot when asked). */
  readonly obsSize: number;
  readonly #agentIdInput: boolean;
  readonly #column: ReadonlyMap<A, number>;

  constructor(p: ResolvedPolicy<A>, seed: number | undefined) {
    this.id = p.id;
    this.agents = p.agents;
    this.train = p.train;
    this.obsSize = p.observationSpace.size;
    this.#agentIdInput = p.agentIdInput;
    this.#column = new Map(p.agents.map((a, i) => [a, i]));
    const k = p.agents.length;
    const obs = inputSpace(p.observationSpace, k, p.agentIdInput);
    const act = p.actionSpace as Space<Act>;
    const env = new SyncVectorEnv<Act>(Array.from({ length: k }, () => () => new SlotEnv(obs, act)));
    const options = { ...p.options, ...(seed === undefined ? {} : { seed }) };
    try {
      this.agent = p.algorithm === 'PPO' ? new PPO<Act>(env, options as PPOOptions) : new A2C<Act>(env, options as A2COptions);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`policy ${JSON.stringify(p.id)}: ${e.message}`);
      throw e;
    }
    this.stats = new EpisodeStats(k);
    this.starts = new Float32Array(k).fill(1);
  }

  /** The column of `agent` in this policy's rollout, or undefined if it is not mapped here. */
  column(agent: A): number | undefined {
    return this.#column.get(agent);
  }

  /** The policy's input for `agent`'s observation: the observation, and its one-hot when asked. */
  input(agent: A, observation: Float32Array): Float32Array {
    if (!this.#agentIdInput) return observation;
    const x = new Float32Array(this.obsSize + this.agents.length);
    x.set(observation);
    x[this.obsSize + (this.#column.get(agent) as number)] = 1;
    return x;
  }

  /** The inputs of `live` agents (mapped here) end to end. */
  #inputs(live: readonly A[], observations: Readonly<Partial<Record<A, Float32Array>>>): Float32Array {
    const size = this.agent.env.singleObservationSpace.size;
    const x = new Float32Array(live.length * size);
    live.forEach((a, j) => x.set(this.input(a, observations[a] as Float32Array), j * size));
    return x;
  }

  /**
   * Samples the actions of the `live` agents mapped here into the current buffer row (with the
   * action masks their infos carry, if any), and marks the other columns as no transition.
   * Returns the actions by agent.
   */
  act(live: readonly A[], observations: Readonly<Partial<Record<A, Float32Array>>>, infos: Readonly<Partial<Record<A, Info>>>): Map<A, Act> {
    const buf = this.agent.rolloutBuffer;
    const k = this.agents.length;
    const row = buf.pos * k;
    for (let c = 0; c < k; c++) {
      buf.resets[row + c] = 1;
      buf.episodeStarts[row + c] = 1;
      buf.values[row + c] = 0;
      buf.rewards[row + c] = 0;
    }
    const rows = live.map((a) => row + (this.#column.get(a) as number));
    rows.forEach((i) => (buf.resets[i] = 0));
    const masks = live.map((a) => this.#mask(a, infos[a]));
    if (masks.some((m) => m !== undefined)) buf.keepMasks((this.agent.nvec as Int32Array).reduce((x, y) => x + y, 0));
    const starts = live.map((a) => this.starts[this.#column.get(a) as number] as number);
    const actions = this.agent.actRows(this.#inputs(live, observations), rows, starts, (j) => masks[j]);
    return new Map(live.map((a, j) => [a, actions[j] as Act]));
  }

  /** The action mask in `info.actionMask`, checked, for a categorical policy; undefined when absent. */
  #mask(agent: A, info: Info | undefined): ArrayLike<number> | undefined {
    const mask = (info as { actionMask?: unknown } | undefined)?.actionMask;
    const nvec = this.agent.nvec;
    if (mask === undefined || nvec === undefined) return undefined;
    try {
      return requireActionMask(mask, nvec);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`agent ${JSON.stringify(agent)} (policy ${JSON.stringify(this.id)}): infos.${agent}.${e.message}`);
      throw e;
    }
  }

  /**
   * Records the step's outcome for the `live` agents mapped here: rewards (a truncated, not
   * terminated, agent's bootstrapped with gamma V of its final observation, as
   * Stable-Baselines3 does for a truncated episode), episode ends and statistics; then moves
   * to the next row.
   */
  record(live: readonly A[], r: { readonly observations: Readonly<Record<A, Float32Array>>; readonly rewards: Readonly<Record<A, number>>; readonly terminations: Readonly<Record<A, boolean>>; readonly truncations: Readonly<Record<A, boolean>> }): void {
    const buf = this.agent.rolloutBuffer;
    const row = buf.pos * this.agents.length;
    const cut = live.filter((a) => r.truncations[a] && !r.terminations[a]);
    const bootstrap = cut.length === 0 ? undefined : this.agent.valuesOf(this.#inputs(cut, r.observations), cut.length);
    for (const a of live) {
      const c = this.#column.get(a) as number;
      const j = cut.indexOf(a);
      const reward = r.rewards[a];
      buf.rewards[row + c] = j < 0 ? reward : reward + this.agent.gamma * ((bootstrap as Float64Array)[j] as number);
      const done = r.terminations[a] || r.truncations[a];
      this.starts[c] = done ? 1 : 0;
      this.stats.step(c, reward, done);
    }
    this.agent.numTimesteps += live.length;
    buf.pos++;
  }

  /** Every agent mapped here is done: the next observation of each starts an episode. */
  endEpisode(): void {
    this.starts.fill(1);
  }

  /**
   * The update over the full buffer: GAE from the values of the live agents' current
   * observations (an absent agent's column ends its episode), then the algorithm's update,
   * its log keys prefixed by the policy id. A policy with no transition in the rollout skips
   * its update.
   */
  update(live: readonly A[], observations: Readonly<Partial<Record<A, Float32Array>>>, progressRemaining: number): LogRecord {
    const here = live.filter((a) => this.#column.has(a));
    const last = new Float64Array(this.agents.length);
    const dones = new Float32Array(this.agents.length).fill(1);
    if (here.length > 0) {
      const v = this.agent.valuesOf(this.#inputs(here, observations), here.length);
      here.forEach((a, j) => {
        const c = this.#column.get(a) as number;
        last[c] = v[j] as number;
        dones[c] = this.starts[c] as number;
      });
    }
    if (this.agent.rolloutBuffer.validRows().length === 0) return {};
    const log = this.agent.trainOnRollout(last, dones, progressRemaining);
    return prefixed(this.id, log);
  }

  /** The policy's episode statistics, its keys prefixed by the policy id. */
  episodeRecord(): LogRecord {
    return prefixed(this.id, this.stats.record());
  }
}

/** A log record's keys prefixed by a policy id: `meta/train/policy_loss`. */
function prefixed(id: string, log: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(log).map(([k, v]) => [`${id}/${k}`, v]));
}

import { Env } from '../../core/Env.js';
import { InvalidArgumentError, TradegymError } from '../../core/errors.js';
import type { Info } from '../../core/types.js';
import { Box } from '../../spaces/Box.js';
import type { Space } from '../../spaces/Space.js';
import { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';
import { A2C, type A2COptions } from '../a2c/A2C.js';
import { requireActionMask } from '../common/guards.js';
import { EpisodeStats, type EpisodeStatsState } from '../common/training.js';
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

/** A live agent of one of the trainer's env copies: the copy's index and the agent. @internal */
export type Slot<A extends string> = readonly [env: number, agent: A];

/** What the trainer holds per env copy, indexed by copy. @internal */
export type PerEnv<T> = readonly T[];

/** A step's results as a runner reads them. @internal */
export interface StepOutcome<A extends string> {
  readonly observations: Readonly<Record<A, Float32Array>>;
  readonly rewards: Readonly<Record<A, number>>;
  readonly terminations: Readonly<Record<A, boolean>>;
  readonly truncations: Readonly<Record<A, boolean>>;
}

/**
 * One policy of the multi-agent trainer at work: its algorithm (a PPO or an A2C, built on one
 * {@link SlotEnv} per agent mapped to it and env copy, so its rollout buffer has a column per
 * agent of each copy: column `env * k + i` for its i-th agent of k), and what the parallel
 * loop tracks per column: whether the next observation starts an episode, the episode
 * statistics. Each parallel step writes one buffer row: a live agent's transition, or for an
 * agent absent at that step (not yet joined, or left) a row marked as no transition, which
 * GAE skips and the update leaves out, as the single-agent loop treats a next-step autoreset
 * step. @internal
 */
export class PolicyRunner<A extends string, Act extends AgentAction> {
  readonly id: string;
  readonly agents: readonly A[];
  readonly train: boolean;
  readonly agent: PPO<Act> | A2C<Act>;
  /** Whether `agent` is a pretrained policy: it acts by `predict`, has no rollout, is never trained. */
  readonly external: boolean;
  /**
   * Whether `agent` was built here, and so is the trainer's to dispose: a policy it trains, or
   * a pretrained one rebuilt from a checkpoint (one given as a spec's `policy` is the caller's).
   */
  readonly owned: boolean;
  /** Whether a pretrained policy acts by its most likely action rather than a sample. */
  readonly deterministic: boolean;
  /** The env's state length read by a centralised critic, or 0 for a critic of the policy's input. */
  readonly stateSize: number;
  readonly stats: EpisodeStats;
  /** 1 where the column's next observation starts an episode (at first, and after its agent is done). */
  readonly starts: Float32Array;
  /** The agents' observation length (the policy's input adds the one-hot when asked). */
  readonly obsSize: number;
  readonly #agentIdInput: boolean;
  /** Each agent's index among the agents mapped here. */
  readonly #index: ReadonlyMap<A, number>;

  constructor(p: ResolvedPolicy<A>, seed: number | undefined, numEnvs = 1) {
    this.id = p.id;
    this.agents = p.agents;
    this.train = p.train;
    this.obsSize = p.observationSpace.size;
    this.#agentIdInput = p.agentIdInput;
    this.#index = new Map(p.agents.map((a, i) => [a, i]));
    this.stateSize = p.stateSize;
    this.deterministic = p.deterministic;
    this.external = p.pretrained !== undefined || p.restored !== undefined;
    this.owned = p.pretrained === undefined;
    const k = p.agents.length;
    const columns = k * numEnvs;
    this.stats = new EpisodeStats(columns);
    this.starts = new Float32Array(columns).fill(1);
    if (p.pretrained !== undefined) {
      // the spaces were checked against the agents' by resolvePolicies
      this.agent = p.pretrained as PPO<Act> | A2C<Act>;
      return;
    }
    const obs = inputSpace(p.observationSpace, k, p.agentIdInput);
    const act = p.actionSpace as Space<Act>;
    // a pretrained policy rebuilt from a checkpoint as it was built: on its env copies, with its critic
    const restored = p.restored;
    const env = new SyncVectorEnv<Act>(Array.from({ length: restored?.numEnvs ?? columns }, () => () => new SlotEnv(obs, act)));
    const options = { ...p.options, ...(seed === undefined ? {} : { seed }) };
    // a centralised critic reads the state, then the policy's input (MAPPO's agent-specific global state)
    const criticObsSize = restored !== undefined ? restored.criticObsSize : p.stateSize > 0 ? p.stateSize + obs.size : undefined;
    const critic = criticObsSize === undefined ? undefined : { criticObsSize };
    try {
      this.agent = p.algorithm === 'PPO' ? new PPO<Act>(env, options as PPOOptions, critic) : new A2C<Act>(env, options as A2COptions);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`policy ${JSON.stringify(p.id)}: ${e.message}`);
      throw e;
    }
  }

  /** Whether `agent` is mapped to this policy. */
  has(agent: A): boolean {
    return this.#index.has(agent);
  }

  /** The column of `agent` of env copy `env` in this policy's rollout. */
  column(env: number, agent: A): number {
    return env * this.agents.length + (this.#index.get(agent) as number);
  }

  /** The policy's input for `agent`'s observation: the observation, and its one-hot when asked. */
  input(agent: A, observation: Float32Array): Float32Array {
    if (!this.#agentIdInput) return observation;
    const x = new Float32Array(this.obsSize + this.agents.length);
    x.set(observation);
    x[this.obsSize + (this.#index.get(agent) as number)] = 1;
    return x;
  }

  /** The inputs of the `live` slots (their agents mapped here) end to end. */
  #inputs(live: readonly Slot<A>[], observations: PerEnv<Readonly<Partial<Record<A, Float32Array>>>>): Float32Array {
    const size = this.agent.env.singleObservationSpace.size;
    const x = new Float32Array(live.length * size);
    live.forEach(([e, a], j) => x.set(this.input(a, observations[e]?.[a] as Float32Array), j * size));
    return x;
  }

  /**
   * A centralised critic's inputs of the `live` slots end to end: their env copy's `state`,
   * then the agent's policy input; undefined for a critic of the policy's input.
   */
  #criticInputs(live: readonly Slot<A>[], observations: PerEnv<Readonly<Partial<Record<A, Float32Array>>>>, states: PerEnv<Float32Array | undefined>): Float32Array | undefined {
    if (this.stateSize === 0) return undefined;
    const size = this.stateSize + this.agent.env.singleObservationSpace.size;
    const x = new Float32Array(live.length * size);
    live.forEach(([e, a], j) => {
      x.set(states[e] as Float32Array, j * size);
      x.set(this.input(a, observations[e]?.[a] as Float32Array), j * size + this.stateSize);
    });
    return x;
  }

  /** V of the `live` slots' inputs (or with a centralised critic, of their critic inputs). */
  #values(live: readonly Slot<A>[], observations: PerEnv<Readonly<Partial<Record<A, Float32Array>>>>, states: PerEnv<Float32Array | undefined>): Float64Array {
    return this.agent.valuesOf(this.#criticInputs(live, observations, states) ?? this.#inputs(live, observations), live.length);
  }

  /**
   * Samples the actions of the `live` slots (agents mapped here) into the current buffer row,
   * in one batch over the env copies (with the action masks their infos carry, if any, and a
   * centralised critic's inputs from each copy's `state`), and marks the other columns as no
   * transition. A pretrained policy predicts instead. Returns the actions, one per slot.
   */
  act(live: readonly Slot<A>[], observations: PerEnv<Readonly<Partial<Record<A, Float32Array>>>>, infos: PerEnv<Readonly<Partial<Record<A, Info>>>>, states: PerEnv<Float32Array | undefined>): Act[] {
    if (this.external) {
      return live.map(([e, a]) => {
        const mask = this.#mask(a, infos[e]?.[a]);
        return this.agent.predict(this.input(a, observations[e]?.[a] as Float32Array), { deterministic: this.deterministic, ...(mask === undefined ? {} : { actionMask: mask }) });
      });
    }
    const buf = this.agent.rolloutBuffer;
    const columns = this.starts.length;
    const row = buf.pos * columns;
    for (let c = 0; c < columns; c++) {
      buf.resets[row + c] = 1;
      buf.episodeStarts[row + c] = 1;
      buf.values[row + c] = 0;
      buf.rewards[row + c] = 0;
    }
    const cols = live.map(([e, a]) => this.column(e, a));
    const rows = cols.map((c) => row + c);
    rows.forEach((i) => (buf.resets[i] = 0));
    const masks = live.map(([e, a]) => this.#mask(a, infos[e]?.[a]));
    if (masks.some((m) => m !== undefined)) buf.keepMasks((this.agent.nvec as Int32Array).reduce((x, y) => x + y, 0));
    const starts = cols.map((c) => this.starts[c] as number);
    return this.agent.actRows(this.#inputs(live, observations), rows, starts, (j) => masks[j], this.#criticInputs(live, observations, states));
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
   * Records the step's outcome (`results`, per env copy) for the `live` slots mapped here:
   * rewards (a truncated, not terminated, agent's bootstrapped with gamma V of its final
   * observation, as Stable-Baselines3 does for a truncated episode; a centralised critic
   * reads its copy's `state` after the step), episode ends and statistics; then moves to the
   * next row. A pretrained policy's agents only count in the statistics.
   */
  record(live: readonly Slot<A>[], results: PerEnv<StepOutcome<A>>, states: PerEnv<Float32Array | undefined>): void {
    const outcome = ([e, a]: Slot<A>) => {
      const r = results[e] as StepOutcome<A>;
      return { reward: r.rewards[a], terminated: r.terminations[a], truncated: r.truncations[a] };
    };
    if (this.external) {
      for (const slot of live) {
        const c = this.column(...slot);
        const o = outcome(slot);
        const done = o.terminated || o.truncated;
        this.starts[c] = done ? 1 : 0;
        this.stats.step(c, o.reward, done);
      }
      return;
    }
    const buf = this.agent.rolloutBuffer;
    const row = buf.pos * this.starts.length;
    const cut = live.filter((slot) => outcome(slot).truncated && !outcome(slot).terminated);
    const bootstrap = cut.length === 0 ? undefined : this.#values(cut, results.map((r) => r.observations), states);
    for (const slot of live) {
      const c = this.column(...slot);
      const j = cut.indexOf(slot);
      const o = outcome(slot);
      buf.rewards[row + c] = j < 0 ? o.reward : o.reward + this.agent.gamma * ((bootstrap as Float64Array)[j] as number);
      const done = o.terminated || o.truncated;
      this.starts[c] = done ? 1 : 0;
      this.stats.step(c, o.reward, done);
    }
    this.agent.numTimesteps += live.length;
    buf.pos++;
  }

  /** Every agent of env copy `env` mapped here is done: the next observation of each starts an episode. */
  endEpisode(env: number): void {
    const k = this.agents.length;
    this.starts.fill(1, env * k, (env + 1) * k);
  }

  /**
   * The update over the full buffer: GAE from the values of the `live` slots' current
   * observations (an absent agent's column ends its episode), then the algorithm's update,
   * its log keys prefixed by the policy id. A policy with no transition in the rollout skips
   * its update.
   */
  update(live: readonly Slot<A>[], observations: PerEnv<Readonly<Partial<Record<A, Float32Array>>>>, progressRemaining: number, states: PerEnv<Float32Array | undefined>): LogRecord {
    const here = live.filter(([, a]) => this.#index.has(a));
    const columns = this.starts.length;
    const last = new Float64Array(columns);
    const dones = new Float32Array(columns).fill(1);
    if (here.length > 0) {
      const v = this.#values(here, observations, states);
      here.forEach((slot, j) => {
        const c = this.column(...slot);
        last[c] = v[j] as number;
        dones[c] = this.starts[c] as number;
      });
    }
    if (this.agent.rolloutBuffer.validRows().length === 0) return {};
    const log = this.agent.trainOnRollout(last, dones, progressRemaining);
    return prefixed(this.id, log);
  }

  /**
   * What resumes this runner exactly (see the trainer's `save`): the episode starts and
   * statistics, and for a policy with a rollout its position and arrays (the rows written so
   * far; a full rollout opens anew at the next step). The arrays are the buffer's own: copy
   * them before the next step.
   */
  rolloutState(): { readonly saved: SavedRunner; readonly arrays: Record<string, Float32Array | Uint8Array> } {
    const saved: SavedRunner = { starts: Array.from(this.starts), stats: this.stats.toJSON(), pos: this.external ? 0 : this.agent.rolloutBuffer.pos, masks: !this.external && this.agent.rolloutBuffer.masks !== undefined };
    if (this.external) return { saved, arrays: {} };
    const b = this.agent.rolloutBuffer;
    const arrays: Record<string, Float32Array | Uint8Array> = { observations: b.observations, actions: b.actions, rewards: b.rewards, episodeStarts: b.episodeStarts, values: b.values, logProbs: b.logProbs, resets: b.resets };
    if (b.masks !== undefined) arrays.masks = b.masks;
    if (b.states !== undefined) arrays.states = b.states;
    return { saved, arrays };
  }

  /** A rollout to take up at the next step (see {@link PolicyRunner.resume}). */
  #pending: { readonly pos: number; readonly arrays: Readonly<Record<string, Float32Array>> } | undefined;

  /**
   * Takes up a saved runner: its episode starts and statistics now, its rollout's rows at the
   * next step of `learn` (when the policy's weights are current on its compute path).
   */
  resume(saved: SavedRunner, arrays: Readonly<Record<string, Float32Array>>): void {
    this.starts.set(saved.starts);
    this.stats.restore(saved.stats);
    if (this.external || saved.pos === 0) return;
    if (saved.masks) this.agent.rolloutBuffer.keepMasks((this.agent.nvec as Int32Array).reduce((x, y) => x + y, 0));
    this.#pending = { pos: saved.pos, arrays };
  }

  /** Opens the rollout due at this step: a saved one taken up, or a new one at its first step (a full one stays in view until then). */
  openRollout(): void {
    const b = this.agent.rolloutBuffer;
    const p = this.#pending;
    if (p !== undefined) {
      this.#pending = undefined;
      this.agent.openRollout();
      const into = b as unknown as Record<string, Float32Array | Uint8Array>;
      for (const [k, v] of Object.entries(p.arrays)) into[k]?.set(v);
      b.pos = p.pos;
    }
    if (b.pos === 0 || b.full) this.agent.openRollout();
  }

  /** The policy's episode statistics, its keys prefixed by the policy id. */
  episodeRecord(): LogRecord {
    return prefixed(this.id, this.stats.record());
  }
}

/** A runner as saved for an exact resume. @internal */
export interface SavedRunner {
  readonly starts: readonly number[];
  readonly stats: EpisodeStatsState;
  /** The rollout's rows written (0 for a pretrained policy, which has none). */
  readonly pos: number;
  /** Whether the rollout keeps action masks. */
  readonly masks: boolean;
}

/** A log record's keys prefixed by a policy id: `meta/train/policy_loss`. */
function prefixed(id: string, log: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(log).map(([k, v]) => [`${id}/${k}`, v]));
}

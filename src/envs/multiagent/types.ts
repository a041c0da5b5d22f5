import type { Info, ResetParams } from '../../core/types.js';
import type { Box } from '../../spaces/Box.js';
import type { Space } from '../../spaces/Space.js';

/** What a parallel env's `reset` returns: one observation and info per live agent. */
export interface ParallelResetResult<A extends string, Obs> {
  /** Observations by agent. */
  readonly observations: Record<A, Obs>;
  /** Infos by agent. */
  readonly infos: Record<A, Info>;
}

/** What a parallel env's `step` returns, keyed by the agents that acted. */
export interface ParallelStepResult<A extends string, Obs> {
  /** Observations by agent. */
  readonly observations: Record<A, Obs>;
  /** Rewards by agent. */
  readonly rewards: Record<A, number>;
  /** Terminations by agent. */
  readonly terminations: Record<A, boolean>;
  /** Truncations by agent. */
  readonly truncations: Record<A, boolean>;
  /** Infos by agent. */
  readonly infos: Record<A, Info>;
}

/**
 * PettingZoo's Parallel API: every live agent acts at once. `agents` lists the live agents
 * (a subset of `possibleAgents`, in the same order); an agent that terminates or is
 * truncated leaves `agents` after that step, and an agent of `possibleAgents` may join
 * `agents` after a step (its first observation is in that step's `observations`, its reward
 * and flags are not). `observationSpace(agent)` and `actionSpace(agent)` return the same
 * object on every call. An env may also give a global state (PettingZoo's `state()` and
 * `state_space`), which a centralised critic reads: both `state` and `stateSpace`, or neither.
 */
export interface ParallelEnv<A extends string, Obs, Act> {
  /** Every agent that can ever take part. */
  readonly possibleAgents: readonly A[];
  /** The live agents. */
  readonly agents: readonly A[];
  /** The agent's observation space (the same object every call). */
  observationSpace(agent: A): Space<Obs>;
  /** The agent's action space (the same object every call). */
  actionSpace(agent: A): Space<Act>;
  /** Starts an episode. */
  reset(params?: ResetParams): ParallelResetResult<A, Obs>;
  /** Steps every live agent with its action. */
  step(actions: Readonly<Partial<Record<A, Act>>>): ParallelStepResult<A, Obs>;
  /** A text view, or undefined. */
  render(): string | undefined;
  /** Releases resources; safe to call twice. */
  close(): void;
  /**
   * The global state now (after the latest `reset` or `step`), a new array inside
   * `stateSpace`: what a centralised critic reads. Optional (PettingZoo's `state()`).
   */
  state?(): Float32Array;
  /** The space of `state()`; present exactly when `state` is (PettingZoo's `state_space`). */
  readonly stateSpace?: Box;
  /**
   * A JSON-serialisable snapshot of everything the env's future depends on (its RNG
   * included), as ALE's `cloneState`. Optional, with `restoreState`: a trainer's checkpoint
   * holds it, so training resumes exactly where it was saved.
   */
  cloneState?(): unknown;
  /** Puts the env in the state of a `cloneState()` snapshot (possibly read back through JSON). */
  restoreState?(state: unknown): void;
}

/** What {@link AecEnv.last} returns for the selected agent. */
export interface AecLast<Obs> {
  /** The agent's latest observation. */
  readonly observation: Obs;
  /** The reward accumulated since the agent last acted. */
  readonly reward: number;
  /** Whether the agent terminated. */
  readonly termination: boolean;
  /** Whether the agent was truncated. */
  readonly truncation: boolean;
  /** The agent's latest info. */
  readonly info: Info;
}

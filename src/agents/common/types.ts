import type { Env } from '../../core/Env.js';
import type { RngState } from '../../core/Rng.js';
import type { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';

// The agents' shared types, in a module that imports no agent code: the algorithms, the
// training loop, callbacks, evaluation and checkpoints all read them from here, so that no
// import cycle runs through src/agents/common.

/** A region of a flat parameter vector. @internal */
export interface Slot {
  readonly offset: number;
  readonly shape: readonly [number, number] | readonly [number];
}

/** One dense layer's weight and bias regions. @internal */
export interface DenseSlots {
  readonly w: Slot;
  readonly b: Slot;
}

/** An action: an index for Discrete action spaces, an Int32Array for MultiDiscrete, a Float32Array for Box. */
export type AgentAction = number | Int32Array | Float32Array;

/**
 * What the algorithms learn on: an env with a Box observation space, or a `SyncVectorEnv` of
 * such envs in `'next-step'` (its default) or `'same-step'` autoreset mode.
 * @typeParam Act - the env's action type; the agent's `predict` returns it, so
 *   `env.step(agent.predict(observation))` type-checks as it is.
 */
export type TrainEnv<Act extends AgentAction = AgentAction> = Env<Float32Array, Act> | SyncVectorEnv<Act>;

/** One training log record, named as Stable-Baselines3 logs them. */
export type LogRecord = Readonly<Record<string, number>>;

/** Options of `learn`. */
export interface LearnOptions {
  /** Environment steps to train for (across all sub-envs). */
  readonly totalTimesteps: number;
  /** Called after every rollout and update: a function of the log record (return false to stop), a {@link TrainingCallback}, or a list. */
  readonly callback?: CallbackSpec;
  /** Show a progress line on stderr (default false). */
  readonly progressBar?: boolean;
}

/** Options of `predict`. */
export interface PredictOptions {
  /** The most likely action (argmax or the mean) instead of a sample (default false). */
  readonly deterministic?: boolean;
  /** For Discrete actions: 1 where an action is allowed, 0 where not; for MultiDiscrete, the masks of every element end to end (`sum(nvec)` entries). */
  readonly actionMask?: ArrayLike<number>;
}

/**
 * Anything that acts on an observation: a tradegym agent.
 * @typeParam Act - the action type `predict` returns.
 */
export interface Predictor<Act = AgentAction> {
  /** Absent or false: a recurrent agent is a {@link RecurrentPredictor}. */
  readonly recurrent?: false;
  /** The agent's action for one observation. */
  predict(observation: Float32Array, options?: PredictOptions): Act;
}

/**
 * A recurrent policy's memory for one env: the actor LSTM's hidden and cell states
 * (`hiddenSize` each), as `RecurrentPPO.predict` returns it and takes it back (sb3-contrib's
 * `state`).
 */
export interface RecurrentState {
  /** The hidden state h. */
  readonly h: Float64Array;
  /** The cell state c. */
  readonly c: Float64Array;
}

/** A {@link RecurrentState} in float32 (e.g. stored compactly), which `predict` takes as well. */
export interface RecurrentState32 {
  /** The hidden state h. */
  readonly h: Float32Array;
  /** The cell state c. */
  readonly c: Float32Array;
}

/** Options of a recurrent agent's `predict`: {@link PredictOptions} and the memory. */
export interface RecurrentPredictOptions extends PredictOptions {
  /** The state `predict` returned for the previous observation (or float32 copies of it); left out, an empty memory (zeros). */
  readonly state?: RecurrentState | RecurrentState32;
  /** Whether this observation starts an episode: the memory is emptied first (default false). */
  readonly episodeStart?: boolean;
}

/** What a recurrent agent's `predict` returns: the action and the memory after it. */
export interface RecurrentPrediction<Act = AgentAction> {
  /** The action, of the env's action type. */
  readonly action: Act;
  /** The memory to pass with the next observation of the same episode. */
  readonly state: RecurrentState;
}

/**
 * An agent with memory (`RecurrentPPO`): `predict` takes the state it returned last and
 * returns the action with the next state. `evaluatePolicy`, callbacks and `backtest` thread it.
 * @typeParam Act - the action type.
 */
export interface RecurrentPredictor<Act = AgentAction> {
  /** Marks an agent whose `predict` carries a state. */
  readonly recurrent: true;
  /** The action for one observation, from the memory of the steps before it. */
  predict(observation: Float32Array, options?: RecurrentPredictOptions): RecurrentPrediction<Act>;
}

/** What a callback sees of the agent while it trains. */
export type CallbackAgent = (Predictor | RecurrentPredictor) & {
  /** Environment steps taken so far. */
  readonly numTimesteps: number;
  /** Saves the agent (see the algorithms' `save`). */
  save(dir: string): Promise<void>;
};

/** What a callback is told after each rollout and update. */
export interface CallbackContext {
  /** The agent. */
  readonly agent: CallbackAgent;
  /** The log record of the rollout and update (SB3's keys). */
  readonly record: LogRecord;
  /** The steps this `learn` call will take in all. */
  readonly totalTimesteps: number;
}

/**
 * Hooks into training. Every hook may be async; returning `false` from `onRolloutEnd` stops
 * training after the current update.
 */
export interface TrainingCallback {
  /** Before the first rollout. */
  onTrainingStart?(agent: CallbackAgent, totalTimesteps: number): void | Promise<void>;
  /** After every rollout and update. */
  onRolloutEnd?(ctx: CallbackContext): boolean | void | Promise<boolean | void>;
  /** After training ends (also when stopped early). */
  onTrainingEnd?(agent: CallbackAgent): void | Promise<void>;
}

/** A callback, a plain function of the log record (return false to stop), or several. */
export type CallbackSpec = TrainingCallback | ((record: LogRecord) => boolean | void) | readonly (TrainingCallback | ((record: LogRecord) => boolean | void))[];

/** What every checkpoint holds besides tensors; `fileIO`'s load checks each field. @internal */
export interface CheckpointHeader {
  algorithm: string;
  options: Record<string, unknown>;
  spec: unknown;
  numTimesteps: number;
  optimizerStep: number;
  rng: RngState;
  /** The algorithm's own resumable state (plain JSON). */
  rollout: unknown;
}

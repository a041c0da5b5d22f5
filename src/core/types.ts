/** Extra, env-specific information returned by `reset` and `step`. */
export type Info = Record<string, unknown>;

/** The arguments of `Env.reset`, as Gymnasium's `reset(seed=None, options=None)`. */
export interface ResetParams {
  /** Re-seeds the env's {@link Rng} before the reset; a safe integer >= 0. */
  readonly seed?: number | undefined;
  /** Env-specific reset options (e.g. CartPole's `low`/`high` start bounds). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

/** What `Env.reset` returns. */
export interface ResetResult<Obs, I extends Info = Info> {
  /** The first observation of the episode. */
  readonly observation: Obs;
  /** Auxiliary information (each env declares its own type). */
  readonly info: I;
}

/** What `Env.step` returns: objects, not tuples. */
export interface StepResult<Obs, I extends Info = Info> {
  /** The observation after the action. */
  readonly observation: Obs;
  /** The reward for the transition; a finite number. */
  readonly reward: number;
  /** A true end of the episode (a terminal state): learners do not bootstrap past it. */
  readonly terminated: boolean;
  /** A cut (time limit, end of data): learners bootstrap from `observation`. */
  readonly truncated: boolean;
  /** Auxiliary information (each env declares its own type). */
  readonly info: I;
}

/** What the registry knows of an env made by `make`. */
export interface EnvSpec {
  /** The registered id, e.g. `'CartPole-v1'`. */
  readonly id: string;
  /** The `TimeLimit` applied by `make`, or `null` for none. */
  readonly maxEpisodeSteps: number | null;
}

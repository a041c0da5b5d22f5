// Acting through an episode with an agent's `predict`, written once for everything that runs an
// agent over whole episodes (evaluatePolicy, the backtester): a feed-forward agent maps each
// observation to an action; a recurrent one (`recurrent: true`, such as RecurrentPPO) also
// takes and returns its memory, which starts empty with each episode, as Stable-Baselines3's
// evaluate_policy passes `state` and `episode_start`.

/** The options every agent's `predict` takes. @internal */
interface ActOptions {
  readonly deterministic?: boolean;
  readonly actionMask?: ArrayLike<number>;
}

/** An agent whose `predict` carries a state across steps (a recurrent policy's memory). @internal */
interface StatefulAgent<Act> {
  readonly recurrent: true;
  predict(observation: Float32Array, options: ActOptions & { state?: unknown; episodeStart?: boolean }): { action: Act; state: unknown };
}

/** An agent acting over one episode at a time: `act` per step; the first step after `reset` starts the episode. @internal */
export interface EpisodeActor<Act> {
  /** The action for the episode's next observation. */
  act(observation: Float32Array, options: ActOptions): Act;
  /** The next `act` starts a new episode (a recurrent agent's memory is emptied). */
  reset(): void;
}

/**
 * The {@link EpisodeActor} of `agent`: its `predict` as it is, or, for a recurrent agent, its
 * `predict` with the state it returned last and `episodeStart` true on an episode's first step.
 * @internal
 */
export function episodeActor<Act>(agent: { predict(observation: Float32Array, options?: ActOptions): unknown }): EpisodeActor<Act> {
  if ((agent as { recurrent?: unknown }).recurrent !== true) {
    const a = agent as { predict(observation: Float32Array, options?: ActOptions): Act };
    return { act: (o, options) => a.predict(o, options), reset: () => undefined };
  }
  const r = agent as unknown as StatefulAgent<Act>;
  let state: unknown;
  let start = true;
  return {
    act(o, options) {
      const p = r.predict(o, { ...options, episodeStart: start, ...(state === undefined ? {} : { state }) });
      state = p.state;
      start = false;
      return p.action;
    },
    reset() {
      state = undefined;
      start = true;
    },
  };
}

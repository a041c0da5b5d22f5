// Which env may continue a loaded agent's rollout without a reset. A checkpoint's last
// observations belong to the very vector env object it was saved from, at the step it was
// saved: only that object, in this process, untouched since, may go on from them. Any other
// env (a new wrapper, an env reset at construction by makeVecEnv, any env of another
// process, which never holds the live env) is reset when training starts. Nothing is written
// into the checkpoint: the saving process remembers, per env, the step count and the saved
// resumable state, and a load matches both.
import { vectorEnvClock } from '../../vector/SyncVectorEnv.js';

/** Each live env's last `save`: the saved state (as JSON) and the env's step count then. */
const live = new WeakMap<object, { readonly state: string; readonly clock: number }>();

/** The saved state a load must match: the step counter, the RNG and the rollout state. */
function stateOf(numTimesteps: number, rng: unknown, rollout: unknown): string {
  return JSON.stringify([numTimesteps, rng, rollout]);
}

/** Records `env` as the live env of the checkpoint being written with this state. @internal */
export function markLive(env: object, numTimesteps: number, rng: unknown, rollout: unknown): void {
  live.set(env, { state: stateOf(numTimesteps, rng, rollout), clock: vectorEnvClock(env) });
}

/**
 * Whether `env` is the live env a checkpoint with this state was saved from, in this process,
 * with no step or reset since. @internal
 */
export function isLive(env: object, numTimesteps: number, rng: unknown, rollout: unknown): boolean {
  const mark = live.get(env);
  return mark !== undefined && mark.clock === vectorEnvClock(env) && mark.state === stateOf(numTimesteps, rng, rollout);
}

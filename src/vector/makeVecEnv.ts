import { fail, requireInt, requireKnownKeys, requireSeed } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { firstRepeat, SyncVectorEnv, type AutoresetMode } from './SyncVectorEnv.js';

/** Options of {@link makeVecEnv}. */
export interface MakeVecEnvOptions {
  /** How many copies of the env (default 1). */
  readonly nEnvs?: number;
  /**
   * Seeds sub-env `i` with `seed + i` by one reset here, so every later reset (yours or an
   * agent's) continues seeded random streams; omitted, the sub-envs seed themselves from
   * entropy on first use.
   */
  readonly seed?: number;
  /** See `SyncVectorEnvOptions.autoresetMode` (default `'next-step'`, as Gymnasium 1.x; every agent takes both). */
  readonly autoresetMode?: Exclude<AutoresetMode, 'disabled'>;
}

/**
 * `nEnvs` copies of an env from one factory in a {@link SyncVectorEnv}, as Stable-Baselines3's
 * `make_vec_env`: the short way to train an agent on several envs at once.
 *
 * @typeParam Act - the env's action type.
 * @param factory - builds one env; called `nEnvs` times (each call must return a new env).
 * @param options - `nEnvs`, `seed`, `autoresetMode`.
 * @returns the vector env, reset once with `seed` when one is given.
 * @throws `InvalidArgumentError` (from `tradegym`) if `factory` is not a function, an option is
 *   unknown or bad, the factory returns the same env twice, or the envs' spaces differ.
 * @example
 * ```ts
 * import { CartPole, makeVecEnv } from 'tradegym';
 * const envs = makeVecEnv(() => new CartPole(), { nEnvs: 4, seed: 0 });
 * console.log(envs.numEnvs, envs.autoresetMode); // 4 next-step
 * ```
 */
export function makeVecEnv<Act>(factory: () => Env<Float32Array, Act>, options: MakeVecEnvOptions = {}): SyncVectorEnv<Act> {
  if (typeof factory !== 'function') fail('factory', 'a function returning an Env', factory);
  requireKnownKeys('options', options, ['nEnvs', 'seed', 'autoresetMode']);
  const nEnvs = requireInt('nEnvs', options.nEnvs ?? 1, 1);
  const seed = options.seed === undefined ? undefined : requireSeed('seed', options.seed);
  if (options.autoresetMode !== undefined && options.autoresetMode !== 'next-step' && options.autoresetMode !== 'same-step') {
    fail('autoresetMode', "'next-step' or 'same-step'", options.autoresetMode);
  }
  const envs = Array.from({ length: nEnvs }, factory);
  const repeat = firstRepeat(envs);
  if (repeat !== undefined) fail('factory', `a function returning a new env each call (call ${repeat[0]} returned call ${repeat[1]}'s)`, factory);
  const vec = new SyncVectorEnv(envs.map((e) => () => e), { autoresetMode: options.autoresetMode ?? 'next-step' });
  if (seed !== undefined) vec.reset({ seed });
  return vec;
}

import { requireInt, requireRecord, show } from '../core/checks.js';
import { Env } from '../core/Env.js';
import { cloneValue, valuesEqual } from '../core/equal.js';
import { EnvCheckError, ResetNeededError } from '../core/errors.js';
import type { StepResult } from '../core/types.js';
import { Space } from '../spaces/Space.js';

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** The longest random rollout used to reach an episode end (default 1000). */
  readonly maxSteps?: number;
  /** Skip the check that `close()` may be called twice (default false). */
  readonly skipCloseCheck?: boolean;
  /** The seed for resets and sampled actions (default 123, as Gymnasium's checker). */
  readonly seed?: number;
}

/** The names of the checks {@link checkEnv} runs, in order. */
export const ENV_CHECKS = [
  'spaces',
  'reset-return',
  'reset-seed-determinism',
  'reset-options',
  'step-determinism',
  'step-return',
  'observation-in-space',
  'reward-finite',
  'observation-not-mutated',
  'reset-needed',
  'render',
  'close',
] as const;

/** The name of one check of {@link checkEnv}. */
export type EnvCheckName = (typeof ENV_CHECKS)[number];

const STATEFUL_HINT =
  'state that survives reset, such as the running statistics of NormalizeObservation or ' +
  'NormalizeReward, breaks replay by seed: freeze it (updateRunningMean = false) to check';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Throws the named check's error when `ok` is false. */
function check(ok: boolean, name: EnvCheckName, detail: () => string): void {
  if (!ok) throw new EnvCheckError(name, detail());
}

function checkStep(env: Env<unknown, unknown>, r: unknown, t: number): asserts r is StepResult<unknown> {
  check(isPlainObject(r), 'step-return', () => `step() must return an object, got ${show(r)}`);
  const s = r as Record<string, unknown>;
  check(
    typeof s.terminated === 'boolean' && typeof s.truncated === 'boolean',
    'step-return',
    () => `terminated and truncated must be booleans at step ${t}, got ${show(s.terminated)} and ${show(s.truncated)}`,
  );
  check(isPlainObject(s.info), 'step-return', () => `info must be a plain object at step ${t}, got ${show(s.info)}`);
  check(
    env.observationSpace.contains(s.observation),
    'observation-in-space',
    () => `step ${t} returned an observation outside ${String(env.observationSpace)}: ${show(s.observation)}`,
  );
  check(
    typeof s.reward === 'number' && Number.isFinite(s.reward),
    'reward-finite',
    () => `step ${t} returned reward ${show(s.reward)}; rewards must be finite numbers`,
  );
}

/**
 * Checks that an env follows the contract, as Gymnasium's `check_env`: valid spaces; `reset`
 * returns an observation in the space and an info object; `reset` and `step` are
 * deterministic under a seed; steps return finite rewards, boolean flags and observations in
 * the space; returned observations are not mutated by later steps; stepping a finished
 * episode throws {@link ResetNeededError}; `render` returns text or nothing; `close` may be
 * called twice. The env is reset and stepped (and closed unless `skipCloseCheck`).
 *
 * @param env - the env to check.
 * @param options - `maxSteps`, `skipCloseCheck`, `seed`.
 * @returns the names of the checks that ran, all passed. `'reset-needed'` runs only when the
 *   random rollout ends within `maxSteps` (a raw Pendulum never ends, for instance).
 * @throws {@link EnvCheckError} naming the first failed check (its `check` property).
 * @throws {@link InvalidArgumentError} for bad options.
 * @example
 * ```ts
 * import { checkEnv, make } from 'tradegym';
 * const passed = checkEnv(make('CartPole-v1'));
 * console.log(passed.length); // 12
 * ```
 */
export function checkEnv(env: Env<unknown, unknown>, options: CheckEnvOptions = {}): EnvCheckName[] {
  requireRecord('options', options);
  const maxSteps = requireInt('maxSteps', options.maxSteps ?? 1000, 1);
  const seed = requireInt('seed', options.seed ?? 123, 0);
  const ran: EnvCheckName[] = [];

  check(env instanceof Env, 'spaces', () => `env must be an Env, got ${show(env)}`);
  check(env.observationSpace instanceof Space, 'spaces', () => `observationSpace must be a Space, got ${show(env.observationSpace)}`);
  check(env.actionSpace instanceof Space, 'spaces', () => `actionSpace must be a Space, got ${show(env.actionSpace)}`);
  ran.push('spaces');

  const first = env.reset({ seed });
  check(isPlainObject(first), 'reset-return', () => `reset() must return an object, got ${show(first)}`);
  check(
    env.observationSpace.contains(first.observation),
    'reset-return',
    () => `reset() returned an observation outside ${String(env.observationSpace)}: ${show(first.observation)}`,
  );
  check(isPlainObject(first.info), 'reset-return', () => `reset() info must be a plain object, got ${show(first.info)}`);
  ran.push('reset-return');

  const firstObs = cloneValue(first.observation);
  const again = env.reset({ seed });
  check(
    valuesEqual(firstObs, again.observation),
    'reset-seed-determinism',
    () =>
      `reset({ seed: ${seed} }) twice gave ${show(firstObs)} then ${show(again.observation)}` +
      ` (${STATEFUL_HINT})`,
  );
  ran.push('reset-seed-determinism');

  const withOptions = env.reset({ seed, options: {} });
  check(
    env.observationSpace.contains(withOptions.observation),
    'reset-options',
    () => `reset({ options: {} }) returned an observation outside the space: ${show(withOptions.observation)}`,
  );
  ran.push('reset-options');

  env.actionSpace.seed(seed);
  const action = env.actionSpace.sample();
  env.reset({ seed });
  const s1 = env.step(cloneValue(action));
  checkStep(env, s1, 0);
  const s1Copy = cloneValue({ ...s1 });
  env.reset({ seed });
  const s2 = env.step(cloneValue(action));
  check(
    valuesEqual(s1Copy, { ...s2 }),
    'step-determinism',
    () =>
      `reset({ seed: ${seed} }) then step(${show(action)}) twice gave different results: ` +
      `${show(s1Copy)} vs ${show({ ...s2 })} (${STATEFUL_HINT})`,
  );
  ran.push('step-determinism');

  // a random rollout: every step's output, observation immutability, and the end of episode
  let { observation } = env.reset({ seed });
  let kept = cloneValue(observation);
  let ended = false;
  for (let t = 0; t < maxSteps; t++) {
    const r = env.step(env.actionSpace.sample());
    checkStep(env, r, t);
    check(
      valuesEqual(kept, observation),
      'observation-not-mutated',
      () => `the observation returned before step ${t} changed after it: ${show(kept)} became ${show(observation)}`,
    );
    observation = r.observation;
    kept = cloneValue(observation);
    if (r.terminated || r.truncated) {
      ended = true;
      break;
    }
  }
  ran.push('step-return', 'observation-in-space', 'reward-finite', 'observation-not-mutated');

  if (ended) {
    let threw: unknown;
    try {
      env.step(env.actionSpace.sample());
    } catch (e) {
      threw = e;
    }
    check(
      threw instanceof ResetNeededError,
      'reset-needed',
      () => `step() after the episode ended must throw ResetNeededError, got ${threw === undefined ? 'no error' : show(String(threw))}`,
    );
    ran.push('reset-needed');
  }

  const text = env.render();
  check(text === undefined || typeof text === 'string', 'render', () => `render() must return a string or undefined, got ${show(text)}`);
  ran.push('render');

  if (options.skipCloseCheck !== true) {
    try {
      env.close();
      env.close();
    } catch (e) {
      throw new EnvCheckError('close', `close() twice must not throw, got ${String(e)}`);
    }
    ran.push('close');
  }
  return ran;
}

import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import { definedOnly, requireSingleEnv } from './guards.js';
import type { Env } from '../../core/Env.js';
import { episodeActor } from '../../core/episodeActor.js';
import type { Predictor, RecurrentPredictor } from './types.js';

export type { Predictor } from './types.js';

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  /** Episodes to run (default 10). */
  readonly nEvalEpisodes?: number;
  /** Deterministic actions (default true). */
  readonly deterministic?: boolean;
  /** The seed of the first episode's reset; episode i uses seed + i (default 0). */
  readonly seed?: number;
}

/** What {@link evaluatePolicy} returns. */
export interface EvaluationResult {
  /** Mean episode return. */
  readonly mean: number;
  /** Population standard deviation of the returns (as SB3's np.std). */
  readonly std: number;
  /** Each episode's return. */
  readonly episodeRewards: readonly number[];
  /** Each episode's length. */
  readonly episodeLengths: readonly number[];
}

/**
 * Runs an agent for whole episodes and reports the returns, as Stable-Baselines3's
 * `evaluate_policy`. Uses `info.actionMask` when the env provides one. A recurrent agent
 * (`RecurrentPPO`) gets its memory back at each step and starts each episode with none.
 *
 * @param agent - anything with `predict`, or a recurrent agent.
 * @param env - an env (use the same wrappers as in training).
 * @param options - `nEvalEpisodes`, `deterministic`, `seed`.
 * @returns mean, std and every episode's return and length.
 * @throws `InvalidArgumentError` (from `tradegym`) for an agent without `predict`, an env that
 *   is not a single Env (a SyncVectorEnv is refused), an unknown option or a bad value.
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { evaluatePolicy } from 'tradegym/agents';
 * const alwaysRight = { predict: () => 1 };
 * const { mean } = evaluatePolicy(alwaysRight, make('CartPole-v1'), { nEvalEpisodes: 5 });
 * console.log(mean < 50); // true: pushing one way topples the pole quickly
 * ```
 */
export function evaluatePolicy<Act>(agent: Predictor<NoInfer<Act>> | RecurrentPredictor<NoInfer<Act>>, env: Env<Float32Array, Act>, options: EvaluateOptions = {}): EvaluationResult {
  if (agent === null || typeof agent !== 'object' || typeof agent.predict !== 'function') fail('agent', 'an object with predict()', agent);
  const e = requireSingleEnv('env', env) as Env<Float32Array, Act>;
  const o = definedOnly(requireKnownKeys('options', options, ['nEvalEpisodes', 'deterministic', 'seed']) as EvaluateOptions);
  const episodes = requireInt('nEvalEpisodes', o.nEvalEpisodes ?? 10, 1);
  const seed = requireInt('seed', o.seed ?? 0, 0);
  const deterministic = requireBool('deterministic', o.deterministic ?? true);
  const rewards: number[] = [];
  const lengths: number[] = [];
  const actor = episodeActor<Act>(agent);
  for (let ep = 0; ep < episodes; ep++) {
    let { observation, info } = e.reset({ seed: seed + ep });
    actor.reset();
    let total = 0;
    let len = 0;
    for (;;) {
      const mask = info.actionMask as ArrayLike<number> | undefined;
      const r = e.step(actor.act(observation, { deterministic, ...(mask ? { actionMask: mask } : {}) }));
      total += r.reward;
      len++;
      observation = r.observation;
      info = r.info;
      if (r.terminated || r.truncated) break;
    }
    rewards.push(total);
    lengths.push(len);
  }
  const mean = rewards.reduce((a, b) => a + b, 0) / episodes;
  const std = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
  return { mean, std, episodeRewards: rewards, episodeLengths: lengths };
}

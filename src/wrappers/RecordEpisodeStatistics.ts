import { requireInt, requireRecord } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { TradegymError } from '../core/errors.js';
import type { ResetParams, ResetResult, StepResult } from '../core/types.js';
import { Wrapper } from '../core/Wrapper.js';

/** The statistics of one finished episode, put in the last step's info. */
export interface EpisodeStatistics {
  /** The episode's return: the sum of its rewards. */
  readonly r: number;
  /** The episode's length in steps. */
  readonly l: number;
  /** Wall-clock seconds since the episode's reset (rounded to microseconds). */
  readonly t: number;
}

/** Options of {@link RecordEpisodeStatistics}. */
export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep (default 100). */
  readonly bufferLength?: number;
  /** The info key of the statistics (default `'episode'`). */
  readonly statsKey?: string;
}

/**
 * Records each episode's return, length and time, as Gymnasium 1.x's
 * `RecordEpisodeStatistics`: the step that ends an episode carries
 * `info.episode = { r, l, t }`, and `returnQueue`, `lengthQueue` and `timeQueue` keep the
 * last `bufferLength` episodes.
 *
 * @typeParam Obs - the observation type.
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { CartPole, RecordEpisodeStatistics } from 'tradegym';
 * const env = new RecordEpisodeStatistics(new CartPole());
 * env.reset({ seed: 0 });
 * for (;;) {
 *   const { terminated, truncated, info } = env.step(0);
 *   if (terminated || truncated) { console.log(info.episode); break; } // { r: 9, l: 9, t: ... }
 * }
 * ```
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  /** Returns of the most recent episodes, oldest first. */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes, oldest first. */
  readonly lengthQueue: number[] = [];
  /** Durations in seconds of the most recent episodes, oldest first. */
  readonly timeQueue: number[] = [];
  /** How many episodes have finished. */
  episodeCount = 0;
  /** How many recent episodes the queues keep. */
  readonly bufferLength: number;
  /** The info key of the statistics. */
  readonly statsKey: string;
  #return = 0;
  #length = 0;
  #start = 0;

  /**
   * @param env - the env to record.
   * @param options - `bufferLength` and `statsKey`.
   * @throws {@link InvalidArgumentError} if `bufferLength` is not an integer >= 1.
   */
  constructor(env: Env<Obs, Act>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env, env.observationSpace, env.actionSpace);
    requireRecord('options', options);
    this.bufferLength = requireInt('bufferLength', options.bufferLength ?? 100, 1);
    this.statsKey = options.statsKey ?? 'episode';
  }

  protected resetEnv(params: ResetParams): ResetResult<Obs> {
    const r = this.env.reset(params);
    this.#return = 0;
    this.#length = 0;
    this.#start = performance.now();
    return r;
  }

  /**
   * @throws {@link TradegymError} if the inner env's info already uses `statsKey`.
   */
  protected stepEnv(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    this.#return += r.reward;
    this.#length += 1;
    if (!r.terminated && !r.truncated) return r;
    if (Object.prototype.hasOwnProperty.call(r.info, this.statsKey)) {
      throw new TradegymError(`info already has key "${this.statsKey}"; choose another statsKey for RecordEpisodeStatistics`);
    }
    const t = Math.round((performance.now() - this.#start) * 1000) / 1e6;
    const stats: EpisodeStatistics = { r: this.#return, l: this.#length, t };
    this.#push(this.returnQueue, stats.r);
    this.#push(this.lengthQueue, stats.l);
    this.#push(this.timeQueue, stats.t);
    this.episodeCount++;
    return { ...r, info: { ...r.info, [this.statsKey]: stats } };
  }

  #push(queue: number[], v: number): void {
    queue.push(v);
    if (queue.length > this.bufferLength) queue.shift();
  }
}

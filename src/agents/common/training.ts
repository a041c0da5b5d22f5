import { requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import { ProgressBar, toCallbacks } from './callbacks.js';
import type { CallbackAgent } from './types.js';
import type { LearnOptions, LogRecord } from './types.js';

export type { CheckpointHeader } from './types.js';

/** Episode bookkeeping per sub-env, and the last 100 finished episodes (SB3's ep_info_buffer). @internal */
export class EpisodeStats {
  readonly epReturn: Float64Array;
  readonly epLength: Int32Array;
  readonly recentReturns: number[] = [];
  readonly recentLengths: number[] = [];

  constructor(nEnvs: number) {
    this.epReturn = new Float64Array(nEnvs);
    this.epLength = new Int32Array(nEnvs);
  }

  /** Adds one step of sub-env `e`; `done` ends its episode. */
  step(e: number, reward: number, done: boolean): void {
    this.epReturn[e] = (this.epReturn[e] as number) + reward;
    this.epLength[e] = (this.epLength[e] as number) + 1;
    if (!done) return;
    this.recentReturns.push(this.epReturn[e] as number);
    this.recentLengths.push(this.epLength[e] as number);
    if (this.recentReturns.length > 100) {
      this.recentReturns.shift();
      this.recentLengths.shift();
    }
    this.epReturn[e] = 0;
    this.epLength[e] = 0;
  }

  /** The log record's rollout entries. */
  record(): LogRecord {
    const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    return { 'rollout/ep_rew_mean': mean(this.recentReturns), 'rollout/ep_len_mean': mean(this.recentLengths) };
  }

  toJSON(): EpisodeStatsState {
    return { epReturn: Array.from(this.epReturn), epLength: Array.from(this.epLength), recentReturns: this.recentReturns, recentLengths: this.recentLengths };
  }

  restore(s: EpisodeStatsState): void {
    this.epReturn.set(s.epReturn);
    this.epLength.set(s.epLength);
    this.recentReturns.splice(0, Infinity, ...s.recentReturns);
    this.recentLengths.splice(0, Infinity, ...s.recentLengths);
  }
}

/** {@link EpisodeStats} as saved. @internal */
export interface EpisodeStatsState {
  epReturn: number[];
  epLength: number[];
  recentReturns: number[];
  recentLengths: number[];
}

/** How long `learn` runs before it lets the event loop run. */
const BREATHE_MS = 10;

/**
 * Lets the event loop run once: `setImmediate` in Node; in a browser, a message to itself
 * (`setTimeout(0)` is clamped to 4 ms when chained). @internal
 */
function breathe(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  const Channel = (globalThis as unknown as { MessageChannel?: new () => { port1: { onmessage: (() => void) | null; close(): void }; port2: { postMessage(m: unknown): void; close(): void } } }).MessageChannel;
  if (Channel === undefined) return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new Channel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/**
 * The `learn` loop every algorithm shares: validates `totalTimesteps`, runs callbacks and the
 * progress bar, calls `iteration(start, end)` (one rollout and its update, returning its log
 * entries) until the step count reaches the end or a callback returns false. @internal
 */
export async function runLearn(
  agent: CallbackAgent & { numTimesteps: number },
  options: LearnOptions,
  stats: { record(): LogRecord },
  iteration: (start: number, end: number) => Record<string, number>,
): Promise<void> {
  requireKnownKeys('options', options, ['totalTimesteps', 'callback', 'progressBar']);
  const total = requireInt('totalTimesteps', options.totalTimesteps, 1);
  const start = agent.numTimesteps;
  const end = start + total;
  const callbacks = toCallbacks(options.callback);
  if (options.progressBar !== undefined && requireBool('progressBar', options.progressBar)) callbacks.push(new ProgressBar());
  for (const c of callbacks) await c.onTrainingStart?.(agent, total);
  const t0 = performance.now();
  let breathed = t0;
  while (agent.numTimesteps < end) {
    const trainLog = iteration(start, end);
    const record: LogRecord = {
      'time/total_timesteps': agent.numTimesteps,
      'time/fps': Math.round((agent.numTimesteps - start) / ((performance.now() - t0) / 1000)),
      ...stats.record(),
      ...trainLog,
    };
    let stop = false;
    for (const c of callbacks) if ((await c.onRolloutEnd?.({ agent, record, totalTimesteps: total })) === false) stop = true;
    if (stop) break;
    // let the event loop breathe (a worker's stop message, a page's events) every few
    // milliseconds, not after every rollout: an off-policy rollout can be one step
    if (performance.now() - breathed >= BREATHE_MS) {
      await breathe();
      breathed = performance.now();
    }
  }
  for (const c of callbacks) await c.onTrainingEnd?.(agent);
}

import { fail } from '../../core/checks.js';

/** A value as a function of the progress remaining, from 1 (start) to 0 (end), as Stable-Baselines3. */
export type Schedule = (progressRemaining: number) => number;

/**
 * A schedule that always returns `value`.
 * @param value - a finite number.
 * @returns the schedule.
 * @throws `InvalidArgumentError` (from `tradegym`) if `value` is not finite.
 * @example
 * ```ts
 * import { constantSchedule } from 'tradegym/agents';
 * console.log(constantSchedule(3e-4)(0.5)); // 0.0003
 * ```
 */
export function constantSchedule(value: number): Schedule {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('value', 'a finite number', value);
  return Object.assign(() => value, { toJSON: () => ({ schedule: 'constant', value }) });
}

/**
 * A schedule from `start` (progress remaining 1) to `end` (progress remaining 0), linearly.
 * @param start - the value at the start.
 * @param end - the value at the end (default 0).
 * @returns the schedule.
 * @throws `InvalidArgumentError` (from `tradegym`) if a bound is not finite.
 * @example
 * ```ts
 * import { linearSchedule } from 'tradegym/agents';
 * console.log(linearSchedule(1e-3, 0)(0.25)); // 0.00025
 * ```
 */
export function linearSchedule(start: number, end = 0): Schedule {
  if (!Number.isFinite(start)) fail('start', 'a finite number', start);
  if (!Number.isFinite(end)) fail('end', 'a finite number', end);
  return Object.assign((p: number) => end + (start - end) * p, { toJSON: () => ({ schedule: 'linear', start, end }) });
}

/** A schedule back from its JSON (`{ schedule: 'constant' | 'linear', ... }`), or the value as is. @internal */
export function scheduleFromJSON(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || !('schedule' in v)) return v;
  const s = v as { schedule: string; value?: number; start?: number; end?: number };
  if (s.schedule === 'constant') return constantSchedule(s.value as number);
  if (s.schedule === 'linear') return linearSchedule(s.start as number, s.end as number);
  return fail('schedule', "'constant' or 'linear'", s.schedule);
}

/** A number or a schedule, resolved to a schedule. @internal */
export function toSchedule(name: string, v: number | Schedule): Schedule {
  if (typeof v === 'function') return v;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, 'a finite number or a schedule function', v);
  return () => v;
}

import { fail } from '../core/checks.js';
import { DataValidationError, InvalidArgumentError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The length of a timeframe in milliseconds: ccxt-style strings such as `'1m'`, `'15m'`,
 * `'4h'`, `'1d'`, `'1w'` (seconds `s`, minutes `m`, hours `h`, days `d`, weeks `w`).
 * Calendar months are not fixed-length and are not supported.
 *
 * @param timeframe - e.g. `'15m'`.
 * @returns milliseconds, e.g. 900000.
 * @throws {@link InvalidArgumentError} for anything else.
 * @example
 * ```ts
 * import { timeframeToMs } from 'tradegym';
 * console.log(timeframeToMs('15m'), timeframeToMs('1d')); // 900000 86400000
 * ```
 */
export function timeframeToMs(timeframe: string): number {
  const m = typeof timeframe === 'string' ? /^([1-9]\d*)([smhdw])$/.exec(timeframe) : null;
  if (m === null) {
    throw new InvalidArgumentError(
      `timeframe must be a count and a unit s, m, h, d or w (e.g. '15m', '1h', '1d'), got ${JSON.stringify(timeframe)}`,
    );
  }
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

// ISO 8601 / RFC 3339 date-times: a date, optionally a time (T, t or a space between), optionally
// a zone (Z or +hh:mm, +hhmm). Groups: year, month, day, hour, minute, second, zone hour, zone minute.
const ISO_RE = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses ISO 8601 text as ms UTC; a time without a zone is UTC, not the machine's local time
 * (which `Date.parse` would use), and a date alone is midnight UTC. Only real dates and times
 * are read: month 01-12, a day that exists in that month (no 2024-02-30, which `Date.parse`
 * rolls over to March 1), hours 00-23, minutes and seconds 00-59; anything else, and text
 * that is not ISO 8601, is NaN.
 * @returns ms, or NaN when the text is not an ISO 8601 time of a real date.
 * @internal
 */
export function parseIsoUtc(text: string): number {
  const m = ISO_RE.exec(text);
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, sec, zh, zm] = m;
  const year = Number(y);
  const month = Number(mo);
  const field = (v: string | undefined, max: number): boolean => v === undefined || Number(v) <= max;
  if (month < 1 || month > 12 || Number(d) < 1 || Number(d) > daysInMonth(year, month)) return Number.NaN;
  if (!field(h, 23) || !field(mi, 59) || !field(sec, 59) || !field(zh, 23) || !field(zm, 59)) return Number.NaN;
  // the fields are valid: Date.parse reads the (zone-completed) text exactly
  let s = text.replace(' ', 'T');
  if (h === undefined) s += 'T00:00:00Z';
  else if (!/(?:[Zz]|[+-]\d{2}:?\d{2})$/.test(s)) s += 'Z';
  return Date.parse(s);
}

/**
 * A time argument as ms UTC: a finite number of ms, a valid Date, or ISO 8601 text (read by
 * {@link parseIsoUtc}).
 * @throws {@link InvalidArgumentError} naming `name` and showing the value.
 * @internal
 */
export function timeToMs(name: string, t: unknown): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' ? parseIsoUtc(t.trim()) : t;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) fail(name, 'a time (ms, an ISO 8601 string of a real date, or a Date)', t);
  return ms;
}

/** Formats a ms UTC time as ISO 8601 for messages. @internal */
export function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

// Each unit with its length and the count at which the next unit takes over: an inferred
// timeframe is canonical (1-59 s or m, 1-23 h, 1-6 d, 1-52 w), so a step 1000 times a bar
// (ms read as seconds: '1000m', '250h') is never named.
const UNITS = [
  ['w', 604_800_000, 53],
  ['d', 86_400_000, 7],
  ['h', 3_600_000, 24],
  ['m', 60_000, 60],
  ['s', 1000, 60],
] as const;

/** The canonical timeframe of a step in ms, or undefined. */
function canonical(step: number): string | undefined {
  for (const [unit, ms, limit] of UNITS) {
    if (step % ms === 0) return step / ms < limit ? `${step / ms}${unit}` : undefined;
  }
  return undefined;
}

/**
 * The timeframe of the smallest positive step between consecutive timestamps, named in the
 * largest whole unit. Only canonical bar lengths are inferred: 1 to 59 seconds or minutes,
 * 1 to 23 hours, 1 to 6 days, 1 to 52 weeks (`'15m'`, `'4h'`, `'1d'`, `'2w'`). Any other
 * step (e.g. 90 minutes, or a step 1000 times too long because epoch ms were read as
 * seconds) throws rather than naming a timeframe such as `'1000m'`; pass the timeframe
 * explicitly for those.
 *
 * @param timestamps - bar-open times in ms.
 * @returns e.g. `'15m'`, `'1h'`, `'1d'`.
 * @throws {@link DataValidationError} with fewer than two distinct times, for a step that is
 *   not a whole number of seconds (saying so when the timestamps look like epoch seconds), or
 *   for a step that is not a canonical bar length.
 * @example
 * ```ts
 * import { inferTimeframe } from 'tradegym';
 * console.log(inferTimeframe([0, 900_000, 1_800_000])); // '15m'
 * try { inferTimeframe([1_704_067_200, 1_704_067_260]); } catch (e) { console.log((e as Error).message); } // ... look like epoch seconds ...
 * ```
 */
export function inferTimeframe(timestamps: ArrayLike<number>): string {
  let step = Infinity;
  for (let i = 1; i < timestamps.length; i++) {
    const d = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (d > 0 && d < step) step = d;
  }
  if (!Number.isFinite(step)) throw new DataValidationError('cannot infer the timeframe from fewer than two distinct timestamps; pass options.timeframe');
  const name = canonical(step);
  if (name !== undefined) return name;
  let why: string;
  if (step % 1000 !== 0) {
    const asSeconds = canonical(step * 1000);
    why = asSeconds !== undefined
      ? `, not a whole number of seconds; the timestamps look like epoch seconds (${asSeconds} bars): timestamps are ms, so multiply them by 1000 (or pass timestampFormat: 's' when reading)`
      : ', not a whole number of seconds';
  } else {
    const unit = UNITS.find(([, ms]) => step % ms === 0) as (typeof UNITS)[number];
    const asMs = canonical(step / 1000);
    why = ` (${step / unit[1]}${unit[0]}), not a canonical bar length${
      asMs !== undefined ? `; it is 1000 times ${asMs}: were epoch ms read as seconds? (pass timestampFormat: 'ms' when reading)` : ''
    }`;
  }
  throw new DataValidationError(`cannot infer the timeframe from the smallest step between timestamps, ${step} ms${why}; pass options.timeframe`);
}

// Wall-clock time in an IANA time zone, through Intl only (no time-zone database of our own):
// the day a bar belongs to (the daily loss limit's day) and the minute of the day (a session's
// close). Written once for the backtester and the live runner.
import { fail } from '../core/checks.js';

const DAY = 86_400_000;
const SLOT = 900_000; // zone offsets change on quarter hours: one Intl lookup per 15 minutes at most

/** Local time in one time zone. @internal */
export interface ZonedClock {
  /** The IANA name. */
  readonly timeZone: string;
  /** The local calendar day of `ts` (days since 1970-01-01 in that zone). */
  day(ts: number): number;
  /** Minutes since local midnight of `ts`, in [0, 1440). */
  minuteOfDay(ts: number): number;
}

/**
 * The clock of `timeZone`, an IANA name such as `'America/New_York'` or `'UTC'`.
 * @throws `InvalidArgumentError` naming `name` for a zone Intl does not know.
 * @internal
 */
export function zonedClock(name: string, timeZone: unknown): ZonedClock {
  if (typeof timeZone !== 'string' || timeZone === '') fail(name, "an IANA time zone such as 'UTC' or 'America/New_York'", timeZone);
  if (timeZone === 'UTC') return { timeZone, day: (ts) => Math.floor(ts / DAY), minuteOfDay: (ts) => Math.floor((((ts % DAY) + DAY) % DAY) / 60_000) };
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    return fail(name, "an IANA time zone such as 'UTC' or 'America/New_York'", timeZone);
  }
  const offsets = new Map<number, number>();
  // local time = UTC time + offset, read from Intl's parts once per slot
  const offset = (ts: number): number => {
    const slot = Math.floor(ts / SLOT);
    let o = offsets.get(slot);
    if (o === undefined) {
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(slot * SLOT)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      o = Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second) - slot * SLOT;
      if (offsets.size > 200_000) offsets.clear();
      offsets.set(slot, o);
    }
    return o;
  };
  return {
    timeZone,
    day: (ts) => Math.floor((ts + offset(ts)) / DAY),
    minuteOfDay: (ts) => {
      const local = ts + offset(ts);
      return Math.floor((((local % DAY) + DAY) % DAY) / 60_000);
    },
  };
}

/**
 * `'HH:MM'` (24-hour clock) as minutes since midnight.
 * @throws `InvalidArgumentError` naming `name` for anything else.
 * @internal
 */
export function clockMinutes(name: string, v: unknown): number {
  const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v) : null;
  if (m === null) fail(name, "a time of day 'HH:MM' (24-hour clock, e.g. '16:00')", v);
  return Number(m[1]) * 60 + Number(m[2]);
}

import { InvalidArgumentError } from '../core/errors.js';

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

/** Formats a ms UTC time as ISO 8601 for messages. @internal */
export function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

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

/** Formats a ms UTC time as ISO 8601 for messages. @internal */
export function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/**
 * The timeframe string of the smallest positive step between consecutive timestamps.
 * @param timestamps - bar-open times in ms.
 * @returns e.g. `'15m'`, `'1h'`, `'1d'`.
 * @throws {@link DataValidationError} with fewer than two distinct times.
 * @example
 * ```ts
 * import { inferTimeframe } from 'tradegym';
 * console.log(inferTimeframe([0, 900_000, 1_800_000])); // '15m'
 * ```
 */
export function inferTimeframe(timestamps: ArrayLike<number>): string {
  let step = Infinity;
  for (let i = 1; i < timestamps.length; i++) {
    const d = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (d > 0 && d < step) step = d;
  }
  if (!Number.isFinite(step)) throw new DataValidationError('cannot infer the timeframe from fewer than two distinct timestamps; pass options.timeframe');
  for (const [unit, ms] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (step % ms === 0) return `${step / ms}${unit}`;
  }
  throw new DataValidationError(`cannot express a step of ${step} ms as a timeframe; pass options.timeframe`);
}


import { requireInt, requireKnownKeys } from '../core/checks.js';

/** The largest number of orders in a rolling window (orders from risk exits always pass, and count). */
export interface OrderRateLimit {
  /** At most this many orders in any 60 seconds. */
  readonly perMinute?: number;
  /** At most this many orders in any hour. */
  readonly perHour?: number;
}

/** Counts orders on a clock and says whether one more fits the limits. @internal */
export class OrderRate {
  readonly #perMinute: number;
  readonly #perHour: number;
  readonly #times: number[] = [];
  readonly #now: () => number;

  constructor(limit: unknown, now: () => number) {
    const l = requireKnownKeys('risk.maxOrders', limit, ['perMinute', 'perHour']) as OrderRateLimit;
    this.#perMinute = l.perMinute === undefined ? Infinity : requireInt('risk.maxOrders.perMinute', l.perMinute, 1);
    this.#perHour = l.perHour === undefined ? Infinity : requireInt('risk.maxOrders.perHour', l.perHour, 1);
    this.#now = now;
  }

  /** Whether one more order fits now. */
  allows(): boolean {
    const now = this.#now();
    const times = this.#times;
    while (times.length > 0 && (times[0] as number) <= now - 3_600_000) times.shift();
    let lastMinute = 0;
    for (let k = times.length - 1; k >= 0 && (times[k] as number) > now - 60_000; k--) lastMinute++;
    return lastMinute < this.#perMinute && times.length < this.#perHour;
  }

  /** Counts an order placed now. */
  record(): void {
    this.#times.push(this.#now());
  }
}

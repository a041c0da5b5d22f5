// The backtester's risk rules, as options and their checks: one copy, used by backtest() and by
// the live runner (tradegym/live) through the same stepper.
import { fail, requireInt, requireKnownKeys, requireOneOf, requireRecord } from '../core/checks.js';
import type { Trade } from '../envs/trading/Account.js';
import { clockMinutes, zonedClock, type ZonedClock } from './clock.js';

/** Position sizing. */
export type Sizing = FixedSizing | VolatilitySizing | KellySizing;

/** The signal times a fixed fraction of equity. */
export interface FixedSizing {
  /** The kind. */
  readonly kind: 'fixed';
  /** Fraction of equity per unit of signal. */
  readonly fraction: number;
}

/** Volatility targeting: fraction = targetVolatility / (ATR / close), capped; the signal's sign picks the side, its size is not used. */
export interface VolatilitySizing {
  /** The kind. */
  readonly kind: 'volatility';
  /** Target per-bar volatility of the position (e.g. 0.002). */
  readonly targetVolatility: number;
  /** Wilder ATR period (default 14). */
  readonly atrPeriod?: number;
  /** The largest fraction (default 1). */
  readonly maxFraction?: number;
}

/** Fractional Kelly from the trades closed so far: fraction x max(0, W - (1 - W) / R); the signal's sign picks the side, its size is not used. */
export interface KellySizing {
  /** The kind. */
  readonly kind: 'kelly';
  /** The Kelly multiplier (default 0.5, half Kelly). */
  readonly fraction?: number;
  /** Closed trades needed before Kelly applies (default 20). */
  readonly minTrades?: number;
  /** The fraction until then (default 0.1). */
  readonly initialFraction?: number;
  /** The largest fraction (default 1). */
  readonly maxFraction?: number;
}

/** Risk rules; each is optional and they compose. */
export interface RiskOptions {
  /** Position sizing applied to the signal (default: the signal as is). */
  readonly sizing?: Sizing;
  /** Exit when the price moves this fraction against the entry (e.g. 0.02). */
  readonly stopLoss?: number;
  /** Exit when the price moves this fraction in favour of the entry. */
  readonly takeProfit?: number;
  /** Exit when the price falls this fraction from its best since entry. */
  readonly trailingStop?: number;
  /** The largest |position| as a fraction of equity: larger targets are clipped to it (it must be <= `account.maxLeverage`). */
  readonly maxPosition?: number;
  /** Flatten and stop opening positions for the rest of the day (in `timeZone`) once equity is down this fraction from the day's start. */
  readonly dailyLossLimit?: number;
  /** Bars without new entries after a stop-loss, take-profit or trailing-stop exit (so it needs one of them). */
  readonly cooldownBars?: number;
  /**
   * The fewest bars a position is held before the signal may reduce, close or flip it (counted
   * from the bar of its first fill to the bar the order would fill at). Stops, the daily loss
   * limit and the session close still exit at once.
   */
  readonly minHoldBars?: number;
  /** Be flat before a daily session close (see {@link SessionClose}); the clock reads `timeZone`. */
  readonly sessionClose?: SessionClose;
  /** The IANA time zone of the trading day: the daily loss limit's day and `sessionClose.time` (default `'UTC'`). */
  readonly timeZone?: string;
}

/**
 * A daily session close: from `minutesBefore` minutes before `time` until `time`, every decision
 * (made at a bar's close, the bar's timestamp plus its timeframe) flattens the book and opens
 * nothing, so that with `'next-open'` execution the last fill of the session happens inside the
 * window, before the close.
 */
export interface SessionClose {
  /** The close as `'HH:MM'` on a 24-hour clock, in `risk.timeZone` (e.g. `'16:00'`). */
  readonly time: string;
  /** How long before the close to be flat, in minutes (an integer >= 1, less than a day). */
  readonly minutesBefore: number;
}


/** A risk rule that acted. */
export interface RiskEvent {
  /** The bar it acted on. */
  readonly index: number;
  /** Which rule. */
  readonly kind: 'stop-loss' | 'take-profit' | 'trailing-stop' | 'daily-loss-limit' | 'session-close';
}

function fraction(name: string, v: unknown, max = 1, openLow = true): number {
  if (typeof v !== 'number' || !(openLow ? v > 0 : v >= 0) || !(v <= max)) fail(name, `a number in ${openLow ? '(' : '['}0, ${max}]`, v);
  return v;
}

const SIZING_KEYS = { fixed: ['kind', 'fraction'], volatility: ['kind', 'targetVolatility', 'atrPeriod', 'maxFraction'], kelly: ['kind', 'fraction', 'minTrades', 'initialFraction', 'maxFraction'] } as const;

/** Risk options once checked, with the time zone's clock and the session close in minutes. @internal */
export interface ResolvedRisk extends RiskOptions {
  /** The trading day's clock. */
  readonly clock: ZonedClock;
  /** The session close, minutes after local midnight (when `sessionClose` is set). */
  readonly sessionMinute: number | undefined;
}

/**
 * The risk options, checked: every key known, every value in range (naming `risk.<key>`).
 * @internal
 */
export function checkRisk(risk: unknown): ResolvedRisk {
  requireKnownKeys('risk', risk, ['sizing', 'stopLoss', 'takeProfit', 'trailingStop', 'maxPosition', 'dailyLossLimit', 'cooldownBars', 'minHoldBars', 'sessionClose', 'timeZone']);
  const r = resolveClock(risk as RiskOptions);
  if (r.stopLoss !== undefined) fraction('risk.stopLoss', r.stopLoss);
  if (r.takeProfit !== undefined) fraction('risk.takeProfit', r.takeProfit, 100);
  if (r.trailingStop !== undefined) fraction('risk.trailingStop', r.trailingStop);
  if (r.maxPosition !== undefined) fraction('risk.maxPosition', r.maxPosition, 100);
  if (r.dailyLossLimit !== undefined) fraction('risk.dailyLossLimit', r.dailyLossLimit);
  if (r.cooldownBars !== undefined) {
    requireInt('risk.cooldownBars', r.cooldownBars, 0);
    // the cooldown counts from a stop's exit: without a stop it would do nothing, silently
    if (r.stopLoss === undefined && r.takeProfit === undefined && r.trailingStop === undefined) fail('risk.cooldownBars', 'given with a stopLoss, takeProfit or trailingStop (it counts from their exits)', r.cooldownBars);
  }
  if (r.minHoldBars !== undefined) requireInt('risk.minHoldBars', r.minHoldBars, 0);
  const s = r.sizing;
  if (s === undefined) return r;
  requireRecord('risk.sizing', s);
  const kind = requireOneOf('risk.sizing.kind', s.kind, ['fixed', 'volatility', 'kelly']);
  requireKnownKeys('risk.sizing', s, SIZING_KEYS[kind]);
  if (s.kind === 'fixed') fraction('risk.sizing.fraction', s.fraction, 100);
  if (s.kind === 'volatility') {
    fraction('risk.sizing.targetVolatility', s.targetVolatility, 100);
    if (s.atrPeriod !== undefined) requireInt('risk.sizing.atrPeriod', s.atrPeriod, 1);
    if (s.maxFraction !== undefined) fraction('risk.sizing.maxFraction', s.maxFraction, 100);
  }
  if (s.kind === 'kelly') {
    if (s.fraction !== undefined) fraction('risk.sizing.fraction', s.fraction);
    if (s.minTrades !== undefined) requireInt('risk.sizing.minTrades', s.minTrades, 1);
    if (s.initialFraction !== undefined) fraction('risk.sizing.initialFraction', s.initialFraction, 100, false);
    if (s.maxFraction !== undefined) fraction('risk.sizing.maxFraction', s.maxFraction, 100);
  }
  return r;
}

const CLIP_HINT = 'set risk.maxPosition to clip, or raise account.maxLeverage';

/**
 * How large a signal may be: the Account caps exposure at `maxLeverage`, and a target beyond it
 * would be cut there silently, so targets that can exceed it are rejected instead. With
 * `risk.maxPosition` (itself within the cap) every target is clipped to it, as the user asked.
 * Volatility and Kelly sizing read only the signal's sign, so their largest fraction is checked
 * here once. Returns `scale` (fraction of equity per unit of signal, 0 when only the sign counts)
 * and `limit` (the largest |signal x scale|). @internal
 */
export function signalLimits(risk: RiskOptions, maxLeverage: number): { scale: number; limit: number } {
  const within = (name: string, v: number): void => {
    if (v > maxLeverage) fail(name, `<= account.maxLeverage (${maxLeverage}): the Account would cut a larger target silently (${CLIP_HINT})`, v);
  };
  const s = risk.sizing;
  const scale = s === undefined ? 1 : s.kind === 'fixed' ? s.fraction : 0;
  if (risk.maxPosition !== undefined) {
    within('risk.maxPosition', risk.maxPosition);
    return { scale, limit: Infinity };
  }
  if (s?.kind === 'volatility') within('risk.sizing.maxFraction', s.maxFraction ?? 1);
  if (s?.kind === 'kelly') {
    within('risk.sizing.initialFraction', s.initialFraction ?? 0.1);
    // the Kelly fraction max(0, W - (1 - W) / R) is at most 1, times `fraction`
    within('risk.sizing.maxFraction', Math.min(s.maxFraction ?? 1, s.fraction ?? 0.5));
  }
  return { scale, limit: maxLeverage };
}

/**
 * One signal value, from an array (`index` = its position) or a strategy function (`fromFunction`):
 * a finite number whose target |value x scale| stays within `limit`, or NaN (hold). Anything else
 * (undefined, a hole, null, a string, +-Infinity) is an error: nothing is coerced. @internal
 */
export function checkSignalValue(v: unknown, index: number, fromFunction: boolean, scale: number, limit: number): number {
  if (typeof v === 'number' && (v !== v || (Number.isFinite(v) && Math.abs(v * scale) <= limit))) return v;
  const name = fromFunction ? `strategy({ index: ${index} })` : `strategy[${index}]`;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, 'a finite number or NaN (hold)', v);
  const bound = limit / scale;
  return fail(name, `in [${-bound}, ${bound}] (|signal${scale === 1 ? '' : ` x sizing fraction ${scale}`}| <= account.maxLeverage ${limit}; ${CLIP_HINT}) or NaN (hold)`, v);
}

/** The clock and the session close of `r`, checked. */
function resolveClock(r: RiskOptions): ResolvedRisk {
  const clock = zonedClock('risk.timeZone', r.timeZone ?? 'UTC');
  const sc = r.sessionClose;
  if (sc === undefined) return { ...r, clock, sessionMinute: undefined };
  requireKnownKeys('risk.sessionClose', sc, ['time', 'minutesBefore']);
  const sessionMinute = clockMinutes('risk.sessionClose.time', sc.time);
  const before = requireInt('risk.sessionClose.minutesBefore', sc.minutesBefore, 1);
  if (before >= 1440) fail('risk.sessionClose.minutesBefore', 'less than a day (1440 minutes)', before);
  return { ...r, clock, sessionMinute };
}

/** The Kelly fraction from closed trades so far (no look-ahead), scaled and capped. @internal */
export function kellyFraction(trades: readonly Trade[], s: { fraction?: number; minTrades?: number; initialFraction?: number; maxFraction?: number }): number {
  const minTrades = s.minTrades ?? 20;
  if (trades.length < minTrades) return s.initialFraction ?? 0.1;
  let wins = 0;
  let winSum = 0;
  let lossSum = 0;
  let losses = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      wins++;
      winSum += t.pnl;
    } else if (t.pnl < 0) {
      losses++;
      lossSum -= t.pnl;
    }
  }
  const w = wins / trades.length;
  const ratio = losses === 0 ? Infinity : wins === 0 ? 0 : winSum / wins / (lossSum / losses);
  const k = ratio === Infinity ? w : w - (1 - w) / ratio;
  return Math.min(s.maxFraction ?? 1, Math.max(0, k) * (s.fraction ?? 0.5));
}

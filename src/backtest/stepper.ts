// The per-bar decision -> risk -> order logic, written once. backtest() feeds it every bar of its
// data and fills its orders through PaperFills at once; the live runner feeds it bars from a feed
// and fills its orders through a Broker (the PaperBroker fills through the same PaperFills). Each
// bar is a generator that yields the orders in the order they happen and receives whether each
// was placed, so a synchronous and an asynchronous driver run the very same code.
import type { Account } from '../envs/trading/Account.js';
import type { MarketData } from '../market/MarketData.js';
import type { StrategyContext } from './backtest.js';
import type { StepOrder } from './fills.js';
import { checkSignalValue, kellyFraction, type ResolvedRisk, type RiskEvent } from './risk.js';

/** The columns the stepper reads, at the indices it is stepped through (a MarketData has them). @internal */
export type BarColumns = Pick<MarketData, 'timestamps' | 'open' | 'high' | 'low' | 'close'>;

/** What a stepper needs. @internal */
export interface StepperOptions {
  /** The ledger (the stepper reads it; fills go through the driver). */
  readonly account: Account;
  /** The bars, read at the indices stepped (a live history grows: read through getters). */
  readonly bars: BarColumns;
  /** The checked risk rules. */
  readonly risk: ResolvedRisk;
  /** When a target fills: the next bar's open, or this bar's close. */
  readonly execution: 'next-open' | 'close';
  /** The bar length in ms (a decision happens at a bar's timestamp plus this). */
  readonly timeframeMs: number;
  /** The signal decided at the close of bar `index`: a finite number (checked), or NaN to hold. */
  readonly decide: (index: number) => number;
  /**
   * Trade every non-hold signal, even one equal to what is held (a trading env's semantics: the
   * agent's target is re-applied each step); default false (a position is held, not rebalanced).
   */
  readonly rebalance?: boolean;
  /**
   * Whether a position of these units (not 0) is still flat to the stops, exits and the minimum
   * hold (default: never): an exchange's dust, below its minimum order, that no exit can sell.
   * Asked at each use (a minimum cost makes it follow the price).
   */
  readonly dust?: (units: number) => boolean;
  /** Called with each decision: the bar, the signal and the target after the risk rules. */
  readonly onDecision?: (index: number, signal: number, target: number, reason: StepOrder['reason'] | undefined) => void;
}

/**
 * The backtester's bar loop as a state machine, stepped once per bar, in order, in phases:
 * `open(b)` (the stops on the bar's range, after a next-open fill, which the driver makes
 * before), `close(b)` (the mark at its close, the daily loss limit), `closed(b)`, then, when
 * asked, `decide(b)` (sizing, clips, cooldown, halted day, minimum hold, session close) and
 * `placed(order)`. Each phase returns the order it makes, if any, and the driver places it
 * before the next phase: `step()` with a synchronous `place` (the backtester), or the same
 * calls with awaits (the live runner). @internal
 */
export class SignalStepper {
  /** Equity at the last bar's close, after its exits (before its decision's fill). */
  equity = 0;
  /** Units held at the last bar's close, before its decision's fill. */
  position = 0;
  /** The risk rules that acted. */
  readonly events: RiskEvent[] = [];
  readonly #o: StepperOptions;
  readonly #px = new Float64Array(1);
  readonly #atrPeriod: number;
  #first = true;
  #atr = Number.NaN;
  #trCount = 0;
  #trSum = 0;
  #held = 0; // the target fraction currently held (0 flat)
  #cooldownUntil = -1;
  #best = 0; // best price since entry, for the trailing stop
  #pendingBest = false; // a next-open target waits for the next bar's open
  #onDust = false; // the last decision was made holding dust (see StepperOptions.dust)
  #dustEntry = Number.NEGATIVE_INFINITY; // the bar a position entered on dust started at
  #decidedAt = 0; // the units held at the last decision
  #dayStartEquity = 0;
  #day = 0;
  #haltedDay = -1;
  #stoppedSignal: number | undefined;
  #lastSignal = Number.NaN; // the signal `sized` was computed for
  #sized = 0;
  #s = Number.NaN; // the last decision's signal
  #prevEquity = 0;
  #marked = false; // the first bar was marked in open()
  #exited = false; // an exit was handed out: value the equity again at the close

  constructor(options: StepperOptions) {
    this.#o = options;
    const sizing = options.risk.sizing;
    this.#atrPeriod = sizing?.kind === 'volatility' ? (sizing.atrPeriod ?? 14) : 0;
  }

  /**
   * Bar `b`'s first phase (after a next-open order filled at its open): the first bar starts
   * the day; a later one hands the trailing stop its entry and checks the stops on the bar's
   * range. @returns the stop's exit, for the driver to place, or undefined.
   */
  open(b: number): StepOrder | undefined {
    const { account: acct, bars, risk } = this.#o;
    if (this.#first) {
      this.#first = false;
      this.#px[0] = bars.close[b] as number;
      this.#dayStartEquity = acct.mark(this.#px);
      this.#day = risk.clock.day(bars.timestamps[b] as number);
      this.#marked = true;
      return undefined;
    }
    if (this.#pendingBest) {
      this.#pendingBest = false;
      if (!this.#flat()) this.#best = bars.open[b] as number;
    }
    return this.#stops(b);
  }

  /**
   * Bar `b`'s second phase, after `open`'s exit was placed: the mark at its close, then the
   * daily loss limit. @returns the limit's exit, for the driver to place (then `closed(b)`), or undefined.
   */
  close(b: number): StepOrder | undefined {
    if (this.#marked) {
      // the first bar was marked by open
      this.#marked = false;
      return undefined;
    }
    const { account: acct, bars, risk } = this.#o;
    this.#px[0] = bars.close[b] as number;
    const e = acct.mark(this.#px);
    // daily loss limit, on closes
    if (risk.dailyLossLimit === undefined) return undefined;
    const today = risk.clock.day(bars.timestamps[b] as number);
    if (today !== this.#day) {
      this.#day = today;
      this.#dayStartEquity = this.#prevEquity;
    }
    if (this.#haltedDay === this.#day || e >= this.#dayStartEquity * (1 - risk.dailyLossLimit)) return undefined;
    this.#haltedDay = this.#day;
    this.events.push({ index: b, kind: 'daily-loss-limit' });
    return this.#exit(bars.close[b] as number, b, 'daily-loss-limit');
  }

  /** Bar `b`'s close is settled (after `close`'s exit, if any, was placed): its equity and position. */
  closed(b: number): void {
    this.#remark(b);
    this.equity = this.#o.account.lastEquity;
    this.position = this.#o.account.positions[0] as number;
    this.#prevEquity = this.equity;
  }

  /** The decision at bar `b`'s close (after `closed(b)`). @returns its order, for the driver to place (then `placed`), or undefined. */
  decide(b: number): StepOrder | undefined {
    return this.#decide(b);
  }

  /**
   * Bar `b` with a driver that places orders at once: `open`, `close`, `closed`, then, if
   * `decide`, the decision. `place` places an order and returns whether it was placed.
   */
  step(b: number, decide: boolean, place: (order: StepOrder) => boolean): void {
    const stop = this.open(b);
    if (stop !== undefined) place(stop);
    const exit = this.close(b);
    if (exit !== undefined) place(exit);
    this.closed(b);
    if (!decide) return;
    const order = this.#decide(b);
    if (order !== undefined && place(order)) this.placed(order);
  }

  /**
   * Closes the position at bar `b`'s close (after bar `b` was stepped without a decision): the
   * end of the data, or a kill switch. @returns the exit, for the driver to place (then `finished(b)`), or undefined when flat.
   */
  finish(b: number, reason: 'end' | 'kill-switch'): StepOrder | undefined {
    this.#pendingBest = false;
    return this.#exit(this.#o.bars.close[b] as number, b, reason);
  }

  /** After `finish`'s exit was placed: the equity and position at the close. */
  finished(b: number): void {
    this.#remark(b);
    this.equity = this.#o.account.lastEquity;
    this.position = this.#o.account.positions[0] as number;
  }

  /** An exit at `price` in bar `b` when a position is held (the equity is valued again at the close once it is placed). */
  #exit(price: number, b: number, reason: StepOrder['reason']): StepOrder | undefined {
    this.#held = 0;
    if (this.#flat()) return undefined;
    this.#exited = true;
    return { kind: 'exit', target: 0, price, index: b, reason };
  }

  /** Whether the position is flat to the stops and exits: 0, or dust. */
  #flat(): boolean {
    const pos = this.#o.account.positions[0] as number;
    return pos === 0 || (this.#o.dust !== undefined && this.#o.dust(pos));
  }

  /** After an exit: the equity valued again at bar `b`'s close. */
  #remark(b: number): void {
    if (!this.#exited) return;
    this.#exited = false;
    this.#px[0] = this.#o.bars.close[b] as number;
    const acct = this.#o.account;
    acct.lastEquity = acct.equity(this.#px);
  }

  /** Stops on bar `b`'s range, after the fill at its open (a gap through the stop fills at the open): the exit, if one is hit. */
  #stops(b: number): StepOrder | undefined {
    const { account: acct, bars, risk } = this.#o;
    const pos = acct.positions[0] as number;
    if (this.#flat() || (risk.stopLoss === undefined && risk.takeProfit === undefined && risk.trailingStop === undefined)) return undefined;
    const side = pos > 0 ? 1 : -1;
    const entry = (acct.openTrade(0) as { entryPrice: number }).entryPrice;
    const o = bars.open[b] as number;
    const hi = bars.high[b] as number;
    const lo = bars.low[b] as number;
    let exit: number | undefined;
    let kind: 'stop-loss' | 'take-profit' | 'trailing-stop' | undefined;
    const adverse = side > 0 ? lo : hi;
    const favourable = side > 0 ? hi : lo;
    if (risk.stopLoss !== undefined) {
      const stop = entry * (1 - side * risk.stopLoss);
      if (side * (adverse - stop) <= 0) [exit, kind] = [side > 0 ? Math.min(o, stop) : Math.max(o, stop), 'stop-loss'];
    }
    if (exit === undefined && risk.trailingStop !== undefined) {
      const stop = this.#best * (1 - side * risk.trailingStop);
      if (side * (adverse - stop) <= 0) [exit, kind] = [side > 0 ? Math.min(o, stop) : Math.max(o, stop), 'trailing-stop'];
    }
    if (exit === undefined && risk.takeProfit !== undefined) {
      const take = entry * (1 + side * risk.takeProfit);
      if (side * (favourable - take) >= 0) [exit, kind] = [side > 0 ? Math.max(o, take) : Math.min(o, take), 'take-profit'];
    }
    if (exit === undefined || kind === undefined) {
      this.#best = side > 0 ? Math.max(this.#best, hi) : Math.min(this.#best, lo);
      return undefined;
    }
    this.#held = 0;
    this.events.push({ index: b, kind });
    this.#cooldownUntil = b + (risk.cooldownBars ?? 0);
    // re-entry needs the signal to change: a stop is not undone by the signal that opened it
    this.#stoppedSignal = this.#s;
    return { kind: 'exit', target: 0, price: exit, index: b, reason: kind };
  }

  /** The decision at bar `t`'s close: the order it places, if any. */
  #decide(t: number): StepOrder | undefined {
    const { account: acct, bars, risk } = this.#o;
    const c = bars.close[t] as number;
    this.#updateAtr(t);
    let s = this.#o.decide(t);
    const hold = Number.isNaN(s);
    let target: number;
    if (hold) {
      // NaN holds what is held
      target = this.#held;
      s = this.#lastSignal;
    } else {
      // sizing turns a direction and strength into a fraction of equity when the signal
      // changes; while it stays, the position is held, not resized
      if (s !== this.#lastSignal) {
        this.#sized = this.#size(s, c);
        if (risk.maxPosition !== undefined) this.#sized = Math.max(-risk.maxPosition, Math.min(risk.maxPosition, this.#sized));
      }
      target = this.#sized;
    }
    const held = this.#held;
    const nextOpen = this.#o.execution === 'next-open';
    const blocked = t < this.#cooldownUntil || (this.#haltedDay >= 0 && this.#haltedDay === this.#day);
    if (this.#stoppedSignal !== undefined) {
      if (s === this.#stoppedSignal) target = 0;
      else this.#stoppedSignal = undefined;
    }
    const shrinks = target === 0 || (Math.sign(target) === Math.sign(held) && Math.abs(target) <= Math.abs(held));
    // in a cooldown or a halted day, positions may only shrink
    if (blocked && !shrinks) target = held;
    // a young position is not reduced, closed or flipped by the signal
    if (risk.minHoldBars !== undefined && target !== held && !(Math.sign(target) === Math.sign(held) && Math.abs(target) >= Math.abs(held))) {
      // dust is no position: its trade's entry is not this one's (a position entered on dust started then)
      const open = this.#flat() ? undefined : acct.openTrade(0);
      if (open !== undefined && (nextOpen ? t + 1 : t) - Math.max(open.entryIndex, this.#dustEntry) < risk.minHoldBars) target = held;
    }
    let reason: StepOrder['reason'] = 'signal';
    if (risk.sessionClose !== undefined && risk.sessionMinute !== undefined) {
      const m = risk.clock.minuteOfDay((bars.timestamps[t] as number) + this.#o.timeframeMs);
      const until = (risk.sessionMinute - m + 1440) % 1440;
      if (until > 0 && until <= risk.sessionClose.minutesBefore) {
        if (held !== 0) {
          reason = 'session-close';
          this.events.push({ index: t, kind: 'session-close' });
        }
        target = 0;
      }
    }
    this.#o.onDecision?.(t, s, target, target !== held || (this.#o.rebalance === true && !hold && reason === 'signal') ? reason : undefined);
    this.#s = s;
    this.#onDust = (acct.positions[0] as number) !== 0 && this.#flat();
    this.#decidedAt = acct.positions[0] as number;
    // trade only when the target changes: positions are held, not rebalanced, as vectorbt's from_signals
    if (target !== held || (this.#o.rebalance === true && !hold && reason === 'signal')) return { kind: 'target', target, price: Number.NaN, index: t, reason };
    return undefined;
  }

  /** A target order from `decide` was placed: it is held from now on (and the trailing stop starts from its fill). */
  placed(order: StepOrder): void {
    this.#held = order.target;
    // entered on dust: the account's trade goes on from the old entry, the position starts now
    // (at this bar when the broker filled it at once, else where the execution fills it)
    const filled = this.#o.account.positions[0] !== this.#decidedAt;
    if (this.#onDust && order.target !== 0) this.#dustEntry = filled || this.#o.execution === 'close' ? order.index : order.index + 1;
    if (this.#o.execution === 'next-open') this.#pendingBest = true;
    else if (!this.#flat()) this.#best = this.#o.bars.close[order.index] as number;
  }

  /** The target fraction of a new signal `s` at close `c`. */
  #size(s: number, c: number): number {
    const sizing = this.#o.risk.sizing;
    this.#lastSignal = s;
    if (sizing === undefined || s === 0) return s;
    if (sizing.kind === 'fixed') return s * sizing.fraction;
    if (sizing.kind === 'volatility') {
      if (Number.isNaN(this.#atr)) {
        this.#lastSignal = Number.NaN; // sized again once the ATR exists
        return 0;
      }
      return Math.sign(s) * Math.min(sizing.maxFraction ?? 1, sizing.targetVolatility / (this.#atr / c));
    }
    return Math.sign(s) * kellyFraction(this.#o.account.trades, sizing);
  }

  /** Wilder's ATR up to bar t (for volatility targeting): no look-ahead. */
  #updateAtr(t: number): void {
    const p = this.#atrPeriod;
    if (p === 0 || t === 0) return;
    const { high, low, close } = this.#o.bars;
    const h = high[t] as number;
    const l = low[t] as number;
    const pc = close[t - 1] as number;
    const tr = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
    if (this.#trCount < p) {
      this.#trSum += tr;
      this.#trCount++;
      if (this.#trCount === p) this.#atr = this.#trSum / p;
    } else this.#atr = (this.#atr * (p - 1) + tr) / p;
  }
}

/**
 * The `decide` of a strategy function: called at each close with its {@link StrategyContext}
 * (the bars so far, the position as a fraction of equity, the equity at that close), its value
 * checked. The backtester and the live runner build it here, so the function sees the same
 * context in both. @internal
 */
export function functionDecider(fn: (ctx: StrategyContext) => number, data: () => MarketData, acct: Account, scale: number, limit: number): (index: number) => number {
  return (t) => {
    const d = data();
    const eq = acct.lastEquity;
    const v: unknown = fn({ index: t, data: d, position: eq > 0 ? ((acct.positions[0] as number) * (d.close[t] as number)) / eq : 0, equity: eq });
    return checkSignalValue(v, t, true, scale, limit);
  };
}

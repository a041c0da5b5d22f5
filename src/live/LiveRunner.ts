import type { StrategyAgent, StrategyContext, BacktestAccountOptions } from '../backtest/backtest.js';
import type { StepOrder } from '../backtest/fills.js';
import { checkRisk, signalLimits, type RiskEvent, type RiskOptions } from '../backtest/risk.js';
import { functionDecider, SignalStepper } from '../backtest/stepper.js';
import { fail, requireBool, requireInt, requireKnownKeys, requireOneOf } from '../core/checks.js';
import { episodeActor } from '../core/episodeActor.js';
import { InvalidActionError, TradegymError } from '../core/errors.js';
import type { Account, Trade } from '../envs/trading/Account.js';
import { ACCOUNT_FEATURES, actionSpaceOf, actionTarget, type ActionScheme } from '../envs/trading/TradingEnv.js';
import { Box } from '../spaces/Box.js';
import { Space } from '../spaces/Space.js';
import { MarketData } from '../market/MarketData.js';
import { timeframeToMs } from '../market/timeframe.js';
import type { Broker, FillEvent, OrderRequest, OrderStatus } from './broker.js';
import { jsonlSink, type EventSink, type LiveEvent } from './events.js';
import type { FeatureSource } from './features.js';
import { OrderRate, type OrderRateLimit } from './gate.js';
import { BarHistory } from './history.js';
import { fileJournal, ReconciliationError, RecoveryError, type Journal, type JournalRecord } from './journal.js';
import { WindowObserver } from './observation.js';
import { PaperBroker } from './PaperBroker.js';
import type { Bar, Feed } from './types.js';

/**
 * An agent trading live as in its `TradingEnv` (from `tradegym`): the observation at each close is the env's
 * (the last `windowSize` feature rows and the four account features), and the action maps to a
 * target as the env's `actionScheme` does (re-applied at every step, as the env does).
 */
export interface LiveAgentStrategy {
  /** The agent (anything with `predict`, as `backtest` takes). */
  readonly agent: StrategyAgent;
  /** The features, one row per bar (a pipeline's stream, or {@link replayFeatures} in a replay). */
  readonly features: FeatureSource;
  /** Rows per observation, as the env's (default 32). */
  readonly windowSize?: number;
  /** The env's action scheme (default `'discrete-4'`). */
  readonly actionScheme?: ActionScheme;
  /** The env's `positionSize` (default 1). */
  readonly positionSize?: number;
  /** The env's `longOnly` (default false). */
  readonly longOnly?: boolean;
}

/** The backtester's risk rules, and the live-only ones. */
export interface LiveRiskOptions extends RiskOptions {
  /** The most orders in a rolling minute or hour: a signal's order beyond it is refused (risk exits always pass). */
  readonly maxOrders?: OrderRateLimit;
}

/** Options of {@link LiveRunner}. */
export interface LiveRunnerOptions {
  /** The bars. */
  readonly feed: Feed;
  /** A strategy function (as `backtest` takes), or an agent with its features. */
  readonly strategy: ((ctx: StrategyContext) => number) | LiveAgentStrategy;
  /** The broker (default: a {@link PaperBroker} with `account` and `execution`). */
  readonly broker?: Broker;
  /** Cash and costs of the default paper broker (left out with `broker`). */
  readonly account?: BacktestAccountOptions;
  /** The default paper broker's execution (default `'next-open'`; a PaperBroker given brings its own). */
  readonly execution?: 'next-open' | 'close';
  /** Risk rules: the backtester's (one copy of each) and the live-only `maxOrders`. */
  readonly risk?: LiveRiskOptions;
  /** Bars before the feed's first (indicator warm-up, the strategy's look-back); not traded. */
  readonly history?: MarketData;
  /** The bar length when neither the feed nor `history` gives it (e.g. `'15m'`). */
  readonly timeframe?: string;
  /** On the feed's last bar (a replay's), close the position at its close, as a trading env's episode ends (default false). */
  readonly closeAtEnd?: boolean;
  /** Where events go: a sink, or a file path for a JSONL sink (appended to). */
  readonly events?: EventSink | string;
  /** Called with every event, in order (for a kill switch of your own: call `kill()` from here). */
  readonly onEvent?: (event: LiveEvent) => void;
  /** Required as `true` to run with a broker that is not paper: real orders are never a default. */
  readonly realOrders?: boolean;
  /** The clock, ms, of the order rate and of the run's id (default `Date.now`). */
  readonly now?: () => number;
  /**
   * The prefix of client order ids, followed by `<run>-<bar>-<n>` (default: the broker's
   * `clientOrderIdPrefix` when it has one, else `'tg-'`; a prefix other than the broker's is
   * refused). `<run>` is the run's start time (`now()`) in base 36, unique in the process and
   * kept in the journal, so a restart goes on with its ids and a new run never repeats one.
   */
  readonly orderIdPrefix?: string;
  /**
   * The crash-safe journal (a file path for a {@link fileJournal}, or a {@link Journal}): each
   * bar, each order's intent (durable before the order goes to the broker), the broker's
   * answers and the fills. A runner started on a journal that has bars rebuilds its book by
   * replaying them first, settles with the exchange what the journal did not hold, and then
   * reads the feed from after the last journaled bar. Default: none.
   */
  readonly journal?: Journal | string;
}

/** What a run did: the book bar by bar from the first traded bar, as a `BacktestResult` has it. */
export interface LiveResult {
  /** The index of the first traded bar (history counted). */
  readonly startIndex: number;
  /** The traded bars' timestamps. */
  readonly timestamps: Float64Array;
  /** Equity at each traded bar's close. */
  readonly equity: Float64Array;
  /** Units held at each close (before that close's own fill). */
  readonly positions: Float64Array;
  /** Closed round trips. */
  readonly trades: readonly Trade[];
  /** Fees paid. */
  readonly fees: number;
  /** Borrow paid. */
  readonly borrow: number;
  /** The backtester's risk rules that acted. */
  readonly riskEvents: readonly RiskEvent[];
  /** Why the run stopped (undefined while it runs). */
  readonly stopReason: 'feed-ended' | 'kill-switch' | 'error' | undefined;
}

const RUNNER_KEYS = ['feed', 'strategy', 'broker', 'account', 'execution', 'risk', 'history', 'timeframe', 'closeAtEnd', 'events', 'onEvent', 'realOrders', 'now', 'orderIdPrefix', 'journal'];

/** The journal being replayed at a restart. */
interface Replay {
  readonly records: readonly JournalRecord[];
  /** The next record to replay. */
  at: number;
  bars: number;
  orders: number;
  /** Paper: fills the rebuilt book made that no journaled fill has matched yet. */
  readonly fills: FillEvent[];
  /** Not paper: each journaled order's last known status, whether it was answered, and the units of its journaled fills. */
  readonly orderBook: Map<string, { status: OrderStatus | undefined; answered: boolean; filled: number }>;
}

/** Where a run failed: between bars (the feed, a bad bar), or in a bar's features, the broker's bar, or the step. */
type ErrorPhase = 'feed' | 'features' | 'broker' | 'step';

/** Whether an order closes the position (an exit, or a risk rule's target 0): still wanted after a crash. */
const closes = (o: OrderRequest): boolean => o.type === 'exit' || o.reason !== 'signal';

/** The journals of the runners running now: one journal takes one runner. */
const journalsInUse = new WeakSet<Journal>();

/** The journal format this runner writes. */
const JOURNAL_VERSION = 2;

/** Unwinds a replayed bar step where the journal says the original step failed (the broker, the feed...). */
class ReplayedError extends Error {}

let lastRunMs = Number.NEGATIVE_INFINITY;
/** A run id: the start time in ms, base 36, 8 characters (until 2059), above every id this process made before. */
function runId(nowMs: number): string {
  const ms = Math.max(Number.isFinite(nowMs) && nowMs >= 0 ? Math.floor(nowMs) : 0, lastRunMs + 1);
  lastRunMs = ms;
  return ms.toString(36).padStart(8, '0');
}

const errorName = (e: unknown): string => (e instanceof Error ? e.name : 'Error');
const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Equal within the float noise of two ledgers summing the same fills. */
const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const AGENT_KEYS = ['agent', 'features', 'windowSize', 'actionScheme', 'positionSize', 'longOnly'];

/**
 * Trades a strategy on a {@link Feed}, bar by bar: each closed bar goes to the broker (a waiting
 * order fills at its open), then through the backtester's own stepper (stops, the mark, the
 * daily loss limit, then the decision at the close with sizing, clips, cooldown, minimum hold
 * and session close), whose orders pass the live gate (the order rate, the kill switch) to the
 * broker. The stepper and the paper fills are the very code `backtest()` runs, so on a
 * {@link ReplayFeed} with a {@link PaperBroker} the run makes the backtest's decisions and fills,
 * bit for bit. Paper is the default; a broker that places real orders needs `realOrders: true`.
 *
 * Each bar, signal, order, fill, risk decision and error goes to `onEvent` and the event sink.
 * An error (from the strategy, the agent, a bad bar, the broker) flattens the book, stops the
 * run and rejects `run()` with it; `kill()` flattens and stops.
 *
 * With a `journal`, each bar, each order's intent (durable before the order leaves), the
 * broker's answers and the fills are appended to it; a runner started on a journal that has bars
 * replays them first from the run's first book (the same loop rebuilds the features, the
 * stepper and the book: a paper broker's orders go to the fresh broker again, an exchange's are
 * not sent again; a failure journaled inside a bar is gone through where it happened), settles
 * with the exchange what the journal did not hold, compares the exchange's book with the rebuilt
 * one, and then reads the feed from after the last journaled bar. No order is placed twice.
 *
 * @example
 * ```ts
 * import { backtest, RegimeGenerator } from 'tradegym';
 * import { LiveRunner, ReplayFeed } from 'tradegym/live';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 500, seed: 3 });
 * // long above the 20-bar mean, flat below
 * const strategy = ({ index, data: d }: { index: number; data: typeof data }) => {
 *   if (index < 20) return 0;
 *   let s = 0;
 *   for (let k = index - 19; k <= index; k++) s += d.close[k]!;
 *   return d.close[index]! > s / 20 ? 1 : 0;
 * };
 * const runner = new LiveRunner({ feed: new ReplayFeed(data), strategy, account: { fee: 10 }, risk: { stopLoss: 0.02 } });
 * const live = await runner.run();
 * const bt = backtest({ data, strategy, account: { fee: 10 }, risk: { stopLoss: 0.02 } });
 * console.log(live.equity.at(-1) === bt.equity.at(-1), live.trades.length === bt.trades.length); // true true
 * ```
 */
export class LiveRunner {
  /** The broker. */
  readonly broker: Broker;
  readonly #o: LiveRunnerOptions;
  readonly #history: BarHistory;
  readonly #stepper: SignalStepper;
  readonly #sink: EventSink | undefined;
  readonly #rate: OrderRate | undefined;
  readonly #features: FeatureSource | undefined;
  readonly #observer: WindowObserver | undefined;
  readonly #tradeFrom: number;
  readonly #closeAtEnd: boolean;
  readonly #prefix: string;
  readonly #equity: number[] = [];
  readonly #positions: number[] = [];
  readonly #timestamps: number[] = [];
  #sinkChain: Promise<void> = Promise.resolve();
  #seq = 0;
  #index = -1;
  #started = false;
  #killed: string | undefined;
  #stopReason: LiveResult['stopReason'];
  #openOrder: string | undefined; // a market order waiting for the next open
  #fault: unknown; // an error of onEvent or of the sink
  #sinkFailed = false;
  readonly #journal: Journal | undefined;
  readonly #ownJournal: boolean;
  readonly #timeframe: string;
  #journalChain: Promise<void> = Promise.resolve();
  #replay: Replay | undefined;
  readonly #fillIds = new Set<string>(); // the exchange fill ids journaled
  #lastJournaled = Number.NEGATIVE_INFINITY; // the last journaled bar's timestamp
  #pastBar = false; // not paper: the journal ended inside this replayed bar; what it orders now is not placed
  #quiet = false; // replaying: events were told before the crash
  #noTrade = false; // recovery failed: nothing is placed, not even a flattening exit
  #resolved = 0;
  #run = ''; // the run's id in the client order ids (kept in the journal: a restart goes on with it)
  readonly #now: () => number;
  #inBar = false; // replaying a bar's step: a journaled error there unwinds it, as the error did
  #phase: ErrorPhase = 'feed'; // where in a bar the runner is: an error is journaled with it
  #brokerBar = -1; // the last bar the broker was given
  #operatorKill: string | undefined; // a kill() of the operator: a restart's replay keeps it
  #lostExit = false; // an exit of the journal's last bar the crash kept from the exchange: the restart flattens
  readonly #closing = new Set<string>(); // the replayed orders that close the position (exits, risk rules)
  #lastIntent = ''; // the last order the replay met

  /**
   * @param options - see {@link LiveRunnerOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) naming the option and showing its value: an
   *   unknown key (in `options`, `strategy` or `risk`); a feed that is not async-iterable; a
   *   broker that is not paper without `realOrders: true`; `account`, `execution` or `orderIdPrefix` that differ
   *   from a given broker's; a bad risk rule, window, scheme or position size; no timeframe.
   */
  constructor(options: LiveRunnerOptions) {
    requireKnownKeys('options', options, RUNNER_KEYS);
    this.#o = options;
    const { feed, strategy } = options;
    if (feed === null || typeof feed !== 'object' || typeof (feed as Partial<Feed>)[Symbol.asyncIterator] !== 'function' || typeof (feed as Partial<Feed>).close !== 'function') {
      fail('feed', 'a Feed (async-iterable bars with close())', feed);
    }
    if (options.history !== undefined && !(options.history instanceof MarketData)) fail('history', 'a MarketData', options.history);
    const timeframe = feed.timeframe ?? options.history?.timeframe ?? options.timeframe;
    if (timeframe === undefined) fail('timeframe', "given (e.g. '15m') when neither the feed nor history has one", timeframe);
    const timeframeMs = timeframeToMs(timeframe);
    if (options.history !== undefined && options.history.timeframe !== timeframe) fail('history', `bars of the feed's timeframe (${timeframe})`, options.history.timeframe);
    this.broker = this.#brokerOf(options);
    const acct = this.broker.account;
    const execution = this.#executionOf(options);
    const { maxOrders, ...rest } = requireKnownKeys('risk', options.risk ?? {}, ['sizing', 'stopLoss', 'takeProfit', 'trailingStop', 'maxPosition', 'dailyLossLimit', 'cooldownBars', 'minHoldBars', 'sessionClose', 'timeZone', 'maxOrders']);
    const risk = checkRisk(rest);
    const { scale, limit } = signalLimits(risk, acct.maxLeverage);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') fail('now', 'a function returning ms', now);
    this.#now = now;
    this.#rate = maxOrders === undefined ? undefined : new OrderRate(maxOrders, now);
    this.#closeAtEnd = requireBool('closeAtEnd', options.closeAtEnd ?? false);
    // a broker that places orders under a prefix of its own (CcxtBroker) gives the default; another prefix is refused
    const own = (this.broker as { clientOrderIdPrefix?: unknown }).clientOrderIdPrefix;
    const prefix = options.orderIdPrefix ?? (typeof own === 'string' ? own : 'tg-');
    if (typeof prefix !== 'string') fail('orderIdPrefix', 'a string', prefix);
    if (typeof own === 'string' && prefix !== own) fail('orderIdPrefix', `left out, or the broker's clientOrderIdPrefix ('${own}')`, prefix);
    this.#prefix = prefix;
    if (options.onEvent !== undefined && typeof options.onEvent !== 'function') fail('onEvent', 'a function of the event', options.onEvent);
    const ev = options.events;
    this.#sink = ev === undefined ? undefined : typeof ev === 'string' ? jsonlSink(ev) : ev;
    if (this.#sink !== undefined && typeof this.#sink.write !== 'function') fail('events', 'a file path or an EventSink', ev);
    this.#timeframe = timeframe;
    const j = options.journal;
    this.#ownJournal = typeof j === 'string';
    if (typeof j === 'string') this.#journal = j === '' ? fail('journal', 'a non-empty file path or a Journal', j) : fileJournal(j);
    else if (j === undefined) this.#journal = undefined;
    else if (j === null || typeof j !== 'object' || typeof j.read !== 'function' || typeof j.append !== 'function' || typeof j.close !== 'function') fail('journal', 'a file path or a Journal { read, append, close }', j);
    else this.#journal = j;
    if (this.#journal !== undefined && this.broker.paper !== true && (typeof this.broker.saveBook !== 'function' || typeof this.broker.restoreBook !== 'function' || typeof this.broker.restoreFill !== 'function' || typeof this.broker.fillsOf !== 'function')) {
      fail('broker', 'a broker with saveBook, restoreBook, restoreFill and fillsOf to restart from a journal (its book is outside this process)', this.broker);
    }
    this.#history = new BarHistory(timeframe, feed.symbol ?? options.history?.symbol ?? '', options.history);
    const historyBars = this.#history.length;
    let decide: (t: number) => number;
    let rebalance = false;
    if (typeof strategy === 'function') {
      decide = functionDecider(strategy, () => this.#history.data(), acct, scale, limit);
      this.#tradeFrom = historyBars;
    } else {
      const a = this.#agentOf(strategy, acct);
      this.#features = strategy.features;
      this.#observer = new WindowObserver(strategy.features.names, strategy.features.warmup, a.windowSize);
      this.#tradeFrom = Math.max(historyBars, strategy.features.warmup + a.windowSize - 1);
      decide = a.decide;
      rebalance = true;
    }
    if (this.broker.isDust !== undefined && typeof this.broker.isDust !== 'function') fail('broker.isDust', 'a function (units, price) => boolean', this.broker.isDust);
    this.#stepper = new SignalStepper({
      account: acct,
      bars: this.#history,
      risk,
      execution,
      timeframeMs,
      decide,
      rebalance,
      // at the bar being stepped (in a replay too, where an exchange's broker is given no bar)
      dust: (units) => this.broker.isDust?.(units, this.#history.close[this.#index] as number) === true,
      onDecision: (index, signal, target) => this.#emit({ type: 'signal', index, timestamp: this.#history.timestamps[index] as number, signal, target }),
    });
  }

  /** The ledger (the broker's). */
  get account(): Account {
    return this.broker.account;
  }

  /** The book so far (a snapshot). */
  get result(): LiveResult {
    const acct = this.broker.account;
    return {
      startIndex: this.#tradeFrom,
      timestamps: Float64Array.from(this.#timestamps),
      equity: Float64Array.from(this.#equity),
      positions: Float64Array.from(this.#positions),
      trades: acct.trades.slice(),
      fees: acct.feesPaid,
      borrow: acct.borrowPaid,
      riskEvents: this.#stepper.events.slice(),
      stopReason: this.#stopReason,
    };
  }

  /**
   * The kill switch: no order is placed from now on but the exit; at the end of the bar being
   * stepped (or at once, between bars) the runner cancels what waits, closes the position at the
   * last close and stops. Safe to call from `onEvent`, more than once.
   * @param reason - why, for the event (default `'kill switch'`).
   */
  kill(reason = 'kill switch'): void {
    const first = this.#operatorKill === undefined;
    this.#operatorKill ??= String(reason);
    if (this.#killed === undefined) this.#killed = String(reason);
    else if (!first) return;
    this.#closeFeed();
  }

  /** Closes the feed now; a close that fails is the run's fault (never an unhandled rejection). */
  #closeFeed(): void {
    try {
      Promise.resolve(this.#o.feed.close()).catch((e: unknown) => {
        this.#fault ??= e;
      });
    } catch (e) {
      this.#fault ??= e;
    }
  }

  /**
   * Runs until the feed ends, `kill()` or an error.
   * @returns the book, bar by bar (see {@link LiveResult}).
   * @throws `TradegymError` (from `tradegym`) if run twice; whatever stopped the run (after the
   *   book was flattened and a `'error'` event written); with a journal, {@link RecoveryError}
   *   (the journal is not this runner's, or its replay makes other orders) or
   *   {@link ReconciliationError} (the exchange's book is not the rebuilt one), before anything
   *   is traded or flattened, and `JournalCorruptError` for a damaged journal file.
   */
  async run(): Promise<LiveResult> {
    if (this.#started) throw new TradegymError('LiveRunner.run: a runner runs once; make a new one');
    const journal = this.#journal;
    if (journal !== undefined && journalsInUse.has(journal)) throw new TradegymError('LiveRunner.run: its journal is in use by another running LiveRunner: one journal takes one runner');
    this.#started = true;
    if (journal !== undefined) journalsInUse.add(journal);
    const unsubscribe = this.broker.onFill((f) => this.#onFill(f));
    let error: unknown;
    try {
      const h = this.#history;
      if (this.#features !== undefined) {
        for (let i = 0; i < h.length; i++) {
          this.#observer?.push(this.#features.update({ timestamp: h.timestamps[i] as number, open: h.open[i] as number, high: h.high[i] as number, low: h.low[i] as number, close: h.close[i] as number, volume: h.volume[i] as number }), i);
        }
      }
      this.#index = h.length - 1;
      if (this.#journal !== undefined) await this.#recover(this.#journal);
      else this.#run = runId(this.#now());
      // (a kill() during the restart's replay or its flatten: nothing more is read)
      if (this.#killed === undefined) for await (const bar of this.#o.feed) {
        if (this.#killed !== undefined) break;
        const ended = this.#o.feed.ended?.() === true;
        // a restarted feed yields the journaled bars again: they were replayed
        if (bar.timestamp <= this.#lastJournaled) {
          if (ended) break;
          continue;
        }
        await this.#stepBar(bar, ended, this.#journal !== undefined);
        if (ended) break;
      }
    } catch (e) {
      error = e;
      this.#quiet = false;
      this.#emit({ type: 'error', index: this.#index, name: errorName(e), message: errorMessage(e) });
    }
    try {
      if (!this.#noTrade && error !== undefined) {
        // journaled before the flatten: a restart's replay meets the failure where it happened and goes through it
        await this.#write({ type: 'error', index: this.#index, phase: this.#phase, name: errorName(error), message: errorMessage(error) });
      }
      if (!this.#noTrade && (error !== undefined || this.#killed !== undefined)) await this.#flatten(error !== undefined ? 'error' : (this.#killed as string));
    } catch (e) {
      error ??= e;
    }
    try {
      await this.#journalChain;
      if (this.#ownJournal) await this.#journal?.close();
    } catch (e) {
      error ??= e;
    }
    if (journal !== undefined) journalsInUse.delete(journal);
    unsubscribe();
    error ??= this.#fault;
    this.#stopReason = error !== undefined ? 'error' : this.#killed !== undefined ? 'kill-switch' : 'feed-ended';
    this.#emit({ type: 'stop', index: this.#index, reason: this.#stopReason });
    await this.#o.feed.close();
    try {
      await this.#sinkChain;
      await this.#sink?.close?.();
    } catch (e) {
      error ??= e;
    }
    error ??= this.#fault;
    if (error !== undefined) throw error;
    return this.result;
  }

  /**
   * One bar: checked into the history, journaled (`journal`: a live bar), then the broker's bar,
   * the stepper (deciding unless the feed ended or the kill switch is on), the book's point.
   */
  async #stepBar(bar: Bar, ended: boolean, journal: boolean): Promise<void> {
    const h = this.#history;
    // a bad bar throws here, before it is journaled: a restart never replays it
    const b = h.push(bar);
    this.#index = b;
    if (journal) {
      const { timestamp, open, high, low, close, volume } = bar;
      await this.#write({ type: 'bar', index: b, bar: { timestamp, open, high, low, close, volume }, ended });
    }
    // replaying, the bar stops where the journal says the run failed (#unwindAt); the features
    // see the bar even so (they must, to go on), nothing else of it is done
    this.#phase = 'features';
    if (this.#features !== undefined) this.#observer?.push(this.#features.update(bar), b);
    this.#unwindAt(this.#replay?.records[this.#replay.at]);
    this.#phase = 'broker';
    // the book of a broker outside this process is rebuilt from the journaled fills, not asked again
    if (this.#replay !== undefined && !this.broker.paper) this.#unwindAt(this.#replayNext());
    else {
      this.#unwindAt(this.#replay?.records[this.#replay.at]);
      await this.broker.onBar(bar, b);
      this.#brokerBar = b;
    }
    this.#phase = 'step';
    if (b < this.#tradeFrom) {
      this.#phase = 'feed';
      return;
    }
    let decide = !ended && this.#killed === undefined;
    if (this.#replay !== undefined) {
      const next = this.#replayNext();
      decide = !ended && !(next?.type === 'skip' && next.index === b);
      if (!decide && !ended) this.#replay.at++;
    } else if (!decide && !ended) await this.#write({ type: 'skip', index: b });
    await this.#step(b, decide);
    if (ended && this.#closeAtEnd) await this.#finish(b, 'end');
    this.#record(b);
    this.#phase = 'feed';
  }

  /** Appends to the journal, after every append asked before (a failed one fails those after it). */
  #write(record: JournalRecord): Promise<void> {
    const j = this.#journal;
    if (j === undefined) return Promise.resolve();
    this.#journalChain = this.#journalChain.then(() => j.append(record));
    return this.#journalChain;
  }

  #onFill(fill: FillEvent): void {
    this.#emit({ type: 'fill', ...fill });
    const r = this.#replay;
    if (r !== undefined) {
      r.fills.push(fill); // matched with the journaled fills as the replay reaches them
      return;
    }
    if (fill.fillId !== undefined) {
      if (this.#fillIds.has(fill.fillId)) return;
      this.#fillIds.add(fill.fillId);
    }
    // an error surfaces at the next awaited append (the chain stays failed)
    this.#write({ type: 'fill', fill: { ...fill } }).catch(() => undefined);
  }

  /**
   * Rebuilds the run from the journal: every journaled bar through the same loop (features, the
   * stepper's state, the book), each order matched with its journaled intent; then, for a broker
   * outside this process, what the journal did not settle is asked of the exchange and the
   * exchange's book compared with the rebuilt one.
   */
  async #recover(journal: Journal): Promise<void> {
    const records = await journal.read();
    const prefix = this.#prefix;
    const paper = this.broker.paper;
    const firstBar = records.findIndex((r) => r.type === 'bar');
    // the run began at the last start before its first bar (a start with no bar after it traded nothing)
    let origin: Extract<JournalRecord, { type: 'start' }> | undefined;
    for (const r of records.slice(0, firstBar < 0 ? records.length : firstBar)) if (r.type === 'start') origin = r;
    let live = false; // the failure thrown is this run's own (not the replay's): journaled and flattened
    try {
      if (origin !== undefined && (origin.prefix !== prefix || origin.timeframe !== this.#timeframe || origin.paper !== paper)) {
        throw new RecoveryError(`the journal is of another runner: prefix ${JSON.stringify(origin.prefix)}, timeframe ${origin.timeframe}, ${origin.paper ? 'paper' : 'not paper'}; this one has ${JSON.stringify(prefix)}, ${this.#timeframe}, ${paper ? 'paper' : 'not paper'}`);
      }
      if (origin !== undefined && !(origin.version >= 1 && origin.version <= JOURNAL_VERSION)) throw new RecoveryError(`the journal's format is version ${String(origin.version)}; this runner reads versions 1 to ${JOURNAL_VERSION}`);
      const traded = firstBar >= 0;
      // a version 1 journal has no run id (its ids are <prefix><bar>-<n>) and no first book
      this.#run = traded ? (origin?.run ?? '') : (origin?.run ?? runId(this.#now()));
      // the book the run starts from: paper, its account's; an exchange's, what its broker needs to start there again
      const book = paper ? this.broker.account.snapshot() : (this.broker.saveBook as () => Readonly<Record<string, unknown>>).call(this.broker);
      const first = traded ? origin?.book : book;
      if (traded && first !== undefined) {
        if (!paper) (this.broker.restoreBook as (s: Readonly<Record<string, unknown>>) => void).call(this.broker, first);
        else if (JSON.stringify(first) !== JSON.stringify(book)) {
          throw new RecoveryError(`the journal's run started from another book (the account's cash or costs changed between runs): ${JSON.stringify(first)}, this runner's ${JSON.stringify(book)}`);
        }
      }
      await this.#write({ type: 'start', version: JOURNAL_VERSION, prefix, timeframe: this.#timeframe, paper, run: this.#run, ...(first !== undefined ? { book: first } : {}) });
      if (!traded) return;
      const r: Replay = { records, at: 0, bars: 0, orders: 0, fills: [], orderBook: new Map() };
      this.#replay = r;
      this.#quiet = true;
      let failed: unknown; // a failure of this run in the journal's last bar (the journal ended in it)
      let unflattened = false; // the journal ends after a failure, before its flatten
      for (let rec = this.#replayNext(); rec !== undefined; rec = this.#replayNext()) {
        if (rec.type === 'bar') {
          if (rec.index !== this.#history.length) throw this.#mismatch(`bar ${rec.index}, but the runner's next bar is ${this.#history.length} (the history changed)`);
          r.at++;
          r.bars++;
          this.#lastJournaled = rec.bar.timestamp;
          this.#inBar = true;
          try {
            await this.#stepBar(rec.bar, rec.ended, false);
          } catch (e) {
            this.#inBar = false;
            // the journal holds the failure where the replay met it: the run went on from there
            const next = this.#replayNext();
            if (next === undefined) {
              failed = e; // the journal ended in this bar: the failure is this run's, once the replay is settled
              break;
            }
            if (next.type !== 'error' || next.index !== this.#index || next.phase !== this.#phase) throw e instanceof ReplayedError ? this.#mismatch(`an error record the replay did not meet in the ${this.#phase} of bar ${this.#index}`) : e;
            r.at++;
            unflattened = true;
            this.#phase = 'feed';
          }
          this.#inBar = false;
        } else if (rec.type === 'error') {
          r.at++; // a failure between bars (the feed's), or one the replayed step did not meet again
          unflattened = true;
          if (rec.phase === 'step' && rec.index === this.#index && this.#timestamps.at(-1) === this.#history.timestamps[rec.index]) {
            // that bar was never finished: its point is not the book's
            this.#timestamps.pop();
            this.#equity.pop();
            this.#positions.pop();
          }
        } else if (rec.type === 'flatten') {
          r.at++;
          unflattened = false;
          this.#killed = rec.reason;
          await this.#flatten(rec.reason);
          this.#killed = this.#operatorKill; // a restart trades on (unless killed meanwhile)
        } else throw this.#mismatch(`${rec.type === 'intent' ? 'an' : 'a'} ${rec.type} record the replay did not make`);
        this.#pastBar = false;
      }
      this.#replay = undefined;
      this.#pastBar = false;
      this.#killed = this.#operatorKill;
      if (!paper) {
        // a final answer comes after its fills (a broker tells the fills of an order before
        // submit resolves with it): only an order without one, or with none of its fills, is asked
        for (const [id, o] of r.orderBook) {
          const settled = o.status !== undefined && o.status.state !== 'open' && (o.status.filledUnits === 0 || o.filled !== 0);
          if (!settled) await this.#settle(id);
        }
        // the broker saw no bar in the replay: the last one values its next orders (a flatten's
        // exit too), and its poll books what the exchange filled of orders the journal does not
        // hold (an earlier run's, open at the first start) before the books are compared
        const b = this.#index;
        if (this.#brokerBar < b) {
          const h = this.#history;
          await this.broker.onBar({ timestamp: h.timestamps[b] as number, open: h.open[b] as number, high: h.high[b] as number, low: h.low[b] as number, close: h.close[b] as number, volume: h.volume[b] as number }, b);
          this.#brokerBar = b;
        }
        await this.#reconcile();
      }
      this.#quiet = false;
      if (failed === undefined && (unflattened || this.#lostExit)) {
        // the crash came between a failure and its flatten, or kept an exit from the exchange: this
        // run closes the position (journaled), then trades on
        const why = unflattened ? 'error' : 'an exit the crash kept from the exchange';
        this.#killed = why;
        await this.#flatten(why, false);
        this.#killed = this.#operatorKill;
      }
      this.#emit({ type: 'recovery', index: this.#index, bars: r.bars, orders: r.orders, resolved: this.#resolved, position: this.broker.account.positions[0] as number });
      if (failed !== undefined) {
        live = true;
        throw failed;
      }
    } catch (e) {
      this.#inBar = false;
      // a restart that cannot rebuild the book trades nothing, not even an exit
      if (!live) this.#noTrade = true;
      throw e;
    }
  }

  /** The next journaled record to replay, after the passive ones (fills) are applied; ends the replay at the journal's end. */
  #replayNext(): JournalRecord | undefined {
    const r = this.#replay;
    if (r === undefined) return undefined;
    for (; r.at < r.records.length; r.at++) {
      const rec = r.records[r.at] as JournalRecord;
      if (rec.type === 'fill') this.#replayFill(r, rec.fill);
      else if (!this.broker.paper && rec.type === 'cancel') {
        if (rec.status !== undefined) this.#track(r, rec.status);
      } else if (!this.broker.paper && rec.type === 'status' && r.orderBook.get(rec.status.clientOrderId)?.answered === true) {
        this.#track(r, rec.status); // a restart's settling of an order answered before
      } else if (rec.type !== 'start' && rec.type !== 'reconcile') {
        if (r.fills.length > 0) throw this.#mismatch(`the rebuilt book filled ${r.fills[0]?.clientOrderId} where the journal has no fill`);
        return rec;
      }
    }
    // the journal ends here (the crash): what follows is done, told and journaled as in a live
    // run (told again, maybe: the process may have told it before the journal held it)
    this.#replay = undefined;
    this.#quiet = false;
    for (const f of r.fills.splice(0)) {
      if (this.#fillIds.has(f.fillId ?? '')) continue;
      if (f.fillId !== undefined) this.#fillIds.add(f.fillId);
      this.#emit({ type: 'fill', ...f });
      this.#write({ type: 'fill', fill: { ...f } }).catch(() => undefined);
    }
    if (!this.broker.paper) this.#pastBar = true;
    return undefined;
  }

  /** A journaled fill: paper, it must be the fill the rebuilt book made; else it is booked as it was. */
  #replayFill(r: Replay, fill: FillEvent): void {
    if (this.broker.paper) {
      const made = r.fills.shift();
      if (made === undefined || made.clientOrderId !== fill.clientOrderId || !Object.is(made.units, fill.units) || !Object.is(made.price, fill.price)) {
        throw this.#mismatch(`the journal's fill of ${fill.clientOrderId} (${fill.units} at ${fill.price}) is not the rebuilt book's (${made === undefined ? 'none' : `${made.units} at ${made.price}`})`);
      }
      return;
    }
    if (fill.fillId !== undefined) {
      if (this.#fillIds.has(fill.fillId)) return;
      this.#fillIds.add(fill.fillId);
    }
    (this.broker.restoreFill as (f: FillEvent) => void).call(this.broker, fill);
    const o = r.orderBook.get(fill.clientOrderId);
    if (o !== undefined) o.filled += fill.units;
  }

  /**
   * Replaying a bar, where its next record is the journal's failure of this part of the bar (the
   * features, the broker's bar, the step's orders): unwound there, as the run was.
   */
  #unwindAt(next: JournalRecord | undefined): void {
    if (this.#inBar && next?.type === 'error' && next.phase === this.#phase && next.index === this.#index) throw new ReplayedError();
  }

  #mismatch(what: string): RecoveryError {
    const r = this.#replay;
    return new RecoveryError(`journal record ${(r?.at ?? 0) + 1}: ${what} (the strategy, its options, the history or the broker changed between runs)`);
  }

  /**
   * Settles an order the journal left unsettled (no final answer, or fewer fills than the
   * answer's): the exchange's status, an open order canceled, the fills not journaled booked
   * and journaled once each; an order the exchange does not know was never placed.
   */
  async #settle(id: string): Promise<OrderStatus> {
    this.#resolved++;
    const broker = this.broker;
    let status = await broker.status(id);
    if (status === undefined) {
      status = { clientOrderId: id, state: 'rejected', filledUnits: 0, averagePrice: Number.NaN, message: 'not placed: the exchange does not know it after a restart' };
      // a closing order the crash kept from the exchange: the restart closes the position once settled
      if (this.#closing.has(id) && id === this.#lastIntent) this.#lostExit = true;
      await this.#write({ type: 'status', status });
      return status;
    }
    const open = status.state === 'open';
    if (open) status = (await broker.cancel(id)) ?? status;
    // its fills journaled before the cancel: a journal cut after the cancel holds them all
    for (const f of await (broker.fillsOf as NonNullable<Broker['fillsOf']>).call(broker, id, this.#index)) {
      if (f.fillId === undefined) throw new RecoveryError(`broker.fillsOf(${JSON.stringify(id)}) gave a fill without a fillId: it cannot be booked once`);
      if (this.#fillIds.has(f.fillId)) continue;
      this.#fillIds.add(f.fillId);
      this.#emit({ type: 'fill', ...f });
      await this.#write({ type: 'fill', fill: { ...f } });
      (broker.restoreFill as (f: FillEvent) => void).call(broker, f);
    }
    if (open) await this.#write({ type: 'cancel', clientOrderId: id, status });
    // a closing order not filled whole: the restart closes what it left
    // (only the last order: one replaced since, the broker canceled for the next)
    if (this.#closing.has(id) && id === this.#lastIntent && status.state !== 'filled') this.#lostExit = true;
    await this.#write({ type: 'status', status });
    return status;
  }

  /** The exchange's position and cash against the rebuilt book's: a mismatch stops the run before it trades. */
  async #reconcile(): Promise<void> {
    const snap = await this.broker.snapshot?.();
    if (snap === undefined) return;
    const acct = this.broker.account;
    const bookPosition = acct.positions[0] as number;
    const ok = near(snap.position, bookPosition) && near(snap.cash, acct.cash);
    await this.#write({ type: 'reconcile', index: this.#index, position: snap.position, cash: snap.cash, bookPosition, bookCash: acct.cash, ok });
    if (!ok) throw new ReconciliationError(snap.position, snap.cash, bookPosition, acct.cash);
  }

  /** Cancels the open order (journaled), or replays its journaled cancel (paper). */
  async #cancel(id: string): Promise<void> {
    const r = this.#replay;
    // not paper, a journaled cancel is applied as the replay passes it (a restart's settling writes them too)
    if (r !== undefined && !this.broker.paper) return;
    if (r !== undefined) {
      const next = this.#replayNext();
      if (next?.type === 'cancel' && next.clientOrderId === id) {
        r.at++;
        await this.broker.cancel(id);
        return;
      }
      this.#unwindAt(next);
      if (next !== undefined) throw this.#mismatch(`the replay canceled ${id}, the journal has a ${next.type} record`);
    }
    if (this.#pastBar) return;
    const status = await this.broker.cancel(id);
    await this.#write({ type: 'cancel', clientOrderId: id, ...(status !== undefined ? { status } : {}) });
  }

  #track(r: Replay, status: OrderStatus, answer = false): void {
    const o = r.orderBook.get(status.clientOrderId);
    if (o === undefined) return;
    o.status = status;
    if (answer) o.answered = true;
  }

  /** Cancels what waits and closes the position at the last close. */
  async #flatten(why: string, stopping = true): Promise<void> {
    const b = this.#index;
    if (b < this.#tradeFrom || this.#equity.length === 0) return;
    this.#killed ??= why;
    if (this.#replay === undefined) {
      this.#pastBar = false; // this process's own exit, now (a failure in the journal's last bar): placed
      await this.#write({ type: 'flatten', index: b, reason: why });
    }
    const acct = this.broker.account;
    if (this.#openOrder !== undefined) await this.#cancel(this.#openOrder);
    this.#openOrder = undefined;
    const had = acct.positions[0] !== 0;
    await this.#finish(b, 'kill-switch');
    // an exit the exchange did not fill whole (expired, refused): tried again, twice (not an
    // exit of a replay, nor one a crash kept from the exchange: the restart closes that after settling)
    for (let retry = 0; retry < 2 && this.#retryExit(); retry++) await this.#finish(b, 'kill-switch');
    const timestamp = this.#history.timestamps[b] as number;
    if (this.#replay === undefined && !this.#pastBar && !this.#flatNow()) {
      const left = acct.positions[0] as number;
      const err = new TradegymError(`LiveRunner: the flatten at bar ${b} (${why}) left ${left} units at the broker: its exits were not filled whole; close the position by hand`);
      if (!stopping) throw err; // a restart that cannot close what the crash left trades nothing
      this.#fault ??= err;
      this.#emit({ type: 'error', index: b, name: err.name, message: err.message });
    } else if (had) this.#emit({ type: 'risk', index: b, timestamp, rule: 'kill-switch', action: stopping ? 'stop' : 'exit', message: stopping ? `flattened and stopped: ${why}` : `flattened: ${why}; trading on` });
    // the last point is the book after the exit
    this.#equity[this.#equity.length - 1] = this.#stepper.equity;
    this.#positions[this.#positions.length - 1] = this.#stepper.position;
  }

  /**
   * Whether a flatten tries its exit again: the book is not flat, and the run is placing orders
   * now, or a replay meets the retry the run made (the journal's next record is its exit). A
   * replay whose journal ends there leaves it to the restart's flatten after settling.
   */
  #retryExit(): boolean {
    if (this.#pastBar || this.#flatNow()) return false;
    if (this.#replay === undefined) return true;
    const next = this.#replayNext();
    if (next === undefined) {
      this.#lostExit = true;
      return false;
    }
    return next.type === 'intent' && next.order.reason === 'kill-switch';
  }

  /** Whether the book holds nothing an exit could sell: 0, or the broker's dust. */
  #flatNow(): boolean {
    const pos = this.broker.account.positions[0] as number;
    return pos === 0 || this.broker.isDust?.(pos, this.#history.close[this.#index] as number) === true;
  }

  /** Steps bar `b` as the stepper's `step` does, each order through the gate to the broker. */
  async #step(b: number, decide: boolean): Promise<void> {
    const s = this.#stepper;
    const stop = s.open(b);
    if (stop !== undefined) await this.#place(stop);
    const exit = s.close(b);
    if (exit !== undefined) await this.#place(exit);
    s.closed(b);
    if (!decide) return;
    const order = s.decide(b);
    if (order !== undefined && (await this.#place(order))) s.placed(order);
  }

  /** Closes the position at bar `b`'s close through the gate to the broker. */
  async #finish(b: number, reason: 'end' | 'kill-switch'): Promise<void> {
    const exit = this.#stepper.finish(b, reason);
    if (exit !== undefined) await this.#place(exit);
    this.#stepper.finished(b);
  }

  /** The live gate, then the broker: whether the order was placed. */
  async #place(o: StepOrder): Promise<boolean> {
    const timestamp = this.#history.timestamps[o.index] as number;
    const newRisk = o.kind === 'target' && o.reason === 'signal';
    if (this.#replay !== undefined) {
      const next = this.#replayNext();
      if (next?.type === 'blocked' && newRisk && next.index === o.index) {
        this.#replay.at++;
        return false;
      }
      this.#unwindAt(next);
      if (next !== undefined) return this.#replayPlace(o, timestamp, next);
    }
    if (newRisk && this.#killed !== undefined) {
      await this.#write({ type: 'blocked', index: o.index, target: o.target });
      return false;
    }
    if (newRisk && this.#rate !== undefined && !this.#rate.allows()) {
      this.#emit({ type: 'risk', index: o.index, timestamp, rule: 'order-rate', action: 'blocked', message: `order refused: the order rate limit is reached` });
      await this.#write({ type: 'blocked', index: o.index, target: o.target });
      return false;
    }
    this.#rate?.record();
    const order = this.#orderOf(o, timestamp);
    if (o.reason !== 'signal' && o.reason !== 'end') {
      const rule = o.reason;
      this.#emit({ type: 'risk', index: o.index, timestamp, rule, action: 'exit', message: `${rule}: closing the position` });
    }
    // the intent is durable before the order leaves: a restart knows every order that may exist
    await this.#write({ type: 'intent', order });
    let status: OrderStatus;
    if (this.#pastBar) {
      // a past bar's decision found unplaced at a restart: never placed late (an exit's closing is
      // still wanted: the restart flattens once the replay is settled)
      status = { clientOrderId: order.clientOrderId, state: 'rejected', filledUnits: 0, averagePrice: Number.NaN, message: 'not placed: the process stopped before placing it' };
      if (closes(order)) this.#lostExit = true;
    } else status = await this.broker.submit(order);
    await this.#write({ type: 'status', status });
    this.#openOrder = status.state === 'open' ? order.clientOrderId : undefined;
    this.#emit({ type: 'order', order, status });
    return status.state !== 'rejected' && status.state !== 'canceled';
  }

  #orderOf(o: StepOrder, timestamp: number): OrderRequest {
    const seq = this.#seq++;
    return { clientOrderId: `${this.#prefix}${this.#run === '' ? '' : `${this.#run}-`}${o.index}-${seq}`, type: o.kind === 'exit' ? 'exit' : 'market', target: o.target, price: o.price, index: o.index, timestamp, reason: o.reason };
  }

  /**
   * A replayed order: it must be the journaled intent `next`. Paper, it goes to the fresh broker
   * again (its book is rebuilt so); else the journaled answer stands, and an order the journal
   * has no answer for is settled with the exchange, never submitted.
   */
  async #replayPlace(o: StepOrder, timestamp: number, next: JournalRecord): Promise<boolean> {
    const r = this.#replay as Replay;
    const order = this.#orderOf(o, timestamp);
    const what = (q: OrderRequest) => `${q.clientOrderId} (${q.type}, target ${q.target}, ${q.reason})`;
    if (next.type !== 'intent') throw this.#mismatch(`the replay ordered ${what(order)}, the journal has a ${next.type} record`);
    const j = next.order;
    const same = j.clientOrderId === order.clientOrderId && j.type === order.type && Object.is(j.target, order.target) && (Object.is(j.price, order.price) || (Number.isNaN(j.price) && Number.isNaN(order.price))) && j.reason === order.reason && j.index === order.index;
    if (!same) throw this.#mismatch(`the replay ordered ${what(order)}, the journal has ${what(j)}`);
    r.at++;
    r.orders++;
    const paper = this.broker.paper;
    if (!paper) r.orderBook.set(order.clientOrderId, { status: undefined, answered: false, filled: 0 });
    if (closes(order)) this.#closing.add(order.clientOrderId);
    this.#lastIntent = order.clientOrderId;
    const submitted = paper ? await this.broker.submit(order) : undefined;
    const answer = this.#replayNext();
    // the broker failed on it: settled with the exchange after the replay (a restart's settling of it is passive)
    const book = r.orderBook.get(order.clientOrderId);
    if (answer?.type === 'error' && book !== undefined) book.answered = true;
    this.#unwindAt(answer);
    let status: OrderStatus;
    if (answer?.type === 'status' && answer.status.clientOrderId === order.clientOrderId) {
      r.at++;
      status = submitted ?? answer.status;
      if (!paper) this.#track(r, status, true);
    } else if (answer !== undefined) {
      throw this.#mismatch(`the journal has no answer to ${order.clientOrderId} before its ${answer.type} record`);
    } else if (submitted !== undefined) {
      // the crash fell between the intent and the answer: the paper book placed it again
      this.#resolved++;
      status = submitted;
      await this.#write({ type: 'status', status });
      this.#emit({ type: 'order', order, status });
    } else {
      status = await this.#settle(order.clientOrderId);
      const o = r.orderBook.get(order.clientOrderId);
      if (o !== undefined) [o.status, o.answered] = [status, true]; // settled: not asked again
      this.#emit({ type: 'order', order, status });
    }
    this.#openOrder = status.state === 'open' ? order.clientOrderId : undefined;
    return status.state !== 'rejected' && status.state !== 'canceled';
  }

  #record(b: number): void {
    const s = this.#stepper;
    this.#timestamps.push(this.#history.timestamps[b] as number);
    this.#equity.push(s.equity);
    this.#positions.push(s.position);
    this.#emit({ type: 'bar', index: b, timestamp: this.#history.timestamps[b] as number, close: this.#history.close[b] as number, equity: s.equity, position: s.position });
  }

  /**
   * Tells `onEvent` and the sink. A callback that throws, or a sink that fails, kills the run
   * (the runner does not trade on without its journal) and `run()` rejects with the error.
   */
  #emit(event: LiveEvent): void {
    if (this.#quiet) return;
    try {
      this.#o.onEvent?.(event);
    } catch (e) {
      this.#fault ??= e;
      this.kill('onEvent threw');
    }
    const sink = this.#sink;
    if (sink === undefined) return;
    this.#sinkChain = this.#sinkChain
      .then(() => (this.#sinkFailed ? undefined : sink.write(event)))
      .catch((e: unknown) => {
        this.#sinkFailed = true;
        this.#fault ??= e;
        this.kill('the event sink failed');
      });
  }

  #brokerOf(o: LiveRunnerOptions): Broker {
    if (o.broker === undefined) return new PaperBroker({ ...(o.account !== undefined ? { account: o.account } : {}), ...(o.execution !== undefined ? { execution: o.execution } : {}) });
    const b = o.broker;
    if (b === null || typeof b !== 'object' || typeof b.submit !== 'function' || typeof b.onBar !== 'function') fail('broker', 'a Broker', b);
    if (o.account !== undefined) fail('account', 'left out with a broker (its account holds the cash and costs)', o.account);
    if (b.paper !== true && o.realOrders !== true) fail('realOrders', 'true to trade through a broker that is not paper (real orders are never a default)', o.realOrders);
    return b;
  }

  #executionOf(o: LiveRunnerOptions): 'next-open' | 'close' {
    const own = o.broker instanceof PaperBroker ? o.broker.execution : undefined;
    const asked = o.execution === undefined ? undefined : requireOneOf('execution', o.execution, ['next-open', 'close']);
    if (own !== undefined && asked !== undefined && own !== asked) fail('execution', `left out, or the PaperBroker's own ('${own}')`, asked);
    return own ?? asked ?? 'next-open';
  }

  /** The agent's decision: the env's observation, the deterministic action, the env's target. */
  #agentOf(s: LiveAgentStrategy, acct: Account): { windowSize: number; decide: (t: number) => number } {
    requireKnownKeys('strategy', s, AGENT_KEYS);
    const agent = s.agent as unknown;
    if (agent === null || typeof agent !== 'object' || typeof (agent as { predict?: unknown }).predict !== 'function') fail('strategy.agent', 'an object with predict(observation)', agent);
    const f = s.features as unknown;
    if (f === null || typeof f !== 'object' || typeof (f as FeatureSource).update !== 'function' || !Array.isArray((f as FeatureSource).names)) fail('strategy.features', 'a FeatureSource { names, warmup, update(bar) }', f);
    requireInt('strategy.features.warmup', s.features.warmup, 0);
    const windowSize = requireInt('strategy.windowSize', s.windowSize ?? 32, 1);
    const scheme = requireOneOf('strategy.actionScheme', s.actionScheme ?? 'discrete-4', ['discrete-4', 'discrete-3', 'continuous']);
    const longOnly = requireBool('strategy.longOnly', s.longOnly ?? false);
    if (longOnly && scheme !== 'continuous') fail('strategy.longOnly', `left out with actionScheme '${scheme}' (it bounds the 'continuous' scheme)`, true);
    const size = s.positionSize ?? 1;
    if (typeof size !== 'number' || !(size > 0) || !Number.isFinite(size)) fail('strategy.positionSize', 'a finite number > 0', size);
    if (size > acct.maxLeverage) fail('strategy.positionSize', `<= account.maxLeverage (${acct.maxLeverage})`, size);
    const space = actionSpaceOf(scheme, longOnly);
    // an agent of this library knows the spaces it was trained in: a window or scheme not its own is refused now, not mid-run
    const trained = (agent as { env?: { singleObservationSpace?: unknown; singleActionSpace?: unknown } }).env;
    const acts = trained?.singleActionSpace;
    if (acts instanceof Space && !acts.equals(space)) fail('strategy.actionScheme', `the scheme the agent was trained with (its actions are ${String(acts)}; '${scheme}'${longOnly ? ' with longOnly' : ''} gives ${String(space)})`, scheme);
    const sees = trained?.singleObservationSpace;
    const obsSize = windowSize * s.features.names.length + ACCOUNT_FEATURES;
    if (sees instanceof Box && sees.size !== obsSize) fail('strategy.windowSize', `the agent's window: its observations hold ${sees.size} numbers, ${s.features.names.length} features × windowSize + ${ACCOUNT_FEATURES} account features hold ${obsSize}`, windowSize);
    const actor = episodeActor<number | Float32Array | Int32Array>(agent as { predict(o: Float32Array): unknown });
    const decide = (t: number): number => {
      const obs = (this.#observer as WindowObserver).observe(acct, this.#history.close[t] as number, t);
      const action = actor.act(obs, { deterministic: true });
      if (!space.contains(action)) throw new InvalidActionError(`strategy.agent's action at bar ${t} must be in ${String(space)}, got ${String(action)}`);
      const target = actionTarget(scheme, action as number | Float32Array, acct.positions[0] as number);
      return target === undefined ? Number.NaN : target * size;
    };
    return { windowSize, decide };
  }
}


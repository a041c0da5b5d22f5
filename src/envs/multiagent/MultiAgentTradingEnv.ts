import { fail, requireBool, requireInt, requireKnownKeys, requireOneOf, requireSeed, show } from '../../core/checks.js';
import { EnvClosedError, InvalidActionError, InvalidArgumentError, ResetNeededError } from '../../core/errors.js';
import { Float32Slab } from '../../core/Float32Slab.js';
import { Rng, type RngState } from '../../core/Rng.js';
import type { Info, ResetParams } from '../../core/types.js';
import type { MarketData } from '../../market/MarketData.js';
import { iso } from '../../market/timeframe.js';
import { Box } from '../../spaces/Box.js';
import { Discrete } from '../../spaces/Discrete.js';
import type { Space } from '../../spaces/Space.js';
import { Account } from '../trading/Account.js';
import { fillBar, requireAlignedAssets } from '../trading/bars.js';
import { logReturn } from '../trading/rewards.js';
import type { MarketCostOptions } from '../trading/options.js';
import { softmax } from '../trading/weights.js';
import { AecEnv } from './AecEnv.js';
import type { ParallelEnv, ParallelResetResult, ParallelStepResult } from './types.js';

/** Options of {@link MultiAgentTradingEnv}. */
export interface MultiAgentTradingEnvOptions extends MarketCostOptions {
  /** The assets' bars, aligned: same length and timestamps; one specialist each. */
  readonly assets: readonly MarketData[];
  /** Bars of log returns per observation (default 16). */
  readonly windowSize?: number;
}

/**
 * The snapshot of a {@link MultiAgentTradingEnv} ({@link MultiAgentTradingEnv.cloneState}):
 * plain JSON-serialisable data, the env's whole episode state.
 */
export interface MultiAgentTradingEnvState {
  /** The snapshot format's version: 1. */
  readonly version: 1;
  /** The env's configuration, to refuse another env's snapshot. */
  readonly config: {
    readonly bars: number;
    readonly windowSize: number;
    readonly execution: 'next-open' | 'close';
    readonly episodeLength: number | null;
    readonly randomStart: boolean;
  };
  /** The current bar index. */
  readonly t: number;
  /** The bar the episode is truncated at. */
  readonly end: number;
  /** The live agents. */
  readonly agents: readonly TradingAgent[];
  /** The meta agent's latest sleeve weights and cash weight (zeros before its first step). */
  readonly meta: readonly number[];
  /** The RNG of random starts. */
  readonly rng: RngState;
  /** The ledger's snapshot ({@link Account.snapshot}). */
  readonly account: Readonly<Record<string, unknown>>;
}

const STATE_KEYS = ['version', 'config', 't', 'end', 'agents', 'meta', 'rng', 'account'] as const;
const STATE_CONFIG_KEYS = ['bars', 'windowSize', 'execution', 'episodeLength', 'randomStart'] as const;

/** Agent names: `'meta'` and one `specialist:<symbol>` (or `specialist:<index>`) per asset. */
export type TradingAgent = 'meta' | `specialist:${string}`;

/**
 * A multi-agent market: one specialist per asset decides that asset's side (Discrete(3):
 * 0 short, 1 flat, 2 long), and a `meta` agent allocates capital across the specialists'
 * sleeves and cash (N+1 logits, softmax). Asset i's target exposure is
 * `metaWeight_i * side_i` of equity; all trades go through one {@link Account}.
 *
 * Observations (Box, float32):
 * - specialist i: its asset's last `windowSize` 1-bar log returns, then its sleeve weight
 *   and its current exposure / equity;
 * - meta: every asset's last `windowSize` log returns (row-major `[windowSize, N]`), then
 *   each asset's exposure / equity and the cash weight.
 *
 * Rewards:
 * - specialist i: its asset's PnL over the step (position value change, trade cash flows,
 *   fees, borrow) divided by the previous equity; the specialists' rewards add up to the
 *   portfolio's simple return;
 * - meta: the portfolio's log return.
 *
 * Global state (`state()`, PettingZoo's `state()`, what a centralised critic reads; Box of
 * `5N + 2`): per asset its last 1-bar log return and the mean and standard deviation (over N,
 * not N-1) of its last `windowSize` log returns (`3N`, asset by asset), then each asset's
 * exposure / equity (`N`), the cash fraction (1 minus their sum), and the meta agent's current
 * sleeve weights and cash weight (`N + 1`, zeros before its first step). Like the
 * observations it reads bars up to the current one only.
 *
 * PettingZoo's Parallel API; {@link MultiAgentTradingEnv.toAec} gives the AEC view. All
 * agents end together, at the end of the data or of `episodeLength` (truncation) or at ruin
 * (termination).
 *
 * @example
 * ```ts
 * import { MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 300, seed: i, symbol }).data);
 * const env = new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 50 });
 * const { observations } = env.reset({ seed: 0 });
 * console.log(env.agents); // ['specialist:BTC', 'specialist:ETH', 'meta']
 * const step = env.step({ 'specialist:BTC': 2, 'specialist:ETH': 1, meta: Float32Array.of(1, 0, 0) });
 * console.log(step.rewards.meta);
 * ```
 */
export class MultiAgentTradingEnv implements ParallelEnv<TradingAgent, Float32Array, number | Float32Array> {
  /** Every agent: the specialists in asset order, then `'meta'`. */
  readonly possibleAgents: readonly TradingAgent[];
  /** The assets' bars. */
  readonly assets: readonly MarketData[];
  /** Bars per observation window. */
  readonly windowSize: number;
  /** The shared ledger. */
  readonly account: Account;
  /** Fill timing. */
  readonly execution: 'next-open' | 'close';
  /** The space of {@link MultiAgentTradingEnv.state}: `5N + 2` unbounded floats. */
  readonly stateSpace: Box;
  #agents: TradingAgent[] = [];
  readonly #n: number;
  readonly #obsSpaces: Map<TradingAgent, Box>;
  readonly #actSpaces: Map<TradingAgent, Space<number | Float32Array>>;
  readonly #returns: Float32Array;
  readonly #episodeLength: number | undefined;
  readonly #randomStart: boolean;
  readonly #slab = new Float32Slab();
  readonly #meta: Float64Array;
  readonly #prices: Float64Array;
  readonly #closes: Float64Array;
  #rng = new Rng();
  #t = 0;
  #end = 0;
  #started = false;
  #closed = false;

  /**
   * @param options - assets and trading parameters.
   * @throws {@link InvalidArgumentError} for misaligned assets, duplicate symbols, a window
   *   longer than the data, or a number out of range.
   */
  constructor(options: MultiAgentTradingEnvOptions) {
    requireKnownKeys('options', options, ['assets', 'windowSize', 'fee', 'slippage', 'borrowRate', 'initialCash', 'execution', 'episodeLength', 'randomStart']);
    const o = options;
    const first = requireAlignedAssets(o.assets)[0] as MarketData;
    this.assets = Object.freeze(o.assets.slice());
    const n = o.assets.length;
    this.#n = n;
    const names = o.assets.map((a, i) => `specialist:${a.symbol || i}` as const);
    names.forEach((nm, i) => {
      if (names.indexOf(nm) !== i) fail(`assets[${i}].symbol`, 'unique across assets', (o.assets[i] as MarketData).symbol);
    });
    this.possibleAgents = Object.freeze([...names, 'meta' as const]);
    this.windowSize = requireInt('windowSize', o.windowSize ?? 16, 1);
    if (this.windowSize + 1 >= first.length) fail('windowSize', `< ${first.length - 1}`, this.windowSize);
    this.stateSpace = new Box(-Infinity, Infinity, [5 * n + 2]);
    this.#obsSpaces = new Map(this.possibleAgents.map((a) => [a, new Box(-Infinity, Infinity, [a === 'meta' ? this.windowSize * n + n + 1 : this.windowSize + 2])]));
    this.#actSpaces = new Map(this.possibleAgents.map((a) => [a, a === 'meta' ? new Box(-Infinity, Infinity, [n + 1]) : new Discrete(3)]));
    const ret = new Float32Array(first.length * n);
    for (let a = 0; a < n; a++) {
      const c = (o.assets[a] as MarketData).close;
      for (let t = 1; t < first.length; t++) ret[t * n + a] = Math.log((c[t] as number) / (c[t - 1] as number));
    }
    this.#returns = ret;
    this.account = new Account({ assets: n, initialCash: o.initialCash ?? 10_000, fee: o.fee ?? 10, slippage: o.slippage ?? 0, borrowRate: o.borrowRate ?? 0, maxLeverage: 1 });
    this.execution = requireOneOf('execution', o.execution ?? 'next-open', ['next-open', 'close']);
    this.#episodeLength = o.episodeLength === undefined ? undefined : requireInt('episodeLength', o.episodeLength, 1);
    if (this.#episodeLength !== undefined && this.windowSize + this.#episodeLength > first.length - 1) {
      fail('episodeLength', `at most ${first.length - 1 - this.windowSize}`, this.#episodeLength);
    }
    this.#randomStart = requireBool('randomStart', o.randomStart ?? this.#episodeLength !== undefined);
    this.#meta = new Float64Array(n + 1);
    this.#prices = new Float64Array(n);
    this.#closes = new Float64Array(n);
  }

  /** The live agents. */
  get agents(): readonly TradingAgent[] {
    return this.#agents;
  }

  /**
   * @param agent - one of `possibleAgents`.
   * @returns its observation space (the same object every call).
   * @throws {@link InvalidArgumentError} for an unknown agent.
   */
  observationSpace(agent: TradingAgent): Box {
    const s = this.#obsSpaces.get(agent);
    if (s === undefined) fail('agent', `one of ${this.possibleAgents.join(', ')}`, agent);
    return s;
  }

  /**
   * @param agent - one of `possibleAgents`.
   * @returns its action space (the same object every call).
   * @throws {@link InvalidArgumentError} for an unknown agent.
   */
  actionSpace(agent: TradingAgent): Space<number | Float32Array> {
    const s = this.#actSpaces.get(agent);
    if (s === undefined) fail('agent', `one of ${this.possibleAgents.join(', ')}`, agent);
    return s;
  }

  /**
   * Starts an episode; every agent is live.
   * @param params - `seed` (for random starts), `options.start` (a bar index).
   * @returns observations and infos of every agent.
   * @throws {@link InvalidArgumentError} for a bad seed or start.
   */
  reset(params: ResetParams = {}): ParallelResetResult<TradingAgent, Float32Array> {
    this.#requireOpen('reset');
    requireKnownKeys('reset params', params, ['seed', 'options']);
    if (params.seed !== undefined) this.#rng = new Rng(requireSeed('seed', params.seed));
    const opts = requireKnownKeys('options', params.options ?? {}, ['start']);
    const len = (this.assets[0] as MarketData).length;
    const lastStart = len - 1 - (this.#episodeLength ?? 1);
    const start = opts.start !== undefined ? requireInt('options.start', opts.start, this.windowSize) : this.#randomStart ? this.#rng.integer(this.windowSize, lastStart + 1) : this.windowSize;
    if (start > lastStart) fail('options.start', `<= ${lastStart}`, start);
    this.#t = start;
    this.#end = this.#episodeLength === undefined ? len - 1 : start + this.#episodeLength;
    this.account.reset();
    this.account.mark(this.#closesAt(start));
    this.#meta.fill(0);
    this.#agents = [...this.possibleAgents];
    this.#started = true;
    const observations = {} as Record<TradingAgent, Float32Array>;
    const infos = {} as Record<TradingAgent, Info>;
    for (const a of this.#agents) {
      observations[a] = this.#observe(a);
      infos[a] = this.#info(a, 0);
    }
    return { observations, infos };
  }

  /**
   * Steps every live agent.
   * @param actions - one action per live agent, from its action space.
   * @returns observations, rewards, terminations, truncations and infos of the agents that acted.
   * @throws {@link ResetNeededError} before `reset` or once every agent is done.
   * @throws {@link InvalidActionError} for a missing action, an action of a finished or
   *   unknown agent, or an action outside the agent's space.
   */
  step(actions: Readonly<Partial<Record<TradingAgent, number | Float32Array>>>): ParallelStepResult<TradingAgent, Float32Array> {
    this.#requireOpen('step');
    if (!this.#started || this.#agents.length === 0) throw new ResetNeededError('step() called with no live agents: call reset() first');
    if (actions === null || typeof actions !== 'object') fail('actions', 'an object of actions by agent', actions);
    for (const k of Object.keys(actions)) {
      if (!this.#agents.includes(k as TradingAgent)) {
        throw new InvalidActionError(`actions.${k}: ${this.possibleAgents.includes(k as TradingAgent) ? 'that agent is done; step only live agents' : `unknown agent (agents: ${this.#agents.join(', ')})`}`);
      }
    }
    for (const a of this.#agents) {
      const act = actions[a];
      if (act === undefined) throw new InvalidActionError(`actions.${a} is missing: every live agent acts in a parallel step`);
      if (!this.actionSpace(a).contains(act)) throw new InvalidActionError(`actions.${a} must be in ${String(this.actionSpace(a))}, got ${show(act)}`);
      // the meta agent's logits are unbounded, and an infinite one would make every weight NaN
      if (typeof act !== 'number' && act.some((v) => !Number.isFinite(v))) throw new InvalidActionError(`actions.${a} must hold finite numbers, got ${show(act)}`);
    }
    const n = this.#n;
    const acct = this.account;
    const t = this.#t;
    const next = t + 1;
    softmax(actions.meta as Float32Array, this.#meta);
    const prevEquity = acct.lastEquity;
    const before = Float64Array.from(acct.positions);
    const borrowBefore = Float64Array.from(acct.borrowByAsset);
    const cashFlow = new Float64Array(n);
    const fillAt = this.execution === 'next-open' ? next : t;
    const prices = this.#prices;
    for (let a = 0; a < n; a++) {
      const d = this.assets[a] as MarketData;
      prices[a] = this.execution === 'next-open' ? (d.open[next] as number) : (d.close[t] as number);
    }
    const target = this.possibleAgents.slice(0, n).map((agent, a) => ((actions[agent] as number) - 1) * (this.#meta[a] as number));
    // reductions of gross exposure first (covering a short included), so the leverage cap has room for the additions
    const grossChange = (a: number): number => Math.abs(target[a] as number) - Math.abs(this.#exposure(a, prices));
    const order = target.map((_, a) => a).sort((x, y) => grossChange(x) - grossChange(y));
    for (const a of order) {
      const fill = acct.setTarget(a, target[a] as number, prices[a] as number, fillAt, fillBar(acct, this.assets[a] as MarketData, fillAt), prices);
      if (fill !== undefined) cashFlow[a] = -(fill.units * fill.price + fill.fee);
    }
    const closes = this.#closesAt(next);
    let equity = acct.mark(closes);
    this.#t = next;
    const terminated = !(equity > 0);
    const truncated = !terminated && next >= this.#end;
    if (terminated || truncated) {
      for (let a = 0; a < n; a++) {
        const p = acct.positions[a] as number;
        if (p !== 0) {
          const fill = acct.trade(a, -p, closes[a] as number, next, fillBar(acct, this.assets[a] as MarketData, next));
          cashFlow[a] = (cashFlow[a] as number) - (fill.units * fill.price + fill.fee);
        }
      }
      equity = acct.equity(closes);
      acct.lastEquity = equity;
    }
    const observations = {} as Record<TradingAgent, Float32Array>;
    const rewards = {} as Record<TradingAgent, number>;
    const terminations = {} as Record<TradingAgent, boolean>;
    const truncations = {} as Record<TradingAgent, boolean>;
    const infos = {} as Record<TradingAgent, Info>;
    const t0Closes = this.#closesBefore(t);
    for (const agent of this.#agents) {
      let reward: number;
      if (agent === 'meta') reward = logReturn(equity, prevEquity);
      else {
        const a = this.possibleAgents.indexOf(agent);
        // the asset's PnL: position value change, plus trade cash flows (fees inside), less borrow
        const pnl =
          (acct.positions[a] as number) * (closes[a] as number) - (before[a] as number) * (t0Closes[a] as number) + (cashFlow[a] as number) - ((acct.borrowByAsset[a] as number) - (borrowBefore[a] as number));
        reward = pnl / prevEquity;
      }
      observations[agent] = this.#observe(agent);
      rewards[agent] = reward;
      terminations[agent] = terminated;
      truncations[agent] = truncated;
      infos[agent] = this.#info(agent, acct.feesPaid);
    }
    if (terminated || truncated) this.#agents = [];
    return { observations, rewards, terminations, truncations, infos };
  }

  /**
   * The global state after the latest `reset` or `step` (see the class description), a new
   * array: what a centralised critic reads.
   * @returns a Float32Array of `stateSpace`'s length.
   * @throws {@link ResetNeededError} before the first `reset`.
   */
  state(): Float32Array {
    if (!this.#started) throw new ResetNeededError('state() called before reset()');
    const n = this.#n;
    const w = this.windowSize;
    const t = this.#t;
    const out = new Float32Array(5 * n + 2);
    const closes = this.#closesAt(t);
    let invested = 0;
    for (let a = 0; a < n; a++) {
      let sum = 0;
      let sq = 0;
      for (let k = t - w + 1; k <= t; k++) {
        const r = this.#returns[k * n + a] as number;
        sum += r;
        sq += r * r;
      }
      const mean = sum / w;
      out[3 * a] = this.#returns[t * n + a] as number;
      out[3 * a + 1] = mean;
      out[3 * a + 2] = Math.sqrt(Math.max(0, sq / w - mean * mean));
      const x = this.#exposure(a, closes);
      out[3 * n + a] = x;
      invested += x;
    }
    out[4 * n] = 1 - invested;
    for (let i = 0; i <= n; i++) out[4 * n + 1 + i] = this.#meta[i] as number;
    return out;
  }

  /**
   * A snapshot of the episode under way (as ALE's `cloneState`): the ledger's
   * ({@link Account.snapshot}), the bar, the episode's end, the live agents, the meta agent's
   * weights and the RNG of random starts (the `MultiAgentTradingEnvState` interface of
   * `src/envs/multiagent/MultiAgentTradingEnv.ts`); plain JSON-serialisable data, a deep copy. With
   * {@link MultiAgentTradingEnv.restoreState}, the same actions then give the same results,
   * bit for bit: a `MultiAgentTrainer` checkpoint holds it to resume training exactly.
   * @returns the snapshot: treat it as opaque, and give it back to `restoreState`.
   * @throws {@link ResetNeededError} before the first `reset` (there is no episode yet).
   * @example
   * ```ts
   * import { MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
   * const gen = RegimeGenerator.preset('crypto-15m');
   * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 200, seed: i, symbol }).data);
   * const env = new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 30 });
   * env.reset({ seed: 1 });
   * const act = { 'specialist:BTC': 2, 'specialist:ETH': 0, meta: Float32Array.of(1, 0.5, 0) };
   * const saved = JSON.stringify(env.cloneState());
   * const first = env.step(act).rewards.meta;
   * env.restoreState(JSON.parse(saved));
   * console.log(env.step(act).rewards.meta === first); // true
   * ```
   */
  cloneState(): unknown {
    if (!this.#started) throw new ResetNeededError('cloneState() called before reset(): there is no episode to snapshot yet');
    const state: MultiAgentTradingEnvState = {
      version: 1,
      config: this.#stateConfig(),
      t: this.#t,
      end: this.#end,
      agents: [...this.#agents],
      meta: Array.from(this.#meta),
      rng: this.#rng.getState(),
      account: this.account.snapshot(),
    };
    return state;
  }

  /**
   * Puts the env in the state of a {@link MultiAgentTradingEnv.cloneState} snapshot (possibly
   * read back through JSON); it then goes on exactly as the env the snapshot was taken of.
   * The snapshot is checked whole before anything changes.
   * @param state - a snapshot of an env of the same configuration (bars, window, execution,
   *   episode length, random starts; the account's, see {@link Account.restore}).
   * @throws {@link EnvClosedError} after `close`.
   * @throws {@link InvalidArgumentError} naming the offending entry (e.g. `state.t`,
   *   `state.config.windowSize`, `state.account.cash`) for another env's snapshot, an unknown
   *   or missing key, or a value of the wrong kind or out of range.
   */
  restoreState(state: unknown): void {
    this.#requireOpen('restoreState');
    const s = requireKnownKeys('state', state, STATE_KEYS);
    for (const k of STATE_KEYS) if (!(k in s)) fail(`state.${k}`, 'present', undefined);
    if (s.version !== 1) fail('state.version', '1', s.version);
    const c = requireKnownKeys('state.config', s.config, STATE_CONFIG_KEYS, ['episodeLength']);
    const want = this.#stateConfig();
    for (const k of STATE_CONFIG_KEYS) if (c[k] !== want[k] || !(k in c)) fail(`state.config.${k}`, `${show(want[k])} (this env's ${k})`, c[k]);
    const last = want.bars - 1;
    const t = s.t;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < this.windowSize || t > last) fail('state.t', `an integer in [${this.windowSize}, ${last}]`, t);
    const end = s.end;
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < t || end > last) fail('state.end', `an integer in [${t}, ${last}] (state.t to the last bar)`, end);
    const agents = s.agents;
    const live = Array.isArray(agents) && agents.length === this.possibleAgents.length && agents.every((a, i) => a === this.possibleAgents[i]);
    if (!(Array.isArray(agents) && (agents.length === 0 || live))) fail('state.agents', `[] or every agent (${this.possibleAgents.join(', ')})`, agents);
    if (live && t >= end) fail('state.end', `> state.t (${t}) while agents are live`, end);
    const meta = s.meta;
    if (!Array.isArray(meta) || meta.length !== this.#n + 1 || !meta.every((w) => typeof w === 'number' && w >= 0 && w <= 1)) fail('state.meta', `an array of ${this.#n + 1} weights in [0, 1]`, meta);
    const rng = new Rng(0);
    try {
      rng.setState(s.rng as RngState);
    } catch (e) {
      if (e instanceof InvalidArgumentError) fail('state.rng', 'an RngState from Rng.getState()', s.rng);
      throw e;
    }
    // last check: the account's restore is itself all or nothing, and nothing can fail after it
    try {
      this.account.restore(s.account);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`state.account: ${e.message}`);
      throw e;
    }
    this.#t = t;
    this.#end = end;
    this.#agents = live ? [...this.possibleAgents] : [];
    this.#meta.set(meta as number[]);
    this.#rng = rng;
    this.#started = true;
  }

  #stateConfig(): MultiAgentTradingEnvState['config'] {
    return { bars: (this.assets[0] as MarketData).length, windowSize: this.windowSize, execution: this.execution, episodeLength: this.#episodeLength ?? null, randomStart: this.#randomStart };
  }

  /**
   * The AEC view (PettingZoo's `parallel_to_aec`): agents act one at a time in
   * `possibleAgents` order; the market moves when the last live agent has acted.
   * @returns an {@link AecEnv} over this env.
   */
  toAec(): AecEnv<TradingAgent, Float32Array, number | Float32Array> {
    return new AecEnv(this);
  }

  /** @returns e.g. `bar 40 2024-01-01T10:00:00.000Z equity 10012.34 BTC +0.40 ETH -0.10`. */
  render(): string | undefined {
    const e = this.account.lastEquity;
    const parts = this.assets.map((d, a) => `${d.symbol || a} ${(this.#exposure(a, this.#closesAt(this.#t)) >= 0 ? '+' : '') + this.#exposure(a, this.#closesAt(this.#t)).toFixed(2)}`);
    return `bar ${this.#t} ${iso((this.assets[0] as MarketData).timestamps[this.#t] as number)} equity ${e.toFixed(2)} ${parts.join(' ')}`;
  }

  /** Ends the env: `reset` and `step` throw {@link EnvClosedError} afterwards. Safe to call twice. */
  close(): void {
    this.#closed = true;
  }

  #requireOpen(method: string): void {
    if (this.#closed) throw new EnvClosedError(`${method}() called after close(): this env is closed; make a new one`);
  }

  #exposure(a: number, prices: ArrayLike<number>): number {
    const e = this.account.lastEquity;
    return e > 0 ? ((this.account.positions[a] as number) * (prices[a] as number)) / e : 0;
  }

  #closesAt(t: number): Float64Array {
    for (let a = 0; a < this.#n; a++) this.#closes[a] = (this.assets[a] as MarketData).close[t] as number;
    return this.#closes;
  }

  #closesBefore(t: number): Float64Array {
    return Float64Array.from(this.assets, (d) => d.close[t] as number);
  }

  #info(agent: TradingAgent, fees: number): Info {
    const info: Info = { bar: this.#t, equity: this.account.lastEquity, fees };
    if (agent !== 'meta') info.weight = this.#meta[this.possibleAgents.indexOf(agent)];
    return info;
  }

  #observe(agent: TradingAgent): Float32Array {
    const n = this.#n;
    const w = this.windowSize;
    const t = this.#t;
    const closes = this.#closesAt(t);
    if (agent === 'meta') {
      const obs = this.#slab.take(w * n + n + 1);
      obs.set(this.#returns.subarray((t - w + 1) * n, (t + 1) * n));
      let invested = 0;
      for (let a = 0; a < n; a++) {
        const x = this.#exposure(a, closes);
        obs[w * n + a] = x;
        invested += x;
      }
      obs[w * n + n] = 1 - invested;
      return obs;
    }
    const a = this.possibleAgents.indexOf(agent);
    const obs = this.#slab.take(w + 2);
    for (let k = 0; k < w; k++) obs[k] = this.#returns[(t - w + 1 + k) * n + a] as number;
    obs[w] = this.#meta[a] as number;
    obs[w + 1] = this.#exposure(a, closes);
    return obs;
  }
}

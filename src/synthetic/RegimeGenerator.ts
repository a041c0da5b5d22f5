import { fail, requireInt, requireKnownKeys, requireSeed } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { MarketData } from '../market/MarketData.js';
import { timeframeToMs } from '../market/timeframe.js';
import { checkWeekdaysTimeframe, GENERATOR_PRESETS, validateGeneratorConfig, type GeneratorConfig, type GeneratorConfigInput, type GeneratorPresetName } from './config.js';

/** Options of {@link RegimeGenerator.generate}. */
export interface GenerateOptions {
  /** How many bars (an integer >= 1). */
  readonly numSamples: number;
  /** The seed: same config and seed, same output, bit for bit. */
  readonly seed: number;
  /**
   * The first bar's open time, ms UTC (default 2024-01-01T00:00Z, a Monday). With the
   * `'weekdays'` calendar a start on a Saturday or Sunday moves forward by whole timeframes
   * to the first weekday open, as every later bar does (Saturday 00:00 with `'1d'` bars
   * starts on Monday 00:00).
   */
  readonly startTime?: number;
  /** Overrides the config's timeframe (shorter than 7 days with the `'weekdays'` calendar). */
  readonly timeframe?: string;
  /** The symbol to record (default `'SYNTH'`). */
  readonly symbol?: string;
}

/** One uninterrupted stay in a regime. */
export interface RegimeSpell {
  /** The regime's index in `regimeNames`. */
  readonly regime: number;
  /** The first bar. */
  readonly start: number;
  /** Bars in the spell (the last spell may be cut short by `numSamples`). */
  readonly length: number;
}

/** What {@link RegimeGenerator.generate} returns. */
export interface GeneratedMarket {
  /** The bars. */
  readonly data: MarketData;
  /** The regime of each bar, an index into `regimeNames`. */
  readonly regimes: Uint8Array;
  /** The regimes' names. */
  readonly regimeNames: readonly string[];
  /** The spells, in order (consecutive spells may share a regime if the config allows it). */
  readonly spells: readonly RegimeSpell[];
}

const DAY_MS = 86_400_000;

/**
 * A seeded, regime-switching OHLCV market. Regimes follow a semi-Markov chain: a spell in
 * regime k lasts a uniform number of bars in its `duration` range, then the next regime is
 * drawn from row k of `transitions`. Within a regime, log returns are
 *
 *   r_t = drift + theta * (anchor - x_{t-1}) + sqrt(h_t) z_t + jump_t,
 *
 * where `x` is the log close, the anchor starts at the spell's first price and moves with
 * the drift (`'ou'`; `'gbm'` sets theta to 0), `h_t` follows GARCH(1,1) with unconditional
 * variance `volatility^2` (or is constant), and jumps arrive with the configured probability.
 * High and low are drawn from the exact distribution of the maximum and minimum of a
 * Brownian bridge from open to close, so low <= min(open, close) <= max(open, close) <= high
 * always. Volume follows the regime's factor and rises with |r|.
 *
 * @example
 * ```ts
 * import { RegimeGenerator } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const { data, regimes, regimeNames } = gen.generate({ numSamples: 96 * 7, seed: 42 });
 * console.log(data.length, data.timeframe, regimeNames[regimes[0]!]); // 672 '15m' ...
 * ```
 */
export class RegimeGenerator {
  /** The validated configuration. */
  readonly config: GeneratorConfig;
  readonly #initialCdf: Float64Array;
  readonly #transitionCdf: Float64Array[];

  /**
   * @param config - a configuration: the regimes, the initial and transition probabilities,
   *   and optional sections that take defaults (see {@link GeneratorConfigInput} and
   *   {@link validateGeneratorConfig}). A parsed JSON file fits; it is validated either way.
   * @throws {@link InvalidArgumentError} naming the path of a bad field or unknown key, e.g.
   *   `config.regimes[1].proces is not a known option`.
   */
  constructor(config: GeneratorConfigInput) {
    this.config = validateGeneratorConfig(config);
    const names = this.config.regimes.map((r) => r.name);
    const cdf = (dist: Readonly<Record<string, number>>): Float64Array => {
      const out = new Float64Array(names.length);
      let acc = 0;
      names.forEach((n, i) => {
        acc += dist[n] ?? 0;
        out[i] = acc;
      });
      return out;
    };
    this.#initialCdf = cdf(this.config.initial);
    this.#transitionCdf = names.map((n) => cdf(this.config.transitions[n] as Readonly<Record<string, number>>));
  }

  /**
   * A generator from a built-in configuration ({@link GENERATOR_PRESETS}).
   * @param name - `'crypto-15m'` (24/7 15-minute bars), `'equity-daily'` (weekday daily bars),
   *   or a control on crypto-15m's bars and volatility: `'crypto-15m-null'` (zero-drift GBM,
   *   nothing to learn) or `'crypto-15m-structured'` (persistent up and down trends).
   * @returns the generator.
   * @throws {@link InvalidArgumentError} for another name.
   */
  static preset(name: GeneratorPresetName): RegimeGenerator {
    // own keys only: 'toString' or '__proto__' are not presets
    const config = typeof name === 'string' && Object.hasOwn(GENERATOR_PRESETS, name) ? (GENERATOR_PRESETS as Record<string, GeneratorConfig>)[name] : undefined;
    if (config === undefined) fail('name', `one of ${Object.keys(GENERATOR_PRESETS).join(', ')}`, name);
    return new RegimeGenerator(config);
  }

  /**
   * Generates a market.
   * @param options - `numSamples`, `seed`, and optionally `startTime`, `timeframe`, `symbol`.
   * @returns the bars, the regime of each bar, the regime names and the spells.
   * @throws {@link InvalidArgumentError} for a bad option, a timeframe of 7 days or more with
   *   the `'weekdays'` calendar (`options.timeframe must be shorter than 7 days ...`), or
   *   timestamps that would run past the largest safe integer.
   */
  generate(options: GenerateOptions): GeneratedMarket {
    requireKnownKeys('options', options, ['numSamples', 'seed', 'startTime', 'timeframe', 'symbol']);
    const n = requireInt('numSamples', options.numSamples, 1);
    const rng = new Rng(requireSeed('seed', options.seed));
    const timeframe = options.timeframe ?? this.config.timeframe;
    const tf = timeframeToMs(timeframe);
    const weekdays = this.config.calendar === 'weekdays';
    if (weekdays) checkWeekdaysTimeframe('options.timeframe', timeframe);
    const start = options.startTime ?? Date.UTC(2024, 0, 1);
    if (!Number.isSafeInteger(start)) fail('startTime', 'an integer number of ms', start);
    const tooLate = (): never => {
      throw new InvalidArgumentError(`numSamples ${n} from startTime ${start} runs past the largest safe timestamp`);
    };
    // The next open on the calendar from t: t itself, or with 'weekdays' the first of t, t + tf,
    // ... that opens Monday to Friday (UTC). 1970-01-01 was a Thursday, so the Monday-based
    // weekday is (days + 3) mod 7 and 5, 6 are the weekend. The loop ends within a week of
    // steps because tf < 7 days (checkWeekdaysTimeframe), and t grows each step while safe.
    const nextOpen = (t: number): number => {
      if (!weekdays) return t;
      while ((((Math.floor(t / DAY_MS) + 3) % 7) + 7) % 7 >= 5) {
        t += tf;
        if (!Number.isSafeInteger(t)) tooLate();
      }
      return t;
    };
    const { regimes: defs, garch, jumps, gaps, volume } = this.config;
    const ou = this.config.process === 'ou';

    const timestamps = new Float64Array(n);
    const open = new Float64Array(n);
    const high = new Float64Array(n);
    const low = new Float64Array(n);
    const close = new Float64Array(n);
    const vol = new Float64Array(n);
    const regimes = new Uint8Array(n);
    const spells: RegimeSpell[] = [];

    // a standard normal by Box-Muller, using both outputs: the spare lives only in this call
    let spare = Number.NaN;
    const normal = (): number => {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = Number.NaN;
        return s;
      }
      const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
      const a = 2 * Math.PI * rng.uniform();
      spare = r * Math.sin(a);
      return r * Math.cos(a);
    };
    const pick = (cdf: Float64Array): number => {
      const u = rng.uniform();
      let k = 0;
      while (k < cdf.length - 1 && u >= (cdf[k] as number)) k++;
      return k;
    };

    let x = Math.log(this.config.initialPrice); // log close
    let anchor = x;
    let k = pick(this.#initialCdf);
    let def = defs[k] as (typeof defs)[number];
    let left = 0;
    let h = def.volatility * def.volatility;
    let lastShock = 0;
    let fresh = true; // the first bar of a spell: h is the regime's variance, no GARCH update
    let t = nextOpen(start);
    for (let i = 0; i < n; i++) {
      if (left === 0) {
        if (i > 0) k = pick(this.#transitionCdf[k] as Float64Array);
        def = defs[k] as (typeof defs)[number];
        const [dmin, dmax] = def.duration;
        left = dmin + Math.floor(rng.uniform() * (dmax - dmin + 1));
        spells.push({ regime: k, start: i, length: Math.min(left, n - i) });
        anchor = x;
        h = def.volatility * def.volatility; // a new regime starts at its own variance
        fresh = true;
      }
      left--;
      regimes[i] = k;
      const s2 = def.volatility * def.volatility;
      if (garch !== null && !fresh) {
        // GARCH(1,1) with omega chosen so the unconditional variance is volatility^2
        h = s2 * (1 - garch.alpha - garch.beta) + garch.alpha * lastShock * lastShock + garch.beta * h;
      }
      fresh = false;
      const sigma = Math.sqrt(h);
      const shock = sigma * normal();
      lastShock = shock;
      let r = def.drift + shock; // the close-to-close log return
      if (ou) r += def.meanReversion * (anchor - x);
      if (jumps !== null && rng.uniform() < jumps.probability) r += jumps.mean + jumps.std * normal();
      anchor += def.drift;

      // an opening gap is part of the close-to-close move r: it moves the open, not the close
      const xOpen = gaps !== null && i > 0 && rng.uniform() < gaps.probability ? x + gaps.std * normal() : x;
      const xClose = x + r;
      // extremes of a Brownian bridge from 0 to b with variance h over the bar:
      // P(max > m) = exp(-2 m (m - b) / h)  =>  max = (b + sqrt(b^2 - 2 h ln U)) / 2
      const b = xClose - xOpen;
      const up = (b + Math.sqrt(b * b - 2 * h * Math.log(1 - rng.uniform()))) / 2;
      const down = (b - Math.sqrt(b * b - 2 * h * Math.log(1 - rng.uniform()))) / 2;
      const o = Math.exp(xOpen);
      const c = Math.exp(xClose);
      open[i] = o;
      close[i] = c;
      high[i] = Math.max(o, c, Math.exp(xOpen + up));
      low[i] = Math.min(o, c, Math.exp(xOpen + down));
      vol[i] = volume.base * def.volumeFactor * Math.exp(volume.noise * normal()) * (1 + (volume.sensitivity * Math.abs(r)) / def.volatility);
      timestamps[i] = t;
      x = xClose;
      if (i + 1 < n) {
        t += tf;
        if (!Number.isSafeInteger(t)) tooLate();
        t = nextOpen(t);
      }
    }
    const data = new MarketData({ timestamps, open, high, low, close, volume: vol, timeframe, symbol: options.symbol ?? 'SYNTH' });
    return { data, regimes, regimeNames: defs.map((d) => d.name), spells };
  }
}

import { InvalidArgumentError } from '../core/errors.js';
import { requireKnownKeys, show } from '../core/checks.js';
import { timeframeToMs } from '../market/timeframe.js';

/** One market regime's parameters. Drift and volatility are per bar, of log returns. */
export interface RegimeConfig {
  /** A unique name, e.g. `'uptrend'`. */
  readonly name: string;
  /** Mean log return per bar. */
  readonly drift: number;
  /** Standard deviation of the diffusion part of the log return per bar (> 0). */
  readonly volatility: number;
  /** Pull per bar toward the regime's anchor, in [0, 1); used by the `'ou'` process only. */
  readonly meanReversion: number;
  /** Volume multiplier of the regime (> 0). */
  readonly volumeFactor: number;
  /** Spell length in bars, `[min, max]`, drawn uniformly (integers, 1 <= min <= max). */
  readonly duration: readonly [number, number];
}

/** GARCH(1,1) volatility clustering inside a regime. */
export interface GarchConfig {
  /** Weight of the last squared shock (>= 0). */
  readonly alpha: number;
  /** Weight of the last variance (>= 0); alpha + beta < 1. */
  readonly beta: number;
}

/** Poisson jumps added to log returns. */
export interface JumpConfig {
  /** Probability of a jump per bar, in [0, 1]. */
  readonly probability: number;
  /** Mean jump size (log). */
  readonly mean: number;
  /** Standard deviation of the jump size (>= 0). */
  readonly std: number;
}

/** Opening gaps: the open differs from the previous close. */
export interface GapConfig {
  /** Probability of a gap per bar, in [0, 1]. */
  readonly probability: number;
  /** Standard deviation of the gap (log, >= 0). */
  readonly std: number;
}

/** Volume model: `base * volumeFactor * exp(noise * z) * (1 + sensitivity * |r| / volatility)`. */
export interface VolumeConfig {
  /** Typical volume per bar (> 0). */
  readonly base: number;
  /** Lognormal noise of volume (>= 0). */
  readonly noise: number;
  /** How strongly volume rises with the size of the bar's return (>= 0). */
  readonly sensitivity: number;
}

/** The whole generator configuration, plain JSON. */
export interface GeneratorConfig {
  /** The regimes (1 to 255). */
  readonly regimes: readonly RegimeConfig[];
  /** Probability of starting in each regime, by name; sums to 1. */
  readonly initial: Readonly<Record<string, number>>;
  /** Next-regime probabilities per regime, by name; each row sums to 1. */
  readonly transitions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** `'gbm'`: geometric Brownian motion (mean reversion ignored); `'ou'`: Ornstein-Uhlenbeck around an anchor that moves with the drift. */
  readonly process: 'gbm' | 'ou';
  /** GARCH(1,1) clustering, or null. */
  readonly garch: GarchConfig | null;
  /** Jumps, or null. */
  readonly jumps: JumpConfig | null;
  /** Opening gaps, or null (open = previous close). */
  readonly gaps: GapConfig | null;
  /** The volume model. */
  readonly volume: VolumeConfig;
  /** The first open price (> 0). */
  readonly initialPrice: number;
  /** The bar length, e.g. `'15m'`. */
  readonly timeframe: string;
  /**
   * `'24/7'` (every bar) or `'weekdays'` (no bars opening on Saturday or Sunday, UTC; the
   * timeframe must then be shorter than 7 days).
   */
  readonly calendar: '24/7' | 'weekdays';
}

/**
 * One regime as you write it: {@link RegimeConfig} with `meanReversion` (default 0) and
 * `volumeFactor` (default 1) optional.
 */
export interface RegimeConfigInput {
  /** A unique name, e.g. `'uptrend'`. */
  readonly name: string;
  /** Mean log return per bar. */
  readonly drift: number;
  /** Standard deviation of the diffusion part of the log return per bar (> 0). */
  readonly volatility: number;
  /** Pull per bar toward the regime's anchor, in [0, 1) (default 0); `'ou'` process only. */
  readonly meanReversion?: number;
  /** Volume multiplier of the regime (> 0, default 1). */
  readonly volumeFactor?: number;
  /** Spell length in bars, `[min, max]`, drawn uniformly (integers, 1 <= min <= max). */
  readonly duration: readonly [number, number];
}

/** Jumps as you write them: {@link JumpConfig} with `mean` optional (default 0). */
export interface JumpConfigInput {
  /** Probability of a jump per bar, in [0, 1]. */
  readonly probability: number;
  /** Mean jump size (log, default 0). */
  readonly mean?: number;
  /** Standard deviation of the jump size (>= 0). */
  readonly std: number;
}

/** The volume model as you write it: {@link VolumeConfig} with `noise` and `sensitivity` optional (default 0). */
export interface VolumeConfigInput {
  /** Typical volume per bar (> 0). */
  readonly base: number;
  /** Lognormal noise of volume (>= 0, default 0). */
  readonly noise?: number;
  /** How strongly volume rises with the size of the bar's return (>= 0, default 0). */
  readonly sensitivity?: number;
}

/**
 * A generator configuration as you write it (or parse it from JSON): what
 * {@link RegimeGenerator}'s constructor and {@link validateGeneratorConfig} take. Only
 * `regimes`, `initial` and `transitions` are required; the rest default as
 * {@link validateGeneratorConfig} says. Unknown keys, at any level, are errors.
 */
export interface GeneratorConfigInput {
  /** The regimes (1 to 255). */
  readonly regimes: readonly RegimeConfigInput[];
  /** Probability of starting in each regime, by name; sums to 1. */
  readonly initial: Readonly<Record<string, number>>;
  /** Next-regime probabilities per regime, by name; one row per regime, each summing to 1. */
  readonly transitions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** `'gbm'` or `'ou'` (default `'ou'`); see {@link GeneratorConfig.process}. */
  readonly process?: 'gbm' | 'ou';
  /** GARCH(1,1) clustering, or null / omitted for none. */
  readonly garch?: GarchConfig | null;
  /** Jumps, or null / omitted for none. */
  readonly jumps?: JumpConfigInput | null;
  /** Opening gaps, or null / omitted for none. */
  readonly gaps?: GapConfig | null;
  /** The volume model (default `{ base: 1000, noise: 0.3, sensitivity: 1 }`). */
  readonly volume?: VolumeConfigInput;
  /** The first open price (> 0, default 100). */
  readonly initialPrice?: number;
  /** The bar length (default `'15m'`). */
  readonly timeframe?: string;
  /** `'24/7'` (default) or `'weekdays'` (then the timeframe must be shorter than 7 days). */
  readonly calendar?: '24/7' | 'weekdays';
}

const ROOT_KEYS = ['regimes', 'initial', 'transitions', 'process', 'garch', 'jumps', 'gaps', 'volume', 'initialPrice', 'timeframe', 'calendar'] as const;
/** The sections where null is a value: no GARCH, no jumps, no gaps. */
const NULLABLE_ROOT_KEYS = ['garch', 'jumps', 'gaps'] as const;
const REGIME_KEYS = ['name', 'drift', 'volatility', 'meanReversion', 'volumeFactor', 'duration'] as const;

const SUM_TOLERANCE = 1e-9;

function bad(path: string, rule: string, value: unknown): never {
  throw new InvalidArgumentError(`config.${path} must be ${rule}, got ${show(value)}`);
}

function num(path: string, v: unknown, rule: string, ok: (x: number) => boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) bad(path, rule, v);
  return v;
}

function rec(path: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'an object', v);
  return v as Record<string, unknown>;
}

/**
 * An object section with a fixed set of keys: an unknown key names its full path, and so does
 * a null value, except for the keys in `nullable` (where null means "none", not "the default").
 */
function section(path: string, v: unknown, keys: readonly string[], nullable: readonly string[] = []): Record<string, unknown> {
  return requireKnownKeys(path === '' ? 'config' : `config.${path}`, rec(path === '' ? '(root)' : path, v), keys, nullable);
}

function distribution(path: string, v: unknown, names: readonly string[]): Record<string, number> {
  const r = rec(path, v);
  let sum = 0;
  const out: Record<string, number> = {};
  for (const [k, p] of Object.entries(r)) {
    if (!names.includes(k)) bad(`${path}.${k}`, `a known regime name (${names.join(', ')})`, k);
    out[k] = num(`${path}.${k}`, p, 'a probability in [0, 1]', (x) => x >= 0 && x <= 1);
    sum += out[k];
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) bad(path, 'probabilities summing to 1', `a sum of ${sum}`);
  return out;
}

/** A week in ms. */
const WEEK_MS = 604_800_000;

/**
 * Checks that a timeframe can step through a `'weekdays'` calendar: bars opening on a
 * weekend are skipped by stepping on, and a step of 7 days or more (e.g. `'1w'`, `'7d'`,
 * `'2w'`) either never leaves a weekend (a multiple of 7 days lands on the same weekday
 * forever) or skips whole weeks. Any shorter step reaches a weekday within a week: the
 * times it visits, taken modulo a week, are spaced by gcd(step, week) <= 3.5 days, less than
 * the 5 weekdays, so some land on a weekday.
 * @param name - the option's name for the message, e.g. `'config.timeframe'`.
 * @param timeframe - a valid timeframe.
 * @throws {@link InvalidArgumentError} for a step of 7 days or more.
 * @internal
 */
export function checkWeekdaysTimeframe(name: string, timeframe: string): void {
  if (timeframeToMs(timeframe) >= WEEK_MS) {
    throw new InvalidArgumentError(`${name} must be shorter than 7 days with calendar 'weekdays' (a weekly step never leaves a weekend), got ${show(timeframe)}`);
  }
}

/**
 * Validates a generator configuration (for example parsed from JSON) and fills defaults.
 * Errors name the path of the bad field, e.g. `config.transitions.uptrend must be
 * probabilities summing to 1`, `config.regimes[2].volatility must be a number > 0`, and
 * an unknown key at any level is an error naming its path (`config.regimes[1].proces is
 * not a known option`), so a typo never falls back silently to a default.
 *
 * @param json - a candidate configuration ({@link GeneratorConfigInput}, or unchecked
 *   JSON); omitted optional sections take defaults
 *   (`process: 'ou'`, no GARCH, jumps or gaps, `calendar: '24/7'`, volume `{ base: 1000,
 *   noise: 0.3, sensitivity: 1 }`, `initialPrice: 100`, `timeframe: '15m'`).
 * @returns the validated configuration.
 * @throws {@link InvalidArgumentError} naming the path of the first bad field or unknown key.
 * @example
 * ```ts
 * import { validateGeneratorConfig } from 'tradegym';
 * const config = validateGeneratorConfig({
 *   regimes: [
 *     { name: 'calm', drift: 0, volatility: 0.001, meanReversion: 0, volumeFactor: 1, duration: [10, 20] },
 *     { name: 'wild', drift: 0, volatility: 0.01, meanReversion: 0, volumeFactor: 3, duration: [2, 5] },
 *   ],
 *   initial: { calm: 1 },
 *   transitions: { calm: { wild: 1 }, wild: { calm: 1 } },
 * });
 * console.log(config.process); // 'ou'
 * ```
 */
export function validateGeneratorConfig(json: unknown): GeneratorConfig {
  const c = section('', json, ROOT_KEYS, NULLABLE_ROOT_KEYS);
  if (!Array.isArray(c.regimes) || c.regimes.length === 0 || c.regimes.length > 255) bad('regimes', 'an array of 1 to 255 regimes', c.regimes);
  const regimes: RegimeConfig[] = c.regimes.map((r: unknown, i: number) => {
    const p = `regimes[${i}]`;
    const o = section(p, r, REGIME_KEYS);
    if (typeof o.name !== 'string' || o.name.length === 0) bad(`${p}.name`, 'a non-empty string', o.name);
    const d = o.duration;
    if (!Array.isArray(d) || d.length !== 2) bad(`${p}.duration`, '[min, max] in bars', d);
    const min = num(`${p}.duration[0]`, d[0], 'an integer >= 1', (x) => Number.isInteger(x) && x >= 1);
    const max = num(`${p}.duration[1]`, d[1], `an integer >= min duration (${min})`, (x) => Number.isInteger(x) && x >= min);
    return {
      name: o.name,
      drift: num(`${p}.drift`, o.drift, 'a finite number', () => true),
      volatility: num(`${p}.volatility`, o.volatility, 'a number > 0', (x) => x > 0),
      meanReversion: num(`${p}.meanReversion`, o.meanReversion ?? 0, 'a number in [0, 1)', (x) => x >= 0 && x < 1),
      volumeFactor: num(`${p}.volumeFactor`, o.volumeFactor ?? 1, 'a number > 0', (x) => x > 0),
      duration: [min, max] as const,
    };
  });
  const names = regimes.map((r) => r.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) bad(`regimes[${i}].name`, 'unique', n);
  });
  const initial = distribution('initial', c.initial, names);
  const t = rec('transitions', c.transitions);
  const transitions: Record<string, Record<string, number>> = {};
  for (const k of Object.keys(t)) if (!names.includes(k)) bad(`transitions.${k}`, `a known regime name (${names.join(', ')})`, k);
  for (const n of names) {
    if (!(n in t)) bad(`transitions.${n}`, 'given for every regime', undefined);
    transitions[n] = distribution(`transitions.${n}`, t[n], names);
  }
  const process = c.process ?? 'ou';
  if (process !== 'gbm' && process !== 'ou') bad('process', "'gbm' or 'ou'", process);
  let garch: GarchConfig | null = null;
  if (c.garch !== undefined && c.garch !== null) {
    const g = section('garch', c.garch, ['alpha', 'beta']);
    const alpha = num('garch.alpha', g.alpha, 'a number >= 0', (x) => x >= 0);
    const beta = num('garch.beta', g.beta, 'a number >= 0', (x) => x >= 0);
    if (!(alpha + beta < 1)) bad('garch', 'stationary: alpha + beta < 1', alpha + beta);
    garch = { alpha, beta };
  }
  let jumps: JumpConfig | null = null;
  if (c.jumps !== undefined && c.jumps !== null) {
    const j = section('jumps', c.jumps, ['probability', 'mean', 'std']);
    jumps = {
      probability: num('jumps.probability', j.probability, 'a probability in [0, 1]', (x) => x >= 0 && x <= 1),
      mean: num('jumps.mean', j.mean ?? 0, 'a finite number', () => true),
      std: num('jumps.std', j.std, 'a number >= 0', (x) => x >= 0),
    };
  }
  let gaps: GapConfig | null = null;
  if (c.gaps !== undefined && c.gaps !== null) {
    const g = section('gaps', c.gaps, ['probability', 'std']);
    gaps = {
      probability: num('gaps.probability', g.probability, 'a probability in [0, 1]', (x) => x >= 0 && x <= 1),
      std: num('gaps.std', g.std, 'a number >= 0', (x) => x >= 0),
    };
  }
  const v = section('volume', c.volume ?? { base: 1000, noise: 0.3, sensitivity: 1 }, ['base', 'noise', 'sensitivity']);
  const volume: VolumeConfig = {
    base: num('volume.base', v.base, 'a number > 0', (x) => x > 0),
    noise: num('volume.noise', v.noise ?? 0, 'a number >= 0', (x) => x >= 0),
    sensitivity: num('volume.sensitivity', v.sensitivity ?? 0, 'a number >= 0', (x) => x >= 0),
  };
  const timeframe = c.timeframe ?? '15m';
  if (typeof timeframe !== 'string') bad('timeframe', "a timeframe such as '15m'", timeframe);
  try {
    timeframeToMs(timeframe);
  } catch {
    bad('timeframe', "a timeframe such as '15m'", timeframe);
  }
  const calendar = c.calendar ?? '24/7';
  if (calendar !== '24/7' && calendar !== 'weekdays') bad('calendar', "'24/7' or 'weekdays'", calendar);
  if (calendar === 'weekdays') checkWeekdaysTimeframe('config.timeframe', timeframe);
  return {
    regimes,
    initial,
    transitions,
    process,
    garch,
    jumps,
    gaps,
    volume,
    initialPrice: num('initialPrice', c.initialPrice ?? 100, 'a number > 0', (x) => x > 0),
    timeframe,
    calendar,
  };
}

/** The five default regimes' names. */
export const DEFAULT_REGIMES = ['uptrend', 'downtrend', 'ranging', 'volExpansion', 'volContraction'] as const;

const CRYPTO_15M: GeneratorConfig = {
  // 15-minute bars, 96 a day, 24/7. Per-bar volatilities span about 0.15% to 0.9%
  // (roughly 30% to 170% annualised), trends last 1 to 10 days.
  regimes: [
    { name: 'uptrend', drift: 0.00015, volatility: 0.004, meanReversion: 0, volumeFactor: 1.2, duration: [96, 960] },
    { name: 'downtrend', drift: -0.0002, volatility: 0.005, meanReversion: 0, volumeFactor: 1.4, duration: [96, 672] },
    { name: 'ranging', drift: 0, volatility: 0.003, meanReversion: 0.02, volumeFactor: 0.8, duration: [96, 960] },
    { name: 'volExpansion', drift: 0, volatility: 0.009, meanReversion: 0, volumeFactor: 2.5, duration: [16, 192] },
    { name: 'volContraction', drift: 0, volatility: 0.0015, meanReversion: 0.01, volumeFactor: 0.5, duration: [48, 480] },
  ],
  initial: { uptrend: 0.2, downtrend: 0.2, ranging: 0.3, volExpansion: 0.1, volContraction: 0.2 },
  transitions: {
    uptrend: { downtrend: 0.15, ranging: 0.45, volExpansion: 0.2, volContraction: 0.2 },
    downtrend: { uptrend: 0.15, ranging: 0.4, volExpansion: 0.3, volContraction: 0.15 },
    ranging: { uptrend: 0.3, downtrend: 0.25, volExpansion: 0.15, volContraction: 0.3 },
    volExpansion: { uptrend: 0.25, downtrend: 0.3, ranging: 0.35, volContraction: 0.1 },
    // a squeeze usually breaks out: contraction is most often followed by expansion
    volContraction: { uptrend: 0.15, downtrend: 0.15, ranging: 0.1, volExpansion: 0.6 },
  },
  process: 'ou',
  garch: { alpha: 0.08, beta: 0.9 },
  jumps: { probability: 0.002, mean: 0, std: 0.02 },
  gaps: null,
  volume: { base: 100, noise: 0.35, sensitivity: 1 },
  initialPrice: 30_000,
  timeframe: '15m',
  calendar: '24/7',
};

const EQUITY_DAILY: GeneratorConfig = {
  // daily bars on weekdays; per-day volatilities of 0.6% to 3% (about 10% to 48% a year),
  // trends lasting 1 to 6 months of trading days, overnight gaps.
  regimes: [
    { name: 'uptrend', drift: 0.0008, volatility: 0.009, meanReversion: 0, volumeFactor: 1, duration: [20, 120] },
    { name: 'downtrend', drift: -0.0012, volatility: 0.016, meanReversion: 0, volumeFactor: 1.4, duration: [10, 60] },
    { name: 'ranging', drift: 0, volatility: 0.008, meanReversion: 0.05, volumeFactor: 0.9, duration: [20, 90] },
    { name: 'volExpansion', drift: -0.0005, volatility: 0.03, meanReversion: 0, volumeFactor: 2.2, duration: [5, 30] },
    { name: 'volContraction', drift: 0.0003, volatility: 0.006, meanReversion: 0.02, volumeFactor: 0.7, duration: [20, 100] },
  ],
  initial: { uptrend: 0.4, downtrend: 0.1, ranging: 0.3, volExpansion: 0.05, volContraction: 0.15 },
  transitions: {
    uptrend: { downtrend: 0.15, ranging: 0.4, volExpansion: 0.1, volContraction: 0.35 },
    downtrend: { uptrend: 0.3, ranging: 0.3, volExpansion: 0.3, volContraction: 0.1 },
    ranging: { uptrend: 0.45, downtrend: 0.2, volExpansion: 0.1, volContraction: 0.25 },
    volExpansion: { uptrend: 0.2, downtrend: 0.35, ranging: 0.4, volContraction: 0.05 },
    volContraction: { uptrend: 0.35, downtrend: 0.1, ranging: 0.15, volExpansion: 0.4 },
  },
  process: 'ou',
  garch: { alpha: 0.07, beta: 0.9 },
  jumps: { probability: 0.01, mean: -0.005, std: 0.03 },
  gaps: { probability: 0.3, std: 0.004 },
  volume: { base: 1_000_000, noise: 0.25, sensitivity: 1 },
  initialPrice: 100,
  timeframe: '1d',
  calendar: 'weekdays',
};

/**
 * The per-bar volatility of the controls: the long-run standard deviation of crypto-15m's
 * 15-minute log returns (0.00432 over 400,000 bars, seed 1), so a control and the demo's
 * market differ in structure, not in scale.
 */
const CONTROL_VOLATILITY = 0.0043;

/**
 * What the controls share: crypto-15m's bars and price level under plain GBM, without
 * GARCH, jumps or gaps, and volume unrelated to the size of returns (no hint in it).
 */
const CONTROL_MARKET = {
  process: 'gbm',
  garch: null,
  jumps: null,
  gaps: null,
  volume: { base: 100, noise: 0.35, sensitivity: 0 },
  initialPrice: 30_000,
  timeframe: '15m',
  calendar: '24/7',
} as const;

const CRYPTO_15M_NULL: GeneratorConfig = {
  // The null control: one regime of geometric Brownian motion with zero drift of the price,
  // dS/S = sigma dW, whose log drift is -sigma^2 / 2 (Ito), so the close is a martingale:
  // no strategy's expected return, before costs, differs from 0. Constant volatility and no
  // regime switches: nothing to learn, so any edge found is luck.
  regimes: [{ name: 'random-walk', drift: -(CONTROL_VOLATILITY ** 2) / 2, volatility: CONTROL_VOLATILITY, meanReversion: 0, volumeFactor: 1, duration: [960, 960] }],
  initial: { 'random-walk': 1 },
  transitions: { 'random-walk': { 'random-walk': 1 } },
  ...CONTROL_MARKET,
};

const CRYPTO_15M_STRUCTURED: GeneratorConfig = {
  // The structured control: up and down trends that alternate, each lasting 3 to 10 days,
  // with a drift of a tenth of the volatility per bar (a trend moves the log price by
  // 0.00043 x 288..960 = 0.12 to 0.41 on average). A moving average over a day (96 bars) sees the drift:
  // its signal-to-noise, drift x sqrt(96) / sigma, is about 1. Symmetric, so buy-and-hold
  // has no edge on average; the oracle and a trend rule do, net of 10 bps fees.
  regimes: [
    { name: 'uptrend', drift: CONTROL_VOLATILITY / 10, volatility: CONTROL_VOLATILITY, meanReversion: 0, volumeFactor: 1, duration: [288, 960] },
    { name: 'downtrend', drift: -CONTROL_VOLATILITY / 10, volatility: CONTROL_VOLATILITY, meanReversion: 0, volumeFactor: 1, duration: [288, 960] },
  ],
  initial: { uptrend: 0.5, downtrend: 0.5 },
  transitions: { uptrend: { downtrend: 1 }, downtrend: { uptrend: 1 } },
  ...CONTROL_MARKET,
};

/**
 * The names of the built-in configurations: two market styles, and two controls on
 * crypto-15m's bars and volatility (a market with nothing to learn, and one with trends a
 * simple rule can exploit).
 */
export type GeneratorPresetName = 'crypto-15m' | 'equity-daily' | 'crypto-15m-null' | 'crypto-15m-structured';

/**
 * The built-in configurations, by name:
 * - `'crypto-15m'`: 24/7 15-minute bars, five regimes, GARCH, jumps (the demo's market).
 * - `'equity-daily'`: weekday daily bars, five regimes, GARCH, jumps, overnight gaps.
 * - `'crypto-15m-null'`: the null control, zero-drift GBM (a martingale close) at
 *   crypto-15m's volatility: no regimes, no structure; an edge found here is luck.
 * - `'crypto-15m-structured'`: the structured control, alternating up and down trends of 3 to
 *   10 days with a drift of a tenth of the volatility per bar: the regime oracle and a
 *   moving-average cross profit net of 10 bps fees.
 */
export const GENERATOR_PRESETS: Readonly<Record<GeneratorPresetName, GeneratorConfig>> = Object.freeze({
  'crypto-15m': CRYPTO_15M,
  'equity-daily': EQUITY_DAILY,
  'crypto-15m-null': CRYPTO_15M_NULL,
  'crypto-15m-structured': CRYPTO_15M_STRUCTURED,
});

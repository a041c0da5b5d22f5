// The feature catalog: every indicator tradegym computes, its parameters and its output
// columns. Each indicator is a state machine that takes one bar at a time in O(1) (amortised;
// CCI's mean absolute deviation is the exception, O(period): see it) built from the blocks in
// rolling.ts; FeaturePipeline.compute folds it over the bars and FeatureStream feeds it live
// bars, so both give the same bits. technicalindicators is the independent oracle in the
// tests; where it rounds (RSI, MFI to 2 decimals) or treats a 0 as missing, we do not follow.
import type { OhlcvBar } from '../market/OhlcvBar.js';
import { Ema, RollingExtreme, RollingMoments, RollingSum, Ring } from './rolling.js';

/** One numeric parameter of an indicator. */
export interface ParamDef {
  /** The value used when the spec omits it. */
  readonly default: number;
  /** The smallest allowed value. */
  readonly min: number;
  /** Whether the value must be an integer. */
  readonly integer: boolean;
}

/**
 * A running indicator: takes the next bar and writes one value per output into `row` from
 * index `at` (NaN while warming up). @internal
 */
export type IndicatorStep = (bar: OhlcvBar, row: Float64Array, at: number) => void;

/** One indicator of the catalog. */
export interface IndicatorDef {
  /** What the indicator measures, for the docs. */
  readonly description: string;
  /** Its parameters, by name, in column-name order. */
  readonly params: Readonly<Record<string, ParamDef>>;
  /** Output suffixes: `''` is the main column, others are appended as `_suffix`. */
  readonly outputs: readonly string[];
  /**
   * The leading bars on which some output is NaN, for bars in general position (a flat
   * window can leave a ratio undefined later too). @internal
   */
  readonly warmup: (p: Readonly<Record<string, number>>) => number;
  /** A fresh state machine for these parameters. @internal */
  readonly create: (p: Readonly<Record<string, number>>) => IndicatorStep;
}

const int = (def: number, min: number): ParamDef => ({ default: def, min, integer: true });
const real = (def: number, min: number): ParamDef => ({ default: def, min, integer: false });

const typical = (b: OhlcvBar): number => (b.high + b.low + b.close) / 3;

/** Percent change, in technicalindicators' ROC arithmetic. */
const pctChange = (now: number, past: number): number => ((now - past) / past) * 100;

/** True range against the previous close (technicalindicators' TrueRange). */
const trueRange = (b: OhlcvBar, prevClose: number): number => Math.max(b.high - b.low, Math.abs(b.high - prevClose), Math.abs(b.low - prevClose));

/** `f(close, average)` of a running average of close (by default the average itself). */
function ofAverage(avg: { push(x: number): number }, f: (close: number, average: number) => number = (_c, m) => m): IndicatorStep {
  return (b, row, at) => {
    row[at] = f(b.close, avg.push(b.close));
  };
}

/** A closure over the value `period` bars ago: `f(now, then)` once it exists, NaN before. */
function lagged(period: number, f: (now: number, then: number) => number): IndicatorStep {
  const ring = new Ring(period);
  return (b, row, at) => {
    const then = ring.push(b.close);
    row[at] = Number.isNaN(then) ? Number.NaN : f(b.close, then);
  };
}

/** 100 (x - lowest) / (highest - lowest) over the window, 0 when the window is flat (as technicalindicators). */
function stochastic(x: number, hi: number, lo: number): number {
  const v = (100 * (x - lo)) / (hi - lo);
  return Number.isNaN(v) ? 0 : v;
}

const DAY_MS = 86_400_000;
const TWO_PI = 2 * Math.PI;

/** sin and cos of 2 pi phase(t): a cyclic feature without a seam. */
function cyclic(phase: (t: number) => number): IndicatorStep {
  return (b, row, at) => {
    const a = TWO_PI * phase(b.timestamp);
    row[at] = Math.sin(a);
    row[at + 1] = Math.cos(a);
  };
}

/** Every indicator tradegym computes, by name. */
export const INDICATORS: Readonly<Record<string, IndicatorDef>> = {
  returns: {
    description: 'simple return over `period` bars: close[t] / close[t - period] - 1',
    params: { period: int(1, 1) },
    outputs: [''],
    warmup: ({ period = 1 }) => period,
    create: ({ period = 1 }) => lagged(period, (c, past) => c / past - 1),
  },
  logReturns: {
    description: 'log return over `period` bars: ln(close[t] / close[t - period])',
    params: { period: int(1, 1) },
    outputs: [''],
    warmup: ({ period = 1 }) => period,
    create: ({ period = 1 }) => lagged(period, (c, past) => Math.log(c / past)),
  },
  volatility: {
    description: 'rolling standard deviation (ddof 1) of 1-bar log returns over `period` bars',
    params: { period: int(20, 2) },
    outputs: [''],
    warmup: ({ period = 20 }) => period,
    create: ({ period = 20 }) => {
      const w = new RollingMoments(period);
      let prev = Number.NaN;
      return (b, row, at) => {
        if (!Number.isNaN(prev)) w.push(Math.log(b.close / prev));
        prev = b.close;
        row[at] = Math.sqrt(w.variance(1));
      };
    },
  },
  sma: {
    description: 'simple moving average of close',
    params: { period: int(20, 1) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => ofAverage(new RollingSum(period)),
  },
  ema: {
    description: 'exponential moving average of close, alpha 2 / (period + 1), seeded with the SMA of the first `period` closes',
    params: { period: int(20, 1) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => ofAverage(Ema.exponential(period)),
  },
  wma: {
    description: 'linearly weighted moving average of close (weights 1..period, newest heaviest)',
    params: { period: int(20, 1) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => {
      // numerator(t) = numerator(t-1) + period * x(t) - sum of the previous window; re-summed
      // whenever the window is (every `period` bars), so its error stays that of one window
      const w = new RollingSum(period);
      const denom = (period * (period + 1)) / 2;
      let num = 0;
      return (b, row, at) => {
        const before = w.sum;
        const full = w.full;
        w.push(b.close);
        num = full ? num + period * b.close - before : 0;
        const ring = w.values;
        if (ring.aligned) {
          let s = 0;
          for (let k = 0; k < period; k++) s += (ring.slots[k] as number) * (k + 1);
          num = s;
        }
        row[at] = w.full ? num / denom : Number.NaN;
      };
    },
  },
  priceToSma: {
    description: 'close / SMA(period) - 1',
    params: { period: int(20, 1) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => ofAverage(new RollingSum(period), (c, m) => c / m - 1),
  },
  priceToEma: {
    description: 'close / EMA(period) - 1',
    params: { period: int(20, 1) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => ofAverage(Ema.exponential(period), (c, m) => c / m - 1),
  },
  rsi: {
    description: "Wilder's relative strength index, 0..100, unrounded: 100 when the average loss is 0, 0 when the average gain is 0",
    params: { period: int(14, 2) },
    outputs: [''],
    warmup: ({ period = 14 }) => period,
    create: ({ period = 14 }) => rsiStep(period),
  },
  macd: {
    description: 'MACD line (EMA fast - EMA slow), its EMA signal and the histogram (line - signal)',
    params: { fast: int(12, 1), slow: int(26, 2), signal: int(9, 1) },
    outputs: ['', 'signal', 'hist'],
    warmup: ({ slow = 26, signal = 9 }) => slow + signal - 2,
    create: ({ fast = 12, slow = 26, signal = 9 }) => {
      const f = Ema.exponential(fast);
      const s = Ema.exponential(slow);
      const sig = Ema.exponential(signal);
      return (b, row, at) => {
        const line = f.push(b.close) - s.push(b.close);
        const sg = Number.isNaN(line) ? Number.NaN : sig.push(line);
        row[at] = line;
        row[at + 1] = sg;
        row[at + 2] = line - sg;
      };
    },
  },
  bbands: {
    description: 'Bollinger Bands: SMA(period) ± stdDev population standard deviations; %b = (close - lower) / (upper - lower); width = (upper - lower) / middle',
    params: { period: int(20, 2), stdDev: real(2, 0) },
    outputs: ['upper', 'middle', 'lower', 'pctb', 'width'],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20, stdDev = 2 }) => {
      const w = new RollingMoments(period);
      return (b, row, at) => {
        const m = w.push(b.close);
        const sd = Math.sqrt(w.variance(0));
        const u = m + stdDev * sd;
        const l = m - stdDev * sd;
        row[at] = u;
        row[at + 1] = m;
        row[at + 2] = l;
        row[at + 3] = (b.close - l) / (u - l);
        row[at + 4] = (u - l) / m;
      };
    },
  },
  atr: {
    description: "average true range, Wilder's smoothing",
    params: { period: int(14, 1) },
    outputs: [''],
    warmup: ({ period = 14 }) => period,
    create: ({ period = 14 }) => atrStep(period, (atr) => atr),
  },
  natr: {
    description: 'ATR as a percentage of close: 100 * ATR / close',
    params: { period: int(14, 1) },
    outputs: [''],
    warmup: ({ period = 14 }) => period,
    create: ({ period = 14 }) => atrStep(period, (atr, b) => (100 * atr) / b.close),
  },
  adx: {
    description: "average directional index with +DI and -DI (Wilder's smoothing of true range and directional movement)",
    params: { period: int(14, 2) },
    outputs: ['', 'pdi', 'mdi'],
    warmup: ({ period = 14 }) => 2 * period - 1,
    create: ({ period = 14 }) => {
      const tr = Ema.wilder(period);
      const plus = Ema.wilder(period);
      const minus = Ema.wilder(period);
      const adx = Ema.wilder(period);
      let prevH = Number.NaN;
      let prevL = Number.NaN;
      let prevC = Number.NaN;
      return (b, row, at) => {
        let pdi = Number.NaN;
        let mdi = Number.NaN;
        if (!Number.isNaN(prevC)) {
          const up = b.high - prevH;
          const down = prevL - b.low;
          const atr = tr.push(trueRange(b, prevC));
          const apdm = plus.push(up > down && up > 0 ? up : 0);
          const amdm = minus.push(down > up && down > 0 ? down : 0);
          if (tr.ready) {
            pdi = (apdm * 100) / atr;
            mdi = (amdm * 100) / atr;
            adx.push((Math.abs(pdi - mdi) / (pdi + mdi)) * 100);
          }
        }
        prevH = b.high;
        prevL = b.low;
        prevC = b.close;
        // +DI and -DI are reported from the first ADX on (technicalindicators' rows)
        row[at] = adx.value;
        row[at + 1] = adx.ready ? pdi : Number.NaN;
        row[at + 2] = adx.ready ? mdi : Number.NaN;
      };
    },
  },
  stoch: {
    description: 'stochastic oscillator %K = 100 (close - lowest low) / (highest high - lowest low) over `period` (0 when the range is 0, as technicalindicators), %D = SMA(%K, signal)',
    params: { period: int(14, 1), signal: int(3, 1) },
    outputs: ['k', 'd'],
    warmup: ({ period = 14, signal = 3 }) => period + signal - 2,
    create: ({ period = 14, signal = 3 }) => {
      const hh = new RollingExtreme(period, 'max');
      const ll = new RollingExtreme(period, 'min');
      const d = new RollingSum(signal);
      return (b, row, at) => {
        const h = hh.push(b.high);
        const l = ll.push(b.low);
        const k = Number.isNaN(h) ? Number.NaN : stochastic(b.close, h, l);
        row[at] = k;
        row[at + 1] = Number.isNaN(k) ? Number.NaN : d.push(k);
      };
    },
  },
  stochRsi: {
    description: 'stochastic of RSI: 100 (RSI - min RSI) / (max RSI - min RSI) over `stochasticPeriod` (0 when flat), %K = SMA(kPeriod) of it, %D = SMA(dPeriod) of %K',
    params: { rsiPeriod: int(14, 2), stochasticPeriod: int(14, 1), kPeriod: int(3, 1), dPeriod: int(3, 1) },
    outputs: ['k', 'd'],
    warmup: ({ rsiPeriod = 14, stochasticPeriod = 14, kPeriod = 3, dPeriod = 3 }) => rsiPeriod + stochasticPeriod + kPeriod + dPeriod - 3,
    create: ({ rsiPeriod = 14, stochasticPeriod = 14, kPeriod = 3, dPeriod = 3 }) => {
      const rsi = rsiStep(rsiPeriod);
      const hi = new RollingExtreme(stochasticPeriod, 'max');
      const lo = new RollingExtreme(stochasticPeriod, 'min');
      const kSma = new RollingSum(kPeriod);
      const dSma = new RollingSum(dPeriod);
      const cell = new Float64Array(1);
      return (b, row, at) => {
        rsi(b, cell, 0);
        const r = cell[0] as number;
        let k = Number.NaN;
        let d = Number.NaN;
        if (!Number.isNaN(r)) {
          const h = hi.push(r);
          const l = lo.push(r);
          if (!Number.isNaN(h)) k = kSma.push(stochastic(r, h, l));
          if (!Number.isNaN(k)) d = dSma.push(k);
        }
        row[at] = k;
        row[at + 1] = d;
      };
    },
  },
  cci: {
    description: 'commodity channel index: (typical - SMA(typical)) / (0.015 * mean absolute deviation)',
    params: { period: int(20, 2) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => {
      // the mean absolute deviation is around the current mean, which moves every bar: it has
      // no O(1) update, so it is summed over the window (O(period)) like every CCI
      const w = new RollingSum(period);
      return (b, row, at) => {
        const tp = typical(b);
        const mu = w.push(tp);
        if (!w.full) {
          row[at] = Number.NaN;
          return;
        }
        const ring = w.values;
        let dev = 0;
        for (let k = 0; k < period; k++) dev += Math.abs(ring.at(k) - mu);
        row[at] = (tp - mu) / ((0.015 * dev) / period);
      };
    },
  },
  mfi: {
    description: 'money flow index over `period`: 100 - 100 / (1 + positive flow / negative flow), flows typical * volume signed by the change in typical price',
    params: { period: int(14, 1) },
    outputs: [''],
    warmup: ({ period = 14 }) => period + 1,
    create: ({ period = 14 }) => {
      const pos = new RollingSum(period);
      const neg = new RollingSum(period);
      let prevTp = Number.NaN;
      let bars = 0;
      return (b, row, at) => {
        const tp = typical(b);
        // technicalindicators' MFI skips the first bar entirely, so the first flow is at bar 2
        if (bars++ >= 2) {
          const flow = tp * b.volume;
          const up = tp > prevTp;
          pos.push(up ? flow : 0);
          neg.push(up ? 0 : flow);
        }
        prevTp = tp;
        row[at] = pos.full ? 100 - 100 / (1 + pos.sum / neg.sum) : Number.NaN;
      };
    },
  },
  obv: {
    description: 'on-balance volume: the running sum of volume, added on up closes and subtracted on down closes (from the second bar)',
    params: {},
    outputs: [''],
    warmup: () => 1,
    create: () => {
      let obv = 0;
      let prev = Number.NaN;
      return (b, row, at) => {
        if (prev < b.close) obv = obv + b.volume;
        else if (b.close < prev) obv = obv - b.volume;
        row[at] = Number.isNaN(prev) ? Number.NaN : obv;
        prev = b.close;
      };
    },
  },
  roc: {
    description: 'rate of change in percent: 100 (close[t] - close[t - period]) / close[t - period]',
    params: { period: int(12, 1) },
    outputs: [''],
    warmup: ({ period = 12 }) => period,
    create: ({ period = 12 }) => lagged(period, pctChange),
  },
  williamsR: {
    description: 'Williams %R: -100 (highest high - close) / (highest high - lowest low) over `period`',
    params: { period: int(14, 1) },
    outputs: [''],
    warmup: ({ period = 14 }) => period - 1,
    create: ({ period = 14 }) => {
      const hh = new RollingExtreme(period, 'max');
      const ll = new RollingExtreme(period, 'min');
      return (b, row, at) => {
        const h = hh.push(b.high);
        const l = ll.push(b.low);
        row[at] = (-100 * (h - b.close)) / (h - l);
      };
    },
  },
  trix: {
    description: 'TRIX: 1-bar percent change of a triple EMA of close',
    params: { period: int(18, 1) },
    outputs: [''],
    warmup: ({ period = 18 }) => 3 * period - 2,
    create: ({ period = 18 }) => {
      const e1 = Ema.exponential(period);
      const e2 = Ema.exponential(period);
      const e3 = Ema.exponential(period);
      let prev = Number.NaN;
      return (b, row, at) => {
        const x1 = e1.push(b.close);
        const x2 = Number.isNaN(x1) ? x1 : e2.push(x1);
        const x3 = Number.isNaN(x2) ? x2 : e3.push(x2);
        row[at] = pctChange(x3, prev);
        prev = x3;
      };
    },
  },
  psar: {
    description: 'parabolic SAR (Wilder), starting long at the first low; technicalindicators\' rules',
    params: { step: real(0.02, 0), max: real(0.2, 0) },
    outputs: [''],
    warmup: () => 0,
    create: ({ step = 0.02, max = 0.2 }) => {
      let sar = Number.NaN;
      let extreme = Number.NaN;
      let up = true;
      let accel = step;
      // the two previous bars' highs and lows (technicalindicators' `prev` and `furthest`)
      let prevH = Number.NaN;
      let prevL = Number.NaN;
      let furthestH = Number.NaN;
      let furthestL = Number.NaN;
      let started = false;
      return (b, row, at) => {
        if (!started) {
          sar = b.low;
          extreme = b.high;
          furthestH = prevH = b.high;
          furthestL = prevL = b.low;
          started = true;
        } else {
          sar = sar + accel * (extreme - sar);
          if (up) {
            sar = Math.min(sar, furthestL, prevL);
            if (b.high > extreme) {
              extreme = b.high;
              accel = Math.min(accel + step, max);
            }
          } else {
            sar = Math.max(sar, furthestH, prevH);
            if (b.low < extreme) {
              extreme = b.low;
              accel = Math.min(accel + step, max);
            }
          }
          if ((up && b.low < sar) || (!up && b.high > sar)) {
            accel = step;
            sar = extreme;
            up = !up;
            extreme = up ? b.high : b.low;
          }
          furthestH = prevH;
          furthestL = prevL;
          prevH = b.high;
          prevL = b.low;
        }
        row[at] = sar;
      };
    },
  },
  vwap: {
    description: 'volume-weighted average typical price since the UTC day began (`period` 0) or over the last `period` bars',
    params: { period: int(0, 0) },
    outputs: [''],
    warmup: ({ period = 0 }) => Math.max(period - 1, 0),
    create: ({ period = 0 }) => {
      if (period > 0) {
        const pv = new RollingSum(period);
        const vol = new RollingSum(period);
        return (b, row, at) => {
          const tp = typical(b);
          pv.push(tp * b.volume);
          vol.push(b.volume);
          row[at] = !vol.full ? Number.NaN : vol.sum > 0 ? pv.sum / vol.sum : tp; // no volume: the typical price
        };
      }
      let pv = 0;
      let vol = 0;
      let day = Number.NaN;
      return (b, row, at) => {
        const tp = typical(b);
        const d = Math.floor(b.timestamp / DAY_MS);
        if (d !== day) {
          pv = 0;
          vol = 0;
          day = d;
        }
        pv += tp * b.volume;
        vol += b.volume;
        row[at] = vol > 0 ? pv / vol : tp;
      };
    },
  },
  ao: {
    description: 'awesome oscillator: SMA(median price, fast) - SMA(median price, slow)',
    params: { fast: int(5, 1), slow: int(34, 2) },
    outputs: [''],
    warmup: ({ fast = 5, slow = 34 }) => Math.max(fast, slow) - 1,
    create: ({ fast = 5, slow = 34 }) => {
      const f = new RollingSum(fast);
      const s = new RollingSum(slow);
      return (b, row, at) => {
        const med = (b.high + b.low) / 2;
        row[at] = f.push(med) - s.push(med);
      };
    },
  },
  volumeZScore: {
    description: 'volume z-score: (volume - SMA(volume)) / std(volume), ddof 1, over `period` (0 when the std is 0)',
    params: { period: int(20, 2) },
    outputs: [''],
    warmup: ({ period = 20 }) => period - 1,
    create: ({ period = 20 }) => {
      const w = new RollingMoments(period);
      return (b, row, at) => {
        const m = w.push(b.volume);
        const s = Math.sqrt(w.variance(1));
        row[at] = s === 0 ? 0 : (b.volume - m) / s;
      };
    },
  },
  hlRange: {
    description: 'bar range relative to close: (high - low) / close',
    params: {},
    outputs: [''],
    warmup: () => 0,
    create: () => (b, row, at) => {
      row[at] = (b.high - b.low) / b.close;
    },
  },
  body: {
    description: 'candle body relative to open: (close - open) / open',
    params: {},
    outputs: [''],
    warmup: () => 0,
    create: () => (b, row, at) => {
      row[at] = b.close / b.open - 1;
    },
  },
  wicks: {
    description: 'upper and lower wicks relative to close: (high - max(open, close)) / close and (min(open, close) - low) / close',
    params: {},
    outputs: ['upper', 'lower'],
    warmup: () => 0,
    create: () => (b, row, at) => {
      row[at] = (b.high - Math.max(b.open, b.close)) / b.close;
      row[at + 1] = (Math.min(b.open, b.close) - b.low) / b.close;
    },
  },
  timeOfDay: {
    description: 'UTC time of day of the bar open as a point on the unit circle: sin and cos of 2 pi (ms into the day / ms per day)',
    params: {},
    outputs: ['sin', 'cos'],
    warmup: () => 0,
    create: () => cyclic((t) => (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS),
  },
  dayOfWeek: {
    description: 'UTC day of the week of the bar open (Monday 0 .. Sunday 6) on the unit circle: sin and cos of 2 pi day / 7',
    params: {},
    outputs: ['sin', 'cos'],
    warmup: () => 0,
    // 1970-01-01 was a Thursday: the Monday-based weekday is (days + 3) mod 7
    create: () => cyclic((t) => ((((Math.floor(t / DAY_MS) + 3) % 7) + 7) % 7) / 7),
  },
};

/**
 * Wilder's RSI from Wilder-smoothed gains and losses: 100 when the average loss is 0, 0 when
 * the average gain is 0 (technicalindicators' conventions), unrounded.
 */
function rsiStep(period: number): IndicatorStep {
  const gain = Ema.wilder(period);
  const loss = Ema.wilder(period);
  let prev = Number.NaN;
  return (b, row, at) => {
    let out = Number.NaN;
    if (!Number.isNaN(prev)) {
      const d = b.close - prev;
      const g = gain.push(d > 0 ? d : 0);
      const l = loss.push(d < 0 ? -d : 0);
      if (!Number.isNaN(g)) out = l === 0 ? 100 : g === 0 ? 0 : 100 - 100 / (1 + g / l);
    }
    prev = b.close;
    row[at] = out;
  };
}

/** Wilder's average true range (from the second bar), reported through `f`. */
function atrStep(period: number, f: (atr: number, b: OhlcvBar) => number): IndicatorStep {
  const avg = Ema.wilder(period);
  let prevClose = Number.NaN;
  return (b, row, at) => {
    const atr = Number.isNaN(prevClose) ? Number.NaN : avg.push(trueRange(b, prevClose));
    prevClose = b.close;
    row[at] = f(atr, b);
  };
}

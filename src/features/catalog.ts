// The feature catalog: every indicator tradegym computes, its parameters and its output
// columns. Indicators where technicalindicators is fast and exact run on it (SMA, EMA, MACD,
// ATR, ADX, OBV, TRIX, PSAR). The ones where it is slow on long series (about 1 to 3 s per
// million bars: Bollinger Bands, Stochastic, StochRSI, CCI, MFI, Williams %R, ROC, WMA, AO)
// or rounds its output to 2 decimals (RSI, MFI) run on the typed-array kernels in
// rolling.ts; the tests check each of them against technicalindicators' output.
import * as ti from 'technicalindicators';
import type { MarketData } from '../market/MarketData.js';
import { firstFinite, rollingMax, rollingMin, rollingStd, sma, wilderRsi, wma } from './rolling.js';

/** One numeric parameter of an indicator. */
export interface ParamDef {
  /** The value used when the spec omits it. */
  readonly default: number;
  /** The smallest allowed value. */
  readonly min: number;
  /** Whether the value must be an integer. */
  readonly integer: boolean;
}

/** One indicator of the catalog. */
export interface IndicatorDef {
  /** What the indicator measures, for the docs. */
  readonly description: string;
  /** Its parameters, by name, in column-name order. */
  readonly params: Readonly<Record<string, ParamDef>>;
  /** Output suffixes: `''` is the main column, others are appended as `_suffix`. */
  readonly outputs: readonly string[];
  /** Computes one aligned column per output; NaN during warm-up. @internal */
  readonly compute: (ctx: FeatureContext, p: Readonly<Record<string, number>>) => Float64Array[];
}

/** Shared inputs and memoised intermediate columns for one pipeline run. @internal */
export class FeatureContext {
  readonly data: MarketData;
  readonly #memo = new Map<string, Float64Array>();
  readonly #arrays = new Map<string, number[]>();

  constructor(data: MarketData) {
    this.data = data;
  }

  /** A column as a plain array (technicalindicators' input type), converted once. */
  array(name: 'open' | 'high' | 'low' | 'close' | 'volume'): number[] {
    let a = this.#arrays.get(name);
    if (a === undefined) {
      a = Array.from(this.data[name]);
      this.#arrays.set(name, a);
    }
    return a;
  }

  /** Computes `make()` once per key and reuses it (e.g. one SMA for sma and priceToSma). */
  memo(key: string, make: () => Float64Array): Float64Array {
    let v = this.#memo.get(key);
    if (v === undefined) {
      v = make();
      this.#memo.set(key, v);
    }
    return v;
  }
}

const ID = { format: (v: number): number => v };
const int = (def: number, min: number): ParamDef => ({ default: def, min, integer: true });
const real = (def: number, min: number): ParamDef => ({ default: def, min, integer: false });

/** Places technicalindicators' shorter result at the end of an n-long NaN column. */
function align(n: number, values: readonly number[]): Float64Array {
  const out = new Float64Array(n).fill(Number.NaN);
  out.set(values, n - values.length);
  return out;
}

function alignField<T>(n: number, rows: readonly T[], pick: (r: T) => number | undefined): Float64Array {
  return align(
    n,
    rows.map((r) => pick(r) ?? Number.NaN),
  );
}

function map2(a: Float64Array, b: Float64Array, f: (x: number, y: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i] as number, b[i] as number);
  return out;
}

const tiSma = (ctx: FeatureContext, period: number): Float64Array =>
  ctx.memo(`sma:${period}`, () => align(ctx.data.length, ti.SMA.calculate({ period, values: ctx.array('close'), ...ID })));
const tiEma = (ctx: FeatureContext, period: number): Float64Array =>
  ctx.memo(`ema:${period}`, () => align(ctx.data.length, ti.EMA.calculate({ period, values: ctx.array('close'), ...ID })));
// technicalindicators rounds RSI to 2 decimals inside its generator, so RSI is computed here
const rsiOf = (ctx: FeatureContext, period: number): Float64Array => ctx.memo(`rsi:${period}`, () => wilderRsi(ctx.data.close, period));
const tiAtr = (ctx: FeatureContext, period: number): Float64Array =>
  ctx.memo(`atr:${period}`, () =>
    align(ctx.data.length, ti.ATR.calculate({ period, high: ctx.array('high'), low: ctx.array('low'), close: ctx.array('close'), ...ID })),
  );

function typicalPrice(ctx: FeatureContext): Float64Array {
  return ctx.memo('typical', () => {
    const { high, low, close } = ctx.data;
    const out = new Float64Array(close.length);
    for (let i = 0; i < out.length; i++) out[i] = ((high[i] as number) + (low[i] as number) + (close[i] as number)) / 3;
    return out;
  });
}

function logReturns(ctx: FeatureContext, period: number): Float64Array {
  return ctx.memo(`logret:${period}`, () => {
    const c = ctx.data.close;
    const out = new Float64Array(c.length).fill(Number.NaN);
    for (let i = period; i < c.length; i++) out[i] = Math.log((c[i] as number) / (c[i - period] as number));
    return out;
  });
}

const DAY_MS = 86_400_000;
const TWO_PI = 2 * Math.PI;

/** sin and cos of 2 pi phase(t) for every timestamp: a cyclic feature without a seam. */
function cyclic(ts: Float64Array, phase: (t: number) => number): Float64Array[] {
  const s = new Float64Array(ts.length);
  const c = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const a = TWO_PI * phase(ts[i] as number);
    s[i] = Math.sin(a);
    c[i] = Math.cos(a);
  }
  return [s, c];
}

/** Every indicator tradegym computes, by name. */
export const INDICATORS: Readonly<Record<string, IndicatorDef>> = {
  returns: {
    description: 'simple return over `period` bars: close[t] / close[t - period] - 1',
    params: { period: int(1, 1) },
    outputs: [''],
    compute: (ctx, { period = 1 }) => {
      const c = ctx.data.close;
      const out = new Float64Array(c.length).fill(Number.NaN);
      for (let i = period; i < c.length; i++) out[i] = (c[i] as number) / (c[i - period] as number) - 1;
      return [out];
    },
  },
  logReturns: {
    description: 'log return over `period` bars: ln(close[t] / close[t - period])',
    params: { period: int(1, 1) },
    outputs: [''],
    compute: (ctx, { period = 1 }) => [logReturns(ctx, period).slice()],
  },
  volatility: {
    description: 'rolling standard deviation (ddof 1) of 1-bar log returns over `period` bars',
    params: { period: int(20, 2) },
    outputs: [''],
    compute: (ctx, { period = 20 }) => {
      const r = logReturns(ctx, 1);
      const out = new Float64Array(r.length).fill(Number.NaN);
      const tail = rollingStd(r.subarray(1), period, 1);
      out.set(tail, 1);
      return [out];
    },
  },
  sma: { description: 'simple moving average of close (technicalindicators SMA)', params: { period: int(20, 1) }, outputs: [''], compute: (ctx, { period = 20 }) => [tiSma(ctx, period).slice()] },
  ema: { description: 'exponential moving average of close (technicalindicators EMA)', params: { period: int(20, 1) }, outputs: [''], compute: (ctx, { period = 20 }) => [tiEma(ctx, period).slice()] },
  wma: { description: 'linearly weighted moving average of close', params: { period: int(20, 1) }, outputs: [''], compute: (ctx, { period = 20 }) => [wma(ctx.data.close, period)] },
  priceToSma: {
    description: 'close / SMA(period) - 1',
    params: { period: int(20, 1) },
    outputs: [''],
    compute: (ctx, { period = 20 }) => [map2(ctx.data.close, tiSma(ctx, period), (c, m) => c / m - 1)],
  },
  priceToEma: {
    description: 'close / EMA(period) - 1',
    params: { period: int(20, 1) },
    outputs: [''],
    compute: (ctx, { period = 20 }) => [map2(ctx.data.close, tiEma(ctx, period), (c, m) => c / m - 1)],
  },
  rsi: { description: "Wilder's relative strength index, 0..100, unrounded", params: { period: int(14, 2) }, outputs: [''], compute: (ctx, { period = 14 }) => [rsiOf(ctx, period).slice()] },
  macd: {
    description: 'MACD line (EMA fast - EMA slow), its EMA signal and the histogram (technicalindicators MACD)',
    params: { fast: int(12, 1), slow: int(26, 2), signal: int(9, 1) },
    outputs: ['', 'signal', 'hist'],
    compute: (ctx, { fast = 12, slow = 26, signal = 9 }) => {
      const rows = ti.MACD.calculate({
        values: ctx.array('close'),
        fastPeriod: fast,
        slowPeriod: slow,
        signalPeriod: signal,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
        ...ID,
      });
      const n = ctx.data.length;
      return [alignField(n, rows, (r) => r.MACD), alignField(n, rows, (r) => r.signal), alignField(n, rows, (r) => r.histogram)];
    },
  },
  bbands: {
    description: 'Bollinger Bands: SMA(period) ± stdDev population standard deviations; %b = (close - lower) / (upper - lower); width = (upper - lower) / middle',
    params: { period: int(20, 2), stdDev: real(2, 0) },
    outputs: ['upper', 'middle', 'lower', 'pctb', 'width'],
    compute: (ctx, { period = 20, stdDev = 2 }) => {
      const c = ctx.data.close;
      const mid = sma(c, period);
      const sd = rollingStd(c, period, 0, mid);
      const n = c.length;
      const upper = new Float64Array(n);
      const lower = new Float64Array(n);
      const pctb = new Float64Array(n);
      const width = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const m = mid[i] as number;
        const u = m + stdDev * (sd[i] as number);
        const l = m - stdDev * (sd[i] as number);
        upper[i] = u;
        lower[i] = l;
        pctb[i] = ((c[i] as number) - l) / (u - l);
        width[i] = (u - l) / m;
      }
      return [upper, mid, lower, pctb, width];
    },
  },
  atr: { description: "average true range, Wilder's smoothing (technicalindicators ATR)", params: { period: int(14, 1) }, outputs: [''], compute: (ctx, { period = 14 }) => [tiAtr(ctx, period).slice()] },
  natr: {
    description: 'ATR as a percentage of close: 100 * ATR / close',
    params: { period: int(14, 1) },
    outputs: [''],
    compute: (ctx, { period = 14 }) => [map2(tiAtr(ctx, period), ctx.data.close, (a, c) => (100 * a) / c)],
  },
  adx: {
    description: 'average directional index with +DI and -DI (technicalindicators ADX)',
    params: { period: int(14, 2) },
    outputs: ['', 'pdi', 'mdi'],
    compute: (ctx, { period = 14 }) => {
      const rows = ti.ADX.calculate({ period, high: ctx.array('high'), low: ctx.array('low'), close: ctx.array('close'), ...ID });
      const n = ctx.data.length;
      return [alignField(n, rows, (r) => r.adx), alignField(n, rows, (r) => r.pdi), alignField(n, rows, (r) => r.mdi)];
    },
  },
  stoch: {
    description: 'stochastic oscillator %K = 100 (close - lowest low) / (highest high - lowest low) over `period` (0 when the range is 0, as technicalindicators), %D = SMA(%K, signal)',
    params: { period: int(14, 1), signal: int(3, 1) },
    outputs: ['k', 'd'],
    compute: (ctx, { period = 14, signal = 3 }) => {
      const { high, low, close } = ctx.data;
      const hh = rollingMax(high, period);
      const ll = rollingMin(low, period);
      const k = new Float64Array(close.length).fill(Number.NaN);
      for (let i = period - 1; i < close.length; i++) {
        const v = (100 * ((close[i] as number) - (ll[i] as number))) / ((hh[i] as number) - (ll[i] as number));
        k[i] = Number.isNaN(v) ? 0 : v;
      }
      return [k, sma(k, signal, period - 1)];
    },
  },
  stochRsi: {
    description: 'stochastic of RSI: 100 (RSI - min RSI) / (max RSI - min RSI) over `stochasticPeriod` (0 when flat), %K = SMA(kPeriod) of it, %D = SMA(dPeriod) of %K',
    params: { rsiPeriod: int(14, 2), stochasticPeriod: int(14, 1), kPeriod: int(3, 1), dPeriod: int(3, 1) },
    outputs: ['k', 'd'],
    compute: (ctx, { rsiPeriod = 14, stochasticPeriod = 14, kPeriod = 3, dPeriod = 3 }) => {
      const rsi = rsiOf(ctx, rsiPeriod);
      const from = firstFinite(rsi);
      const hi = rollingMax(rsi, stochasticPeriod, from);
      const lo = rollingMin(rsi, stochasticPeriod, from);
      const raw = new Float64Array(rsi.length).fill(Number.NaN);
      for (let i = from + stochasticPeriod - 1; i < rsi.length; i++) {
        const v = (100 * ((rsi[i] as number) - (lo[i] as number))) / ((hi[i] as number) - (lo[i] as number));
        raw[i] = Number.isNaN(v) ? 0 : v; // a flat RSI window: 0, as technicalindicators
      }
      const k = sma(raw, kPeriod, from + stochasticPeriod - 1);
      return [k, sma(k, dPeriod, from + stochasticPeriod + kPeriod - 2)];
    },
  },
  cci: {
    description: 'commodity channel index: (typical - SMA(typical)) / (0.015 * mean absolute deviation)',
    params: { period: int(20, 2) },
    outputs: [''],
    compute: (ctx, { period = 20 }) => {
      const tp = typicalPrice(ctx);
      const m = sma(tp, period);
      const out = new Float64Array(tp.length).fill(Number.NaN);
      for (let i = period - 1; i < tp.length; i++) {
        const mu = m[i] as number;
        let dev = 0;
        for (let k = i - period + 1; k <= i; k++) dev += Math.abs((tp[k] as number) - mu);
        out[i] = ((tp[i] as number) - mu) / ((0.015 * dev) / period);
      }
      return [out];
    },
  },
  mfi: {
    description: 'money flow index over `period`: 100 - 100 / (1 + positive flow / negative flow), flows typical * volume signed by the change in typical price',
    params: { period: int(14, 1) },
    outputs: [''],
    compute: (ctx, { period = 14 }) => {
      const tp = typicalPrice(ctx);
      const v = ctx.data.volume;
      const n = tp.length;
      const pos = new Float64Array(n);
      const neg = new Float64Array(n);
      // technicalindicators' MFI skips the first bar entirely, so the first flow is at bar 2
      for (let i = 2; i < n; i++) {
        const flow = (tp[i] as number) * (v[i] as number);
        if ((tp[i] as number) > (tp[i - 1] as number)) pos[i] = flow;
        else neg[i] = flow;
      }
      const out = new Float64Array(n).fill(Number.NaN);
      let ps = 0;
      let ns = 0;
      for (let i = 2; i < n; i++) {
        ps += pos[i] as number;
        ns += neg[i] as number;
        if (i - period >= 2) {
          ps -= pos[i - period] as number;
          ns -= neg[i - period] as number;
        }
        if (i >= period + 1) out[i] = 100 - 100 / (1 + ps / ns);
      }
      return [out];
    },
  },
  obv: {
    description: 'on-balance volume (technicalindicators OBV)',
    params: {},
    outputs: [''],
    compute: (ctx) => [align(ctx.data.length, ti.OBV.calculate({ close: ctx.array('close'), volume: ctx.array('volume'), ...ID }))],
  },
  roc: {
    description: 'rate of change in percent: 100 (close[t] - close[t - period]) / close[t - period]',
    params: { period: int(12, 1) },
    outputs: [''],
    compute: (ctx, { period = 12 }) => {
      const c = ctx.data.close;
      const out = new Float64Array(c.length).fill(Number.NaN);
      for (let i = period; i < c.length; i++) out[i] = (100 * ((c[i] as number) - (c[i - period] as number))) / (c[i - period] as number);
      return [out];
    },
  },
  williamsR: {
    description: "Williams %R: -100 (highest high - close) / (highest high - lowest low) over `period`",
    params: { period: int(14, 1) },
    outputs: [''],
    compute: (ctx, { period = 14 }) => {
      const { high, low, close } = ctx.data;
      const hh = rollingMax(high, period);
      const ll = rollingMin(low, period);
      return [hh.map((h, i) => (-100 * (h - (close[i] as number))) / (h - (ll[i] as number)))];
    },
  },
  trix: {
    description: 'TRIX: 1-bar percent change of a triple EMA (technicalindicators TRIX)',
    params: { period: int(18, 1) },
    outputs: [''],
    compute: (ctx, { period = 18 }) => [align(ctx.data.length, ti.TRIX.calculate({ period, values: ctx.array('close'), ...ID }))],
  },
  psar: {
    description: 'parabolic SAR (technicalindicators PSAR)',
    params: { step: real(0.02, 0), max: real(0.2, 0) },
    outputs: [''],
    compute: (ctx, { step = 0.02, max = 0.2 }) => [align(ctx.data.length, ti.PSAR.calculate({ step, max, high: ctx.array('high'), low: ctx.array('low'), ...ID }))],
  },
  vwap: {
    description: 'volume-weighted average typical price since the UTC day began (`period` 0) or over the last `period` bars',
    params: { period: int(0, 0) },
    outputs: [''],
    compute: (ctx, { period = 0 }) => {
      const tp = typicalPrice(ctx);
      const { volume, timestamps } = ctx.data;
      const out = new Float64Array(tp.length);
      let pv = 0;
      let vol = 0;
      for (let i = 0; i < tp.length; i++) {
        if (period === 0 && i > 0 && Math.floor((timestamps[i] as number) / DAY_MS) !== Math.floor((timestamps[i - 1] as number) / DAY_MS)) {
          pv = 0;
          vol = 0;
        }
        pv += (tp[i] as number) * (volume[i] as number);
        vol += volume[i] as number;
        if (period > 0 && i >= period) {
          pv -= (tp[i - period] as number) * (volume[i - period] as number);
          vol -= volume[i - period] as number;
        }
        out[i] = vol > 0 ? pv / vol : (tp[i] as number); // no volume yet: the typical price
      }
      if (period > 0) out.fill(Number.NaN, 0, Math.min(period - 1, out.length));
      return [out];
    },
  },
  ao: {
    description: 'awesome oscillator: SMA(median price, fast) - SMA(median price, slow)',
    params: { fast: int(5, 1), slow: int(34, 2) },
    outputs: [''],
    compute: (ctx, { fast = 5, slow = 34 }) => {
      const { high, low } = ctx.data;
      const med = map2(high, low, (h, l) => (h + l) / 2);
      return [map2(sma(med, fast), sma(med, slow), (a, b) => a - b)];
    },
  },
  volumeZScore: {
    description: 'volume z-score: (volume - SMA(volume)) / std(volume), ddof 1, over `period` (0 when the std is 0)',
    params: { period: int(20, 2) },
    outputs: [''],
    compute: (ctx, { period = 20 }) => {
      const v = ctx.data.volume;
      const m = sma(v, period);
      const sd = rollingStd(v, period, 1, m);
      return [sd.map((s, i) => (s === 0 ? 0 : ((v[i] as number) - (m[i] as number)) / s))];
    },
  },
  hlRange: {
    description: 'bar range relative to close: (high - low) / close',
    params: {},
    outputs: [''],
    compute: (ctx) => {
      const { high, low, close } = ctx.data;
      return [map2(high, low, (h, l) => h - l).map((r, i) => r / (close[i] as number))];
    },
  },
  body: {
    description: 'candle body relative to open: (close - open) / open',
    params: {},
    outputs: [''],
    compute: (ctx) => [map2(ctx.data.close, ctx.data.open, (c, o) => c / o - 1)],
  },
  wicks: {
    description: 'upper and lower wicks relative to close: (high - max(open, close)) / close and (min(open, close) - low) / close',
    params: {},
    outputs: ['upper', 'lower'],
    compute: (ctx) => {
      const { open, high, low, close } = ctx.data;
      const up = new Float64Array(close.length);
      const lo = new Float64Array(close.length);
      for (let i = 0; i < close.length; i++) {
        const o = open[i] as number;
        const c = close[i] as number;
        up[i] = ((high[i] as number) - Math.max(o, c)) / c;
        lo[i] = (Math.min(o, c) - (low[i] as number)) / c;
      }
      return [up, lo];
    },
  },
  timeOfDay: {
    description: 'UTC time of day of the bar open as a point on the unit circle: sin and cos of 2 pi (ms into the day / ms per day)',
    params: {},
    outputs: ['sin', 'cos'],
    compute: (ctx) => cyclic(ctx.data.timestamps, (t) => (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS),
  },
  dayOfWeek: {
    description: 'UTC day of the week of the bar open (Monday 0 .. Sunday 6) on the unit circle: sin and cos of 2 pi day / 7',
    params: {},
    outputs: ['sin', 'cos'],
    // 1970-01-01 was a Thursday: the Monday-based weekday is (days + 3) mod 7
    compute: (ctx) => cyclic(ctx.data.timestamps, (t) => ((((Math.floor(t / DAY_MS) + 3) % 7) + 7) % 7) / 7),
  },
};

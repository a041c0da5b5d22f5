import * as ti from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { FeaturePipeline, type FeatureSpec } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

// Every indicator tradegym computes on its streaming kernels is checked here against
// technicalindicators, computed on the same bars: an independent implementation.
const data = randomBars(600, 7);
const n = data.length;
const arr = (x: Float64Array) => Array.from(x);
const high = arr(data.high);
const low = arr(data.low);
const close = arr(data.close);
const volume = arr(data.volume);

function compareTail(ours: Float64Array, reference: readonly number[], digits = 9, checkWarmup = true): void {
  // reference[k] belongs to bar n - reference.length + k; before that ours must be NaN
  const offset = n - reference.length;
  if (checkWarmup) for (let i = 0; i < offset; i++) expect(Number.isNaN(ours[i]), `bar ${i} should be warm-up NaN`).toBe(true);
  reference.forEach((v, k) => expect(ours[offset + k]).toBeCloseTo(v, digits));
}

function frameOf(spec: FeatureSpec) {
  return new FeaturePipeline([spec]).compute(data);
}

describe('native indicators match technicalindicators', () => {
  it('WMA', () => compareTail(frameOf({ name: 'wma', period: 10 }).columns[0]!, ti.WMA.calculate({ period: 10, values: close })));

  it('Bollinger Bands: upper, middle, lower, %b', () => {
    const f = frameOf({ name: 'bbands', period: 20, stdDev: 2 });
    const ref = ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: close });
    compareTail(f.column('bbands_20_2_upper'), ref.map((r) => r.upper));
    compareTail(f.column('bbands_20_2_middle'), ref.map((r) => r.middle));
    compareTail(f.column('bbands_20_2_lower'), ref.map((r) => r.lower));
    compareTail(f.column('bbands_20_2_pctb'), ref.map((r) => r.pb));
  });

  it('Stochastic %K and %D', () => {
    const f = frameOf({ name: 'stoch', period: 14, signal: 3 });
    const ref = ti.Stochastic.calculate({ period: 14, signalPeriod: 3, high, low, close });
    compareTail(f.column('stoch_14_3_k'), ref.map((r) => r.k));
    const d = ref.map((r) => r.d).filter((v): v is number => v !== undefined);
    compareTail(f.column('stoch_14_3_d'), d);
  });

  // technicalindicators rounds RSI to 2 decimals, so agreement is to 0.005
  it('RSI', () => compareTail(frameOf({ name: 'rsi', period: 14 }).columns[0]!, ti.RSI.calculate({ period: 14, values: close }), 2));

  // technicalindicators computes StochRSI on its 2-decimal RSI, so the reference here is a
  // direct windowed loop (min, max, means) over tradegym's unrounded RSI, checked above
  it('StochRSI %K and %D equal the windowed definition over the RSI column', () => {
    const f = new FeaturePipeline(['rsi', 'stochRsi']).compute(data);
    const rsi = f.column('rsi_14');
    const stoch: number[] = new Array(n).fill(Number.NaN);
    for (let i = 14 + 13; i < n; i++) {
      const w = Array.from(rsi.subarray(i - 13, i + 1));
      const lo = Math.min(...w);
      const hi = Math.max(...w);
      stoch[i] = (100 * (rsi[i]! - lo)) / (hi - lo);
    }
    const mean = (xs: number[], i: number, p: number) => xs.slice(i - p + 1, i + 1).reduce((a, b) => a + b, 0) / p;
    const k = stoch.map((_, i) => (i >= 29 ? mean(stoch, i, 3) : Number.NaN));
    const d = k.map((_, i) => (i >= 31 ? mean(k, i, 3) : Number.NaN));
    const ourK = f.column('stochRsi_14_14_3_3_k');
    const ourD = f.column('stochRsi_14_14_3_3_d');
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(k[i]!)) expect(Number.isNaN(ourK[i])).toBe(true);
      else expect(ourK[i]).toBeCloseTo(k[i]!, 9);
      if (Number.isNaN(d[i]!)) expect(Number.isNaN(ourD[i])).toBe(true);
      else expect(ourD[i]).toBeCloseTo(d[i]!, 9);
    }
  });

  it('CCI', () => compareTail(frameOf({ name: 'cci', period: 20 }).columns[0]!, ti.CCI.calculate({ period: 20, high, low, close })));

  // technicalindicators rounds MFI to 2 decimals (toFixed(2)), so agreement is to 0.005
  it('MFI', () => compareTail(frameOf({ name: 'mfi', period: 14 }).columns[0]!, ti.MFI.calculate({ period: 14, high, low, close, volume }), 2));

  it('ROC', () => compareTail(frameOf({ name: 'roc', period: 12 }).columns[0]!, ti.ROC.calculate({ period: 12, values: close })));

  it('Williams %R', () => compareTail(frameOf({ name: 'williamsR', period: 14 }).columns[0]!, ti.WilliamsR.calculate({ period: 14, high, low, close })));

  it('Awesome Oscillator', () =>
    compareTail(frameOf({ name: 'ao' }).columns[0]!, ti.AwesomeOscillator.calculate({ fastPeriod: 5, slowPeriod: 34, high, low })));
});

// these ran on technicalindicators itself before the kernels became streaming state machines
describe('streaming indicators match technicalindicators where it computed them', () => {
  it('SMA', () => compareTail(frameOf({ name: 'sma', period: 20 }).columns[0]!, ti.SMA.calculate({ period: 20, values: close })));

  it('EMA', () => compareTail(frameOf({ name: 'ema', period: 20 }).columns[0]!, ti.EMA.calculate({ period: 20, values: close })));

  it('MACD line, signal and histogram (EMA oscillator and signal)', () => {
    const f = frameOf({ name: 'macd', fast: 12, slow: 26, signal: 9 });
    const ref = ti.MACD.calculate({ values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
    compareTail(f.column('macd_12_26_9'), ref.map((r) => r.MACD!));
    compareTail(f.column('macd_12_26_9_signal'), ref.map((r) => r.signal ?? Number.NaN).filter((v) => !Number.isNaN(v)));
    compareTail(f.column('macd_12_26_9_hist'), ref.map((r) => r.histogram ?? Number.NaN).filter((v) => !Number.isNaN(v)));
  });

  it('ATR and NATR = 100 ATR / close', () => {
    const ref = ti.ATR.calculate({ period: 14, high, low, close });
    compareTail(frameOf({ name: 'atr', period: 14 }).columns[0]!, ref);
    compareTail(frameOf({ name: 'natr', period: 14 }).columns[0]!, ref.map((a, k) => (100 * a) / close[n - ref.length + k]!));
  });

  it('ADX, +DI and -DI', () => {
    const f = frameOf({ name: 'adx', period: 14 });
    const ref = ti.ADX.calculate({ period: 14, high, low, close });
    compareTail(f.column('adx_14'), ref.map((r) => r.adx));
    compareTail(f.column('adx_14_pdi'), ref.map((r) => r.pdi));
    compareTail(f.column('adx_14_mdi'), ref.map((r) => r.mdi));
  });

  it('OBV', () => compareTail(frameOf('obv').columns[0]!, ti.OBV.calculate({ close, volume })));

  it('TRIX', () => compareTail(frameOf({ name: 'trix', period: 18 }).columns[0]!, ti.TRIX.calculate({ period: 18, values: close })));

  it('PSAR', () => compareTail(frameOf('psar').columns[0]!, ti.PSAR.calculate({ step: 0.02, max: 0.2, high, low })));
});

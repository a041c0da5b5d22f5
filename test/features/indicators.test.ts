import * as ti from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { FeaturePipeline, type FeatureSpec } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

// The indicators tradegym computes on its own typed-array kernels are checked here against
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

  it('StochRSI %K and %D', () => {
    const f = frameOf({ name: 'stochRsi' });
    const ref = ti.StochasticRSI.calculate({ values: close, rsiPeriod: 14, stochasticPeriod: 14, kPeriod: 3, dPeriod: 3 });
    // technicalindicators withholds %K until %D exists (2 bars later); the values agree
    const k = f.column('stochRsi_14_14_3_3_k');
    compareTail(k, ref.map((r) => r.k), 7, false);
    expect(Number.isNaN(k[28])).toBe(true); // RSI from bar 14, its 14-bar range from 27, SMA(3) from 29
    expect(Number.isFinite(k[29])).toBe(true);
    compareTail(f.column('stochRsi_14_14_3_3_d'), ref.map((r) => r.d), 7);
  });

  it('CCI', () => compareTail(frameOf({ name: 'cci', period: 20 }).columns[0]!, ti.CCI.calculate({ period: 20, high, low, close })));

  // technicalindicators rounds MFI to 2 decimals (toFixed(2)), so agreement is to 0.005
  it('MFI', () => compareTail(frameOf({ name: 'mfi', period: 14 }).columns[0]!, ti.MFI.calculate({ period: 14, high, low, close, volume }), 2));

  it('ROC', () => compareTail(frameOf({ name: 'roc', period: 12 }).columns[0]!, ti.ROC.calculate({ period: 12, values: close })));

  it('Williams %R', () => compareTail(frameOf({ name: 'williamsR', period: 14 }).columns[0]!, ti.WilliamsR.calculate({ period: 14, high, low, close })));

  it('Awesome Oscillator', () =>
    compareTail(frameOf({ name: 'ao' }).columns[0]!, ti.AwesomeOscillator.calculate({ fastPeriod: 5, slowPeriod: 34, high, low })));
});

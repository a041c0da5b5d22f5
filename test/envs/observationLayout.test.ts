import { describe, expect, it } from 'vitest';
import { FeaturePipeline, PortfolioEnv, RegimeGenerator, TradingEnv, type WindowLayout } from '../../src/index.js';

const f32 = (v: number) => Math.fround(v);

/** Index of value (row r, feature j) of the window, as the layout declares it: row-major, oldest row first. */
const at = (layout: WindowLayout, r: number, j: number) => r * layout.features + j;

describe('observationLayout says where each value of the observation is', () => {
  it("TradingEnv: row r of the window is bar t - window + 1 + r of every feature column, in featureNames' order; the 4 account values follow", () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 400, seed: 2 });
    const features = new FeaturePipeline(['logReturns', 'rsi', 'bbands']).compute(data);
    const env = new TradingEnv({ data, features, windowSize: 7, episodeLength: 50 });
    const layout = env.observationLayout;
    expect(layout).toEqual({ window: 7, features: env.featureNames.length });
    expect(env.featureNames.length).toBeGreaterThan(2); // a window that is not square tells rows from columns
    expect(env.observationSpace.size - layout.window * layout.features).toBe(4);
    expect(Object.isFrozen(layout)).toBe(true);
    let { observation, info } = env.reset({ seed: 4 });
    for (let step = 0; step < 5; step++) {
      const t = info.bar;
      for (let r = 0; r < layout.window; r++) {
        env.featureNames.forEach((name, j) => {
          const col = features.columns[features.names.indexOf(name)] as Float64Array;
          expect(observation[at(layout, r, j)]).toBe(f32(col[t - layout.window + 1 + r] as number));
        });
      }
      // the extra values: position as a fraction of equity first (0 when flat)
      const extra = observation.subarray(layout.window * layout.features);
      expect(extra[0]).toBeCloseTo((info.position * (data.close[t] as number)) / info.equity, 6);
      ({ observation, info } = env.step(step === 1 ? 1 : 0));
    }
  });

  it('PortfolioEnv: row r of the window holds every asset\'s 1-bar log return at bar t - window + 1 + r, in the order of assets; the N + 1 weights follow', () => {
    const gen = RegimeGenerator.preset('crypto-15m');
    const assets = [1, 2, 3].map((seed) => gen.generate({ numSamples: 200, seed, symbol: `A${seed}` }).data);
    const env = new PortfolioEnv({ assets, windowSize: 5 });
    const layout = env.observationLayout;
    expect(layout).toEqual({ window: 5, features: 3 });
    expect(Object.isFrozen(layout)).toBe(true);
    let { observation, info } = env.reset({ options: { start: 20 } });
    for (let step = 0; step < 3; step++) {
      const t = info.bar;
      for (let r = 0; r < layout.window; r++) {
        assets.forEach((d, a) => {
          const bar = t - layout.window + 1 + r;
          expect(observation[at(layout, r, a)]).toBe(f32(Math.log((d.close[bar] as number) / (d.close[bar - 1] as number))));
        });
      }
      expect(Array.from(observation.subarray(layout.window * layout.features))).toEqual(Array.from(info.weights, f32));
      ({ observation, info } = env.step(Float32Array.of(1, 0, 0, 0)));
    }
  });
});

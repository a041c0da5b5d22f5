import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEnv, InvalidArgumentError, MarketData, PortfolioEnv, RegimeGenerator } from '../../../src/index.js';
import { projectSimplex, softmax } from '../../../src/envs/trading/weights.js';

const H = 3_600_000;
const asset = (symbol: string, open: number[], close: number[]) =>
  new MarketData({ symbol, timeframe: '1h', timestamps: open.map((_, i) => i * H), open, close, high: open.map((o, i) => Math.max(o, close[i]!)), low: open.map((o, i) => Math.min(o, close[i]!)), volume: open.map(() => 1) });

describe('PortfolioEnv', () => {
  it('by hand: equal softmax weights, no fee, next-open fills', () => {
    // A: opens at 100 on bar 2, closes 110; B: opens at 50, closes 55. Weights 1/3 each (A, B, cash).
    // units A = 3333.33 / 100, B = 3333.33 / 50; equity at close 2 = 3333.33 (1 + 1.1 + 1.1) = 10666.67
    const a = asset('A', [100, 100, 100], [100, 100, 110]);
    const b = asset('B', [50, 50, 50], [50, 50, 55]);
    const env = new PortfolioEnv({ assets: [a, b], windowSize: 1, fee: 0 });
    env.reset();
    const r = env.step(Float32Array.of(0, 0, 0));
    expect(r.info.equity).toBeCloseTo(10666.67, 2);
    expect(r.reward).toBeCloseTo(Math.log(10666.666666666666 / 10000), 12); // log return by default
    expect(r.truncated).toBe(true);
    expect(r.info.turnover).toBeCloseTo(2 / 3, 12);
  });

  it('pays fee bps on traded notional: fees = turnover x equity x fee', () => {
    const gen = RegimeGenerator.preset('crypto-15m');
    const assets = [1, 2, 3].map((s) => gen.generate({ numSamples: 300, seed: s }).data);
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 50 }), (actions, fee) => {
        const env = new PortfolioEnv({ assets, windowSize: 4, fee });
        env.reset({ options: { start: 10 } });
        for (const act of actions) {
          const prevEquityAtFill = env.account.equity(assets.map((d) => d.open[env.barIndex + 1]!));
          const r = env.step(Float32Array.from(act));
          expect(r.info.fees as number).toBeCloseTo((r.info.turnover as number) * prevEquityAtFill * fee * 1e-4, 6);
          const w = r.info.weights as Float64Array;
          expect(w.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
          if (r.terminated || r.truncated) break;
        }
      }),
      { numRuns: 40, seed: 3 },
    );
  });

  it.each(['softmax', 'simplex', 'signed'] as const)('passes checkEnv with %s weighting', (weighting) => {
    const gen = RegimeGenerator.preset('crypto-15m');
    const assets = [4, 5].map((s) => gen.generate({ numSamples: 200, seed: s }).data);
    expect(checkEnv(new PortfolioEnv({ assets, windowSize: 6, weighting, episodeLength: 40 }) as never)).toContain('reset-needed');
  });

  it('signed weights allow shorts within the gross leverage cap', () => {
    const a = asset('A', [100, 100, 100, 100], [100, 100, 90, 90]);
    const b = asset('B', [50, 50, 50, 50], [50, 50, 50, 50]);
    const env = new PortfolioEnv({ assets: [a, b], windowSize: 1, fee: 0, weighting: 'signed', maxLeverage: 1 });
    env.reset();
    const r = env.step(Float32Array.of(-1, 1)); // gross 2 > cap 1: scaled to -0.5, +0.5
    const w = r.info.weights as Float64Array;
    expect(w[0]).toBeCloseTo(-0.5 * 90 / 100 * 10000 / (r.info.equity as number), 9);
    expect(r.info.equity).toBeCloseTo(10000 + 50 * 10, 6); // short 50 units of A gains 10 each
  });

  it('projects onto the simplex (Duchi et al. 2008) and softmaxes stably', () => {
    const out = new Float64Array(3);
    expect(Array.from(projectSimplex([0.8, 0.6, 0], out))).toEqual([expect.closeTo(0.6, 12), expect.closeTo(0.4, 12), 0]);
    expect(Array.from(projectSimplex([2, 0, 0], out))).toEqual([1, 0, 0]);
    expect(Array.from(projectSimplex([0.5, 0.5, 0.5], out)).map((v) => v * 3)).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(1, 12)]);
    expect(Array.from(softmax([1000, 1000], new Float64Array(2)))).toEqual([0.5, 0.5]);
  });

  it('rejects misaligned assets, naming the asset and bar', () => {
    const a = asset('A', [1, 1, 1], [1, 1, 1]);
    const b = new MarketData({ symbol: 'B', timeframe: '1h', timestamps: [0, H, 3 * H], open: [1, 1, 1], high: [1, 1, 1], low: [1, 1, 1], close: [1, 1, 1], volume: [1, 1, 1] });
    expect(() => new PortfolioEnv({ assets: [a, b] })).toThrow(InvalidArgumentError);
    expect(() => new PortfolioEnv({ assets: [a, b], windowSize: 1 })).toThrow(/assets must be aligned: assets\[1\] \(B\) bar 2 opens at 1970-01-01T03:00:00\.000Z, assets\[0\] at 1970-01-01T02:00:00\.000Z/);
    expect(() => new PortfolioEnv({ assets: [a], windowSize: 1, fee: -1 })).toThrow(/fee must be a finite number >= 0, got -1/);
  });

  it('a slippage function sees the bar each fill happens in (issue 14: it saw a bar of zeros)', () => {
    const a = asset('A', [100, 101, 102, 103], [100, 101, 102, 103]);
    const b = asset('B', [50, 51, 52, 53], [50, 51, 52, 53]);
    const seen: { asset: number; open: number; close: number }[] = [];
    const env = new PortfolioEnv({ assets: [a, b], windowSize: 1, fee: 0, slippage: ({ asset: k, bar }) => (seen.push({ asset: k, open: bar.open, close: bar.close }), 1) });
    env.reset({ options: { start: 1 } });
    env.step(Float32Array.of(1, 0, 0)); // decided at bar 1, fills at bar 2's open
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toEqual(s.asset === 0 ? { asset: 0, open: 102, close: 102 } : { asset: 1, open: 52, close: 52 });
  });
});

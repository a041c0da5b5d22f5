// A report of a book of several assets (backtestPortfolio, backtestMultiAgent) draws one price
// chart per asset, with that asset's own prices and only its trades: the result's `prices` is
// an equal-weight basket, on another scale than any trade's price.
import { describe, expect, it } from 'vitest';
import { backtest, backtestPortfolio, MarketData, PortfolioEnv, RegimeGenerator } from '../../src/index.js';
import { reportSpecs } from '../../src/report/writeReport.js';

type Layer = { data: { values: { t: number; p: number; kind?: string }[] } };
const layersOf = (spec: object): Layer[] => (spec as { layer: Layer[] }).layer;

describe('reportSpecs of a multi-asset result', () => {
  it("charts each asset's prices with its own trades, none of another asset's", () => {
    const gen = RegimeGenerator.preset('crypto-15m');
    // different price levels: a marker on the basket's scale would be far off its asset's line
    const scaled = (d: MarketData, f: number) => new MarketData({ symbol: d.symbol, timeframe: d.timeframe, timestamps: d.timestamps, open: d.open.map((x) => x * f), high: d.high.map((x) => x * f), low: d.low.map((x) => x * f), close: d.close.map((x) => x * f), volume: d.volume });
    const assets = ['BTC', 'ETH'].map((symbol, i) => scaled(gen.generate({ numSamples: 300, seed: i + 1, symbol }).data, i === 0 ? 300 : 20));
    // alternate between the two assets every 20 bars: trades in both
    let k = 0;
    const policy = () => (Math.floor(k++ / 20) % 2 === 0 ? Float32Array.of(0, -1000, -1000) : Float32Array.of(-1000, 0, -1000));
    const result = backtestPortfolio({ env: new PortfolioEnv({ assets, windowSize: 8, fee: 10 }), policy });
    const specs = reportSpecs(result);
    expect(Object.keys(specs).filter((s) => s.startsWith('price'))).toEqual(['price-0', 'price-1']);
    for (const [i, a] of result.assets.entries()) {
      const [line, markers] = layersOf(specs[`price-${i}`] as object);
      const drawn = line!.data.values.map((v) => v.p);
      // the line is the asset's own (thinned) prices
      for (const p of drawn) expect(a.prices).toContain(p);
      const own = result.trades.filter((tr) => tr.asset === i);
      expect(own.length).toBeGreaterThan(1);
      expect(markers!.data.values.length).toBe(2 * Math.min(400, own.length));
      // every marker sits within the asset's own price range
      const lo = Math.min(...a.prices) * 0.99;
      const hi = Math.max(...a.prices) * 1.01;
      for (const m of markers!.data.values) expect(m.p >= lo && m.p <= hi, `${a.symbol} marker ${m.p}`).toBe(true);
    }
  });

  it('keeps the single price chart of a one-asset backtest', () => {
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 200, seed: 3 });
    const specs = reportSpecs(backtest({ data, strategy: Array.from(data.close, (_, t) => (t % 20 < 10 ? 1 : 0)) }));
    expect(Object.keys(specs).filter((s) => s.startsWith('price'))).toEqual(['price']);
  });
});

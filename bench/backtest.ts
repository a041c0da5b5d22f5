// Backtest speed: a moving-average cross (fast 10, slow 50; long above, short below) with a
// 10 bps fee over 1,000,000 synthetic bars (the signal's own cost printed apart), then the same
// signal with per-bar risk rules (a 2% stop loss, a 4% take profit, a 3-bar cooldown: the
// stepper's path, which the live runner runs too). Cold = the first call in this
// process; warm = the median of 5 more. Reference, same machine kind: backtesting.py 5.9 s;
// vectorbt Portfolio.from_signals 0.065 s warm (after 2.4-6.9 s of JIT on first use).
import { backtest, RegimeGenerator, type MarketData } from '../src/index.js';

const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1_000_000, seed: 1 });

function maCross(d: MarketData, fast: number, slow: number): Float64Array {
  const c = d.close;
  const out = new Float64Array(d.length);
  let sf = 0;
  let ss = 0;
  for (let t = 0; t < d.length; t++) {
    sf += c[t] as number;
    ss += c[t] as number;
    if (t >= fast) sf -= c[t - fast] as number;
    if (t >= slow) ss -= c[t - slow] as number;
    out[t] = t < slow - 1 ? 0 : sf / fast > ss / slow ? 1 : -1;
  }
  return out;
}

// the signals (timed apart: vectorbt's from_signals takes them precomputed), the simulation
// (fills, equity, trades: what from_signals times), then the full statistics (both empyrical
// metric sets, trade stats: vectorbt's .stats(), timed apart)
const once = () => {
  const t0 = performance.now();
  const signal = maCross(data, 10, 50);
  const t1 = performance.now();
  const r = backtest({ data, strategy: signal, account: { fee: 10 } });
  const t2 = performance.now();
  const sharpe = r.metrics.sharpeRatio + 0 * r.stats.trades + 0 * r.benchmark.metrics.sharpeRatio;
  const t3 = performance.now();
  const withRisk = backtest({ data, strategy: signal, account: { fee: 10 }, risk: { stopLoss: 0.02, takeProfit: 0.04, cooldownBars: 3 } });
  const riskSeconds = (performance.now() - t3) / 1000;
  return { signalSeconds: (t1 - t0) / 1000, seconds: (t2 - t1) / 1000, statsSeconds: (t3 - t2) / 1000, riskSeconds, riskTrades: withRisk.trades.length, trades: r.trades.length, sharpe };
};
const cold = once();
const runs = Array.from({ length: 5 }, once);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[2] as number;
console.log(JSON.stringify({
  benchmark: 'backtest', bars: data.length, trades: cold.trades, sharpe: +cold.sharpe.toFixed(3),
  coldSeconds: +cold.seconds.toFixed(4), warmMedianSeconds: +median(runs.map((r) => r.seconds)).toFixed(4),
  signalColdSeconds: +cold.signalSeconds.toFixed(4), signalWarmMedianSeconds: +median(runs.map((r) => r.signalSeconds)).toFixed(4),
  statsColdSeconds: +cold.statsSeconds.toFixed(4), statsWarmMedianSeconds: +median(runs.map((r) => r.statsSeconds)).toFixed(4),
  riskRulesTrades: cold.riskTrades, riskRulesColdSeconds: +cold.riskSeconds.toFixed(4), riskRulesWarmMedianSeconds: +median(runs.map((r) => r.riskSeconds)).toFixed(4),
  goalSeconds: 0.065, backtestingPySeconds: 5.9, vectorbtWarmSeconds: 0.065,
}));

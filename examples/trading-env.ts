// A random policy and buy-and-hold in TradingEnv on synthetic crypto data, with 10 bps fees
// and next-open fills; then an equal-weight PortfolioEnv and one MultiAgentTradingEnv episode.
//   npx tsx examples/trading-env.ts
import { FeaturePipeline, MultiAgentTradingEnv, PortfolioEnv, RegimeGenerator, TradingEnv, type EpisodeSummary } from '../src/index.js';

const gen = RegimeGenerator.preset('crypto-15m');
const { data } = gen.generate({ numSamples: 96 * 60, seed: 7, symbol: 'SYNTH/USDT' }); // 60 days
const features = new FeaturePipeline(['logReturns', 'rsi', 'macd', 'bbands', 'atr']).compute(data);
const env = new TradingEnv({ data, features, windowSize: 32, actionScheme: 'discrete-4', fee: 10, borrowRate: 1e-5 });

type Policy = (mask: Int8Array | undefined) => number; // info.actionMask: always set for 'discrete-4'
const policies: Record<string, Policy> = {
  random: (mask) => env.actionSpace.sample(mask) as number,
  'buy-and-hold': (mask) => (mask?.[1] === 1 ? 1 : 0), // go long once, then hold
};

const rows: Record<string, string | number>[] = [];
for (const [name, policy] of Object.entries(policies)) {
  env.actionSpace.seed(1);
  let { info } = env.reset({ seed: 1 });
  let total = 0;
  for (;;) {
    const r = env.step(policy(info.actionMask));
    total += r.reward;
    info = r.info;
    if (r.terminated || r.truncated) break;
  }
  const s = info.summary; // set on the episode's last step
  if (s === undefined) throw new Error('the last step carries info.summary');
  rows.push({ policy: name, 'return %': (100 * s.return).toFixed(2), trades: s.trades, 'fees $': s.fees.toFixed(2), 'max drawdown %': (100 * s.maxDrawdown).toFixed(2), steps: s.steps, 'sum of rewards': total.toFixed(4) });
}
console.log(`TradingEnv on ${data.length} bars of ${data.symbol} (${data.timeframe}):`);
console.table(rows);

// equal weights across three assets and cash, rebalanced every bar (so turnover pays fees)
const assets = ['BTC', 'ETH', 'SOL'].map((symbol, i) => gen.generate({ numSamples: 96 * 30, seed: 20 + i, symbol }).data);
const portfolio = new PortfolioEnv({ assets, windowSize: 16, fee: 10 });
portfolio.reset();
let done = false;
let summary: EpisodeSummary | undefined;
while (!done) {
  const r = portfolio.step(Float32Array.of(0, 0, 0, 0)); // softmax of zeros: 1/4 each
  done = r.terminated || r.truncated;
  summary = r.info.summary;
}
console.log(`PortfolioEnv, equal weights over ${assets.map((a) => a.symbol).join(', ')} and cash: return ${(100 * summary!.return).toFixed(2)}%, fees $${summary!.fees.toFixed(2)}`);

// specialists pick sides at random, meta allocates equally
const multi = new MultiAgentTradingEnv({ assets, windowSize: 16, episodeLength: 500 });
multi.reset({ seed: 3 });
multi.possibleAgents.forEach((a, i) => multi.actionSpace(a).seed(i));
const totals: Record<string, number> = Object.fromEntries(multi.possibleAgents.map((a) => [a, 0]));
while (multi.agents.length > 0) {
  const actions = Object.fromEntries(multi.agents.map((a) => [a, a === 'meta' ? Float32Array.of(0, 0, 0, 0) : multi.actionSpace(a).sample()]));
  const s = multi.step(actions);
  for (const [a, r] of Object.entries(s.rewards)) totals[a] = (totals[a] ?? 0) + (r as number);
}
console.log('MultiAgentTradingEnv, 500 steps, summed rewards:', Object.fromEntries(Object.entries(totals).map(([a, v]) => [a, +v.toFixed(4)])));

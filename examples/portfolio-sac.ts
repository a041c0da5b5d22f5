// SAC allocating capital across three synthetic assets and cash in a PortfolioEnv (continuous
// weights, 10 bps fees, rebalanced every bar), trained on the first 70% of the bars and tested
// on the rest against equal weights through the same env and ledger.
//   npx tsx examples/portfolio-sac.ts
// TRADEGYM_EXAMPLE_TIMESTEPS sets the training budget (CI uses a tiny one).
import { PortfolioEnv, RegimeGenerator, returnMetrics, type MarketData } from '../src/index.js';
import { SAC, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 20_000);
console.log(`backend: ${await useBackend('auto')}`);

// 60 days of 15-minute bars per asset, each from its own seed
const gen = RegimeGenerator.preset('crypto-15m');
const assets = ['BTC', 'ETH', 'SOL'].map((symbol, i) => gen.generate({ numSamples: 96 * 60, seed: 30 + i, symbol }).data);
const cut = Math.floor(0.7 * (assets[0] as MarketData).length);
const train = assets.map((a) => a.slice(0, cut));
const test = assets.map((a) => a.slice(cut));

// 'simplex' weighting: the action is one non-negative weight per asset and one for cash,
// normalised to sum to 1 (a bounded Box, as SAC needs)
const envFor = (bars: readonly MarketData[], episodeLength?: number) =>
  new PortfolioEnv({ assets: bars, windowSize: 16, fee: 10, weighting: 'simplex', ...(episodeLength === undefined ? {} : { episodeLength }) });

const agent = new SAC(envFor(train, 500), { netArch: [64, 64], learningStarts: 1000, seed: 0 });
console.log(`training SAC for ${timesteps} steps on ${agent.compute}`);
const t0 = performance.now();
await agent.learn({ totalTimesteps: timesteps });
console.log(`${Math.round(timesteps / ((performance.now() - t0) / 1000))} steps/s`);

/** One pass over the test bars with `policy`: equity per bar, fees and turnover. */
function run(policy: (obs: Float32Array) => Float32Array) {
  const env = envFor(test);
  const first = env.reset({ seed: 0 });
  let observation = first.observation;
  const equity = [first.info.equity];
  let fees = 0;
  let turnover = 0;
  for (;;) {
    const r = env.step(policy(observation));
    observation = r.observation;
    equity.push(r.info.equity);
    fees += r.info.fees ?? 0;
    turnover += r.info.turnover ?? 0;
    if (r.terminated || r.truncated) break;
  }
  const returns = equity.slice(1).map((e, k) => e / (equity[k] as number) - 1);
  const m = returnMetrics(returns, { periodsPerYear: 96 * 365 });
  return { return: `${(100 * (m.totalReturn as number)).toFixed(2)}%`, sharpe: m.sharpeRatio.toFixed(2), maxDrawdown: `${(100 * m.maxDrawdown).toFixed(2)}%`, fees: fees.toFixed(2), turnover: turnover.toFixed(1) };
}

console.log(`held-out ${(test[0] as MarketData).length} bars of ${assets.map((a) => a.symbol).join(', ')}:`);
console.table({
  SAC: run((obs) => agent.predict(obs, { deterministic: true })),
  'equal weights': run(() => Float32Array.of(1, 1, 1, 0)), // a third in each asset, no cash
  'all cash': run(() => Float32Array.of(0, 0, 0, 1)),
});
agent.dispose();

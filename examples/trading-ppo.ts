// PPO on a synthetic crypto market: features normalised on the training split only, train on
// the first 70% of the bars, then compare the deterministic policy with buy-and-hold on the
// held-out 30%, both through the same TradingEnv (10 bps fees, next-open fills).
//   npx tsx examples/trading-ppo.ts
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the run (CI uses a tiny budget).
import { FeaturePipeline, Normalizer, RegimeGenerator, splitByFraction, TradingEnv, type EpisodeSummary, type MarketData, type FeatureFrame } from '../src/index.js';
import { PPO, useBackend } from '../src/agents/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 100_000);
console.log(`backend: ${await useBackend('auto')}`);
const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 120, seed: 11 }); // 120 days
// the frame carries its bars: trimming the warm-up and splitting keep features and bars together
const frame = new FeaturePipeline(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'macd', 'bbands', 'timeOfDay']).compute(data).dropWarmup();
const f = splitByFraction(frame, { train: 0.7 });
const norm = new Normalizer({ method: 'robust', clip: 5, preserve: ['timeOfDay_sin', 'timeOfDay_cos'] }).fit(f.train);
const envFor = (x: FeatureFrame<MarketData>, episodeLength?: number) =>
  new TradingEnv({ features: norm.transform(x), windowSize: 16, actionScheme: 'discrete-3', fee: 10, ...(episodeLength ? { episodeLength } : {}) });

const agent = new PPO(envFor(f.train, 1000), { nSteps: 1024, batchSize: 64, nEpochs: 5, entCoef: 0.01, seed: 0 });
await agent.learn({
  totalTimesteps: timesteps,
  callback: (r) => console.log(`steps ${r['time/total_timesteps']}  ep_rew_mean ${r['rollout/ep_rew_mean']?.toFixed(4)}  fps ${r['time/fps']}`),
});

// one pass over the whole test split
function run(policy: (obs: Float32Array) => number | Float32Array): EpisodeSummary {
  const env = envFor(f.test);
  let { observation } = env.reset();
  for (;;) {
    const r = env.step(policy(observation));
    observation = r.observation;
    if (r.terminated || r.truncated) {
      if (r.info.summary === undefined) throw new Error('the last step carries info.summary');
      return r.info.summary;
    }
  }
}
const ppo = run((obs) => agent.predict(obs, { deterministic: true }));
const hold = run(() => 2); // always long
for (const [name, s] of [['PPO', ppo], ['buy-and-hold', hold]] as const) {
  console.log(`${name.padEnd(13)} test return ${(100 * s.return).toFixed(2)}%  trades ${s.trades}  fees $${s.fees.toFixed(2)}  max drawdown ${(100 * s.maxDrawdown).toFixed(2)}%`);
}
agent.dispose();

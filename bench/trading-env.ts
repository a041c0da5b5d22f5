// TradingEnv steps per second (window 32, 16 features, discrete-4, sampled actions), alone
// and in a SyncVectorEnv of 8, and PortfolioEnv with 10 assets. Goal for the single env:
// >= 1,000,000 steps/s (gym-anytrading's StocksEnv measured 480,000 on this kind of machine).
import { FeaturePipeline, PortfolioEnv, RegimeGenerator, SyncVectorEnv, TradingEnv } from '../src/index.js';
import { medianRate, stepLoop } from './timing.js';

const gen = RegimeGenerator.preset('crypto-15m');
const { data } = gen.generate({ numSamples: 50_000, seed: 1 });
const specs = ['logReturns', 'volatility', 'rsi', 'macd', 'bbands', 'atr', 'stoch', 'cci', 'mfi', 'obv'];
const all = new FeaturePipeline(specs).compute(data);
const features = all.select(all.names.slice(0, 16));
const makeEnv = () => new TradingEnv({ data, features, windowSize: 32, actionScheme: 'discrete-4', fee: 10, episodeLength: 10_000 });


const single = medianRate(stepLoop(makeEnv()), 1_000_000);
const vec = new SyncVectorEnv(Array.from({ length: 8 }, () => makeEnv));
vec.reset({ seed: 0 });
vec.actionSpace.seed(0);
const vector = medianRate((n) => {
  for (let i = 0; i < n / 8; i++) vec.step(vec.actionSpace.sample());
}, 1_000_000);
const assets = Array.from({ length: 10 }, (_, i) => gen.generate({ numSamples: 20_000, seed: 100 + i, symbol: `A${i}` }).data);
const portfolio = medianRate(stepLoop(new PortfolioEnv({ assets, windowSize: 32, fee: 10, episodeLength: 5_000 })), 200_000);

console.log(
  JSON.stringify({
    benchmark: 'trading-env',
    tradingEnv: { windowSize: 32, features: features.names.length, actionScheme: 'discrete-4', stepsPerSecond: single.perSecond, runs: single.runs },
    syncVector8: { stepsPerSecond: vector.perSecond, runs: vector.runs },
    portfolioEnv10: { assets: 10, windowSize: 32, stepsPerSecond: portfolio.perSecond, runs: portfolio.runs },
    goal: 'single TradingEnv >= 1,000,000 steps/s (gym-anytrading StocksEnv: 480,000)',
  }),
);

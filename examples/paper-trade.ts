// Paper trading on a replay: train a small PPO on synthetic 15-minute bars, then run it bar by
// bar through tradegym/live (ReplayFeed -> LiveRunner -> PaperBroker) over the held-out bars,
// printing the running equity; then a DCA bot (a rule-based strategy) the same way. Each live
// run is checked against backtest() on the same bars: the same fills, to the last bit.
// With --live, the same agent then paper trades on a live feed, when the network allows:
// Binance's BTC/USDT candles as they close (CcxtFeed), still through the PaperBroker.
//   npx tsx examples/paper-trade.ts [--live] [--timeframe 1m] [--bars 5]
// TRADEGYM_EXAMPLE_TIMESTEPS shortens the training (CI uses a tiny budget).
import { backtest, dcaBotStrategy, FeaturePipeline, Normalizer, RegimeGenerator, splitByFraction, TradingEnv } from '../src/index.js';
import { PPO, useBackend } from '../src/agents/index.js';
import { CcxtFeed, LiveRunner, ReplayFeed, replayFeatures, type LiveEvent } from '../src/live/index.js';
import { downloadOHLCV } from '../src/ccxt/index.js';
import { timeframeToMs, type OhlcvBar } from '../src/index.js';

const timesteps = Number(process.env.TRADEGYM_EXAMPLE_TIMESTEPS ?? 50_000);
console.log(`backend: ${await useBackend('auto')}`);
const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 96 * 60, seed: 5 }); // 60 days
const pipeline = new FeaturePipeline(['logReturns', { name: 'volatility', period: 24 }, 'rsi', 'bbands']);
const frame = pipeline.compute(data).dropWarmup();
const f = splitByFraction(frame, { train: 0.7 });
const norm = new Normalizer({ method: 'robust', clip: 5 }).fit(f.train);
const costs = { fee: 10, slippage: 2, initialCash: 10_000 };
const envOptions = { windowSize: 16, actionScheme: 'discrete-3', ...costs } as const;

const agent = new PPO(new TradingEnv({ features: norm.transform(f.train), episodeLength: 500, ...envOptions }), { nSteps: 512, batchSize: 64, nEpochs: 4, seed: 0 });
await agent.learn({ totalTimesteps: timesteps });

/** Prints the equity every `every` bars. */
const progress =
  (name: string, every: number) =>
  (e: LiveEvent): void => {
    if (e.type === 'bar' && e.index % every === 0) console.log(`${name} bar ${e.index} ${new Date(e.timestamp).toISOString()} equity ${e.equity.toFixed(2)} position ${e.position.toFixed(4)}`);
  };

// the agent, paper trading on the held-out bars: the features arrive one row per bar
const test = norm.transform(f.test);
const bars = f.test.bars;
const live = await new LiveRunner({
  feed: new ReplayFeed(bars),
  strategy: { agent, features: replayFeatures(test), windowSize: 16, actionScheme: 'discrete-3' },
  account: costs,
  closeAtEnd: true, // as the env's episode ends: flat at the last close
  onEvent: progress('PPO', 200),
}).run();
const bt = backtest({ data: bars, strategy: { env: new TradingEnv({ features: test, ...envOptions }), agent } });
const ppoEnd = live.equity.at(-1) as number;
console.log(`PPO paper: equity ${ppoEnd.toFixed(2)}  trades ${live.trades.length}  fees ${live.fees.toFixed(2)}  same as backtest(): ${Object.is(ppoEnd, bt.equity.at(-1))}`);

// a DCA bot: a small first buy, larger buys as the price falls, the whole cycle sold at a profit
const dca = { firstBuy: 0.05, step: 0.01, multiplier: 1.5, maxBuy: 0.25, takeProfit: 0.01 };
const dcaLive = await new LiveRunner({ feed: new ReplayFeed(bars), strategy: dcaBotStrategy(dca), account: costs, onEvent: progress('DCA', 200) }).run();
const dcaBt = backtest({ data: bars, strategy: dcaBotStrategy(dca), account: costs });
console.log(`DCA paper: equity ${(dcaLive.equity.at(-1) as number).toFixed(2)}  cycles sold ${dcaLive.trades.length}  same as backtest(): ${Object.is(dcaLive.equity.at(-1), dcaBt.equity.at(-1))}`);

// the same agent on a live feed, paper orders: the features now come from the pipeline's stream,
// one bar at a time, normalised by the normaliser fitted on the training bars
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
if (process.argv.includes('--live')) {
  const timeframe = arg('timeframe', '1m');
  const bars = Number(arg('bars', '5'));
  try {
    const { default: ccxt } = await import('ccxt');
    const exchange = new ccxt.binance({ enableRateLimit: true });
    // the warm-up before the first live bar: the last 200 closed bars
    const { data: history } = await downloadOHLCV(exchange, { symbol: 'BTC/USDT', timeframe, since: Date.now() - 201 * timeframeToMs(timeframe) });
    const closed = history.slice(0, history.length - 1); // the last bar may still be forming
    const stream = pipeline.stream({ timeframe });
    const features = { names: stream.names, warmup: stream.warmup, update: (bar: OhlcvBar) => norm.transformRow(stream.update(bar), stream.names) };
    let seen = 0;
    const runner: LiveRunner = new LiveRunner({
      feed: new CcxtFeed({ exchange, symbol: 'BTC/USDT', timeframe, since: (closed.timestamps.at(-1) as number) + 1 }),
      history: closed,
      strategy: { agent, features, windowSize: 16, actionScheme: 'discrete-3' },
      account: costs,
      onEvent: (e) => {
        if (e.type !== 'bar') return;
        console.log(`live ${new Date(e.timestamp).toISOString()} close ${e.close} equity ${e.equity.toFixed(2)} position ${e.position.toFixed(6)}`);
        if (++seen >= bars) runner.kill(`${bars} live bars seen`);
      },
    });
    const r = await runner.run();
    console.log(`live paper: ${r.equity.length} bars, equity ${(r.equity.at(-1) ?? costs.initialCash).toFixed(2)}, stopped: ${r.stopReason}`);
  } catch (e) {
    console.log(`the live part needs network access to Binance, and failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exitCode = 1;
  }
}
agent.dispose();

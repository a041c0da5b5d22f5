// The live loop's latency (issue 18): a PPO agent (64-64 MLP, untrained: the latency does not
// depend on the weights) on the 44 default feature columns, normalised, window 32, in a
// LiveRunner with a PaperBroker on a ReplayFeed of 15-minute bars. For every bar, the time from
// the feed handing the closed bar over to the runner asking for the next one: features, the
// observation, predict, the risk rules and, on bars that trade, the order's submission (a
// bar's order is submitted inside that time, so it bounds "bar close → order submitted"). For
// bars with an order, also the time from the bar to the broker's submit call itself. Prints
// median and p99 in ms. Goal: a median under 5 ms. BENCH_JOURNAL=1 adds a fileJournal (in a
// temporary folder): each bar, and each order's intent before it is submitted, fsync'd.
//   npm run bench -- live-latency        BENCH_BARS=3000 BENCH_JOURNAL=1
import { FeaturePipeline, Normalizer, RegimeGenerator, TradingEnv, type OhlcvBar } from '../src/index.js';
import { PPO, useBackend } from '../src/agents/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileJournal, LiveRunner, PaperBroker, ReplayFeed, type Feed, type OrderRequest, type OrderStatus } from '../src/live/index.js';

const bars = Number(process.env.BENCH_BARS ?? 3000);
const backend = await useBackend('cpu');
const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 2000 + bars, seed: 3 });
const pipeline = FeaturePipeline.all();
const history = data.slice(0, 2000);
const frame = pipeline.compute(history).dropWarmup();
const norm = new Normalizer({ method: 'robust', clip: 5 }).fit(frame);
// a stochastic policy changes its position often, so many bars carry an order
const agent = new PPO(new TradingEnv({ features: norm.transform(frame), windowSize: 32, actionScheme: 'discrete-3' }), { seed: 0 });

const perBar: number[] = [];
const toSubmit: number[] = [];
let handedAt = 0;
let submittedThisBar = false;
const replay = new ReplayFeed(data, { start: 0 });
const feed: Feed = {
  timeframe: replay.timeframe,
  symbol: replay.symbol,
  close: () => replay.close(),
  ended: () => replay.ended(),
  async *[Symbol.asyncIterator]() {
    for await (const bar of replay) {
      submittedThisBar = false;
      handedAt = performance.now();
      yield bar;
      perBar.push(performance.now() - handedAt);
    }
  },
};
class TimedBroker extends PaperBroker {
  override async submit(order: OrderRequest): Promise<OrderStatus> {
    if (!submittedThisBar && perBar.length >= 2000) toSubmit.push(performance.now() - handedAt);
    submittedThisBar = true;
    return super.submit(order);
  }
}
const stream = pipeline.stream({ timeframe: data.timeframe });
const features = { names: stream.names, warmup: stream.warmup, update: (bar: OhlcvBar) => norm.transformRow(stream.update(bar), stream.names) };
const journalDir = process.env.BENCH_JOURNAL === '1' ? mkdtempSync(join(tmpdir(), 'tradegym-latency-')) : undefined;
const result = await new LiveRunner({
  ...(journalDir === undefined ? {} : { journal: fileJournal(join(journalDir, 'bench.journal')) }),
  feed,
  strategy: { agent: { predict: (o: Float32Array) => agent.predict(o, { deterministic: false }) }, features, windowSize: 32, actionScheme: 'discrete-3' },
  broker: new TimedBroker({ account: { fee: 10 } }),
}).run();
agent.dispose();
if (journalDir !== undefined) rmSync(journalDir, { recursive: true, force: true });

// the first 2,000 bars warm the features and the window up; the timed bars are the rest
const timed = perBar.slice(2000);
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.floor(p * s.length))] as number).toFixed(3);
};
console.log(
  JSON.stringify({
    benchmark: 'live-latency',
    setup: `PPO (64-64 MLP), ${stream.names.length} features normalised, window 32, discrete-3, PaperBroker, ReplayFeed of 15m bars; tfjs ${backend}${journalDir === undefined ? '' : '; a fileJournal (fsync per record)'}`,
    bars: timed.length,
    barMs: { median: q(timed, 0.5), p99: q(timed, 0.99), max: q(timed, 1) },
    ordersTimed: toSubmit.length,
    barToSubmitMs: toSubmit.length === 0 ? null : { median: q(toSubmit, 0.5), p99: q(toSubmit, 0.99) },
    trades: result.trades.length,
    goal: 'median under 5 ms',
  }),
);

// Market data to model-ready features: download bars through ccxt (or read a CSV), check
// them, compute indicator features, split chronologically and normalise on the training
// split only.
//
//   npx tsx examples/download-and-features.ts                      # Binance BTC/USDT 1h, last 90 days
//   npx tsx examples/download-and-features.ts --exchange kraken --symbol ETH/USD --days 30
//   npx tsx examples/download-and-features.ts --csv               # offline: the bundled sample
//   npx tsx examples/download-and-features.ts --csv my-bars.csv   # offline: your file
//
// With TRADEGYM_OFFLINE=1 (as in CI) it reads the bundled sample instead of the network.
import { mkdirSync } from 'node:fs';
import { DownloadError, downloadOHLCV } from '../src/ccxt/index.js';
import { FeaturePipeline, Normalizer, readCsv, splitByFraction, walkForward, writeCsv, type MarketData } from '../src/index.js';

const SAMPLE = new URL('./data/sample-btcusdt-1h.csv', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined && !args[i + 1]!.startsWith('--') ? args[i + 1]! : fallback;
};
const csvIndex = args.indexOf('--csv');
const offline = csvIndex >= 0 || process.env.TRADEGYM_OFFLINE === '1';

async function load(): Promise<MarketData> {
  if (offline) {
    const file = flag('csv', SAMPLE);
    console.log(`reading ${file}`);
    return readCsv(file, { symbol: 'BTC/USDT' });
  }
  const exchangeId = flag('exchange', 'binance');
  const symbol = flag('symbol', 'BTC/USDT');
  const timeframe = flag('timeframe', '1h');
  const days = Number(flag('days', '90'));
  const ccxt = (await import('ccxt')).default as unknown as Record<string, new (o?: object) => Parameters<typeof downloadOHLCV>[0]>;
  const Exchange = ccxt[exchangeId];
  if (Exchange === undefined) throw new Error(`ccxt has no exchange "${exchangeId}"`);
  console.log(`downloading ${symbol} ${timeframe} from ${exchangeId}, last ${days} days`);
  const { data, pages, retries, gaps, droppedOpenCandle } = await downloadOHLCV(new Exchange({ enableRateLimit: true }), {
    symbol,
    timeframe,
    since: Date.now() - days * 86_400_000,
    onProgress: (p) => process.stdout.write(`\r  ${p.bars} bars, ${(100 * p.fraction).toFixed(0)}%`),
  });
  console.log(`\n  ${pages} pages, ${retries} retries, ${gaps.length} gaps, open candle dropped: ${droppedOpenCandle}`);
  mkdirSync('out', { recursive: true });
  const file = `out/${exchangeId}-${symbol.replace('/', '')}-${timeframe}.csv`;
  await writeCsv(data, file);
  console.log(`  saved to ${file} (read it back offline with --csv ${file})`);
  return data;
}

const data = await load().catch((e: unknown) => {
  if (e instanceof DownloadError) {
    console.error(`${e.message}\nNo network? Run with --csv to use the bundled sample.`);
    process.exit(1);
  }
  throw e;
});
const span = `${new Date(data.timestamps[0]!).toISOString()} .. ${new Date(data.timestamps[data.length - 1]!).toISOString()}`;
console.log(`${data.symbol} ${data.timeframe}: ${data.length} bars, ${span}, ${data.gaps().length} gaps`);

// 1. features: a research set; FeaturePipeline.all() has every indicator (44 columns)
const pipeline = new FeaturePipeline([
  'logReturns',
  { name: 'volatility', period: 24 },
  'rsi',
  'macd',
  'bbands',
  'atr',
  'adx',
  'stoch',
  'mfi',
  'obv',
  'volumeZScore',
  'timeOfDay',
  'dayOfWeek',
]);
const frame = pipeline.compute(data);
const features = frame.dropWarmup(); // rows where every feature exists, with the bars aligned to them
console.log(`${frame.names.length} feature columns; ${frame.warmup} warm-up rows dropped`);

// 2. chronological splits: the frame carries its bars, so one cut splits both
const f = splitByFraction(features, { train: 0.7, validation: 0.15 });
console.log(`train ${f.train.length} / validation ${f.validation.length} / test ${f.test.length} rows; test starts ${new Date(f.test.bars.timestamps[0]!).toISOString()}`);

// 3. normalise with statistics of the training split only (cyclic time features kept as they are)
const norm = new Normalizer({ method: 'robust', preserve: ['timeOfDay_sin', 'timeOfDay_cos', 'dayOfWeek_sin', 'dayOfWeek_cos'], clip: 5 }).fit(f.train);
const test = norm.transform(f.test);
const rsi = test.column('rsi_14');
console.log(`normalised test rsi_14: first ${rsi[0]!.toFixed(3)}, last ${rsi[rsi.length - 1]!.toFixed(3)}`);

// 4. walk-forward folds for out-of-sample evaluation, with a 24-bar embargo
const folds = walkForward(features.length, { trainSize: Math.floor(features.length / 3), testSize: Math.floor(features.length / 8), embargo: 24 });
console.log(`${folds.length} walk-forward folds; the first trains on [${folds[0]!.train.join(', ')}) and tests on [${folds[0]!.test.join(', ')})`);

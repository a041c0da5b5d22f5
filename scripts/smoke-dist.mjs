// After `npm run build`: the published entry points work for both module systems.
// Loads dist/ through the package's own "exports" map (self-reference by name).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const esm = await import('tradegym');
const cjs = createRequire(import.meta.url)('tradegym');

for (const [kind, lib] of [['esm', esm], ['cjs', cjs]]) {
  const env = lib.make('CartPole-v1');
  const first = env.reset({ seed: 3 }).observation;
  assert.ok(first instanceof Float32Array, `${kind}: observation is a Float32Array`);
  assert.equal(env.step(1).reward, 1, `${kind}: CartPole rewards 1 per step`);
  assert.equal(new lib.Rng(1).uniform(), new lib.Rng(1).uniform(), `${kind}: Rng is seeded`);
  assert.throws(() => new lib.Discrete(0), lib.InvalidArgumentError, `${kind}: typed errors`);
}
// both builds draw the same numbers from the same seed
assert.deepEqual(
  Array.from(esm.make('CartPole-v1').reset({ seed: 9 }).observation),
  Array.from(cjs.make('CartPole-v1').reset({ seed: 9 }).observation),
);
// the indicators are tradegym's own (technicalindicators is the tests' oracle, a devDependency
// users never install): SMA(3) of closes 1..5 is NaN, NaN, 2, 3, 4
for (const [kind, lib] of [['esm', esm], ['cjs', cjs]]) {
  const close = [1, 2, 3, 4, 5];
  const data = new lib.MarketData({ timeframe: '1h', timestamps: close.map((_, i) => 1700000000000 + i * 3_600_000), open: close, high: close, low: close, close, volume: close });
  const frame = new lib.FeaturePipeline([{ name: 'sma', period: 3 }]).compute(data);
  assert.deepEqual(Array.from(frame.column(frame.names[0])), [NaN, NaN, 2, 3, 4], `${kind}: SMA(3)`);
}
{
  const { readdirSync, readFileSync: read } = await import('node:fs');
  for (const file of readdirSync(new URL('../dist/', import.meta.url)).filter((f) => /\.(c?js|d\.c?ts)$/.test(f))) {
    const text = read(new URL(`../dist/${file}`, import.meta.url), 'utf8');
    assert.ok(!/(from |require\()['"]technicalindicators['"]/.test(text), `dist/${file} loads technicalindicators: it is only the tests' oracle`);
  }
}
// the ccxt subpath loads without ccxt itself and shares the core's error classes
const ccxtEsm = await import('tradegym/ccxt');
const ccxtCjs = createRequire(import.meta.url)('tradegym/ccxt');
for (const sub of [ccxtEsm, ccxtCjs]) {
  assert.equal(typeof sub.downloadOHLCV, 'function');
  assert.ok(new sub.DownloadError('x', null) instanceof Error);
}
assert.ok(new ccxtEsm.DownloadError('x', null) instanceof esm.TradegymError, 'one TradegymError across entries (ESM)');
// the danfo subpath converts both ways without importing danfo itself
const danfo = await import('tradegym/danfo');
const dfd = await import('danfojs-node');
// epoch milliseconds of 2023 (0 and 60000 could as well be seconds)
const bars = esm.parseCsv('timestamp,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,3\n1700000060000,1.5,2,1,1.8,4\n');
assert.deepEqual(Array.from(danfo.fromDataFrame(danfo.toDataFrame(bars, dfd)).close), [1.5, 1.8]);
// the report subpath renders with vega, in ESM and CJS
const { createRequire: mkRequire } = await import('node:module');
const reportEsm = await import('tradegym/report');
const reportCjs = mkRequire(import.meta.url)('tradegym/report');
const small = esm.backtest({ data: bars, strategy: [1, 0], periodsPerYear: 365 });
for (const r of [reportEsm, reportCjs]) assert.ok((await r.renderReport(small)).includes('<svg'), 'renderReport renders SVG');
// the agents subpath loads tfjs; the root entry (and every chunk it imports) must not
const agents = await import('tradegym/agents');
assert.equal(typeof agents.PPO, 'function');
const { readFileSync } = await import('node:fs');
const seen = new Set();
const visit = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
  assert.ok(!/from ['"](@tensorflow|ccxt|danfojs|vega)/.test(text), `dist/${file} imports tfjs, ccxt, danfo or vega`);
  for (const m of text.matchAll(/from ['"]\.\/([\w.-]+\.js)['"]/g)) visit(m[1]);
};
visit('index.js');
console.log(`dist smoke test: ESM and CJS entry points work (tradegym, tradegym/agents, tradegym/ccxt, tradegym/danfo, tradegym/report); the root entry's ${seen.size} files load no tfjs, ccxt, danfo or vega`);

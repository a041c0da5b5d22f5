// One rule for options objects (core/checks.ts's requireKnownKeys): every public function and
// constructor of market, features, synthetic, report, danfo and ccxt that takes an options
// object rejects a key it does not know, naming its full path, instead of ignoring a typo
// (`delimeter` used to surface later as "missing timestamp column"; `proces` silently kept
// the default process).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadOHLCV, type OHLCVExchange } from '../../src/ccxt/index.js';
import { fromDataFrame, toDataFrame, type DataFrameLike } from '../../src/danfo/index.js';
import {
  FeaturePipeline,
  GENERATOR_PRESETS,
  InvalidArgumentError,
  MarketData,
  Normalizer,
  parseCsv,
  readCsv,
  RegimeGenerator,
  resample,
  splitByDate,
  splitByFraction,
  toCsv,
  validateGeneratorConfig,
  walkForward,
  writeCsv,
  FeatureFrame,
} from '../../src/index.js';
import { renderReport, writeReport } from '../../src/report/index.js';
import { randomBars } from '../helpers/randomBars.js';

const dir = mkdtempSync(join(tmpdir(), 'tradegym-keys-'));
const data = randomBars(48, 3);
const csvText = 'timestamp,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00Z,1.5,2,1,1.8,12\n';
const init = { timeframe: '1h', timestamps: [0, 3_600_000], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] };
const frame = new FeatureFrame(Float64Array.of(0, 1, 2), ['x'], [Float64Array.of(1, 2, 3)]);
const fitted = new Normalizer().fit(frame).toJSON();
const config = GENERATOR_PRESETS['crypto-15m'];
const regimes = config.regimes;
const df: DataFrameLike = {
  columns: ['timestamp', 'open', 'high', 'low', 'close', 'volume'],
  column: (name) => ({ values: name === 'timestamp' ? [1_704_067_200_000, 1_704_070_800_000] : [1, 1] }),
};
const dfd = { DataFrame: class { constructor(readonly data: Record<string, unknown[]>) {} } };
const exchange: OHLCVExchange = { id: 'fake', fetchOHLCV: async () => [] };
const download = { symbol: 'X/Y', timeframe: '1h', since: 0, until: 3_600_000, now: () => 1e13 };

// [where, call, the path the error must name]
const cases: [string, () => unknown, string][] = [
  ['new MarketData', () => new MarketData({ ...init, repiar: 'drop' } as never), 'init.repiar'],
  ['parseCsv', () => parseCsv(csvText, { delimeter: ';' } as never), 'options.delimeter'],
  ['parseCsv columns', () => parseCsv(csvText, { columns: { clsoe: 'c' } } as never), 'options.columns.clsoe'],
  ['readCsv', () => readCsv(join(dir, 'absent.csv'), { delimeter: ';' } as never), 'options.delimeter'],
  ['toCsv', () => toCsv(data, { timestampFromat: 'ms' } as never), 'options.timestampFromat'],
  ['writeCsv', () => writeCsv(data, join(dir, 'out.csv'), { format: 'ms' } as never), 'options.format'],
  ['resample', () => resample(data, '2h', { parital: 'keep' } as never), 'options.parital'],
  ['splitByFraction', () => splitByFraction(data, { train: 0.5, valdiation: 0.2 } as never), 'fractions.valdiation'],
  ['splitByDate', () => splitByDate(data, { trainEnd: data.timestamps[10]!, validEnd: data.timestamps[20]! } as never), 'bounds.validEnd'],
  ['walkForward', () => walkForward(100, { trainSize: 10, testSize: 5, embrago: 2 } as never), 'options.embrago'],
  ['new Normalizer', () => new Normalizer({ methd: 'minmax' } as never), 'options.methd'],
  ['Normalizer.fromJSON', () => Normalizer.fromJSON({ ...fitted, version: 2 } as never), 'json.version'],
  ['new RegimeGenerator', () => new RegimeGenerator({ ...config, proces: 'gbm' } as never), 'config.proces'],
  ['validateGeneratorConfig', () => validateGeneratorConfig({ ...config, timefame: '1h' }), 'config.timefame'],
  ['config.regimes[i]', () => new RegimeGenerator({ ...config, regimes: [regimes[0], { ...regimes[1], proces: 'ou' }, ...regimes.slice(2)] } as never), 'config.regimes[1].proces'],
  ['config.garch', () => validateGeneratorConfig({ ...config, garch: { alpha: 0.1, beta: 0.8, gamma: 0.1 } }), 'config.garch.gamma'],
  ['config.jumps', () => validateGeneratorConfig({ ...config, jumps: { probability: 0.1, std: 0.01, sd: 0.01 } }), 'config.jumps.sd'],
  ['config.gaps', () => validateGeneratorConfig({ ...config, gaps: { probability: 0.1, std: 0.01, mean: 0 } }), 'config.gaps.mean'],
  ['config.volume', () => validateGeneratorConfig({ ...config, volume: { base: 10, noise: 0.1, sensitivty: 1 } }), 'config.volume.sensitivty'],
  ['RegimeGenerator.generate', () => RegimeGenerator.preset('crypto-15m').generate({ numSamples: 10, seed: 1, timefame: '1h' } as never), 'options.timefame'],
  ['fromDataFrame', () => fromDataFrame(df, { timestampFromat: 'ms' } as never), 'options.timestampFromat'],
  ['fromDataFrame columns', () => fromDataFrame(df, { columns: { tme: 'timestamp' } } as never), 'options.columns.tme'],
  ['toDataFrame', () => toDataFrame(data, dfd, { format: 'iso' } as never), 'options.format'],
  ['downloadOHLCV', () => downloadOHLCV(exchange, { ...download, limt: 500 } as never), 'options.limt'],
  ['renderReport', () => renderReport({} as never, { titel: 'x' } as never), 'options.titel'],
  ['writeReport', () => writeReport({} as never, join(dir, 'r.html'), { titel: 'x' } as never), 'options.titel'],
];

describe('unknown option keys are errors everywhere', () => {
  it.each(cases)('%s', async (_where, call, path) => {
    const run = async () => call(); // sync throws and async rejections alike
    const escaped = path.replace(/[.[\]]/g, (c) => `\\${c}`);
    await expect(run()).rejects.toThrow(InvalidArgumentError);
    await expect(run()).rejects.toThrow(new RegExp(`^${escaped} is not a known option \\(known: [^)]+\\), got `));
  });

  it('FeaturePipeline names an unknown indicator parameter by its path too', () => {
    expect(() => new FeaturePipeline([{ name: 'rsi', perid: 3 }])).toThrow(/specs\[0\]\.perid is not a parameter of rsi \(known: period\), got 3/);
  });

  it('the known keys still work: every call above succeeds without the typo', async () => {
    expect(new MarketData({ ...init, repair: 'drop' }).length).toBe(2);
    expect(parseCsv(csvText.replace(/,/g, ';'), { delimiter: ';' }).length).toBe(2);
    expect(resample(data, '2h', { partial: 'keep' }).length).toBe(24);
    expect(new RegimeGenerator({ ...config, process: 'gbm' }).config.process).toBe('gbm');
    expect(validateGeneratorConfig({ ...config, volume: { base: 10, noise: 0.1, sensitivity: 1 } }).volume.sensitivity).toBe(1);
    expect(Normalizer.fromJSON(fitted).fitted).toBe(true);
    expect(fromDataFrame(df, { timestampFormat: 'ms', columns: { timestamp: 'timestamp' } }).timeframe).toBe('1h');
    await expect(downloadOHLCV(exchange, { ...download, limit: 500 })).rejects.toThrow(/returned no X\/Y 1h bars/);
  });
});

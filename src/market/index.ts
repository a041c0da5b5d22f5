export { MarketData, OHLCV_COLUMNS, type OhlcvColumn, type MarketDataInit, type RepairReport, type Gap } from './MarketData.js';
export { timeframeToMs, inferTimeframe } from './timeframe.js';
export type { ColumnMap, TimestampFormat } from './columns.js';
export { readCsv, readCsvStream, parseCsv, writeCsv, toCsv, type CsvSource, type ReadCsvOptions, type WriteCsvOptions, type CsvColumnMap } from './csv.js';
export { resample, closedBarIndex, type ResampleOptions } from './resample.js';
export {
  splitByFraction,
  splitByDate,
  walkForward,
  type Split,
  type Sliceable,
  type Timed,
  type WalkForwardFold,
  type WalkForwardOptions,
} from './splits.js';

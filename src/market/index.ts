export { MarketData, OHLCV_COLUMNS, type OhlcvColumn, type MarketDataInit, type RepairReport, type Gap } from './MarketData.js';
export { timeframeToMs } from './timeframe.js';

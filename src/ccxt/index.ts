/**
 * tradegym/ccxt: market history from any ccxt exchange. Loads nothing from ccxt itself; pass
 * your own exchange instance.
 *
 * @packageDocumentation
 */
export {
  downloadOHLCV,
  DownloadError,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type OHLCVExchange,
  type OHLCVRow,
} from './downloadOHLCV.js';

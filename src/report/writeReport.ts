import { fail, requireKnownKeys, requireRecord } from '../core/checks.js';
import { writeTextFile } from '../core/nodeBuiltin.js';
import type { BacktestResult } from '../backtest/backtest.js';
import type { Trade } from '../envs/trading/Account.js';
import type * as VegaNs from 'vega';
import type * as VegaLiteNs from 'vega-lite';

/** One row of a training log (e.g. what `TrainingLogger` writes), keyed as SB3 logs them. */
export type TrainingLogRow = Readonly<Record<string, number>>;

/** The keys of {@link ReportOptions}. */
const REPORT_KEYS = ['title', 'regimes', 'regimeNames', 'trainingLog', 'compare', 'maxPoints'] as const;

/** Options of {@link writeReport} and {@link renderReport}. */
export interface ReportOptions {
  /** The report's title (default 'Backtest report'). */
  readonly title?: string;
  /** Regime per bar of the backtested span (e.g. the synthetic generator's `regimes`), for shading. */
  readonly regimes?: ArrayLike<number>;
  /** Names of the regime codes. */
  readonly regimeNames?: readonly string[];
  /** Training log rows, for the training curve (`time/total_timesteps` against `rollout/ep_rew_mean`). */
  readonly trainingLog?: readonly TrainingLogRow[];
  /** Other strategies to list in the metrics table (e.g. a random policy), by name. */
  readonly compare?: Readonly<Record<string, BacktestResult>>;
  /** Points per line chart at most (default 1500): longer series are thinned evenly. */
  readonly maxPoints?: number;
}

type VegaModule = typeof VegaNs;
type VegaLiteModule = typeof VegaLiteNs;

/** vega and vega-lite, the optional peer dependencies the reports render with. @internal */
export async function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  try {
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    return { vega, vl };
  } catch (e) {
    throw new Error(`tradegym's reports need the optional peer dependencies vega and vega-lite: npm install vega vega-lite (${(e as Error).message})`);
  }
}

/** At most `max` indices spread evenly over `0..n-1`, both ends included. @internal */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = (n - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => Math.round(i * step));
}

/** A fraction as a percentage with 2 decimals; a non-finite value as it prints. @internal */
export const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : String(v));
/** A number with 3 decimals; a non-finite value as it prints. @internal */
export const num = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
/** Text escaped for HTML content and attribute values. @internal */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The Vega-Lite specs of the report's charts, by name. @internal */
export function reportSpecs(result: BacktestResult, options: ReportOptions = {}): Record<string, object> {
  const max = options.maxPoints ?? 1500;
  const n = result.equity.length;
  const idx = thin(n, max);
  const t = (i: number) => result.timestamps[i] as number;
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 860, height: 240, background: 'white' };
  const time = { field: 't', type: 'temporal', title: null };
  const specs: Record<string, object> = {};
  const bh = result.benchmark.equity;
  specs.equity = {
    ...base,
    title: 'Equity against buy-and-hold',
    data: { values: idx.flatMap((i) => [{ t: t(i), v: result.equity[i], s: 'strategy' }, { t: t(i), v: bh[i], s: 'buy and hold' }]) },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: { x: time, y: { field: 'v', type: 'quantitative', title: 'equity', scale: { zero: false } }, color: { field: 's', type: 'nominal', title: null } },
  };
  let peak = -Infinity;
  const dd = Array.from(result.equity, (e) => ((peak = Math.max(peak, e)), e / peak - 1));
  specs.drawdown = {
    ...base,
    height: 160,
    title: 'Underwater (drawdown from the running peak)',
    data: { values: idx.map((i) => ({ t: t(i), v: dd[i] })) },
    mark: { type: 'area', color: '#c0392b', opacity: 0.6, line: { color: '#922b21', strokeWidth: 1 } },
    encoding: { x: time, y: { field: 'v', type: 'quantitative', title: 'drawdown', axis: { format: '%' } } },
  };
  specs.histogram = {
    ...base,
    height: 180,
    title: 'Distribution of bar returns',
    data: { values: Array.from(result.returns, (v) => ({ v })) },
    mark: { type: 'bar', color: '#2e86c1' },
    encoding: { x: { field: 'v', type: 'quantitative', bin: { maxbins: 60 }, title: 'return', axis: { format: '.2%' } }, y: { aggregate: 'count', type: 'quantitative', title: 'bars' } },
  };
  // period returns: by month when the span is long, else by day
  const spanDays = (t(n - 1) - t(0)) / 86_400_000;
  const byMonth = spanDays > 120;
  const groups = new Map<string, { row: string; col: string; growth: number }>();
  for (let k = 1; k < n; k++) {
    const d = new Date(t(k));
    const row = byMonth ? String(d.getUTCFullYear()) : `${d.getUTCFullYear()}-W${String(Math.floor((d.getTime() / 86_400_000 + 3) / 7)).padStart(4, '0')}`;
    const col = byMonth ? String(d.getUTCMonth() + 1).padStart(2, '0') : ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] as string;
    const key = `${row}|${col}`;
    const g = groups.get(key) ?? { row, col, growth: 1 };
    g.growth *= 1 + (result.returns[k - 1] as number);
    groups.set(key, g);
  }
  specs.heatmap = {
    ...base,
    height: Math.max(80, 18 * new Set([...groups.values()].map((g) => g.row)).size),
    title: byMonth ? 'Monthly returns' : 'Daily returns (week by weekday)',
    data: { values: [...groups.values()].map((g) => ({ row: g.row, col: g.col, r: g.growth - 1 })) },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'col', type: 'ordinal', title: null, sort: byMonth ? 'ascending' : ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] },
      y: { field: 'row', type: 'ordinal', title: null },
      color: { field: 'r', type: 'quantitative', title: 'return', scale: { scheme: 'redyellowgreen', domainMid: 0 }, legend: { format: '.1%' } },
      tooltip: [{ field: 'r', type: 'quantitative', format: '.2%' }],
    },
  };
  const priceLayers: object[] = [];
  if (options.regimes !== undefined) {
    const names = options.regimeNames ?? [];
    const spans: { t0: number; t1: number; regime: string }[] = [];
    let s0 = 0;
    for (let k = 1; k <= n; k++) {
      if (k === n || options.regimes[k] !== options.regimes[s0]) {
        const code = options.regimes[s0] as number;
        spans.push({ t0: t(s0), t1: t(Math.min(k, n - 1)), regime: names[code] ?? String(code) });
        s0 = k;
      }
    }
    priceLayers.push({ data: { values: spans }, mark: { type: 'rect', opacity: 0.18 }, encoding: { x: { field: 't0', type: 'temporal', title: null }, x2: { field: 't1' }, color: { field: 'regime', type: 'nominal', title: 'regime' } } });
  }
  const at = (index: number) => result.timestamps[Math.min(n - 1, Math.max(0, index - result.startIndex))] as number;
  /** A price line with its trades' entries and exits, over the regime shading if any. */
  const priceChart = (title: string, prices: ArrayLike<number>, trades: readonly Trade[]): object => {
    const markers = trades.slice(-400).flatMap((tr) => [
      { t: at(tr.entryIndex), p: tr.entryPrice, kind: tr.side > 0 ? 'long entry' : 'short entry' },
      { t: at(tr.exitIndex), p: tr.exitPrice, kind: 'exit' },
    ]);
    const layers = [
      ...priceLayers,
      { data: { values: idx.map((i) => ({ t: t(i), p: prices[i] })) }, mark: { type: 'line', color: '#34495e', strokeWidth: 1 }, encoding: { x: time, y: { field: 'p', type: 'quantitative', title: 'price', scale: { zero: false } } } },
      {
        data: { values: markers },
        mark: { type: 'point', filled: true, size: 40 },
        encoding: {
          x: time,
          y: { field: 'p', type: 'quantitative' },
          shape: { field: 'kind', type: 'nominal', title: 'trade', scale: { domain: ['long entry', 'short entry', 'exit'], range: ['triangle-up', 'triangle-down', 'circle'] } },
          color: { field: 'kind', type: 'nominal', scale: { domain: ['long entry', 'short entry', 'exit'], range: ['#27ae60', '#c0392b', '#2c3e50'] }, legend: null },
        },
      },
    ];
    return { ...base, height: 260, title: title + (options.regimes ? ' and regimes' : ''), layer: layers, resolve: { scale: { color: 'independent' } } };
  };
  // a book of several assets (backtestPortfolio, backtestMultiAgent): `prices` is a basket, and
  // each trade is at its own asset's price, so each asset gets its own chart
  const assets = (result as { assets?: unknown }).assets;
  if (Array.isArray(assets) && assets.length > 0 && assets.every((a: { symbol?: unknown; prices?: { length?: unknown } }) => typeof a?.symbol === 'string' && a.prices?.length === n)) {
    (assets as { symbol: string; prices: ArrayLike<number> }[]).forEach((a, i) => {
      specs[`price-${i}`] = priceChart(`${a.symbol}: price with trades`, a.prices, result.trades.filter((tr) => tr.asset === i));
    });
  } else specs.price = priceChart('Price with trades', result.prices, result.trades);
  if (options.trainingLog !== undefined && options.trainingLog.length > 0) {
    specs.training = {
      ...base,
      height: 180,
      title: 'Training curve (mean episode reward)',
      data: { values: options.trainingLog.filter((r) => Number.isFinite(r['rollout/ep_rew_mean'])).map((r) => ({ s: r['time/total_timesteps'], v: r['rollout/ep_rew_mean'] })) },
      mark: { type: 'line', point: true, color: '#8e44ad' },
      encoding: { x: { field: 's', type: 'quantitative', title: 'timesteps' }, y: { field: 'v', type: 'quantitative', title: 'ep_rew_mean', scale: { zero: false } } },
    };
  }
  return specs;
}

/**
 * Renders a backtest as one self-contained HTML page (no network needed to open it): a
 * metrics table (empyrical metrics and backtesting.py's trade statistics, with buy-and-hold and
 * any compared strategies), and SVG charts rendered in Node by Vega-Lite and Vega's headless
 * renderer: equity against buy-and-hold, underwater drawdown, the returns histogram, a
 * period-returns heatmap, price with trade markers (and regime shading when regimes are
 * given), and the training curve when a training log is given.
 * @param result - a {@link BacktestResult}.
 * @param options - title, regimes, trainingLog, compare, maxPoints.
 * @returns the HTML.
 * @throws `InvalidArgumentError` (from `tradegym`) for a result that is not a backtest result, or an
 *   unknown option key.
 * @throws `Error` naming the packages to install when vega or vega-lite is missing.
 * @example
 * ```ts
 * import { backtest, RegimeGenerator } from 'tradegym';
 * import { renderReport } from 'tradegym/report';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 500, seed: 1 });
 * const result = backtest({ data, strategy: Array.from(data.close, (_, t) => (t % 100 < 50 ? 1 : 0)) });
 * const html = await renderReport(result);
 * console.log(html.includes('<svg')); // true
 * ```
 */
export async function renderReport(result: BacktestResult, options: ReportOptions = {}): Promise<string> {
  requireRecord('result', result);
  requireKnownKeys('options', options, REPORT_KEYS);
  if (!(result.equity instanceof Float64Array) || result.equity.length < 2) fail('result', 'a BacktestResult with at least 2 equity points', result);
  const { vega, vl } = await loadVega();
  const specs = reportSpecs(result, options);
  const charts: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    charts.push(`<section class="chart" data-chart="${name}">${svg}</section>`);
  }
  const m = result.metrics;
  const s = result.stats;
  const columns: [string, BacktestResult['metrics']][] = [['strategy', m], ['buy and hold', result.benchmark.metrics], ...Object.entries(options.compare ?? {}).map(([k, r]) => [k, r.metrics] as [string, BacktestResult['metrics']])];
  const rows: [string, (x: BacktestResult['metrics']) => string][] = [
    ['Total return', (x) => pct(x.totalReturn)],
    ['Annual return (CAGR)', (x) => pct(x.annualReturn)],
    ['Annual volatility', (x) => pct(x.annualVolatility)],
    ['Sharpe ratio', (x) => num(x.sharpeRatio)],
    ['Sortino ratio', (x) => num(x.sortinoRatio)],
    ['Max drawdown', (x) => pct(x.maxDrawdown)],
    ['Calmar ratio', (x) => num(x.calmarRatio)],
    ['Omega ratio', (x) => num(x.omegaRatio)],
    ['Tail ratio', (x) => num(x.tailRatio)],
    ['VaR (5%)', (x) => pct(x.valueAtRisk)],
    ['CVaR (5%)', (x) => pct(x.conditionalValueAtRisk)],
    ['Stability', (x) => num(x.stabilityOfTimeseries)],
  ];
  const table = `<table class="metrics"><thead><tr><th></th>${columns.map(([k]) => `<th>${esc(k)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(([label, f]) => `<tr><td>${label}</td>${columns.map(([, x]) => `<td>${f(x)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const trade: [string, string][] = [
    ['Trades', String(s.trades)], ['Exposure time', pct(s.exposureTime)], ['Win rate', pct(s.winRate)], ['Best trade', pct(s.bestTrade)], ['Worst trade', pct(s.worstTrade)],
    ['Avg trade (geometric)', pct(s.avgTrade)], ['Max trade duration (bars)', num(s.maxTradeDuration)], ['Avg trade duration (bars)', num(s.avgTradeDuration)],
    ['Profit factor', num(s.profitFactor)], ['Expectancy', pct(s.expectancy)], ['SQN', num(s.sqn)], ['Kelly criterion', num(s.kellyCriterion)],
    ['Max drawdown duration (bars)', num(s.maxDrawdownDuration)], ['Avg drawdown duration (bars)', num(s.avgDrawdownDuration)],
    ['Fees paid', result.fees.toFixed(2)], ['Alpha / beta vs buy and hold', `${num(m.alpha ?? Number.NaN)} / ${num(m.beta ?? Number.NaN)}`], ['Periods per year', String(result.periodsPerYear)],
  ];
  const tradeTable = `<table class="metrics">${trade.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>`;
  const title = esc(options.title ?? 'Backtest report');
  const span = `${new Date(result.timestamps[0] as number).toISOString()} to ${new Date(result.timestamps[result.timestamps.length - 1] as number).toISOString()}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:960px;color:#222}
h1{font-size:22px;margin-bottom:4px}.sub{color:#666;margin-top:0}.tables{display:flex;gap:24px;flex-wrap:wrap}
table.metrics{border-collapse:collapse;font-size:13px}table.metrics td,table.metrics th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}
table.metrics td:first-child{text-align:left;color:#444}.chart{margin:18px 0}</style></head>
<body><h1>${title}</h1><p class="sub">${span} · ${result.equity.length} bars · tradegym</p>
<div class="tables">${table}${tradeTable}</div>
${charts.join('\n')}
</body></html>
`;
}

/**
 * Writes {@link renderReport}'s page to `path` (creating its directory).
 * @param result - a {@link BacktestResult}.
 * @param path - the HTML file to write.
 * @param options - see {@link ReportOptions}.
 * @returns the path written.
 * @throws `InvalidArgumentError` (from `tradegym`) for an empty path, a result that is not a backtest
 *   result, or an unknown option key.
 * @throws `Error` naming the packages to install when vega or vega-lite is missing.
 * @example
 * ```ts
 * import { backtest, RegimeGenerator } from 'tradegym';
 * import { writeReport } from 'tradegym/report';
 * import { mkdtempSync } from 'node:fs';
 * import { join } from 'node:path';
 * import { tmpdir } from 'node:os';
 * const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 500, seed: 1 });
 * const result = backtest({ data, strategy: new Array<number>(500).fill(1) });
 * console.log(await writeReport(result, join(mkdtempSync(join(tmpdir(), 'r-')), 'report.html')));
 * ```
 */
export async function writeReport(result: BacktestResult, path: string, options: ReportOptions = {}): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) fail('path', 'a file path', path);
  requireKnownKeys('options', options, REPORT_KEYS);
  const html = await renderReport(result, options);
  await writeTextFile(path, html, 'writeReport');
  return path;
}

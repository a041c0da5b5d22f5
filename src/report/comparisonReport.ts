import { fail, requireInt, requireKnownKeys, requireRecord } from '../core/checks.js';
import { writeTextFile } from '../core/nodeBuiltin.js';
import type { EvaluationResult, EvaluationRun, MarketEvaluation } from '../backtest/evaluation.js';
import { esc, loadVega, num as number3, pct as percent, thin } from './writeReport.js';

/** The keys of {@link ComparisonReportOptions}. */
const KEYS = ['title', 'maxPoints', 'equityMarkets'] as const;

/** Options of {@link renderComparisonReport} and {@link writeComparisonReport}. */
export interface ComparisonReportOptions {
  /** The page's title (default 'Strategy comparison on held-out data'). */
  readonly title?: string;
  /** Points per equity line at most (an integer >= 2, default 1500): longer curves are thinned evenly. */
  readonly maxPoints?: number;
  /** How many markets get an equity chart, from the first (an integer >= 1, default 1; at most the number of markets). */
  readonly equityMarkets?: number;
}

/** A percentage, or '-' where there is no value (NaN: e.g. buy-and-hold against itself). */
const pct = (v: number): string => (Number.isNaN(v) ? '-' : percent(v));
/** A number with 3 decimals, or '-' where there is no value. */
const num = (v: number): string => (Number.isNaN(v) ? '-' : number3(v));

/** A run's label in charts: the strategy, and its training seed for the caller's strategies. */
const label = (r: EvaluationRun) => (r.trainingSeed === undefined ? r.strategy : `${r.strategy} (seed ${r.trainingSeed})`);

/** The Vega-Lite spec of one market's equity curves: every run's equity, rebased to 1 at the first test bar. */
function equitySpec(m: MarketEvaluation, maxPoints: number): object {
  const values: { t: number; v: number; s: string }[] = [];
  for (const r of m.runs) {
    const { equity, timestamps } = r.result;
    const first = equity[0] as number;
    for (const i of thin(equity.length, maxPoints)) values.push({ t: timestamps[i] as number, v: (equity[i] as number) / first, s: label(r) });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 860,
    height: 280,
    background: 'white',
    title: `Equity on the held-out bars of market seed ${m.seed} (growth of 1)`,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'temporal', title: null },
      y: { field: 'v', type: 'quantitative', title: 'equity', scale: { zero: false } },
      color: { field: 's', type: 'nominal', title: null },
    },
  };
}

function table(cls: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table class="metrics ${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * Renders an evaluation (`evaluateStrategies` (from `tradegym`)) as one self-contained HTML page (no
 * network needed to open it), in the style of {@link renderReport}: a summary table per
 * strategy (runs, median annualised Sharpe with its 5th-95th percentiles, median Sharpe
 * difference against buy-and-hold, runs beating it with the interval of the difference above 0,
 * the share with DSR >= 0.95, the median DSR and the verdict in words), a table of every run
 * on every market (return, Sharpe and its bootstrap interval, max drawdown, trades, PSR, DSR,
 * the difference against buy-and-hold and its interval), and SVG charts of every run's equity
 * on the first `equityMarkets` markets, rendered in Node by Vega-Lite and Vega. Strategy names
 * are escaped. Numbers are rounded as shown: Sharpe ratios, PSR and DSR to 3 decimals,
 * returns to 0.01%.
 * @param result - what `evaluateStrategies` (from `tradegym`) returned.
 * @param options - `title`, `maxPoints`, `equityMarkets`.
 * @returns the HTML.
 * @throws `InvalidArgumentError` (from `tradegym`) for a result that is not an evaluation
 *   result, a bad option or an unknown option key.
 * @throws `Error` naming the packages to install when vega or vega-lite is missing.
 * @example
 * ```ts
 * import { evaluateStrategies } from 'tradegym';
 * import { renderComparisonReport } from 'tradegym/report';
 * const result = await evaluateStrategies({
 *   market: { generator: 'crypto-15m-structured', numSamples: 3000 },
 *   marketSeeds: [3],
 *   account: { fee: 10 },
 *   random: { runs: 5 },
 *   bootstrap: { resamples: 100 },
 * });
 * const html = await renderComparisonReport(result);
 * console.log(html.includes('<svg'), html.includes('ma-cross')); // true true
 * ```
 */
export async function renderComparisonReport(result: EvaluationResult, options: ComparisonReportOptions = {}): Promise<string> {
  const r = requireRecord('result', result);
  if (!Array.isArray(r.markets) || r.markets.length === 0 || !Array.isArray(r.summary)) fail('result', 'what evaluateStrategies returned (at least one market)', result);
  const o = requireKnownKeys('options', options, KEYS);
  const title = o.title === undefined ? 'Strategy comparison on held-out data' : o.title;
  if (typeof title !== 'string') fail('options.title', 'a string', title);
  const maxPoints = requireInt('options.maxPoints', o.maxPoints ?? 1500, 2);
  const equityMarkets = requireInt('options.equityMarkets', o.equityMarkets ?? 1, 1);
  if (equityMarkets > result.markets.length) fail('options.equityMarkets', `at most the number of markets (${result.markets.length})`, equityMarkets);

  const { vega, vl } = await loadVega();
  const charts: string[] = [];
  for (const m of result.markets.slice(0, equityMarkets)) {
    const view = new vega.View(vega.parse(vl.compile(equitySpec(m, maxPoints) as never).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    charts.push(`<section class="chart" data-chart="equity-${m.seed}">${svg}</section>`);
  }
  const ci = `${(100 * result.confidence).toFixed(0)}%`;
  const summary = table(
    'summary',
    ['strategy', 'runs', 'median Sharpe', 'Sharpe 5%', 'Sharpe 95%', 'median vs B&H', `beats B&H (${ci} CI > 0)`, 'DSR >= 0.95', 'median DSR', 'verdict'],
    result.summary.map((s) => [
      s.strategy,
      String(s.runs),
      num(s.sharpe.median),
      num(s.sharpe.lower),
      num(s.sharpe.upper),
      num(s.medianDifference),
      Number.isFinite(s.wins) ? `${s.wins}/${s.runs}` : '-',
      Number.isFinite(s.significantShare) ? `${Math.round(s.significantShare * s.runs)}/${s.runs}` : '-',
      num(s.medianDsr),
      s.verdictText,
    ]),
  );
  const rows: string[][] = [];
  for (const m of result.markets) {
    for (const x of m.runs) {
      const d = x.difference;
      rows.push([
        String(m.seed), x.strategy, x.trainingSeed === undefined ? '-' : String(x.trainingSeed), pct(x.totalReturn), num(x.sharpe), num(x.sharpeInterval.lower), num(x.sharpeInterval.upper),
        pct(x.maxDrawdown), String(x.trades), num(x.psr), num(x.dsr), d ? num(d.estimate) : '-', d ? num(d.lower) : '-', d ? num(d.upper) : '-', d ? (x.beatsBuyAndHold ? 'yes' : 'no') : '-',
      ]);
    }
    if (m.random !== undefined) {
      const q = m.random.sharpe;
      rows.push([String(m.seed), `random (${m.random.runs} runs)`, '-', pct(m.random.totalReturn.median), num(q.median), num(q.lower), num(q.upper), pct(m.random.maxDrawdown.median), '-', '-', '-', '-', '-', '-', '-']);
    }
  }
  const runs = table(
    'runs',
    ['market', 'strategy', 'training seed', 'return', 'Sharpe', `Sharpe CI low`, 'Sharpe CI high', 'max DD', 'trades', 'PSR', 'DSR', 'vs B&H', 'vs B&H CI low', 'vs B&H CI high', 'beats B&H'],
    rows,
  );
  const m0 = result.markets[0] as MarketEvaluation;
  const seeds = result.trainingSeeds.length;
  const sub = `${result.markets.length} market${result.markets.length === 1 ? '' : 's'} × ${seeds} training seed${seeds === 1 ? '' : 's'} · trained on the first ${(100 * result.trainFraction).toFixed(0)}% of each market, tested on the other ${m0.testBars} bars · DSR counts ${result.trials} trials · tradegym`;
  const t = esc(title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${t}</title>
<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}.sub{color:#666;margin-top:0}p.legend{color:#444;font-size:13px;max-width:900px}
table.metrics{border-collapse:collapse;font-size:13px}table.metrics td,table.metrics th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}
table.metrics td:first-child,table.summary td:last-child{text-align:left;color:#444}table.runs td:nth-child(2){text-align:left}.chart{margin:18px 0}</style></head>
<body><h1>${t}</h1><p class="sub">${esc(sub)}</p>
<h2>Summary per strategy</h2>
${summary}
<p class="legend">Sharpe ratios are annualised. “vs B&amp;H” is a strategy's Sharpe minus buy-and-hold's on the same held-out bars; its ${ci} interval comes from a paired stationary bootstrap, and a strategy beats buy-and-hold in a run only when that whole interval lies above 0. PSR is the probability that the true Sharpe ratio is above 0; DSR is the same after deflating for the ${result.trials} trials counted, and 0.95 is the bar for a discovery. Random is a distribution over many seeds: its median and 5%–95% range show what luck earns. The oracle knows the hidden regimes: it is an upper bound on what is learnable, not a strategy.</p>
<h2>Every run</h2>
${runs}
${charts.join('\n')}
</body></html>
`;
}

/**
 * Writes {@link renderComparisonReport}'s page to `path` (creating its directory).
 * @param result - what `evaluateStrategies` (from `tradegym`) returned.
 * @param path - the HTML file to write.
 * @param options - see {@link ComparisonReportOptions}.
 * @returns the path written.
 * @throws `InvalidArgumentError` (from `tradegym`) for an empty path, a result that is not an
 *   evaluation result, a bad option or an unknown option key.
 * @throws `Error` naming the packages to install when vega or vega-lite is missing.
 * @example
 * ```ts
 * import { evaluateStrategies } from 'tradegym';
 * import { writeComparisonReport } from 'tradegym/report';
 * import { mkdtempSync } from 'node:fs';
 * import { join } from 'node:path';
 * import { tmpdir } from 'node:os';
 * const result = await evaluateStrategies({ market: { generator: 'crypto-15m-null', numSamples: 2000 }, marketSeeds: [1], random: { runs: 5 }, bootstrap: { resamples: 100 } });
 * console.log(await writeComparisonReport(result, join(mkdtempSync(join(tmpdir(), 'c-')), 'comparison.html')));
 * ```
 */
export async function writeComparisonReport(result: EvaluationResult, path: string, options: ComparisonReportOptions = {}): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) fail('path', 'a file path', path);
  const html = await renderComparisonReport(result, options);
  await writeTextFile(path, html, 'writeComparisonReport');
  return path;
}

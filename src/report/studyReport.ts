import { fail, requireKnownKeys } from '../core/checks.js';
import { writeTextFile } from '../core/nodeBuiltin.js';
import { importanceOutcome, type ImportanceOutcome } from '../tune/importance.js';
import type { FrozenTrial } from '../tune/samplers.js';
import { isLog, type ParamSpec } from '../tune/space.js';
import { Study, type StudyRecord } from '../tune/study.js';
import type { Direction } from '../tune/samplers.js';
import type { SearchSpace } from '../tune/space.js';

/** What the charts read: the space, the direction and the trials with their numbers. */
interface StudyView {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly trials: readonly FrozenTrial[];
}
import { esc, loadVega, num } from './writeReport.js';

/** Options of {@link renderStudyReport} and {@link writeStudyReport}. */
export interface StudyReportOptions {
  /** The page's title (default 'Hyperparameter study'). */
  readonly title?: string;
}

/** The value a trial is charted at: its value when complete, its last report when pruned. */
function shown(t: FrozenTrial): number | undefined {
  if (t.state === 'complete') return t.value;
  if (t.state !== 'pruned') return undefined;
  const steps = Object.keys(t.intermediate).map(Number);
  return steps.length === 0 ? undefined : t.intermediate[Math.max(...steps)];
}

/** A parameter's value on [0, 1] for the parallel coordinates (its log when logarithmic, its index for a choice). */
function unit(spec: ParamSpec, v: unknown): number {
  if (spec.type === 'choice') return spec.choices.length === 1 ? 0.5 : spec.choices.indexOf(v as never) / (spec.choices.length - 1);
  const f = (x: number) => (isLog(spec) ? Math.log(x) : x);
  return (f(v as number) - f(spec.low)) / (f(spec.high) - f(spec.low));
}

/** The seed of the report's importance forest: the same study renders the same page. */
const IMPORTANCE_SEED = 0;

/** The Vega-Lite specs of a study's charts, by name; `importance` is charted when it is `ok`. @internal */
export function studySpecs(record: StudyView, importance: ImportanceOutcome = importanceOutcome(record, { seed: IMPORTANCE_SEED })): Record<string, object> {
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 860, height: 260, background: 'white' };
  const better = record.direction === 'minimize' ? Math.min : Math.max;
  const points = record.trials.flatMap((t) => {
    const v = shown(t);
    return v === undefined || !Number.isFinite(v) ? [] : [{ n: t.number, v, state: t.state }];
  });
  let best: number | undefined;
  const bestLine = record.trials.flatMap((t) => {
    if (t.state === 'complete' && Number.isFinite(t.value)) best = best === undefined ? (t.value as number) : better(best, t.value as number);
    return best === undefined ? [] : [{ n: t.number, best }];
  });
  const specs: Record<string, object> = {};
  specs.history = {
    ...base,
    title: `Optimisation history (${record.direction}: each trial's value, pruned ones at their last report; the line is the best so far)`,
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, size: 40 }, encoding: { x: { field: 'n', type: 'quantitative', title: 'trial' }, y: { field: 'v', type: 'quantitative', title: 'value', scale: { zero: false } }, color: { field: 'state', type: 'nominal', title: null } } },
      { data: { values: bestLine }, mark: { type: 'line', interpolate: 'step-after', color: '#c0392b' }, encoding: { x: { field: 'n', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' } } },
    ],
  };
  if (importance.ok) {
    const order = importance.importances.map((e) => e.param);
    const y = { field: 'param', type: 'nominal', sort: order, title: null };
    const x = { field: 'importance', type: 'quantitative', scale: { domain: [0, 1] }, axis: { tickCount: 5 }, title: 'importance (shares sum to 1)' };
    const leftOut = importance.leftOut.length === 0 ? '' : ` · left out (not in every complete trial): ${importance.leftOut.join(', ')}`;
    specs.importance = {
      ...base,
      height: 26 * order.length,
      title: { text: "Parameter importance (fANOVA: the share of the value's variance each parameter explains alone)", subtitle: `${importance.trials} complete trials, a forest of 64 trees (seed ${IMPORTANCE_SEED})${leftOut}` },
      data: { values: importance.importances.map((e) => ({ param: e.param, importance: e.importance })) },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y, x } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y, x, text: { field: 'importance', type: 'quantitative', format: '.3f' } } },
      ],
    };
  }
  const names = Object.keys(record.space);
  const complete = record.trials.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
  specs.parallel = {
    ...base,
    title: 'Parallel coordinates (complete trials; each axis from its low to its high, logarithmic ones in the log, choices in their order)',
    data: { values: complete.flatMap((t) => names.filter((p) => p in t.params).map((p) => ({ trial: t.number, param: p, x: unit(record.space[p] as ParamSpec, t.params[p]), value: t.value }))) },
    mark: { type: 'line', opacity: 0.7 },
    encoding: {
      x: { field: 'param', type: 'nominal', sort: names, title: null, axis: { labelAngle: 0 } },
      y: { field: 'x', type: 'quantitative', scale: { domain: [0, 1] }, axis: null },
      detail: { field: 'trial', type: 'nominal' },
      color: { field: 'value', type: 'quantitative', scale: { scheme: 'viridis', reverse: record.direction === 'maximize' } },
    },
  };
  for (const p of names) {
    // a parameter no complete trial had (a branch never finished) gets no chart
    if (!complete.some((t) => p in t.params)) continue;
    const spec = record.space[p] as ParamSpec;
    specs[`slice-${p}`] = {
      ...base,
      width: 420,
      height: 200,
      title: `${p}: value of each complete trial`,
      data: { values: complete.filter((t) => p in t.params).map((t) => ({ x: spec.type === 'choice' ? String(t.params[p]) : t.params[p], v: t.value, n: t.number })) },
      mark: { type: 'point', filled: true, size: 40 },
      encoding: {
        x: spec.type === 'choice' ? { field: 'x', type: 'nominal', title: p, sort: spec.choices.map(String) } : { field: 'x', type: 'quantitative', title: p, scale: isLog(spec) ? { type: 'log' } : { zero: false } },
        y: { field: 'v', type: 'quantitative', title: 'value', scale: { zero: false } },
        color: { field: 'n', type: 'quantitative', title: 'trial' },
      },
    };
  }
  return specs;
}

/**
 * Renders a hyperparameter study as one self-contained HTML page (no scripts, SVG charts by
 * Vega-Lite): the optimisation history with the best value so far, the parameters' importance
 * (fANOVA, as `parameterImportance` from `tradegym/tune` with seed 0; with fewer than 2 complete
 * trials, a note instead), parallel coordinates of the complete trials, each parameter against
 * the value, and a table of the trials, best first.
 *
 * @param study - a `Study` from `tradegym/tune`, or what its `toJSON()` gave.
 * @param options - `title`.
 * @returns the HTML.
 * @throws `InvalidArgumentError` (from `tradegym`) for something that is not a study or an unknown option.
 * @throws `Error` naming the packages to install when vega or vega-lite is missing.
 * @example
 * ```ts
 * import { RandomSampler, Study } from 'tradegym/tune';
 * import { renderStudyReport } from 'tradegym/report';
 * const study = new Study({ space: { x: { type: 'uniform', low: -3, high: 3 } }, sampler: new RandomSampler({ seed: 1 }) });
 * await study.optimize(({ params }) => (params.x as number) ** 2, { nTrials: 12 });
 * const html = await renderStudyReport(study);
 * console.log(html.includes('<svg')); // true
 * ```
 */
export async function renderStudyReport(study: Study | StudyRecord, options: StudyReportOptions = {}): Promise<string> {
  let s: Study;
  if (study instanceof Study) s = study;
  else {
    const r = study as Partial<StudyRecord> | null;
    if (typeof r !== 'object' || r === null || !Array.isArray(r.trials) || typeof r.space !== 'object' || r.space === null) fail('study', 'a Study or its toJSON()', study);
    s = Study.fromJSON(r as StudyRecord); // checked as a resumed study is, numbers restored
  }
  const record: StudyView = { space: s.space, direction: s.direction, trials: s.trials };
  const o = requireKnownKeys('options', options, ['title']);
  const title = o.title === undefined ? 'Hyperparameter study' : o.title;
  if (typeof title !== 'string') fail('options.title', 'a string', title);
  const { vega, vl } = await loadVega();
  const importance = importanceOutcome(record, { seed: IMPORTANCE_SEED });
  const charts: string[] = [];
  for (const [name, spec] of Object.entries(studySpecs(record, importance))) {
    const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    charts.push(`<section class="chart" data-chart="${esc(name)}">${svg}</section>`);
  }
  // in the importance chart's place (after the history): why there is none
  if (!importance.ok) charts.splice(1, 0, `<p class="note" data-note="importance">Parameter importance needs ${esc(importance.reason)}.</p>`);
  const names = Object.keys(record.space);
  const sign = record.direction === 'minimize' ? 1 : -1;
  const ordered = [...record.trials].sort((a, b) => {
    const va = a.state === 'complete' ? sign * (a.value as number) : Infinity;
    const vb = b.state === 'complete' ? sign * (b.value as number) : Infinity;
    return va - vb || a.number - b.number;
  });
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString()) : v === undefined ? '' : String(v));
  const rows = ordered.map((t) => `<tr><td>${t.number}</td><td>${t.state}</td><td>${t.state === 'complete' ? num(t.value as number) : ''}</td>${names.map((p) => `<td>${esc(cell(t.params[p]))}</td>`).join('')}</tr>`).join('\n');
  const count = (s: FrozenTrial['state']) => record.trials.filter((t) => t.state === s).length;
  const sub = `${record.trials.length} trials (${count('complete')} complete, ${count('pruned')} pruned, ${count('failed')} failed) · ${record.direction} · tradegym`;
  const t = esc(title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${t}</title>
<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}.sub{color:#666;margin-top:0}.note{color:#666}
table.trials{border-collapse:collapse;font-size:13px}table.trials td,table.trials th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}.chart{margin:18px 0}</style></head>
<body><h1>${t}</h1><p class="sub">${esc(sub)}</p>
${charts.join('\n')}
<h2>Trials, best first</h2>
<table class="trials"><tr><th>trial</th><th>state</th><th>value</th>${names.map((p) => `<th>${esc(p)}</th>`).join('')}</tr>
${rows}
</table>
</body></html>
`;
}

/**
 * Writes {@link renderStudyReport}'s page to `path` (creating its directory). Node only.
 * @param study - a `Study` or its `toJSON()`.
 * @param path - the HTML file.
 * @param options - `title`.
 * @returns the path written.
 * @throws `InvalidArgumentError` (from `tradegym`) for an empty path or a bad study or option;
 *   `TradegymError` outside Node.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { Study } from 'tradegym/tune';
 * import { writeStudyReport } from 'tradegym/report';
 * const study = new Study({ space: { x: { type: 'uniform', low: -3, high: 3 } } });
 * await study.optimize(({ params }) => (params.x as number) ** 2, { nTrials: 12 });
 * console.log(await writeStudyReport(study, join(mkdtempSync(join(tmpdir(), 's-')), 'study.html')));
 * ```
 */
export async function writeStudyReport(study: Study | StudyRecord, path: string, options: StudyReportOptions = {}): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) fail('path', 'a file path', path);
  const html = await renderStudyReport(study, options);
  await writeTextFile(path, html, 'writeStudyReport');
  return path;
}

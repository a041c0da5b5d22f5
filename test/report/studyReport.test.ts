// The study report: one self-contained page whose charts draw a mark for every trial they show
// and a bar for every parameter whose importance they show (counted in the SVG Vega renders),
// and a table of the trials, best first.
import { describe, expect, it } from 'vitest';
import { renderStudyReport } from '../../src/report/index.js';
import { RandomSampler, Study, SuccessiveHalvingPruner, TrialPruned } from '../../src/tune/index.js';

/** The SVG of the chart `name`, and how many paths its groups of `mark` class hold. */
function marks(html: string, name: string, mark: string): number {
  const section = new RegExp(`<section class="chart" data-chart="${name}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
  let count = 0;
  // a group without marks is written self-closed: <g .../>
  for (const g of section.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*?(?:/>|>([\\s\\S]*?)</g>)`, 'g'))) count += (g[1]?.match(/<path/g) ?? []).length;
  return count;
}

describe('renderStudyReport', () => {
  const run = async (seed: number) => {
    const study = new Study({
      space: { lr: { type: 'loguniform', low: 1e-5, high: 1e-1 }, net: { type: 'choice', choices: ['mlp', 'lstm'] }, units: { type: 'int', low: 8, high: 64, when: { param: 'net', in: ['lstm'] } } },
      direction: 'maximize',
      sampler: new RandomSampler({ seed }),
      pruner: new SuccessiveHalvingPruner({ reductionFactor: 2 }),
    });
    await study.optimize((t) => {
      let v = 0;
      for (let s = 1; s <= 4; s++) {
        v = s - Math.abs(Math.log10(t.params.lr as number) + 3);
        t.report(s, v);
        if (t.shouldPrune()) throw new TrialPruned(`at ${s}`);
      }
      return v;
    }, { nTrials: 16 });
    return study;
  };

  it('charts every trial it should, and lists them best first', async () => {
    const study = await run(3);
    const html = await renderStudyReport(study, { title: 'A <study>' });
    expect(html).not.toMatch(/<script|<link|src=["']http/);
    expect(html).toContain('<title>A &lt;study&gt;</title>');
    const complete = study.trials.filter((t) => t.state === 'complete');
    const pruned = study.trials.filter((t) => t.state === 'pruned');
    expect(complete.length).toBeGreaterThan(2);
    expect(pruned.length).toBeGreaterThan(2);
    // history: a point per complete trial and per pruned trial (at its last report)
    expect(marks(html, 'history', 'symbol')).toBe(complete.length + pruned.length);
    // importance: one bar per parameter present in every complete trial (a conditional one that
    // some complete trial lacks is left out, and named)
    const assessed = Object.keys(study.space).filter((p) => complete.every((t) => p in t.params));
    expect(assessed).toEqual(['lr', 'net']);
    expect(marks(html, 'importance', 'rect')).toBe(assessed.length);
    expect(html).toMatch(/left out \(not in every complete trial\): units/);
    expect(html).not.toContain('data-note="importance"');
    // parallel coordinates: one line per complete trial
    expect(marks(html, 'parallel', 'line')).toBe(complete.length);
    // slices: a point per complete trial that has the parameter
    expect(marks(html, 'slice-lr', 'symbol')).toBe(complete.length);
    expect(complete.filter((t) => 'units' in t.params).length).toBeGreaterThan(0);
    expect(marks(html, 'slice-units', 'symbol')).toBe(complete.filter((t) => 'units' in t.params).length);
    // the table: every trial, the best (largest, maximizing) first
    const rows = [...html.matchAll(/<tr><td>(\d+)<\/td><td>(\w+)<\/td>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(rows.length).toBe(16);
    expect(rows[0]![0]).toBe(study.bestTrial!.number);
    expect(rows.slice(0, complete.length).every(([, s]) => s === 'complete')).toBe(true);
    // the record from toJSON renders the same page (vega numbers its gradients per process)
    const ids = (h: string) => h.replace(/gradient_\d+/g, 'gradient');
    expect(ids(await renderStudyReport(JSON.parse(JSON.stringify(study.toJSON())), { title: 'A <study>' }))).toBe(ids(html));
  });

  it('leaves out the chart of a parameter no complete trial had', async () => {
    const study = await run(7); // here no trial with net 'lstm' completed
    expect(study.trials.some((t) => t.state === 'complete' && 'units' in t.params)).toBe(false);
    const html = await renderStudyReport(study);
    expect(html).not.toContain('data-chart="slice-units"');
    expect(html).toContain('data-chart="slice-net"');
  });

  it('charts one bar per parameter when all are assessed, and a note instead with fewer than 2 complete trials', async () => {
    const space = { x: { type: 'uniform', low: 0, high: 1 }, n: { type: 'int', low: 1, high: 5 }, c: { type: 'choice', choices: ['a', 'b', 'c'] } } as const;
    const study = new Study({ space, sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize(({ params }) => 5 * (params.x as number) + (params.n as number), { nTrials: 12 });
    const html = await renderStudyReport(study);
    expect(marks(html, 'importance', 'rect')).toBe(3);
    expect(html).not.toContain('left out');
    const few = new Study({ space, sampler: new RandomSampler({ seed: 2 }) });
    few.tell(few.ask().number, 1);
    few.tell(few.ask().number, 'failed');
    const note = await renderStudyReport(few);
    expect(note).not.toContain('data-chart="importance"');
    expect(note).toContain('<p class="note" data-note="importance">Parameter importance needs at least 2 complete trials with a finite value, got 1.</p>');
    // it stands where the chart would: after the history
    expect(note.indexOf('data-note="importance"')).toBeGreaterThan(note.indexOf('data-chart="history"'));
    expect(note.indexOf('data-note="importance"')).toBeLessThan(note.indexOf('data-chart="parallel"'));
  });

  it('refuses what is not a study', async () => {
    await expect(renderStudyReport({} as never)).rejects.toThrow(/^study must be a Study or its toJSON\(\), got/);
    const study = new Study({ space: { x: { type: 'uniform', low: 0, high: 1 } } });
    await expect(renderStudyReport(study, { titel: 'x' } as never)).rejects.toThrow(/titel/);
  });
});

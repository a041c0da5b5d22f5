import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { randomSignal } from '../../src/backtest/baselines.js';
import { evaluateStrategies, type EvaluationResult } from '../../src/backtest/evaluation.js';
import { renderComparisonReport, writeComparisonReport } from '../../src/report/index.js';

// a strategy name that is HTML: the page must show it as text, never run it
const NASTY = '<script>alert(1)</script>';
const result = await evaluateStrategies({
  market: { generator: 'crypto-15m-structured', numSamples: 2000 },
  marketSeeds: [3, 4],
  trainingSeeds: [0, 1],
  strategies: [{ name: NASTY, train: (_t, seed) => (test) => randomSignal(test, { seed, mode: 'long-short' }) }],
  account: { fee: 10 },
  random: { runs: 5 },
  bootstrap: { resamples: 100 },
});
const html = await renderComparisonReport(result, { equityMarkets: 2 });

/** The text of each cell of each body row of the table with this class. */
function rows(cls: string): string[][] {
  const table = new RegExp(`<table class="metrics ${cls}">([\\s\\S]*?)</table>`).exec(html)![1]!;
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(table)![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')));
}
const value = (cell: string) => (cell.endsWith('%') ? Number(cell.slice(0, -1)) / 100 : Number(cell));

describe('renderComparisonReport', () => {
  it('is one self-contained page that shows strategy names as text', () => {
    expect(html).not.toMatch(/<script|<link|src=["']http|href=["']http/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('holds the summary of the result, number for number (3 decimals)', () => {
    const table = rows('summary');
    expect(table.map((r) => r[0])).toEqual(result.summary.map((s) => s.strategy));
    table.forEach((r, i) => {
      const s = result.summary[i]!;
      expect(Number(r[1])).toBe(s.runs);
      expect(value(r[2]!)).toBeCloseTo(s.sharpe.median, 3);
      expect(value(r[3]!)).toBeCloseTo(s.sharpe.lower, 3);
      expect(value(r[4]!)).toBeCloseTo(s.sharpe.upper, 3);
      if (Number.isNaN(s.medianDifference)) expect(r[5]).toBe('-');
      else expect(value(r[5]!)).toBeCloseTo(s.medianDifference, 3);
      expect(r[6]).toBe(Number.isNaN(s.wins) ? '-' : `${s.wins}/${s.runs}`);
      expect(r[9]).toBe(s.verdictText);
    });
  });

  it('holds every run of every market, number for number', () => {
    const table = rows('runs');
    const expected = result.markets.flatMap((m) => [...m.runs.map((r) => ({ m, r })), { m, r: undefined }]);
    expect(table).toHaveLength(expected.length);
    table.forEach((cells, i) => {
      const { m, r } = expected[i]!;
      expect(Number(cells[0])).toBe(m.seed);
      if (r === undefined) {
        expect(cells[1]).toBe('random (5 runs)');
        expect(value(cells[4]!)).toBeCloseTo(m.random!.sharpe.median, 3);
        return;
      }
      expect(cells[1]).toBe(r.strategy);
      expect(cells[2]).toBe(r.trainingSeed === undefined ? '-' : String(r.trainingSeed));
      expect(value(cells[3]!)).toBeCloseTo(r.totalReturn, 4);
      expect(value(cells[4]!)).toBeCloseTo(r.sharpe, 3);
      expect(value(cells[5]!)).toBeCloseTo(r.sharpeInterval.lower, 3);
      expect(value(cells[6]!)).toBeCloseTo(r.sharpeInterval.upper, 3);
      expect(Number(cells[8])).toBe(r.trades);
      expect(value(cells[9]!)).toBeCloseTo(r.psr, 3);
      expect(value(cells[10]!)).toBeCloseTo(r.dsr, 3);
      if (r.difference === undefined) expect(cells.slice(11)).toEqual(['-', '-', '-', '-']);
      else {
        expect(value(cells[11]!)).toBeCloseTo(r.difference.estimate, 3);
        expect(value(cells[12]!)).toBeCloseTo(r.difference.lower, 3);
        expect(value(cells[13]!)).toBeCloseTo(r.difference.upper, 3);
        expect(cells[14]).toBe(r.beatsBuyAndHold ? 'yes' : 'no');
      }
    });
  });

  it('draws one equity chart per market asked for, with a line for every run', () => {
    const charts = [...html.matchAll(/<section class="chart" data-chart="([^"]+)">([\s\S]*?)<\/section>/g)];
    expect(charts.map((c) => c[1])).toEqual(['equity-3', 'equity-4']);
    for (const [, , svg] of charts) {
      // Vega draws each series as one line mark whose path is labelled with the series
      const lines = [...svg!.matchAll(/<path aria-label="[^"]*; s: ([^"]*)" role="graphics-symbol" aria-roledescription="line mark" d="M[^"]+"/g)].map((m) => m[1]);
      expect(lines).toHaveLength(result.markets[0]!.runs.length);
      expect(svg).toContain('ma-cross');
      expect(svg).toContain(`${NASTY.replace(/</g, '&lt;').replace(/>/g, '&gt;')} (seed 1)`);
    }
  });

  it.each<[string, unknown, unknown, string]>([
    ['not an evaluation', {}, {}, 'result must be what evaluateStrategies returned (at least one market), got {}'],
    ['an unknown option', result, { theme: 'dark' }, 'options.theme is not a known option'],
    ['too many equity charts', result, { equityMarkets: 3 }, 'options.equityMarkets must be at most the number of markets (2), got 3'],
    ['one point per line', result, { maxPoints: 1 }, 'options.maxPoints must be an integer >= 2, got 1'],
    ['a title that is not a string', result, { title: 5 }, 'options.title must be a string, got 5'],
  ])('refuses %s', async (_name, r, options, message) => {
    const call = renderComparisonReport(r as EvaluationResult, options as never);
    await expect(call).rejects.toThrow(InvalidArgumentError);
    await expect(renderComparisonReport(r as EvaluationResult, options as never)).rejects.toThrow(message);
  });
});

describe('writeComparisonReport', () => {
  it('writes the page it renders, creating the directory', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tradegym-comparison-')), 'sub', 'comparison.html');
    expect(await writeComparisonReport(result, path, { equityMarkets: 2 })).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(html);
  });

  it('refuses an empty path', async () => {
    await expect(writeComparisonReport(result, '')).rejects.toThrow('path must be a file path, got ""');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { backtest, RegimeGenerator } from '../../src/index.js';
import { writeReport } from '../../src/report/index.js';
import { chartMarks, CHROMIUM_ARGS, findChromium, shippedChromium } from '../helpers/chromium.js';

// a system Chrome or Chromium (CI installs Debian's), else the one inside @sparticuz/chromium
const browserFound = await findChromium();

describe('writeReport', () => {
  it('writes one self-contained page whose every chart renders data marks in headless Chromium', async (ctx) => {
    const gen = RegimeGenerator.preset('crypto-15m');
    const { data, regimes, regimeNames } = gen.generate({ numSamples: 3000, seed: 4 });
    const signal = Array.from(data.close, (c, t) => (t < 20 ? 0 : c > (data.close[t - 20] as number) ? 1 : -1));
    const result = backtest({ data, strategy: signal, account: { fee: 10 }, risk: { stopLoss: 0.03 } });
    const trainingLog = Array.from({ length: 10 }, (_, i) => ({ 'time/total_timesteps': (i + 1) * 1000, 'rollout/ep_rew_mean': Math.log(i + 2) }));
    const dir = mkdtempSync(join(tmpdir(), 'tradegym-report-'));
    const path = await writeReport(result, join(dir, 'report.html'), { title: 'MA test', regimes, regimeNames, trainingLog });
    const html = readFileSync(path, 'utf8');
    // self-contained: no scripts, stylesheets or images from anywhere
    expect(html).not.toMatch(/<script|<link|src=["']http|href=["']http/);
    if ('missing' in browserFound) {
      // only where no browser can be had at all (not linux-x64, nothing installed); CI has one
      if (process.env.CI) throw new Error(browserFound.missing);
      return ctx.skip(browserFound.missing);
    }
    const browser = await chromium.launch({
      executablePath: browserFound.path,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      await page.route(/^https?:/, (route) => route.abort()); // the page must need nothing from the network
      await page.goto(pathToFileURL(path).href);
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      // per chart: the drawn data marks (Vega's mark groups), with a visible size
      const marks = await chartMarks(page);
      expect(marks.map((m) => m.chart)).toEqual(['equity', 'drawdown', 'histogram', 'heatmap', 'price', 'training']);
      for (const m of marks) expect(m.marks, m.chart ?? '').toBeGreaterThan(0);
      const byName = Object.fromEntries(marks.map((m) => [m.chart, m.marks]));
      expect(byName.histogram).toBeGreaterThan(10); // one rect per bin
      expect(byName.price).toBeGreaterThan(2 * Math.min(400, result.trades.length)); // trade markers and regime bands
      const table = await page.$$eval('table.metrics td', (tds) => tds.map((td) => td.textContent));
      expect(table).toContain('Sharpe ratio');
      expect(table).toContain(result.metrics.sharpeRatio.toFixed(3));
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe('the Chromium the report test drives', () => {
  it('is the executable an environment variable names, before any other', async () => {
    await expect(findChromium({ PUPPETEER_EXECUTABLE_PATH: process.execPath, PATH: process.env.PATH })).resolves.toEqual({ path: process.execPath, source: 'PUPPETEER_EXECUTABLE_PATH' });
  });

  it('is never another browser when the variable names a missing file', async () => {
    await expect(findChromium({ CHROME_PATH: '/nonexistent/chrome' })).rejects.toThrow('CHROME_PATH must name a Chrome or Chromium executable, got "/nonexistent/chrome" (not an executable file)');
  });

  // the fallback for machines with only Node: checked on every run, though CI finds Debian's first
  it('can come from the @sparticuz/chromium devDependency on linux-x64, unpacked without a download', async () => {
    const shipped = await shippedChromium();
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      expect(shipped).toEqual({ missing: `@sparticuz/chromium ships linux-x64 only, this is ${process.platform}-${process.arch}` });
      return;
    }
    expect(shipped).toMatchObject({ source: expect.stringMatching(/^@sparticuz\/chromium \d+\.\d+\.\d+$/) });
    const version = execFileSync((shipped as { path: string }).path, ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(/^Chromium \d+\./);
    // a second call reuses the unpacked copy
    expect(await shippedChromium()).toEqual(shipped);
  }, 60_000);
});

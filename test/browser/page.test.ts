// The browser example (examples/browser/) in headless Chromium, as a user opens it: built with
// esbuild, served on 127.0.0.1, PPO trained on CartPole in a Web Worker (wasm kernels) with a
// live curve, the agent kept in IndexedDB and read back, a trading agent trained and backtested
// on held-out synthetic bars, and the report's charts drawn in the page. No console errors, no
// request leaves the machine.
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, serveExample } from '../../examples/browser/serve.js';
import { chartMarks, CHROMIUM_ARGS, findChromium } from '../helpers/chromium.js';

const found = await findChromium();
let browser: Browser | undefined;
let server: { url: string; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  if ('missing' in found) return;
  await buildExample();
  server = await serveExample(0);
  browser = await chromium.launch({
    executablePath: found.path,
    args: CHROMIUM_ARGS,
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface PageState {
  status: string;
  error?: string;
  cartpole?: { meanReward: number; randomMeanReward: number; steps: number; stepsPerSecond: number; progressMessages: number; compute: string; indexedDbRoundTrip: boolean };
  uploaded?: { numTimesteps: number; sharpe: number; totalReturn: number };
  trading?: { steps: number; stepsPerSecond: number; sharpe: number; totalReturn: number; maxDrawdown: number; trades: number; buyAndHoldReturn: number };
}

/** Opens the page with `query`, runs it to the end, and returns its state and what the console said. */
async function run(query: string): Promise<{ page: Page; state: PageState; problems: string[] }> {
  const page = await (browser as Browser).newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // everything the page needs is on 127.0.0.1: anything else is refused and reported
  await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
    problems.push(`request left the machine: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`${(server as { url: string }).url}?${query}`);
  await page.waitForFunction(() => ['done', 'error'].includes((globalThis as { tradegymExample?: { status: string } }).tradegymExample?.status ?? ''), undefined, { timeout: 240_000, polling: 250 });
  const state = await page.evaluate(() => (globalThis as unknown as { tradegymExample: PageState }).tradegymExample);
  return { page, state, problems };
}

describe('the browser example in headless Chromium', () => {
  it('trains PPO in a worker past a random policy, keeps it in IndexedDB, backtests, and draws the report', async (ctx) => {
    if ('missing' in found) {
      if (process.env.CI) throw new Error(found.missing); // CI installs Chromium: it must run there
      return ctx.skip(found.missing);
    }
    const { page, state, problems } = await run('auto&compute=wasm&backend=cpu&cartpoleSteps=10240&tradingSteps=4096');
    expect(state.error).toBeUndefined();
    expect(problems).toEqual([]);
    expect(state.status).toBe('done');
    const c = state.cartpole!;
    // a random policy balances CartPole for about 22 steps; 10k steps of PPO reach far more
    expect(c.randomMeanReward).toBeLessThan(40);
    expect(c.meanReward).toBeGreaterThan(c.randomMeanReward + 50);
    expect(c.steps).toBe(10240);
    expect(c.progressMessages).toBe(20); // one per rollout of 512 steps
    expect(c.indexedDbRoundTrip).toBe(true);
    // the live curve was drawn from the progress messages
    const points = await page.$eval('#cartpole-curve polyline', (p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length);
    expect(points).toBeGreaterThanOrEqual(15);
    const t = state.trading!;
    expect(t.steps).toBe(4096);
    expect(Number.isFinite(t.totalReturn) && Number.isFinite(t.buyAndHoldReturn)).toBe(true);
    // the report, rendered in the page and shown in the iframe: every chart has visible data marks
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    await frame!.waitForSelector('section.chart');
    const marks = await chartMarks(frame!);
    expect(marks.map((m) => m.chart)).toEqual(['equity', 'drawdown', 'histogram', 'heatmap', 'price', 'training']);
    for (const m of marks) expect(m.marks, m.chart ?? '').toBeGreaterThan(0);
    const table = await frame!.$$eval('table.metrics td', (tds) => tds.map((td) => td.textContent));
    expect(table).toContain(t.sharpe.toFixed(3));

    // the trading agent downloaded as two files (tfjs's downloads:// handler), then uploaded
    // through the file input (tf.io.browserFiles): the same agent, the same backtest
    const downloads: { name: string; path: string }[] = [];
    page.on('download', (d) => void d.path().then((path) => downloads.push({ name: d.suggestedFilename(), path })));
    await page.click('#download');
    for (let i = 0; i < 100 && downloads.length < 2; i++) await page.waitForTimeout(100);
    expect(downloads.map((d) => d.name).sort()).toEqual(['tradegym-ppo.json', 'tradegym-ppo.weights.bin']);
    await page.setInputFiles('#upload', downloads.map((d) => ({ name: d.name, mimeType: 'application/octet-stream', buffer: readFileSync(d.path) })));
    await page.waitForFunction(() => (globalThis as { tradegymExample?: { uploaded?: unknown; status: string } }).tradegymExample?.uploaded !== undefined || (globalThis as { tradegymExample?: { status: string } }).tradegymExample?.status === 'error', undefined, { timeout: 60_000 });
    const after = await page.evaluate(() => (globalThis as unknown as { tradegymExample: PageState }).tradegymExample);
    expect(after.error).toBeUndefined();
    expect(after.uploaded).toEqual({ numTimesteps: t.steps, sharpe: t.sharpe, totalReturn: t.totalReturn });
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it("selects tfjs's backends in the worker: wasm and webgl train the same agent as cpu; webgpu without a GPU says so", async (ctx) => {
    if ('missing' in found) {
      if (process.env.CI) throw new Error(found.missing);
      return ctx.skip(found.missing);
    }
    const results: Record<string, PageState> = {};
    for (const backend of ['cpu', 'wasm', 'webgl']) {
      const { page, state, problems } = await run(`auto&compute=js&backend=${backend}&cartpoleSteps=1024&tradingSteps=2048`);
      expect(problems, backend).toEqual([]);
      expect(state.status, `${backend}: ${state.error}`).toBe('done');
      results[backend] = state;
      await page.close();
    }
    // the kernels do the maths, the backend only carries the checkpoint: the same agents
    expect(results.wasm!.cartpole!.meanReward).toBe(results.cpu!.cartpole!.meanReward);
    expect(results.webgl!.cartpole!.meanReward).toBe(results.cpu!.cartpole!.meanReward);
    expect(results.wasm!.trading!.totalReturn).toBe(results.cpu!.trading!.totalReturn);
    expect(results.webgl!.trading!.totalReturn).toBe(results.cpu!.trading!.totalReturn);
    // headless Chromium here has no WebGPU adapter: the page reports the worker's typed refusal
    const { page, state } = await run('auto&compute=js&backend=webgpu&cartpoleSteps=1024&tradingSteps=2048');
    if (state.status === 'error') expect(state.error).toMatch(/training in the worker failed: TradegymError: backend 'webgpu' (is installed but could not start here|needs the package)/);
    else expect(state.cartpole!.meanReward).toBe(results.cpu!.cartpole!.meanReward); // a machine with a GPU
    await page.close();
  }, 300_000);
});

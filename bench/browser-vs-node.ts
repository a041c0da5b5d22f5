// PPO's training speed in a web page against Node, side by side in one run: the browser
// example (examples/browser/) in headless Chromium trains PPO on CartPole in its Web Worker,
// and this process trains the same agent (the same options, examples/browser/shared.ts) on
// the same number of steps. The figure is env-steps per second of `learn` alone (rollouts and
// updates; setup, evaluation and saving left out), the median of BENCH_REPEATS (3) fresh
// agents on each side, for each kernel set the page has (wasm, js) and Node's native set for
// reference. Prints one JSON object.
//   npm run bench -- browser-vs-node        BENCH_STEPS=40960 by default
import { chromium } from 'playwright-core';
import { kernelSets, PPO, useBackend, type Compute } from '../src/agents/index.js';
import { make } from '../src/index.js';
import { buildExample, serveExample } from '../examples/browser/serve.js';
import { ppoOptions, type TrainConfig } from '../examples/browser/shared.js';
import { CHROMIUM_ARGS, findChromium } from '../test/helpers/chromium.js';

const steps = Number(process.env.BENCH_STEPS ?? 40_960);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const found = await findChromium();
if ('missing' in found) throw new Error(found.missing);
await buildExample();
const server = await serveExample(0);
const browser = await chromium.launch({
  executablePath: found.path,
  args: CHROMIUM_ARGS,
});

/** Steps/s of one training in the page's worker. */
async function inPage(compute: Compute): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}?auto=cartpole&compute=${compute}&backend=cpu&cartpoleSteps=${steps}`);
    await page.waitForFunction(() => ['done', 'error'].includes((globalThis as { tradegymExample?: { status: string } }).tradegymExample?.status ?? ''), undefined, { timeout: 600_000, polling: 250 });
    const state = await page.evaluate(() => (globalThis as unknown as { tradegymExample: { status: string; error?: string; cartpole?: { stepsPerSecond: number; steps: number } } }).tradegymExample);
    if (state.status !== 'done' || state.cartpole === undefined) throw new Error(`the page failed: ${state.error}`);
    if (state.cartpole.steps !== steps) throw new Error(`the page trained ${state.cartpole.steps} steps, not ${steps}`);
    return state.cartpole.stepsPerSecond;
  } finally {
    await page.close();
  }
}

/** Steps/s of one training of the same agent here. */
async function inNode(compute: Compute): Promise<number> {
  const config: TrainConfig = { task: 'cartpole', compute, backend: 'cpu', steps, seed: 0, marketSeed: 11 };
  const agent = new PPO(make('CartPole-v1'), ppoOptions(config));
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: steps });
  const rate = steps / ((performance.now() - t0) / 1000);
  agent.dispose();
  return rate;
}

await useBackend('cpu');
const available = new Set(kernelSets().filter((k) => k.available).map((k) => k.name));
const rows: Record<string, unknown>[] = [];
try {
  for (const compute of ['wasm', 'js'] as const) {
    const page: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < repeats; i++) {
      page.push(await inPage(compute)); // alternated, so both sides see the same machine load
      node.push(await inNode(compute));
    }
    rows.push({ compute, pageStepsPerSecond: Math.round(median(page)), nodeStepsPerSecond: Math.round(median(node)), pageOverNode: +(median(page) / median(node)).toFixed(2), pageRuns: page.map(Math.round), nodeRuns: node.map(Math.round) });
  }
  if (available.has('native')) {
    const node = [];
    for (let i = 0; i < repeats; i++) node.push(await inNode('native'));
    rows.push({ compute: 'native', nodeStepsPerSecond: Math.round(median(node)), nodeRuns: node.map(Math.round) });
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify({ bench: 'browser-vs-node', task: 'PPO on CartPole-v1, 1 env, nSteps 512, batch 64, 10 epochs', steps, repeats, browser: `${found.source} ${browser.version()}`, node: process.version, rows }, null, 1));

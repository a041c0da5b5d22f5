// The page: trains PPO in a Web Worker (the page stays responsive) with a live training curve,
// then loads the trained agent here to evaluate it (CartPole) or backtest it on held-out bars
// of a synthetic market, and shows the HTML report. `?auto` runs both tasks on load with the
// settings in the URL (the headless-Chromium test does), e.g. ?auto&cartpoleSteps=20000;
// `?auto=cartpole` only the first (bench/browser-vs-node.ts).
import * as tf from '@tensorflow/tfjs';
import { make, Rng, backtest } from '../../src/index.js';
import { evaluatePolicy, PPO, useBackend, WorkerTrainer, type BackendName, type Compute, type WorkerProgress, type WorkerTrainingResult } from '../../src/agents/index.js';
import { renderReport } from '../../src/report/index.js';
import { tradingMarket, type TrainConfig } from './shared.js';

/** What the page has done, read by the headless test (and handy in the console). */
interface PageState {
  status: 'idle' | 'running' | 'done' | 'error';
  error?: string;
  cartpole?: { meanReward: number; randomMeanReward: number; steps: number; stepsPerSecond: number; progressMessages: number; compute: Compute; indexedDbRoundTrip: boolean };
  uploaded?: { numTimesteps: number; sharpe: number; totalReturn: number };
  trading?: { steps: number; stepsPerSecond: number; sharpe: number; totalReturn: number; maxDrawdown: number; trades: number; buyAndHoldReturn: number };
}
const state: PageState = { status: 'idle' };
(globalThis as { tradegymExample?: PageState }).tradegymExample = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const setting = (name: string, fallback: string) => params.get(name) ?? fallback;
$<HTMLSelectElement>('compute').value = setting('compute', 'wasm');
$<HTMLSelectElement>('backend').value = setting('backend', 'cpu');
$<HTMLInputElement>('cartpoleSteps').value = setting('cartpoleSteps', '30000');
$<HTMLInputElement>('tradingSteps').value = setting('tradingSteps', '100000');

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const trainer = new WorkerTrainer<TrainConfig>(worker);

function config(task: TrainConfig['task']): TrainConfig {
  return {
    task,
    compute: $<HTMLSelectElement>('compute').value as Compute,
    backend: $<HTMLSelectElement>('backend').value as BackendName,
    steps: Number($<HTMLInputElement>(task === 'cartpole' ? 'cartpoleSteps' : 'tradingSteps').value),
    seed: 0,
    marketSeed: 11,
  };
}

function log(line: string): void {
  $('log').textContent += `${line}\n`;
}

/** The live training curve: the mean episode return of the last 100 episodes against steps. */
function curve(svgId: string) {
  const svg = $(svgId) as unknown as SVGSVGElement;
  const points: [number, number][] = [];
  return (p: WorkerProgress) => {
    const y = p.record['rollout/ep_rew_mean'];
    if (y === undefined || Number.isNaN(y)) return;
    points.push([p.timesteps, y]);
    const ys = points.map(([, v]) => v);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys, lo + 1e-9);
    const d = points.map(([x, v]) => `${((x / p.totalTimesteps) * 600).toFixed(1)},${(190 - ((v - lo) / (hi - lo)) * 180).toFixed(1)}`).join(' ');
    svg.innerHTML = `<polyline points="${d}" fill="none" stroke="#1f77b4" stroke-width="2"/><text x="4" y="14" font-size="12">${hi.toFixed(3)}</text><text x="4" y="196" font-size="12">${lo.toFixed(3)}</text>`;
    $(`${svgId}-label`).textContent = `${p.timesteps} / ${p.totalTimesteps} steps, mean episode return ${y.toFixed(3)}, ${Math.round(p.record['time/fps'] ?? 0)} steps/s`;
  };
}

async function trainCartPole(): Promise<void> {
  const c = config('cartpole');
  log(`CartPole: PPO for ${c.steps} steps in the worker (kernels ${c.compute}, tfjs ${c.backend})`);
  let messages = 0;
  const draw = curve('cartpole-curve');
  const result = await trainer.train(c, { onProgress: (p) => (messages++, draw(p)) });
  const env = make('CartPole-v1');
  const agent = await PPO.load(result.checkpoint, env); // with the kernel set it trained on (the page's main thread runs the wasm kernels too)
  const trained = evaluatePolicy(agent, env, { nEvalEpisodes: 10, seed: 100 });
  // kept in the browser's IndexedDB, and read back: the same policy
  await agent.save('indexeddb://tradegym-cartpole');
  const kept = await PPO.load('indexeddb://tradegym-cartpole', make('CartPole-v1'));
  const probes = Array.from({ length: 50 }, (_, i) => Float32Array.from({ length: 4 }, (_, k) => Math.sin(i * 7 + k) * 0.2));
  const indexedDbRoundTrip = probes.every((o) => kept.predict(o, { deterministic: true }) === agent.predict(o, { deterministic: true })) && kept.numTimesteps === agent.numTimesteps;
  kept.dispose();
  const rng = new Rng(1);
  const random = evaluatePolicy({ predict: () => rng.integer(0, 2) }, make('CartPole-v1'), { nEvalEpisodes: 10, seed: 100 });
  agent.dispose();
  const stepsPerSecond = result.numTimesteps / (result.elapsedMs / 1000);
  state.cartpole = { meanReward: trained.mean, randomMeanReward: random.mean, steps: result.numTimesteps, stepsPerSecond, progressMessages: messages, compute: c.compute, indexedDbRoundTrip };
  log(`CartPole: trained ${result.numTimesteps} steps at ${stepsPerSecond.toFixed(0)} steps/s; mean return ${trained.mean.toFixed(1)} (random policy ${random.mean.toFixed(1)}); kept in IndexedDB as indexeddb://tradegym-cartpole`);
}

/** The last trained trading agent, for the download button. */
let lastTrading: WorkerTrainingResult['checkpoint'] | undefined;

async function download(): Promise<void> {
  if (lastTrading === undefined) return;
  const agent = await PPO.load(lastTrading, tradingMarket(11).testEnv());
  await agent.save('downloads://tradegym-ppo'); // tradegym-ppo.json and tradegym-ppo.weights.bin
  agent.dispose();
}

/** Loads an agent from the two downloaded files and backtests it on the same held-out bars. */
async function upload(files: File[]): Promise<void> {
  const json = files.find((f) => f.name.endsWith('.json'));
  const weights = files.find((f) => f.name.endsWith('.bin'));
  if (json === undefined || weights === undefined) throw new Error('choose the two files the download gave: tradegym-ppo.json and tradegym-ppo.weights.bin');
  const market = tradingMarket(11);
  const env = market.testEnv();
  const agent = await PPO.load(tf.io.browserFiles([json, weights]), env);
  const bt = backtest({ data: market.test, strategy: { env, agent } });
  state.uploaded = { numTimesteps: agent.numTimesteps, sharpe: bt.metrics.sharpeRatio, totalReturn: bt.metrics.totalReturn };
  agent.dispose();
  log(`Uploaded agent (${state.uploaded.numTimesteps} steps): test return ${(100 * bt.metrics.totalReturn).toFixed(2)}%, Sharpe ${bt.metrics.sharpeRatio.toFixed(2)}`);
}

async function trainAndBacktest(): Promise<void> {
  const c = config('trading');
  log(`Trading: PPO for ${c.steps} steps on 120 days of synthetic crypto-15m bars (seed ${c.marketSeed}), 70% to train`);
  const trainingLog: Record<string, number>[] = [];
  const draw = curve('trading-curve');
  const result = await trainer.train(c, { onProgress: (p) => (trainingLog.push({ ...p.record }), draw(p)) });
  const market = tradingMarket(c.marketSeed);
  const env = market.testEnv();
  const agent = await PPO.load(result.checkpoint, env);
  const bt = backtest({ data: market.test, strategy: { env, agent } });
  agent.dispose();
  lastTrading = result.checkpoint;
  $<HTMLButtonElement>('download').hidden = false;
  const html = await renderReport(bt, { title: `PPO on held-out synthetic bars (trained ${result.numTimesteps} steps in a Web Worker)`, regimes: market.testRegimes, regimeNames: market.regimeNames, trainingLog });
  $<HTMLIFrameElement>('report').srcdoc = html;
  state.trading = {
    steps: result.numTimesteps,
    stepsPerSecond: result.numTimesteps / (result.elapsedMs / 1000),
    sharpe: bt.metrics.sharpeRatio,
    totalReturn: bt.metrics.totalReturn,
    maxDrawdown: bt.metrics.maxDrawdown,
    trades: bt.stats.trades,
    buyAndHoldReturn: bt.benchmark.metrics.totalReturn,
  };
  log(`Trading: test return ${(100 * bt.metrics.totalReturn).toFixed(2)}% (buy-and-hold ${(100 * bt.benchmark.metrics.totalReturn).toFixed(2)}%), Sharpe ${bt.metrics.sharpeRatio.toFixed(2)}, ${bt.stats.trades} trades`);
}

async function run(task: () => Promise<void>): Promise<void> {
  state.status = 'running';
  document.querySelectorAll<HTMLButtonElement>('button.train').forEach((b) => (b.disabled = true));
  try {
    await task();
    state.status = 'done';
  } catch (e) {
    state.status = 'error';
    state.error = String((e as Error).stack ?? e);
    log(`error: ${(e as Error).message}`);
    console.error(e);
  } finally {
    document.querySelectorAll<HTMLButtonElement>('button.train').forEach((b) => (b.disabled = false));
  }
}

await useBackend('cpu'); // the page thread only loads checkpoints and acts
$('train-cartpole').addEventListener('click', () => void run(trainCartPole));
$('train-trading').addEventListener('click', () => void run(trainAndBacktest));
$('stop').addEventListener('click', () => trainer.stop());
$('download').addEventListener('click', () => void download());
$<HTMLInputElement>('upload').addEventListener('change', (e) => void run(() => upload(Array.from((e.target as HTMLInputElement).files ?? []))));
// ?auto runs both tasks, ?auto=cartpole only CartPole (the page's speed bench)
if (params.get('auto') === 'cartpole') void run(trainCartPole);
else if (params.has('auto')) void run(async () => (await trainCartPole(), await trainAndBacktest()));

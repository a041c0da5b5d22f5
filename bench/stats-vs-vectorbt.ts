// The full statistics of a 1,000,000-bar backtest, ours against vectorbt's pf.stats(), side by
// side in one run on the same bars and the same decisions (issue 21's speed goal: ours no
// slower). Bars: the crypto-15m preset, 1,000,000 of them (seed 1); decisions: the library's
// random long/flat signal (seed 1, a new draw with probability 1/100 per bar: 2,442 trades
// spread over all the bars, in the market half the time), filled at the signal bar's close (as
// vectorbt's from_signals); fee 5 bps. A portfolio that lives through all the bars: a
// moving-average cross loses everything in this market within its first quarter (fees and
// whipsaws) and leaves both libraries the statistics of a flat line.
// Ours: every metric of the strategy and of buy-and-hold, and the trade statistics, timed on a
// fresh backtest result each time (the statistics are computed when first read). vectorbt:
// Portfolio.from_signals(direction='longonly') with the same entries and exits, then pf.stats()
// on a fresh portfolio each time (bench/peers/vbt_stats.py, through ../shared/peers/run.sh).
// Median of BENCH_REPS (5) warm runs each, after one untimed first run; the peer and ours
// alternate BENCH_ROUNDS (3) times and the medians over all runs are compared.
// Without the peer (no SB3_PEERS / /work/shared/peers/run.sh) ours is reported alone; vectorbt
// imports packages run.sh does not install: first `apt-get install python3-plotly
// python3-mypy-extensions python3-dill python3-dateparser python3-imageio python3-tz
// python3-requests python3-schedule python3-tqdm python3-sklearn`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { backtest, randomSignal, RegimeGenerator } from '../src/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const reps = Number(process.env.BENCH_REPS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1_000_000, seed: 1 });

// the decisions: +1 or 0; entries/exits are
// the bars where the position turns long/flat
const c = data.close;
const FEE_BPS = 5;
const signal = randomSignal(data, { seed: 1, changeProbability: 1 / 100, mode: 'long-flat' });
const entries = new Uint8Array(data.length);
const exits = new Uint8Array(data.length);
for (let t = 0; t < data.length; t++) {
  const prev = t === 0 ? 0 : (signal[t - 1] as number);
  if (signal[t] === 1 && prev !== 1) entries[t] = 1;
  if (signal[t] !== 1 && prev === 1) exits[t] = 1;
}

function ours(): number {
  const r = backtest({ data, strategy: signal, account: { fee: FEE_BPS }, execution: 'close' });
  const t0 = performance.now();
  const m = r.metrics;
  const s = r.stats;
  const b = r.benchmark.metrics;
  const seconds = (performance.now() - t0) / 1000;
  if (!Number.isFinite(m.sharpeRatio + s.trades + b.sharpeRatio)) throw new Error('statistics are not finite');
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const runSh = process.env.SB3_PEERS ?? '/work/shared/peers/run.sh';
const peer = existsSync(runSh);
let dir: string | undefined;
if (peer) {
  dir = mkdtempSync(join(tmpdir(), 'tradegym-vbt-'));
  writeFileSync(join(dir, 'close.f64'), Buffer.from(Float64Array.from(c).buffer));
  writeFileSync(join(dir, 'entries.u8'), entries);
  writeFileSync(join(dir, 'exits.u8'), exits);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ fees: FEE_BPS / 10_000, freq: '15min', direction: 'longonly' }));
} else console.error(`no peer at ${runSh}: ours only`);

ours(); // first run: JIT
const oursRuns: number[] = [];
const peerRuns: number[] = [];
let peerInfo: Record<string, unknown> = {};
for (let round = 0; round < rounds; round++) {
  if (peer) {
    const { stdout } = await run(runSh, ['python', join(here, 'peers', 'vbt_stats.py'), '--data', dir as string, '--reps', String(reps)], { maxBuffer: 16 << 20, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    peerInfo = JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    peerRuns.push(...(peerInfo.statsWarmRuns as number[]));
  }
  for (let i = 0; i < reps; i++) oursRuns.push(ours());
  console.error(`round ${round + 1}/${rounds}: ours ${median(oursRuns).toFixed(3)} s${peer ? `, vectorbt ${median(peerRuns).toFixed(3)} s` : ''}`);
}
if (dir !== undefined) rmSync(dir, { recursive: true });
// the same portfolio on both sides: trades and total return side by side in the output
const check = backtest({ data, strategy: signal, account: { fee: FEE_BPS }, execution: 'close' });
const o = median(oursRuns);
const v = peer ? median(peerRuns) : null;
console.log(JSON.stringify({
  benchmark: 'stats-vs-vectorbt', bars: data.length, loadAverage: loadavg().map((x) => +x.toFixed(2)),
  ours: { statsWarmMedianSeconds: +o.toFixed(4), runs: oursRuns.map((x) => +x.toFixed(4)), trades: check.stats.trades, totalReturnPct: 100 * check.stats.return, sharpe: check.metrics.sharpeRatio },
  vectorbt: peer ? { ...peerInfo, statsWarmMedianSeconds: v, allRuns: peerRuns } : { unavailable: runSh },
  ratio: v === null ? null : +(o / v).toFixed(2), goal: 'ours <= vectorbt (ratio <= 1)', pass: v === null ? null : o <= v,
}));

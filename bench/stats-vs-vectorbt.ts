// The full statistics of a 1,000,000-bar backtest, ours against vectorbt's pf.stats(), side by
// side in one run on the same bars and the same decisions (issue 21's speed goal: ours no
// slower). Bars: the crypto-15m preset, 1,000,000 of them (seed 1); decisions: a
// moving-average cross (10/50), long above and short below, always in the market; fee 10 bps.
// Ours: every metric of the strategy and of buy-and-hold, and the trade statistics, timed on a
// fresh backtest result each time (the statistics are computed when first read). vectorbt:
// Portfolio.from_signals(direction='both') with the same entries and exits, then pf.stats()
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
import { backtest, movingAverageCrossSignal, RegimeGenerator } from '../src/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const reps = Number(process.env.BENCH_REPS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 1_000_000, seed: 1 });

// the decisions: +1 above, -1 below (the library's moving-average cross); entries/exits are
// the bars where the side turns long/short
const c = data.close;
const signal = movingAverageCrossSignal(data, { fast: 10, slow: 50, mode: 'long-short' });
const entries = new Uint8Array(data.length);
const exits = new Uint8Array(data.length);
for (let t = 0; t < data.length; t++) {
  const prev = t === 0 ? 0 : (signal[t - 1] as number);
  if (signal[t] === 1 && prev !== 1) entries[t] = 1;
  if (signal[t] === -1 && prev !== -1) exits[t] = 1;
}

function ours(): number {
  const r = backtest({ data, strategy: signal, account: { fee: 10 } });
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
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ fees: 0.001, freq: '15min' }));
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
const o = median(oursRuns);
const v = peer ? median(peerRuns) : null;
console.log(JSON.stringify({
  benchmark: 'stats-vs-vectorbt', bars: data.length, loadAverage: loadavg().map((x) => +x.toFixed(2)),
  ours: { statsWarmMedianSeconds: +o.toFixed(4), runs: oursRuns.map((x) => +x.toFixed(4)) },
  vectorbt: peer ? { ...peerInfo, statsWarmMedianSeconds: v, allRuns: peerRuns } : { unavailable: runSh },
  ratio: v === null ? null : +(o / v).toFixed(2), goal: 'ours <= vectorbt (ratio <= 1)', pass: v === null ? null : o <= v,
}));

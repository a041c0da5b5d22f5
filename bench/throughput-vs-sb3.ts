// Training throughput (env steps per second of learn(), rollouts and updates included) of
// tradegym against Stable-Baselines3 2.3.2 with Debian's PyTorch on 1 thread, measured in the
// same run: for each round, each case runs the peer and then ours (peer, ours, peer, ours, ...),
// BENCH_ROUNDS (3) rounds; per case every run, the medians, the ratio of medians, the goal.
// A figure from another run or another day is not a baseline on a shared machine.
//
// Cases (goals from issue 15), the same settings on both sides (checked key by key against the
// models SB3 builds, see bench/peers/sb3_settings.py):
//   ppo_1env, ppo_8env  PPO, SB3 defaults (n_steps 2048, batch 64, 10 epochs, 64-64 tanh),
//                       CartPole-v1, 1 and 8 envs; ours compute 'auto'. Goal >= 4x each.
//   a2c_8env            A2C, SB3 defaults (n_steps 5, RMSprop), 8 envs. Goal >= 4x.
//   dqn_zoo_native      DQN, rl-baselines3-zoo's current CartPole-v1 (256-256, batch 64,
//                       train_freq 256, 128 gradient steps, ...), 1 env, native kernels. >= 3x.
//   dqn_zoo_wasm        the same on the wasm kernel set, as a user without the native
//                       kernels trains. Goal >= 1x. Both DQN cases share the round's SB3 run.
// PPO and A2C run compute 'auto' (the native set where it loads); ppo_8env_wasm and
// a2c_8env_wasm report the wasm set beside them, for information.
//   qrdqn_zoo           QR-DQN (issue 16), rl-baselines3-zoo's CartPole-v1 (256-256, 10
//                       quantiles, train_freq 256, 128 gradient steps, ...), 1 env, native
//                       kernels, against sb3-contrib 2.3.0 (bench/peers/sb3_offpolicy.py).
//                       Goal >= 1.5x; the wasm set beside it for information.
//   sac_pendulum        SAC (issue 16), SB3's defaults on Pendulum-v1, 1 env, compute 'auto'
//                       (the native kernels where they load). Goal >= 1.5x; wasm beside it.
//   recurrent_ppo       RecurrentPPO (issue 16), rl-baselines3-zoo's ppo_lstm CartPoleNoVel-v1
//                       (LSTM 64, 8 envs, n_steps 32, 20 epochs of one 256-step minibatch),
//                       compute 'auto', against sb3-contrib 2.3.0 (bench/peers/sb3_recurrent.py).
//                       Goal >= 1.5x; the wasm set beside it for information.
//   ppo_tcn             PPO with tcnExtractor on CartPole-v1 with 4 stacked frames, 8 envs,
//                       bench/learn-ppo-extractors.ts's settings; SB3 with the same TCN written
//                       in torch (bench/peers/sb3_tcn.py). For information, no goal.
// Each run trains a freshly built agent for the case's timesteps (SB3: one `train` process;
// its Python start-up, model build and evaluation are outside its timed learn(), as our agent's
// construction is outside ours). Before round 1 each of our agents runs one untimed warm-up
// learn (V8's JIT, wasm compilation). Ours on tfjs's wasm backend where installed (single-threaded
// in Node, as torch with 1 thread), else 'auto'; the typed and native kernels are single-threaded.
//
// A goal passes when the ratio of the medians reaches it and the settings match; allPass is
// false if one fails, null if one could not be judged (no peer, no native kernels).
// Timesteps per run: ppo_1env 20,480, ppo_8env 49,152, a2c_8env 120,000, dqn_zoo 20,000, qrdqn_zoo 20,000, sac_pendulum 3,000, recurrent_ppo 16,384, ppo_tcn
// 8,192 (a few seconds each for the faster side at the figures issue 15 measured).
//
// The peer: SB3_PEERS=<path to run.sh>, else /work/shared/peers/run.sh (see its README); absent,
// the bench says so on stderr and reports ours only. BENCH_ROUNDS (3), BENCH_STEPS (a number for
// every case, or case=steps pairs, e.g. `a2c_8env=200000,dqn_zoo=10000`), BENCH_CASES (comma
// list; dqn_zoo selects both DQN cases) override the defaults. The default run takes about 10
// minutes on an idle 2-core machine; run it on an otherwise idle one, the load average is in the
// output. Progress goes to stderr, one JSON object to stdout.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Box } from '../src/index.js';
import { nativeStatus, tcnExtractor, useBackend } from '../src/agents/index.js';
import { fail, requireRecord } from '../src/core/checks.js';
import { TradegymError } from '../src/core/errors.js';
import { defaultA2C, defaultPPO, defaultSAC, stackedCartPole, tcnPPO, TCN_OPTIONS, zooDQN, zooQRDQN, zooRecurrentPPO, type BenchAgent } from './peers/settings.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** One of our agents in a case: its name in the output, its goal (a ratio to SB3, or none), how to build it. */
interface Variant {
  readonly name: string;
  readonly goal: number | null;
  readonly make: () => BenchAgent;
  /** Steps of the untimed warm-up learn. */
  readonly warm: number;
  /** Why the variant cannot run here, if it cannot. */
  readonly unavailable?: () => string | undefined;
}

/** A case: one peer run per round, then each variant of ours. */
interface Case {
  readonly name: string;
  readonly settings: string;
  readonly steps: number;
  /** run.sh's arguments for `steps` timesteps. */
  readonly peer: (steps: number, peersDir: string) => string[];
  /** Which block of sb3_settings.py's output holds the peer's settings (else its run line's `settings`). */
  readonly peerSettings?: 'ppo' | 'a2c' | 'dqn';
  readonly variants: readonly Variant[];
}

const sb3Train = (algo: string, nEnvs: number) => (steps: number) =>
  ['sb3', 'train', '--algo', algo, '--n-envs', String(nEnvs), '--seed', '0', '--threads', '1', '--timesteps', String(steps), ...(algo === 'dqn' ? ['--dqn-hp', 'zoohead'] : [])];

/** run.sh's arguments for sb3_offpolicy.py training `algo`. */
const offPolicyPeer = (algo: 'qrdqn' | 'sac') => (steps: number, peersDir: string) =>
  ['python', join(here, 'peers', 'sb3_offpolicy.py'), '--peers-dir', peersDir, '--algo', algo, '--threads', '1', '--timesteps', String(steps)];

const nativeMissing = (): string | undefined => {
  const s = nativeStatus();
  return s.available ? undefined : s.reason;
};

const CASES: readonly Case[] = [
  {
    name: 'ppo_1env',
    settings: 'PPO, SB3 defaults (n_steps 2048, batch 64, 10 epochs, 64-64 tanh), CartPole-v1, 1 env',
    steps: 20_480,
    peer: sb3Train('ppo', 1),
    peerSettings: 'ppo',
    variants: [{ name: 'ppo_1env', goal: 4, make: () => defaultPPO(1), warm: 2048 }],
  },
  {
    name: 'ppo_8env',
    settings: 'PPO, SB3 defaults, CartPole-v1, 8 envs (batched inference)',
    steps: 49_152,
    peer: sb3Train('ppo', 8),
    peerSettings: 'ppo',
    variants: [
      { name: 'ppo_8env', goal: 4, make: () => defaultPPO(8), warm: 16_384 },
      { name: 'ppo_8env_wasm', goal: null, make: () => defaultPPO(8, 0, 'wasm'), warm: 16_384 },
    ],
  },
  {
    name: 'a2c_8env',
    settings: 'A2C, SB3 defaults (n_steps 5, RMSprop, 64-64 tanh), CartPole-v1, 8 envs',
    steps: 120_000,
    peer: sb3Train('a2c', 8),
    peerSettings: 'a2c',
    variants: [
      { name: 'a2c_8env', goal: 4, make: () => defaultA2C(8), warm: 20_000 },
      { name: 'a2c_8env_wasm', goal: null, make: () => defaultA2C(8, 0, 'wasm'), warm: 20_000 },
    ],
  },
  {
    name: 'dqn_zoo',
    settings: "DQN, rl-baselines3-zoo's current CartPole-v1 (256-256 relu, batch 64, buffer 100000, learning_starts 1000, train_freq 256, 128 gradient steps, target_update_interval 10, lr 2.3e-3, exploration 0.16 to 0.04), 1 env",
    steps: 20_000,
    peer: sb3Train('dqn', 1),
    peerSettings: 'dqn',
    variants: [
      { name: 'dqn_zoo_native', goal: 3, make: () => zooDQN('native'), warm: 2048, unavailable: nativeMissing },
      { name: 'dqn_zoo_wasm', goal: 1, make: () => zooDQN('wasm'), warm: 2048 },
    ],
  },
  {
    name: 'qrdqn_zoo',
    settings: "QR-DQN, rl-baselines3-zoo's qrdqn.yml CartPole-v1 (256-256 relu, 10 quantiles, batch 64, buffer 100000, learning_starts 1000, train_freq 256, 128 gradient steps, target_update_interval 10, lr 2.3e-3, exploration 0.16 to 0.04), 1 env; sb3-contrib 2.3.0 (bench/peers/sb3_offpolicy.py)",
    steps: 20_000,
    peer: offPolicyPeer('qrdqn'),
    variants: [
      { name: 'qrdqn_zoo_native', goal: 1.5, make: () => zooQRDQN('native'), warm: 2048, unavailable: nativeMissing },
      { name: 'qrdqn_zoo_wasm', goal: null, make: () => zooQRDQN('wasm'), warm: 2048 },
    ],
  },
  {
    name: 'sac_pendulum',
    settings: "SAC, SB3's defaults (256-256 relu actor and twin critics, batch 256, buffer 1e6, learning_starts 100, train_freq 1, 1 gradient step, tau 0.005, learned entropy coefficient), Pendulum-v1, 1 env (bench/peers/sb3_offpolicy.py)",
    steps: 3000,
    peer: offPolicyPeer('sac'),
    variants: [
      { name: 'sac_pendulum', goal: 1.5, make: () => defaultSAC(), warm: 300 },
      { name: 'sac_pendulum_wasm', goal: null, make: () => defaultSAC('wasm'), warm: 300 },
    ],
  },
  {
    name: 'recurrent_ppo',
    settings: "RecurrentPPO, rl-baselines3-zoo's ppo_lstm CartPoleNoVel-v1 (8 envs, n_steps 32, batch 256, 20 epochs, gamma 0.98, gae_lambda 0.8, linear lr 1e-3 and clip 0.2, LSTM 64 for the actor and the critic, relu heads pi [64] vf [64], ortho_init False, observations normalised); sb3-contrib 2.3.0 (bench/peers/sb3_recurrent.py)",
    steps: 16_384,
    peer: (steps, peersDir) => ['python', join(here, 'peers', 'sb3_recurrent.py'), '--peers-dir', peersDir, '--threads', '1', '--timesteps', String(steps)],
    variants: [
      { name: 'recurrent_ppo', goal: 1.5, make: () => zooRecurrentPPO(), warm: 2048 },
      { name: 'recurrent_ppo_wasm', goal: null, make: () => zooRecurrentPPO('wasm'), warm: 2048 },
    ],
  },
  {
    name: 'ppo_tcn',
    settings: `PPO with tcnExtractor(${JSON.stringify(TCN_OPTIONS)}) on CartPole-v1 with 4 stacked frames, 8 envs, n_steps 32, batch 256, 20 epochs, gamma 0.98, gae_lambda 0.8, linear lr 1e-3 and clip 0.2, relu heads pi [64] vf [64]; SB3 with the same TCN in torch (bench/peers/sb3_tcn.py)`,
    steps: 8192,
    peer: (steps, peersDir) => ['python', join(here, 'peers', 'sb3_tcn.py'), '--peers-dir', peersDir, '--threads', '1', '--timesteps', String(steps)],
    variants: [{ name: 'ppo_tcn', goal: null, make: () => tcnPPO(), warm: 256 }],
  },
];

// ---- options ----

/** An integer >= 1 from a string (an environment variable), or an error showing the string. */
function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : fail(name, 'an integer >= 1', raw);
}

const rounds = positiveInt('BENCH_ROUNDS', process.env.BENCH_ROUNDS ?? '3');
const caseNames = CASES.map((c) => c.name);
const selected = (process.env.BENCH_CASES ?? caseNames.join(',')).split(',').map((s) => s.trim());
for (const s of selected) if (!caseNames.includes(s)) fail('BENCH_CASES', `a comma list of ${caseNames.join(', ')}`, process.env.BENCH_CASES);
const stepsOverride = parseSteps(process.env.BENCH_STEPS);
const cases = CASES.filter((c) => selected.includes(c.name)).map((c) => ({ ...c, steps: stepsOverride(c.name) ?? c.steps }));

/** BENCH_STEPS: a number for every case, or `case=steps` pairs. */
function parseSteps(v: string | undefined): (name: string) => number | undefined {
  if (v === undefined || v === '') return () => undefined;
  if (!v.includes('=')) {
    const all = positiveInt('BENCH_STEPS', v);
    return () => all;
  }
  const pairs = new Map<string, number>();
  for (const pair of v.split(',')) {
    const [name = '', steps] = pair.split('=').map((s) => s.trim());
    if (!caseNames.includes(name)) fail('BENCH_STEPS', `a number or case=steps pairs over ${caseNames.join(', ')}`, v);
    pairs.set(name, positiveInt(`BENCH_STEPS[${name}]`, steps ?? ''));
  }
  return (name) => pairs.get(name);
}

// ---- the peer ----

/** The peer's run.sh, or why there is none. */
function findPeer(): { runSh: string } | { reason: string } {
  const env = process.env.SB3_PEERS;
  if (env !== undefined && env !== '') return existsSync(env) ? { runSh: env } : { reason: `SB3_PEERS=${env} does not exist` };
  const fallback = '/work/shared/peers/run.sh';
  return existsSync(fallback) ? { runSh: fallback } : { reason: `no SB3_PEERS and no ${fallback}` };
}

/** Runs run.sh with `args`; its last JSON line. */
async function peerJson(runSh: string, args: readonly string[]): Promise<Record<string, unknown>> {
  // no __pycache__ left in bench/peers or the peers' folder
  const { stdout } = await run(runSh, [...args], { maxBuffer: 64 << 20, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (line === undefined) throw new TradegymError(`${runSh} ${args.join(' ')} printed no JSON line: ${stdout.slice(-500)}`);
  return requireRecord('peer output', JSON.parse(line));
}

/** A failed child's message, short: its stderr's tail where it has one. */
function errorText(e: unknown): string {
  const stderr = (e as { stderr?: unknown }).stderr;
  const tail = typeof stderr === 'string' && stderr.trim() !== '' ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
  return `${e instanceof Error ? e.message.split('\n')[0] : String(e)}${tail}`;
}

// ---- settings check ----

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A setting as comparable JSON: a schedule as its values at progress remaining 1, 0.5, 0 (as sb3_settings.py prints SB3's), names in lower case ('Tanh', 'TCN'). */
function normalise(v: unknown): unknown {
  if (typeof v === 'function') return { schedule: [1, 0.5, 0].map((p) => (v as (p: number) => number)(p)) };
  if (typeof v === 'string') return v.toLowerCase();
  return v;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/**
 * Compares the peer's settings (SB3's names) with ours (`agent.config`, camelCase): every key
 * both have must be equal, a constant standing for a constant schedule (SB3 makes clip_range
 * one). Keys ours has no option for (the optimizer's eps, ...) are listed, not compared.
 */
function compareSettings(peer: Record<string, unknown>, ours: Readonly<Record<string, unknown>>) {
  const compared: string[] = [];
  const peerOnly: string[] = [];
  const mismatches: { key: string; sb3: unknown; tradegym: unknown }[] = [];
  for (const [key, value] of Object.entries(peer)) {
    const k = camel(key);
    if (!(k in ours)) {
      peerOnly.push(key);
      continue;
    }
    compared.push(k);
    const theirs = normalise(value);
    const mine = normalise(ours[k]);
    const constant = typeof theirs === 'object' && theirs !== null && 'schedule' in theirs && typeof mine === 'number' ? { schedule: [mine, mine, mine] } : mine;
    if (!same(theirs, constant)) mismatches.push({ key: k, sb3: value, tradegym: mine });
  }
  return { match: mismatches.length === 0, compared, mismatches, notCompared: peerOnly };
}

// ---- timing ----

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const load = (): number[] => loadavg().map((x) => +x.toFixed(2));

/** Trains a fresh agent for `steps` timesteps: steps/s of its learn(). */
async function timeOurs(make: () => BenchAgent, steps: number): Promise<{ stepsPerSecond: number; timesteps: number }> {
  const agent = make();
  try {
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: steps });
    const seconds = (performance.now() - t0) / 1000;
    return { stepsPerSecond: round1(agent.numTimesteps / seconds), timesteps: agent.numTimesteps };
  } finally {
    agent.dispose();
  }
}

// ---- the run ----

const loadBefore = load();
let backend: string;
try {
  backend = await useBackend('wasm');
} catch (e) {
  if (!(e instanceof TradegymError)) throw e;
  console.error(`tfjs-backend-wasm is not installed (${e.message}); using useBackend('auto')`);
  backend = await useBackend('auto');
}

const found = findPeer();
let runSh = 'runSh' in found ? found.runSh : undefined;
let peerNote: Record<string, unknown> = 'reason' in found ? { available: false, reason: found.reason } : { available: true, runSh };
let sb3Settings: Record<string, unknown> = {};
if (runSh !== undefined) {
  try {
    sb3Settings = await peerJson(runSh, ['python', join(here, 'peers', 'sb3_settings.py'), '--peers-dir', dirname(runSh)]);
    peerNote = { ...peerNote, versions: sb3Settings.versions, threads: 1 };
  } catch (e) {
    peerNote = { available: false, reason: `${runSh} failed: ${errorText(e)}` };
    runSh = undefined;
  }
}
if (runSh === undefined) console.error(`Stable-Baselines3 peer not available (${String(peerNote.reason)}): reporting tradegym's figures only`);

interface VariantResult {
  compute?: string;
  settings?: Record<string, unknown>;
  ours: number[];
  oursTimesteps?: number;
  skipped?: string;
}
interface CaseResult {
  sb3: number[];
  sb3Timesteps?: number;
  sb3Errors: string[];
  sb3Settings?: Record<string, unknown>;
  variants: Map<string, VariantResult>;
}
const results = new Map<string, CaseResult>();

// warm-up (untimed) and each variant's resolved config, from the same agents
for (const c of cases) {
  const r: CaseResult = { sb3: [], sb3Errors: [], variants: new Map() };
  results.set(c.name, r);
  if (c.peerSettings !== undefined && sb3Settings[c.peerSettings] !== undefined) r.sb3Settings = requireRecord('sb3 settings', sb3Settings[c.peerSettings]);
  for (const v of c.variants) {
    const skipped = v.unavailable?.();
    if (skipped !== undefined) {
      r.variants.set(v.name, { ours: [], skipped });
      continue;
    }
    const agent = v.make();
    try {
      await agent.learn({ totalTimesteps: v.warm });
      const config: Record<string, unknown> = { ...agent.config };
      // a built-in extractor by its kind, as sb3_settings.py names SB3's by its class
      const kind = (config.featuresExtractor as { description?: { kind?: string } } | undefined)?.description?.kind;
      if (kind !== undefined) config.featuresExtractor = kind;
      if (c.name === 'ppo_tcn') config.featuresExtractorParams = extractorParams();
      r.variants.set(v.name, { compute: agent.compute, settings: config, ours: [] });
    } finally {
      agent.dispose();
    }
  }
}

/** Trainable parameters of the TCN case's extractor (sb3_settings.py prints the torch one's). */
function extractorParams(): number {
  const model = tcnExtractor(TCN_OPTIONS)(stackedCartPole().observationSpace as Box, 0);
  try {
    return model.countParams();
  } finally {
    model.dispose();
  }
}

const loadByRound: number[][] = [];
for (let round = 0; round < rounds; round++) {
  loadByRound.push(load());
  for (const c of cases) {
    const r = results.get(c.name) as CaseResult;
    if (runSh !== undefined) {
      try {
        const out = await peerJson(runSh, c.peer(c.steps, dirname(runSh)));
        r.sb3.push(round1(Number(out.env_steps_per_s)));
        r.sb3Timesteps = Number(out.timesteps);
        if (out.settings !== undefined) r.sb3Settings = requireRecord('sb3 settings', out.settings);
      } catch (e) {
        r.sb3Errors.push(errorText(e));
      }
    }
    for (const v of c.variants) {
      const vr = r.variants.get(v.name) as VariantResult;
      if (vr.skipped !== undefined) continue;
      const t = await timeOurs(v.make, c.steps);
      vr.ours.push(t.stepsPerSecond);
      vr.oursTimesteps = t.timesteps;
    }
    const vs = c.variants.map((v) => `${v.name} ${JSON.stringify(r.variants.get(v.name)?.ours)}`).join(', ');
    console.error(`round ${round + 1}/${rounds} ${c.name}: sb3 ${JSON.stringify(r.sb3)}, ${vs}`);
  }
}

const report: Record<string, unknown> = {};
const passes: (boolean | null)[] = [];
for (const c of cases) {
  const r = results.get(c.name) as CaseResult;
  const sb3Median = r.sb3.length > 0 ? round1(median(r.sb3)) : null;
  for (const v of c.variants) {
    const vr = r.variants.get(v.name) as VariantResult;
    const oursMedian = vr.ours.length > 0 ? round1(median(vr.ours)) : null;
    const ratio = sb3Median !== null && oursMedian !== null ? +(oursMedian / sb3Median).toFixed(2) : null;
    const check = r.sb3Settings !== undefined && vr.settings !== undefined ? compareSettings(r.sb3Settings, vr.settings) : null;
    // a ratio counts only when both sides trained with the same settings
    const pass = v.goal === null || ratio === null || check === null ? null : ratio >= v.goal && check.match;
    if (v.goal !== null) passes.push(pass);
    report[v.name] = {
      settings: c.settings,
      ...(c.variants.length > 1 ? { sb3RunsSharedBy: c.variants.map((x) => x.name) } : {}),
      sb3: { runs: r.sb3, median: sb3Median, timesteps: r.sb3Timesteps ?? null, ...(r.sb3Errors.length > 0 ? { errors: r.sb3Errors } : {}) },
      tradegym: vr.skipped !== undefined ? { skipped: vr.skipped } : { compute: vr.compute, runs: vr.ours, median: oursMedian, timesteps: vr.oursTimesteps ?? null },
      ratio,
      goal: v.goal === null ? 'none (for information)' : `>= ${v.goal}x`,
      pass,
      settingsCheck: check ?? 'not run (no peer settings)',
    };
  }
}

console.log(
  JSON.stringify({
    benchmark: 'throughput-vs-sb3',
    unit: 'env steps per second of learn()',
    rounds,
    tradegym: { backend, native: nativeStatus(), node: process.version },
    sb3: peerNote,
    cases: report,
    // false if a goal was missed, null if one could not be judged (no peer, no native kernels)
    allPass: passes.includes(false) ? false : passes.includes(null) ? null : true,
    loadAverage: { before: loadBefore, byRound: loadByRound, after: load() },
  }),
);

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentTrainer, useBackend, type MultiAgentOptions } from '../../../src/agents/index.js';
import {
  checkParallelEnv,
  EnvClosedError,
  InvalidArgumentError,
  MultiAgentTradingEnv,
  RegimeGenerator,
  ResetNeededError,
  Rng,
  type MultiAgentTradingEnvOptions,
  type TradingAgent,
} from '../../../src/index.js';
import { tempDirPerTest } from '../../helpers/tempDir.js';

/** Deep equality with `Object.is` on every number: bit for bit (NaN equal to NaN, -0 not 0). */
function same(a: unknown, b: unknown, where = '$'): string | undefined {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? undefined : `${where}: ${String(a)} vs ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? undefined : `${where}: ${String(a)} vs ${String(b)}`;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length || ArrayBuffer.isView(a) !== ArrayBuffer.isView(b)) return `${where}: different shapes`;
  for (const k of ka) {
    const d = same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A deep copy with typed arrays as plain arrays (the env may reuse nothing, but a copy is sure). */
const copy = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v);

const gen = RegimeGenerator.preset('crypto-15m');
const synth = (n: number, symbols = ['BTC', 'ETH']) => symbols.map((symbol, i) => gen.generate({ numSamples: n, seed: 20 + i, symbol }).data);

type Actions = Partial<Record<TradingAgent, number | Float32Array>>;
function randomActions(env: MultiAgentTradingEnv, rng: Rng): Actions {
  const out: Actions = {};
  for (const a of env.agents) out[a] = a === 'meta' ? Float32Array.from({ length: env.assets.length + 1 }, () => rng.normal(0, 2)) : rng.integer(0, 3);
  return out;
}

/** Plays the actions (drawn from `rng` if not given, and recorded); a finished episode is followed by a reset with no seed (from the env's RNG). */
function play(env: MultiAgentTradingEnv, k: number, rng: Rng, given?: Actions[]): { results: unknown[]; taken: Actions[] } {
  const results: unknown[] = [];
  const taken: Actions[] = [];
  for (let i = 0; i < k; i++) {
    if (env.agents.length === 0) {
      results.push(copy(env.reset()), 'reset');
      continue;
    }
    const act = given?.[taken.length] ?? randomActions(env, rng);
    taken.push(act);
    results.push(copy(env.step(act)), copy(env.state()), [...env.agents], env.render());
  }
  return { results, taken };
}

const CONFIGS: [string, Omit<MultiAgentTradingEnvOptions, 'assets'>][] = [
  ['next-open, random starts, fee and borrow', { windowSize: 5, episodeLength: 12, fee: 10, borrowRate: 1e-4 }],
  ['close, a slippage function', { windowSize: 3, episodeLength: 9, execution: 'close', slippage: ({ units }) => 1 + Math.min(30, Math.abs(units) * 1e-3) }],
  ['the whole data, no random start', { windowSize: 4, fee: 5, slippage: 3 }],
];

describe('MultiAgentTradingEnv.cloneState and restoreState', () => {
  it.each(CONFIGS)('clone at a random step, run k steps, restore (through JSON): the same k steps give the same results bit for bit (%s)', (_name, opts) => {
    const rng = new Rng(7);
    let crossedEpisodes = 0;
    for (let run = 0; run < 12; run++) {
      const assets = synth(opts.episodeLength === undefined ? 40 : 80, run % 2 === 0 ? ['BTC', 'ETH'] : ['BTC', 'ETH', 'SOL']);
      const env = new MultiAgentTradingEnv({ assets, ...opts });
      env.reset({ seed: run });
      play(env, rng.integer(0, 20), rng);
      const snapshot = JSON.stringify(env.cloneState());
      const k = rng.integer(1, 30);
      const first = play(env, k, rng);
      if (first.results.includes('reset')) crossedEpisodes++;
      env.restoreState(JSON.parse(snapshot));
      const again = play(env, k, rng, first.taken);
      expect(same(again.results, first.results)).toBeUndefined();
      // a new env of the same options, restored, goes on the same way too
      const other = new MultiAgentTradingEnv({ assets, ...opts });
      other.restoreState(JSON.parse(snapshot));
      expect(same(play(other, k, rng, first.taken).results, first.results)).toBeUndefined();
      expect(JSON.stringify(other.cloneState())).toBe(JSON.stringify(env.cloneState()));
    }
    // some replays ran past the end of an episode into a reset from the env's RNG
    expect(crossedEpisodes).toBeGreaterThan(0);
  });

  it("the snapshot holds the RNG of random starts and the meta agent's weights: without them the replay differs", () => {
    const env = new MultiAgentTradingEnv({ assets: synth(200), windowSize: 4, episodeLength: 5 });
    env.reset({ seed: 3 });
    const act = { 'specialist:BTC': 2, 'specialist:ETH': 0, meta: Float32Array.of(2, 1, 0) } as const;
    env.step(act);
    const snap = JSON.parse(JSON.stringify(env.cloneState())) as Record<string, unknown>;
    for (let i = 0; i < 4; i++) env.step(act);
    const start = (env.reset().infos.meta as { bar: number }).bar; // a random start drawn from the env's RNG
    env.restoreState(snap);
    for (let i = 0; i < 4; i++) env.step(act);
    expect((env.reset().infos.meta as { bar: number }).bar).toBe(start);
    // a specialist's observation holds its sleeve weight: the restored weights are the saved ones
    env.restoreState(snap);
    const w = (snap.meta as number[])[0] as number;
    expect(w).toBeGreaterThan(0.4);
    const fresh = new MultiAgentTradingEnv({ assets: synth(200), windowSize: 4, episodeLength: 5 });
    fresh.restoreState(snap);
    expect(fresh.state()).toEqual(env.state());
    expect(fresh.state()[4 * 2 + 1]).toBe(Math.fround(w));
  });

  it('checkParallelEnv runs its clone-state check on it, and passes', () => {
    const env = new MultiAgentTradingEnv({ assets: synth(120), windowSize: 6, episodeLength: 20, fee: 10 });
    expect(checkParallelEnv(env)).toContain('clone-state');
  });

  it('refuses another env\'s snapshot, malformed ones, naming the entry, and leaves the env as it was', () => {
    const assets = synth(80);
    const env = new MultiAgentTradingEnv({ assets, windowSize: 4, episodeLength: 10 });
    env.reset({ seed: 1 });
    env.step({ 'specialist:BTC': 2, 'specialist:ETH': 0, meta: Float32Array.of(1, 1, 0) });
    const good = JSON.parse(JSON.stringify(env.cloneState())) as Record<string, unknown>;
    const target = new MultiAgentTradingEnv({ assets, windowSize: 4, episodeLength: 10 });
    target.reset({ seed: 9 });
    const kept = JSON.stringify(target.cloneState());
    const edit = (key: string, value: unknown): unknown => ({ ...good, [key]: value });
    const cases: [unknown, RegExp][] = [
      [null, /^state must be a plain object/],
      [edit('extra', 1), /^state\.extra is not a known/],
      [{ ...good, t: undefined }, /^state\.t must be an integer/],
      [edit('version', 0), /^state\.version must be 1/],
      [edit('config', { ...(good.config as object), windowSize: 5 }), /^state\.config\.windowSize must be 4/],
      [edit('config', { ...(good.config as object), episodeLength: null }), /^state\.config\.episodeLength must be 10/],
      [edit('t', 3), /^state\.t must be an integer in \[4, 79\], got 3$/],
      [edit('t', 80), /^state\.t must be an integer in \[4, 79\]/],
      [edit('end', (good.t as number) - 1), /^state\.end must be an integer in/],
      [edit('end', good.t), /^state\.end must be > state\.t/],
      [edit('agents', ['meta']), /^state\.agents must be \[\] or every agent/],
      [edit('meta', [1, 0]), /^state\.meta must be an array of 3 weights/],
      [edit('meta', [NaN, 0, 0]), /^state\.meta must be an array of 3 weights/],
      [edit('rng', { algorithm: 'xor4096' }), /^state\.rng must be an RngState/],
      [edit('account', { ...(good.account as object), cash: 'x' }), /^state\.account: snapshot\.cash must be a finite number/],
    ];
    for (const [snap, re] of cases) {
      expect(() => target.restoreState(snap), re.source).toThrow(InvalidArgumentError);
      expect(() => target.restoreState(snap)).toThrow(re);
      expect(JSON.stringify(target.cloneState())).toBe(kept);
    }
    // an env of three assets: its account refuses a two-asset ledger
    const three = new MultiAgentTradingEnv({ assets: synth(80, ['BTC', 'ETH', 'SOL']), windowSize: 4, episodeLength: 10 });
    expect(() => three.restoreState({ ...good, agents: three.possibleAgents, meta: [0, 0, 0, 0] })).toThrow(/^state\.account: snapshot\.config\.assets must be 3/);
    // and the good snapshot is accepted
    target.restoreState(good);
    expect(JSON.stringify(target.cloneState())).toBe(JSON.stringify(good));
  });

  it('cloneState before reset is a ResetNeededError; restoreState after close an EnvClosedError', () => {
    const env = new MultiAgentTradingEnv({ assets: synth(60), windowSize: 4 });
    expect(() => env.cloneState()).toThrow(ResetNeededError);
    env.reset();
    const snap = env.cloneState();
    env.close();
    expect(() => env.restoreState(snap)).toThrow(EnvClosedError);
  });
});

describe('MultiAgentTrainer on MultiAgentTradingEnv resumes exactly from a checkpoint', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const dir = tempDirPerTest('tradegym-clone-');

  const assets = synth(60);
  const envFn = () => new MultiAgentTradingEnv({ assets, windowSize: 4, episodeLength: 7, fee: 10 }); // saves fall mid-episode
  const policyMappingFn = (agent: TradingAgent) => (agent === 'meta' ? 'meta' : 'trader');
  // a PPO trader and an A2C meta-agent of other rollout lengths: at a save one of them is mid-rollout
  const OPTIONS: MultiAgentOptions<TradingAgent> = {
    policies: { trader: { options: { nSteps: 6, batchSize: 6, nEpochs: 1 }, agentIdInput: true, centralCritic: true }, meta: { algorithm: 'A2C', options: { nSteps: 5 } } },
    policyMappingFn,
    seed: 5,
  };
  const timeless = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'time/fps'));

  /** Every policy's weights, the counters and sampled actions on a fixed observation. */
  function fingerprint(t: MultiAgentTrainer<TradingAgent, number | Float32Array>): unknown {
    const obs = envFn().reset({ seed: 0 }).observations;
    return {
      weights: t.policyIds.map((id) => Array.from(t.policy(id).policy.params.dataSync())),
      steps: [t.numTimesteps, ...t.policyIds.map((id) => t.policy(id).numTimesteps)],
      sampled: Array.from({ length: 4 }, () => copy(t.predict(obs))),
    };
  }

  it('saved from a callback in the middle of learn(): the loaded run continues bit for bit as the uninterrupted one', async () => {
    const total = 90;
    const u = new MultiAgentTrainer<TradingAgent, number | Float32Array>(envFn, OPTIONS);
    const after: Record<string, number>[] = [];
    let savedAt = -1;
    let rollouts = 0;
    await u.learn({
      totalTimesteps: total,
      callback: {
        onRolloutEnd: async ({ record: r }) => {
          if (savedAt >= 0) after.push(timeless(r));
          else if (++rollouts === 2) {
            await u.save(dir());
            savedAt = u.numTimesteps;
          }
        },
      },
    });
    expect(savedAt).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    // the checkpoint holds the env's snapshot, the episode under way
    const before = tf.memory().numTensors;
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn });
    expect(r.env.agents.length).toBe(3); // restored mid-episode, not waiting for a reset
    const resumed: Record<string, number>[] = [];
    await r.learn({ totalTimesteps: total - savedAt, callback: (x) => void resumed.push(timeless(x)) });
    expect(resumed).toEqual(after);
    expect(same(fingerprint(r), fingerprint(u))).toBeUndefined();
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    u.dispose();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AecEnv,
  Box,
  checkAecEnv,
  checkParallelEnv,
  EnvCheckError,
  InvalidActionError,
  InvalidArgumentError,
  MarketData,
  MultiAgentTradingEnv,
  RegimeGenerator,
  ResetNeededError,
  type ParallelEnv,
  type ResetParams,
  type TradingAgent,
} from '../../../src/index.js';

const H = 3_600_000;
const asset = (symbol: string, open: number[], close: number[]) =>
  new MarketData({ symbol, timeframe: '1h', timestamps: open.map((_, i) => i * H), open, close, high: open.map((o, i) => Math.max(o, close[i]!)), low: open.map((o, i) => Math.min(o, close[i]!)), volume: open.map(() => 1) });
const gen = RegimeGenerator.preset('crypto-15m');
const synth = (n: number) => ['BTC', 'ETH', 'SOL'].map((symbol, i) => gen.generate({ numSamples: n, seed: 10 + i, symbol }).data);

describe('MultiAgentTradingEnv', () => {
  it('names agents by symbol, specialists first, and keeps per-agent spaces stable', () => {
    const env = new MultiAgentTradingEnv({ assets: synth(200), windowSize: 8 });
    expect(env.possibleAgents).toEqual(['specialist:BTC', 'specialist:ETH', 'specialist:SOL', 'meta']);
    expect(env.observationSpace('meta')).toBe(env.observationSpace('meta'));
    expect(env.observationSpace('meta').shape).toEqual([8 * 3 + 4]);
    expect(env.observationSpace('specialist:ETH').shape).toEqual([10]);
  });

  it('by hand: meta splits equally, A long and B short; rewards are each sleeve PnL and the log return', () => {
    // weights 1/3 each (A, B, cash); A long 3333.33 / 100 = 33.333 units, B short 3333.33 / 50 = 66.667
    // A: 100 -> 110: +333.33; B: 50 -> 55 short: -333.33; equity unchanged, no fee
    const a = asset('A', [100, 100, 100], [100, 100, 110]);
    const b = asset('B', [50, 50, 50], [50, 50, 55]);
    const env = new MultiAgentTradingEnv({ assets: [a, b], windowSize: 1, fee: 0 });
    env.reset();
    const s = env.step({ 'specialist:A': 2, 'specialist:B': 0, meta: Float32Array.of(0, 0, 0) });
    expect(s.rewards['specialist:A']).toBeCloseTo(333.3333333 / 10000, 9);
    expect(s.rewards['specialist:B']).toBeCloseTo(-333.3333333 / 10000, 9);
    expect(s.rewards.meta).toBeCloseTo(0, 12);
    expect(s.truncations.meta).toBe(true);
    expect(env.agents).toEqual([]);
  });

  it("specialists' rewards add up to the portfolio's simple return, and meta's is its log return (property)", () => {
    const assets = synth(300);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 4, maxLength: 4 })), { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 30 }), (steps, fee) => {
        const env = new MultiAgentTradingEnv({ assets, windowSize: 8, fee, borrowRate: 1e-4 });
        env.reset({ options: { start: 20 } });
        for (const [x, y, z, m] of steps) {
          const prev = env.account.lastEquity;
          const s = env.step({ 'specialist:BTC': x, 'specialist:ETH': y, 'specialist:SOL': z, meta: Float32Array.from(m) });
          const sum = s.rewards['specialist:BTC']! + s.rewards['specialist:ETH']! + s.rewards['specialist:SOL']!;
          expect(sum).toBeCloseTo(env.account.lastEquity / prev - 1, 10);
          expect(s.rewards.meta).toBeCloseTo(Math.log(env.account.lastEquity / prev), 12);
          if (env.agents.length === 0) break;
        }
      }),
      { numRuns: 40, seed: 4 },
    );
  });

  it('passes the PettingZoo-style checks in both views', () => {
    const make = () => new MultiAgentTradingEnv({ assets: synth(300), windowSize: 8, episodeLength: 40, fee: 10 });
    expect(checkParallelEnv(make())).toContain('done-agent-refused');
    expect(checkAecEnv(make().toAec())).toContain('cycle-ends');
  });

  it('AEC: agents act in turn; the market moves after the last; rewards accumulate until the agent acts', () => {
    const aec = new MultiAgentTradingEnv({ assets: synth(100), windowSize: 4, episodeLength: 2 }).toAec();
    aec.reset({ seed: 0 });
    const order: TradingAgent[] = [];
    for (const agent of aec.agentIter()) {
      order.push(agent);
      const { termination, truncation } = aec.last();
      aec.step(termination || truncation ? null : aec.actionSpace(agent).sample());
    }
    const cycle = ['specialist:BTC', 'specialist:ETH', 'specialist:SOL', 'meta'];
    // two steps of four turns, then four dead steps
    expect(order).toEqual([...cycle, ...cycle, ...cycle]);
    expect(aec.agents).toEqual([]);
  });

  it('is deterministic under a seed with random starts', () => {
    const run = () => {
      const env = new MultiAgentTradingEnv({ assets: synth(300), windowSize: 8, episodeLength: 30 });
      const r = env.reset({ seed: 5 });
      env.possibleAgents.forEach((a, i) => env.actionSpace(a).seed(i));
      const out: number[] = [...r.observations.meta];
      while (env.agents.length > 0) {
        const acts = Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample()]));
        const s = env.step(acts);
        out.push(...Object.values(s.rewards));
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it.each([
    [(e: MultiAgentTradingEnv) => e.step({ 'specialist:BTC': 1, 'specialist:ETH': 1, meta: Float32Array.of(0, 0, 0, 0) }), /actions\.specialist:SOL is missing: every live agent acts in a parallel step/],
    [(e: MultiAgentTradingEnv) => e.step({ 'specialist:BTC': 1, 'specialist:ETH': 1, 'specialist:SOL': 1, meta: Float32Array.of(0, 0, 0, 0), 'specialist:DOGE': 1 } as never), /actions\.specialist:DOGE: unknown agent/],
    [(e: MultiAgentTradingEnv) => e.step({ 'specialist:BTC': 3, 'specialist:ETH': 1, 'specialist:SOL': 1, meta: Float32Array.of(0, 0, 0, 0) }), /actions\.specialist:BTC must be in Discrete\(3\), got 3/],
  ])('refuses bad actions %#', (call, message) => {
    const env = new MultiAgentTradingEnv({ assets: synth(100), windowSize: 4 });
    env.reset();
    expect(() => call(env)).toThrow(InvalidActionError);
    expect(() => call(env)).toThrow(message);
  });

  it('refuses stepping a finished agent, and stepping before reset', () => {
    const env = new MultiAgentTradingEnv({ assets: synth(100), windowSize: 4, episodeLength: 1 });
    expect(() => env.step({})).toThrow(ResetNeededError);
    env.reset();
    env.step({ 'specialist:BTC': 1, 'specialist:ETH': 1, 'specialist:SOL': 1, meta: Float32Array.of(0, 0, 0, 0) });
    expect(() => env.step({ meta: Float32Array.of(0, 0, 0, 0) })).toThrow(ResetNeededError);
    const aec = new AecEnv(new MultiAgentTradingEnv({ assets: synth(100), windowSize: 4, episodeLength: 1 }));
    aec.reset();
    expect(() => aec.step(null)).toThrow(/specialist:BTC is live: step it with an action from its space, got null/);
  });

  it('rejects misaligned assets and duplicate symbols', () => {
    const [x, y] = synth(100);
    expect(() => new MultiAgentTradingEnv({ assets: [x!, y!.slice(1)] })).toThrow(InvalidArgumentError);
    expect(() => new MultiAgentTradingEnv({ assets: [x!, x!], windowSize: 4 })).toThrow(/assets\[1\]\.symbol must be unique across assets, got "BTC"/);
  });

  // a parallel env that delegates to the real one, with one planted fault
  class Faulty implements ParallelEnv<TradingAgent, Float32Array, number | Float32Array> {
    constructor(readonly inner: MultiAgentTradingEnv, readonly fault: 'unstable-space' | 'missing-reward' | 'keeps-done-agents') {}
    get possibleAgents() { return this.inner.possibleAgents; }
    get agents() { return this.fault === 'keeps-done-agents' && this.inner.agents.length === 0 ? this.inner.possibleAgents : this.inner.agents; }
    observationSpace(a: TradingAgent) {
      const s = this.inner.observationSpace(a);
      return this.fault === 'unstable-space' ? new Box(s.low, s.high, s.shape) : s;
    }
    actionSpace(a: TradingAgent) { return this.inner.actionSpace(a); }
    reset(p?: ResetParams) { return this.inner.reset(p); }
    step(actions: Partial<Record<TradingAgent, number | Float32Array>>) {
      const r = this.inner.step(actions);
      if (this.fault === 'missing-reward') delete (r.rewards as Partial<Record<TradingAgent, number>>).meta;
      return r;
    }
    render() { return this.inner.render(); }
    close() { this.inner.close(); }
  }

  it.each([
    ['unstable-space', 'spaces-stable'],
    ['missing-reward', 'step-return'],
    ['keeps-done-agents', 'done-agents-removed'],
  ] as const)('checkParallelEnv catches a planted fault: %s', (fault, check) => {
    const env = new Faulty(new MultiAgentTradingEnv({ assets: synth(100), windowSize: 4, episodeLength: 5 }), fault);
    let error: unknown;
    try {
      checkParallelEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvCheckError);
    expect((error as EnvCheckError).check).toBe(check);
  });
});

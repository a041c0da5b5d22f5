import { describe, expect, it } from 'vitest';
import { InvalidActionError, InvalidArgumentError, MarketData, MultiAgentTradingEnv, PortfolioEnv, RegimeGenerator, returnMetrics, type MultiAgentTradingEnvOptions, type TradingAgent } from '../../src/index.js';
import { backtestMultiAgent } from '../../src/backtest/multiAgent.js';
import { backtestPortfolio } from '../../src/backtest/portfolio.js';
import { renderReport } from '../../src/report/index.js';

const H = 3_600_000;
const asset = (symbol: string, open: number[], close: number[]) =>
  new MarketData({ symbol, timeframe: '1h', timestamps: open.map((_, i) => Date.UTC(2024, 0, 1) + i * H), open, close, high: open.map((o, i) => Math.max(o, close[i]!)), low: open.map((o, i) => Math.min(o, close[i]!)), volume: open.map(() => 1) });
const gen = RegimeGenerator.preset('crypto-15m');
const synth = (n: number, seed = 10) => ['BTC', 'ETH', 'SOL'].map((symbol, i) => gen.generate({ numSamples: n, seed: seed + i, symbol }).data);
const AGENTS = ['specialist:BTC', 'specialist:ETH', 'specialist:SOL'] as const;

/**
 * A policy that reads its observations: each specialist goes long after an up bar, short after
 * a down bar of more than 0.1%, flat otherwise; the meta-agent's logits are the assets' last
 * returns scaled up (so its weights move with the window), cash fixed at 0.
 */
const reactive = (w: number) => (obs: Readonly<Record<TradingAgent, Float32Array>>): Partial<Record<TradingAgent, number | Float32Array>> => {
  const out: Partial<Record<TradingAgent, number | Float32Array>> = {};
  for (const a of AGENTS) {
    const r = obs[a]![w - 1]!;
    out[a] = r > 0 ? 2 : r < -0.001 ? 0 : 1;
  }
  const m = obs.meta;
  out.meta = Float32Array.of(300 * m[(w - 1) * 3]!, 300 * m[(w - 1) * 3 + 1]!, 300 * m[(w - 1) * 3 + 2]!, 0);
  return out;
};

/** The reference: the env stepped by hand with the same policy, its own account read at each step. */
function byHand(options: MultiAgentTradingEnvOptions, policy: ReturnType<typeof reactive>) {
  const env = new MultiAgentTradingEnv(options);
  let { observations } = env.reset({ options: { start: env.windowSize } });
  const equity = [env.account.lastEquity];
  const units = [Array.from(env.account.positions)];
  for (;;) {
    const r = env.step(policy(observations));
    equity.push(r.infos.meta.equity as number);
    units.push(Array.from(env.account.positions));
    if (r.truncations.meta || r.terminations.meta) return { equity, units, fees: env.account.feesPaid, borrow: env.account.borrowPaid, trades: env.account.trades.length };
    observations = r.observations;
  }
}

describe('backtestMultiAgent', () => {
  // Two assets, four bars, window 1, no fee, next-open fills. Meta logits (0, 0, -1000): weights
  // exactly (0.5, 0.5, 0) (e^-1000 is 0 in float64). A long, B short, at both decisions.
  // Step 1 (decided at bar 1, filled at bar 2's open): A 5000 / 100 = 50 units, B -5000 / 50 =
  //   -100 units, cash 10000. Close 2: 10000 + 50 * 110 - 100 * 45 = 11000.
  //   Rewards: A (50 * 110 - 5000) / 10000 = 0.05, B (-100 * 45 + 5000) / 10000 = 0.05.
  // Step 2 (filled at bar 3's open, A 108, B 48): equity there 10000 + 5400 - 4800 = 10600; A
  //   first (its gross change is smaller): to 5300 / 108 units, cash 10100; B to -5300 / 48 units,
  //   cash 10600. Close 3: 10600 + 5300 * 120 / 108 - 5300 * 50 / 48 = 10968.0555...; the last
  //   step then closes both at the closes, at no cost.
  it('matches a hand calculation: equity, positions, allocations, rewards, the basket', () => {
    const a = asset('A', [100, 100, 100, 108], [100, 100, 110, 120]);
    const b = asset('B', [50, 50, 50, 48], [50, 50, 45, 50]);
    const env = new MultiAgentTradingEnv({ assets: [a, b], windowSize: 1, fee: 0 });
    const r = backtestMultiAgent({ env, policy: () => ({ 'specialist:A': 2, 'specialist:B': 0, meta: Float32Array.of(0, 0, -1000) }), periodsPerYear: 8760 });
    expect(r.startIndex).toBe(1);
    expect(Array.from(r.timestamps)).toEqual([1, 2, 3].map((i) => Date.UTC(2024, 0, 1) + i * H));
    expect(r.equity[0]).toBe(10_000);
    expect(r.equity[1]).toBeCloseTo(11_000, 9);
    expect(r.equity[2]).toBeCloseTo(10_600 + (5300 * 120) / 108 - (5300 * 50) / 48, 9);
    expect(Array.from(r.assets[0]!.positions)).toEqual([0, 50, 0]);
    expect(Array.from(r.assets[1]!.positions)).toEqual([0, -100, 0]);
    expect(r.assets[0]!.exposure[1]).toBeCloseTo(5500 / 11_000, 12);
    expect(r.assets[1]!.exposure[1]).toBeCloseTo(-4500 / 11_000, 12);
    expect(r.positions[1]).toBeCloseTo(10_000 / 11_000, 12); // gross: (5500 + 4500) / 11000
    expect(Array.from(r.assets[0]!.side)).toEqual([1, 1]);
    expect(Array.from(r.assets[1]!.side)).toEqual([-1, -1]);
    expect(Array.from(r.assets[0]!.allocation)).toEqual([0.5, 0.5]);
    expect(Array.from(r.cashAllocation)).toEqual([0, 0]);
    expect(r.assets[0]!.reward[0]).toBeCloseTo(0.05, 12);
    expect(r.assets[1]!.reward[0]).toBeCloseTo(0.05, 12);
    expect(r.metaReward[0]).toBeCloseTo(Math.log(1.1), 12);
    // the equal-weight basket: 100 * mean(close / first close): (1.1 + 0.9) / 2, (1.2 + 1) / 2
    expect(Array.from(r.prices, (p) => p.toFixed(9))).toEqual(['100.000000000', '100.000000000', '110.000000000']);
    expect(r.benchmark.equity[2]).toBeCloseTo(11_000, 9);
    expect(r.fees).toBe(0);
    expect(r.trades.every((t) => t.asset === 0 || t.asset === 1)).toBe(true);
    expect(r.assets[0]!.trades.length + r.assets[1]!.trades.length).toBe(r.trades.length);
    // the metrics are empyrical's of the equity's returns
    expect(r.metrics.totalReturn).toBeCloseTo(r.equity[2]! / 10_000 - 1, 12);
    expect(r.metrics.sharpeRatio).toBe(returnMetrics(r.returns, { periodsPerYear: 8760 }).sharpeRatio);
  });

  it("equals the env's own account step by step, costs included", () => {
    const options = { assets: synth(400), windowSize: 8, fee: 10, slippage: 5, borrowRate: 1e-5 };
    const policy = reactive(8);
    const ref = byHand(options, policy);
    const env = new MultiAgentTradingEnv(options);
    const r = backtestMultiAgent({ env, policy });
    expect(Array.from(r.equity)).toEqual(ref.equity);
    ref.units.forEach((u, k) => expect(r.assets.map((d) => d.positions[k])).toEqual(u));
    expect([r.fees, r.borrow, r.trades.length]).toEqual([ref.fees, ref.borrow, ref.trades]);
    expect(r.fees).toBeGreaterThan(0);
    expect(r.borrow).toBeGreaterThan(0);
    // the specialists' rewards add up to the portfolio's simple return, step by step
    for (let k = 0; k < r.returns.length; k++) expect(r.assets.reduce((s, d) => s + d.reward[k]!, 0)).toBeCloseTo(r.returns[k]!, 10);
    // the meta-agent's weights move with its observation; they and cash make 1
    expect(new Set(r.assets[0]!.allocation).size).toBeGreaterThan(10);
    for (let k = 0; k < r.cashAllocation.length; k++) expect(r.assets.reduce((s, d) => s + d.allocation[k]!, r.cashAllocation[k]!)).toBeCloseTo(1, 12);
  });

  it('has no look-ahead: changing the bars after t changes nothing at or before t', () => {
    const base = synth(300, 40);
    const w = 8;
    const run = (assets: readonly MarketData[]) => backtestMultiAgent({ env: new MultiAgentTradingEnv({ assets, windowSize: w, fee: 10 }), policy: reactive(w), periodsPerYear: 35_040 });
    const r0 = run(base);
    for (const t of [w + 1, 60, 150, 298]) {
      // every bar after t scaled by its own factor (open, high, low, close together)
      const f = (i: number) => (i > t ? 1 + 0.05 * Math.sin(i * 1.7 + t) : 1);
      const altered = base.map(
        (d) =>
          new MarketData({
            symbol: d.symbol,
            timeframe: d.timeframe,
            timestamps: d.timestamps,
            open: d.open.map((v, i) => v * f(i)),
            high: d.high.map((v, i) => v * f(i)),
            low: d.low.map((v, i) => v * f(i)),
            close: d.close.map((v, i) => v * f(i)),
            volume: d.volume,
          }),
      );
      const r1 = run(altered);
      const upTo = t - w; // the point of bar t
      expect(Array.from(r1.equity.subarray(0, upTo + 1))).toEqual(Array.from(r0.equity.subarray(0, upTo + 1)));
      // decisions made at bars up to t: steps 0 .. t - w
      for (let a = 0; a < 3; a++) {
        expect(Array.from(r1.assets[a]!.side.subarray(0, upTo + 1))).toEqual(Array.from(r0.assets[a]!.side.subarray(0, upTo + 1)));
        expect(Array.from(r1.assets[a]!.allocation.subarray(0, upTo + 1))).toEqual(Array.from(r0.assets[a]!.allocation.subarray(0, upTo + 1)));
        expect(Array.from(r1.assets[a]!.positions.subarray(0, upTo + 1))).toEqual(Array.from(r0.assets[a]!.positions.subarray(0, upTo + 1)));
      }
      // and the change shows after t (the test would pass vacuously otherwise)
      if (t < 290) expect(Array.from(r1.equity)).not.toEqual(Array.from(r0.equity));
    }
  });

  it("runs a MultiAgentTrainer's policies deterministically, and the report renders the result", async () => {
    const { MultiAgentTrainer, useBackend } = await import('../../src/agents/index.js');
    await useBackend('cpu');
    const assets = synth(200, 3);
    const envFn = () => new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 50 });
    const trainer = new MultiAgentTrainer(envFn, {
      policies: { trader: { options: { nSteps: 16, batchSize: 16, nEpochs: 1 }, agentIdInput: true }, meta: { options: { nSteps: 16, batchSize: 16, nEpochs: 1 } } },
      policyMappingFn: (agent) => (agent === 'meta' ? 'meta' : 'trader'),
      seed: 0,
    });
    try {
      await trainer.learn({ totalTimesteps: 64 });
      const test = () => backtestMultiAgent({ env: new MultiAgentTradingEnv({ assets, windowSize: 8, fee: 10 }), agent: trainer });
      const tf = await import('@tensorflow/tfjs');
      const tensors = tf.memory().numTensors;
      const [r1, r2] = [test(), test()];
      expect(tf.memory().numTensors).toBe(tensors); // acting over 192 bars leaks no tensor
      expect(r1.equity.length).toBe(200 - 8);
      expect(Array.from(r1.equity)).toEqual(Array.from(r2.equity));
      expect(r1.assets.map((d) => d.agent)).toEqual([...AGENTS]);
      const html = await renderReport(r1, { title: 'specialists + meta' });
      expect(html).toContain('<svg');
      expect(html).toContain('specialists + meta');
    } finally {
      trainer.dispose();
    }
  });

  const assets2 = synth(100).slice(0, 2);
  const env2 = () => new MultiAgentTradingEnv({ assets: assets2, windowSize: 4 });
  const ok = () => ({ 'specialist:BTC': 1, 'specialist:ETH': 1, meta: Float32Array.of(0, 0, 0) });
  it.each([
    ['an unknown option', () => ({ env: env2(), policy: ok, fee: 1 }), /options\.fee is not a known option/],
    ['a PortfolioEnv', () => ({ env: new PortfolioEnv({ assets: assets2, windowSize: 4 }), policy: ok }), /options\.env must be a MultiAgentTradingEnv, got/],
    ['neither agent nor policy', () => ({ env: env2() }), /options must be \{ env, agent \} or \{ env, policy \} \(one of the two\), got \["env"\]/],
    ['both agent and policy', () => ({ env: env2(), policy: ok, agent: { predict: ok } }), /options must be \{ env, agent \} or \{ env, policy \}/],
    ['an agent without predict', () => ({ env: env2(), agent: { act: ok } }), /options\.agent must be an object with predict\(observations, options\), got \{\}/],
    ['a policy that is not a function', () => ({ env: env2(), policy: 3 }), /options\.policy must be a function of the observations by agent, got 3/],
    ['a bad periodsPerYear', () => ({ env: env2(), policy: ok, periodsPerYear: 0 }), /periodsPerYear must be a finite number > 0, got 0/],
    ['a policy returning no object', () => ({ env: env2(), policy: () => 2 }), /options\.policy\(\) must be an object of actions by agent, got 2/],
    ['an env with an episodeLength', () => ({ env: new MultiAgentTradingEnv({ assets: assets2, windowSize: 4, episodeLength: 20 }), policy: ok }), /options\.env must run to the end of its data \(bar 99\), got an episode that ended at bar 24/],
  ])('rejects %s with a message naming it', (_, options, message) => {
    expect(() => backtestMultiAgent(options() as never)).toThrow(InvalidArgumentError);
    expect(() => backtestMultiAgent(options() as never)).toThrow(message);
  });

  it("passes the env's error for an action outside a space", () => {
    expect(() => backtestMultiAgent({ env: env2(), policy: () => ({ ...ok(), 'specialist:BTC': 3 }) })).toThrow(InvalidActionError);
  });
});

describe('backtestPortfolio', () => {
  it("equals the PortfolioEnv's own account step by step, and equal weights hold a third each", () => {
    const assets = synth(300, 20);
    const options = { assets, windowSize: 8, fee: 10 };
    const equal = () => Float32Array.of(0, 0, 0, -1000);
    const env = new PortfolioEnv(options);
    env.reset({ options: { start: 8 } });
    const equity = [env.account.lastEquity];
    for (;;) {
      const s = env.step(equal());
      equity.push(s.info.equity);
      if (s.truncated || s.terminated) break;
    }
    const r = backtestPortfolio({ env: new PortfolioEnv(options), policy: equal });
    expect(Array.from(r.equity)).toEqual(equity);
    expect(r.fees).toBeGreaterThan(0);
    // rebalanced at each open, a third each is held at the next close up to that bar's move
    for (const d of r.assets) expect(Math.abs(d.exposure[100]! - 1 / 3)).toBeLessThan(0.02);
    expect(r.positions[100]).toBeCloseTo(r.assets.reduce((s, d) => s + Math.abs(d.exposure[100]!), 0), 12);
    expect(r.positions[r.positions.length - 1]).toBe(0); // the last step closes every position
  });

  it.each([
    ['a MultiAgentTradingEnv', () => ({ env: new MultiAgentTradingEnv({ assets: synth(60), windowSize: 4 }), policy: () => Float32Array.of(0, 0, 0, 0) }), /options\.env must be a PortfolioEnv, got/],
    ['an agent without predict', () => ({ env: new PortfolioEnv({ assets: synth(60), windowSize: 4 }), agent: {} }), /options\.agent must be an object with predict\(observation\), got \{\}/],
    ['an unknown option', () => ({ env: new PortfolioEnv({ assets: synth(60), windowSize: 4 }), policy: () => Float32Array.of(0, 0, 0, 0), start: 3 }), /options\.start is not a known option/],
  ])('rejects %s', (_, options, message) => {
    expect(() => backtestPortfolio(options() as never)).toThrow(message);
  });
});

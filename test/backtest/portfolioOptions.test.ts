import { describe, expect, it } from 'vitest';
import { inferPeriodsPerYear, InvalidArgumentError, MultiAgentTradingEnv, PortfolioEnv, RegimeGenerator } from '../../src/index.js';
import { backtestMultiAgent } from '../../src/backtest/multiAgent.js';
import { backtestPortfolio } from '../../src/backtest/portfolio.js';

const gen = RegimeGenerator.preset('crypto-15m');
const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 60, seed: i, symbol }).data);
const portfolio = () => new PortfolioEnv({ assets, windowSize: 4 });
const multi = () => new MultiAgentTradingEnv({ assets, windowSize: 4 });
const weights = () => Float32Array.of(0, 0, 0);

// backtestPortfolio and backtestMultiAgent check { env, agent | policy, periodsPerYear } through one function
describe('backtestPortfolio checks its options as backtestMultiAgent does, each naming its own env', () => {
  it.each([
    ['an unknown option', () => ({ env: portfolio(), policy: weights, fee: 1 }), /^options\.fee is not a known option/],
    ['a MultiAgentTradingEnv', () => ({ env: multi(), policy: weights }), /^options\.env must be a PortfolioEnv, got/],
    ['no env', () => ({ policy: weights }), /^options\.env must be a PortfolioEnv, got undefined/],
    ['a bad periodsPerYear', () => ({ env: portfolio(), policy: weights, periodsPerYear: -1 }), /^periodsPerYear must be a finite number > 0, got -1/],
    ['neither agent nor policy', () => ({ env: portfolio() }), /^options must be \{ env, agent \} or \{ env, policy \} \(one of the two\), got \["env"\]/],
    ['both agent and policy', () => ({ env: portfolio(), policy: weights, agent: { predict: weights } }), /^options must be \{ env, agent \} or \{ env, policy \} \(one of the two\), got \["env","policy","agent"\]/],
    ['an agent without predict', () => ({ env: portfolio(), agent: { act: weights } }), /^options\.agent must be an object with predict\(observation\), got \{\}/],
    ['a policy that is not a function', () => ({ env: portfolio(), policy: 3 }), /^options\.policy must be a function of the observation, got 3/],
  ])('rejects %s with a message naming it', (_, options, message) => {
    expect(() => backtestPortfolio(options() as never)).toThrow(InvalidArgumentError);
    expect(() => backtestPortfolio(options() as never)).toThrow(message);
  });

  it('reports the first fault in one order: unknown key, env, periodsPerYear, then agent or policy', () => {
    const all = { env: multi(), periodsPerYear: 0, fee: 1 };
    expect(() => backtestPortfolio(all as never)).toThrow(/^options\.fee is not a known option/);
    expect(() => backtestMultiAgent({ ...all, env: portfolio() } as never)).toThrow(/^options\.fee is not a known option/);
    const noFee = { env: multi(), periodsPerYear: 0 };
    expect(() => backtestPortfolio(noFee as never)).toThrow(/^options\.env must be a PortfolioEnv/);
    expect(() => backtestMultiAgent({ ...noFee, env: portfolio() } as never)).toThrow(/^options\.env must be a MultiAgentTradingEnv/);
    expect(() => backtestPortfolio({ env: portfolio(), periodsPerYear: 0 } as never)).toThrow(/^periodsPerYear must be a finite number > 0, got 0/);
    expect(() => backtestMultiAgent({ env: multi(), periodsPerYear: 0 } as never)).toThrow(/^periodsPerYear must be a finite number > 0, got 0/);
  });

  it('valid options run: periodsPerYear as given, or inferred from the first asset when left out', () => {
    const r = backtestPortfolio({ env: portfolio(), policy: weights, periodsPerYear: 252 });
    expect(r.equity.length).toBe(56);
    expect(r.periodsPerYear).toBe(252);
    expect(backtestPortfolio({ env: portfolio(), policy: weights }).periodsPerYear).toBe(inferPeriodsPerYear(assets[0]!)); // left out: from the first asset's bars
  });
});

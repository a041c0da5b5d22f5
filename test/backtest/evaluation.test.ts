import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, normalCdf, normalQuantile, RegimeGenerator, sharpeRatio, TradingEnv, type MarketData } from '../../src/index.js';
import { randomSignal } from '../../src/backtest/baselines.js';
// imported by path until src/backtest/index.ts exports it
import { evaluateStrategies, formatEvaluationTable, type EvaluatedStrategy, type EvaluationOptions, type EvaluationResult, type EvaluationRun } from '../../src/backtest/evaluation.js';

/** A cheap stand-in for an agent: random positions, seeded by the training seed; it learns nothing. */
const randomAgent: EvaluatedStrategy = {
  name: 'random-agent',
  train: (_train, seed) => (test) => randomSignal(test, { seed: 1000 + seed, mode: 'long-short' }),
};

const NULL_OPTIONS: EvaluationOptions = {
  market: { generator: 'crypto-15m-null', numSamples: 4000 },
  marketSeeds: [1, 2, 3, 4, 5],
  trainingSeeds: [0, 1],
  strategies: [randomAgent],
  account: { fee: 10 },
  random: { runs: 10 },
  bootstrap: { resamples: 200 },
};
const nullResult = await evaluateStrategies(NULL_OPTIONS);

/** Population moments and the per-period Sharpe (ddof 1), written out from the definitions. */
function moments(r: ArrayLike<number>) {
  const xs = Array.from(r);
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const c = (k: number) => xs.reduce((s, x) => s + (x - mean) ** k, 0) / n;
  const sd = Math.sqrt((c(2) * n) / (n - 1));
  return { n, sharpe: mean / sd, skew: c(3) / c(2) ** 1.5, kurtosis: c(4) / c(2) ** 2 };
}

/** Sample variance, ddof 1. */
const variance = (xs: readonly number[]) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

/** The sorted-array median. */
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

describe('evaluateStrategies on the null market (nothing to learn)', () => {
  it('flags the random "agent" as showing no evidence of skill', () => {
    const s = nullResult.summary.find((x) => x.strategy === 'random-agent')!;
    expect(s.runs).toBe(10); // 5 markets x 2 training seeds
    expect(s.verdict).toBe('no-evidence');
    expect(s.verdictText).toMatch(/^no evidence of skill/);
    expect(s.beatsBuyAndHold).toBe(false);
    expect(s.wins).toBeLessThanOrEqual(1);
    expect(s.significantShare).toBeLessThanOrEqual(0.1);
  });

  it('lists the strategies, then buy-and-hold, ma-cross, oracle and random, with every run on every market', () => {
    expect(nullResult.summary.map((s) => s.strategy)).toEqual(['random-agent', 'buy-and-hold', 'ma-cross', 'oracle', 'random']);
    // trials: random-agent, buy-and-hold, ma-cross, random (the oracle is a bound, not a trial)
    expect(nullResult.trials).toBe(4);
    for (const m of nullResult.markets) {
      expect(m.runs.map((r) => `${r.strategy}${r.trainingSeed ?? ''}`)).toEqual(['buy-and-hold', 'random-agent0', 'random-agent1', 'ma-cross', 'oracle']);
      expect(m.trainBars).toBe(Math.floor(4000 * 0.7));
      expect(m.testBars).toBe(4000 - 2800);
      expect(m.random!.sharpeValues).toHaveLength(10);
    }
  });

  it('computes the DSR as Bailey & López de Prado (2014) from the runs\' moments and the trials\' Sharpe variance', () => {
    const gamma = 0.5772156649015329;
    for (const m of nullResult.markets) {
      const ppy = m.runs[0]!.result.periodsPerYear;
      // V: per-period Sharpe of every run except the oracle's, and of every random run
      const trialSharpes = [...m.runs.filter((r) => r.strategy !== 'oracle').map((r) => moments(r.result.returns).sharpe), ...Array.from(m.random!.sharpeValues, (v) => v / Math.sqrt(ppy))];
      expect(m.trialSharpeVariance).toBeCloseTo(variance(trialSharpes), 12);
      const N = nullResult.trials;
      const expectedMax = Math.sqrt(m.trialSharpeVariance) * ((1 - gamma) * normalQuantile(1 - 1 / N) + gamma * normalQuantile(1 - 1 / (N * Math.E)));
      for (const r of m.runs) {
        const x = moments(r.result.returns);
        const se = Math.sqrt(1 - x.skew * x.sharpe + ((x.kurtosis - 1) / 4) * x.sharpe ** 2);
        expect(r.dsr).toBeCloseTo(normalCdf(((x.sharpe - expectedMax) * Math.sqrt(x.n - 1)) / se), 9);
        expect(r.psr).toBeCloseTo(normalCdf((x.sharpe * Math.sqrt(x.n - 1)) / se), 9);
        // deflation for more than one trial never raises the probability
        expect(r.dsr).toBeLessThan(r.psr);
      }
    }
  });

  it('pairs the difference with buy-and-hold on the same bars: its estimate is the difference of the two Sharpe ratios', () => {
    for (const m of nullResult.markets) {
      const bh = m.runs[0]!;
      expect(bh.difference).toBeUndefined();
      for (const r of m.runs.slice(1)) {
        expect(r.difference!.estimate).toBeCloseTo(r.sharpe - bh.sharpe, 10);
        expect(r.difference!.lower).toBeLessThanOrEqual(r.difference!.upper);
        expect(r.beatsBuyAndHold).toBe(r.difference!.lower > 0);
        expect(r.sharpeInterval.estimate).toBeCloseTo(r.sharpe, 10);
        // the empirical p-value against the random runs on the same market, counted by hand
        expect(r.randomShare).toBe(Array.from(m.random!.sharpeValues).filter((v) => v >= r.sharpe).length / 10);
      }
    }
  });

  it('summarises each strategy with medians over markets and training seeds', () => {
    // signal strategies cover every test bar: the paired difference is the difference of the whole-test Sharpe ratios
    const runs = nullResult.markets.flatMap((m) => m.runs.filter((r) => r.strategy === 'random-agent').map((r) => ({ r, bh: m.runs[0]!.sharpe })));
    const s = nullResult.summary[0]!;
    expect(s.sharpe.median).toBeCloseTo(median(runs.map((x) => x.r.sharpe)), 12);
    expect(s.medianDifference).toBeCloseTo(median(runs.map((x) => x.r.sharpe - x.bh)), 12);
    expect(s.medianDsr).toBeCloseTo(median(runs.map((x) => x.r.dsr)), 12);
    expect(s.higherSharpe).toBe(runs.filter((x) => x.r.sharpe > x.bh).length);
    expect(s.wins).toBe(runs.filter((x) => x.r.beatsBuyAndHold).length);
    expect(s.sharpe.lower).toBeLessThanOrEqual(s.sharpe.median);
    expect(s.sharpe.median).toBeLessThanOrEqual(s.sharpe.upper);
    const random = nullResult.summary.at(-1)!;
    expect(random.runs).toBe(50);
    expect(random.sharpe.median).toBeCloseTo(median(nullResult.markets.flatMap((m) => Array.from(m.random!.sharpeValues))), 12);
    expect(random.verdict).toBe('luck-range');
  });
});

describe('evaluateStrategies on the structured market (trends to learn)', () => {
  it('flags the moving-average cross and the oracle as beating buy-and-hold', async () => {
    // 8000 bars, 70% held out: 5600 test bars hold several trends, so buy-and-hold's luck averages out
    const result = await evaluateStrategies({
      market: { generator: 'crypto-15m-structured', numSamples: 8000 },
      trainFraction: 0.3,
      marketSeeds: [1, 2, 3, 4, 5],
      baselines: ['buy-and-hold', 'ma-cross', 'oracle'],
      account: { fee: 10 },
      bootstrap: { resamples: 200 },
    });
    const by = Object.fromEntries(result.summary.map((s) => [s.strategy, s]));
    expect(by['ma-cross']!.beatsBuyAndHold).toBe(true);
    expect(by.oracle!.beatsBuyAndHold).toBe(true);
    expect(by['ma-cross']!.wins).toBeGreaterThanOrEqual(3);
    expect(by.oracle!.wins).toBe(5);
    expect(['skill', 'beats-buy-and-hold']).toContain(by['ma-cross']!.verdict);
    // the oracle knows the regimes: an upper bound on the trend rule
    expect(by.oracle!.sharpe.median).toBeGreaterThan(by['ma-cross']!.sharpe.median);
    expect(by['buy-and-hold']!.beatsBuyAndHold).toBe(false);
    expect(by['buy-and-hold']!.verdict).toBe('benchmark');
  }, 30_000);
});

/** The numbers of a result, without the backtest objects. */
const numbers = (r: EvaluationResult) =>
  JSON.stringify({
    summary: r.summary,
    markets: r.markets.map((m) => ({ ...m, regimes: Array.from(m.regimes ?? []), random: m.random && { ...m.random, sharpeValues: Array.from(m.random.sharpeValues) }, runs: m.runs.map((run) => ({ ...run, result: undefined })) })),
  });

describe('evaluateStrategies determinism and isolation', () => {
  const small: EvaluationOptions = { ...NULL_OPTIONS, market: { generator: 'crypto-15m', numSamples: 1500 }, marketSeeds: [7], random: { runs: 4 }, bootstrap: { resamples: 50 } };

  it('gives the same numbers for the same seeds, and other intervals for another bootstrap seed', async () => {
    const a = await evaluateStrategies(small);
    const b = await evaluateStrategies(small);
    expect(numbers(a)).toBe(numbers(b));
    const c = await evaluateStrategies({ ...small, bootstrap: { resamples: 50, seed: 1 } });
    expect(c.markets[0]!.runs[1]!.sharpe).toBe(a.markets[0]!.runs[1]!.sharpe);
    expect(c.markets[0]!.runs[1]!.sharpeInterval.lower).not.toBe(a.markets[0]!.runs[1]!.sharpeInterval.lower);
  });

  it('trains on a copy of the training bars only, and shows the test bars only after training', async () => {
    const n = 1500;
    const { data } = RegimeGenerator.preset('crypto-15m').generate({ numSamples: n, seed: 7 });
    const cut = Math.floor(n * 0.7);
    const seen: { train?: MarketData; trainedAt?: number; testFirst?: number; testLength?: number }[] = [];
    let step = 0;
    const spy: EvaluatedStrategy = {
      name: 'spy',
      train: (train) => {
        seen.push({ train, trainedAt: step++ });
        return (test) => {
          Object.assign(seen.at(-1)!, { testFirst: test.timestamps[0], testLength: test.length });
          step++;
          return new Float64Array(test.length);
        };
      },
    };
    await evaluateStrategies({ ...small, strategies: [spy], trainingSeeds: [0] });
    expect(seen).toHaveLength(1);
    const { train, testFirst, testLength } = seen[0]!;
    expect(train!.length).toBe(cut);
    expect(train!.timestamps.at(-1)).toBe(data.timestamps[cut - 1]);
    expect(Array.from(train!.close)).toEqual(Array.from(data.close.subarray(0, cut)));
    // a copy: no buffer under the training bars reaches past them (a view would expose the test bars)
    for (const col of [train!.timestamps, train!.open, train!.high, train!.low, train!.close, train!.volume]) expect(col.buffer.byteLength).toBe(cut * 8);
    expect(testFirst).toBe(data.timestamps[cut]);
    expect(testLength).toBe(n - cut);
    expect(testFirst!).toBeGreaterThan(train!.timestamps.at(-1)!);
  });

  it('runs an env strategy under the same costs, paired with buy-and-hold on the bars it covers, and refuses an env with other costs', async () => {
    const envAgent = (fee: number): EvaluatedStrategy => ({
      name: 'env-agent',
      train: () => (test) => ({ env: new TradingEnv({ data: test, windowSize: 8, actionScheme: 'discrete-3', fee }), policy: () => 2 }),
    });
    const r = await evaluateStrategies({ ...small, strategies: [envAgent(10)], baselines: ['buy-and-hold'] });
    const [bh, agent] = r.markets[0]!.runs as [EvaluationRun, EvaluationRun];
    expect(agent.result.startIndex).toBeGreaterThan(0);
    // the env trades from its first full window: buy-and-hold is cut to the same bars
    const paired = bh.result.returns.subarray(agent.result.startIndex, agent.result.startIndex + agent.result.returns.length);
    expect(paired).toHaveLength(agent.result.returns.length);
    expect(agent.difference!.estimate).toBeCloseTo(agent.sharpe - sharpeRatio(paired, { periodsPerYear: agent.result.periodsPerYear }), 10);
    expect(agent.difference!.estimate).not.toBeCloseTo(agent.sharpe - bh.sharpe, 3);
    expect(r.summary[0]!.medianDifference).toBe(agent.difference!.estimate);
    await expect(evaluateStrategies({ ...small, strategies: [envAgent(0)], baselines: ['buy-and-hold'] })).rejects.toThrow(
      'the env of strategy "env-agent" must be trading with the evaluation\'s fee (10), as every strategy does, got "fee 0"',
    );
  });
});

describe('evaluateStrategies refuses bad options before training', () => {
  const base: EvaluationOptions = { market: { generator: 'crypto-15m-null', numSamples: 1000 }, marketSeeds: [1] };
  const bars = RegimeGenerator.preset('crypto-15m-null').generate({ numSamples: 1000, seed: 1 }).data;
  it.each<[string, Record<string, unknown>, string | RegExp]>([
    ['an unknown key', { seeds: [1] }, 'options.seeds is not a known option'],
    ['no market seed', { marketSeeds: [] }, 'options.marketSeeds must be a non-empty array of seeds, got []'],
    ['a repeated market seed', { marketSeeds: [1, 1] }, 'options.marketSeeds must be distinct seeds (a repeated seed counts one run twice), got [1,1]'],
    ['a negative training seed', { trainingSeeds: [-1] }, 'options.trainingSeeds[0] must be a safe integer >= 0, got -1'],
    ['an unknown preset', { market: { generator: 'crypto', numSamples: 1000 } }, /^options\.market\.generator must be a RegimeGenerator or one of crypto-15m, .*, got "crypto"$/],
    ['too few bars', { market: { generator: 'crypto-15m', numSamples: 3 } }, 'options.market.numSamples must be an integer >= 4, got 3'],
    ['an unknown market key', { market: { generator: 'crypto-15m', numSamples: 100, seed: 1 } }, 'options.market.seed is not a known option'],
    ['a train fraction of 1', { trainFraction: 1 }, 'options.trainFraction must be a number in (0, 1), got 1'],
    ['an unknown baseline', { baselines: ['hodl'] }, "options.baselines[0] must be one of 'buy-and-hold', 'random', 'ma-cross', 'oracle', got \"hodl\""],
    ['fewer trials than evaluated', { trials: 2 }, 'options.trials must be an integer >= 4 (the strategies and baselines evaluated here, the oracle not counted), got 2'],
    ['a negative trial variance', { trialSharpeVariance: -1 }, 'options.trialSharpeVariance must be a finite number >= 0 (per period), got -1'],
    ['one random run', { random: { runs: 1 } }, 'options.random.runs must be an integer >= 2, got 1'],
    ['a bootstrap confidence above 1', { bootstrap: { confidence: 1.5 } }, 'options.bootstrap.confidence must be a number in (0, 1), got 1.5'],
    ['a bootstrap block below 1', { bootstrap: { blockLength: 0.5 } }, 'options.bootstrap.blockLength must be a finite number >= 1, got 0.5'],
    ['an unknown bootstrap key', { bootstrap: { rng: 1 } }, 'options.bootstrap.rng is not a known option'],
    ['a strategy without train', { strategies: [{ name: 'x' }] }, 'options.strategies[0].train must be a function (train, seed, context) => (test) => strategy, got undefined'],
    ['a strategy named as a baseline', { strategies: [{ name: 'oracle', train: () => () => [] }] }, 'options.strategies[0].name must be unique and not a baseline\'s name, got "oracle"'],
    ['a negative fee', { account: { fee: -1 } }, /^account\.fee must be/],
    ['bad moving-average windows', { maCross: { fast: 10, slow: 5 } }, 'options.slow must be an integer > options.fast (10), got 5'],
    ['the oracle on bars without regimes', { market: () => bars, baselines: ['oracle'] }, /^options\.baselines must be without 'oracle' on markets with no known regimes/],
  ])('%s', async (_name, extra, message) => {
    let trained = 0;
    const watch: EvaluatedStrategy = { name: 'watch', train: () => (trained++, (test) => new Float64Array(test.length)) };
    const strategies = 'strategies' in extra ? extra.strategies : [watch];
    const run = evaluateStrategies({ ...base, strategies, ...extra } as unknown as EvaluationOptions);
    await expect(run).rejects.toThrow(InvalidArgumentError);
    await expect(evaluateStrategies({ ...base, strategies, ...extra } as unknown as EvaluationOptions)).rejects.toThrow(message);
    expect(trained).toBe(0);
  });

  it('refuses a train function that does not return a function of the test bars', async () => {
    const bad = { name: 'bad', train: () => [1, 2, 3] } as unknown as EvaluatedStrategy;
    await expect(evaluateStrategies({ ...base, strategies: [bad] })).rejects.toThrow('strategy "bad".train(...) must be a function of the test bars returning the strategy, got [1,2,3]');
  });

  it('takes a market function returning a generated market and its config as the generator itself', async () => {
    const gen = RegimeGenerator.preset('crypto-15m-structured');
    const common = { marketSeeds: [2], random: { runs: 2 }, bootstrap: { resamples: 20 } };
    const fromFunction = await evaluateStrategies({ ...common, market: (seed) => ({ market: gen.generate({ numSamples: 1000, seed }), config: gen.config }) });
    const fromGenerator = await evaluateStrategies({ ...common, market: { generator: gen, numSamples: 1000 } });
    expect(numbers(fromFunction)).toBe(numbers(fromGenerator));
    expect(fromFunction.summary.map((x) => x.strategy)).toContain('oracle');
  });

  it('runs no oracle by default on bars without regimes', async () => {
    const r = await evaluateStrategies({ ...base, market: () => bars, random: { runs: 2 }, bootstrap: { resamples: 20 } });
    expect(r.summary.map((s) => s.strategy)).toEqual(['buy-and-hold', 'ma-cross', 'random']);
    expect(r.trials).toBe(3);
  });
});

describe('formatEvaluationTable', () => {
  const table = formatEvaluationTable(nullResult);
  const lines = table.split('\n');
  const cells = (line: string) => line.trim().split(/\s{2,}/);

  it('holds the summary numbers of the result, as printed (Sharpe to 2 decimals)', () => {
    expect(lines[0]).toBe('Held-out evaluation: 5 markets x 2 training seeds, trained on the first 70% of each market, tested on the rest (1200 bars); DSR counts 4 trials');
    for (const s of nullResult.summary) {
      const row = lines.find((l) => cells(l)[0] === s.strategy && cells(l).length === 8)!;
      const [, runs, med, spread, diff, wins, dsr, verdict] = cells(row);
      expect(Number(runs)).toBe(s.runs);
      expect(Number(med)).toBeCloseTo(s.sharpe.median, 2);
      const [lo, hi] = spread!.split('..').map(Number);
      expect(lo).toBeCloseTo(s.sharpe.lower, 2);
      expect(hi).toBeCloseTo(s.sharpe.upper, 2);
      if (s.strategy === 'buy-and-hold') expect(diff).toBe('-');
      else expect(Number(diff)).toBeCloseTo(s.medianDifference, 2);
      expect(wins).toBe(Number.isNaN(s.wins) ? '-' : `${s.wins}/${s.runs}`);
      if (s.strategy !== 'random') expect(dsr).toBe(`${Math.round(s.significantShare * s.runs)}/${s.runs}`);
      expect(verdict).toBe(s.verdict);
    }
    expect(table).toContain(`random-agent: ${nullResult.summary[0]!.verdictText}`);
  });

  it('holds every run of every market, with its Sharpe, interval, PSR and DSR', () => {
    for (const m of nullResult.markets) {
      for (const r of m.runs) {
        const row = lines.map(cells).find((c) => c[0] === String(m.seed) && c[1] === r.strategy && c[2] === (r.trainingSeed === undefined ? '-' : String(r.trainingSeed)))!;
        expect(Number(row[3]!.replace('%', '')) / 100).toBeCloseTo(r.totalReturn, 4);
        expect(Number(row[4])).toBeCloseTo(r.sharpe, 2);
        const [lo, hi] = row[5]!.slice(1, -1).split(', ').map(Number);
        expect(lo).toBeCloseTo(r.sharpeInterval.lower, 2);
        expect(hi).toBeCloseTo(r.sharpeInterval.upper, 2);
        expect(Number(row[7])).toBe(r.trades);
        expect(Number(row[8])).toBeCloseTo(r.psr, 3);
        expect(Number(row[9])).toBeCloseTo(r.dsr, 3);
        expect(row[12]).toBe(r.difference ? (r.beatsBuyAndHold ? 'yes' : 'no') : '-');
      }
      const random = lines.map(cells).find((c) => c[0] === String(m.seed) && c[1] === 'random (10 runs)')!;
      expect(Number(random[4])).toBeCloseTo(m.random!.sharpe.median, 2);
    }
  });

  it('is plain text: no colour codes, no tabs', () => {
    expect(table.includes(String.fromCharCode(27))).toBe(false); // no ANSI escape
    expect(table.includes('\t')).toBe(false);
  });

  it('refuses something that is not an evaluation', () => {
    expect(() => formatEvaluationTable({} as EvaluationResult)).toThrow('result must be what evaluateStrategies returned, got {}');
  });
});

import { describe, expect, it } from 'vitest';
import { GENERATOR_PRESETS, InvalidArgumentError, RegimeGenerator, validateGeneratorConfig, type GeneratedMarket, type GeneratorConfigInput } from '../../src/index.js';

// 120,000 bars of crypto-15m (about 3.4 years), generated once.
const N = 120_000;
const market: GeneratedMarket = RegimeGenerator.preset('crypto-15m').generate({ numSamples: N, seed: 7 });
const { data, regimes, regimeNames, spells } = market;
const config = GENERATOR_PRESETS['crypto-15m'];

const r = new Float64Array(N - 1); // close-to-close log returns; r[i - 1] belongs to bar i
for (let i = 1; i < N; i++) r[i - 1] = Math.log(data.close[i]! / data.close[i - 1]!);

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}
function centralMoment(a: ArrayLike<number>, k: number): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** k;
  return s / a.length;
}
function acf(a: Float64Array, lag: number): number {
  const m = mean(a);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    den += (a[i]! - m) ** 2;
    if (i >= lag) num += (a[i]! - m) * (a[i - lag]! - m);
  }
  return num / den;
}

describe('RegimeGenerator stylized facts (crypto-15m, 120,000 bars)', () => {
  it('has fat tails: excess kurtosis of bar returns > 1', () => {
    const kurt = centralMoment(r, 4) / centralMoment(r, 2) ** 2 - 3;
    expect(kurt).toBeGreaterThan(1);
  });

  it('clusters volatility: acf(|r|) > 0 at lags 1..10, well above |acf(r)| at lag 1', () => {
    const abs = r.map(Math.abs);
    // under no dependence the acf's standard error is 1/sqrt(N) ≈ 0.003; 0.05 is far above it
    for (let lag = 1; lag <= 10; lag++) expect(acf(abs, lag)).toBeGreaterThan(0.05);
    expect(acf(abs, 1)).toBeGreaterThan(5 * Math.abs(acf(r, 1)));
    expect(Math.abs(acf(r, 1))).toBeLessThan(0.05); // returns are not predictable from the last one
  });

  it('moves volume with |r|: corr(volume, |r|) > 0.2', () => {
    const abs = r.map(Math.abs);
    const v = data.volume.subarray(1);
    const mv = mean(v);
    const ma = mean(abs);
    let c = 0;
    let sv = 0;
    let sa = 0;
    for (let i = 0; i < abs.length; i++) {
      c += (v[i]! - mv) * (abs[i]! - ma);
      sv += (v[i]! - mv) ** 2;
      sa += (abs[i]! - ma) ** 2;
    }
    expect(c / Math.sqrt(sv * sa)).toBeGreaterThan(0.2);
  });

  // Per regime: expected drift = drift + p_jump * jump mean; expected variance = vol^2 +
  // p_jump * (jump std^2 + jump mean^2) (GARCH keeps the unconditional variance at vol^2).
  // Tolerances are 5 standard errors from the sample itself: the mean's SE is sd/sqrt(n);
  // the sd's SE is sd * sqrt((kurtosis - 1) / (4 n)), kurtosis measured in the regime
  // (GARCH and jumps make it far above 3, so a fixed tolerance would be wrong). Mean
  // reversion (ranging, contraction) pulls the realised drift toward 0, which is configured.
  it('realises each regime drift and volatility within 5 standard errors', () => {
    const jp = config.jumps!;
    regimeNames.forEach((name, k) => {
      const def = config.regimes[k]!;
      const xs: number[] = [];
      for (let i = 1; i < N; i++) if (regimes[i] === k && regimes[i - 1] === k) xs.push(r[i - 1]!);
      const n = xs.length;
      expect(n, `${name} should have bars`).toBeGreaterThan(2000);
      const sd = Math.sqrt(centralMoment(xs, 2));
      const kurt = centralMoment(xs, 4) / sd ** 4;
      const expectedDrift = def.drift + jp.probability * jp.mean;
      const expectedSd = Math.sqrt(def.volatility ** 2 + jp.probability * (jp.std ** 2 + jp.mean ** 2));
      expect(Math.abs(mean(xs) - expectedDrift), `${name} drift`).toBeLessThan((5 * sd) / Math.sqrt(n));
      expect(Math.abs(sd - expectedSd), `${name} volatility`).toBeLessThan(5 * sd * Math.sqrt((kurt - 1) / (4 * n)));
    });
  });

  // Spell lengths are uniform on [min, max]: mean (min + max) / 2, variance ((max - min + 1)^2 - 1) / 12.
  // The last spell is cut by numSamples and left out. Tolerance: 5 standard errors of the mean.
  it('draws spell durations from each configured range, with the configured mean', () => {
    const complete = spells.slice(0, -1);
    regimeNames.forEach((name, k) => {
      const [lo, hi] = config.regimes[k]!.duration;
      const lengths = complete.filter((s) => s.regime === k).map((s) => s.length);
      expect(lengths.length, `${name} spells`).toBeGreaterThan(20);
      for (const l of lengths) expect(l >= lo && l <= hi, `${name} spell of ${l} bars`).toBe(true);
      const sd = Math.sqrt(((hi - lo + 1) ** 2 - 1) / 12);
      expect(Math.abs(mean(lengths) - (lo + hi) / 2), `${name} mean duration`).toBeLessThan((5 * sd) / Math.sqrt(lengths.length));
    });
  });

  // Each transition i -> j is a Bernoulli(p_ij) outcome per spell of i: 5 binomial standard
  // errors sqrt(p (1 - p) / n_i), and a transition with p = 0 must never happen.
  it('switches regimes with the configured transition frequencies', () => {
    const counts = regimeNames.map(() => regimeNames.map(() => 0));
    for (let s = 1; s < spells.length; s++) counts[spells[s - 1]!.regime]![spells[s]!.regime]!++;
    regimeNames.forEach((from, i) => {
      const total = counts[i]!.reduce((a, b) => a + b, 0);
      regimeNames.forEach((to, j) => {
        const p = config.transitions[from]![to] ?? 0;
        const freq = counts[i]![j]! / total;
        if (p === 0) expect(counts[i]![j], `${from} -> ${to}`).toBe(0);
        else expect(Math.abs(freq - p), `${from} -> ${to}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / total) + 1e-12);
      });
    });
    // contraction is most often followed by expansion, as configured (0.6)
    const c = regimeNames.indexOf('volContraction');
    const e = regimeNames.indexOf('volExpansion');
    expect(counts[c]![e]).toBe(Math.max(...counts[c]!));
  });

  it('keeps OHLC consistent on every bar and opens at the previous close (no gaps configured)', () => {
    for (let i = 0; i < N; i++) {
      const o = data.open[i]!;
      const c = data.close[i]!;
      if (!(data.low[i]! <= Math.min(o, c) && Math.max(o, c) <= data.high[i]!)) throw new Error(`bar ${i} is inconsistent`);
      if (i > 0 && o !== data.close[i - 1]) throw new Error(`bar ${i} opens at ${o}, not the previous close ${data.close[i - 1]}`);
    }
    expect(Array.from(data.timestamps.subarray(0, 2))).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 15)]);
    expect(regimes.length).toBe(N);
  });
});

describe('RegimeGenerator determinism and options', () => {
  it('gives identical output for one seed, bit for bit, and different output for another', () => {
    const gen = RegimeGenerator.preset('crypto-15m');
    const a = gen.generate({ numSamples: 5000, seed: 3 });
    const b = RegimeGenerator.preset('crypto-15m').generate({ numSamples: 5000, seed: 3 });
    for (const k of ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(Buffer.from(a.data[k].buffer).equals(Buffer.from(b.data[k].buffer))).toBe(true);
    }
    expect(a.regimes).toEqual(b.regimes);
    const c = gen.generate({ numSamples: 5000, seed: 4 });
    expect(c.data.close).not.toEqual(a.data.close);
  });

  it('equity-daily skips weekends and gaps opens from previous closes', () => {
    const { data: d } = RegimeGenerator.preset('equity-daily').generate({ numSamples: 500, seed: 1, startTime: Date.UTC(2024, 0, 1) });
    for (const t of d.timestamps) expect([0, 6]).not.toContain(new Date(t).getUTCDay());
    let gapped = 0;
    for (let i = 1; i < d.length; i++) if (d.open[i] !== d.close[i - 1]) gapped++;
    // 30% gap probability over 499 bars: about 150, binomial sd ≈ 10
    expect(gapped).toBeGreaterThan(100);
    expect(gapped).toBeLessThan(200);
    for (let i = 0; i < d.length; i++) expect(d.low[i]! <= Math.min(d.open[i]!, d.close[i]!) && Math.max(d.open[i]!, d.close[i]!) <= d.high[i]!).toBe(true);
  });

  it("'gbm' ignores mean reversion; a custom config runs", () => {
    const cfg: GeneratorConfigInput = {
      regimes: [
        { name: 'a', drift: 0.001, volatility: 0.01, meanReversion: 0.5, volumeFactor: 1, duration: [5, 5] },
        { name: 'b', drift: -0.001, volatility: 0.02, meanReversion: 0, volumeFactor: 2, duration: [3, 3] },
      ],
      initial: { a: 1 },
      transitions: { a: { b: 1 }, b: { a: 1 } },
      process: 'gbm',
      timeframe: '1h',
    };
    const out = new RegimeGenerator(cfg).generate({ numSamples: 16, seed: 0 });
    // a for 5 bars, b for 3, a for 5, b for 3: durations are exact here
    expect(Array.from(out.regimes)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(out.spells.map((s) => s.length)).toEqual([5, 3, 5, 3]);
    expect(out.data.timeframe).toBe('1h');
  });
});

describe('generator config validation names the path', () => {
  type Editable = {
    transitions: Record<string, Record<string, number>>;
    regimes: Record<string, unknown>[];
    garch: unknown;
    process: unknown;
  };
  const base = () => JSON.parse(JSON.stringify(GENERATOR_PRESETS['crypto-15m'])) as Editable;
  it.each([
    ['a row not summing to 1', (c: Editable) => { c.transitions.uptrend!.ranging = 0.3; }, /config\.transitions\.uptrend must be probabilities summing to 1, got "a sum of 0\.8\d*"/],
    ['a negative volatility', (c: Editable) => { c.regimes[2]!.volatility = -0.01; }, /config\.regimes\[2\]\.volatility must be a number > 0, got -0\.01/],
    ['min duration above max', (c: Editable) => { c.regimes[0]!.duration = [50, 10]; }, /config\.regimes\[0\]\.duration\[1\] must be an integer >= min duration \(50\), got 10/],
    ['an unknown regime name', (c: Editable) => { c.transitions.uptrend!.sideways = 0; }, /config\.transitions\.uptrend\.sideways must be a known regime name \(uptrend, downtrend, ranging, volExpansion, volContraction\)/],
    ['a missing row', (c: Editable) => { delete c.transitions.ranging; }, /config\.transitions\.ranging must be given for every regime/],
    ['a non-stationary GARCH', (c: Editable) => { c.garch = { alpha: 0.2, beta: 0.85 }; }, /config\.garch must be stationary: alpha \+ beta < 1/],
    ['a duplicate name', (c: Editable) => { c.regimes[1]!.name = 'uptrend'; }, /config\.regimes\[1\]\.name must be unique, got "uptrend"/],
    ['an unknown process', (c: Editable) => { c.process = 'heston'; }, /config\.process must be 'gbm' or 'ou', got "heston"/],
  ])('rejects %s', (_name, mutate, message) => {
    const c = base();
    mutate(c);
    expect(() => validateGeneratorConfig(c)).toThrow(InvalidArgumentError);
    expect(() => new RegimeGenerator(c as never)).toThrow(message); // deliberately invalid: past the type
  });

  it('rejects bad generate options', () => {
    const gen = RegimeGenerator.preset('crypto-15m');
    expect(() => gen.generate({ numSamples: 0, seed: 1 })).toThrow(/numSamples must be an integer >= 1, got 0/);
    expect(() => gen.generate({ numSamples: 10, seed: -1 })).toThrow(/seed must be a safe integer >= 0, got -1/);
    expect(() => gen.generate({ numSamples: 10, seed: 1, sed: 2 } as never)).toThrow(/options\.sed is not a known option/);
    expect(() => RegimeGenerator.preset('forex' as never)).toThrow(/name must be one of crypto-15m, equity-daily, crypto-15m-null, crypto-15m-structured, got "forex"/);
  });
});

describe("the 'weekdays' calendar", () => {
  const equity = () => RegimeGenerator.preset('equity-daily');
  const weekday = (t: number) => new Date(t).getUTCDay(); // 0 Sunday ... 6 Saturday

  it('rejects a timeframe of 7 days or more, which never leaves a weekend (it looped forever)', () => {
    // 2024-01-06 is a Saturday: old code stepped Saturday -> Saturday -> ... without end
    const start = Date.UTC(2024, 0, 6);
    for (const timeframe of ['1w', '7d', '2w', '8d']) {
      expect(() => equity().generate({ numSamples: 3, seed: 1, timeframe, startTime: start })).toThrow(InvalidArgumentError);
    }
    expect(() => equity().generate({ numSamples: 3, seed: 1, timeframe: '1w', startTime: start })).toThrow(
      /options\.timeframe must be shorter than 7 days with calendar 'weekdays' .*got "1w"/,
    );
    const cfg = { ...GENERATOR_PRESETS['equity-daily'], timeframe: '1w' };
    expect(() => new RegimeGenerator(cfg)).toThrow(/config\.timeframe must be shorter than 7 days with calendar 'weekdays' .*got "1w"/);
    // a weekly 24/7 market is fine
    const weekly = new RegimeGenerator({ ...GENERATOR_PRESETS['crypto-15m'], timeframe: '1w' }).generate({ numSamples: 3, seed: 1, startTime: start });
    expect(Array.from(weekly.data.timestamps)).toEqual([start, start + 7 * 864e5, start + 14 * 864e5]);
  });

  it('starts on the first weekday open when startTime falls on a weekend', () => {
    // Saturday 2024-01-06 00:00 with daily bars: the first open is Monday 2024-01-08
    const d = equity().generate({ numSamples: 5, seed: 1, startTime: Date.UTC(2024, 0, 6) }).data;
    expect(Array.from(d.timestamps)).toEqual([8, 9, 10, 11, 12].map((day) => Date.UTC(2024, 0, day)));
    // Sunday 12:00 with 4h bars: Sunday 16:00 and 20:00 are skipped too, Monday 00:00 opens
    const h4 = equity().generate({ numSamples: 2, seed: 1, timeframe: '4h', startTime: Date.UTC(2024, 0, 7, 12) }).data;
    expect(Array.from(h4.timestamps)).toEqual([Date.UTC(2024, 0, 8, 0), Date.UTC(2024, 0, 8, 4)]);
  });

  it('keeps every bar on a weekday for any step shorter than a week', () => {
    for (const timeframe of ['1d', '2d', '3d', '5d', '6d', '36h', '13h']) {
      const d = equity().generate({ numSamples: 60, seed: 2, timeframe, startTime: Date.UTC(2024, 0, 6, 5) }).data;
      expect(d.length).toBe(60);
      for (const t of d.timestamps) expect([0, 6]).not.toContain(weekday(t));
    }
  });
});

describe('generator config: null is not "the default"', () => {
  const base = { regimes: [{ name: 'a', drift: 0, volatility: 0.01, duration: [1, 2] as [number, number] }], initial: { a: 1 }, transitions: { a: { a: 1 } } };
  it.each([
    ['process', { process: null }, /config\.process must be a value, or left out for the default, got null/],
    ['timeframe', { timeframe: null }, /config\.timeframe must be a value/],
    ['initialPrice', { initialPrice: null }, /config\.initialPrice must be a value/],
    ['volume', { volume: null }, /config\.volume must be a value/],
    ['calendar', { calendar: null }, /config\.calendar must be a value/],
    ['meanReversion', { regimes: [{ ...base.regimes[0], meanReversion: null }] }, /config\.regimes\[0\]\.meanReversion must be a value/],
    ['jumps.mean', { jumps: { probability: 0.1, std: 0.01, mean: null } }, /config\.jumps\.mean must be a value/],
    ['volume.noise', { volume: { base: 1, noise: null } }, /config\.volume\.noise must be a value/],
  ])('rejects %s: null', (_name, over, message) => {
    expect(() => new RegimeGenerator({ ...base, ...over } as never)).toThrow(message); // deliberately invalid: past the type
  });

  it('accepts null where it is documented: no GARCH, jumps or gaps (both presets have such a null)', () => {
    const c = new RegimeGenerator({ ...base, garch: null, jumps: null, gaps: null }).config;
    expect([c.garch, c.jumps, c.gaps]).toEqual([null, null, null]);
    expect(RegimeGenerator.preset('crypto-15m').config.gaps).toBeNull();
  });

  it('rejects null generate options', () => {
    const gen = RegimeGenerator.preset('equity-daily');
    for (const k of ['timeframe', 'symbol', 'startTime']) {
      expect(() => gen.generate({ numSamples: 3, seed: 1, [k]: null } as never)).toThrow(new RegExp(`options\\.${k} must be a value`));
    }
  });
});

// tradegym/tune: the search space's checks, the samplers (their densities against Optuna's
// formulas worked by hand, with normal masses integrated numerically here, not through the
// library's erfc), the pruners by scenario, and studies (determinism, resume, pruning).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { categoricalEstimator, numericalEstimator } from '../../src/tune/samplers.js';
import { defaultGamma, defaultWeights, MedianPruner, RandomSampler, Study, SuccessiveHalvingPruner, TPESampler, TrialPruned, type FrozenTrial, type SearchSpace } from '../../src/tune/index.js';

const OPTS = { nStartupTrials: 10, nEiCandidates: 24, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, seed: 0 };
const pdf = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
/** ∫ pdf over [a, b] by Simpson's rule (2000 panels): the oracle's normaliser. */
function mass(a: number, b: number, m: number, s: number): number {
  const n = 2000;
  const h = (b - a) / n;
  let sum = pdf(a, m, s) + pdf(b, m, s);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * pdf(a + i * h, m, s);
  return (sum * h) / 3;
}

describe('search space', () => {
  it('refuses bad spaces, naming the path and the value', () => {
    const bad: [unknown, RegExp][] = [
      [{}, /^space must be a search space with at least one parameter/],
      [{ lr: { type: 'normal', low: 0, high: 1 } }, /^space\.lr\.type must be one of 'uniform', 'loguniform', 'int', 'choice', got "normal"$/],
      [{ lr: { type: 'uniform', low: 1, high: 1 } }, /^space\.lr\.high must be a number > low \(1\), got 1$/],
      [{ lr: { type: 'loguniform', low: 0, high: 1 } }, /^space\.lr\.low must be a number > 0 on a logarithmic scale, got 0$/],
      [{ lr: { type: 'uniform', low: 0, high: 1, lo: 2 } }, /space\.lr has an unknown key 'lo'|lo/],
      [{ n: { type: 'int', low: 0, high: 10, step: 3 } }, /^space\.n\.step must be a step that divides high - low \(10\), got 3$/],
      [{ n: { type: 'int', low: 0.5, high: 10 } }, /^space\.n\.low must be a safe integer \(\|x\| < 2\^53\), got 0\.5$/],
      [{ c: { type: 'choice', choices: [] } }, /^space\.c\.choices must be a non-empty array/],
      [{ c: { type: 'choice', choices: ['a', 'a'] } }, /^space\.c\.choices\[1\] must be a value not already listed, got "a"$/],
      [{ x: { type: 'uniform', low: 0, high: 1, when: { param: 'c', in: ['a'] } } }, /^space\.x\.when\.param must be the name of a choice parameter listed before it, got "c"$/],
      [{ c: { type: 'choice', choices: ['a'] }, x: { type: 'uniform', low: 0, high: 1, when: { param: 'c', in: ['b'] } } }, /^space\.x\.when\.in must be values among \["a"\], got \["b"\]$/],
    ];
    bad.push(
      [{ x: { type: 'uniform', low: -1e308, high: 1e308 } }, /^space\.x\.high must be a number whose distance to low \(-1e\+308\) is finite, got 1e\+308$/],
      [{ n: { type: 'int', low: 0, high: 2 ** 60 } }, /^space\.n\.high must be a safe integer/],
      [JSON.parse('{"__proto__": {"type": "uniform", "low": 0, "high": 1}}'), /^space must be parameter names that are non-empty and not "__proto__", got "__proto__"$/],
    );
    for (const [space, re] of bad) expect(() => new Study({ space: space as SearchSpace }), JSON.stringify(space)).toThrow(re);
    expect(() => new Study({ space: { x: { type: 'uniform', low: 0, high: 1 } }, direction: 'up' as never })).toThrow(/^direction must be one of 'minimize', 'maximize', got "up"$/);
    expect(() => new Study({ space: { x: { type: 'uniform', low: 0, high: 1 } }, sample: 1 } as never)).toThrow(/sample/);
  });
});

describe('RandomSampler', () => {
  const space: SearchSpace = {
    kind: { type: 'choice', choices: ['mlp', 'lstm', null] },
    lr: { type: 'loguniform', low: 1e-5, high: 1e-1 },
    n: { type: 'int', low: 8, high: 64, step: 8 },
    width: { type: 'int', low: 1, high: 1000, log: true },
    units: { type: 'int', low: 16, high: 128, when: { param: 'kind', in: ['lstm'] } },
    x: { type: 'uniform', low: -1, high: 1 },
  };
  it('draws in range, on the grid, uniformly in the log, with conditions kept, and repeatably', () => {
    const s = new RandomSampler({ seed: 4 });
    const draws = Array.from({ length: 3000 }, (_, i) => s.sample(space, [], 'minimize', i));
    expect(draws.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => new RandomSampler({ seed: 4 }).sample(space, [], 'minimize', i)));
    for (const d of draws) {
      expect(d.lr as number).toBeGreaterThanOrEqual(1e-5);
      expect(d.lr as number).toBeLessThanOrEqual(1e-1);
      expect(((d.n as number) - 8) % 8).toBe(0);
      expect(Number.isInteger(d.width)).toBe(true);
      expect('units' in d).toBe(d.kind === 'lstm');
    }
    const frac = (f: (d: (typeof draws)[number]) => boolean) => draws.filter(f).length / draws.length;
    // log-uniform: half the draws below the geometric middle 1e-3; uniform: half below 0
    expect(Math.abs(frac((d) => (d.lr as number) < 1e-3) - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(frac((d) => (d.x as number) < 0) - 0.5)).toBeLessThan(0.04);
    for (const k of ['mlp', 'lstm', null]) expect(Math.abs(frac((d) => d.kind === k) - 1 / 3)).toBeLessThan(0.04);
    for (const n of [8, 64]) expect(Math.abs(frac((d) => d.n === n) - 1 / 8)).toBeLessThan(0.03); // 8 grid points, ends included
    // a log-scaled int draws log-uniformly on [0.5, 1000.5] and rounds: P(width <= 10) = ln(10.5 / 0.5) / ln(1000.5 / 0.5) = 0.4005
    expect(Math.abs(frac((d) => (d.width as number) <= 10) - Math.log(10.5 / 0.5) / Math.log(1000.5 / 0.5))).toBeLessThan(0.03);
  });
});

describe('TPE', () => {
  it("gamma and weights are Optuna's", () => {
    expect([0, 1, 10, 11, 240, 241, 1000].map(defaultGamma)).toEqual([0, 1, 1, 2, 24, 25, 25]); // min(ceil(0.1 n), 25)
    expect(defaultWeights(0)).toEqual([]);
    expect(defaultWeights(24)).toEqual(new Array(24).fill(1));
    const w = defaultWeights(30); // linspace(1/30, 1, 5), then 25 ones
    expect(w.length).toBe(30);
    [1 / 30, 1 / 30 + (29 / 30) * 0.25, 1 / 30 + (29 / 30) * 0.5, 1 / 30 + (29 / 30) * 0.75, 1].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 12));
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
  });

  it('numerical density: kernels at the observations and the prior, widths by neighbour gaps, clipped, normalised on the range (by hand)', () => {
    // obs 0.2 and 0.8 in [0, 1]; the prior at 0.5 with width 1. Sorted with the ends: 0, .2, .5, .8, 1.
    // Widths: the outermost ones take their inner gap (considerEndpoints false): 0.3, 0.3; the
    // clip's floor is 1 / min(100, 1 + 2 + 1) = 0.25. Weights 1, 1 and the prior's 1.
    const est = numericalEstimator([0.2, 0.8], [1, 1], 0, 1, 0, OPTS);
    const comps: [number, number][] = [[0.2, 0.3], [0.8, 0.3], [0.5, 1]];
    for (const x of [0, 0.1, 0.33, 0.5, 0.77, 0.95, 1]) {
      const expected = comps.reduce((s, [m, sd]) => s + pdf(x, m, sd) / mass(0, 1, m, sd) / 3, 0);
      expect(est.logPdf(x)).toBeCloseTo(Math.log(expected), 5);
    }
    // the magic clip's floor binds: obs crowded together get width 1 / min(100, 1 + 5 + 1)
    const tight = numericalEstimator([0.5, 0.5, 0.5, 0.5, 0.5], [1, 1, 1, 1, 1], 0, 1, 0, OPTS);
    const expectedAt = (x: number) => (5 * (pdf(x, 0.5, 1 / 7) / mass(0, 1, 0.5, 1 / 7)) + pdf(x, 0.5, 1) / mass(0, 1, 0.5, 1)) / 6;
    for (const x of [0.1, 0.5, 0.9]) expect(tight.logPdf(x)).toBeCloseTo(Math.log(expectedAt(x)), 5);
    // an integer grid of step 2 on [0, 10]: the mass of the cell [x - 1, x + 1] over [-1, 11]
    const grid = numericalEstimator([4], [1], 0, 10, 2, OPTS);
    // the prior at 5; sorted with the ends (half a step out): -1, 4, 5, 11. The outermost kernels
    // take their inner gap, 5 - 4 = 1, clipped to [12 / min(100, 1 + 1 + 1), 12] = [4, 12]: the
    // observation's width is 4, the prior's the whole 12
    const cell = (x: number, m: number, sd: number) => mass(x - 1, x + 1, m, sd) / mass(-1, 11, m, sd);
    for (const x of [0, 4, 6, 10]) expect(grid.logPdf(x)).toBeCloseTo(Math.log((cell(x, 4, 4) + cell(x, 5, 12)) / 2), 5);
    // its samples are on the grid and in range, and follow the density
    const rng = new Rng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 20000; i++) {
      const v = grid.sample(rng);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10]);
    for (const [v, c] of counts) expect(Math.abs(c / 20000 - Math.exp(grid.logPdf(v)))).toBeLessThan(0.015);
  });

  it("categorical density: Optuna's kernel weights", () => {
    // obs [0, 0, 2] of 3 categories: each row prior 1 / (3 + 1) on every category plus 1 on its own, normalised; the prior row uniform
    const est = categoricalEstimator([0, 0, 2], [1, 1, 1], 3, OPTS);
    const row = (own: number) => [0, 1, 2].map((c) => (0.25 + (c === own ? 1 : 0)) / 1.75);
    const rows = [row(0), row(0), row(2), [1 / 3, 1 / 3, 1 / 3]];
    for (const c of [0, 1, 2]) expect(est.logPdf(c)).toBeCloseTo(Math.log(rows.reduce((s, r) => s + r[c]! / 4, 0)), 12);
  });

  it('finds the minimum of a bowl better than random search, and is repeatable', async () => {
    const space: SearchSpace = { x: { type: 'uniform', low: -10, high: 10 }, y: { type: 'loguniform', low: 1e-4, high: 1 }, k: { type: 'choice', choices: ['a', 'b', 'c', 'd'] } };
    const f = (p: Record<string, unknown>) => ((p.x as number) - 3) ** 2 + Math.log10(p.y as number) ** 2 + (p.k === 'c' ? 0 : 4);
    const best = async (sampler: TPESampler | RandomSampler) => (await new Study({ space, sampler }).optimize(({ params }) => f(params), { nTrials: 60 })).bestTrial!.value!;
    const tpe: number[] = [];
    const random: number[] = [];
    for (let seed = 0; seed < 9; seed++) {
      tpe.push(await best(new TPESampler({ seed })));
      random.push(await best(new RandomSampler({ seed })));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[4]!;
    expect(median(tpe)).toBeLessThan(median(random));
    expect(median(tpe)).toBeLessThan(1);
    expect(await best(new TPESampler({ seed: 2 }))).toBe(tpe[2]);
  });

  it('models a conditional parameter on the trials where it existed', async () => {
    const space: SearchSpace = { net: { type: 'choice', choices: ['mlp', 'lstm'] }, units: { type: 'int', low: 8, high: 256, log: true, when: { param: 'net', in: ['lstm'] } } };
    const study = new Study({ space, sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }) });
    // lstm with about 64 units is best
    await study.optimize(({ params }) => (params.net === 'lstm' ? Math.abs(Math.log2(params.units as number) - 6) : 5), { nTrials: 40 });
    for (const t of study.trials) expect('units' in t.params).toBe(t.params.net === 'lstm');
    expect(study.bestTrial!.params.net).toBe('lstm');
    expect(Math.abs(Math.log2(study.bestTrial!.params.units as number) - 6)).toBeLessThan(0.5);
    const late = study.trials.slice(20);
    expect(late.filter((t) => t.params.net === 'lstm').length).toBeGreaterThan(14); // it learned the good branch
  });

  it('refuses bad options', () => {
    expect(() => new TPESampler({ nStartupTrials: -1 })).toThrow(/^options\.nStartupTrials must be an integer >= 0, got -1$/);
    expect(() => new TPESampler({ priorWeight: 0 })).toThrow(/^options\.priorWeight must be a number > 0, got 0$/);
    expect(() => new TPESampler({ gamma: 0.1 } as never)).toThrow(/gamma/);
    expect(() => new RandomSampler({ seed: 1.5 })).toThrow(/^options\.seed must be an integer >= 0, got 1\.5$/);
  });
});

const t = (number: number, state: FrozenTrial['state'], intermediate: Record<number, number>, value?: number): FrozenTrial => ({ number, params: {}, state, intermediate, ...(value === undefined ? {} : { value }) });

describe('pruners', () => {
  it('MedianPruner: the best so far against the median of the others at this step, after the startup and warm-up', () => {
    const p = new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 1 });
    const others = [t(0, 'complete', { 1: 1, 2: 0.5 }, 0.5), t(1, 'complete', { 1: 3, 2: 2 }, 2), t(2, 'pruned', { 1: 10 })];
    // at step 2 the others have 0.5 and 2: median 1.25
    expect(p.prune(t(3, 'running', { 1: 5, 2: 1.2 }), [...others, t(3, 'running', { 1: 5, 2: 1.2 })], 'minimize', 2)).toBe(false);
    expect(p.prune(t(3, 'running', { 1: 5, 2: 1.3 }), [...others, t(3, 'running', { 1: 5, 2: 1.3 })], 'minimize', 2)).toBe(true);
    // maximizing: 1.3 beats the median 1.25
    expect(p.prune(t(3, 'running', { 1: 5, 2: 1.3 }), [...others, t(3, 'running', { 1: 5, 2: 1.3 })], 'maximize', 2)).toBe(false);
    // warm-up: step 0 never prunes; startup: one complete trial is not enough
    expect(p.prune(t(3, 'running', { 0: 99 }), [...others], 'minimize', 0)).toBe(false);
    expect(p.prune(t(3, 'running', { 1: 99, 2: 99 }), [others[0]!, t(3, 'running', { 1: 99, 2: 99 })], 'minimize', 2)).toBe(false);
    expect(() => new MedianPruner({ nWarmup: 1 } as never)).toThrow(/nWarmup/);
  });

  it("MedianPruner follows Optuna's details: complete trials only, NaN ignored, the first report in each interval", () => {
    const p = new MedianPruner({ nStartupTrials: 1, intervalSteps: 2 });
    const done = [t(0, 'complete', { 1: 1, 3: 1, 5: 1 }, 1), t(1, 'complete', { 1: 2, 3: 2, 5: 2 }, 2)];
    // reports at odd steps with an interval of 2: each is the first in its interval, so each is checked
    for (const step of [1, 3, 5]) expect(p.prune(t(9, 'running', { [step]: 100 }), [...done], 'minimize', step)).toBe(true);
    // a second report in the same interval is not checked
    expect(p.prune(t(9, 'running', { 2: 100, 3: 100 }), [...done], 'minimize', 3)).toBe(false);
    // pruned and failed trials do not count towards the median (here 1, from the complete one)
    const mixed = [t(0, 'complete', { 1: 1 }, 1), t(1, 'pruned', { 1: 100 }), t(2, 'pruned', { 1: 100 }), t(3, 'failed', { 1: 100 })];
    expect(new MedianPruner({ nStartupTrials: 1 }).prune(t(4, 'running', { 1: 50 }), mixed, 'minimize', 1)).toBe(true);
    // the trial's own NaN reports are ignored (its best is 0.1); a trial of NaN only is pruned
    const med = new MedianPruner({ nStartupTrials: 1 });
    const others = [t(0, 'complete', { 0: 5, 1: 5 }, 5), t(1, 'complete', { 0: 6, 1: 6 }, 6)];
    expect(med.prune(t(2, 'running', { 0: Number.NaN, 1: 0.1 }), others, 'minimize', 1)).toBe(false);
    expect(med.prune(t(2, 'running', { 0: Number.NaN }), others, 'minimize', 0)).toBe(true);
  });

  it('SuccessiveHalvingPruner judges a first report past a rung, every rung it passes, at the value it had there', () => {
    const asha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }); // rungs at 1, 2, 4, 8, 16
    const others = [t(0, 'complete', { 10: 1 }, 1), t(1, 'complete', { 10: 2 }, 2)];
    // the first report, at step 10, passes rungs 1, 2, 4 and 8: judged there at 1000 against 1 and 2
    expect(asha.prune(t(2, 'running', { 10: 1000 }), others, 'minimize', 10)).toBe(true);
    expect(asha.prune(t(2, 'running', { 10: 0.5 }), others, 'minimize', 10)).toBe(false);
    // a rung's value is the report that reached it: 100 at step 5 for rung 4, not the 0.5 before it
    const early = [t(0, 'complete', { 5: 1 }, 1), t(1, 'complete', { 5: 2 }, 2)];
    expect(asha.prune(t(2, 'running', { 3: 0.5, 5: 100 }), early, 'minimize', 5)).toBe(true);
  });

  it('SuccessiveHalvingPruner: at each rung only the best 1/eta of the values there go on', () => {
    const asha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }); // rungs at 1, 3, 9
    const rung1 = [t(0, 'complete', { 1: 1, 3: 0.5 }, 0.5), t(1, 'pruned', { 1: 2 }), t(2, 'pruned', { 1: 3 }), t(3, 'pruned', { 1: 4 }), t(4, 'pruned', { 1: 5 })];
    // 6 values at rung 1 with the new one: the best 6 // 3 = 2 go on, i.e. value <= the 2nd smallest
    const run = (v: number) => t(5, 'running', { 1: v });
    expect(asha.prune(run(1.5), [...rung1, run(1.5)], 'minimize', 1)).toBe(false); // [1, 1.5, ...]: second
    expect(asha.prune(run(2.5), [...rung1, run(2.5)], 'minimize', 1)).toBe(true); // third of six
    // between rungs nothing is decided; at rung 3 the competitors are those that reached it
    expect(asha.prune(t(5, 'running', { 1: 1.5, 2: 9 }), [...rung1, t(5, 'running', { 1: 1.5, 2: 9 })], 'minimize', 2)).toBe(false);
    // rung 3: only trial 0 (0.5) reached it: 2 values, 2 // 3 - 1 < 0 -> promote only the best
    expect(asha.prune(t(5, 'running', { 1: 1.5, 3: 0.4 }), [...rung1, t(5, 'running', { 1: 1.5, 3: 0.4 })], 'minimize', 3)).toBe(false);
    expect(asha.prune(t(5, 'running', { 1: 1.5, 3: 0.6 }), [...rung1, t(5, 'running', { 1: 1.5, 3: 0.6 })], 'minimize', 3)).toBe(true);
    expect(() => new SuccessiveHalvingPruner({ reductionFactor: 1 })).toThrow(/^options\.reductionFactor must be an integer >= 2, got 1$/);
  });
});

describe('Study', () => {
  const space: SearchSpace = { x: { type: 'uniform', low: -5, high: 5 }, n: { type: 'int', low: 1, high: 9 } };
  const f = (p: Record<string, unknown>) => ((p.x as number) - 1) ** 2 + (p.n as number);

  it('resumes from JSON exactly: 15 trials, a save, 15 more equals 30 in one go', async () => {
    const whole = await new Study({ space, sampler: new TPESampler({ seed: 5 }) }).optimize(({ params }) => f(params), { nTrials: 30 });
    const first = await new Study({ space, sampler: new TPESampler({ seed: 5 }) }).optimize(({ params }) => f(params), { nTrials: 15 });
    const saved = JSON.parse(JSON.stringify(first.toJSON()));
    const resumed = await Study.fromJSON(saved, { sampler: new TPESampler({ seed: 5 }) }).optimize(({ params }) => f(params), { nTrials: 15 });
    expect(resumed.trials).toEqual(whole.trials);
    expect(resumed.bestTrial).toEqual(whole.bestTrial);
  });

  it('keeps NaN and Infinity through JSON text, and refuses a corrupted record, naming the field', async () => {
    const study = new Study({ space, sampler: new RandomSampler({ seed: 1 }), pruner: new MedianPruner({ nStartupTrials: 1 }) });
    const a = study.ask();
    a.report(1, Number.NaN);
    study.tell(a.number, Infinity); // a diverged loss
    const b = study.ask();
    b.report(1, 2);
    study.tell(b.number, 'pruned');
    const text = JSON.stringify(study.toJSON());
    const back = Study.fromJSON(JSON.parse(text), { sampler: new RandomSampler({ seed: 1 }) });
    expect(back.trials).toEqual(study.trials);
    expect(back.trials[0]!.value).toBe(Infinity);
    expect(back.trials[0]!.intermediate[1]).toBeNaN();
    const good = JSON.parse(text) as { trials: Record<string, unknown>[] };
    const corrupt = (edit: (t: Record<string, unknown>) => void) => {
      const r = JSON.parse(text) as typeof good;
      edit(r.trials[1]!);
      return () => Study.fromJSON(r as never);
    };
    expect(corrupt((t) => ((t.params as Record<string, unknown>).x = 1e6))).toThrow(/^record\.trials\[1\]\.params\.x must be a number in \[-5, 5\], got 1000000$/);
    expect(corrupt((t) => ((t.params as Record<string, unknown>).n = 2.5))).toThrow(/^record\.trials\[1\]\.params\.n must be an integer on the grid of step 1 from 1, got 2\.5$/);
    expect(corrupt((t) => ((t.params as Record<string, unknown>).y = 1))).toThrow(/^record\.trials\[1\]\.params\.y must be a parameter of the space \(x, n\), got 1$/);
    expect(corrupt((t) => (t.params = 'abc'))).toThrow(/^record\.trials\[1\]\.params must be an object/);
    expect(corrupt((t) => (t.intermediate = { 1: 'bad' }))).toThrow(/^record\.trials\[1\]\.intermediate\[1\] must be a number \(or "NaN", "Infinity", "-Infinity"\), got "bad"$/);
    expect(corrupt((t) => (t.intermediate = { foo: 2 }))).toThrow(/^record\.trials\[1\]\.intermediate must be steps that are integers >= 0, got "foo"$/);
    expect(corrupt((t) => (t.value = 3))).toThrow(/^record\.trials\[1\]\.value must be absent for a pruned trial, got 3$/);
    expect(() => Study.fromJSON(good as never, { direction: 'maximize' } as never)).toThrow(/direction/);
    expect(() => new RandomSampler({ seed: 2 ** 32 })).toThrow(/^options\.seed must be an integer below 2\^32/);
  });

  it('prunes through reports and TrialPruned, records failures, and rethrows them', async () => {
    const study = new Study({ space, sampler: new RandomSampler({ seed: 2 }), pruner: new MedianPruner({ nStartupTrials: 3 }) });
    await study.optimize((trial) => {
      let v = 0;
      for (let step = 1; step <= 5; step++) {
        v = f(trial.params) / step;
        trial.report(step, v);
        if (trial.shouldPrune()) throw new TrialPruned(`trial ${trial.number} at step ${step}`);
      }
      return v;
    }, { nTrials: 25 });
    const states = study.trials.map((x) => x.state);
    expect(states.slice(0, 3)).toEqual(['complete', 'complete', 'complete']);
    expect(states.filter((s) => s === 'pruned').length).toBeGreaterThan(3);
    for (const x of study.trials.filter((x) => x.state === 'pruned')) expect(Object.keys(x.intermediate).length).toBeLessThan(5);
    await expect(study.optimize(() => {
      throw new RangeError('diverged');
    }, { nTrials: 1 })).rejects.toThrow('diverged');
    expect(study.trials.at(-1)!.state).toBe('failed');
    await study.optimize(() => Number.NaN, { nTrials: 1 });
    expect(study.trials.at(-1)!.state).toBe('failed');
  });

  it('ask and tell, with their errors', () => {
    const study = new Study({ space, direction: 'maximize', sampler: new RandomSampler() });
    const a = study.ask();
    const b = study.ask();
    study.tell(b.number, 3);
    study.tell(a.number, 'pruned');
    expect(study.bestTrial!.number).toBe(1);
    expect(() => study.tell(1, 4)).toThrow(/trial 1 has already ended \(complete\)/);
    expect(() => study.tell(7, 1)).toThrow(/^number must be the number of a trial asked for \(0 to 1\), got 7$/);
    expect(() => study.tell(study.ask().number, 'done' as never)).toThrow(/^result must be one of 'pruned', 'failed', got "done"$/);
    const c = study.ask();
    c.report(1, 0.5);
    expect(() => c.report(1, 0.4)).toThrow(/^step must be a step after the last one reported \(1\), got 1$/);
    study.tell(c.number, 1);
    expect(() => c.report(2, 0.4)).toThrow(/has ended \(complete\)/);
    expect(() => Study.fromJSON({ ...study.toJSON(), trials: [{ ...study.trials[0]!, number: 3 }] })).toThrow(/^record\.trials\[0\]\.number must be 0, got 3$/);
  });
});

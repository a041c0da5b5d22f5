// Parameter importance by fANOVA. The oracle is the functional ANOVA of the objective itself,
// worked by hand below: for an additive f = g(x) + h(y) with x, y independent and uniform on the
// space's (log) scale, the main effects are g and h, so the exact shares are Var g / (Var g + Var h).
// A forest fitted on enough random trials must land near them; no number here comes from the code
// under test.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { parameterImportance, type ImportanceTrial, type ParamImportance } from '../../src/tune/importance.js';
import { RandomSampler, Study, type Params, type SearchSpace } from '../../src/tune/index.js';

/** A study of `n` random trials of `f`. */
async function randomStudy(space: SearchSpace, n: number, f: (p: Params) => number, seed = 1): Promise<Study> {
  const study = new Study({ space, sampler: new RandomSampler({ seed }) });
  await study.optimize(({ params }) => f(params), { nTrials: n });
  return study;
}

/** The importances as name → share. */
const byName = (list: readonly ParamImportance[]) => Object.fromEntries(list.map((e) => [e.param, e.importance]));
const num = (p: Params, k: string) => p[k] as number;

describe('parameterImportance', () => {
  it('gives nearly all the importance to a parameter that dominates', async () => {
    // f = 10x + 0.01y, x, y ~ U[0, 1]: Var = 100/12 vs 1e-4/12, x's share 0.999999
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 }, y: { type: 'uniform', low: 0, high: 1 } };
    const study = await randomStudy(space, 200, (p) => 10 * num(p, 'x') + 0.01 * num(p, 'y'));
    const imp = parameterImportance(study, { seed: 0 });
    expect(imp.map((e) => e.param)).toEqual(['x', 'y']);
    expect(imp[0]!.importance).toBeGreaterThan(0.95);
    expect(imp[0]!.importance + imp[1]!.importance).toBeCloseTo(1, 12);
  });

  it('recovers the exact variance shares of an additive function, and ~0 for a parameter that does nothing', async () => {
    // f = 3x² + sin(2πy) + 0·z, x, y, z ~ U[0, 1].
    //   Var(3x²)      = 9 (E x⁴ - (E x²)²) = 9 (1/5 - 1/9) = 9 · 4/45 = 0.8
    //   Var(sin 2πy)  = E sin²(2πy) - 0² = 1/2
    //   shares: x 0.8 / 1.3 = 0.6154, y 0.5 / 1.3 = 0.3846, z 0
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 }, y: { type: 'uniform', low: 0, high: 1 }, z: { type: 'uniform', low: 0, high: 1 } };
    const study = await randomStudy(space, 400, (p) => 3 * num(p, 'x') ** 2 + Math.sin(2 * Math.PI * num(p, 'y')));
    const imp = byName(parameterImportance(study, { seed: 0 }));
    expect(imp.x).toBeCloseTo(0.8 / 1.3, 1); // |error| < 0.05
    expect(Math.abs(imp.x! - 0.8 / 1.3)).toBeLessThan(0.02);
    expect(Math.abs(imp.y! - 0.5 / 1.3)).toBeLessThan(0.02);
    expect(imp.z).toBeLessThan(0.01);
  });

  it('measures an int with each value of its grid alike', async () => {
    // f = n + m/2, n uniform on {1, 2, 3}, m uniform on {0, 4} (step 4).
    //   Var(n) = ((3² - 1)/12) = 2/3;  Var(m/2) = Var of {0, 2} = 1
    //   shares: n (2/3)/(5/3) = 0.4, m 0.6.
    // Both are grids, so every tree fits f exactly and the forest only has to weigh the cells:
    // each grid value owns a step's width. On Optuna's fANOVA range for an int ([1, 3], no half
    // step) the end values would count half, Var(n) = 1/2 and n's share 1/3.
    const space: SearchSpace = { n: { type: 'int', low: 1, high: 3 }, m: { type: 'int', low: 0, high: 4, step: 4 } };
    const study = await randomStudy(space, 200, (p) => num(p, 'n') + num(p, 'm') / 2);
    const imp = byName(parameterImportance(study, { seed: 0 }));
    expect(Math.abs(imp.n! - 0.4)).toBeLessThan(0.01);
    expect(Math.abs(imp.m! - 0.6)).toBeLessThan(0.01);
  });

  it('measures a log-uniform parameter in its logarithm', async () => {
    // f = [lr < 1e-3] + √3·y, lr log-uniform on [1e-5, 1e-1], y ~ U[0, 1].
    //   in the log, P(lr < 1e-3) = 2 decades / 4 = 1/2: Var = 1/4;  Var(√3·y) = 3/12 = 1/4
    //   shares: lr 1/2, y 1/2
    const space: SearchSpace = { lr: { type: 'loguniform', low: 1e-5, high: 1e-1 }, y: { type: 'uniform', low: 0, high: 1 } };
    const study = await randomStudy(space, 300, (p) => (num(p, 'lr') < 1e-3 ? 1 : 0) + Math.sqrt(3) * num(p, 'y'));
    const imp = byName(parameterImportance(study, { seed: 0 }));
    expect(Math.abs(imp.lr! - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(imp.y! - 0.5)).toBeLessThan(0.03);
    // The same trials with lr declared uniform: the raw scale Optuna's fANOVA measures it on.
    //   P(lr < 1e-3) = (1e-3 - 1e-5)/(1e-1 - 1e-5) = 0.0099010: Var = P(1 - P) = 0.0098030
    //   lr's share 0.0098030 / (0.0098030 + 0.25) = 0.0377
    const raw = { space: { ...space, lr: { type: 'uniform', low: 1e-5, high: 1e-1 } } as SearchSpace, trials: study.trials };
    expect(Math.abs(byName(parameterImportance(raw, { seed: 0 })).lr! - 0.0377)).toBeLessThan(0.03);
  });

  it('gives the same importances whether a parameter is log-uniform or uniform in its log, at any affine scale', () => {
    // fANOVA's shares are invariant under an affine map of a parameter's line (the trees split
    // the same samples; every volume scales alike), and a log-uniform lr is measured on ln lr.
    const rng = new Rng(11);
    const [lo, hi] = [Math.log(1e-5), Math.log(1e-1)];
    const draws = Array.from({ length: 150 }, () => ({ u: lo + (hi - lo) * rng.uniform(), x: rng.uniform() }));
    const value = (u: number, x: number) => Math.abs(u + 7) + 0.8 * x;
    const clamp = (v: number, a: number, b: number) => Math.min(b, Math.max(a, v));
    const study = (space: SearchSpace, param: (u: number) => number) => ({
      space,
      trials: draws.map(({ u, x }): ImportanceTrial => ({ params: { a: param(u), x }, state: 'complete', value: value(u, x) })),
    });
    const x: SearchSpace['x'] = { type: 'uniform', low: 0, high: 1 };
    const log = study({ a: { type: 'loguniform', low: 1e-5, high: 1e-1 }, x }, (u) => clamp(Math.exp(u), 1e-5, 1e-1));
    const ln = study({ a: { type: 'uniform', low: lo, high: hi }, x }, (u) => u);
    const log10 = study({ a: { type: 'uniform', low: -5, high: -1 }, x }, (u) => clamp(u / Math.LN10, -5, -1));
    const [a, b, c] = [log, ln, log10].map((s) => parameterImportance(s, { seed: 5 }));
    expect(a!.map((e) => e.param)).toEqual(b!.map((e) => e.param));
    expect(c!.map((e) => e.param)).toEqual(b!.map((e) => e.param));
    for (let i = 0; i < 2; i++) {
      expect(a![i]!.importance).toBeCloseTo(b![i]!.importance, 9);
      expect(c![i]!.importance).toBeCloseTo(b![i]!.importance, 9);
    }
  });

  it('sees a parameter searched on a tiny range (scikit-learn would take it for a constant)', async () => {
    // fee on [0, 1e-8]: every raw difference is below scikit-learn's 1e-7 "constant feature"
    // tolerance; mapped onto [0, 1] it is not. f = 1e8·fee + 0.1x: fee's share 1/(1 + 0.01) = 0.99
    const space: SearchSpace = { fee: { type: 'uniform', low: 0, high: 1e-8 }, x: { type: 'uniform', low: 0, high: 1 } };
    const study = await randomStudy(space, 150, (p) => 1e8 * num(p, 'fee') + 0.1 * num(p, 'x'));
    expect(byName(parameterImportance(study, { seed: 0 })).fee).toBeGreaterThan(0.95);
  });

  it('handles choices: one that matters dominates, one that does nothing gets ~0, one with one value gets 0', async () => {
    const space: SearchSpace = {
      net: { type: 'choice', choices: ['mlp', 'lstm', 'cnn'] },
      noise: { type: 'choice', choices: [true, false, null] },
      fixed: { type: 'choice', choices: ['only'] },
      x: { type: 'uniform', low: 0, high: 1 },
    };
    const effect: Record<string, number> = { mlp: 0, lstm: 4, cnn: 10 };
    const study = await randomStudy(space, 300, (p) => (effect[p.net as string] as number) + 0.2 * num(p, 'x'));
    const list = parameterImportance(study, { seed: 0 });
    expect(list.map((e) => e.param).slice(0, 2)).toEqual(['net', 'x']);
    const imp = byName(list);
    expect(imp.net).toBeGreaterThan(0.95);
    expect(imp.noise).toBeLessThan(0.01);
    expect(imp.fixed).toBe(0);
    expect(list.reduce((s, e) => s + e.importance, 0)).toBeCloseTo(1, 12);
  });

  it("agrees with Optuna 5.0.0's FanovaImportanceEvaluator on the same trials (floats and choices)", () => {
    // The oracle: optuna 5.0.0 with scikit-learn 1.9.1, get_param_importances(study,
    // evaluator=FanovaImportanceEvaluator(seed=s)) on these trials (written out as JSON), the mean
    // over s = 0..4 (its spread over seeds: ±0.008 at most). On uniform floats and choices the two
    // measure the same space; the binary choice shows Optuna's one-hot bias (exactly 0.25/0.5833 =
    // 0.43 by hand, 0.36 in both).
    const rng = new Rng(42);
    const u: SearchSpace['x'] = { type: 'uniform', low: 0, high: 1 };
    const cases: [SearchSpace, number, (p: Params) => number, string, number][] = [
      [{ x: u, y: u, z: u }, 400, (p) => 3 * num(p, 'x') ** 2 + Math.sin(2 * Math.PI * num(p, 'y')), 'x', 0.6148],
      [{ flag: { type: 'choice', choices: ['off', 'on'] }, x: u }, 200, (p) => (p.flag === 'on' ? 1 : 0) + 2 * num(p, 'x'), 'flag', 0.3624],
      [{ net: { type: 'choice', choices: ['mlp', 'lstm', 'cnn'] }, x: u }, 300, (p) => ({ mlp: 0, lstm: 1, cnn: 2.5 })[p.net as 'mlp'] + 3 * num(p, 'x'), 'net', 0.5919],
      [{ x: u, y: u }, 300, (p) => num(p, 'x') * num(p, 'y') + num(p, 'x'), 'x', 0.9137],
    ];
    for (const [space, n, f, param, optuna] of cases) {
      const trials = Array.from({ length: n }, (): ImportanceTrial => {
        const params: Record<string, Params[string]> = {};
        for (const [k, s] of Object.entries(space)) params[k] = s.type === 'choice' ? rng.choice(s.choices) : s.low + (s.high - s.low) * rng.uniform();
        return { params, state: 'complete', value: f(params) };
      });
      expect(Math.abs(byName(parameterImportance({ space, trials }, { seed: 0 }))[param]! - optuna), param).toBeLessThan(0.02);
    }
  });

  it('is deterministic for a seed, and the seed moves the estimate but not the ranking', async () => {
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 }, y: { type: 'uniform', low: 0, high: 1 }, n: { type: 'int', low: 1, high: 8, log: true } };
    const study = await randomStudy(space, 120, (p) => 3 * num(p, 'x') ** 2 + Math.sin(2 * Math.PI * num(p, 'y')) + 0.1 * Math.log(num(p, 'n')));
    const one = parameterImportance(study, { seed: 7, nTrees: 16 });
    expect(parameterImportance(study, { seed: 7, nTrees: 16 })).toEqual(one);
    const other = parameterImportance(study, { seed: 8, nTrees: 16 });
    expect(other).not.toEqual(one);
    expect(other.map((e) => e.param)).toEqual(one.map((e) => e.param));
    // the saved study (through JSON) gives the same numbers
    expect(parameterImportance(JSON.parse(JSON.stringify(study.toJSON())), { seed: 7, nTrees: 16 })).toEqual(one);
  });

  it('honours maxDepth: stumps all split on the dominant parameter, so it gets exactly 1', async () => {
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 }, y: { type: 'uniform', low: 0, high: 1 } };
    const study = await randomStudy(space, 100, (p) => 10 * num(p, 'x') + 0.01 * num(p, 'y'));
    const stumps = byName(parameterImportance(study, { seed: 0, maxDepth: 1 }));
    expect(stumps.x).toBeCloseTo(1, 12);
    expect(stumps.y).toBeLessThan(1e-20); // 0 but for rounding
    expect(byName(parameterImportance(study, { seed: 0 })).y).toBeGreaterThan(0);
  });

  it('leaves out a conditional parameter unless asked, then uses only the trials that have it', async () => {
    const space: SearchSpace = {
      net: { type: 'choice', choices: ['mlp', 'lstm'] },
      units: { type: 'int', low: 8, high: 64, when: { param: 'net', in: ['lstm'] } },
      x: { type: 'uniform', low: 0, high: 1 },
    };
    const study = await randomStudy(space, 120, (p) => ('units' in p ? num(p, 'units') / 10 : 0) + num(p, 'x'));
    expect(parameterImportance(study, { seed: 0 }).map((e) => e.param).sort()).toEqual(['net', 'x']);
    // among the lstm trials: units/10 with units ~ U{8..64}: Var ≈ 57²/12/100 = 2.7 vs Var(x) = 1/12
    const imp = parameterImportance(study, { seed: 0, params: ['units', 'x'] });
    expect(imp[0]!.param).toBe('units');
    expect(imp[0]!.importance).toBeGreaterThan(0.9);
    // a trial with a non-finite value is not used; pruned and failed ones neither
    const trials = study.trials.map((t, i) => (i === 0 ? { ...t, value: Infinity } : i === 1 ? { ...t, state: 'failed' as const, value: undefined } : t));
    expect(() => parameterImportance({ space, trials }, { seed: 0 })).not.toThrow();
  });

  it('refuses fewer than 2 usable trials, unknown parameters and bad options, with the value', async () => {
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 }, c: { type: 'choice', choices: ['a', 'b'] }, y: { type: 'uniform', low: 0, high: 1, when: { param: 'c', in: ['b'] } } };
    const t = (x: number, value: number | undefined, state: ImportanceTrial['state'] = 'complete', c = 'a'): ImportanceTrial => ({ params: { x, c }, state, value });
    const one = { space, trials: [t(0.1, 1), t(0.2, undefined, 'pruned'), t(0.3, undefined, 'failed'), t(0.4, Infinity)] };
    expect(() => parameterImportance(one, { seed: 0 })).toThrow(/^study must have at least 2 complete trials with a finite value, got 1$/);
    const study = { space, trials: [t(0.1, 1), t(0.5, 2), t(0.9, 4), { params: { x: 0.2, c: 'b', y: 0.3 }, state: 'complete' as const, value: 3 }] };
    expect(() => parameterImportance(study, { seed: 0, params: ['y'] })).toThrow(/^study must have at least 2 complete trials with a finite value and every parameter of options\.params \(y\), got 1$/);
    expect(() => parameterImportance({ space, trials: [t(0.1, 2), t(0.5, 2), t(0.9, 2)] }, { seed: 0 })).toThrow(/^study must have values that vary .*all 3 trials used have the value 2$/);
    const bad: [unknown, RegExp][] = [
      [{}, /^options\.seed must be a safe integer >= 0 \(required: the forest is random\), got undefined$/],
      [{ seed: -1 }, /^options\.seed must be a safe integer >= 0, got -1$/],
      [{ seed: 0, nTrees: 0 }, /^options\.nTrees must be an integer >= 1, got 0$/],
      [{ seed: 0, maxDepth: 2.5 }, /^options\.maxDepth must be an integer >= 1, got 2\.5$/],
      [{ seed: 0, ntrees: 8 }, /^options\.ntrees is not a known option \(known: seed, nTrees, maxDepth, params\), got 8$/],
      [{ seed: 0, params: [] }, /^options\.params must be a non-empty array of parameter names, got \[\]$/],
      [{ seed: 0, params: ['x', 'lr'] }, /^options\.params\[1\] must be a parameter of the space \(x, c, y\), got "lr"$/],
      [{ seed: 0, params: ['x', 'x'] }, /^options\.params\[1\] must be a name not already listed, got "x"$/],
      [{ seed: 0, params: null }, /^options\.params must be a value, or left out for the default, got null$/],
    ];
    for (const [options, re] of bad) expect(() => parameterImportance(study, options as never), JSON.stringify(options)).toThrow(re);
    expect(() => parameterImportance(null as never, { seed: 0 })).toThrow(/^study must be a plain object, got null$/);
    expect(() => parameterImportance({ space, trials: 'x' } as never, { seed: 0 })).toThrow(/^study\.trials must be an array of trials, got "x"$/);
    expect(() => parameterImportance({ space, trials: [t(2, 1), t(0.5, 2)] }, { seed: 0 })).toThrow(/^study\.trials\[0\]\.params\.x must be a number in \[0, 1\], got 2$/);
    expect(() => parameterImportance({ space: { x: { type: 'uniform', low: 1, high: 0 } }, trials: [] }, { seed: 0 })).toThrow(/^study\.space\.x\.high must be a number > low/);
  });
});

import { fail, requireFinite, requireInt, requireKnownKeys } from '../core/checks.js';
import { Rng } from '../core/Rng.js';
import { active, fromInternal, isLog, sampleUniform, toInternal, type ChoiceValue, type ParamSpec, type Params, type SearchSpace } from './space.js';

/** A trial as a sampler or a pruner sees it. */
export interface FrozenTrial {
  /** 0, 1, 2, ... in the order trials were asked for. */
  readonly number: number;
  /** Its parameters. */
  readonly params: Params;
  /** `'running'`, `'complete'` (it has a value), `'pruned'` or `'failed'`. */
  readonly state: 'running' | 'complete' | 'pruned' | 'failed';
  /** The objective's value, for a complete trial. */
  readonly value?: number;
  /** The values reported during the trial: step → value. */
  readonly intermediate: Readonly<Record<number, number>>;
}

/** Whether smaller or larger values are better. */
export type Direction = 'minimize' | 'maximize';

/** Chooses the next trial's parameters from the trials so far. */
export interface Sampler {
  /** The sampler's name (saved with a study). */
  readonly name: string;
  /**
   * The parameters of trial `number`.
   * @param space - the search space.
   * @param trials - every trial so far.
   * @param direction - of the objective.
   * @param number - the trial's number (with the sampler's seed, it fixes the trial's randomness).
   */
  sample(space: SearchSpace, trials: readonly FrozenTrial[], direction: Direction, number: number): Params;
}

/** A 32-bit mix of the seed and the trial number: each trial's own stream, so a resumed study draws what an uninterrupted one would. */
function trialRng(seed: number, number: number): Rng {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(number + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

function requireSeed(options: Record<string, unknown>): number {
  if (options.seed === undefined) return 0;
  const seed = requireInt('options.seed', options.seed, 0);
  if (seed > 0xffffffff) fail('options.seed', 'an integer below 2^32 (it is mixed as 32 bits)', seed);
  return seed;
}

/**
 * Draws every parameter independently and uniformly (in the log for logarithmic ones).
 * @example
 * ```ts
 * import { RandomSampler } from 'tradegym/tune';
 * const sampler = new RandomSampler({ seed: 1 });
 * const params = sampler.sample({ lr: { type: 'loguniform', low: 1e-5, high: 1e-2 } }, [], 'minimize', 0);
 * console.log((params.lr as number) >= 1e-5 && (params.lr as number) <= 1e-2); // true
 * ```
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly #seed: number;

  /**
   * @param options - `seed` (default 0).
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a seed that is not an integer >= 0.
   */
  constructor(options: { readonly seed?: number } = {}) {
    this.#seed = requireSeed(requireKnownKeys('options', options, ['seed']));
  }

  /**
   * @param space - the search space.
   * @param _trials - unused: every draw is independent.
   * @param _direction - unused.
   * @param number - the trial's number.
   * @returns the parameters whose conditions hold.
   */
  sample(space: SearchSpace, _trials: readonly FrozenTrial[], _direction: Direction, number: number): Params {
    const rng = trialRng(this.#seed, number);
    const params: Record<string, number | ChoiceValue> = {};
    for (const [name, spec] of Object.entries(space)) if (active(spec, params)) params[name] = sampleUniform(spec, rng);
    return params;
  }
}

/** Options of {@link TPESampler}; the defaults are Optuna's. */
export interface TPEOptions {
  /** Trials drawn at random before TPE starts (default 10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from the good trials' density, the best ratio kept (default 24). */
  readonly nEiCandidates?: number;
  /** The weight of the prior (a wide kernel at the middle of the range) in each density (default 1). */
  readonly priorWeight?: number;
  /** Bound the kernels' widths below by range / min(100, 1 + n) (default true). */
  readonly considerMagicClip?: boolean;
  /** Let the outermost kernels widen to the range's ends (default false). */
  readonly considerEndpoints?: boolean;
  /** The seed (default 0). */
  readonly seed?: number;
}

/**
 * Optuna's `default_gamma`: how many of n trials count as good, `min(ceil(0.1 n), 25)`.
 * @param n - the trials so far.
 * @returns the number of good ones.
 * @example
 * ```ts
 * import { defaultGamma } from 'tradegym/tune';
 * console.log(defaultGamma(10), defaultGamma(11), defaultGamma(1000)); // 1 2 25
 * ```
 */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Optuna's `default_weights`: the 25 newest observations weigh 1, older ones less, from 1/n
 * rising linearly.
 * @param n - the observations, oldest first.
 * @returns their weights.
 * @example
 * ```ts
 * import { defaultWeights } from 'tradegym/tune';
 * console.log(defaultWeights(3)); // [1, 1, 1]
 * console.log(defaultWeights(27).slice(0, 3)); // [0.037..., 1, 1]: linspace(1/27, 1, 2), then 25 ones
 * ```
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

const SQRT2 = Math.SQRT2;
/** erfc with a fractional error below 1.2e-7 everywhere, tails included (Numerical Recipes' erfcc). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
/** P(a < Z < b) for a standard normal Z, accurate in either tail. */
function normalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  return 1 - 0.5 * erfc(b / SQRT2) - 0.5 * erfc(-a / SQRT2);
}
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** A one-parameter Parzen estimator: a weighted mixture over the observations and the prior. @internal */
export interface Estimator {
  sample(rng: Rng): number;
  logPdf(x: number): number;
}

/**
 * A mixture of normals truncated to [low, high] (Optuna's `_calculate_numerical_distributions`,
 * univariate): one kernel per observation, its width the larger gap to its sorted neighbours
 * (the prior's centre and the range's ends among them), clipped; the prior a kernel as wide as
 * the range at its middle. With a `step`, an integer grid: mass per grid cell, samples rounded.
 * @internal
 */
export function numericalEstimator(obs: number[], weights: number[], low: number, high: number, step: number, o: Required<TPEOptions>): Estimator {
  const n = obs.length;
  const considerPrior = o.priorWeight > 0 || n === 0;
  const prior = 0.5 * (low + high);
  const withPrior = considerPrior ? [...obs, prior] : [...obs];
  const order = withPrior.map((_, i) => i).sort((a, b) => (withPrior[a] as number) - (withPrior[b] as number));
  const sorted = [low - step / 2, ...order.map((i) => withPrior[i] as number), high + step / 2];
  const sortedSigmas = order.map((_, j) => Math.max((sorted[j + 1] as number) - (sorted[j] as number), (sorted[j + 2] as number) - (sorted[j + 1] as number)));
  if (!o.considerEndpoints && sorted.length >= 4) {
    sortedSigmas[0] = (sorted[2] as number) - (sorted[1] as number);
    sortedSigmas[sortedSigmas.length - 1] = (sorted[sorted.length - 2] as number) - (sorted[sorted.length - 3] as number);
  }
  const sigmas = new Array<number>(withPrior.length);
  order.forEach((i, j) => (sigmas[i] = sortedSigmas[j] as number));
  const width = high - low + step;
  const maxSigma = width;
  const minSigma = o.considerMagicClip ? width / Math.min(100, 1 + n + (considerPrior ? 1 : 0)) : 1e-12;
  const mus = withPrior;
  const sds = sigmas.slice(0, n).map((s) => Math.min(maxSigma, Math.max(minSigma, s)));
  if (considerPrior) sds.push(width);
  const w = considerPrior ? [...weights, o.priorWeight] : n === 0 ? [1] : [...weights];
  const total = w.reduce((a, b) => a + b, 0);
  const logW = w.map((x) => Math.log(x / total));
  const lo = low - step / 2;
  const hi = high + step / 2;
  const logZ = mus.map((m, k) => Math.log(normalMass((lo - m) / (sds[k] as number), (hi - m) / (sds[k] as number))));
  let acc = 0;
  const cumulative = w.map((x) => (acc += x / total));
  return {
    sample(rng) {
      const u = rng.uniform();
      let k = cumulative.findIndex((c) => u < c);
      if (k < 0) k = w.length - 1;
      const m = mus[k] as number;
      const sd = sds[k] as number;
      let x = Number.NaN;
      // the kernel's centre lies in the range, so at least a third of draws land; a centre
      // outside it (never sampled here) would be clipped after 1000 tries
      for (let tries = 0; tries < 1000 && !(x >= lo && x <= hi); tries++) x = m + sd * rng.normal();
      if (!(x >= lo && x <= hi)) x = Math.min(hi, Math.max(lo, m));
      if (step === 0) return x;
      return Math.min(high, Math.max(low, low + Math.round((x - low) / step) * step));
    },
    logPdf(x) {
      return logSumExp(
        mus.map((m, k) => {
          const sd = sds[k] as number;
          const density = step === 0 ? -0.5 * ((x - m) / sd) ** 2 - Math.log(sd) - LOG_SQRT_2PI : Math.log(Math.max(1e-300, normalMass((x - step / 2 - m) / sd, (x + step / 2 - m) / sd)));
          return (logW[k] as number) + density - (logZ[k] as number);
        }),
      );
    },
  };
}

/** Categories: each observation's kernel puts weight 1 on its category plus a share of the prior's on every one (Optuna's). @internal */
export function categoricalEstimator(obs: number[], weights: number[], k: number, o: Required<TPEOptions>): Estimator {
  const n = obs.length;
  const considerPrior = o.priorWeight > 0 || n === 0;
  const rows = Array.from({ length: n + (considerPrior ? 1 : 0) }, () => new Array<number>(k).fill(o.priorWeight / (n + (considerPrior ? 1 : 0))));
  obs.forEach((c, i) => ((rows[i] as number[])[c] = ((rows[i] as number[])[c] as number) + 1));
  const probs = rows.map((r) => {
    const s = r.reduce((a, b) => a + b, 0);
    return r.map((x) => x / s);
  });
  const w = considerPrior ? [...weights, o.priorWeight] : [...weights];
  const total = w.reduce((a, b) => a + b, 0);
  return {
    sample(rng) {
      let u = rng.uniform() * total;
      let row = 0;
      while (row < w.length - 1 && u >= (w[row] as number)) u -= w[row++] as number;
      let v = rng.uniform();
      const p = probs[row] as number[];
      for (let c = 0; c < k; c++) {
        if (v < (p[c] as number)) return c;
        v -= p[c] as number;
      }
      return k - 1;
    },
    logPdf(c) {
      return logSumExp(probs.map((p, i) => Math.log((w[i] as number) / total) + Math.log(p[c] as number)));
    },
  };
}

/**
 * The tree-structured Parzen estimator (Bergstra et al. 2011), as Optuna's `TPESampler` with
 * its defaults (univariate): after `nStartupTrials` random trials, the trials are split into
 * the best `defaultGamma(n)` and the rest; for each parameter a density of each group is built
 * ({@link defaultWeights}, a prior, kernel widths by the neighbours' gaps, clipped), 24
 * candidates are drawn from the good density, and the one with the largest ratio of good to
 * bad density is kept. Pruned trials count, ranked after complete ones by how far they got.
 * A parameter under a condition is modelled on the trials where it existed.
 *
 * @example
 * ```ts
 * import { Study, TPESampler } from 'tradegym/tune';
 * const study = new Study({ space: { x: { type: 'uniform', low: -5, high: 5 } }, sampler: new TPESampler({ seed: 0 }) });
 * await study.optimize(({ params }) => ((params.x as number) - 2) ** 2, { nTrials: 40 });
 * console.log(Math.abs((study.bestTrial!.params.x as number) - 2) < 0.5); // true
 * ```
 */
export class TPESampler implements Sampler {
  readonly name = 'tpe';
  readonly #o: Required<TPEOptions>;
  readonly #random: RandomSampler;

  /**
   * @param options - see {@link TPEOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of range.
   */
  constructor(options: TPEOptions = {}) {
    const o = requireKnownKeys('options', options, ['nStartupTrials', 'nEiCandidates', 'priorWeight', 'considerMagicClip', 'considerEndpoints', 'seed']);
    for (const k of ['considerMagicClip', 'considerEndpoints'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(`options.${k}`, 'a boolean', o[k]);
    const priorWeight = o.priorWeight === undefined ? 1 : requireFinite('options.priorWeight', o.priorWeight);
    if (!(priorWeight > 0)) fail('options.priorWeight', 'a number > 0', priorWeight);
    this.#o = {
      nStartupTrials: o.nStartupTrials === undefined ? 10 : requireInt('options.nStartupTrials', o.nStartupTrials, 0),
      nEiCandidates: o.nEiCandidates === undefined ? 24 : requireInt('options.nEiCandidates', o.nEiCandidates, 1),
      priorWeight,
      considerMagicClip: (o.considerMagicClip as boolean | undefined) ?? true,
      considerEndpoints: (o.considerEndpoints as boolean | undefined) ?? false,
      seed: requireSeed(o),
    };
    this.#random = new RandomSampler({ seed: this.#o.seed });
  }

  /**
   * @param space - the search space.
   * @param trials - every trial so far (complete and pruned ones inform the densities).
   * @param direction - of the objective.
   * @param number - the trial's number.
   * @returns the parameters whose conditions hold.
   */
  sample(space: SearchSpace, trials: readonly FrozenTrial[], direction: Direction, number: number): Params {
    const done = trials.filter((t) => t.state === 'complete' || t.state === 'pruned');
    if (done.length < this.#o.nStartupTrials) return this.#random.sample(space, trials, direction, number);
    const ranked = rank(done, direction);
    const nBelow = defaultGamma(done.length);
    const below = ranked.slice(0, nBelow).sort((a, b) => a.number - b.number);
    const above = ranked.slice(nBelow).sort((a, b) => a.number - b.number);
    const rng = trialRng(this.#o.seed, number);
    const params: Record<string, number | ChoiceValue> = {};
    for (const [name, spec] of Object.entries(space)) {
      if (!active(spec, params)) continue;
      const obsBelow = below.filter((t) => name in t.params).map((t) => toInternal(spec, t.params[name] as number | ChoiceValue));
      const obsAbove = above.filter((t) => name in t.params).map((t) => toInternal(spec, t.params[name] as number | ChoiceValue));
      const l = this.#estimator(spec, obsBelow);
      const g = this.#estimator(spec, obsAbove);
      let best = Number.NaN;
      let bestScore = -Infinity;
      for (let c = 0; c < this.#o.nEiCandidates; c++) {
        let x = l.sample(rng);
        // a log-scaled int is scored at the integer it rounds to (as Optuna scores its rounded samples)
        if (spec.type === 'int' && spec.log === true) x = Math.log(fromInternal(spec, x) as number);
        const score = l.logPdf(x) - g.logPdf(x);
        if (score > bestScore || Number.isNaN(best)) [best, bestScore] = [x, score];
      }
      params[name] = fromInternal(spec, best);
    }
    return params;
  }

  #estimator(spec: ParamSpec, obs: number[]): Estimator {
    const weights = defaultWeights(obs.length);
    if (spec.type === 'choice') return categoricalEstimator(obs, weights, spec.choices.length, this.#o);
    if (spec.type === 'int' && spec.log === true) return numericalEstimator(obs, weights, Math.log(spec.low - 0.5), Math.log(spec.high + 0.5), 0, this.#o);
    const log = isLog(spec);
    return numericalEstimator(obs, weights, log ? Math.log(spec.low) : spec.low, log ? Math.log(spec.high) : spec.high, spec.type === 'int' ? (spec.step ?? 1) : 0, this.#o);
  }
}

/** Complete trials best first, then pruned ones: those that got further first, then by their last value (Optuna's order). */
function rank(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  const sign = direction === 'minimize' ? 1 : -1;
  const complete = trials.filter((t) => t.state === 'complete').sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number);
  const last = (t: FrozenTrial): [number, number] => {
    const steps = Object.keys(t.intermediate).map(Number);
    if (steps.length === 0) return [-1, Infinity];
    const s = Math.max(...steps);
    const v = sign * (t.intermediate[s] as number);
    return [s, Number.isNaN(v) ? Infinity : v]; // a diverged trial ranks last at its step
  };
  const pruned = trials
    .filter((t) => t.state === 'pruned')
    .map((t) => ({ t, k: last(t) }))
    .sort((a, b) => b.k[0] - a.k[0] || a.k[1] - b.k[1] || a.t.number - b.t.number)
    .map((x) => x.t);
  return [...complete, ...pruned];
}

// Parameter importance by fANOVA (Hutter, Hoos and Leyton-Brown 2014, "An Efficient Approach for
// Assessing Hyperparameter Importance", ICML): a random forest fitted on the complete trials, and
// for each tree the variance of each parameter's marginal over the tree's partition of the space,
// as a share of the tree's variance. The facts follow Optuna's FanovaImportanceEvaluator
// (optuna/importance/_fanova: a scikit-learn RandomForestRegressor, 64 trees of depth <= 64,
// bootstrap, every feature tried at every split, categorical parameters one-hot with [0, 1] bounds,
// the shares averaged over the trees with variance and normalised to sum to 1), with two
// differences: each parameter lives on the line the samplers draw it on (see `columns`), and each
// column is mapped onto [0, 1] before the forest sees it. Checked against Optuna 5.0.0 in the test.
import { fail, requireInt, requireKnownKeys, requireRecord, requireSeed, show } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import type { FrozenTrial } from './samplers.js';
import { checkParams, checkSpace, isLog, toInternal, type ParamSpec, type Params, type SearchSpace } from './space.js';

/** A trial as the importance reads it: a `Study`'s trials and a `toJSON()` record's both fit. */
export interface ImportanceTrial {
  /** Its parameters. */
  readonly params: Params;
  /** Only `'complete'` trials count. */
  readonly state: FrozenTrial['state'];
  /** The value; a non-finite one (or its JSON name, `"Infinity"`) leaves the trial out. */
  readonly value?: number | string;
}

/** What {@link parameterImportance} reads: a `Study`, its `toJSON()`, or a space with trials. */
export interface ImportanceSource {
  /** The search space: the bounds and kinds of the parameters (trials alone do not carry them). */
  readonly space: SearchSpace;
  /** The trials; only complete ones with a finite value are used. */
  readonly trials: readonly ImportanceTrial[];
}

/** Options of {@link parameterImportance}. */
export interface ParameterImportanceOptions {
  /** The forest's seed (required: bootstrap samples and tie-breaks are random): a safe integer >= 0. */
  readonly seed: number;
  /** The number of trees (default 64, Optuna's). */
  readonly nTrees?: number;
  /** The trees' maximum depth (default 64, Optuna's). */
  readonly maxDepth?: number;
  /**
   * The parameters to assess (default: every parameter present in all the complete trials). Given,
   * only the complete trials that have all of them are used.
   */
  readonly params?: readonly string[];
}

/** One parameter's importance. */
export interface ParamImportance {
  /** The parameter's name. */
  readonly param: string;
  /** Its share of the value's variance explained by it alone, in [0, 1]; the shares sum to 1. */
  readonly importance: number;
}

/** The importances, or why there are none (`reason` completes "the study must have ...": the study report shows it instead). @internal */
export type ImportanceOutcome =
  | { readonly ok: true; readonly importances: readonly ParamImportance[]; readonly leftOut: readonly string[]; readonly trials: number }
  | { readonly ok: false; readonly reason: string; readonly leftOut: readonly string[]; readonly trials: number };

/** A parameter's columns in the forest's input, and their bounds. */
interface Column {
  readonly param: string;
  readonly low: number;
  readonly high: number;
  /** The column's value for a trial's value of the parameter. */
  readonly encode: (v: Params[string]) => number;
}

/**
 * The columns of one parameter. A choice is one-hot, each column on [0, 1], as Optuna's
 * `_SearchSpaceTransform`. A number is on the samplers' line (`toInternal`): its log when
 * logarithmic, and an int widened by half a step at each end so each value of the grid owns
 * an equal width, as Optuna's samplers transform it (`transform_log`, `transform_step`). Optuna's
 * fANOVA turns both off and measures a log parameter on its raw scale, where the decade
 * [0.01, 0.1] is 90% of [1e-5, 0.1]; the original fANOVA works in ConfigSpace's unit cube, which is
 * logarithmic for log parameters, as here.
 */
function columns(param: string, spec: ParamSpec): Column[] {
  if (spec.type === 'choice') return spec.choices.map((c) => ({ param, low: 0, high: 1, encode: (v) => (v === c ? 1 : 0) }));
  const encode = (v: Params[string]) => toInternal(spec, v);
  if (spec.type !== 'int') return [{ param, low: toInternal(spec, spec.low), high: toInternal(spec, spec.high), encode }];
  const half = isLog(spec) ? 0.5 : (spec.step ?? 1) / 2;
  return [{ param, low: toInternal(spec, spec.low - half), high: toInternal(spec, spec.high + half), encode }];
}

/** A leaf of a fitted tree: its prediction and its box. */
interface Leaf {
  readonly value: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
}

// scikit-learn's splitter treats a feature whose values in a node span no more than this as constant
const FEATURE_THRESHOLD = 1e-7;

/**
 * One regression tree as scikit-learn's `DecisionTreeRegressor` grows it in a random forest:
 * squared error, the best split over every feature (visited in a random order, so ties go to a
 * random feature), the threshold halfway between two neighbouring values, at least one sample
 * per side, grown until a node is pure, holds one distinct sample, or reaches `maxDepth`.
 * `weight[i]` is how often sample i was drawn into the bootstrap (0: left out); `order[f]` lists
 * the samples sorted by feature f.
 */
function growTree(x: readonly Float64Array[], order: readonly Int32Array[], y: Float64Array, weight: Float64Array, bounds: readonly Column[], maxDepth: number, rng: Rng): Leaf[] {
  const leaves: Leaf[] = [];
  const features = Array.from({ length: x.length }, (_, f) => f);
  const left = new Uint8Array(y.length);
  // each node holds its samples sorted by every feature (presorted once, split keeping the order)
  const grow = (sorted: readonly Int32Array[], depth: number, lo: Float64Array, hi: Float64Array): void => {
    const samples = sorted[0] as Int32Array;
    let w = 0;
    let s = 0;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const i of samples) {
      const wi = weight[i] as number;
      const yi = y[i] as number;
      w += wi;
      s += wi * yi;
      yMin = Math.min(yMin, yi);
      yMax = Math.max(yMax, yi);
    }
    const leaf = () => void leaves.push({ value: s / w, lo, hi });
    if (depth >= maxDepth || samples.length < 2 || yMin === yMax) return leaf();
    let best: { f: number; threshold: number; proxy: number } | undefined;
    for (const f of rng.shuffle(features)) {
      const xf = x[f] as Float64Array;
      const list = sorted[f] as Int32Array;
      if ((xf[list[list.length - 1] as number] as number) <= (xf[list[0] as number] as number) + FEATURE_THRESHOLD) continue;
      let wl = 0;
      let sl = 0;
      for (let p = 0; p < list.length - 1; p++) {
        const i = list[p] as number;
        wl += weight[i] as number;
        sl += (weight[i] as number) * (y[i] as number);
        const a = xf[i] as number;
        const b = xf[list[p + 1] as number] as number;
        if (b <= a + FEATURE_THRESHOLD) continue;
        // maximising sum_l^2 / w_l + sum_r^2 / w_r minimises the children's squared error (sklearn's proxy)
        const proxy = (sl * sl) / wl + ((s - sl) * (s - sl)) / (w - wl);
        if (best === undefined || proxy > best.proxy) {
          let threshold = a / 2 + b / 2;
          if (threshold === b || !Number.isFinite(threshold)) threshold = a;
          best = { f, threshold, proxy };
        }
      }
    }
    if (best === undefined) return leaf(); // every feature constant here
    const { f, threshold } = best;
    const xf = x[f] as Float64Array;
    let nLeft = 0;
    for (const i of samples) nLeft += left[i] = (xf[i] as number) <= threshold ? 1 : 0;
    const leftSorted: Int32Array[] = [];
    const rightSorted: Int32Array[] = [];
    for (const list of sorted) {
      const l = new Int32Array(nLeft);
      const r = new Int32Array(list.length - nLeft);
      let a = 0;
      let b = 0;
      for (const i of list) {
        if (left[i] === 1) l[a++] = i;
        else r[b++] = i;
      }
      leftSorted.push(l);
      rightSorted.push(r);
    }
    const leftHi = hi.slice();
    leftHi[f] = threshold;
    const rightLo = lo.slice();
    rightLo[f] = threshold;
    grow(leftSorted, depth + 1, lo, leftHi);
    grow(rightSorted, depth + 1, rightLo, hi);
  };
  grow(
    order.map((list) => list.filter((i) => (weight[i] as number) > 0)),
    0,
    Float64Array.from(bounds, (c) => c.low),
    Float64Array.from(bounds, (c) => c.high),
  );
  return leaves;
}

/**
 * A tree's variance and the variance of the marginal over each parameter's columns, both under
 * the uniform measure on the bounds. With the leaves' boxes B_l partitioning the space, the
 * marginal over a parameter's columns S, less the tree's mean m, is
 * M(x_S) - m = sum_l (v_l - m) 1[x_S in B_l^S] |B_l^C|, where C are the other columns and |.| is a
 * volume as a fraction of the bounds'. Its variance is the integral of its square: for one column,
 * a sweep over the boxes' ends, where M is constant between neighbours; for several (a one-hot
 * choice), sum_{l,l'} c_l c_l' |B_l^S ∩ B_l'^S| with c_l = (v_l - m)|B_l^C|. Both are exact: the
 * number Optuna reaches by walking the grid of split midpoints.
 */
function treeShares(leaves: readonly Leaf[], bounds: readonly Column[], paramCols: readonly (readonly number[])[]): { total: number; marginal: number[] } {
  const d = bounds.length;
  const width = bounds.map((c) => c.high - c.low);
  // frac[l * d + k]: leaf l's width in column k as a fraction of the bounds'
  const frac = new Float64Array(leaves.length * d);
  leaves.forEach((leaf, l) => {
    for (let k = 0; k < d; k++) frac[l * d + k] = ((leaf.hi[k] as number) - (leaf.lo[k] as number)) / (width[k] as number);
  });
  const product = (l: number, skip: readonly number[]) => {
    let v = 1;
    for (let k = 0; k < d; k++) if (!skip.includes(k)) v *= frac[l * d + k] as number;
    return v;
  };
  const volume = leaves.map((_, l) => product(l, []));
  const mean = leaves.reduce((m, leaf, l) => m + (volume[l] as number) * leaf.value, 0);
  const total = leaves.reduce((t, leaf, l) => t + (volume[l] as number) * (leaf.value - mean) ** 2, 0);
  const marginal = paramCols.map((cols) => {
    const c = leaves.map((leaf, l) => (leaf.value - mean) * product(l, cols));
    let v = 0;
    if (cols.length === 1) {
      const k = cols[0] as number;
      const ends = leaves.flatMap((leaf, l) => [
        { at: leaf.lo[k] as number, dc: c[l] as number },
        { at: leaf.hi[k] as number, dc: -(c[l] as number) },
      ]);
      ends.sort((a, b) => a.at - b.at);
      let level = 0;
      for (let e = 0; e < ends.length - 1; e++) {
        level += (ends[e] as (typeof ends)[number]).dc;
        v += (level * level * ((ends[e + 1] as (typeof ends)[number]).at - (ends[e] as (typeof ends)[number]).at)) / (width[k] as number);
      }
    } else {
      // leaves with the same box in S summed first: a one-hot choice has few such boxes
      const groups = new Map<string, { lo: number[]; hi: number[]; c: number }>();
      leaves.forEach((leaf, l) => {
        const lo = cols.map((k) => leaf.lo[k] as number);
        const hi = cols.map((k) => leaf.hi[k] as number);
        const key = `${lo.join(',')}|${hi.join(',')}`;
        const g = groups.get(key);
        if (g === undefined) groups.set(key, { lo, hi, c: c[l] as number });
        else g.c += c[l] as number;
      });
      const gs = [...groups.values()];
      for (let a = 0; a < gs.length; a++) {
        const ga = gs[a] as (typeof gs)[number];
        for (let b = a; b < gs.length; b++) {
          const gb = gs[b] as (typeof gs)[number];
          let overlap = 1;
          for (let j = 0; j < cols.length && overlap > 0; j++) {
            const lo = Math.max(ga.lo[j] as number, gb.lo[j] as number);
            overlap *= Math.max(0, Math.min(ga.hi[j] as number, gb.hi[j] as number) - lo) / (width[cols[j] as number] as number);
          }
          v += (a === b ? 1 : 2) * ga.c * gb.c * overlap;
        }
      }
    }
    return Math.max(0, v); // the integral of a square; rounding may dip below 0
  });
  return { total, marginal };
}

/** Reads the source and options: the checked space, the usable trials, the options with defaults. */
function prepare(source: unknown, options: unknown) {
  const src = requireRecord('study', source);
  if (typeof src.space !== 'object' || src.space === null) fail('study', 'a Study, its toJSON(), or { space, trials }', source);
  const space = checkSpace(src.space, 'study.space');
  const trials: unknown = src.trials;
  if (!Array.isArray(trials)) fail('study.trials', 'an array of trials', trials);
  const o = requireKnownKeys('options', options, ['seed', 'nTrees', 'maxDepth', 'params']);
  if (o.seed === undefined) fail('options.seed', 'a safe integer >= 0 (required: the forest is random)', o.seed);
  const seed = requireSeed('options.seed', o.seed);
  const nTrees = o.nTrees === undefined ? 64 : requireInt('options.nTrees', o.nTrees, 1);
  const maxDepth = o.maxDepth === undefined ? 64 : requireInt('options.maxDepth', o.maxDepth, 1);
  const names = Object.keys(space);
  let params: string[] | undefined;
  if (o.params !== undefined) {
    if (!Array.isArray(o.params) || o.params.length === 0) fail('options.params', 'a non-empty array of parameter names', o.params);
    params = (o.params as unknown[]).map((p, i) => {
      if (typeof p !== 'string' || !names.includes(p)) fail(`options.params[${i}]`, `a parameter of the space (${names.join(', ')})`, p);
      if ((o.params as unknown[]).indexOf(p) !== i) fail(`options.params[${i}]`, 'a name not already listed', p);
      return p;
    });
  }
  // complete trials with a finite value, as Optuna's _get_filtered_trials
  const complete: { params: Params; value: number }[] = [];
  (trials as unknown[]).forEach((raw, i) => {
    const t = requireRecord(`study.trials[${i}]`, raw);
    if (t.state !== 'complete' || typeof t.value !== 'number' || !Number.isFinite(t.value)) return;
    complete.push({ params: checkParams(`study.trials[${i}].params`, space, t.params), value: t.value });
  });
  return { space, complete, seed, nTrees, maxDepth, params };
}

/**
 * The importances, or the reason there are none: what {@link parameterImportance} throws, and the
 * study report shows as a note. Throws only for bad arguments. @internal
 */
export function importanceOutcome(source: ImportanceSource, options: ParameterImportanceOptions): ImportanceOutcome {
  const { space, complete, seed, nTrees, maxDepth, params } = prepare(source, options);
  const names = Object.keys(space);
  // Optuna assesses by default the parameters present in all the complete trials (its intersection
  // search space): a conditional parameter, absent where its branch was not taken, is left out
  const chosen = params ?? names.filter((p) => complete.every((t) => p in t.params));
  const leftOut = params === undefined ? names.filter((p) => !chosen.includes(p)) : [];
  const used = complete.filter((t) => chosen.every((p) => p in t.params));
  const trials = used.length;
  if (used.length < 2) {
    const which = params === undefined ? 'complete trials with a finite value' : `complete trials with a finite value and every parameter of options.params (${params.join(', ')})`;
    return { ok: false, reason: `at least 2 ${which}, got ${used.length}`, leftOut, trials };
  }
  // a choice with one value cannot vary: 0, as Optuna's single distributions
  const varying = chosen.filter((p) => {
    const spec = space[p] as ParamSpec;
    return spec.type !== 'choice' || spec.choices.length > 1;
  });
  const zeros = chosen.filter((p) => !varying.includes(p)).map((param) => ({ param, importance: 0 }));
  const sorted = (list: ParamImportance[]) => list.sort((a, b) => b.importance - a.importance || chosen.indexOf(a.param) - chosen.indexOf(b.param));
  if (varying.length === 0) return { ok: true, importances: sorted(zeros.map((z) => ({ ...z, importance: 1 / zeros.length }))), leftOut, trials };

  const bounds = varying.flatMap((p) => columns(p, space[p] as ParamSpec));
  const paramCols = varying.map((p) => bounds.flatMap((c, d) => (c.param === p ? [d] : [])));
  // each column mapped onto [0, 1]: the shares do not change under an affine map of a column, and
  // scikit-learn's 1e-7 tolerance for a constant feature becomes relative to the range (a fee
  // searched on [0, 1e-8] is not taken for a constant)
  const x = bounds.map((c) => Float64Array.from(used, (t) => (c.encode(t.params[c.param] as Params[string]) - c.low) / (c.high - c.low)));
  const unit = bounds.map((c) => ({ ...c, low: 0, high: 1 }));
  const y = Float64Array.from(used, (t) => t.value);
  const order = x.map((xf) => Int32Array.from(xf.keys()).sort((a, b) => (xf[a] as number) - (xf[b] as number) || a - b));
  const rng = new Rng(seed);
  const sums = new Float64Array(varying.length);
  let counted = 0;
  for (let k = 0; k < nTrees; k++) {
    // the bootstrap: n draws with replacement, as a forest's `bootstrap=True`
    const weight = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const j = rng.integer(0, y.length);
      weight[j] = (weight[j] as number) + 1;
    }
    const { total, marginal } = treeShares(growTree(x, order, y, weight, unit, maxDepth, rng), unit, paramCols);
    // a tree that predicts a constant explains nothing and is left out of the mean, as in Optuna
    if (!(total > 0)) continue;
    counted++;
    marginal.forEach((m, j) => (sums[j] = (sums[j] as number) + m / total));
  }
  if (counted === 0) {
    const same = used.every((t) => t.value === used[0]?.value);
    const why = same ? `all ${used.length} trials used have the value ${show(used[0]?.value)}` : `each of the ${nTrees} trees drew a bootstrap sample of one value`;
    return { ok: false, reason: `values that vary (importance is a share of their variance), got none: ${why}`, leftOut, trials };
  }
  const raw = varying.map((param, j) => ({ param, importance: (sums[j] as number) / counted }));
  const sum = raw.reduce((a, r) => a + r.importance, 0);
  // all main effects 0 (a pure interaction): equal shares, as Optuna's normalisation
  const n = raw.length + zeros.length;
  const importances = [...raw.map((r) => ({ param: r.param, importance: sum > 0 ? r.importance / sum : 1 / n })), ...zeros.map((z) => ({ ...z, importance: sum > 0 ? 0 : 1 / n }))];
  return { ok: true, importances: sorted(importances), leftOut, trials };
}

/**
 * How much of the objective's variation each parameter explains, by fANOVA (Hutter et al. 2014),
 * as Optuna's `FanovaImportanceEvaluator` with `get_param_importances` (its default evaluator
 * until v5): a random forest of `nTrees` regression trees is fitted on the complete trials'
 * parameters → values; for each tree, the variance of a parameter's marginal (the tree's
 * prediction averaged over every other parameter) as a share of the tree's variance; those
 * shares averaged over the trees and normalised to sum to 1.
 *
 * - Only complete trials with a finite value count. A conditional parameter (present only in
 *   some trials) is assessed only if every such trial has it, as Optuna's fANOVA: by default it
 *   is left out; named in `params`, only the trials that have it are used.
 * - A choice is one-hot, a column on [0, 1] per choice, as Optuna. The cube of those columns
 *   also holds corners no trial takes (no choice, or two at once), and the trees' predictions
 *   there count in the marginals, as in Optuna: a choice's share comes out below its exact
 *   functional-ANOVA share (a binary choice whose exact share is 0.43 gets 0.36, here and in
 *   Optuna 5.0).
 * - A log-uniform float or a `log` int is measured in its logarithm, the scale it is searched on;
 *   an int's range is widened by half a step at each end, so each value of its grid counts
 *   alike. Optuna's fANOVA uses the raw scale and range, so its numbers for log and int
 *   parameters differ from these; for uniform floats and choices they agree (to the forest's
 *   randomness).
 * - A choice with one value gets 0. If every main effect is 0 (the value depends only on
 *   interactions), the shares are equal, as in Optuna.
 * - A share is a main effect: interactions are in no parameter's share. The forest is as good
 *   as the trials cover the space; random sampling covers it best.
 *
 * @param study - a `Study`, its `toJSON()`, or `{ space, trials }` (the space gives the bounds).
 * @param options - `seed` (required), `nTrees` (64), `maxDepth` (64), `params` (a subset).
 * @returns one entry per parameter assessed, the most important first (ties in the space's order).
 * @throws `InvalidArgumentError` (from `tradegym`) for a bad study or trial, an unknown option, a
 *   missing or bad seed, `nTrees` or `maxDepth` not an integer >= 1, a name in `params` that is
 *   not a parameter of the space, fewer than 2 complete trials (with a finite value and every
 *   parameter assessed), or values that do not vary (every tree constant).
 * @example
 * ```ts
 * import { parameterImportance, RandomSampler, Study } from 'tradegym/tune';
 * const study = new Study({
 *   space: { lr: { type: 'loguniform', low: 1e-5, high: 1e-1 }, units: { type: 'int', low: 8, high: 64 } },
 *   sampler: new RandomSampler({ seed: 1 }),
 * });
 * await study.optimize(({ params }) => Math.abs(Math.log10(params.lr as number) + 3) + (params.units as number) / 1000, { nTrials: 60 });
 * const importances = parameterImportance(study, { seed: 0 });
 * console.log(importances[0]?.param, importances[0]!.importance > 0.9); // lr true
 * ```
 */
export function parameterImportance(study: ImportanceSource, options: ParameterImportanceOptions): ParamImportance[] {
  const outcome = importanceOutcome(study, options);
  if (!outcome.ok) throw new InvalidArgumentError(`study must have ${outcome.reason}`);
  return [...outcome.importances];
}

import { fail, requireInt } from '../../core/checks.js';
import type { MutableArrayLike, Rng } from '../../core/Rng.js';

/**
 * The action distributions of the policies, written once on typed arrays (float64 maths):
 * sampling, log-probability, entropy, mode, and the gradients of the log-probability and the
 * entropy with respect to the distribution's parameters. Predict, rollout collection and both
 * training paths (the typed kernels and tfjs, whose loss op calls this code) read them; no
 * other copy of these formulas exists.
 *
 * Every method reads the parameters of one sample at `p[pAt ..]` and an action at
 * `action[aAt ..]`, so a batch stays one flat array. @internal
 */
export interface ActionDistribution {
  /** Parameters per sample: the logits end to end; a Gaussian's means then its log stds. */
  readonly paramSize: number;
  /** Numbers per action: one index per categorical; one value per dimension. */
  readonly actionSize: number;
  /**
   * Draws an action into `action[aAt ..]` from `rng`.
   * @param mask - categorical only: `paramSize` entries from `mask[0]`, 1 allowed, 0 not.
   * @returns the action's log-probability.
   */
  sample(p: ArrayLike<number>, pAt: number, rng: Rng, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number;
  /** Writes the most likely action (argmax, the mean) into `action[aAt ..]`. */
  mode(p: ArrayLike<number>, pAt: number, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): void;
  /** @returns log pi(action). */
  logProb(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number;
  /** @returns the entropy. */
  entropy(p: ArrayLike<number>, pAt: number, mask?: ArrayLike<number>): number;
  /**
   * Adds `sLogProb` d log pi(action) / d p + `sEntropy` d H / d p into `g[gAt ..]`
   * (`paramSize` entries): the chain rule of a loss whose gradients with respect to the
   * log-probability and the entropy are `sLogProb` and `sEntropy` (one pass for both).
   */
  addGrad(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, sLogProb: number, sEntropy: number, g: Float64Array, gAt: number, mask?: ArrayLike<number>): void;
}

/** log(2 pi), of the normal density. */
const LOG_2PI = Math.log(2 * Math.PI);

/** Whether entry `i` of a mask (absent: every entry) is allowed. */
const allowed = (mask: ArrayLike<number> | undefined, i: number): boolean => mask === undefined || mask[i] !== 0;

/**
 * One categorical over `n` choices, parameterised by `n` logits: pi(c) = softmax(z)_c. A mask
 * leaves its disallowed choices out (probability 0, no entropy, no gradient), as
 * sb3-contrib's `MaskableCategorical` does with logits of -1e8, but exactly. @internal
 */
export class Categorical implements ActionDistribution {
  readonly paramSize: number;
  readonly actionSize = 1;
  /** Where this categorical's mask entries start in a mask passed in (a MultiCategorical's element). */
  readonly #maskAt: number;

  /**
   * @param n - the number of choices.
   * @param maskAt - where its entries start in the masks passed to it (0 unless it is an
   *   element of a {@link MultiCategorical}).
   * @throws `InvalidArgumentError` unless `n` is an integer >= 1.
   */
  constructor(n: number, maskAt = 0) {
    this.paramSize = requireInt('n', n, 1);
    this.#maskAt = requireInt('maskAt', maskAt, 0);
  }

  /** log sum_c exp(z_c) over the allowed choices, stably (the largest logit factored out). */
  #logSumExp(p: ArrayLike<number>, pAt: number, mask: ArrayLike<number> | undefined): number {
    const max = this.#max(p, pAt, mask);
    let sum = 0;
    for (let c = 0; c < this.paramSize; c++) if (allowed(mask, this.#maskAt + c)) sum += Math.exp((p[pAt + c] as number) - max);
    return max + Math.log(sum);
  }

  /** The largest allowed logit. */
  #max(p: ArrayLike<number>, pAt: number, mask: ArrayLike<number> | undefined): number {
    let max = -Infinity;
    for (let c = 0; c < this.paramSize; c++) if (allowed(mask, this.#maskAt + c) && (p[pAt + c] as number) > max) max = p[pAt + c] as number;
    return max;
  }

  /**
   * By inversion (Devroye 1986, Non-Uniform Random Variate Generation, ch. III.2): one
   * `rng.uniform()` times the sum of exp(z - max), less each choice's share in turn.
   */
  sample(p: ArrayLike<number>, pAt: number, rng: Rng, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number {
    const n = this.paramSize;
    const m = this.#maskAt;
    const max = this.#max(p, pAt, mask);
    let sum = 0;
    for (let c = 0; c < n; c++) if (allowed(mask, m + c)) sum += Math.exp((p[pAt + c] as number) - max);
    let u = rng.uniform() * sum;
    let pick = -1;
    for (let c = 0; c < n && pick < 0; c++) {
      if (!allowed(mask, m + c)) continue;
      u -= Math.exp((p[pAt + c] as number) - max);
      if (u < 0) pick = c;
    }
    // rounding can leave u >= 0 after the last share: the last allowed choice
    if (pick < 0) for (let c = n - 1; c >= 0 && pick < 0; c--) if (allowed(mask, m + c)) pick = c;
    action[aAt] = pick;
    return (p[pAt + pick] as number) - max - Math.log(sum);
  }

  mode(p: ArrayLike<number>, pAt: number, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): void {
    action[aAt] = argmax(p, pAt, this.paramSize, mask, this.#maskAt);
  }

  logProb(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number {
    const a = action[aAt] as number;
    if (!allowed(mask, this.#maskAt + a)) return -Infinity;
    return (p[pAt + a] as number) - this.#logSumExp(p, pAt, mask);
  }

  /** H = -sum_c pi_c log pi_c over the allowed choices. */
  entropy(p: ArrayLike<number>, pAt: number, mask?: ArrayLike<number>): number {
    return this.#entropy(p, pAt, mask, this.#logSumExp(p, pAt, mask));
  }

  /** The entropy given log sum_c exp(z_c). */
  #entropy(p: ArrayLike<number>, pAt: number, mask: ArrayLike<number> | undefined, lse: number): number {
    let h = 0;
    for (let c = 0; c < this.paramSize; c++) {
      if (!allowed(mask, this.#maskAt + c)) continue;
      const lp = (p[pAt + c] as number) - lse;
      h -= Math.exp(lp) * lp;
    }
    return h;
  }

  /**
   * d log softmax(z)_a / d z_c = [c = a] - pi_c (the softmax's Jacobian, e.g. Goodfellow et
   * al. 2016, Deep Learning, 6.2.2.3); d H / d z_c = -pi_c (log pi_c + H): with
   * d pi_i / d z_c = pi_i ([i = c] - pi_c), -sum_i (log pi_i + 1) pi_i ([i = c] - pi_c)
   * = -pi_c (log pi_c + 1) + pi_c (1 - H).
   */
  addGrad(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, sLogProb: number, sEntropy: number, g: Float64Array, gAt: number, mask?: ArrayLike<number>): void {
    const a = action[aAt] as number;
    const lse = this.#logSumExp(p, pAt, mask);
    const h = sEntropy === 0 ? 0 : this.#entropy(p, pAt, mask, lse);
    for (let c = 0; c < this.paramSize; c++) {
      if (!allowed(mask, this.#maskAt + c)) continue;
      const lp = (p[pAt + c] as number) - lse;
      const pc = Math.exp(lp);
      g[gAt + c] = (g[gAt + c] as number) + sLogProb * ((c === a ? 1 : 0) - pc) - sEntropy * pc * (lp + h);
    }
  }
}

/**
 * Independent categoricals, one per element of `nvec`, parameterised by their logits end to
 * end (`sum(nvec)`), as Stable-Baselines3's `MultiCategoricalDistribution`: the log-probability
 * and the entropy are the elements' sums, each element drawn in turn with one uniform. Actions
 * are indices per element (a MultiDiscrete space's `start` is the caller's). A mask has
 * `sum(nvec)` entries end to end. @internal
 */
export class MultiCategorical implements ActionDistribution {
  readonly paramSize: number;
  readonly actionSize: number;
  /** The elements, and where each one's logits start. */
  readonly #parts: readonly { readonly cat: Categorical; readonly at: number }[];

  /**
   * @param nvec - the number of choices of each element.
   * @throws `InvalidArgumentError` unless `nvec` is a non-empty list of integers >= 1.
   */
  constructor(nvec: ArrayLike<number>) {
    if (nvec === null || typeof nvec !== 'object' || typeof nvec.length !== 'number' || nvec.length < 1) fail('nvec', 'a non-empty array of integers >= 1', nvec);
    let at = 0;
    const parts: { cat: Categorical; at: number }[] = [];
    for (let d = 0; d < nvec.length; d++) {
      const n = requireInt(`nvec[${d}]`, nvec[d], 1);
      parts.push({ cat: new Categorical(n, at), at });
      at += n;
    }
    this.#parts = parts;
    this.paramSize = at;
    this.actionSize = parts.length;
  }

  sample(p: ArrayLike<number>, pAt: number, rng: Rng, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number {
    let lp = 0;
    this.#parts.forEach(({ cat, at }, d) => (lp += cat.sample(p, pAt + at, rng, action, aAt + d, mask)));
    return lp;
  }

  mode(p: ArrayLike<number>, pAt: number, action: MutableArrayLike<number>, aAt: number, mask?: ArrayLike<number>): void {
    this.#parts.forEach(({ cat, at }, d) => cat.mode(p, pAt + at, action, aAt + d, mask));
  }

  logProb(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, mask?: ArrayLike<number>): number {
    let lp = 0;
    this.#parts.forEach(({ cat, at }, d) => (lp += cat.logProb(p, pAt + at, action, aAt + d, mask)));
    return lp;
  }

  entropy(p: ArrayLike<number>, pAt: number, mask?: ArrayLike<number>): number {
    let h = 0;
    for (const { cat, at } of this.#parts) h += cat.entropy(p, pAt + at, mask);
    return h;
  }

  addGrad(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, sLogProb: number, sEntropy: number, g: Float64Array, gAt: number, mask?: ArrayLike<number>): void {
    this.#parts.forEach(({ cat, at }, d) => cat.addGrad(p, pAt + at, action, aAt + d, sLogProb, sEntropy, g, gAt + at, mask));
  }
}

/**
 * A Gaussian over `k` dimensions with a diagonal covariance, parameterised per sample by its
 * means then its log standard deviations (`2k`), as Stable-Baselines3's
 * `DiagGaussianDistribution`; a policy with a state-independent log std (SB3's, and ours)
 * gives every sample the same log stds. SAC's squashed Gaussian reads the same parameters.
 * Formulas: the normal density log N(a; mu, sigma) = -z^2 / 2 - log sigma - log(2 pi) / 2
 * with z = (a - mu) / sigma, and its entropy log sigma + (1 + log(2 pi)) / 2 (Cover and
 * Thomas 2006, Elements of Information Theory, theorem 8.4.1), summed over dimensions.
 * @internal
 */
export class DiagGaussian implements ActionDistribution {
  readonly paramSize: number;
  readonly actionSize: number;

  /**
   * @param k - the number of dimensions.
   * @throws `InvalidArgumentError` unless `k` is an integer >= 1.
   */
  constructor(k: number) {
    this.actionSize = requireInt('k', k, 1);
    this.paramSize = 2 * k;
  }

  /** mu + sigma z with one `rng.normal()` per dimension in order; the density is of the unclipped draw. */
  sample(p: ArrayLike<number>, pAt: number, rng: Rng, action: MutableArrayLike<number>, aAt: number): number {
    const k = this.actionSize;
    let quad = 0;
    let logStdSum = 0;
    for (let c = 0; c < k; c++) {
      const z = rng.normal();
      const logStd = p[pAt + k + c] as number;
      action[aAt + c] = (p[pAt + c] as number) + Math.exp(logStd) * z;
      quad += z * z;
      logStdSum += logStd;
    }
    return -0.5 * quad - logStdSum - 0.5 * k * LOG_2PI;
  }

  mode(p: ArrayLike<number>, pAt: number, action: MutableArrayLike<number>, aAt: number): void {
    for (let c = 0; c < this.actionSize; c++) action[aAt + c] = p[pAt + c] as number;
  }

  logProb(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number): number {
    const k = this.actionSize;
    let quad = 0;
    let logStdSum = 0;
    for (let c = 0; c < k; c++) {
      const logStd = p[pAt + k + c] as number;
      const z = ((action[aAt + c] as number) - (p[pAt + c] as number)) / Math.exp(logStd);
      quad += z * z;
      logStdSum += logStd;
    }
    return -0.5 * quad - logStdSum - 0.5 * k * LOG_2PI;
  }

  entropy(p: ArrayLike<number>, pAt: number): number {
    const k = this.actionSize;
    let logStdSum = 0;
    for (let c = 0; c < k; c++) logStdSum += p[pAt + k + c] as number;
    return logStdSum + 0.5 * k * (1 + LOG_2PI);
  }

  /**
   * d log N / d mu_c = z_c / sigma_c, d log N / d log sigma_c = z_c^2 - 1; d H / d mu_c = 0,
   * d H / d log sigma_c = 1.
   */
  addGrad(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number, sLogProb: number, sEntropy: number, g: Float64Array, gAt: number): void {
    const k = this.actionSize;
    for (let c = 0; c < k; c++) {
      const sigma = Math.exp(p[pAt + k + c] as number);
      const z = ((action[aAt + c] as number) - (p[pAt + c] as number)) / sigma;
      g[gAt + c] = (g[gAt + c] as number) + (sLogProb * z) / sigma;
      g[gAt + k + c] = (g[gAt + k + c] as number) + sLogProb * (z * z - 1) + sEntropy;
    }
  }
}

/**
 * SAC's squashed Gaussian (Haarnoja et al. 2018, appendix C; Stable-Baselines3's
 * `SquashedDiagGaussianDistribution` under its SAC `Actor`): `u ~ N(mu, sigma)` per dimension,
 * the action `a = tanh(u)` in (-1, 1), and by the change of variables
 * `log pi(a) = sum_c [log N(u_c; mu_c, sigma_c) - log(1 - tanh(u_c)^2 + epsilon)]` with SB3's
 * epsilon 1e-6. Parameterised per sample by the actor's two heads end to end (`2k`): the
 * means, then the log standard deviations as the head outputs them, clamped to
 * `[logStdMin, logStdMax]` (SB3's `LOG_STD_MIN`, `LOG_STD_MAX`: -20 and 2) before use, as
 * SB3's `Actor.get_action_dist_params` does (the clamp passes no gradient outside the range,
 * as torch's `clamp`). A draw is reparameterised: `u = mu + sigma z` with the noise `z` kept,
 * so that a loss of the action and its log-probability differentiates to the parameters
 * ({@link SquashedGaussian.addReparamGrad}). @internal
 */
export class SquashedGaussian {
  readonly paramSize: number;
  readonly actionSize: number;

  /**
   * @param k - the number of dimensions.
   * @param logStdMin - the clamp's lower bound (SB3: -20).
   * @param logStdMax - the clamp's upper bound (SB3: 2).
   * @param epsilon - added inside the correction's log (SB3: 1e-6).
   * @throws `InvalidArgumentError` unless `k` is an integer >= 1.
   */
  constructor(
    k: number,
    readonly logStdMin = -20,
    readonly logStdMax = 2,
    readonly epsilon = 1e-6,
  ) {
    this.actionSize = requireInt('k', k, 1);
    this.paramSize = 2 * k;
  }

  /** The clamped log std of dimension `c`. */
  #logStd(p: ArrayLike<number>, pAt: number, c: number): number {
    return Math.min(this.logStdMax, Math.max(this.logStdMin, p[pAt + this.actionSize + c] as number));
  }

  /**
   * Draws the noise `z` (one `rng.normal()` per dimension, in order) into `noise[nAt ..]` and
   * the action `tanh(mu + sigma z)` into `action[aAt ..]`.
   * @returns the action's log-probability.
   */
  sample(p: ArrayLike<number>, pAt: number, rng: Rng, action: MutableArrayLike<number>, aAt: number, noise: MutableArrayLike<number>, nAt: number): number {
    for (let c = 0; c < this.actionSize; c++) noise[nAt + c] = rng.normal();
    return this.act(p, pAt, noise, nAt, action, aAt);
  }

  /**
   * The reparameterised action of the noise at `noise[nAt ..]`, `tanh(mu + sigma z)`, into
   * `action[aAt ..]`.
   * @returns its log-probability.
   */
  act(p: ArrayLike<number>, pAt: number, noise: ArrayLike<number>, nAt: number, action: MutableArrayLike<number>, aAt: number): number {
    const k = this.actionSize;
    let lp = -0.5 * k * LOG_2PI;
    for (let c = 0; c < k; c++) {
      const z = noise[nAt + c] as number;
      const logStd = this.#logStd(p, pAt, c);
      const a = Math.tanh((p[pAt + c] as number) + Math.exp(logStd) * z);
      action[aAt + c] = a;
      // log N(u; mu, sigma) at u = mu + sigma z is -z^2 / 2 - log sigma - log(2 pi) / 2
      lp += -0.5 * z * z - logStd - Math.log(1 - a * a + this.epsilon);
    }
    return lp;
  }

  /** Writes the squashed mean `tanh(mu)` (SB3's `mode`) into `action[aAt ..]`. */
  mode(p: ArrayLike<number>, pAt: number, action: MutableArrayLike<number>, aAt: number): void {
    for (let c = 0; c < this.actionSize; c++) action[aAt + c] = Math.tanh(p[pAt + c] as number);
  }

  /**
   * log pi(a) of a squashed action in (-1, 1), through the inverse tanh with the action first
   * clipped to `[-1 + 2^-23, 1 - 2^-23]` (float32's epsilon), as SB3's `TanhBijector.inverse`.
   */
  logProb(p: ArrayLike<number>, pAt: number, action: ArrayLike<number>, aAt: number): number {
    const k = this.actionSize;
    const eps32 = 2 ** -23;
    let lp = -0.5 * k * LOG_2PI;
    for (let c = 0; c < k; c++) {
      const a = action[aAt + c] as number;
      const y = Math.min(1 - eps32, Math.max(-1 + eps32, a));
      const u = 0.5 * (Math.log1p(y) - Math.log1p(-y));
      const logStd = this.#logStd(p, pAt, c);
      const z = (u - (p[pAt + c] as number)) / Math.exp(logStd);
      lp += -0.5 * z * z - logStd - Math.log(1 - a * a + this.epsilon);
    }
    return lp;
  }

  /**
   * Adds into `g[gAt ..]` (`2k` entries) the gradient with respect to the parameters of
   * `sLogProb log pi(a) + sum_c dA[dAt + c] a_c`, where `a = tanh(mu + sigma z)` is the
   * reparameterised action of the noise at `noise[nAt ..]` (held fixed): the chain rule of a
   * loss whose gradients at the log-probability and the action are `sLogProb` and `dA`.
   * With `a = tanh(u)`: `d log pi / d mu_c = 2 a (1 - a^2) / (1 - a^2 + epsilon)` (only the
   * correction depends on u: `z` is fixed), `d log pi / d log sigma_c = -1 + sigma z` times the
   * same, `d a_c / d u_c = 1 - a^2`; no gradient reaches a log std clamped away.
   */
  addReparamGrad(p: ArrayLike<number>, pAt: number, noise: ArrayLike<number>, nAt: number, sLogProb: number, dA: ArrayLike<number>, dAt: number, g: MutableArrayLike<number>, gAt: number): void {
    const k = this.actionSize;
    for (let c = 0; c < k; c++) {
      const z = noise[nAt + c] as number;
      const raw = p[pAt + k + c] as number;
      const sigma = Math.exp(this.#logStd(p, pAt, c));
      const a = Math.tanh((p[pAt + c] as number) + sigma * z);
      const s = 1 - a * a;
      const du = (sLogProb * 2 * a * s) / (s + this.epsilon) + (dA[dAt + c] as number) * s;
      g[gAt + c] = (g[gAt + c] as number) + du;
      if (raw >= this.logStdMin && raw <= this.logStdMax) g[gAt + k + c] = (g[gAt + k + c] as number) - sLogProb + du * sigma * z;
    }
  }
}

/**
 * The distribution of a policy head (an `ActorCriticSpec`'s `distribution`). @internal
 * @param kind - `'categorical'`, `'multicategorical'` or `'gaussian'`.
 * @param actionSize - the number of choices (categorical) or dimensions (Gaussian).
 * @param nvec - the choices per element, for `'multicategorical'`.
 * @returns a {@link Categorical}, a {@link MultiCategorical} over `nvec`, or a {@link DiagGaussian}.
 * @throws `InvalidArgumentError` for sizes that are not integers >= 1, or no `nvec` for a multicategorical.
 */
export function distributionFor(kind: 'categorical' | 'multicategorical' | 'gaussian', actionSize: number, nvec?: ArrayLike<number>): ActionDistribution {
  if (kind === 'gaussian') return new DiagGaussian(actionSize);
  if (kind === 'categorical') return new Categorical(actionSize);
  return new MultiCategorical(nvec ?? fail('nvec', 'given for a multicategorical distribution', nvec));
}

/**
 * The index of the largest value in a range (the first on ties), among the entries a mask
 * allows: a categorical's mode, and a greedy Q-value choice. @internal
 * @param x - the values.
 * @param at - where the range starts (default 0).
 * @param n - its length (default: to the end of `x`).
 * @param mask - 0 where an entry is not allowed (`mask[maskAt + i]` for `x[at + i]`), or undefined.
 * @param maskAt - where the range's entries start in `mask` (default 0).
 * @returns the index from `at` (0 for an empty range).
 */
export function argmax(x: ArrayLike<number>, at = 0, n = x.length - at, mask?: ArrayLike<number>, maskAt = 0): number {
  let best = -1;
  for (let i = 0; i < n; i++) {
    if (allowed(mask, maskAt + i) && (best < 0 || (x[at + i] as number) > (x[at + best] as number))) best = i;
  }
  return Math.max(0, best);
}

/**
 * log softmax(x)[i], stably: the {@link Categorical}'s log-probability. @internal
 * @param x - the logits.
 * @param i - the choice.
 * @returns log pi(i).
 */
export function logSoftmaxAt(x: ArrayLike<number>, i: number): number {
  return new Categorical(x.length).logProb(x, 0, [i], 0);
}

/**
 * A draw from softmax(logits) by inversion with one uniform: the {@link Categorical}'s sample. @internal
 * @param logits - the logits.
 * @param rng - the generator (one `uniform()` is drawn).
 * @returns the choice.
 */
export function sampleCategorical(logits: ArrayLike<number>, rng: Rng): number {
  const a = [0];
  new Categorical(logits.length).sample(logits, 0, rng, a, 0);
  return a[0] as number;
}

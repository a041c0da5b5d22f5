// NaN-aware statistics for the metrics and trade statistics, as numpy's nan* functions.
// Internal: imported by path (`./nan.js`), never re-exported from a barrel, so they are not
// part of the public API.

/** The non-NaN values, as numpy's `x[~isnan(x)]`: always a new array (callers may reorder it). @internal */
export function dropNaN(xs: ArrayLike<number>): Float64Array {
  if (!hasNaN(xs)) return xs instanceof Float64Array ? xs.slice() : Float64Array.from(xs as ArrayLike<number>);
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) out[j++] = xs[i] as number;
  return out;
}

/** What {@link nanSum} adds up for a value v: v - shift, (v - shift)^2, or min(v, 0)^2 - shift. */
const enum Term {
  Shifted,
  SquaredDeviation,
  LowerSquare,
}

/**
 * min(v, 0)^2 without a branch on the sign (which a return series makes unpredictable):
 * (v - |v|) / 2 is exactly v below 0 and 0 otherwise. NaN stays NaN.
 */
const lowerSquare = (v: number): number => {
  const m = 0.5 * (v - Math.abs(v));
  return m * m;
};

/**
 * A compensated sum over the non-NaN values of a {@link Term}, with their count: each
 * addition's exact rounding error (Knuth's branch-free TwoSum) is accumulated and added back at
 * the end, as Neumaier's sum does.
 */
function nanSum(values: ArrayLike<number>, shift: number, term: Term): { sum: number; n: number } {
  const xs = asFloat64(values);
  let s = 0;
  let c = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (v !== v) continue; // NaN
    const x = term === Term.Shifted ? v - shift : term === Term.SquaredDeviation ? (v - shift) * (v - shift) : lowerSquare(v) - shift;
    const t = s + x;
    const z = t - s;
    c += s - (t - z) + (x - z);
    s = t;
    n++;
  }
  return { sum: s + c, n };
}

/**
 * `values` as a Float64Array (itself, or a copy): the hot loops below then read one kind of
 * array only, which the JIT compiles to a plain load instead of a check of the array's kind at
 * every element.
 */
function asFloat64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** The scratch arrays of {@link scratch}, by slot, held weakly. */
const scratchArrays: (WeakRef<Float64Array> | undefined)[] = [];

/**
 * A Float64Array of `n` values (contents undefined) for temporary use inside one synchronous
 * call, reused by the next call instead of allocating again: a large new array costs far more
 * than the arithmetic on it (the memory is zeroed and mapped page by page), and a full-length
 * statistic needs a few. Held weakly, so the GC may reclaim it between calls; never alive past
 * the current job otherwise. Each use that can overlap another takes its own `slot`; nothing
 * may keep the array after returning. @internal
 */
export function scratch(slot: ScratchSlot, n: number): Float64Array {
  let a = scratchArrays[slot]?.deref();
  if (a === undefined || a.length < n) {
    a = new Float64Array(n);
    scratchArrays[slot] = new WeakRef(a);
  }
  return a.subarray(0, n);
}

/** The uses of {@link scratch} that can be live at once. @internal */
export const enum ScratchSlot {
  /** The values a selection reorders (percentiles, CVaR). */
  Selection,
  /** Stability's cumulative log returns. */
  Stability,
}

/** {@link dropNaN} into the selection scratch array: reordered and dropped by the caller before it returns. @internal */
export function scratchWithoutNaN(xs: ArrayLike<number>): Float64Array {
  const values = asFloat64(xs);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = scratch(ScratchSlot.Selection, n);
  if (n === values.length) out.set(values);
  else for (let i = 0, j = 0; i < values.length; i++) if (values[i] === values[i]) out[j++] = values[i] as number;
  return out;
}

/** Whether any value is NaN. @internal */
export function hasNaN(values: ArrayLike<number>): boolean {
  const xs = asFloat64(values);
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i] as number)) return true;
  return false;
}

/** nanmean, compensated and shifted by the first value (exact for constants), without allocating; NaN for no values. @internal */
export function nanmean(xs: ArrayLike<number>): number {
  let i = 0;
  while (i < xs.length && Number.isNaN(xs[i] as number)) i++;
  if (i === xs.length) return Number.NaN;
  const k = xs[i] as number;
  const { sum, n } = nanSum(xs, k, Term.Shifted);
  return k + sum / n;
}

/** nanmean of min(v, 0)^2 (numpy's `nanmean(clip(xs, -inf, 0) ** 2)`), by the same arithmetic as {@link nanmean} over those squares, without making them. @internal */
export function nanmeanLowerSquare(xs: ArrayLike<number>): number {
  let i = 0;
  while (i < xs.length && Number.isNaN(xs[i] as number)) i++;
  if (i === xs.length) return Number.NaN;
  const k = lowerSquare(xs[i] as number);
  const { sum, n } = nanSum(xs, k, Term.LowerSquare);
  return k + sum / n;
}

/** nanstd with `ddof` (numpy's definition), compensated: exactly 0 for a constant series; NaN for `n <= ddof`. `mean` is `nanmean(xs)`, passed when the caller has it. @internal */
export function nanstd(xs: ArrayLike<number>, ddof = 1, mean = nanmean(xs)): number {
  const { sum, n } = nanSum(xs, mean, Term.SquaredDeviation);
  return n - ddof <= 0 ? Number.NaN : Math.sqrt(sum / (n - ddof));
}

/**
 * Rearranges `a` so that a[k] is the k-th smallest (from 0), no greater ones before it and no
 * smaller ones after it, as numpy's `partition`; `a` holds no NaN. When every value before
 * `from` (<= k) is no greater than every value from it on, only those from `from` on are
 * searched.
 *
 * Floyd and Rivest's selection (CACM 18(3), 1975, Algorithm 489): on a large range, first
 * select recursively within a small window around k sized from a sample's expected spread, so
 * that the partition around the k-th value that follows leaves little to search; about
 * n + min(k, n - k) comparisons on average, against quickselect's 2n to 3n. No randomness: the
 * window is chosen by position. @internal
 */
export function selectKth(a: Float64Array, k: number, from = 0): number {
  selectRange(a, k, from, a.length - 1);
  return a[k] as number;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

function selectRange(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    const n = right - left + 1;
    if (n > 600) {
      // a window around k holding the k-th value with high probability (the paper's constants)
      const i = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i < n / 2 ? -1 : 1);
      selectRange(a, k, Math.max(left, Math.floor(k - (i * s) / n + sd)), Math.min(right, Math.floor(k + ((n - i) * s) / n + sd)));
    }
    // partition [left, right] around t = a[k]: values < t before j, values > t after it
    const t = a[k] as number;
    let i = left;
    let j = right;
    swap(a, left, k);
    if ((a[right] as number) > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while ((a[i] as number) < t) i++;
      while ((a[j] as number) > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    // a[j] = t, in its final place
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** numpy's `percentile` (linear interpolation) by selection, O(n); reorders `a`, which holds no NaN (`from` as {@link selectKth}'s, ignored when the percentile lies before it). @internal */
export function percentileSelect(a: Float64Array, q: number, from = 0): number {
  const n = a.length;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const vlo = selectKth(a, lo, lo >= from ? from : 0);
  if (lo + 1 >= n || pos === lo) return vlo;
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if ((a[i] as number) < vhi) vhi = a[i] as number;
  return vlo + (pos - lo) * (vhi - vlo);
}

/** The median and 5th-95th percentiles of the non-NaN values, and how many were NaN (numpy's percentile, linear). @internal */
export function spread(values: ArrayLike<number>): { median: number; lower: number; upper: number; nanRuns: number } {
  const kept = dropNaN(values);
  const nanRuns = values.length - kept.length;
  if (kept.length === 0) return { median: Number.NaN, lower: Number.NaN, upper: Number.NaN, nanRuns };
  return { median: percentileSelect(kept, 50), lower: percentileSelect(kept, 5), upper: percentileSelect(kept, 95), nanRuns };
}

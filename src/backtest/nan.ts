// NaN-aware statistics for the metrics and trade statistics, as numpy's nan* functions.
// Internal: imported by path (`./nan.js`), never re-exported from a barrel, so they are not
// part of the public API.

/** The non-NaN values, as numpy's `x[~isnan(x)]`. @internal */
export function dropNaN(xs: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i] as number)) out[j++] = xs[i] as number;
  return out;
}

/**
 * Neumaier's compensated sum over the non-NaN values of `v - shift`, or of `(v - shift)^2`,
 * with their count.
 */
function nanSum(xs: ArrayLike<number>, shift: number, square: boolean): { sum: number; n: number } {
  let s = 0;
  let c = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (v !== v) continue; // NaN
    const x = square ? (v - shift) * (v - shift) : v - shift;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
    n++;
  }
  return { sum: s + c, n };
}

/** Whether any value is NaN. @internal */
export function hasNaN(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i] as number)) return true;
  return false;
}

/** nanmean, compensated and shifted by the first value (exact for constants), without allocating; NaN for no values. @internal */
export function nanmean(xs: ArrayLike<number>): number {
  let i = 0;
  while (i < xs.length && Number.isNaN(xs[i] as number)) i++;
  if (i === xs.length) return Number.NaN;
  const k = xs[i] as number;
  const { sum, n } = nanSum(xs, k, false);
  return k + sum / n;
}

/** nanstd with `ddof` (numpy's definition), compensated: exactly 0 for a constant series; NaN for `n <= ddof`. `mean` is `nanmean(xs)`, passed when the caller has it. @internal */
export function nanstd(xs: ArrayLike<number>, ddof = 1, mean = nanmean(xs)): number {
  const { sum, n } = nanSum(xs, mean, true);
  return n - ddof <= 0 ? Number.NaN : Math.sqrt(sum / (n - ddof));
}

/** Rearranges `a` so that a[k] is the k-th smallest, smaller ones before it (Hoare's selection, median of three). `a` holds no NaN. @internal */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
}

/** numpy's `percentile` (linear interpolation) by selection, O(n); reorders `a`, which holds no NaN. @internal */
export function percentileSelect(a: Float64Array, q: number): number {
  const n = a.length;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const vlo = selectKth(a, lo);
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

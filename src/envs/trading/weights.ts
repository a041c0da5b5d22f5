// Turning an action vector into portfolio weights, written once for PortfolioEnv and the
// multi-agent meta allocator.

/** Softmax into `out` (numerically stable: the max is subtracted first). @internal */
export function softmax(x: ArrayLike<number>, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if ((x[i] as number) > max) max = x[i] as number;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp((x[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < x.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * Euclidean projection onto the probability simplex {w >= 0, sum w = 1}, the O(n log n)
 * algorithm of Duchi, Shalev-Shwartz, Singer and Chandra (2008), figure 1. @internal
 */
export function projectSimplex(x: ArrayLike<number>, out: Float64Array): Float64Array {
  const n = x.length;
  const u = Float64Array.from(x).sort().reverse();
  let css = 0;
  let theta = 0;
  for (let j = 0; j < n; j++) {
    css += u[j] as number;
    const t = (css - 1) / (j + 1);
    if ((u[j] as number) - t > 0) theta = t;
  }
  for (let i = 0; i < n; i++) out[i] = Math.max(0, (x[i] as number) - theta);
  return out;
}

/** Scales signed weights down so that sum |w| <= cap. @internal */
export function capGross(w: Float64Array, cap: number): Float64Array {
  let gross = 0;
  for (const v of w) gross += Math.abs(v);
  if (gross > cap) for (let i = 0; i < w.length; i++) w[i] = ((w[i] as number) * cap) / gross;
  return w;
}

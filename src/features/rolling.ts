// Rolling-window kernels on Float64Array, written once and shared by the indicators. Every
// output is NaN until its window is full, and the value at t reads inputs at <= t only.

/** Simple moving average over `p` bars; NaN inputs propagate. @internal */
export function sma(x: Float64Array, p: number, from = 0): Float64Array {
  const out = new Float64Array(x.length).fill(Number.NaN);
  // Kahan-compensated running sum: a long series keeps its precision
  let sum = 0;
  let comp = 0;
  for (let i = from; i < x.length; i++) {
    const add = (x[i] as number) - (i - p >= from ? (x[i - p] as number) : 0);
    const y = add - comp;
    const t = sum + y;
    comp = t - sum - y;
    sum = t;
    if (i - from >= p - 1) out[i] = sum / p;
  }
  return out;
}

/** Linearly weighted moving average (weights 1..p, newest heaviest). @internal */
export function wma(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length).fill(Number.NaN);
  const denom = (p * (p + 1)) / 2;
  for (let i = p - 1; i < x.length; i++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += (x[i - p + 1 + k] as number) * (k + 1);
    out[i] = s / denom;
  }
  return out;
}

/** Highest value over the last `p` bars (monotonic deque, O(n)). @internal */
export function rollingMax(x: Float64Array, p: number, from = 0): Float64Array {
  return rollingExtreme(x, p, from, (a, b) => a >= b);
}

/** Lowest value over the last `p` bars (monotonic deque, O(n)). @internal */
export function rollingMin(x: Float64Array, p: number, from = 0): Float64Array {
  return rollingExtreme(x, p, from, (a, b) => a <= b);
}

function rollingExtreme(x: Float64Array, p: number, from: number, dominates: (a: number, b: number) => boolean): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = from; i < n; i++) {
    const v = x[i] as number;
    while (tail > head && dominates(v, x[dq[tail - 1] as number] as number)) tail--;
    dq[tail++] = i;
    if ((dq[head] as number) <= i - p) head++;
    if (i - from >= p - 1) out[i] = x[dq[head] as number] as number;
  }
  return out;
}

/** Population standard deviation over the last `p` bars, two-pass per window. @internal */
export function rollingStd(x: Float64Array, p: number, ddof: 0 | 1, mean?: Float64Array): Float64Array {
  const m = mean ?? sma(x, p);
  const out = new Float64Array(x.length).fill(Number.NaN);
  for (let i = p - 1; i < x.length; i++) {
    const mu = m[i] as number;
    let s = 0;
    for (let k = i - p + 1; k <= i; k++) {
      const d = (x[k] as number) - mu;
      s += d * d;
    }
    out[i] = Math.sqrt(s / (p - ddof));
  }
  return out;
}

/** Index of the first finite value, or `x.length`. @internal */
export function firstFinite(x: Float64Array): number {
  let i = 0;
  while (i < x.length && !Number.isFinite(x[i])) i++;
  return i;
}

/**
 * Wilder's RSI: the first averages are the simple means of the first `p` changes, then
 * `avg = (avg * (p - 1) + x) / p`. RSI is 100 when the average loss is 0, 0 when the
 * average gain is 0 (technicalindicators' conventions), unrounded. @internal
 */
export function wilderRsi(c: Float64Array, p: number): Float64Array {
  const n = c.length;
  const out = new Float64Array(n).fill(Number.NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < n; i++) {
    const d = (c[i] as number) - (c[i - 1] as number);
    const g = d > 0 ? d : 0;
    const l = d < 0 ? -d : 0;
    if (i <= p) {
      gain += g / p;
      loss += l / p;
      if (i < p) continue;
    } else {
      gain = (gain * (p - 1) + g) / p;
      loss = (loss * (p - 1) + l) / p;
    }
    out[i] = loss === 0 ? 100 : gain === 0 ? 0 : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

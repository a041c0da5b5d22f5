// Streaming building blocks of the indicators: each takes one value per bar in O(1)
// (amortised) and is written once. The batch pipeline folds them over the bars, so a
// batch column and a streamed row are the same arithmetic, bit for bit.
//
// Windowed sums are kept as running sums and re-summed exactly from the window every `size`
// bars, so their rounding error stays that of one window, whatever the series length (a
// running add-and-remove sum drifts like the square root of the number of bars).

/** The last `size` values, oldest first, in a ring. @internal */
export class Ring {
  readonly size: number;
  readonly #x: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.size = size;
    this.#x = new Float64Array(size);
  }

  /** Whether `size` values have been pushed. */
  get full(): boolean {
    return this.#count >= this.size;
  }

  /**
   * Whether the newest value sits in the last slot: the slots then hold the window in time
   * order, and a re-summation reads them straight through (once every `size` pushes).
   */
  get aligned(): boolean {
    return this.#next === 0 && this.#count > 0;
  }

  /** The slots; in time order when {@link Ring.aligned}. */
  get slots(): Float64Array {
    return this.#x;
  }

  /**
   * Adds `x`.
   * @returns the value pushed `size` pushes before `x`, which leaves the window; NaN before.
   */
  push(x: number): number {
    const i = this.#next;
    const old = this.#count >= this.size ? (this.#x[i] as number) : Number.NaN;
    this.#x[i] = x;
    this.#next = i + 1 === this.size ? 0 : i + 1;
    this.#count++;
    return old;
  }

  /** The `k`-th oldest value of a full ring (0 is the oldest). */
  at(k: number): number {
    const j = this.#next + k;
    return this.#x[j < this.size ? j : j - this.size] as number;
  }
}

/**
 * The sum and mean of the last `size` values. The first window is summed left to right from
 * 0 and the running update is `(sum - oldest) + x`, as technicalindicators' SMA, so an EMA
 * seeded from it starts from the same bits. @internal
 */
export class RollingSum {
  readonly size: number;
  protected readonly ring: Ring;
  #sum = 0;

  constructor(size: number) {
    this.size = size;
    this.ring = new Ring(size);
  }

  /** Whether the window is full. */
  get full(): boolean {
    return this.ring.full;
  }

  /** The sum of the window (partial until full). */
  get sum(): number {
    return this.#sum;
  }

  /** The mean of the window, NaN until it is full. */
  get mean(): number {
    return this.ring.full ? this.#sum / this.size : Number.NaN;
  }

  /** The underlying ring of values. */
  get values(): Ring {
    return this.ring;
  }

  /**
   * Adds `x` and drops the value `size` pushes old.
   * @returns the mean of the window, NaN until it is full.
   */
  push(x: number): number {
    const full = this.ring.full;
    const old = this.ring.push(x);
    this.#sum = full ? this.#sum - old + x : this.#sum + x;
    if (this.ring.aligned) {
      const s = this.ring.slots;
      let sum = 0;
      for (let k = 0; k < s.length; k++) sum += s[k] as number;
      this.#sum = sum;
      this.resummed();
    }
    return this.mean;
  }

  /** Called after each exact re-summation of the window. */
  protected resummed(): void {}
}

/**
 * {@link RollingSum} plus the variance of the window. The squares are summed around a shift
 * `K`: `var = (Σ(x-K)² - (Σ(x-K))²/n) / (n - ddof)` loses only the digits of the spread, not
 * those of the level (prices near 1e5 with a spread of 1 keep their precision, where
 * Σx² - (Σx)²/n would cancel ten digits). K is the newest value at each re-summation, so it
 * stays inside the window until the next one (every n bars), even across a jump in level:
 * Σ(x-K)² is then at most about n Σ(x-mean)², which costs at most log10(n) digits, and K is
 * exact (a mean would carry the sum's rounding). A window of one repeated value has a
 * variance of exactly 0. @internal
 */
export class RollingMoments extends RollingSum {
  #shift = 0;
  #s1 = 0;
  #s2 = 0;
  #last = Number.NaN;
  #run = 0;

  override push(x: number): number {
    const d = x - this.#shift;
    if (this.ring.full) {
      const e = this.ring.at(0) - this.#shift; // the value about to leave
      this.#s1 = this.#s1 - e + d;
      this.#s2 = this.#s2 - e * e + d * d;
    } else {
      this.#s1 += d;
      this.#s2 += d * d;
    }
    this.#run = x === this.#last ? this.#run + 1 : 1;
    this.#last = x;
    return super.push(x);
  }

  protected override resummed(): void {
    const s = this.ring.slots;
    const shift = this.ring.at(this.size - 1); // the newest value
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < s.length; k++) {
      const d = (s[k] as number) - shift;
      s1 += d;
      s2 += d * d;
    }
    this.#shift = shift;
    this.#s1 = s1;
    this.#s2 = s2;
  }

  /**
   * @param ddof - 0 for the population variance, 1 for the sample variance.
   * @returns the variance of the window, NaN until it is full.
   */
  variance(ddof: 0 | 1): number {
    if (!this.ring.full) return Number.NaN;
    if (this.#run >= this.size) return 0;
    const v = (this.#s2 - (this.#s1 * this.#s1) / this.size) / (this.size - ddof);
    return v > 0 ? v : 0;
  }
}

/**
 * An exponential moving average seeded with the simple mean of its first `period` inputs,
 * then `((x - ema) * alpha) + ema`: technicalindicators' EMA (alpha 2 / (period + 1)) and
 * Wilder's smoothing (alpha 1 / period, as its ATR), bit for bit. @internal
 */
export class Ema {
  readonly #period: number;
  readonly #alpha: number;
  #n = 0;
  #sum = 0;
  #value = Number.NaN;

  constructor(period: number, alpha: number) {
    this.#period = period;
    this.#alpha = alpha;
  }

  /** technicalindicators' EMA: alpha 2 / (period + 1). */
  static exponential(period: number): Ema {
    return new Ema(period, 2 / (period + 1));
  }

  /** Wilder's smoothing (RMA): alpha 1 / period. */
  static wilder(period: number): Ema {
    return new Ema(period, 1 / period);
  }

  /** Whether `period` inputs have arrived (the average may still be NaN if an input was). */
  get ready(): boolean {
    return this.#n >= this.#period;
  }

  /** The current average, NaN for the first `period - 1` inputs. */
  get value(): number {
    return this.#value;
  }

  /**
   * Adds `x`.
   * @returns the average, NaN for the first `period - 1` inputs.
   */
  push(x: number): number {
    if (this.#n < this.#period) {
      this.#sum = this.#sum + x;
      if (++this.#n === this.#period) this.#value = this.#sum / this.#period;
    } else {
      this.#value = (x - this.#value) * this.#alpha + this.#value;
    }
    return this.#value;
  }
}

/**
 * The highest (or lowest) of the last `size` values: a monotonic deque in a ring, O(1)
 * amortised per value. @internal
 */
export class RollingExtreme {
  readonly #size: number;
  readonly #max: boolean;
  // the deque: candidate values and the push count at which each arrived
  readonly #val: Float64Array;
  readonly #at: Float64Array;
  #head = 0;
  #len = 0;
  #t = 0;

  /**
   * @param size - the window length.
   * @param kind - `'max'` or `'min'`.
   */
  constructor(size: number, kind: 'max' | 'min') {
    this.#size = size;
    this.#max = kind === 'max';
    this.#val = new Float64Array(size);
    this.#at = new Float64Array(size);
  }

  /**
   * Adds `x`.
   * @returns the extreme of the last `size` values, NaN until `size` have been pushed.
   */
  push(x: number): number {
    const n = this.#size;
    if (this.#len > 0 && (this.#at[this.#head] as number) <= this.#t - n) {
      this.#head = this.#head + 1 === n ? 0 : this.#head + 1;
      this.#len--;
    }
    // drop the candidates x dominates: they can never be the extreme again
    while (this.#len > 0) {
      let back = this.#head + this.#len - 1;
      if (back >= n) back -= n;
      const b = this.#val[back] as number;
      if (this.#max ? x >= b : x <= b) this.#len--;
      else break;
    }
    let slot = this.#head + this.#len;
    if (slot >= n) slot -= n;
    this.#val[slot] = x;
    this.#at[slot] = this.#t;
    this.#len++;
    this.#t++;
    return this.#t >= n ? (this.#val[this.#head] as number) : Number.NaN;
  }
}

/**
 * Simple moving average of a whole column: {@link RollingSum} folded over it. NaN until the
 * window is full. @internal
 */
export function sma(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length);
  const w = new RollingSum(p);
  for (let i = 0; i < x.length; i++) out[i] = w.push(x[i] as number);
  return out;
}

import { DataValidationError } from '../core/errors.js';
import type { Account } from '../envs/trading/Account.js';
import { ACCOUNT_FEATURES, writeAccountFeatures } from '../envs/trading/TradingEnv.js';

/**
 * A trading env's observation built from feature rows that arrive one at a time: the last
 * `window` rows as float32, oldest first, then the account features, written by the env's own
 * code (so the observation at a bar equals `TradingEnv`'s there, value for value). @internal
 */
export class WindowObserver {
  readonly #names: readonly string[];
  readonly #warmup: number;
  readonly #window: Float32Array;
  readonly #nf: number;
  readonly #w: number;

  constructor(names: readonly string[], warmup: number, window: number) {
    this.#names = names;
    this.#warmup = warmup;
    this.#nf = names.length;
    this.#w = window;
    this.#window = new Float32Array(window * names.length);
  }

  /** Appends the row of bar `index` (rows after the warm-up must be finite as float32, as the env requires). */
  push(row: Float64Array, index: number): void {
    const nf = this.#nf;
    if (row.length !== nf) throw new DataValidationError(`features row ${index} must hold ${nf} values (${this.#names.join(', ')}), got ${row.length}`);
    const win = this.#window;
    win.copyWithin(0, nf);
    const base = win.length - nf;
    for (let j = 0; j < nf; j++) {
      win[base + j] = row[j] as number;
      if (index >= this.#warmup && !Number.isFinite(win[base + j])) {
        throw new DataValidationError(`features.${this.#names[j]}[${index}] must be finite after the ${this.#warmup} warm-up rows (as a float32), got ${row[j]}`);
      }
    }
  }

  /** The observation at bar `t` (whose close is `close`) from the ledger. */
  observe(acct: Account, close: number, t: number): Float32Array {
    const obs = new Float32Array(this.#window.length + ACCOUNT_FEATURES);
    obs.set(this.#window);
    writeAccountFeatures(obs, this.#w * this.#nf, acct, close, t);
    return obs;
  }
}

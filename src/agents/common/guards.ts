// The checks every agent's public methods share, written once: the observation and action
// mask `predict` receives, and the refusal of any call after `dispose()`.
import { fail, requireKnownKeys } from '../../core/checks.js';
import { TradegymError } from '../../core/errors.js';

/**
 * An observation given to `predict`: a Float32Array of the observation space's length whose
 * every element is finite (a NaN or an infinity would propagate through the network and come
 * out as an arbitrary action). @internal
 */
export function requireObservation(observation: unknown, size: number): Float32Array {
  if (!(observation instanceof Float32Array) || observation.length !== size) fail('observation', `a Float32Array of ${size}`, observation);
  for (let i = 0; i < size; i++) {
    const v = observation[i] as number;
    if (!Number.isFinite(v)) fail(`observation[${i}]`, 'a finite number', v);
  }
  return observation;
}

/**
 * The options given to `predict`: no unknown key, `deterministic` a boolean when given (a
 * truthy string is not silently taken for true). The mask is checked by
 * {@link requireActionMask}. @internal
 */
export function requirePredictOptions(options: unknown): { readonly deterministic?: boolean; readonly actionMask?: unknown } {
  const o = requireKnownKeys('options', options, ['deterministic', 'actionMask']);
  if (o.deterministic !== undefined && typeof o.deterministic !== 'boolean') fail('options.deterministic', 'a boolean', o.deterministic);
  return o;
}

/**
 * An action mask given to `predict`, for categoricals of `nvec` choices end to end (Discrete:
 * one): `sum(nvec)` entries, each 0 (not allowed) or 1 (allowed), at least one allowed per
 * categorical; or undefined. @internal
 */
export function requireActionMask(mask: unknown, nvec: ArrayLike<number>): ArrayLike<number> | undefined {
  if (mask === undefined) return undefined;
  let total = 0;
  for (let d = 0; d < nvec.length; d++) total += nvec[d] as number;
  const m = mask as ArrayLike<unknown>;
  if (mask === null || typeof mask !== 'object' || typeof m.length !== 'number' || m.length !== total) fail('actionMask', `an array of ${total} entries (1 allowed, 0 not)`, mask);
  let at = 0;
  for (let d = 0; d < nvec.length; d++) {
    let any = false;
    for (let i = at; i < at + (nvec[d] as number); i++) {
      if (m[i] !== 0 && m[i] !== 1) fail(`actionMask[${i}]`, '0 or 1', m[i]);
      if (m[i] === 1) any = true;
    }
    if (!any) fail('actionMask', nvec.length === 1 ? 'allowing at least one action' : `allowing at least one choice of element ${d}`, mask);
    at += nvec[d] as number;
  }
  return m as ArrayLike<number>;
}

/**
 * Whether an agent's tensors were released: `dispose()` marks it (once: a second call does
 * nothing) and every public method asks {@link Lifetime.require} first, so a disposed agent
 * refuses with a {@link TradegymError} instead of failing inside tfjs. @internal
 */
export class Lifetime {
  #disposed = false;

  /** Whether `dispose()` ran. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Throws if the agent was disposed; `method` names the call refused. */
  require(method: string): void {
    if (this.#disposed) throw new TradegymError(`${method}() called on a disposed agent: dispose() released its tensors; build or load a new agent`);
  }

  /** Runs `release` the first time only. */
  dispose(release: () => void): void {
    if (this.#disposed) return;
    this.#disposed = true;
    release();
  }
}

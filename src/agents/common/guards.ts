// The checks every agent's public methods share, written once: the observation and action
// mask `predict` receives, and the refusal of any call after `dispose()`.
import { fail, requireKnownKeys } from '../../core/checks.js';
import type { Env } from '../../core/Env.js';
import { InvalidArgumentError, TradegymError } from '../../core/errors.js';
import { SyncVectorEnv } from '../../vector/SyncVectorEnv.js';

/**
 * `options` without its undefined entries: an explicit `undefined` means "left out" (take the
 * default), as TypeScript's optional properties allow, so it must not overwrite a default when
 * the options are spread over the defaults. Call after `requireKnownKeys`. @internal
 */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A directory path (`save`, `load`, the callbacks' paths): a non-empty string. @internal */
export function requireDir(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(name, 'a directory path (a non-empty string)', value);
  return value;
}

/**
 * A single env (evaluation runs whole episodes of one env): an object with `reset` and `step`,
 * not a `SyncVectorEnv`. @internal
 */
export function requireSingleEnv(name: string, env: unknown): Env<Float32Array, unknown> {
  if (env instanceof SyncVectorEnv) throw new InvalidArgumentError(`${name} must be a single Env (not a SyncVectorEnv), got a SyncVectorEnv of ${env.numEnvs} envs`);
  const e = env as Env<Float32Array, unknown> | null;
  if (e === null || typeof e !== 'object' || typeof e.reset !== 'function' || typeof e.step !== 'function') fail(name, 'an Env', env);
  return e;
}

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
 * Whether an agent's tensors were released, and whether it is training: `dispose()` marks it
 * (once: a second call does nothing) and every public method asks {@link Lifetime.require}
 * first, so a disposed agent refuses with a {@link TradegymError} instead of failing inside
 * tfjs. `learn` runs through {@link Lifetime.learning}: a second `learn` while one runs is
 * refused (the two would interleave their steps on one env and one network), and so is
 * `dispose()` (it would release tensors the running update still writes; a callback stops
 * training by returning false, and the agent is disposed after `learn` resolves). @internal
 */
export class Lifetime {
  #disposed = false;
  #learning = false;

  /** Whether `dispose()` ran. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Throws if the agent was disposed; `method` names the call refused. */
  require(method: string): void {
    if (this.#disposed) throw new TradegymError(`${method}() called on a disposed agent: dispose() released its tensors; build or load a new agent`);
  }

  /** Runs `learn`'s work, refusing a second run while one is under way. */
  async learning<T>(work: () => Promise<T>): Promise<T> {
    this.require('learn');
    if (this.#learning) throw new TradegymError('learn() is already running on this agent: await it before calling learn() again');
    this.#learning = true;
    try {
      return await work();
    } finally {
      this.#learning = false;
    }
  }

  /** Runs `release` the first time only; refused while `learn` runs. */
  dispose(release: () => void): void {
    if (this.#disposed) return;
    if (this.#learning) throw new TradegymError('dispose() called while learn() is running: return false from a callback to stop training, and dispose after learn() resolves');
    this.#disposed = true;
    release();
  }
}

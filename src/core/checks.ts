// Argument checks, written once. Every message has the form
// `${name} must be <rule>, got ${value}` so tests can pin it.
import { InvalidArgumentError } from './errors.js';

/**
 * Formats a value for an error message: strings quoted, arrays and objects as short JSON,
 * typed arrays by name and length.
 * @internal
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const ctor = value.constructor.name;
    const arr = value as unknown as ArrayLike<number>;
    const head = Array.from({ length: Math.min(arr.length, 8) }, (_, i) => String(arr[i]));
    return `${ctor}(${arr.length}) [${head.join(', ')}${arr.length > 8 ? ', …' : ''}]`;
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** @internal */
export function fail(name: string, rule: string, value: unknown): never {
  throw new InvalidArgumentError(`${name} must be ${rule}, got ${show(value)}`);
}

/** A finite number. @internal */
export function requireFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, 'a finite number', value);
  return value;
}

/** A number that is not NaN (infinities allowed). @internal */
export function requireNotNaN(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) fail(name, 'a number (not NaN)', value);
  return value;
}

/** An integer >= min (a safe integer). @internal */
export function requireInt(name: string, value: unknown, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(name, min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`, value);
  }
  return value;
}

/** A finite number in [lo, hi]. @internal */
export function requireInRange(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    fail(name, `a number in [${lo}, ${hi}]`, value);
  }
  return value;
}

/** A boolean (no truthy strings). @internal */
export function requireBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, 'true or false', value);
  return value;
}

/** A seed: a safe integer >= 0. @internal */
export function requireSeed(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(name, 'a safe integer >= 0', value);
  }
  return value;
}

/** A plain object (not null, not an array). @internal */
export function requireRecord(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(name, 'a plain object', value);
  }
  return value as Record<string, unknown>;
}

/** One of a fixed set of strings. @internal */
export function requireOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/**
 * An options object with no keys outside `allowed`, and no `null` value except for the keys
 * in `nullable` (where null is a documented value, such as PPO's `targetKl: null`): null is
 * not "the default", which is what leaving a key out means. @internal
 */
export function requireKnownKeys(name: string, value: unknown, allowed: readonly string[], nullable: readonly string[] = []): Record<string, unknown> {
  const rec = requireRecord(name, value);
  for (const k of Object.keys(rec)) {
    if (!allowed.includes(k)) {
      const known = allowed.length === 0 ? 'none are accepted' : `known: ${allowed.join(', ')}`;
      throw new InvalidArgumentError(`${name}.${k} is not a known option (${known}), got ${show(rec[k])}`);
    }
    if (rec[k] === null && !nullable.includes(k)) fail(`${name}.${k}`, 'a value, or left out for the default', null);
  }
  return rec;
}

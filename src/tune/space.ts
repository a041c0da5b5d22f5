import { fail, requireKnownKeys, show } from '../core/checks.js';
import type { Rng } from '../core/Rng.js';

/** A categorical value: what a `choice` parameter takes. */
export type ChoiceValue = string | number | boolean | null;

/** Makes a parameter exist only when another (a choice) has one of some values. */
export interface Condition {
  /** The choice parameter it depends on. */
  readonly param: string;
  /** The values of that parameter for which this one exists. */
  readonly in: readonly ChoiceValue[];
}

/** A float in `[low, high]`, uniform. */
export interface UniformParam {
  /** The kind. */
  readonly type: 'uniform';
  /** The lower bound. */
  readonly low: number;
  /** The upper bound (> low). */
  readonly high: number;
  /** Present only under this condition. */
  readonly when?: Condition;
}
/** A float in `[low, high]` (both > 0), uniform in its logarithm. */
export interface LogUniformParam {
  /** The kind. */
  readonly type: 'loguniform';
  /** The lower bound (> 0). */
  readonly low: number;
  /** The upper bound (> low). */
  readonly high: number;
  /** Present only under this condition. */
  readonly when?: Condition;
}
/** An integer in `[low, high]` on a grid of `step` (default 1), or log-uniform with `log: true`. */
export interface IntParam {
  /** The kind. */
  readonly type: 'int';
  /** The lowest value (an integer; > 0 with `log`). */
  readonly low: number;
  /** The highest value (an integer > low, on the grid). */
  readonly high: number;
  /** The grid's step (default 1; it divides high - low). */
  readonly step?: number;
  /** Log-uniform instead of uniform (step 1 only). */
  readonly log?: boolean;
  /** Present only under this condition. */
  readonly when?: Condition;
}
/** One of `choices`. */
export interface ChoiceParam {
  /** The kind. */
  readonly type: 'choice';
  /** The values, none repeated. */
  readonly choices: readonly ChoiceValue[];
  /** Present only under this condition. */
  readonly when?: Condition;
}
/** One parameter's distribution. */
export type ParamSpec = UniformParam | LogUniformParam | IntParam | ChoiceParam;
/** A search space: parameter name → its distribution. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;
/** A trial's parameters: only those whose conditions hold. */
export type Params = Readonly<Record<string, number | ChoiceValue>>;

function finite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, 'a finite number', v);
  return v;
}

/**
 * Checks a search space: known keys per type, `low < high` (`low > 0` when logarithmic), an
 * integer grid that fits, at least one choice and no repeated one, conditions on an earlier
 * choice parameter and values it has. Errors name the path, e.g. `space.lr.low`. @internal
 */
export function checkSpace(space: unknown, name = 'space'): SearchSpace {
  if (typeof space !== 'object' || space === null || Array.isArray(space)) fail(name, 'an object of parameter name → distribution', space);
  const entries = Object.entries(space as Record<string, unknown>);
  if (entries.length === 0) fail(name, 'a search space with at least one parameter', space);
  const seen = new Map<string, ParamSpec>();
  for (const [key, raw] of entries) {
    const path = `${name}.${key}`;
    if (key === '' || key === '__proto__') fail(`${name}`, 'parameter names that are non-empty and not "__proto__"', key);
    const type = (raw as { type?: unknown } | null)?.type;
    if (type === 'uniform' || type === 'loguniform') requireKnownKeys(path, raw, ['type', 'low', 'high', 'when']);
    else if (type === 'int') requireKnownKeys(path, raw, ['type', 'low', 'high', 'step', 'log', 'when']);
    else if (type === 'choice') requireKnownKeys(path, raw, ['type', 'choices', 'when']);
    else fail(`${path}.type`, "one of 'uniform', 'loguniform', 'int', 'choice'", type);
    const p = raw as ParamSpec;
    if (p.type === 'choice') {
      if (!Array.isArray(p.choices) || p.choices.length === 0) fail(`${path}.choices`, 'a non-empty array', p.choices);
      p.choices.forEach((c, i) => {
        if (!(c === null || ['string', 'number', 'boolean'].includes(typeof c)) || (typeof c === 'number' && !Number.isFinite(c))) fail(`${path}.choices[${i}]`, 'a string, a finite number, a boolean or null', c);
        if (p.choices.indexOf(c) !== i) fail(`${path}.choices[${i}]`, 'a value not already listed', c);
      });
    } else {
      const low = finite(`${path}.low`, p.low);
      const high = finite(`${path}.high`, p.high);
      if (!(high > low)) fail(`${path}.high`, `a number > low (${low})`, high);
      if (!Number.isFinite(high - low)) fail(`${path}.high`, `a number whose distance to low (${low}) is finite`, high);
      const log = isLog(p);
      if (p.type === 'int') {
        if (!Number.isSafeInteger(low)) fail(`${path}.low`, 'a safe integer (|x| < 2^53)', low);
        if (!Number.isSafeInteger(high)) fail(`${path}.high`, 'a safe integer (|x| < 2^53)', high);
        if (!Number.isSafeInteger(high - low + 1)) fail(`${path}.high`, `a safe integer distance from low (${low})`, high);
        if (p.log !== undefined && typeof p.log !== 'boolean') fail(`${path}.log`, 'a boolean', p.log);
        if (p.step !== undefined) {
          if (!Number.isInteger(p.step) || p.step < 1) fail(`${path}.step`, 'an integer >= 1', p.step);
          if ((high - low) % p.step !== 0) fail(`${path}.step`, `a step that divides high - low (${high - low})`, p.step);
          if (p.log === true && p.step !== 1) fail(`${path}.step`, '1 (or left out) with log: true', p.step);
        }
      }
      if (log && !(low > 0)) fail(`${path}.low`, 'a number > 0 on a logarithmic scale', low);
    }
    if (p.when !== undefined) {
      requireKnownKeys(`${path}.when`, p.when, ['param', 'in']);
      const parent = seen.get(p.when.param);
      if (parent === undefined || parent.type !== 'choice') fail(`${path}.when.param`, 'the name of a choice parameter listed before it', p.when.param);
      if (!Array.isArray(p.when.in) || p.when.in.length === 0) fail(`${path}.when.in`, 'a non-empty array of the choices of ' + p.when.param, p.when.in);
      for (const v of p.when.in) if (!parent.choices.includes(v)) fail(`${path}.when.in`, `values among ${show(parent.choices)}`, p.when.in);
    }
    seen.set(key, p);
  }
  return space as SearchSpace;
}

/** Whether `spec` exists given the parameters drawn so far. @internal */
export function active(spec: ParamSpec, params: Params): boolean {
  if (spec.when === undefined) return true;
  if (!(spec.when.param in params)) return false;
  return spec.when.in.includes(params[spec.when.param] as ChoiceValue);
}

/** The parameter's value mapped to the line the samplers work on: its index for a choice, its log when logarithmic. @internal */
export function toInternal(spec: ParamSpec, value: number | ChoiceValue): number {
  if (spec.type === 'choice') return spec.choices.indexOf(value as ChoiceValue);
  return isLog(spec) ? Math.log(value as number) : (value as number);
}

/** Whether the parameter is searched on a logarithmic scale. @internal */
export function isLog(spec: ParamSpec): boolean {
  return spec.type === 'loguniform' || (spec.type === 'int' && spec.log === true);
}

/** The value of `spec` at the samplers' internal coordinate `x` (clipped to the range, a log-scaled int rounded). @internal */
export function fromInternal(spec: ParamSpec, x: number): number | ChoiceValue {
  if (spec.type === 'choice') return spec.choices[x] as ChoiceValue;
  if (spec.type === 'int' && spec.log === true) return Math.min(spec.high, Math.max(spec.low, Math.round(Math.exp(x))));
  if (spec.type === 'loguniform') return Math.min(spec.high, Math.max(spec.low, Math.exp(x)));
  return x;
}

/** A value drawn uniformly from `spec` (the random sampler's draw, and TPE's before it has data). @internal */
export function sampleUniform(spec: ParamSpec, rng: Rng): number | ChoiceValue {
  switch (spec.type) {
    case 'choice':
      return spec.choices[rng.integer(0, spec.choices.length)] as ChoiceValue;
    case 'uniform':
      return spec.low + (spec.high - spec.low) * rng.uniform();
    case 'loguniform':
      return fromInternal(spec, Math.log(spec.low) + (Math.log(spec.high) - Math.log(spec.low)) * rng.uniform());
    case 'int': {
      if (spec.log === true) {
        // uniform in log over [low - 0.5, high + 0.5], rounded: as Optuna draws a log-scaled int
        const lo = Math.log(spec.low - 0.5);
        return fromInternal(spec, lo + (Math.log(spec.high + 0.5) - lo) * rng.uniform());
      }
      const step = spec.step ?? 1;
      return spec.low + step * rng.integer(0, (spec.high - spec.low) / step + 1);
    }
  }
}

/**
 * Checks a trial's parameters against the space (a saved study read back): each one known,
 * present exactly when its condition holds, and a value the distribution can take (in range,
 * on the grid, among the choices). Errors name `path.name`. @internal
 */
export function checkParams(path: string, space: SearchSpace, params: unknown): Params {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) fail(path, 'an object of parameter name → value', params);
  const given = params as Record<string, unknown>;
  for (const k of Object.keys(given)) if (!(k in space)) fail(`${path}.${k}`, `a parameter of the space (${Object.keys(space).join(', ')})`, given[k]);
  const out: Record<string, number | ChoiceValue> = {};
  for (const [name, spec] of Object.entries(space)) {
    const at = `${path}.${name}`;
    const on = active(spec, out);
    if (!(name in given)) {
      if (on) fail(at, 'present (its condition holds)', undefined);
      continue;
    }
    if (!on) fail(at, `absent (its condition on ${spec.when?.param} does not hold)`, given[name]);
    const v = given[name];
    if (spec.type === 'choice') {
      if (!spec.choices.includes(v as ChoiceValue)) fail(at, `one of ${show(spec.choices)}`, v);
    } else {
      if (typeof v !== 'number' || !(v >= spec.low && v <= spec.high)) fail(at, `a number in [${spec.low}, ${spec.high}]`, v);
      if (spec.type === 'int' && (!Number.isInteger(v) || (v - spec.low) % (spec.step ?? 1) !== 0)) fail(at, `an integer on the grid of step ${spec.step ?? 1} from ${spec.low}`, v);
    }
    out[name] = v as number | ChoiceValue;
  }
  return out;
}

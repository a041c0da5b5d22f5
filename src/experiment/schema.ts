// The subset of JSON Schema (draft 2020-12) the experiment config is written in, and its
// validator. The schema object is both what `validate` checks and what `experimentJsonSchema()`
// exports for editors: one description of the config, not two.
import { show } from '../core/checks.js';
import { TradegymError } from '../core/errors.js';

/** A JSON Schema node, as far as the config uses the standard. */
export interface JsonSchema {
  /** The JSON type or types allowed. */
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null' | readonly ('object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null')[];
  /** What the key holds, for people and editors. */
  readonly description?: string;
  /** The value used when the key is absent. */
  readonly default?: unknown;
  /** The only values allowed. */
  readonly enum?: readonly unknown[];
  /** The smallest number allowed. */
  readonly minimum?: number;
  /** The largest number allowed. */
  readonly maximum?: number;
  /** Numbers must be above this. */
  readonly exclusiveMinimum?: number;
  /** Numbers must be below this. */
  readonly exclusiveMaximum?: number;
  /** The shortest string allowed. */
  readonly minLength?: number;
  /** A regular expression a string matches (ECMAScript syntax, unanchored as JSON Schema's). */
  readonly pattern?: string;
  /** The fewest items allowed. */
  readonly minItems?: number;
  /** The fewest keys allowed. */
  readonly minProperties?: number;
  /** The most items allowed. */
  readonly maxItems?: number;
  /** The schema of every item. */
  readonly items?: JsonSchema;
  /** The schema of each known key. */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** The keys that must be present. */
  readonly required?: readonly string[];
  /** `false`: no other key; a schema: every other key's value. Absent: any other key. */
  readonly additionalProperties?: boolean | JsonSchema;
  /** Exactly one branch matches. */
  readonly oneOf?: readonly JsonSchema[];
  /** At least one branch matches. */
  readonly anyOf?: readonly JsonSchema[];
  /** Another schema, `#/$defs/<name>`. */
  readonly $ref?: string;
  /** Schemas `$ref` can name. */
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
}

/**
 * A config broke its schema: `path` names the key (`agent.options.learningRate`), the message
 * says what was expected and shows the value, and `source` names the file when there is one.
 *
 * @example
 * ```ts
 * import { ConfigError, parseExperimentConfig } from 'tradegym/experiment';
 * try {
 *   parseExperimentConfig({ data: { synthetic: { preset: 'crypto-15m', numSamples: -5 } }, agent: { algo: 'PPO' }, train: { totalTimesteps: 1000 } });
 * } catch (e) {
 *   if (e instanceof ConfigError) console.log(e.path); // 'data.synthetic.numSamples'
 * }
 * ```
 */
export class ConfigError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'ConfigError';
  /** The key path of the bad value (`''` for the whole config). */
  readonly path: string;
  /** The file the config came from, if any. */
  readonly source: string | undefined;

  /**
   * @param path - the key path.
   * @param message - what was expected, with the value.
   * @param source - the file, if any.
   */
  constructor(path: string, message: string, source?: string) {
    super(`${source === undefined ? '' : `${source}: `}${path === '' ? 'config' : path}: ${message}`);
    this.path = path;
    this.source = source;
  }
}

/** Joins a path and a key: `a.b`, `a[3]`, or the key alone at the root. @internal */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(t: string, v: unknown): boolean {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

function describe(s: JsonSchema): string {
  if (s.enum !== undefined) return `one of ${s.enum.map((e) => show(e)).join(', ')}`;
  const types = s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type;
  const name = types.map((t) => (t === 'integer' ? 'an integer' : t === 'object' ? 'an object' : t === 'array' ? 'an array' : `a ${t}`)).join(' or ');
  const bounds: string[] = [];
  if (s.minimum !== undefined) bounds.push(`>= ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) bounds.push(`<= ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
  return [name || 'a value', ...bounds].join(' ');
}

/**
 * Checks `value` against `schema`, throwing a {@link ConfigError} at the first key that breaks
 * it (depth first, keys in the schema's order). `root` resolves `$ref: '#/$defs/x'`.
 * @internal
 */
export function validate(schema: JsonSchema, value: unknown, path: string, source: string | undefined, root: JsonSchema = schema): void {
  const bad = (message: string): never => {
    throw new ConfigError(path, message, source);
  };
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (target === undefined) throw new TradegymError(`schema: unknown $ref ${schema.$ref}`);
    validate(target, value, path, source, root);
    return;
  }
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((t) => typeMatches(t, value))) bad(`expected ${describe(schema)}, got ${show(value)}`);
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value)) bad(`expected ${describe(schema)}, got ${show(value)}`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) bad(`expected a finite number, got ${show(value)}`);
    const out =
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum) ||
      (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) ||
      (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum);
    if (out) bad(`expected ${describe(schema)}, got ${show(value)}`);
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) bad(`expected a string of at least ${schema.minLength} characters, got ${show(value)}`);
  if (typeof value === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) bad(`expected a string matching ${schema.pattern}, got ${show(value)}`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) bad(`expected at least ${schema.minItems} items, got ${show(value)}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) bad(`expected at most ${schema.maxItems} items, got ${show(value)}`);
    if (schema.items !== undefined) value.forEach((v, i) => validate(schema.items as JsonSchema, v, joinPath(path, i), source, root));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) bad(`expected at least ${schema.minProperties} key${schema.minProperties === 1 ? '' : 's'}, got ${show(value)}`);
    for (const key of schema.required ?? []) if (obj[key] === undefined) throw new ConfigError(joinPath(path, key), `is required${schema.properties?.[key]?.description === undefined ? '' : ` (${schema.properties[key].description})`}`, source);
    for (const [key, v] of Object.entries(obj)) {
      const at = joinPath(path, key);
      const known = schema.properties?.[key];
      if (known !== undefined) validate(known, v, at, source, root);
      else if (schema.additionalProperties === false) {
        const keys = Object.keys(schema.properties ?? {});
        throw new ConfigError(at, `unknown key${keys.length === 0 ? '' : ` (the keys here: ${keys.join(', ')})`}`, source);
      } else if (typeof schema.additionalProperties === 'object') validate(schema.additionalProperties, v, at, source, root);
    }
  }
  if (schema.oneOf !== undefined) {
    const errors = schema.oneOf.map((s) => failure(s, value, path, source, root));
    const matching = errors.filter((e) => e === undefined).length;
    if (matching !== 1) {
      const required = schema.oneOf.map((s) => s.required?.[0]).filter((k) => k !== undefined);
      if (required.length === schema.oneOf.length) bad(`expected exactly one of ${required.join(', ')}, got ${matching === 0 ? 'none' : Object.keys(value as object).filter((k) => required.includes(k)).join(' and ')}`);
      if (matching === 0) throw deepest(errors as ConfigError[]);
      bad(`matches more than one of ${schema.oneOf.map(describe).join(', ')}: ${show(value)}`);
    }
  }
  if (schema.anyOf !== undefined) {
    const errors = schema.anyOf.map((s) => failure(s, value, path, source, root));
    if (!errors.includes(undefined)) throw deepest(errors as ConfigError[]);
  }
}

/** The error of the branch that came closest: the one that failed deepest in the value (the first of equals). */
function deepest(errors: readonly ConfigError[]): ConfigError {
  const depth = (e: ConfigError) => e.path.split(/[.[]/).length;
  return errors.reduce((best, e) => (depth(e) > depth(best) ? e : best));
}

/** The error `value` gets against `schema`, or undefined when it passes. */
function failure(schema: JsonSchema, value: unknown, path: string, source: string | undefined, root: JsonSchema): ConfigError | undefined {
  try {
    validate(schema, value, path, source, root);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

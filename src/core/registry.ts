import { fail, requireInt, requireKnownKeys, requireRecord } from './checks.js';
import type { Env } from './Env.js';
import { InvalidArgumentError } from './errors.js';
import type { EnvSpec } from './types.js';
import { CartPole } from '../envs/classic/CartPole.js';
import { CartPoleNoVel } from '../envs/classic/CartPoleNoVel.js';
import { Pendulum, type PendulumOptions } from '../envs/classic/Pendulum.js';
import { TimeLimit } from '../wrappers/TimeLimit.js';

/** Builds an env from the options given to `make`. */
export type EnvFactory<O = Record<string, unknown>> = (options: O) => Env<unknown, unknown>;

/** Options of {@link register}. */
export interface RegisterOptions {
  /** `make` wraps the env in a `TimeLimit` of this many steps (`null` or omitted: none). */
  readonly maxEpisodeSteps?: number | null;
  /** Replace an existing registration instead of throwing (default false). */
  readonly override?: boolean;
}

/** Options of {@link make}: the env's own options, plus the reserved `maxEpisodeSteps`. */
export type MakeOptions<O = Record<string, unknown>> = O & {
  /** Overrides the registered time limit; `null` disables it. Not passed to the factory. */
  readonly maxEpisodeSteps?: number | null;
};

/**
 * The types of registered envs, by id, so that `make` returns a typed env. Extend it by
 * declaration merging when you register your own:
 * `declare module 'tradegym' { interface EnvRegistry { 'MyEnv-v0': { obs: Float32Array; act: number; options: {} } } }`.
 */
export interface EnvRegistry {
  /** {@link CartPole}. */
  'CartPole-v1': EnvTypes<Float32Array, number, Record<string, never>>;
  /** {@link CartPoleNoVel}. */
  'CartPoleNoVel-v1': EnvTypes<Float32Array, number, Record<string, never>>;
  /** {@link Pendulum}. */
  'Pendulum-v1': EnvTypes<Float32Array, Float32Array, PendulumOptions>;
}

/** The types of one registered env, for {@link EnvRegistry}. */
export interface EnvTypes<Obs, Act, Options> {
  /** The observation type. */
  readonly obs: Obs;
  /** The action type. */
  readonly act: Act;
  /** The options `make` passes to the factory. */
  readonly options: Options;
}

interface Entry {
  readonly factory: EnvFactory<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | null;
}

const entries = new Map<string, Entry>();

/**
 * Registers an env factory under an id, as `gymnasium.register`.
 *
 * @param id - a non-empty id without spaces, conventionally `Name-vN`.
 * @param factory - builds the env from `make`'s options.
 * @param options - `maxEpisodeSteps` for the `TimeLimit` that `make` adds; `override`.
 * @throws {@link InvalidArgumentError} if the id is malformed or taken (without `override`),
 *   the factory is not a function, or `maxEpisodeSteps` is not an integer >= 1.
 * @example
 * ```ts
 * import { register, make, CartPole } from 'tradegym';
 * register('ShortCartPole-v0', () => new CartPole(), { maxEpisodeSteps: 50 });
 * const env = make('ShortCartPole-v0');
 * console.log(env.spec?.maxEpisodeSteps); // 50
 * ```
 */
export function register<O extends Record<string, unknown>>(
  id: string,
  factory: EnvFactory<O>,
  options: RegisterOptions = {},
): void {
  if (typeof id !== 'string' || id.length === 0 || /\s/.test(id)) fail('id', 'a non-empty string without spaces', id);
  if (typeof factory !== 'function') fail('factory', 'a function returning an Env', factory);
  requireRecord('options', options);
  if (entries.has(id) && options.override !== true) {
    throw new InvalidArgumentError(`id "${id}" is already registered; pass { override: true } to replace it`);
  }
  const max = options.maxEpisodeSteps ?? null;
  if (max !== null) requireInt('maxEpisodeSteps', max, 1);
  entries.set(id, { factory: factory as EnvFactory<Record<string, unknown>>, maxEpisodeSteps: max });
}

/**
 * Builds a registered env, as `gymnasium.make`: the factory gets `options` (less
 * `maxEpisodeSteps`), and the env is wrapped in a `TimeLimit` when the registration (or
 * `options.maxEpisodeSteps`) sets one. The returned env's `spec` names the id and limit.
 *
 * @param id - a registered id, e.g. `'CartPole-v1'`.
 * @param options - the env's options; `maxEpisodeSteps` overrides the registered limit.
 * @returns the env, typed for ids in {@link EnvRegistry}.
 * @throws {@link InvalidArgumentError} for an unknown id (the message lists the known ones)
 *   or a bad `maxEpisodeSteps`.
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * const env = make('CartPole-v1');       // TimeLimit(CartPole, 500)
 * const { observation } = env.reset({ seed: 0 });
 * const step = env.step(1);
 * ```
 */
export function make<K extends keyof EnvRegistry>(
  id: K,
  options?: MakeOptions<EnvRegistry[K]['options']>,
): Env<EnvRegistry[K]['obs'], EnvRegistry[K]['act']>;
export function make(id: string, options?: MakeOptions): Env<unknown, unknown>;
export function make(id: string, options: MakeOptions = {}): Env<unknown, unknown> {
  const entry = entries.get(id);
  if (entry === undefined) {
    throw new InvalidArgumentError(
      `id must be a registered env id, got ${JSON.stringify(id)}; registered: ${[...entries.keys()].join(', ')}`,
    );
  }
  requireRecord('options', options);
  const { maxEpisodeSteps, ...envOptions } = options;
  const max = maxEpisodeSteps === undefined ? entry.maxEpisodeSteps : maxEpisodeSteps;
  if (max !== null) requireInt('maxEpisodeSteps', max, 1);
  const env = entry.factory(envOptions);
  const spec: EnvSpec = { id, maxEpisodeSteps: max };
  const made = max === null ? env : new TimeLimit(env, max);
  env.spec = spec;
  made.spec = spec;
  return made;
}

/**
 * The registered ids and their time limits.
 * @returns one spec per registered env, in registration order.
 * @example
 * ```ts
 * import { registeredEnvs } from 'tradegym';
 * console.log(registeredEnvs().map((s) => s.id)); // ['CartPole-v1', 'CartPoleNoVel-v1', 'Pendulum-v1', ...]
 * ```
 */
export function registeredEnvs(): EnvSpec[] {
  return [...entries].map(([id, e]) => ({ id, maxEpisodeSteps: e.maxEpisodeSteps }));
}

/** A factory for an env that takes no options: any option is an unknown key. */
const withoutOptions = (build: () => Env<Float32Array, number>) => (o: Record<string, unknown>) => {
  requireKnownKeys('options', o, []);
  return build();
};
register('CartPole-v1', withoutOptions(() => new CartPole()), { maxEpisodeSteps: 500 });
register('CartPoleNoVel-v1', withoutOptions(() => new CartPoleNoVel()), { maxEpisodeSteps: 500 });
register('Pendulum-v1', (o: PendulumOptions & Record<string, unknown>) => new Pendulum(o), { maxEpisodeSteps: 200 });

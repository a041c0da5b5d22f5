// Gymnasium's `FlattenObservation` over `spaces.utils.flatten` / `flatten_space`, for Dict
// observation spaces: leaves in the Dict's key order, depth first, each flattened as
// Gymnasium does (Box row-major; Discrete and MultiDiscrete one-hot; MultiBinary as is).
import { fail, show } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import { DataValidationError, InvalidArgumentError } from '../core/errors.js';
import { ObservationWrapper } from '../core/ObservationWrapper.js';
import { Box } from '../spaces/Box.js';
import { DictSpace, type DictValue, type SpaceRecord } from '../spaces/DictSpace.js';
import { Discrete } from '../spaces/Discrete.js';
import { MultiBinary } from '../spaces/MultiBinary.js';
import { MultiDiscrete } from '../spaces/MultiDiscrete.js';
import type { Space } from '../spaces/Space.js';
import { TupleSpace } from '../spaces/TupleSpace.js';

/** One leaf of a flattened space: where its values sit in the flat vector. */
export interface FlatPart {
  /** The leaf's path, keys (and Tuple indices) joined by `'.'`, e.g. `'account.cash'`. */
  readonly key: string;
  /** The index of the leaf's first value in the flat vector. */
  readonly offset: number;
  /** How many values the leaf takes: Gymnasium's `flatdim` of {@link FlatPart.space}. */
  readonly size: number;
  /** The leaf space: a Box, Discrete, MultiBinary or MultiDiscrete. */
  readonly space: Space<unknown>;
}

/** The flattening plan of a space: containers to walk, leaves to write. */
type Node =
  | { readonly kind: 'dict'; readonly name: string; readonly keys: readonly string[]; readonly children: readonly Node[] }
  | { readonly kind: 'tuple'; readonly name: string; readonly children: readonly Node[] }
  | { readonly kind: 'leaf'; readonly name: string; readonly part: FlatPart };

const LEAVES = 'a Box, Discrete, MultiBinary, MultiDiscrete, DictSpace or TupleSpace (to flatten)';

/** Gymnasium's `flatdim` of a leaf, or undefined for a space that is not a leaf. */
function leafSize(space: Space<unknown>): number | undefined {
  if (space instanceof Box || space instanceof MultiBinary) return space.size;
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.nvec.reduce((a, b) => a + b, 0);
  return undefined;
}

/**
 * Builds the plan, depth first in Gymnasium's order: `parts` collects the leaves (each placed
 * right after the previous one), `seen` their joined keys.
 */
function plan(space: Space<unknown>, key: string, parts: FlatPart[], seen: Set<string>): Node {
  const name = key === '' ? 'observationSpace' : `observationSpace.${key}`;
  const join = (k: string | number): string => (key === '' ? String(k) : `${key}.${k}`);
  if (space instanceof DictSpace) {
    // DictSpace keeps its keys sorted, as Gymnasium's Dict sorts a plain dict
    const keys = space.keys;
    const children = keys.map((k) => plan(space.spaces[k] as Space<unknown>, join(k), parts, seen));
    return { kind: 'dict', name: key, keys, children };
  }
  if (space instanceof TupleSpace) {
    const subspaces = space.spaces as readonly Space<unknown>[];
    return { kind: 'tuple', name: key, children: subspaces.map((s, i) => plan(s, join(i), parts, seen)) };
  }
  const size = leafSize(space);
  if (size === undefined) fail(name, LEAVES, String(space));
  if (seen.has(key)) {
    throw new InvalidArgumentError(`${name} must name one leaf only (keys are joined by '.'), got a second leaf named ${show(key)}`);
  }
  seen.add(key);
  const last = parts[parts.length - 1];
  const part: FlatPart = Object.freeze({ key, offset: last === undefined ? 0 : last.offset + last.size, size, space });
  parts.push(part);
  return { kind: 'leaf', name: key, part };
}

function planDict(space: DictSpace<SpaceRecord>): { root: Node; parts: readonly FlatPart[] } {
  if (!(space instanceof DictSpace)) fail('space', 'a DictSpace', String(space));
  const parts: FlatPart[] = [];
  const root = plan(space, '', parts, new Set());
  return { root, parts: Object.freeze(parts) };
}

/**
 * The leaves of a {@link DictSpace} in the order {@link FlattenObservation} lays them out:
 * the Dict's keys in its (sorted) order, nested DictSpace and TupleSpace values expanded
 * depth first with their keys (or indices) joined by `'.'`, as Gymnasium's
 * `spaces.utils.flatten` concatenates them. A Box takes `size` values (row-major), a
 * Discrete(n) `n` (one-hot), a MultiBinary its size, a MultiDiscrete the sum of its `nvec`
 * (concatenated one-hots).
 *
 * @param space - the Dict space to lay out.
 * @returns the parts, contiguous from offset 0, frozen.
 * @throws {@link InvalidArgumentError} if `space` is not a DictSpace, a leaf is not one of the
 *   four spaces above (naming its key and the space), or two leaves get the same joined key.
 * @example
 * ```ts
 * import { Box, DictSpace, Discrete, flatLayout } from 'tradegym';
 * const space = new DictSpace({
 *   window: new Box(-Infinity, Infinity, [3, 2]),
 *   account: new DictSpace({ cash: new Box(0, Infinity, [1]), position: new Discrete(3, -1) }),
 * });
 * for (const p of flatLayout(space)) console.log(p.key, p.offset, p.size);
 * // account.cash 0 1
 * // account.position 1 3
 * // window 4 6
 * ```
 */
export function flatLayout(space: DictSpace<SpaceRecord>): readonly FlatPart[] {
  return planDict(space).parts;
}

/** The flattened space's bounds: a leaf's own Box bounds, [0, 1] for the one-hot and binary leaves. */
function flatBox(parts: readonly FlatPart[]): Box {
  const last = parts[parts.length - 1] as FlatPart;
  const size = last.offset + last.size;
  const low = new Float32Array(size);
  const high = new Float32Array(size).fill(1);
  for (const { space, offset } of parts) {
    if (space instanceof Box) {
      low.set(space.low, offset);
      high.set(space.high, offset);
    }
  }
  return new Box(low, high, [size]);
}

function bad(name: string, rule: string, value: unknown): never {
  throw new DataValidationError(`${name} must be ${rule}, got ${show(value)}`);
}

/** Writes one leaf's flattened value at its offset, after checking the value is in the space. */
function writeLeaf(part: FlatPart, value: unknown, out: Float32Array): void {
  const { space, offset } = part;
  const name = `observation.${part.key}`;
  const inSpace: boolean = space.contains(value); // a plain boolean: `x is unknown` would narrow value to never
  if (!inSpace) {
    if (space instanceof Box && value instanceof Float32Array && value.length === space.size) {
      // a Box may be large: name the first element out of bounds (NaN is never in bounds)
      const i = value.findIndex((v, j) => !(v >= (space.low[j] as number) && v <= (space.high[j] as number)));
      bad(`${name}[${i}]`, `a number in [${space.low[i]}, ${space.high[i]}]`, value[i]);
    }
    bad(name, `a member of ${String(space)}`, value);
  }
  if (space instanceof Box || space instanceof MultiBinary) {
    out.set(value as Float32Array | Int8Array, offset);
  } else if (space instanceof Discrete) {
    out[offset + (value as number) - space.start] = 1;
  } else if (space instanceof MultiDiscrete) {
    // Gymnasium: onehot[offsets[:-1] + (x - start)] = 1, offsets the running sum of nvec
    const x = value as Int32Array;
    let at = offset;
    for (let i = 0; i < x.length; i++) {
      out[at + (x[i] as number) - (space.start[i] as number)] = 1;
      at += space.nvec[i] as number;
    }
  }
}

function flattenInto(node: Node, value: unknown, out: Float32Array): void {
  const name = node.name === '' ? 'observation' : `observation.${node.name}`;
  if (node.kind === 'leaf') {
    writeLeaf(node.part, value, out);
  } else if (node.kind === 'dict') {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
      bad(name, `an object with the keys ${node.keys.join(', ')}`, value);
    }
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!node.keys.includes(k)) bad(`${name}.${k}`, `absent (the space's keys are ${node.keys.join(', ')})`, rec[k]);
    }
    node.keys.forEach((k, i) => flattenInto(node.children[i] as Node, Object.prototype.hasOwnProperty.call(rec, k) ? rec[k] : undefined, out));
  } else {
    if (!Array.isArray(value) || value.length !== node.children.length) bad(name, `an array of ${node.children.length} values`, value);
    node.children.forEach((child, i) => flattenInto(child, value[i], out));
  }
}

/**
 * Flattens Dict observations into one `Float32Array`, as Gymnasium's `FlattenObservation`
 * with `spaces.utils.flatten` and `flatten_space`: the leaves of the inner DictSpace, in its
 * sorted key order and depth first through nested DictSpace and TupleSpace values, are
 * concatenated. A Box contributes its values row-major with its own bounds; a Discrete(n,
 * start) a one-hot of length n (value `start + k` sets element k); a MultiBinary its bits; a
 * MultiDiscrete one one-hot per element, concatenated. One-hot and binary elements have
 * bounds [0, 1]. {@link FlattenObservation.layout} says where each leaf sits.
 *
 * Every observation is checked against the inner space first (Gymnasium's `flatten` does not
 * check): a value outside it, such as a missing or extra key, a NaN, or a Discrete value out
 * of range, is an error naming the key.
 *
 * @typeParam Act - the action type (unchanged).
 * @example
 * ```ts
 * import { Box, DictSpace, Discrete, Env, FlattenObservation, type DictValue, type ResetResult, type StepResult } from 'tradegym';
 *
 * const space = new DictSpace({ prices: new Box(0, Infinity, [2]), position: new Discrete(3, -1) });
 * type Obs = DictValue<typeof space.spaces>;
 * class Tiny extends Env<Obs, number> {
 *   readonly observationSpace = space;
 *   readonly actionSpace = new Discrete(3, -1);
 *   protected resetEnv(): ResetResult<Obs> {
 *     return { observation: { prices: Float32Array.of(100, 101), position: 0 }, info: {} };
 *   }
 *   protected stepEnv(action: number): StepResult<Obs> {
 *     const observation = { prices: Float32Array.of(102, 100), position: action };
 *     return { observation, reward: 0, terminated: true, truncated: false, info: {} };
 *   }
 * }
 * const env = new FlattenObservation(new Tiny());
 * console.log(env.observationSpace.shape); // [5]: position one-hot (3), then prices (2)
 * console.log(env.reset({ seed: 0 }).observation); // Float32Array [0, 1, 0, 100, 101]
 * console.log(env.step(1).observation);             // Float32Array [0, 0, 1, 102, 100]
 * ```
 */
export class FlattenObservation<Act> extends ObservationWrapper<Float32Array, DictValue<SpaceRecord>, Act> {
  /** The flattened Box, shape `[flatdim]`, bounds as described above. */
  declare readonly observationSpace: Box;
  /** Where each leaf of the inner space sits in the flat vector (see {@link flatLayout}). */
  readonly layout: readonly FlatPart[];
  readonly #root: Node;

  /**
   * @param env - an env with a DictSpace observation space.
   * @throws {@link InvalidArgumentError} if the observation space is not a DictSpace, a leaf
   *   is not a Box, Discrete, MultiBinary or MultiDiscrete (naming its key and the space), or
   *   two leaves get the same joined key.
   */
  constructor(env: Env<DictValue<SpaceRecord>, Act>) {
    const inner = env.observationSpace;
    if (!(inner instanceof DictSpace)) fail('env.observationSpace (for FlattenObservation)', 'a DictSpace', String(inner));
    const { root, parts } = planDict(inner);
    super(env, flatBox(parts), env.actionSpace);
    this.layout = parts;
    this.#root = root;
  }

  /**
   * Flattens one observation of the inner env.
   * @param observation - a member of the inner DictSpace.
   * @returns a new `Float32Array` of `observationSpace.size` values.
   * @throws {@link DataValidationError} if `observation` is not in the inner space, naming
   *   the key at fault (e.g. `observation.account.position must be a member of
   *   Discrete(3, start=-1), got 5`).
   */
  observation(observation: DictValue<SpaceRecord>): Float32Array {
    const out = new Float32Array(this.observationSpace.size);
    flattenInto(this.#root, observation, out);
    return out;
  }
}

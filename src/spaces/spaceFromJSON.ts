import { fail } from '../core/checks.js';
import { Box } from './Box.js';
import { DictSpace } from './DictSpace.js';
import { Discrete } from './Discrete.js';
import { MultiBinary } from './MultiBinary.js';
import { MultiDiscrete } from './MultiDiscrete.js';
import type { Space } from './Space.js';
import { TupleSpace } from './TupleSpace.js';

function num(path: string, v: unknown): number {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v !== 'number' || Number.isNaN(v)) fail(path, 'a number, "Infinity" or "-Infinity"', v);
  return v;
}

function arr(path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

function build(json: unknown, path: string): Space<unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(path, 'a space JSON object', json);
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'Box': {
      const shape = arr(`${path}.shape`, o.shape) as number[];
      const low = arr(`${path}.low`, o.low).map((v, i) => num(`${path}.low[${i}]`, v));
      const high = arr(`${path}.high`, o.high).map((v, i) => num(`${path}.high[${i}]`, v));
      return new Box(low, high, shape);
    }
    case 'Discrete':
      return new Discrete(o.n as number, o.start as number | undefined);
    case 'MultiDiscrete':
      return new MultiDiscrete(arr(`${path}.nvec`, o.nvec) as number[], arr(`${path}.start`, o.start) as number[]);
    case 'MultiBinary':
      return new MultiBinary(arr(`${path}.shape`, o.shape) as number[]);
    case 'Dict': {
      const subs = o.spaces;
      if (typeof subs !== 'object' || subs === null || Array.isArray(subs)) fail(`${path}.spaces`, 'an object', subs);
      const spaces: Record<string, Space<unknown>> = {};
      for (const [k, v] of Object.entries(subs)) spaces[k] = build(v, `${path}.spaces.${k}`);
      return new DictSpace(spaces);
    }
    case 'Tuple':
      return new TupleSpace(arr(`${path}.spaces`, o.spaces).map((v, i) => build(v, `${path}.spaces[${i}]`)));
    default:
      return fail(`${path}.type`, "one of 'Box', 'Discrete', 'MultiDiscrete', 'MultiBinary', 'Dict', 'Tuple'", o.type);
  }
}

/**
 * Rebuilds a space from its `toJSON()` form (possibly after `JSON.stringify`/`parse`).
 *
 * @param json - a {@link SpaceJSON} value.
 * @returns a new space equal to the one serialised (`equals` holds); unseeded.
 * @throws {@link InvalidArgumentError} naming the path of the first bad field, e.g. `json.spaces.a.type`.
 * @example
 * ```ts
 * import { Box, spaceFromJSON } from 'tradegym';
 * const box = new Box(-Infinity, 1, [3]);
 * const copy = spaceFromJSON(JSON.parse(JSON.stringify(box)));
 * console.log(copy.equals(box)); // true
 * ```
 */
export function spaceFromJSON(json: unknown): Space<unknown> {
  return build(json, 'json');
}

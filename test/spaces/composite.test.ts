import { describe, expect, it } from 'vitest';
import { Box, DictSpace, Discrete, MultiBinary, MultiDiscrete, spaceFromJSON, TupleSpace, type Space } from '../../src/index.js';

describe('DictSpace', () => {
  const make = () => new DictSpace({ z: new Discrete(3), a: new Box(-1, 1, [2]) });

  it('keeps keys sorted, samples members, and checks exactly its keys', () => {
    const space = make();
    expect(Object.keys(space.spaces)).toEqual(['a', 'z']);
    space.seed(1);
    const v = space.sample();
    expect(space.contains(v)).toBe(true);
    expect(space.contains({ ...v, extra: 1 })).toBe(false);
    expect(space.contains({ a: v.a })).toBe(false);
    expect(space.contains({ a: v.a, z: 3 })).toBe(false);
    expect(space.contains([v.a, v.z])).toBe(false);
  });

  it('seeding the dict seeds its subspaces: same seed, same samples', () => {
    const s1 = make();
    const s2 = make();
    s1.seed(9);
    s2.seed(9);
    const a = s1.sample();
    const b = s2.sample();
    expect(a.z).toBe(b.z);
    expect(Array.from(a.a)).toEqual(Array.from(b.a));
  });

  it('rejects an empty record or a non-space value', () => {
    expect(() => new DictSpace({})).toThrow(/spaces must be a non-empty record/);
    expect(() => new DictSpace({ a: 3 as unknown as Discrete })).toThrow(/spaces\.a must be a Space, got 3/);
  });
});

describe('TupleSpace', () => {
  it('samples and checks element-wise, and is reproducible under a seed', () => {
    const mk = () => new TupleSpace([new Discrete(2), new MultiBinary(3)] as const);
    const t1 = mk();
    const t2 = mk();
    t1.seed(5);
    t2.seed(5);
    const a = t1.sample();
    expect(t1.contains(a)).toBe(true);
    expect(t1.contains([a[0]])).toBe(false);
    expect(t1.contains([2, a[1]])).toBe(false);
    const b = t2.sample();
    expect(a[0]).toBe(b[0]);
    expect(Array.from(a[1])).toEqual(Array.from(b[1]));
  });

  it('rejects an empty tuple', () => {
    expect(() => new TupleSpace([])).toThrow(/spaces must be a non-empty array of Space objects/);
  });
});

describe('toJSON / spaceFromJSON', () => {
  const spaces: [string, Space<unknown>][] = [
    ['Box with infinities', new Box([-Infinity, 0], [Infinity, 1.5])],
    ['Box 2-d', new Box(-1, 1, [2, 2])],
    ['Discrete with start', new Discrete(4, -1)],
    ['MultiDiscrete', new MultiDiscrete([3, 2], [1, 0])],
    ['MultiBinary', new MultiBinary([2, 3])],
    ['nested Dict/Tuple', new DictSpace({ t: new TupleSpace([new Discrete(2), new Box(0, 1, [1])]), d: new Discrete(7) })],
  ];

  it.each(spaces)('round-trips %s through JSON text', (_name, space) => {
    const text = JSON.stringify(space);
    const copy = spaceFromJSON(JSON.parse(text));
    expect(copy.equals(space)).toBe(true);
    expect(JSON.stringify(copy)).toBe(text);
    space.seed(1);
    copy.seed(1);
    expect(JSON.stringify(Array.from(Object.values(copy.sample() as object)))).toBe(
      JSON.stringify(Array.from(Object.values(space.sample() as object))),
    );
  });

  it('writes infinite bounds as strings (JSON has no Infinity)', () => {
    expect(new Box(-Infinity, Infinity, [1]).toJSON()).toEqual({ type: 'Box', shape: [1], low: ['-Infinity'], high: ['Infinity'] });
  });

  it.each([
    [{ type: 'Nope' }, /json\.type must be one of 'Box'/],
    [{ type: 'Dict', spaces: { a: { type: 'Discrete', n: 0, start: 0 } } }, /n must be an integer >= 1, got 0/],
    [{ type: 'Tuple', spaces: [{ type: 'Box', shape: [1], low: ['x'], high: [1] }] }, /json\.spaces\[0\]\.low\[0\] must be a number, "Infinity" or "-Infinity", got "x"/],
    [{ type: 'Dict', spaces: { b: 5 } }, /json\.spaces\.b must be a space JSON object, got 5/],
    ['Box', /json must be a space JSON object, got "Box"/],
  ])('names the path of a bad field: %#', (json, message) => {
    expect(() => spaceFromJSON(json)).toThrow(message);
  });

  it('equals() tells different spaces apart', () => {
    expect(new Discrete(3).equals(new Discrete(4))).toBe(false);
    expect(new Box(0, 1, [2]).equals(new Box(0, 2, [2]))).toBe(false);
    expect(new Box(0, 1, [2]).equals(new Box(0, 1, [2]))).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Box,
  DataValidationError,
  DictSpace,
  Discrete,
  Env,
  FlattenObservation,
  InvalidArgumentError,
  MultiBinary,
  MultiDiscrete,
  Space,
  TupleSpace,
  checkEnv,
  flatLayout,
  type DictValue,
  type ResetResult,
  type SpaceJSON,
  type SpaceRecord,
  type StepResult,
} from '../../src/index.js';

// ---------------------------------------------------------------------------------------------
// A reference flatten, written from Gymnasium's gymnasium/spaces/utils.py line by line:
//   Box, MultiBinary:  np.asarray(x).flatten()
//   Discrete:          onehot = zeros(n); onehot[x - start] = 1
//   MultiDiscrete:     offsets = [0, *cumsum(nvec)]; onehot = zeros(offsets[-1]);
//                      onehot[offsets[:-1] + (x - start)] = 1
//   Tuple:             concatenate(flatten(s, x_i) for each subspace in order)
//   Dict:              concatenate(flatten(s, x[key]) for key, s in space.spaces.items())
//                      (Dict sorts a plain dict's keys with Python's sorted())
//   flatten_space:     Box -> its own low/high flattened; Discrete, MultiBinary,
//                      MultiDiscrete -> Box(0, 1, (flatdim,)); Tuple, Dict -> concatenated.
// ---------------------------------------------------------------------------------------------
type AnySpace = Space<unknown>;

function sortedKeys(space: DictSpace<SpaceRecord>): string[] {
  // Python's sorted() over str compares code points; the keys used here are ASCII
  return Object.keys(space.spaces).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** [joined key, flattened leaf] for each leaf, in Gymnasium's concatenation order. */
function refLeaves(space: AnySpace, x: unknown, prefix: string): Array<[string, number[]]> {
  const join = (k: string | number): string => (prefix === '' ? String(k) : `${prefix}.${k}`);
  if (space instanceof DictSpace) {
    const rec = x as Record<string, unknown>;
    return sortedKeys(space).flatMap((k) => refLeaves(space.spaces[k]!, rec[k], join(k)));
  }
  if (space instanceof TupleSpace) {
    const subs = space.spaces as readonly AnySpace[];
    return subs.flatMap((s, i) => refLeaves(s, (x as unknown[])[i], join(i)));
  }
  if (space instanceof Box || space instanceof MultiBinary) return [[prefix, Array.from(x as ArrayLike<number>)]];
  if (space instanceof Discrete) {
    const onehot = new Array<number>(space.n).fill(0);
    onehot[(x as number) - space.start] = 1;
    return [[prefix, onehot]];
  }
  if (space instanceof MultiDiscrete) {
    const nvec = Array.from(space.nvec);
    const offsets = [0];
    for (const n of nvec) offsets.push(offsets[offsets.length - 1]! + n);
    const onehot = new Array<number>(offsets[offsets.length - 1]!).fill(0);
    const v = x as Int32Array;
    nvec.forEach((_, i) => {
      onehot[offsets[i]! + v[i]! - space.start[i]!] = 1;
    });
    return [[prefix, onehot]];
  }
  throw new Error(`reference: unknown space ${String(space)}`);
}

function refFlatten(space: AnySpace, x: unknown): number[] {
  return refLeaves(space, x, '').flatMap(([, v]) => v);
}

/** Gymnasium's flatten_space bounds. */
function refFlatBounds(space: AnySpace): { low: number[]; high: number[] } {
  if (space instanceof DictSpace || space instanceof TupleSpace) {
    const subs = space instanceof DictSpace ? sortedKeys(space).map((k) => space.spaces[k]!) : (space.spaces as readonly AnySpace[]);
    const parts = subs.map(refFlatBounds);
    return { low: parts.flatMap((p) => p.low), high: parts.flatMap((p) => p.high) };
  }
  if (space instanceof Box) return { low: Array.from(space.low), high: Array.from(space.high) };
  const dim = space instanceof Discrete ? space.n : space instanceof MultiBinary ? space.size : Array.from((space as MultiDiscrete).nvec).reduce((a, b) => a + b, 0);
  return { low: new Array<number>(dim).fill(0), high: new Array<number>(dim).fill(1) };
}

// ---------------------------------------------------------------------------------------------
// Envs for the tests
// ---------------------------------------------------------------------------------------------

/** Returns the given observations in turn (reset gives the first), for any Dict space. */
class ListEnv extends Env<DictValue<SpaceRecord>, number> {
  readonly actionSpace = new Discrete(2);
  #t = 0;
  constructor(
    readonly observationSpace: DictSpace<SpaceRecord>,
    readonly observations: readonly unknown[] = [],
  ) {
    super();
  }
  protected resetEnv(): ResetResult<DictValue<SpaceRecord>> {
    this.#t = 0;
    return { observation: this.observations[0] as DictValue<SpaceRecord>, info: {} };
  }
  protected stepEnv(): StepResult<DictValue<SpaceRecord>> {
    this.#t++;
    return { observation: this.observations[this.#t] as DictValue<SpaceRecord>, reward: 0, terminated: false, truncated: false, info: {} };
  }
}

const tradingSpace = new DictSpace({
  window: new Box(-10, 10, [3, 2]),
  account: new DictSpace({ cash: new Box(0, Infinity, [1]), position: new Discrete(3, -1) }),
  flags: new MultiBinary(2),
  regime: new MultiDiscrete([2, 3]),
});
type TradingObs = DictValue<typeof tradingSpace.spaces>;

/**
 * A small Dict env: observations are samples of its space drawn from the env's own rng (so
 * reset with a seed replays), the position echoes the last action, the reward is the action,
 * and the episode ends after 5 steps. The raw observation is recorded in info, as Gymnasium's
 * record_random_obs_reset / record_random_obs_step test helpers do.
 */
class DictEnv extends Env<TradingObs, number> {
  readonly observationSpace = new DictSpace({
    window: new Box(-10, 10, [3, 2]),
    account: new DictSpace({ cash: new Box(0, Infinity, [1]), position: new Discrete(3, -1) }),
    flags: new MultiBinary(2),
    regime: new MultiDiscrete([2, 3]),
  });
  readonly actionSpace = new Discrete(3, -1);
  #t = 0;
  #draw(position: number): TradingObs {
    const obs = this.observationSpace.sample();
    return { ...obs, account: { ...obs.account, position } };
  }
  protected resetEnv(): ResetResult<TradingObs> {
    this.#t = 0;
    this.observationSpace.seed(this.rng.deriveSeed());
    const observation = this.#draw(0);
    return { observation, info: { obs: observation } };
  }
  protected stepEnv(action: number): StepResult<TradingObs> {
    this.#t++;
    const observation = this.#draw(action);
    return { observation, reward: action, terminated: this.#t >= 5, truncated: false, info: { obs: observation, t: this.#t } };
  }
}

function flatOf(space: DictSpace<SpaceRecord>, x: unknown): Float32Array {
  return new FlattenObservation(new ListEnv(space)).observation(x as DictValue<SpaceRecord>);
}

// ---------------------------------------------------------------------------------------------

describe('FlattenObservation: Gymnasium documented values', () => {
  it('flatdim of Dict(position=Discrete(2), velocity=Discrete(3)) is 5 (flatdim docstring)', () => {
    const env = new FlattenObservation(new ListEnv(new DictSpace({ position: new Discrete(2), velocity: new Discrete(3) })));
    expect(env.observationSpace.shape).toEqual([5]);
    expect(env.layout.map((p) => [p.key, p.offset, p.size])).toEqual([
      ['position', 0, 2],
      ['velocity', 2, 3],
    ]);
  });

  it('flatten(Discrete(4), 2) is [0, 0, 1, 0] (flatten docstring)', () => {
    expect(Array.from(flatOf(new DictSpace({ d: new Discrete(4) }), { d: 2 }))).toEqual([0, 0, 1, 0]);
  });

  it('flattens the flatten docstring Tuple example to [0.5, 0.25, 1, 0, 0.2, 0, 1, 0]', () => {
    // Tuple((Box(0, 1, (2,)), Box(0, 1, (3,)), Discrete(3))) with ((.5, .25), (1., 0., .2), 1)
    const space = new DictSpace({ t: new TupleSpace([new Box(0, 1, [2]), new Box(0, 1, [3]), new Discrete(3)]) });
    const flat = flatOf(space, { t: [Float32Array.of(0.5, 0.25), Float32Array.of(1, 0, 0.2), 1] });
    expect(flat).toEqual(Float32Array.of(0.5, 0.25, 1, 0, 0.2, 0, 1, 0));
    expect(flatLayout(space).map((p) => p.key)).toEqual(['t.0', 't.1', 't.2']);
  });

  it('flatten_space(Dict(position=Discrete(2), velocity=Box(0, 1, (2, 2)))) is Box(0.0, 1.0, (6,)) (flatten_space docstring)', () => {
    const env = new FlattenObservation(new ListEnv(new DictSpace({ position: new Discrete(2), velocity: new Box(0, 1, [2, 2]) })));
    expect(env.observationSpace.equals(new Box(0, 1, [6]))).toBe(true);
  });

  it('flatten_space(Box(0, 1, (3, 4, 5))) has shape (60,) (flatten_space docstring)', () => {
    const env = new FlattenObservation(new ListEnv(new DictSpace({ box: new Box(0, 1, [3, 4, 5]) })));
    expect(env.observationSpace.shape).toEqual([60]);
  });

  // tests/spaces/utils.py TESTING_SPACES with TESTING_SPACES_EXPECTED_FLATDIMS from
  // tests/spaces/test_utils.py (Gymnasium); leaves are wrapped in a Dict where needed
  it.each<[string, number, DictSpace<SpaceRecord>]>([
    ['Discrete(3, start=-1)', 3, new DictSpace({ x: new Discrete(3, -1) })],
    ['Box(0, inf, (2, 2))', 4, new DictSpace({ x: new Box(0, Infinity, [2, 2]) })],
    ['MultiDiscrete([2, 2], start=[10, 10])', 4, new DictSpace({ x: new MultiDiscrete([2, 2], [10, 10]) })],
    ['MultiBinary([2, 3])', 6, new DictSpace({ x: new MultiBinary([2, 3]) })],
    ['Tuple(Discrete(3), Dict(position=Box(0, 1), velocity=Discrete(2)))', 6, new DictSpace({ x: new TupleSpace([new Discrete(3), new DictSpace({ position: new Box(0, 1, []), velocity: new Discrete(2) })]) })],
    ['Dict(position=Discrete(5), velocity=Box([0, 0], [1, 5]))', 7, new DictSpace({ position: new Discrete(5), velocity: new Box([0, 0], [1, 5]) })],
    ['Dict(position=Discrete(6), velocity=Box([0, 0], [1, 5]))', 8, new DictSpace({ position: new Discrete(6), velocity: new Box([0, 0], [1, 5]) })],
    [
      'Dict(a=Box(0, 1, (3, 3)), b=Dict(b_1=Box(-100, 100, (2,)), b_2=Box(-1, 1, (2,))), c=Discrete(4))',
      17,
      new DictSpace({ a: new Box(0, 1, [3, 3]), b: new DictSpace({ b_1: new Box(-100, 100, [2]), b_2: new Box(-1, 1, [2]) }), c: new Discrete(4) }),
    ],
  ])('flatdim of %s is %i (Gymnasium tests/spaces/test_utils.py)', (_name, dim, space) => {
    const env = new FlattenObservation(new ListEnv(space));
    expect(env.observationSpace.shape).toEqual([dim]);
    space.seed(4);
    const flat = env.observation(space.sample());
    expect(flat.length).toBe(dim);
    expect(env.observationSpace.contains(flat)).toBe(true); // test_flat_space_contains_flat_points
  });

  // Gymnasium tests/wrappers/test_nested_dict.py NESTED_DICT_TEST_CASES (Box() is shape ())
  const b = (shape: number[]): Box => new Box(-1, 1, shape);
  const nested: Array<[DictSpace<SpaceRecord>, number]> = [
    [new DictSpace({ key1: b([2]), key2: new DictSpace({ subkey1: b([2]), subkey2: b([2]) }) }), 6],
    [new DictSpace({ key1: b([2, 3]), key2: b([]), key3: b([2]) }), 9],
    [new DictSpace({ key1: new TupleSpace([b([2]), b([2])]), key2: b([]), key3: b([2]) }), 7],
    [new DictSpace({ key1: new TupleSpace([b([2])]), key2: b([]), key3: b([2]) }), 5],
    [new DictSpace({ key1: new TupleSpace([new DictSpace({ key9: b([2]) })]), key2: b([]), key3: b([2]) }), 5],
  ];
  it.each(nested.map(([space, dim]) => [String(space), dim, space] as const))('nested %s flattens to shape (%i,) (Gymnasium test_nested_dict.py)', (_name, dim, space) => {
    const env = new FlattenObservation(new ListEnv(space, [space.sample()]));
    expect(env.observationSpace.shape).toEqual([dim]);
    expect(env.reset().observation.length).toBe(dim);
  });

  it('the observation space of Dict(arm=Box(0, 1), head=Box(2, 3)) is flatten_space: Box([0, 2], [1, 3]) (test_flatten_observation.py)', () => {
    const env = new FlattenObservation(new ListEnv(new DictSpace({ arm: new Box(0, 1, []), head: new Box(2, 3, []) })));
    expect(env.observationSpace.equals(new Box([0, 2], [1, 3]))).toBe(true);
  });

  it('one-hot encodes MultiDiscrete with its start (hand calculation)', () => {
    // MultiDiscrete([3, 2], start=[-1, 5]), x = [1, 5]: offsets = [0, 3];
    // indices 0 + (1 - (-1)) = 2 and 3 + (5 - 5) = 3 -> [0, 0, 1, 1, 0]
    const space = new DictSpace({ m: new MultiDiscrete([3, 2], [-1, 5]) });
    expect(Array.from(flatOf(space, { m: Int32Array.of(1, 5) }))).toEqual([0, 0, 1, 1, 0]);
  });

  it('one-hot encodes Discrete relative to its start: Discrete(3, start=-1) value -1 sets element 0', () => {
    const space = new DictSpace({ p: new Discrete(3, -1) });
    expect([-1, 0, 1].map((v) => Array.from(flatOf(space, { p: v })))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });
});

describe('flatLayout', () => {
  it('joins nested keys with "." in sorted key order, depth first', () => {
    // sorted keys: account < flags < regime < window; inside account: cash < position
    // sizes: cash 1, position 3 (one-hot), flags 2, regime 2 + 3, window 3 * 2
    expect(flatLayout(tradingSpace).map((p) => [p.key, p.offset, p.size])).toEqual([
      ['account.cash', 0, 1],
      ['account.position', 1, 3],
      ['flags', 4, 2],
      ['regime', 6, 5],
      ['window', 11, 6],
    ]);
    expect(flatLayout(tradingSpace)[1]!.space).toBe(tradingSpace.spaces.account.spaces.position);
  });

  it('orders integer-like keys as the sorted DictSpace does ("10" before "2"), not as Object.keys does', () => {
    const space = new DictSpace({ 2: new Discrete(2), 10: new Discrete(3), a: new Box(0, 1, [1]) });
    expect(flatLayout(space).map((p) => p.key)).toEqual(['10', '2', 'a']);
    // and the values follow: '10' one-hot first
    expect(Array.from(flatOf(space, { 2: 1, 10: 0, a: Float32Array.of(0.5) }))).toEqual([1, 0, 0, 0, 1, 0.5]);
  });

  it('returns frozen parts', () => {
    const parts = flatLayout(tradingSpace);
    expect(Object.isFrozen(parts)).toBe(true);
    expect(Object.isFrozen(parts[0])).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Random spaces and samples against the reference
// ---------------------------------------------------------------------------------------------
const boundArb = fc.oneof(
  fc.constant(-Infinity),
  fc.constant(Infinity),
  fc.integer({ min: -50, max: 50 }).map((v) => v / 4),
);
const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });
const leafArb: fc.Arbitrary<AnySpace> = fc.oneof(
  fc.tuple(shapeArb, boundArb, boundArb).map(([shape, a, c]) => {
    const lo = Math.min(a, c);
    const hi = Math.max(a, c);
    return new Box(lo === Infinity ? 0 : lo, hi === -Infinity ? 0 : hi, shape);
  }),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: -3, max: 3 })).map(([n, s]) => new Discrete(n, s)),
  shapeArb.map((shape) => new MultiBinary(shape)),
  fc
    .array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 3 })
    .map((pairs) => new MultiDiscrete(pairs.map((p) => p[0]), pairs.map((p) => p[1]))),
);
const keyArb = fc.constantFrom('a', 'b', 'cash', 'position', 'Z', '_x', '2', '10');
const { dict: dictArb } = fc.letrec<{ node: AnySpace; dict: DictSpace<SpaceRecord>; tuple: AnySpace }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('dict'), tie('tuple')),
  dict: fc.dictionary(keyArb, tie('node'), { minKeys: 1, maxKeys: 4 }).map((rec) => new DictSpace(rec)),
  tuple: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((spaces) => new TupleSpace(spaces)),
}));

describe('FlattenObservation against a reference flatten over random spaces', () => {
  it('matches the reference values, bounds and layout, and stays inside its Box', () => {
    fc.assert(
      fc.property(dictArb, fc.integer({ min: 0, max: 2 ** 31 }), (space, seed) => {
        const env = new FlattenObservation(new ListEnv(space));
        const ref = refFlatBounds(space);
        expect(Array.from(env.observationSpace.low)).toEqual(ref.low);
        expect(Array.from(env.observationSpace.high)).toEqual(ref.high);
        space.seed(seed);
        for (let k = 0; k < 3; k++) {
          const x = space.sample();
          const flat = env.observation(x);
          expect(Array.from(flat)).toEqual(refFlatten(space, x));
          expect(env.observationSpace.contains(flat)).toBe(true);
          // each part's slice is that leaf's flattening; parts tile the vector in order
          const leaves = refLeaves(space, x, '');
          expect(env.layout.map((p) => p.key)).toEqual(leaves.map(([key]) => key));
          let at = 0;
          env.layout.forEach((p, i) => {
            expect(p.offset).toBe(at);
            expect(Array.from(flat.subarray(p.offset, p.offset + p.size))).toEqual(leaves[i]![1]);
            at += p.size;
          });
          expect(at).toBe(flat.length);
        }
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('gives the same layout from flatLayout and from the wrapper', () => {
    fc.assert(
      fc.property(dictArb, (space) => {
        expect(flatLayout(space)).toEqual(new FlattenObservation(new ListEnv(space)).layout);
      }),
      { numRuns: 100, seed: 16 },
    );
  });
});

describe('FlattenObservation on an env', () => {
  it('flattens every reset and step observation and passes reward, flags, info and actions through', () => {
    const inner = new DictEnv();
    const env = new FlattenObservation(inner);
    const space = inner.observationSpace;
    const r0 = env.reset({ seed: 3 });
    expect(Array.from(r0.observation)).toEqual(refFlatten(space, r0.info.obs));
    for (const action of [1, -1, 0, 1, -1]) {
      const r = env.step(action);
      const raw = r.info.obs as TradingObs;
      expect(Array.from(r.observation)).toEqual(refFlatten(space, raw));
      // the action reached the inner env: its position one-hot (offset 1, start -1)
      expect(Array.from(r.observation.subarray(1, 4))).toEqual([0, 1, 2].map((k) => (k === action + 1 ? 1 : 0)));
      expect(r.reward).toBe(action);
      expect(r.truncated).toBe(false);
    }
    expect(inner.unwrapped).toBe(inner);
    expect(env.actionSpace).toBe(inner.actionSpace);
  });

  it('replays bit for bit under the same seed', () => {
    const run = (): number[][] => {
      const env = new FlattenObservation(new DictEnv());
      const out = [Array.from(env.reset({ seed: 11 }).observation)];
      for (const a of [0, 1, -1]) out.push(Array.from(env.step(a).observation));
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('passes checkEnv, all 12 checks', () => {
    expect(checkEnv(new FlattenObservation(new DictEnv()))).toHaveLength(12);
  });
});

/** A space of none of the supported kinds. */
class OddSpace extends Space<number> {
  readonly shape = null;
  readonly dtype = null;
  sample(): number {
    return 0;
  }
  contains(x: unknown): x is number {
    return x === 0;
  }
  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: 1, start: 0 };
  }
  override toString(): string {
    return 'Odd()';
  }
}

describe('FlattenObservation rejects', () => {
  it('an env whose observation space is not a DictSpace', () => {
    const env = new ListEnv(new DictSpace({ a: new Discrete(2) }));
    Object.defineProperty(env, 'observationSpace', { value: new Box(0, 1, [2]) });
    expect(() => new FlattenObservation(env)).toThrow(InvalidArgumentError);
    expect(() => new FlattenObservation(env)).toThrow(/env\.observationSpace \(for FlattenObservation\) must be a DictSpace, got "Box\(0, 1, \[2\], float32\)"/);
  });

  it('flatLayout of a space that is not a DictSpace', () => {
    expect(() => flatLayout(new Box(0, 1, [2]) as unknown as DictSpace<SpaceRecord>)).toThrow(/space must be a DictSpace, got "Box\(0, 1, \[2\], float32\)"/);
  });

  it('a leaf it cannot flatten, naming its key and the space', () => {
    const space = new DictSpace({ a: new DictSpace({ b: new OddSpace() }), c: new Discrete(2) });
    expect(() => new FlattenObservation(new ListEnv(space))).toThrow(InvalidArgumentError);
    expect(() => flatLayout(space)).toThrow(/observationSpace\.a\.b must be a Box, Discrete, MultiBinary, MultiDiscrete, DictSpace or TupleSpace \(to flatten\), got "Odd\(\)"/);
    const inTuple = new DictSpace({ t: new TupleSpace([new Discrete(2), new OddSpace()]) });
    expect(() => flatLayout(inTuple)).toThrow(/observationSpace\.t\.1 must be a Box/);
  });

  it('two leaves that would get the same joined key', () => {
    const space = new DictSpace({ 'a.0': new Discrete(2), a: new TupleSpace([new Discrete(3)]) });
    expect(() => flatLayout(space)).toThrow(/must name one leaf only .*got a second leaf named "a\.0"/);
  });

  const good = (): Record<string, unknown> => ({
    window: new Float32Array(6),
    account: { cash: Float32Array.of(100), position: 0 },
    flags: Int8Array.of(0, 1),
    regime: Int32Array.of(1, 2),
  });
  const withAccount = (account: unknown): Record<string, unknown> => ({ ...good(), account });
  it.each<[string, unknown, RegExp]>([
    ['a missing nested key', withAccount({ cash: Float32Array.of(1) }), /^observation\.account\.position must be a member of Discrete\(3, start=-1\), got undefined$/],
    ['an extra key', { ...good(), extra: 3 }, /^observation\.extra must be absent \(the space's keys are account, flags, regime, window\), got 3$/],
    ['an extra nested key', withAccount({ cash: Float32Array.of(1), position: 0, debt: 1 }), /^observation\.account\.debt must be absent \(the space's keys are cash, position\), got 1$/],
    ['NaN in a Box', { ...good(), window: Float32Array.of(0, 1, 2, NaN, 4, 5) }, /^observation\.window\[3\] must be a number in \[-10, 10\], got NaN$/],
    ['a Box value out of bounds', withAccount({ cash: Float32Array.of(-1), position: 0 }), /^observation\.account\.cash\[0\] must be a number in \[0, Infinity\], got -1$/],
    ['a Box of the wrong length', { ...good(), window: new Float32Array(5) }, /^observation\.window must be a member of Box\(-10, 10, \[3, 2\], float32\), got Float32Array\(5\)/],
    ['a Box as a plain array', { ...good(), window: [0, 0, 0, 0, 0, 0] }, /^observation\.window must be a member of Box/],
    ['a Discrete value out of range', withAccount({ cash: Float32Array.of(1), position: 2 }), /^observation\.account\.position must be a member of Discrete\(3, start=-1\), got 2$/],
    ['a Discrete value that is not an integer', withAccount({ cash: Float32Array.of(1), position: 0.5 }), /^observation\.account\.position must be a member of Discrete\(3, start=-1\), got 0\.5$/],
    ['a MultiDiscrete value out of range', { ...good(), regime: Int32Array.of(2, 0) }, /^observation\.regime must be a member of MultiDiscrete\(\[2, 3\]\), got Int32Array\(2\) \[2, 0\]$/],
    ['a MultiBinary value of 2', { ...good(), flags: Int8Array.of(2, 0) }, /^observation\.flags must be a member of MultiBinary\(\[2\]\), got Int8Array\(2\) \[2, 0\]$/],
    ['a nested Dict that is not an object', withAccount(3), /^observation\.account must be an object with the keys cash, position, got 3$/],
    ['an observation that is not an object', null, /^observation must be an object with the keys account, flags, regime, window, got null$/],
  ])('%s, as a DataValidationError naming the key', (_name, obs, message) => {
    const env = new FlattenObservation(new DictEnv());
    expect(() => env.observation(obs as DictValue<SpaceRecord>)).toThrow(DataValidationError);
    expect(() => env.observation(obs as DictValue<SpaceRecord>)).toThrow(message);
  });

  it('a Tuple value that is not an array of the right length', () => {
    const space = new DictSpace({ t: new TupleSpace([new Discrete(2), new Discrete(2)]) });
    expect(() => flatOf(space, { t: [0] })).toThrow(/^observation\.t must be an array of 2 values, got \[0\]$/);
    expect(() => flatOf(space, { t: [0, 2] })).toThrow(/^observation\.t\.1 must be a member of Discrete\(2\), got 2$/);
  });

  it('a bad observation from the inner env, on reset and on step', () => {
    const space = new DictSpace({ p: new Discrete(2), q: new Box(0, 1, [1]) });
    const env = new FlattenObservation(new ListEnv(space, [{ p: 0, q: Float32Array.of(0.5) }, { p: 0, q: Float32Array.of(NaN) }]));
    expect(Array.from(env.reset().observation)).toEqual([1, 0, 0.5]);
    expect(() => env.step(0)).toThrow(/^observation\.q\[0\] must be a number in \[0, 1\], got NaN$/);
    const noKey = new FlattenObservation(new ListEnv(space, [{ p: 0 }]));
    expect(() => noKey.reset()).toThrow(/^observation\.q must be a member of Box\(0, 1, \[1\], float32\), got undefined$/);
  });
});

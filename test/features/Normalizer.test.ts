import { describe, expect, it } from 'vitest';
import { FeatureFrame, InvalidArgumentError, Normalizer, NotFittedError } from '../../src/index.js';

const frame = (cols: Record<string, number[]>) => {
  const names = Object.keys(cols);
  const n = cols[names[0]!]!.length;
  return new FeatureFrame(Float64Array.from({ length: n }, (_, i) => i), names, names.map((k) => Float64Array.from(cols[k]!)));
};

describe('Normalizer', () => {
  it('zscore: population mean and std of the training split only', () => {
    // train x = 1, 2, 3, 4: mean 2.5, population std sqrt(1.25)
    const train = frame({ x: [1, 2, 3, 4] });
    const test = frame({ x: [10] });
    const n = new Normalizer().fit(train);
    expect(n.transform(test).column('x')[0]).toBeCloseTo((10 - 2.5) / Math.sqrt(1.25), 14);
  });

  it('a constant column has a standard deviation of exactly 0 and is only centred', () => {
    const n = new Normalizer().fit(frame({ c: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] }));
    expect(Array.from(n.transform(frame({ c: [0.1, 0.3] })).column('c'))).toEqual([0, 0.3 - 0.1]);
  });

  it('minmax maps the training range to [0, 1]; robust uses median and IQR (linear quartiles)', () => {
    const train = frame({ x: [2, 4, 6, 8, 100] });
    expect(Array.from(new Normalizer({ method: 'minmax' }).fit(train).transform(frame({ x: [2, 51, 100] })).column('x'))).toEqual([0, 0.5, 1]);
    // numpy: median 6, q25 = 4, q75 = 8 -> IQR 4
    expect(new Normalizer({ method: 'robust' }).fit(train).transform(frame({ x: [14] })).column('x')[0]).toBe(2);
  });

  it('ignores NaN warm-up rows when fitting and keeps them NaN', () => {
    const n = new Normalizer({ method: 'minmax' }).fit(frame({ x: [Number.NaN, 0, 10] }));
    expect(Array.from(n.transform(frame({ x: [Number.NaN, 5] })).column('x'))).toEqual([Number.NaN, 0.5]);
  });

  it('preserves chosen columns and clips', () => {
    const n = new Normalizer({ preserve: ['keep'], clip: 1 }).fit(frame({ x: [0, 1, 2, 3], keep: [5, 6, 7, 8] }));
    const out = n.transform(frame({ x: [100, -100], keep: [42, 43] }));
    expect(Array.from(out.column('x'))).toEqual([1, -1]);
    expect(Array.from(out.column('keep'))).toEqual([42, 43]);
  });

  it('round-trips through JSON and transforms identically', () => {
    const train = frame({ a: [1, 5, 9, 2], b: [0.1, 0.2, 0.3, 0.5] });
    const n = new Normalizer({ method: 'robust', clip: [-3, 3] }).fit(train);
    const copy = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
    const x = frame({ a: [7, -4], b: [1, 0] });
    expect(copy.transform(x).columns).toEqual(n.transform(x).columns);
  });

  it.each([
    [() => new Normalizer().transform(frame({ x: [1] })), NotFittedError, /transform\(\) called before fit\(\)/],
    [() => new Normalizer().fit(frame({ x: [1, 2] })).transform(frame({ y: [1] })), Error, /name must be a feature column, got "x"; columns: y/],
    [() => new Normalizer({ method: 'l2' as never }), Error, /method must be one of 'zscore', 'minmax', 'robust', got "l2"/],
    [() => new Normalizer({ clip: [1, 0] }), Error, /clip must be a finite number > 0 or \[lo, hi\] with lo < hi/],
    [() => new Normalizer().fit(frame({ x: [Number.NaN] })), Error, /column "x" has no finite value to fit/],
  ])('rejects misuse %#', (call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });
});

describe('Normalizer options hold numbers and values, never null for a default', () => {
  const train = frame({ x: [0, 1, 2, 3] }); // mean 1.5, population std sqrt(1.25)
  it.each([
    ['string bounds', { clip: ['-1', '1'] }, /clip must be a finite number > 0 or \[lo, hi\] with lo < hi \(two numbers\), got \["-1","1"\]/],
    ['one string bound', { clip: [1, '10'] }, /clip must be .*got \[1,"10"\]/],
    ['a NaN bound', { clip: [Number.NaN, 1] }, /clip must be .*got \[null,1\]/],
    ['three bounds', { clip: [0, 1, 2] }, /clip must be .*got \[0,1,2\]/],
    ['a null method', { method: null }, /options\.method must be a value, or left out for the default, got null/],
    ['a null preserve', { preserve: null }, /options\.preserve must be a value/],
    ['a null clip', { clip: null }, /options\.clip must be a value/],
  ])('rejects %s', (_name, options, message) => {
    // old code stored ['-1', '1'] as given: then v < '-1' compared numbers with strings
    expect(() => new Normalizer(options as never)).toThrow(InvalidArgumentError); // deliberately invalid: past the type
    expect(() => new Normalizer(options as never)).toThrow(message);
  });

  it('clips one side with an infinite bound', () => {
    const n = new Normalizer({ clip: [-Infinity, 0.5] }).fit(train);
    // z = (x - 1.5) / sqrt(1.25): -1.342, -0.447, 0.447, 1.342 -> the last clipped to 0.5
    const z = Array.from(n.transform(train).column('x'));
    expect(z[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 12);
    expect(z[3]).toBe(0.5);
  });

  it('fromJSON: clip null means none; a missing key or another falsy clip is malformed', () => {
    const json = new Normalizer().fit(train).toJSON();
    expect(json.clip).toBeNull();
    expect(Normalizer.fromJSON(JSON.parse(JSON.stringify(json))).clip).toBeNull();
    // old code read any falsy clip (0, '') as "no clip"
    expect(() => Normalizer.fromJSON({ ...json, clip: 0 } as never)).toThrow(/clip must be a finite number > 0/);
    const noMethod: { method?: unknown } = { ...json };
    delete noMethod.method;
    expect(() => Normalizer.fromJSON(noMethod as never)).toThrow(/json\.method must be given, got undefined/);
    expect(() => Normalizer.fromJSON({ ...json, method: null } as never)).toThrow(/json\.method must be a value/);
  });
});

describe('Normalizer.transformRow: one live row, as transform scales a frame', () => {
  const train = frame({ x: [1, 2, 3, 4], keep: [5, 6, 7, 8], y: [0, 0.5, 10, -3] });

  it.each([
    ['zscore', new Normalizer({ preserve: ['keep'] })],
    ['minmax clipped to [-1, 1]', new Normalizer({ method: 'minmax', preserve: ['keep'], clip: 1 })],
    ['robust clipped on one side', new Normalizer({ method: 'robust', preserve: ['keep'], clip: [-Infinity, 0.5] })],
  ])('%s: each row equals that row of transform(frame), bit for bit, NaN included', (_name, norm) => {
    norm.fit(train);
    const test = frame({ x: [Number.NaN, 0.3, 1e6, -7], keep: [1, 2, 3, 4], y: [4, Number.NaN, -0, 0.25] });
    const whole = norm.transform(test);
    for (let i = 0; i < test.length; i++) {
      const row = norm.transformRow(Float64Array.from(test.columns, (c) => c[i]!), test.names);
      whole.columns.forEach((c, j) => expect(Object.is(row[j], c[i]), `${test.names[j]} row ${i}`).toBe(true));
    }
  });

  it('takes the columns in any order, by name', () => {
    const norm = new Normalizer({ method: 'minmax' }).fit(frame({ a: [0, 10], b: [0, 2] }));
    expect(Array.from(norm.transformRow(Float64Array.of(1, 5), ['b', 'a']))).toEqual([0.5, 0.5]);
  });

  it('plans once per frozen list of names, and again after a new fit', () => {
    const names = Object.freeze(['a']);
    const norm = new Normalizer({ method: 'minmax' }).fit(frame({ a: [0, 10] }));
    expect(norm.transformRow(Float64Array.of(5), names)[0]).toBe(0.5);
    norm.fit(frame({ a: [0, 100] }));
    expect(norm.transformRow(Float64Array.of(5), names)[0]).toBe(0.05);
  });

  it.each([
    [() => new Normalizer().transformRow(Float64Array.of(1), ['x']), NotFittedError, /transformRow\(\) called before fit\(\)/],
    [() => new Normalizer().fit(train).transformRow(Float64Array.of(1, 2), ['x', 'keep', 'y']), InvalidArgumentError, /row must be a Float64Array of 3 values \(one per name\), got Float64Array\(2\) \[1, 2\]/],
    [() => new Normalizer().fit(train).transformRow([1, 2, 3] as never, ['x', 'keep', 'y']), InvalidArgumentError, /row must be a Float64Array of 3 values/],
    [() => new Normalizer().fit(train).transformRow(Float64Array.of(1, 2), ['x', 'y']), InvalidArgumentError, /name must be a feature column, got "keep"; columns: x, y/],
    [() => new Normalizer({ preserve: ['keep'] }).fit(train).transformRow(Float64Array.of(1, 2, 3, 4), ['x', 'keep', 'y', 'z']), InvalidArgumentError, /names has column "z", which the normaliser was not fitted on/],
    [() => new Normalizer().fit(train).transformRow(Float64Array.of(1), 'x' as never), InvalidArgumentError, /names must be an array of column names, got "x"/],
  ])('rejects misuse %#', (call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });
});

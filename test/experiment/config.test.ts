// The experiment config: the example configs parse; bad values are refused naming the key path
// and the value; and the exported JSON Schema is real JSON Schema: an independent validator
// (Ajv, draft 2020-12) accepts and refuses exactly the configs ours does, over many random
// mutations of valid configs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { ConfigError, experimentJsonSchema, parseExperimentConfig, parseExperimentText, setConfigPath, type ExperimentConfig } from '../../src/experiment/index.js';
import { validate } from '../../src/experiment/schema.js';

const CONFIGS = join(import.meta.dirname, '..', '..', 'examples', 'configs');
const base = (): ExperimentConfig => ({
  data: { synthetic: { preset: 'crypto-15m', numSamples: 2000, seed: 1 } },
  agent: { algo: 'PPO', options: { nSteps: 128 } },
  train: { totalTimesteps: 1000 },
});

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('experiment config', () => {
  it('parses every example config', () => {
    const files = readdirSync(CONFIGS).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const c = parseExperimentText(readFileSync(join(CONFIGS, f), 'utf8'), f);
      expect(c.agent.algo).toMatch(/PPO|A2C|DQN|QRDQN|SAC|RecurrentPPO/);
    }
  });

  it.each([
    ['an unknown top-level key', { ...base(), trian: {} }, 'trian', /unknown key \(the keys here: \$schema, name, seed, data/],
    ['an unknown nested key', { ...base(), data: { synthetic: { preset: 'crypto-15m', numSamples: 10, sed: 3 } } }, 'data.synthetic.sed', /unknown key/],
    ['a wrong type', { ...base(), train: { totalTimesteps: 'many' } }, 'train.totalTimesteps', /expected an integer >= 1, got "many"/],
    ['a value out of range', { ...base(), data: { synthetic: { preset: 'crypto-15m', numSamples: 0 } } }, 'data.synthetic.numSamples', /expected an integer >= 1, got 0/],
    ['a missing key', { data: base().data, agent: { algo: 'PPO' } }, 'train', /is required/],
    ['two data sources', { ...base(), data: { synthetic: { preset: 'crypto-15m', numSamples: 10 }, csv: { path: 'x.csv' } } }, 'data', /exactly one of synthetic, csv, ccxt, got synthetic and csv/],
    ['no data source', { ...base(), data: {} }, 'data', /exactly one of synthetic, csv, ccxt, got none/],
    ['an unknown algorithm', { ...base(), agent: { algo: 'PPO2' } }, 'agent.algo', /one of "PPO", "A2C", "DQN", "QRDQN", "SAC", "RecurrentPPO", got "PPO2"/],
    ["a misspelt option of the agent's", { ...base(), agent: { algo: 'PPO', options: { nStep: 64 } } }, 'agent.options.nStep', /unknown key \(the keys here: learningRate, nSteps/],
    ["an option of another algorithm's", { ...base(), agent: { algo: 'DQN', options: { nSteps: 64 } } }, 'agent.options.nSteps', /unknown key/],
    ['an option of the wrong type', { ...base(), agent: { algo: 'A2C', options: { normalizeAdvantage: 'yes' } } }, 'agent.options.normalizeAdvantage', /expected a boolean, got "yes"/],
    ['a feature spec without a name', { ...base(), features: { pipeline: ['rsi', { period: 3 }] } }, 'features.pipeline[1].name', /is required/],
    ['no test split left', { ...base(), split: { train: 0.7, validation: 0.3 } }, 'split.validation', /must leave a test split/],
    ['tune without a validation split', { ...base(), tune: { space: { 'agent.options.gamma': { type: 'uniform', low: 0.9, high: 0.99 } }, nTrials: 3 } }, 'split.validation', /required by tune/],
    ['an empty search space', { ...base(), split: { train: 0.6, validation: 0.2 }, tune: { space: {}, nTrials: 3 } }, 'tune.space', /at least 1 key/],
    ['a bad search-space entry', { ...base(), split: { train: 0.6, validation: 0.2 }, tune: { space: { 'agent.options.gamma': { type: 'normal' } }, nTrials: 3 } }, 'tune.space.agent.options.gamma.type', /one of "uniform"/],
    ['redis without a url', { ...base(), split: { train: 0.6, validation: 0.2 }, tune: { space: { 'agent.options.gamma': { type: 'uniform', low: 0.9, high: 0.99 } }, nTrials: 3, executor: { type: 'redis' } } }, 'tune.executor.url', /required by the redis executor/],
    ['a search over what trials are scored on', { ...base(), split: { train: 0.6, validation: 0.2 }, tune: { space: { 'split.train': { type: 'uniform', low: 0.5, high: 0.7 } }, nTrials: 3 } }, 'tune.space.split.train', /must be a key under agent\., env\., features\. or train\./],
    ['a search over a key the config refuses', { ...base(), split: { train: 0.6, validation: 0.2 }, tune: { space: { 'agent.options.nStepz': { type: 'int', low: 64, high: 128 } }, nTrials: 3 } }, 'tune.space.agent.options.nStepz', /sets a key the config refuses: agent\.options\.nStepz: unknown key/],
    ['a name that is a path', { ...base(), name: '../escaped' }, 'name', /must be a folder name/],
    ['evaluation less often than training lasts', { ...base(), evaluation: { every: 5000 } }, 'evaluation.every', /at most train.totalTimesteps \(1000\), got 5000/],
  ])('refuses %s, naming the key path', (_what, config, path, message) => {
    const e = configError(() => parseExperimentConfig(config, 'my.yaml'));
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`my.yaml: ${path}: `)).toBe(true);
    expect(e.source).toBe('my.yaml');
  });

  it('names the line of a YAML syntax error, and refuses duplicate keys', () => {
    const e = configError(() => parseExperimentText('data:\n  synthetic: { preset: crypto-15m\nagent: x\n', 'a.yaml'));
    expect(e.message).toMatch(/^a\.yaml: config: not valid YAML or JSON at line \d+, column \d+/);
    const d = configError(() => parseExperimentText('seed: 1\nseed: 2\n', 'b.yaml'));
    expect(d.message).toMatch(/not valid YAML or JSON at line 2/);
  });

  it('reads JSON text as well', () => {
    const c = parseExperimentText(JSON.stringify(base()));
    expect(c).toEqual(base());
  });

  it('sets a key path in a copy, and refuses paths that cannot be set', () => {
    const c = base();
    const d = setConfigPath(c, 'agent.options.learningRate', 0.001);
    expect(d.agent.options).toEqual({ nSteps: 128, learningRate: 0.001 });
    expect(c.agent.options).toEqual({ nSteps: 128 }); // not changed
    expect(setConfigPath(c, 'evaluation.metric', 'return').evaluation).toEqual({ metric: 'return' });
    expect(configError(() => setConfigPath(c, 'agent.algo.x', 1)).message).toMatch(/agent\.algo: is not an object \(it holds "PPO"\)/);
    expect(configError(() => setConfigPath(c, '__proto__.polluted', 1)).path).toBe('__proto__.polluted');
    expect(configError(() => setConfigPath(c, 'a..b', 1)).message).toMatch(/not a key path/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('the JSON Schema', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
    const schema = experimentJsonSchema();
    const check = ajv.compile(schema);

    it('is a valid draft 2020-12 schema that Ajv compiles in strict mode', () => {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(check(base())).toBe(true);
    });

    /** Ours says yes or no (the schema alone, without the cross-key rules parseExperimentConfig adds). */
    const ours = (v: unknown) => {
      try {
        validate(schema, v, '', undefined);
        return true;
      } catch (e) {
        if (e instanceof ConfigError) return false;
        throw e;
      }
    };

    const valid: unknown[] = [
      base(),
      ...readdirSync(CONFIGS).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => parseExperimentText(readFileSync(join(CONFIGS, f), 'utf8'))),
    ];
    const strange = [null, 'text', -1, 0.5, 7, true, [], [1], {}, { x: 1 }, 'PPO', 'tpe', 1e9];

    /** Every key path in a value (objects and arrays). */
    function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
      if (v === null || typeof v !== 'object') return [at];
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
      return [at, ...entries.flatMap(([k, x]) => paths(x, [...at, k]))];
    }
    function mutate(v: unknown, rng: Rng): unknown {
      const copy = structuredClone(v) as Record<string | number, unknown>;
      const all = paths(copy).filter((p) => p.length > 0);
      const p = all[rng.integer(0, all.length)] as (string | number)[];
      const parent = p.slice(0, -1).reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy);
      const key = p.at(-1) as string | number;
      const kind = rng.integer(0, 4);
      if (kind === 0 && !Array.isArray(parent)) delete parent[key];
      else if (kind === 1 && !Array.isArray(parent)) parent[`${String(key)}X`] = parent[key];
      else parent[key] = strange[rng.integer(0, strange.length)];
      return copy;
    }

    it('accepts and refuses exactly what Ajv does, over 3,000 random mutations of valid configs', () => {
      const rng = new Rng(7);
      let refused = 0;
      for (let i = 0; i < 3000; i++) {
        let v = valid[i % valid.length];
        const n = 1 + rng.integer(0, 3);
        for (let k = 0; k < n; k++) v = mutate(v, rng);
        const a = check(v);
        const b = ours(v);
        if (a !== b) throw new Error(`Ajv says ${a}, ours ${b}, for ${JSON.stringify(v)}\n${JSON.stringify(check.errors)}`);
        if (!a) refused++;
      }
      // both outcomes are well represented
      expect(refused).toBeGreaterThan(1000);
      expect(refused).toBeLessThan(2900);
    });
  });
});

describe('docs/tradegym.schema.json', () => {
  it('is the schema the code exports (regenerate it with `npx tradegym schema --out docs/tradegym.schema.json`)', () => {
    const file = join(import.meta.dirname, '..', '..', 'docs', 'tradegym.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(experimentJsonSchema());
  });
});

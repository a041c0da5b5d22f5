// After `npm run build`: the published entry points work for both module systems.
// Loads dist/ through the package's own "exports" map (self-reference by name).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const esm = await import('tradegym');
const cjs = createRequire(import.meta.url)('tradegym');

for (const [kind, lib] of [['esm', esm], ['cjs', cjs]]) {
  const env = lib.make('CartPole-v1');
  const first = env.reset({ seed: 3 }).observation;
  assert.ok(first instanceof Float32Array, `${kind}: observation is a Float32Array`);
  assert.equal(env.step(1).reward, 1, `${kind}: CartPole rewards 1 per step`);
  assert.equal(new lib.Rng(1).uniform(), new lib.Rng(1).uniform(), `${kind}: Rng is seeded`);
  assert.throws(() => new lib.Discrete(0), lib.InvalidArgumentError, `${kind}: typed errors`);
}
// both builds draw the same numbers from the same seed
assert.deepEqual(
  Array.from(esm.make('CartPole-v1').reset({ seed: 9 }).observation),
  Array.from(cjs.make('CartPole-v1').reset({ seed: 9 }).observation),
);
console.log('dist smoke test: ESM and CJS entry points work');

// CartPole steps per second: the raw env, make('CartPole-v1') (TimeLimit), and
// SyncVectorEnv of 8, every action sampled from the action space as in the reference
// measurement of Gymnasium (405,000 steps/s unwrapped, 208,000 through gym.make).
import { CartPole, make, SyncVectorEnv, TimeLimit } from '../src/index.js';
import { medianRate, stepLoop } from './timing.js';

const N = 2_000_000;


const raw = medianRate(stepLoop(new CartPole()), N);
const made = medianRate(stepLoop(make('CartPole-v1')), N);

const vec = new SyncVectorEnv(Array.from({ length: 8 }, () => () => new TimeLimit(new CartPole(), 500)));
vec.reset({ seed: 0 });
vec.actionSpace.seed(0);
const vectorRate = medianRate((n) => {
  for (let i = 0; i < n / 8; i++) vec.step(vec.actionSpace.sample());
}, N);

const gymUnwrapped = 405_000;
const gymMake = 208_000;
console.log(
  JSON.stringify({
    benchmark: 'env-step',
    node: process.version,
    stepsPerSecond: { raw: raw.perSecond, make: made.perSecond, syncVector8: vectorRate.perSecond },
    vsGymnasium: {
      raw: +(raw.perSecond / gymUnwrapped).toFixed(1),
      make: +(made.perSecond / gymMake).toFixed(1),
    },
    goal: '>= 20x Gymnasium (raw >= 8,100,000; make >= 4,160,000)',
    runs: { raw: raw.runs, make: made.runs, syncVector8: vectorRate.runs },
  }),
);

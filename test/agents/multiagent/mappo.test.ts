import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C, MultiAgentTrainer, PPO, tcnExtractor, useBackend, type MultiAgentOptions } from '../../../src/agents/index.js';
import { InvalidArgumentError } from '../../../src/index.js';
import { PartnerBitGame, XorGame } from './games.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// the XOR test's settings (gamma 0: each step is its own bandit), rollouts of 32 parallel steps
const BIT_PPO = { nSteps: 32, batchSize: 64, nEpochs: 4, learningRate: 1e-3, gamma: 0, activation: 'relu' } as const;
/** The partner-bit game's luck: the unseen half of the reward has standard deviation LUCK / 2 = 2. */
const LUCK = 4;
/** The budget per seed, in agent steps (2,048 parallel steps). */
const BIT_BUDGET = 4096;

/**
 * The probability that both agents answer their own bit, estimated from 200 sampled actions
 * per (agent, bit): the policy's expected skill reward per step (1 at the optimum, 0.5 at random).
 */
function skill(t: MultiAgentTrainer<'a' | 'b', number>): number {
  let ok = 0;
  for (let i = 0; i < 200; i++) {
    for (const x of [0, 1]) {
      const act = t.predict({ a: Float32Array.of(x), b: Float32Array.of(x) });
      ok += (act.a === x ? 1 : 0) + (act.b === x ? 1 : 0);
    }
  }
  return ok / 800;
}

async function partnerBit(centralCritic: boolean, seed: number): Promise<MultiAgentTrainer<'a' | 'b', number>> {
  const t = new MultiAgentTrainer<'a' | 'b', number>(() => new PartnerBitGame(LUCK), { policies: { p: { options: BIT_PPO, centralCritic } }, seed });
  await t.learn({ totalTimesteps: BIT_BUDGET });
  return t;
}

describe('MAPPO: a centralised critic on the partner-bit game (the team reward holds luck x the partner bit, which only the global state shows)', () => {
  it(`learns to answer each bit (skill >= 0.95) in >= 4 of 5 seeds within ${BIT_BUDGET} agent steps, where IPPO does in at most 1`, async () => {
    let mappo = 0;
    let ippo = 0;
    for (let seed = 0; seed < 5; seed++) {
      for (const central of [true, false]) {
        const t = await partnerBit(central, seed);
        const solved = skill(t) >= 0.95 ? 1 : 0;
        if (central) mappo += solved;
        else ippo += solved;
        t.dispose();
      }
    }
    // measured by bench/marl-mappo.ts at 4,096 agent steps: MAPPO 0.96-1.00 in every seed, IPPO 0.74-0.84
    expect(mappo).toBeGreaterThanOrEqual(4);
    expect(ippo).toBeLessThanOrEqual(1);
  });

  it("its critic reads [state, own observation]: V differs by about luck between the partner's bits, the actor reads the observation alone", async () => {
    const t = await partnerBit(true, 0);
    const ppo = t.policy('p') as PPO<number>;
    expect(ppo.policy.spec.obsSize).toBe(1);
    expect(ppo.policy.spec.criticObsSize).toBe(2 + 1);
    // V(state, own) for agent a with own bit x: E[reward] = skill + luck (x + partner - 1)
    const v = ppo.valuesOf(Float32Array.of(1, 0, 1, 1, 1, 1), 2);
    expect((v[1] as number) - (v[0] as number)).toBeGreaterThan(LUCK - 1);
    expect((v[1] as number) - (v[0] as number)).toBeLessThan(LUCK + 1);
    // the rollout's state column holds [bitA, bitB, own bit] in each live row
    const buf = ppo.rolloutBuffer;
    const states = buf.states as Float32Array;
    for (let row = 0; row < buf.nSteps * buf.nEnvs; row++) {
      const [x, y, own] = Array.from(states.subarray(row * 3, row * 3 + 3));
      expect(own).toBe(row % 2 === 0 ? x : y); // column 0 is agent a, column 1 agent b
      expect(buf.observations[row]).toBe(own);
    }
    t.dispose();
  });

  it('trains the same on tfjs autodiff as on the typed kernels (one loss, two gradient paths)', async () => {
    const run = async (compute: 'js' | 'tfjs') => {
      const t = new MultiAgentTrainer<'a' | 'b', number>(() => new PartnerBitGame(), { policies: { p: { options: { ...BIT_PPO, nSteps: 16, batchSize: 16, nEpochs: 2, compute }, centralCritic: true } }, seed: 5 });
      await t.learn({ totalTimesteps: 64 });
      const w = Float32Array.from(t.policy('p').policy.params.dataSync());
      t.dispose();
      return w;
    };
    const typed = await run('js');
    const auto = await run('tfjs');
    // float32 rounding apart, the same trajectory: the actions sampled from the same RNG agree
    let worst = 0;
    typed.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (auto[i] as number)))));
    expect(worst).toBeLessThan(1e-4);
  });

  it('keeps the tensor count flat across learn(), and saves and loads the centralised critic', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tradegym-mappo-'));
    try {
      const t = new MultiAgentTrainer<'a' | 'b', number>(() => new PartnerBitGame(), { policies: { p: { options: { ...BIT_PPO, nSteps: 8, batchSize: 16 }, centralCritic: true, agentIdInput: true } }, seed: 2 });
      const before = tf.memory().numTensors;
      await t.learn({ totalTimesteps: 64 });
      expect(tf.memory().numTensors).toBe(before);
      expect(t.policy('p').policy.spec.criticObsSize).toBe(2 + 1 + 2);
      await t.save(dir);
      const u = await MultiAgentTrainer.load(dir, () => new PartnerBitGame());
      expect(u.policy('p').policy.spec).toEqual(t.policy('p').policy.spec);
      expect(Array.from(u.policy('p').policy.params.dataSync())).toEqual(Array.from(t.policy('p').policy.params.dataSync()));
      await u.learn({ totalTimesteps: 32 });
      u.dispose();
      t.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a pretrained policy brought in frozen ({ policy })', () => {
  it('acts for its agents, is left out of the default policiesToTrain, never changes, and is not disposed by the trainer', async () => {
    const stage1 = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { a: { options: { nSteps: 16, batchSize: 16 } }, b: {} }, policyMappingFn: (a) => a, seed: 0 });
    await stage1.learn({ totalTimesteps: 64 });
    const pretrained = stage1.policy('a');
    const w0 = Array.from(pretrained.policy.params.dataSync());
    const steps0 = pretrained.numTimesteps;
    const t = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { a: { policy: pretrained, deterministic: true }, b: { options: { nSteps: 16, batchSize: 16 } } }, policyMappingFn: (a) => a, seed: 1 });
    expect(t.policy('a')).toBe(pretrained);
    const b0 = Array.from(t.policy('b').policy.params.dataSync());
    const records: Record<string, number>[] = [];
    await t.learn({ totalTimesteps: 96, callback: (r) => void records.push({ ...r }) });
    expect(Array.from(t.policy('b').policy.params.dataSync())).not.toEqual(b0);
    expect(Array.from(pretrained.policy.params.dataSync())).toEqual(w0);
    expect(pretrained.numTimesteps).toBe(steps0);
    // its agents' episodes are logged under its id; deterministic: the trainer acts as its predict does
    expect(records.some((r) => 'a/rollout/ep_rew_mean' in r)).toBe(true);
    const obs = Float32Array.of(1, 0);
    expect(t.predict({ a: obs }, { deterministic: true }).a).toBe(pretrained.predict(obs, { deterministic: true }));
    t.dispose();
    expect(() => pretrained.predict(obs)).not.toThrow(); // still the caller's
    stage1.dispose();
  });

  it.each<[string, (p: PPO<number>) => MultiAgentOptions<'a' | 'b'>, RegExp]>([
    ['in policiesToTrain', (p) => ({ policies: { a: { policy: p }, b: {} }, policyMappingFn: (a) => a, policiesToTrain: ['a', 'b'] }), /policiesToTrain must be policy ids without a pretrained `policy` object \("a" is one/],
    ['with options', (p) => ({ policies: { a: { policy: p, options: { nSteps: 8 } }, b: {} }, policyMappingFn: (a) => a }), /policies.a.options must be left out with a pretrained policy/],
    ['reading another observation length', (p) => ({ policies: { a: { policy: p, agentIdInput: true }, b: {} }, policyMappingFn: (a) => a }), /policies.a.policy reads observations of length 2, but its agents \(a\) give 3 with the one-hot/],
    ['not a PPO or an A2C', () => ({ policies: { a: { policy: {} as never }, b: {} }, policyMappingFn: (a) => a }), /policies.a.policy must be a trained PPO or A2C/],
    ['a centralised critic on A2C', () => ({ policies: { p: { algorithm: 'A2C', centralCritic: true } } }), /policies.p.centralCritic must be used with algorithm 'PPO'/],
  ])('is refused %s, with a typed error and no tensor left', async (_name, options, message) => {
    const stage1 = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { a: {} }, seed: 0 });
    const p = stage1.policy('a') as PPO<number>;
    const before = tf.memory().numTensors;
    const build = () => new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), options(p));
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => p.predict(Float32Array.of(0, 1))).not.toThrow(); // a failed build leaves the caller's policy alone
    stage1.dispose();
  });

  it('a centralised critic on an env without a global state, or with a features extractor, is refused', () => {
    expect(() => new MultiAgentTrainer(() => new XorGame(), { policies: { p: { centralCritic: true } } })).toThrow(/policies.p.centralCritic needs an env with a global state/);
    const before = tf.memory().numTensors;
    const extractor = () => new MultiAgentTrainer(() => new PartnerBitGame(), { policies: { p: { centralCritic: true, options: { featuresExtractor: tcnExtractor({ channels: [4] }) } } } });
    expect(extractor).toThrow(/policy "p": featuresExtractor must be left out with a centralised critic/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('staged training: MultiAgentTrainer.load with another policiesToTrain', () => {
  it('stage 2 loads the stage-1 trainer and trains only the policies it names', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tradegym-stages-'));
    try {
      const quick = { nSteps: 16, batchSize: 16 };
      const stage1 = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { specialist: { options: quick }, meta: { algorithm: 'A2C', options: { nSteps: 8 } } }, policyMappingFn: (a) => (a === 'a' ? 'specialist' : 'meta'), policiesToTrain: ['specialist'], seed: 0 });
      await stage1.learn({ totalTimesteps: 64 });
      await stage1.save(dir);
      const stage2 = await MultiAgentTrainer.load(dir, () => new XorGame(), { policyMappingFn: (a: 'a' | 'b') => (a === 'a' ? 'specialist' : 'meta'), policiesToTrain: ['meta'] });
      const s0 = Array.from(stage2.policy('specialist').policy.params.dataSync());
      const m0 = Array.from(stage2.policy('meta').policy.params.dataSync());
      expect(s0).toEqual(Array.from(stage1.policy('specialist').policy.params.dataSync()));
      await stage2.learn({ totalTimesteps: 64 });
      expect(Array.from(stage2.policy('specialist').policy.params.dataSync())).toEqual(s0);
      expect(Array.from(stage2.policy('meta').policy.params.dataSync())).not.toEqual(m0);
      await expect(MultiAgentTrainer.load(dir, () => new XorGame(), { policyMappingFn: (a: 'a' | 'b') => (a === 'a' ? 'specialist' : 'meta'), policiesToTrain: ['boss'] })).rejects.toThrow(/policiesToTrain must be policy ids among specialist, meta/);
      stage2.dispose();
      stage1.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stage 2 can also take a stage-1 policy object frozen, next to a new meta-agent', async () => {
    const stage1 = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { p: { options: { nSteps: 16, batchSize: 16 } } }, seed: 0 });
    await stage1.learn({ totalTimesteps: 32 });
    const stage2 = new MultiAgentTrainer<'a' | 'b', number>(() => new XorGame(), { policies: { specialist: { policy: stage1.policy('p') }, meta: { algorithm: 'A2C', options: { nSteps: 8 } } }, policyMappingFn: (a) => (a === 'a' ? 'specialist' : 'meta'), seed: 0 });
    expect(stage2.policyIds).toEqual(['specialist', 'meta']);
    await stage2.learn({ totalTimesteps: 32 });
    stage2.dispose();
    expect(stage1.policy('p')).toBeInstanceOf(PPO);
    expect(stage1.policy('p')).not.toBeInstanceOf(A2C);
    stage1.dispose();
  });
});

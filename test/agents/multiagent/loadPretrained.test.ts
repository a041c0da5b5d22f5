import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import type { RngState } from '../../../src/core/Rng.js';
import { Rng } from '../../../src/core/Rng.js';
import { A2C, MultiAgentTrainer, PPO, useBackend, type MultiAgentOptions } from '../../../src/agents/index.js';
import { Game, PartnerBitGame, type AgentEnd } from './games.js';
import { tempDirPerTest } from '../../helpers/tempDir.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const dir = tempDirPerTest('tradegym-marl-load-');

type Agent = 'a' | 'b';
const mapping = (a: Agent) => a;
const envFn = () => new PartnerBitGame(2, 7); // episodes of 7 steps: saves fall mid-episode

/** A log record without its wall-clock entry. */
const timeless = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'time/fps'));
const weights = (agent: PPO<number> | A2C<number>) => Array.from(agent.policy.params.dataSync());

/** Every policy's weights, the counters and the next deterministic and sampled actions. */
function fingerprint(t: MultiAgentTrainer<Agent, number>): unknown {
  const obs = { a: Float32Array.of(1), b: Float32Array.of(0) };
  return {
    weights: t.policyIds.map((id) => weights(t.policy(id))),
    steps: [t.numTimesteps, ...t.policyIds.map((id) => t.policy(id).numTimesteps)],
    sampled: Array.from({ length: 8 }, () => t.predict(obs)),
  };
}

/**
 * A policy for agent a trained elsewhere: a PPO on 2 env copies (its batchSize fits 2 copies,
 * not 1) or an A2C, barely trained so its samples and its most likely actions differ.
 */
async function pretrain(algorithm: 'PPO' | 'A2C'): Promise<{ policy: PPO<number> | A2C<number>; release: () => void }> {
  const options = algorithm === 'PPO' ? { nSteps: 8, batchSize: 16, nEpochs: 1 } : { nSteps: 4 };
  const stage1 = new MultiAgentTrainer<Agent, number>(envFn, { policies: { a: { algorithm, options }, b: { algorithm: 'A2C', options: { nSteps: 4 } } }, policyMappingFn: mapping, numEnvs: 2, seed: 11 });
  await stage1.learn({ totalTimesteps: 32 });
  return { policy: stage1.policy('a'), release: () => stage1.dispose() };
}

describe('MultiAgentTrainer.load rebuilds a pretrained policy ({ policy, deterministic }) to act as before', () => {
  it.each<['PPO' | 'A2C', boolean]>([
    ['PPO', true],
    ['PPO', false],
    ['A2C', true],
    ['A2C', false],
  ])('a frozen %s with deterministic %s, saved in the middle of learn(): the loaded run continues bit for bit, its weights unchanged', async (algorithm, deterministic) => {
    const { policy: pretrained, release } = await pretrain(algorithm);
    const w0 = weights(pretrained);
    const options: MultiAgentOptions<Agent> = { policies: { a: { policy: pretrained, deterministic }, b: { algorithm: 'A2C', options: { nSteps: 5 } } }, policyMappingFn: mapping, seed: 3 };
    const total = 80;
    const u = new MultiAgentTrainer<Agent, number>(envFn, options);
    const after: Record<string, number>[] = [];
    let savedAt = -1;
    await u.learn({
      totalTimesteps: total,
      callback: {
        onRolloutEnd: async ({ record: r }) => {
          if (savedAt >= 0) after.push(timeless(r));
          else if (r['time/total_timesteps'] === 20) {
            await u.save(dir()); // parallel step 10: the episode at step 3 of 7
            savedAt = u.numTimesteps;
          }
        },
      },
    });
    expect(savedAt).toBe(20);
    expect(after.length).toBeGreaterThan(3);
    const before = tf.memory().numTensors;
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping });
    const loaded = r.policy('a');
    expect(loaded).not.toBe(pretrained); // rebuilt from the checkpoint: the trainer's own
    expect(loaded).toBeInstanceOf(algorithm === 'PPO' ? PPO : A2C);
    expect(weights(loaded)).toEqual(w0);
    const resumed: Record<string, number>[] = [];
    await r.learn({ totalTimesteps: total - savedAt, callback: (x) => void resumed.push(timeless(x)) });
    expect(resumed).toEqual(after);
    expect(fingerprint(r)).toEqual(fingerprint(u));
    // frozen: never trained, on either side of the save
    expect(weights(r.policy('a'))).toEqual(w0);
    expect(weights(pretrained)).toEqual(w0);
    expect(r.policy('a').numTimesteps).toBe(pretrained.numTimesteps);
    // the loaded trainer owns the rebuilt policy: its dispose() releases it
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => loaded.predict(Float32Array.of(1))).toThrow(/dispose/);
    // the caller's policy is still the caller's
    u.dispose();
    expect(() => pretrained.predict(Float32Array.of(1))).not.toThrow();
    release();
  });

  it('acts by its predict with the saved deterministic: a deterministic policy answers each bit with its most likely action', async () => {
    const { policy: pretrained, release } = await pretrain('PPO');
    const u = new MultiAgentTrainer<Agent, number>(envFn, { policies: { a: { policy: pretrained, deterministic: true }, b: {} }, policyMappingFn: mapping, seed: 0 });
    await u.learn({ totalTimesteps: 4 });
    await u.save(dir());
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping });
    // a probe env recording agent a's actions; each bit's most likely action, from the caller's policy
    const best = [0, 1].map((bit) => pretrained.predict(Float32Array.of(bit), { deterministic: true }));
    const seen: [number, number][] = [];
    const env = r.env as PartnerBitGame;
    const step = env.step.bind(env);
    env.step = (actions) => {
      const bit = env.state()[0] as number;
      seen.push([bit, actions.a as number]);
      return step(actions);
    };
    await r.learn({ totalTimesteps: 60 });
    expect(seen.length).toBeGreaterThanOrEqual(30);
    expect(seen.every(([bit, a]) => a === best[bit])).toBe(true);
    r.dispose();
    u.dispose();
    release();
  });

  it('is kept out of policiesToTrain after load, as the constructor keeps it: listing it is refused, with no tensor left', async () => {
    const { policy: pretrained, release } = await pretrain('PPO');
    const u = new MultiAgentTrainer<Agent, number>(envFn, { policies: { a: { policy: pretrained }, b: {} }, policyMappingFn: mapping, seed: 0 });
    await u.learn({ totalTimesteps: 4 });
    await u.save(dir());
    const before = tf.memory().numTensors;
    const load = () => MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping, policiesToTrain: ['a', 'b'] });
    await expect(load()).rejects.toThrow(InvalidArgumentError);
    await expect(load()).rejects.toThrow(/policiesToTrain must be policy ids without a pretrained `policy` object \("a" is one: it acts frozen\)/);
    expect(tf.memory().numTensors).toBe(before);
    // the constructor refuses the same
    expect(() => new MultiAgentTrainer<Agent, number>(envFn, { policies: { a: { policy: pretrained }, b: {} }, policyMappingFn: mapping, policiesToTrain: ['a', 'b'] })).toThrow(/policiesToTrain must be policy ids without a pretrained `policy` object \("a" is one: it acts frozen\)/);
    // by default only b trains; naming b alone is accepted
    const r = await MultiAgentTrainer.load(dir(), envFn, { policyMappingFn: mapping, policiesToTrain: ['b'] });
    const b0 = weights(r.policy('b'));
    await r.learn({ totalTimesteps: 64 });
    expect(weights(r.policy('a'))).toEqual(weights(pretrained));
    expect(weights(r.policy('b'))).not.toEqual(b0);
    // saved again by the loaded trainer, it is rebuilt again as a pretrained policy
    const again = path.join(dir(), 'again');
    await r.save(again);
    await expect(MultiAgentTrainer.load(again, envFn, { policyMappingFn: mapping, policiesToTrain: ['a'] })).rejects.toThrow(/\("a" is one: it acts frozen\)/);
    const r2 = await MultiAgentTrainer.load(again, envFn, { policyMappingFn: mapping });
    await r2.learn({ totalTimesteps: 32 });
    expect(weights(r2.policy('a'))).toEqual(weights(pretrained));
    r2.dispose();
    r.dispose();
    u.dispose();
    release();
  });
});

type Trio = 'a' | 'b' | 'c';

/** Three agents, each drawing a private bit and rewarded for answering it; episodes of 5 steps; snapshots for an exact resume. */
class TrioBitGame extends Game<Trio> {
  #bits = [0, 0, 0];

  constructor() {
    super(['a', 'b', 'c'], 1, 2);
  }

  protected start(): void {
    this.#bits = this.possibleAgents.map(() => this.rng.integer(0, 2));
  }

  protected observe(agent: Trio): Float32Array {
    return Float32Array.of(this.#bits[this.possibleAgents.indexOf(agent)] as number);
  }

  protected act(actions: Readonly<Record<Trio, number>>): Record<Trio, number> {
    const r = Object.fromEntries(this.possibleAgents.map((a, i) => [a, actions[a] === this.#bits[i] ? 1 : 0])) as Record<Trio, number>;
    this.start();
    return r;
  }

  protected end(): AgentEnd {
    return { terminated: false, truncated: this.t >= 5 };
  }

  cloneState(): unknown {
    return { t: this.t, agents: [...this.agents], rng: this.rng.getState(), bits: [...this.#bits] };
  }

  restoreState(state: unknown): void {
    const s = state as { t: number; agents: Trio[]; rng: RngState; bits: number[] };
    this.t = s.t;
    this.agents = [...s.agents];
    this.rng = new Rng();
    this.rng.setState(s.rng);
    this.#bits = [...s.bits];
  }
}

describe('MultiAgentTrainer.load with a policyMappingFn that maps another number of agents to a policy than when saved', () => {
  const oneShared = (a: Trio) => (a === 'a' ? 'shared' : 'solo');
  const twoShared = (a: Trio) => (a === 'c' ? 'solo' : 'shared');
  it.each<[string, (a: Trio) => string, (a: Trio) => string, number, RegExp]>([
    ['more agents', oneShared, twoShared, 1, /^policyMappingFn must be a function mapping 1 agent to policy "shared" as when saved, got 2$/],
    ['fewer agents', twoShared, oneShared, 1, /^policyMappingFn must be a function mapping 2 agents to policy "shared" as when saved, got 1$/],
    ['fewer agents, 2 env copies', twoShared, oneShared, 2, /^policyMappingFn must be a function mapping 2 agents to policy "shared" as when saved, got 1$/],
  ])('is refused (%s) with an InvalidArgumentError saying what was saved and what it maps now, and no tensor left', async (_name, savedMapping, newMapping, numEnvs, message) => {
    const policies = { shared: { options: { nSteps: 8, batchSize: 8 } }, solo: { algorithm: 'A2C' as const, options: { nSteps: 5 } } };
    const t = new MultiAgentTrainer<Trio, number>(() => new TrioBitGame(), { policies, policyMappingFn: savedMapping, numEnvs, seed: 0 });
    await t.learn({ totalTimesteps: 21 * numEnvs }); // 7 parallel steps: both rollouts under way
    await t.save(dir());
    const before = tf.memory().numTensors;
    const load = (mapping: (a: Trio) => string) => MultiAgentTrainer.load(dir(), () => new TrioBitGame(), { policyMappingFn: mapping });
    await expect(load(newMapping)).rejects.toThrow(InvalidArgumentError);
    await expect(load(newMapping)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    // the saved mapping loads and trains on
    const r = await load(savedMapping);
    await r.learn({ totalTimesteps: 30 * numEnvs });
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicy, kernelSets, PPO, PPO_DEFAULTS, RECURRENT_PPO_DEFAULTS, RecurrentPPO, useBackend, type LogRecord, type RecurrentPPOOptions } from '../../src/agents/index.js';
import { Box, Discrete, Env, InvalidArgumentError, make, SyncVectorEnv, type ResetResult, type StepResult } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'tradegym-rppo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sets = kernelSets()
  .filter((s) => s.available)
  .map((s) => s.name);

/**
 * A task only memory solves: the first observation shows a cue (+1 or -1), the next ones show
 * 0, and the last of `length` steps pays 1 when the action is 1 for a +1 cue and 0 for a -1 cue
 * (the other steps pay nothing). A policy without memory sees 0 at the last step whatever the
 * cue: it earns 0.5 per episode at best; one that remembers earns 1.
 */
class Cue extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-1, 1, [1]);
  readonly actionSpace = new Discrete(2);
  #cue = 1;
  #t = 0;
  constructor(readonly length = 3) {
    super();
  }
  protected resetEnv(): ResetResult<Float32Array> {
    this.#cue = this.rng.uniform() < 0.5 ? 1 : -1;
    this.#t = 0;
    return { observation: Float32Array.of(this.#cue), info: {} };
  }
  protected stepEnv(action: number): StepResult<Float32Array> {
    this.#t++;
    const last = this.#t === this.length;
    const reward = last && action === (this.#cue > 0 ? 1 : 0) ? 1 : 0;
    return { observation: Float32Array.of(0), reward, terminated: last, truncated: false, info: {} };
  }
}

const cues = (n: number, mode: 'same-step' | 'next-step' = 'same-step') => new SyncVectorEnv(Array.from({ length: n }, () => () => new Cue()), { autoresetMode: mode });
const small: RecurrentPPOOptions = { nSteps: 16, batchSize: 32, nEpochs: 2, lstmHiddenSize: 8, netArch: { pi: [8], vf: [8] }, seed: 3 };

describe('RecurrentPPO', () => {
  it("has sb3-contrib 2.3.0's defaults (ppo_recurrent.py RecurrentPPO.__init__, MlpLstmPolicy)", () => {
    expect(RECURRENT_PPO_DEFAULTS).toEqual({
      ...PPO_DEFAULTS, // the rest are PPO's: lr 3e-4, 10 epochs, gamma 0.99, gae 0.95, clip 0.2, ...
      nSteps: 128,
      batchSize: 128,
      lstmHiddenSize: 256,
      sharedLstm: false,
      enableCriticLstm: true,
      orthoInit: true,
      compute: 'auto',
    });
    const agent = new RecurrentPPO(make('CartPoleNoVel-v1'), { seed: 0 });
    // sb3-contrib's MlpLstmPolicy on CartPoleNoVel (2 inputs): two LSTMs of 4*256*(2+256) + 2*4*256
    // parameters, heads 256-64-64-2 and 256-64-64-1: 2*266,240 + (16,448+4,160+130) + (16,448+4,160+65)
    expect(agent.policy.size).toBe(2 * (4 * 256 * 258 + 2 * 4 * 256) + (256 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2) + (256 * 64 + 64 + 64 * 64 + 64 + 64 + 1));
    expect(agent.recurrent).toBe(true);
    expect(agent.compute).not.toBe('tfjs');
    agent.dispose();
  });

  it('refuses bad options with errors naming them, and leaks no tensors when it does', () => {
    const before = tf.memory().numTensors;
    const env = make('CartPoleNoVel-v1');
    expect(() => new RecurrentPPO(env, { sharedLstm: true })).toThrow(/sharedLstm must be false with enableCriticLstm true.*got true/);
    expect(() => new RecurrentPPO(env, { lstmHiddenSize: 0 })).toThrow(/lstmHiddenSize must be an integer >= 1, got 0/);
    expect(() => new RecurrentPPO(env, { compute: 'tfjs' as never })).toThrow(/compute must be .*kernel sets only.*got 'tfjs'|compute must be .*got "tfjs"/);
    expect(() => new RecurrentPPO(env, { featuresExtractor: 'x' } as never)).toThrow(InvalidArgumentError);
    expect(() => new RecurrentPPO(env, { batchSize: 500, nSteps: 128 })).toThrow(/batchSize must be <= nSteps \* nEnvs \(128\)/);
    expect(() => new RecurrentPPO(env, { orthoInit: 1 as never })).toThrow(/orthoInit must be true or false, got 1/);
    expect(() => new RecurrentPPO(env, { compute: 5 as never })).toThrow(/compute must be 'auto', 'native', 'wasm', 'js' or 'typed' .*got 5/);
    // 1e6 units: two LSTMs of 4e12 parameters
    expect(() => new RecurrentPPO(env, { lstmHiddenSize: 1e6 })).toThrow(/lstmHiddenSize must be small enough for the LSTMs' parameters to fit in memory.*got 1000000/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a predict state of the wrong shape, naming the value', () => {
    const agent = new RecurrentPPO(make('CartPoleNoVel-v1'), { ...small, batchSize: 16 });
    const obs = new Float32Array(2);
    expect(() => agent.predict(obs, { state: { h: new Float64Array(7), c: new Float64Array(8) } })).toThrow(/options\.state\.h must be a Float64Array or Float32Array of lstmHiddenSize \(8\) numbers, got "Float64Array of length 7"/);
    expect(() => agent.predict(obs, { state: { h: new Float64Array(8), c: [0] as never } })).toThrow(/options\.state\.c must be/);
    expect(() => agent.predict(obs, { state: { h: new Float64Array(8).fill(Number.NaN), c: new Float64Array(8) } })).toThrow(/options\.state\.h\[0\] must be a finite number, got NaN/);
    expect(() => agent.predict(obs, { episodeStart: 1 as never })).toThrow(/options\.episodeStart must be a boolean, got 1/);
    expect(() => agent.predict(obs, { memory: 1 } as never)).toThrow(/options\.memory is not a known option/);
    expect(() => agent.predict(new Float32Array(3))).toThrow(InvalidArgumentError);
    agent.dispose();
  });

  it('carries its memory through predict: the state returned goes back in; episodeStart empties it', async () => {
    const agent = new RecurrentPPO(make('CartPoleNoVel-v1'), { ...small, batchSize: 16, orthoInit: false });
    const o = Float32Array.of(0.3, -0.1);
    const first = agent.predict(o, { deterministic: true });
    const fresh = agent.initialState();
    expect(Array.from(fresh.h)).toEqual(new Array(8).fill(0));
    // no state = an empty memory = episodeStart with any state
    const withZeros = agent.predict(o, { state: fresh, deterministic: true });
    const started = agent.predict(o, { state: first.state, episodeStart: true, deterministic: true });
    expect(Array.from(withZeros.state.h)).toEqual(Array.from(first.state.h));
    expect(Array.from(started.state.h)).toEqual(Array.from(first.state.h));
    // the state moves with each observation, and predict does not change the one passed in
    const passed = Float64Array.from(first.state.h);
    const second = agent.predict(o, { state: first.state, deterministic: true });
    expect(Array.from(first.state.h)).toEqual(Array.from(passed));
    expect(Array.from(second.state.h)).not.toEqual(Array.from(first.state.h));
    // the state is the actor LSTM's (h, c) after the step: h = o * tanh(c) elementwise, |h| < 1
    for (const v of second.state.h) expect(Math.abs(v)).toBeLessThan(1);
    // a float32 copy of a state is taken as it is
    const f32 = agent.predict(o, { state: { h: Float32Array.from(first.state.h), c: Float32Array.from(first.state.c) }, deterministic: true });
    expect(Array.from(f32.state.h)).toEqual(Array.from(agent.predict(o, { state: { h: Float64Array.from(Float32Array.from(first.state.h)), c: Float64Array.from(Float32Array.from(first.state.c)) }, deterministic: true }).state.h));
    agent.dispose();
  });

  it.each(sets)('learns a task only memory solves (%s), where PPO without memory cannot; the tensor count stays flat', async (compute) => {
    const before = tf.memory().numTensors;
    const agent = new RecurrentPPO(cues(4), { nSteps: 32, batchSize: 64, nEpochs: 8, learningRate: 3e-3, lstmHiddenSize: 8, netArch: { pi: [16], vf: [16] }, gamma: 0.99, seed: 1, compute });
    await agent.learn({ totalTimesteps: 6_000 });
    const memory = evaluatePolicy(agent, new Cue(), { nEvalEpisodes: 40, seed: 100 });
    const plain = new PPO(cues(4), { nSteps: 32, batchSize: 64, nEpochs: 8, learningRate: 3e-3, netArch: { pi: [16], vf: [16] }, seed: 1, compute });
    await plain.learn({ totalTimesteps: 6_000 });
    const none = evaluatePolicy(plain, new Cue(), { nEvalEpisodes: 40, seed: 100 });
    // with memory every cue is answered; without, the last observation is 0 for both cues: one
    // answer for both, right for the episodes whose cue it matches (about half of 40)
    expect(memory.mean).toBe(1);
    expect(none.mean).toBeLessThan(0.75);
    agent.dispose();
    plain.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it.each([
    ['a critic LSTM', {}],
    ['a shared LSTM', { sharedLstm: true, enableCriticLstm: false }],
    ['a linear critic', { enableCriticLstm: false }],
  ] as const)('with %s, the training pass recomputes exactly what the rollout computed (ratio 1, approx KL 0 before the first update)', async (_name, extra) => {
    // one epoch of one minibatch holding the whole rollout: the loss's ratio and KL are taken
    // before the update, so they compare the sequences' forward pass from the stored states
    // with the rollout's step-by-step one (episode starts, env changes and the random split
    // included)
    for (const mode of ['same-step', 'next-step'] as const) {
      let log: LogRecord | undefined;
      const agent = new RecurrentPPO(cues(3, mode), { ...small, ...extra, nSteps: 20, batchSize: 60, nEpochs: 1 });
      await agent.learn({ totalTimesteps: 60, callback: (r) => ((log = r), true) });
      expect(log?.['train/approx_kl']).toBeLessThan(1e-12);
      expect(log?.['train/clip_fraction']).toBe(0);
      agent.dispose();
    }
  });

  it('trains Box actions (Pendulum): a Gaussian head on the LSTM, actions clipped to the bounds', async () => {
    const agent = new RecurrentPPO(make('Pendulum-v1'), { ...small, nSteps: 32, batchSize: 32 });
    let log: LogRecord | undefined;
    await agent.learn({ totalTimesteps: 64, callback: (r) => ((log = r), true) });
    expect(log?.['train/approx_kl']).toBeGreaterThanOrEqual(0);
    const { action } = agent.predict(Float32Array.of(1, 0, 0));
    expect(action).toBeInstanceOf(Float32Array);
    expect(Math.abs((action as Float32Array)[0] as number)).toBeLessThanOrEqual(2);
    agent.dispose();
  });

  it('is deterministic: one seed, the same weights after learning, bit for bit', async () => {
    const run = async () => {
      const agent = new RecurrentPPO(cues(2), { ...small });
      await agent.learn({ totalTimesteps: 96 });
      const w = Array.from(agent.policy.params.dataSync());
      agent.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  });

  it('training resumed after load matches training that never stopped, LSTM states included', async () => {
    const opts = { ...small, nSteps: 8, batchSize: 16, seed: 9 } as const;
    const a = new RecurrentPPO(cues(2), opts);
    await a.learn({ totalTimesteps: 48 });
    await a.learn({ totalTimesteps: 48 });
    const envB = cues(2);
    const b = new RecurrentPPO(envB, opts);
    await b.learn({ totalTimesteps: 48 });
    const dir = join(root, 'resume');
    await b.save(dir);
    const c = await RecurrentPPO.load(dir, envB);
    expect(c.config).toEqual(b.config);
    b.dispose();
    await c.learn({ totalTimesteps: 48 });
    expect(Array.from(c.policy.params.dataSync())).toEqual(Array.from(a.policy.params.dataSync()));
    expect(c.numTimesteps).toBe(a.numTimesteps);
    a.dispose();
    c.dispose();
  });

  it.each(sets)('predict follows the weights (%s): after learn, the same outputs as the agent saved and loaded back', async (compute) => {
    const agent = new RecurrentPPO(cues(2), { ...small, compute });
    const o = Float32Array.of(1);
    const before = agent.predict(o, { deterministic: true }).state.h; // the kernels now hold the initial weights
    await agent.learn({ totalTimesteps: 64 });
    const after = agent.predict(o, { deterministic: true }).state.h;
    const dir = join(root, `predict-${compute}`);
    await agent.save(dir);
    const loaded = await RecurrentPPO.load(dir, cues(2));
    expect(Array.from(after)).toEqual(Array.from(loaded.predict(o, { deterministic: true }).state.h));
    expect(Array.from(after)).not.toEqual(Array.from(before));
    agent.dispose();
    loaded.dispose();
  });

  it('evaluatePolicy threads the memory through each episode, as a hand-written loop does', async () => {
    const agent = new RecurrentPPO(cues(2), { ...small });
    await agent.learn({ totalTimesteps: 64 });
    const env = new Cue(4);
    const r = evaluatePolicy(agent, env, { nEvalEpisodes: 6, seed: 5 });
    const manual: number[] = [];
    for (let ep = 0; ep < 6; ep++) {
      let { observation } = env.reset({ seed: 5 + ep });
      let state;
      let start = true;
      let total = 0;
      for (;;) {
        const p = agent.predict(observation, { deterministic: true, episodeStart: start, ...(state ? { state } : {}) });
        state = p.state;
        start = false;
        const s = env.step(p.action);
        total += s.reward;
        observation = s.observation;
        if (s.terminated || s.truncated) break;
      }
      manual.push(total);
    }
    expect(r.episodeRewards).toEqual(manual);
    agent.dispose();
  });
});

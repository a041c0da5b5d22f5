// The Web Worker protocol, over a real MessageChannel (structured cloning, transfers, and the
// asynchrony of a worker; the headless-Chromium test runs it in a real Web Worker): progress after
// every rollout, the trained agent back as a checkpoint equal bit for bit to training in place,
// stop and abort, and errors carried back to the page.
import * as tf from '@tensorflow/tfjs';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PPO, serveTraining, useBackend, WorkerTrainer, type CheckpointTarget, type LearnOptions, type MessageEndpoint, type WorkerProgress } from '../../src/agents/index.js';
import { InvalidArgumentError, make, TradegymError } from '../../src/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

interface Config {
  seed: number;
  steps: number;
}
const ppo = (seed: number) => new PPO(make('CartPole-v1'), { nSteps: 128, batchSize: 64, nEpochs: 2, seed });

const open: { close(): void }[] = [];
/** A page end and a worker end, the worker serving `setup`. */
function channel(setup: (c: Config) => Parameters<typeof serveTraining<Config>>[1] extends (c: Config) => infer R ? R : never) {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  const stopServing = serveTraining<Config>(port1 as unknown as MessageEndpoint, setup);
  return { trainer: new WorkerTrainer<Config>(port2 as unknown as MessageEndpoint), page: port2, worker: port1, stopServing };
}
afterEach(() => {
  open.splice(0).forEach((p) => p.close());
});

describe('training in a worker', () => {
  it('reports every rollout and returns the agent a training in place would have, bit for bit', async () => {
    const before = tf.memory().numTensors;
    const { trainer } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    const progress: WorkerProgress[] = [];
    const result = await trainer.train({ seed: 7, steps: 640 }, { onProgress: (p) => progress.push(p) });
    // 640 steps in rollouts of 128: five progress messages, one per rollout and update
    expect(progress.map((p) => p.timesteps)).toEqual([128, 256, 384, 512, 640]);
    expect(progress.every((p) => p.totalTimesteps === 640 && p.record['time/total_timesteps'] === p.timesteps)).toBe(true);
    expect(progress.at(-1)!.elapsedMs).toBeGreaterThanOrEqual(progress[0]!.elapsedMs);
    expect(result).toMatchObject({ algorithm: 'PPO', numTimesteps: 640, stopped: false });
    expect(trainer.running).toBe(false);
    // the worker disposed of its agent
    expect(tf.memory().numTensors).toBe(before);

    const here = ppo(7);
    await here.learn({ totalTimesteps: 640 });
    const loaded = await PPO.load(result.checkpoint, make('CartPole-v1'));
    expect(Array.from(loaded.policy.params.dataSync())).toEqual(Array.from(here.policy.params.dataSync()));
    expect(loaded.numTimesteps).toBe(640);
    // the checkpoint loads again (e.g. once to evaluate, once to keep)
    const again = await PPO.load(result.checkpoint, make('CartPole-v1'));
    expect(again.numTimesteps).toBe(640);
    [here, loaded, again].forEach((a) => a.dispose());
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('stops after the current update on stop() and on an aborted signal, returning the agent so far', async () => {
    const { trainer } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    const stopped = await trainer.train({ seed: 1, steps: 100_000 }, { onProgress: (p) => p.timesteps >= 256 && trainer.stop() });
    expect(stopped.stopped).toBe(true);
    // the stop arrives while the worker trains on: it ends a few updates later, far before the
    // 100,000 steps asked. How many updates (128 steps each) run before the message lands is the
    // scheduler's: on a busy 2-core machine (CI runs child processes beside this test) about 20
    expect(stopped.numTimesteps).toBeGreaterThanOrEqual(256);
    expect(stopped.numTimesteps).toBeLessThan(10_000);
    const controller = new AbortController();
    const aborted = await trainer.train({ seed: 1, steps: 100_000 }, { signal: controller.signal, onProgress: () => controller.abort() });
    expect(aborted.stopped).toBe(true);
    expect(aborted.numTimesteps).toBeLessThan(10_000);
    // an already aborted signal: stopped after the first update
    const pre = new AbortController();
    pre.abort();
    expect((await trainer.train({ seed: 1, steps: 100_000 }, { signal: pre.signal })).numTimesteps).toBe(128);
    // a worker-side callback may stop training too
    const own = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps, callback: (r) => r['time/total_timesteps']! < 384 }));
    const byCallback = await own.trainer.train({ seed: 1, steps: 100_000 });
    expect(byCallback).toMatchObject({ numTimesteps: 384, stopped: true });
  }, 60_000);

  it("carries the worker's errors back, naming them, and leaves no tensors behind", async () => {
    const before = tf.memory().numTensors;
    const bad = channel((c) => ({ agent: new PPO(make('CartPole-v1'), { seed: c.seed, gamma: 2 }), totalTimesteps: c.steps }));
    const e = await bad.trainer.train({ seed: 0, steps: 128 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TradegymError);
    expect((e as Error).message).toMatch(/^training in the worker failed: InvalidArgumentError: gamma must be/);
    const noSteps = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: 0 }));
    await expect(noSteps.trainer.train({ seed: 0, steps: 1 })).rejects.toThrow(/setup\(config\)\.totalTimesteps must be an integer >= 1, got 0/);
    const extra = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: 128, epochs: 3 }) as never);
    await expect(extra.trainer.train({ seed: 0, steps: 1 })).rejects.toThrow(/epochs/);
    const notAgent = channel(() => ({ agent: {} as never, totalTimesteps: 128 }));
    await expect(notAgent.trainer.train({ seed: 0, steps: 1 })).rejects.toThrow(/setup\(config\)\.agent must be a tradegym agent/);
    const throws = channel(async () => {
      throw new RangeError('no data for that symbol');
    });
    await expect(throws.trainer.train({ seed: 0, steps: 1 })).rejects.toThrow(/RangeError: no data for that symbol/);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('runs one training at a time, ignores messages that are not its own, and refuses bad arguments', async () => {
    const { trainer, page, worker } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    const seen: unknown[] = [];
    page.on('message', (m) => seen.push(m)); // the page's own traffic shares the channel
    worker.postMessage({ kind: 'hello' });
    const first = trainer.train({ seed: 0, steps: 256 });
    await expect(trainer.train({ seed: 0, steps: 256 })).rejects.toThrow(/a training is already under way in this worker/);
    expect((await first).numTimesteps).toBe(256);
    expect(seen).toContainEqual({ kind: 'hello' });
    await expect(trainer.train({ seed: 0, steps: 1 }, { every: 2 } as never)).rejects.toThrow(/options has an unknown key 'every'|every/);
    await expect(trainer.train({ seed: 0, steps: 1 }, { onProgress: 3 } as never)).rejects.toThrow(/options\.onProgress must be a function, got 3/);
    await expect(trainer.train({ seed: 0, steps: 1, f: () => 1 } as never)).rejects.toThrow(InvalidArgumentError);
    expect(() => new WorkerTrainer({} as never)).toThrow(/endpoint must be a Worker, the worker scope \(self\) or a MessagePort/);
    expect(() => serveTraining(worker as unknown as MessageEndpoint, 'ppo' as never)).toThrow(/setup must be a function/);
    // dispose rejects a training under way and refuses new ones
    const running = trainer.train({ seed: 0, steps: 100_000 });
    trainer.dispose();
    await expect(running).rejects.toThrow(/disposed of during training/);
    await expect(trainer.train({ seed: 0, steps: 1 })).rejects.toThrow(/was disposed of/);
  }, 60_000);

  it("a second request to a busy worker gets the worker's refusal (two pages, one worker)", async () => {
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    serveTraining<Config>(port1 as unknown as MessageEndpoint, (c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    const a = new WorkerTrainer<Config>(port2 as unknown as MessageEndpoint);
    const b = new WorkerTrainer<Config>(port2 as unknown as MessageEndpoint);
    // b asks once a's training has posted progress: the worker is surely busy then (asked at
    // once, b's request could reach a worker that had already finished a's short training)
    let second: Promise<string> | undefined;
    const ra = a.train({ seed: 0, steps: 4096 }, { onProgress: () => void (second ??= b.train({ seed: 0, steps: 512 }).then(() => 'trained', (e: Error) => e.message)) });
    const result = await ra;
    // request ids are unique across trainers: b's refusal does not reach a
    expect(await second).toMatch(/training in the worker failed: TradegymError: the worker is already training/);
    expect(result.numTimesteps).toBe(4096);
  }, 60_000);

  it('a worker that failed while idle, or is terminated, rejects train instead of leaving it waiting', async () => {
    const { trainer, page } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    page.dispatchEvent(new Event('error')); // as a Worker whose script did not load
    await expect(trainer.train({ seed: 0, steps: 128 })).rejects.toThrow(/^the worker failed: an error event/);
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    serveTraining<Config>(port1 as unknown as MessageEndpoint, (c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    let terminated = 0;
    const endpoint = Object.assign(port2 as unknown as MessageEndpoint, { terminate: () => void terminated++ });
    const t = new WorkerTrainer<Config>(endpoint);
    await expect(t.train({ seed: 0, steps: 100_000 }, { onProgress: () => t.terminate() })).rejects.toThrow(/^the worker was terminated during training$/);
    expect(terminated).toBe(1);
    await expect(t.train({ seed: 0, steps: 128 })).rejects.toThrow(/disposed of/);
  }, 60_000);

  it('refuses an agent that cannot be saved before training, not after', async () => {
    let progress = 0;
    const { trainer } = channel((c) => ({ agent: new PPO(make('CartPole-v1'), { nSteps: 64, batchSize: 32, seed: c.seed, learningRate: (p: number) => 3e-4 * p }), totalTimesteps: c.steps }));
    await expect(trainer.train({ seed: 0, steps: 5_000 }, { onProgress: () => void progress++ })).rejects.toThrow(/custom schedule function and cannot be saved/);
    expect(progress).toBe(0);
  }, 60_000);

  it("counts a resumed agent's progress from this training, and survives an agent whose dispose throws", async () => {
    const before = ppo(3);
    await before.learn({ totalTimesteps: 256 });
    const { trainer } = channel(() => ({ agent: before, totalTimesteps: 256 }));
    const seen: [number, number][] = [];
    const r = await trainer.train({ seed: 0, steps: 0 }, { onProgress: (p) => void seen.push([p.timesteps, p.totalTimesteps]) });
    expect(seen).toEqual([[128, 256], [256, 256]]);
    expect(r.numTimesteps).toBe(512);
    let builds = 0;
    const { trainer: t2 } = channel((c) => {
      const real = ppo(c.seed);
      builds++;
      const agent = {
        get numTimesteps() {
          return real.numTimesteps;
        },
        learn: (o: LearnOptions) => real.learn(o),
        save: (w: CheckpointTarget) => real.save(w),
        dispose: () => {
          real.dispose();
          if (builds === 1) throw new Error('release failed');
        },
      };
      return { agent, totalTimesteps: 128 };
    });
    await expect(t2.train({ seed: 0, steps: 128 })).rejects.toThrow(/training in the worker failed: Error: release failed/);
    expect((await t2.train({ seed: 0, steps: 128 })).numTimesteps).toBe(128); // the worker is free again
  }, 60_000);

  it('ignores malformed protocol messages, refuses a second server on one endpoint, and throttles progress on request', async () => {
    const { trainer, page, worker, stopServing } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    page.postMessage({ tradegym: 'stop' }); // no id: ignored while idle
    page.postMessage({ tradegym: 'train' }); // no id, no config: no training starts
    worker.postMessage({ tradegym: 'done', id: 1 }); // no artifacts
    expect(() => serveTraining(worker as unknown as MessageEndpoint, () => ({ agent: ppo(0), totalTimesteps: 1 }))).toThrow(/^this endpoint is served already/);
    expect((await trainer.train({ seed: 0, steps: 128 })).numTimesteps).toBe(128);
    // after it stops serving, another may serve the endpoint, with progress at most every hour
    stopServing();
    serveTraining<Config>(worker as unknown as MessageEndpoint, (c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }), { progressIntervalMs: 3_600_000 });
    let messages = 0;
    expect((await trainer.train({ seed: 0, steps: 640 }, { onProgress: () => void messages++ })).numTimesteps).toBe(640);
    expect(messages).toBe(1);
    expect(() => serveTraining(new MessageChannel().port1 as unknown as MessageEndpoint, () => ({ agent: ppo(0), totalTimesteps: 1 }), { progressIntervalMs: -1 })).toThrow(/^options\.progressIntervalMs must be an integer >= 0, got -1$/);
  }, 60_000);

  it("hands a throwing onProgress's error to train's caller and stops the worker; checks the signal", async () => {
    const { trainer } = channel((c) => ({ agent: ppo(c.seed), totalTimesteps: c.steps }));
    const oops = new RangeError('chart broke');
    await expect(trainer.train({ seed: 0, steps: 100_000 }, { onProgress: () => {
      throw oops;
    } })).rejects.toBe(oops);
    // the worker stopped after an update or two, and is free
    expect((await trainer.train({ seed: 0, steps: 128 })).numTimesteps).toBe(128);
    await expect(trainer.train({ seed: 0, steps: 1 }, { signal: { addEventListener() {} } as never })).rejects.toThrow(/^options\.signal must be an AbortSignal/);
  }, 60_000);
});

// PPO with the built-in TCN and LSTM features extractors on a partially observed CartPole:
// the velocities removed (x and the pole angle only, as sb3-contrib's CartPoleNoVel-v1) and the
// last 4 observations stacked (FrameStack: a [4, 2] window). A policy that sees one frame cannot
// balance the pole; one that reads the window over time can. Settings: rl-baselines3-zoo's
// RecurrentPPO CartPoleNoVel-v1 (8 envs, n_steps 32, batch 256, gae_lambda 0.8, gamma 0.98,
// 20 epochs, linear learning rate 1e-3 and clip range 0.2, relu heads of 64), 200,000 steps;
// a TCN of two residual blocks of 16 channels (kernel 3, receptive field 13) and an LSTM of 32 units.
// Reported per seed: the final model's deterministic 20-episode mean (episode seeds 1000-1019)
// and the best checkpoint's, chosen by an EvalCallback every 20,000 steps on episode seeds 0-19
// and scored again on 1000-1019; training steps/s (evaluations left out). Goal: >= 475 in at
// least 4 of 5 seeds. BENCH_EXTRACTORS (tcn,lstm), BENCH_SEEDS, BENCH_STEPS, BENCH_EVAL_FREQ,
// BENCH_BACKEND override the defaults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Box, FrameStack, make, ObservationWrapper, SyncVectorEnv, type Env } from '../src/index.js';
import { EvalCallback, evaluatePolicy, lstmExtractor, PPO, tcnExtractor, useBackend, type CallbackContext } from '../src/agents/index.js';
import { EXTRACTOR_PPO, TCN_OPTIONS } from './peers/settings.js';

/** An EvalCallback that also adds up the time it spends, so that steps/s counts training only. */
class TimedEval extends EvalCallback {
  seconds = 0;
  override async onRolloutEnd(ctx: CallbackContext): Promise<boolean> {
    const t0 = performance.now();
    const n = this.evaluations.length;
    try {
      return await super.onRolloutEnd(ctx);
    } finally {
      const e = this.evaluations[n];
      if (e !== undefined) console.error(`  ${e.timesteps} steps: ${e.mean}`);
      this.seconds += (performance.now() - t0) / 1000;
    }
  }
}

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const seeds = (process.env.BENCH_SEEDS ?? '0,1,2,3,4').split(',').map(Number);
const kinds = (process.env.BENCH_EXTRACTORS ?? 'tcn,lstm').split(',') as ('tcn' | 'lstm')[];
const totalTimesteps = Number(process.env.BENCH_STEPS ?? 200_000);
const evalFreq = Number(process.env.BENCH_EVAL_FREQ ?? 20_000);

/**
 * CartPole-v1 without its velocities: [x / 2.4, theta / 0.2095], the position and the angle
 * scaled by the limits that end an episode, so both lie in [-1, 1] while it runs (the zoo
 * normalises this env's observations with running statistics instead; fixed scales keep the
 * evaluation env's observations identical to training's).
 */
class NoVelocity extends ObservationWrapper<Float32Array, Float32Array, number> {
  constructor(env: Env<Float32Array, number>) {
    super(env, new Box([-2, -2], [2, 2]), env.actionSpace);
  }
  observation(o: Float32Array): Float32Array {
    return Float32Array.of((o[0] as number) / 2.4, (o[2] as number) / ((12 * 2 * Math.PI) / 360));
  }
}
const partial = () => new FrameStack(new NoVelocity(make('CartPole-v1') as Env<Float32Array, number>), 4);

const results: { extractor: string; seed: number; final: number; best: number; bestChosenAt: number; stepsPerSecond: number; trainSeconds: number }[] = [];
for (const kind of kinds) {
  for (const seed of seeds) {
    const env = new SyncVectorEnv(Array.from({ length: 8 }, () => partial), { autoresetMode: 'same-step' });
    const featuresExtractor = kind === 'tcn' ? tcnExtractor(TCN_OPTIONS) : lstmExtractor({ units: 32 });
    const agent = new PPO(env, { ...EXTRACTOR_PPO, featuresExtractor, seed });
    const dir = mkdtempSync(join(tmpdir(), 'tradegym-bench-extractors-'));
    const evalCallback = new TimedEval(partial(), { evalFreq, nEvalEpisodes: 20, deterministic: true, bestModelSavePath: dir });
    const t0 = performance.now();
    await agent.learn({ totalTimesteps, callback: evalCallback });
    const seconds = (performance.now() - t0) / 1000 - evalCallback.seconds;
    const final = evaluatePolicy(agent, partial(), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
    const best = await PPO.load(dir, env);
    const bestEval = evaluatePolicy(best, partial(), { nEvalEpisodes: 20, deterministic: true, seed: 1000 });
    best.dispose();
    results.push({ extractor: kind, seed, final: final.mean, best: bestEval.mean, bestChosenAt: evalCallback.bestMeanReward, stepsPerSecond: Math.round(totalTimesteps / seconds), trainSeconds: +seconds.toFixed(1) });
    console.error(JSON.stringify(results[results.length - 1]));
    agent.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
const summary = Object.fromEntries(
  kinds.map((k) => {
    const rs = results.filter((r) => r.extractor === k);
    return [k, { final: `${rs.filter((r) => r.final >= 475).length}/${rs.length}`, best: `${rs.filter((r) => r.best >= 475).length}/${rs.length}` }];
  }),
);
console.log(JSON.stringify({ benchmark: 'learn-ppo-extractors', env: 'CartPole-v1, velocities removed, 4 frames stacked', backend, totalTimesteps, results, solved: summary, goal: '>= 475 in at least 4 of 5 seeds' }));

// Multi-agent overhead: agent-steps per second of IPPO (MultiAgentTrainer, one policy shared by
// N agents) on N independent CartPole-v1s as N agents, against single-agent PPO on a
// SyncVectorEnv of the same N CartPoles (same-step autoreset), both with SB3's PPO defaults
// (n_steps 2048 per env or agent, batch 64, 10 epochs, 64-64 tanh) and seed 0, rollouts and
// updates included, for N = 2 and 8. One warm-up rollout, then BENCH_ROLLOUTS (2) timed
// rollouts per run. Goal (issue 17): overhead <= 20%. In the parallel env an agent whose
// episode ended waits for the others (PettingZoo's semantics), so its rollout holds fewer
// transitions than the vector env's; the rate counts agent steps taken.
// BENCH_AGENTS (2,8) and BENCH_BACKEND override the defaults. BENCH_LEARN=1 also trains N
// CartPoles as N agents with one shared policy for N x 100,000 agent steps (rl-baselines3-zoo's
// PPO CartPole-v1 settings: rollouts of 256 agent steps (zoo: 8 envs x n_steps 32), batch 256, 20 epochs, gae_lambda 0.8, gamma
// 0.98, linear learning rate 1e-3 and clip range 0.2) and reports every agent's deterministic
// return over 5 parallel episodes (issue 17's goal: >= 475 each).
import { make, SyncVectorEnv, type Env } from '../src/index.js';
import { linearSchedule, MultiAgentTrainer, PPO, useBackend } from '../src/agents/index.js';
import { IndependentEnvs } from '../test/agents/multiagent/games.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'cpu') as 'cpu');
const counts = (process.env.BENCH_AGENTS ?? '2,8').split(',').map(Number);
const rollouts = Number(process.env.BENCH_ROLLOUTS ?? 2);

type Learner = { learn(o: { totalTimesteps: number }): Promise<unknown>; dispose(): void; readonly numTimesteps: number };

/** Agent steps per second over `rollouts` rollouts of `perRollout` steps, after one warm-up rollout. */
async function rate(agent: Learner, perRollout: number): Promise<number> {
  await agent.learn({ totalTimesteps: perRollout });
  const start = agent.numTimesteps;
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: perRollout * rollouts });
  const r = (agent.numTimesteps - start) / ((performance.now() - t0) / 1000);
  agent.dispose();
  return Math.round(r);
}

const cartPoles = (n: number) => Array.from({ length: n }, () => make('CartPole-v1') as Env<Float32Array, number>);
const out: Record<string, unknown> = { benchmark: 'marl-throughput', backend, rollouts };
for (const n of counts) {
  const single = await rate(new PPO(new SyncVectorEnv(cartPoles(n).map((e) => () => e), { autoresetMode: 'same-step' }), { seed: 0 }), 2048 * n);
  const trainer = new MultiAgentTrainer(() => new IndependentEnvs(cartPoles(n)), { policies: { cartpole: {} }, seed: 0 });
  const multi = await rate(trainer, 2048 * n);
  out[`agents_${n}`] = { ippoAgentStepsPerSecond: multi, ppoVectorStepsPerSecond: single, overhead: Number((single / multi - 1).toFixed(3)) };
}
if (process.env.BENCH_LEARN === '1') {
  const zoo = (n: number) => ({ nSteps: 256 / n, batchSize: 256, nEpochs: 20, gaeLambda: 0.8, gamma: 0.98, learningRate: linearSchedule(1e-3, 0), clipRange: linearSchedule(0.2, 0) });
  for (const n of counts) {
    const t0 = performance.now();
    const trainer = new MultiAgentTrainer(() => new IndependentEnvs(cartPoles(n)), { policies: { cartpole: { options: zoo(n) } }, seed: 0 });
    await trainer.learn({ totalTimesteps: n * 100_000 });
    const env = new IndependentEnvs(cartPoles(n));
    const returns: Record<string, number> = Object.fromEntries(env.possibleAgents.map((a) => [a, 0]));
    for (let episode = 0; episode < 5; episode++) {
      let obs = env.reset({ seed: 1000 + episode * n }).observations;
      while (env.agents.length > 0) {
        const r = env.step(trainer.predict(obs, { deterministic: true }));
        for (const [a, v] of Object.entries(r.rewards)) returns[a] = (returns[a] as number) + v;
        obs = Object.fromEntries(env.agents.map((a) => [a, r.observations[a] as Float32Array]));
      }
    }
    for (const a of Object.keys(returns)) returns[a] = (returns[a] as number) / 5;
    out[`learn_${n}`] = { agentSteps: trainer.numTimesteps, seconds: Math.round((performance.now() - t0) / 1000), meanReturnByAgent: returns, allAtLeast475: Object.values(returns).every((v) => v >= 475) };
    trainer.dispose();
  }
}
console.log(JSON.stringify(out));

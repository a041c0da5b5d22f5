// IPPO against MAPPO (Yu et al. 2022: a centralised critic on the global state, decentralised
// actors) on the partner-bit game (test/agents/multiagent/games.ts), a task built so that the
// centralised critic should help: each step agents a and b each draw a private fair bit and
// see only their own; both receive the team reward
//   ([a's action = a's bit] + [b's action = b's bit]) / 2 + luck * (bitA + bitB - 1).
// The luck term is zero-mean and no action changes it, but an independent critic V(own bit)
// cannot predict its `luck * partner's bit` half (advantage noise of standard deviation
// luck / 2), while MAPPO's critic reads state() = [bitA, bitB] with the own bit. Both
// variants: one PPO shared by the two agents (relu 64-64, rollouts of 32 parallel steps,
// batch 64, 4 epochs, learning rate 1e-3, gamma 0), the same seeds and budget. The figure:
// per seed, the policy's skill (the probability that an agent answers its own bit, estimated
// from 400 sampled actions per agent and bit: 0.5 at random, 1 at the optimum, = the
// expected team reward per step net of the zero-mean luck) at fixed budgets of agent steps.
// BENCH_SEEDS (5), BENCH_LUCK (4), BENCH_BUDGETS (512,1024,2048,4096,8192) override.
import { MultiAgentTrainer, useBackend } from '../src/agents/index.js';
import { PartnerBitGame } from '../test/agents/multiagent/games.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'cpu') as 'cpu');
const seeds = Number(process.env.BENCH_SEEDS ?? 5);
const luck = Number(process.env.BENCH_LUCK ?? 4);
const budgets = (process.env.BENCH_BUDGETS ?? '512,1024,2048,4096,8192').split(',').map(Number);
const options = { nSteps: 32, batchSize: 64, nEpochs: 4, learningRate: 1e-3, gamma: 0, activation: 'relu' } as const;

function skill(t: MultiAgentTrainer<'a' | 'b', number>): number {
  let ok = 0;
  for (let i = 0; i < 400; i++) {
    for (const x of [0, 1]) {
      const act = t.predict({ a: Float32Array.of(x), b: Float32Array.of(x) });
      ok += (act.a === x ? 1 : 0) + (act.b === x ? 1 : 0);
    }
  }
  return Number((ok / 1600).toFixed(3));
}

const out: Record<string, unknown> = { benchmark: 'marl-mappo', backend, luck, budgets };
for (const [name, centralCritic] of [['ippo', false], ['mappo', true]] as const) {
  const t0 = performance.now();
  const perSeed: number[][] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const t = new MultiAgentTrainer<'a' | 'b', number>(() => new PartnerBitGame(luck), { policies: { p: { options, centralCritic } }, seed });
    const row: number[] = [];
    for (const b of budgets) {
      await t.learn({ totalTimesteps: b - t.numTimesteps });
      row.push(skill(t));
    }
    perSeed.push(row);
    t.dispose();
  }
  const mean = budgets.map((_, j) => Number((perSeed.reduce((s, r) => s + (r[j] as number), 0) / seeds).toFixed(3)));
  out[name] = { skillBySeed: perSeed, meanSkill: mean, seconds: Math.round((performance.now() - t0) / 1000) };
}
console.log(JSON.stringify(out));

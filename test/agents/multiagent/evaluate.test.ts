// evaluateMultiAgent: each agent's return and the team's, checked by hand on a scripted game
// and against the single-agent evaluatePolicy on N independent CartPoles.
import { describe, expect, it } from 'vitest';
import { evaluateMultiAgent, evaluatePolicy } from '../../../src/agents/index.js';
import { make } from '../../../src/index.js';
import { Countdown, IndependentEnvs } from './games.js';

/** Acts 0 for every agent, or the first allowed action when a mask is given. */
const firstAllowed = {
  predict: (obs: Partial<Record<string, Float32Array>>, o: { actionMasks?: Partial<Record<string, ArrayLike<number>>> } = {}) =>
    Object.fromEntries(Object.keys(obs).map((a) => [a, Math.max(0, Array.from(o.actionMasks?.[a] ?? [1]).indexOf(1))])),
};

describe('evaluateMultiAgent', () => {
  it("sums each agent's rewards while it is live: Countdown by hand", () => {
    // 'short' earns 1 a step and terminates after 3 steps; 'long' is truncated after 5: the
    // episode lasts 5 env steps, short earns 3, long 5, the team 8
    const r = evaluateMultiAgent(firstAllowed, new Countdown(), { nEvalEpisodes: 3 });
    expect(r.agentRewards).toEqual({ short: [3, 3, 3], long: [5, 5, 5] });
    expect(r.agentMeans).toEqual({ short: 3, long: 5 });
    expect(r.episodeRewards).toEqual([8, 8, 8]);
    expect([r.mean, r.std]).toEqual([8, 0]);
    expect(r.episodeLengths).toEqual([5, 5, 5]);
  });

  it("passes each agent's info.actionMask to predict", () => {
    const masked = new Countdown(true); // allows only action 1
    evaluateMultiAgent(firstAllowed, masked, { nEvalEpisodes: 2 });
    expect(masked.violations).toBe(0);
    const blind = new Countdown(true);
    evaluateMultiAgent({ predict: (obs: Partial<Record<string, Float32Array>>) => Object.fromEntries(Object.keys(obs).map((a) => [a, 0])) }, blind, { nEvalEpisodes: 1 });
    expect(blind.violations).toBe(3 + 5); // the same game, every step a violation without the mask
  });

  it('equals evaluatePolicy on each of N independent CartPoles (env i of episode k seeded k + i)', () => {
    const right = { predict: (obs: Partial<Record<string, Float32Array>>) => Object.fromEntries(Object.keys(obs).map((a) => [a, 1])) };
    const r = evaluateMultiAgent(right, new IndependentEnvs([0, 1, 2].map(() => make('CartPole-v1'))), { nEvalEpisodes: 4, seed: 10 });
    for (let i = 0; i < 3; i++) {
      const own = [0, 1, 2, 3].map((k) => evaluatePolicy({ predict: () => 1 }, make('CartPole-v1'), { nEvalEpisodes: 1, seed: 10 + k + i }).mean);
      expect(r.agentRewards[`agent${i}`]).toEqual(own);
    }
    const team = [0, 1, 2, 3].map((k) => [0, 1, 2].reduce((s, i) => s + (r.agentRewards[`agent${i}`]?.[k] as number), 0));
    expect(r.episodeRewards).toEqual(team);
    const mean = team.reduce((a, b) => a + b, 0) / 4;
    expect(r.mean).toBeCloseTo(mean, 12);
    expect(r.std).toBeCloseTo(Math.sqrt(team.reduce((s, x) => s + (x - mean) ** 2, 0) / 4), 12);
    // an episode lasts until the last agent leaves
    expect(r.episodeLengths).toEqual([0, 1, 2, 3].map((k) => Math.max(...[0, 1, 2].map((i) => r.agentRewards[`agent${i}`]?.[k] as number))));
  });

  it('refuses a bad agent, env or option, naming it', () => {
    const env = new Countdown();
    expect(() => evaluateMultiAgent({} as never, env)).toThrow(/agent must be an object with predict\(observations\)/);
    expect(() => evaluateMultiAgent(firstAllowed, {} as never)).toThrow(/env must be a parallel env/);
    expect(() => evaluateMultiAgent(firstAllowed, env, { episodes: 3 } as never)).toThrow(/unknown.*episodes|episodes/);
    expect(() => evaluateMultiAgent(firstAllowed, env, { nEvalEpisodes: 0 })).toThrow(/nEvalEpisodes must be an integer >= 1, got 0/);
    expect(() => evaluateMultiAgent(firstAllowed, env, { deterministic: 'yes' as never })).toThrow(/deterministic must be true or false/);
  });
});

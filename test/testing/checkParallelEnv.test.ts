import { describe, expect, it } from 'vitest';
import { AecEnv, Box, checkAecEnv, checkParallelEnv, EnvCheckError, MarketData, MultiAgentTradingEnv, RegimeGenerator, type ParallelEnv } from '../../src/index.js';
import { LateJoiner, PartnerBitGame, XorGame } from '../agents/multiagent/games.js';

/** The name of the check `checkParallelEnv(env)` fails, or undefined when it passes. */
function failedCheck(env: ParallelEnv<string, Float32Array, number>): string | undefined {
  try {
    checkParallelEnv(env);
  } catch (e) {
    if (e instanceof EnvCheckError) return e.check;
    throw e;
  }
  return undefined;
}

describe('checkParallelEnv: agents joining mid-episode', () => {
  it('accepts an agent of possibleAgents joining after reset, its first observation in the step it joins', () => {
    expect(checkParallelEnv(new LateJoiner())).toContain('done-agents-removed');
  });

  it("the AEC view lets the joiner take its turns from the next cycle, and checkAecEnv passes", () => {
    expect(checkAecEnv(new AecEnv(new LateJoiner()))).toContain('cycle-ends');
    const aec = new AecEnv(new LateJoiner());
    aec.reset();
    const turns: string[] = [];
    for (const agent of aec.agentIter()) {
      turns.push(agent);
      const { termination, truncation, observation } = aec.last();
      if (agent === 'late' && turns.filter((a) => a === 'late').length === 1) expect(Array.from(observation)).toEqual([Math.fround(2 / 5)]);
      aec.step(termination || truncation ? null : 1);
    }
    // steps 1-2: early alone; 3-4: both; early's dead step; 5: late; late's dead step
    expect(turns).toEqual(['early', 'early', 'early', 'late', 'early', 'late', 'early', 'late', 'late']);
  });

  it.each([
    ['unknown', 'agents'],
    ['no-observation', 'step-return'],
  ] as const)('still refuses a joiner that is %s', (fault, check) => {
    expect(failedCheck(new LateJoiner(fault) as ParallelEnv<string, Float32Array, number>)).toBe(check);
  });

  it('still refuses an agent that acted, is done, and stays', () => {
    class Stays extends XorGame {
      override step(actions: Readonly<Partial<Record<'a' | 'b', number>>>) {
        const r = super.step(actions);
        if (this.agents.length === 0) this.agents = ['a'];
        return r;
      }
    }
    expect(failedCheck(new Stays() as ParallelEnv<string, Float32Array, number>)).toBe('done-agents-removed');
  });
});

describe('checkParallelEnv: a global state', () => {
  it('checks state() inside stateSpace after reset and every step, when the env has them', () => {
    const ran = checkParallelEnv(new PartnerBitGame());
    expect(ran).toContain('state-space');
    expect(ran).toContain('state-in-space');
    expect(checkParallelEnv(new XorGame())).not.toContain('state-in-space');
  });

  it('refuses a state without a stateSpace, and a state outside it', () => {
    class NoSpace extends XorGame {
      state(): Float32Array {
        return new Float32Array(2);
      }
    }
    class Outside extends PartnerBitGame {
      override readonly stateSpace = new Box(0, 1, [3]);
    }
    expect(failedCheck(new NoSpace() as ParallelEnv<string, Float32Array, number>)).toBe('state-space');
    expect(failedCheck(new Outside() as ParallelEnv<string, Float32Array, number>)).toBe('state-in-space');
  });
});

describe('checkParallelEnv: a snapshot (cloneState, restoreState)', () => {
  it('checks that a restored snapshot replays the same results', () => {
    expect(checkParallelEnv(new PartnerBitGame())).toContain('clone-state');
    expect(checkParallelEnv(new XorGame())).not.toContain('clone-state');
  });

  it('refuses a snapshot that misses part of the state, and one without its restore', () => {
    class ForgetsRng extends PartnerBitGame {
      override restoreState(state: unknown): void {
        const rng = this.rng;
        super.restoreState(state);
        this.rng = rng; // the random stream goes on from where it is
      }
    }
    class CloneOnly extends XorGame {
      cloneState(): unknown {
        return {};
      }
    }
    expect(failedCheck(new ForgetsRng() as ParallelEnv<string, Float32Array, number>)).toBe('clone-state');
    expect(failedCheck(new CloneOnly() as ParallelEnv<string, Float32Array, number>)).toBe('clone-state');
  });
});

describe("MultiAgentTradingEnv's global state", () => {
  const H = 3_600_000;
  const asset = (symbol: string, close: number[]) =>
    new MarketData({ symbol, timeframe: '1h', timestamps: close.map((_, i) => i * H), open: close, close, high: close, low: close, volume: close.map(() => 1) });

  it('holds per asset the last log return, the window mean and std, then exposures, cash and the sleeve weights', () => {
    const env = new MultiAgentTradingEnv({ assets: [asset('A', [100, 110, 121, 121, 121, 121]), asset('B', [50, 50, 55, 55, 55, 55])], windowSize: 2, fee: 0 });
    expect(env.stateSpace.shape).toEqual([5 * 2 + 2]);
    env.reset({ options: { start: 2 } });
    const l = Math.log(1.1);
    // A's window: ln 1.1, ln 1.1 (mean ln 1.1, std 0); B's: 0, ln 1.1 (mean and std ln 1.1 / 2)
    const want = [l, l, 0, l, l / 2, l / 2, 0, 0, 1, 0, 0, 0];
    Array.from(env.state()).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
    env.step({ 'specialist:A': 2, 'specialist:B': 2, meta: Float32Array.of(0, 0, 0) });
    const s = env.state();
    // equal logits: a third to each sleeve and cash; the cash fraction is 1 minus the exposures
    for (const w of s.subarray(9)) expect(w).toBeCloseTo(1 / 3, 6);
    expect(s[8]).toBeCloseTo(1 - (s[6] as number) - (s[7] as number), 6);
    expect(s[6]).toBeGreaterThan(0.3);
    const gen = RegimeGenerator.preset('crypto-15m');
    const assets = ['X', 'Y'].map((symbol, i) => gen.generate({ numSamples: 80, seed: i, symbol }).data);
    expect(checkParallelEnv(new MultiAgentTradingEnv({ assets, windowSize: 4, episodeLength: 10 }))).toContain('state-in-space');
  });

  it('reads no bar after the current one: futures that differ give the same state', () => {
    const past = [100, 101, 99, 102];
    const a = new MultiAgentTradingEnv({ assets: [asset('A', [...past, 103, 104, 105, 106])], windowSize: 3 });
    const b = new MultiAgentTradingEnv({ assets: [asset('A', [...past, 50, 200, 10, 300])], windowSize: 3 });
    a.reset({ options: { start: 3 } });
    b.reset({ options: { start: 3 } });
    expect(Array.from(b.state())).toEqual(Array.from(a.state()));
  });
});

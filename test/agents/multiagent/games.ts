// Small parallel envs for the multi-agent trainer's tests, each passing checkParallelEnv.
import { Rng, type RngState } from '../../../src/core/Rng.js';
import { TradegymError } from '../../../src/core/errors.js';
import type { Info, ResetParams } from '../../../src/core/types.js';
import type { ParallelEnv, ParallelResetResult, ParallelStepResult } from '../../../src/envs/multiagent/types.js';
import { Box, Discrete, type Env, type Space } from '../../../src/index.js';

/** Every agent's episode end after a step. */
export interface AgentEnd {
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/**
 * A parallel env whose agents share one Box observation space and one Discrete action space;
 * subclasses say what agents see, earn and when each is done. Done agents leave `agents`, and
 * an action for one is refused, as PettingZoo's Parallel API.
 */
export abstract class Game<A extends string> implements ParallelEnv<A, Float32Array, number> {
  agents: A[] = [];
  /** Steps since reset. */
  protected t = 0;
  protected rng = new Rng(0);
  readonly #obs: Box;
  readonly #act: Discrete;

  constructor(readonly possibleAgents: readonly A[], obsSize: number, nActions: number, high = 1) {
    this.#obs = new Box(0, high, [obsSize]);
    this.#act = new Discrete(nActions);
  }

  observationSpace(): Box {
    return this.#obs;
  }

  actionSpace(): Discrete {
    return this.#act;
  }

  /** Draws the episode's first state. */
  protected abstract start(): void;
  /** What `agent` sees now (a new array). */
  protected abstract observe(agent: A): Float32Array;
  /** The rewards of the live agents' actions; then the state moves on. */
  protected abstract act(actions: Readonly<Record<A, number>>): Record<A, number>;
  /** Whether `agent` is done after `t` steps. */
  protected abstract end(agent: A): AgentEnd;
  /** Every agent's info now. */
  protected info(): Info {
    return {};
  }

  reset(params: ResetParams = {}): ParallelResetResult<A, Float32Array> {
    if (params.seed !== undefined) this.rng = new Rng(params.seed);
    this.t = 0;
    this.agents = [...this.possibleAgents];
    this.start();
    return { observations: this.#each((a) => this.observe(a)), infos: this.#each(() => this.info()) };
  }

  step(actions: Readonly<Partial<Record<A, number>>>): ParallelStepResult<A, Float32Array> {
    for (const a of Object.keys(actions)) if (!this.agents.includes(a as A)) throw new TradegymError(`agent ${a} is not live`);
    for (const a of this.agents) if (!this.#act.contains(actions[a])) throw new TradegymError(`agent ${a} needs an action, got ${String(actions[a])}`);
    const rewards = this.act(actions as Record<A, number>);
    this.t++;
    const ends = this.#each((a) => this.end(a));
    const result = {
      observations: this.#each((a) => this.observe(a)),
      rewards: this.#each((a) => rewards[a]),
      terminations: this.#each((a) => ends[a].terminated),
      truncations: this.#each((a) => ends[a].truncated),
      infos: this.#each(() => this.info()),
    };
    this.agents = this.agents.filter((a) => !ends[a].terminated && !ends[a].truncated);
    return result;
  }

  #each<T>(f: (a: A) => T): Record<A, T> {
    return Object.fromEntries(this.agents.map((a) => [a, f(a)])) as Record<A, T>;
  }

  render(): undefined {
    return undefined;
  }

  close(): void {}
}

/**
 * The cooperative coordination game: each step, each of agents a and b draws a private random
 * bit; each sees [its own bit, its partner's bit]; the hidden target is the XOR of the two
 * bits, and both are rewarded 1 only if both actions equal the target (else 0). Episodes last
 * `length` steps and are truncated. Optimal return: `length` per episode.
 */
export class XorGame extends Game<'a' | 'b'> {
  #bits = [0, 0];

  constructor(readonly length = 4, readonly joint = true) {
    super(['a', 'b'], 2, 2);
  }

  protected start(): void {
    this.#draw();
  }

  #draw(): void {
    this.#bits = [this.rng.integer(0, 2), this.rng.integer(0, 2)];
  }

  protected observe(agent: 'a' | 'b'): Float32Array {
    const [x, y] = this.#bits as [number, number];
    return agent === 'a' ? Float32Array.of(x, y) : Float32Array.of(y, x);
  }

  protected act(actions: Readonly<Record<'a' | 'b', number>>): Record<'a' | 'b', number> {
    const target = (this.#bits[0] as number) ^ (this.#bits[1] as number);
    const r = actions.a === target && actions.b === target ? 1 : 0;
    this.#draw();
    if (!this.joint) return { a: actions.a === target ? 1 : 0, b: actions.b === target ? 1 : 0 };
    return { a: r, b: r };
  }

  protected end(): AgentEnd {
    return { terminated: false, truncated: this.t >= this.length };
  }
}

/**
 * Agents that leave at different times: agent `short` terminates after 3 steps, agent `long`
 * is truncated after 5; each sees [steps so far / 5] and earns 1 per step. With `masked`,
 * each agent's `info.actionMask` allows only action 1, and `violations` counts the 0s taken.
 */
export class Countdown extends Game<'short' | 'long'> {
  violations = 0;

  constructor(readonly masked = false) {
    super(['short', 'long'], 1, 2);
  }

  protected start(): void {}

  protected observe(): Float32Array {
    return Float32Array.of(this.t / 5);
  }

  protected act(actions: Readonly<Record<'short' | 'long', number>>): Record<'short' | 'long', number> {
    for (const a of this.agents) if (this.masked && actions[a] !== 1) this.violations++;
    return { short: 1, long: 1 };
  }

  protected end(agent: 'short' | 'long'): AgentEnd {
    return agent === 'short' ? { terminated: this.t >= 3, truncated: false } : { terminated: false, truncated: this.t >= 5 };
  }

  protected override info(): Info {
    return this.masked ? { actionMask: Int8Array.of(0, 1) } : {};
  }
}

/**
 * N single-agent envs as N agents `agent0`, `agent1`, ... of one parallel env: each acts in
 * its own env; an agent leaves when its episode ends, and the parallel episode ends when all
 * have (PettingZoo's Parallel API). Reset with a seed, env i takes seed + i.
 */
export class IndependentEnvs implements ParallelEnv<string, Float32Array, number> {
  readonly possibleAgents: readonly string[];
  agents: string[] = [];
  readonly #envs: ReadonlyMap<string, Env<Float32Array, number>>;

  constructor(envs: readonly Env<Float32Array, number>[]) {
    this.possibleAgents = envs.map((_, i) => `agent${i}`);
    this.#envs = new Map(envs.map((e, i) => [`agent${i}`, e]));
  }

  #env(agent: string): Env<Float32Array, number> {
    const env = this.#envs.get(agent);
    if (env === undefined) throw new TradegymError(`unknown agent ${agent}`);
    return env;
  }

  observationSpace(agent: string): Space<Float32Array> {
    return this.#env(agent).observationSpace;
  }

  actionSpace(agent: string): Space<number> {
    return this.#env(agent).actionSpace;
  }

  reset(params: ResetParams = {}): ParallelResetResult<string, Float32Array> {
    this.agents = [...this.possibleAgents];
    const observations: Record<string, Float32Array> = {};
    const infos: Record<string, Info> = {};
    this.possibleAgents.forEach((a, i) => {
      const r = this.#env(a).reset(params.seed === undefined ? {} : { seed: params.seed + i });
      observations[a] = r.observation;
      infos[a] = r.info;
    });
    return { observations, infos };
  }

  step(actions: Readonly<Partial<Record<string, number>>>): ParallelStepResult<string, Float32Array> {
    for (const a of Object.keys(actions)) if (!this.agents.includes(a)) throw new TradegymError(`agent ${a} is not live`);
    const out = { observations: {} as Record<string, Float32Array>, rewards: {} as Record<string, number>, terminations: {} as Record<string, boolean>, truncations: {} as Record<string, boolean>, infos: {} as Record<string, Info> };
    for (const a of this.agents) {
      const r = this.#env(a).step(actions[a] as number);
      out.observations[a] = r.observation;
      out.rewards[a] = r.reward;
      out.terminations[a] = r.terminated;
      out.truncations[a] = r.truncated;
      out.infos[a] = r.info;
    }
    this.agents = this.agents.filter((a) => !out.terminations[a] && !out.truncations[a]);
    return out;
  }

  render(): undefined {
    return undefined;
  }

  close(): void {
    for (const e of this.#envs.values()) e.close();
  }
}

/**
 * The partner-bit game, where a centralised critic should help: each step, agents a and b
 * each draw a private fair bit and see only their own ([own bit]); both receive the team
 * reward `([a's action = a's bit] + [b's action = b's bit]) / 2 + luck * (bitA + bitB - 1)`.
 * The luck term is zero-mean and no action changes it, but each agent sees only half of it:
 * an independent critic V(own bit) cannot predict `luck * partner's bit` (variance
 * `luck^2 / 4` in its advantages), while a centralised critic reading the global state
 * `state() = [bitA, bitB]` can. Episodes last `length` steps and are truncated. The optimum
 * answers each bit with itself: expected team reward 1 per step.
 */
export class PartnerBitGame extends Game<'a' | 'b'> {
  readonly stateSpace = new Box(0, 1, [2]);
  #bits = [0, 0];

  constructor(readonly luck = 2, readonly length = 8) {
    super(['a', 'b'], 1, 2);
  }

  protected start(): void {
    this.#draw();
  }

  #draw(): void {
    this.#bits = [this.rng.integer(0, 2), this.rng.integer(0, 2)];
  }

  state(): Float32Array {
    return Float32Array.from(this.#bits);
  }

  /** Everything its future depends on, for an exact resume. */
  cloneState(): unknown {
    return { t: this.t, agents: [...this.agents], rng: this.rng.getState(), bits: [...this.#bits] };
  }

  restoreState(state: unknown): void {
    const s = state as { t: number; agents: ('a' | 'b')[]; rng: RngState; bits: number[] };
    this.t = s.t;
    this.agents = [...s.agents];
    this.rng = new Rng();
    this.rng.setState(s.rng);
    this.#bits = [...s.bits];
  }

  protected observe(agent: 'a' | 'b'): Float32Array {
    return Float32Array.of(this.#bits[agent === 'a' ? 0 : 1] as number);
  }

  protected act(actions: Readonly<Record<'a' | 'b', number>>): Record<'a' | 'b', number> {
    const [x, y] = this.#bits as [number, number];
    const r = ((actions.a === x ? 1 : 0) + (actions.b === y ? 1 : 0)) / 2 + this.luck * (x + y - 1);
    this.#draw();
    return { a: r, b: r };
  }

  protected end(): AgentEnd {
    return { terminated: false, truncated: this.t >= this.length };
  }
}

/**
 * An agent that joins mid-episode (PettingZoo allows an agent of `possibleAgents` to join
 * after reset): at reset only `early` is live; `late` joins in step 2 (its first observation
 * is in that step's observations), `early` is truncated by step 4 and `late` terminates in
 * step 5, which ends the episode. Each sees [steps so far / 5] and earns 1 per step it acts.
 * `fault` plants one error for checkParallelEnv: `'unknown'` makes an agent outside
 * `possibleAgents` join, `'no-observation'` leaves the joiner's first observation out.
 */
export class LateJoiner implements ParallelEnv<'early' | 'late', Float32Array, number> {
  readonly possibleAgents = ['early', 'late'] as const;
  agents: ('early' | 'late')[] = [];
  #t = 0;
  readonly #obs = new Box(0, 1, [1]);
  readonly #act = new Discrete(2);

  constructor(readonly fault?: 'unknown' | 'no-observation') {}

  observationSpace(): Box {
    return this.#obs;
  }

  actionSpace(): Discrete {
    return this.#act;
  }

  reset(): ParallelResetResult<'early' | 'late', Float32Array> {
    this.#t = 0;
    this.agents = ['early'];
    return { observations: { early: Float32Array.of(0) } as Record<'early' | 'late', Float32Array>, infos: { early: {} } as Record<'early' | 'late', Info> };
  }

  step(actions: Readonly<Partial<Record<'early' | 'late', number>>>): ParallelStepResult<'early' | 'late', Float32Array> {
    for (const a of Object.keys(actions)) if (!this.agents.includes(a as 'early')) throw new TradegymError(`agent ${a} is not live`);
    for (const a of this.agents) if (!this.#act.contains(actions[a])) throw new TradegymError(`agent ${a} needs an action`);
    const acted = [...this.agents];
    this.#t++;
    const t = this.#t;
    const out = { observations: {} as Record<string, Float32Array>, rewards: {} as Record<string, number>, terminations: {} as Record<string, boolean>, truncations: {} as Record<string, boolean>, infos: {} as Record<string, Info> };
    for (const a of acted) {
      out.observations[a] = Float32Array.of(t / 5);
      out.rewards[a] = 1;
      out.terminations[a] = a === 'late' && t >= 5;
      out.truncations[a] = a === 'early' && t >= 4;
      out.infos[a] = {};
    }
    this.agents = acted.filter((a) => !out.terminations[a] && !out.truncations[a]);
    if (t === 2) {
      const joiner = (this.fault === 'unknown' ? 'ghost' : 'late') as 'late';
      this.agents.push(joiner);
      if (this.fault !== 'no-observation') out.observations[joiner] = Float32Array.of(t / 5);
      out.infos[joiner] = {};
    }
    return out as ParallelStepResult<'early' | 'late', Float32Array>;
  }

  render(): undefined {
    return undefined;
  }

  close(): void {}
}

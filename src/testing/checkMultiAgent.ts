import { requireInt, requireRecord, show } from '../core/checks.js';
import { cloneValue, valuesEqual } from '../core/equal.js';
import { EnvCheckError, TradegymError } from '../core/errors.js';
import type { AecEnv } from '../envs/multiagent/AecEnv.js';
import type { ParallelEnv } from '../envs/multiagent/types.js';
import { Box } from '../spaces/Box.js';
import { Space } from '../spaces/Space.js';

/** Options of {@link checkParallelEnv} and {@link checkAecEnv}. */
export interface CheckMultiAgentOptions {
  /** The longest rollout, in parallel steps or AEC turns (default 1000). */
  readonly maxSteps?: number;
  /** The seed for resets and sampled actions (default 123). */
  readonly seed?: number;
}

function check(ok: boolean, name: string, detail: () => string): void {
  if (!ok) throw new EnvCheckError(name, detail());
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkSpaces<A extends string>(possible: readonly A[], obs: (a: A) => unknown, act: (a: A) => unknown): void {
  check(Array.isArray(possible) && possible.length > 0 && new Set(possible).size === possible.length, 'possible-agents', () => `possibleAgents must be a non-empty list of unique names, got ${show(possible)}`);
  for (const a of possible) {
    const o = obs(a);
    const s = act(a);
    check(o instanceof Space && s instanceof Space, 'spaces', () => `observationSpace(${a}) and actionSpace(${a}) must be Spaces`);
    check(obs(a) === o && act(a) === s, 'spaces-stable', () => `observationSpace(${a}) and actionSpace(${a}) must return the same object on every call`);
  }
}

function checkAgents<A extends string>(agents: readonly A[], possible: readonly A[], when: string): void {
  let last = -1;
  for (const a of agents) {
    const i = possible.indexOf(a);
    check(i > last, 'agents', () => `${when}: agents must be possibleAgents, unique and in their order, got ${show(agents)}`);
    last = i;
  }
}

function sameKeys(rec: unknown, agents: readonly string[], what: string, name: string): void {
  check(isObj(rec), name, () => `${what} must be an object keyed by agent, got ${show(rec)}`);
  const keys = Object.keys(rec as object).sort();
  const want = [...agents].sort();
  check(valuesEqual(keys, want), name, () => `${what} must have exactly the keys ${want.join(', ')}, got ${keys.join(', ')}`);
}

/** The env's global state now, checked against its `stateSpace` (when it has `state`). */
function checkState<A extends string, Obs, Act>(env: ParallelEnv<A, Obs, Act>, when: string): void {
  if (env.state === undefined) return;
  const s = env.state();
  check(env.stateSpace?.contains(s) === true, 'state-in-space', () => `${when}: state() must be a Float32Array in stateSpace, got ${show(s)}`);
}

/**
 * An env's snapshot (`cloneState`, through JSON) taken after a step, restored after three
 * more: the same actions then give the same results.
 */
function checkCloneState<A extends string, Obs, Act>(env: ParallelEnv<A, Obs, Act>, seed: number): void {
  const clone = env.cloneState as () => unknown;
  const restore = env.restoreState as (s: unknown) => void;
  env.reset({ seed });
  const play = (actions: Record<A, Act>[] | undefined): unknown[] => {
    const out: unknown[] = [];
    for (let k = 0; k < 3 && env.agents.length > 0; k++) {
      const act = actions?.[k] ?? (Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample()])) as Record<A, Act>);
      if (actions === undefined) taken.push(act);
      out.push(cloneValue(env.step(act)), [...env.agents]);
    }
    return out;
  };
  const taken: Record<A, Act>[] = [];
  play(undefined);
  if (env.agents.length === 0) return;
  const snapshot = JSON.parse(JSON.stringify(clone.call(env))) as unknown;
  taken.length = 0;
  const first = play(undefined);
  restore.call(env, snapshot);
  check(valuesEqual(play(taken), first), 'clone-state', () => 'after restoreState(cloneState()) the same actions gave different results: the snapshot misses part of the state');
}

/**
 * Checks an env against PettingZoo's Parallel API rules (as its `parallel_api_test`):
 * stable per-agent spaces; live agents drawn from `possibleAgents`, unique and in order;
 * reset results keyed by exactly the live agents; step rewards and flags keyed by the agents
 * that acted, observations and infos by those and the agents that joined in the step (an
 * agent of `possibleAgents` not live before it); observations in their spaces; finite
 * rewards; boolean flags; done agents leaving `agents`; stepping a done agent refused; reset
 * deterministic under a seed; returned observations not mutated later; a global state, when
 * the env has one (`state()` and a Box `stateSpace`, both or neither), inside its space after
 * every reset and step; a snapshot, when the env takes one (`cloneState` and `restoreState`,
 * both or neither), that restores it: the same actions give the same results; close twice.
 *
 * @param env - the parallel env (reset and stepped with sampled actions).
 * @param options - `maxSteps`, `seed`.
 * @returns the names of the checks that ran, all passed.
 * @throws {@link EnvCheckError} naming the first failed check.
 * @example
 * ```ts
 * import { MultiAgentTradingEnv, RegimeGenerator, checkParallelEnv } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 200, seed: i, symbol }).data);
 * console.log(checkParallelEnv(new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 30 })));
 * ```
 */
export function checkParallelEnv<A extends string, Obs, Act>(env: ParallelEnv<A, Obs, Act>, options: CheckMultiAgentOptions = {}): string[] {
  requireRecord('options', options);
  const maxSteps = requireInt('maxSteps', options.maxSteps ?? 1000, 1);
  const seed = requireInt('seed', options.seed ?? 123, 0);
  const ran: string[] = [];
  const possible = env.possibleAgents;
  checkSpaces(possible, (a) => env.observationSpace(a), (a) => env.actionSpace(a));
  ran.push('possible-agents', 'spaces', 'spaces-stable');
  const hasState = typeof env.state === 'function';
  check(hasState === (env.stateSpace !== undefined) && (env.stateSpace === undefined || env.stateSpace instanceof Box), 'state-space', () => `state() and stateSpace come together, stateSpace a Box: got state ${typeof env.state}, stateSpace ${show(env.stateSpace)}`);
  if (hasState) ran.push('state-space');

  const r = env.reset({ seed });
  checkAgents(env.agents, possible, 'after reset');
  sameKeys(r.observations, env.agents, 'reset observations', 'reset-return');
  sameKeys(r.infos, env.agents, 'reset infos', 'reset-return');
  for (const a of env.agents) check(env.observationSpace(a).contains(r.observations[a]), 'observation-in-space', () => `reset observation of ${a} is outside its space: ${show(r.observations[a])}`);
  checkState(env, 'after reset');
  const first = cloneValue(r.observations);
  check(valuesEqual(first, env.reset({ seed }).observations), 'reset-seed-determinism', () => `reset({ seed: ${seed} }) twice gave different observations`);
  ran.push('agents', 'reset-return', 'observation-in-space', 'reset-seed-determinism');
  const clones = typeof env.cloneState === 'function';
  check(clones === (typeof env.restoreState === 'function'), 'clone-state', () => `cloneState() and restoreState() come together: got cloneState ${typeof env.cloneState}, restoreState ${typeof env.restoreState}`);
  if (clones) {
    possible.forEach((a, i) => env.actionSpace(a).seed(seed + i));
    checkCloneState(env, seed);
    ran.push('clone-state');
  }

  possible.forEach((a, i) => env.actionSpace(a).seed(seed + i));
  let previous = env.reset({ seed }).observations;
  let kept = cloneValue(previous);
  let doneAgent: A | undefined;
  for (let t = 0; t < maxSteps && env.agents.length > 0; t++) {
    const before = [...env.agents];
    const actions = {} as Record<A, Act>;
    for (const a of before) actions[a] = env.actionSpace(a).sample();
    const s = env.step(actions);
    checkAgents(env.agents, possible, `after step ${t}`);
    const joined = env.agents.filter((a) => !before.includes(a));
    for (const [what, rec] of [['rewards', s.rewards], ['terminations', s.terminations], ['truncations', s.truncations]] as const) {
      sameKeys(rec, before, `step ${t} ${what}`, 'step-return');
    }
    for (const [what, rec] of [['observations', s.observations], ['infos', s.infos]] as const) sameKeys(rec, [...before, ...joined], `step ${t} ${what} (the agents that acted and those that joined)`, 'step-return');
    for (const a of joined) {
      check(env.observationSpace(a).contains(s.observations[a]), 'observation-in-space', () => `step ${t}: first observation of ${a}, which joined, is outside its space`);
      check(isObj(s.infos[a]), 'step-return', () => `step ${t}: info of ${a} must be an object`);
    }
    checkState(env, `after step ${t}`);
    for (const a of before) {
      check(env.observationSpace(a).contains(s.observations[a]), 'observation-in-space', () => `step ${t}: observation of ${a} is outside its space`);
      check(typeof s.rewards[a] === 'number' && Number.isFinite(s.rewards[a]), 'reward-finite', () => `step ${t}: reward of ${a} is ${show(s.rewards[a])}`);
      check(typeof s.terminations[a] === 'boolean' && typeof s.truncations[a] === 'boolean', 'step-return', () => `step ${t}: flags of ${a} must be booleans`);
      check(isObj(s.infos[a]), 'step-return', () => `step ${t}: info of ${a} must be an object`);
    }
    check(valuesEqual(kept, previous), 'observation-not-mutated', () => `observations returned before step ${t} changed after it`);
    const expected = before.filter((a) => !s.terminations[a] && !s.truncations[a]);
    const stayed = env.agents.filter((a) => before.includes(a));
    check(valuesEqual(stayed, expected), 'done-agents-removed', () => `after step ${t} the agents that acted and are still live must be ${show(expected)}, got ${show(stayed)}`);
    doneAgent = before.find((a) => s.terminations[a] || s.truncations[a]) ?? doneAgent;
    previous = s.observations;
    kept = cloneValue(previous);
  }
  ran.push('step-return', 'reward-finite', 'observation-not-mutated', 'done-agents-removed');
  if (hasState) ran.push('state-in-space');
  if (doneAgent !== undefined) {
    let threw: unknown;
    try {
      env.step({ [doneAgent]: env.actionSpace(doneAgent).sample() } as unknown as Record<A, Act>);
    } catch (e) {
      threw = e;
    }
    check(threw instanceof TradegymError, 'done-agent-refused', () => `stepping ${doneAgent} after it was done must throw a TradegymError, got ${threw === undefined ? 'no error' : String(threw)}`);
    ran.push('done-agent-refused');
  }
  const text = env.render();
  check(text === undefined || typeof text === 'string', 'render', () => `render() must return a string or undefined, got ${show(text)}`);
  env.close();
  env.close();
  ran.push('render', 'close');
  return ran;
}

/**
 * Checks an AEC env against PettingZoo's AEC rules (as its `api_test`): stable spaces; the
 * selected agent is live; `last()` gives an observation in its space, a finite reward and
 * boolean flags; a live agent refuses `null` and a done agent refuses an action, and its
 * `null` dead step removes it; the cycle ends with no agents.
 *
 * @param env - the AEC env (reset and cycled with sampled actions).
 * @param options - `maxSteps`, `seed`.
 * @returns the names of the checks that ran, all passed.
 * @throws {@link EnvCheckError} naming the first failed check.
 * @example
 * ```ts
 * import { MultiAgentTradingEnv, RegimeGenerator, checkAecEnv } from 'tradegym';
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 200, seed: i, symbol }).data);
 * console.log(checkAecEnv(new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 30 }).toAec()));
 * ```
 */
export function checkAecEnv<A extends string, Obs, Act>(env: AecEnv<A, Obs, Act>, options: CheckMultiAgentOptions = {}): string[] {
  requireRecord('options', options);
  const maxSteps = requireInt('maxSteps', options.maxSteps ?? 1000, 1);
  const seed = requireInt('seed', options.seed ?? 123, 0);
  const possible = env.possibleAgents;
  checkSpaces(possible, (a) => env.observationSpace(a), (a) => env.actionSpace(a));
  possible.forEach((a, i) => env.actionSpace(a).seed(seed + i));
  env.reset({ seed });
  checkAgents(env.agents, possible, 'after reset');
  const ran = ['possible-agents', 'spaces', 'spaces-stable', 'agents'];
  let refusedNull = false;
  let deadSteps = 0;
  let turns = 0;
  for (const agent of env.agentIter(maxSteps)) {
    turns++;
    check(env.agents.includes(agent), 'agent-selection', () => `agentSelection ${agent} is not among agents ${show(env.agents)}`);
    const last = env.last();
    check(env.observationSpace(agent).contains(last.observation), 'observation-in-space', () => `last() observation of ${agent} is outside its space`);
    check(typeof last.reward === 'number' && Number.isFinite(last.reward), 'reward-finite', () => `last() reward of ${agent} is ${show(last.reward)}`);
    check(typeof last.termination === 'boolean' && typeof last.truncation === 'boolean', 'last-return', () => `last() flags of ${agent} must be booleans`);
    check(isObj(last.info), 'last-return', () => `last() info of ${agent} must be an object`);
    if (last.termination || last.truncation) {
      let threw: unknown;
      try {
        env.step(env.actionSpace(agent).sample());
      } catch (e) {
        threw = e;
      }
      check(threw instanceof TradegymError, 'dead-step-required', () => `a done agent (${agent}) must refuse an action, got ${threw === undefined ? 'no error' : String(threw)}`);
      env.step(null);
      check(!env.agents.includes(agent), 'dead-step-removes', () => `the dead step of ${agent} must remove it from agents`);
      deadSteps++;
    } else {
      if (!refusedNull) {
        let threw: unknown;
        try {
          env.step(null);
        } catch (e) {
          threw = e;
        }
        check(threw instanceof TradegymError, 'live-agent-refuses-null', () => `a live agent (${agent}) must refuse a null action, got ${threw === undefined ? 'no error' : String(threw)}`);
        refusedNull = true;
      }
      env.step(env.actionSpace(agent).sample());
    }
    checkAgents(env.agents, possible, `after turn ${turns}`);
  }
  ran.push('agent-selection', 'observation-in-space', 'reward-finite', 'last-return', 'live-agent-refuses-null');
  if (deadSteps > 0) {
    check(env.agents.length === 0, 'cycle-ends', () => `after every dead step no agents should remain, got ${show(env.agents)}`);
    ran.push('dead-step-required', 'dead-step-removes', 'cycle-ends');
  }
  env.close();
  env.close();
  ran.push('close');
  return ran;
}

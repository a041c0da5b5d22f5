import * as tfjs from '@tensorflow/tfjs';
import type * as tf from '@tensorflow/tfjs';
import { fail, requireInt, requireKnownKeys, requireSeed, show } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Info } from '../../core/types.js';
import type { Box } from '../../spaces/Box.js';
import type { ParallelEnv, ParallelStepResult } from '../../envs/multiagent/types.js';
import { checkParallelEnv } from '../../testing/checkMultiAgent.js';
import { quietCpuBackend } from '../backend.js';
import { Lifetime, requireObservation } from '../common/guards.js';
import { checkpointIO, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointTarget } from '../common/checkpoint.js';
import { extractorFromRecord } from '../common/featuresExtractor.js';
import { runLearn } from '../common/training.js';
import type { AgentAction, CallbackAgent, LearnOptions, LogRecord } from '../common/types.js';
import type { A2C } from '../a2c/A2C.js';
import type { PPO } from '../ppo/PPO.js';
import { resolvePolicies, type MultiAgentOptions, type PolicySpec, type RestoredPretrained } from './options.js';
import { PolicyRunner, type SavedRunner, type Slot } from './PolicyRunner.js';

/**
 * Options of {@link MultiAgentTrainer.predict}.
 *
 * @example
 * ```ts
 * import type { MultiAgentPredictOptions } from 'tradegym/agents';
 * const options: MultiAgentPredictOptions<'a' | 'b'> = { deterministic: true, actionMasks: { a: [1, 0, 1] } };
 * console.log(options.actionMasks?.a); // [ 1, 0, 1 ]
 * ```
 */
export interface MultiAgentPredictOptions<A extends string = string> {
  /** The most likely actions instead of samples (default false). */
  readonly deterministic?: boolean;
  /** Action masks by agent (1 allowed, 0 not), for agents with categorical actions. */
  readonly actionMasks?: Readonly<Partial<Record<A, ArrayLike<number>>>>;
}

/**
 * Trains several policies together on a PettingZoo-style parallel env, the shape of Ray
 * RLlib's multi-agent API: a `policies` map, a `policyMappingFn(agentId) -> policyId`,
 * `policiesToTrain` (the others act but stay frozen). Each policy is a PPO (independent PPO,
 * "IPPO", de Witt et al. 2020) or an A2C, trained by that algorithm's own update on the
 * transitions of the agents mapped to it: agents mapped to one policy share its parameters,
 * each a column of its rollout (with `agentIdInput`, a one-hot of the agent is appended to its
 * observation so a shared policy can still specialise).
 *
 * A PPO policy with `centralCritic` is trained as MAPPO (Yu et al. 2022): its value network
 * reads the env's global state (`env.state()`, PettingZoo's) with the agent's observation,
 * its actor the observation alone. A trained PPO or A2C given as a spec's `policy` acts
 * frozen and stays the caller's (the trainer never disposes it).
 *
 * The env follows PettingZoo's Parallel API: agents may leave when they terminate or are
 * truncated, and join later (an agent's first observation starts its trajectory); a
 * truncated agent's return is bootstrapped from its final
 * observation, a terminated one's is not; the episode ends when no agent is left, and the
 * trainer resets the env. An agent whose `info.actionMask` is present samples only allowed
 * actions, and its update evaluates them under the same mask. `numTimesteps` counts agent
 * steps (every live agent's step), as a vector env's steps count every sub-env's.
 *
 * The env is made by `envFn`: a first env is checked with `checkParallelEnv` (which closes
 * it), a second is trained on (or `numEnvs` copies, stepped together: each agent of each copy
 * is a column of its policy's rollout). Log records hold each policy's Stable-Baselines3 keys
 * prefixed by its id (`meta/train/policy_gradient_loss`, `meta/rollout/ep_rew_mean`); an
 * iteration ends when a policy that trains has updated.
 *
 * @typeParam A - the env's agent ids.
 * @typeParam Act - the env's action type.
 *
 * @example
 * ```ts
 * import { MultiAgentTradingEnv, RegimeGenerator } from 'tradegym';
 * import { MultiAgentTrainer, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const gen = RegimeGenerator.preset('crypto-15m');
 * const assets = ['BTC', 'ETH'].map((symbol, i) => gen.generate({ numSamples: 120, seed: i, symbol }).data);
 * // a specialist per pair (BTC and ETH share one policy) and a portfolio meta-agent
 * const quick = { nSteps: 32, batchSize: 32, nEpochs: 1 };
 * const trainer = new MultiAgentTrainer(() => new MultiAgentTradingEnv({ assets, windowSize: 8, episodeLength: 30 }), {
 *   policies: { trader: { options: quick, agentIdInput: true }, meta: { options: quick } },
 *   policyMappingFn: (agent) => (agent === 'meta' ? 'meta' : 'trader'),
 *   seed: 0,
 * });
 * await trainer.learn({ totalTimesteps: 96 });
 * console.log(trainer.policyOf('specialist:BTC'), trainer.policyOf('meta')); // trader meta
 * trainer.dispose();
 * ```
 */
export class MultiAgentTrainer<A extends string = string, Act extends AgentAction = AgentAction> {
  /** The env trained on (the first copy with `numEnvs` > 1). */
  readonly env: ParallelEnv<A, Float32Array, Act>;
  /** Every copy of the env trained on (`numEnvs` of them), stepped together. */
  readonly envs: readonly ParallelEnv<A, Float32Array, Act>[];
  /** Agent steps taken by `learn` so far (every live agent's step counts). */
  numTimesteps = 0;
  readonly #runners: PolicyRunner<A, Act>[];
  readonly #byAgent: ReadonlyMap<A, PolicyRunner<A, Act>>;
  readonly #seed: number | undefined;
  readonly #specs: readonly { readonly id: string; readonly algorithm: 'PPO' | 'A2C'; readonly agentIdInput: boolean; readonly train: boolean; readonly centralCritic: boolean }[];
  readonly #lifetime = new Lifetime();
  /** The live agents' current observations and infos, or undefined before the first reset. */
  #obs: Partial<Record<A, Float32Array>>[] | undefined;
  #infos: Partial<Record<A, Info>>[] = [];
  /** Each env copy's global state now, read when a policy has a centralised critic. */
  #state: (Float32Array | undefined)[] = [];
  readonly #readsState: boolean;
  /**
   * The pretrained policies `load` is rebuilding, by id, handed to the constructor it calls
   * (synchronously: the constructor takes them at once and leaves the map empty).
   */
  static #restoring: ReadonlyMap<string, RestoredPretrained> = new Map();

  /**
   * @param envFn - a function returning a new parallel env on each call (Box observations;
   *   Discrete, MultiDiscrete or Box actions).
   * @param options - see {@link MultiAgentOptions}.
   * @throws `EnvCheckError` (from `tradegym`) if the env fails `checkParallelEnv`.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a mapping to an
   *   unknown policy, a policy whose spaces disagree with an agent mapped to it, a policy no
   *   agent maps to, or a policy option out of range: each message names the agent and the
   *   policy. A constructor that throws allocates no tensors.
   */
  constructor(envFn: () => ParallelEnv<A, Float32Array, Act>, options: MultiAgentOptions<A>) {
    const restoring = MultiAgentTrainer.#restoring;
    MultiAgentTrainer.#restoring = new Map();
    if (typeof envFn !== 'function') fail('envFn', 'a function returning a new parallel env', envFn);
    requireKnownKeys('options', options, ['policies', 'policyMappingFn', 'policiesToTrain', 'seed', 'numEnvs']);
    this.#seed = options.seed === undefined ? undefined : requireSeed('seed', options.seed);
    const numEnvs = requireInt('numEnvs', options.numEnvs ?? 1, 1);
    const checked = envFn();
    checkParallelEnv(checked);
    const envs = Array.from({ length: numEnvs }, () => envFn());
    const env = envs[0] as ParallelEnv<A, Float32Array, Act>;
    if (new Set([checked, ...envs]).size !== numEnvs + 1) fail('envFn', 'a function returning a NEW env on each call (checkParallelEnv closes the one it checks)', envFn);
    this.env = env;
    this.envs = envs;
    const resolved = resolvePolicies(env, options, restoring);
    quietCpuBackend();
    const runners: PolicyRunner<A, Act>[] = [];
    try {
      resolved.forEach((p, i) => runners.push(new PolicyRunner<A, Act>(p, this.#seed === undefined ? undefined : this.#seed + i, numEnvs)));
    } catch (e) {
      // a failed constructor leaves no tensors behind (and pretrained policies as they were)
      runners.forEach((r) => r.owned && r.agent.dispose());
      throw e;
    }
    this.#runners = runners;
    this.#readsState = runners.some((r) => r.stateSize > 0);
    this.#specs = resolved.map((p) => ({ id: p.id, algorithm: p.algorithm, agentIdInput: p.agentIdInput, train: p.train, centralCritic: p.stateSize > 0 }));
    this.#byAgent = new Map(runners.flatMap((r) => r.agents.map((a) => [a, r] as const)));
  }

  /** The policy ids, in `policies` order. */
  get policyIds(): readonly string[] {
    return this.#runners.map((r) => r.id);
  }

  /**
   * The policy an agent is mapped to.
   * @param agent - an agent of `env.possibleAgents`.
   * @returns its policy id.
   * @throws `InvalidArgumentError` (from `tradegym`) for an agent the env does not have.
   */
  policyOf(agent: A): string {
    return this.#runner(agent).id;
  }

  /**
   * A policy's agent: its network (`policy`), `predict` on one input, `save`. A policy with
   * `agentIdInput` reads the observation followed by the one-hot of the agent's index among
   * the agents mapped to it.
   * @param id - a policy id.
   * @returns the PPO or A2C that trains it (released by the trainer's `dispose()`; its
   *   `numTimesteps` counts its agents' steps; its own `learn` refuses: it has no env), or the
   *   pretrained policy given as the spec's `policy` (the caller's: left as it was), or in a
   *   loaded trainer the pretrained policy rebuilt from the checkpoint (the trainer's: released
   *   by its `dispose()`).
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown policy id.
   */
  policy(id: string): PPO<Act> | A2C<Act> {
    const r = this.#runners.find((x) => x.id === id);
    if (r === undefined) throw new InvalidArgumentError(`policy id must be one of ${this.policyIds.join(', ')}, got ${show(id)}`);
    return r.agent;
  }

  #runner(agent: A): PolicyRunner<A, Act> {
    const r = this.#byAgent.get(agent);
    if (r === undefined) throw new InvalidArgumentError(`agent must be one of the env's possibleAgents (${this.env.possibleAgents.join(', ')}), got ${show(agent)}`);
    return r;
  }

  /**
   * Trains for `totalTimesteps` agent steps; callbacks get this trainer and each record.
   * @param options - `totalTimesteps`, an optional `callback` and `progressBar`.
   * @returns this trainer.
   * @throws `InvalidArgumentError` (from `tradegym`) if `totalTimesteps` is not an integer >=
   *   1, or an agent's `info.actionMask` is malformed (naming the agent and policy);
   *   `TradegymError` after `dispose()` or while another `learn` runs.
   */
  async learn(options: LearnOptions): Promise<this> {
    const stats = { record: (): LogRecord => Object.assign({}, ...this.#runners.map((r) => r.episodeRecord())) as LogRecord };
    const work = () => runLearn(this as unknown as CallbackAgent & { numTimesteps: number }, options, stats, (start, end) => this.#iteration(start, end));
    // every policy's typed mirrors are read before and written back after, nested
    const all = this.#runners.reduceRight<() => Promise<void>>((inner, r) => () => r.agent.aroundTraining(inner), work);
    await this.#lifetime.learning(all);
    return this;
  }

  /** Rollout steps until a policy that trains has updated (or, if none trains, one has a full rollout). */
  #iteration(start: number, end: number): Record<string, number> {
    if (this.#obs === undefined) {
      this.#obs = [];
      // copy e's first reset takes seed + e, as Stable-Baselines3 seeds a vector env
      this.envs.forEach((_, e) => this.#reset(e, this.#seed === undefined ? undefined : this.#seed + e));
    }
    const anyTrains = this.#runners.some((r) => r.train);
    const own = this.#runners.filter((r) => !r.external);
    for (;;) {
      for (const r of own) r.openRollout();
      this.#step();
      const live = this.#live();
      const obs = this.#obs;
      const progress = Math.max(0, 1 - (this.numTimesteps - start) / (end - start));
      let log: Record<string, number> | undefined;
      for (const r of own) {
        if (!r.agent.rolloutBuffer.full) continue;
        if (r.train || !anyTrains) log = { ...log, ...(r.train ? r.update(live, obs, progress, this.#state) : {}) };
      }
      // only pretrained policies: nothing has a rollout, an iteration is a step
      if (log !== undefined || own.length === 0) return log ?? {};
    }
  }

  /** The live agents of every env copy, as slots. */
  #live(): Slot<A>[] {
    return this.envs.flatMap((env, e) => env.agents.map((a) => [e, a] as const));
  }

  /** Resets env copy `e`, seeded on the first reset only (later episodes continue its random stream). */
  #reset(e: number, seed?: number): void {
    const r = (this.envs[e] as ParallelEnv<A, Float32Array, Act>).reset(seed === undefined ? {} : { seed });
    (this.#obs as Partial<Record<A, Float32Array>>[])[e] = { ...r.observations };
    this.#infos[e] = { ...r.infos };
    this.#state[e] = this.#readState(e);
    for (const runner of this.#runners) runner.endEpisode(e);
  }

  /**
   * One parallel step of every env copy: every live agent acts through its policy (one batch
   * per policy over the copies); rewards and ends recorded; a copy reset when no agent is left.
   */
  #step(): void {
    const live = this.#live();
    const obs = this.#obs as Partial<Record<A, Float32Array>>[];
    const actions = this.envs.map(() => ({}) as Record<A, Act>);
    const mine = this.#runners.map((r) => live.filter(([, a]) => r.has(a)));
    this.#runners.forEach((r, i) => {
      const slots = mine[i] as Slot<A>[];
      r.act(slots, obs, this.#infos, this.#state).forEach((act, j) => {
        const [e, a] = slots[j] as Slot<A>;
        (actions[e] as Record<A, Act>)[a] = act;
      });
    });
    const results = this.envs.map((env, e) => env.step(actions[e] as Record<A, Act>));
    // the state after the step: a truncated agent's bootstrap reads it with its final observation
    this.#state = this.envs.map((_, e) => this.#readState(e));
    this.#runners.forEach((r, i) => r.record(mine[i] as Slot<A>[], results, this.#state));
    this.numTimesteps += live.length;
    this.envs.forEach((env, e) => {
      if (env.agents.length === 0) this.#reset(e);
      else {
        // agents that joined in this step are in its observations (PettingZoo's Parallel API)
        const s = results[e] as ParallelStepResult<A, Float32Array>;
        obs[e] = { ...s.observations };
        this.#infos[e] = { ...s.infos };
      }
    });
  }

  /** Env copy `e`'s global state, checked against its `stateSpace`, when a centralised critic reads it. */
  #readState(e: number): Float32Array | undefined {
    if (!this.#readsState) return undefined;
    const env = this.envs[e] as ParallelEnv<A, Float32Array, Act>;
    const space = env.stateSpace as Box;
    const state = (env.state as () => Float32Array).call(env);
    if (!space.contains(state)) throw new InvalidArgumentError(`env.state() must return a Float32Array in env.stateSpace ${String(space)}, got ${show(state)}`);
    return state;
  }

  /**
   * The actions of several agents, each from its policy.
   * @param observations - observations by agent (any subset of the env's agents).
   * @param options - `deterministic`, `actionMasks` by agent.
   * @returns the actions by agent, ready for `env.step`.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown agent, an observation
   *   outside its agent's Box length or not finite, an unknown option or a malformed mask;
   *   `TradegymError` after `dispose()`.
   */
  predict(observations: Readonly<Partial<Record<A, Float32Array>>>, options: MultiAgentPredictOptions<A> = {}): Partial<Record<A, Act>> {
    this.#lifetime.require('predict');
    requireKnownKeys('options', options, ['deterministic', 'actionMasks']);
    const out: Partial<Record<A, Act>> = {};
    for (const a of Object.keys(observations) as A[]) {
      const r = this.#runner(a);
      const mask = options.actionMasks?.[a];
      const x = requireObservation(observations[a], r.obsSize);
      out[a] = r.agent.predict(r.input(a, x), { ...(options.deterministic === undefined ? {} : { deterministic: options.deterministic }), ...(mask === undefined ? {} : { actionMask: mask }) });
    }
    return out;
  }

  /**
   * Saves every policy together in one crash-safe checkpoint (see PPO's `save`): each
   * policy's options, network, optimizer state, RNG and step counter (a pretrained policy's
   * too), the policies to train and the trainer's step counter; and when the env can snapshot
   * itself (`cloneState`), the env's snapshot, the loop's state and every policy's partly
   * filled rollout, so that `load` resumes training exactly. It may be called from a callback
   * in the middle of `learn`. The mapping function is not saved: pass it to `load`.
   * @param dir - a directory, a tfjs URL such as `'indexeddb://my-agents'`, or a `tf.io.IOHandler`.
   * @throws `CheckpointError` (from `tradegym`) if a file is in the way of `dir`;
   *   `InvalidArgumentError` for a target none of these; `TradegymError` for a policy option
   *   holding a custom schedule function, or after `dispose()`.
   */
  async save(dir: CheckpointTarget): Promise<void> {
    this.#lifetime.require('save');
    const { handler } = checkpointIO('dir', dir, 'save');
    const snaps = this.#runners.map((r) => r.agent.snapshot());
    const temporary: tf.Tensor[] = [];
    try {
      // one flat options record, so the checkpoint code checks and rebuilds every schedule
      const options: Record<string, unknown> = {};
      const tensors: Record<string, tf.Tensor> = {};
      snaps.forEach((snap, i) => {
        for (const [k, v] of Object.entries(snap.config)) if (k !== 'seed') options[JSON.stringify([i, k])] = v;
        for (const [k, t] of Object.entries(snap.tensors)) tensors[`policy${i}/${k}`] = t;
      });
      const policies: SavedPolicy[] = this.#specs.map((p, i) => {
        const r = this.#runners[i] as PolicyRunner<A, Act>;
        const critic = r.agent.policy.spec.criticObsSize;
        // a pretrained policy, to be rebuilt as it was built and to act as it does
        const pretrained: RestoredPretrained | undefined = r.external ? { deterministic: r.deterministic, numEnvs: r.agent.env.numEnvs, ...(critic === undefined ? {} : { criticObsSize: critic }) } : undefined;
        return { ...p, ...(pretrained === undefined ? {} : { pretrained }), header: (snaps[i] as (typeof snaps)[number]).header };
      });
      const saved: SavedTrainer = { seed: this.#seed ?? null, numEnvs: this.envs.length, policies, resume: this.#resumeState(tensors, temporary) };
      // every checkpoint header has an rng: the first policy's (each policy's header has its own)
      const rng = (snaps[0] as (typeof snaps)[number]).header.rng;
      await writeCheckpoint(handler, { algorithm: MULTI_AGENT, numTimesteps: this.numTimesteps, rng, spec: saved, optimizerStep: 0, rollout: null }, options, tensors);
    } finally {
      snaps.forEach((snap) => snap.temporary.forEach((t) => t.dispose()));
      temporary.forEach((t) => t.dispose());
    }
  }

  /**
   * What resumes training exactly, when the env can be snapshotted (`cloneState`) and has been
   * reset: the env's snapshot, the live agents' observations and action masks, the global
   * state, and each runner's episode state and rollout (its arrays added to `tensors` as
   * `policy<i>/rollout/<name>`, made for the save and listed in `temporary`); else null.
   */
  #resumeState(tensors: Record<string, tf.Tensor>, temporary: tf.Tensor[]): SavedResume | null {
    const obs = this.#obs;
    if (obs === undefined || !this.envs.every((env) => typeof env.cloneState === 'function')) return null;
    const masks = this.#infos.map((infos) => {
      const m: Record<string, number[]> = {};
      for (const [a, info] of Object.entries(infos) as [A, Info | undefined][]) {
        const mask = (info as { actionMask?: ArrayLike<number> } | undefined)?.actionMask;
        if (mask !== undefined) m[a] = Array.from(mask);
      }
      return m;
    });
    const runners = this.#runners.map((r, i) => {
      const { saved, arrays } = r.rolloutState();
      for (const [k, v] of Object.entries(arrays)) {
        const t = tfjs.tensor1d(Float32Array.from(v));
        temporary.push(t);
        tensors[`policy${i}/rollout/${k}`] = t;
      }
      return saved;
    });
    return {
      envs: this.envs.map((env) => JSON.parse(JSON.stringify((env.cloneState as () => unknown).call(env))) as unknown),
      obs: obs.map((o) => Object.fromEntries(Object.entries(o).map(([a, x]) => [a, Array.from(x as Float32Array)]))),
      masks,
      states: this.#state.map((s) => (s === undefined ? null : Array.from(s))),
      runners,
    };
  }

  /**
   * Loads trainers saved with `save`: every policy rebuilt from its saved options and
   * restored (network, optimizer, RNG, step counter), on a new env from `envFn` whose agents
   * map to policies of the same spaces. When the checkpoint holds the env's snapshot and the
   * new env has `restoreState`, training goes on exactly where it was saved (the env
   * restored, the rollouts under way taken up); otherwise from a fresh reset of the env. A
   * pretrained policy (a spec's `policy`) is rebuilt from the checkpoint and acts as it did:
   * frozen, by its own `predict`, with the saved `deterministic`; it cannot be named in
   * `policiesToTrain`, and it belongs to the loaded trainer (its `dispose()` releases it).
   * @param dir - where the checkpoint is (see `save`).
   * @param envFn - a function returning a new parallel env on each call.
   * @param options - `policyMappingFn` (not saved; required with more than one policy);
   *   `policiesToTrain` (default: the saved ones), e.g. stage 2 of staged training: the
   *   specialists trained in stage 1 frozen, only the meta-agent learning.
   * @returns the restored trainer.
   * @throws `CheckpointError` (from `tradegym`) for a missing or damaged checkpoint;
   *   `InvalidArgumentError` for another algorithm's checkpoint, an env that does not fit the
   *   saved policies, a pretrained policy in `policiesToTrain`, or, when resuming exactly, a
   *   `policyMappingFn` mapping another number of agents to a policy than when saved (its
   *   rollout has a column per agent). A failed load leaves no tensors behind.
   */
  static async load<A extends string, Act extends AgentAction>(dir: CheckpointTarget, envFn: () => ParallelEnv<A, Float32Array, Act>, options: Pick<MultiAgentOptions<A>, 'policyMappingFn' | 'policiesToTrain'> = {}): Promise<MultiAgentTrainer<A, Act>> {
    requireKnownKeys('options', options, ['policyMappingFn', 'policiesToTrain']);
    const checkpoint = await readCheckpoint(dir, MULTI_AGENT);
    let trainer: MultiAgentTrainer<A, Act> | undefined;
    try {
      const saved = checkpoint.topology.spec as SavedTrainer;
      const policies: Record<string, PolicySpec> = {};
      for (const [i, p] of saved.policies.entries()) {
        const opts: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(checkpoint.options)) {
          const [j, k] = JSON.parse(key) as [number, string];
          if (j === i) opts[k] = k === 'featuresExtractor' ? await extractorFromRecord(v) : v;
        }
        policies[p.id] = { algorithm: p.algorithm, agentIdInput: p.agentIdInput, options: opts, ...(p.centralCritic === true ? { centralCritic: true } : {}) };
      }
      const train = options.policiesToTrain ?? saved.policies.filter((p) => p.train).map((p) => p.id);
      // pretrained policies are rebuilt by the trainer (its own now) to act as the caller's did
      MultiAgentTrainer.#restoring = new Map(saved.policies.flatMap((p) => (p.pretrained === undefined ? [] : [[p.id, p.pretrained] as const])));
      try {
        trainer = new MultiAgentTrainer<A, Act>(envFn, { policies, ...options, policiesToTrain: train, numEnvs: saved.numEnvs ?? 1, ...(saved.seed === null ? {} : { seed: saved.seed }) });
      } finally {
        MultiAgentTrainer.#restoring = new Map();
      }
      for (const [i, r] of trainer.#runners.entries()) {
        const prefix = `policy${i}/`;
        const tensors = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([k]) => k.startsWith(prefix) && !k.startsWith(`${prefix}rollout/`)).map(([k, t]) => [k.slice(prefix.length), t]));
        const own: Checkpoint = { topology: { ...(saved.policies[i] as SavedPolicy).header, options: {} }, tensors, options: {} };
        r.agent.restoreFrom(own);
      }
      trainer.numTimesteps = checkpoint.topology.numTimesteps;
      const resume = saved.resume ?? null;
      if (resume !== null && resume.envs.length === trainer.envs.length && trainer.envs.every((env) => typeof env.restoreState === 'function')) trainer.#resume(resume, checkpoint.tensors);
      return trainer;
    } catch (e) {
      trainer?.dispose();
      throw e;
    } finally {
      Object.values(checkpoint.tensors).forEach((t) => t.dispose());
    }
  }

  /** Takes up a saved run: the env's snapshot restored, the loop's state and every runner's rollout. */
  #resume(resume: SavedResume, tensors: Readonly<Record<string, tf.Tensor>>): void {
    // the saved episode state and rollout have a column per agent mapped to the policy and env copy
    this.#runners.forEach((r, i) => {
      const saved = (resume.runners[i] as SavedRunner).starts.length / this.envs.length;
      if (saved !== r.agents.length) fail('policyMappingFn', `a function mapping ${saved} agent${saved === 1 ? '' : 's'} to policy ${JSON.stringify(r.id)} as when saved`, r.agents.length);
    });
    this.envs.forEach((env, e) => (env.restoreState as (s: unknown) => void).call(env, resume.envs[e]));
    this.#obs = resume.obs.map((o) => Object.fromEntries(Object.entries(o).map(([a, x]) => [a, Float32Array.from(x)])) as Partial<Record<A, Float32Array>>);
    this.#infos = resume.obs.map((o, e) => Object.fromEntries(Object.keys(o).map((a) => [a, resume.masks[e]?.[a] === undefined ? {} : { actionMask: resume.masks[e]?.[a] }])) as Partial<Record<A, Info>>);
    this.#state = resume.states.map((s) => (s === null ? undefined : Float32Array.from(s)));
    this.#runners.forEach((r, i) => {
      const prefix = `policy${i}/rollout/`;
      const arrays = Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t.dataSync() as Float32Array]));
      r.resume(resume.runners[i] as SavedRunner, arrays);
    });
  }

  /**
   * Releases every policy's tensors. Afterwards `predict` and `learn` throw; a second call does nothing.
   * @throws `TradegymError` (from `tradegym`) while `learn` runs.
   */
  dispose(): void {
    // a pretrained policy given in a spec belongs to the caller (one rebuilt by load, to the trainer)
    this.#lifetime.dispose(() => this.#runners.forEach((r) => r.owned && r.agent.dispose()));
  }
}

/** The multi-agent trainer's name in checkpoints. */
const MULTI_AGENT = 'MultiAgent';

/** A policy as saved: what rebuilds it besides its options, and its own checkpoint header. */
interface SavedPolicy {
  readonly id: string;
  readonly algorithm: 'PPO' | 'A2C';
  readonly agentIdInput: boolean;
  readonly train: boolean;
  /** Whether its critic is centralised (absent in older checkpoints: false). */
  readonly centralCritic?: boolean;
  /** For a pretrained policy (a spec's `policy`), what rebuilds it to act as it did (absent for the others). */
  readonly pretrained?: RestoredPretrained;
  readonly header: Omit<Checkpoint['topology'], 'options'>;
}

/** What the trainer's checkpoint holds besides the options and the tensors. */
interface SavedTrainer {
  readonly seed: number | null;
  /** The env copies (absent in older checkpoints: 1). */
  readonly numEnvs?: number;
  readonly policies: readonly SavedPolicy[];
  /** What resumes training exactly (absent in older checkpoints; null when the env has no `cloneState`). */
  readonly resume?: SavedResume | null;
}

/** The training loop's state as saved, for an exact resume (see `#resumeState`). */
interface SavedResume {
  /** Per env copy: its snapshot, its live agents' observations and action masks, its global state. */
  readonly envs: readonly unknown[];
  readonly obs: readonly Readonly<Record<string, number[]>>[];
  readonly masks: readonly Readonly<Record<string, number[]>>[];
  readonly states: readonly (number[] | null)[];
  readonly runners: readonly SavedRunner[];
}

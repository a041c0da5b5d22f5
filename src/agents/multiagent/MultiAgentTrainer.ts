import type * as tf from '@tensorflow/tfjs';
import { fail, requireKnownKeys, requireSeed, show } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Info } from '../../core/types.js';
import type { ParallelEnv } from '../../envs/multiagent/types.js';
import { checkParallelEnv } from '../../testing/checkMultiAgent.js';
import { quietCpuBackend } from '../backend.js';
import { Lifetime, requireObservation } from '../common/guards.js';
import { checkpointIO, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointTarget } from '../common/checkpoint.js';
import { extractorFromRecord } from '../common/featuresExtractor.js';
import { runLearn } from '../common/training.js';
import type { AgentAction, CallbackAgent, LearnOptions, LogRecord } from '../common/types.js';
import type { A2C } from '../a2c/A2C.js';
import type { PPO } from '../ppo/PPO.js';
import { resolvePolicies, type MultiAgentOptions, type PolicySpec } from './options.js';
import { PolicyRunner } from './PolicyRunner.js';

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
 * The env follows PettingZoo's Parallel API: agents may leave when they terminate or are
 * truncated, and join later; a truncated agent's return is bootstrapped from its final
 * observation, a terminated one's is not; the episode ends when no agent is left, and the
 * trainer resets the env. An agent whose `info.actionMask` is present samples only allowed
 * actions, and its update evaluates them under the same mask. `numTimesteps` counts agent
 * steps (every live agent's step), as a vector env's steps count every sub-env's.
 *
 * The env is made by `envFn`: a first env is checked with `checkParallelEnv` (which closes
 * it), a second is trained on. Log records hold each policy's Stable-Baselines3 keys
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
  /** The env trained on. */
  readonly env: ParallelEnv<A, Float32Array, Act>;
  /** Agent steps taken by `learn` so far (every live agent's step counts). */
  numTimesteps = 0;
  readonly #runners: PolicyRunner<A, Act>[];
  readonly #byAgent: ReadonlyMap<A, PolicyRunner<A, Act>>;
  readonly #seed: number | undefined;
  readonly #specs: readonly { readonly id: string; readonly algorithm: 'PPO' | 'A2C'; readonly agentIdInput: boolean; readonly train: boolean }[];
  readonly #lifetime = new Lifetime();
  /** The live agents' current observations and infos, or undefined before the first reset. */
  #obs: Partial<Record<A, Float32Array>> | undefined;
  #infos: Partial<Record<A, Info>> = {};

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
    if (typeof envFn !== 'function') fail('envFn', 'a function returning a new parallel env', envFn);
    requireKnownKeys('options', options, ['policies', 'policyMappingFn', 'policiesToTrain', 'seed']);
    this.#seed = options.seed === undefined ? undefined : requireSeed('seed', options.seed);
    const checked = envFn();
    checkParallelEnv(checked);
    const env = envFn();
    if (env === checked) fail('envFn', 'a function returning a NEW env on each call (checkParallelEnv closes the one it checks)', envFn);
    this.env = env;
    const resolved = resolvePolicies(env, options);
    quietCpuBackend();
    const runners: PolicyRunner<A, Act>[] = [];
    try {
      resolved.forEach((p, i) => runners.push(new PolicyRunner<A, Act>(p, this.#seed === undefined ? undefined : this.#seed + i)));
    } catch (e) {
      // a failed constructor leaves no tensors behind
      runners.forEach((r) => r.agent.dispose());
      throw e;
    }
    this.#runners = runners;
    this.#specs = resolved.map((p) => ({ id: p.id, algorithm: p.algorithm, agentIdInput: p.agentIdInput, train: p.train }));
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
   *   `numTimesteps` counts its agents' steps; its own `learn` refuses: it has no env).
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
    if (this.#obs === undefined) this.#reset(this.#seed);
    const anyTrains = this.#runners.some((r) => r.train);
    for (;;) {
      // a rollout opens at its first step (a full one stays in view until the next step)
      for (const r of this.#runners) if (r.agent.rolloutBuffer.pos === 0 || r.agent.rolloutBuffer.full) r.agent.openRollout();
      this.#step();
      const live = this.env.agents;
      const obs = this.#obs as Partial<Record<A, Float32Array>>;
      const progress = Math.max(0, 1 - (this.numTimesteps - start) / (end - start));
      let log: Record<string, number> | undefined;
      for (const r of this.#runners) {
        if (!r.agent.rolloutBuffer.full) continue;
        if (r.train || !anyTrains) log = { ...log, ...(r.train ? r.update(live, obs, progress) : {}) };
      }
      if (log !== undefined) return log;
    }
  }

  /** Resets the env, seeded on the first reset only (later episodes continue its random stream). */
  #reset(seed?: number): void {
    const r = this.env.reset(seed === undefined ? {} : { seed });
    this.#obs = { ...r.observations };
    this.#infos = { ...r.infos };
    for (const runner of this.#runners) runner.endEpisode();
  }

  /** One parallel step: every live agent acts through its policy; rewards and ends recorded; the env reset when no agent is left. */
  #step(): void {
    const live = [...this.env.agents];
    const obs = this.#obs as Partial<Record<A, Float32Array>>;
    const actions = {} as Record<A, Act>;
    for (const r of this.#runners) {
      const mine = live.filter((a) => r.column(a) !== undefined);
      for (const [a, act] of r.act(mine, obs, this.#infos)) actions[a] = act;
    }
    const s = this.env.step(actions);
    for (const r of this.#runners) r.record(live.filter((a) => r.column(a) !== undefined), s);
    this.numTimesteps += live.length;
    if (this.env.agents.length === 0) this.#reset();
    else {
      this.#obs = { ...s.observations };
      this.#infos = { ...s.infos };
    }
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
   * policy's options, network, optimizer state, RNG and step counter, the policies to train
   * and the trainer's step counter. The mapping function is not saved: pass it to `load`.
   * @param dir - a directory, a tfjs URL such as `'indexeddb://my-agents'`, or a `tf.io.IOHandler`.
   * @throws `CheckpointError` (from `tradegym`) if a file is in the way of `dir`;
   *   `InvalidArgumentError` for a target none of these; `TradegymError` for a policy option
   *   holding a custom schedule function, or after `dispose()`.
   */
  async save(dir: CheckpointTarget): Promise<void> {
    this.#lifetime.require('save');
    const { handler } = checkpointIO('dir', dir, 'save');
    const snaps = this.#runners.map((r) => r.agent.snapshot());
    try {
      // one flat options record, so the checkpoint code checks and rebuilds every schedule
      const options: Record<string, unknown> = {};
      const tensors: Record<string, tf.Tensor> = {};
      snaps.forEach((snap, i) => {
        for (const [k, v] of Object.entries(snap.config)) if (k !== 'seed') options[JSON.stringify([i, k])] = v;
        for (const [k, t] of Object.entries(snap.tensors)) tensors[`policy${i}/${k}`] = t;
      });
      const policies: SavedPolicy[] = this.#specs.map((p, i) => ({ ...p, header: (snaps[i] as (typeof snaps)[number]).header }));
      const saved: SavedTrainer = { seed: this.#seed ?? null, policies };
      // every checkpoint header has an rng: the first policy's (each policy's header has its own)
      const rng = (snaps[0] as (typeof snaps)[number]).header.rng;
      await writeCheckpoint(handler, { algorithm: MULTI_AGENT, numTimesteps: this.numTimesteps, rng, spec: saved, optimizerStep: 0, rollout: null }, options, tensors);
    } finally {
      snaps.forEach((snap) => snap.temporary.forEach((t) => t.dispose()));
    }
  }

  /**
   * Loads trainers saved with `save`: every policy rebuilt from its saved options and
   * restored (network, optimizer, RNG, step counter), on a new env from `envFn` whose agents
   * map to policies of the same spaces. Training goes on from a fresh reset of the env.
   * @param dir - where the checkpoint is (see `save`).
   * @param envFn - a function returning a new parallel env on each call.
   * @param options - `policyMappingFn` (not saved; required with more than one policy).
   * @returns the restored trainer.
   * @throws `CheckpointError` (from `tradegym`) for a missing or damaged checkpoint;
   *   `InvalidArgumentError` for another algorithm's checkpoint or an env that does not fit
   *   the saved policies. A failed load leaves no tensors behind.
   */
  static async load<A extends string, Act extends AgentAction>(dir: CheckpointTarget, envFn: () => ParallelEnv<A, Float32Array, Act>, options: Pick<MultiAgentOptions<A>, 'policyMappingFn'> = {}): Promise<MultiAgentTrainer<A, Act>> {
    requireKnownKeys('options', options, ['policyMappingFn']);
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
        policies[p.id] = { algorithm: p.algorithm, agentIdInput: p.agentIdInput, options: opts };
      }
      const train = saved.policies.filter((p) => p.train).map((p) => p.id);
      trainer = new MultiAgentTrainer<A, Act>(envFn, { policies, ...options, policiesToTrain: train, ...(saved.seed === null ? {} : { seed: saved.seed }) });
      for (const [i, r] of trainer.#runners.entries()) {
        const prefix = `policy${i}/`;
        const tensors = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
        const own: Checkpoint = { topology: { ...(saved.policies[i] as SavedPolicy).header, options: {} }, tensors, options: {} };
        r.agent.restoreFrom(own);
      }
      trainer.numTimesteps = checkpoint.topology.numTimesteps;
      return trainer;
    } catch (e) {
      trainer?.dispose();
      throw e;
    } finally {
      Object.values(checkpoint.tensors).forEach((t) => t.dispose());
    }
  }

  /**
   * Releases every policy's tensors. Afterwards `predict` and `learn` throw; a second call does nothing.
   * @throws `TradegymError` (from `tradegym`) while `learn` runs.
   */
  dispose(): void {
    this.#lifetime.dispose(() => this.#runners.forEach((r) => r.agent.dispose()));
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
  readonly header: Omit<Checkpoint['topology'], 'options'>;
}

/** What the trainer's checkpoint holds besides the options and the tensors. */
interface SavedTrainer {
  readonly seed: number | null;
  readonly policies: readonly SavedPolicy[];
}

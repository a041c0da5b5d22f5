import { fail, requireKnownKeys, requireRecord, show } from '../../core/checks.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { ParallelEnv } from '../../envs/multiagent/types.js';
import { Box } from '../../spaces/Box.js';
import type { Space } from '../../spaces/Space.js';
import { A2C, type A2COptions } from '../a2c/A2C.js';
import { PPO, type PPOOptions } from '../ppo/PPO.js';
import { definedOnly } from '../common/guards.js';
import type { AgentAction } from '../common/types.js';

/**
 * One policy of a {@link MultiAgentTrainer}, as an entry of Ray RLlib's `policies` map: the
 * algorithm that trains it, its options, and optionally its spaces (inferred from the agents
 * mapped to it when left out); or an existing trained {@link PPO} or {@link A2C} (`policy`),
 * which acts and is never trained.
 *
 * @example
 * ```ts
 * import type { PolicySpec } from 'tradegym/agents';
 * // a PPO shared by several agents, told which agent it acts for
 * const shared: PolicySpec = { algorithm: 'PPO', options: { nSteps: 256, batchSize: 64 }, agentIdInput: true };
 * console.log(shared.agentIdInput); // true
 * ```
 */
export interface PolicySpec {
  /** `'PPO'` (the default; independent PPO per policy, "IPPO") or `'A2C'`. */
  readonly algorithm?: 'PPO' | 'A2C';
  /**
   * The algorithm's options ({@link PPOOptions} or {@link A2COptions}) except `seed`, which the
   * trainer derives from its own. `nSteps` counts parallel env steps; the rollout of a policy
   * shared by k agents holds `nSteps * k` rows, and `batchSize` must not exceed that.
   */
  readonly options?: Omit<PPOOptions, 'seed'> | Omit<A2COptions, 'seed'>;
  /** The observation space every agent mapped here must have (default: theirs, which must agree). */
  readonly observationSpace?: Box;
  /** The action space every agent mapped here must have (default: theirs, which must agree). */
  readonly actionSpace?: Space<AgentAction>;
  /**
   * Appends a one-hot of the agent's index among the agents mapped to this policy to each
   * observation, so a shared policy can still act differently per agent (default false).
   */
  readonly agentIdInput?: boolean;
  /**
   * MAPPO's centralised critic (Yu et al. 2022), PPO only: the value network reads the env's
   * global state (`env.state()`, which the env must have) followed by the agent's own
   * observation (and its one-hot with `agentIdInput`), MAPPO's "agent-specific global state";
   * the actor still reads the observation alone, so `predict` needs no state (default false).
   */
  readonly centralCritic?: boolean;
  /**
   * An existing trained PPO or A2C brought in frozen: the agents mapped here act by its
   * `predict` (sampling from its own RNG, or its most likely action with `deterministic`), and
   * it is never trained, so it must not be in `policiesToTrain`. Its observation length must
   * be the agents' (plus the one-hot with `agentIdInput`) and its action space theirs. The
   * caller keeps ownership: the trainer's `dispose()` leaves it alone. The trainer's `save`
   * saves it with `deterministic`, and `load` rebuilds it to act as before, frozen (then the
   * loaded trainer's own). Not with `algorithm`, `options` or `centralCritic`.
   */
  readonly policy?: PPO<AgentAction> | A2C<AgentAction>;
  /** With `policy`: act by its most likely action instead of sampling (default false). */
  readonly deterministic?: boolean;
}

/**
 * Options of a {@link MultiAgentTrainer}: Ray RLlib's multi-agent configuration
 * (`policies`, `policy_mapping_fn`, `policies_to_train`) with a seed.
 * @typeParam A - the env's agent ids.
 *
 * @example
 * ```ts
 * import type { MultiAgentOptions } from 'tradegym/agents';
 * // one policy per pair, a meta-agent trained by A2C, the BTC specialist frozen
 * const options: MultiAgentOptions<'specialist:BTC' | 'specialist:ETH' | 'meta'> = {
 *   policies: { btc: {}, eth: {}, meta: { algorithm: 'A2C' } },
 *   policyMappingFn: (agent) => (agent === 'meta' ? 'meta' : agent === 'specialist:BTC' ? 'btc' : 'eth'),
 *   policiesToTrain: ['eth', 'meta'],
 *   seed: 0,
 * };
 * console.log(Object.keys(options.policies)); // [ 'btc', 'eth', 'meta' ]
 * ```
 */
export interface MultiAgentOptions<A extends string = string> {
  /** The policies by id. Several agents mapped to one policy share its parameters. */
  readonly policies: Readonly<Record<string, PolicySpec>>;
  /**
   * The policy id of each agent, called once per possible agent when the trainer is built
   * (default: every agent to the only policy; required with more than one).
   */
  readonly policyMappingFn?: (agentId: A) => string;
  /** The policies that learn (default all but those given as a `policy` object); the others act and stay frozen. */
  readonly policiesToTrain?: readonly string[];
  /**
   * Seed of the env's first reset (env copy e takes `seed + e`); policy i (in `policies`
   * order) takes `seed + i`.
   */
  readonly seed?: number;
  /**
   * Copies of the env stepped together (default 1), as a vector env: each agent of each copy
   * is a column of its policy's rollout, and each policy acts for all of them in one batch.
   * `nSteps` counts parallel steps of every copy, so a rollout holds `nSteps * k * numEnvs`
   * rows for k agents.
   */
  readonly numEnvs?: number;
}

/** A policy with the agents mapped to it, resolved and checked. @internal */
export interface ResolvedPolicy<A extends string> {
  readonly id: string;
  readonly algorithm: 'PPO' | 'A2C';
  readonly options: Record<string, unknown>;
  /** The agents mapped to it, in `possibleAgents` order: its rollout's columns. */
  readonly agents: readonly A[];
  /** The agents' observation space. */
  readonly observationSpace: Box;
  readonly actionSpace: Space<AgentAction>;
  readonly agentIdInput: boolean;
  readonly train: boolean;
  /** The env's state length when the critic is centralised, else 0. */
  readonly stateSize: number;
  /** A pretrained policy brought in frozen (owned by the caller). */
  readonly pretrained: PPO<AgentAction> | A2C<AgentAction> | undefined;
  /** A pretrained policy saved by the trainer, to rebuild from `algorithm` and `options` (owned by the trainer). */
  readonly restored: RestoredPretrained | undefined;
  readonly deterministic: boolean;
}

/**
 * A pretrained policy as the trainer's `save` records it, so that `load` rebuilds it to act as
 * before: frozen, by its own `predict`, with the same `deterministic`. @internal
 */
export interface RestoredPretrained {
  readonly deterministic: boolean;
  /** The env copies it was built on: its options (`batchSize` within `nSteps * numEnvs`) fit them. */
  readonly numEnvs: number;
  /** Its centralised critic's input length, when it was trained as MAPPO. */
  readonly criticObsSize?: number;
}

const SPEC_KEYS = ['algorithm', 'options', 'observationSpace', 'actionSpace', 'agentIdInput', 'centralCritic', 'policy', 'deterministic'];

/**
 * The policies of `options` with their agents: each agent's id mapped through
 * `policyMappingFn` to a known policy; each policy's spaces agreeing with every agent mapped
 * to it; `policiesToTrain` naming known policies. Every error names the agent and the policy.
 * The policies in `restored` (by id) are pretrained policies a checkpoint rebuilds from their
 * `algorithm` and `options`: they are checked as a spec's `policy` is, and kept out of
 * `policiesToTrain` alike. Touches no tensor. @internal
 */
export function resolvePolicies<A extends string>(env: ParallelEnv<A, unknown, unknown>, options: MultiAgentOptions<A>, restored: ReadonlyMap<string, RestoredPretrained> = new Map()): ResolvedPolicy<A>[] {
  requireKnownKeys('options', options, ['policies', 'policyMappingFn', 'policiesToTrain', 'seed', 'numEnvs']);
  const policies = requireRecord('policies', options.policies) as Record<string, unknown>;
  const ids = Object.keys(policies);
  if (ids.length === 0) fail('policies', 'a map with at least one policy', policies);
  const map = options.policyMappingFn;
  if (map === undefined && ids.length > 1) fail('policyMappingFn', `a function of the agent id (required with ${ids.length} policies)`, map);
  if (map !== undefined && typeof map !== 'function') fail('policyMappingFn', 'a function of the agent id returning a policy id', map);
  const external = (id: string): boolean => (policies[id] as PolicySpec | undefined)?.policy !== undefined || restored.has(id);
  const toTrain = options.policiesToTrain ?? ids.filter((id) => !external(id));
  if (!Array.isArray(toTrain)) fail('policiesToTrain', 'an array of policy ids', toTrain);
  for (const p of toTrain as unknown[]) if (typeof p !== 'string' || !ids.includes(p)) fail('policiesToTrain', `policy ids among ${ids.join(', ')}`, toTrain);
  for (const p of toTrain as string[]) if (external(p)) fail('policiesToTrain', `policy ids without a pretrained \`policy\` object (${JSON.stringify(p)} is one: it acts frozen)`, toTrain);
  const agentsOf = new Map<string, A[]>(ids.map((id) => [id, []]));
  for (const agent of env.possibleAgents) {
    const id = map === undefined ? (ids[0] as string) : map(agent);
    if (typeof id !== 'string' || !agentsOf.has(id)) {
      throw new InvalidArgumentError(`policyMappingFn(${JSON.stringify(agent)}) must return a policy id (${ids.join(', ')}), got ${show(id)}`);
    }
    agentsOf.get(id)?.push(agent);
  }
  return ids.map((id) => {
    const spec = requireRecord(`policies.${id}`, policies[id]) as PolicySpec;
    requireKnownKeys(`policies.${id}`, spec, SPEC_KEYS);
    const s = definedOnly(spec);
    if (s.policy !== undefined) {
      if (!(s.policy instanceof PPO) && !(s.policy instanceof A2C)) fail(`policies.${id}.policy`, 'a trained PPO or A2C', s.policy);
      for (const k of ['algorithm', 'options', 'centralCritic'] as const) if (s[k] !== undefined) fail(`policies.${id}.${k}`, 'left out with a pretrained policy (it keeps its own)', s[k]);
    } else if (s.deterministic !== undefined) fail(`policies.${id}.deterministic`, 'left out without a pretrained policy (a trained policy samples)', s.deterministic);
    if (s.deterministic !== undefined && typeof s.deterministic !== 'boolean') fail(`policies.${id}.deterministic`, 'a boolean', s.deterministic);
    const algorithm = s.policy instanceof A2C ? 'A2C' : s.policy instanceof PPO ? 'PPO' : (s.algorithm ?? 'PPO');
    if (algorithm !== 'PPO' && algorithm !== 'A2C') fail(`policies.${id}.algorithm`, "'PPO' or 'A2C'", algorithm);
    const opts = requireRecord(`policies.${id}.options`, s.options ?? {});
    if (opts.seed !== undefined) fail(`policies.${id}.options.seed`, "left out (the trainer's seed seeds every policy)", opts.seed);
    if (s.agentIdInput !== undefined && typeof s.agentIdInput !== 'boolean') fail(`policies.${id}.agentIdInput`, 'a boolean', s.agentIdInput);
    if (s.centralCritic !== undefined && typeof s.centralCritic !== 'boolean') fail(`policies.${id}.centralCritic`, 'a boolean', s.centralCritic);
    let stateSize = 0;
    if (s.centralCritic === true) {
      if (algorithm !== 'PPO') fail(`policies.${id}.centralCritic`, "used with algorithm 'PPO' (MAPPO)", s.centralCritic);
      const space = env.stateSpace;
      if (typeof env.state !== 'function' || !(space instanceof Box)) throw new InvalidArgumentError(`policies.${id}.centralCritic needs an env with a global state: state() and a Box stateSpace (PettingZoo's state()/state_space), got stateSpace ${show(space)}`);
      stateSize = space.size;
    }
    const agents = agentsOf.get(id) as A[];
    const first = agents[0];
    if (first === undefined) throw new InvalidArgumentError(`policy ${JSON.stringify(id)} has no agent mapped to it by policyMappingFn (agents: ${env.possibleAgents.join(', ')})`);
    const obs = s.observationSpace ?? env.observationSpace(first);
    const act = s.actionSpace ?? env.actionSpace(first);
    for (const agent of agents) {
      const o = env.observationSpace(agent);
      const a = env.actionSpace(agent);
      if (!(o instanceof Box)) throw new InvalidArgumentError(`agent ${JSON.stringify(agent)} (policy ${JSON.stringify(id)}) must have a Box observation space, got ${String(o)}`);
      if (!o.equals(obs)) throw new InvalidArgumentError(`agent ${JSON.stringify(agent)} has observation space ${String(o)}, but policy ${JSON.stringify(id)} has ${String(obs)}`);
      if (!a.equals(act)) throw new InvalidArgumentError(`agent ${JSON.stringify(agent)} has action space ${String(a)}, but policy ${JSON.stringify(id)} has ${String(act)}`);
    }
    const pre = s.policy;
    if (pre !== undefined) {
      const want = (obs as Box).size + (s.agentIdInput === true ? agents.length : 0);
      const got = pre.env.singleObservationSpace.size;
      if (got !== want) throw new InvalidArgumentError(`policies.${id}.policy reads observations of length ${got}, but its agents (${agents.join(', ')}) give ${want}${s.agentIdInput === true ? ' with the one-hot' : ''}`);
      if (!pre.env.singleActionSpace.equals(act)) throw new InvalidArgumentError(`policies.${id}.policy has action space ${String(pre.env.singleActionSpace)}, but its agents have ${String(act)}`);
    }
    return {
      id,
      algorithm,
      options: opts,
      agents,
      observationSpace: obs as Box,
      actionSpace: act as Space<AgentAction>,
      agentIdInput: s.agentIdInput ?? false,
      train: (toTrain as readonly string[]).includes(id),
      stateSize,
      pretrained: pre,
      restored: restored.get(id),
      deterministic: s.deterministic ?? restored.get(id)?.deterministic ?? false,
    };
  });
}

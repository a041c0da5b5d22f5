import type { CheckpointTarget } from '../common/checkpoint.js';
import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import { FlatAdam, type RecurrentSpec } from '../common/ActorCritic.js';
import type { Sequences } from '../common/kernels/lstm.js';
import { OnPolicyAlgorithm } from '../common/OnPolicyAlgorithm.js';
import type { AgentAction, RecurrentPredictOptions, RecurrentPrediction, RecurrentState, TrainEnv } from '../common/types.js';
import { PPO_DEFAULTS, ppoUpdate, resolvePPO, type Minibatch, type PPOOptions, type PPOSchedules } from '../ppo/PPO.js';

/** RecurrentPPO's options: PPO's (no features extractor) and the LSTM's; each omitted one takes its value from {@link RECURRENT_PPO_DEFAULTS}. */
export interface RecurrentPPOOptions extends Omit<PPOOptions, 'featuresExtractor' | 'compute'> {
  /** LSTM units (sb3-contrib's `lstm_hidden_size`). */
  readonly lstmHiddenSize?: number;
  /** The value network reads the actor's LSTM, without its gradient flowing back into it (sb3-contrib's `shared_lstm`; needs `enableCriticLstm: false`). */
  readonly sharedLstm?: boolean;
  /** The value network has an LSTM of its own (`enable_critic_lstm`); with both false it reads a linear layer of the observation. */
  readonly enableCriticLstm?: boolean;
  /** Orthogonal initialisation of the heads with SB3's gains (`ortho_init`); false: PyTorch's default. The LSTMs start as PyTorch's `nn.LSTM` either way. */
  readonly orthoInit?: boolean;
  /**
   * Where the networks train: `'auto'` (the fastest kernel set that runs here), `'native'`,
   * `'wasm'`, `'js'` or `'typed'` (see {@link Compute}). The LSTM runs on the kernel sets only,
   * so `'tfjs'` is refused.
   */
  readonly compute?: 'auto' | 'native' | 'wasm' | 'js' | 'typed';
}

/**
 * sb3-contrib's RecurrentPPO defaults (version 2.3): PPO's, with n_steps 128 and batch 128, and
 * `MlpLstmPolicy`'s: a 256-unit LSTM for the actor and another for the critic, heads of 64-64
 * tanh, orthogonal initialisation.
 */
export const RECURRENT_PPO_DEFAULTS: Readonly<Required<Omit<RecurrentPPOOptions, 'seed'>>> = Object.freeze({
  ...PPO_DEFAULTS,
  nSteps: 128,
  batchSize: 128,
  lstmHiddenSize: 256,
  sharedLstm: false,
  enableCriticLstm: true,
  orthoInit: true,
  compute: 'auto',
});

/**
 * PPO with an LSTM policy, as sb3-contrib's `RecurrentPPO` with `MlpLstmPolicy`: the actor
 * (and by default the critic) reads the observation through an LSTM whose state is carried
 * from step to step of each sub-env and emptied where an episode starts, so the policy can
 * act on what it saw before (a partially observed market, CartPole without its velocities).
 * Training keeps sequences whole: each minibatch is a run of consecutive rollout steps, cut
 * where an episode starts or the sub-env changes, each sequence starting from the state the
 * rollout had there (sb3-contrib's sampling, without its padding: the loss is over the real
 * steps only, as its mask makes it). PPO's loss, schedules, clipping, target KL and logs are
 * PPO's own. Discrete, MultiDiscrete and Box actions; one env or a `SyncVectorEnv`.
 *
 * `predict` takes and returns the memory: pass the state it returned with the next
 * observation of the same episode, and `episodeStart: true` at an episode's first one.
 * `evaluatePolicy`, callbacks and `backtest` do this for you (`recurrent` is true).
 *
 * @typeParam Act - the env's action type, which `predict`'s `action` is.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { RecurrentPPO, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const env = make('CartPoleNoVel-v1');
 * const agent = new RecurrentPPO(env, { nSteps: 32, batchSize: 32, nEpochs: 2, lstmHiddenSize: 16, seed: 0 });
 * await agent.learn({ totalTimesteps: 64 });
 * let { observation } = env.reset({ seed: 1 });
 * let { action, state } = agent.predict(observation, { episodeStart: true, deterministic: true });
 * ({ observation } = env.step(action));
 * ({ action, state } = agent.predict(observation, { state, deterministic: true }));
 * console.log(state.h.length); // 16
 * agent.dispose();
 * ```
 */
export class RecurrentPPO<Act extends AgentAction = AgentAction> extends OnPolicyAlgorithm<Act> {
  /** The resolved options. */
  readonly config: Readonly<Required<Omit<RecurrentPPOOptions, 'seed'>>> & Pick<RecurrentPPOOptions, 'seed'>;
  /** Marks an agent whose `predict` carries a state (see {@link RecurrentPredictor}). */
  readonly recurrent = true as const;
  readonly #schedules: PPOSchedules;

  /**
   * @param env - an env with a Box observation space and a Discrete, MultiDiscrete or Box
   *   action space, or a `SyncVectorEnv` of such envs.
   * @param options - see {@link RecurrentPPOOptions}.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option or a value out of
   *   range (as PPO's; an LSTM size that is not an integer >= 1, `sharedLstm` with
   *   `enableCriticLstm`, `compute: 'tfjs'`), or an env whose spaces it cannot handle. A
   *   constructor that throws allocates no tensors.
   */
  constructor(env: TrainEnv<Act>, options: RecurrentPPOOptions = {}) {
    const r = resolvePPO(env, options, RECURRENT_PPO_DEFAULTS, []);
    const o = r.options;
    const compute = o.compute as unknown;
    if (typeof compute !== 'string' || !['auto', 'native', 'wasm', 'js', 'typed'].includes(compute)) {
      fail('compute', "'auto', 'native', 'wasm', 'js' or 'typed' (RecurrentPPO's LSTM trains on the kernel sets only)", compute);
    }
    const hiddenSize = requireInt('lstmHiddenSize', o.lstmHiddenSize, 1);
    // two LSTMs of 4h (in + h + 2) parameters, in float32 arrays (and their gradients and Adam's state)
    const obsSize = r.vec.singleObservationSpace.size;
    if (8 * hiddenSize * (obsSize + hiddenSize + 2) > 2 ** 28) fail('lstmHiddenSize', `small enough for the LSTMs' parameters to fit in memory (8 h (inputs + h + 2) <= 2^28 with ${obsSize} inputs)`, hiddenSize);
    const shared = requireBool('sharedLstm', o.sharedLstm);
    const criticLstm = requireBool('enableCriticLstm', o.enableCriticLstm);
    if (shared && criticLstm) fail('sharedLstm', 'false with enableCriticLstm true (choose a shared LSTM, a critic LSTM, or neither: set enableCriticLstm false)', shared);
    const orthoInit = requireBool('orthoInit', o.orthoInit);
    const lstm: RecurrentSpec = { hiddenSize, critic: shared ? 'shared' : criticLstm ? 'lstm' : 'linear' };
    const config = Object.freeze({ ...r.config, lstmHiddenSize: hiddenSize, sharedLstm: shared, enableCriticLstm: criticLstm, orthoInit });
    super(r.vec, { ...r.loop, compute: compute === 'auto' ? 'typed' : (compute as 'native'), netArch: o.netArch, featuresExtractor: undefined, lstm, orthoInit }, (size) => new FlatAdam(size, 0.9, 0.999, 1e-5));
    this.config = config;
    this.#schedules = r.schedules;
  }

  /** @internal */
  protected readonly algorithm = 'RecurrentPPO';

  /**
   * Loads an agent saved with `save`, onto an env with the same spaces. Given the same live
   * `SyncVectorEnv` the saved agent trained on, training resumes exactly where it stopped (the
   * LSTM states of every sub-env included); any other env is reset when training starts.
   * @param dir - where the checkpoint is: a directory, a tfjs URL such as `'indexeddb://my-agent'`, or a
   *   `tf.io.IOHandler` such as `tf.io.fromMemory(artifacts)` (see {@link CheckpointTarget}).
   * @param env - the env to act in and train on.
   * @param options - options to override (e.g. a custom schedule function, which is not saved).
   * @returns the restored agent.
   * @throws `CheckpointError` (from `tradegym`) if `dir` holds no checkpoint or a damaged one;
   *   `InvalidArgumentError` if `dir` is none of these (or a URL no tfjs handler here reads), it holds another algorithm's
   *   agent, or the env does not fit the saved network.
   */
  static async load<Act extends AgentAction>(dir: CheckpointTarget, env: TrainEnv<Act>, options: RecurrentPPOOptions = {}): Promise<RecurrentPPO<Act>> {
    return OnPolicyAlgorithm.fromCheckpoint(dir, 'RecurrentPPO', options, (merged) => new RecurrentPPO(env, merged as RecurrentPPOOptions));
  }

  /**
   * The agent's action for one observation, from its memory of the episode so far.
   * @param observation - an observation of the env's observation space.
   * @param options - `state` (what the previous call returned; left out, an empty memory),
   *   `episodeStart` (true at an episode's first observation: the memory is emptied),
   *   `deterministic`, `actionMask`.
   * @returns `{ action, state }`: an action of the env's action space (clipped to a Box's
   *   bounds) and the memory to pass with the next observation.
   * @throws `InvalidArgumentError` (from `tradegym`) for an observation that is not a
   *   Float32Array of the observation space's length or holds a NaN or infinity, a `state`
   *   whose `h` or `c` is not a Float64Array or Float32Array of `lstmHiddenSize` finite
   *   numbers, an `episodeStart` that is not a boolean, or a bad mask; `TradegymError` after
   *   `dispose()`.
   */
  predict(observation: Float32Array, options: RecurrentPredictOptions = {}): RecurrentPrediction<Act> {
    requireKnownKeys('options', options, ['deterministic', 'actionMask', 'state', 'episodeStart']);
    const { state, episodeStart, ...rest } = options;
    if (episodeStart !== undefined && typeof episodeStart !== 'boolean') fail('options.episodeStart', 'a boolean', episodeStart);
    const size = this.config.lstmHiddenSize;
    const h = new Float64Array(size);
    const c = new Float64Array(size);
    if (state !== undefined) {
      if (state === null || typeof state !== 'object') fail('options.state', 'the { h, c } a previous predict returned', state);
      requireKnownKeys('options.state', state, ['h', 'c']);
      for (const [k, into] of [['h', h], ['c', c]] as const) {
        const v = (state as unknown as Record<string, unknown>)[k];
        if (!(v instanceof Float64Array || v instanceof Float32Array) || v.length !== size) {
          fail(`options.state.${k}`, `a Float64Array or Float32Array of lstmHiddenSize (${size}) numbers`, v instanceof Float64Array || v instanceof Float32Array ? `${v.constructor.name} of length ${v.length}` : v);
        }
        v.forEach((x, i) => {
          if (!Number.isFinite(x)) fail(`options.state.${k}[${i}]`, 'a finite number', x);
        });
        if (episodeStart !== true) into.set(v);
      }
    }
    const action = this.act(observation, rest, (obs) => this.recurrentStep(obs, h, c));
    const next: RecurrentState = { h, c };
    return { action, state: next };
  }

  /**
   * The memory at an episode's start: zeros, as `predict` assumes when `state` is left out.
   * @returns a fresh `{ h, c }` of `lstmHiddenSize` zeros each.
   */
  initialState(): RecurrentState {
    return { h: new Float64Array(this.config.lstmHiddenSize), c: new Float64Array(this.config.lstmHiddenSize) };
  }

  /** @internal */
  protected train(progressRemaining: number): Record<string, number> {
    const { batchSize, nSteps } = this.config;
    const nEnvs = this.env.numEnvs;
    const buf = this.buffer;
    const rng = this.rng;
    const total = nSteps * nEnvs;
    return ppoUpdate(this.config, this.#schedules, progressRemaining, buf, (...a) => this.gradientStep(...a), function* (): Generator<Minibatch> {
      // as sb3-contrib's RecurrentRolloutBuffer.get: each sub-env's steps end to end, rotated
      // by a random split (the order kept), cut into runs of batchSize
      const split = rng.integer(0, total);
      for (let from = 0; from < total; from += batchSize) yield sequencesOf(buf, nSteps, nEnvs, split, from, Math.min(total, from + batchSize));
    });
  }
}

/**
 * The minibatch of flat positions `from .. to - 1` (sub-env-major, rotated by `split`): their
 * buffer rows (next-step reset rows, which hold no transition, left out) and the sequences they
 * form, cut where an episode starts, where the sub-env changes and at the batch's start. @internal
 */
export function sequencesOf(buf: { readonly episodeStarts: Float32Array; readonly resets: Uint8Array }, nSteps: number, nEnvs: number, split: number, from: number, to: number): Minibatch & { readonly seqs: Sequences } {
  const total = nSteps * nEnvs;
  const idx = new Int32Array(to - from);
  const start = new Int32Array(to - from);
  const length = new Int32Array(to - from);
  let n = 0;
  let count = 0;
  let cut = true;
  for (let j = from; j < to; j++) {
    const f = (split + j) % total;
    const step = f % nSteps;
    const row = step * nEnvs + Math.floor(f / nSteps);
    if (buf.resets[row] === 1) {
      cut = true;
      continue;
    }
    if (cut || step === 0 || buf.episodeStarts[row] === 1) {
      start[count] = n;
      length[count] = 0;
      count++;
      cut = false;
    }
    idx[n++] = row;
    length[count - 1] = (length[count - 1] as number) + 1;
  }
  return { idx: idx.subarray(0, n), seqs: { count, start: start.subarray(0, count), length: length.subarray(0, count) } };
}

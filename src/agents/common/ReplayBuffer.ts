import { fail, requireInt } from '../../core/checks.js';
import type { Rng } from '../../core/Rng.js';

/**
 * The actions a replay buffer stores: Discrete indices (one per row: DQN, QR-DQN), or Box
 * actions scaled to [-1, 1] (`actionSize` per row: SAC).
 * @example
 * ```ts
 * import type { ReplayActions, ReplayBufferView } from 'tradegym/agents';
 * const rows = (view: ReplayBufferView<ReplayActions>) => view.size;
 * console.log(typeof rows); // function
 * ```
 */
export type ReplayActions = Int32Array | Float32Array;

/** One sampled minibatch of transitions, as flat typed arrays. @internal */
export interface ReplaySample<A extends ReplayActions = Int32Array> {
  readonly observations: Float32Array;
  readonly nextObservations: Float32Array;
  /** One index per row (Discrete), or `actionSize` values per row (Box). */
  readonly actions: A;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
}

/**
 * What DQN, QR-DQN and SAC show of their replay buffer (`agent.replayBuffer`): the stored
 * transitions, row `i` of each array belonging together. The arrays grow as the buffer fills;
 * rows `0..size-1` hold transitions (in ring order once it wrapped). Read them, do not write
 * them. `A` is `Int32Array` for Discrete actions (DQN, QR-DQN) and `Float32Array` for Box
 * actions (SAC: `actionSize` values per row).
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { DQN, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new DQN(make('CartPole-v1'), { learningStarts: 50, seed: 0 });
 * await agent.learn({ totalTimesteps: 60 });
 * console.log(agent.replayBuffer.size); // 60
 * agent.dispose();
 * ```
 */
export interface ReplayBufferView<A extends ReplayActions = Int32Array> {
  /** The transitions stored (at most the capacity). */
  readonly size: number;
  /** The most transitions kept (DQN's `bufferSize`). */
  readonly capacity: number;
  /** Observations, `obsSize` per row. */
  readonly observations: Float32Array;
  /** The observation after each transition (a truncated episode's real final one). */
  readonly nextObservations: Float32Array;
  /**
   * Discrete: the action's index (the env's action minus the space's `start`). Box (SAC):
   * `actionSize` values per row, the action scaled to [-1, 1] from the space's bounds (as
   * Stable-Baselines3 stores a squashed policy's actions).
   */
  readonly actions: A;
  /** The reward of each transition. */
  readonly rewards: Float32Array;
  /** 1 where the episode terminated (not where it was truncated). */
  readonly dones: Float32Array;
}

/**
 * A ring of transitions in typed arrays, as Stable-Baselines3's `ReplayBuffer` (with
 * `handle_timeout_termination`: `done` is 1 only for a true termination, so a truncated
 * episode is still bootstrapped from its real final observation). Storage grows by doubling
 * up to `capacity`, so a large capacity costs memory only once it is used. @internal
 */
export class ReplayBuffer<A extends ReplayActions = Int32Array> implements ReplayBufferView<A> {
  observations: Float32Array;
  nextObservations: Float32Array;
  actions: A;
  rewards: Float32Array;
  dones: Float32Array;
  /** The next row to write. */
  pos = 0;
  /** Whether the ring has wrapped. */
  full = false;

  /** Numbers per stored action: 1 for a Discrete index, the Box's size for continuous actions. */
  readonly actionWidth: number;

  /**
   * @param capacity - the most transitions kept.
   * @param obsSize - numbers per observation.
   * @param actionSize - left out for Discrete actions (an Int32Array of indices); the Box's
   *   size for continuous ones (a Float32Array of `actionSize` per row).
   */
  constructor(
    readonly capacity: number,
    readonly obsSize: number,
    actionSize?: number,
  ) {
    requireInt('bufferSize', capacity, 1);
    const n = Math.min(capacity, 1024);
    this.actionWidth = actionSize === undefined ? 1 : requireInt('actionSize', actionSize, 1);
    this.observations = new Float32Array(n * obsSize);
    this.nextObservations = new Float32Array(n * obsSize);
    this.actions = (actionSize === undefined ? new Int32Array(n) : new Float32Array(n * actionSize)) as A;
    this.rewards = new Float32Array(n);
    this.dones = new Float32Array(n);
  }

  /** Transitions held. */
  get size(): number {
    return this.full ? this.capacity : this.pos;
  }

  /** Rows the arrays hold now (they grow by doubling). */
  get #rows(): number {
    return this.rewards.length;
  }

  #grow(): void {
    const n = Math.min(this.capacity, this.#rows * 2);
    const grow = <T extends Float32Array | Int32Array>(a: T, width: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n * width);
      b.set(a);
      return b;
    };
    this.observations = grow(this.observations, this.obsSize);
    this.nextObservations = grow(this.nextObservations, this.obsSize);
    this.actions = grow(this.actions, this.actionWidth);
    this.rewards = grow(this.rewards, 1);
    this.dones = grow(this.dones, 1);
  }

  /** Stores one transition: a Discrete index, or a Box action's `actionSize` values. */
  add(obs: Float32Array, nextObs: Float32Array, action: number | ArrayLike<number>, reward: number, done: boolean): void {
    if (!this.full && this.pos === this.#rows) this.#grow();
    const i = this.pos;
    this.observations.set(obs, i * this.obsSize);
    this.nextObservations.set(nextObs, i * this.obsSize);
    if (typeof action === 'number') this.actions[i] = action;
    else this.actions.set(action, i * this.actionWidth);
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.pos++;
    if (this.pos === this.capacity) {
      this.full = true;
      this.pos = 0;
    }
  }

  /** `batchSize` transitions drawn uniformly with replacement (as SB3's randint). */
  sample(batchSize: number, rng: Rng): ReplaySample<A> {
    const d = this.obsSize;
    const s: ReplaySample<A> = {
      observations: new Float32Array(batchSize * d),
      nextObservations: new Float32Array(batchSize * d),
      actions: new (this.actions.constructor as new (n: number) => A)(batchSize * this.actionWidth),
      rewards: new Float32Array(batchSize),
      dones: new Float32Array(batchSize),
    };
    this.sampleInto(s, 0, batchSize, rng);
    return s;
  }

  /**
   * Draws as `sample` (the same draws from `rng`) into rows `[row, row + batchSize)` of `out`,
   * so several minibatches can be drawn ahead into one set of arrays.
   */
  sampleInto(out: ReplaySample<A>, row: number, batchSize: number, rng: Rng): void {
    const n = this.size;
    const d = this.obsSize;
    const w = this.actionWidth;
    for (let j = row; j < row + batchSize; j++) {
      const i = rng.integer(0, n);
      out.observations.set(this.observations.subarray(i * d, (i + 1) * d), j * d);
      out.nextObservations.set(this.nextObservations.subarray(i * d, (i + 1) * d), j * d);
      if (w === 1) out.actions[j] = this.actions[i] as number;
      else out.actions.set(this.actions.subarray(i * w, (i + 1) * w), j * w);
      out.rewards[j] = this.rewards[i] as number;
      out.dones[j] = this.dones[i] as number;
    }
  }

  /** The stored rows (`size` of them) of every array, for saving. */
  contents(): { observations: Float32Array; nextObservations: Float32Array; actions: A; rewards: Float32Array; dones: Float32Array } {
    const n = this.size;
    const d = this.obsSize;
    return {
      observations: this.observations.subarray(0, n * d),
      nextObservations: this.nextObservations.subarray(0, n * d),
      actions: this.actions.subarray(0, n * this.actionWidth) as A,
      rewards: this.rewards.subarray(0, n),
      dones: this.dones.subarray(0, n),
    };
  }

  /**
   * Restores saved rows and the write position into this buffer, whose capacity may differ
   * from the saved one (`DQN.load` with another `bufferSize`): a larger capacity keeps the
   * saved rows in the order they were written (the wrapped ring unrolled, oldest first) and
   * counts only them; a capacity below the saved rows is refused (the buffer cannot hold them).
   * @throws `InvalidArgumentError` if the capacity is below the saved rows.
   */
  restore(c: ReturnType<ReplayBuffer<A>['contents']>, pos: number, full: boolean): void {
    const n = c.rewards.length;
    if (n > this.capacity) fail('bufferSize', `>= the ${n} transitions saved in the checkpoint (or left out to keep the saved one)`, this.capacity);
    while (this.#rows < n) this.#grow();
    const d = this.obsSize;
    // a wrapped ring that now has room: rows pos..n-1 are older than 0..pos-1
    const unroll = full && n < this.capacity && pos > 0;
    const put = <T extends Float32Array | Int32Array>(dst: T, src: T, w: number): void => {
      if (!unroll) return dst.set(src);
      dst.set(src.subarray(pos * w, n * w));
      dst.set(src.subarray(0, pos * w), (n - pos) * w);
    };
    put(this.observations, c.observations, d);
    put(this.nextObservations, c.nextObservations, d);
    put(this.actions, c.actions, this.actionWidth);
    put(this.rewards, c.rewards, 1);
    put(this.dones, c.dones, 1);
    // exactly full: the next write overwrites the oldest row; else it appends after the rows
    this.pos = n === this.capacity ? (full ? pos : 0) : n;
    this.full = n === this.capacity;
  }
}

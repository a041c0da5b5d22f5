import { fail, requireInt } from '../../core/checks.js';
import type { Rng } from '../../core/Rng.js';

/** One sampled minibatch of transitions, as flat typed arrays. @internal */
export interface ReplaySample {
  readonly observations: Float32Array;
  readonly nextObservations: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
}

/**
 * What DQN shows of its replay buffer (`agent.replayBuffer`): the stored transitions, row `i`
 * of each array belonging together. The arrays grow as the buffer fills; rows `0..size-1`
 * hold transitions (in ring order once it wrapped). Read them, do not write them.
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
export interface ReplayBufferView {
  /** The transitions stored (at most the capacity). */
  readonly size: number;
  /** The most transitions kept (DQN's `bufferSize`). */
  readonly capacity: number;
  /** Observations, `obsSize` per row. */
  readonly observations: Float32Array;
  /** The observation after each transition (a truncated episode's real final one). */
  readonly nextObservations: Float32Array;
  /** The Discrete action's index (the env's action minus the space's `start`). */
  readonly actions: Int32Array;
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
export class ReplayBuffer implements ReplayBufferView {
  observations: Float32Array;
  nextObservations: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  dones: Float32Array;
  /** The next row to write. */
  pos = 0;
  /** Whether the ring has wrapped. */
  full = false;

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
  ) {
    requireInt('bufferSize', capacity, 1);
    const n = Math.min(capacity, 1024);
    this.observations = new Float32Array(n * obsSize);
    this.nextObservations = new Float32Array(n * obsSize);
    this.actions = new Int32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Float32Array(n);
  }

  /** Transitions held. */
  get size(): number {
    return this.full ? this.capacity : this.pos;
  }

  #grow(): void {
    const n = Math.min(this.capacity, this.actions.length * 2);
    const grow = <T extends Float32Array | Int32Array>(a: T, width: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n * width);
      b.set(a);
      return b;
    };
    this.observations = grow(this.observations, this.obsSize);
    this.nextObservations = grow(this.nextObservations, this.obsSize);
    this.actions = grow(this.actions, 1);
    this.rewards = grow(this.rewards, 1);
    this.dones = grow(this.dones, 1);
  }

  /** Stores one transition. */
  add(obs: Float32Array, nextObs: Float32Array, action: number, reward: number, done: boolean): void {
    if (!this.full && this.pos === this.actions.length) this.#grow();
    const i = this.pos;
    this.observations.set(obs, i * this.obsSize);
    this.nextObservations.set(nextObs, i * this.obsSize);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.pos++;
    if (this.pos === this.capacity) {
      this.full = true;
      this.pos = 0;
    }
  }

  /** `batchSize` transitions drawn uniformly with replacement (as SB3's randint). */
  sample(batchSize: number, rng: Rng): ReplaySample {
    const d = this.obsSize;
    const s: ReplaySample = {
      observations: new Float32Array(batchSize * d),
      nextObservations: new Float32Array(batchSize * d),
      actions: new Int32Array(batchSize),
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
  sampleInto(out: ReplaySample, row: number, batchSize: number, rng: Rng): void {
    const n = this.size;
    const d = this.obsSize;
    for (let j = row; j < row + batchSize; j++) {
      const i = rng.integer(0, n);
      out.observations.set(this.observations.subarray(i * d, (i + 1) * d), j * d);
      out.nextObservations.set(this.nextObservations.subarray(i * d, (i + 1) * d), j * d);
      out.actions[j] = this.actions[i] as number;
      out.rewards[j] = this.rewards[i] as number;
      out.dones[j] = this.dones[i] as number;
    }
  }

  /** The stored rows (`size` of them) of every array, for saving. */
  contents(): { observations: Float32Array; nextObservations: Float32Array; actions: Int32Array; rewards: Float32Array; dones: Float32Array } {
    const n = this.size;
    const d = this.obsSize;
    return {
      observations: this.observations.subarray(0, n * d),
      nextObservations: this.nextObservations.subarray(0, n * d),
      actions: this.actions.subarray(0, n),
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
  restore(c: ReturnType<ReplayBuffer['contents']>, pos: number, full: boolean): void {
    const n = c.actions.length;
    if (n > this.capacity) fail('bufferSize', `>= the ${n} transitions saved in the checkpoint (or left out to keep the saved one)`, this.capacity);
    while (this.actions.length < n) this.#grow();
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
    put(this.actions, c.actions, 1);
    put(this.rewards, c.rewards, 1);
    put(this.dones, c.dones, 1);
    // exactly full: the next write overwrites the oldest row; else it appends after the rows
    this.pos = n === this.capacity ? (full ? pos : 0) : n;
    this.full = n === this.capacity;
  }
}

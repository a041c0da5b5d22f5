import { requireInt, requireOneOf, requireRecord } from '../core/checks.js';
import type { Env } from '../core/Env.js';
import type { ResetParams, ResetResult, StepResult } from '../core/types.js';
import { Wrapper } from '../core/Wrapper.js';
import { Box } from '../spaces/Box.js';
import { requireBox } from './boxOf.js';

/** Options of {@link FrameStack}. */
export interface FrameStackOptions {
  /**
   * What fills the stack after `reset`: `'reset'` repeats the reset observation (the
   * default, as Gymnasium 1.x's `FrameStackObservation`), `'zero'` uses zeros.
   */
  readonly padding?: 'reset' | 'zero';
}

/**
 * Stacks the last `stackSize` observations, oldest first, as Gymnasium 1.x's
 * `FrameStackObservation`. The observation space is a Box of shape
 * `[stackSize, ...innerShape]` whose bounds repeat the inner bounds; values are flattened
 * row-major, so frame `k` occupies elements `k * size .. (k + 1) * size - 1`.
 *
 * @typeParam Act - the action type.
 * @example
 * ```ts
 * import { CartPole, FrameStack } from 'tradegym';
 * const env = new FrameStack(new CartPole(), 4);
 * const { observation } = env.reset({ seed: 0 });
 * console.log(env.observationSpace.shape, observation.length); // [4, 4] 16
 * ```
 */
export class FrameStack<Act> extends Wrapper<Float32Array, Act, Float32Array, Act> {
  /** The stacked Box, shape `[stackSize, ...innerShape]`. */
  declare readonly observationSpace: Box;
  /** How many frames are stacked. */
  readonly stackSize: number;
  /** How the stack is filled after reset. */
  readonly padding: 'reset' | 'zero';
  readonly #frameSize: number;
  readonly #frames: Float32Array; // ring buffer of stackSize frames
  #head = 0; // index of the oldest frame

  /**
   * @param env - an env with a Box observation space.
   * @param stackSize - the number of frames, an integer >= 1.
   * @param options - `padding`.
   * @throws {@link InvalidArgumentError} if the observation space is not a Box, `stackSize`
   *   is not an integer >= 1, or `padding` is unknown.
   */
  constructor(env: Env<Float32Array, Act>, stackSize: number, options: FrameStackOptions = {}) {
    const inner = requireBox('env.observationSpace (for FrameStack)', env.observationSpace);
    requireInt('stackSize', stackSize, 1);
    requireRecord('options', options);
    const tile = (a: Float32Array): Float32Array => {
      const out = new Float32Array(a.length * stackSize);
      for (let k = 0; k < stackSize; k++) out.set(a, k * a.length);
      return out;
    };
    super(env, new Box(tile(inner.low), tile(inner.high), [stackSize, ...inner.shape]), env.actionSpace);
    this.stackSize = stackSize;
    this.padding = options.padding === undefined ? 'reset' : requireOneOf('padding', options.padding, ['reset', 'zero']);
    this.#frameSize = inner.size;
    this.#frames = new Float32Array(inner.size * stackSize);
  }

  protected resetEnv(params: ResetParams): ResetResult<Float32Array> {
    const r = this.env.reset(params);
    if (this.padding === 'zero') this.#frames.fill(0);
    else for (let k = 0; k < this.stackSize; k++) this.#frames.set(r.observation, k * this.#frameSize);
    this.#head = 0;
    // the newest frame is the one before head: write the reset observation there
    this.#frames.set(r.observation, (this.stackSize - 1) * this.#frameSize);
    return { observation: this.#stacked(), info: r.info };
  }

  protected stepEnv(action: Act): StepResult<Float32Array> {
    const r = this.env.step(action);
    // overwrite the oldest frame; it becomes the newest
    this.#frames.set(r.observation, this.#head * this.#frameSize);
    this.#head = (this.#head + 1) % this.stackSize;
    return { observation: this.#stacked(), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }

  #stacked(): Float32Array {
    const out = new Float32Array(this.#frames.length);
    const split = this.#head * this.#frameSize;
    out.set(this.#frames.subarray(split), 0);
    out.set(this.#frames.subarray(0, split), this.#frames.length - split);
    return out;
  }
}

import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as Process from 'node:process';
import { nodeBuiltin } from '../../core/nodeBuiltin.js';
import { fail, requireBool, requireInt, requireKnownKeys } from '../../core/checks.js';
import type { Env } from '../../core/Env.js';
import { evaluatePolicy } from './evaluatePolicy.js';
import { definedOnly, requireDir, requireSingleEnv } from './guards.js';
import { isCheckpointUrl } from './checkpoint.js';
import type { AgentAction, CallbackAgent, CallbackContext, CallbackSpec, TrainingCallback } from './types.js';

export type { CallbackAgent, CallbackContext, CallbackSpec, TrainingCallback } from './types.js';

const HOOKS = ['onTrainingStart', 'onRolloutEnd', 'onTrainingEnd'] as const;

/**
 * Normalises a {@link CallbackSpec} into a list, checking each: a function, or an object
 * with at least one hook, every hook it has a function (so `{}` or `{ onRolloutEnd: 'x' }`
 * is refused when `learn` starts, not ignored or failing mid-training). @internal
 */
export function toCallbacks(spec: CallbackSpec | undefined): TrainingCallback[] {
  if (spec === undefined) return [];
  const list = Array.isArray(spec) ? spec : [spec];
  const name = (i: number) => (Array.isArray(spec) ? `callback[${i}]` : 'callback');
  return list.map((c, i) => {
    if (typeof c === 'function') return { onRolloutEnd: (ctx: CallbackContext) => c(ctx.record) };
    if (c === null || typeof c !== 'object') fail(name(i), 'a function or a TrainingCallback', c);
    const hooks = c as Record<string, unknown>;
    for (const h of HOOKS) if (hooks[h] !== undefined && typeof hooks[h] !== 'function') fail(`${name(i)}.${h}`, 'a function', hooks[h]);
    if (!HOOKS.some((h) => typeof hooks[h] === 'function')) fail(name(i), `a function or an object with a hook (${HOOKS.join(', ')})`, c);
    return c as TrainingCallback;
  });
}


/** Fires when the step count crosses a multiple of `every` (checked after each rollout). @internal */
export class Every {
  #next: number;
  constructor(readonly every: number) {
    this.#next = every;
  }
  due(steps: number): boolean {
    if (steps < this.#next) return false;
    while (this.#next <= steps) this.#next += this.every;
    return true;
  }
}

/**
 * Stops training once an evaluation's mean return reaches `threshold`; give it to
 * {@link EvalCallback} as `callbackOnNewBest`, as Stable-Baselines3.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { EvalCallback, StopTrainingOnRewardThreshold } from 'tradegym/agents';
 * const stop = new StopTrainingOnRewardThreshold(475);
 * const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: 10_000, callbackOnNewBest: stop });
 * ```
 */
export class StopTrainingOnRewardThreshold {
  /**
   * @param threshold - the mean evaluation return that ends training.
   * @throws `InvalidArgumentError` (from `tradegym`) if `threshold` is not a finite number.
   */
  constructor(readonly threshold: number) {
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) fail('threshold', 'a finite number', threshold);
  }

  /**
   * @param bestMean - the new best mean evaluation return.
   * @returns false (stop) once it reaches the threshold.
   */
  onNewBest(bestMean: number): boolean {
    return bestMean < this.threshold;
  }
}

/** One evaluation of {@link EvalCallback}. */
export interface EvaluationRecord {
  /** The agent's step count at the evaluation. */
  readonly timesteps: number;
  /** Mean episode return. */
  readonly mean: number;
  /** Standard deviation of the returns. */
  readonly std: number;
}

/** Options of {@link EvalCallback}. */
export interface EvalCallbackOptions {
  /** Evaluate every this many environment steps (default 10,000; checked after each rollout). */
  readonly evalFreq?: number;
  /** Episodes per evaluation (default 5). */
  readonly nEvalEpisodes?: number;
  /** Deterministic actions (default true). */
  readonly deterministic?: boolean;
  /** Save the best agent here (a directory, or a tfjs URL such as `'indexeddb://best'` in a browser), if given. */
  readonly bestModelSavePath?: string;
  /** Told of every new best; may stop training. */
  readonly callbackOnNewBest?: StopTrainingOnRewardThreshold;
}

/**
 * Evaluates the agent on a separate env every `evalFreq` steps, as Stable-Baselines3's
 * `EvalCallback`: records each evaluation, keeps the best mean, saves the best agent, and
 * can stop training on a threshold.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { EvalCallback, PPO, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new PPO(make('CartPole-v1'), { nSteps: 64, batchSize: 64, nEpochs: 1, seed: 0 });
 * const evaluation = new EvalCallback(make('CartPole-v1'), { evalFreq: 64, nEvalEpisodes: 2 });
 * await agent.learn({ totalTimesteps: 128, callback: evaluation });
 * console.log(evaluation.evaluations.length, evaluation.bestMeanReward); // 2 ...
 * agent.dispose();
 * ```
 */
export class EvalCallback implements TrainingCallback {
  /** Every evaluation: the step count and the mean and std of the returns. */
  readonly evaluations: EvaluationRecord[] = [];
  /** The best mean return so far. */
  bestMeanReward = -Infinity;
  readonly #env: Env<Float32Array, AgentAction>;
  readonly #opts: Required<Omit<EvalCallbackOptions, 'bestModelSavePath' | 'callbackOnNewBest'>> & EvalCallbackOptions;
  readonly #every: Every;

  /**
   * @param evalEnv - the env to evaluate on (not the training env).
   * @param options - frequency, episodes, best-model path, stop rule.
   * @throws `InvalidArgumentError` (from `tradegym`) for an eval env that is not a single Env,
   *   an unknown option, a frequency or episode count that is not an integer >= 1, a
   *   `deterministic` that is not a boolean, an empty or non-string `bestModelSavePath`, or a
   *   `callbackOnNewBest` without `onNewBest`.
   */
  constructor(evalEnv: Env<Float32Array, number> | Env<Float32Array, Float32Array> | Env<Float32Array, AgentAction>, options: EvalCallbackOptions = {}) {
    this.#env = requireSingleEnv('evalEnv', evalEnv) as Env<Float32Array, AgentAction>;
    const o = definedOnly(requireKnownKeys('options', options, ['evalFreq', 'nEvalEpisodes', 'deterministic', 'bestModelSavePath', 'callbackOnNewBest']) as EvalCallbackOptions);
    const best = o.callbackOnNewBest as { onNewBest?: unknown } | undefined;
    if (best !== undefined && (best === null || typeof best !== 'object' || typeof best.onNewBest !== 'function')) fail('callbackOnNewBest', 'an object with onNewBest() (e.g. a StopTrainingOnRewardThreshold)', best);
    this.#opts = {
      evalFreq: requireInt('evalFreq', o.evalFreq ?? 10_000, 1),
      nEvalEpisodes: requireInt('nEvalEpisodes', o.nEvalEpisodes ?? 5, 1),
      deterministic: requireBool('deterministic', o.deterministic ?? true),
      ...(o.bestModelSavePath === undefined ? {} : { bestModelSavePath: requireDir('bestModelSavePath', o.bestModelSavePath) }),
      ...(o.callbackOnNewBest === undefined ? {} : { callbackOnNewBest: o.callbackOnNewBest }),
    };
    this.#every = new Every(this.#opts.evalFreq);
  }

  /**
   * Evaluates when due.
   * @param ctx - the callback context.
   * @returns false to stop training (from `callbackOnNewBest`).
   */
  async onRolloutEnd(ctx: CallbackContext): Promise<boolean> {
    const steps = ctx.agent.numTimesteps;
    if (!this.#every.due(steps)) return true;
    const r = evaluatePolicy(ctx.agent, this.#env, { nEvalEpisodes: this.#opts.nEvalEpisodes, deterministic: this.#opts.deterministic });
    this.evaluations.push({ timesteps: steps, mean: r.mean, std: r.std });
    if (r.mean > this.bestMeanReward) {
      this.bestMeanReward = r.mean;
      if (this.#opts.bestModelSavePath !== undefined) await ctx.agent.save(this.#opts.bestModelSavePath);
      if (this.#opts.callbackOnNewBest !== undefined) return this.#opts.callbackOnNewBest.onNewBest(r.mean);
    }
    return true;
  }
}

/** Options of {@link CheckpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Save every this many environment steps (checked after each rollout). */
  readonly saveFreq: number;
  /** The directory the checkpoints go under, or a tfjs URL (`'indexeddb://runs'` in a browser: `indexeddb://runs/agent_1000_steps`, ...). */
  readonly savePath: string;
  /** Checkpoint names: `${namePrefix}_${steps}_steps` (default `'agent'`). */
  readonly namePrefix?: string;
}

/**
 * Saves the agent every `saveFreq` steps, as Stable-Baselines3's `CheckpointCallback`.
 *
 * @example
 * ```ts
 * import { CheckpointCallback } from 'tradegym/agents';
 * const checkpoints = new CheckpointCallback({ saveFreq: 50_000, savePath: 'out/checkpoints', namePrefix: 'ppo' });
 * console.log(checkpoints.saved.length); // 0 until training saves one
 * ```
 */
export class CheckpointCallback implements TrainingCallback {
  /** The directories (or tfjs URLs) saved so far. */
  readonly saved: string[] = [];
  readonly #every: Every;

  /**
   * @param options - frequency, path, prefix.
   * @throws `InvalidArgumentError` (from `tradegym`) for an unknown option, a frequency that
   *   is not an integer >= 1, or an empty or non-string path or prefix.
   */
  constructor(readonly options: CheckpointCallbackOptions) {
    const o = definedOnly(requireKnownKeys('options', options, ['saveFreq', 'savePath', 'namePrefix']) as Partial<CheckpointCallbackOptions>);
    this.#every = new Every(requireInt('saveFreq', o.saveFreq, 1));
    requireDir('savePath', o.savePath);
    if (o.namePrefix !== undefined && (typeof o.namePrefix !== 'string' || o.namePrefix === '')) fail('namePrefix', 'a non-empty string', o.namePrefix);
  }

  /**
   * Saves when due.
   * @param ctx - the callback context.
   */
  async onRolloutEnd(ctx: CallbackContext): Promise<void> {
    const steps = ctx.agent.numTimesteps;
    if (!this.#every.due(steps)) return;
    const name = `${this.options.namePrefix ?? 'agent'}_${steps}_steps`;
    const base = this.options.savePath;
    // a tfjs URL ('indexeddb://runs' in a page) takes the name after a slash; a directory, a subdirectory
    const dir = isCheckpointUrl(base) ? `${base.replace(/\/+$/, '')}/${name}` : nodeBuiltin<typeof Path>('node:path', 'CheckpointCallback', "save to 'indexeddb://...' instead").join(base, name);
    await ctx.agent.save(dir);
    this.saved.push(dir);
  }
}

/**
 * Writes every log record to a file: one JSON object per line (`.jsonl`) or CSV with a
 * header from the first record's keys (`.csv`).
 *
 * @example
 * ```ts
 * import { TrainingLogger } from 'tradegym/agents';
 * const logger = new TrainingLogger('out/progress.csv'); // pass as learn({ callback: logger })
 * console.log(logger.format); // 'csv'
 * ```
 */
export class TrainingLogger implements TrainingCallback {
  /** `'csv'` or `'jsonl'`, from the file name. */
  readonly format: 'csv' | 'jsonl';
  #columns: string[] | undefined;

  /**
   * @param path - a `.csv` or `.jsonl` file (created or overwritten when training starts).
   * @throws `InvalidArgumentError` (from `tradegym`) for another extension.
   */
  constructor(readonly path: string) {
    if (typeof path !== 'string' || !/\.(csv|jsonl)$/.test(path)) fail('path', 'a .csv or .jsonl file', path);
    this.format = path.endsWith('.csv') ? 'csv' : 'jsonl';
  }

  /** Creates the file. */
  onTrainingStart(): void {
    const fs = nodeBuiltin<typeof Fs>('node:fs', 'the training logger');
    fs.mkdirSync(nodeBuiltin<typeof Path>('node:path', 'the training logger').dirname(this.path), { recursive: true });
    fs.writeFileSync(this.path, '');
    this.#columns = undefined;
  }

  /**
   * Appends the record.
   * @param ctx - the callback context.
   */
  onRolloutEnd(ctx: CallbackContext): void {
    if (this.format === 'jsonl') {
      nodeBuiltin<typeof Fs>('node:fs', 'the training logger').appendFileSync(this.path, `${JSON.stringify(ctx.record)}\n`);
      return;
    }
    if (this.#columns === undefined) {
      this.#columns = Object.keys(ctx.record);
      nodeBuiltin<typeof Fs>('node:fs', 'the training logger').appendFileSync(this.path, `${this.#columns.join(',')}\n`);
    }
    nodeBuiltin<typeof Fs>('node:fs', 'the training logger').appendFileSync(this.path, `${this.#columns.map((k) => ctx.record[k] ?? '').join(',')}\n`);
  }
}

/**
 * A one-line progress display on stderr: steps, fps, ETA and mean episode return,
 * redrawn in place on a terminal. `learn({ progressBar: true })` adds one.
 *
 * @example
 * ```ts
 * import { ProgressBar } from 'tradegym/agents';
 * const line = ProgressBar.format(5_000, 20_000, 1_250, 87.5);
 * console.log(line); // [#####...............] 5000/20000 steps | 1250 fps | ETA 12s | ep_rew_mean 87.50
 * ```
 */
export class ProgressBar implements TrainingCallback {
  /**
   * One progress line.
   * @param done - steps done.
   * @param total - steps in all.
   * @param fps - steps per second.
   * @param reward - the mean episode return (NaN before the first episode ends).
   * @returns the line.
   */
  static format(done: number, total: number, fps: number, reward: number): string {
    const width = 20;
    const filled = Math.min(width, Math.round((width * done) / total));
    const eta = fps > 0 ? `${Math.max(0, Math.round((total - done) / fps))}s` : '-';
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} steps | ${Math.round(fps)} fps | ETA ${eta} | ep_rew_mean ${Number.isNaN(reward) ? '-' : reward.toFixed(2)}`;
  }

  #start = 0;
  #total = 0;

  /**
   * Notes the target; outside Node it refuses at once (before any training), saying what to use.
   * @param agent - the agent.
   * @param totalTimesteps - the steps this training takes.
   */
  onTrainingStart(agent: CallbackAgent, totalTimesteps: number): void {
    ProgressBar.#stderr();
    this.#start = agent.numTimesteps;
    this.#total = totalTimesteps;
  }

  /**
   * Redraws the line.
   * @param ctx - the callback context.
   */
  onRolloutEnd(ctx: CallbackContext): void {
    const line = ProgressBar.format(ctx.agent.numTimesteps - this.#start, this.#total, ctx.record['time/fps'] ?? 0, ctx.record['rollout/ep_rew_mean'] ?? Number.NaN);
    const stderr = ProgressBar.#stderr();
    stderr.write(stderr.isTTY ? `\r${line}` : `${line}\n`);
  }

  /** Ends the line. */
  onTrainingEnd(): void {
    const stderr = ProgressBar.#stderr();
    if (stderr.isTTY) stderr.write('\n');
  }

  static #stderr(): (typeof Process)['stderr'] {
    return nodeBuiltin<typeof Process>('node:process', 'progressBar', 'follow training with a callback of the log record (or a Web Worker trainer\'s onProgress)').stderr;
  }
}

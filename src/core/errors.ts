/**
 * The root of every error tradegym throws on purpose. Catch this to tell tradegym's own
 * refusals from bugs elsewhere.
 *
 * @example
 * ```ts
 * import { Discrete, TradegymError } from 'tradegym';
 * try {
 *   new Discrete(0);
 * } catch (e) {
 *   if (e instanceof TradegymError) console.log(e.message); // "n must be an integer >= 1, got 0"
 * }
 * ```
 */
export class TradegymError extends Error {
  /** The class's name, a literal: it survives minification. */
  override name = 'TradegymError';

  /**
   * @param message - what went wrong, naming the argument and showing the bad value.
   */
  constructor(message: string) {
    super(message);
  }
}

/**
 * An argument or option is out of its allowed range or of the wrong type.
 *
 * @example
 * ```ts
 * import { Box, InvalidArgumentError } from 'tradegym';
 * try { new Box(1, 0, [2]); } catch (e) { console.log(e instanceof InvalidArgumentError); } // true
 * ```
 */
export class InvalidArgumentError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'InvalidArgumentError';
}

/**
 * Input data failed validation (non-finite prices, unsorted timestamps, and the like).
 *
 * @example
 * ```ts
 * import { DataValidationError } from 'tradegym';
 * const err = new DataValidationError('close[3] must be finite, got NaN');
 * console.log(err.name); // "DataValidationError"
 * ```
 */
export class DataValidationError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'DataValidationError';
}

/**
 * `step` was called before `reset`, or after the episode ended (terminated or truncated).
 *
 * @example
 * ```ts
 * import { CartPole, ResetNeededError } from 'tradegym';
 * const env = new CartPole();
 * try { env.step(0); } catch (e) { console.log(e instanceof ResetNeededError); } // true
 * ```
 */
export class ResetNeededError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'ResetNeededError';
}

/**
 * `reset`, `step` or another method was called on an env (or vector env) after `close()`.
 *
 * @example
 * ```ts
 * import { CartPole, EnvClosedError } from 'tradegym';
 * const env = new CartPole();
 * env.close();
 * try { env.reset(); } catch (e) { console.log(e instanceof EnvClosedError); } // true
 * ```
 */
export class EnvClosedError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'EnvClosedError';
}

/**
 * An action is not a member of the env's action space.
 *
 * @example
 * ```ts
 * import { CartPole, InvalidActionError } from 'tradegym';
 * const env = new CartPole();
 * env.reset({ seed: 0 });
 * try { env.step(2); } catch (e) { console.log(e instanceof InvalidActionError); } // true
 * ```
 */
export class InvalidActionError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'InvalidActionError';
}

/**
 * A conformance check of {@link checkEnv} failed. `check` names the failed check.
 *
 * @example
 * ```ts
 * import { EnvCheckError } from 'tradegym';
 * const err = new EnvCheckError('reward-finite', 'step returned reward NaN');
 * console.log(err.check); // "reward-finite"
 * ```
 */
export class EnvCheckError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'EnvCheckError';
  /** The name of the check that failed, e.g. `'reset-seed-determinism'`. */
  readonly check: string;

  /**
   * @param check - the name of the failed check.
   * @param detail - what was observed.
   */
  constructor(check: string, detail: string) {
    super(`checkEnv failed [${check}]: ${detail}`);
    this.check = check;
  }
}

/**
 * A saved agent cannot be read back (its directory or `model.json` is missing, a field of the
 * manifest is missing or invalid, or the weights file is missing, truncated or fails its
 * SHA-256 check), or cannot be saved (a file is in the way of its directory). `file` names the
 * file or directory at fault; the message says what is wrong.
 *
 * @example
 * ```ts
 * import { CheckpointError } from 'tradegym';
 * const err = new CheckpointError('out/ppo/model.json', 'not valid JSON');
 * console.log(err.message); // "checkpoint out/ppo/model.json: not valid JSON"
 * console.log(err.file); // "out/ppo/model.json"
 * ```
 */
export class CheckpointError extends TradegymError {
  /** The class's name, a literal: it survives minification. */
  override name = 'CheckpointError';
  /** The file or directory at fault, e.g. `'out/ppo/model.json'`. */
  readonly file: string;

  /**
   * @param file - the file or directory at fault.
   * @param problem - what is wrong with it.
   */
  constructor(file: string, problem: string) {
    super(`checkpoint ${file}: ${problem}`);
    this.file = file;
  }
}

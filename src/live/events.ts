import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { fail } from '../core/checks.js';
import { nodeBuiltin } from '../core/nodeBuiltin.js';
import type { RiskEvent } from '../backtest/risk.js';
import type { FillEvent, OrderRequest, OrderStatus } from './broker.js';

/** What a {@link LiveRunner} reports, in the order it happens; every event is plain JSON data. */
export type LiveEvent =
  | {
      /** A bar was stepped: its close, and the book at that close. */
      readonly type: 'bar';
      /** The bar's index. */
      readonly index: number;
      /** Its timestamp (ms). */
      readonly timestamp: number;
      /** Its close. */
      readonly close: number;
      /** Equity at the close. */
      readonly equity: number;
      /** Units held at the close. */
      readonly position: number;
    }
  | {
      /** A decision: the strategy's signal and the target after the risk rules. */
      readonly type: 'signal';
      /** The bar decided at. */
      readonly index: number;
      /** Its timestamp. */
      readonly timestamp: number;
      /** The signal (NaN, written as null, holds). */
      readonly signal: number;
      /** The target position as a fraction of equity. */
      readonly target: number;
    }
  | {
      /** An order was placed (or refused by the broker). */
      readonly type: 'order';
      /** The order. */
      readonly order: OrderRequest;
      /** Its status after placing. */
      readonly status: OrderStatus;
    }
  | ({
      /** A fill. */
      readonly type: 'fill';
    } & FillEvent)
  | {
      /** A risk rule acted. */
      readonly type: 'risk';
      /** The bar. */
      readonly index: number;
      /** Its timestamp. */
      readonly timestamp: number;
      /** Which rule. */
      readonly rule: RiskEvent['kind'] | 'order-rate' | 'kill-switch';
      /** What it did: closed the position, blocked an order, or stopped the runner. */
      readonly action: 'exit' | 'blocked' | 'stop';
      /** Why, for a person. */
      readonly message: string;
    }
  | {
      /** An error stopped the runner (after flattening). */
      readonly type: 'error';
      /** The last bar seen (-1 before the first). */
      readonly index: number;
      /** The error's name. */
      readonly name: string;
      /** Its message. */
      readonly message: string;
    }
  | {
      /** A restart rebuilt the book from its journal (see `fileJournal`), before reading the feed. */
      readonly type: 'recovery';
      /** The last journaled bar (-1 for none). */
      readonly index: number;
      /** Bars replayed. */
      readonly bars: number;
      /** Journaled orders replayed. */
      readonly orders: number;
      /** Orders whose fate the journal did not hold, settled with the exchange (or, paper, placed again in the rebuilt book). */
      readonly resolved: number;
      /** Units held after the recovery. */
      readonly position: number;
    }
  | {
      /** The runner stopped. */
      readonly type: 'stop';
      /** The last bar seen. */
      readonly index: number;
      /** Why: the feed ended, the kill switch, or an error. */
      readonly reason: 'feed-ended' | 'kill-switch' | 'error';
    };

/** Where a runner's events go (a journal): written in order, each awaited before the next. */
export interface EventSink {
  /** Records one event. */
  write(event: LiveEvent): void | Promise<void>;
  /** Flushes and releases the sink when the run ends. */
  close?(): Promise<void>;
}

/**
 * A sink that appends each event to `path` as one line of JSON (JSONL), creating the file and
 * its folder; a file that exists is appended to, never truncated. Node only.
 * @param path - the file.
 * @returns the sink.
 * @throws `InvalidArgumentError` (from `tradegym`) for a path that is not a non-empty string;
 *   `write` throws `TradegymError` outside Node.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { jsonlSink } from 'tradegym/live';
 * const file = join(mkdtempSync(join(tmpdir(), 'tg-')), 'events.jsonl');
 * const sink = jsonlSink(file);
 * await sink.write({ type: 'stop', index: 3, reason: 'feed-ended' });
 * console.log(readFileSync(file, 'utf8')); // {"type":"stop","index":3,"reason":"feed-ended"}
 * ```
 */
export function jsonlSink(path: string): EventSink {
  if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
  let ready: Promise<void> | undefined;
  return {
    async write(event) {
      const fs = nodeBuiltin<typeof FsPromises>('node:fs/promises', 'jsonlSink', 'write events with your own EventSink');
      ready ??= fs.mkdir(nodeBuiltin<typeof Path>('node:path', 'jsonlSink').dirname(path), { recursive: true }).then(() => undefined);
      await ready;
      await fs.appendFile(path, `${JSON.stringify(event)}\n`);
    },
  };
}

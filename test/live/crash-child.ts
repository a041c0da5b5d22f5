// Run by crash.test.ts and crash.ccxt.test.ts as a child process:
//   node --import tsx crash-child.ts '<json config>'
// Trades a fixed replay (seeded bars, a fixed strategy) with a LiveRunner on a fileJournal,
// restarting from whatever the journal holds, and kills itself with SIGKILL right after its
// `killAfter`-th durable journal append, or its first of type `killAfterType`, or `killAtMs` ms
// after it starts (a seeded instant chosen by the test); without any it runs to the end and
// writes its book to `out`.
// `broker: 'ccxt'` trades through CcxtBroker against the fake Binance at `url`.
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StrategyContext } from '../../src/backtest/backtest.js';
import type { Broker } from '../../src/live/broker.js';
import type { CcxtBroker } from '../../src/live/CcxtBroker.js';
import { fileJournal, type Journal } from '../../src/live/journal.js';
import { LiveRunner, type LiveResult } from '../../src/live/LiveRunner.js';
import { ReplayFeed } from '../../src/live/ReplayFeed.js';
import { randomBars } from '../helpers/randomBars.js';

/** What a child is told. */
export interface CrashChildConfig {
  readonly journal: string;
  readonly broker: 'paper' | 'ccxt';
  readonly killAfter?: number;
  readonly killAfterType?: string;
  readonly killAtMs?: number;
  readonly out?: string;
  readonly url?: string;
  /** Bars replayed (default `RUN.bars`). */
  readonly bars?: number;
}

/** The run every child and the test's reference make: bars, strategy, costs, risk. */
export const RUN = {
  bars: 40,
  seed: 8,
  account: { fee: 10, slippage: 2 },
  risk: { stopLoss: 0.015, cooldownBars: 2 },
} as const;

/** Long (80 % of equity) above the 5-bar mean, flat below: a spot strategy. */
export const strategy = ({ index, data }: StrategyContext): number => {
  if (index < 5) return 0;
  let s = 0;
  for (let k = index - 4; k <= index; k++) s += data.close[k] as number;
  return (data.close[index] as number) > s / 5 ? 0.8 : 0;
};

/** A book as exact text: every number by its shortest round-trip form (NaN and -0 kept). */
export const exact = (r: unknown): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));

/** The parts of a result a restart must rebuild. */
export const bookOf = (r: LiveResult, broker: Broker) => ({ timestamps: r.timestamps, equity: r.equity, positions: r.positions, trades: r.trades, fees: r.fees, borrow: r.borrow, riskEvents: r.riskEvents, position: broker.account.positions[0], cash: broker.account.cash });

/**
 * The fake exchange trades at the close of the bar the runner decides at: its price is set to it
 * when an order goes out (a request per order, not per bar). @returns the broker, so wrapped.
 */
export function tradingAtClose(broker: CcxtBroker, url: string, firstClose: number, setPriceAt: (url: string, price: number) => Promise<void>): CcxtBroker {
  let close = firstClose;
  const onBar = broker.onBar.bind(broker);
  broker.onBar = async (bar, index) => {
    close = bar.close;
    await onBar(bar, index);
  };
  const submit = broker.submit.bind(broker);
  broker.submit = async (order) => {
    await setPriceAt(url, close);
    return submit(order);
  };
  return broker;
}

/** Counts durable appends and dies right after the `k`-th, or the first of type `type`. */
function killingJournal(inner: Journal, k: number | undefined, type: string | undefined): Journal {
  let n = 0;
  return {
    read: () => inner.read(),
    close: () => inner.close(),
    async append(record) {
      await inner.append(record);
      if (++n === k || record.type === type) process.kill(process.pid, 'SIGKILL');
    },
  };
}

async function main(config: CrashChildConfig): Promise<void> {
  if (config.killAtMs !== undefined) setTimeout(() => process.kill(process.pid, 'SIGKILL'), config.killAtMs);
  const data = randomBars(config.bars ?? RUN.bars, RUN.seed);
  const journal = killingJournal(fileJournal(config.journal), config.killAfter, config.killAfterType);
  const feed = new ReplayFeed(data);
  let broker: Broker | undefined;
  if (config.broker === 'ccxt') {
    const url = config.url as string;
    const { CcxtBroker } = await import('../../src/live/CcxtBroker.js');
    const { binanceAt, setPriceAt } = await import('../helpers/fakeBinanceOrders.js');
    const ccxt = new CcxtBroker({ exchange: binanceAt(url), symbol: 'BTC/USDT', clientOrderIdPrefix: 'tg-', backoff: { initialMs: 1, maxMs: 4 } });
    // every run starts from today's balances, as a first one does: the runner puts the book
    // back to the run's first one (the journal's) and rebuilds the rest by the replay
    await ccxt.start();
    broker = tradingAtClose(ccxt, url, data.close[0] as number, setPriceAt);
  }
  const runner = new LiveRunner({
    feed,
    strategy,
    risk: RUN.risk,
    journal,
    ...(broker === undefined ? { account: RUN.account } : { broker, realOrders: true }),
  });
  const result = await runner.run();
  await journal.close();
  if (config.out !== undefined) writeFileSync(config.out, exact(bookOf(result, runner.broker)));
}

// run as a script (the tests import RUN, strategy and the helpers without running it)
// (compared as real paths: node_modules may be a symlink)
if (process.argv[1] !== undefined && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])) {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: crash-child.ts '<json config>'");
  await main(JSON.parse(arg) as CrashChildConfig);
}

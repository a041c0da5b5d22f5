// The backtester's Account from its `account` option: written once for backtest() and the live
// PaperBroker, which take the same option with the same defaults.
import { fail, requireKnownKeys } from '../core/checks.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Account, type AccountOptions } from '../envs/trading/Account.js';

const ACCOUNT_DEFAULTS = { initialCash: 10_000, fee: 0, slippage: 0, borrowRate: 0, maxLeverage: 1 } as const;

/** The backtest's Account; its own checks judge the values, and their messages name `account.<key>`. @internal */
export function accountFor(account: unknown): Account {
  const a = requireKnownKeys('account', account, Object.keys(ACCOUNT_DEFAULTS));
  const o: Record<string, unknown> = { ...ACCOUNT_DEFAULTS };
  for (const [k, v] of Object.entries(a)) {
    // null is not "left out": the Account's own defaults would turn it into 0 silently
    if (v === null) fail(`account.${k}`, `a value, or left out for the default ${ACCOUNT_DEFAULTS[k as keyof typeof ACCOUNT_DEFAULTS]}`, v);
    if (v !== undefined) o[k] = v;
  }
  try {
    return new Account(o as unknown as AccountOptions);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`account.${e.message}`);
    throw e;
  }
}


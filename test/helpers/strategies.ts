// Strategy functions the live tests share.
import type { StrategyContext } from '../../src/backtest/backtest.js';

/** Long above the n-bar mean, short below: a signal function. */
export const meanCross =
  (n: number) =>
  ({ index, data }: StrategyContext): number => {
    if (index < n) return 0;
    let s = 0;
    for (let k = index - n + 1; k <= index; k++) s += data.close[k] as number;
    return (data.close[index] as number) > s / n ? 1 : -1;
  };

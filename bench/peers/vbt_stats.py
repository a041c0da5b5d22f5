"""vectorbt's full statistics of one portfolio, on data and signals tradegym wrote (the same
bars and decisions as bench/stats-vs-vectorbt.ts times ours on).

  run.sh python bench/peers/vbt_stats.py --data DIR --reps 5

DIR holds close.f64, entries.u8 and exits.u8 (raw little-endian arrays of one length) and
meta.json ({"fees": 0.0005, "freq": "15min", "direction": "longonly"}). The portfolio:
Portfolio.from_signals(close, entries, exits, direction, init_cash=10_000, fees, freq), filled at
the signal bar's close: long after an entry, out after an exit ('longonly', as tradegym's
+1/0 target) or short after it ('both', +1/-1). Timed: pf.stats() on a fresh
portfolio each time (its caches empty), the first call (numba's compilation or cache load
included) apart, then the median of --reps. Prints one JSON line.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import pandas as pd
import vectorbt as vbt

p = argparse.ArgumentParser()
p.add_argument('--data', required=True)
p.add_argument('--reps', type=int, default=5)
a = p.parse_args()
meta = json.load(open(os.path.join(a.data, 'meta.json')))
close = pd.Series(np.fromfile(os.path.join(a.data, 'close.f64'), dtype='<f8'))
entries = pd.Series(np.fromfile(os.path.join(a.data, 'entries.u8'), dtype=np.uint8).astype(bool))
exits = pd.Series(np.fromfile(os.path.join(a.data, 'exits.u8'), dtype=np.uint8).astype(bool))


def portfolio():
    return vbt.Portfolio.from_signals(close, entries, exits, direction=meta.get('direction', 'both'), init_cash=10_000, fees=meta['fees'], freq=meta['freq'])


def timed_stats():
    pf = portfolio()
    t = time.perf_counter()
    s = pf.stats()
    return time.perf_counter() - t, s


first, s = timed_stats()
warm = [timed_stats()[0] for _ in range(a.reps)]
print(json.dumps({
    'vectorbt': vbt.__version__, 'bars': int(len(close)), 'statsFirstSeconds': round(first, 4),
    'statsWarmMedianSeconds': round(statistics.median(warm), 4), 'statsWarmRuns': [round(x, 4) for x in warm],
    'trades': int(s['Total Trades']), 'totalReturnPct': float(s['Total Return [%]']), 'sharpe': float(s['Sharpe Ratio']),
}))

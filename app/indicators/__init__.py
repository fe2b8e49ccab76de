"""RSI and MACD: batch over numpy arrays and streaming bar by bar, with TA-Lib's values.

API: ``rsi``, ``macd`` (batch), ``StreamingRSI``, ``StreamingMACD`` and their
``MacdValue`` (incremental).  Runtime dependency: numpy only.

Conventions are TA-Lib's (``talib.RSI`` / ``talib.MACD``, default
compatibility mode), which is what traders compare against:

* RSI(n): the first average gain/loss is the plain mean of the first n
  gains/losses, then Wilder smoothing ``avg = (avg*(n-1) + x)/n``;
  ``RSI = 100*G/(G+L)``, 0 when both averages are 0 (a constant series).
  First value at index n.
* MACD(fast, slow, signal), ``k = 2/(n+1)``: both EMAs are seeded on bar
  ``slow-1``, the slow one with the mean of ``x[0:slow]``, the fast one with
  the mean of ``x[slow-fast:slow]``; the signal EMA with the mean of the first
  ``signal`` MACD values.  First value at index ``slow+signal-2``.  TA-Lib
  silently swaps fast and slow when ``fast > slow``; we raise ValueError.

Batch results equal TA-Lib to ~1e-13 (RSI, absolute) and ~1e-15 of the price
level (MACD), NaN exactly where TA-Lib is NaN.  Only exception: a run of
identical closes so long that TA-Lib's averages become subnormal (below
2.2e-308; about 1075 bars for RSI(2), 9600 for RSI(14)) -- there TA-Lib's RSI
is rounding noise for a few dozen bars and ours differs; both agree again once
the averages reach 0 or prices move.  Inputs: any 1-D sequence of real numbers
(lists, tuples, any numeric dtype, Decimals); short input gives all-NaN
arrays; NaN/inf closes or bad periods raise ValueError.

Batch speed: a blocked, transposed linear-recurrence scan (``_engine``), numpy
element-wise ops, reductions and cumsum only (no BLAS); inputs of up to
``_batch.SMALL`` closes run the scalar streaming arithmetic instead (less setup).
See ``bench/indicators.py``.  Streaming: O(1) per bar, ~1-2 us per ``update``;
``from_history`` / ``warm`` run the same arithmetic as one tight loop.
Batch work memory is a few MB of per-thread scratch, kept between calls.
"""

from app.indicators._batch import macd, rsi
from app.indicators._streaming import MacdValue, StreamingMACD, StreamingRSI

__all__ = ["MacdValue", "StreamingMACD", "StreamingRSI", "macd", "rsi"]

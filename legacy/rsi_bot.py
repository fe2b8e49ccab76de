"""The original RSI bot, as a headless entry point on Sherwood's core.

Runs what ``RobinhoodBot`` did (RSI at support/resistance, strategy ``rsi_sr``, on 5-minute
bars, under the risk limits and the day-trade policy) through the same services as the
terminal, in paper mode unless ``--mode live`` is given. Any flag of ``sherwood --headless``
works, e.g. ``python legacy/rsi_bot.py --symbol TQQQ --run-for 3600``. SIGINT/SIGTERM stop it
cleanly and print the summary; a supervisor (systemd) can restart it: the order journal makes
that safe.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.__main__ import main

if __name__ == "__main__":
    os.environ.setdefault("BAR_INTERVAL", "5m")  # the original bots polled 5-minute bars
    description = "The original RSI bot, headless on Sherwood's core (paper mode by default)."
    arguments = ["--headless", "--strategy", "rsi_sr", *sys.argv[1:]]
    raise SystemExit(main(arguments, prog="rsi_bot.py", description=description))

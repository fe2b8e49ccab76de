"""``sherwood --backtest FILE --report DIR``: the files agree with the run and with each other."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"


def test_report_files_match_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "DAY_TRADE_POLICY": "off"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "data"), "--backtest",
         str(SAMPLE), "--strategy", "rsi", "--report", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"report: {out}" in done.stdout

    trades = list(csv.DictReader((out / "trades.csv").open(encoding="utf-8")))
    fills_line = next(line for line in done.stdout.splitlines() if line.startswith("signals: "))
    assert f"fills: {len(trades)}" in fills_line and trades
    for row in trades:
        when = datetime.fromisoformat(row["time"])
        assert when.utcoffset() is not None  # New York time with its offset
        assert row["side"] in ("buy", "sell") and Decimal(row["quantity"]) > 0
        assert row["client_order_id"] and row["why"]
    assert {row["why"] for row in trades} & {"rsi BUY signal"}

    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    net = Decimal(metrics["net_pnl"])
    assert net == Decimal(metrics["realized_pnl"]) + Decimal(metrics["unrealized_pnl"])
    assert f"net P&L: {'-$' + str(-net) if net < 0 else '$' + str(net)}" in done.stdout
    assert metrics["fills"] == len(trades) and metrics["bars"] == 780

    equity = list(csv.DictReader((out / "equity.csv").open(encoding="utf-8")))
    assert len(equity) == 780
    # The curve is rebuilt from the fills (cash to the cent per fill, as the broker books
    # it); the portfolio rounds each sale's P&L to the cent: at most a cent apart per sale.
    final = Decimal(equity[-1]["equity"]) - Decimal(metrics["starting_cash"])
    assert abs(final - net) <= Decimal("0.01") * max(1, metrics["trades"])
    worst = max(Decimal(row["drawdown"]) for row in equity)
    assert abs(worst - Decimal(metrics["max_drawdown"])) <= Decimal("0.01")

    picture = QImage(str(out / "equity.png"))
    assert picture.width() == 1200 and picture.height() == 700

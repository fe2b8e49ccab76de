"""``--report DIR``: a backtest's files, for a spreadsheet, a script or a second look.

* ``trades.csv``: one row per fill: ``time`` (New York, with its UTC offset),
  ``symbol``, ``side``, ``quantity``, ``price``, ``fee``, the order's
  ``client_order_id``, who placed it (``source``) and ``why``.
* ``equity.csv``: per bar, at its close: ``time``, ``equity``, ``drawdown``
  (dollars below the running peak), ``position`` (shares).
* ``metrics.json``: the run (symbol, strategy, bars, first and last bar time)
  and :class:`~app.backtest.metrics.Metrics`, with the denials by reason.
* ``equity.png``: the equity curve over its drawdown.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from app.backtest.charts import equity_png
from app.backtest.metrics import drawdowns
from app.backtest.result import BacktestResult

NEW_YORK = ZoneInfo("America/New_York")
TRADE_COLUMNS = ("time", "symbol", "side", "quantity", "price", "fee", "client_order_id",
                 "source", "why")  # fmt: skip


def write_report(result: BacktestResult, directory: str | Path) -> list[Path]:
    """Write the four files into ``directory`` (created if needed); their paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    orders = {o.client_order_id: o for o in result.orders}
    trades = folder / "trades.csv"
    with trades.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRADE_COLUMNS)
        for fill in result.fills:
            order = orders.get(fill.client_order_id)
            writer.writerow([
                fill.time.astimezone(NEW_YORK).isoformat(), fill.symbol, fill.side.value,
                fill.quantity, fill.price, fill.fee, fill.client_order_id,
                order.request.source.value if order else "", order.request.reason if order else "",
            ])  # fmt: skip
    equity = folder / "equity.csv"
    values = [p.equity for p in result.equity]
    with equity.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("time", "equity", "drawdown", "position"))
        for point, down in zip(result.equity, drawdowns(values).tolist(), strict=True):
            writer.writerow([point.time.astimezone(NEW_YORK).isoformat(), f"{point.equity:.4f}",
                             f"{down:.4f}", f"{point.position:g}"])  # fmt: skip
    metrics = folder / "metrics.json"
    metrics.write_text(json.dumps(report_json(result), indent=2) + "\n", encoding="utf-8")
    picture = equity_png(
        result.equity, folder / "equity.png",
        f"{result.strategy} on {result.symbol}: equity and drawdown ({result.bars} "
        f"{result.interval} bars)",
    )  # fmt: skip
    return [trades, equity, metrics, picture]


def report_json(result: BacktestResult) -> dict[str, object]:
    m = result.metrics
    assert m is not None
    first = result.equity[0].time.astimezone(NEW_YORK).isoformat() if result.equity else None
    last = result.equity[-1].time.astimezone(NEW_YORK).isoformat() if result.equity else None
    return {
        "symbol": result.symbol,
        "strategy": result.strategy,
        "bars": result.bars,
        "interval": result.interval,
        "first_bar_end": first,
        "last_bar_end": last,
        "starting_cash": str(result.starting_cash),
        "realized_pnl": str(result.realized_pnl),
        "unrealized_pnl": str(result.unrealized_pnl),
        **m.as_row(),
        "denials": m.denials,
    }

"""The watchlist in live mode against the fake Robinhood (real HTTP): every watched symbol is
quoted, all of them in one batched request per poll; a symbol added later joins that request;
a symbol Robinhood halts says so in its row until trading resumes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fake_robinhood import FakeRobinhood
from PySide6.QtCore import QSettings, Qt

from app.config import Mode, Settings
from app.core.clock import LiveClock

WATCHED = ("TQQQ", "AAPL", "MSFT")


def _quote_requests(fake: FakeRobinhood) -> list[set[str]]:
    return [set(r.query.get("symbols", "").split(",")) for r in fake.calls("GET", "/quotes/")]


def test_live_watchlist_is_quoted_in_one_request_per_poll(
    fake: FakeRobinhood, stored_session: None, run: Any, until: Any, qtbot: Any, tmp_path: Path
) -> None:
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    prices = {"AAPL": "230.10", "MSFT": "415.50", "NVDA": "140.25"}
    for symbol, bid in prices.items():
        fake.trading.set_quote(symbol, Decimal(bid), Decimal(bid) + Decimal("0.05"))
    settings = Settings().replace(
        mode=Mode.LIVE, robinhood_api_url=fake.url, watchlist=",".join(WATCHED)
    )
    ctx = build_app(settings, data_dir=tmp_path / "data", clock=LiveClock())
    run(ctx.start())
    window = MainWindow(
        ctx, qsettings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
        confirm_order=lambda _t: True, ask_close=lambda _t: True, use_tray=False,
    )  # fmt: skip
    controller = Controller(window, ctx)
    controller.start()
    window.show()
    model = window.watchlist.model
    try:

        async def scenario() -> None:
            await until(lambda: all(row.quote is not None for row in model.rows), timeout=15)
            assert model.row("AAPL").quote.bid == Decimal("230.10")  # type: ignore[union-attr]
            assert set(WATCHED) in _quote_requests(fake)  # one request for the whole list
            box = window.watchlist.input
            qtbot.keyClicks(box, "nvda")
            qtbot.keyClick(box, Qt.Key.Key_Return)
            await until(lambda: model.row("NVDA") is not None and model.row("NVDA").quote)  # type: ignore[union-attr]
            await until(lambda: {*WATCHED, "NVDA"} in _quote_requests(fake), timeout=10)

            # Robinhood halts MSFT: its row says so (a halted symbol takes no orders)
            fake.trading.set_quote("MSFT", Decimal("415.50"), Decimal("415.55"), halted=True)
            at = model.rows.index(model.row("MSFT"))  # type: ignore[arg-type]
            symbol, last = model.index(at, 0), model.index(at, 1)
            await until(lambda: model.data(last) == "halted", timeout=10)
            assert model.data(last, Qt.ItemDataRole.ForegroundRole) is None  # not a green/red move
            tip = model.data(symbol, Qt.ItemDataRole.ToolTipRole)
            assert "trading halted; last 415.52" in tip, tip
            fake.trading.set_quote("MSFT", Decimal("415.50"), Decimal("415.55"))  # resumed
            await until(lambda: model.data(last) != "halted", timeout=10)

        run(scenario(), timeout=60)
    finally:
        controller.stop()
        window.close()
        run(ctx.stop())
        window.deleteLater()

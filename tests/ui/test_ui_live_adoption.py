"""The live terminal against the fake Robinhood (real HTTP): a position and an order made in the
Robinhood app before Sherwood started are adopted by the start-up reconciliation, and the
window says so (toasts) and shows them (positions, orders). Rendered offscreen to
``SHERWOOD_SHOTS`` (or the test's folder) for a look."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from fake_robinhood import FakeRobinhood
from fake_robinhood.state import Position as FakePosition
from PySide6.QtCore import QSettings

from app.config import Mode, Settings
from app.core.clock import LiveClock
from app.core.models import OrderStatus


def test_trades_made_in_the_robinhood_app_are_adopted_and_shown_at_start(
    fake: FakeRobinhood, stored_session: None, run: Any, until: Any, tmp_path: Path
) -> None:
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    fake.state.positions.append(FakePosition("SPY", Decimal(2), Decimal("590.00")))
    resting = fake.trading.place_outside("TQQQ", "buy", Decimal(1), Decimal("50.00"))
    settings = Settings().replace(mode=Mode.LIVE, robinhood_api_url=fake.url)
    ctx = build_app(settings, data_dir=tmp_path / "data", clock=LiveClock())
    run(ctx.start())
    window = MainWindow(
        ctx, qsettings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
        confirm_order=lambda _text: True, ask_close=lambda _text: True, use_tray=False,
    )  # fmt: skip
    window.show()  # as the app does: the window is up when the controller starts
    controller = Controller(window, ctx)
    controller.start()
    try:

        async def shown() -> None:
            await until(lambda: any(r.symbol == "SPY" for r in window.positions.rows))
            await until(lambda: any(r.symbol == "TQQQ" for r in window.orders.rows))

        run(shown())
        toasts = [text for title, text in window.notifier.history if title == "Outside Sherwood"]
        assert len(toasts) == 2
        assert any("position mismatch in SPY" in t and "$590.00" in t for t in toasts)
        assert any(resting.id in t and "buy 1 TQQQ limit $50.00, open" in t for t in toasts)
        spy = next(r for r in window.positions.rows if r.symbol == "SPY")
        assert spy.quantity == 2
        order = next(r for r in window.orders.rows if r.symbol == "TQQQ")
        assert order.status is OrderStatus.ACCEPTED and order.request.source.value == "external"
        shots = Path(os.environ.get("SHERWOOD_SHOTS", tmp_path))
        window.grab().save(str(shots / "live_outside_adopted.png"))
    finally:
        controller.stop()
        window.close()
        run(ctx.stop())
        window.deleteLater()

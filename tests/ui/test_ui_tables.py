"""The tables as a user reads them: the Log pane in New York time like every other pane (it
showed the machine's time), a denied order unmistakable next to a filled one."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.tables.models import QtLogHandler, log_model


def test_log_rows_are_in_new_york_time_whatever_the_machine_zone(qapp: QApplication) -> None:
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"  # a machine far from New York
    time.tzset()
    try:
        model = log_model()
        handler = QtLogHandler(model)
        record = logging.LogRecord("sherwood.app", logging.INFO, __file__, 1, "hello", None, None)
        record.created = datetime(2026, 11, 24, 15, 0, 5, tzinfo=UTC).timestamp()  # 10:00:05 NY
        handler.emit(record)
        QApplication.processEvents()
        shown = model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()
    assert shown == "10:00:05"


def test_a_denied_order_looks_denied_next_to_a_filled_one(qapp: QApplication) -> None:
    from decimal import Decimal

    from app.core.models import Order, OrderRequest, OrderStatus, Side
    from app.ui import theme
    from app.ui.tables.models import orders_model

    model = orders_model()
    when = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    buy = OrderRequest(symbol="TQQQ", side=Side.BUY, notional=Decimal("900"))
    model.upsert(Order("a", buy, when, status=OrderStatus.DENIED, reason="over MAX_INVESTMENT"))
    model.upsert(Order("b", buy, when, status=OrderStatus.FILLED))
    headers = [c.header for c in model.columns]
    status, side = headers.index("Status"), headers.index("Side")
    assert status <= 4  # early enough to show in a narrow pane

    def cell(key: str, column: int, role: Qt.ItemDataRole) -> object:
        return model.data(model.index(model.row_of(key) or 0, column), role)

    assert cell("a", status, Qt.ItemDataRole.DisplayRole) == "✕ DENIED"
    assert cell("b", status, Qt.ItemDataRole.DisplayRole) == "filled"
    colors = theme.colors()
    assert cell("a", status, Qt.ItemDataRole.ForegroundRole).name() == colors.loss  # type: ignore[attr-defined]
    # the denied BUY is greyed, the filled one keeps its green
    assert cell("a", side, Qt.ItemDataRole.ForegroundRole).name() == colors.muted  # type: ignore[attr-defined]
    assert cell("b", side, Qt.ItemDataRole.ForegroundRole).name() == colors.gain  # type: ignore[attr-defined]

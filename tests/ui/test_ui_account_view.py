"""The account view on the real app: empty on a fresh account, the equity curve after
snapshots, a day's realized P&L bar after a round trip; rendered to PNG."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.calendar import trade_date
from app.ui.account_view import EMPTY_DAYS, EMPTY_EQUITY
from app.ui.main_window import MainWindow


def _shot(widget, tmp_path: Path, name: str) -> Path:
    """Render ``widget`` to a PNG (into $SHERWOOD_SHOTS too, when set, to look at it)."""
    path = tmp_path / name
    image = widget.grab()
    assert image.save(str(path))
    folder = os.environ.get("SHERWOOD_SHOTS")
    if folder:
        image.save(str(Path(folder) / name))
    return path


def test_fresh_account_says_what_each_plot_waits_for(terminal: MainWindow) -> None:
    account = terminal.account
    terminal.docks["account"].show()
    terminal.docks["account"].raise_()
    assert account.equity_stack.currentWidget() is account.equity_empty
    assert account.days_stack.currentWidget() is account.days_empty
    assert account.equity_empty.text() == EMPTY_EQUITY
    assert account.days_empty.text() == EMPTY_DAYS
    assert account.summary.text() == "No account history yet"


@pytest.mark.speed(20)  # the market moves between snapshots (quotes stay fresh)
def test_snapshots_draw_the_curve_and_a_round_trip_draws_its_day(
    terminal: MainWindow, run, qtbot, until, tmp_path: Path
) -> None:
    ctx = terminal.ctx
    ticket = terminal.ticket
    view = terminal.account
    dock = terminal.docks["account"]
    dock.setFloating(True)  # big enough to look at
    dock.resize(900, 420)
    dock.show()

    async def body() -> None:
        await until(lambda: ticket.quote is not None)
        ticket.unit_combo.setCurrentIndex(0)  # shares
        ticket.amount_edit.setText("3")
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
        await until(lambda: ctx.portfolio.get_position("TQQQ") is not None)
        for _ in range(12):
            account = await ctx.accounts.refresh()
            await ctx.portfolio.snapshot_equity(account)
            await asyncio.sleep(0.15)
        # the app's own refresh loop may have stored some too: the view shows them all
        await until(lambda: len(view.equity) == len(ctx.portfolio.equity_curve()) >= 12)
        assert view.days_stack.currentWidget() is view.days_empty  # nothing sold yet
        qtbot.mouseClick(ticket.sell_button, Qt.MouseButton.LeftButton)
        await until(lambda: ctx.portfolio.get_position("TQQQ") is None)
        await until(lambda: len(view.days) == 1)

    run(body(), timeout=40)
    # the curve holds the stored snapshots, in order
    stored = ctx.portfolio.equity_curve()
    xs, ys = view.curve.getData()
    assert [float(e) for _, e in stored] == list(ys)
    assert list(xs) == sorted(xs) and len(xs) >= 12
    assert view.equity_stack.currentWidget() is view.equity_plot
    # one bar for today, as high as the sell's realized P&L, green or red by its sign
    [sell] = [t for t in ctx.portfolio.transactions(10) if t.realized_pnl is not None]
    assert view.days == [(trade_date(ctx.clock.now()), sell.realized_pnl)]
    bars = view.loss_bars if sell.realized_pnl < 0 else view.gain_bars
    other = view.gain_bars if sell.realized_pnl < 0 else view.loss_bars
    assert list(bars.opts["height"]) == [float(sell.realized_pnl)]
    assert len(other.opts["height"]) == 0
    assert view.day_axis.tickStrings([0.0], 1.0, 1.0) == [
        trade_date(ctx.clock.now()).strftime("%b %d")
    ]
    assert "Realized over 1 day(s)" in view.summary.text()
    assert view.days_stack.currentWidget() is view.days_plot
    png = _shot(dock, tmp_path, "account_view.png")
    assert png.stat().st_size > 10_000


def test_a_new_window_on_the_same_data_shows_the_stored_history(
    terminal: MainWindow, run, until
) -> None:
    ctx = terminal.ctx

    async def body() -> None:
        account = await ctx.accounts.refresh()
        await ctx.portfolio.snapshot_equity(account)
        await ctx.portfolio.snapshot_equity(account)
        await until(lambda: len(terminal.account.equity) == 2)

    run(body())
    from app.ui.account_view import AccountView

    again = AccountView(ctx.portfolio, lambda: trade_date(ctx.clock.now()))
    again.reload()
    assert again.equity == terminal.account.equity
    assert again.equity_stack.currentWidget() is again.equity_plot
    again.deleteLater()

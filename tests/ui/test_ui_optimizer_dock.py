"""The Optimizer dock in the terminal: run a grid on the sample, cancel one, load a cell's run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.backtest.optimize.engines import ProcessEngine
from app.ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"


def test_a_grid_runs_and_a_clicked_cell_puts_its_fills_on_the_chart(
    terminal: MainWindow, run, qtbot, until, tmp_path: Path
) -> None:
    dock = terminal.optimizer
    assert "optimizer" in terminal.docks
    dock.make_engine = lambda workers: ProcessEngine(2)
    dock.source.setText(str(SAMPLE))
    dock.rows[0][1].setText("7:21:7")  # rsi_period
    dock.rows[1][1].setText("20,30")  # rsi_oversold
    chosen: list = []
    dock.runChosen.connect(lambda bars, result: chosen.append(result))

    async def body() -> None:
        qtbot.mouseClick(dock.run_button, Qt.MouseButton.LeftButton)
        assert not dock.run_button.isEnabled() and dock.cancel_button.isEnabled()
        await until(lambda: dock.run_button.isEnabled(), timeout=120)
        assert dock.status.text() == "6 of 6 combinations finished"
        assert dock.progress.value() == dock.progress.maximum() == 6
        assert dock.table.rowCount() == 6
        dock.load_cell(0, 1)  # rsi_period 7, rsi_oversold 30
        await until(lambda: chosen, timeout=60)

    run(body(), timeout=200)
    result = chosen[0]
    assert result.symbol == "TQQQ" and len(result.fills) > 0
    assert dock.run_label.text().startswith("rsi_period=7 rsi_oversold=30: net ")
    chart = terminal.chart
    assert chart.markers.positions() and len(chart.markers.positions()) == len(result.fills)
    dock.resize(1300, 520)
    assert dock.grab().save(str(tmp_path / "optimizer.png"))


def test_cancel_keeps_the_finished_rows(terminal: MainWindow, run, qtbot, until) -> None:
    dock = terminal.optimizer
    dock.make_engine = lambda workers: ProcessEngine(1)
    dock.source.setText(str(SAMPLE))
    dock.rows[0][1].setText("5:60:1")
    dock.rows[1][0].setCurrentIndex(0)  # one parameter only

    async def body() -> None:
        qtbot.mouseClick(dock.run_button, Qt.MouseButton.LeftButton)
        await until(lambda: dock.progress.value() >= 2, timeout=120)
        qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)
        await until(lambda: dock.run_button.isEnabled(), timeout=60)

    run(body(), timeout=200)
    assert dock.status.text().startswith("Cancelled: ")
    finished = dock.table.rowCount()
    assert 2 <= finished < 56
    assert f"{finished} of 56 combinations finished" in dock.status.text()

"""The Optimizer dock: parameter ranges over a CSV (or the chart's bars), a heatmap, one run.

The user picks the bars (a replay CSV file, or the bars the chart holds), the
strategy, up to three parameter ranges, the metric, the workers and
walk-forward folds, and presses Run. The jobs run through
:class:`~app.backtest.optimize.session.Optimization` on a process pool from a
Python thread (the window stays live); the thread only records its progress and
outcome, which a GUI-thread timer shows; Cancel stops the pool and keeps the
finished rows. When it ends, the
ranked table and the heatmap of the first two parameters show; clicking a cell
backtests that combination again and emits :attr:`OptimizerDock.runChosen`
with the bars and the result (the main window puts the bars and the fills on
the chart); the dock draws the run's equity curve below the heatmap. Every
backtest runs in a child process: never a second app in the terminal's. No
trading rule lives here: every figure comes from the backtest engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.backtest.cli import load_backtest_bars
from app.backtest.metrics import RANKABLE
from app.backtest.optimize.engines import Engine, ProcessEngine, run_alone
from app.backtest.optimize.grid import GridError, apply, combinations, label, parse_param
from app.backtest.optimize.results import Results, table
from app.backtest.optimize.session import Optimization
from app.backtest.result import BacktestResult
from app.config import Settings, StrategyName
from app.core.errors import DataFormatError, SettingsError
from app.core.models import Bar

PARAMETERS = (
    "rsi_period", "rsi_oversold", "rsi_overbought", "profit_target_pct", "stop_loss_pct",
    "max_investment", "macd_fast", "macd_slow", "macd_signal",
)  # fmt: skip
DEFAULT_RANGES = (("rsi_period", "7:21:7"), ("rsi_oversold", "20:30:5"), ("", ""))
CHART_BARS = "(the chart's bars)"
POLL_MS = 100  # how often the dock looks at its background run
COLORMAP = pg.ColorMap([0.0, 0.5, 1.0], ["#c62828", "#fdd835", "#2e7d32"])


class OptimizerDock(QWidget):
    runChosen = Signal(object, object)  # (bars, BacktestResult) of the clicked cell
    finished = Signal(object)  # Results, when a run ends (finished or cancelled)

    def __init__(
        self,
        settings: Settings,
        cached_bars: Callable[[], Sequence[Bar]] | None = None,
        engine: Callable[[int], Engine] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("optimizerDock")
        self.settings = settings
        self.cached_bars = cached_bars
        self.make_engine = engine or (lambda workers: ProcessEngine(workers))
        self.bars: list[Bar] = []
        self.results: Results | None = None
        self.axes: tuple[str, str] | None = None
        self._axis_values: tuple[list[str], list[str]] = ([], [])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loader: threading.Thread | None = None
        self._build()
        # The background threads only set these; a GUI-thread timer reads them (no Qt call
        # from another thread).
        self._done = (0, 0)  # runs done, runs in all
        self._outcome: tuple[Results, str] | None = None
        self._loaded: tuple[list[Bar], BacktestResult, str] | None = None
        self._shown = -1
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.source = QLineEdit()
        self.source.setPlaceholderText("bars: a replay CSV file")
        browse = QPushButton("CSV…")
        browse.clicked.connect(self._browse)
        chart = QPushButton("Chart's bars")
        chart.setEnabled(self.cached_bars is not None)
        chart.clicked.connect(lambda: self.source.setText(CHART_BARS))
        source = QHBoxLayout()
        source.addWidget(self.source, 1)
        source.addWidget(browse)
        source.addWidget(chart)
        self.strategy = QComboBox()
        for name in StrategyName:
            self.strategy.addItem(name.value, name)
        self.strategy.setCurrentIndex(self.strategy.findData(self.settings.strategy))
        self.rows: list[tuple[QComboBox, QLineEdit]] = []
        ranges = QVBoxLayout()
        for parameter_name, text in DEFAULT_RANGES:
            combo = QComboBox()
            combo.addItem("", "")
            for parameter in PARAMETERS:
                combo.addItem(parameter, parameter)
            combo.setCurrentIndex(combo.findData(parameter_name))
            edit = QLineEdit(text)
            edit.setPlaceholderText("start:stop:step or a,b,c")
            line = QHBoxLayout()
            line.addWidget(combo)
            line.addWidget(edit, 1)
            ranges.addLayout(line)
            self.rows.append((combo, edit))
        self.metric_box = QComboBox()
        self.metric_box.addItems(list(RANKABLE))
        self.metric_box.setCurrentText("sharpe")
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(max(1, ProcessEngine().workers))
        self.folds = QSpinBox()
        self.folds.setRange(0, 20)
        self.folds.setSpecialValueText("off")
        form = QFormLayout()
        form.addRow("Bars", source)
        form.addRow("Strategy", self.strategy)
        form.addRow("Ranges", ranges)
        form.addRow("Rank by", self.metric_box)
        form.addRow("Workers", self.workers)
        form.addRow("Walk-forward", self.folds)
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Pick bars and ranges, then Run.")
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        left = QWidget()
        controls = QVBoxLayout(left)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addLayout(form)
        controls.addLayout(buttons)
        controls.addWidget(self.status)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        controls.addWidget(self.table, 1)

        self.heatmap = pg.PlotWidget()
        self.heatmap.setMouseEnabled(x=False, y=False)
        self.heatmap.hideButtons()
        self.heatmap.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.image.setLookupTable(COLORMAP.getLookupTable(nPts=256))
        self.heatmap.addItem(self.image)
        self.heatmap.scene().sigMouseClicked.connect(self._clicked)
        self.cell_labels: list[pg.TextItem] = []
        self.equity = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.equity.setLabel("left", "equity ($)")
        self.equity.getAxis("left").enableAutoSIPrefix(False)
        self.equity_curve = self.equity.plot(pen=pg.mkPen("#4fc3f7", width=2))
        self.run_label = QLabel("Click a heatmap cell to load that run.")
        self.run_label.setWordWrap(True)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.heatmap)
        right.addWidget(self.equity)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addWidget(self.run_label)  # full width under the splitters: never squeezed

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Bars to optimize on", "", "CSV (*.csv)")
        if path:
            self.source.setText(path)

    # --- running -----------------------------------------------------------------------

    def _load_bars(self) -> list[Bar]:
        text = self.source.text().strip()
        if text == CHART_BARS and self.cached_bars is not None:
            bars = list(self.cached_bars())
            if len(bars) < 2:
                raise ValueError("the chart holds too few bars")
            return bars
        if not text:
            raise ValueError("pick a CSV file of bars")
        return load_backtest_bars(text, self.settings.symbol)

    def start(self) -> None:
        """Check the inputs and run the optimization in a background thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        try:
            ranges = [parse_param(f"{combo.currentData()}={edit.text()}")
                      for combo, edit in self.rows if combo.currentData()]  # fmt: skip
            if not ranges:
                raise GridError("pick at least one parameter and its range")
            base = self.settings.replace(strategy=StrategyName(self.strategy.currentData()))
            self.bars = self._load_bars()
            run = Optimization(self.bars, base, combinations(ranges), self.metric_box.currentText(),
                               self.folds.value())  # fmt: skip
        except (GridError, SettingsError, DataFormatError, ValueError) as exc:
            self.status.setText(str(exc))
            return
        self.base = base
        self.results = run.results
        names = [r.name for r in ranges]
        self.axes = (names[0], names[1]) if len(names) >= 2 else (names[0], names[0])
        self._stop.clear()
        self.progress.setRange(0, len(run.jobs))
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Running {len(run.combinations)} combinations on "
                            f"{len(self.bars)} bars…")  # fmt: skip
        engine = self.make_engine(self.workers.value())
        self._done, self._shown, self._outcome = (0, len(run.jobs)), -1, None
        self._thread = threading.Thread(target=self._work, args=(run, engine), daemon=True,
                                        name="optimizer")  # fmt: skip
        self._thread.start()
        self._poll.start()

    def _work(self, run: Optimization, engine: Engine) -> None:
        message = ""
        try:
            run.run(engine, lambda done, total, _row: self._note(done, total), self._stop)
        except Exception as exc:  # shown in the dock; the finished rows stay
            message = f"stopped: {type(exc).__name__}: {exc}"
        self._outcome = (run.results, message)

    def _note(self, done: int, total: int) -> None:
        self._done = (done, total)

    def _check(self) -> None:
        """On the GUI thread: show what the background threads left."""
        done, total = self._done
        if done != self._shown and total:
            self._shown = done
            self._on_progress(done, total)
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            self._on_ended(*outcome)
        loaded, self._loaded = self._loaded, None
        if loaded is not None:
            self._on_loaded(*loaded)
        running = self._thread is not None and self._thread.is_alive()
        if not running and self._loader is None and outcome is None and loaded is None:
            self._poll.stop()

    def cancel(self) -> None:
        self._stop.set()
        self.status.setText("Cancelling…")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background run (tests); True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self.status.setText(f"{done} of {total} runs done")

    def _on_ended(self, results: Results, message: str) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        ranked = results.ranked()
        cancelled = self._stop.is_set()
        done = f"{len(ranked)} of {len(results.rows)} combinations finished"
        failed = [flat["error"] for flat in ranked if flat.get("error")]
        if failed:
            done += f"; {len(failed)} could not run: {failed[0]}"
        self.status.setText(message or (f"Cancelled: {done}" if cancelled else done))
        self._show_table(results, ranked)
        self._show_heatmap(results)
        self.finished.emit(results)

    def _show_table(self, results: Results, ranked: list[dict[str, Any]]) -> None:
        lines = table(ranked, results.names, results.metric, results.folds, limit=50)
        headers = lines[0].split()
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(lines) - 1)
        for r, line in enumerate(lines[1:]):
            for c, cell in enumerate(line.split(None, len(headers) - 1)):
                item = QTableWidgetItem(cell)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def _show_heatmap(self, results: Results) -> None:
        assert self.axes is not None
        x, y = self.axes
        xs, ys, cells = results.heatmap(x, y)
        self._axis_values = (xs, ys)
        for item in self.cell_labels:
            self.heatmap.removeItem(item)
        self.cell_labels = []
        values = [v for column in cells for v in column if v is not None]
        if not values:
            self.image.clear()
            return
        low, high = min(values), max(values)
        grid = [[low if v is None else v for v in column] for column in cells]
        self.image.setImage(grid_array(grid), levels=(low, high if high > low else low + 1))
        for i, column in enumerate(cells):
            for j, value in enumerate(column):
                text = "" if value is None else f"{value:.3g}"
                label = pg.TextItem(text, color="#000000", anchor=(0.5, 0.5))
                label.setPos(i + 0.5, j + 0.5)
                self.heatmap.addItem(label)
                self.cell_labels.append(label)
        self.heatmap.getAxis("bottom").setTicks([[(i + 0.5, v) for i, v in enumerate(xs)]])
        self.heatmap.getAxis("left").setTicks([[(j + 0.5, v) for j, v in enumerate(ys)]])
        self.heatmap.setLabel("bottom", x)
        self.heatmap.setLabel("left", y if y != x else "")
        self.heatmap.setTitle(f"{results.metric}{' (in-sample)' if results.folds else ''}")
        self.heatmap.setRange(xRange=(0, len(xs)), yRange=(0, len(ys)), padding=0)

    # --- one run -----------------------------------------------------------------------

    def _clicked(self, event: Any) -> None:
        point = self.image.mapFromScene(event.scenePos())
        self.load_cell(int(point.x()), int(point.y()))

    def load_cell(self, i: int, j: int) -> None:
        """Backtest the combination shown in cell (i, j) again, in the background."""
        xs, ys = self._axis_values
        if self.results is None or self.axes is None or not (0 <= i < len(xs) and 0 <= j < len(ys)):
            return
        row = self.results.best_in_cell(self.axes[0], self.axes[1], xs[i], ys[j])
        if row is None:
            return
        settings = apply(self.base, row.combination)
        self.run_label.setText(f"Loading {label(row.combination)}…")
        self._loader = threading.Thread(target=self._load, args=(settings, label(row.combination)),
                                        daemon=True, name="optimizer-run")  # fmt: skip
        self._loader.start()
        self._poll.start()

    def _load(self, settings: Settings, name: str) -> None:
        result = run_alone(self.bars, settings)  # never a second app in the terminal's process
        self._loaded = (self.bars, result, name)
        self._loader = None

    def _on_loaded(self, bars: list[Bar], result: BacktestResult, name: str) -> None:
        m = result.metrics
        assert m is not None
        self.equity_curve.setData([p.time.timestamp() for p in result.equity],
                                  [p.equity for p in result.equity])  # fmt: skip
        self.run_label.setText(
            f"{name}: net {m.net_pnl}, Sharpe {m.sharpe:.2f}, {m.trades} round trips, "
            f"max drawdown {m.max_drawdown}, {len(result.fills)} fills"
        )
        self.runChosen.emit(bars, result)


def grid_array(grid: list[list[float]]) -> Any:
    import numpy as np

    return np.array(grid, dtype=float)

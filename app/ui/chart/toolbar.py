"""The chart toolbar: a validated symbol box, the interval selector and a loading note.

Invalid symbol text gets a red border and the validation message as tooltip
and emits nothing; a valid one emits the normalised (upper-cased) symbol.
Picking an interval emits its value (``1m`` ... ``1d``, shown as ``1D``); while
its bars load, "Loading 5m…" shows beside the selector and the old bars stay.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Interval, normalize_symbol
from app.ui.chart.colors import ChartColors

INTERVALS = [i.value for i in Interval]
LABELS = {Interval.D1.value: "1D"}  # what a trader reads; the value stays the Interval's


class ChartToolbar(QWidget):
    """Symbol QLineEdit + interval QComboBox + the crosshair read-out label."""

    symbolRequested = Signal(str)
    intervalRequested = Signal(str)

    def __init__(self, colors: ChartColors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self.symbol_edit = QLineEdit(self)
        self.symbol_edit.setPlaceholderText("Symbol")
        self.symbol_edit.setMaxLength(12)
        self.symbol_edit.setFixedWidth(90)
        self.symbol_edit.returnPressed.connect(self.submit_symbol)
        self.symbol_edit.textEdited.connect(lambda _text: self._clear_error())
        self.interval_combo = QComboBox(self)
        for value in INTERVALS:
            self.interval_combo.addItem(LABELS.get(value, value), value)
        self.interval_combo.setToolTip("Bar interval")
        self.interval_combo.currentIndexChanged.connect(self._interval_picked)
        self.loading = QLabel(self)
        self.loading.setStyleSheet(f"color: {colors.foreground};")
        self.loading.hide()
        self.readout = QLabel(self)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        # A row of its own under the controls, wrapping on a narrow chart (its length never
        # sets the chart's width), at least two lines tall: the text changes length as the
        # pointer moves, and a toolbar that grew and shrank with it re-laid the chart out.
        self.readout.setWordWrap(True)
        self.readout.setMinimumHeight(2 * self.readout.fontMetrics().lineSpacing())
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        controls = QHBoxLayout()
        controls.addWidget(self.symbol_edit)
        controls.addWidget(self.interval_combo)
        controls.addWidget(self.loading)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.readout)
        self.error: str | None = None

    @property
    def interval(self) -> str:
        """The interval selected (its value, e.g. ``1d``)."""
        return str(self.interval_combo.currentData())

    def _interval_picked(self, index: int) -> None:
        self.intervalRequested.emit(str(self.interval_combo.itemData(index)))

    def show_loading(self, what: str) -> None:
        """Say that ``what`` (e.g. "5m") is loading; the next show_current clears it."""
        self.loading.setText(f"Loading {LABELS.get(what, what)}…")
        self.loading.show()

    def submit_symbol(self) -> None:
        """Validate the box; emit symbolRequested only for a valid symbol."""
        try:
            symbol = normalize_symbol(self.symbol_edit.text())
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self._clear_error()
        self.symbol_edit.setText(symbol)
        self.symbolRequested.emit(symbol)

    def show_error(self, message: str) -> None:
        self.error = message
        self.loading.hide()  # the load failed: the bars shown stay
        self.symbol_edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {self._colors.error}; }}")
        self.symbol_edit.setToolTip(message)

    def _clear_error(self) -> None:
        if self.error is not None:
            self.error = None
            self.symbol_edit.setStyleSheet("")
            self.symbol_edit.setToolTip("")

    def show_current(self, symbol: str, interval: str) -> None:
        """Reflect the loaded symbol and interval without emitting requests."""
        self._clear_error()
        self.loading.hide()
        self.symbol_edit.setText(symbol)
        self.show_interval(interval)

    def show_interval(self, interval: str) -> None:
        """Select ``interval`` in the box without emitting a request."""
        self.interval_combo.blockSignals(True)
        try:
            index = self.interval_combo.findData(interval)
            if index >= 0:
                self.interval_combo.setCurrentIndex(index)
        finally:
            self.interval_combo.blockSignals(False)

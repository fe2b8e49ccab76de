"""The price chart: candles + volume, RSI and MACD panes on a bar-index axis (pyqtgraph).

``ChartWidget`` (widget.py) is the public entry point; ``ChartColors`` (colors.py)
carries its colours. The other modules are its parts: columnar bar storage
(series.py), visible-range drawing with level of detail (visible.py,
display_list.py, candles.py, volume.py, lines.py), indicator values
(indicator_data.py) and panes (indicator_panes.py), the New York time axis
(axis.py), grid, crosshair read-out, fill markers and the toolbar (symbol,
interval), the shading of extended hours (extended_hours.py), working orders
with their cancel handles (order_lines.py), the average-cost line with the
unrealized P&L (position_line.py) and the right-click limit menu (price_menu.py).
"""

from app.ui.chart.colors import ChartColors
from app.ui.chart.widget import ChartWidget

__all__ = ["ChartColors", "ChartWidget"]

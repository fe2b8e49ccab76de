"""Chart colours: a small dataclass with dark-theme defaults (the theme may pass others)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor


@dataclass(frozen=True, slots=True)
class ChartColors:
    """Hex colours used by every chart item."""

    background: str = "#131722"
    foreground: str = "#b2b5be"  # axis text and read-out
    grid: str = "#2a2e39"
    up: str = "#26a69a"
    down: str = "#ef5350"
    volume_alpha: int = 80  # 0-255, volume bars are drawn translucent
    rsi: str = "#b388ff"
    rsi_levels: str = "#787b86"
    rsi_band: str = "#7e57c2"
    macd: str = "#2962ff"
    macd_signal: str = "#ff6d00"
    crosshair: str = "#9598a1"
    buy_marker: str = "#00e676"
    sell_marker: str = "#ff5252"
    average_cost: str = "#f0b90b"
    error: str = "#ef5350"
    extended_hours: str = "#1a1f2e"  # shading behind pre-market and after-hours bars
    buy_order: str = "#26a69a"  # working buy order lines
    sell_order: str = "#ef5350"  # working sell order lines


LIGHT = ChartColors(
    background="#ffffff", foreground="#57606a", grid="#e6e9ed", up="#089981", down="#e5484d",
    rsi="#7e57c2", rsi_levels="#8c959f", rsi_band="#b39ddb", macd="#0969da",
    macd_signal="#e36209", crosshair="#6e7781", buy_marker="#00a152", sell_marker="#d50000",
    average_cost="#9a6700", error="#cf222e", extended_hours="#f2f4f7", buy_order="#089981",
    sell_order="#e5484d",
)  # fmt: skip


def for_theme(light: bool) -> ChartColors:
    """The chart's colours for the light or the dark (default) theme."""
    return LIGHT if light else ChartColors()


def blend(hex_color: str, alpha: int, background: str | None) -> QColor:
    """``hex_color`` at ``alpha`` (0-255); pre-blended over ``background`` as an opaque
    colour when given (opaque fills rasterise much faster than translucent ones)."""
    color = QColor(hex_color)
    if background is None:
        color.setAlpha(alpha)
        return color
    bg = QColor(background)
    k = alpha / 255.0
    return QColor(
        round(color.red() * k + bg.red() * (1 - k)),
        round(color.green() * k + bg.green() * (1 - k)),
        round(color.blue() * k + bg.blue() * (1 - k)),
    )

"""Draw Sherwood's app icon (a green "S" on a dark rounded square) at 16-256 px.

Run: ``QT_QPA_PLATFORM=offscreen python resources/icons/make_icons.py``; writes
sherwood-<size>.png beside this script and sherwood.ico where Qt can write ICO.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

SIZES = (16, 32, 64, 128, 256)


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#15181d"))
    radius = size * 0.2
    painter.drawRoundedRect(QRectF(0, 0, size, size), radius, radius)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(10, int(size * 0.78)))
    painter.setFont(font)
    painter.setPen(QColor("#3fb950"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "S")
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    here = Path(__file__).resolve().parent
    for size in SIZES:
        draw(size).save(str(here / f"sherwood-{size}.png"))
    if not draw(256).save(str(here / "sherwood.ico")):
        print("this Qt cannot write .ico; PNGs only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

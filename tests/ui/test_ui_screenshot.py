"""``sherwood --screenshot``: a subprocess writes a PNG of the main window and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def test_screenshot_command_writes_a_png(tmp_path: Path, qapp) -> None:
    shot = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the command must choose offscreen by itself
    result = subprocess.run(
        [sys.executable, "-m", "app", "--screenshot", str(shot), "--run-for", "5",
         "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() >= 1280 and image.height() >= 720
    assert shot.stat().st_size > 20_000  # panes and chart drawn, not a blank window

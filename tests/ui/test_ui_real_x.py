"""The window on a real X server (Xvfb, Qt's xcb platform), as a user starts it the second time
(layout restored): the screen shows the chart and live quotes, not a frozen "Loading chart…"."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([sys.argv[0], "-platform", "xcb"])
app.primaryScreen().grabWindow(0).save(sys.argv[1])
"""
CANDLE_COLORS = {"#26a69a", "#ef5350"}  # the dark theme's up and down candles

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("Xvfb") is None, reason="needs Xvfb (apt install xvfb)"
)


@pytest.fixture
def display() -> Iterator[str]:
    number = 150 + os.getpid() % 500
    while Path(f"/tmp/.X11-unix/X{number}").exists():
        number += 1
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _start(data: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    log = data / "logs" / "sherwood.log"
    seen = log.read_text(encoding="utf-8").count("Sherwood started") if log.exists() else 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(encoding="utf-8").count("Sherwood started") > seen:
            return process
        assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the window never started")


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_the_second_start_shows_the_chart_on_the_screen(tmp_path: Path, display: str) -> None:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    data = tmp_path / "data"
    _stop(_start(data, env))  # the first start saves the layout
    assert (data / "layout.ini").exists()
    process = _start(data, env)
    try:
        time.sleep(3)  # quotes arrive every second; the chart is installed by now
        shot = tmp_path / "screen.png"
        grab = subprocess.run([sys.executable, "-c", GRAB, str(shot)], env=env, timeout=60)
        assert grab.returncode == 0
    finally:
        _stop(process)
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    candles = sum(
        image.pixelColor(x, y).name() in CANDLE_COLORS
        for x in range(20, 900, 3)
        for y in range(80, 400, 3)
    )
    assert candles > 100, "the screen still shows the placeholder, not the chart"

"""Without a display the window refuses in one line (exit 2) instead of Qt's abort and core
dump; with a display but without Qt's xcb libraries, the line names the packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.ui.display import display_problem

ROOT = Path(__file__).resolve().parents[2]


def _all_found(name: str) -> str | None:
    return f"lib{name}.so"


def test_no_display_in_one_line_naming_the_ways_out(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for hint in ("--headless", "--screenshot", "QT_QPA_PLATFORM=offscreen"):
        assert hint in lines[0]
    assert not (tmp_path / "paper.sqlite3").exists()  # nothing started


def test_platform_choices() -> None:
    assert display_problem({"DISPLAY": ":0"}, "linux", _all_found) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", _all_found) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", _all_found) is None
    assert display_problem({}, "win32", _all_found) is None
    assert "DISPLAY is not set" in str(
        display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux", _all_found)
    )
    assert "WAYLAND_DISPLAY" in str(
        display_problem({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, "linux", _all_found)
    )


def test_missing_xcb_libraries_are_named_with_their_packages() -> None:
    def no_cursor(name: str) -> str | None:
        return None if name == "xcb-cursor" else f"lib{name}.so"

    problem = str(display_problem({"DISPLAY": ":0"}, "linux", no_cursor))
    assert "libxcb-cursor0" in problem and "apt-get install libxcb-cursor0" in problem
    assert "libxcb-icccm4" not in problem
    assert "--headless" in problem

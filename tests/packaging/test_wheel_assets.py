"""``pip install .`` (not editable) installs the window's theme and icons: the wheel built from
the source carries them beside the code that loads them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.ui.theme import ASSETS

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_the_theme_and_the_icons(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building never writes into the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "app", source / "app", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode != 0 and "Could not find a version" in result.stderr:
        pytest.skip(f"no package index to fetch the build backend from: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("sherwood-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        path.relative_to(ROOT).as_posix()
        for folder in ("theme", "icons")
        for path in (ASSETS / folder).iterdir()
        if path.suffix in {".qss", ".png", ".ico"}
    }
    assert any(name.endswith("dark.qss") for name in expected)
    assert expected <= names, sorted(expected - names)
    assert "app/ui/theme.py" in names  # the code that finds them beside itself

"""Our own tests are the ones collected, not robin-stocks' top-level ``tests`` package."""

from __future__ import annotations

from pathlib import Path


def test_this_file_is_ours() -> None:
    repo = Path(__file__).resolve().parent.parent
    assert (repo / "app" / "__init__.py").exists()
    assert (repo / "pyproject.toml").read_text().count('name = "sherwood"') == 1

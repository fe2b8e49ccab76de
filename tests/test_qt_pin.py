"""PySide6 6.12.0 on Python 3.11 aborts with ``none_dealloc``: the pin and a Qt workout guard it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent


def _pyside_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(text) for text in project["dependencies"]]
    return [r for r in reqs if r.name.lower().startswith("pyside6")]


def test_python_311_can_never_resolve_pyside6_6_12_0() -> None:
    env_311 = {"python_version": "3.11", "python_full_version": "3.11.7"}
    applicable = [r for r in _pyside_requirements() if r.marker and r.marker.evaluate(env_311)]
    assert applicable, "no PySide6 requirement applies to Python 3.11"
    for requirement in applicable:
        assert Version("6.12.0") not in requirement.specifier
        assert Version("6.11.3") in requirement.specifier


def test_python_312_may_use_the_newest_pyside6() -> None:
    env_312 = {"python_version": "3.12", "python_full_version": "3.12.1"}
    applicable = [r for r in _pyside_requirements() if r.marker and r.marker.evaluate(env_312)]
    assert applicable
    assert all(Version("6.12.0") in r.specifier for r in applicable)


def test_installed_pyside6_is_safe_for_this_python() -> None:
    import PySide6

    if sys.version_info < (3, 12):
        assert Version(PySide6.__version__) != Version("6.12.0")


def test_a_hundred_thousand_signal_emits_do_not_abort_the_process() -> None:
    """Runs in a child process: the bug kills the interpreter with a fatal error."""
    script = textwrap.dedent(
        """
        import os
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QObject, Signal
        from PySide6.QtWidgets import QApplication, QLabel

        class Source(QObject):
            fired = Signal(object)

        app = QApplication([])
        label = QLabel()
        received = []
        source = Source()
        source.fired.connect(received.append)
        for i in range(100_000):
            source.fired.emit(None if i % 2 else True)
            if i % 10 == 0:
                label.setText(str(i))
        app.processEvents()
        print("emitted", len(received))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "emitted 100000" in result.stdout

"""The PyInstaller spec: what it bundles, what it leaves out, the icons and version it embeds.

The spec is executed with stand-ins for PyInstaller's build classes (PyInstaller itself is
not needed and never runs here; CI builds the real bundle in packaging/ci-smoke.sh).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import types
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "sherwood.spec"


def load_config() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bundle_config_under_test", PACKAGING / "bundle_config.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder:
    """Stands in for Analysis/PYZ/EXE/COLLECT/BUNDLE and keeps what the spec passed."""

    calls: dict[str, Recorder]

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        Recorder.calls[kind] = self
        self.pure: list[Any] = []
        self.scripts: list[Any] = []
        self.binaries = [
            ("PySide6/Qt/lib/libQt6Core.so.6", "src", "BINARY"),
            ("PySide6/Qt/lib/libQt6Quick.so.6", "src", "BINARY"),
            ("PySide6/Qt/plugins/platforms/libqxcb.so", "src", "BINARY"),
        ]
        self.datas = [("PySide6/Qt/translations/qtbase_de.qm", "src", "DATA")]


@pytest.fixture
def executed_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Recorder]:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda package, **_: [(f"{package}/data", package)]  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda package, **_: [package]  # type: ignore[attr-defined]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.delenv("SHERWOOD_NO_EXCLUDES", raising=False)
    Recorder.calls = {}
    namespace: dict[str, Any] = {
        "SPECPATH": str(PACKAGING),
        "workpath": str(tmp_path / "work"),
        "__file__": str(SPEC),
    }
    for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"):
        namespace[kind] = lambda *a, _kind=kind, **k: Recorder(_kind, *a, **k)
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return Recorder.calls


def test_spec_is_valid_python() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= called


def test_build_is_one_folder_windowed_and_named_sherwood(
    executed_spec: dict[str, Recorder],
) -> None:
    exe, coll = executed_spec["EXE"].kwargs, executed_spec["COLLECT"].kwargs
    assert exe["name"] == "Sherwood" and coll["name"] == "Sherwood"
    assert exe["exclude_binaries"] is True  # one-folder: binaries go to COLLECT
    assert exe["console"] is False
    entry = Path(executed_spec["Analysis"].args[0][0])
    assert entry.is_file()
    assert "from app.__main__ import main" in entry.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "tests",
        "bench",
        "talib",
        "backtrader",
        "pandas",
        "exchange_calendars",
        "hypothesis",
        "pytest",
        "matplotlib",
        "tkinter",
        "IPython",
        "PyInstaller",
        "PySide6.QtWebEngineCore",
        "PySide6.Qt3DCore",
        "PySide6.QtMultimedia",
        "PySide6.QtQuick",
        "PySide6.QtQml",
        "PySide6.QtCharts",
        "PySide6.QtPdf",
        "PySide6.QtDesigner",
    ],
)
def test_spec_excludes(executed_spec: dict[str, Recorder], name: str) -> None:
    assert name in executed_spec["Analysis"].kwargs["excludes"]


def test_spec_bundles_the_lazily_imported_packages(executed_spec: dict[str, Recorder]) -> None:
    hidden = executed_spec["Analysis"].kwargs["hiddenimports"]
    for name in (
        "qasync",
        "pyqtgraph",
        "keyring.backends",
        "robin_stocks",
        "tzdata",
        "platformdirs",
        "peewee",
        "numpy",
        "app",
    ):
        assert name in hidden
    datas = executed_spec["Analysis"].kwargs["datas"]
    targets = {dest for _, dest in datas}
    assert "tzdata" in targets  # zoneinfo data for machines without /usr/share/zoneinfo
    assets = Path("app") / "ui" / "assets"  # where app.ui.theme finds them, in the bundle too
    icons = [src for src, dest in datas if dest == str(assets / "icons")]
    assert sorted(Path(p).name for p in icons if p.endswith(".png")) == sorted(
        f"sherwood-{size}.png" for size in (16, 32, 64, 128, 256)
    )
    themes = [Path(src).name for src, dest in datas if dest == str(assets / "theme")]
    assert {"dark.qss", "light.qss"} <= set(themes)
    assert str(Path("resources") / "sample") in targets  # the README's backtest sample
    assert not any(
        src.endswith(".py") for src, dest in datas if dest.startswith(("resources", "app"))
    )


def test_nothing_the_app_imports_is_excluded() -> None:
    cfg = load_config()
    excluded = set(cfg.EXCLUDES)
    used: set[str] = set(cfg.HIDDEN_IMPORTS)
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"^\s*(?:from|import) ([\w.]+)", text, re.MULTILINE))
        used |= {f"PySide6.{m}" for m in re.findall(r"from PySide6 import (Qt\w+)", text)}
    clashes = {u for u in used for e in excluded if u == e or u.startswith(e + ".")}
    assert clashes == set()


def test_unused_qt_parts_are_filtered_out(executed_spec: dict[str, Recorder]) -> None:
    analysis = executed_spec["Analysis"]
    assert [dest for dest, *_ in analysis.binaries] == [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
    ]
    assert analysis.datas == []  # Qt translations are dropped


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Gui.so.6", True),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", True),  # pyqtgraph's curves need it
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6\\Qt\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/translations/qt_fr.qm", False),
        ("PySide6\\Qt6Quick.dll", False),
        ("libcairo.so.2", False),
        ("numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", True),
        ("app/ui/assets/icons/sherwood-16.png", True),
    ],
)
def test_keep_entry(dest: str, kept: bool) -> None:
    assert load_config().keep_entry(dest) is kept


def test_windows_version_resource_carries_the_package_version(
    executed_spec: dict[str, Recorder],
) -> None:
    text = Path(executed_spec["EXE"].kwargs["version"]).read_text(encoding="utf-8")
    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]

    def record(kind: str) -> Any:
        return lambda *a, **k: (kind, a, k)

    resource = eval(text, {name: record(name) for name in names})  # PyInstaller evals it too
    ffi = resource[2]["ffi"][2]
    numbers = tuple(int(n) for n in re.findall(r"\d+", app.__version__)[:3])
    assert ffi["filevers"][:3] == numbers and ffi["prodvers"][:3] == numbers
    string_file_info = resource[2]["kids"][0]
    string_table = string_file_info[1][0][0]
    strings = dict(struct[1] for struct in string_table[1][1])
    assert strings["ProductVersion"] == app.__version__
    assert strings["OriginalFilename"] == "Sherwood.exe"


def test_windows_icon_holds_every_size(executed_spec: dict[str, Recorder]) -> None:
    from PySide6.QtGui import QImageReader

    icon = executed_spec["EXE"].kwargs["icon"]
    assert icon is not None
    path = Path(icon)
    if path.suffix == ".icns":  # building on macOS
        pytest.skip("macOS icon: see test_macos_icon_holds_every_size")
    reader = QImageReader(str(path))
    assert reader.imageCount() == 5
    sizes = set()
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        sizes.add(reader.read().width())
    assert sizes == {16, 32, 64, 128, 256}


def test_macos_icon_holds_every_size(tmp_path: Path) -> None:
    cfg = load_config()
    icns = cfg.write_icns(cfg.icon_pngs(), tmp_path / "Sherwood.icns")
    data = icns.read_bytes()
    assert data[:4] == b"icns" and int.from_bytes(data[4:8], "big") == len(data)
    types_found, offset = [], 8
    while offset < len(data):
        kind = data[offset : offset + 4]
        length = int.from_bytes(data[offset + 4 : offset + 8], "big")
        assert data[offset + 8 : offset + 16] == b"\x89PNG\r\n\x1a\n"
        types_found.append(kind)
        offset += length
    assert offset == len(data)
    assert sorted(types_found) == sorted([b"icp4", b"icp5", b"icp6", b"ic07", b"ic08"])

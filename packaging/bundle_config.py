"""What goes into the PyInstaller bundle, and the small files generated for it.

Shared by ``sherwood.spec`` (which PyInstaller executes), ``build.py`` and the packaging
tests: the version read from ``app/__init__.py``, the hidden imports and excludes, the filter
that drops unused Qt libraries, plugins and translations, the Windows version resource and
the .ico/.icns icons built from ``app/ui/assets/icons/sherwood-<size>.png``.

Pure standard library; importing it does nothing. Not a package (``packaging`` would clash
with the PyPI project of that name), so load it by path.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "Sherwood"
BUNDLE_ID = "io.github.sherwood.terminal"
ICON_SIZES = (16, 32, 64, 128, 256)

# Imported lazily or through entry points, so PyInstaller's import scan cannot see them.
HIDDEN_IMPORTS = [
    "qasync",
    "pyqtgraph",
    "keyring.backends",  # PyInstaller's keyring hook collects every backend module
    "robin_stocks",  # the live broker imports it only when live mode starts
    "robin_stocks.robinhood",
    "tzdata",  # zoneinfo falls back to it where the OS has no /usr/share/zoneinfo
    "platformdirs",
    "peewee",
    "numpy",
    # pyqtgraph's PlotCurveItem and OpenGLHelpers import these with importlib.import_module.
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
]

# PySide6 modules the app never imports. It uses QtCore, QtGui and QtWidgets; pyqtgraph needs
# QtOpenGL and QtOpenGLWidgets and tries QtSvg and QtTest, which are optional.
QT_EXCLUDES = [
    "PySide6.Qt3DAnimation", "PySide6.Qt3DCore", "PySide6.Qt3DExtras", "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic", "PySide6.Qt3DRender", "PySide6.QtBluetooth", "PySide6.QtCharts",
    "PySide6.QtConcurrent", "PySide6.QtDataVisualization", "PySide6.QtDBus",
    "PySide6.QtDesigner", "PySide6.QtGraphs", "PySide6.QtGraphsWidgets", "PySide6.QtHelp",
    "PySide6.QtHttpServer", "PySide6.QtLocation", "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets", "PySide6.QtNetwork", "PySide6.QtNetworkAuth",
    "PySide6.QtNfc", "PySide6.QtPdf",
    "PySide6.QtPdfWidgets", "PySide6.QtPositioning", "PySide6.QtPrintSupport",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuick3D", "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest", "PySide6.QtQuickWidgets", "PySide6.QtRemoteObjects",
    "PySide6.QtScxml", "PySide6.QtSensors", "PySide6.QtSerialBus", "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio", "PySide6.QtSql", "PySide6.QtStateMachine", "PySide6.QtSvg",
    "PySide6.QtSvgWidgets", "PySide6.QtTest", "PySide6.QtTextToSpeech", "PySide6.QtUiTools",
    "PySide6.QtWebChannel", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineQuick",
    "PySide6.QtWebEngineWidgets", "PySide6.QtWebSockets", "PySide6.QtWebView",
    "PySide6.QtXml", "PySide6.QtAxContainer", "PySide6.scripts",
    "PyQt5", "PyQt6", "PySide2",
]

# Development, test and benchmark packages, and heavy optional extras of our dependencies.
PYTHON_EXCLUDES = [
    "tests", "bench", "pytest", "_pytest", "pytestqt", "pytest_asyncio", "pytest_timeout",
    "hypothesis", "talib", "backtrader", "pandas", "matplotlib", "exchange_calendars",
    "IPython", "jupyter_rfb", "PyInstaller", "_pyinstaller_hooks_contrib", "tkinter",
    "_tkinter", "turtle", "turtledemo", "idlelib", "pydoc_data", "lib2to3", "ensurepip",
    "venv", "mypy", "ruff", "setuptools", "pkg_resources", "pip", "numpy.f2py",
    "numpy.distutils", "pyqtgraph.opengl", "pyqtgraph.examples", "pyqtgraph.jupyter",
    "scipy", "OpenGL", "cupy", "numba", "h5py", "colorcet", "sortedcontainers",
    "korean_lunar_calendar", "pyluach", "toolz", "dateutil", "pytz",
]

# Qt shared libraries that only the excluded modules (or the eglfs platform) need; dropped
# from the collected binaries in case a hook pulled them in anyway.
_QT_LIB_DROP = re.compile(
    r"Qt6(Quick|Qml|Pdf|Network|Svg|Test|Sql|Xml|Designer|Help|Multimedia|WebEngine|"
    r"3D|Charts|Graphs|Positioning|Location|VirtualKeyboard|Concurrent|PrintSupport|EglFS|EglFs)"
)
# Plugin folders the app needs at run time; every other plugin folder is dropped.
QT_PLUGIN_KEEP = {
    "platforms",  # xcb, wayland, offscreen (CI), windows, cocoa
    "platformthemes",  # xdg-desktop-portal dialogs and palettes
    "platforminputcontexts",  # input methods (ibus, compose keys)
    "xcbglintegrations",  # xcb needs one to start
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
    "imageformats",  # .ico/.icns for the window icon
    "styles",  # the native style on Windows and macOS
}
# Plugins inside kept folders that the app does not use. The GTK3 theme would drag in the
# build machine's glib/cairo/pango/gdk-pixbuf, which clash with the user's GTK.
_QT_PLUGIN_DROP = re.compile(
    r"(qgtk3|eglfs|minimal|vnc|linuxfb|vkkhr|direct2d|qsvg|qwebp|qtiff|qtga|qwbmp|qgif|qjpeg|qpdf)"
)
# The GTK stack that only the GTK3 theme plugin links to, and Kerberos that nothing left needs.
_GTK_STACK_DROP = re.compile(
    r"^lib(gtk-3|gdk-3|gdk_pixbuf|cairo|pango|atk|epoxy|thai|datrie|fribidi|graphite2|harfbuzz|"
    r"pixman|jpeg|Xrender|gio-2|gmodule-2|gobject-2|blkid|mount|selinux|pcre2|"
    r"gssapi_krb5|krb5|k5crypto|keyutils|com_err)"
)
# Python's own extension modules that nothing in the app uses.
PYTHON_EXCLUDES += ["readline", "curses", "_curses", "_curses_panel"]
EXCLUDES = QT_EXCLUDES + PYTHON_EXCLUDES


def read_version(init_file: Path | None = None) -> str:
    """``__version__`` from ``app/__init__.py`` without importing the app."""
    text = (init_file or ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if match is None:
        raise ValueError("app/__init__.py has no __version__")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"1.2.3rc1"`` -> ``(1, 2, 3, 0)``: the four numbers a Windows version resource holds."""
    numbers = [int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3]]
    while len(numbers) < 4:
        numbers.append(0)
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def windows_version_info(version: str) -> str:
    """The text of a PyInstaller ``version=`` file (a ``VSVersionInfo`` expression)."""
    nums = version_tuple(version)
    strings = {
        "CompanyName": APP_NAME,
        "FileDescription": f"{APP_NAME} trading terminal",
        "FileVersion": version,
        "InternalName": APP_NAME,
        "LegalCopyright": f"MIT License, the {APP_NAME} authors",
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    return f"""# Generated by packaging/bundle_config.py from app.__version__ = {version!r}.
VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def icon_pngs(icon_dir: Path | None = None) -> dict[int, bytes]:
    """The app icon's PNG bytes by pixel size, from ``app/ui/assets/icons/sherwood-<size>.png``."""
    folder = icon_dir or ROOT / "app" / "ui" / "assets" / "icons"
    return {
        size: (folder / f"sherwood-{size}.png").read_bytes()
        for size in ICON_SIZES
        if (folder / f"sherwood-{size}.png").is_file()
    }


def write_ico(pngs: dict[int, bytes], dest: Path) -> Path:
    """A multi-size Windows .ico holding the PNGs as they are (supported since Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(header + entries + blobs)
    return dest


# PNG-encoded ICNS element types by pixel size (macOS 10.7+).
_ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08"}


def write_icns(pngs: dict[int, bytes], dest: Path) -> Path:
    """A macOS .icns holding the PNGs as they are, so no Pillow or iconutil is needed."""
    body = b"".join(
        _ICNS_TYPES[size] + struct.pack(">I", 8 + len(data)) + data
        for size, data in sorted(pngs.items())
        if size in _ICNS_TYPES
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return dest


def _qt_part(dest: str) -> str | None:
    """The path below PySide6's ``Qt/`` folder, or None for files outside it."""
    parts = Path(dest.replace("\\", "/")).parts
    for i in range(len(parts) - 1):
        if parts[i] == "PySide6" and parts[i + 1] == "Qt":
            return "/".join(parts[i + 2 :])
    return None


def keep_entry(dest: str) -> bool:
    """Whether a collected file (its destination inside the bundle) stays in the bundle."""
    qt = _qt_part(dest)
    name = Path(dest.replace("\\", "/")).name
    if qt is None:
        return not (_QT_LIB_DROP.search(name) or _GTK_STACK_DROP.search(name))
    if qt.startswith("translations/"):
        return False  # the UI is English only; Qt's own strings default to English
    if qt.startswith("plugins/"):
        folder = qt.split("/")[1] if qt.count("/") >= 2 else ""
        if folder not in QT_PLUGIN_KEEP:
            return False
        return not _QT_PLUGIN_DROP.search(name)
    if qt.startswith(("qml/", "resources/qtwebengine", "libexec/")):
        return False
    return not _QT_LIB_DROP.search(name)


def filter_toc(entries: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Drop from a PyInstaller TOC (dest, source, kind) what :func:`keep_entry` rejects."""
    return [entry for entry in entries if keep_entry(entry[0])]

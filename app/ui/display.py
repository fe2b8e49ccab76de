"""Can the window open here? Checked before Qt starts, because Qt aborts the process
(a core dump and a hint to reinstall) when it finds no display or misses a system library.

Only Linux needs it: Windows and macOS always have their platform. Qt's
platform is ``QT_QPA_PLATFORM`` when set, else Wayland or X11 (xcb) from the
session's variables; xcb also needs a few libraries Debian and Ubuntu do not
install by default.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable, Mapping

# Libraries Qt's xcb platform plugin loads that desktop installs often lack (Debian names).
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
}
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")
ADVICE = (
    "run the bot without a window with --headless, save a picture of the window with "
    "--screenshot PATH, or set QT_QPA_PLATFORM=offscreen"
)


def display_problem(
    environ: Mapping[str, str],
    platform: str = sys.platform,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
) -> str | None:
    """One line saying why the window cannot open here and what to do; None when it can."""
    if platform != "linux":
        return None
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if chosen in HEADLESS_PLATFORMS:
        return None
    if chosen.startswith("wayland") or (not chosen and environ.get("WAYLAND_DISPLAY")):
        if environ.get("WAYLAND_DISPLAY"):
            return None
        return f"no Wayland display (WAYLAND_DISPLAY is not set): {ADVICE}"
    if not environ.get("DISPLAY"):
        if chosen:
            return f"no X display for QT_QPA_PLATFORM={chosen} (DISPLAY is not set): {ADVICE}"
        return f"no display (neither DISPLAY nor WAYLAND_DISPLAY is set): {ADVICE}"
    if getattr(sys, "frozen", False):
        return None  # the installer's bundle carries these libraries (packaging/ci-smoke.sh)
    missing = [package for name, package in XCB_LIBRARIES.items() if find_library(name) is None]
    if missing:
        return (
            f"the window needs the system libraries {', '.join(missing)} "
            f"(sudo apt-get install {' '.join(missing)}); or {ADVICE}"
        )
    return None

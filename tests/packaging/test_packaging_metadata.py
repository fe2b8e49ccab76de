"""Installer metadata: one version everywhere, a valid .desktop entry, sane shell scripts."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "sherwood.desktop"

# Keys of the freedesktop.org Desktop Entry Specification 1.5 (localized forms aside).
STANDARD_KEYS = {
    "Type",
    "Version",
    "Name",
    "GenericName",
    "NoDisplay",
    "Comment",
    "Icon",
    "Hidden",
    "OnlyShowIn",
    "NotShowIn",
    "DBusActivatable",
    "TryExec",
    "Exec",
    "Path",
    "Terminal",
    "Actions",
    "MimeType",
    "Categories",
    "Implements",
    "Keywords",
    "StartupNotify",
    "StartupWMClass",
    "URL",
    "PrefersNonDefaultGPU",
    "SingleMainWindow",
}
BOOLEAN_KEYS = {
    "NoDisplay",
    "Hidden",
    "DBusActivatable",
    "Terminal",
    "StartupNotify",
    "PrefersNonDefaultGPU",
    "SingleMainWindow",
}
LIST_KEYS = {
    "OnlyShowIn",
    "NotShowIn",
    "Actions",
    "MimeType",
    "Categories",
    "Implements",
    "Keywords",
}
MAIN_CATEGORIES = {
    "AudioVideo",
    "Audio",
    "Video",
    "Development",
    "Education",
    "Game",
    "Graphics",
    "Network",
    "Office",
    "Science",
    "Settings",
    "System",
    "Utility",
}


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_under_test", PACKAGING / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def desktop_entry() -> dict[str, str]:
    lines = [
        line
        for line in DESKTOP.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "[Desktop Entry]"
    entry: dict[str, str] = {}
    for line in lines[1:]:
        assert not line.startswith("["), "one group only"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        assert key.strip() == key and re.fullmatch(r"[A-Za-z0-9-]+(\[[^\]]+\])?", key), key
        assert key not in entry, f"duplicate key {key}"
        entry[key] = value
    return entry


def test_one_version_everywhere() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    config = load_build_script().load_config()
    assert config.read_version() == app.__version__ == pyproject["project"]["version"]


def test_inno_setup_script_names_the_package_version() -> None:
    iss = (PACKAGING / "windows" / "sherwood.iss").read_text(encoding="utf-8")
    assert re.search(r'#define AppVersion "([^"]+)"', iss).group(1) == app.__version__  # type: ignore[union-attr]
    assert "{autoprograms}" in iss  # the Start-menu entry
    assert 'Source: "{#BundleDir}\\{#AppExe}"' in iss
    assert '#define AppExe "Sherwood.exe"' in iss


def test_desktop_entry_is_valid() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Version"] in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    assert entry["Name"] == "Sherwood"
    assert entry["Exec"].split()[0] == "Sherwood"  # the bundle's executable; install.sh pins it
    for key in entry:
        base = key.split("[")[0]
        assert base in STANDARD_KEYS or base.startswith("X-"), f"unknown key {key}"
        if base in BOOLEAN_KEYS:
            assert entry[key] in {"true", "false"}
        if base in LIST_KEYS:
            assert entry[key].endswith(";")
    categories = entry["Categories"].rstrip(";").split(";")
    assert MAIN_CATEGORIES & set(categories)
    assert entry["Icon"] == "sherwood"
    for size in (16, 32, 64, 128, 256):  # install.sh copies these as hicolor/NxN/apps/sherwood
        assert (ROOT / "app" / "ui" / "assets" / "icons" / f"sherwood-{size}.png").is_file()


def test_desktop_entry_names_the_package_version() -> None:
    entry = desktop_entry()
    assert entry["X-AppImage-Version"] == app.__version__
    assert app.__version__ in entry["Comment"]


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed"
)
def test_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "error" not in result.stdout.lower(), result.stdout


@pytest.mark.parametrize(
    "script",
    ["ci-smoke.sh", "linux/install.sh", "macos/make_dmg.sh"],
)
def test_shell_scripts_parse_and_are_executable(script: str) -> None:
    path = PACKAGING / script
    assert os.access(path, os.X_OK), f"{script} must be executable (.ci/run checks -x)"
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_archive_name_carries_version_and_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = load_build_script()
    bundle = tmp_path / "dist" / "Sherwood"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "Sherwood").write_bytes(b"\x7fELF")
    (bundle / "_internal" / "lib.so").write_bytes(b"x" * 1000)
    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    monkeypatch.setattr(build.platform, "machine", lambda: "x86_64")
    archive = build.linux_archive(build.load_config(), "9.8.7")
    assert archive.name == "Sherwood-9.8.7-linux-x86_64.tar.gz"
    import tarfile

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    stem = "Sherwood-9.8.7-linux-x86_64"
    assert {
        f"{stem}/Sherwood/Sherwood",
        f"{stem}/sherwood.desktop",
        f"{stem}/install.sh",
        f"{stem}/icons/sherwood-256.png",
    } <= names
    assert build.tree_size(bundle) == (1004, 2)

"""Build Sherwood's one-folder bundle with PyInstaller, then the platform's installer.

Usage (from the repository root, in the venv with ``pip install -e ".[package]"``)::

    python packaging/build.py                 # bundle + the platform's package
    python packaging/build.py --no-package    # bundle only
    python packaging/build.py --clean         # rebuild PyInstaller's cache from scratch

Outputs go to ``packaging/build/`` (work files) and ``packaging/dist/``:

- Linux: ``dist/Sherwood/`` and ``dist/Sherwood-<version>-linux-<arch>.tar.gz`` (bundle,
  .desktop entry, icons, install.sh).
- Windows: ``dist/Sherwood/`` and, when Inno Setup's ``ISCC`` is found,
  ``dist/Sherwood-<version>-windows-x64-setup.exe`` (untested here).
- macOS: ``dist/Sherwood.app`` and ``dist/Sherwood-<version>-macos.dmg`` (untested here).

Prints the bundle size and the build time; ``--json FILE`` also writes them as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
BUILD = HERE / "build"


def load_config() -> ModuleType:
    """``bundle_config.py`` beside this script (loaded by path: see its docstring)."""
    path = HERE / "bundle_config.py"
    spec = importlib.util.spec_from_file_location("sherwood_bundle_config", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree_size(path: Path) -> tuple[int, int]:
    """Bytes and file count under ``path`` (symlinks not followed)."""
    total = count = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
            count += 1
    return total, count


def run_pyinstaller(dist: Path, work: Path, clean: bool, trim: bool) -> None:
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(HERE / "sherwood.spec"),
    ]
    if clean:
        cmd.insert(3, "--clean")
    env = dict(os.environ)
    env.pop("SHERWOOD_NO_EXCLUDES", None)
    if not trim:
        env["SHERWOOD_NO_EXCLUDES"] = "1"
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def strip_python_debug_info(bundle: Path) -> int:
    """Linux: drop the debug sections of libpython and its extension modules; bytes saved.

    Some Python builds (pyenv's, for one) ship them unstripped: about 25 MB. Only these files
    are touched: wheels' own libraries (``*.libs/``) were patched by auditwheel and are
    already stripped.
    """
    strip = shutil.which("strip")
    if strip is None or not sys.platform.startswith("linux"):
        return 0
    targets = [p for p in bundle.rglob("libpython3*.so*") if p.is_file() and not p.is_symlink()]
    targets += [p for p in bundle.glob("_internal/python3*/lib-dynload/*.so") if p.is_file()]
    before = sum(p.stat().st_size for p in targets)
    if targets:
        subprocess.run([strip, "--strip-debug", *map(str, targets)], check=True)
    return before - sum(p.stat().st_size for p in targets)


def linux_archive(cfg: ModuleType, version: str) -> Path:
    """``Sherwood-<version>-linux-<arch>.tar.gz``: bundle, .desktop, icons and install.sh."""
    arch = platform.machine() or "x86_64"
    stem = f"{cfg.APP_NAME}-{version}-linux-{arch}"
    archive = DIST / f"{stem}.tar.gz"
    extras = {
        "sherwood.desktop": HERE / "sherwood.desktop",
        "install.sh": HERE / "linux" / "install.sh",
    }
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(DIST / cfg.APP_NAME, arcname=f"{stem}/{cfg.APP_NAME}")
        for name, source in extras.items():
            tar.add(source, arcname=f"{stem}/{name}")
        for size in cfg.ICON_SIZES:
            png = ROOT / "app" / "ui" / "assets" / "icons" / f"sherwood-{size}.png"
            if png.is_file():
                tar.add(png, arcname=f"{stem}/icons/sherwood-{size}.png")
    return archive


def windows_installer(version: str) -> Path | None:
    """Run Inno Setup's compiler on ``windows/sherwood.iss`` when it is installed."""
    iscc = shutil.which("ISCC") or shutil.which("iscc")
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    candidate = default / "Inno Setup 6" / "ISCC.exe"
    if iscc is None and candidate.is_file():
        iscc = str(candidate)
    if iscc is None:
        print("Inno Setup (ISCC) not found: skipping the Windows installer")
        return None
    icon = BUILD / "pyinstaller" / "sherwood" / "generated" / "Sherwood.ico"
    script = HERE / "windows" / "sherwood.iss"
    subprocess.run([iscc, f"/DAppVersion={version}", f"/DIconFile={icon}", str(script)], check=True)
    return DIST / f"Sherwood-{version}-windows-x64-setup.exe"


def macos_dmg(version: str) -> Path:
    subprocess.run(["bash", str(HERE / "macos" / "make_dmg.sh"), version], check=True)
    return DIST / f"Sherwood-{version}-macos.dmg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-package", action="store_true",
                        help="build the bundle only, no archive/installer/dmg")
    parser.add_argument("--no-excludes", action="store_true",
                        help="measure only: build without excludes, filtering or stripping "
                        "into packaging/dist/no-excludes/")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    cfg = load_config()
    version = cfg.read_version()
    trim = not args.no_excludes
    dist = DIST if trim else DIST / "no-excludes"
    work = BUILD / ("pyinstaller" if trim else "pyinstaller-no-excludes")
    print(f"Building {cfg.APP_NAME} {version} for {sys.platform}", flush=True)
    started = time.perf_counter()
    run_pyinstaller(dist, work, args.clean, trim)
    bundle = dist / cfg.APP_NAME
    stripped = strip_python_debug_info(bundle) if trim else 0
    build_seconds = time.perf_counter() - started

    size, files = tree_size(bundle)
    report: dict[str, object] = {
        "version": version,
        "bundle": str(bundle),
        "bundle_bytes": size,
        "bundle_mb": round(size / 1e6, 1),
        "bundle_files": files,
        "stripped_mb": round(stripped / 1e6, 1),
        "build_seconds": round(build_seconds, 1),
    }
    package: Path | None = None
    if trim and not args.no_package:
        if sys.platform.startswith("linux"):
            package = linux_archive(cfg, version)
        elif sys.platform == "win32":
            package = windows_installer(version)
        elif sys.platform == "darwin":
            package = macos_dmg(version)
    if package is not None and package.exists():
        report["package"] = str(package)
        report["package_mb"] = round(package.stat().st_size / 1e6, 1)
    total = time.perf_counter() - started
    report["total_seconds"] = round(total, 1)

    print(f"bundle: {bundle} — {size / 1e6:.1f} MB in {files} files")
    if "package" in report:
        print(f"package: {report['package']} — {report['package_mb']} MB")
    print(f"PyInstaller {build_seconds:.1f} s, total {total:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

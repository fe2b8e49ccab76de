"""Start-up time of the frozen app (PyInstaller bundle) beside the same app run from source.

Run ``python bench/startup.py`` after ``python packaging/build.py`` (offscreen unless
QT_QPA_PLATFORM is set). Two measures, each the median of ``--repeat`` runs (default 5) after
one untimed warm-up run (so both sides read their files from the page cache):

- **first window**: wall time from spawning ``sherwood --screenshot shot.png --run-for 0.01
  --data-dir <fresh dir>`` to the PNG existing on disk. Covers interpreter start, imports,
  creating and migrating the database, starting every service, building the main window and
  its chart with bars: what a user waits for before the full terminal is there. (The window
  shell paints earlier, before the services start: ``bench/chart.py`` times that first paint.)
- **--help**: wall time to exit of ``sherwood --help``: interpreter start plus importing the
  command-line module; for the frozen app, also the bootloader and its archive.

The source side is ``python -m app`` in this interpreter; the frozen side is
``packaging/dist/Sherwood/Sherwood`` (``--bundle`` to point elsewhere).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "packaging" / "dist" / "Sherwood" / "Sherwood"


def _env() -> dict[str, str]:
    """This environment, with the checkout importable for ``python -m app``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def time_to_png(cmd: list[str], timeout: float = 120.0) -> float:
    """Seconds from spawning ``cmd`` plus screenshot flags until the PNG is written."""
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        args = [*cmd, "--screenshot", str(shot), "--run-for", "0.01", "--data-dir", f"{tmp}/data"]
        start = time.perf_counter()
        proc = subprocess.Popen(
            args, cwd=tmp, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while not (shot.exists() and shot.stat().st_size > 0):
                if proc.poll() is not None and not shot.exists():
                    raise RuntimeError(f"{args[0]} exited {proc.returncode} without a PNG")
                if time.perf_counter() - start > timeout:
                    raise TimeoutError(f"{args[0]}: no PNG after {timeout} s")
                time.sleep(0.005)
            elapsed = time.perf_counter() - start
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return elapsed


def time_to_exit(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*cmd, "--help"],
        check=True,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def median_of(measure: object, cmd: list[str], repeat: int) -> float:
    assert callable(measure)
    measure(cmd)  # warm-up: page cache, font cache, .pyc files
    return statistics.median(measure(cmd) for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="the frozen executable")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.stderr.write(f"{args.bundle} missing: run python packaging/build.py first\n")
        return 1
    sides = {"source": [sys.executable, "-m", "app"], "frozen": [str(args.bundle)]}
    results: dict[str, dict[str, float]] = {}
    for name, cmd in sides.items():
        results[name] = {
            "window": median_of(time_to_png, cmd, args.repeat),
            "help": median_of(time_to_exit, cmd, args.repeat),
        }
    sys.stdout.write(
        f"start-up, median of {args.repeat} (QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}):\n"
    )
    sys.stdout.write(f"{'':12}{'source':>10}{'frozen':>10}{'frozen/source':>15}\n")
    for key, label in (("window", "first window"), ("help", "--help")):
        src, frz = results["source"][key], results["frozen"][key]
        sys.stdout.write(f"{label:12}{src:>9.2f}s{frz:>9.2f}s{frz / src:>15.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

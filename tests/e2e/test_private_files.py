"""The data folder is the user's alone: after a run, every file in it is 0600 and every folder
0700 (databases, WAL and shared memory, logs, backups), even under a permissive umask, and a
folder left 0755 by an older version is tightened."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_file_in_the_data_folder_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True, mode=0o755)
    os.chmod(data, 0o755)
    (data / "logs" / "sherwood.log").write_text("an older version's log\n")
    os.chmod(data / "logs" / "sherwood.log", 0o644)
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from app.__main__ import main; "
         f"sys.exit(main(['--headless', '--run-for', '3', '--data-dir', {str(data)!r}]))"],
        cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = {p.relative_to(data).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in data.rglob("*")}
    assert "paper.sqlite3" in seen and any(name.startswith("backups/") for name in seen)
    for name, mode in seen.items():
        wanted = 0o700 if (data / name).is_dir() else 0o600
        assert mode == wanted, f"{name} is {mode:o}"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700

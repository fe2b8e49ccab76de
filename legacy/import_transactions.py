"""Import the original bots' transactions.json into Sherwood's paper (or live) journal.

Usage: python legacy/import_transactions.py transactions.json [--data-dir DIR]
       [--mode paper|live] [--timezone America/New_York]
The imported fills are folded into positions, P&L and the day-trade count the next time
Sherwood starts on that data directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.errors import DataFormatError
from app.legacy.importer import import_legacy_log
from app.paths import data_dir
from app.storage.db import database_path, open_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--data-dir")
    parser.add_argument("--mode", choices=("paper", "live"), default="paper")
    parser.add_argument(
        "--timezone",
        default="America/New_York",
        help="where the old bot ran (its timestamps have no zone)",
    )
    args = parser.parse_args(argv)
    db = open_database(database_path(data_dir(args.data_dir), args.mode))
    try:
        report = import_legacy_log(args.file, args.timezone)
    except (DataFormatError, OSError) as exc:
        print(f"import failed, nothing imported: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(
        f"read {report.read} records: imported {report.imported}, "
        f"already present {report.skipped_existing}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

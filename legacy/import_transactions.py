"""Import the original bots' transactions.json into Sherwood's paper account.

Usage: python legacy/import_transactions.py transactions.json [--data-dir DIR]
       [--timezone America/New_York]
The same as ``sherwood import-legacy``: the records become the paper account's
orders, fills, position and cash, and the window shows them (positions, P&L, day
trades) from its next start. Quit Sherwood first. The old format is described in
legacy/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.cli.import_legacy import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], prog="import_transactions.py"))

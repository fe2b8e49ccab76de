"""The optimizer's results: rows per combination, ranked, as a table, a CSV and a heatmap.

Without walk-forward a combination's row is its parameters and the metrics of
one backtest over all the bars. With walk-forward over ``K`` folds each metric
appears twice: ``in_<metric>``, the mean over the folds' in-sample stretches,
and ``out_<metric>``, the mean over their out-of-sample stretches; ranking uses
the in-sample figure (what a tuner would see) and the table shows the
out-of-sample one beside it, so overfitting shows as a fall from one to the
other. :func:`walk_forward_folds` picks, fold by fold, the best combination
in-sample and reports how it did out-of-sample.

Rows are ranked by the chosen metric (best first; ties in grid order), so the
same jobs give the same table whichever engine ran them, in whatever order.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.backtest.metrics import RANKABLE
from app.backtest.optimize.grid import Combination, label
from app.backtest.optimize.runner import JobResult

SHOWN = ("net_pnl", "return_pct", "sharpe", "max_drawdown_pct", "win_rate_pct",
         "profit_factor", "trades")  # fmt: skip


@dataclass
class ComboRow:
    """One combination: its runs by stretch, and the row built from them."""

    index: int
    combination: Combination
    parts: dict[int, dict[str, Any]] = field(default_factory=dict)  # stretch -> metrics row
    error: str = ""


def _mean(values: Iterable[Any]) -> float | None:
    numbers = [float(v) for v in values if v is not None]
    return sum(numbers) / len(numbers) if numbers else None


class Results:
    """Collects job results into combination rows; ``folds`` = 0 without walk-forward."""

    def __init__(self, combinations: Sequence[Combination], metric: str, folds: int = 0) -> None:
        if metric not in RANKABLE:
            raise ValueError(f"unknown metric {metric!r} (one of {', '.join(RANKABLE)})")
        self.metric = metric
        self.folds = folds
        self.stretches = folds + 1 if folds else 1
        self.rows = [ComboRow(i, c) for i, c in enumerate(combinations)]
        self.names = [name for name, _ in combinations[0]] if combinations else []

    def add(self, result: JobResult) -> ComboRow | None:
        """Record one job; the combination's row when this job completed it."""
        row = self.rows[result.job.index]
        if result.error:
            row.error = result.error
        row.parts[result.job.part] = result.row
        return row if self.complete(row) else None

    def complete(self, row: ComboRow) -> bool:
        return len(row.parts) == self.stretches

    def finished(self) -> list[ComboRow]:
        return [row for row in self.rows if self.complete(row)]

    # --- one flat row per combination ----------------------------------------------

    def columns(self) -> list[str]:
        metric_names = list(_metric_names())
        if self.folds:
            metric_names = [f"{side}_{m}" for m in metric_names for side in ("in", "out")]
        return ["rank", *self.names, *metric_names, "error"]

    def flat(self, row: ComboRow) -> dict[str, Any]:
        out: dict[str, Any] = dict(row.combination)
        out["error"] = row.error
        if row.error:
            return out
        if not self.folds:
            out.update(row.parts[0])
            return out
        for name in _metric_names():
            ins = [row.parts[k][name] for k in range(self.folds)]
            outs = [row.parts[k][name] for k in range(1, self.folds + 1)]
            out[f"in_{name}"] = _round(_mean(ins))
            out[f"out_{name}"] = _round(_mean(outs))
        return out

    def score(self, flat: dict[str, Any]) -> float:
        key = f"in_{self.metric}" if self.folds else self.metric
        value = flat.get(key)
        if value is None or flat.get("error"):
            return -math.inf
        number = float(value)
        return number if RANKABLE[self.metric] else -number

    def ranked(self) -> list[dict[str, Any]]:
        """Finished combinations, best first (ties and failed runs in grid order, last)."""
        flats = [(row.index, self.flat(row)) for row in self.finished()]
        flats.sort(key=lambda pair: (-self.score(pair[1]), pair[0]))
        for rank, (_, flat) in enumerate(flats, start=1):
            flat["rank"] = rank
        return [flat for _, flat in flats]

    # --- walk-forward --------------------------------------------------------------

    def walk_forward_folds(self) -> list[dict[str, Any]]:
        """Per fold: the best combination on its in-sample stretch, and its figures in and
        out of sample."""
        folds = []
        good = [row for row in self.finished() if not row.error]
        for k in range(1, self.folds + 1):
            if not good:
                break
            best = max(good, key=lambda r: (self._part_score(r, k - 1), -r.index))
            folds.append({
                "fold": k,
                "best": label(best.combination),
                "in": best.parts[k - 1][self.metric],
                "out": best.parts[k][self.metric],
            })  # fmt: skip
        return folds

    def _part_score(self, row: ComboRow, part: int) -> float:
        value = row.parts[part].get(self.metric)
        if value is None:
            return -math.inf
        return float(value) if RANKABLE[self.metric] else -float(value)

    # --- heatmap -------------------------------------------------------------------

    def best_in_cell(self, x: str, y: str, x_value: str, y_value: str) -> ComboRow | None:
        """The finished combination a heatmap cell shows: the best with these two values."""
        key = f"in_{self.metric}" if self.folds else self.metric
        best: tuple[float, int, ComboRow] | None = None
        for row in self.finished():
            params = dict(row.combination)
            if row.error or params[x] != x_value or params[y] != y_value:
                continue
            flat = self.flat(row)
            value = flat.get(key)
            if value is None:
                continue
            score = float(value) if RANKABLE[self.metric] else -float(value)
            if best is None or (score, -row.index) > (best[0], -best[1]):
                best = (score, row.index, row)
        return None if best is None else best[2]

    def heatmap(self, x: str, y: str) -> tuple[list[str], list[str], list[list[float | None]]]:
        """The two parameters' values and, per cell, the best ranking figure over the other
        parameters (None where nothing finished)."""
        xs = list(dict.fromkeys(dict(r.combination)[x] for r in self.rows))
        ys = list(dict.fromkeys(dict(r.combination)[y] for r in self.rows))
        xs.sort(key=float)
        ys.sort(key=float)
        cells: list[list[float | None]] = [[None] * len(ys) for _ in xs]
        key = f"in_{self.metric}" if self.folds else self.metric
        for row in self.finished():
            flat = self.flat(row)
            value = flat.get(key)
            if value is None or row.error:
                continue
            params = dict(row.combination)
            i, j = xs.index(params[x]), ys.index(params[y])
            current = cells[i][j]
            better = current is None or (
                float(value) > current if RANKABLE[self.metric] else float(value) < current
            )
            if better:
                cells[i][j] = float(value)
        return xs, ys, cells


def _metric_names() -> tuple[str, ...]:
    return ("net_pnl", "return_pct", "max_drawdown", "max_drawdown_pct", "sharpe",
            "win_rate_pct", "profit_factor", "exposure_pct", "trades", "fills", "day_trades",
            "most_day_trades_in_window", "denials")  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Path:
    """Write ``rows`` to ``path`` whole (through a temporary file and a rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    os.replace(temporary, target)
    return target


class RowLog:
    """``optimize.csv`` kept current while the run goes: each finished combination is
    appended at once (flushed), so an interrupted run keeps its rows; :meth:`final`
    rewrites it ranked."""

    def __init__(self, path: str | Path, columns: Sequence[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.columns = list(columns)
        self._handle = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._handle, fieldnames=self.columns, extrasaction="ignore")
        self._writer.writeheader()
        self._handle.flush()

    def append(self, row: dict[str, Any]) -> None:
        self._writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        self._handle.flush()

    def final(self, ranked: Sequence[dict[str, Any]]) -> Path:
        self._handle.close()
        return write_csv(self.path, self.columns, ranked)


def table(ranked: Sequence[dict[str, Any]], names: Sequence[str], metric: str, folds: int,
          limit: int = 20) -> list[str]:  # fmt: skip
    """The ranked rows as aligned text lines (the best ``limit``)."""
    if folds:
        shown = [f"{side}_{m}" for m in (metric, "net_pnl", "trades") for side in ("in", "out")]
        shown = list(dict.fromkeys(shown))
    else:
        shown = list(dict.fromkeys((metric, *SHOWN)))
    headers = ["rank", *names, *shown]
    body = []
    for flat in ranked[:limit]:
        cells = [str(flat.get("rank", ""))]
        cells += [str(flat.get(n, "")) for n in names]
        if flat.get("error"):
            cells.append(f"not run: {flat['error']}")
        else:
            cells += [_cell(flat.get(m)) for m in shown]
        body.append(cells)
    widths = [len(h) for h in headers]
    for cells in body:
        for i, cell in enumerate(cells[: len(headers)]):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    for cells in body:
        head = cells[: len(headers)]
        line = "  ".join(c.rjust(w) for c, w in zip(head, widths, strict=False))
        lines.append(line + ("  " + cells[-1] if len(cells) > len(headers) else ""))
    return lines


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)

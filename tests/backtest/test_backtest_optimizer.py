"""The optimizer: grids as written, every row is a real backtest, same table on every engine."""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.backtest.cli import load_backtest_bars
from app.backtest.engine import run_backtest
from app.backtest.optimize.engines import ProcessEngine, RayEngine
from app.backtest.optimize.grid import GridError, apply, combinations, parse_param
from app.backtest.optimize.runner import split
from app.backtest.optimize.session import Optimization
from app.config import DayTradePolicy, Settings, StrategyName

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"
BASE = Settings(strategy=StrategyName.RSI, day_trade_policy=DayTradePolicy.OFF)


def sherwood(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "optimize", *args], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_ranges_include_both_ends_and_keep_their_digits() -> None:
    assert parse_param("rsi_period=7:21:7").values == ("7", "14", "21")
    assert parse_param("PROFIT_TARGET_PCT=0.5:1.5:0.5").values == ("0.5", "1.0", "1.5")
    assert parse_param("rsi_oversold=20,25,25,30").values == ("20", "25", "30")
    for bad, why in [("rsi_perod=7:21:7", "no setting"), ("rsi_period=21:7:7", "below"),
                     ("rsi_period=7:21:0", "above 0"), ("rsi_period=7.5,8", "whole number"),
                     ("rsi_period", "name=start")]:  # fmt: skip
        with pytest.raises(GridError, match=why):
            parse_param(bad)


def test_combinations_vary_the_last_parameter_fastest_and_samples_are_reproducible() -> None:
    ranges = [parse_param("rsi_period=7:9:1"), parse_param("rsi_oversold=20,30")]
    grid = combinations(ranges)
    assert [dict(c) for c in grid[:3]] == [
        {"rsi_period": "7", "rsi_oversold": "20"},
        {"rsi_period": "7", "rsi_oversold": "30"},
        {"rsi_period": "8", "rsi_oversold": "20"},
    ]
    sample = combinations(ranges, samples=3, seed=5)
    assert len(sample) == 3 and sample == combinations(ranges, samples=3, seed=5)
    assert all(c in grid for c in sample)
    assert apply(BASE, grid[-1]).rsi_period == 9


def test_every_row_is_the_backtest_of_its_combination() -> None:
    bars = load_backtest_bars(SAMPLE, "TQQQ")
    combos = combinations([parse_param("rsi_period=7:21:7"), parse_param("rsi_oversold=20,30")])
    run = Optimization(bars, BASE, combos, metric="net_pnl")
    ranked = run.run(ProcessEngine(workers=2)).ranked()
    assert len(ranked) == 6
    for flat in ranked:
        settings = apply(BASE, tuple((k, flat[k]) for k in ("rsi_period", "rsi_oversold")))
        direct = asyncio.run(run_backtest(bars, settings))
        assert direct.metrics is not None
        assert flat["net_pnl"] == str(direct.metrics.net_pnl)
        assert flat["trades"] == direct.metrics.trades
        assert flat["sharpe"] == round(direct.metrics.sharpe, 4)
    pnl = [float(flat["net_pnl"]) for flat in ranked]
    assert pnl == sorted(pnl, reverse=True) and len(set(pnl)) > 1


def test_a_combination_the_strategy_refuses_is_a_row_that_says_why() -> None:
    bars = load_backtest_bars(SAMPLE, "TQQQ")
    combos = combinations([parse_param("rsi_oversold=30,75")])  # 75 is above overbought 70
    ranked = Optimization(bars, BASE, combos).run(ProcessEngine(workers=1)).ranked()
    assert [flat["rsi_oversold"] for flat in ranked] == ["30", "75"]
    assert "oversold" in ranked[1]["error"] and not ranked[0]["error"]


def test_walk_forward_judges_each_fold_on_the_next_stretch() -> None:
    bars = load_backtest_bars(SAMPLE, "TQQQ")
    stretches = split(bars, 3)
    assert [len(s) for s in stretches] == [260, 260, 260]
    assert stretches[1][0].start > stretches[0][-1].start
    combos = combinations([parse_param("rsi_period=7,14")])
    results = Optimization(bars, BASE, combos, "net_pnl", folds=2).run(ProcessEngine(2))
    flat = next(f for f in results.ranked() if f["rsi_period"] == "7")
    on = [asyncio.run(run_backtest(s, apply(BASE, (("rsi_period", "7"),)))) for s in stretches]
    pnl = [float(r.metrics.net_pnl) for r in on if r.metrics is not None]
    assert flat["in_net_pnl"] == pytest.approx((pnl[0] + pnl[1]) / 2)
    assert flat["out_net_pnl"] == pytest.approx((pnl[1] + pnl[2]) / 2)
    folds = results.walk_forward_folds()
    assert [f["fold"] for f in folds] == [1, 2]


def test_the_command_prints_a_ranked_table_and_writes_the_csv_and_heatmap(tmp_path: Path) -> None:
    proc = sherwood(str(SAMPLE), "--strategy", "rsi", "--param", "rsi_period=7:21:7",
                    "--param", "rsi_oversold=20:30:10", "--workers", "2", cwd=tmp_path)  # fmt: skip
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "6 of 6 combinations finished" in out
    assert "6/6 runs" in err  # the progress bar
    rows = list(csv.DictReader((tmp_path / "optimize.csv").open(encoding="utf-8")))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    sharpe = [float(r["sharpe"]) for r in rows]
    assert sharpe == sorted(sharpe, reverse=True)
    table = out.splitlines()[2:8]
    assert [line.split()[1:3] for line in table] == [[r["rsi_period"], r["rsi_oversold"]]
                                                     for r in rows]  # fmt: skip
    picture = QImage(str(tmp_path / "heatmap.png"))
    assert picture.width() == 900 and picture.height() == 700


def test_ctrl_c_keeps_the_finished_rows(tmp_path: Path) -> None:
    proc = sherwood(str(SAMPLE), "--param", "rsi_period=5:60:1", "--workers", "1",
                    cwd=tmp_path)  # fmt: skip
    written = tmp_path / "optimize.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until two rows are on disk
        if written.exists() and len(written.read_text(encoding="utf-8").splitlines()) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: keeping the finished rows" in err
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    assert 2 <= len(rows) < 56
    assert f"{len(rows)} of 56 combinations finished" in out
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))


def test_ray_gives_the_same_table_as_the_process_pool() -> None:
    pytest.importorskip("ray", reason='Ray is the optional "cluster" extra (pip install ray)')
    bars = load_backtest_bars(SAMPLE, "TQQQ")
    combos = combinations([parse_param("rsi_period=7:21:7"), parse_param("rsi_oversold=20,30")])
    pool = Optimization(bars, BASE, combos).run(ProcessEngine(workers=2)).ranked()
    ray = Optimization(bars, BASE, combos).run(RayEngine("local", workers=2)).ranked()
    assert ray == pool

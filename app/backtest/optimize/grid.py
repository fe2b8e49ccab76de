"""The parameter grid: ``--param name=start:stop:step`` ranges, their combinations, a random sample.

A parameter is any setting by its name (``rsi_period`` or ``RSI_PERIOD``): the
strategy's (``rsi_period``, ``rsi_oversold``, ``macd_fast``, ...) and the
bot's risk rules (``profit_target_pct``, ``stop_loss_pct``, ``max_investment``).
A range includes both ends (``7:21:7`` is 7, 14, 21; decimal steps are exact,
``0.5:1.5:0.5`` is 0.5, 1.0, 1.5, with the digits given); ``a,b,c`` lists values.
Values stay text until :func:`apply` parses them as the settings do, so a combination the
settings refuse (oversold above overbought) is reported with the settings' own
message, as a row that did not run.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.config import Settings, parse_value, setting_specs

MAX_VALUES = 10_000  # in one range: a typo like 1:1000000:1 is refused, not run

Combination = tuple[tuple[str, str], ...]  # ((name, value text), ...) in --param order


class GridError(ValueError):
    """A ``--param`` that cannot be read; the message names it."""


@dataclass(frozen=True, slots=True)
class ParamRange:
    name: str  # the setting's attribute name
    values: tuple[str, ...]

    @property
    def numbers(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.values)


def _number(text: str, spec: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise GridError(f"{spec}: {text!r} is not a number") from None
    if not value.is_finite():
        raise GridError(f"{spec}: {text!r} is not a finite number")
    return value


def parse_param(spec: str) -> ParamRange:
    """``name=start:stop:step`` or ``name=a,b,c``; GridError naming what is wrong."""
    name, sep, rest = spec.partition("=")
    name = name.strip().lower()
    known = {s.name for s in setting_specs()}
    if not sep or not rest.strip():
        raise GridError(f"{spec!r}: write name=start:stop:step or name=a,b,c")
    if name not in known:
        raise GridError(f"{spec!r}: no setting named {name!r}")
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) != 3:
            raise GridError(f"{spec!r}: a range is start:stop:step")
        start, stop, step = (_number(p, spec) for p in parts)
        if step <= 0:
            raise GridError(f"{spec!r}: the step must be above 0")
        if stop < start:
            raise GridError(f"{spec!r}: the stop is below the start")
        count = int((stop - start) / step) + 1
        if count > MAX_VALUES:
            raise GridError(f"{spec!r}: {count} values, at most {MAX_VALUES} in one range")
        values = [str(start + i * step) for i in range(count)]  # digits as written: 0.5, 1.0
    else:
        values = [v.strip() for v in rest.split(",") if v.strip()]
    for value in values:
        try:
            parse_value(name, value)
        except ValueError as exc:
            raise GridError(f"{spec!r}: {value}: {exc}") from None
    return ParamRange(name, tuple(dict.fromkeys(values)))


def combinations(
    ranges: list[ParamRange], samples: int | None = None, seed: int = 0
) -> list[Combination]:
    """Every combination in grid order (the first parameter varies slowest), or ``samples``
    of them drawn at random (reproducible with ``seed``), kept in grid order."""
    names = [r.name for r in ranges]
    if len(set(names)) != len(names):
        raise GridError("a parameter is given twice")
    grid = [tuple(zip(names, values, strict=True))
            for values in itertools.product(*(r.values for r in ranges))]  # fmt: skip
    if samples is None or samples >= len(grid):
        return grid
    if samples <= 0:
        raise GridError("--samples must be at least 1")
    chosen = sorted(random.Random(seed).sample(range(len(grid)), samples))
    return [grid[i] for i in chosen]


def apply(base: Settings, combination: Combination) -> Settings:
    """``base`` with the combination's values (SettingsError when the settings refuse them)."""
    return base.replace(**{name: parse_value(name, text) for name, text in combination})


def label(combination: Combination) -> str:
    return " ".join(f"{name}={value}" for name, value in combination)

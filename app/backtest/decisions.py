"""The strategy's signals on a backtest's bars, computed once and played back to the app.

A strategy is a function of the bars it has seen (see :mod:`app.strategy.base`),
so its BUY and SELL signals on a backtest's bars are known before the replay:
:func:`decide` steps a fresh copy of the configured strategy over every bar,
once. The app's strategy engine then runs :class:`PlayedBack` in its place
(through :class:`PlaybackRegistry`, handed to the composition root): on each
bar it is fed it returns the signal the real strategy gave on that bar, the
same :class:`~app.core.models.Signal` object. So the engine needs only the bars
the backtest feeds, in any subset of their order, and the skipped bars reach no
service at all.

The reference run (``run_backtest(..., skip=False)``) keeps the real strategy
in the engine, stepped on every bar; the tests compare the two order for order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.config import Settings
from app.core.models import Bar, Signal
from app.strategy.base import Params, Strategy, StrategyRegistry


@dataclass(frozen=True, slots=True)
class Decisions:
    """The actionable signals one strategy gave on a run's bars."""

    strategy: str
    params: Params
    min_bars: int
    by_start: dict[datetime, Signal]  # bar start -> the BUY or SELL signal on that bar
    indexes: frozenset[int]  # the positions of those bars in the run


def decide(strategy: Strategy, bars: Sequence[Bar]) -> Decisions:
    """Step ``strategy`` (fresh) over ``bars``; the bars it signals on."""
    by_start: dict[datetime, Signal] = {}
    indexes: list[int] = []
    step = strategy.step
    for i, bar in enumerate(bars):
        signal = step(bar)
        if signal is not None:
            by_start[bar.start] = signal
            indexes.append(i)
    return Decisions(strategy.name, dict(strategy.params), strategy.min_bars, by_start,
                     frozenset(indexes))  # fmt: skip


class PlayedBack(Strategy):
    """A strategy that answers each bar with the signal :func:`decide` recorded for it.

    :meth:`latest` is the last signal it played (HOLD verdicts are not recorded).
    """

    name = "played back"
    description = "the signals a strategy gave on the backtest's bars, played back"

    def __init__(self, decisions: Decisions) -> None:
        super().__init__(decisions.params)
        self.decisions = decisions

    @classmethod
    def params_from_settings(cls, settings: Settings) -> Params:
        raise NotImplementedError("a played-back strategy takes its parameters from decide()")

    @classmethod
    def validate(cls, params: Mapping[str, float]) -> Params:
        return dict(params)

    @property
    def min_bars(self) -> int:
        return self.decisions.min_bars

    def step(self, bar: Bar) -> Signal | None:
        signal = self.decisions.by_start.get(bar.start)
        if signal is not None:
            self._latest = signal
        return signal

    def update(self, bar: Bar) -> Signal | None:
        return self.step(bar)


class PlaybackRegistry(StrategyRegistry):
    """The app's strategies, except that the decided one with the decided parameters is
    played back."""

    def __init__(self, registry: StrategyRegistry, decisions: Decisions) -> None:
        super().__init__(tuple(registry.get(name) for name in registry.names()))
        self.decisions = decisions

    def create(self, name: str, settings: Settings) -> Strategy:
        cls = self.get(name)
        wanted = self.decisions
        params = cls.validate(cls.params_from_settings(settings))
        if cls.name == wanted.strategy and params == wanted.params:
            return PlayedBack(wanted)
        return super().create(name, settings)

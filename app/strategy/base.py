"""The strategy plug-in interface and the registry of strategies.

A strategy has a ``name``, a ``description``, validated parameters (taken
from settings) and a streaming state: :meth:`Strategy.update` takes each
closed bar and returns a :class:`~app.core.models.Signal` (possibly HOLD), or
None while its indicator has too little history. Strategies never see a
forming bar.

The engine's per-bar path uses :meth:`Strategy.step` instead: it returns only
an actionable (BUY/SELL) signal, so a strategy can skip building a HOLD
:class:`Signal` on every bar; :meth:`Strategy.latest` builds the verdict on
the latest bar (possibly HOLD) when someone asks. The defaults derive both
from :meth:`Strategy.update`; built-in strategies override them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from app.config import Settings
from app.core.errors import SherwoodError
from app.core.models import Bar, Signal, SignalAction

Params = dict[str, float]


class StrategyError(SherwoodError):
    """Unknown strategy, invalid parameters, or not enough history."""


class InsufficientHistory(StrategyError):
    """The indicator has not seen enough closed bars to give a value."""


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    name: str
    description: str
    parameters: dict[str, float]


def whole(params: Mapping[str, float], name: str, low: int, high: int) -> int:
    value = params.get(name)
    if value is None:
        raise StrategyError(f"parameter {name} is missing")
    if isinstance(value, bool) or float(value) != int(value) or not low <= int(value) <= high:
        raise StrategyError(f"{name} must be a whole number from {low} to {high}, got {value}")
    return int(value)


def number(params: Mapping[str, float], name: str, low: float, high: float) -> float:
    value = params.get(name)
    if value is None:
        raise StrategyError(f"parameter {name} is missing")
    v = float(value)
    if not (low < v < high):
        raise StrategyError(f"{name} must be between {low:g} and {high:g}, got {value}")
    return v


class Strategy(ABC):
    """One strategy's parameters and streaming state for one symbol."""

    name: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, params: Mapping[str, float]) -> None:
        self.params: Params = self.validate(params)
        self._latest: Signal | None = None

    @classmethod
    @abstractmethod
    def params_from_settings(cls, settings: Settings) -> Params:
        """This strategy's parameters as configured."""

    @classmethod
    @abstractmethod
    def validate(cls, params: Mapping[str, float]) -> Params:
        """Checked, normalised parameters, or :class:`StrategyError` naming the problem."""

    @property
    @abstractmethod
    def min_bars(self) -> int:
        """Closed bars needed before the first possible signal."""

    @abstractmethod
    def update(self, bar: Bar) -> Signal | None:
        """Feed one closed bar; the signal on it, or None while warming up."""

    def step(self, bar: Bar) -> Signal | None:
        """Feed one closed bar like :meth:`update`; returns the signal only if it is not HOLD."""
        signal = self.update(bar)
        if signal is None:
            return None
        self._latest = signal
        return None if signal.action is SignalAction.HOLD else signal

    def latest(self) -> Signal | None:
        """The verdict (possibly HOLD) on the newest bar that gave one, None before any."""
        return self._latest

    def make_signal(
        self, bar: Bar, action: SignalAction, confidence: float, values: dict[str, float]
    ) -> Signal:
        return Signal(
            symbol=bar.symbol,
            strategy=self.name,
            action=action,
            confidence=confidence,
            values=values,
            bar_time=bar.start,
            interval=bar.interval,
            price=bar.close,
        )


class StrategyRegistry:
    """The strategies the engine can run, by name (plug-ins call :meth:`register`)."""

    def __init__(self, classes: tuple[type[Strategy], ...] = ()) -> None:
        self._classes: dict[str, type[Strategy]] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[Strategy]) -> None:
        if cls.name in self._classes:
            raise StrategyError(f"a strategy named {cls.name!r} is already registered")
        self._classes[cls.name] = cls

    def get(self, name: str) -> type[Strategy]:
        cls = self._classes.get(name.strip().lower())
        if cls is None:
            known = ", ".join(sorted(self._classes))
            raise StrategyError(f"unknown strategy {name!r} (known: {known})")
        return cls

    def names(self) -> list[str]:
        return sorted(self._classes)

    def create(self, name: str, settings: Settings) -> Strategy:
        cls = self.get(name)
        return cls(cls.params_from_settings(settings))

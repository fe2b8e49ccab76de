"""BOT_SYMBOLS: its form and messages, and the bot and strategy engine following it.

The bot trades each listed symbol on that symbol's strategy only, one position per symbol,
and leaves other symbols (the user's own positions) alone; the strategy engine runs each
symbol with its own parameters.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import Settings, StrategyName, parse_value, resolve_settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.errors import SettingsError
from app.core.events import DecisionMade, OrderSubmitted, SignalGenerated, StopLossTriggered
from app.core.models import Interval, OrderRequest, OrderSource, Side, Signal, SignalAction
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.strategy.engine import StrategyEngine

TWO = Settings().replace(paper_latency_ms=0, bot_symbols="TQQQ, SPY:macd fast=8")


def signal(trading, action: SignalAction, symbol: str, strategy: str) -> SignalGenerated:  # type: ignore[no-untyped-def]
    s = Signal(symbol, strategy, action, 0.8, {}, trading.clock.now(), Interval.M1, Decimal("10"))
    return SignalGenerated(time=trading.clock.now(), signal=s)


# --- the setting -------------------------------------------------------------------------


def test_the_setting_is_saved_in_one_form_and_read_back_as_each_symbols_plan() -> None:
    text = parse_value("bot_symbols", " tqqq ,spy:MACD  fast=8 slow=21, qqq:rsi_sr oversold=25.5")
    assert text == "TQQQ, SPY:macd fast=8 slow=21, QQQ:rsi_sr oversold=25.5"
    plan = resolve_settings({"BOT_SYMBOLS": text, "STRATEGY": "rsi", "RSI_PERIOD": "10"}).bot_plan()
    assert [(e.symbol, e.strategy, e.params) for e in plan] == [
        ("TQQQ", StrategyName.RSI, {"period": 10, "oversold": 30.0, "overbought": 70.0}),
        ("SPY", StrategyName.MACD, {"fast": 8, "slow": 21, "signal": 9}),
        ("QQQ", StrategyName.RSI_SR, {"period": 10, "oversold": 25.5, "overbought": 70.0}),
    ]
    assert plan[1].settings.macd_fast == 8 and plan[1].settings.strategy is StrategyName.MACD


def test_empty_means_symbol_with_strategy() -> None:
    plan = Settings().replace(symbol="SPY", strategy=StrategyName.MACD).bot_plan()
    assert [(e.symbol, e.strategy) for e in plan] == [("SPY", StrategyName.MACD)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TQQQ,,SPY", "has an empty entry"),
        ("TQQQ, tqqq:macd", "lists TQQQ twice"),
        ("SPY:momentum", "SPY: the strategy must be one of rsi, rsi_sr, macd, got 'momentum'"),
        ("SPY:macd period=3", "SPY: macd has no parameter period (it has fast, slow, signal)"),
        ("SPY:macd fast=30", "SPY: fast (30) must be below slow (26)"),
        ("SPY:rsi period=1", "SPY: period must be between 2 and 500 bars"),
        ("SPY:rsi period=2.5", "SPY: period must be a whole number, got '2.5'"),
        ("SPY:rsi oversold", "SPY: 'oversold' is not name=value"),
        ("S P Y", "'P' is not name=value"),
        ("$PY", "'$PY' is not a valid symbol"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_setting_and_the_symbol(
    text: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        resolve_settings(environ={"BOT_SYMBOLS": text})
    assert message in caught.value.problems["BOT_SYMBOLS"]


def test_the_total_exposure_limit_is_a_validated_dollar_setting() -> None:
    assert Settings().max_total_exposure == Decimal("1000.00")
    with pytest.raises(SettingsError) as caught:
        resolve_settings(environ={"MAX_TOTAL_EXPOSURE": "0"})
    assert "MAX_TOTAL_EXPOSURE" in caught.value.problems


# --- the strategy engine -----------------------------------------------------------------


async def test_the_engine_runs_each_symbol_with_its_own_parameters_and_follows_changes(
    bus: EventBus, clock: SimulatedClock
) -> None:
    settings = Settings().replace(bot_symbols="TQQQ:rsi period=2, SPY:macd fast=8")
    md = MarketDataService(bus, clock, ManualFeed(), settings, bar_store=None)
    engine = StrategyEngine(bus, clock, md, settings)
    await engine.start()
    try:
        assert engine.enabled_pairs() == [("SPY", "macd"), ("TQQQ", "rsi")]
        engine.enable("QQQ", "rsi")  # a strategy shown on a chart, not the bot's
        slots = engine._slots  # the streaming states' parameters
        assert slots["TQQQ"]["rsi"].strategy.params["period"] == 2
        assert slots["SPY"]["macd"].strategy.params["fast"] == 8
        assert slots["QQQ"]["rsi"].strategy.params["period"] == 14

        engine.update_settings(settings.replace(bot_symbols="SPY:rsi_sr, IWM:macd"))
        assert engine.enabled_pairs() == [("IWM", "macd"), ("QQQ", "rsi"), ("SPY", "rsi_sr")]
    finally:
        await engine.stop()


# --- the bot -----------------------------------------------------------------------------


@pytest.mark.parametrize("trade_settings", [TWO])
async def test_the_bot_trades_each_listed_symbol_on_its_own_strategy(trading) -> None:  # type: ignore[no-untyped-def]
    await trading.quote("50.00", symbol="SPY")
    await trading.bot.set_enabled(True)
    assert trading.bot.symbols == ["TQQQ", "SPY"]
    await trading.bus.publish(signal(trading, SignalAction.BUY, "TQQQ", "rsi"))
    await trading.bus.publish(signal(trading, SignalAction.BUY, "SPY", "rsi"))  # not SPY's
    await trading.bus.publish(signal(trading, SignalAction.BUY, "SPY", "macd"))
    await trading.bus.publish(signal(trading, SignalAction.BUY, "AAPL", "rsi"))  # not listed
    await trading.quote("10.00")
    await trading.quote("50.00", symbol="SPY")
    orders = [e.order for e in trading.of(OrderSubmitted)]
    assert [(o.symbol, o.side) for o in orders] == [("TQQQ", Side.BUY), ("SPY", Side.BUY)]
    # one position per symbol: a second BUY in either is ignored
    await trading.bus.publish(signal(trading, SignalAction.BUY, "SPY", "macd"))
    assert [(d.symbol, d.outcome, d.reason) for d in trading.of(DecisionMade)][-1] == (
        "SPY",
        "ignored",
        "already holding",
    )
    await trading.bus.publish(signal(trading, SignalAction.SELL, "SPY", "macd"))
    await trading.quote("50.00", symbol="SPY")
    assert trading.portfolio.get_position("SPY") is None
    assert trading.portfolio.get_position("TQQQ") is not None


@pytest.mark.parametrize("trade_settings", [TWO])
async def test_the_bot_exits_only_its_symbols_and_follows_a_change_of_symbols(trading) -> None:  # type: ignore[no-untyped-def]
    await trading.quote("50.00", symbol="SPY")
    await trading.quote("50.00", symbol="AAPL")
    await trading.bot.set_enabled(True)
    await trading.bus.publish(signal(trading, SignalAction.BUY, "SPY", "macd"))
    await trading.quote("50.00", symbol="SPY")
    # the user's own AAPL position, bought by hand
    await trading.execution.submit(
        OrderRequest(symbol="AAPL", side=Side.BUY, notional=Decimal("20"),
                     source=OrderSource.MANUAL)
    )  # fmt: skip
    await trading.quote("50.00", symbol="AAPL")
    assert trading.portfolio.get_position("AAPL") is not None

    await trading.quote("49.00", symbol="SPY")  # -2 %: the stop loss of the bot's SPY
    await trading.quote("49.00", symbol="AAPL")  # -2 %: the stop loss of the user's AAPL
    await trading.quote("49.00", symbol="SPY")
    await trading.quote("49.00", symbol="AAPL")
    assert {e.symbol for e in trading.of(StopLossTriggered)} == {"SPY", "AAPL"}
    sells = [e.order for e in trading.of(OrderSubmitted) if e.order.side is Side.SELL]
    assert [(o.symbol, o.request.reason) for o in sells] == [("SPY", "stop loss")]
    assert trading.portfolio.get_position("AAPL") is not None  # the user's: left alone

    trading.bot.update_settings(TWO.replace(bot_symbols="AAPL:rsi"))
    assert trading.bot.symbols == ["AAPL"]
    await trading.bus.publish(signal(trading, SignalAction.SELL, "AAPL", "rsi"))
    await trading.quote("49.00", symbol="AAPL")
    assert trading.portfolio.get_position("AAPL") is None  # now the bot's to sell


# --- backtests: the bars' symbol on STRATEGY, whatever BOT_SYMBOLS lists --------------------


async def test_a_backtest_trades_the_bars_symbol_whatever_bot_symbols_lists() -> None:
    from datetime import UTC, datetime, timedelta

    from app.backtest import run_backtest
    from app.core.events import OrderFilled
    from app.core.models import Bar

    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    closes = [Decimal("20") + Decimal("0.1") * (i % 2) for i in range(16)] + [
        Decimal("19.8") - Decimal("0.3") * i for i in range(8)
    ]  # choppy, then a slide: an RSI BUY, then the stop loss
    bars = [Bar("TQQQ", Interval.M1, start + timedelta(minutes=i), c, c + Decimal("0.1"),
                c - Decimal("0.1"), c, 1000) for i, c in enumerate(closes)]  # fmt: skip

    async def fills(settings: Settings) -> list[tuple[str, Side]]:
        seen: list[OrderFilled] = []
        await run_backtest(
            bars, settings, observe=lambda bus: bus.subscribe(OrderFilled, seen.append)
        )
        return [(e.fill.symbol, e.fill.side) for e in seen]

    plain = await fills(Settings())
    assert plain == [("TQQQ", Side.BUY), ("TQQQ", Side.SELL)]
    assert await fills(Settings().replace(bot_symbols="SPY:macd, QQQ")) == plain

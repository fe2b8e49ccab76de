"""Settings: defaults of the original, precedence of layers, clear messages naming the setting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import DayTradePolicy, Mode, Settings, resolve_settings, setting_specs
from app.core.errors import SettingsError


def test_defaults_are_the_original_env_values() -> None:
    s = Settings()
    assert s.symbol == "TQQQ"
    assert s.max_investment == Decimal("20.00")
    assert s.profit_target_pct == Decimal("1.0")
    assert s.stop_loss_pct == Decimal("-0.5")
    assert s.max_position_value == Decimal("100.00")
    assert s.max_daily_loss == Decimal("50.00")
    assert s.check_interval_seconds == 300
    assert (s.rsi_period, s.rsi_oversold, s.rsi_overbought) == (14, 30, 70)
    assert (s.macd_fast, s.macd_slow, s.macd_signal) == (12, 26, 9)
    assert (s.pdt_tracking_days, s.max_day_trades) == (5, 3)
    assert s.log_level == "INFO"
    assert s.mode is Mode.PAPER
    assert s.day_trade_policy is DayTradePolicy.CLASSIC
    assert not s.confirm_before_sending


def test_precedence_defaults_saved_environment_command_line() -> None:
    s = resolve_settings(
        saved={"RSI_PERIOD": "10", "SYMBOL": "SPY", "MAX_DAY_TRADES": "2"},
        environ={"RSI_PERIOD": "12", "SYMBOL": "QQQ", "HOME": "/root"},
        cli={"SYMBOL": "aapl"},
    )
    assert s.symbol == "AAPL"  # command line wins
    assert s.rsi_period == 12  # environment beats saved
    assert s.max_day_trades == 2  # saved beats default
    assert s.macd_fast == 12  # default


@pytest.mark.parametrize(
    ("layer", "name", "message"),
    [
        ({"RSI_OVERSOLD": "75"}, "RSI_OVERSOLD", "must be below overbought"),
        ({"MACD_FAST": "30"}, "MACD_FAST", "must be below slow"),
        ({"STOP_LOSS_PCT": "0.5"}, "STOP_LOSS_PCT", "must be negative"),
        ({"PROFIT_TARGET_PCT": "-1"}, "PROFIT_TARGET_PCT", "must be positive"),
        ({"MAX_DAILY_LOSS": "0"}, "MAX_DAILY_LOSS", "positive dollar amount"),
        ({"MAX_INVESTMENT": "abc"}, "MAX_INVESTMENT", "must be a number"),
        ({"RSI_PERIOD": "1.5"}, "RSI_PERIOD", "whole number"),
        ({"DAY_TRADE_POLICY": "strict"}, "DAY_TRADE_POLICY", "classic, informational, off"),
        ({"SYMBOL": "12$"}, "SYMBOL", "not a valid symbol"),
        ({"MAX_INVESTMENT": "500"}, "MAX_INVESTMENT", "must not exceed MAX_POSITION_VALUE"),
    ],
)
def test_invalid_values_name_the_setting(layer: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        resolve_settings(environ=layer)
    assert name in caught.value.problems
    assert message in caught.value.problems[name]
    assert name in str(caught.value)


def test_credentials_are_never_settings() -> None:
    with pytest.raises(SettingsError, match="credentials are never settings"):
        resolve_settings(saved={"ROBINHOOD_PASSWORD": "hunter2"})
    # in the environment they are simply not read as settings
    s = resolve_settings(environ={"ROBINHOOD_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(s)
    names = {spec.env for spec in setting_specs()}
    assert not names & {"ROBINHOOD_USERNAME", "ROBINHOOD_PASSWORD", "ROBINHOOD_MFA_CODE"}


def test_unknown_command_line_setting_is_an_error() -> None:
    with pytest.raises(SettingsError, match="NOT_A_SETTING"):
        resolve_settings(cli={"NOT_A_SETTING": "1"})


def test_round_trip_through_strings() -> None:
    s = Settings().replace(rsi_period=21, bot_enabled=True)
    assert resolve_settings(saved=s.as_strings()) == s


@pytest.mark.parametrize(
    ("layer", "name", "message"),
    [
        ({"QUOTE_STALE_SECONDS": "0.000001"}, "QUOTE_STALE_SECONDS", "between 1 and 86400"),
        ({"QUOTE_STALE_SECONDS": "1e9"}, "QUOTE_STALE_SECONDS", "between 1 and 86400"),
        ({"PAPER_STARTING_CASH": "1e30"}, "PAPER_STARTING_CASH", "at most $10,000,000"),
        ({"SIM_START_PRICE": "1e20"}, "SIM_START_PRICE", "between $0.01 and $1,000,000"),
        ({"SIM_START_PRICE": "0.001"}, "SIM_START_PRICE", "between $0.01 and $1,000,000"),
        ({"SIM_SPEED": "0"}, "SIM_SPEED", "must be above 0 and at most 100000"),
        ({"SIM_SPEED": "100001"}, "SIM_SPEED", "must be above 0 and at most 100000"),
        ({"SIM_SPEED": "nan"}, "SIM_SPEED", "finite"),
        ({"CHECK_INTERVAL_SECONDS": "0"}, "CHECK_INTERVAL_SECONDS", "between 1 and 86400"),
        ({"PAPER_LATENCY_MS": "3600000"}, "PAPER_LATENCY_MS", "between 0 and 60000"),
        ({"PAPER_SLIPPAGE_BPS": "1e6"}, "PAPER_SLIPPAGE_BPS", "between 0 and 1000"),
        ({"PROFIT_TARGET_PCT": "1e9"}, "PROFIT_TARGET_PCT", "at most 1000"),
    ],
)
def test_absurd_values_are_refused_with_the_range(
    layer: dict[str, str], name: str, message: str
) -> None:
    """A typo that would stall the loop or overflow the account is refused at start."""
    with pytest.raises(SettingsError) as caught:
        resolve_settings(environ=layer)
    assert message in caught.value.problems[name]


def test_the_edges_of_the_ranges_are_accepted() -> None:
    s = resolve_settings(
        environ={"QUOTE_STALE_SECONDS": "1", "SIM_SPEED": "100000", "SIM_START_PRICE": "0.01",
                 "PAPER_STARTING_CASH": "10000000"}
    )  # fmt: skip
    assert (s.quote_stale_seconds, s.sim_speed) == (1.0, 100_000.0)
    assert s.paper_starting_cash == Decimal("10000000")


@pytest.mark.parametrize("text", ["-3", "0", "nan", "inf", "soon"])
def test_run_for_must_be_a_positive_number_of_seconds(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.__main__ import main

    with pytest.raises(SystemExit) as caught:
        main(["--headless", "--run-for", text])
    assert caught.value.code == 2
    assert "--run-for" in capsys.readouterr().err


def test_robinhood_api_url_allows_plain_http_only_to_loopback() -> None:
    assert resolve_settings().robinhood_api_url == "https://api.robinhood.com"
    local = resolve_settings(environ={"ROBINHOOD_API_URL": "http://127.0.0.1:8123/"})
    assert local.robinhood_api_url == "http://127.0.0.1:8123/"
    with pytest.raises(SettingsError, match="ROBINHOOD_API_URL: plain http is allowed only"):
        resolve_settings(environ={"ROBINHOOD_API_URL": "http://example.com"})
    with pytest.raises(SettingsError, match="ROBINHOOD_API_URL"):
        resolve_settings(environ={"ROBINHOOD_API_URL": "ftp://127.0.0.1"})

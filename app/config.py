"""Settings: one typed, validated object with every setting of the original system.

Names and defaults are those of the original ``.env``; Sherwood's additions
follow. Precedence, lowest first: defaults < values saved in the database <
environment variables of the same names < command-line flags. Every layer
speaks in strings (``{"RSI_PERIOD": "14"}``); :func:`resolve_settings` parses,
validates and names the setting in every message. Credentials are never
settings: ``ROBINHOOD_USERNAME`` / ``ROBINHOOD_PASSWORD`` are refused here.
Nothing is read at import time.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from app.core.errors import SettingsError
from app.core.models import AccountType, Interval, normalize_symbol
from app.core.money import to_decimal

ROBINHOOD_API = "https://api.robinhood.com"


def check_api_url(url: str) -> str:
    """``ROBINHOOD_API_URL`` without a trailing slash; ValueError says what is wrong.

    Plain http is allowed only to a loopback address (a local fake or proxy).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"must be an http(s) address such as {ROBINHOOD_API}, got {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("plain http is allowed only to a loopback address (127.0.0.1)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must not carry a query, fragment or credentials")
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


CREDENTIAL_NAMES = frozenset({"ROBINHOOD_USERNAME", "ROBINHOOD_PASSWORD", "ROBINHOOD_MFA_CODE"})


class Mode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class DayTradePolicy(StrEnum):
    CLASSIC = "classic"  # 3 day trades in 5 sessions under $25,000, margin accounts
    INFORMATIONAL = "informational"  # count and show, never block
    OFF = "off"


class StrategyName(StrEnum):
    RSI = "rsi"
    RSI_SR = "rsi_sr"  # RSI at support/resistance: the original RSI bot
    MACD = "macd"


class Confirm(StrEnum):
    AUTO = "auto"  # on in live mode, off in paper mode
    ON = "on"
    OFF = "off"


class BacktestFill(StrEnum):
    NEXT_OPEN = "next_open"  # an order decided on a bar fills at the next bar's open
    CLOSE = "close"  # ... or at the deciding bar's close


class Theme(StrEnum):
    DARK = "dark"
    LIGHT = "light"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Upper bounds: a value beyond them is a typo that would stall or overflow the app.
MAX_DOLLARS = 10_000_000  # any dollar limit and the paper account's starting cash
MAX_SIM_PRICE = 1_000_000  # the simulated market's starting price
MAX_SIM_SPEED = 100_000  # simulated seconds per wall second
DAY_SECONDS = 86_400  # longest interval: polling, quote staleness


def _setting(default: Any, doc: str, group: str) -> Any:
    return field(default=default, metadata={"doc": doc, "group": group})


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting; attribute names are the lower-case environment names."""

    # --- the original system ---
    symbol: str = _setting(
        "TQQQ",
        "Symbol the chart opens on (and the bot trades, when BOT_SYMBOLS is empty)",
        "Trading",
    )
    watchlist: str = _setting(
        "", "Watchlist symbols in order, comma-separated (empty: SYMBOL)", "Trading"
    )
    max_investment: Decimal = _setting(Decimal("20.00"), "Most dollars one entry may spend", "Risk")
    profit_target_pct: Decimal = _setting(
        Decimal("1.0"), "Exit when the position is up this many percent", "Risk"
    )
    stop_loss_pct: Decimal = _setting(
        Decimal("-0.5"), "Exit when the position is down this many percent (negative)", "Risk"
    )
    max_position_value: Decimal = _setting(
        Decimal("100.00"), "Most dollars held in one symbol", "Risk"
    )
    max_daily_loss: Decimal = _setting(
        Decimal("50.00"), "Loss today (realized + unrealized) that stops new entries", "Risk"
    )
    max_total_exposure: Decimal = _setting(
        Decimal("1000.00"),
        "Most dollars held in all symbols together, open buy orders included",
        "Risk",
    )
    check_interval_seconds: int = _setting(
        300, "Original .env's bar check; unused: live bars come from quotes", "Market data"
    )
    rsi_period: int = _setting(14, "RSI period in bars", "Strategy")
    rsi_oversold: float = _setting(30.0, "RSI at or below this is oversold (BUY)", "Strategy")
    rsi_overbought: float = _setting(70.0, "RSI at or above this is overbought (SELL)", "Strategy")
    macd_fast: int = _setting(12, "MACD fast EMA period", "Strategy")
    macd_slow: int = _setting(26, "MACD slow EMA period", "Strategy")
    macd_signal: int = _setting(9, "MACD signal EMA period", "Strategy")
    pdt_tracking_days: int = _setting(5, "Day-trade window in trading sessions", "Day trades")
    max_day_trades: int = _setting(3, "Most day trades in the window", "Day trades")
    log_level: str = _setting("INFO", "Log level", "General")
    # --- Sherwood's additions ---
    mode: Mode = _setting(Mode.PAPER, "paper (simulated market) or live (Robinhood)", "General")
    strategy: StrategyName = _setting(
        StrategyName.RSI, "Strategy the bot runs (unless BOT_SYMBOLS names one)", "Strategy"
    )
    bot_symbols: str = _setting(
        "",
        "Symbols the bot trades, e.g. TQQQ, SPY:macd fast=8 (empty: SYMBOL)",
        "Strategy",
    )
    bar_interval: Interval = _setting(Interval.M1, "Bar interval the bot trades on", "Strategy")
    bot_enabled: bool = _setting(False, "Start the bot when the app starts", "Strategy")
    day_trade_policy: DayTradePolicy = _setting(
        DayTradePolicy.CLASSIC, "classic (block), informational (warn) or off", "Day trades"
    )
    account_type: AccountType = _setting(
        AccountType.MARGIN, "Paper account type: margin or cash", "Paper trading"
    )
    paper_starting_cash: Decimal = _setting(
        Decimal("1000.00"), "Cash a new paper account starts with", "Paper trading"
    )
    paper_slippage_bps: Decimal = _setting(
        Decimal("0"), "Paper fills this many basis points worse than the quote", "Paper trading"
    )
    paper_latency_ms: int = _setting(
        50, "Simulated broker latency in milliseconds", "Paper trading"
    )
    paper_partial_fills: bool = _setting(
        False, "Paper orders larger than the quoted size fill in parts", "Paper trading"
    )
    backtest_fill: BacktestFill = _setting(
        BacktestFill.NEXT_OPEN,
        "Backtest and replay fills: next_open (the next bar's open) or close (the bar's close)",
        "Backtest",
    )
    backtest_spread: Decimal = _setting(
        Decimal("0.01"), "Bid-ask spread of a replayed bar's quote (ask = bid + spread)", "Backtest"
    )
    sim_seed: int = _setting(42, "Seed of the simulated market", "Simulated market")
    sim_speed: float = _setting(1.0, "Simulated clock speed (1 = real time)", "Simulated market")
    sim_start_price: Decimal = _setting(
        Decimal("50.00"), "Starting price of the simulated market", "Simulated market"
    )
    sim_follow_nyse_sessions: bool = _setting(
        False,
        "Simulated market trades only in NYSE sessions (else around the clock)",
        "Simulated market",
    )
    quote_stale_seconds: float = _setting(
        30.0, "A quote older than this is stale: nothing trades on it", "Market data"
    )
    quote_interval_seconds: float = _setting(
        2.0, "Live: seconds between Robinhood quote polls (at least 1)", "Market data"
    )
    confirm_orders: Confirm = _setting(
        Confirm.AUTO, "Ask before sending an order (auto: live only)", "General"
    )
    theme: Theme = _setting(Theme.DARK, "Colour theme", "General")
    api_enabled: bool = _setting(
        False,
        "Serve the HTTP API on 127.0.0.1 from the next start (scripts, sherwood status)",
        "API",
    )
    api_port: int = _setting(8000, "Port of the HTTP API (0 = any free port)", "API")
    api_cors_origins: str = _setting(
        "", "Browser origins allowed to call the API, comma-separated (none by default)", "API"
    )
    robinhood_api_url: str = _setting(
        ROBINHOOD_API, "Where Robinhood requests go (a local fake or recording proxy)", "Robinhood"
    )
    reconcile_minutes: float = _setting(
        3.0,
        "Minutes between reconciliations with the broker (orders, fills, positions)",
        "Robinhood",
    )

    @property
    def confirm_before_sending(self) -> bool:
        if self.confirm_orders is Confirm.AUTO:
            return self.mode is Mode.LIVE
        return self.confirm_orders is Confirm.ON

    def bot_plan(self) -> tuple[BotSymbol, ...]:
        """What the bot trades: each symbol with its strategy and the settings it runs on."""
        entries = parse_bot_symbols(self.bot_symbols) or [BotEntry(self.symbol)]
        return tuple(entry.resolve(self) for entry in entries)

    @property
    def watchlist_symbols(self) -> tuple[str, ...]:
        """The watchlist in its order (SYMBOL when WATCHLIST is empty)."""
        return parse_symbol_list(self.watchlist) or (self.symbol,)

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes`` (typed values) applied."""
        updated = dataclasses.replace(self, **changes)
        problems = validate(updated)
        if problems:
            raise SettingsError(problems)
        return updated

    def as_strings(self) -> dict[str, str]:
        """Every setting as ``{ENV_NAME: text}``, the form saved in the database."""
        return {env_name(f.name): format_value(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """What a settings form needs to know about one setting."""

    name: str  # attribute name
    env: str  # environment / database name
    type: Any
    default: Any
    doc: str
    group: str

    @property
    def choices(self) -> tuple[str, ...] | None:
        if isinstance(self.type, type) and issubclass(self.type, StrEnum):
            return tuple(member.value for member in self.type)
        if self.name == "log_level":
            return LOG_LEVELS
        return None


def env_name(attribute: str) -> str:
    return attribute.upper()


def _resolved_type(name: str) -> Any:
    return _TYPES[name]


_TYPES: dict[str, Any] = {
    "symbol": str, "watchlist": str, "max_investment": Decimal, "profit_target_pct": Decimal,
    "stop_loss_pct": Decimal, "max_position_value": Decimal, "max_daily_loss": Decimal,
    "max_total_exposure": Decimal, "bot_symbols": str,
    "check_interval_seconds": int, "rsi_period": int, "rsi_oversold": float,
    "rsi_overbought": float, "macd_fast": int, "macd_slow": int, "macd_signal": int,
    "pdt_tracking_days": int, "max_day_trades": int, "log_level": str, "mode": Mode,
    "strategy": StrategyName, "bar_interval": Interval, "bot_enabled": bool,
    "day_trade_policy": DayTradePolicy, "account_type": AccountType,
    "paper_starting_cash": Decimal, "paper_slippage_bps": Decimal, "paper_latency_ms": int,
    "paper_partial_fills": bool, "backtest_fill": BacktestFill, "backtest_spread": Decimal,
    "sim_seed": int, "sim_speed": float,
    "sim_start_price": Decimal, "sim_follow_nyse_sessions": bool,
    "quote_stale_seconds": float, "confirm_orders": Confirm, "theme": Theme,
    "quote_interval_seconds": float,
    "robinhood_api_url": str,
    "reconcile_minutes": float,
    "api_enabled": bool, "api_port": int, "api_cors_origins": str,
}  # fmt: skip


def setting_specs() -> list[SettingSpec]:
    return [
        SettingSpec(
            f.name, env_name(f.name), _resolved_type(f.name), f.default,
            f.metadata["doc"], f.metadata["group"],
        )
        for f in fields(Settings)
    ]  # fmt: skip


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"must be true or false, got {text!r}")


def _parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"must be a whole number, got {text!r}") from None


def _parse_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"must be a finite number, got {text!r}")
    return value


def _parse_enum(kind: type[StrEnum]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text.strip().lower())
        except ValueError:
            options = ", ".join(m.value for m in kind)
            raise ValueError(f"must be one of {options}, got {text!r}") from None

    return parse


def _parser(kind: Any) -> Callable[[str], Any]:
    if kind is bool:
        return _parse_bool
    if kind is int:
        return _parse_int
    if kind is float:
        return _parse_float
    if kind is Decimal:
        return lambda text: to_decimal(text.strip(), "value")
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return _parse_enum(kind)
    return lambda text: text.strip()


def parse_value(name: str, text: str) -> Any:
    """Parse the text of setting ``name`` (attribute name); ValueError says what is wrong."""
    value = _parser(_resolved_type(name))(text)
    if name == "symbol":
        value = normalize_symbol(value)
    if name == "watchlist":
        value = ",".join(parse_symbol_list(value))
    if name == "bot_symbols":
        value = format_bot_symbols(parse_bot_symbols(value))
    if name == "log_level":
        value = value.upper()
        if value not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return value


def validate(s: Settings) -> dict[str, str]:
    """Cross-field and range checks; returns ``{ENV_NAME: message}`` (empty when valid)."""
    problems: dict[str, str] = {}

    def need(ok: bool, name: str, message: str) -> None:
        if not ok and name not in problems:
            problems[name] = message

    for money in ("max_investment", "max_position_value", "max_daily_loss",
                  "max_total_exposure", "paper_starting_cash"):  # fmt: skip
        amount = getattr(s, money)
        need(amount > 0, env_name(money), "must be a positive dollar amount")
        need(amount <= MAX_DOLLARS, env_name(money), f"must be at most ${MAX_DOLLARS:,}")
    need(
        Decimal("0.01") <= s.sim_start_price <= MAX_SIM_PRICE,
        "SIM_START_PRICE",
        f"must be between $0.01 and ${MAX_SIM_PRICE:,}",
    )
    need(s.max_investment >= 1, "MAX_INVESTMENT", "must be at least $1.00 (Robinhood's minimum)")
    need(
        s.max_investment <= s.max_position_value,
        "MAX_INVESTMENT",
        "must not exceed MAX_POSITION_VALUE",
    )
    need(s.profit_target_pct > 0, "PROFIT_TARGET_PCT", "must be positive (e.g. 1.0 for +1 %)")
    need(s.profit_target_pct <= 1000, "PROFIT_TARGET_PCT", "must be at most 1000 %")
    need(s.stop_loss_pct < 0, "STOP_LOSS_PCT", "must be negative (e.g. -0.5 for -0.5 %)")
    need(s.stop_loss_pct > -100, "STOP_LOSS_PCT", "must be above -100 %")
    need(
        1 <= s.check_interval_seconds <= DAY_SECONDS,
        "CHECK_INTERVAL_SECONDS",
        f"must be between 1 and {DAY_SECONDS} seconds",
    )
    need(2 <= s.rsi_period <= 500, "RSI_PERIOD", "must be between 2 and 500 bars")
    need(0 < s.rsi_oversold < 100, "RSI_OVERSOLD", "must be between 0 and 100")
    need(0 < s.rsi_overbought < 100, "RSI_OVERBOUGHT", "must be between 0 and 100")
    need(
        s.rsi_oversold < s.rsi_overbought,
        "RSI_OVERSOLD",
        f"oversold ({s.rsi_oversold:g}) must be below overbought ({s.rsi_overbought:g})",
    )
    for period in ("macd_fast", "macd_slow", "macd_signal"):
        need(1 <= getattr(s, period) <= 500, env_name(period), "must be between 1 and 500 bars")
    need(
        s.macd_fast < s.macd_slow,
        "MACD_FAST",
        f"fast ({s.macd_fast}) must be below slow ({s.macd_slow})",
    )
    need(1 <= s.pdt_tracking_days <= 30, "PDT_TRACKING_DAYS", "must be between 1 and 30 sessions")
    need(0 <= s.max_day_trades <= 100, "MAX_DAY_TRADES", "must be between 0 and 100")
    need(0 <= s.paper_slippage_bps <= 1000, "PAPER_SLIPPAGE_BPS", "must be between 0 and 1000")
    need(0 <= s.paper_latency_ms <= 60_000, "PAPER_LATENCY_MS", "must be between 0 and 60000")
    need(0 <= s.backtest_spread <= 100, "BACKTEST_SPREAD", "must be between $0 and $100")
    need(
        0 < s.sim_speed <= MAX_SIM_SPEED,
        "SIM_SPEED",
        f"must be above 0 and at most {MAX_SIM_SPEED} (1 = real time)",
    )
    need(
        1 <= s.quote_stale_seconds <= DAY_SECONDS,
        "QUOTE_STALE_SECONDS",
        f"must be between 1 and {DAY_SECONDS} seconds",
    )
    need(
        1 <= s.quote_interval_seconds <= 3600,
        "QUOTE_INTERVAL_SECONDS",
        "must be between 1 and 3600 seconds (Robinhood throttles faster polling)",
    )
    need(
        s.mode is not Mode.LIVE or s.quote_interval_seconds < s.quote_stale_seconds,
        "QUOTE_INTERVAL_SECONDS",
        f"must be below QUOTE_STALE_SECONDS ({s.quote_stale_seconds:g} s), or every quote "
        "goes stale before the next poll",
    )
    try:
        check_api_url(s.robinhood_api_url)
    except ValueError as exc:
        need(False, "ROBINHOOD_API_URL", str(exc))
    need(0 <= s.api_port <= 65535, "API_PORT", "must be between 0 (any free port) and 65535")
    try:
        parse_symbol_list(s.watchlist)
    except ValueError as exc:
        need(False, "WATCHLIST", str(exc))
    need(
        0.1 <= s.reconcile_minutes <= 1440,
        "RECONCILE_MINUTES",
        "must be between 0.1 and 1440 minutes (one day)",
    )
    if "BOT_SYMBOLS" not in problems:
        need(not (message := _bot_symbols_problem(s)), "BOT_SYMBOLS", message)
    return problems


# --- BOT_SYMBOLS: the symbols the bot trades, each with its strategy and parameters ---------

# A strategy's parameters in BOT_SYMBOLS and the settings giving their defaults.
STRATEGY_PARAMS: dict[StrategyName, dict[str, str]] = {
    StrategyName.RSI: {"period": "rsi_period", "oversold": "rsi_oversold",
                       "overbought": "rsi_overbought"},
    StrategyName.RSI_SR: {"period": "rsi_period", "oversold": "rsi_oversold",
                          "overbought": "rsi_overbought"},
    StrategyName.MACD: {"fast": "macd_fast", "slow": "macd_slow", "signal": "macd_signal"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BotSymbol:
    """One symbol the bot trades: its strategy, its parameters and the settings it runs on."""

    symbol: str
    strategy: StrategyName
    params: dict[str, float | int]  # every parameter of the strategy, overrides applied
    settings: Settings  # the app's settings with this symbol's strategy and parameters


@dataclass(frozen=True, slots=True)
class BotEntry:
    """One entry of BOT_SYMBOLS as written: a strategy and parameters only where given."""

    symbol: str
    strategy: StrategyName | None = None  # None: the STRATEGY setting
    params: tuple[tuple[str, float | int], ...] = ()  # overrides of the strategy's settings

    def resolve(self, settings: Settings) -> BotSymbol:
        strategy = self.strategy or settings.strategy
        names = STRATEGY_PARAMS[strategy]
        unknown = [name for name, _ in self.params if name not in names]
        if unknown:
            raise ValueError(
                f"{self.symbol}: {strategy.value} has no parameter {unknown[0]} "
                f"(it has {', '.join(names)})"
            )
        changes: dict[str, Any] = {names[name]: value for name, value in self.params}
        own = dataclasses.replace(settings, strategy=strategy, bot_symbols="", **changes)
        params = {name: getattr(own, attribute) for name, attribute in names.items()}
        return BotSymbol(self.symbol, strategy, params, own)

    def text(self) -> str:
        head = f"{self.symbol}:{self.strategy.value}" if self.strategy else self.symbol
        return " ".join([head, *(f"{name}={value:g}" for name, value in self.params)])


def parse_bot_symbols(text: str) -> list[BotEntry]:
    """The entries of a BOT_SYMBOLS text; ValueError names the entry that is wrong."""
    entries: list[BotEntry] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            if part.strip() or text.strip():
                raise ValueError("has an empty entry (two commas in a row?)")
            continue
        symbol_text, _, strategy_text = words[0].partition(":")
        try:
            symbol = normalize_symbol(symbol_text)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        if any(e.symbol == symbol for e in entries):
            raise ValueError(f"lists {symbol} twice (one strategy per symbol)")
        try:
            strategy = _parse_enum(StrategyName)(strategy_text) if strategy_text else None
        except ValueError as exc:
            raise ValueError(f"{symbol}: the strategy {exc}") from None
        params: dict[str, float | int] = {}
        for word in words[1:]:
            name, equals, value = word.partition("=")
            if not equals or not name or not value:
                raise ValueError(f"{symbol}: {word!r} is not name=value (e.g. period=14)")
            params[name.lower()] = _parse_param(symbol, name.lower(), value)
        entries.append(BotEntry(symbol, strategy, tuple(params.items())))
    return entries


def _parse_param(symbol: str, name: str, text: str) -> float | int:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{symbol}: {name} must be a number, got {text!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{symbol}: {name} must be a finite number, got {text!r}")
    whole = name in ("period", "fast", "slow", "signal")
    if whole and number != int(number):
        raise ValueError(f"{symbol}: {name} must be a whole number, got {text!r}")
    return int(number) if whole else number


def format_bot_symbols(entries: list[BotEntry]) -> str:
    """The BOT_SYMBOLS text of ``entries`` (the form it is saved in)."""
    return ", ".join(entry.text() for entry in entries)


def _bot_symbols_problem(s: Settings) -> str:
    """What is wrong with BOT_SYMBOLS given the other settings ("" when nothing)."""
    if not s.bot_symbols:
        return ""  # SYMBOL with STRATEGY: checked with the other settings
    try:
        plan = s.bot_plan()
    except ValueError as exc:
        return str(exc)
    for entry in plan:
        names = {env_name(attribute): name
                 for name, attribute in STRATEGY_PARAMS[entry.strategy].items()}  # fmt: skip
        for env, message in validate(entry.settings).items():
            if env in names:
                said = message if message.startswith(names[env]) else f"{names[env]} {message}"
                return f"{entry.symbol}: {said}"
    return ""


def parse_symbol_list(text: str) -> tuple[str, ...]:
    """Comma-separated symbols, normalized, duplicates dropped, order kept (WATCHLIST)."""
    found: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            found[normalize_symbol(part)] = None
    return tuple(found)


def resolve_settings(
    saved: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    cli: Mapping[str, str] | None = None,
) -> Settings:
    """Layer defaults < saved < environment < command line, parse and validate.

    Unknown names in ``saved`` and ``environ`` are ignored (the environment
    holds far more than our settings); unknown names from the command line and
    credential names anywhere are errors.
    """
    known = {env_name(f.name): f.name for f in fields(Settings)}
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for layer_name, layer in (("saved", saved), ("environment", environ), ("command line", cli)):
        for key, text in (layer or {}).items():
            upper = key.upper()
            if upper in CREDENTIAL_NAMES:
                if layer_name != "environment":
                    problems[upper] = "credentials are never settings; log in from the app"
                continue
            if upper not in known:
                if layer_name == "command line":
                    problems[upper] = "is not a setting"
                continue
            try:
                values[known[upper]] = parse_value(known[upper], str(text))
                problems.pop(upper, None)
            except ValueError as exc:
                problems[upper] = f"{exc} (from {layer_name})"
    if problems:
        raise SettingsError(problems)
    settings = Settings(**values)
    problems = validate(settings)
    if problems:
        raise SettingsError(problems)
    return settings

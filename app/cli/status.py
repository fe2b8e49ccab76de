"""``sherwood status [--mode paper|live]``: the session and the account, for a terminal.

Live: the session state and expiry, then Robinhood's account (number masked,
cash or margin), cash, buying power, equity, positions and day trades
(Sherwood's count beside Robinhood's), read through the gateway; exit 4
when not logged in. Paper: the paper account from the paper database, opened
read-only so a running app is not disturbed.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from app import calendar
from app.cli import exits, via_api
from app.cli.robinhood_session import (
    SettingsError,
    add_data_dir,
    complain,
    gateway_for,
    prepare,
    say,
)
from app.config import Mode, Settings
from app.core.errors import AuthenticationRequired, BrokerError
from app.gateway.account import LiveAccount, fetch_account
from app.gateway.service import GatewayService
from app.storage.db import database_path

PROG = "sherwood status"


def dollars(value: Decimal | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def shares(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def in_time(until: datetime, now: datetime) -> str:
    seconds = max(0, int((until - now).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m"


def read_only(path: Path) -> sqlite3.Connection:
    """The database opened read-only (a running app keeps writing; WAL lets us read)."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)


def our_day_trades(folder: Path, mode: str, settings: Settings, now: datetime) -> int | None:
    """Sherwood's day trades in the tracking window from the mode's database (None: no database)."""
    path = database_path(folder, mode)
    if not path.exists():
        return None
    days = calendar.trading_days_back(calendar.trade_date(now), settings.pdt_tracking_days)
    first = min(days).isoformat()
    with read_only(path) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM day_trade_row WHERE trade_date >= ?", (first,)
        ).fetchone()
    return int(row[0])


def print_live(account: LiveAccount, ours: int | None, window: int) -> None:
    say(f"Account: {account.masked_number} ({account.account_type})")
    say(
        f"Cash: {dollars(account.cash)}   Buying power: {dollars(account.buying_power)}   "
        f"Unsettled: {dollars(account.unsettled_funds)}"
    )
    say(
        f"Equity: {dollars(account.equity)} "
        f"(previous close {dollars(account.equity_previous_close)})"
    )
    if account.positions:
        say("Positions:")
        for p in account.positions:
            say(f"  {p.symbol:<6} {shares(p.quantity):>12} @ {dollars(p.average_price)}")
    else:
        say("Positions: none")
    sherwood = "no live database yet" if ours is None else str(ours)
    say(f"Day trades (last {window} sessions): Robinhood {account.day_trades}, Sherwood {sherwood}")


async def live_status(gateway: GatewayService, folder: Path, settings: Settings) -> int:
    await gateway.start()
    try:
        if not gateway.has_session:
            detail = gateway.status.detail
            complain(PROG, "not logged in to Robinhood; run `sherwood login`"
                     + (f" ({detail})" if detail else ""))  # fmt: skip
            return exits.NOT_LOGGED_IN
        try:
            account = await gateway.authorized(fetch_account, gateway.client)
        except AuthenticationRequired as exc:
            complain(PROG, str(exc))
            return exits.NOT_LOGGED_IN
        except BrokerError as exc:
            complain(PROG, f"Robinhood: {exc}")
            return exits.USAGE
        status = gateway.status
    finally:
        await gateway.stop()
    now = datetime.now(UTC)
    expiry = ""
    if status.expires_at is not None:
        when = status.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        expiry = f", token valid until {when} (in {in_time(status.expires_at, now)}; renews itself)"
    say(f"Robinhood session: {status.state.value} as {status.username}{expiry}")
    print_live(account, our_day_trades(folder, "live", settings, now), settings.pdt_tracking_days)
    return exits.OK


def paper_status(folder: Path, settings: Settings) -> int:
    path = database_path(folder, "paper")
    if not path.exists():
        say(f"Paper account: none yet (no database in {folder}); run `sherwood` once")
        return exits.OK
    try:
        with read_only(path) as conn:
            acct = conn.execute(
                "SELECT account_type, cash, starting_cash FROM paper_account_row LIMIT 1"
            ).fetchone()
            positions = conn.execute(
                "SELECT symbol, quantity, average_cost FROM paper_position_row ORDER BY symbol"
            ).fetchall()
            open_orders = conn.execute(
                "SELECT COUNT(*) FROM order_row WHERE status IN "
                "('new', 'submitted', 'accepted', 'partially_filled', 'cancel_pending')"
            ).fetchone()[0]
    except sqlite3.OperationalError as exc:
        complain(PROG, f"the paper database cannot be read now ({exc}); is the app upgrading it?")
        return exits.USAGE
    if acct is None:
        say("Paper account: not opened yet; run `sherwood` once")
        return exits.OK
    kind, cash, starting = acct[0], Decimal(acct[1]), Decimal(acct[2])
    held = [(s, Decimal(q), Decimal(c)) for s, q, c in positions if Decimal(q) != 0]
    at_cost = cash + sum((q * c for _, q, c in held), Decimal(0))
    say(f"Paper account ({kind}), database {path}")
    say(f"Cash: {dollars(cash)}   Started with: {dollars(starting)}")
    say(f"Equity at cost: {dollars(at_cost)}   Open orders: {open_orders}")
    if held:
        say("Positions:")
        for symbol, quantity, cost in held:
            say(f"  {symbol:<6} {shares(quantity):>12} @ {dollars(cost)}")
    else:
        say("Positions: none")
    ours = our_day_trades(folder, "paper", settings, datetime.now(UTC))
    say(f"Day trades (last {settings.pdt_tracking_days} sessions): {ours or 0}")
    return exits.OK


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Session and account status.")
    parser.add_argument("--mode", choices=[m.value for m in Mode], help="paper or live")
    add_data_dir(parser)
    args = parser.parse_args(list(argv))
    try:
        folder, settings = prepare(args.data_dir)
    except SettingsError as exc:
        complain(PROG, str(exc))
        return exits.USAGE
    client = via_api.running(folder) if args.mode is None else None
    if client is not None:  # a Sherwood runs on this folder: ask it
        return via_api.status(client, PROG)
    mode = Mode(args.mode) if args.mode else settings.mode
    if mode is Mode.PAPER:
        return paper_status(folder, settings)
    return asyncio.run(live_status(gateway_for(settings), folder, settings))

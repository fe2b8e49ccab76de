"""``sherwood buy|sell SYMBOL (--shares N | --dollars D) [--limit PRICE] [--extended-hours]
[--mode paper|live] [--yes] [--wait SECONDS] [--data-dir DIR]``: one order from a terminal.

The order takes the same way as a click in the window: the app is built by
the composition root on the mode's database, and the order goes through the
execution service (risk, compliance, the journal row, the broker). The
command waits for the order's final state (at most ``--wait`` seconds) and
prints the client order id, the state, the filled quantity and the average
price. Exit codes: 0 accepted or filled; 3 denied, rejected, cancelled or
unconfirmed (with the reason); 4 not logged in (live); 2 bad usage, or a
Sherwood already running on that database without its API (with ``--api`` the
order goes through the running app: :mod:`app.cli.via_api`).

In live mode the order is confirmed on the terminal unless ``--yes`` is
given; without a terminal it is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app import paths
from app.cli import exits, via_api
from app.composition import AppContext, build_app
from app.config import Mode, Settings, resolve_settings
from app.core.errors import (
    AuthenticationRequired,
    InvalidOrder,
    SettingsError,
)
from app.core.models import Order, OrderStatus, OrderType, Side, describe
from app.logging_setup import setup_logging
from app.storage.db import DatabaseInUse, database_path
from app.storage.mode_choice import saved_settings

QUOTE_WAIT_SECONDS = 15.0  # for the symbol's first quote before a market order is checked
POLL_SECONDS = 0.05
DONE_OK = {OrderStatus.FILLED, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED}


def amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def seconds(text: str) -> float:
    return float(amount(text))


def build_parser(side: Side) -> argparse.ArgumentParser:
    verb = side.value
    parser = argparse.ArgumentParser(
        prog=f"sherwood {verb}",
        description=f"{verb.capitalize()} one order through Sherwood's checks and journal.",
    )
    parser.add_argument("symbol", help="ticker, e.g. TQQQ")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--shares", type=amount, metavar="N", help="number of shares")
    size.add_argument("--dollars", type=amount, metavar="D", help="amount in dollars")
    parser.add_argument("--limit", type=amount, metavar="PRICE", help="limit price")
    parser.add_argument("--extended-hours", action="store_true",
                        help="may trade in extended hours (whole-share limit orders)")  # fmt: skip
    parser.add_argument("--mode", choices=[m.value for m in Mode], help="paper or live")
    parser.add_argument("--yes", action="store_true", help="no confirmation (live mode)")
    parser.add_argument("--wait", type=seconds, default=30.0, metavar="SECONDS",
                        help="longest wait for the final state (default 30)")  # fmt: skip
    parser.add_argument("--data-dir", metavar="DIR", help="folder for the database and logs")
    return parser


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def complain(prog: str, text: str) -> None:
    sys.stderr.write(f"{prog}: {text}\n")
    sys.stderr.flush()


def load_settings(folder: Path, mode: str | None) -> Settings:
    """Defaults < the mode's saved settings < environment < ``--mode``.

    The mode is ``--mode`` or ``MODE`` in the environment, else paper: the window's
    remembered mode never makes a command line order a live one.
    """
    cli = {"MODE": mode} if mode else {}
    chosen = resolve_settings(None, os.environ, cli).mode
    saved = saved_settings(database_path(folder, chosen.value))
    saved.pop("MODE", None)
    return resolve_settings(saved, os.environ, cli)


def confirmed(prog: str, text: str) -> bool:
    """Ask on the terminal; False (refused) when there is none or the answer is not yes."""
    if not sys.stdin.isatty():
        complain(prog, "live orders need a confirmation: run it in a terminal or pass --yes")
        return False
    sys.stderr.write(f"{text}\nSend this order to Robinhood? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def shares_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def report(order: Order) -> int:
    say(f"client order id: {order.client_order_id}")
    say(f"state: {order.status.value}" + (f" ({order.reason})" if order.reason else ""))
    average = "n/a" if order.average_fill_price is None else f"${order.average_fill_price:,.4f}"
    say(f"filled: {shares_text(order.filled_quantity)} shares, average price {average}")
    return exits.OK if order.status in DONE_OK else exits.REFUSED


async def wait_for_quote(ctx: AppContext, symbol: str) -> None:
    await ctx.market_data.watch(symbol)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + QUOTE_WAIT_SECONDS
    while ctx.market_data.latest_quote(symbol) is None and loop.time() < deadline:
        await asyncio.sleep(POLL_SECONDS)


async def wait_for_end(ctx: AppContext, order: Order, wait: float) -> Order:
    """The order once it is final, or as it stands after ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    current = order
    while loop.time() < deadline:
        current = ctx.execution.get_order(order.client_order_id) or current
        if current.status.is_terminal:
            break
        await asyncio.sleep(POLL_SECONDS)
    return current


async def place(ctx: AppContext, args: argparse.Namespace, side: Side) -> Order:
    symbol = args.symbol.strip().upper()
    await wait_for_quote(ctx, symbol)
    kind = OrderType.LIMIT if args.limit is not None else OrderType.MARKET
    order = await ctx.execution.place(
        symbol, side, quantity=args.shares, notional=args.dollars, order_type=kind,
        limit_price=args.limit, extended_hours=args.extended_hours,
    )  # fmt: skip
    if order.status.is_terminal:
        return order
    return await wait_for_end(ctx, order, args.wait)


async def run(ctx: AppContext, args: argparse.Namespace, side: Side) -> Order:
    await ctx.start()
    try:
        if ctx.gateway is not None and not ctx.gateway.has_session:
            detail = ctx.gateway.status.detail
            raise AuthenticationRequired(
                "not logged in to Robinhood" + (f" ({detail})" if detail else "")
            )
        return await place(ctx, args, side)
    finally:
        await ctx.stop()


def main_for(side: Side, argv: Sequence[str]) -> int:
    parser = build_parser(side)
    args = parser.parse_args(list(argv))
    prog = parser.prog
    if args.extended_hours and args.limit is None:
        complain(prog, "--extended-hours needs --limit (extended hours take limit orders only)")
        return exits.USAGE
    folder = paths.data_dir(args.data_dir)
    try:
        settings = load_settings(folder, args.mode)
    except SettingsError as exc:
        complain(prog, str(exc))
        return exits.USAGE
    if settings.mode is Mode.LIVE and not args.yes:
        size = f"{args.shares} shares" if args.shares is not None else f"${args.dollars}"
        price = f"limit ${args.limit}" if args.limit is not None else "market"
        text = f"LIVE: {side.value.upper()} {size} of {args.symbol.upper()} at {price}"
        if not confirmed(prog, text):
            complain(prog, "not confirmed; no order sent")
            return exits.REFUSED
    setup_logging(folder, settings.log_level, console=False)  # the log file, not the terminal
    try:
        ctx = build_app(settings, data_dir=folder)
    except DatabaseInUse as exc:
        client = via_api.running(folder)
        if client is not None:  # that Sherwood serves its API: the order goes through it
            return via_api.order(
                client, side.value, args.symbol, quantity=args.shares, dollars=args.dollars,
                limit_price=args.limit, extended_hours=args.extended_hours, wait=args.wait,
                prog=prog,
            )  # fmt: skip
        complain(prog, f"{exc}; close that Sherwood first, or start it with --api so that "
                       "orders from here go through it")  # fmt: skip
        return exits.USAGE
    try:
        order = asyncio.run(run(ctx, args, side))
    except AuthenticationRequired as exc:
        complain(prog, f"{exc}; run `sherwood login`")
        return exits.NOT_LOGGED_IN
    except InvalidOrder as exc:
        complain(prog, str(exc))
        return exits.USAGE
    code = report(order)
    if code != exits.OK:
        complain(prog, f"{describe(order)}: {order.status.value}"
                       + (f": {order.reason}" if order.reason else ""))  # fmt: skip
    return code


def main(argv: Sequence[str]) -> int:
    """``sherwood buy``."""
    return main_for(Side.BUY, argv)


def sell_main(argv: Sequence[str]) -> int:
    """``sherwood sell``."""
    return main_for(Side.SELL, argv)

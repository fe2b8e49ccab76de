"""The command line through a running Sherwood's API: ``status``, ``buy``/``sell``, ``login``,
``logout``.

While a terminal (or ``--headless --api``) runs on the data folder, the
one-instance guard keeps other processes off its database; these commands
then ask the running app instead (found through ``api.json``, see
:mod:`app.api.client`), so an order goes through that app's risk, compliance
and journal and shows in its window. Each function prints what the user
needs and returns the exit code of :mod:`app.cli.exits`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.api.client import Answer, ApiClient, ApiUnreachable, find_running
from app.cli import exits

OPEN = ("new", "submitted", "accepted", "partially_filled", "cancel_pending")


def running(data_dir: Path) -> ApiClient | None:
    """The running Sherwood's API on ``data_dir``, or None (then the command works alone)."""
    return find_running(data_dir)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _complain(prog: str, text: str) -> None:
    sys.stderr.write(f"{prog}: {text}\n")
    sys.stderr.flush()


def exit_code(answer: Answer) -> int:
    """The exit code an API answer stands for."""
    if answer.ok:
        return exits.OK
    if answer.status == 409:
        return exits.REFUSED
    if isinstance(answer.body, dict) and answer.body.get("error") == "not_logged_in":
        return exits.NOT_LOGGED_IN
    return exits.USAGE


def _shares(text: Any) -> str:
    value = Decimal(str(text))
    plain = f"{value:f}"
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def status(client: ApiClient, prog: str = "sherwood status") -> int:
    """Print the running app's health, session, day trades, positions and open orders."""
    try:
        answers = client.status()
    except ApiUnreachable as exc:
        _complain(prog, str(exc))
        return exits.USAGE
    health = answers["health"]
    if not health.ok:
        _complain(prog, f"the running Sherwood answered {health.status}: {health.reason}")
        return exit_code(health)
    h = health.body
    _say(f"Sherwood is running at {client.url}: {h['mode']} mode, {h['status']}, "
         f"trading {h['trading_state']}")  # fmt: skip
    session = answers["session"]
    if session.ok:
        who = f" as {session.body['username']}" if session.body.get("username") else ""
        _say(f"Robinhood session: {session.body['state']}{who}")
    pdt = answers["pdt"].body
    if answers["pdt"].ok:
        _say(f"Day trades (last {pdt['window_days']} sessions): {pdt['used']} of {pdt['limit']}")
    positions = answers["positions"].body.get("positions", []) if answers["positions"].ok else []
    if positions:
        _say("Positions:")
        for p in positions:
            last = f", last ${p['last_price']}" if p.get("last_price") else ""
            _say(f"  {p['symbol']:<6} {_shares(p['quantity']):>12} @ ${p['average_cost']}{last}")
    else:
        _say("Positions: none")
    orders = answers["orders"].body.get("orders", []) if answers["orders"].ok else []
    _say(f"Open orders: {len(orders)}")
    for o in orders:
        amount = f"${o['dollars']}" if o.get("dollars") else _shares(o["quantity"])
        _say(f"  {o['side'].upper()} {amount} {o['symbol']} {o['status']} ({o['order_id']})")
    return exits.OK


FINAL_OK = ("filled", "accepted", "partially_filled")
POLL_SECONDS = 0.05


def order(
    client: ApiClient,
    side: str,
    symbol: str,
    *,
    quantity: Decimal | None = None,
    dollars: Decimal | None = None,
    limit_price: Decimal | None = None,
    extended_hours: bool = False,
    wait: float = 30.0,
    prog: str = "sherwood",
) -> int:
    """Place an order through the running app, wait (at most ``wait`` s) for its final state
    and print it as ``sherwood buy|sell`` does: id, state (with the reason), filled, average."""
    try:
        answer = client.order(
            side, symbol, quantity=quantity, dollars=dollars, limit_price=limit_price,
            extended_hours=extended_hours,
        )  # fmt: skip
        if not isinstance(answer.body, dict) or "order" not in answer.body:
            _complain(prog, answer.reason or f"the running Sherwood answered {answer.status}")
            return exit_code(answer)
        placed = answer.body["order"]
        deadline = time.monotonic() + wait
        while placed["status"] in OPEN and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            now = client.call("GET", f"/orders/{placed['order_id']}")
            if now.ok:
                placed = now.body["order"]
    except ApiUnreachable as exc:
        _complain(prog, str(exc))
        return exits.USAGE
    _say(f"client order id: {placed['order_id']} (through the running Sherwood at {client.url})")
    reason = f" ({placed['reason']})" if placed.get("reason") else ""
    _say(f"state: {placed['status']}{reason}")
    average = placed.get("average_fill_price")
    _say(f"filled: {_shares(placed['filled_quantity'])} shares, average price "
         + (f"${Decimal(average):,.4f}" if average else "n/a"))  # fmt: skip
    if placed["status"] in FINAL_OK:
        return exits.OK
    _complain(prog, answer.reason or f"{placed['status']}")
    return exits.REFUSED


CODE_CHALLENGES = ("totp", "sms", "email")


def login(
    client: ApiClient,
    username: str,
    password: str,
    mfa_code: str | None,
    read_code: Callable[[str], str | None],
    prog: str = "sherwood login",
) -> int | None:
    """Log the running app in to Robinhood; None when it has no Robinhood session (paper).

    The login request stays open while Robinhood challenges it; meanwhile the
    session's state is polled and a code challenge is answered with
    ``read_code(message)`` through ``POST /auth/code``.
    """
    try:
        if client.call("GET", "/auth/status").status == 503:
            return None
        body = {"username": username, "password": password, "mfa_code": mfa_code}
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(client.call, "POST", "/auth/login", body)
            answered: set[str] = set()
            while not pending.done():
                time.sleep(POLL_SECONDS * 4)
                status = client.call("GET", "/auth/status").body or {}
                if status.get("state") != "challenge" or str(status.get("deadline")) in answered:
                    continue
                answered.add(str(status.get("deadline")))
                message = str(status.get("detail") or "the code")
                if status.get("challenge") in CODE_CHALLENGES:
                    code = read_code(f"{message[0].upper()}{message[1:]}: ")
                    if code:
                        client.call("POST", "/auth/code", {"code": code})
                else:
                    _say(f"{message[0].upper()}{message[1:]} (waiting)...")
            answer = pending.result()
    except ApiUnreachable as exc:
        _complain(prog, str(exc))
        return exits.USAGE
    if answer.ok:
        _say(f"Logged in to Robinhood as {answer.body.get('username')} in the running Sherwood "
             f"({client.url}); it keeps and renews the session")  # fmt: skip
        return exits.OK
    _complain(prog, answer.reason)
    if isinstance(answer.body, dict) and answer.body.get("error") in ("login_failed",
                                                                      "rate_limited"):  # fmt: skip
        return exits.REFUSED
    return exits.USAGE


def logout(client: ApiClient, prog: str = "sherwood logout") -> int | None:
    """Log the running app out of Robinhood; None when it has no Robinhood session to end."""
    try:
        answer = client.call("POST", "/auth/logout")
    except ApiUnreachable as exc:
        _complain(prog, str(exc))
        return exits.USAGE
    if answer.status == 503:
        return None
    if answer.ok:
        unrevoked = "" if answer.body.get("revoked") else "; Robinhood was not reached to revoke it"
        _say(f"Logged out through the running Sherwood{unrevoked}")
    else:
        _complain(prog, answer.reason)
    return exit_code(answer)

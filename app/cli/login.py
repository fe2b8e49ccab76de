"""``sherwood login``: log in to Robinhood and keep the session in the OS keyring.

Asks on the terminal for what it needs; with ``--password-stdin`` the
password is the first line of standard input and an SMS or e-mail code, if
Robinhood asks for one, the next line. ``--mfa-code`` answers a TOTP
(authenticator app) request. For an approval on the phone it waits at most
5 minutes; Ctrl+C cancels. Exit 0 once the session is stored; 2 bad usage,
no keyring or Robinhood unreachable; 3 refused (wrong credentials, challenge
failed, cancelled, throttled).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TextIO

from app.cli import exits, via_api
from app.cli.robinhood_session import (
    SettingsError,
    add_data_dir,
    complain,
    gateway_for,
    prepare,
    say,
)
from app.core.bus import EventBus
from app.core.errors import BrokerUnavailable, RateLimited
from app.gateway.errors import LoginFailed
from app.gateway.events import ChallengeIssued
from app.gateway.service import GatewayService
from app.gateway.state import ChallengeKind

PROG = "sherwood login"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Log in to Robinhood.")
    parser.add_argument("--username", help="Robinhood username (e-mail)")
    parser.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input (a code from the next)",
    )  # fmt: skip
    parser.add_argument("--mfa-code", metavar="CODE", help="code from your authenticator app")
    add_data_dir(parser)
    return parser


def read_line(stream: TextIO) -> str | None:
    """One line without its line break; None at end of input."""
    line = stream.readline()
    return None if line == "" else line.rstrip("\r\n")


class CodeReader:
    """Answers the gateway's challenges from the terminal or standard input.

    Reading blocks, so it happens on a daemon thread (Ctrl+C and the
    gateway's own deadline still work); the answer comes back on the loop.
    """

    def __init__(self, gateway: GatewayService, read: Callable[[str], str | None]) -> None:
        self.gateway = gateway
        self.read = read
        self.loop = asyncio.get_running_loop()

    def on_challenge(self, event: ChallengeIssued) -> None:
        kind = event.status.challenge
        if kind is ChallengeKind.PROMPT:
            minutes = self.gateway.timings.prompt_timeout / 60
            say(
                "Approve this login in the Robinhood app on your phone "
                f"(waiting up to {minutes:g} minutes; Ctrl+C cancels)..."
            )
            return
        threading.Thread(target=self._ask, args=(event.message,), daemon=True).start()

    def _ask(self, message: str) -> None:
        code = self.read(f"{message[0].upper()}{message[1:]}: ")
        self.loop.call_soon_threadsafe(self._answer, code)

    def _answer(self, code: str | None) -> None:
        if code is None or not code.strip():
            self.gateway.cancel_login()
        else:
            self.gateway.submit_code(code)


def terminal_reader(prompt: str) -> str | None:
    """Ask on standard error, read the next line of standard input."""
    sys.stderr.write(prompt + ("" if sys.stdin.isatty() else "\n"))
    sys.stderr.flush()
    return read_line(sys.stdin)


async def run_login(
    args: argparse.Namespace, gateway: GatewayService, bus: EventBus, password: str
) -> int:
    reader = CodeReader(gateway, terminal_reader)
    bus.subscribe(ChallengeIssued, reader.on_challenge)
    await gateway.start()
    if gateway.logged_in:
        current = gateway.status.username
        await gateway.stop()
        if current == args.username:
            say(f"Already logged in to Robinhood as {current}.")
            return exits.OK
        complain(PROG, f"logged in as {current}; run `sherwood logout` first")
        return exits.REFUSED
    try:
        status = await gateway.login(args.username, password, args.mfa_code)
    except LoginFailed as exc:
        complain(PROG, str(exc))
        return exits.REFUSED
    except RateLimited as exc:
        complain(PROG, str(exc))
        return exits.REFUSED
    except BrokerUnavailable as exc:
        complain(PROG, str(exc))
        return exits.USAGE
    finally:
        await gateway.stop()
    expires = status.expires_at.strftime("%Y-%m-%d %H:%M UTC") if status.expires_at else "?"
    say(
        f"Logged in to Robinhood as {status.username}; the session is stored in the keyring "
        f"({gateway.store.backend_name}) and renews itself (token valid until {expires})."
    )
    return exits.OK


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        folder, settings = prepare(args.data_dir)
    except SettingsError as exc:
        complain(PROG, str(exc))
        return exits.USAGE
    bus = EventBus()
    gateway = gateway_for(settings, bus)
    if not gateway.store.persistent:
        complain(PROG, gateway.store.problem + " `sherwood login` has nothing to store it in.")
        return exits.USAGE
    interactive = sys.stdin.isatty() and not args.password_stdin
    if not args.username:
        if not interactive:
            complain(PROG, "give --username (standard input is not a terminal)")
            return exits.USAGE
        args.username = input("Robinhood username: ").strip()
    if args.password_stdin:
        password = read_line(sys.stdin) or ""
    elif interactive:
        password = getpass.getpass("Robinhood password: ")
    else:
        complain(PROG, "give --password-stdin (standard input is not a terminal)")
        return exits.USAGE
    if not password:
        complain(PROG, "no password given")
        return exits.USAGE
    client = via_api.running(folder)
    if client is not None:  # a Sherwood runs on this folder: it logs in and keeps the session
        code = via_api.login(client, args.username, password, args.mfa_code, terminal_reader, PROG)
        if code is not None:
            return code
    try:
        return asyncio.run(run_login(args, gateway, bus, password))
    except KeyboardInterrupt:
        complain(PROG, "login cancelled")
        return exits.REFUSED

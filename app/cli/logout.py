"""``sherwood logout``: revoke the Robinhood session (``/oauth2/revoke_token/``) and delete
it from the keyring. Exit 0 when logged out, 4 when there was no session."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from app.cli import exits, via_api
from app.cli.robinhood_session import (
    SettingsError,
    add_data_dir,
    complain,
    gateway_for,
    prepare,
    say,
)
from app.gateway.service import GatewayService

PROG = "sherwood logout"


async def run_logout(gateway: GatewayService) -> int:
    await gateway.start()
    try:
        if not gateway.has_session:
            complain(PROG, "not logged in to Robinhood")
            return exits.NOT_LOGGED_IN
        revoked = await gateway.logout()
    finally:
        await gateway.stop()
    if revoked:
        say("Logged out: Robinhood revoked the session and it was deleted from the keyring.")
    else:
        say(
            "Logged out here (deleted from the keyring); Robinhood could not be reached to "
            "revoke the session, which ends when it expires."
        )
    return exits.OK


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Log out of Robinhood.")
    add_data_dir(parser)
    args = parser.parse_args(list(argv))
    try:
        folder, settings = prepare(args.data_dir)
    except SettingsError as exc:
        complain(PROG, str(exc))
        return exits.USAGE
    client = via_api.running(folder)
    if client is not None:  # a Sherwood runs on this folder: its session ends there
        code = via_api.logout(client, PROG)
        if code is not None:
            return code
    return asyncio.run(run_logout(gateway_for(settings)))

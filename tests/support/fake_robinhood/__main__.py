"""Run the fake from a shell: ``PYTHONPATH=tests/support python -m fake_robinhood``.

Users: ``alice`` / ``hunter2`` with a TOTP code (123456), ``bob`` / ``hunter2``
approving a phone prompt after 2 polls, ``carol`` / ``hunter2`` with an SMS
code (123456), ``dave`` / ``hunter2`` with no challenge. Prints the URL on the
first line, then serves until killed. Control, for scripts:
``POST /__fake__/expire_tokens`` (every access token expires now),
``POST /__fake__/throttle`` (the next login is answered 429),
``GET /__fake__/live_tokens`` (how many access tokens still work).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from fake_robinhood.fake import FakeRobinhood
from fake_robinhood.server import Answer, Request


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_robinhood")
    parser.add_argument("--prompt-polls", type=int, default=2, help="polls before approval")
    args = parser.parse_args()
    fake = FakeRobinhood()
    fake.add_user("alice", "hunter2", mfa="totp")
    fake.add_user("bob", "hunter2", verification="prompt", approve_after_polls=args.prompt_polls)
    fake.add_user("carol", "hunter2", verification="sms")
    fake.add_user("dave", "hunter2")

    def expire(_: Request) -> Answer:
        fake.expire_tokens()
        return 200, {"expired": True}

    def throttle(_: Request) -> Answer:
        fake.throttle_next("POST", "/oauth2/token/")
        return 200, {"throttled": True}

    def live(_: Request) -> Answer:
        return 200, {"live_tokens": fake.live_tokens()}

    fake.router.add("POST", r"/__fake__/expire_tokens", expire)
    fake.router.add("POST", r"/__fake__/throttle", throttle)
    fake.router.add("GET", r"/__fake__/live_tokens", live)
    fake.start()
    print(fake.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

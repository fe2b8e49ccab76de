"""The live broker: Robinhood's API behind the Broker contract (see :mod:`.broker`).

Build it with :func:`build_robinhood_broker` from the gateway (its
``authorized`` and its ``requests`` session) in the composition root.
"""

from __future__ import annotations

import requests

from app.brokers.robinhood.api import RobinhoodApi
from app.brokers.robinhood.broker import POLL_SECONDS, RobinhoodBroker
from app.brokers.robinhood.calls import RobinhoodCalls
from app.brokers.robinhood.session import Reader, RobinhoodSession
from app.core.clock import Clock

__all__ = ["Reader", "RobinhoodBroker", "RobinhoodSession", "build_robinhood_broker"]


def build_robinhood_broker(
    session: RobinhoodSession, http: requests.Session, clock: Clock, *,
    poll_seconds: float = POLL_SECONDS, api: RobinhoodApi | None = None,
) -> RobinhoodBroker:  # fmt: skip
    """The broker on ``http`` (robin-stocks' session, sent to ROBINHOOD_API_URL by the
    gateway's transport), its calls run through ``session.authorized``."""
    calls = RobinhoodCalls(api or RobinhoodApi(http))
    return RobinhoodBroker(session, calls, clock, poll_seconds=poll_seconds)

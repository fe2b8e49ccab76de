"""Order round trip through the Robinhood broker against the local fake Robinhood, beside a
bare HTTP round trip to the same fake in the same run.

Run ``python bench/live_orders.py [--orders N]`` from the repo root.

The fake Robinhood (tests/support/fake_robinhood, a real HTTP server on
127.0.0.1) is logged in to through the real gateway. Two kinds of order are
timed, each ``--orders`` times, interleaved so both sides see the same fake
(its order book grows as the run goes):

- limit buy: ``broker.submit`` (the payload built on the worker thread, one
  ``POST /orders/``, the answer typed) against a bare ``requests`` POST of
  the same body on the same session;
- market buy: ``broker.submit`` (``GET /quotes/`` for the ask, then the POST)
  against a bare GET + POST.

Sherwood's overhead is the broker's time minus the bare time; the goal is at
most 2 ms at p99. Order polling is switched off (a poll between two submits
would queue on the same worker thread and measure the poller, not the order).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

import keyring  # noqa: E402
import requests  # noqa: E402
from fake_robinhood import FakeRobinhood  # noqa: E402
from memory_keyring import MemoryKeyring  # noqa: E402

from app.brokers.robinhood import build_robinhood_broker  # noqa: E402
from app.brokers.robinhood.api import RobinhoodApi, url  # noqa: E402
from app.brokers.robinhood.broker import RobinhoodBroker  # noqa: E402
from app.brokers.robinhood.calls import RobinhoodCalls  # noqa: E402
from app.core.bus import EventBus  # noqa: E402
from app.core.clock import LiveClock  # noqa: E402
from app.core.models import OrderRequest, OrderType, Side  # noqa: E402
from app.gateway.factory import build_gateway  # noqa: E402

SYMBOL = "TQQQ"
LIMIT = OrderRequest(SYMBOL, Side.BUY, Decimal(1), order_type=OrderType.LIMIT,
                     limit_price=Decimal("1.00"))  # fmt: skip
MARKET = OrderRequest(SYMBOL, Side.BUY, Decimal(1))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bare_post(http: requests.Session, body: dict[str, Any]) -> None:
    response = http.post(url("/orders/"), json={**body, "ref_id": str(uuid.uuid4())},
                         headers={"Content-Type": "application/json"}, timeout=(5, 16))  # fmt: skip
    response.raise_for_status()
    response.json()


def bare_market(http: requests.Session, body: dict[str, Any]) -> None:
    quote = http.get(url("/quotes/"), params={"symbols": SYMBOL}, timeout=(5, 10))
    quote.raise_for_status()
    quote.json()
    bare_post(http, body)


async def timed_async(fn: Callable[[], Awaitable[Any]]) -> float:
    began = time.perf_counter()
    await fn()
    return (time.perf_counter() - began) * 1000


def timed(fn: Callable[[], Any]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


async def run(orders: int) -> dict[str, dict[str, list[float]]]:
    keyring.set_keyring(MemoryKeyring())
    fake = FakeRobinhood().start()
    fake.add_user("dave", "hunter2")
    fake.state.account.buying_power = Decimal("1e12")
    gateway = build_gateway(EventBus(), LiveClock(), fake.url)
    await gateway.start()
    await gateway.login("dave", "hunter2")
    http = gateway.client.session
    broker: RobinhoodBroker = build_robinhood_broker(gateway, http, LiveClock(),
                                                     poll_seconds=1e9)  # fmt: skip
    await broker.connect()
    results: dict[str, dict[str, list[float]]] = {
        "limit buy": {"broker": [], "bare": []}, "market buy": {"broker": [], "bare": []},
    }  # fmt: skip
    try:
        # Warm up: the account and instrument look-ups happen once per session.
        for request in (LIMIT, MARKET):
            await broker.submit(str(uuid.uuid4()), request)
        calls = RobinhoodCalls(RobinhoodApi(http))  # the same bodies for the bare requests
        bodies = {
            "limit buy": await gateway.authorized(calls.payload, "x", LIMIT),
            "market buy": await gateway.authorized(calls.payload, "x", MARKET),
        }
        loop = asyncio.get_running_loop()
        for _ in range(orders):
            for name, request, bare in (("limit buy", LIMIT, bare_post),
                                        ("market buy", MARKET, bare_market)):  # fmt: skip
                body = bodies[name]
                results[name]["bare"].append(
                    await loop.run_in_executor(None, timed, functools.partial(bare, http, body))
                )
                submit = functools.partial(broker.submit, str(uuid.uuid4()), request)
                results[name]["broker"].append(await timed_async(submit))
    finally:
        await broker.close()
        await gateway.stop()
        fake.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="orders of each kind")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.orders))
    print(f"{args.orders} orders of each kind against the local fake Robinhood (ms)")
    print(f"{'':12} {'bare p50':>9} {'bare p99':>9} {'broker p50':>11} {'broker p99':>11} "
          f"{'overhead p50':>13} {'overhead p99':>13}")  # fmt: skip
    worst = 0.0
    for name, sides in results.items():
        bare, ours = sides["bare"], sides["broker"]
        b50, b99, o50, o99 = pct(bare, 0.5), pct(bare, 0.99), pct(ours, 0.5), pct(ours, 0.99)
        worst = max(worst, o99 - b99)
        print(f"{name:12} {b50:9.2f} {b99:9.2f} {o50:11.2f} {o99:11.2f} "
              f"{o50 - b50:13.2f} {o99 - b99:13.2f}")  # fmt: skip
    verdict = "met" if worst <= 2.0 else "NOT met"
    print(f"goal: Sherwood's overhead at most 2 ms at p99 -> {verdict} (worst {worst:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

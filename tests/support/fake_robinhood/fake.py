"""FakeRobinhood: the fake server a test starts, scripts and inspects."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from fake_robinhood import account, auth, trading
from fake_robinhood.server import Fault, HttpServer, Request, Router
from fake_robinhood.state import Position, State, User

THROTTLED = "Request was throttled. Expected available in {seconds} seconds."


class FakeRobinhood:
    """A real HTTP server on 127.0.0.1 playing Robinhood's endpoints.

    ``with FakeRobinhood() as fake:`` starts it; point ``ROBINHOOD_API_URL`` at
    ``fake.url``. Add users with :meth:`add_user`, faults with :meth:`fail_next`,
    :meth:`throttle_next`, :meth:`drop_next`; read :attr:`requests`.
    Other modules add routes through :attr:`router` and :attr:`authorized`.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.state = State()
        self.router = Router()
        self.http = HttpServer(self.router, self.lock)
        auth.register(self.router, self.state)
        self.authorized = account.register(self.router, self.state, lambda: self.url)
        self.trading = trading.register(self.router, self.state, self.http, self.authorized)
        self.state.positions.append(Position("TQQQ", Decimal("3"), Decimal("52.1400")))
        self.state.instrument_for("TQQQ")

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> FakeRobinhood:
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    def __enter__(self) -> FakeRobinhood:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting -----------------------------------------------------------------------

    def add_user(self, username: str, password: str, **how: Any) -> User:
        user = User(username, password, **how)
        with self.lock:
            self.state.users[username] = user
        return user

    def fail_next(
        self, method: str, path: str, status: int = 503, body: Any = None, times: int = 1
    ) -> None:
        self.http.add_fault(Fault(method, path, status, body or {"detail": "Service Unavailable"},
                                  times=times))  # fmt: skip

    def throttle_next(
        self, method: str, path: str, seconds: int = 14, times: int = 1, *, header: bool = False
    ) -> None:
        """429 ``times`` times: the wait in Robinhood's words ("Expected available in N
        seconds"), or with ``header`` only in a ``Retry-After`` header."""
        if header:
            fault = Fault(method, path, 429, {"detail": "Request was throttled."}, times=times,
                          headers={"Retry-After": str(seconds)})  # fmt: skip
        else:
            fault = Fault(method, path, 429, {"detail": THROTTLED.format(seconds=seconds)},
                          times=times)  # fmt: skip
        self.http.add_fault(fault)

    def drop_next(self, method: str, path: str, *, after_handler: bool = False) -> None:
        self.http.add_fault(Fault(method, path, 0, drop=True, after_handler=after_handler))

    def delay_next(self, method: str, path: str, seconds: float) -> None:
        self.http.add_fault(Fault(method, path, 0, delay=seconds))

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens stay valid)."""
        with self.lock:
            for grant in self.state.grants.values():
                grant.expires_at = self.state.now()

    # --- inspection ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self.lock:
            return list(self.http.log)

    def calls(self, method: str, path_start: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start)]

    def live_tokens(self) -> int:
        with self.lock:
            grants = self.state.grants.values()
            return sum(1 for g in grants if self.state.live_grant(g.access_token))

    def all_tokens(self) -> set[str]:
        with self.lock:
            grants = self.state.grants.values()
            return {t for g in grants for t in (g.access_token, g.refresh_token)}

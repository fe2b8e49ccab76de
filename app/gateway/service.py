"""GatewayService: the Robinhood session's state machine (the original Gateway service).

Operations: :meth:`login` (and re-login), :meth:`submit_code` /
:meth:`cancel_login` while a challenge waits, :meth:`logout`, :attr:`status`,
health (the service lifecycle), :meth:`refresh`, and :meth:`authorized`, the
one way other components (the broker) run a Robinhood call: on the worker
thread, with the token renewed before it expires and once after a 401.

States: logged out -> logging in -> challenge -> logged in -> expired /
throttled; every change is a :class:`~app.gateway.events.SessionStateChanged`.
If the session cannot be renewed, :class:`~app.gateway.events.SessionLost` is
published (live trading pauses) and nothing raises out of the background
task. Tokens never leave this object except into the keyring store.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.errors import AuthenticationRequired, BrokerUnavailable, RateLimited
from app.core.models import HealthState
from app.core.service import Service
from app.gateway.client import RobinhoodClient, new_device_token
from app.gateway.errors import LoginCancelled, LoginFailed, LoginTimedOut
from app.gateway.events import (
    ChallengeIssued,
    LoggedIn,
    LoggedOut,
    LoginFailedEvent,
    SessionLost,
    SessionRefreshed,
    SessionStateChanged,
)
from app.gateway.login_flow import LoginFlow, Timings
from app.gateway.state import ChallengeKind, SessionState, SessionStatus
from app.gateway.store import TokenStore
from app.gateway.tokens import StoredSession, Tokens, redact
from app.gateway.worker import Worker

T = TypeVar("T")
EXPIRY_SLACK = timedelta(seconds=60)  # a token this close to expiry is renewed before use


class GatewayService(Service):
    name = "gateway"

    def __init__(
        self, bus: EventBus, clock: Clock, client: RobinhoodClient, store: TokenStore,
        worker: Worker, timings: Timings | None = None,
    ) -> None:  # fmt: skip
        super().__init__(bus, clock)
        self.client = client
        self.store = store
        self.worker = worker
        self.timings = timings or Timings()
        self._status = SessionStatus(SessionState.LOGGED_OUT, persistent=store.persistent)
        self._session: StoredSession | None = None
        self._login_task: asyncio.Task[dict[str, Any]] | None = None
        self._code: asyncio.Future[str] | None = None
        self._renewal: asyncio.Task[None] | None = None
        self._unthrottle: asyncio.Task[None] | None = None
        self._refresh_lock = asyncio.Lock()

    # --- state ---------------------------------------------------------------------------

    @property
    def status(self) -> SessionStatus:
        return self._status

    @property
    def has_session(self) -> bool:
        """A session is held (logged in, or expired and still renewable)."""
        return self._session is not None

    @property
    def logged_in(self) -> bool:
        return self._session is not None and self._status.state is SessionState.LOGGED_IN

    async def _set(self, state: SessionState, **changes: Any) -> SessionStatus:
        keep_user = state not in (SessionState.LOGGED_OUT,)
        base = SessionStatus(
            state, username=self._status.username if keep_user else "",
            persistent=self.store.persistent,
        )  # fmt: skip
        if self._session is not None and state in (SessionState.LOGGED_IN, SessionState.EXPIRED):
            base = dataclasses.replace(
                base, username=self._session.username, expires_at=self._session.tokens.expires_at
            )
        self._status = dataclasses.replace(base, **changes)
        self.log.info(
            "session %s%s", state.value, f": {self._status.detail}" if self._status.detail else ""
        )
        await self.bus.publish(SessionStateChanged(time=self.clock.now(), status=self._status))
        if state in (SessionState.EXPIRED, SessionState.THROTTLED):
            await self.set_health(HealthState.DEGRADED, self._status.detail or state.value)
        elif self.health.state is not HealthState.STOPPED:
            await self.set_health(HealthState.HEALTHY)
        return self._status

    # --- lifecycle -----------------------------------------------------------------------

    async def on_start(self) -> None:
        await self.restore()

    async def on_stop(self) -> None:
        self.cancel_login()
        if self._unthrottle is not None:
            self._unthrottle.cancel()
        await self._stop_renewal()
        if self._login_task is not None:
            with contextlib.suppress(BaseException):
                await self._login_task
        self.worker.shutdown()

    async def restore(self) -> SessionStatus:
        """Pick up the session kept in the keyring (renewed now if it expired meanwhile)."""
        session = await asyncio.to_thread(self.store.load)
        if session is None:
            return await self._set(SessionState.LOGGED_OUT, detail=self.store.problem)
        await self._adopt(session)
        await self._set(SessionState.LOGGED_IN, detail=self.store.problem)
        if session.tokens.expires_within(self.clock.now(), EXPIRY_SLACK):
            await self.refresh()  # a refusal or an expiry becomes EXPIRED there
        self._start_renewal()
        return self._status

    async def _adopt(self, session: StoredSession) -> None:
        self._session = session
        await self.worker.run(self.client.set_authorization, session.tokens)

    async def _device_token(self) -> str:
        token = await asyncio.to_thread(self.store.device_token)
        if not token:
            token = new_device_token()
            await asyncio.to_thread(self.store.save_device_token, token)
        return token

    # --- login ---------------------------------------------------------------------------

    async def login(
        self, username: str, password: str, mfa_code: str | None = None
    ) -> SessionStatus:
        """Log in (again); raises LoginFailed, RateLimited or BrokerUnavailable with the reason.

        A challenge publishes :class:`ChallengeIssued`; answer it with
        :meth:`submit_code` or cancel with :meth:`cancel_login`.
        """
        if self._login_task is not None and not self._login_task.done():
            raise LoginFailed("a login is already in progress")
        username = username.strip()
        if not username or not password:
            raise LoginFailed("enter your Robinhood username and password")
        if self.logged_in:
            raise LoginFailed(f"already logged in as {self._status.username}; log out first")
        stale = self._session  # an expired session being replaced: forgotten either way
        if stale is not None:
            self._session = None
            await asyncio.to_thread(self.store.delete)
        await self._stop_renewal()
        await self._set(SessionState.LOGGING_IN, username=username, detail="signing in")
        try:
            device = await self._device_token()
            flow = LoginFlow(self.client, self, self.timings)
            self._login_task = asyncio.get_running_loop().create_task(
                flow.run(username, password, device, mfa_code or None), name="robinhood login"
            )
            del password  # only the task holds it now
            data = await self._wait_login(self._login_task)
        except LoginFailed as exc:
            await self._fail(str(exc), SessionState.LOGGED_OUT)
            raise
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else 60.0
            when = self.clock.now() + timedelta(seconds=wait)
            reason = f"Robinhood is throttling logins; try again in {wait:g} s"
            await self._fail(reason, SessionState.THROTTLED, retry_at=when)
            self._unthrottle = asyncio.get_running_loop().create_task(self._end_throttle(wait))
            raise RateLimited(reason, wait) from None
        except BrokerUnavailable as exc:
            await self._fail(str(exc), SessionState.LOGGED_OUT)
            raise
        except asyncio.CancelledError:
            await self._fail("login cancelled", SessionState.LOGGED_OUT)
            raise
        except Exception as exc:
            self.log.error("login failed: %s", redact(repr(exc)))
            reason = f"the login failed unexpectedly ({type(exc).__name__})"
            await self._fail(reason, SessionState.LOGGED_OUT)
            raise LoginFailed(reason) from None
        finally:
            self._login_task = None
        tokens = Tokens.from_answer(data, self.clock.now())
        session = StoredSession(username, tokens)
        await self._adopt(session)
        await asyncio.to_thread(self.store.save, session)
        status = await self._set(SessionState.LOGGED_IN, detail=self.store.problem)
        await self.bus.publish(LoggedIn(time=self.clock.now(), status=status))
        self._start_renewal()
        return status

    async def _end_throttle(self, wait: float) -> None:
        await self.clock.sleep(wait)
        if self._status.state is SessionState.THROTTLED:
            await self._set(SessionState.LOGGED_OUT, detail="Robinhood accepts logins again")

    async def _wait_login(self, task: asyncio.Task[dict[str, Any]]) -> dict[str, Any]:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                task.cancel()  # our caller is being cancelled (Ctrl+C, window closed)
                with contextlib.suppress(BaseException):
                    await task
                raise
            raise LoginCancelled("login cancelled") from None

    async def _fail(self, reason: str, state: SessionState, **changes: Any) -> None:
        self._session = None
        with contextlib.suppress(Exception):
            await self.worker.run(self.client.set_authorization, None)
        status = await self._set(state, detail=reason, **changes)
        await self.bus.publish(
            LoginFailedEvent(time=self.clock.now(), status=status, reason=reason)
        )

    def submit_code(self, code: str) -> bool:
        """Answer the code challenge that is waiting; False when none is."""
        if self._code is None or self._code.done() or not code.strip():
            return False
        self._code.set_result(code.strip())
        return True

    def cancel_login(self) -> bool:
        """Cancel the login in progress (at any step); False when there is none."""
        if self._login_task is None or self._login_task.done():
            return False
        self._login_task.cancel()
        return True

    # --- the Conversation the login flow talks through ------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.worker.run(fn, *args)

    def now(self) -> datetime:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)

    async def ask_code(self, kind: ChallengeKind, message: str, deadline: datetime) -> str:
        self._code = asyncio.get_running_loop().create_future()
        status = await self._set(
            SessionState.CHALLENGE, challenge=kind, deadline=deadline, detail=message
        )
        await self.bus.publish(
            ChallengeIssued(time=self.clock.now(), status=status, message=message)
        )
        timeout = max(0.0, (deadline - self.clock.now()).total_seconds())
        try:
            return await asyncio.wait_for(self._code, timeout)
        except TimeoutError:
            raise LoginTimedOut("no code was entered in time") from None
        finally:
            self._code = None
            if self._status.state is SessionState.CHALLENGE:
                await self._set(SessionState.LOGGING_IN, detail="checking the code")

    async def announce_prompt(self, deadline: datetime) -> None:
        message = ChallengeKind.PROMPT.describe()
        status = await self._set(
            SessionState.CHALLENGE, challenge=ChallengeKind.PROMPT, deadline=deadline,
            detail=message,
        )  # fmt: skip
        await self.bus.publish(
            ChallengeIssued(time=self.clock.now(), status=status, message=message)
        )

    # --- logout --------------------------------------------------------------------------

    async def logout(self) -> bool:
        """End the session: revoke it at Robinhood and delete it from the keyring.

        Returns whether Robinhood confirmed the revocation; the local session is
        gone either way.
        """
        self.cancel_login()
        await self._stop_renewal()
        session, self._session = self._session, None
        revoked = False
        if session is not None:
            try:
                revoked = await self.worker.run(self.client.revoke, session.tokens.refresh_token)
                revoked = (
                    await self.worker.run(self.client.revoke, session.tokens.access_token)
                    and revoked
                )
            except (BrokerUnavailable, RateLimited) as exc:
                self.log.warning("Robinhood could not be told about the logout: %s", exc)
        with contextlib.suppress(Exception):
            await self.worker.run(self.client.set_authorization, None)
        await asyncio.to_thread(self.store.delete)
        detail = "" if revoked or session is None else "logged out here; Robinhood was not reached"
        status = await self._set(SessionState.LOGGED_OUT, detail=detail)
        await self.bus.publish(LoggedOut(time=self.clock.now(), status=status, revoked=revoked))
        return revoked

    # --- renewal -------------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Renew the access token with the refresh token; False when it did not happen.

        A refused renewal ends the session (:class:`SessionLost`); a network
        failure or a throttle keeps it, to be retried.
        """
        session = self._session
        if session is None:
            return False
        async with self._refresh_lock:
            if self._session is not session:  # renewed (or ended) while we waited
                return self._session is not None
            device = await self._device_token()
            try:
                granted = await self.worker.run(
                    self.client.refresh_grant, session.tokens.refresh_token, device
                )
            except AuthenticationRequired as exc:
                await self._lose(str(exc))
                return False
            except (BrokerUnavailable, RateLimited) as exc:
                self.log.warning("the session could not be renewed yet: %s", exc)
                if session.tokens.expires_within(self.clock.now(), timedelta(0)):
                    await self._set(
                        SessionState.EXPIRED,
                        detail=f"the session expired and renewing it failed: {exc}",
                    )
                    await self.bus.publish(
                        SessionLost(time=self.clock.now(), status=self._status, reason=str(exc))
                    )
                return False
            renewed = StoredSession(
                session.username, Tokens.from_answer(granted.data, self.clock.now())
            )
            await self._adopt(renewed)
            await asyncio.to_thread(self.store.save, renewed)
            status = await self._set(SessionState.LOGGED_IN, detail=self.store.problem)
            await self.bus.publish(SessionRefreshed(time=self.clock.now(), status=status))
            return True

    async def _lose(self, reason: str) -> None:
        self._session = None
        with contextlib.suppress(Exception):
            await self.worker.run(self.client.set_authorization, None)
        await asyncio.to_thread(self.store.delete)
        status = await self._set(SessionState.EXPIRED, detail=reason)
        await self.bus.publish(SessionLost(time=self.clock.now(), status=status, reason=reason))

    def _start_renewal(self) -> None:
        if self._renewal is None or self._renewal.done():
            self._renewal = asyncio.get_running_loop().create_task(
                self._renew_loop(), name="robinhood session renewal"
            )

    async def _stop_renewal(self) -> None:
        task, self._renewal = self._renewal, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _renew_loop(self) -> None:
        margin = timedelta(seconds=self.timings.refresh_margin)
        while self._session is not None:
            due = self._session.tokens.expires_at - margin
            wait = (due - self.clock.now()).total_seconds()
            if wait > 0:
                await self.clock.sleep(min(wait, 3600.0))
                continue
            try:
                renewed = await self.refresh()
            except Exception:  # never let the background task die silently
                self.log.exception("renewing the session failed")
                renewed = False
            session = self._session
            if session is not None and (
                not renewed or session.tokens.expires_at - margin <= self.clock.now()
            ):  # failed, or Robinhood gave a token shorter than the margin: not in a loop
                await self.clock.sleep(self.timings.retry_seconds)

    # --- the one way to call Robinhood with the session ----------------------------------

    async def authorized(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the worker with a valid session; renews it first when it is about
        to expire and once after a 401. Raises AuthenticationRequired without a session."""
        session = self._session
        if session is None:
            raise AuthenticationRequired("not logged in to Robinhood; log in first")
        if session.tokens.expires_within(self.clock.now(), EXPIRY_SLACK):
            await self.refresh()
        try:
            return await self.worker.run(fn, *args)
        except AuthenticationRequired:
            self.log.info("Robinhood answered 401; renewing the session")
            if self._session is None or not await self.refresh():
                raise AuthenticationRequired(
                    "the Robinhood session expired and could not be renewed; log in again"
                ) from None
            return await self.worker.run(fn, *args)

"""The session after login: kept in the keyring, renewed before expiry and after a 401,
lost cleanly when Robinhood refuses to renew it, revoked at logout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from fake_robinhood import FakeRobinhood
from fake_robinhood.state import Position
from gateway_support import PASSWORD, Recorder
from keyring.backends import fail
from memory_keyring import MemoryKeyring

from app.core.errors import AuthenticationRequired, BrokerUnavailable
from app.core.models import HealthState
from app.gateway.account import fetch_account
from app.gateway.errors import LoginFailed
from app.gateway.events import LoggedOut, SessionLost, SessionRefreshed
from app.gateway.login_flow import Timings
from app.gateway.service import GatewayService
from app.gateway.state import SessionState
from app.gateway.store import KEYRING_HELP
from app.gateway.transport import install


async def logged_in(fake: FakeRobinhood, gateway: GatewayService, user: str = "dave") -> None:
    fake.add_user(user, PASSWORD)
    await gateway.login(user, PASSWORD)


async def test_account_read_through_the_session_robinhood_shaped(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    await logged_in(fake, gateway)
    account = await gateway.authorized(fetch_account, gateway.client)
    assert account.masked_number == "••••0042" and account.account_type == "margin"
    assert str(account.cash) == "1523.4700" and str(account.equity) == "2031.8700"
    assert [(p.symbol, str(p.quantity)) for p in account.positions] == [("TQQQ", "3.00000000")]


async def test_positions_follow_next_pages(fake: FakeRobinhood, gateway: GatewayService) -> None:
    for symbol in ("AAPL", "MSFT", "SPY", "QQQ"):
        fake.state.positions.append(Position(symbol, Decimal("1"), Decimal("10")))
    await logged_in(fake, gateway)
    account = await gateway.authorized(fetch_account, gateway.client)
    assert [p.symbol for p in account.positions] == ["TQQQ", "AAPL", "MSFT", "SPY", "QQQ"]
    assert len(fake.calls("GET", "/positions/")) == 3  # two per page


async def test_expired_access_token_is_renewed_after_a_401_without_a_new_login(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    await logged_in(fake, gateway)
    first = dict(memory_keyring.entries)
    fake.expire_tokens()
    account = await gateway.authorized(fetch_account, gateway.client)
    assert account.account_number == "5QR00042"
    grants = [r.body["grant_type"] for r in fake.calls("POST", "/oauth2/token/")]
    assert grants == ["password", "refresh_token"]
    assert recorder.of(SessionRefreshed)
    assert memory_keyring.entries != first  # the renewed tokens are kept
    assert gateway.status.state is SessionState.LOGGED_IN


async def test_token_about_to_expire_is_renewed_before_use(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.state.expires_in = 30  # inside the gateway's one-minute slack
    await logged_in(fake, gateway)
    await gateway.authorized(fetch_account, gateway.client)
    token_calls = [r.path for r in fake.requests if r.path in ("/oauth2/token/", "/accounts/")]
    assert token_calls[:3] == ["/oauth2/token/", "/oauth2/token/", "/accounts/"]
    assert not [r for r in fake.requests if r.path == "/accounts/" and r.bearer is None]


async def test_renewal_runs_in_the_background_before_expiry(
    fake: FakeRobinhood, make_gateway: Callable[..., GatewayService], recorder: Recorder
) -> None:
    gateway = make_gateway(Timings(poll_seconds=0.01, refresh_margin=86400 - 0.2))
    await gateway.start()
    await logged_in(fake, gateway)
    for _ in range(500):
        if recorder.of(SessionRefreshed):
            break
        await asyncio.sleep(0.01)
    assert recorder.of(SessionRefreshed)
    assert gateway.logged_in


async def test_refused_renewal_pauses_live_trading_and_does_not_crash(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    await logged_in(fake, gateway)
    fake.expire_tokens()
    fake.fail_next("POST", "/oauth2/token/", status=401, body={"error": "invalid_grant"})
    with pytest.raises(AuthenticationRequired, match="log in again"):
        await gateway.authorized(fetch_account, gateway.client)
    (lost,) = recorder.of(SessionLost)
    assert "did not renew the session" in lost.reason
    assert gateway.status.state is SessionState.EXPIRED
    assert gateway.health.state is HealthState.DEGRADED
    assert not any(k.endswith("\nsession") for k in memory_keyring.entries)
    with pytest.raises(AuthenticationRequired, match="not logged in"):
        await gateway.authorized(fetch_account, gateway.client)
    assert (await gateway.login("dave", PASSWORD)).logged_in  # logging in again works


async def test_renewal_failing_on_the_network_keeps_the_session_for_a_retry(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    await logged_in(fake, gateway)
    fake.drop_next("POST", "/oauth2/token/")
    assert await gateway.refresh() is False
    assert gateway.logged_in  # still valid: not expired yet
    assert await gateway.refresh() is True


async def test_session_restored_from_the_keyring_by_a_new_gateway(
    fake: FakeRobinhood, gateway: GatewayService, make_gateway: Callable[..., GatewayService]
) -> None:
    await logged_in(fake, gateway)
    second = make_gateway()
    await second.start()
    assert second.logged_in and second.status.username == "dave"
    account = await second.authorized(fetch_account, second.client)
    assert account.account_number == "5QR00042"
    assert len(fake.calls("POST", "/oauth2/token/")) == 1  # no second login


async def test_logout_revokes_at_robinhood_and_forgets_the_session(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder,
    memory_keyring: MemoryKeyring, make_gateway: Callable[..., GatewayService],
) -> None:  # fmt: skip
    await logged_in(fake, gateway)
    assert await gateway.logout() is True
    assert fake.live_tokens() == 0
    assert len(fake.calls("POST", "/oauth2/revoke_token/")) == 2  # refresh and access token
    assert recorder.of(LoggedOut)[-1].revoked
    assert not any(k.endswith("\nsession") for k in memory_keyring.entries)
    assert gateway.status.state is SessionState.LOGGED_OUT
    with pytest.raises(AuthenticationRequired):
        await gateway.authorized(fetch_account, gateway.client)
    again = make_gateway()
    await again.start()
    assert not again.has_session


async def test_logout_without_network_still_forgets_the_session(
    fake: FakeRobinhood, gateway: GatewayService, memory_keyring: MemoryKeyring
) -> None:
    await logged_in(fake, gateway)
    fake.drop_next("POST", "/oauth2/revoke_token/")
    assert await gateway.logout() is False
    assert "not reached" in gateway.status.detail
    assert not any(k.endswith("\nsession") for k in memory_keyring.entries)


async def test_without_a_keyring_the_session_lives_in_memory_and_the_user_is_told(
    fake: FakeRobinhood, make_gateway: Callable[..., GatewayService]
) -> None:
    gateway = make_gateway(backend=fail.Keyring())
    await gateway.start()
    assert not gateway.status.persistent and gateway.status.detail == KEYRING_HELP
    await logged_in(fake, gateway)
    assert gateway.logged_in and "Secret Service" in gateway.status.detail
    assert (await gateway.authorized(fetch_account, gateway.client)).account_type == "margin"
    other = make_gateway(backend=fail.Keyring())
    await other.start()
    assert not other.has_session  # nothing was kept anywhere


async def test_every_request_goes_to_the_configured_address_with_a_timeout(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    await logged_in(fake, gateway)
    adapter = install(gateway.client.session, fake.url)
    adapter.timeout = (2.0, 0.2)
    fake.delay_next("GET", "/accounts/", 1.0)
    with pytest.raises(BrokerUnavailable, match="did not answer in time"):
        await gateway.authorized(fetch_account, gateway.client)
    assert (await gateway.authorized(fetch_account, gateway.client)).account_number


async def test_logs_never_show_tokens_or_the_password(
    fake: FakeRobinhood, gateway: GatewayService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await logged_in(fake, gateway)
    fake.expire_tokens()
    await gateway.authorized(fetch_account, gateway.client)
    await gateway.logout()
    text = caplog.text
    assert "logged in" in text
    for secret in [PASSWORD, *fake.all_tokens()]:
        assert secret not in text


async def test_logging_in_twice_is_refused_until_logout(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    await logged_in(fake, gateway)
    with pytest.raises(LoginFailed, match="already logged in as dave; log out first"):
        await gateway.login("dave", PASSWORD)
    assert gateway.logged_in  # the session is untouched
    await gateway.logout()
    assert (await gateway.login("dave", PASSWORD)).logged_in


async def test_restored_session_renewal_failing_on_the_network_is_reported_expired(
    fake: FakeRobinhood, gateway: GatewayService, make_gateway: Callable[..., GatewayService],
    recorder: Recorder,
) -> None:  # fmt: skip
    fake.state.expires_in = 0  # the stored token has expired by the next start
    await logged_in(fake, gateway)
    await gateway.stop()
    fake.drop_next("POST", "/oauth2/token/")
    second = make_gateway()
    await second.start()
    assert second.status.state is SessionState.EXPIRED and second.has_session
    assert recorder.of(SessionLost)
    fake.state.expires_in = 86400
    assert await second.refresh() and second.logged_in  # renewed once Robinhood answers

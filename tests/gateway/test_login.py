"""Logging in through the real gateway against the fake Robinhood, over real HTTP:
every challenge Robinhood asks for, and every way a login fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fake_robinhood import FakeRobinhood
from gateway_support import PASSWORD, Recorder, answer_codes
from memory_keyring import MemoryKeyring

from app.core.bus import EventBus
from app.core.errors import BrokerUnavailable, RateLimited
from app.core.models import HealthState
from app.gateway.errors import (
    ChallengeFailed,
    LoginCancelled,
    LoginTimedOut,
    ServerError,
    WrongCredentials,
)
from app.gateway.events import (
    ChallengeIssued,
    LoggedIn,
    LoginFailedEvent,
    SessionStateChanged,
)
from app.gateway.login_flow import Timings
from app.gateway.service import GatewayService
from app.gateway.state import ChallengeKind, SessionState


def states(recorder: Recorder) -> list[SessionState]:
    return [e.status.state for e in recorder.of(SessionStateChanged)]


def stored(keyring: MemoryKeyring) -> str:
    return "".join(v for k, v in keyring.entries.items() if k.endswith("\nsession"))


async def test_totp_code_given_up_front_logs_in_and_stores_the_session(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    status = await gateway.login("alice", PASSWORD, "314159")
    assert status.state is SessionState.LOGGED_IN and status.username == "alice"
    assert states(recorder)[-2:] == [SessionState.LOGGING_IN, SessionState.LOGGED_IN]
    assert recorder.of(LoggedIn)
    assert fake.live_tokens() == 1
    (grant,) = fake.state.grants.values()
    assert grant.access_token in stored(memory_keyring)
    # the password went in the body of one POST, never in a URL, never stored
    token_posts = fake.calls("POST", "/oauth2/token/")
    assert len(token_posts) == 1 and token_posts[0].body["password"] == PASSWORD
    assert all(PASSWORD not in r.path and PASSWORD not in str(r.query) for r in fake.requests)
    assert PASSWORD not in str(memory_keyring.entries)


async def test_totp_asked_for_shows_a_code_challenge_then_logs_in(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus, recorder: Recorder
) -> None:
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    answer_codes(bus, gateway, ["314159"])
    status = await gateway.login("alice", PASSWORD)
    assert status.logged_in
    (challenge,) = recorder.of(ChallengeIssued)
    assert challenge.status.challenge is ChallengeKind.TOTP
    assert challenge.status.deadline is not None
    assert states(recorder)[-4:] == [
        SessionState.LOGGING_IN, SessionState.CHALLENGE, SessionState.LOGGING_IN,
        SessionState.LOGGED_IN,
    ]  # fmt: skip


async def test_wrong_totp_code_is_refused_and_nothing_is_stored(
    fake: FakeRobinhood, gateway: GatewayService, memory_keyring: MemoryKeyring,
    recorder: Recorder,
) -> None:  # fmt: skip
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    with pytest.raises(ChallengeFailed, match="refused the code"):
        await gateway.login("alice", PASSWORD, "000000")
    assert gateway.status.state is SessionState.LOGGED_OUT
    assert stored(memory_keyring) == "" and fake.live_tokens() == 0
    assert "refused the code" in recorder.of(LoginFailedEvent)[-1].reason


async def test_sms_mfa_code(fake: FakeRobinhood, gateway: GatewayService, bus: EventBus) -> None:
    fake.add_user("sam", PASSWORD, mfa="sms_mfa", code="777111")
    shown = answer_codes(bus, gateway, ["777111"])
    assert (await gateway.login("sam", PASSWORD)).logged_in
    assert "text message" in shown[0]


async def test_device_prompt_approved_after_some_polls(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder
) -> None:
    fake.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=4)
    status = await gateway.login("bob", PASSWORD)
    assert status.logged_in
    (challenge,) = recorder.of(ChallengeIssued)
    assert challenge.status.challenge is ChallengeKind.PROMPT
    assert "Robinhood app" in challenge.message
    assert len(fake.calls("GET", "/push/")) == 4
    assert len(fake.calls("POST", "/pathfinder/user_machine/")) == 1
    # the password is sent again with the same device token once the workflow is approved
    devices = {r.body["device_token"] for r in fake.calls("POST", "/oauth2/token/")}
    assert len(fake.calls("POST", "/oauth2/token/")) == 2 and len(devices) == 1


async def test_device_prompt_never_approved_times_out_cleanly(
    fake: FakeRobinhood, make_gateway: Callable[..., GatewayService],
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    fake.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=None)
    gateway = make_gateway(Timings(poll_seconds=0.01, prompt_timeout=0.3))
    await gateway.start()
    with pytest.raises(LoginTimedOut, match="not approved in the Robinhood app"):
        await gateway.login("bob", PASSWORD)
    assert gateway.status.state is SessionState.LOGGED_OUT
    assert stored(memory_keyring) == "" and fake.live_tokens() == 0


async def test_device_prompt_denied_on_the_phone(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.add_user("bob", PASSWORD, verification="prompt", deny_after_polls=2)
    with pytest.raises(ChallengeFailed, match="not approved"):
        await gateway.login("bob", PASSWORD)


async def test_cancel_while_waiting_for_the_phone(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus, recorder: Recorder
) -> None:
    fake.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=None)
    bus.subscribe(ChallengeIssued, lambda _: gateway.cancel_login())
    with pytest.raises(LoginCancelled):
        await gateway.login("bob", PASSWORD)
    assert gateway.status.state is SessionState.LOGGED_OUT
    assert recorder.of(LoginFailedEvent)[-1].reason == "login cancelled"
    polls = len(fake.calls("GET", "/push/"))
    await asyncio.sleep(0.1)
    assert len(fake.calls("GET", "/push/")) == polls  # polling stopped


async def test_sms_verification_wrong_code_then_right_code(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus
) -> None:
    fake.add_user("carol", PASSWORD, verification="sms", code="246810")
    shown = answer_codes(bus, gateway, ["111111", "246810"])
    assert (await gateway.login("carol", PASSWORD)).logged_in
    assert "text message" in shown[0]
    assert "2 attempts left" in shown[1]
    assert [r.body["response"] for r in fake.calls("POST", "/challenge/")] == ["111111", "246810"]


async def test_email_code_out_of_attempts_fails(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus
) -> None:
    fake.add_user("erin", PASSWORD, verification="email", code="246810", attempts=2)
    shown = answer_codes(bus, gateway, ["1", "2"])
    with pytest.raises(ChallengeFailed, match="refused the code"):
        await gateway.login("erin", PASSWORD)
    assert "e-mail" in shown[0]
    assert fake.live_tokens() == 0


async def test_no_code_in_time_times_out(
    fake: FakeRobinhood, make_gateway: Callable[..., GatewayService]
) -> None:
    fake.add_user("carol", PASSWORD, verification="sms")
    gateway = make_gateway(Timings(poll_seconds=0.01, code_timeout=0.2))
    await gateway.start()
    with pytest.raises(LoginTimedOut, match="no code"):
        await gateway.login("carol", PASSWORD)
    assert gateway.status.state is SessionState.LOGGED_OUT


async def test_wrong_password(
    fake: FakeRobinhood, gateway: GatewayService, memory_keyring: MemoryKeyring
) -> None:
    fake.add_user("dave", PASSWORD)
    with pytest.raises(WrongCredentials, match="Unable to log in with provided credentials"):
        await gateway.login("dave", "not it")
    assert gateway.status.state is SessionState.LOGGED_OUT
    assert stored(memory_keyring) == ""


async def test_throttled_login_says_when_to_retry(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.add_user("dave", PASSWORD)
    fake.throttle_next("POST", "/oauth2/token/", seconds=14)
    with pytest.raises(RateLimited, match="try again in 14 s") as caught:
        await gateway.login("dave", PASSWORD)
    assert caught.value.retry_after == 14
    status = gateway.status
    assert status.state is SessionState.THROTTLED and status.retry_at is not None
    assert gateway.health.reason.endswith("try again in 14 s")
    assert (await gateway.login("dave", PASSWORD)).logged_in  # a later attempt works


async def test_server_error_and_dropped_connection(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.add_user("dave", PASSWORD)
    fake.fail_next("POST", "/oauth2/token/", status=503)
    with pytest.raises(ServerError, match="server error"):
        await gateway.login("dave", PASSWORD)
    fake.drop_next("POST", "/oauth2/token/")
    with pytest.raises(BrokerUnavailable, match="could not reach Robinhood"):
        await gateway.login("dave", PASSWORD)
    assert gateway.status.state is SessionState.LOGGED_OUT
    assert (await gateway.login("dave", PASSWORD)).logged_in


async def test_a_challenge_throttled_mid_way_waits_and_goes_on(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=2)
    fake.throttle_next("GET", "/push/.*", seconds=0)
    assert (await gateway.login("bob", PASSWORD)).logged_in


async def test_robinhood_unreachable(make_gateway: Callable[..., GatewayService]) -> None:
    gateway = make_gateway(url="http://127.0.0.1:9")
    await gateway.start()
    with pytest.raises(BrokerUnavailable, match="could not reach Robinhood"):
        await gateway.login("dave", PASSWORD)


async def test_login_prints_nothing_and_writes_no_token_pickle(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus,
    capfd: pytest.CaptureFixture[str], tmp_path: object, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    fake.add_user("carol", PASSWORD, verification="sms")
    answer_codes(bus, gateway, ["123456"])
    assert (await gateway.login("carol", PASSWORD)).logged_in
    await gateway.logout()
    out, _ = capfd.readouterr()
    assert out == ""
    assert not (tmp_path / ".tokens").exists()  # type: ignore[operator]


async def test_wrong_totp_code_typed_in_is_asked_for_again(
    fake: FakeRobinhood, gateway: GatewayService, bus: EventBus
) -> None:
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    shown = answer_codes(bus, gateway, ["000000", "314159"])
    assert (await gateway.login("alice", PASSWORD)).logged_in
    assert "refused the code" in shown[1]
    assert [r.body.get("mfa_code") for r in fake.calls("POST", "/oauth2/token/")] == [
        None, "000000", "314159",
    ]  # fmt: skip


async def test_throttle_ends_when_robinhood_said_it_would(
    fake: FakeRobinhood, gateway: GatewayService, recorder: Recorder
) -> None:
    fake.add_user("dave", PASSWORD)
    fake.throttle_next("POST", "/oauth2/token/", seconds=0)
    with pytest.raises(RateLimited):
        await gateway.login("dave", PASSWORD)
    for _ in range(200):
        if gateway.status.state is not SessionState.THROTTLED:
            break
        await asyncio.sleep(0.01)
    assert states(recorder)[-2:] == [SessionState.THROTTLED, SessionState.LOGGED_OUT]
    assert gateway.health.state is HealthState.HEALTHY

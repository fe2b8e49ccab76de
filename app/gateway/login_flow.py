"""The login conversation with Robinhood: password, then whatever challenge it asks for.

Robinhood answers the password with a token, with ``mfa_required`` (a TOTP or
SMS code sent with the password again), or with a ``verification_workflow``:
``/pathfinder/user_machine/`` opens an inquiry, its ``user_view`` names a
challenge (an SMS or e-mail code answered at ``/challenge/{id}/respond/``, or
a prompt on the phone polled at ``/push/{id}/get_prompts_status/``), the
workflow is then told to continue until approved, and the password is sent
again with the same device token. Every wait has a deadline; the whole flow
runs in one task the gateway can cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from app.core.errors import RateLimited
from app.gateway.client import (
    Granted,
    MfaRequired,
    RobinhoodClient,
    SheriffChallenge,
    TokenAnswer,
    VerificationRequired,
)
from app.gateway.errors import ChallengeFailed, LoginTimedOut
from app.gateway.state import ChallengeKind

T = TypeVar("T")
MAX_ROUNDS = 3  # challenge rounds per login
MAX_CODE_TRIES = 3  # an authenticator or SMS code may be typed this many times


@dataclass(frozen=True, slots=True)
class Timings:
    poll_seconds: float = 5.0  # between polls of the workflow and of the phone prompt
    prompt_timeout: float = 300.0  # approve on the phone within
    code_timeout: float = 300.0  # type a code within
    workflow_timeout: float = 120.0  # Robinhood to issue or finish a challenge
    refresh_margin: float = 3600.0  # renew the access token this long before it expires
    retry_seconds: float = 30.0  # retry a failed renewal after this long


class Conversation(Protocol):
    """What the flow needs from the gateway: the worker, the clock and the user."""

    async def call(self, fn: Callable[..., T], *args: Any) -> T: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...

    async def ask_code(self, kind: ChallengeKind, message: str, deadline: datetime) -> str:
        """Wait for the user's code; raises LoginCancelled or LoginTimedOut."""
        ...

    async def announce_prompt(self, deadline: datetime) -> None:
        """Tell the user to approve on the phone before ``deadline``."""
        ...


class LoginFlow:
    def __init__(self, client: RobinhoodClient, talk: Conversation, timings: Timings) -> None:
        self.client = client
        self.talk = talk
        self.timings = timings

    async def run(
        self, username: str, password: str, device_token: str, mfa_code: str | None
    ) -> dict[str, Any]:
        """Robinhood's token answer once every challenge is passed."""
        grant = self.client.password_grant
        answer: TokenAnswer = await self.talk.call(
            grant, username, password, device_token, mfa_code
        )
        for _ in range(MAX_ROUNDS):
            if isinstance(answer, Granted):
                return answer.data
            if isinstance(answer, MfaRequired):
                answer = await self._mfa(answer.kind, username, password, device_token)
                continue
            if isinstance(answer, VerificationRequired):
                await self._verify(device_token, answer.workflow_id)
            answer = await self.talk.call(grant, username, password, device_token, mfa_code)
        raise ChallengeFailed("Robinhood kept asking for verification; try again later")

    async def _mfa(
        self, kind: ChallengeKind, username: str, password: str, device_token: str
    ) -> TokenAnswer:
        """Ask for the code and send the password again with it; a refused code is asked
        for again, up to MAX_CODE_TRIES times."""
        message = kind.describe()
        attempt = 1
        while True:
            deadline = self._deadline(self.timings.code_timeout)
            code = await self.talk.ask_code(kind, message, deadline)
            try:
                return await self.talk.call(
                    self.client.password_grant, username, password, device_token, code
                )
            except ChallengeFailed:
                if attempt >= MAX_CODE_TRIES:
                    raise
            attempt += 1
            message = f"Robinhood refused the code; enter {kind.describe()} again"

    def _deadline(self, seconds: float) -> datetime:
        return self.talk.now() + timedelta(seconds=seconds)

    async def _poll(self, fn: Callable[..., T], *args: Any, deadline: datetime, what: str) -> T:
        """One poll; waits out a throttle when the deadline allows it."""
        while True:
            try:
                return await self.talk.call(fn, *args)
            except RateLimited as exc:
                wait = exc.retry_after or self.timings.poll_seconds
                if self.talk.now() + timedelta(seconds=wait) >= deadline:
                    raise LoginTimedOut(f"Robinhood throttled the login while {what}") from None
                await self.talk.sleep(wait)

    async def _verify(self, device_token: str, workflow_id: str) -> None:
        inquiry = await self.talk.call(self.client.start_verification, device_token, workflow_id)
        deadline = self._deadline(self.timings.workflow_timeout)
        what = "waiting for the verification"
        challenge = await self._poll(
            self.client.challenge_of, inquiry, deadline=deadline, what=what
        )
        while challenge is None:
            if self.talk.now() >= deadline:
                raise LoginTimedOut("Robinhood did not send the verification in time")
            await self.talk.sleep(self.timings.poll_seconds)
            challenge = await self._poll(
                self.client.challenge_of, inquiry, deadline=deadline, what=what
            )
        if challenge.status != "validated":
            if challenge.kind is ChallengeKind.PROMPT:
                await self._approve(challenge)
            else:
                await self._answer(challenge)
        deadline = self._deadline(self.timings.workflow_timeout)
        what = "finishing the verification"
        while not await self._poll(
            self.client.continue_workflow, inquiry, deadline=deadline, what=what
        ):
            if self.talk.now() >= deadline:
                raise LoginTimedOut("Robinhood did not finish the verification in time")
            await self.talk.sleep(self.timings.poll_seconds)

    async def _approve(self, challenge: SheriffChallenge) -> None:
        deadline = self._deadline(self.timings.prompt_timeout)
        await self.talk.announce_prompt(deadline)
        what = "waiting for the approval"
        while True:
            status = await self._poll(
                self.client.prompt_status, challenge.id, deadline=deadline, what=what
            )
            if status == "validated":
                return
            if status in ("denied", "failed", "expired", "rejected"):
                raise ChallengeFailed("the login was not approved in the Robinhood app")
            if self.talk.now() >= deadline:
                minutes = self.timings.prompt_timeout / 60
                raise LoginTimedOut(
                    f"the login was not approved in the Robinhood app within {minutes:g} minutes"
                )
            await self.talk.sleep(self.timings.poll_seconds)

    async def _answer(self, challenge: SheriffChallenge) -> None:
        message = challenge.kind.describe()
        while True:
            deadline = self._deadline(self.timings.code_timeout)
            code = await self.talk.ask_code(challenge.kind, message, deadline)
            answer = await self.talk.call(self.client.respond, challenge.id, code)
            if answer.validated:
                return
            if answer.remaining_attempts is not None and answer.remaining_attempts <= 0:
                raise ChallengeFailed(f"Robinhood refused the code: {answer.detail}")
            left = (
                f"{answer.remaining_attempts} attempts left"
                if answer.remaining_attempts is not None
                else "try again"
            )
            message = f"{answer.detail} ({left}). Enter {challenge.kind.describe()}"

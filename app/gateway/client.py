"""Blocking Robinhood calls through robin-stocks' session, each answer typed or raised.

robin-stocks 3.4.0 prints instead of raising, returns ``None`` on 401/429/5xx,
blocks on ``input()`` and polls prompts forever, so its login, logout and
request helpers are never called. What it does well is kept: its one
``requests`` session (shared with the broker), its URL builders
(``robin_stocks.robinhood.urls``), its device tokens and its login payload.
Every method here blocks: call them on the :class:`~app.gateway.worker.Worker`.

Errors: no network or a timeout -> ``BrokerUnavailable``; 5xx ->
``ServerError``; 429 -> ``RateLimited`` with the seconds Robinhood named;
401 -> ``AuthenticationRequired``; wrong credentials -> ``WrongCredentials``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from robin_stocks.robinhood import globals as rh_globals
from robin_stocks.robinhood import helper as rh_helper
from robin_stocks.robinhood import urls as rh_urls
from robin_stocks.robinhood.authentication import generate_device_token

from app.core.errors import AuthenticationRequired, BrokerError
from app.gateway.errors import (
    ChallengeFailed,
    UnexpectedAnswer,
    WrongCredentials,
)
from app.gateway.http import message_of, send_json
from app.gateway.state import ChallengeKind
from app.gateway.tokens import Tokens
from app.gateway.transport import api_url

# The OAuth client id robin-stocks (and Robinhood's web app) log in with.
CLIENT_ID = "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"
EXPIRES_IN = 86400
MAX_PAGES = 50


def new_device_token() -> str:
    return str(generate_device_token())


@dataclass(frozen=True, slots=True)
class Granted:
    data: dict[str, Any]  # Robinhood's token answer


@dataclass(frozen=True, slots=True)
class MfaRequired:
    kind: ChallengeKind


@dataclass(frozen=True, slots=True)
class VerificationRequired:
    workflow_id: str


TokenAnswer = Granted | MfaRequired | VerificationRequired


@dataclass(frozen=True, slots=True)
class SheriffChallenge:
    id: str
    kind: ChallengeKind
    status: str  # issued, validated, failed, expired
    remaining_attempts: int | None = None


@dataclass(frozen=True, slots=True)
class CodeAnswer:
    validated: bool
    remaining_attempts: int | None
    detail: str


class RobinhoodClient:
    """The calls the gateway makes; ``session`` is robin-stocks' global session by default."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session if session is not None else rh_globals.SESSION

    # --- plumbing ------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, *, form: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        """(status, JSON) for any answer below 500 except 429; raises for the rest."""
        return send_json(self.session, method, url, form=form, json_body=json_body, params=params)

    def get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        status, data = self._send("GET", url, params=params)
        if status == 401:
            raise AuthenticationRequired(message_of(data) or "the Robinhood session expired")
        if status >= 400:
            raise BrokerError(message_of(data) or f"Robinhood answered {status}")
        if not isinstance(data, dict):
            raise UnexpectedAnswer("Robinhood answered a list where an object was expected")
        return data

    def get_all(self, url: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every ``results`` entry, following ``next`` links."""
        results: list[dict[str, Any]] = []
        page: str | None = url
        for _ in range(MAX_PAGES):
            if page is None:
                return results
            data = self.get(page, params if page == url else None)
            results.extend(data.get("results") or [])
            page = data.get("next") or None
        raise UnexpectedAnswer(f"more than {MAX_PAGES} pages at {url}")

    def set_authorization(self, tokens: Tokens | None) -> None:
        """Authorize the shared session (robin-stocks' calls then work too), or clear it."""
        if tokens is None:
            self.session.headers.pop("Authorization", None)
            rh_helper.set_login_state(False)
        else:
            self.session.headers["Authorization"] = tokens.authorization
            rh_helper.set_login_state(True)

    # --- tokens --------------------------------------------------------------------------

    def password_grant(
        self, username: str, password: str, device_token: str, mfa_code: str | None = None
    ) -> TokenAnswer:
        payload: dict[str, Any] = {
            "client_id": CLIENT_ID, "expires_in": EXPIRES_IN, "grant_type": "password",
            "password": password, "scope": "internal", "username": username,
            "device_token": device_token, "try_passkeys": False,
            "token_request_path": "/login", "create_read_only_secondary_token": True,
        }  # fmt: skip
        if mfa_code:
            payload["mfa_code"] = mfa_code
        status, data = self._send("POST", rh_urls.login_url(), form=payload)
        if not isinstance(data, dict):
            raise UnexpectedAnswer("Robinhood's login answer is not an object")
        if status < 300 and data.get("access_token"):
            return Granted(data)
        workflow = data.get("verification_workflow")
        if isinstance(workflow, dict) and workflow.get("id"):
            return VerificationRequired(str(workflow["id"]))
        if data.get("mfa_required"):
            if mfa_code:
                raise ChallengeFailed("Robinhood refused the code")
            return MfaRequired(
                ChallengeKind.SMS if data.get("mfa_type") == "sms" else ChallengeKind.TOTP
            )
        text = message_of(data)
        if mfa_code and "code" in text.lower():
            raise ChallengeFailed(f"Robinhood refused the code: {text}")
        if status in (400, 401, 403):
            raise WrongCredentials(text or "Robinhood refused the username or password")
        raise UnexpectedAnswer(f"Robinhood answered {status} to the login: {text or 'no reason'}")

    def refresh_grant(self, refresh_token: str, device_token: str) -> Granted:
        payload = {
            "client_id": CLIENT_ID, "expires_in": EXPIRES_IN, "grant_type": "refresh_token",
            "refresh_token": refresh_token, "scope": "internal", "device_token": device_token,
        }  # fmt: skip
        status, data = self._send("POST", rh_urls.login_url(), form=payload)
        if status < 300 and isinstance(data, dict) and data.get("access_token"):
            return Granted(data)
        raise AuthenticationRequired(
            f"Robinhood did not renew the session ({message_of(data) or status}); log in again"
        )

    def revoke(self, token: str) -> bool:
        """Tell Robinhood to end the token; True when it confirmed."""
        status, _ = self._send(
            "POST", api_url("/oauth2/revoke_token/"), form={"client_id": CLIENT_ID, "token": token}
        )
        return status < 300

    # --- the verification workflow -------------------------------------------------------

    def start_verification(self, device_token: str, workflow_id: str) -> str:
        """Open the workflow at ``/pathfinder/user_machine/``; returns the inquiry id."""
        body = {"device_id": device_token, "flow": "suv", "input": {"workflow_id": workflow_id}}
        status, data = self._send("POST", api_url("/pathfinder/user_machine/"), json_body=body)
        if status >= 400 or not isinstance(data, dict) or not data.get("id"):
            raise ChallengeFailed(
                f"Robinhood did not start the verification ({message_of(data) or status})"
            )
        return str(data["id"])

    def challenge_of(self, inquiry_id: str) -> SheriffChallenge | None:
        """The challenge of the inquiry, or None while Robinhood has not issued one yet."""
        status, data = self._send("GET", api_url(f"/pathfinder/inquiries/{inquiry_id}/user_view/"))
        if status >= 400:
            raise ChallengeFailed(f"the verification failed ({message_of(data) or status})")
        context = data.get("context") if isinstance(data, dict) else None
        challenge = context.get("sheriff_challenge") if isinstance(context, dict) else None
        if not isinstance(challenge, dict) or not challenge.get("id"):
            return None
        try:
            kind = ChallengeKind(str(challenge.get("type")))
        except ValueError:
            raise ChallengeFailed(
                f"Robinhood asked for a {challenge.get('type')!r} verification, "
                "which Sherwood cannot answer; log in once in the Robinhood app"
            ) from None
        remaining = challenge.get("remaining_attempts")
        return SheriffChallenge(
            str(challenge["id"]), kind, str(challenge.get("status", "issued")),
            int(remaining) if isinstance(remaining, int) else None,
        )  # fmt: skip

    def prompt_status(self, challenge_id: str) -> str:
        """``issued`` until the phone approves (``validated``) or denies the login."""
        status, data = self._send("GET", api_url(f"/push/{challenge_id}/get_prompts_status/"))
        if status >= 400 or not isinstance(data, dict):
            raise ChallengeFailed(f"the approval failed ({message_of(data) or status})")
        return str(data.get("challenge_status", ""))

    def respond(self, challenge_id: str, code: str) -> CodeAnswer:
        status, data = self._send(
            "POST", rh_urls.challenge_url(challenge_id), form={"response": code}
        )
        data = data if isinstance(data, dict) else {}
        if status < 300 and data.get("status") == "validated":
            return CodeAnswer(True, None, "")
        found = data.get("challenge")
        challenge: dict[str, Any] = found if isinstance(found, dict) else {}
        remaining = challenge.get("remaining_attempts", data.get("remaining_attempts"))
        return CodeAnswer(
            False, int(remaining) if isinstance(remaining, int) else None,
            message_of(data) or "the code was not accepted",
        )  # fmt: skip

    def continue_workflow(self, inquiry_id: str) -> bool:
        """Tell the workflow to go on; True once Robinhood approved the login."""
        body = {"sequence": 0, "user_input": {"status": "continue"}}
        status, data = self._send(
            "POST", api_url(f"/pathfinder/inquiries/{inquiry_id}/user_view/"), json_body=body
        )
        if status >= 400 or not isinstance(data, dict):
            raise ChallengeFailed(f"the verification failed ({message_of(data) or status})")
        type_context = data.get("type_context")
        if (
            isinstance(type_context, dict)
            and type_context.get("result") == "workflow_status_approved"
        ):
            return True
        workflow = data.get("verification_workflow")
        return isinstance(workflow, dict) and (
            workflow.get("workflow_status") == "workflow_status_approved"
        )

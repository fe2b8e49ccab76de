"""OAuth and the verification workflow: /oauth2/token/, /oauth2/revoke_token/,
/pathfinder/..., /push/{id}/get_prompts_status/, /challenge/{id}/respond/."""

from __future__ import annotations

import secrets
from typing import Any

from fake_robinhood.server import Answer, Request, Router
from fake_robinhood.state import Grant, State, Workflow

CLIENT_ID = "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"
WRONG_CREDENTIALS = {"detail": "Unable to log in with provided credentials."}


def token_answer(grant: Grant, state: State) -> dict[str, Any]:
    return {
        "access_token": grant.access_token, "expires_in": state.expires_in,
        "token_type": "Bearer", "scope": "internal", "refresh_token": grant.refresh_token,
        "mfa_code": None, "backup_code": None,
    }  # fmt: skip


def register(router: Router, state: State) -> None:
    def token(request: Request) -> Answer:
        body = request.body
        if body.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}
        if body.get("grant_type") == "refresh_token":
            return refresh(body)
        user = state.users.get(str(body.get("username")))
        if user is None or body.get("password") != user.password:
            return 400, WRONG_CREDENTIALS
        device = str(body.get("device_token") or "")
        if user.mfa:
            code = body.get("mfa_code")
            if not code:
                mfa_type = "sms" if user.mfa == "sms_mfa" else "app"
                return 400, {"mfa_required": True, "mfa_type": mfa_type}
            if code != user.code:
                return 400, {"non_field_errors": ["Please enter a valid code."]}
        elif user.verification and device not in user.trusted_devices:
            for flow in state.workflows.values():
                if flow.user is user and flow.device_token == device and flow.approved:
                    user.trusted_devices.add(device)
                    break
            else:
                flow = Workflow(secrets.token_hex(8), user, device, remaining=user.attempts)
                state.workflows[flow.id] = flow
                return 403, {
                    "verification_workflow": {
                        "id": flow.id,
                        "workflow_status": "workflow_status_internal_pending",
                    }
                }
        return 200, token_answer(state.grant(user.username), state)

    def refresh(body: dict[str, Any]) -> Answer:
        for grant in list(state.grants.values()):
            if grant.refresh_token == body.get("refresh_token") and not grant.revoked:
                grant.revoked = True  # refresh tokens are single use
                return 200, token_answer(state.grant(grant.username), state)
        return 401, {"error": "invalid_grant"}

    def revoke(request: Request) -> Answer:
        token_value = request.body.get("token")
        for grant in state.grants.values():
            if token_value in (grant.access_token, grant.refresh_token):
                grant.revoked = True
        return 200, {}

    def user_machine(request: Request) -> Answer:
        workflow_id = (request.body.get("input") or {}).get("workflow_id")
        flow = state.workflows.get(str(workflow_id))
        if flow is None or request.body.get("device_id") != flow.device_token:
            return 400, {"detail": "Invalid workflow."}
        flow.inquiry_id = secrets.token_hex(8)
        flow.challenge_id = secrets.token_hex(8)
        flow.kind = str(flow.user.verification)
        return 200, {"id": flow.inquiry_id}

    def by_inquiry(inquiry_id: str) -> Workflow | None:
        return next((f for f in state.workflows.values() if f.inquiry_id == inquiry_id), None)

    def by_challenge(challenge_id: str) -> Workflow | None:
        return next((f for f in state.workflows.values() if f.challenge_id == challenge_id), None)

    def user_view(request: Request) -> Answer:
        flow = by_inquiry(request.params["id"])
        if flow is None:
            return 404, {"detail": "Not found."}
        if request.method == "GET":
            return 200, {"context": {"sheriff_challenge": {
                "id": flow.challenge_id, "type": flow.kind, "status": flow.status,
                "remaining_attempts": flow.remaining,
            }}}  # fmt: skip
        if flow.status == "validated":
            flow.approved = True
            return 200, {"type_context": {"result": "workflow_status_approved"}}
        pending = {"workflow_status": "workflow_status_internal_pending"}
        return 200, {"verification_workflow": pending}

    def prompt_status(request: Request) -> Answer:
        flow = by_challenge(request.params["id"])
        if flow is None or flow.kind != "prompt":
            return 404, {"detail": "Not found."}
        flow.polls += 1
        user = flow.user
        if user.deny_after_polls is not None and flow.polls >= user.deny_after_polls:
            flow.status = "denied"
        elif user.approve_after_polls is not None and flow.polls >= user.approve_after_polls:
            flow.status = "validated"
        return 200, {"challenge_status": flow.status}

    def respond(request: Request) -> Answer:
        flow = by_challenge(request.params["id"])
        if flow is None or flow.kind not in ("sms", "email"):
            return 404, {"detail": "Not found."}
        if flow.remaining <= 0:
            return 400, {"detail": "Challenge has expired.", "challenge": {"remaining_attempts": 0}}
        if request.body.get("response") == flow.user.code:
            flow.status = "validated"
            return 200, {"id": flow.challenge_id, "status": "validated"}
        flow.remaining -= 1
        return 400, {
            "detail": "Challenge response is invalid.",
            "challenge": {"id": flow.challenge_id, "remaining_attempts": flow.remaining},
        }

    router.add("POST", r"/oauth2/token", token)
    router.add("POST", r"/oauth2/revoke_token", revoke)
    router.add("POST", r"/pathfinder/user_machine", user_machine)
    router.add("GET", r"/pathfinder/inquiries/(?P<id>[^/]+)/user_view", user_view)
    router.add("POST", r"/pathfinder/inquiries/(?P<id>[^/]+)/user_view", user_view)
    router.add("GET", r"/push/(?P<id>[^/]+)/get_prompts_status", prompt_status)
    router.add("POST", r"/challenge/(?P<id>[^/]+)/respond", respond)

"""Routes: sign-in by emailed code, sign-out (docs/api.md "Sign-in")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.adapters import clock
from chalicelib.api import cookie_session
from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import login, session_list
from chalicelib.services.client_info import client_ip, client_location

if TYPE_CHECKING:
    from chalicelib.schemas.auth import CodeRequest, CodeSent, LoginOut, LoginRequest

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/auth/code",
    "POST",
    summary="Email a sign-in code",
    description="Same answer (and the same work) for every valid address, known or not; "
    "nothing is sent to an unknown one, whose flow behaves like a real one. The answer's "
    "`flow` goes with the code to `POST /auth/login`. Limits: per address 1 code a minute, "
    "5 an hour, 10 a day; per caller (IPv4 address, IPv6 /64) 20 an hour.",
    tags=["auth"],
    auth=False,
    status=202,
    body=schema("auth.CodeRequest"),
    response=schema("auth.CodeSent"),
    errors=(400, 422, 429, 503),
)
def request_code(call: Call, body: CodeRequest) -> CodeSent:
    flow = login.request_code(
        body.email,
        ip=client_ip(call.source_ip, call.headers),
        language=call.language,
        user_agent=call.headers.get("user-agent"),
    )
    return {"sent": True, "expires_in": flow.expires_in, "flow": flow.flow}


@endpoint(
    bp,
    "/auth/login",
    "POST",
    summary="Sign in with an emailed code",
    description="The code is valid only with the flow of the request that sent it. Wrong "
    "codes count per flow (the 5th burns it: 429 `too_many_attempts`) and per caller (20 "
    "an hour per IPv4 address or IPv6 /64: 429 `rate_limited`). The first sign-in creates "
    "the account, pre-filled from the client record of the person's first booking. Sent by "
    "the portal page (`X-Portal-Page: 1`), the token is not in the body but in an HttpOnly "
    "session cookie (`__Host-portal_session`, Secure, SameSite=Strict, for the session's "
    "life) that every authenticated route accepts.",
    tags=["auth"],
    auth=False,
    status=201,
    body=schema("auth.LoginRequest"),
    response=schema("auth.LoginOut"),
    errors=(400, 401, 422, 429, 503),
)
def sign_in(call: Call, body: LoginRequest) -> LoginOut | Response:
    ip = client_ip(call.source_ip, call.headers)
    signed_in = login.sign_in(
        body.email,
        body.code,
        body.flow,
        user_agent=call.headers.get("user-agent"),
        ip=ip,
        location=client_location(ip, call.headers),
        language=call.language,
    )
    answer: LoginOut = {
        "session": session_list.session_view(signed_in.session, signed_in.session.session_id),
        "profile": login.profile_of(signed_in.account),
    }
    if not cookie_session.from_page(call.request):
        answer["token"] = signed_in.token
        return answer
    # The page: the token only in the HttpOnly cookie, never where a script can read it.
    cookies = cookie_session.set_cookie(signed_in.token, signed_in.session.expires_at, clock.now())
    return Response(
        body=answer,
        status_code=201,
        headers={"Content-Type": "application/json", "Set-Cookie": cookies},
    )


@endpoint(
    bp,
    "/auth/logout",
    "POST",
    summary="Sign out (end the calling session)",
    tags=["auth"],
    status=204,
    errors=(401, 503),
)
def sign_out(call: Call) -> Response:
    session_list.end_current(call.account, actor_of(call))
    return cookie_session.ended_here(call.request, Response(body="", status_code=204))

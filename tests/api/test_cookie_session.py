"""The page's cookie session (contract v2 "The page"): set by the page's sign-in, accepted
by every authenticated route, refused to a possible cross-site request, cleared on sign-out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.api.cookie_session import COOKIE, SIGNED_IN_HINT
from chalicelib.services import sessions
from tests.api.test_auth import IPHONE, JSON, ask_code, do_login, last_code, seed_record

PAGE = {"X-Portal-Page": "1", "Sec-Fetch-Site": "same-origin"}
NINETY_DAYS = 90 * 86400


def page_sign_in(client: Any, outbox: Any, email: str = "camille@example.com") -> str:
    """Sign in as the page does; returns the cookie's token (from Set-Cookie)."""
    seed_record(email)
    assert ask_code(client, email).status_code == 202
    response = do_login(client, email, last_code(outbox, email), {"User-Agent": IPHONE, **PAGE})
    assert response.status_code == 201, response.json_body
    assert "token" not in response.json_body  # nothing a script could read
    assert response.json_body["profile"]["emails"][0]["address"] == email
    set_cookie = set_cookie_of(response) or ""
    name_value, *attributes = [part.strip() for part in set_cookie.split(";")]
    name, _, token = name_value.partition("=")
    assert name == COOKIE == "__Host-portal_session"
    assert token.count(".") == 2
    assert {"Path=/", "Secure", "HttpOnly", "SameSite=Strict"} <= set(attributes)
    max_age = int(next(a for a in attributes if a.startswith("Max-Age=")).split("=")[1])
    assert NINETY_DAYS - 60 <= max_age <= NINETY_DAYS  # the session's whole life
    return token


def set_cookie_of(response: Any) -> str | None:
    """The session cookie's Set-Cookie (the hint cookie goes with it, same lifetime)."""
    values = {name.lower(): value for name, value in response.headers.items()}.get("set-cookie")
    if values is None:
        return None
    session = [v for v in values if v.startswith(f"{COOKIE}=")]
    hint = [v for v in values if v.startswith(f"{SIGNED_IN_HINT}=")]
    assert len(values) == 2 and session and hint, values
    assert "HttpOnly" not in hint[0] and "Max-Age=" in hint[0]
    assert hint[0].split("Max-Age=")[1][:3] == session[0].split("Max-Age=")[1][:3]
    return session[0]


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"other=1; {COOKIE}={token}"}


def test_page_sign_in_sets_an_httponly_cookie_that_authenticates(client, outbox):
    token = page_sign_in(client, outbox)
    profile = client.http.get("/profile", headers=cookie(token))
    assert profile.status_code == 200
    assert profile.json_body["emails"][0]["address"] == "camille@example.com"
    listed = client.http.get("/sessions", headers=cookie(token))
    assert listed.status_code == 200 and listed.json_body["count"] == 1


def test_api_clients_still_get_the_token_in_the_body_and_no_cookie(client, outbox):
    seed_record()
    assert ask_code(client, "camille@example.com").status_code == 202
    response = do_login(client, "camille@example.com", last_code(outbox, "camille@example.com"))
    assert response.status_code == 201
    assert response.json_body["token"].count(".") == 2
    assert set_cookie_of(response) is None


def test_cookie_writes_need_the_page_header_and_same_origin(client, outbox):
    token = page_sign_in(client, outbox)
    body = json.dumps({"email": "camille.t@example.net"})
    refused = [
        {},  # a form or a cross-site fetch without the page's header
        {"X-Portal-Page": "1", "Sec-Fetch-Site": "cross-site"},
        {"X-Portal-Page": "1", "Sec-Fetch-Site": "same-site"},
        {"X-Portal-Page": "0", "Sec-Fetch-Site": "same-origin"},
    ]
    for headers in refused:
        answer = client.http.post(
            "/profile/emails", headers={**JSON, **cookie(token), **headers}, body=body
        )
        assert answer.status_code == 403, headers
        assert answer.json_body["error"]["code"] == "forbidden"
    ended = client.http.delete("/sessions", headers={**cookie(token), "Sec-Fetch-Site": "none"})
    assert ended.status_code == 403
    # Nothing happened: the address is not pending, the session lives.
    profile = client.http.get("/profile", headers=cookie(token)).json_body
    assert profile["pending_emails"] == []
    accepted = client.http.post(
        "/profile/emails", headers={**JSON, **cookie(token), **PAGE}, body=body
    )
    assert accepted.status_code in (200, 202), accepted.json_body
    # An older browser without Sec-Fetch-Site: the page's header is enough.
    ended = client.http.delete("/sessions", headers={**cookie(token), "X-Portal-Page": "1"})
    assert ended.status_code == 200


def test_a_bearer_token_is_not_subject_to_the_cookie_check(client, outbox):
    token = page_sign_in(client, outbox)
    answer = client.http.delete(
        "/sessions", headers={"Authorization": f"Bearer {token}", "Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("how", ["logout", "end_current", "delete_account"])
def test_ending_the_session_here_clears_the_cookie(client, outbox, frozen_clock, how):
    token = page_sign_in(client, outbox)
    frozen_clock(clock.now() + timedelta(minutes=2))  # the next code to this address may go
    headers = {**JSON, **cookie(token), **PAGE}
    if how == "logout":
        answer = client.http.post("/auth/logout", headers=headers)
    elif how == "end_current":
        session_id = token.split(".")[1]
        answer = client.http.delete(f"/sessions/{session_id}", headers=headers)
    else:
        assert client.http.post("/account/deletion", headers=headers).status_code == 202
        code = last_code(outbox, "camille@example.com")
        answer = client.http.delete("/account", headers=headers, body=json.dumps({"code": code}))
    assert answer.status_code == 204, answer.body
    assert (set_cookie_of(answer) or "").startswith(f"{COOKIE}=; Max-Age=0;")
    again = client.http.get("/profile", headers=cookie(token))
    assert again.status_code == 401
    assert (set_cookie_of(again) or "").startswith(f"{COOKIE}=; Max-Age=0;")  # dead: dropped


def test_ending_another_session_keeps_the_cookie(client, outbox):
    token = page_sign_in(client, outbox)
    other = sessions.issue(
        token.split(".")[0], "camille@example.com", user_agent="x", ip="203.0.113.9", location=None
    )
    answer = client.http.delete(
        f"/sessions/{other.session.session_id}", headers={**cookie(token), **PAGE}
    )
    assert answer.status_code == 204
    assert set_cookie_of(answer) is None
    assert client.http.get("/profile", headers=cookie(token)).status_code == 200


def test_a_forged_cookie_is_401_and_no_token_is_logged(client, outbox, caplog):
    answer = client.http.get("/profile", headers=cookie("a_x.s_y.forged"))
    assert answer.status_code == 401
    assert answer.json_body["error"]["code"] == "unauthenticated"
    assert "forged" not in caplog.text


def test_openapi_describes_the_cookie_scheme(client):
    spec = client.http.get("/openapi.json").json_body
    scheme = spec["components"]["securitySchemes"]["pageCookie"]
    assert scheme == {**scheme, "type": "apiKey", "in": "cookie", "name": COOKIE}
    assert {"pageCookie": []} in spec["paths"]["/profile"]["get"]["security"]
    assert "403" in spec["paths"]["/profile"]["put"]["responses"]

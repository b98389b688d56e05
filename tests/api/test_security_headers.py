"""Every API answer is uncacheable and typed (docs/api.md "Contract v2 additions"), and sessions
end 90 days after they began whatever their stored expiry says."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.services import sessions
from chalicelib.store.sessions import Session
from tests.conftest import make_account

JSON = {"Content-Type": "application/json"}


def assert_secure(response: Any) -> None:
    assert response.headers.get("Cache-Control") == "no-store", response.headers
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/health", None, 200),
        ("get", "/openapi.json", None, 200),
        ("post", "/auth/code", {"email": "camille@example.com"}, 202),
        ("post", "/auth/code", {"email": "nope"}, 422),
        ("post", "/auth/login", {"email": "a@example.com", "code": "1", "flow": "x"}, 422),
        ("get", "/profile", None, 401),
        ("get", "/does-not-exist", None, 404),  # the gateway's own answer
        ("put", "/health", None, 405),  # the framework's own answer
    ],
)
def test_every_answer_carries_no_store_and_nosniff(client, method, path, body, status):
    kwargs: dict[str, Any] = {"headers": JSON}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = getattr(client.http, method)(path, **kwargs)
    assert response.status_code == status
    assert_secure(response)


def test_invalid_json_and_the_token_answer_carry_them_too(client, outbox):
    from tests.api.test_auth import sign_in

    make_account("camille@example.com")
    bad = client.http.post("/auth/code", headers=JSON, body="{not json")
    assert bad.status_code == 400
    assert_secure(bad)
    assert_secure(sign_in(client, outbox, "camille@example.com"))  # the one with the token


def test_a_session_ends_90_days_after_it_began_whatever_expires_at_says(client, frozen_clock):
    account = make_account()
    issued = sessions.issue(
        account.account_id, "camille@example.com", user_agent="pytest", ip=None, location=None
    )
    other = sessions.issue(
        account.account_id, "camille@example.com", user_agent="pytest", ip=None, location=None
    )
    # An item written with a later expiry (an old bug, a manual edit): the rule still holds.
    stored = Session.get(account.account_id, issued.session.session_id)
    stored.update(actions=[Session.expires_at.set(clock.now() + timedelta(days=400))])
    headers = {"Authorization": f"Bearer {issued.token}"}
    frozen_clock(clock.now() + timedelta(days=89, hours=23))
    assert client.http.get("/sessions", headers=headers).status_code == 200
    frozen_clock(clock.now() + timedelta(hours=2))  # 90 days and 1 hour
    assert client.http.get("/sessions", headers=headers).status_code == 401
    fresh = sessions.issue(
        account.account_id, "camille@example.com", user_agent="pytest", ip=None, location=None
    )
    listed = client.http.get("/sessions", headers={"Authorization": f"Bearer {fresh.token}"})
    assert [s["id"] for s in listed.json_body["sessions"]] == [fresh.session.session_id]
    assert other.session.session_id not in [s["id"] for s in listed.json_body["sessions"]]

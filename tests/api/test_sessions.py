"""Active sessions: listing, ending, expiry, activity writes, device descriptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.services import sessions
from chalicelib.store.sessions import Session
from tests.api.test_auth import seed_record, sign_in
from tests.conftest import make_account

UAS = {
    "iphone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    ),
    "android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36"
    ),
    "edge": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
    ),
    "firefox": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0"
    ),
}


def open_session(account: Any, user_agent: str = UAS["iphone"]) -> tuple[str, str]:
    """(session id, bearer headers) of a new session of ``account``."""
    issued = sessions.issue(
        account.account_id,
        account.emails[0].address,
        user_agent=user_agent,
        ip="24.48.0.1",
        location=None,
    )
    return issued.session.session_id, {"Authorization": f"Bearer {issued.token}"}


def test_list_shows_devices_current_first_then_most_recently_active(client, frozen_clock):
    account = make_account("camille@example.com")
    opened = {}
    for name, ua in UAS.items():
        opened[name] = open_session(account, ua)
        frozen_clock(clock.now() + timedelta(minutes=10))
    # The Android session is used again (later than everything else but the current one).
    client.http.get("/sessions", headers=opened["android"][1])
    frozen_clock(clock.now() + timedelta(minutes=10))

    response = client.http.get("/sessions", headers=opened["edge"][1])
    assert response.status_code == 200
    body = response.json_body
    assert body["count"] == 4
    by_id = {s["id"]: s for s in body["sessions"]}
    order = [s["id"] for s in body["sessions"]]
    assert order[0] == opened["edge"][0]
    assert order[1:] == [opened[n][0] for n in ("android", "firefox", "iphone")]
    assert [s["current"] for s in body["sessions"]] == [True, False, False, False]

    assert by_id[opened["iphone"][0]]["device"] == {
        "type": "mobile",
        "name": "iPhone",
        "os": "iOS 17.4",
    }
    assert by_id[opened["iphone"][0]]["browser"] == "Mobile Safari 17.4"
    assert by_id[opened["android"][0]]["device"] == {
        "type": "mobile",
        "name": "Pixel 8",
        "os": "Android 14",
    }
    assert by_id[opened["android"][0]]["browser"] == "Chrome Mobile 124.0"
    assert by_id[opened["edge"][0]]["device"] == {
        "type": "desktop",
        "name": None,
        "os": "Windows",  # Windows 11 sends "Windows NT 10.0" too
    }
    assert by_id[opened["edge"][0]]["browser"] == "Edge 124.0"
    assert by_id[opened["firefox"][0]]["device"] == {
        "type": "desktop",
        "name": "Mac",
        "os": "macOS",  # not "Mac OS X 10.15": browsers freeze that version
    }
    assert by_id[opened["firefox"][0]]["browser"] == "Firefox 125.0"
    session = by_id[opened["iphone"][0]]
    assert set(session) == {
        "id",
        "current",
        "email",
        "device",
        "browser",
        "ip",
        "location",
        "local_network",
        "created_at",
        "last_active_at",
        "expires_at",
    }
    assert session["email"] == "camille@example.com"
    assert session["ip"] == "24.48.0.1"
    assert session["location"] is None
    assert session["local_network"] is False  # 24.48.0.1 is public, only not in a database


@pytest.mark.parametrize(
    ("ip", "local"),
    [
        ("127.0.0.1", True),
        ("192.168.1.20", True),
        ("10.0.0.7", True),
        ("::1", True),
        ("::ffff:172.16.0.3", True),
        ("fd00::1", True),
        ("24.48.0.1", False),
        ("203.0.113.9", False),  # a documentation range: stands for a public address
        (None, False),
    ],
)
def test_sessions_from_loopback_and_private_addresses_say_local_network(client, ip, local):
    account = make_account("camille@example.com")
    issued = sessions.issue(
        account.account_id, "camille@example.com", user_agent=UAS["edge"], ip=ip, location=None
    )
    headers = {"Authorization": f"Bearer {issued.token}"}
    [session] = client.http.get("/sessions", headers=headers).json_body["sessions"]
    assert session["local_network"] is local
    assert session["location"] is None


def test_activity_from_the_local_demo_says_local_network(client, outbox):
    # The test gateway, like the local stack, calls from 127.0.0.1.
    seed_record()
    token = sign_in(client, outbox, "camille@example.com").json_body["token"]
    headers = {"Authorization": f"Bearer {token}"}
    [signed_in] = client.http.get("/account/activity", headers=headers).json_body["events"]
    assert signed_in["type"] == "sign_in"
    assert signed_in["ip"] == "127.0.0.1"
    assert signed_in["local_network"] is True
    [session] = client.http.get("/sessions", headers=headers).json_body["sessions"]
    assert session["local_network"] is True


def test_ended_session_token_is_refused_immediately(client, aws_env):
    account = make_account()
    _, current = open_session(account)
    other_id, other = open_session(account, UAS["edge"])
    assert client.http.get("/sessions", headers=other).status_code == 200
    response = client.http.delete(f"/sessions/{other_id}", headers=current)
    assert response.status_code == 204
    refused = client.http.get("/sessions", headers=other)
    assert refused.status_code == 401
    assert refused.json_body["error"]["code"] == "unauthenticated"
    assert client.http.get("/sessions", headers=current).json_body["count"] == 1


def test_ending_the_current_session_is_allowed(client, aws_env):
    account = make_account()
    session_id, headers = open_session(account)
    assert client.http.delete(f"/sessions/{session_id}", headers=headers).status_code == 204
    assert client.http.get("/sessions", headers=headers).status_code == 401


def test_another_accounts_session_is_not_found(client, aws_env):
    mine = make_account("camille@example.com")
    theirs = make_account("sam@example.com")
    _, headers = open_session(mine)
    their_id, their_headers = open_session(theirs)
    response = client.http.delete(f"/sessions/{their_id}", headers=headers)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"
    assert client.http.get("/sessions", headers=their_headers).status_code == 200
    assert client.http.delete("/sessions/s_nope", headers=headers).status_code == 404


def test_end_all_other_sessions(client, aws_env):
    account = make_account()
    other_account = make_account("sam@example.com")
    _, current = open_session(account)
    others = [open_session(account, UAS[name])[1] for name in ("edge", "android")]
    _, bystander = open_session(other_account)
    response = client.http.delete("/sessions", headers=current)
    assert response.status_code == 200
    assert response.json_body == {"ended": 2}
    for headers in others:
        assert client.http.get("/sessions", headers=headers).status_code == 401
    assert client.http.get("/sessions", headers=current).json_body["count"] == 1
    assert client.http.get("/sessions", headers=bystander).status_code == 200


def test_expired_session_is_refused_and_hidden(client, frozen_clock):
    account = make_account()
    old_id, old = open_session(account)
    frozen_clock(clock.now() + timedelta(days=2))
    _, recent = open_session(account, UAS["edge"])
    frozen_clock(clock.now() + timedelta(days=89))  # old: 91 days; recent: 89 days
    assert Session.get(account.account_id, old_id)  # TTL has not deleted it
    assert client.http.get("/sessions", headers=old).status_code == 401
    body = client.http.get("/sessions", headers=recent).json_body
    assert body["count"] == 1
    assert old_id not in [s["id"] for s in body["sessions"]]
    assert client.http.delete(f"/sessions/{old_id}", headers=recent).status_code == 404


@pytest.fixture
def update_item_calls(aws_env: None) -> list[str]:
    """Names of the UpdateItem calls pynamodb makes on the sessions table."""
    calls: list[str] = []
    connection = Session._get_connection().connection

    def record(params: Any, **kwargs: Any) -> None:
        calls.append(params.get("TableName", ""))

    connection.client.meta.events.register("provide-client-params.dynamodb.UpdateItem", record)
    yield calls
    connection.client.meta.events.unregister("provide-client-params.dynamodb.UpdateItem", record)


def test_last_active_at_written_at_most_once_per_five_minutes(
    client, frozen_clock, update_item_calls
):
    account = make_account()
    session_id, headers = open_session(account)
    started = clock.now()
    for _ in range(4):
        frozen_clock(clock.now() + timedelta(minutes=1))
        assert client.http.get("/sessions", headers=headers).status_code == 200
    assert Session.get(account.account_id, session_id).last_active_at == started
    assert update_item_calls == []

    frozen_clock(started + timedelta(minutes=6))
    for _ in range(3):
        assert client.http.get("/sessions", headers=headers).status_code == 200
    assert Session.get(account.account_id, session_id).last_active_at == clock.now()
    assert len(update_item_calls) == 1
    listed = client.http.get("/sessions", headers=headers).json_body["sessions"][0]
    assert listed["last_active_at"] == clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "a..c", "x" * 300],
)
def test_malformed_tokens_are_401(client, aws_env, token):
    response = client.http.get("/sessions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_wrong_secret_for_a_real_session_is_401(client, aws_env):
    account = make_account()
    _, headers = open_session(account)
    forged = headers["Authorization"].rsplit(".", 1)[0] + ".not-the-secret"
    assert client.http.get("/sessions", headers={"Authorization": forged}).status_code == 401

"""Sign-in by emailed code: the whole flow, limits, no enumeration, first sign-in, notices."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import clock
from chalicelib.services import bookings, login, sessions
from chalicelib.services.email_address import parse as parse_email
from chalicelib.store.accounts import Account
from chalicelib.store.email_claims import EmailClaim
from tests.conftest import make_account
from tests.support.concurrency import together

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
)
JSON = {"Content-Type": "application/json"}


def seed_record(
    email: str = "camille@example.com",
    *,
    professional_id: str = "p1",
    client_id: str = "c1",
    created_at: str = "2025-03-01T10:00:00-05:00",
    **fields: Any,
) -> None:
    record = {
        "professional_id": professional_id,
        "client_id": client_id,
        "first_name": "Camille",
        "last_name": "Tremblay",
        "email": email,
        "mobile_phone": "514-555-0123",
        "home_phone": None,
        "language": "fr",
        "created_at": created_at,
        **fields,
    }
    event = {
        "type": "client_record.upserted",
        "occurred_at": "2026-01-01T00:00:00Z",
        "client_record": record,
    }
    assert bookings.apply(bookings.parse(json.dumps(event)))


# The flow of the latest code asked per address (as typed, lowercased), as a client keeps it.
FLOWS: dict[str, str] = {}
NO_FLOW = "f" * 32  # a well-formed flow nobody was given


def ask_code(client: Any, email: str, headers: dict | None = None) -> Any:
    response = client.http.post(
        "/auth/code", headers={**JSON, **(headers or {})}, body=json.dumps({"email": email})
    )
    if response.status_code == 202:
        FLOWS[email.lower()] = response.json_body["flow"]
    return response


def do_login(
    client: Any, email: str, code: str, headers: dict | None = None, *, flow: str | None = None
) -> Any:
    return client.http.post(
        "/auth/login",
        headers={**JSON, **(headers or {})},
        body=json.dumps({"email": email, "code": code, "flow": flow or FLOWS.get(email.lower())}),
    )


def last_code(outbox: Any, to: str) -> str:
    mails = [m for m in outbox()["emails"] if m["to"] == to]
    assert mails, "no email sent"
    found = re.search(r"\b(\d{6})\b", mails[-1]["text"])
    assert found
    return found.group(1)


def sign_in(client: Any, outbox: Any, email: str, user_agent: str = IPHONE) -> Any:
    assert ask_code(client, email).status_code == 202
    response = do_login(client, email, last_code(outbox, email), {"User-Agent": user_agent})
    assert response.status_code == 201, response.json_body
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_whole_flow_code_by_email_then_login_then_token_works(client, outbox):
    seed_record()
    response = ask_code(client, "Camille@Example.com")
    assert response.status_code == 202
    assert response.json_body == {
        "sent": True,
        "expires_in": 600,
        "flow": FLOWS["camille@example.com"],
    }
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", response.json_body["flow"])
    [mail] = outbox()["emails"]
    assert mail["to"] == "camille@example.com"
    assert "connexion" in mail["subject"].lower()  # French: the record's language

    code = last_code(outbox, "camille@example.com")
    response = do_login(client, "Camille@Example.com", code, {"User-Agent": IPHONE})
    assert response.status_code == 201
    body = response.json_body
    assert body["profile"]["first_name"] == "Camille"
    assert body["profile"]["emails"][0]["address"] == "Camille@Example.com"
    session = body["session"]
    assert session["current"] is True
    assert session["email"] == "camille@example.com"
    assert session["device"] == {"type": "mobile", "name": "iPhone", "os": "iOS 17.4"}
    assert session["id"].startswith("s_")

    listed = client.http.get("/sessions", headers=bearer(body["token"]))
    assert listed.status_code == 200
    assert listed.json_body["count"] == 1
    assert listed.json_body["sessions"][0]["id"] == session["id"]


def test_code_email_in_the_accounts_language(client, outbox, aws_env):
    make_account("sam@example.com", language="en")
    seed_record("sam@example.com", language="fr")
    assert ask_code(client, "sam@example.com").status_code == 202
    assert outbox()["emails"][0]["subject"].startswith("Your sign-in code")


def test_code_email_falls_back_to_accept_language(client, outbox):
    seed_record("sam@example.com", language=None)
    assert ask_code(client, "sam@example.com", {"Accept-Language": "en-CA"}).status_code == 202
    assert outbox()["emails"][0]["subject"].startswith("Your sign-in code")


def test_no_enumeration_same_answer_and_nothing_sent_to_unknown(client, outbox, aws_env):
    make_account("known@example.com")
    known = ask_code(client, "known@example.com")
    unknown = ask_code(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json_body.keys() == unknown.json_body.keys() == {"sent", "expires_in", "flow"}
    assert known.json_body["flow"] != unknown.json_body["flow"]
    assert {k: v for k, v in known.json_body.items() if k != "flow"} == {
        k: v for k, v in unknown.json_body.items() if k != "flow"
    }
    assert [m["to"] for m in outbox()["emails"]] == ["known@example.com"]


def test_invalid_address_is_422(client):
    response = ask_code(client, "not-an-address")
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"email": "invalid_email"}


def test_wrong_code_five_times_burns_it(client, outbox):
    seed_record()
    ask_code(client, "camille@example.com")
    code = last_code(outbox, "camille@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = do_login(client, "camille@example.com", wrong)
        assert response.status_code == 401
        assert response.json_body["error"]["code"] == "invalid_code"
    response = do_login(client, "camille@example.com", code)
    assert response.status_code == 429
    assert response.json_body["error"]["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0


def test_expired_code_is_refused(client, outbox, frozen_clock):
    seed_record()
    ask_code(client, "camille@example.com")
    code = last_code(outbox, "camille@example.com")
    frozen_clock(clock.now() + timedelta(minutes=11))
    response = do_login(client, "camille@example.com", code)
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_code"


def test_code_cannot_be_reused(client, outbox):
    seed_record()
    ask_code(client, "camille@example.com")
    code = last_code(outbox, "camille@example.com")
    assert do_login(client, "camille@example.com", code).status_code == 201
    again = do_login(client, "camille@example.com", code)
    assert again.status_code == 401
    assert again.json_body["error"]["code"] == "invalid_code"


def test_second_code_within_a_minute_is_429(client, outbox, frozen_clock):
    seed_record()
    assert ask_code(client, "camille@example.com").status_code == 202
    frozen_clock(clock.now() + timedelta(seconds=30))
    response = ask_code(client, "camille@example.com")
    assert response.status_code == 429
    assert response.json_body["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert len(outbox()["emails"]) == 1


def test_sixth_code_in_an_hour_is_429(client, outbox, frozen_clock):
    seed_record()
    for _ in range(5):
        assert ask_code(client, "camille@example.com").status_code == 202
        frozen_clock(clock.now() + timedelta(seconds=61))
    response = ask_code(client, "camille@example.com")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert len(outbox()["emails"]) == 5
    frozen_clock(clock.now() + timedelta(hours=1))
    assert ask_code(client, "camille@example.com").status_code == 202


def test_per_caller_limit_across_addresses(client, frozen_clock):
    for n in range(20):
        assert ask_code(client, f"person{n}@example.com").status_code == 202
    response = ask_code(client, "person20@example.com")
    assert response.status_code == 429


def test_first_sign_in_prefills_from_the_earliest_client_record(client, outbox):
    seed_record(
        professional_id="p2",
        client_id="later",
        created_at="2025-06-01T09:00:00-04:00",
        first_name="Cam",
        last_name="T.",
        language="fr",
        mobile_phone="438-555-0199",
    )
    seed_record(
        professional_id="p1",
        client_id="first",
        created_at="2023-02-01T09:00:00-05:00",
        first_name="Camille",
        last_name="Tremblay",
        language="en",
        mobile_phone="514-555-0123",
        home_phone="555",  # not a valid number: kept as typed on the record, not copied
    )
    body = sign_in(client, outbox, "camille@example.com").json_body
    profile = body["profile"]
    assert (profile["first_name"], profile["last_name"]) == ("Camille", "Tremblay")
    assert profile["language"] == "en"
    # The first code email speaks the profile's language: the first booking's, not the newest's.
    [code_email] = outbox()["emails"]
    assert code_email["subject"].startswith("Your sign-in code")
    assert profile["mobile_phone"]["e164"] == "+15145550123"
    assert profile["home_phone"] is None
    assert profile["date_format"] == "YYYY-MM-DD"
    assert profile["time_format"] == "24h"
    assert profile["timezone"] == "America/Toronto"
    account = Account.get(profile["account_id"])
    assert [e.address for e in account.emails] == ["camille@example.com"]
    assert EmailClaim.get("camille@example.com").account_id == account.account_id


def test_existing_account_signs_in_to_it(client, outbox, aws_env):
    account = make_account("camille@example.com", first_name="Camille")
    body = sign_in(client, outbox, "camille@example.com").json_body
    assert body["profile"]["account_id"] == account.account_id
    assert Account.count() == 1


def test_simultaneous_first_sign_ins_end_in_one_account(aws_env, serialised_moto):
    seed_record()
    email = parse_email("camille@example.com")

    def first_sign_in() -> str:
        account, _ = login.account_for(email, language="fr")
        return account.account_id

    results = together([first_sign_in] * 4)
    assert all(isinstance(result, str) for result in results), results
    assert len(set(results)) == 1
    assert Account.count() == 1
    assert EmailClaim.count() == 1
    assert EmailClaim.get("camille@example.com").account_id == results[0]


def test_loser_of_the_creation_race_signs_in_to_the_winner(aws_env, monkeypatch):
    winner = make_account("camille@example.com")
    real_claim = login._claim
    calls: list[str] = []

    def claim_not_yet_seen(address: str) -> Any:
        calls.append(address)
        return None if len(calls) == 1 else real_claim(address)  # the race: first read misses

    monkeypatch.setattr(login, "_claim", claim_not_yet_seen)
    account, created = login.account_for(parse_email("camille@example.com"), language="fr")
    assert (account.account_id, created) == (winner.account_id, False)
    assert Account.count() == 1


class _FailingSes:
    def send_email(self, **kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")


def test_new_device_notice_in_the_accounts_language_once(client, outbox, aws_env):
    account = make_account("sam@example.com", language="en", time_format="12h")
    sessions.issue(account.account_id, "sam@example.com", user_agent=IPHONE, ip=None, location=None)

    sign_in(client, outbox, "sam@example.com", user_agent=EDGE)
    notices = [m for m in outbox()["emails"] if "New sign-in" in m["subject"]]
    assert len(notices) == 1
    assert notices[0]["to"] == "sam@example.com"
    assert "Edge 124.0" in notices[0]["text"]
    assert "Windows" in notices[0]["text"]
    assert "Active sessions" in notices[0]["text"]

    clock.set_now(clock.now() + timedelta(minutes=2))  # the next code is allowed
    sign_in(client, outbox, "sam@example.com", user_agent=EDGE)
    sign_in_again = [m for m in outbox()["emails"] if "New sign-in" in m["subject"]]
    assert len(sign_in_again) == 1  # same device and browser as a live session: no notice


def test_no_notice_on_first_sign_in(client, outbox):
    seed_record()
    sign_in(client, outbox, "camille@example.com")
    assert all("Nouvelle connexion" not in m["subject"] for m in outbox()["emails"])
    assert len(outbox()["emails"]) == 1  # the code only


def test_notice_failure_does_not_fail_the_login(client, outbox, aws_env, monkeypatch):
    account = make_account("sam@example.com")
    sessions.issue(account.account_id, "sam@example.com", user_agent=IPHONE, ip=None, location=None)
    assert ask_code(client, "sam@example.com").status_code == 202
    code = last_code(outbox, "sam@example.com")
    monkeypatch.setattr("chalicelib.adapters.mailer.client", lambda service: _FailingSes())
    response = do_login(client, "sam@example.com", code, {"User-Agent": EDGE})
    assert response.status_code == 201


def test_logout_ends_the_calling_session(client, outbox):
    seed_record()
    token = sign_in(client, outbox, "camille@example.com").json_body["token"]
    assert client.http.post("/auth/logout", headers=bearer(token)).status_code == 204
    assert client.http.get("/sessions", headers=bearer(token)).status_code == 401


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, outbox):
    seed_record()
    assert ask_code(client, "camille@example.com").status_code == 202
    response = do_login(
        client,
        "camille@example.com",
        last_code(outbox, "camille@example.com"),
        {"X-Forwarded-For": "24.48.0.1"},
    )
    assert response.json_body["session"]["ip"] == "127.0.0.1"  # the test client's source
    assert response.json_body["session"]["location"] is None


def test_location_from_geoip_behind_one_trusted_proxy(client, outbox, monkeypatch, tmp_path):
    from chalicelib.adapters import geoip
    from chalicelib.config import settings
    from tests.support.mmdb import MONTREAL, build_city_mmdb

    path = build_city_mmdb(tmp_path / "city.mmdb", {"24.48.0.0/16": MONTREAL})
    monkeypatch.setenv("PORTAL_GEOIP_DB", str(path))
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "1")
    settings.cache_clear()
    geoip.reset()
    try:
        seed_record()
        assert ask_code(client, "camille@example.com").status_code == 202
        response = do_login(
            client,
            "camille@example.com",
            last_code(outbox, "camille@example.com"),
            {"X-Forwarded-For": "6.6.6.6, 24.48.0.1"},
        )
        session = response.json_body["session"]
        assert session["ip"] == "24.48.0.1"
        assert session["location"] == {
            "city": "Montréal",
            "region": "Quebec",
            "country": "Canada",
            "country_code": "CA",
            "label": "Montréal, Quebec, Canada",
        }
        listed = client.http.get("/sessions", headers=bearer(response.json_body["token"]))
        assert listed.json_body["sessions"][0]["location"]["label"] == "Montréal, Quebec, Canada"
    finally:
        monkeypatch.undo()
        settings.cache_clear()
        geoip.reset()


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567"])
def test_malformed_code_is_422(client, code):
    response = do_login(client, "camille@example.com", code)
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"code": "invalid_format"}

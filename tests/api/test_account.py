"""Privacy self-service: account activity, export, and deletion (docs/api.md "Contract v2")."""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib import limits
from chalicelib.adapters import clock, objects
from chalicelib.config import settings
from chalicelib.services import account_deletion, activity, cleanup
from chalicelib.store.accounts import Account
from chalicelib.store.activity import ActivityEvent
from chalicelib.store.appointments import Appointment
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.codes import Code
from chalicelib.store.deletions import AccountDeletion
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.object_leases import ObjectLease
from chalicelib.store.rate_limits import RateCounter
from chalicelib.store.sessions import Session
from tests.api.test_appointments import appointment, professional, record
from tests.api.test_auth import IPHONE, JSON, ask_code, do_login, last_code
from tests.api.test_photo import jpeg, put_image

EMAIL = "camille@example.com"
SECOND = "camille.tremblay@example.net"
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
)
PROFILE = {
    "first_name": "Camille",
    "last_name": "Tremblay-Roy",
    "mobile_phone": "514 555 0199",
    "home_phone": None,
    "language": "fr",
    "date_format": "YYYY-MM-DD",
    "time_format": "24h",
    "timezone": "America/Toronto",
}


# ---------------------------------------------------------------- helpers


@pytest.fixture
def booked(aws_env: None, frozen_clock: Any) -> None:
    """Camille is a client of two professionals (one under a second address), with
    appointments, one of them years ago."""
    professional("p-riviere", "Clinique Rivière")
    professional("p-harmonie", "Salon Harmonie", "America/Vancouver")
    record("p-riviere", "c1", EMAIL, created_at="2025-01-05T10:00:00Z")
    record("p-harmonie", "c7", SECOND, created_at="2025-02-01T10:00:00Z")
    appointment("p-riviere", "c1", "r-1", "2026-11-28T14:00:00-05:00", service="Physio")
    appointment("p-riviere", "c1", "r-old", "2023-03-01T09:00:00-05:00")
    appointment("p-harmonie", "c7", "h-1", "2026-12-02T16:00:00Z", service="Coupe")


def sign_in(client: Any, outbox: Any, email: str = EMAIL, user_agent: str = IPHONE) -> dict:
    """Sign in through the real routes; returns the bearer headers."""
    later(seconds=61)  # past the one-code-per-minute limit of the address
    assert ask_code(client, email).status_code == 202
    response = do_login(client, email, last_code(outbox, email), {"User-Agent": user_agent})
    assert response.status_code == 201, response.json_body
    later(seconds=1)  # events in order of time, as in life
    return {
        **JSON,
        "Authorization": f"Bearer {response.json_body['token']}",
        "User-Agent": user_agent,
    }


def later(**delta: Any) -> None:
    clock.set_now(clock.now() + timedelta(**delta))


def events(client: Any, headers: dict) -> list[dict]:
    response = client.http.get("/account/activity", headers=headers)
    assert response.status_code == 200, response.json_body
    return response.json_body["events"]


def save_profile(client: Any, headers: dict, version: int, **fields: Any) -> Any:
    body = {**PROFILE, **fields, "version": version}
    return client.http.put("/profile", headers=headers, body=json.dumps(body))


def s3_keys(account_id: str) -> list[str]:
    s3 = boto3.client("s3", region_name=settings().region)
    found = []
    for prefix in (f"photos/{account_id}/", f"uploads/{account_id}/"):
        listing = s3.list_objects_v2(Bucket=settings().bucket, Prefix=prefix)
        found += [item["Key"] for item in listing.get("Contents", [])]
    return found


def mails_to(outbox: Any, address: str) -> list[dict]:
    return [m for m in outbox()["emails"] if m["to"] == address]


def account_id_of(headers: dict) -> str:
    return headers["Authorization"].split()[1].split(".")[0]


# ---------------------------------------------------------------- activity


def test_activity_shows_sign_in_profile_and_photo_with_device_and_ip(client, outbox, booked):
    headers = sign_in(client, outbox)
    later(minutes=1)
    assert save_profile(client, headers, 1).status_code == 200
    later(minutes=1)
    assert put_image(client, headers, jpeg(), "image/jpeg").status_code == 200

    found = events(client, headers)
    assert [e["type"] for e in found] == ["photo_changed", "profile_saved", "sign_in"]
    for event in found:
        assert event["ip"] == "127.0.0.1"  # the test client's source address
        assert event["device"] == {"type": "mobile", "name": "iPhone", "os": "iOS 17.4"}
        assert event["browser"] == "Mobile Safari 17.4"
        assert event["email"] == EMAIL
    times = [e["at"] for e in found]
    assert times == sorted(times, reverse=True)


def step(response: Any, status: int) -> Any:
    """A call that must answer ``status``; the next one happens a second later."""
    assert response.status_code == status, response.json_body
    later(seconds=1)
    return response


def test_every_kind_of_change_records_its_event(client, outbox, booked):
    headers = sign_in(client, outbox)
    other = sign_in(client, outbox, user_agent=EDGE)
    third = sign_in(client, outbox, user_agent=EDGE)
    # Address added (with its code), then removed.
    step(
        client.http.post("/profile/emails", headers=headers, body=json.dumps({"email": SECOND})),
        202,
    )
    code = re.search(r"\b(\d{6})\b", mails_to(outbox, SECOND)[-1]["text"]).group(1)
    verify = {"email": SECOND, "code": code}
    step(client.http.post("/profile/emails/verify", headers=headers, body=json.dumps(verify)), 200)
    quoted = urllib.parse.quote(SECOND)
    step(client.http.delete(f"/profile/emails/{quoted}", headers=headers), 200)
    # Photo set then removed; one session ended by id, the rest at once; a sign-out.
    step(put_image(client, headers, jpeg(), "image/jpeg"), 200)
    step(client.http.delete("/profile/photo", headers=headers), 204)
    third_id = client.http.get("/sessions", headers=third).json_body["sessions"][0]["id"]
    step(client.http.delete(f"/sessions/{third_id}", headers=headers), 204)
    ended = step(client.http.delete("/sessions", headers=headers), 200).json_body["ended"]
    assert ended == 1
    fourth = sign_in(client, outbox)
    step(client.http.post("/auth/logout", headers=headers), 204)

    found = events(client, fourth)
    assert [e["type"] for e in found] == [
        "sign_out",
        "sign_in",
        "other_sessions_ended",
        "session_ended",
        "photo_removed",
        "photo_changed",
        "email_removed",
        "email_added",
        "sign_in",
        "sign_in",
        "sign_in",
    ]
    by_type = {e["type"]: e for e in reversed(found)}
    assert by_type["email_added"]["detail"] == {"address": SECOND}
    assert by_type["email_removed"]["detail"] == {"address": SECOND}
    assert by_type["session_ended"]["detail"] == {"session_id": third_id}
    assert by_type["other_sessions_ended"]["detail"] == {"ended": 1}
    assert found[-1]["device"]["name"] == "iPhone"  # the first sign-in
    assert found[-2]["browser"].startswith("Edge")
    assert other  # its session was ended by "other_sessions_ended"
    assert client.http.get("/account/activity", headers=other).status_code == 401


def test_a_refused_change_records_nothing(client, outbox, booked):
    headers = sign_in(client, outbox)
    step(save_profile(client, headers, 1), 200)
    assert save_profile(client, headers, 1, first_name="Autre").status_code == 409
    assert save_profile(client, headers, 2, first_name="").status_code == 422
    assert client.http.delete("/sessions/s_nope", headers=headers).status_code == 404
    wrong = {"email": SECOND, "code": "000000"}
    assert (
        client.http.post(
            "/profile/emails/verify", headers=headers, body=json.dumps(wrong)
        ).status_code
        == 401
    )
    assert [e["type"] for e in events(client, headers)] == ["profile_saved", "sign_in"]


def test_a_failed_transaction_leaves_neither_change_nor_event(client, outbox, booked, monkeypatch):
    from pynamodb.connection.base import Connection
    from pynamodb.exceptions import TransactWriteError

    headers = sign_in(client, outbox)

    def failing(self: Any, *args: Any, **kwargs: Any) -> None:
        raise TransactWriteError(
            "boom",
            cause=ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems"),
        )

    monkeypatch.setattr(Connection, "transact_write_items", failing)
    assert save_profile(client, headers, 1, first_name="Nouveau").status_code == 503
    monkeypatch.undo()
    account = Account.get(account_id_of(headers))
    assert account.first_name != "Nouveau" and account.version == 1
    assert [e["type"] for e in events(client, headers)] == ["sign_in"]


def test_activity_keeps_90_days_and_expires_by_ttl(client, outbox, booked):
    first = sign_in(client, outbox)
    later(days=60)
    headers = sign_in(client, outbox)
    assert save_profile(client, headers, 1).status_code == 200
    later(days=31)  # the first sign-in is now 91 days old
    found = events(client, headers)
    assert [e["type"] for e in found] == ["profile_saved", "sign_in"]
    assert client.http.get("/account/activity", headers=first).status_code == 401  # expired
    stored = list(ActivityEvent.query(account_id_of(headers)))
    assert len(stored) == 3  # TTL deletes lazily: the key bound hides the old one
    for item in stored:
        assert item.expires_at == item.at + limits.ACTIVITY_RETENTION


def test_activity_is_the_callers_only_and_needs_a_session(client, outbox, booked):
    mine = sign_in(client, outbox)
    theirs = sign_in(client, outbox, email=SECOND)
    assert save_profile(client, theirs, 1).status_code == 200
    assert [e["type"] for e in events(client, mine)] == ["sign_in"]
    assert client.http.get("/account/activity").status_code == 401


def test_activity_is_one_query(client, outbox, booked, dynamodb_calls):
    headers = sign_in(client, outbox)
    for version in (1, 2, 3):
        assert save_profile(client, headers, version).status_code == 200
    dynamodb_calls.clear()
    assert len(events(client, headers)) == 4
    operations = [op for op, _ in dynamodb_calls]
    assert operations == ["GetItem", "Query"]  # the session, then the events


# ---------------------------------------------------------------- export


def test_export_holds_profile_appointments_sessions_activity_and_photo(client, outbox, booked):
    headers = sign_in(client, outbox)
    sign_in(client, outbox, user_agent=EDGE)
    step(save_profile(client, headers, 1, first_name="Camille-Anne"), 200)
    step(put_image(client, headers, jpeg(), "image/jpeg"), 200)
    # The second address makes the other professional's record and appointments hers.
    from tests.api.test_appointments import add_verified

    add_verified(Account.get(account_id_of(headers)), SECOND)

    response = client.http.get("/account/export", headers=headers)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.json"')
    body = json.loads(response.body)
    assert set(body) == {
        "exported_at",
        "profile",
        "emails",
        "pending_emails",
        "sessions",
        "activity",
        "appointments",
        "professionals",
        "photo",
    }
    assert body["profile"]["first_name"] == "Camille-Anne"
    assert body["profile"]["mobile_phone"]["e164"] == "+15145550199"
    assert [e["address"] for e in body["emails"]] == [EMAIL, SECOND]
    assert sorted(a["id"] for a in body["appointments"]) == ["h-1", "r-1", "r-old"]
    assert {p["id"] for p in body["professionals"]} == {"p-riviere", "p-harmonie"}
    assert len(body["sessions"]) == 2
    assert [s["current"] for s in body["sessions"]].count(True) == 1
    assert [e["type"] for e in body["activity"]] == [
        "export",
        "photo_changed",
        "profile_saved",
        "sign_in",
        "sign_in",
    ]
    # The photo: a signed URL that reads the stored JPEG.
    key = Account.get(account_id_of(headers)).photo.key
    assert key in urllib.parse.unquote(body["photo"])
    assert objects.get_bytes(key, limit=10**7)[:2] == b"\xff\xd8"
    assert events(client, headers)[0]["type"] == "export"


def test_export_without_photo_or_appointments(client, signed_in):
    _, headers = signed_in()
    body = json.loads(client.http.get("/account/export", headers=headers).body)
    assert body["photo"] is None and body["appointments"] == [] and body["professionals"] == []
    assert client.http.get("/account/export").status_code == 401


# ---------------------------------------------------------------- deletion


def request_deletion(client: Any, headers: dict) -> Any:
    return client.http.post("/account/deletion", headers=headers)


def delete(client: Any, headers: dict, code: str) -> Any:
    return client.http.delete("/account", headers=headers, body=json.dumps({"code": code}))


def deletion_code(outbox: Any, address: str = EMAIL) -> str:
    mail = [
        m
        for m in mails_to(outbox, address)
        if "supprimer" in m["subject"] or "delete" in m["subject"]
    ]
    return re.search(r"\b(\d{6})\b", mail[-1]["text"]).group(1)


def test_deletion_code_is_emailed_limited_and_recorded(client, outbox, booked):
    headers = sign_in(client, outbox)
    later(minutes=2)
    response = request_deletion(client, headers)
    assert response.status_code == 202
    assert response.json_body == {"sent": True, "expires_in": 600}
    mail = mails_to(outbox, EMAIL)[-1]
    assert "supprimer votre compte" in mail["subject"]  # the account's language: fr
    assert "deletion_requested" in [e["type"] for e in events(client, headers)]
    again = request_deletion(client, headers)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0


def test_a_wrong_code_is_401_and_the_fifth_burns_it(client, outbox, booked):
    headers = sign_in(client, outbox)
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202
    code = deletion_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        answer = delete(client, headers, wrong)
        assert answer.status_code == 401 and answer.json_body["error"]["code"] == "invalid_code"
    burned = delete(client, headers, code)
    assert burned.status_code == 429 and burned.json_body["error"]["code"] == "too_many_attempts"
    assert delete(client, headers, "12ab").status_code == 422
    assert Account.get(account_id_of(headers)).account_id  # nothing deleted


def test_delete_account_removes_everything_only_the_portals(client, outbox, booked):
    headers = sign_in(client, outbox)
    other = sign_in(client, outbox, user_agent=EDGE)
    account_id = account_id_of(headers)
    assert save_profile(client, headers, 1, first_name="Camille-Anne").status_code == 200
    assert put_image(client, headers, jpeg(), "image/jpeg").status_code == 200
    assert client.http.post("/profile/photo/upload", headers=headers).status_code == 200
    from tests.api.test_appointments import add_verified

    add_verified(Account.get(account_id), SECOND)
    later(minutes=2)
    assert (
        client.http.post(
            "/profile/emails", headers=headers, body=json.dumps({"email": "new@example.org"})
        ).status_code
        == 202
    )
    assert s3_keys(account_id)
    assert request_deletion(client, headers).status_code == 202
    records_before = sorted((r.professional_id, r.client_id) for r in ClientRecord.scan())
    appointments_before = sorted(a.appointment_id for a in Appointment.scan())

    response = delete(client, headers, deletion_code(outbox))
    assert response.status_code == 204

    for token in (headers, other):  # every session ends at once
        assert client.http.get("/sessions", headers=token).status_code == 401
    assert s3_keys(account_id) == []
    assert [lease for lease in ObjectLease.scan() if lease.object_key.startswith("photos/")] == []
    assert not list(Account.scan()) and not list(EmailClaim.scan())
    assert not list(Session.query(account_id)) and not list(ActivityEvent.query(account_id))
    assert not list(Code.scan()) and not list(AccountDeletion.scan())
    assert not [c for c in RateCounter.scan() if c.bucket.startswith("code_send#")]
    for address in (EMAIL, SECOND):
        confirmation = mails_to(outbox, address)[-1]
        assert "supprimé" in confirmation["subject"]
    # The booking platform is told (the portal-events outbox, same transaction).
    from chalicelib.store.outbox import OutboxEvent

    deleted_events = [e for e in OutboxEvent.scan() if e.event_type == "client.account_deleted"]
    assert [e.account_id for e in deleted_events] == [account_id]
    # The professionals' data stays.
    assert sorted((r.professional_id, r.client_id) for r in ClientRecord.scan()) == records_before
    assert sorted(a.appointment_id for a in Appointment.scan()) == appointments_before

    # Signing in again starts a fresh account from the professional's record.
    again = sign_in(client, outbox)
    assert account_id_of(again) != account_id
    profile = client.http.get("/profile", headers=again).json_body
    assert (profile["first_name"], profile["last_name"]) == ("Camille", "Tremblay")
    assert profile["version"] == 1 and profile["photo"] is None
    listed = client.http.get("/appointments?from=2026-11-01T00%3A00%3A00Z", headers=again)
    assert [a["id"] for a in listed.json_body["appointments"]] == ["r-1"]
    assert [e["type"] for e in events(client, again)] == ["sign_in"]
    # The second address is free again too.
    assert (
        client.http.post("/auth/code", headers=JSON, body=json.dumps({"email": SECOND})).status_code
        == 202
    )


def test_the_code_works_once(client, outbox, booked):
    headers = sign_in(client, outbox)
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202
    code = deletion_code(outbox)
    assert delete(client, headers, code).status_code == 204
    assert delete(client, headers, code).status_code == 401


class Killed(BaseException):
    """The Lambda dies: not an error any code catches."""


@pytest.mark.parametrize("dies_in", ["objects", "activity"])
def test_a_deletion_killed_half_way_is_finished_by_cleanup(
    client, outbox, booked, monkeypatch, dies_in
):
    headers = sign_in(client, outbox)
    account_id = account_id_of(headers)
    assert put_image(client, headers, jpeg(), "image/jpeg").status_code == 200
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202
    code = deletion_code(outbox)
    sent_before = len(outbox()["emails"])

    def killed(*args: Any, **kwargs: Any) -> None:
        raise Killed()

    target = objects if dies_in == "objects" else activity
    monkeypatch.setattr(target, "delete_prefix" if dies_in == "objects" else "delete_all", killed)
    from chalicelib.caller import Caller
    from chalicelib.services.sessions import _load_account

    caller = Caller(account_id, "s", EMAIL, _load_account)
    with pytest.raises(Killed):
        account_deletion.delete_account(caller, code)
    monkeypatch.undo()

    # Killed after the first transaction: the account is gone, the sessions too
    # (the first step), the marker holds what is left to do.
    assert client.http.get("/profile", headers=headers).status_code == 401
    assert list(AccountDeletion.scan())
    assert s3_keys(account_id) if dies_in == "objects" else not s3_keys(account_id)
    assert len(outbox()["emails"]) == sent_before  # no confirmation yet

    assert cleanup.run()["deleted"]["accounts"] == 0  # too recent: its request may be running
    later(minutes=20)
    summary = cleanup.run()
    assert summary["deleted"]["accounts"] == 1 and summary["failed"] == 0
    assert s3_keys(account_id) == []
    assert not list(ActivityEvent.query(account_id)) and not list(AccountDeletion.scan())
    assert not list(EmailClaim.scan())
    assert "supprimé" in mails_to(outbox, EMAIL)[-1]["subject"]
    assert cleanup.run()["deleted"]["accounts"] == 0


def test_a_dependency_failure_after_the_commit_is_finished_by_cleanup(
    client, outbox, booked, monkeypatch
):
    headers = sign_in(client, outbox)
    account_id = account_id_of(headers)
    assert put_image(client, headers, jpeg(), "image/jpeg").status_code == 200
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202

    def s3_down(prefix: str) -> list[str]:
        raise ClientError({"Error": {"Code": "ServiceUnavailable"}}, "ListObjectsV2")

    monkeypatch.setattr(objects, "delete_prefix", s3_down)
    assert delete(client, headers, deletion_code(outbox)).status_code == 204  # done for the person
    assert client.http.get("/sessions", headers=headers).status_code == 401
    monkeypatch.undo()
    assert s3_keys(account_id)
    later(minutes=20)
    assert cleanup.run()["deleted"]["accounts"] == 1
    assert s3_keys(account_id) == []


def test_deletion_routes_need_a_session(client, aws_env):
    assert client.http.post("/account/deletion").status_code == 401
    assert (
        client.http.delete("/account", headers=JSON, body='{"code": "123456"}').status_code == 401
    )


def test_a_confirmation_that_cannot_be_sent_is_retried_once_by_cleanup(
    client, outbox, booked, monkeypatch
):
    from chalicelib.errors import Unavailable

    headers = sign_in(client, outbox)
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202
    code = deletion_code(outbox)

    def ses_down(to: str, mail: Any) -> None:
        raise Unavailable("ses")

    monkeypatch.setattr(account_deletion, "_send_mail", ses_down)
    assert delete(client, headers, code).status_code == 204
    assert list(AccountDeletion.scan())  # kept: the confirmation is still owed
    assert not list(EmailClaim.scan()) and not list(Session.scan())  # the rest is done
    later(minutes=20)
    summary = cleanup.run()  # SES still down: logged, and the marker goes anyway
    assert summary["deleted"]["accounts"] == 1
    assert not list(AccountDeletion.scan())  # the addresses it held are not kept


def test_an_address_added_during_the_deletion_is_released_too(client, outbox, booked, monkeypatch):
    from tests.api.test_appointments import add_verified

    headers = sign_in(client, outbox)
    later(minutes=2)
    assert request_deletion(client, headers).status_code == 202
    code = deletion_code(outbox)
    real_get = Account.get
    reads = []

    def get_then_change(*args: Any, **kwargs: Any) -> Any:
        stale = real_get(*args, **kwargs)
        if not reads:  # another tab confirms an address right after the first read
            add_verified(real_get(*args, **kwargs), SECOND)
        reads.append(stale)
        return stale

    monkeypatch.setattr(Account, "get", get_then_change)
    assert delete(client, headers, code).status_code == 204
    assert len(reads) >= 2  # the stale read lost on the version, the fresh one won
    assert not list(EmailClaim.scan())  # SECOND was released with the rest
    assert not list(Account.scan())

"""One role per function, each with exactly what that function calls (infra/iam.py).

Each function runs on moto through its real entry point, over a journey that
reaches every kind of call it makes; tests/support/aws_calls.py records the
(IAM action, target) each call needs. The test fails when a call is not
granted to that function, and when a grant is never used (so the table cannot
drift from the code either way). Grants Lambda itself uses (logs, the SQS
event source) are checked in the packaged template instead (test_package.py).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock, objects
from chalicelib.services import sessions
from infra import iam
from tests.api import test_cleanup, test_reminders
from tests.api.test_auth import ask_code, bearer, do_login, last_code, sign_in
from tests.conftest import make_account
from tests.support.aws_calls import recording
from tests.support.images import jpeg
from tests.support.profiles import PROFILE_UPDATE

JSON = {"Content-Type": "application/json"}


def api_journey(client: Any, outbox: Any, record: Any) -> None:
    """Every route that reaches AWS, in a person's order."""
    account = make_account("camille@example.com")
    test_reminders.professional()  # the person's bookings, for GET /appointments
    test_reminders.record()
    test_reminders.appointment()

    def api() -> Any:
        return record.as_function("api_handler")

    with api():
        ask_code(client, "camille@example.com")
        do_login(client, "camille@example.com", "000000")  # a wrong try is counted
    clock.set_now(clock.now() + timedelta(minutes=2))
    with api():
        token = json.loads(sign_in(client, outbox, "camille@example.com").body)["token"]
    auth = {**bearer(token), **JSON}
    with api():
        client.http.get("/profile", headers=auth)
        answer = client.http.put(
            "/profile", headers=auth, body=json.dumps({**PROFILE_UPDATE, "version": 1})
        )
        assert answer.status_code == 200, answer.body
        client.http.get("/appointments", headers=auth)
        client.http.get("/sessions", headers=auth)
        upload = json.loads(client.http.post("/profile/photo/upload", headers=auth).body)
    objects.put_jpeg(upload["fields"]["key"], jpeg())  # the browser's direct upload
    with api():
        client.http.post(
            "/profile/photo", headers=auth, body=json.dumps({"key": upload["fields"]["key"]})
        )
        client.http.post("/profile/photo/rotate", headers=auth, body=json.dumps({"degrees": 90}))
        client.http.put(
            "/profile/photo", headers={**bearer(token), "Content-Type": "image/jpeg"}, body=jpeg()
        )
        client.http.get("/profile", headers=auth)  # presigned photo URL
        client.http.delete("/profile/photo", headers=auth)
        second = "camille.t@example.net"
        client.http.post("/profile/emails", headers=auth, body=json.dumps({"email": second}))
    code = last_code(outbox, second)
    with api():
        client.http.post(
            "/profile/emails/verify", headers=auth, body=json.dumps({"email": second, "code": code})
        )
        client.http.delete(f"/profile/emails/{second}", headers=auth)
    sessions.issue(account.account_id, "camille@example.com", user_agent="x", ip="", location=None)
    with api():
        client.http.delete("/sessions", headers=auth)  # ends the other sessions
        client.http.post("/auth/logout", headers=auth)
    # Privacy self-service, then the account's deletion (a new session: the other ended).
    clock.set_now(clock.now() + timedelta(minutes=2))  # past the address's code limit
    issued = sessions.issue(
        account.account_id, "camille@example.com", user_agent="x", ip="", location=None
    )
    auth = {**bearer(issued.token), **JSON}
    with api():
        client.http.put(
            "/profile/photo",
            headers={**bearer(issued.token), "Content-Type": "image/jpeg"},
            body=jpeg(),
        )
        client.http.get("/account/activity", headers=auth)
        client.http.get("/account/export", headers=auth)
        client.http.post("/account/deletion", headers=auth)
    code = last_code(outbox, "camille@example.com")
    with api():
        deleted = client.http.delete("/account", headers=auth, body=json.dumps({"code": code}))
    assert deleted.status_code == 204, deleted.body
    outbox()  # the notices still queued


def lambda_outbox(record: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The outbox fixture's reader, with mail_sender's calls attributed to it and the
    queue event source's own calls (receive, delete) to nobody."""
    import app as app_module
    from infra.local.mail_drain import drain_mail_queue
    from infra.local.outbox import read_outbox

    real = app_module.mail_sender

    def mail_sender(event: Any, context: Any) -> Any:
        from chalicelib.services import secrets_store

        secrets_store._from_parameter.clear()  # its own process: it reads the code key too
        with record.as_function("mail_sender"):
            return real(event, context)

    monkeypatch.setattr(app_module, "mail_sender", mail_sender)

    def read() -> Any:
        with record.as_function(None):
            drain_mail_queue()
        return read_outbox()

    return read


@pytest.fixture
def code_secret_in_ssm(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """As on AWS: the code key is read from SSM (the Secrets Manager reference path)."""
    import boto3

    from chalicelib.config import settings

    boto3.client("secretsmanager").create_secret(
        Name="portal-local-code-secret", SecretString="k" * 64
    )
    monkeypatch.delenv("PORTAL_CODE_SECRET")
    monkeypatch.setenv(
        "PORTAL_CODE_SECRET_PARAMETER", "/aws/reference/secretsmanager/portal-local-code-secret"
    )
    settings.cache_clear()
    yield
    settings.cache_clear()


def check(function: str, used: set[tuple[str, str]]) -> None:
    granted = iam.granted(function)
    assert used - granted == set(), f"{function} calls what its role does not grant"
    assert granted - used == set(), f"{function}'s role grants what it never calls"


def test_api_handler_role_is_exactly_what_the_routes_call(
    client: Any,
    outbox: Any,
    frozen_clock: Any,
    code_secret_in_ssm: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with recording(monkeypatch) as record:
        api_journey(client, lambda_outbox(record, monkeypatch), record)
    check("api_handler", record.calls["api_handler"])


def test_mail_sender_role_is_exactly_what_the_sender_calls(
    client: Any,
    frozen_clock: Any,
    code_secret_in_ssm: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with recording(monkeypatch) as record:
        outbox = lambda_outbox(record, monkeypatch)
        api_journey(client, outbox, record)
        # A first sign-in: the address is only on a professional's client record.
        test_reminders.send(
            {
                "type": "client_record.upserted",
                "client_record": {
                    "professional_id": "p1",
                    "client_id": "c10",
                    "first_name": "Dominique",
                    "last_name": "Roy",
                    "email": "dominique@example.com",
                    "language": "en",
                    "created_at": "2026-01-05T15:00:00-05:00",
                },
            }
        )
        with record.as_function("api_handler"):
            ask_code(client, "dominique@example.com")
        assert outbox()["emails"][-1]["to"] == "dominique@example.com"
    check("mail_sender", record.calls["mail_sender"])


def test_booking_events_role_is_exactly_what_the_consumer_calls(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.local import demo

    events = demo.events()
    deleted = next(e for e in events if e["type"] == "appointment.upserted")
    events.append(
        {
            "type": "appointment.deleted",
            "occurred_at": "2099-01-01T00:00:00+00:00",
            "appointment": {
                key: deleted["appointment"][key] for key in ("professional_id", "client_id", "id")
            },
        }
    )
    messages = [json.dumps(event) for event in events]
    with recording(monkeypatch) as record, record.as_function("booking_events"):
        answer = client.lambda_.invoke(
            "booking_events", client.events.generate_sqs_event(messages, queue_name="q")
        )
    assert answer.payload == {"batchItemFailures": []}
    check("booking_events", record.calls["booking_events"])


def test_send_reminders_role_is_exactly_what_the_job_calls(
    client: Any, frozen_clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store.email_claims import EmailClaim

    test_reminders.professional()
    test_reminders.record()
    test_reminders.appointment()
    # The person has an account whose claim predates the contact copy: the account is read.
    make_account("camille@example.com", mobile_phone=test_reminders.PROFILE_MOBILE)
    EmailClaim.get("camille@example.com").update(actions=[EmailClaim.contact.remove()])
    clock.set_now(test_reminders.DUE + timedelta(minutes=10))
    with recording(monkeypatch) as record, record.as_function("send_reminders"):
        answer = client.lambda_.invoke(
            "send_reminders",
            client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            ),
        )
    assert answer.payload["sent"] == 1
    check("send_reminders", record.calls["send_reminders"])


def test_cleanup_role_is_exactly_what_the_job_calls(
    client: Any, frozen_clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = test_cleanup.NOW
    clock.set_now(now)
    test_cleanup.session_expiring_at(now - timedelta(days=1))
    test_cleanup.code_issued_at(now - timedelta(minutes=30), "old@example.com")
    for key, kind in (("uploads/a/old", "upload"), ("photos/a/old.jpg", "photo")):
        objects.put_jpeg(key, jpeg())
        test_cleanup.lease(key, kind, "a", now - timedelta(days=2))
    interrupted_deletion(now)
    with recording(monkeypatch) as record, record.as_function("cleanup"):
        answer = client.lambda_.invoke(
            "cleanup",
            client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            ),
        )
    assert answer.payload["failed"] == 0
    check("cleanup", record.calls["cleanup"])


def interrupted_deletion(now: Any) -> None:
    """An account deletion whose request died after its first transaction."""
    from chalicelib.services.activity import Actor, record
    from chalicelib.store.deletions import PENDING, AccountDeletion
    from chalicelib.store.email_claims import EmailClaim

    account_id = "a_deleted"
    sessions.issue(account_id, "gone@example.com", user_agent="x", ip="", location=None)
    record(Actor(account_id, None, "gone@example.com", None, None, None), "export")
    EmailClaim("gone@example.com", account_id=account_id, claimed_at=now).save()
    objects.put_jpeg(f"photos/{account_id}/p.jpg", jpeg())
    AccountDeletion(
        PENDING,
        account_id,
        requested_at=now - timedelta(hours=1),
        language="fr",
        emails=["gone@example.com"],
        displays=["gone@example.com"],
        photo_key=f"photos/{account_id}/p.jpg",
    ).save()


def test_ses_events_role_is_exactly_what_the_bounce_recorder_calls(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.test_bounces import ses_event

    with recording(monkeypatch) as record, record.as_function("ses_events"):
        client.lambda_.invoke(
            "ses_events",
            client.events.generate_sns_event(message=ses_event("Bounce", "a@example.com")),
        )
    check("ses_events", record.calls["ses_events"])


def test_publish_events_role_is_exactly_what_the_publisher_calls(
    client: Any, signed_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import publish_events
    from tests.support.portal_events import published, stream_publisher
    from tests.support.profiles import PROFILE_UPDATE

    _, headers = signed_in()
    body = {**PROFILE_UPDATE, "version": 1}
    assert client.http.put("/profile", headers=headers, body=json.dumps(body)).status_code == 200
    with recording(monkeypatch) as record:

        def handler(event: Any, context: Any) -> Any:  # only the function's own calls
            with record.as_function("publish_events"):
                return publish_events(event, context)

        stream_publisher(handler).drain()
    assert [event["type"] for event in published()] == ["client.profile_updated"]
    check("publish_events", record.calls["publish_events"])


def test_health_touches_no_dependency(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with recording(monkeypatch) as record, record.as_function("api_handler"):
        assert client.http.get("/health").status_code == 200
    assert record.calls["api_handler"] == set()


def test_every_function_of_the_app_has_a_row() -> None:
    from app import app

    functions = {"api_handler"} | {source.name for source in app.event_sources}
    assert set(iam.FUNCTIONS) == functions

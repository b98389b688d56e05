"""Fault injection: SES, SNS, S3 and DynamoDB fail in the middle of real requests.

Faults are injected at the SDK boundary, ``botocore.client.BaseClient._make_api_call``,
for every client (boto3's and pynamodb's alike): the call raises the ClientError
AWS would answer, *after* botocore's own retries (as when they are exhausted).
pynamodb wraps it exactly as it wraps a real error (``VerboseClientError`` with
the transaction's cancellation reasons). One scenario instead throttles one HTTP
answer on the wire (``Endpoint._do_get_response``), below botocore's retries,
to show that a transient throttle is absorbed without the caller noticing.

Each test checks the answer (503 ``unavailable`` with ``Retry-After``, or a
success) and then what a person would notice afterwards: nothing lost or
half-written, and the same request retried succeeds.

``PROOF_TABLE=path pytest tests/faults`` writes the scenario table of
docs/proof.md from the tests that passed.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.endpoint import Endpoint, convert_to_response_dict
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import MockRawResponse
from PIL import Image

from chalicelib.adapters import clock, objects
from chalicelib.config import settings
from chalicelib.services import bookings, cleanup, reminders
from chalicelib.services.emails import PURPOSE as ADD_EMAIL
from chalicelib.services.emails import code_subject
from chalicelib.store.accounts import Account
from chalicelib.store.appointments import Appointment, record_key
from chalicelib.store.codes import Code
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.object_leases import ObjectLease
from infra.local.outbox import read_outbox
from tests.conftest import make_account
from tests.support.profiles import PROFILE_UPDATE

FIRST = "camille@example.com"
SECOND = "camille.tremblay@example.net"
JSON = {"Content-Type": "application/json"}

# --------------------------------------------------------------------------- injection


@dataclass
class Rule:
    service: str  # botocore service name: dynamodb, sesv2, sns, s3
    operation: str  # e.g. UpdateItem, SendEmail
    code: str
    times: int | None  # None: always
    table: str | None = None  # DynamoDB: only calls naming a table ending so
    reasons: tuple[str, ...] = ()  # TransactionCanceledException: one per item
    hits: int = 0

    def matches(self, service: str, operation: str, params: dict) -> bool:
        if (service, operation) != (self.service, self.operation):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if self.table:
            tables = {params.get("TableName", "")} | {
                next(iter(item.values())).get("TableName", "")
                for item in params.get("TransactItems", [])
            }
            return any(t.endswith(self.table) for t in tables)
        return True

    def error(self) -> ClientError:
        response: dict[str, Any] = {
            "Error": {"Code": self.code, "Message": "injected fault"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
        }
        if self.reasons:
            response["CancellationReasons"] = [{"Code": r} for r in self.reasons]
        return ClientError(response, self.operation)  # type: ignore[arg-type]


class Faults:
    """Rules checked on every AWS call of the process; thread-safe."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rules: list[Rule] = []
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        original = BaseClient._make_api_call
        faults = self

        def make_api_call(client: Any, operation_name: str, api_params: dict) -> Any:
            service = client.meta.service_model.service_name
            with faults._lock:
                faults.calls.append((service, operation_name))
                rule = next(
                    (r for r in faults.rules if r.matches(service, operation_name, api_params)),
                    None,
                )
                if rule is not None:
                    rule.hits += 1
            if rule is not None:
                raise rule.error()
            return original(client, operation_name, api_params)

        monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)

    def fail(
        self,
        service: str,
        operation: str,
        code: str,
        *,
        times: int | None = None,
        table: str | None = None,
        reasons: tuple[str, ...] = (),
    ) -> Rule:
        rule = Rule(service, operation, code, times, table, reasons)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()


@pytest.fixture
def faults(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Faults:
    return Faults(monkeypatch)


@pytest.fixture
def wire_throttle(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``wire_throttle("UpdateItem", times=1)``: DynamoDB answers HTTP 400 throttling.

    Below botocore's retry loop: what a real throttle looks like to the SDK.
    Returns a list that records each attempt of that operation ("throttled"/"sent").
    """
    attempts: list[str] = []
    original = Endpoint._do_get_response

    def install(operation: str, *, times: int = 1) -> list[str]:
        remaining = [times]

        def do_get_response(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
            same = (
                operation_model.service_model.service_name == "dynamodb"
                and operation_model.name == operation
            )
            if not same:
                return original(self, request, operation_model, context)
            if remaining[0] <= 0:
                attempts.append("sent")
                return original(self, request, operation_model, context)
            remaining[0] -= 1
            attempts.append("throttled")
            body = json.dumps(
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#"
                    "ProvisionedThroughputExceededException",
                    "message": "injected throttle",
                }
            )
            http = AWSResponse(
                request.url,
                400,
                {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"},
                MockRawResponse(body),
            )
            parser = self._response_parser_factory.create_parser(
                operation_model.service_model.resolved_protocol
            )
            parsed = parser.parse(
                convert_to_response_dict(http, operation_model), operation_model.output_shape
            )
            return (http, parsed), None

        monkeypatch.setattr(Endpoint, "_do_get_response", do_get_response)
        return attempts

    return install


# --------------------------------------------------------------------------- the table

_ROWS: list[tuple[str, str, str]] = []


def outcome(scenario: str, answer: str, afterwards: str) -> None:
    """One row of docs/proof.md's table; called at the end of a test that passed."""
    _ROWS.append((scenario, answer, afterwards))


@pytest.fixture(scope="module", autouse=True)
def _write_table() -> Iterator[None]:
    yield
    target = os.environ.get("PROOF_TABLE")
    if target and _ROWS:
        lines = ["| scenario | answer | afterwards (checked) |", "|---|---|---|"]
        lines += [f"| {s} | {a} | {b} |" for s, a, b in _ROWS]
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- helpers


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.json_body
    assert response.json_body["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def codes_in(outbox: Any, address: str) -> list[str]:
    found = []
    for mail in outbox()["emails"]:
        if mail["to"] == address:
            match = re.search(r"\b(\d{6})\b", f"{mail['subject']} {mail['text']}")
            assert match, "a code email without a code"
            found.append(match.group(1))
    return found


def later(**delta: Any) -> None:
    clock.set_now(clock.now() + timedelta(**delta))


def account_item(account_id: str) -> dict[str, Any]:
    """The whole stored account, as a comparable dict."""
    return Account.get(account_id, consistent_read=True).serialize()


def claim_owner(address: str) -> str | None:
    try:
        return EmailClaim.get(address, consistent_read=True).account_id
    except EmailClaim.DoesNotExist:
        return None


FLOWS: dict[str, str] = {}  # the latest flow per address, as a client keeps it


def ask_code(client: Any, email: str) -> Any:
    answer = client.http.post("/auth/code", headers=JSON, body=json.dumps({"email": email}))
    if answer.status_code == 202:
        FLOWS[email] = answer.json_body["flow"]
    return answer


def login(client: Any, email: str, code: str) -> Any:
    body = {"email": email, "code": code, "flow": FLOWS.get(email, "f" * 32)}
    return client.http.post("/auth/login", headers=JSON, body=json.dumps(body))


def mail_queue_depth(dead_letters: bool = False) -> int:
    sqs = boto3.client("sqs", region_name=settings().region)
    name = settings().mail_queue + ("-dlq" if dead_letters else "")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def add_email(client: Any, headers: dict, address: str) -> Any:
    return client.http.post("/profile/emails", headers=headers, body=json.dumps({"email": address}))


def verify_email(client: Any, headers: dict, address: str, code: str) -> Any:
    return client.http.post(
        "/profile/emails/verify",
        headers=headers,
        body=json.dumps({"email": address, "code": code}),
    )


PROFILE_BODY = PROFILE_UPDATE


def save_profile(client: Any, headers: dict, version: int, **fields: Any) -> Any:
    body = {**PROFILE_BODY, "version": version, **fields}
    return client.http.put("/profile", headers=headers, body=json.dumps(body))


# --------------------------------------------------------------------------- SES


def test_ses_down_during_sign_in_code(client, outbox, faults, frozen_clock):
    from infra.local.mail_drain import drain_mail_queue

    make_account(FIRST)
    faults.fail("sesv2", "SendEmail", "Throttling")

    known, unknown = ask_code(client, FIRST), ask_code(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202  # SES is not on the request path
    drain_mail_queue(retry_failed_now=True, rounds=3)  # the mail sender tries, SES refuses
    assert read_outbox()["emails"] == []
    assert mail_queue_depth() == 1  # kept for the queue's next try

    faults.clear()  # SES is back: the next try sends the code, which signs in
    drain_mail_queue(retry_failed_now=True)
    (code,) = codes_in(outbox, FIRST)
    assert login(client, FIRST, code).status_code == 201
    outcome(
        "SES `SendEmail` fails behind `POST /auth/code` (outbound mail queue)",
        "202 for known and unknown addresses alike (SES is off the request path)",
        "the message stays on the queue; once SES is back the retry sends the code, which signs in",
    )


def test_sqs_down_during_sign_in_code(client, outbox, faults, frozen_clock):
    make_account(FIRST)
    faults.fail("sqs", "SendMessage", "ServiceUnavailable")

    assert_unavailable(ask_code(client, FIRST))
    assert_unavailable(ask_code(client, "nobody@example.com"))  # the same for an unknown one
    assert outbox()["emails"] == []

    faults.clear()
    later(seconds=5)
    assert ask_code(client, FIRST).status_code == 202  # limits were refunded: no 429
    (code,) = codes_in(outbox, FIRST)
    assert login(client, FIRST, code).status_code == 201
    outcome(
        "SQS `SendMessage` (outbound mail queue) fails during `POST /auth/code`",
        "503 `unavailable`, Retry-After, for known and unknown addresses alike",
        "nothing sent, limits refunded; retry 5 s later → 202 and that code signs in",
    )


def test_poison_message_on_the_mail_queue(client, outbox, faults, frozen_clock):
    from infra.local.mail_drain import drain_mail_queue

    make_account(FIRST)
    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{not json")
    assert ask_code(client, FIRST).status_code == 202
    drain_mail_queue(retry_failed_now=True)  # 5 receives, as the queue retries over time
    assert (mail_queue_depth(), mail_queue_depth(dead_letters=True)) == (0, 1)
    (code,) = codes_in(outbox, FIRST)  # the good message of the same batch went out
    assert login(client, FIRST, code).status_code == 201
    outcome(
        "poison message on the outbound mail queue (not JSON)",
        "reported as a batch item failure; the rest of its batch is sent",
        "after 5 receives it is in the dead-letter queue; the queue is empty",
    )


@pytest.mark.parametrize("how", ["sign_in", "add_email"])
def test_dynamodb_down_while_storing_a_code(client, signed_in, outbox, faults, frozen_clock, how):
    # The sending limits were counted before the code could not be stored: the
    # retry the 503 invites must not be refused as a second send (429).
    if how == "sign_in":
        make_account(FIRST)
        address, route = FIRST, "POST /auth/code"

        def ask() -> Any:
            return ask_code(client, FIRST)
    else:
        _, headers = signed_in(email=FIRST)
        address, route = SECOND, "POST /profile/emails"

        def ask() -> Any:
            return add_email(client, headers, SECOND)

    faults.fail("dynamodb", "PutItem", "ProvisionedThroughputExceededException", table="codes")
    assert_unavailable(ask())
    assert codes_in(outbox, address) == []

    faults.clear()
    later(seconds=5)
    retried = ask()
    assert retried.status_code == 202, retried.json_body
    assert len(codes_in(outbox, address)) == 1
    outcome(
        f"DynamoDB `PutItem` (codes) fails during `{route}`",
        "503 `unavailable`, Retry-After",
        "nothing sent, the sending limit's count taken back; retry 5 s later → 202 with a code",
    )


def test_ses_down_while_adding_an_email(client, signed_in, outbox, faults, frozen_clock):
    from infra.local.mail_drain import drain_mail_queue

    account, headers = signed_in(email=FIRST)
    faults.fail("sesv2", "SendEmail", "ServiceUnavailable")

    assert add_email(client, headers, SECOND).status_code == 202  # SES is off the request path
    drain_mail_queue(retry_failed_now=True, rounds=3)
    assert read_outbox()["emails"] == []
    assert claim_owner(SECOND) is None

    faults.clear()
    drain_mail_queue(retry_failed_now=True)  # the queue's next try, SES is back
    (code,) = codes_in(outbox, SECOND)
    verified = verify_email(client, headers, SECOND, code)
    assert verified.status_code == 200, verified.json_body
    assert claim_owner(SECOND) == account.account_id
    outcome(
        "SES `SendEmail` fails behind `POST /profile/emails` (outbound mail queue)",
        "202 (the email is recorded on the queue; SES is off the request path)",
        "no claim while undelivered; once SES is back the queue's retry sends the code, "
        "which verifies",
    )


# --------------------------------------------------------------------------- SNS

START = "2026-11-27T14:30:00-05:00"  # reminder due 2026-11-26 19:30 UTC
DUE = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)


class Bookings:
    """Booking events as the platform sends them, one second apart."""

    def __init__(self) -> None:
        self.tick = 0

    def send(self, event: dict) -> None:
        self.tick += 1
        occurred = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=self.tick)
        assert bookings.apply(
            bookings.parse(json.dumps({**event, "occurred_at": occurred.isoformat()}))
        )

    def seed(self, appointments: int) -> list[tuple[str, str]]:
        self.send(
            {
                "type": "professional.upserted",
                "professional": {
                    "id": "p1",
                    "name": "Clinique Rivière",
                    "timezone": "America/Toronto",
                    "sms_reminders_enabled": True,
                },
            }
        )
        keys = []
        for n in range(appointments):
            self.send(
                {
                    "type": "client_record.upserted",
                    "client_record": {
                        "professional_id": "p1",
                        "client_id": f"c{n}",
                        "first_name": "Camille",
                        "last_name": "Tremblay",
                        "email": f"client{n}@example.com",
                        "mobile_phone": f"514-555-01{n:02d}",
                        "language": "fr",
                        "created_at": "2026-01-05T15:00:00-05:00",
                    },
                }
            )
            start = datetime.fromisoformat(START) + timedelta(minutes=n)
            self.send(
                {
                    "type": "appointment.upserted",
                    "appointment": {
                        "professional_id": "p1",
                        "client_id": f"c{n}",
                        "id": f"ap{n}",
                        "start": start.isoformat(),
                        "end": (start + timedelta(minutes=45)).isoformat(),
                        "service": "Physiothérapie",
                        "status": "booked",
                    },
                }
            )
            keys.append((record_key("p1", f"c{n}"), f"ap{n}"))
        return keys


def pending(key: tuple[str, str]) -> bool:
    """Still owed a reminder: in the due-reminder index and never reminded."""
    item = Appointment.get(*key, consistent_read=True)
    return item.reminder_due_at is not None and item.reminded_start is None


def test_sns_fails_once_during_reminders(aws_env, outbox, faults, frozen_clock):
    (key,) = Bookings().seed(1)
    clock.set_now(DUE - timedelta(minutes=15))
    reminders.run()  # the previous run: nothing due yet
    clock.set_now(DUE + timedelta(minutes=1))
    faults.fail("sns", "Publish", "Throttling", times=1)

    summary = reminders.run()  # a scheduled function never answers 503: it reports
    assert summary["sent"] == 0
    assert summary["skipped"]["sns_failed"] == 1
    assert outbox()["sms"] == []
    assert pending(key)

    later(minutes=15)  # the next scheduled run
    assert reminders.run()["sent"] == 1
    assert len(outbox()["sms"]) == 1
    later(minutes=15)
    assert reminders.run()["sent"] == 0  # never twice
    assert len(outbox()["sms"]) == 1
    outcome(
        "SNS `Publish` fails once during `send_reminders`",
        "run summary `sns_failed: 1`, `sent: 0` (no exception)",
        "reminder still pending (mark undone); next run sends it; the run after sends nothing",
    )


def test_sns_down_for_a_whole_run(aws_env, outbox, faults, frozen_clock):
    keys = Bookings().seed(5)
    clock.set_now(DUE - timedelta(minutes=15))
    reminders.run()
    clock.set_now(DUE + timedelta(minutes=10))
    faults.fail("sns", "Publish", "InternalError")

    summary = reminders.run()
    assert summary["sent"] == 0
    assert summary["more"] is True  # stopped after failures in a row, window kept open
    assert all(pending(key) for key in keys)

    faults.clear()
    later(minutes=15)
    assert reminders.run()["sent"] == 5
    phones = sorted(sms["to"] for sms in outbox()["sms"])
    assert phones == sorted({f"+1514555{n:04d}" for n in range(100, 105)})
    outcome(
        "SNS `Publish` fails on every call of a run (5 due)",
        f"run stops after {reminders.SNS_FAILURES_IN_A_ROW} failures in a row, `more: true`",
        "all 5 still pending; next run sends exactly one SMS to each of the 5",
    )


# --------------------------------------------------------------------------- S3


def jpeg(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def s3() -> Any:
    return boto3.client("s3", region_name=settings().region)


def object_bytes(key: str) -> bytes:
    return s3().get_object(Bucket=settings().bucket, Key=key)["Body"].read()


def object_keys() -> set[str]:
    listing = s3().list_objects_v2(Bucket=settings().bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def leased_keys() -> set[str]:
    return {lease.object_key for lease in ObjectLease.scan(consistent_read=True)}


@pytest.fixture
def with_photo(client: Any, signed_in: Any) -> tuple[Account, dict[str, str], bytes]:
    objects.reset()
    account, headers = signed_in()
    photo_headers = {**headers, "Content-Type": "image/jpeg", "Accept": "application/json"}
    response = client.http.put(
        "/profile/photo", headers=photo_headers, body=jpeg(300, 200, (9, 90, 9))
    )
    assert response.status_code == 200, response.json_body
    stored = Account.get(account.account_id, consistent_read=True)
    return stored, headers, object_bytes(stored.photo.key)


def uploaded(client: Any, headers: dict) -> str:
    form = client.http.post("/profile/photo/upload", headers=headers).json_body
    posted = requests.post(
        form["url"], data=form["fields"], files={"file": ("p.jpg", jpeg(640, 480, (200, 9, 9)))}
    )
    assert posted.status_code in (200, 201, 204)
    return form["key"]


def commit(client: Any, headers: dict, key: str) -> Any:
    return client.http.post("/profile/photo", headers=headers, body=json.dumps({"key": key}))


def rotate(client: Any, headers: dict) -> Any:
    return client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 90})
    )


def assert_photo_unchanged(client: Any, headers: dict, before: Account, data: bytes) -> None:
    now = Account.get(before.account_id, consistent_read=True)
    assert now.photo.key == before.photo.key
    assert now.version == before.version
    assert object_bytes(before.photo.key) == data  # the old photo is still readable
    shown = client.http.get("/profile", headers=headers).json_body["photo"]
    assert before.photo.key in shown["url"]


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("HeadObject", "InternalError"),  # measuring the upload
        ("GetObject", "SlowDown"),  # reading the upload
        ("PutObject", "InternalError"),  # writing the processed photo
    ],
)
def test_s3_fails_while_committing_an_upload(client, with_photo, faults, operation, code):
    before, headers, data = with_photo
    key = uploaded(client, headers)
    faults.fail("s3", operation, code)

    assert_unavailable(commit(client, headers, key))
    faults.clear()  # S3 is back: what does the person find?
    assert_photo_unchanged(client, headers, before, data)
    assert key in object_keys() and key in leased_keys()  # the upload is kept for the retry
    # Anything written but never switched to is leased, so cleanup finds it.
    assert object_keys() - {before.photo.key, key} <= leased_keys()

    retried = commit(client, headers, key)
    assert retried.status_code == 200, retried.json_body
    assert (retried.json_body["width"], retried.json_body["height"]) == (640, 480)
    outcome(
        f"S3 `{operation}` fails ({code}) during `POST /profile/photo`",
        "503 `unavailable`, Retry-After",
        "account still on the old photo (same key, same version), old object readable, "
        "upload kept; retry → 200 with the new photo",
    )


@pytest.mark.parametrize("operation", ["GetObject", "PutObject"])
def test_s3_fails_while_rotating(client, with_photo, faults, operation):
    before, headers, data = with_photo
    faults.fail("s3", operation, "InternalError")

    assert_unavailable(rotate(client, headers))
    faults.clear()
    assert_photo_unchanged(client, headers, before, data)

    retried = rotate(client, headers)
    assert retried.status_code == 200, retried.json_body
    assert (retried.json_body["width"], retried.json_body["height"]) == (200, 300)
    outcome(
        f"S3 `{operation}` fails during `POST /profile/photo/rotate`",
        "503 `unavailable`, Retry-After",
        "old photo current and readable, version unchanged; retry → 200, turned once",
    )


def test_s3_fails_deleting_the_replaced_photo(client, with_photo, faults, frozen_clock):
    before, headers, _ = with_photo
    key = uploaded(client, headers)
    faults.fail("s3", "DeleteObject", "InternalError")

    response = commit(client, headers, key)
    assert response.status_code == 200, response.json_body  # the change itself is done
    after = Account.get(before.account_id, consistent_read=True)
    assert after.photo.key != before.photo.key
    assert object_bytes(after.photo.key)  # the new photo is readable
    leftovers = {before.photo.key, key}
    assert leftovers <= object_keys() and leftovers <= leased_keys()

    faults.clear()
    later(days=2)  # past the leases' check delay: the daily cleanup collects them
    cleanup.run()
    assert object_keys() == {after.photo.key}
    assert leased_keys() == set()
    outcome(
        "S3 `DeleteObject` fails after the switch (`POST /profile/photo`)",
        "200 with the new photo",
        "old photo and upload left with their leases; next cleanup deletes both, "
        "keeps the current photo",
    )


# --------------------------------------------------------------------------- DynamoDB


@pytest.mark.parametrize(
    ("code", "reasons"),
    [
        ("ProvisionedThroughputExceededException", ()),
        ("TransactionCanceledException", ("TransactionConflict", "None")),
    ],
)
def test_dynamodb_fails_saving_the_profile(client, signed_in, faults, code, reasons):
    from chalicelib.store.outbox import OutboxEvent

    account, headers = signed_in()
    before = account_item(account.account_id)
    faults.fail("dynamodb", "TransactWriteItems", code, table="accounts", reasons=reasons)

    assert_unavailable(save_profile(client, headers, 1, first_name="Nouveau"))
    assert account_item(account.account_id) == before  # not a field, not the version
    assert list(OutboxEvent.scan()) == []  # and no event of a change that did not happen

    faults.clear()
    retried = save_profile(client, headers, 1, first_name="Nouveau")
    assert retried.status_code == 200, retried.json_body
    assert retried.json_body["version"] == 2
    assert retried.json_body["first_name"] == "Nouveau"
    outcome(
        f"DynamoDB `TransactWriteItems` → `{code}` {reasons or ''} during `PUT /profile`",
        "503 `unavailable`, Retry-After",
        "account item identical (fields and version), no outbox event; "
        "the same request retried → 200, version 2",
    )


def test_a_transaction_in_flight_on_the_account_is_waited_out_on_save(client, signed_in, faults):
    from tests.support.portal_events import published, stream_publisher

    account, headers = signed_in()
    faults.fail(
        "dynamodb",
        "TransactWriteItems",
        "TransactionCanceledException",
        times=1,
        reasons=("TransactionConflict", "None"),
    )
    answer = save_profile(client, headers, 1, language="en")
    assert answer.status_code == 200, answer.json_body
    stored = Account.get(account.account_id, consistent_read=True)
    assert (stored.language, stored.version) == ("en", 2)
    stream_publisher().drain()
    assert [(e["language"], e["version"]) for e in published()] == [("en", 2)]  # one event
    outcome(
        "DynamoDB `TransactWriteItems` → `TransactionCanceledException` (TransactionConflict) "
        "once during `PUT /profile`",
        "200 (the same write retried by the service)",
        "saved once (version 2), one `client.profile_updated` published",
    )


def test_dynamodb_fails_reading_the_account_on_save(client, signed_in, faults):
    account, headers = signed_in()
    before = account_item(account.account_id)
    faults.fail("dynamodb", "GetItem", "ProvisionedThroughputExceededException", table="accounts")

    assert_unavailable(save_profile(client, headers, 1, first_name="Nouveau"))
    faults.clear()
    assert account_item(account.account_id) == before
    assert save_profile(client, headers, 1, first_name="Nouveau").status_code == 200
    outcome(
        "DynamoDB `GetItem` (account) → `ProvisionedThroughputExceededException`, `PUT /profile`",
        "503 `unavailable`, Retry-After",
        "nothing written; retry → 200",
    )


def test_a_transient_throttle_is_retried_by_the_sdk(client, signed_in, wire_throttle):
    account, headers = signed_in()
    attempts = wire_throttle("TransactWriteItems", times=1)

    response = save_profile(client, headers, 1, first_name="Nouveau")
    assert response.status_code == 200, response.json_body
    assert attempts == ["throttled", "sent"]  # botocore retried it once
    stored = Account.get(account.account_id, consistent_read=True)
    assert (stored.first_name, stored.version) == ("Nouveau", 2)  # applied exactly once
    outcome(
        "DynamoDB answers HTTP 400 `ProvisionedThroughputExceededException` once "
        "(on the wire) during `PUT /profile`",
        "200 (botocore's standard retry)",
        "written once: version 1 → 2",
    )


def pending_code(client: Any, headers: dict, outbox: Any) -> str:
    assert add_email(client, headers, SECOND).status_code == 202
    (code,) = codes_in(outbox, SECOND)
    return code


VERIFY_FAULTS = [
    pytest.param("ProvisionedThroughputExceededException", (), id="throughput"),
    pytest.param(
        "TransactionCanceledException",
        ("None", "ProvisionedThroughputExceeded", "None"),
        id="cancelled",
    ),
    pytest.param(
        "TransactionCanceledException",
        ("ThrottlingError", "None", "None"),
        id="cancelled-throttled",
    ),
]


@pytest.mark.parametrize(("code", "reasons"), VERIFY_FAULTS)
def test_dynamodb_fails_verifying_an_email(client, signed_in, outbox, faults, code, reasons):
    account, headers = signed_in(email=FIRST)
    code_sent = pending_code(client, headers, outbox)
    before = account_item(account.account_id)
    faults.fail("dynamodb", "TransactWriteItems", code, reasons=reasons)

    assert_unavailable(verify_email(client, headers, SECOND, code_sent))
    assert account_item(account.account_id) == before  # emails, pending, version
    assert claim_owner(SECOND) is None  # no claim without the address, and vice versa

    faults.clear()
    retried = verify_email(client, headers, SECOND, code_sent)  # the same code, again
    assert retried.status_code == 200, retried.json_body
    assert [e["address"] for e in retried.json_body["emails"]] == [FIRST, SECOND]
    assert claim_owner(SECOND) == account.account_id
    shown = f"`{code}`" + (f" ({', '.join(r for r in reasons if r != 'None')})" if reasons else "")
    outcome(
        f"DynamoDB `TransactWriteItems` → {shown} during `POST /profile/emails/verify`",
        "503 `unavailable`, Retry-After",
        "account item identical, no EmailClaim; the same request with the same code "
        "retried → 200, address and claim written together",
    )


def test_a_transaction_conflict_on_verify_is_retried(client, signed_in, outbox, faults):
    account, headers = signed_in(email=FIRST)
    code_sent = pending_code(client, headers, outbox)
    faults.fail(
        "dynamodb",
        "TransactWriteItems",
        "TransactionCanceledException",
        times=1,
        reasons=("None", "TransactionConflict", "None"),
    )

    response = verify_email(client, headers, SECOND, code_sent)
    assert response.status_code == 200, response.json_body
    assert claim_owner(SECOND) == account.account_id
    stored = Account.get(account.account_id, consistent_read=True)
    assert [e.address for e in stored.emails] == [FIRST, SECOND]
    outcome(
        "DynamoDB `TransactWriteItems` → `TransactionCanceledException` (TransactionConflict) "
        "once during `POST /profile/emails/verify`",
        "200 (re-read and retried by the service)",
        "address on the account once, claim owned by it",
    )


def test_dynamodb_fails_consuming_the_code_on_verify(client, signed_in, outbox, faults):
    account, headers = signed_in(email=FIRST)
    code_sent = pending_code(client, headers, outbox)
    before = account_item(account.account_id)
    faults.fail("dynamodb", "GetItem", "ProvisionedThroughputExceededException", table="codes")

    assert_unavailable(verify_email(client, headers, SECOND, code_sent))
    faults.clear()
    assert account_item(account.account_id) == before
    assert Code.get(f"{ADD_EMAIL}#{code_subject(account.account_id, SECOND)}").attempts == 0
    assert verify_email(client, headers, SECOND, code_sent).status_code == 200
    outcome(
        "DynamoDB `GetItem` (code) → `ProvisionedThroughputExceededException`, "
        "`POST /profile/emails/verify`",
        "503 `unavailable`, Retry-After",
        "no try counted, nothing written; retry → 200",
    )


@pytest.mark.parametrize("table", ["sessions", "accounts"], ids=["session", "new-account"])
def test_dynamodb_fails_during_sign_in(client, outbox, faults, frozen_clock, table):
    if table == "sessions":
        make_account(FIRST)  # an existing account: the session (+ code) write is what fails
    else:  # a first sign-in: the account + claim transaction is what fails
        Bookings().send(
            {
                "type": "client_record.upserted",
                "client_record": {
                    "professional_id": "p1",
                    "client_id": "c1",
                    "first_name": "Camille",
                    "last_name": "Tremblay",
                    "email": FIRST,
                    "mobile_phone": None,
                    "language": "fr",
                    "created_at": "2026-01-05T15:00:00-05:00",
                },
            }
        )
    assert ask_code(client, FIRST).status_code == 202
    (code,) = codes_in(outbox, FIRST)
    faults.fail(
        "dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", table=table
    )

    assert_unavailable(login(client, FIRST, code))
    faults.clear()
    assert Code.get(f"login#{FLOWS[FIRST]}").attempts == 0  # the code is still good

    retried = login(client, FIRST, code)  # the same code, again
    assert retried.status_code == 201, retried.json_body
    assert login(client, FIRST, code).status_code == 401  # and now it is used up
    assert claim_owner(FIRST) == retried.json_body["profile"]["account_id"]
    what = "session + code" if table == "sessions" else "first sign-in account + claim"
    outcome(
        f"DynamoDB `TransactWriteItems` ({what}) → `ProvisionedThroughputExceededException` "
        "during `POST /auth/login`",
        "503 `unavailable`, Retry-After",
        "code not used up; the same code retried → 201, then it is spent (401); one account",
    )


# --------------------------------------------------------------------------- portal events


def test_the_bus_fails_for_a_while_and_no_event_is_lost(client, signed_in, faults):
    from chalicelib.store.outbox import OutboxEvent
    from tests.support.portal_events import published, stream_publisher

    publisher = stream_publisher()
    _, headers = signed_in()
    faults.fail("events", "PutEvents", "InternalException")
    for version, language in ((1, "en"), (2, "fr"), (3, "en")):
        answer = save_profile(client, headers, version, language=language)
        assert answer.status_code == 200, answer.json_body  # the change does not wait for the bus
    for _ in range(3):  # Lambda retrying the batch while the bus is down
        publisher.drain()
    assert published() == []
    assert len(list(OutboxEvent.scan())) == 3  # still recorded, waiting

    faults.clear()
    publisher.drain()
    events = published()
    assert [(e["version"], e["language"]) for e in events] == [(2, "en"), (3, "fr"), (4, "en")]
    assert len({e["id"] for e in events}) == 3  # each delivered once
    publisher.drain()
    assert len(published()) == 3  # and not again
    outcome(
        "EventBridge `PutEvents` → `InternalException` while 3 profiles are saved",
        "200 for each save",
        "nothing published, 3 events kept in the outbox; bus back → the 3 delivered once, in order",
    )


def test_the_bus_refuses_one_entry_of_a_batch(client, signed_in, monkeypatch):
    from chalicelib.adapters import event_bus
    from tests.support.portal_events import published, stream_publisher

    publisher = stream_publisher()
    _, headers = signed_in()
    for version in (1, 2, 3):
        assert (
            save_profile(client, headers, version, first_name=f"N{'e' * version}").status_code
            == 200
        )
    real_client = event_bus.client
    refused = [1]

    class PartlyRefusing:
        def put_events(self, Entries: list) -> dict:
            if not refused[0]:
                return real_client("events").put_events(Entries=Entries)
            refused[0] -= 1
            accepted = real_client("events").put_events(Entries=Entries[:1])
            refusal = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
            return {
                "FailedEntryCount": len(Entries) - 1,
                "Entries": accepted["Entries"] + [refusal] * (len(Entries) - 1),
            }

    monkeypatch.setattr(event_bus, "client", lambda service: PartlyRefusing())
    assert publisher.poll_once() == 1  # one Lambda invocation: one accepted
    assert [e["version"] for e in published()] == [2]  # the refused two wait
    publisher.drain()
    assert [e["version"] for e in published()] == [2, 3, 4]  # retried from the first refused
    outcome(
        "EventBridge accepts 1 event of a batch of 3, refuses 2 (`ThrottlingException`)",
        "—",
        "the accepted one published once; the retry starts at the first refused "
        "and delivers the other two",
    )


def test_a_publisher_crash_after_publishing_redelivers_the_same_event(client, signed_in):
    from app import publish_events
    from tests.support.portal_events import published, stream_publisher

    crashes = [1]

    def crashing_after_publish(event: dict, context: Any) -> Any:
        result = publish_events(event, context)
        if crashes[0]:
            crashes[0] -= 1
            raise RuntimeError("Lambda killed after PutEvents")
        return result

    publisher = stream_publisher(crashing_after_publish)
    _, headers = signed_in()
    assert save_profile(client, headers, 1, language="en").status_code == 200
    publisher.drain()  # publishes, then crashes: the batch is not checkpointed
    publisher.drain()  # Lambda's retry
    first, again = published()
    assert first == again  # same id, same content: consumers de-duplicate by id
    outcome(
        "the publisher crashes after `PutEvents` succeeded",
        "—",
        "the batch is retried: the event is delivered again with the same `id` (at least once)",
    )

"""Sign-in flows (issue 13): no enumeration by answer or time, no lockout by strangers,
limits per flow / caller / address, idempotent sign-in, mail off the request path."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.endpoint import Endpoint
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib import limits
from chalicelib.adapters import clock
from chalicelib.config import settings
from chalicelib.services import codes, rate_limits
from chalicelib.services.login import LOGIN
from chalicelib.store.codes import Code
from chalicelib.store.sessions import Session
from infra.local.mail_drain import drain_mail_queue
from tests.api.test_auth import (
    EDGE,
    FLOWS,
    IPHONE,
    NO_FLOW,
    ask_code,
    do_login,
    last_code,
    seed_record,
)
from tests.conftest import make_account

VICTIM = "camille@example.com"
UNKNOWN = "nobody@example.com"


@pytest.fixture
def from_ip(monkeypatch: Any) -> Any:
    """Headers that make a request come from ``ip`` (one trusted proxy appends it)."""
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "1")
    settings.cache_clear()
    yield lambda ip: {"X-Forwarded-For": ip}
    monkeypatch.delenv("PORTAL_TRUSTED_PROXIES")
    settings.cache_clear()


def wrong_code(right: str, n: int = 1) -> str:
    return f"{(int(right) + n) % 1_000_000:06d}"


def outcome(response: Any) -> tuple[int, str | None]:
    body = response.json_body or {}
    return response.status_code, (body.get("error") or {}).get("code")


# ---------------------------------------------------------------- no enumeration


def test_known_and_unknown_addresses_answer_the_same_through_a_burn(client, outbox):
    make_account(VICTIM)
    sequences = {}
    for address in (VICTIM, UNKNOWN):
        assert ask_code(client, address).status_code == 202
        outbox()  # the mail sender has run: the known flow has its code
        code = "123456" if address == UNKNOWN else last_code(outbox, VICTIM)
        seen = [outcome(do_login(client, address, wrong_code(code, n))) for n in range(1, 7)]
        seen.append(outcome(do_login(client, address, code)))  # the right one, too late
        sequences[address] = seen
    assert sequences[VICTIM] == sequences[UNKNOWN]
    assert sequences[VICTIM] == [(401, "invalid_code")] * 5 + [(429, "too_many_attempts")] * 2


def test_both_paths_of_auth_code_make_the_same_calls(client, dynamodb_calls):
    make_account(VICTIM)
    seed_record("record@example.com")
    calls = {}
    for address in (VICTIM, "record@example.com", UNKNOWN):
        dynamodb_calls.clear()
        assert ask_code(client, address).status_code == 202
        calls[address] = list(dynamodb_calls)
    assert calls[VICTIM] == calls["record@example.com"] == calls[UNKNOWN]
    assert all(table != settings().table_name("email-claims") for _, table in calls[VICTIM])
    # The flow items differ only in their values: no digest yet on either.
    flows = [Code.get(f"{LOGIN}#{FLOWS[a]}") for a in (VICTIM, UNKNOWN)]
    assert [f.digest for f in flows] == [None, None]
    assert flows[0].attribute_values.keys() == flows[1].attribute_values.keys()


def test_sending_decides_off_the_request_path(client, outbox):
    make_account(VICTIM)
    ask_code(client, VICTIM)
    ask_code(client, UNKNOWN)
    assert [m["to"] for m in outbox()["emails"]] == [VICTIM]  # the consumer ran in outbox()
    assert Code.get(f"{LOGIN}#{FLOWS[VICTIM]}").digest is not None
    assert Code.get(f"{LOGIN}#{FLOWS[UNKNOWN]}").digest is None  # every code is wrong on it


# ---------------------------------------------------------------- no lockout


def test_strangers_without_the_flow_never_burn_the_victims_code(client, outbox, from_ip):
    make_account(VICTIM)
    assert ask_code(client, VICTIM, from_ip("198.51.100.7")).status_code == 202
    code = last_code(outbox, VICTIM)
    for n in range(120):  # many strangers, many addresses, no flow or a made-up one
        stranger = from_ip(f"203.0.{n // 100}.{n % 100 + 1}")
        flow = NO_FLOW if n % 2 else f"{n:032d}"
        answer = do_login(client, VICTIM, wrong_code(code, n + 1), stranger, flow=flow)
        assert outcome(answer) == (401, "invalid_code")
    assert Code.get(f"{LOGIN}#{FLOWS[VICTIM]}").attempts == 0
    signed_in = do_login(client, VICTIM, code, from_ip("198.51.100.7"))
    assert signed_in.status_code == 201, signed_in.json_body


def test_a_stranger_with_their_own_flow_cannot_touch_the_victims(client, outbox, from_ip):
    make_account(VICTIM)
    make_account("mallory@example.com")
    ask_code(client, VICTIM, from_ip("198.51.100.7"))
    code = last_code(outbox, VICTIM)
    ask_code(client, "mallory@example.com", from_ip("203.0.113.5"))
    mallory_flow = FLOWS["mallory@example.com"]
    for n in range(5):  # the stranger's flow, the victim's address: their own flow burns
        answer = do_login(client, VICTIM, code, from_ip("203.0.113.5"), flow=mallory_flow)
        assert outcome(answer) == (401, "invalid_code")
    assert do_login(client, VICTIM, code, from_ip("198.51.100.7")).status_code == 201


def test_a_code_is_refused_with_another_flow(client, outbox, frozen_clock):
    make_account(VICTIM)
    ask_code(client, VICTIM)
    first_flow, first_code = FLOWS[VICTIM], last_code(outbox, VICTIM)
    frozen_clock(clock.now() + timedelta(seconds=61))
    ask_code(client, VICTIM)
    second_flow, second_code = FLOWS[VICTIM], last_code(outbox, VICTIM)
    assert first_flow != second_flow
    assert outcome(do_login(client, VICTIM, first_code, flow=second_flow)) == (401, "invalid_code")
    assert outcome(do_login(client, VICTIM, second_code, flow=first_flow)) == (401, "invalid_code")
    # Each flow's own code still works (one wrong try each so far).
    assert do_login(client, VICTIM, second_code, flow=second_flow).status_code == 201


def test_a_flow_is_bound_to_its_address(client, outbox):
    make_account(VICTIM)
    make_account("other@example.com")
    ask_code(client, VICTIM)
    code = last_code(outbox, VICTIM)
    answer = do_login(client, "other@example.com", code, flow=FLOWS[VICTIM])
    assert outcome(answer) == (401, "invalid_code")


def test_flow_is_required(client):
    answer = client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": VICTIM, "code": "123456"}),
    )
    assert answer.status_code == 422
    assert answer.json_body["error"]["fields"] == {"flow": "required"}


# ---------------------------------------------------------------- limits


def test_22_wrong_codes_from_one_ipv6_64_hit_the_caller_limit(client, from_ip):
    ask_code(client, UNKNOWN)
    answers = [
        outcome(
            do_login(
                client, f"p{n}@example.com", "000000", from_ip(f"2001:db8:5:7::{n:x}"), flow=NO_FLOW
            )
        )
        for n in range(1, 23)
    ]
    assert answers == [(401, "invalid_code")] * 20 + [(429, "rate_limited")] * 2
    last = do_login(
        client, "p1@example.com", "000000", from_ip("2001:db8:5:7:ffff::1"), flow=NO_FLOW
    )
    assert 3500 <= int(last.headers["Retry-After"]) <= 3600  # honest: the oldest leaves in 1 h
    # Another /64 is another caller.
    other = do_login(client, "p1@example.com", "0" * 6, from_ip("2001:db8:5:8::1"), flow=NO_FLOW)
    assert outcome(other) == (401, "invalid_code")


def test_22_code_requests_from_one_ipv6_64_hit_the_caller_limit(client, from_ip):
    statuses = [
        ask_code(client, f"p{n}@example.com", from_ip(f"2001:db8:9:1:{n:x}::1")).status_code
        for n in range(1, 23)
    ]
    assert statuses == [202] * 20 + [429] * 2
    assert ask_code(client, "p23@example.com", from_ip("2001:db8:9:2::1")).status_code == 202


def test_too_many_attempts_says_when_a_new_code_can_be_asked(client, frozen_clock):
    ask_code(client, UNKNOWN)
    for _ in range(5):
        do_login(client, UNKNOWN, "000000")
    frozen_clock(clock.now() + timedelta(seconds=20))
    burned = do_login(client, UNKNOWN, "000000")
    assert outcome(burned) == (429, "too_many_attempts")
    assert burned.headers["Retry-After"] == "40"  # 60 s after the code was asked
    frozen_clock(clock.now() + timedelta(seconds=40))
    assert ask_code(client, UNKNOWN).status_code == 202


def test_daily_cap_on_codes_sent_to_an_address(client, frozen_clock):
    for n in range(10):
        assert ask_code(client, VICTIM).status_code == 202, n
        frozen_clock(clock.now() + timedelta(minutes=20))  # under 5 an hour
    refused = ask_code(client, VICTIM)
    assert outcome(refused) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 3600
    frozen_clock(clock.now() + timedelta(days=1))
    assert ask_code(client, VICTIM).status_code == 202


def test_unused_codes_per_year_are_capped_and_a_used_code_is_refunded(client, outbox, frozen_clock):
    make_account(VICTIM)
    for _ in range(3):  # codes that sign in do not count
        assert ask_code(client, VICTIM).status_code == 202
        assert do_login(client, VICTIM, last_code(outbox, VICTIM)).status_code == 201
        frozen_clock(clock.now() + timedelta(hours=3))
    for n in range(20):  # codes never used (someone else asking them, or lost mail)
        assert ask_code(client, VICTIM).status_code == 202, n
        frozen_clock(clock.now() + timedelta(hours=3))
    refused = ask_code(client, VICTIM)
    assert outcome(refused) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 300 * 86400  # until the oldest is a year old


def test_the_guessing_budget_in_the_docs_matches_the_limits():
    per_year = rate_limits.UNUSED_SIGN_IN_CODES[0]
    assert per_year.window == timedelta(days=365)
    guesses_a_year = per_year.count * codes.MAX_ATTEMPTS
    assert guesses_a_year / 10**limits.CODE_DIGITS <= 1 / 10_000


# ---------------------------------------------------------------- idempotent sign-in


def test_a_lost_transaction_reply_signs_in_once(client, outbox, monkeypatch):
    account = make_account(VICTIM)
    ask_code(client, VICTIM)
    code = last_code(outbox, VICTIM)
    real = Endpoint._do_get_response
    sent: list[dict] = []

    def reply_lost_once(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        answer = real(self, request, operation_model, context)  # DynamoDB applies it
        if operation_model.name == "TransactWriteItems":
            sent.append(json.loads(request.body))
            if len(sent) == 1:
                return None, ReadTimeoutError(endpoint_url=request.url)  # ... the reply is lost
        return answer

    monkeypatch.setattr(Endpoint, "_do_get_response", reply_lost_once)
    signed_in = do_login(client, VICTIM, code)
    monkeypatch.undo()

    assert signed_in.status_code == 201, signed_in.json_body
    assert len(sent) == 2  # botocore retried, with the same request token
    assert sent[0]["ClientRequestToken"] == sent[1]["ClientRequestToken"]
    stored = list(Session.query(account.account_id))
    assert [s.session_id for s in stored] == [signed_in.json_body["session"]["id"]]
    token = signed_in.json_body["token"]
    listed = client.http.get("/sessions", headers={"Authorization": f"Bearer {token}"})
    assert listed.json_body["count"] == 1
    assert outcome(do_login(client, VICTIM, code)) == (401, "invalid_code")  # used up


# ---------------------------------------------------------------- the mail queue


class _FailingSes:
    def send_email(self, **kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")


def _queue_depth(name: str) -> int:
    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_ses_down_delays_the_code_and_never_changes_the_answer(client, monkeypatch):
    from infra.local.outbox import read_outbox

    make_account(VICTIM)
    monkeypatch.setattr("chalicelib.adapters.mailer.client", lambda service: _FailingSes())
    known, unknown = ask_code(client, VICTIM), ask_code(client, UNKNOWN)
    assert known.status_code == unknown.status_code == 202
    drain_mail_queue(retry_failed_now=True, rounds=2)  # SES refuses: the message stays
    assert read_outbox()["emails"] == []
    assert _queue_depth(settings().mail_queue) == 1  # the known one; unknown needed no SES
    monkeypatch.undo()  # SES is back: the retry sends the code, which signs in
    drain_mail_queue(retry_failed_now=True)
    (mail,) = read_outbox()["emails"]
    code = next(w for w in mail["text"].split() if w.isdigit() and len(w) == 6)
    assert do_login(client, VICTIM, code).status_code == 201


def test_a_retried_delivery_sends_the_same_code(client, outbox):
    make_account(VICTIM)
    ask_code(client, VICTIM)
    flow = FLOWS[VICTIM]
    from chalicelib.services import login

    first = last_code(outbox, VICTIM)
    login.send_sign_in_code(flow, "fr")  # SQS delivers at least once
    assert last_code(outbox, VICTIM) == first
    assert do_login(client, VICTIM, first).status_code == 201


def test_sqs_down_is_503_for_known_and_unknown_alike_and_the_retry_works(client, monkeypatch):
    from chalicelib.adapters import mail_queue

    make_account(VICTIM)

    class FailingSqs:
        def get_queue_url(self, **kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "x"}}, "Get")

        send_message = get_queue_url

    monkeypatch.setattr(mail_queue, "client", lambda service: FailingSqs())
    answers = [outcome(ask_code(client, a)) for a in (VICTIM, UNKNOWN)]
    assert answers == [(503, "unavailable")] * 2
    monkeypatch.undo()
    assert ask_code(client, VICTIM).status_code == 202  # limits were refunded
    assert ask_code(client, UNKNOWN).status_code == 202


def test_a_poison_message_ends_in_the_dead_letter_queue_without_blocking(client, outbox):
    make_account(VICTIM)
    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    bad_time = {"kind": "new_sign_in", "account_id": "a_1", "session_id": "s_1", "at": "soon"}
    for body in (
        "not json",
        json.dumps({"kind": "unknown"}),
        json.dumps({"kind": "notice"}),
        json.dumps(bad_time),
    ):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    ask_code(client, VICTIM)
    drain_mail_queue(retry_failed_now=True)  # 5 receives each, as time passes
    assert [m["to"] for m in outbox()["emails"]] == [VICTIM]  # the good one got through
    assert _queue_depth(settings().mail_queue) == 0
    assert _queue_depth(f"{settings().mail_queue}-dlq") == 4


def test_verification_codes_and_notices_go_through_the_queue(client, outbox, signed_in):
    from infra.local.outbox import read_outbox

    _, headers = signed_in(email=VICTIM)
    body = json.dumps({"email": "new@example.net"})
    assert client.http.post("/profile/emails", headers=headers, body=body).status_code == 202
    assert read_outbox()["emails"] == []  # recorded, not sent by the request
    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["kind"] == "verification_code"
    assert not re.search(r"\d{6}", message["Body"])  # no code in clear on the queue
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    code = last_code(outbox, "new@example.net")
    verify = json.dumps({"email": "new@example.net", "code": code})
    assert (
        client.http.post("/profile/emails/verify", headers=headers, body=verify).status_code == 200
    )
    notices = [m for m in outbox()["emails"] if m["to"] == VICTIM]
    assert len(notices) == 1  # "an address was added", sent by the consumer too


# ---------------------------------------------------------------- the device, described once


def test_the_sender_describes_the_browser_so_the_sign_in_parses_nothing(
    client, outbox, monkeypatch
):  # the first sign-in of a new instance no longer pays ua-parser's first parse (~90 ms)
    from chalicelib.adapters import useragent

    make_account(VICTIM)
    browser = {"User-Agent": IPHONE}
    assert ask_code(client, VICTIM, browser).status_code == 202
    code = last_code(outbox, VICTIM)  # the mail sender ran: it described the flow's browser
    parsed: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(useragent, "_remembered", {})  # a new instance
        patched.setattr(useragent, "_describe", lambda ua: parsed.append(ua))
        response = do_login(client, VICTIM, code, browser)
    assert response.status_code == 201, response.json_body
    assert parsed == []
    info = useragent.describe(IPHONE)
    assert response.json_body["session"]["device"] == {
        "type": info.type,
        "name": info.name,
        "os": info.os,
    }
    assert response.json_body["session"]["browser"] == info.browser == "Mobile Safari 17.4"


def test_a_sign_in_from_another_browser_describes_its_own(client, outbox):
    make_account(VICTIM)
    assert ask_code(client, VICTIM, {"User-Agent": IPHONE}).status_code == 202
    response = do_login(client, VICTIM, last_code(outbox, VICTIM), {"User-Agent": EDGE})
    assert response.status_code == 201, response.json_body
    assert response.json_body["session"]["device"]["type"] == "desktop"


def test_a_malformed_stored_description_is_ignored():
    from chalicelib.adapters import useragent

    for garbage in ("not json", '["spaceship", null, null, null]', "[1, 2]", '["mobile", 1, 2, 3]'):
        useragent.remember("Forged/1.0", garbage)
        assert useragent.describe("Forged/1.0") == useragent.UNKNOWN


# ---------------------------------------------------------------- the new-device notice


def test_the_sign_in_records_one_message_and_the_sender_checks_the_device(
    client, outbox, dynamodb_calls
):
    from chalicelib.services import sessions

    account = make_account(VICTIM, language="en")
    sessions.issue(account.account_id, VICTIM, user_agent=IPHONE, ip=None, location=None)
    assert ask_code(client, VICTIM, {"User-Agent": EDGE}).status_code == 202
    code = last_code(outbox, VICTIM)
    dynamodb_calls.clear()
    assert do_login(client, VICTIM, code, {"User-Agent": EDGE}).status_code == 201
    assert ("Query", settings().table_name("sessions")) not in dynamodb_calls
    notices = [m for m in outbox()["emails"] if "New sign-in" in m["subject"]]
    assert len(notices) == 1 and "Edge 124.0" in notices[0]["text"]


def test_a_session_ended_before_the_sender_ran_is_still_told_about(client, outbox):
    from chalicelib.services import sessions

    account = make_account(VICTIM, language="en")
    sessions.issue(account.account_id, VICTIM, user_agent=IPHONE, ip=None, location=None)
    assert ask_code(client, VICTIM, {"User-Agent": EDGE}).status_code == 202
    response = do_login(client, VICTIM, last_code(outbox, VICTIM), {"User-Agent": EDGE})
    token = response.json_body["token"]
    logout = client.http.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert logout.status_code == 204  # ended at once, before the mail sender ran
    notices = [m for m in outbox()["emails"] if "New sign-in" in m["subject"]]
    assert len(notices) == 1


def test_the_flows_own_address_needs_no_second_validation(client, outbox, monkeypatch):
    """The address typed again at sign-in is the flow's own (validated when it was opened),
    up to case: email-validator is not needed for it; any other form is validated."""
    from chalicelib.services import email_address

    make_account(VICTIM)
    assert ask_code(client, VICTIM).status_code == 202
    code = last_code(outbox, VICTIM)
    parsed: list[str] = []
    real_parse = email_address.parse
    with monkeypatch.context() as patched:
        patched.setattr(
            email_address, "parse", lambda raw, *a: parsed.append(raw) or real_parse(raw, *a)
        )
        flow = FLOWS[VICTIM]
        assert outcome(do_login(client, "bad address", code, flow=flow))[0] == 422
        other = do_login(client, "someone@example.com", code, flow=flow)
        assert outcome(other) == (401, "invalid_code")
        assert outcome(do_login(client, " Camille@Example.COM ", code, flow=flow)) == (201, None)
    assert parsed == ["bad address", "someone@example.com", "someone@example.com"]


def test_with_the_queue_url_configured_no_instance_asks_for_it(client, outbox, monkeypatch):
    from chalicelib.adapters import aws, mail_queue

    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    monkeypatch.setenv("PORTAL_MAIL_QUEUE_URL", url)  # as packaged: the queue's Ref
    settings.cache_clear()
    monkeypatch.setattr(mail_queue, "_url_cache", [])  # a new instance
    asked: list[str] = []
    aws.client("sqs").meta.events.register(
        "before-call.sqs.GetQueueUrl", lambda **kwargs: asked.append("GetQueueUrl")
    )
    make_account(VICTIM)
    assert ask_code(client, VICTIM).status_code == 202
    assert asked == []
    settings.cache_clear()
    assert last_code(outbox, VICTIM)  # recorded on the queue, sent by the mail sender

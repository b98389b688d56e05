"""+ Courriel: add an address with an emailed code, verify it, remove addresses."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import clock
from chalicelib.errors import Conflict
from chalicelib.store.accounts import Account
from chalicelib.store.codes import Code
from chalicelib.store.email_claims import EmailClaim
from tests.conftest import make_account

FIRST = "camille@example.com"
SECOND = "camille.tremblay@example.net"


def _mails_to(outbox, address):
    return [m for m in outbox()["emails"] if m["to"] == address]


def _code_sent_to(outbox, address):
    mail = _mails_to(outbox, address)[-1]
    return re.search(r"\b(\d{6})\b", mail["subject"]).group(1)


def _add(client, headers, address):
    return client.http.post("/profile/emails", headers=headers, body=json.dumps({"email": address}))


def _verify(client, headers, address, code):
    return client.http.post(
        "/profile/emails/verify",
        headers=headers,
        body=json.dumps({"email": address, "code": code}),
    )


def _delete(client, headers, address):
    return client.http.delete(f"/profile/emails/{quote(address, safe='')}", headers=headers)


def _claim_owner(address):
    try:
        return EmailClaim.get(address, consistent_read=True).account_id
    except EmailClaim.DoesNotExist:
        return None


def _addresses(body):
    return [e["address"] for e in body["emails"]]


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def advance():
    """Move the frozen clock forward."""

    def move(**delta):
        clock.set_now(clock.now() + timedelta(**delta))

    return move


def test_add_then_verify_lists_both_addresses(client, signed_in, outbox, frozen_clock):
    account, headers = signed_in(email=FIRST)
    response = _add(client, headers, "Camille.Tremblay@Example.net")
    assert response.status_code == 202
    pending = response.json_body["pending"]
    assert pending["address"] == "Camille.Tremblay@Example.net"  # shown as typed
    assert pending["expires_at"].startswith("2026-11-26T15:10:00")
    assert pending["resend_after"].startswith("2026-11-26T15:01:00")

    mails = _mails_to(outbox, SECOND)  # sent to the normalised new address
    assert len(mails) == 1
    assert "code de confirmation" in mails[0]["subject"]  # French by default
    code = _code_sent_to(outbox, SECOND)
    assert code in mails[0]["text"]
    assert _mails_to(outbox, FIRST) == []  # nothing to the old one yet

    profile = client.http.get("/profile", headers=headers).json_body
    assert [p["address"] for p in profile["pending_emails"]] == ["Camille.Tremblay@Example.net"]

    response = _verify(client, headers, SECOND, code)
    assert response.status_code == 200
    assert _addresses(response.json_body) == [FIRST, "Camille.Tremblay@Example.net"]
    assert response.json_body["pending_emails"] == []
    assert _claim_owner(SECOND) == account.account_id

    notices = _mails_to(outbox, FIRST)
    assert len(notices) == 1
    assert "Camille.Tremblay@Example.net" in notices[0]["text"]
    assert "ajoutée" in notices[0]["subject"]
    assert len(_mails_to(outbox, SECOND)) == 1  # the new address gets no notice of itself

    # The code is single use.
    assert _verify(client, headers, SECOND, code).status_code == 409  # already added now


def test_invalid_address_is_422(client, signed_in):
    _, headers = signed_in()
    response = _add(client, headers, "not an address")
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"email": "invalid_email"}
    response = _verify(client, headers, "nope@", "123456")
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"email": "invalid_email"}


def test_routes_need_a_session(client, aws_env):
    assert _add(client, {"Content-Type": "application/json"}, SECOND).status_code == 401
    assert client.http.delete(f"/profile/emails/{SECOND}").status_code == 401


def test_wrong_code_is_401_and_adds_nothing(client, signed_in, outbox):
    account, headers = signed_in()
    _add(client, headers, SECOND)
    code = _code_sent_to(outbox, SECOND)
    response = _verify(client, headers, SECOND, _wrong(code))
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_code"
    assert [e.address for e in Account.get(account.account_id).emails] == [FIRST]
    assert _claim_owner(SECOND) is None
    # The right code still works after one wrong try.
    assert _verify(client, headers, SECOND, code).status_code == 200


def test_expired_code_is_401(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in()
    _add(client, headers, SECOND)
    code = _code_sent_to(outbox, SECOND)
    advance(minutes=10, seconds=1)
    response = _verify(client, headers, SECOND, code)
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_code"
    assert _claim_owner(SECOND) is None


def test_code_is_burned_after_five_wrong_tries(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in()
    _add(client, headers, SECOND)
    code = _code_sent_to(outbox, SECOND)
    advance(seconds=15)
    for _ in range(5):
        assert _verify(client, headers, SECOND, _wrong(code)).status_code == 401
    response = _verify(client, headers, SECOND, code)
    assert response.status_code == 429
    assert response.json_body["error"]["code"] == "too_many_attempts"
    # Honest: a new code may be asked 60 s after the last one, not when this one expires.
    assert response.headers["Retry-After"] == "45"
    assert _claim_owner(SECOND) is None
    advance(seconds=45)
    assert _add(client, headers, SECOND).status_code == 202


def test_code_of_another_account_does_not_verify(client, signed_in, outbox, frozen_clock, advance):
    _, headers_a = signed_in(email="a@example.com")
    _, headers_b = signed_in(email="b@example.com")
    _add(client, headers_a, SECOND)
    code_for_a = _code_sent_to(outbox, SECOND)
    # The code is bound to account A: account B cannot use it.
    assert _verify(client, headers_b, SECOND, code_for_a).status_code == 401
    assert _verify(client, headers_a, SECOND, code_for_a).status_code == 200


def test_resend_waits_60_seconds(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in()
    assert _add(client, headers, SECOND).status_code == 202
    first_code = _code_sent_to(outbox, SECOND)
    advance(seconds=30)
    response = _add(client, headers, SECOND)
    assert response.status_code == 429
    assert response.json_body["error"]["code"] == "rate_limited"
    assert response.headers["Retry-After"] == "30"
    assert len(_mails_to(outbox, SECOND)) == 1

    advance(seconds=31)
    response = _add(client, headers, SECOND)
    assert response.status_code == 202
    assert response.json_body["pending"]["resend_after"].startswith("2026-11-26T15:02:01")
    assert len(_mails_to(outbox, SECOND)) == 2
    new_code = _code_sent_to(outbox, SECOND)
    profile = client.http.get("/profile", headers=headers).json_body
    assert len(profile["pending_emails"]) == 1  # refreshed, not duplicated
    if new_code != first_code:  # the resend replaces the previous code
        assert _verify(client, headers, SECOND, first_code).status_code == 401
    assert _verify(client, headers, SECOND, new_code).status_code == 200


def test_resends_are_limited_to_five_an_hour(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in()
    for _ in range(5):
        assert _add(client, headers, SECOND).status_code == 202
        outbox()  # the mail sender runs (a code replaced before it ran is not sent)
        advance(seconds=61)
    response = _add(client, headers, SECOND)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 60
    assert len(_mails_to(outbox, SECOND)) == 5


def test_already_added_address_is_409(client, signed_in, outbox):
    _, headers = signed_in(email=FIRST)
    response = _add(client, headers, "  Camille@EXAMPLE.com ")
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "email_already_added"
    assert outbox()["emails"] == []


def test_at_most_three_pending_addresses(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in()
    for n in range(3):
        assert _add(client, headers, f"new{n}@example.org").status_code == 202
    response = _add(client, headers, "new3@example.org")
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "too_many_pending_emails"
    assert response.json_body["error"]["message"] == "Trop d'adresses en attente de confirmation."
    assert _mails_to(outbox, "new3@example.org") == []
    # Cancelling one makes room; expired ones no longer count either.
    assert _delete(client, headers, "new0@example.org").status_code == 200
    assert _add(client, headers, "new3@example.org").status_code == 202
    advance(minutes=11)
    assert _add(client, headers, "new4@example.org").status_code == 202


def test_adding_does_not_reveal_another_owner(client, signed_in, outbox):
    make_account(SECOND)  # someone else's verified address
    _, headers = signed_in(email=FIRST)
    response = _add(client, headers, SECOND)
    assert response.status_code == 202  # same answer as for a free address
    code = _code_sent_to(outbox, SECOND)
    # Only the holder of the code learns it is taken; nothing changes.
    response = _verify(client, headers, SECOND, code)
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "email_in_use"
    profile = client.http.get("/profile", headers=headers).json_body
    assert _addresses(profile) == [FIRST]
    assert [p["address"] for p in profile["pending_emails"]] == [SECOND]
    assert _mails_to(outbox, FIRST) == []  # no "added" notice


def test_concurrent_verifications_of_one_address(
    client, signed_in, outbox, frozen_clock, advance, serialised_moto
):
    from chalicelib.services import emails
    from chalicelib.services.activity import Actor

    account_a, headers_a = signed_in(email="a@example.com")
    account_b, headers_b = signed_in(email="b@example.com")
    _add(client, headers_a, SECOND)
    code_a = _code_sent_to(outbox, SECOND)
    advance(seconds=61)  # the address's own sending limit
    _add(client, headers_b, SECOND)
    code_b = _code_sent_to(outbox, SECOND)

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def verify(account_id, code):
        barrier.wait()
        try:
            actor = Actor(account_id, None, None, None, None, None)
            emails.verify_address(account_id, SECOND, code, actor)
            outcomes[account_id] = "won"
        except Conflict as exc:
            outcomes[account_id] = exc.code

    threads = [
        threading.Thread(target=verify, args=(account_a.account_id, code_a)),
        threading.Thread(target=verify, args=(account_b.account_id, code_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["email_in_use", "won"]
    winner = next(a for a, outcome in outcomes.items() if outcome == "won")
    loser = next(a for a, outcome in outcomes.items() if outcome != "won")
    assert _claim_owner(SECOND) == winner
    assert SECOND in [e.address for e in Account.get(winner, consistent_read=True).emails]
    lost = Account.get(loser, consistent_read=True)
    assert SECOND not in [e.address for e in lost.emails]
    # Decision: the loser's pending entry stays (nothing written) until it expires or is cancelled.
    assert [p.address for p in lost.pending_emails] == [SECOND]


def test_last_address_cannot_be_removed(client, signed_in):
    account, headers = signed_in(email=FIRST)
    response = _delete(client, headers, FIRST)
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "last_email"
    assert _claim_owner(FIRST) == account.account_id


def test_removing_a_pending_address_cancels_its_code(client, signed_in, outbox):
    _, headers = signed_in()
    _add(client, headers, SECOND)
    code = _code_sent_to(outbox, SECOND)
    response = _delete(client, headers, "Camille.Tremblay@example.NET")
    assert response.status_code == 200
    assert response.json_body == {
        "emails": [
            {"address": FIRST, "verified_at": response.json_body["emails"][0]["verified_at"]}
        ],
        "pending_emails": [],
    }
    assert _verify(client, headers, SECOND, code).status_code == 401
    assert _mails_to(outbox, FIRST) == []


def test_removing_an_unknown_address_is_404(client, signed_in):
    _, headers = signed_in()
    assert _delete(client, headers, "someone@example.org").status_code == 404
    assert _delete(client, headers, "not-an-address").status_code == 404


def test_removing_a_verified_address_releases_it(client, signed_in, outbox, frozen_clock, advance):
    account, headers = signed_in(email=FIRST)
    _add(client, headers, SECOND)
    _verify(client, headers, SECOND, _code_sent_to(outbox, SECOND))

    response = _delete(client, headers, FIRST)  # the one this session signed in with
    assert response.status_code == 200
    assert _addresses(response.json_body) == [SECOND]
    assert _claim_owner(FIRST) is None
    removed_notice = _mails_to(outbox, FIRST)[-1]
    assert "retirée" in removed_notice["subject"]
    assert FIRST in removed_notice["text"]

    # The session signed in with the removed address stays valid and keeps its address.
    sessions = client.http.get("/sessions", headers=headers)
    assert sessions.status_code == 200
    assert sessions.json_body["sessions"][0]["email"] == FIRST

    # Someone else can now claim it.
    _, other_headers = signed_in(email="other@example.org")
    advance(seconds=61)
    assert _add(client, other_headers, FIRST).status_code == 202
    response = _verify(client, other_headers, FIRST, _code_sent_to(outbox, FIRST))
    assert response.status_code == 200
    assert _claim_owner(FIRST) != account.account_id


def test_the_removed_address_notice_says_what_signing_in_with_it_does(
    client, signed_in, outbox, frozen_clock, advance
):
    from tests.api.test_auth import seed_record, sign_in

    seed_record(SECOND)  # a professional has the address on file
    account, headers = signed_in(email=FIRST)
    _add(client, headers, SECOND)
    _verify(client, headers, SECOND, _code_sent_to(outbox, SECOND))
    assert _delete(client, headers, SECOND).status_code == 200
    notice = _mails_to(outbox, SECOND)[-1]
    assert "ne donne plus accès à ce compte" in notice["text"]
    assert "nouveau compte, distinct de celui-ci" in notice["text"]
    assert "plus vous connecter" not in notice["text"]
    # What it says is what happens: a new account, from the professional's record.
    advance(seconds=61)
    token = sign_in(client, outbox, SECOND).json_body["token"]
    profile = client.http.get("/profile", headers={"Authorization": f"Bearer {token}"})
    assert profile.json_body["account_id"] != account.account_id
    assert profile.json_body["last_name"] == "Tremblay"


def test_texts_follow_the_account_language(client, signed_in, outbox, frozen_clock, advance):
    _, headers = signed_in(email=FIRST, language="en")
    _add(client, headers, SECOND)
    code_mail = _mails_to(outbox, SECOND)[-1]
    assert code_mail["subject"].startswith("Your confirmation code")
    assert "valid for 10 minutes" in code_mail["text"]
    _verify(client, headers, SECOND, _code_sent_to(outbox, SECOND))
    added = _mails_to(outbox, FIRST)[-1]
    assert added["subject"] == "An address was added to your client portal"
    _delete(client, headers, FIRST)
    removed = _mails_to(outbox, FIRST)[-1]
    assert removed["subject"] == "An address was removed from your client portal"
    assert "new account, separate from this one, from their record" in removed["text"]
    assert "no longer sign in" not in removed["text"]
    # Error messages too.
    response = _delete(client, headers, SECOND)
    assert response.json_body["error"]["message"].startswith("You must keep")


class _FailingSes:
    def send_email(self, **kwargs):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")


def test_ses_failure_delays_the_code_and_the_answer_is_202(client, signed_in, monkeypatch):
    from chalicelib.adapters import mailer
    from infra.local.mail_drain import drain_mail_queue
    from infra.local.outbox import read_outbox

    account, headers = signed_in()
    real_client = mailer.client
    monkeypatch.setattr(mailer, "client", lambda service: _FailingSes())
    response = _add(client, headers, SECOND)
    assert response.status_code == 202  # recorded on the mail queue; SES is not asked here
    drain_mail_queue(retry_failed_now=True, rounds=2)  # SES refuses: the message stays
    assert read_outbox()["emails"] == []
    monkeypatch.setattr(mailer, "client", real_client)
    drain_mail_queue(retry_failed_now=True)  # the queue's retry, once SES is back
    (mail,) = read_outbox()["emails"]
    code = re.search(r"\b(\d{6})\b", mail["text"]).group(1)
    assert _verify(client, headers, SECOND, code).status_code == 200
    assert SECOND in [e.address for e in Account.get(account.account_id).emails]


def test_mail_queue_failure_is_503_and_a_retry_works(client, signed_in, outbox, monkeypatch):
    from chalicelib.adapters import mail_queue

    account, headers = signed_in()
    real_client = mail_queue.client
    monkeypatch.setattr(mail_queue, "client", lambda service: _FailingSqs())
    response = _add(client, headers, SECOND)
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "unavailable"
    stored = Account.get(account.account_id, consistent_read=True)
    assert stored.pending_emails == []  # no entry, so no resend_after to wait for
    assert Code.count() == 0  # the code of a message never recorded is not left usable

    monkeypatch.setattr(mail_queue, "client", real_client)
    response = _add(client, headers, SECOND)  # at once: the failed request was not counted
    assert response.status_code == 202
    assert _verify(client, headers, SECOND, _code_sent_to(outbox, SECOND)).status_code == 200


class _FailingSqs:
    def send_message(self, **kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "x"}}, "SendMessage")

    get_queue_url = send_message


def test_failed_notice_does_not_fail_verification(client, signed_in, outbox, monkeypatch, caplog):
    from chalicelib.adapters import mailer

    _, headers = signed_in(email=FIRST)
    _add(client, headers, SECOND)
    code = _code_sent_to(outbox, SECOND)
    monkeypatch.setattr(mailer, "client", lambda service: _FailingSes())
    response = _verify(client, headers, SECOND, code)
    assert response.status_code == 200
    assert _addresses(response.json_body) == [FIRST, SECOND]
    assert FIRST not in caplog.text and SECOND not in caplog.text  # no personal data in logs


def test_sign_in_with_an_added_address_reaches_the_same_account(
    client, signed_in, outbox, frozen_clock, advance
):
    account, headers = signed_in(email=FIRST)
    added = "only.portal@example.org"  # on no professional's client record
    _add(client, headers, added)
    _verify(client, headers, added, _code_sent_to(outbox, added))

    advance(seconds=61)  # the address's sending limit (shared with sign-in codes)
    body = json.dumps({"email": added})
    response = client.http.post(
        "/auth/code", headers={"Content-Type": "application/json"}, body=body
    )
    assert response.status_code == 202
    flow = response.json_body["flow"]
    code = _code_sent_to(outbox, added)
    response = client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": added, "code": code, "flow": flow}),
    )
    assert response.status_code == 201
    assert response.json_body["profile"]["account_id"] == account.account_id
    assert response.json_body["session"]["email"] == added

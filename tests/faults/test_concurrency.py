"""Concurrency: many requests at the same instant, through the real routes, on moto.

Threads start together on a barrier and call the Chalice app in-process. Two
things of the harness (not of our code) are made to behave like production:

- Chalice keeps ``current_request`` on the app object, which is right for Lambda
  (one request per process at a time) but shared between threads here: it is
  made thread-local for these tests, so each thread handles its own request.
- DynamoDB applies each item operation and each transaction atomically (and
  serialisably); moto's in-memory backend has no lock, so two threads can both
  pass a condition before either writes. Every moto DynamoDB operation is
  serialised here. Races between *our* reads and *our* writes are untouched:
  a read-then-write without a condition would still lose updates.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.services import codes, reminders
from chalicelib.services.emails import PURPOSE as ADD_EMAIL
from chalicelib.services.emails import code_subject
from chalicelib.services.login import LOGIN
from chalicelib.store.accounts import Account
from chalicelib.store.codes import Code
from chalicelib.store.email_claims import EmailClaim
from tests.conftest import ROOT, make_account
from tests.faults.test_fault_injection import (
    DUE,
    JSON,
    PROFILE_BODY,
    Bookings,
    codes_in,
    outcome,
    pending,
)
from tests.support.concurrency import together

SHARED = "partage@example.net"


@pytest.fixture
def parallel(app: Any, monkeypatch: pytest.MonkeyPatch, serialised_moto: None) -> Any:
    """A Chalice test client that threads can share (see the module docstring)."""
    import chalice.test
    from chalice.test import Client

    local = threading.local()

    def thread_attribute(name: str) -> property:
        return property(
            lambda self: getattr(local, name, None),
            lambda self, value: setattr(local, name, value),
        )

    per_thread = type(
        "PerThreadChalice",
        (type(app),),
        {
            "current_request": thread_attribute("current_request"),
            "lambda_context": thread_attribute("lambda_context"),
        },
    )
    monkeypatch.setattr(app, "__class__", per_thread)
    # The test client swaps os.environ around each call, which threads would
    # interleave; the stage's only variable (PORTAL_STAGE=local) is already set.
    monkeypatch.setattr(
        chalice.test.BaseClient, "_patched_env_vars", lambda self, env: contextlib.nullcontext()
    )
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        yield client


def answers(responses: list[Any]) -> Counter:
    """(status, error code) of each response, counted."""
    counted: Counter = Counter()
    for response in responses:
        assert not isinstance(response, BaseException), repr(response)
        code = (response.json_body or {}).get("error", {}).get("code") if response.body else None
        counted[(response.status_code, code)] += 1
    return counted


# --------------------------------------------------------------------------- emails


def test_twenty_accounts_verify_the_same_address(parallel, signed_in, outbox):
    people = [signed_in(email=f"personne{n}@example.com") for n in range(20)]
    # Each holds a valid code for the shared address (as if each had added it).
    held = [
        codes.derived_code(
            ADD_EMAIL,
            codes.issue(ADD_EMAIL, code_subject(a.account_id, SHARED), account_id=a.account_id),
        )
        for a, _ in people
    ]
    versions = {a.account_id: Account.get(a.account_id).version for a, _ in people}

    def verify(headers: dict, code: str) -> Callable[[], Any]:
        body = json.dumps({"email": SHARED, "code": code})
        return lambda: parallel.http.post("/profile/emails/verify", headers=headers, body=body)

    responses = together([verify(h, c) for (_, h), c in zip(people, held, strict=True)])

    assert answers(responses) == {(200, None): 1, (409, "email_in_use"): 19}
    winner = people[[r.status_code for r in responses].index(200)][0].account_id
    assert EmailClaim.get(SHARED, consistent_read=True).account_id == winner
    for account, _ in people:
        stored = Account.get(account.account_id, consistent_read=True)
        addresses = [e.address for e in stored.emails]
        if account.account_id == winner:
            assert addresses == [account.emails[0].address, SHARED]
            assert stored.version == versions[winner] + 1
        else:  # nothing half-written on the 19 others
            assert addresses == [account.emails[0].address]
            assert stored.version == versions[account.account_id]
    assert Code.count() == 0  # the winner's code used, the losers' discarded
    outcome(
        "20 accounts verify the same address at once (`POST /profile/emails/verify`)",
        "1 × 200, 19 × 409 `email_in_use`",
        "one EmailClaim, owned by the winner, whose account lists the address once; "
        "the 19 others unchanged (emails, version); no code left",
    )


# --------------------------------------------------------------------------- profile

NAMES = ["Alice", "Berthe", "Chloé", "Denis", "Élise", "Félix", "Gaëlle", "Hugo", "Inès", "Jules"]


def test_ten_saves_of_one_profile_version(parallel, signed_in):
    account, headers = signed_in()

    def save(name: str) -> Callable[[], Any]:
        body = json.dumps({**PROFILE_BODY, "version": 1, "first_name": name})
        return lambda: parallel.http.put("/profile", headers=headers, body=body)

    responses = together([save(name) for name in NAMES])

    assert answers(responses) == {(200, None): 1, (409, "version_conflict"): 9}
    won = next(r for r in responses if r.status_code == 200)
    winner = NAMES[responses.index(won)]
    stored = Account.get(account.account_id, consistent_read=True)
    assert (stored.first_name, stored.version) == (winner, 2)
    assert won.json_body["first_name"] == winner and won.json_body["version"] == 2
    assert parallel.http.get("/profile", headers=headers).json_body == won.json_body
    outcome(
        "10 saves of the same profile version at once (`PUT /profile`)",
        "1 × 200, 9 × 409 `version_conflict`",
        "stored profile = the winner's body, version 1 → 2; GET /profile = the winner's answer",
    )


# --------------------------------------------------------------------------- sign-in codes


def test_fifty_wrong_codes_at_once(parallel, outbox):
    address = "camille@example.com"
    make_account(address)
    asked = parallel.http.post("/auth/code", headers=JSON, body=json.dumps({"email": address}))
    assert asked.status_code == 202
    flow = asked.json_body["flow"]
    (right,) = codes_in(outbox, address)
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 51)]

    def guess(code: str) -> Callable[[], Any]:
        body = json.dumps({"email": address, "code": code, "flow": flow})
        return lambda: parallel.http.post("/auth/login", headers=JSON, body=body)

    responses = together([guess(code) for code in wrong])

    counted = answers(responses)
    assert set(counted) <= {(401, "invalid_code"), (429, "too_many_attempts")}
    stored = Code.get(f"{LOGIN}#{flow}", consistent_read=True)
    assert stored.attempts == codes.MAX_ATTEMPTS  # burned, and never counted past the limit
    late = parallel.http.post(
        "/auth/login",
        headers=JSON,
        body=json.dumps({"email": address, "code": right, "flow": flow}),
    )
    assert (late.status_code, late.json_body["error"]["code"]) == (429, "too_many_attempts")
    outcome(
        "50 wrong codes at once on one sign-in flow (`POST /auth/login`)",
        f"{counted[(401, 'invalid_code')]} × 401 `invalid_code`, "
        f"{counted[(429, 'too_many_attempts')]} × 429 `too_many_attempts` (this run)",
        "stored attempts = 5 exactly (conditional increment); the right code afterwards → 429",
    )


# --------------------------------------------------------------------------- reminders


def test_two_reminder_runs_at_once(aws_env, serialised_moto, outbox, frozen_clock):
    keys = Bookings().seed(10)
    clock.set_now(DUE - timedelta(minutes=15))
    reminders.run()  # the previous run: nothing due yet
    clock.set_now(DUE + timedelta(minutes=20))  # all 10 due

    summaries = together([reminders.run, reminders.run])

    assert not any(isinstance(s, BaseException) for s in summaries), summaries
    assert sum(s["sent"] for s in summaries) == 10
    phones = Counter(sms["to"] for sms in outbox()["sms"])
    assert len(phones) == 10 and set(phones.values()) == {1}  # one SMS per appointment
    assert not any(pending(key) for key in keys)
    clock.set_now(clock.now() + timedelta(minutes=15))
    assert reminders.run()["sent"] == 0
    assert len(outbox()["sms"]) == 10
    outcome(
        "two `send_reminders` runs at once, 10 reminders due",
        f"runs sent {summaries[0]['sent']} + {summaries[1]['sent']} (this run)",
        "exactly one SMS per appointment (mark-before-send is a conditional write); "
        "next run sends none",
    )


@pytest.fixture(autouse=True)
def _no_leaked_clock() -> Iterator[None]:
    yield
    clock.set_now(None)

"""Portal events out: each change publishes its event through the outbox, the stream and the
real publisher onto the bus (in-process moto); refused changes publish nothing."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.config import DATE_FORMATS, TIME_FORMATS
from chalicelib.services import portal_events
from chalicelib.store.accounts import Account
from chalicelib.store.outbox import RETENTION, OutboxEvent
from tests.support.portal_events import published, schema, stream_publisher, validate
from tests.support.profiles import PROFILE_UPDATE

SECOND = "camille.tremblay@example.net"


@pytest.fixture
def publisher(aws_env: None) -> Any:
    return stream_publisher()


def save(client: Any, headers: dict, version: Any, **changes: Any) -> Any:
    body = {"version": version, **PROFILE_UPDATE, **changes}
    return client.http.put("/profile", headers=headers, body=json.dumps(body))


def add_and_verify(client: Any, headers: dict, outbox: Any, address: str) -> Any:
    answer = client.http.post(
        "/profile/emails", headers=headers, body=json.dumps({"email": address})
    )
    assert answer.status_code == 202, answer.json_body
    mail = [m for m in outbox()["emails"] if m["to"] == address][-1]
    code = re.search(r"\b(\d{6})\b", mail["subject"]).group(1)
    return client.http.post(
        "/profile/emails/verify", headers=headers, body=json.dumps({"email": address, "code": code})
    )


def test_saving_the_profile_publishes_one_profile_updated(client, signed_in, publisher):
    account, headers = signed_in(first_name="Camille", last_name="Tremblay")
    answer = save(client, headers, 1, language="en", mobile_phone="438 555 0199")
    assert answer.status_code == 200, answer.json_body

    publisher.drain()
    (event,) = published()
    assert event["type"] == "client.profile_updated"
    assert event["account_id"] == account.account_id
    assert event["version"] == answer.json_body["version"] == 2
    assert event["language"] == "en"
    assert event["mobile_phone"] == "+14385550199"
    assert event["home_phone"] is None
    assert event["emails"] == ["camille@example.com"]
    assert (event["first_name"], event["last_name"]) == ("Camille", "Tremblay")
    assert (event["date_format"], event["time_format"], event["timezone"]) == (
        "YYYY-MM-DD",
        "24h",
        "America/Toronto",
    )
    assert event["schema_version"] == portal_events.SCHEMA_VERSION
    # the outbox item expires (TTL) and carries exactly what was published
    (item,) = OutboxEvent.scan()
    assert item.event_id == event["id"]
    assert abs((item.expires_at - item.created_at) - RETENTION).total_seconds() < 1  # TTL: seconds
    assert json.loads(item.detail) == event


def test_two_saves_publish_two_events_with_distinct_ids_in_order(client, signed_in, publisher):
    _, headers = signed_in()
    assert save(client, headers, 1, language="en").status_code == 200
    assert save(client, headers, 2, language="fr").status_code == 200
    publisher.drain()
    events = published()
    assert [(e["version"], e["language"]) for e in events] == [(2, "en"), (3, "fr")]
    assert len({e["id"] for e in events}) == 2


@pytest.mark.parametrize(
    ("version", "changes", "status"),
    [(7, {}, 409), (1, {"language": "de"}, 422), (1, {"mobile_phone": "12"}, 422)],
)
def test_a_refused_save_publishes_nothing(client, signed_in, publisher, version, changes, status):
    _, headers = signed_in()
    assert save(client, headers, version, **changes).status_code == status
    publisher.drain()
    assert published() == []
    assert list(OutboxEvent.scan()) == []


def test_a_save_that_lost_the_race_publishes_nothing(client, signed_in, publisher):
    """The version condition fails inside the transaction (a concurrent save won after our
    read): 409, and the outbox put of the same transaction is not written either."""
    account, headers = signed_in()
    original_get = Account.get

    def stale_get(*args: Any, **kwargs: Any) -> Account:
        loaded = original_get(*args, **kwargs)
        Account.get = original_get  # only the request's read is stale
        fresh = original_get(account.account_id, consistent_read=True)
        fresh.first_name = "Gagnant"
        fresh.save()  # the concurrent winner: version 1 -> 2
        return loaded

    Account.get = stale_get
    try:
        answer = save(client, headers, 1, language="en")
    finally:
        Account.get = original_get
    assert answer.status_code == 409, answer.json_body
    publisher.drain()
    assert published() == []


def test_verifying_and_removing_an_address_publish_their_events(
    client, signed_in, publisher, outbox
):
    account, headers = signed_in()
    verified = add_and_verify(client, headers, outbox, SECOND)
    assert verified.status_code == 200, verified.json_body
    removed = client.http.delete(f"/profile/emails/{quote(SECOND, safe='')}", headers=headers)
    assert removed.status_code == 200, removed.json_body

    publisher.drain()
    events = published()
    assert [(e["type"], e["email"]) for e in events] == [
        ("client.email_verified", SECOND),
        ("client.email_removed", SECOND),
    ]
    assert all(e["account_id"] == account.account_id for e in events)
    # 2 was the pending entry (no event: nothing the booking platform needs); the
    # last event carries the account's current version
    assert [e["version"] for e in events] == [3, 4]
    assert Account.get(account.account_id, consistent_read=True).version == 4


def test_refused_address_changes_publish_nothing(client, signed_in, publisher, outbox):
    _, headers = signed_in()
    last = client.http.delete(f"/profile/emails/{quote('camille@example.com')}", headers=headers)
    assert last.status_code == 409  # the last verified address
    answer = client.http.post(
        "/profile/emails/verify",
        headers=headers,
        body=json.dumps({"email": SECOND, "code": "000000"}),
    )
    assert answer.status_code == 401
    publisher.drain()
    assert published() == []


def test_account_deleted_is_ready_for_the_deletion_transaction(aws_env, publisher):
    """Account deletion is not built yet: its event is produced and recorded as the
    deletion's transaction will, then published like the others."""
    from chalicelib.store.base import transaction
    from tests.conftest import make_account

    account = make_account()
    event = portal_events.account_deleted(account)
    with transaction() as write:
        write.delete(account)
        portal_events.record(write, event)

    publisher.drain()
    (sent,) = published()
    assert sent == event
    assert sent["type"] == "client.account_deleted"
    assert sent["emails"] == ["camille@example.com"]
    assert sent["version"] == portal_events.next_version(account)


def test_schemas_are_draft_2020_12_and_agree_with_the_code():
    from chalicelib.config import LANGUAGES

    for event_type in portal_events.TYPES:
        document = schema(event_type)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["properties"]["type"] == {"const": event_type}
        assert document["properties"]["schema_version"]["const"] == portal_events.SCHEMA_VERSION
    props = schema(portal_events.PROFILE_UPDATED)["properties"]
    assert tuple(props["language"]["enum"]) == LANGUAGES
    assert tuple(props["date_format"]["enum"]) == DATE_FORMATS
    assert tuple(props["time_format"]["enum"]) == TIME_FORMATS


def test_a_schema_refuses_what_the_contract_does_not_allow():
    import jsonschema

    good = {
        "id": "ev_1",
        "type": "client.email_removed",
        "occurred_at": "2026-11-26T15:00:00Z",
        "schema_version": 1,
        "account_id": "a_1",
        "version": 3,
        "email": "camille@example.com",
    }
    validate(good)
    for bad in ({**good, "version": 0}, {**good, "email": None}, {**good, "extra": 1}):
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def test_a_save_stays_three_dynamodb_calls(client, signed_in, dynamodb_calls):
    """The event rides in the profile's own write: session read, account read, one transaction."""
    _, headers = signed_in()
    dynamodb_calls.clear()
    assert save(client, headers, 1, language="en").status_code == 200
    assert sorted(op for op, _ in dynamodb_calls) == ["GetItem", "GetItem", "TransactWriteItems"]


def test_replay_puts_again_what_was_recorded_in_a_window(client, signed_in, frozen_clock):
    """The operator's answer to the DLQ alarm (infra/replay_events.py)."""
    from datetime import timedelta

    from chalicelib.adapters import clock
    from infra.replay_events import main

    _, headers = signed_in()
    assert save(client, headers, 1, language="en").status_code == 200
    start = clock.now()
    frozen_clock(start + timedelta(minutes=10))
    assert save(client, headers, 2, language="fr").status_code == 200
    # nothing published yet (no publisher ran): replay the second one only
    main(
        ["--since", (start + timedelta(minutes=5)).isoformat(), "--until", clock.now().isoformat()]
    )
    (event,) = published()
    assert (event["language"], event["version"]) == ("fr", 3)

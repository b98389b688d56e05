"""Portal events against ``make run``'s stack: real HTTP, the outbox stream, the publisher
thread, the local bus and its tap, read back from ``GET /_dev/outbox``."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.e2e.browser_support import (
    CodeMail,
    api_sign_in,
    person_events,
    poll,
    send_booking_events,
)
from tests.support.portal_events import validate
from tests.support.profiles import PROFILE_UPDATE

pytestmark = pytest.mark.stack

EMAIL = "dana.events@example.org"
SECOND = "dana.roy@example.net"


def events_of(api: str, account_id: str) -> list[dict[str, Any]]:
    events = requests.get(f"{api}/_dev/outbox", timeout=5).json()["events"]
    return [e for e in events if e["account_id"] == account_id]


def sign_in(api: str, email: str) -> dict[str, str]:
    return {**api_sign_in(api, email).headers, "Content-Type": "application/json"}


def test_changes_publish_their_events_and_refusals_publish_none(local_stack: Any) -> None:
    api = local_stack.api
    send_booking_events(
        local_stack,
        person_events("p-riviere", "c-dana", "Dana", "Roy", EMAIL, "fr", ("ap-dana", 3, "Physio")),
    )
    headers = sign_in(api, EMAIL)
    profile = requests.get(f"{api}/profile", headers=headers, timeout=10).json()
    account_id, version = profile["account_id"], profile["version"]

    saved_at = time.monotonic()
    body = {**PROFILE_UPDATE, "first_name": "Dana", "last_name": "Roy", "language": "en"}
    saved = requests.put(
        f"{api}/profile", headers=headers, data=json.dumps({**body, "version": version}), timeout=10
    )
    assert saved.status_code == 200, saved.text
    published = poll(lambda: events_of(api, account_id), timeout=5, interval=0.1)
    assert published, "no event within 5 s"
    assert time.monotonic() - saved_at <= 5.5
    (event,) = published
    assert event["type"] == "client.profile_updated"
    assert event["language"] == "en"
    assert event["version"] == saved.json()["version"] == version + 1
    assert event["emails"] == [EMAIL]

    stale = requests.put(
        f"{api}/profile", headers=headers, data=json.dumps({**body, "version": version}), timeout=10
    )
    assert stale.status_code == 409
    invalid = requests.put(
        f"{api}/profile",
        headers=headers,
        data=json.dumps({**body, "version": version + 1, "timezone": "Mars/Olympus"}),
        timeout=10,
    )
    assert invalid.status_code == 422

    mail = CodeMail(api, SECOND)
    added = requests.post(f"{api}/profile/emails", headers=headers, json={"email": SECOND})
    assert added.status_code == 202, added.text
    verified = requests.post(
        f"{api}/profile/emails/verify",
        headers=headers,
        json={"email": SECOND, "code": mail.code()},
        timeout=10,
    )
    assert verified.status_code == 200, verified.text
    removed = requests.delete(
        f"{api}/profile/emails/{quote(SECOND, safe='')}", headers=headers, timeout=10
    )
    assert removed.status_code == 200, removed.text

    def all_three() -> list[dict[str, Any]]:
        found = events_of(api, account_id)
        return found if len(found) >= 3 else []

    events = poll(all_three, timeout=5)
    assert [(e["type"], e.get("email")) for e in events] == [
        ("client.profile_updated", None),  # the 409 and the 422 published nothing
        ("client.email_verified", SECOND),
        ("client.email_removed", SECOND),
    ]
    for published_event in events:
        validate(published_event)
    assert "📣 event client.email_removed" in local_stack.output()  # printed like emails

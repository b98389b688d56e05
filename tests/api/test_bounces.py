"""SES bounce/complaint events: the address is recorded, notices skip it, a code still goes,
and entering that code (verifying the address again) clears the record."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.adapters import clock
from chalicelib.store.accounts import Account, VerifiedEmail
from chalicelib.store.bounced_addresses import BouncedAddress
from chalicelib.store.email_claims import EmailClaim
from tests.api.test_auth import sign_in
from tests.conftest import make_account

FIRST = "camille@example.com"
SECOND = "camille.t@example.net"


def ses_event(kind: str, address: str, bounce_type: str = "Permanent") -> str:
    if kind == "Bounce":
        body = {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": address}]}
        return json.dumps({"eventType": "Bounce", "bounce": body, "mail": {}})
    body = {"complainedRecipients": [{"emailAddress": address}]}
    return json.dumps({"eventType": "Complaint", "complaint": body, "mail": {}})


def deliver(client: Any, message: str) -> None:
    client.lambda_.invoke("ses_events", client.events.generate_sns_event(message=message))


def recorded(address: str) -> bool:
    return BouncedAddress.count(address) > 0


def two_addresses() -> Account:
    account = make_account(FIRST)
    account.emails = [
        *account.emails,
        VerifiedEmail(address=SECOND, display=SECOND, verified_at=account.created_at),
    ]
    account.save()
    EmailClaim(SECOND, account_id=account.account_id, claimed_at=account.created_at).save()
    return account


def mails_to(outbox: Any, address: str) -> list[dict]:
    return [m for m in outbox()["emails"] if m["to"] == address]


def test_hard_bounces_and_complaints_are_recorded_normalised_transient_ones_not(
    client: Any,
) -> None:
    deliver(client, ses_event("Bounce", "Camille@EXAMPLE.com"))
    deliver(client, ses_event("Complaint", SECOND))
    deliver(client, ses_event("Bounce", "other@example.org", bounce_type="Transient"))
    deliver(client, "not json")
    assert recorded(FIRST) and recorded(SECOND)
    assert not recorded("other@example.org")
    assert BouncedAddress.get(SECOND).kind == "complaint"


def test_notices_skip_a_bounced_address_until_a_code_sent_to_it_is_entered(
    client: Any, outbox: Any, frozen_clock: Any
) -> None:
    def later() -> None:  # past the one-code-per-minute limit
        frozen_clock(clock.now() + timedelta(minutes=2))

    two_addresses()
    sign_in(client, outbox, FIRST, user_agent="pytest first device")
    deliver(client, ses_event("Bounce", SECOND))

    # A sign-in from a new device: the notice goes to the first address only.
    before = len(mails_to(outbox, SECOND))
    later()
    sign_in(client, outbox, FIRST)
    assert len(mails_to(outbox, SECOND)) == before
    assert "connexion" in mails_to(outbox, FIRST)[-1]["subject"].lower()

    # The person asks for a code for the bounced address: it is sent, and entering it
    # verifies the address again.
    sign_in(client, outbox, SECOND, user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    assert not recorded(SECOND)
    later()
    sign_in(client, outbox, FIRST, user_agent="Mozilla/5.0 (Windows NT 10.0) Edge/120.0")
    assert len(mails_to(outbox, SECOND)) > before + 1  # the code, then notices again

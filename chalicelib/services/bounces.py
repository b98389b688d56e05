"""Addresses SES could not deliver to for good: recorded, not mailed again until verified again.

SES publishes bounce and complaint events of the stage's configuration set to an
SNS topic; the ``ses_events`` function records each permanently bounced or
complaining recipient. Notices (new sign-in, address added or removed) skip a
recorded address; a code is still sent when the person asks for one, because
entering it is how the address is verified again, which clears the record.
Every address is stored in its normal form, never logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters import clock
from chalicelib.services import email_address
from chalicelib.store.bounced_addresses import BouncedAddress

log = logging.getLogger("portal.bounces")


def _recipients(event: dict[str, Any]) -> tuple[str, list[str]]:
    """(kind, raw addresses) of one SES event; kind "" when nothing is to be recorded."""
    kind = (event.get("eventType") or event.get("notificationType") or "").lower()
    if kind == "bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":  # transient: SES retried, may deliver later
            return "", []
        return kind, [r.get("emailAddress", "") for r in bounce.get("bouncedRecipients") or []]
    if kind == "complaint":
        complaint = event.get("complaint") or {}
        return kind, [
            r.get("emailAddress", "") for r in complaint.get("complainedRecipients") or []
        ]
    return "", []


def record_ses_event(message: str) -> int:
    """Record the addresses of one SES event (an SNS message body); returns how many."""
    try:
        event = json.loads(message)
    except ValueError:
        log.warning("SES event is not JSON: ignored")
        return 0
    kind, raw_addresses = _recipients(event if isinstance(event, dict) else {})
    recorded = 0
    for raw in raw_addresses:
        address = email_address.normalise(raw)
        if address is None:
            continue
        BouncedAddress(address, kind=kind, reported_at=clock.now()).save()
        recorded += 1
    log.info("SES %s event: %d address(es) recorded", kind or "other", recorded)
    return recorded


def deliverable(addresses: list[str]) -> list[str]:
    """The addresses a notice may go to: those not recorded as bounced. DynamoDB -> 503."""
    if not addresses:
        return []
    found = {item.email for item in BouncedAddress.batch_get(addresses)}
    return [address for address in addresses if address not in found]


def verified_again(address: str) -> None:
    """The person entered a code sent to ``address``: it delivers again. Best effort."""
    try:
        BouncedAddress(address).delete()
    except PynamoDBException:
        log.warning("bounce record not cleared (DynamoDB); cleared at the next verification")

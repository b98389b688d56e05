"""Portal events out: what the client changed, told to the booking platform (docs/api.md).

Never lost, never invented (the transactional outbox):

- the service that makes a change adds ``record(write, event)`` to the very
  DynamoDB transaction that writes it, so the event exists if and only if the
  change happened;
- the outbox table's stream feeds ``publish_stream_records`` (the
  ``publish_events`` function), which puts each event on the EventBridge bus.
  A batch that fails is retried by Lambda from the first event not accepted
  (bisecting, then the dead-letter queue); a crash after putting re-delivers.
  Delivery is at least once: subscribers de-duplicate by ``id`` and drop an
  event whose ``version`` is older than one they applied.

Each event's JSON Schema is in docs/events/ (tests check what is published).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.adapters import clock, event_bus
from chalicelib.errors import Unavailable
from chalicelib.instants import utc_iso
from chalicelib.store.accounts import Account
from chalicelib.store.outbox import RETENTION, OutboxEvent

log = logging.getLogger("portal.events")

SCHEMA_VERSION = 1
PROFILE_UPDATED = "client.profile_updated"
EMAIL_VERIFIED = "client.email_verified"
EMAIL_REMOVED = "client.email_removed"
ACCOUNT_DELETED = "client.account_deleted"
TYPES = (PROFILE_UPDATED, EMAIL_VERIFIED, EMAIL_REMOVED, ACCOUNT_DELETED)


# ---------------------------------------------------------------- the events


def next_version(account: Account) -> int:
    """The version the account has once the write being prepared succeeds (pynamodb adds 1)."""
    return (account.version or 0) + 1


def _event(event_type: str, account: Account, version: int, **fields: Any) -> dict[str, Any]:
    from chalicelib.services.sessions import new_id

    return {
        "id": new_id("ev"),
        "type": event_type,
        "occurred_at": utc_iso(clock.now()),
        "schema_version": SCHEMA_VERSION,
        "account_id": account.account_id,
        "version": version,
        **fields,
    }


def _addresses(account: Account) -> list[str]:
    return [email.address for email in account.emails or []]


def profile_updated(account: Account, version: int) -> dict[str, Any]:
    """The whole profile as the account holds it (already changed, not yet written)."""
    return _event(
        PROFILE_UPDATED,
        account,
        version,
        emails=_addresses(account),
        first_name=account.first_name,
        last_name=account.last_name,
        language=account.language,
        mobile_phone=account.mobile_phone,
        home_phone=account.home_phone,
        date_format=account.date_format,
        time_format=account.time_format,
        timezone=account.timezone,
    )


def email_verified(account: Account, address: str, version: int) -> dict[str, Any]:
    return _event(EMAIL_VERIFIED, account, version, email=address)


def email_removed(account: Account, address: str, version: int) -> dict[str, Any]:
    return _event(EMAIL_REMOVED, account, version, email=address)


def account_deleted(account: Account) -> dict[str, Any]:
    """For the deletion transaction: ``version`` one past the last, so it outranks every
    earlier event; ``emails`` are the addresses the deletion releases."""
    return _event(ACCOUNT_DELETED, account, next_version(account), emails=_addresses(account))


def record(write: TransactWrite, event: dict[str, Any]) -> None:
    """Add the event to the transaction that makes the change it describes."""
    now = clock.now()
    item = OutboxEvent(
        event["id"],
        event_type=event["type"],
        account_id=event["account_id"],
        detail=json.dumps(event, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
        expires_at=now + RETENTION,
    )
    write.save(item, condition=OutboxEvent.event_id.does_not_exist())


# ---------------------------------------------------------------- the publisher


@dataclass(frozen=True)
class StreamRecord:
    """What the publisher needs of one outbox stream record."""

    sequence_number: str
    event_name: str  # INSERT for a new event; REMOVE when TTL expires it
    new_image: dict[str, Any] | None  # DynamoDB-typed attributes


def _outgoing(record: StreamRecord) -> tuple[str, str] | None:
    """(detail-type, detail) to publish, or None for what is not a new event."""
    if record.event_name != "INSERT" or not record.new_image:
        return None
    return record.new_image["event_type"]["S"], record.new_image["detail"]["S"]


def publish_stream_records(records: Iterable[StreamRecord]) -> list[str]:
    """Put the outbox's new events on the bus, in stream order; returns the sequence
    number of the first event not accepted (Lambda retries from there), or nothing.

    Sending stops at the first refusal: what follows would be retried anyway.
    """
    pending = [(r.sequence_number, out) for r in records if (out := _outgoing(r)) is not None]
    for start in range(0, len(pending), event_bus.MAX_ENTRIES_PER_CALL):
        chunk = pending[start : start + event_bus.MAX_ENTRIES_PER_CALL]
        try:
            accepted = event_bus.put_events([out for _, out in chunk])
        except Unavailable:
            accepted = [False] * len(chunk)
        if not all(accepted):
            first_refused = accepted.index(False)
            log.warning("%d portal events left for retry", len(pending) - start - first_refused)
            return [chunk[first_refused][0]]
    return []


def replay(since: datetime, until: datetime) -> int:
    """Put again every event recorded between ``since`` and ``until`` (what the
    publisher's dead-letter queue reported), oldest first; returns how many.

    Safe to repeat: subscribers de-duplicate by ``id``. A refusal -> Unavailable
    (run it again). An operator's tool (infra/replay_events.py): it scans the table.
    """
    items = sorted(
        OutboxEvent.scan(OutboxEvent.created_at.between(since, until)),
        key=lambda item: (item.created_at, item.event_id),
    )
    for start in range(0, len(items), event_bus.MAX_ENTRIES_PER_CALL):
        chunk = items[start : start + event_bus.MAX_ENTRIES_PER_CALL]
        if not all(event_bus.put_events([(item.event_type, item.detail) for item in chunk])):
            raise Unavailable("events")
    return len(items)

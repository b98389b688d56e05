"""Account activity ("Activité récente"): the security events of the last 90 days.

An event describes the session that did it: its email, and the IP, location and
user agent of the request (an ``Actor``, built by the api layer from the
request). Where a change is a DynamoDB transaction, its event is one more put
of that same transaction (``add``): an event is never recorded for a change
that did not happen, and a change never lacks its event. Reading is one query
on the account's partition, newest first, bounded to 90 days by the key; the
TTL removes older items (lazily: the key bound hides them meanwhile).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # for the annotation only: imported at `import app`, pynamodb.transactions
    # made the import of botocore's urllib3 40 ms slower (bench cold start 1.32x -> 1.10x)
    from pynamodb.transactions import TransactWrite

    from chalicelib.schemas.account import ActivityOut, EventOut
    from chalicelib.schemas.sessions import LocationOut

from chalicelib import limits
from chalicelib.adapters import clock
from chalicelib.instants import utc_iso
from chalicelib.store.activity import TYPES, ActivityEvent, ActivityType
from chalicelib.store.base import delete_partition
from chalicelib.store.sessions import Location, Session


@dataclass(frozen=True)
class Actor:
    """Who does a change: the account, the acting session and its request."""

    account_id: str
    session_id: str | None
    email: str | None
    ip: str | None
    location: LocationOut | None
    user_agent: str | None

    @classmethod
    def of_session(cls, session: Session) -> Actor:
        """The actor of a sign-in: the session just opened."""
        return cls(
            session.account_id,
            session.session_id,
            session.email,
            session.ip,
            location_view(session.location),
            session.user_agent,
        )


def location_view(place: Location | None) -> LocationOut | None:
    """The stored location as shown; None when nothing of it is known."""
    if place is None:
        return None
    location: LocationOut = {
        "city": place.city,
        "region": place.region,
        "country": place.country,
        "country_code": place.country_code,
        "label": place.label,
    }
    return location if any(location.values()) else None


def _event_key(moment: datetime) -> str:
    """Fixed-width UTC time first: string order is time order."""
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{secrets.token_hex(4)}"


def event(actor: Actor, type_: ActivityType, detail: dict[str, Any] | None = None) -> ActivityEvent:
    """The item of one event, done now by ``actor``."""
    assert type_ in TYPES, type_
    now = clock.now()
    return ActivityEvent(
        actor.account_id,
        _event_key(now),
        type=type_,
        at=now,
        session_id=actor.session_id,
        email=actor.email,
        ip=actor.ip or None,
        location=Location(**actor.location) if actor.location else None,
        user_agent=(actor.user_agent or "")[:512] or None,
        detail=detail or None,
        expires_at=now + limits.ACTIVITY_RETENTION,
    )


def add(
    write: TransactWrite, actor: Actor, type_: ActivityType, detail: dict[str, Any] | None = None
) -> None:
    """Record the event in the transaction ``write`` that makes the change.

    A put of a new key: it never causes a cancellation."""
    write.save(event(actor, type_, detail))


def record(
    actor: Actor, type_: ActivityType, detail: dict[str, Any] | None = None
) -> ActivityEvent:
    """Record an event that goes with no write of its own (an export, a code sent)."""
    item = event(actor, type_, detail)
    item.save()
    return item


def events(account_id: str) -> list[ActivityEvent]:
    """The account's events of the last 90 days, newest first: one query."""
    since = _event_key(clock.now() - limits.ACTIVITY_RETENTION)
    return list(
        ActivityEvent.query(account_id, ActivityEvent.event_id >= since, scan_index_forward=False)
    )


def event_view(item: ActivityEvent) -> EventOut:
    """The Event object of docs/api.md."""
    from chalicelib.services.session_list import describe_client

    client = describe_client(item.user_agent, item.location, item.ip)
    return {
        "type": cast(ActivityType, item.type),  # written from TYPES only (``event``)
        "at": utc_iso(item.at),
        "ip": item.ip,
        "location": client.location,
        "local_network": client.local_network,
        "device": client.device,
        "browser": client.browser,
        "email": item.email,
        "detail": item.detail.as_dict() if item.detail is not None else None,
    }


def list_activity(account_id: str) -> ActivityOut:
    return {"events": [event_view(item) for item in events(account_id)]}


def delete_all(account_id: str) -> int:
    """Delete every event of the account (any age); returns how many."""
    return delete_partition(ActivityEvent, account_id, ["account_id", "event_id"])

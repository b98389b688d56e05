"""Security activity of an account (sign-ins, address and profile changes, ...), 90 days."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pynamodb.attributes import MapAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name
from chalicelib.store.sessions import Location

# What an event can be: the one list (the service checks it, the schema documents it).
ActivityType = Literal[
    "sign_in",
    "sign_out",
    "session_ended",
    "other_sessions_ended",
    "email_added",
    "email_removed",
    "profile_saved",
    "photo_changed",
    "photo_removed",
    "export",
    "deletion_requested",
]
TYPES: tuple[ActivityType, ...] = get_args(ActivityType)


class ActivityEvent(PortalModel):
    """One event; the range key starts with the UTC time, so one query reads an
    account's events newest first, bounded to the last 90 days by key."""

    class Meta:
        table_name = table_name("activity")
        region = region()

    account_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)  # "<UTC time, fixed width>#<random>"
    type = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    # The session that did it (as of this request).
    session_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    location = Location(null=True)
    user_agent = UnicodeAttribute(null=True)
    detail: MapAttribute[str, Any] = MapAttribute(
        null=True
    )  # e.g. {"address": ...} for address changes
    expires_at = TTLAttribute()

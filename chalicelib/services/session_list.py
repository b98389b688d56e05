"""The caller's active sessions: list them, end one, end the others, sign out.

Every read and delete is keyed by the caller's own ``account_id`` (the table's
hash key), so another account's session id is simply not found (404).
Expired items still in the table (TTL deletes lazily) are never shown.
"""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DeleteError

from chalicelib.adapters import clock, useragent
from chalicelib.api.endpoint import Caller
from chalicelib.errors import NotFound, Unavailable
from chalicelib.services.sessions import SESSION_LIFETIME, is_live
from chalicelib.store.base import condition_failed
from chalicelib.store.sessions import Session

_MAX_ID_LENGTH = 64
_LOCATION_FIELDS = ("city", "region", "country", "country_code", "label")
_VERSION = re.compile(r"\s+[\d._]+$")


def session_view(session: Session, current_session_id: str | None) -> dict[str, Any]:
    """The Session object of API.md."""
    info = useragent.describe(session.user_agent)
    place = session.location
    location = (
        {name: getattr(place, name) for name in _LOCATION_FIELDS} if place is not None else None
    )
    return {
        "id": session.session_id,
        "current": session.session_id == current_session_id,
        "email": session.email,
        "device": {"type": info.type, "name": info.name, "os": info.os},
        "browser": info.browser,
        "ip": session.ip,
        "location": location if location and any(location.values()) else None,
        "created_at": session.created_at.isoformat(),
        "last_active_at": session.last_active_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
    }


def device_fingerprint(user_agent: str | None) -> tuple[str, str | None, str | None, str | None]:
    """(device type, device name, OS family, browser family): versions dropped, so a
    browser update is not a "new device"."""
    info = useragent.describe(user_agent)

    def family(value: str | None) -> str | None:
        return _VERSION.sub("", value) if value else None

    return (info.type, info.name, family(info.os), family(info.browser))


def live_sessions(account_id: str) -> list[Session]:
    """Every unexpired session of the account (consistent read: just-ended ones are gone)."""
    now = clock.now()
    return list(
        Session.query(
            account_id,
            filter_condition=(Session.expires_at > now)
            & (Session.created_at > now - SESSION_LIFETIME),
            consistent_read=True,
        )
    )


def list_sessions(caller: Caller) -> dict[str, Any]:
    """Current session first, then the most recently active."""
    sessions = live_sessions(caller.account_id)
    sessions.sort(key=lambda s: s.last_active_at, reverse=True)
    sessions.sort(key=lambda s: s.session_id != caller.session_id)  # stable: current first
    return {
        "count": len(sessions),
        "sessions": [session_view(s, caller.session_id) for s in sessions],
    }


def end_session(caller: Caller, session_id: str) -> None:
    """End one of the caller's sessions (the current one included); 404 if not theirs
    or already expired."""
    if not session_id or len(session_id) > _MAX_ID_LENGTH:
        raise NotFound()
    try:
        Session(caller.account_id, session_id).delete(
            condition=Session.session_id.exists()
            & (Session.expires_at > clock.now())
            & (Session.created_at > clock.now() - SESSION_LIFETIME)
        )
    except DeleteError as exc:
        if condition_failed(exc):
            raise NotFound() from None
        raise Unavailable("dynamodb") from exc


def end_current(caller: Caller) -> None:
    """Sign out: the calling session's token stops working."""
    Session(caller.account_id, caller.session_id).delete()


def end_other_sessions(caller: Caller) -> int:
    """End every session of the caller except the current one; returns how many live ones
    were ended (expired leftovers are removed too, uncounted)."""
    now = clock.now()
    others = [
        s
        for s in Session.query(caller.account_id, consistent_read=True)
        if s.session_id != caller.session_id
    ]
    with Session.batch_write() as batch:
        for session in others:
            batch.delete(session)
    return sum(1 for s in others if is_live(s, now))

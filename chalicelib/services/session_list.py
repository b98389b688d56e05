"""The caller's active sessions: list them, end one, end the others, sign out.

Every read and delete is keyed by the caller's own ``account_id`` (the table's
hash key), so another account's session id is simply not found (404).
Expired items still in the table (TTL deletes lazily) are never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pynamodb.exceptions import TransactWriteError

from chalicelib import limits
from chalicelib.adapters import clock, geoip, useragent
from chalicelib.caller import Caller
from chalicelib.errors import NotFound
from chalicelib.instants import utc_iso
from chalicelib.services import activity
from chalicelib.services.activity import Actor, location_view
from chalicelib.services.sessions import is_live
from chalicelib.store.base import transaction
from chalicelib.store.ops import (
    CONDITION_FAILED,
    cancelled_by,
)
from chalicelib.store.sessions import Location, Session

if TYPE_CHECKING:  # response shapes: types only (pydantic is not loaded by services)
    from chalicelib.schemas.sessions import DeviceOut, LocationOut, SessionList, SessionOut

_MAX_ID_LENGTH = 64
_VERSION = re.compile(r"\s+[\d._]+$")


def session_view(session: Session, current_session_id: str | None) -> SessionOut:
    """The Session object of docs/api.md."""
    client = describe_client(session.user_agent, session.location, session.ip)
    return {
        "id": session.session_id,
        "current": session.session_id == current_session_id,
        "email": session.email,
        "device": client.device,
        "browser": client.browser,
        "ip": session.ip,
        "location": client.location,
        "local_network": client.local_network,
        "created_at": utc_iso(session.created_at),
        "last_active_at": utc_iso(session.last_active_at),
        "expires_at": utc_iso(session.expires_at),
    }


@dataclass(frozen=True)
class ClientView:
    """``device``, ``browser``, ``location`` and ``local_network`` (a loopback or private
    address, which no location can be found for) as sessions and activity events show them."""

    device: DeviceOut
    browser: str | None
    location: LocationOut | None
    local_network: bool


def describe_client(
    user_agent: str | None, place: Location | None, ip: str | None = None
) -> ClientView:
    info = useragent.describe(user_agent)
    return ClientView(
        device={"type": info.type, "name": info.name, "os": info.os},
        browser=info.browser,
        location=location_view(place),
        local_network=geoip.is_internal(ip),
    )


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
            & (Session.created_at > now - limits.SESSION_LIFETIME),
            consistent_read=True,
        )
    )


def list_sessions(caller: Caller) -> SessionList:
    """Current session first, then the most recently active."""
    sessions = live_sessions(caller.account_id)
    sessions.sort(key=lambda s: s.last_active_at, reverse=True)
    sessions.sort(key=lambda s: s.session_id != caller.session_id)  # stable: current first
    return {
        "count": len(sessions),
        "sessions": [session_view(s, caller.session_id) for s in sessions],
    }


def end_session(caller: Caller, session_id: str, actor: Actor) -> None:
    """End one of the caller's sessions (the current one included); 404 if not theirs
    or already expired."""
    if not session_id or len(session_id) > _MAX_ID_LENGTH:
        raise NotFound()
    session = Session(caller.account_id, session_id)
    try:
        with transaction() as write:
            write.delete(
                session,
                condition=Session.session_id.exists()
                & (Session.expires_at > clock.now())
                & (Session.created_at > clock.now() - limits.SESSION_LIFETIME),
            )
            activity.add(write, actor, "session_ended", {"session_id": session_id})
    except TransactWriteError as exc:
        if cancelled_by(exc, session) == CONDITION_FAILED:
            raise NotFound() from None
        raise


def end_current(caller: Caller, actor: Actor) -> None:
    """Sign out: the calling session's token stops working."""
    with transaction() as write:
        write.delete(Session(caller.account_id, caller.session_id))
        activity.add(write, actor, "sign_out")


# A transaction holds at most 100 items: the sessions to end, plus the event.
_SESSIONS_PER_TRANSACTION = 99


def end_other_sessions(caller: Caller, actor: Actor) -> int:
    """End every session of the caller except the current one; returns how many live ones
    were ended (expired leftovers are removed too, uncounted).

    The event goes with the last deletes: a failure half-way (503) leaves no event
    and the retry ends the rest, with the event."""
    now = clock.now()
    others = [
        s
        for s in Session.query(caller.account_id, consistent_read=True)
        if s.session_id != caller.session_id
    ]
    ended = sum(1 for s in others if is_live(s, now))
    chunks = [
        others[i : i + _SESSIONS_PER_TRANSACTION]
        for i in range(0, len(others), _SESSIONS_PER_TRANSACTION)
    ] or [[]]
    for index, chunk in enumerate(chunks):
        with transaction() as write:
            for session in chunk:
                write.delete(session)
            if index == len(chunks) - 1:
                activity.add(write, actor, "other_sessions_ended", {"ended": ended})
    return ended

"""``GET /account/export``: everything the portal holds about the person, in one document.

The caller's own account only: every read is keyed by the authenticated
account id (or by its verified addresses, for the professionals' records).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.adapters import clock
from chalicelib.caller import Caller
from chalicelib.instants import utc_iso
from chalicelib.services import activity, appointments, session_list
from chalicelib.services.activity import Actor
from chalicelib.services.profile import profile_view

if TYPE_CHECKING:  # response shapes: types only (pydantic is not loaded by services)
    from chalicelib.schemas.account import AccountExport

# Every appointment, whatever its date: the export is the whole history.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


def export(caller: Caller, actor: Actor) -> AccountExport:
    """The export document (docs/api.md). The ``export`` event is recorded once everything
    is read, and listed first in the document's activity: an export that fails
    (503) leaves no event, and no export goes out unrecorded."""
    account = caller.account()
    profile = profile_view(account)  # the photo member holds a fresh signed URL
    sessions = session_list.live_sessions(account.account_id)
    sessions.sort(key=lambda s: s.created_at, reverse=True)
    booked = appointments.list_for_account(account, _BEGINNING, None)
    events = activity.list_activity(account.account_id)["events"]
    recorded = activity.record(actor, "export")
    return {
        "exported_at": utc_iso(recorded.at),
        "profile": profile,
        "emails": profile["emails"],
        "pending_emails": profile["pending_emails"],
        "sessions": [session_list.session_view(s, caller.session_id) for s in sessions],
        "activity": [activity.event_view(recorded), *events],
        "appointments": booked["appointments"],
        "professionals": booked["professionals"],
        "photo": profile["photo"]["url"] if profile["photo"] else None,
    }


def export_filename() -> str:
    return f"portail-donnees-{clock.now().strftime('%Y-%m-%d')}.json"

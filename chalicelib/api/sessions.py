"""Routes: active sessions, "Connexions actives" (docs/api.md "Active sessions")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.api import cookie_session
from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import session_list

if TYPE_CHECKING:
    from chalicelib.schemas.sessions import EndedSessions, SessionList

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/sessions",
    "GET",
    summary="List the caller's active sessions (current first)",
    tags=["sessions"],
    response=schema("sessions.SessionList"),
    errors=(401, 503),
)
def list_sessions(call: Call) -> SessionList:
    return session_list.list_sessions(call.account)


@endpoint(
    bp,
    "/sessions/{session_id}",
    "DELETE",
    summary="End one of the caller's sessions",
    tags=["sessions"],
    status=204,
    errors=(401, 404, 503),
)
def end_session(call: Call, session_id: str) -> Response | None:
    session_list.end_session(call.account, session_id, actor_of(call))
    if session_id == call.account.session_id:  # signed out here: the page's cookie goes too
        return cookie_session.ended_here(call.request, Response(body="", status_code=204))
    return None


@endpoint(
    bp,
    "/sessions",
    "DELETE",
    summary="End every session of the caller except the current one",
    tags=["sessions"],
    response=schema("sessions.EndedSessions"),
    errors=(401, 503),
)
def end_other_sessions(call: Call) -> EndedSessions:
    return {"ended": session_list.end_other_sessions(call.account, actor_of(call))}

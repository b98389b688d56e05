"""Routes: active sessions, "Connexions actives" (API.md "Active sessions")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

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
def end_session(call: Call, session_id: str) -> None:
    session_list.end_session(call.account, session_id, actor_of(call))


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

"""Routes: one list of appointments across professionals (docs/api.md "Appointments")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import appointments

if TYPE_CHECKING:
    from chalicelib.schemas.appointments import AppointmentsOut, AppointmentsQuery

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/appointments",
    "GET",
    summary="Appointments with every professional whose client record has one of my addresses",
    tags=["appointments"],
    query=schema("appointments.AppointmentsQuery"),
    response=schema("appointments.AppointmentsOut"),
    errors=(422, 503),
)
def list_appointments(call: Call) -> AppointmentsOut:
    query: AppointmentsQuery = call.query
    return appointments.list_for_account(call.account.account(), query.start_from, query.to)

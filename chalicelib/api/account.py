"""Routes: privacy self-service, "Mes données" (docs/api.md "Privacy self-service").

Every route acts on the caller's own account: no route takes an account id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import limits
from chalicelib.api import cookie_session
from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import account_data, account_deletion, activity

if TYPE_CHECKING:
    from chalicelib.schemas.account import AccountDeletionConfirm, ActivityOut, DeletionCodeSent

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/account/activity",
    "GET",
    summary=f"The account's security activity of the last {limits.ACTIVITY_RETENTION.days} days, "
    "newest first",
    tags=["account"],
    response=schema("account.ActivityOut"),
    errors=(401, 503),
)
def get_activity(call: Call) -> ActivityOut:
    return activity.list_activity(call.account.account_id)


@endpoint(
    bp,
    "/account/export",
    "GET",
    summary="Download everything the portal holds about the caller (JSON)",
    description="An attachment (`Content-Disposition`); recorded as an `export` event.",
    tags=["account"],
    response=schema("account.AccountExport"),
    errors=(401, 503),
)
def export_data(call: Call) -> Response:
    return Response(
        body=account_data.export(call.account, actor_of(call)),
        status_code=200,
        headers={
            "Content-Type": "application/json",
            "Content-Disposition": (f'attachment; filename="{account_data.export_filename()}"'),
        },
    )


@endpoint(
    bp,
    "/account/deletion",
    "POST",
    summary="Email a code that confirms deleting the account",
    description="Sent to the session's address, in the account's language. Same sending "
    "limits as sign-in codes (429).",
    tags=["account"],
    status=202,
    response=schema("account.DeletionCodeSent"),
    errors=(401, 429, 503),
)
def request_deletion(call: Call) -> DeletionCodeSent:
    expires_in = account_deletion.request_deletion(call.account, actor_of(call))
    return {"sent": True, "expires_in": expires_in}


@endpoint(
    bp,
    "/account",
    "DELETE",
    summary="Delete the portal account, at once and for good",
    description="Everything only the portal holds goes (account, sessions, address claims, "
    "codes, photo, activity); client records and appointments stay with the professionals. "
    "A confirmation goes to every verified address. 401 `invalid_code`, 429 "
    "`too_many_attempts`; 409 `version_conflict` if the account keeps changing meanwhile.",
    tags=["account"],
    status=204,
    body=schema("account.AccountDeletionConfirm"),
    errors=(400, 401, 409, 422, 429, 503),
)
def delete_account(call: Call, body: AccountDeletionConfirm) -> Response:
    account_deletion.delete_account(call.account, body.code)
    return cookie_session.ended_here(call.request, Response(body="", status_code=204))

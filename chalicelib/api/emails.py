"""Routes: an account's email addresses, "+ Courriel" (docs/api.md "Emails")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import emails

if TYPE_CHECKING:
    from chalicelib.schemas.emails import AddEmail, EmailsOut, PendingAdded, VerifyEmail

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/profile/emails",
    "POST",
    summary="Add an address (or resend its code): a 6-digit code is emailed to it",
    tags=["emails"],
    status=202,
    body=schema("emails.AddEmail"),
    response=schema("emails.PendingAdded"),
    errors=(400, 409, 422, 429, 503),
)
def add_email(call: Call, body: AddEmail) -> PendingAdded:
    return emails.add_address(call.account.account_id, body.email)


@endpoint(
    bp,
    "/profile/emails/verify",
    "POST",
    summary="Confirm an added address with its code",
    tags=["emails"],
    body=schema("emails.VerifyEmail"),
    response=schema("emails.EmailsOut"),
    errors=(400, 401, 409, 422, 429, 503),
)
def verify_email(call: Call, body: VerifyEmail) -> EmailsOut:
    account = emails.verify_address(call.account.account_id, body.email, body.code, actor_of(call))
    return emails.addresses_view(account)


@endpoint(
    bp,
    "/profile/emails/{address}",
    "DELETE",
    summary="Remove a verified address or cancel a pending one",
    tags=["emails"],
    response=schema("emails.EmailsOut"),
    errors=(404, 409, 503),
)
def remove_email(call: Call, address: str) -> EmailsOut:
    account = emails.remove_address(call.account.account_id, address, actor_of(call))
    return emails.addresses_view(account)

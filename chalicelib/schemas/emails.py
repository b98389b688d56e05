"""Requests and responses of the "+ Courriel" routes (docs/api.md "Emails")."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from chalicelib.schemas.common import EmailIn, Instant, out

_DEFERRED = ConfigDict(defer_build=True)


class AddEmail(BaseModel):
    model_config = _DEFERRED

    email: EmailIn


class VerifyEmail(BaseModel):
    model_config = _DEFERRED

    email: EmailIn
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]


@out
class VerifiedEmailOut(TypedDict):
    address: Annotated[str, Field(description="As the person typed it.")]
    verified_at: Instant


@out
class PendingEmailOut(TypedDict):
    address: str
    expires_at: Annotated[Instant, Field(description="When the emailed code stops working.")]
    resend_after: Annotated[Instant, Field(description="Asking again before this answers 429.")]


@out
class PendingAdded(TypedDict):
    pending: PendingEmailOut


@out
class EmailsOut(TypedDict):
    emails: list[VerifiedEmailOut]
    pending_emails: list[PendingEmailOut]

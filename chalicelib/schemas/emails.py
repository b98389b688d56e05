"""Requests and responses of the "+ Courriel" routes (docs/api.md "Emails")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.common import EmailIn

_DEFERRED = ConfigDict(defer_build=True)


class AddEmail(BaseModel):
    model_config = _DEFERRED

    email: EmailIn


class VerifyEmail(BaseModel):
    model_config = _DEFERRED

    email: EmailIn
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]


class VerifiedEmailOut(BaseModel):
    model_config = _DEFERRED

    address: str = Field(description="As the person typed it.")
    verified_at: datetime


class PendingEmailOut(BaseModel):
    model_config = _DEFERRED

    address: str
    expires_at: datetime = Field(description="When the emailed code stops working.")
    resend_after: datetime = Field(description="Asking again before this answers 429.")


class PendingAdded(BaseModel):
    model_config = _DEFERRED

    pending: PendingEmailOut


class EmailsOut(BaseModel):
    model_config = _DEFERRED

    emails: list[VerifiedEmailOut]
    pending_emails: list[PendingEmailOut]

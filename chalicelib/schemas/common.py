"""Shapes shared by every route."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.services import email_address

DEFERRED = ConfigDict(defer_build=True)

# An email address as typed. Syntax is checked by the email service
# (422 invalid_email, with IDN handling); the schema bounds the size.
EmailIn = Annotated[
    str,
    Field(
        min_length=1,
        max_length=email_address.MAX_LENGTH,
        examples=["camille@example.com"],
        json_schema_extra={"format": "email"},
    ),
]


class ErrorBody(BaseModel):
    model_config = DEFERRED

    code: str = Field(description="Stable snake_case identifier that clients switch on.")
    message: str = Field(description="Human text in the caller's language.")
    fields: dict[str, str] | None = Field(
        default=None, description="Only for validation_failed: field name -> reason code."
    )


class ErrorResponse(BaseModel):
    model_config = DEFERRED

    error: ErrorBody


class Health(BaseModel):
    model_config = DEFERRED

    status: str

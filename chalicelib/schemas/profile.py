"""Requests and responses of the profile routes (API.md "Profile").

``ProfileUpdate`` only checks JSON types (a wrong type is a 400): every value
rule (names, phones, choices, a missing field) is checked by
``services.profile.save_profile``, so that one 422 reports every failing field
at once. The constraints are still declared here, as documentation for
``/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from chalicelib.config import LANGUAGES
from chalicelib.i18n.formatting import DATE_FORMATS, TIME_FORMATS
from chalicelib.services.profile import (  # the rules' own limits, documented here
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
)

_DEFERRED = ConfigDict(defer_build=True)
_REQUIRED = (
    "version",
    "first_name",
    "last_name",
    "language",
    "date_format",
    "time_format",
    "timezone",
)


def _document_required(schema: dict[str, Any]) -> None:
    # Missing or null values are reported by the service (422 with every field),
    # not by pydantic, so they are optional for pydantic but required (and not
    # nullable) in the contract.
    schema["required"] = list(_REQUIRED)
    for name in _REQUIRED:
        prop = schema["properties"][name]
        prop.pop("default", None)
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if branches:
            prop.update(branches[0])
    # The zones save_profile accepts (tzdata's list): read when the document is built.
    from chalicelib.services.profile import zone_names

    schema["properties"]["timezone"]["enum"] = sorted(zone_names())


def _name(description: str) -> Any:
    return Field(
        default=None,
        description=description
        + " Trimmed and NFC-normalised; 1-100 letters of any script, spaces, "
        "hyphens, apostrophes (' or \u2019) and periods.",
        json_schema_extra={"minLength": 1, "maxLength": NAME_MAX_LENGTH},
        examples=["Camille"],
    )


def _phone(description: str) -> Any:
    return Field(
        default=None,
        description=description
        + " As typed by a person (without `+`: read in the default region); "
        "`null` or an empty string clears it.",
        json_schema_extra={"maxLength": PHONE_MAX_LENGTH},
        examples=["514 555-0123", "+33 6 12 34 56 78"],
    )


class ProfileUpdate(BaseModel):
    """The body of ``PUT /profile`` ("Enregistrer"): the whole editable profile."""

    model_config = ConfigDict(defer_build=True, json_schema_extra=_document_required)

    version: StrictInt | None = Field(
        default=None,
        description="The `version` of the profile being edited (optimistic locking).",
        json_schema_extra={"minimum": 0},
        examples=[3],
    )
    first_name: str | None = _name("First name.")
    last_name: str | None = _name("Last name.")
    mobile_phone: str | None = _phone("Mobile phone (must be able to receive SMS).")
    home_phone: str | None = _phone("Home phone.")
    language: str | None = Field(
        default=None,
        description="Language of the portal and of every email and SMS.",
        json_schema_extra={"enum": list(LANGUAGES)},
    )
    date_format: str | None = Field(default=None, json_schema_extra={"enum": list(DATE_FORMATS)})
    time_format: str | None = Field(default=None, json_schema_extra={"enum": list(TIME_FORMATS)})
    timezone: str | None = Field(
        default=None,
        description="An IANA time zone name.",
        json_schema_extra={"maxLength": 64},
        examples=["America/Toronto"],
    )

    @field_validator("version", mode="before")
    @classmethod
    def _integral_number(cls, value: Any) -> Any:
        # JSON does not tell 3 from 3.0 (and JSON Schema calls 3.0 an integer):
        # an integral number is the integer; 3.5, "3" or true stay a 400.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


class PhoneOut(BaseModel):
    model_config = _DEFERRED

    e164: str = Field(examples=["+15145550123"])
    national: str = Field(examples=["(514) 555-0123"])
    international: str = Field(examples=["+1 514-555-0123"])


class ProfilePhoto(BaseModel):
    model_config = _DEFERRED

    url: str = Field(description="Short-lived signed URL.")
    width: int
    height: int
    updated_at: datetime


class ProfileEmail(BaseModel):
    model_config = _DEFERRED

    address: str = Field(description="As the person typed it.")
    verified_at: datetime


class ProfilePendingEmail(BaseModel):
    model_config = _DEFERRED

    address: str
    expires_at: datetime
    resend_after: datetime


class Profile(BaseModel):
    """The Profile object of API.md."""

    model_config = _DEFERRED

    account_id: str
    first_name: str | None
    last_name: str | None
    photo: ProfilePhoto | None
    mobile_phone: PhoneOut | None
    home_phone: PhoneOut | None
    language: str = Field(json_schema_extra={"enum": list(LANGUAGES)})
    date_format: str = Field(json_schema_extra={"enum": list(DATE_FORMATS)})
    time_format: str = Field(json_schema_extra={"enum": list(TIME_FORMATS)})
    timezone: str
    emails: list[ProfileEmail]
    pending_emails: list[ProfilePendingEmail]
    version: int
    updated_at: datetime

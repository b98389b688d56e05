"""Requests and responses of the profile routes (docs/api.md "Profile").

``ProfileUpdate`` only checks JSON types (a wrong type is a 400): every value
rule (names, phones, choices, a missing field) is checked by
``services.profile.save_profile``, so that one 422 reports every failing field
at once. The constraints are still declared here, as documentation for
``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from typing_extensions import TypedDict

from chalicelib.config import DATE_FORMATS, LANGUAGES, TIME_FORMATS
from chalicelib.limits import PHONE_MAX_LENGTH
from chalicelib.profile_facts import NAME_MAX_LENGTH, zone_names
from chalicelib.schemas.common import Instant, out
from chalicelib.schemas.emails import PendingEmailOut, VerifiedEmailOut
from chalicelib.schemas.photo import PhotoOut

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


@out
class PhoneOut(TypedDict):
    e164: Annotated[str, Field(examples=["+15145550123"])]
    national: Annotated[str, Field(examples=["(514) 555-0123"])]
    international: Annotated[str, Field(examples=["+1 514-555-0123"])]


@out
class Profile(TypedDict):
    """The Profile object of docs/api.md."""

    account_id: str
    first_name: str | None
    last_name: str | None
    photo: PhotoOut | None
    mobile_phone: PhoneOut | None
    home_phone: PhoneOut | None
    language: Annotated[str, Field(json_schema_extra={"enum": list(LANGUAGES)})]
    date_format: Annotated[str, Field(json_schema_extra={"enum": list(DATE_FORMATS)})]
    time_format: Annotated[str, Field(json_schema_extra={"enum": list(TIME_FORMATS)})]
    timezone: str
    emails: list[VerifiedEmailOut]
    pending_emails: list[PendingEmailOut]
    version: int
    updated_at: Instant

"""Shapes shared by every route.

Request bodies are pydantic models (they parse and validate what arrives).
Responses are ``TypedDict``s: services build them as plain dicts (mypy checks
every key and type), the route decorator returns them as they are, and
validates them against the same class when ``PORTAL_VALIDATE_RESPONSES`` is on
(tests, the local stack); ``/openapi.json`` is generated from the same classes.
Services import them for type checking only, so pydantic stays off the cold start.
"""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from chalicelib import limits

DEFERRED = ConfigDict(defer_build=True)

# Every response shape: a key the class does not declare is a bug (tests fail).
OUT = ConfigDict(extra="forbid")
out = with_config(OUT)

# An instant on the wire (chalicelib.instants.utc_iso): RFC 3339, UTC, whole seconds, Z.
Instant = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        json_schema_extra={"format": "date-time"},
        examples=["2026-11-29T20:15:00Z"],
    ),
]

# An email address as typed. Syntax is checked by the email service
# (422 invalid_email, with IDN handling); the schema bounds the size.
EmailIn = Annotated[
    str,
    Field(
        min_length=1,
        max_length=limits.EMAIL_MAX_LENGTH,
        examples=["camille@example.com"],
        json_schema_extra={"format": "email"},
    ),
]


@out
class ErrorBody(TypedDict):
    code: Annotated[str, Field(description="Stable snake_case identifier that clients switch on.")]
    message: Annotated[str, Field(description="Human text in the caller's language.")]
    fields: NotRequired[
        Annotated[
            dict[str, str],
            Field(description="Only for validation_failed: field name -> reason code."),
        ]
    ]


@out
class ErrorResponse(TypedDict):
    error: ErrorBody


@out
class Health(TypedDict):
    status: str

"""Query and response of ``GET /appointments`` (docs/api.md "Appointments")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from chalicelib.limits import APPOINTMENT_HISTORY
from chalicelib.schemas.common import Instant, out


class AppointmentsQuery(BaseModel):
    """``from``/``to``: ISO 8601 with an offset; a bad value is a 422 on that field."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, extra="ignore")

    start_from: Annotated[
        datetime | None,
        Field(
            alias="from",
            description="Only appointments starting at or after this "
            f"(default: {APPOINTMENT_HISTORY.days} days ago).",
            examples=["2026-11-01T00:00:00-04:00"],
        ),
    ] = None
    to: Annotated[
        datetime | None,
        Field(
            description="Only appointments starting at or before this (default: no end).",
            examples=["2026-12-31T23:59:59Z"],
        ),
    ] = None

    @field_validator("start_from", "to", mode="before")
    @classmethod
    def _aware_iso_datetime(cls, value: object) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 40:
            raise PydanticCustomError("invalid_datetime", "an ISO 8601 date and time")
        try:
            moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            raise PydanticCustomError("invalid_datetime", "an ISO 8601 date and time") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise PydanticCustomError("timezone_required", "the time needs an offset or Z")
        try:  # 0001-01-01T00:00+15:00 is before year 1 in UTC: not a time we can query
            moment.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError("invalid_datetime", "an ISO 8601 date and time") from None
        return moment


@out
class ProfessionalRef(TypedDict):
    id: str
    name: Annotated[
        str | None, Field(description="Null until the booking platform has described it.")
    ]


@out
class AppointmentOut(TypedDict):
    id: str
    professional: ProfessionalRef
    start: Instant
    end: Instant | None
    timezone: Annotated[str, Field(description="The professional's IANA time zone.")]
    service: str | None
    status: Literal["booked", "cancelled"]


@out
class ProfessionalOut(TypedDict):
    id: str
    name: str | None
    email: Annotated[
        str, Field(description="The account's address this professional's record uses.")
    ]


@out
class AppointmentsOut(TypedDict):
    appointments: list[AppointmentOut]
    professionals: list[ProfessionalOut]
    client_since: Annotated[
        Instant | None,
        Field(
            description="When the earliest client record of the account's addresses was "
            "created: the history a client can page back to with `from`/`to`; null when no "
            "professional knows the account's addresses."
        ),
    ]

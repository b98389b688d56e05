"""Booking events published by the booking platform (docs/api.md "Booking events")."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from chalicelib import limits

Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Text = Annotated[str, Field(max_length=200)]
_STRICT = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)


class ProfessionalData(BaseModel):
    model_config = _STRICT

    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: str
    sms_reminders_enabled: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value


class ClientRecordData(BaseModel):
    model_config = _STRICT

    professional_id: Id
    client_id: Id
    first_name: Text | None = None
    last_name: Text | None = None
    email: Annotated[str, Field(max_length=limits.EMAIL_MAX_LENGTH)] | None = None
    mobile_phone: Annotated[str, Field(max_length=limits.PHONE_MAX_LENGTH)] | None = None
    home_phone: Annotated[str, Field(max_length=limits.PHONE_MAX_LENGTH)] | None = None
    language: Literal["fr", "en"] | None = None
    created_at: AwareDatetime


class AppointmentData(BaseModel):
    model_config = _STRICT

    professional_id: Id
    client_id: Id
    id: Id
    start: AwareDatetime
    end: AwareDatetime
    service: Text | None = None
    status: Literal["booked", "cancelled"]


class AppointmentRef(BaseModel):
    model_config = _STRICT

    professional_id: Id
    client_id: Id
    id: Id


class ProfessionalUpserted(BaseModel):
    model_config = _STRICT

    type: Literal["professional.upserted"]
    occurred_at: AwareDatetime
    professional: ProfessionalData


class ClientRecordUpserted(BaseModel):
    model_config = _STRICT

    type: Literal["client_record.upserted"]
    occurred_at: AwareDatetime
    client_record: ClientRecordData


class AppointmentUpserted(BaseModel):
    model_config = _STRICT

    type: Literal["appointment.upserted"]
    occurred_at: AwareDatetime
    appointment: AppointmentData


class AppointmentDeleted(BaseModel):
    model_config = _STRICT

    type: Literal["appointment.deleted"]
    occurred_at: AwareDatetime
    appointment: AppointmentRef


class BookingEvent(BaseModel):
    model_config = ConfigDict(defer_build=True)

    event: Annotated[
        ProfessionalUpserted | ClientRecordUpserted | AppointmentUpserted | AppointmentDeleted,
        Field(discriminator="type"),
    ]

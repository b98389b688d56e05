"""Privacy self-service: activity, export, deletion (docs/api.md "Contract v2 additions")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.appointments import AppointmentOut, ProfessionalOut
from chalicelib.schemas.profile import Profile, ProfileEmail, ProfilePendingEmail
from chalicelib.schemas.sessions import DeviceOut, LocationOut, SessionOut
from chalicelib.services.activity import RETENTION
from chalicelib.services.activity import TYPES as ACTIVITY_TYPES

_OUT = ConfigDict(defer_build=True)

EventType = Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]  # the service's one list


class EventOut(BaseModel):
    model_config = _OUT

    type: EventType
    at: datetime
    ip: str | None = Field(description="Of the request that did it.")
    location: LocationOut | None = Field(description="Approximate; null when unknown.")
    local_network: bool = Field(
        default=False, description="The IP is loopback or private: shown as 'Local network'."
    )
    device: DeviceOut
    browser: str | None
    email: str | None = Field(description="The address the acting session signed in with.")
    detail: dict[str, Any] | None = Field(
        description="`address` for email events, `session_id` for session_ended, "
        "`ended` for other_sessions_ended; null otherwise."
    )


class ActivityOut(BaseModel):
    model_config = _OUT

    events: list[EventOut] = Field(description=f"The last {RETENTION.days} days, newest first.")


class AccountExport(BaseModel):
    model_config = _OUT

    exported_at: datetime
    profile: Profile
    emails: list[ProfileEmail]
    pending_emails: list[ProfilePendingEmail]
    sessions: list[SessionOut]
    activity: list[EventOut]
    appointments: list[AppointmentOut] = Field(description="Every one, any date.")
    professionals: list[ProfessionalOut]
    photo: str | None = Field(description="One-hour signed URL of the photo, or null.")


class AccountDeletionConfirm(BaseModel):
    model_config = ConfigDict(defer_build=True, str_strip_whitespace=True)

    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]

"""Privacy self-service: activity, export, deletion (docs/api.md "Contract v2 additions")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from chalicelib.limits import ACTIVITY_RETENTION, CODE_TTL_SECONDS
from chalicelib.schemas.appointments import AppointmentOut, ProfessionalOut
from chalicelib.schemas.common import Instant, out
from chalicelib.schemas.emails import PendingEmailOut, VerifiedEmailOut
from chalicelib.schemas.profile import Profile
from chalicelib.schemas.sessions import DeviceOut, LocationOut, SessionOut
from chalicelib.store.activity import ActivityType


@out
class EventOut(TypedDict):
    type: ActivityType
    at: Instant
    ip: Annotated[str | None, Field(description="Of the request that did it.")]
    location: Annotated[LocationOut | None, Field(description="Approximate; null when unknown.")]
    local_network: Annotated[
        bool, Field(description="The IP is loopback or private: shown as 'Local network'.")
    ]
    device: DeviceOut
    browser: str | None
    email: Annotated[
        str | None, Field(description="The address the acting session signed in with.")
    ]
    detail: Annotated[
        dict[str, Any] | None,
        Field(
            description="`address` for email events, `session_id` for session_ended, "
            "`ended` for other_sessions_ended; null otherwise."
        ),
    ]


@out
class ActivityOut(TypedDict):
    events: Annotated[
        list[EventOut],
        Field(description=f"The last {ACTIVITY_RETENTION.days} days, newest first."),
    ]


@out
class AccountExport(TypedDict):
    exported_at: Instant
    profile: Profile
    emails: list[VerifiedEmailOut]
    pending_emails: list[PendingEmailOut]
    sessions: list[SessionOut]
    activity: list[EventOut]
    appointments: Annotated[list[AppointmentOut], Field(description="Every one, any date.")]
    professionals: list[ProfessionalOut]
    photo: Annotated[str | None, Field(description="One-hour signed URL of the photo, or null.")]


@out
class DeletionCodeSent(TypedDict):
    sent: Literal[True]
    expires_in: Annotated[
        int, Field(description="Seconds the code stays valid.", examples=[CODE_TTL_SECONDS])
    ]


class AccountDeletionConfirm(BaseModel):
    model_config = ConfigDict(defer_build=True, str_strip_whitespace=True)

    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]

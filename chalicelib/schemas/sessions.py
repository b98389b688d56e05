"""Active sessions ("Connexions actives"), as docs/api.md describes them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from chalicelib.limits import SESSION_LIFETIME
from chalicelib.schemas.common import Instant, out


@out
class DeviceOut(TypedDict):
    type: Literal["desktop", "mobile", "tablet", "bot", "other"]
    name: Annotated[
        str | None, Field(description="Device family, e.g. iPhone, Mac; null when unknown.")
    ]
    os: Annotated[str | None, Field(description="Operating system and version, e.g. iOS 17.4.")]


@out
class LocationOut(TypedDict):
    city: str | None
    region: str | None
    country: str | None
    country_code: str | None
    label: str | None


@out
class SessionOut(TypedDict):
    id: str
    current: bool
    email: Annotated[str, Field(description="The address used to sign in.")]
    device: DeviceOut
    browser: str | None
    ip: str | None
    location: Annotated[LocationOut | None, Field(description="Approximate; null when unknown.")]
    local_network: Annotated[
        bool, Field(description="The IP is loopback or private: shown as 'Local network'.")
    ]
    created_at: Instant
    last_active_at: Instant
    expires_at: Annotated[
        Instant, Field(description=f"At most {SESSION_LIFETIME.days} days after created_at.")
    ]


@out
class SessionList(TypedDict):
    count: int
    sessions: list[SessionOut]


@out
class EndedSessions(TypedDict):
    ended: Annotated[int, Field(ge=0)]

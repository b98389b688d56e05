"""Active sessions ("Connexions actives"), as docs/api.md describes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.services.sessions import SESSION_LIFETIME

DEFERRED = ConfigDict(defer_build=True)


class DeviceOut(BaseModel):
    model_config = DEFERRED

    type: Literal["desktop", "mobile", "tablet", "bot", "other"]
    name: str | None = Field(description="Device family, e.g. iPhone, Mac; null when unknown.")
    os: str | None = Field(description="Operating system and version, e.g. iOS 17.4.")


class LocationOut(BaseModel):
    model_config = DEFERRED

    city: str | None
    region: str | None
    country: str | None
    country_code: str | None
    label: str | None


class SessionOut(BaseModel):
    model_config = DEFERRED

    id: str
    current: bool
    email: str = Field(description="The address used to sign in.")
    device: DeviceOut
    browser: str | None
    ip: str | None
    location: LocationOut | None = Field(description="Approximate; null when unknown.")
    local_network: bool = Field(
        default=False, description="The IP is loopback or private: shown as 'Local network'."
    )
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime = Field(
        description=f"At most {SESSION_LIFETIME.days} days after created_at."
    )


class SessionList(BaseModel):
    model_config = DEFERRED

    count: int
    sessions: list[SessionOut]


class EndedSessions(BaseModel):
    model_config = DEFERRED

    ended: int = Field(ge=0)

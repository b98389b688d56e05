"""Profile photo requests and answers (docs/api.md "Photo")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFERRED = ConfigDict(defer_build=True)


class UploadTicket(BaseModel):
    model_config = DEFERRED

    url: str = Field(description="Where to POST the multipart form (S3).")
    fields: dict[str, str] = Field(
        description="Form fields to send as given, before the `file` field. `Content-Type` may "
        "be replaced by the file's own image/... type."
    )
    key: str = Field(description="The object key to commit with POST /profile/photo.")
    max_bytes: int = Field(description="Largest file S3 accepts for this upload.")
    expires_in: int = Field(description="Seconds the form stays valid.")


class PhotoCommit(BaseModel):
    model_config = DEFERRED

    key: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^uploads/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,64}$",
        description="The `key` of an upload issued to this account.",
    )


class PhotoRotate(BaseModel):
    model_config = DEFERRED

    degrees: Literal[90, 180, 270] = Field(description="Clockwise.")


class PhotoOut(BaseModel):
    """The ``photo`` member of the profile."""

    model_config = DEFERRED

    url: str = Field(description="Signed URL valid one hour; the object itself is never public.")
    width: int = Field(ge=1, le=1024)
    height: int = Field(ge=1, le=1024)
    updated_at: datetime


class PhotoChanged(PhotoOut):
    """A photo route's answer: the photo, and the profile version after the change."""

    version: int = Field(
        description="The profile's version after this change: photo changes increment it (so "
        "a stale profile save cannot bring back a deleted photo); use it for the next "
        "PUT /profile."
    )
